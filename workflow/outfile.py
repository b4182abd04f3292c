"""Writing an output file: whole or not at all, and never through a symbolic link.

Every file the program writes for a user (an export, an archive package, a
calendar, a diagram, a timeline) goes through :func:`write_atomically`, or, when it is
written as it is produced, through :func:`open_atomically`.
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from collections.abc import Iterable, Iterator
from typing import Any, BinaryIO, cast

from workflow.core.errors import OutputNotWritable

NEW_FILE_MODE = 0o666
"""The permissions of a file that did not exist before, less the process's umask, as ``open`` gives
them (a replaced file keeps its own): an export written under ``umask 077`` is its owner's alone."""


def _umask() -> int:
    """The process's umask, read without changing it (``os.umask`` sets it, for every thread)."""
    try:
        with open("/proc/self/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0o022)  # no /proc: set and restore at once
    os.umask(mask)
    return mask


def write_atomically(path: str | os.PathLike[str], data: bytes) -> None:
    """Write ``data`` to ``path`` whole or not at all (:func:`open_atomically`)."""
    with open_atomically(path) as f:
        f.write(data)


@contextlib.contextmanager
def open_atomically(path: str | os.PathLike[str]) -> Iterator[BinaryIO]:
    """A binary file to write ``path`` through: a temporary file in the same folder,
    flushed and fsync'd when the block ends, then renamed over ``path`` with
    :func:`os.replace`.  If the block raises, ``path`` is left as it was.

    Why: a half-written export or calendar must never be left behind -- a
    reader (a calendar client, an import, an archive) sees the old file or the
    new one, never a torn one, even if the program is killed or the disk
    fills; and an export written as it is read from the database (far larger
    than memory) must be kept only once all of it has been written.  A link
    planted in a shared folder must not redirect what the program writes: if
    ``path`` is a symbolic link (also one that points nowhere) it is refused,
    and neither the link nor what it points to is touched.  A folder, or
    anything else that is not a regular file, is refused too.

    A new file gets the mode ``open`` would give it (0o666 less the umask:
    0o644 as a rule); a file that is replaced keeps its mode.  The
    temporary file is readable by its owner alone until it is complete: a
    process killed outright (SIGKILL, power loss) can leave one behind, named
    ``.NAME.*.tmp``, but never a torn ``NAME`` and never one others can read.
    Every failure to write raises :class:`~workflow.core.errors.OutputNotWritable`
    and leaves no temporary file behind; an error of the block's own (a
    database read, a temporary file elsewhere) goes through as it is.
    """
    target = os.fspath(path)
    mode = _mode_for(target)
    folder = os.path.dirname(target) or "."
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{os.path.basename(target)[:100]}.", suffix=".tmp", dir=folder)
    except OSError as e:
        raise OutputNotWritable(target, e.strerror or str(e)) from None
    try:
        with os.fdopen(fd, "wb") as f:
            yield cast(BinaryIO, _Output(f, target))
            try:
                f.flush()
                os.fsync(f.fileno())
                os.fchmod(f.fileno(), mode)
            except OSError as e:
                raise OutputNotWritable(target, e.strerror or str(e)) from None
        # Checked again just before the rename: a link planted meanwhile is refused, not replaced.
        _mode_for(target)
        try:
            os.replace(tmp, target)
        except OSError as e:
            raise OutputNotWritable(target, e.strerror or str(e)) from None
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    _sync_folder(folder)


class _Output:
    """The temporary file as the block writes it: a failure of its own writing is the output's
    (:class:`OutputNotWritable`, naming the file); everything else is the file's."""

    def __init__(self, f: BinaryIO, target: str) -> None:
        self._f, self._target = f, target

    def write(self, data: bytes) -> int:
        try:
            return self._f.write(data)
        except OSError as e:
            raise OutputNotWritable(self._target, e.strerror or str(e)) from None

    def writelines(self, lines: Iterable[bytes]) -> None:
        for line in lines:
            self.write(line)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._f, name)


def _mode_for(target: str) -> int:
    """The mode the written file gets; refuses a link, a folder or another non-regular file."""
    try:
        st = os.lstat(target)
    except FileNotFoundError:
        return NEW_FILE_MODE & ~_umask()
    except OSError as e:
        raise OutputNotWritable(target, e.strerror or str(e)) from None
    if stat.S_ISLNK(st.st_mode):
        raise OutputNotWritable(target, "it is a symbolic link; refusing to write through or over it")
    if stat.S_ISDIR(st.st_mode):
        raise OutputNotWritable(target, "it is a folder")
    if not stat.S_ISREG(st.st_mode):
        raise OutputNotWritable(target, "it is not a regular file")
    return stat.S_IMODE(st.st_mode)


def _sync_folder(folder: str) -> None:
    """Make the rename itself durable where the platform allows it (best effort: the file is in place)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
