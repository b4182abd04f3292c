"""Output files are written whole or not at all, and never through or over a symbolic link.

Three commands that write a file the user names -- ``wf due --ics``, ``wf export -o`` and
``wf case timeline -o`` -- each run through Click's CliRunner against the demo cases, and
:func:`workflow.outfile.write_atomically` and :func:`~workflow.outfile.open_atomically` on their own for
what a command cannot provoke.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable
from pathlib import Path
from typing import Any, NamedTuple

import pytest

from tests.conftest import Cli
from workflow.core.errors import OutputNotWritable
from workflow.outfile import open_atomically, write_atomically

TODAY = "2026-03-23"


class Command(NamedTuple):
    args: Callable[[str], tuple[str, ...]]
    refused: int
    """The exit code of a refused target: 5, invalid input, whichever command names it."""
    folder_refused: int
    """The exit code for a folder: 2 where Click itself refuses it (``--ics`` is ``dir_okay=False``)."""
    complete: Callable[[Cli, bytes], None]
    """Checks the written bytes are the whole of what the command produces."""


def _ics_complete(cli: Cli, data: bytes) -> None:
    text = data.decode("utf-8")
    assert text.startswith("BEGIN:VCALENDAR\r\n") and text.endswith("END:VCALENDAR\r\n")
    items = cli("due", "--today", TODAY, "--format", "json").output
    assert text.count("BEGIN:VEVENT") == items.count('"case_id"') > 0


def _same_as_stdout(*args: str) -> Callable[[Cli, bytes], None]:
    def check(cli: Cli, data: bytes) -> None:
        assert data == cli(*args).stdout_bytes

    return check


COMMANDS = {
    "due --ics": Command(lambda p: ("due", "--today", TODAY, "--ics", p), 5, 2, _ics_complete),
    "export -o": Command(lambda p: ("export", "-o", p), 5, 5, _same_as_stdout("export")),
    "case timeline -o": Command(
        lambda p: ("case", "timeline", "demo-dorotea", "--today", TODAY, "-o", p), 5, 5,
        _same_as_stdout("case", "timeline", "demo-dorotea", "--today", TODAY),
    ),
}
commands = pytest.mark.parametrize("name", list(COMMANDS))


@pytest.fixture
def out(tmp_path: Path) -> Path:
    """A folder of its own for the output (the test database lives in ``tmp_path``)."""
    folder = tmp_path / "out"
    folder.mkdir()
    return folder


def _one_line(output: str) -> str:
    lines = output.strip().splitlines()
    assert len(lines) == 1, output
    return lines[0]


@commands
def test_a_link_to_another_file_is_refused_and_that_file_untouched(
        name: str, demo: Any, cli: Cli, out: Path, tmp_path: Path) -> None:
    """The user sees one line naming the link, a non-zero exit, and their other file as it was."""
    command = COMMANDS[name]
    precious = tmp_path / "precious.txt"
    precious.write_bytes(b"someone else's file\n")
    link = out / "planted"
    link.symlink_to(precious)
    result = cli(*command.args(str(link)), code=command.refused)
    line = _one_line(result.output)
    assert str(link) in line and "symbolic link" in line
    assert precious.read_bytes() == b"someone else's file\n"
    assert link.is_symlink() and os.readlink(link) == str(precious)
    assert sorted(p.name for p in out.iterdir()) == ["planted"]


@commands
def test_a_dangling_link_is_refused_and_nothing_created_where_it_points(
        name: str, demo: Any, cli: Cli, out: Path, tmp_path: Path) -> None:
    """The user sees the refusal, and no file appears at the link's destination."""
    command = COMMANDS[name]
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    link = out / "dangling"
    link.symlink_to(elsewhere / "missing")
    result = cli(*command.args(str(link)), code=command.refused)
    assert "symbolic link" in _one_line(result.output)
    assert list(elsewhere.iterdir()) == []
    assert link.is_symlink() and not link.exists()
    assert sorted(p.name for p in out.iterdir()) == ["dangling"]


@commands
def test_a_folder_is_refused(name: str, demo: Any, cli: Cli, out: Path) -> None:
    """The user sees that the target is a folder, and the folder stays as it was."""
    command = COMMANDS[name]
    folder = out / "a-folder"
    folder.mkdir()
    result = cli(*command.args(str(folder)), code=command.folder_refused)
    assert "folder" in result.output or "directory" in result.output
    assert list(folder.iterdir()) == []
    assert sorted(p.name for p in out.iterdir()) == ["a-folder"]


@commands
def test_a_normal_write_is_complete_and_leaves_no_temporary_file(name: str, demo: Any, cli: Cli, out: Path) -> None:
    """The user finds exactly the file they named, whole, first written and then replaced."""
    command = COMMANDS[name]
    target = out / "result"
    cli(*command.args(str(target)))
    assert sorted(p.name for p in out.iterdir()) == ["result"]
    command.complete(cli, target.read_bytes())
    target.write_bytes(b"an older version, longer than nothing " * 1000)
    cli(*command.args(str(target)))
    assert sorted(p.name for p in out.iterdir()) == ["result"]
    command.complete(cli, target.read_bytes())


# -- write_atomically on its own --------------------------------------------------------


def test_a_failed_rename_leaves_the_old_file_and_no_temporary_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The user still has the old file, complete, and no stray ``.name.*.tmp`` next to it."""
    target = tmp_path / "cases.json"
    target.write_bytes(b"the old export\n")

    def no_rename(src: Any, dst: Any) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", no_rename)
    with pytest.raises(OutputNotWritable) as raised:
        write_atomically(target, b"the new export\n")
    assert str(raised.value) == f"cannot write {target}: No space left on device"
    assert raised.value.exit_code != 0
    assert target.read_bytes() == b"the old export\n"
    assert [p.name for p in tmp_path.iterdir()] == ["cases.json"]


def test_a_failed_write_leaves_no_temporary_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A disk that fails mid-write: the user sees the error, and the folder is as it was."""

    def no_sync(fd: int) -> None:
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(os, "fsync", no_sync)
    with pytest.raises(OutputNotWritable, match="Input/output error"):
        write_atomically(tmp_path / "due.ics", b"BEGIN:VCALENDAR\r\n")
    assert list(tmp_path.iterdir()) == []


def test_a_missing_folder_is_refused(tmp_path: Path) -> None:
    """The user is told the file cannot be written; no folder is created for it."""
    with pytest.raises(OutputNotWritable, match="No such file or directory"):
        write_atomically(tmp_path / "no" / "such" / "x.svg", b"<svg/>")
    assert list(tmp_path.iterdir()) == []


def test_refusals_name_the_path_and_touch_nothing(tmp_path: Path) -> None:
    """A link (to a file, or to nowhere) and a folder: one line each, the path named, nothing changed."""
    other = tmp_path / "other"
    other.write_bytes(b"kept")
    (tmp_path / "link").symlink_to(other)
    (tmp_path / "dangling").symlink_to(tmp_path / "nowhere")
    (tmp_path / "folder").mkdir()
    for name, reason in (("link", "symbolic link"), ("dangling", "symbolic link"), ("folder", "folder")):
        with pytest.raises(OutputNotWritable) as raised:
            write_atomically(tmp_path / name, b"new")
        assert raised.value.path == str(tmp_path / name) and reason in raised.value.reason
        assert "\n" not in str(raised.value)
    assert other.read_bytes() == b"kept" and not (tmp_path / "nowhere").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dangling", "folder", "link", "other"]


def test_a_new_file_is_0644_and_a_replaced_file_keeps_its_mode(tmp_path: Path) -> None:
    """Someone else may read a new export; a file the user made private stays private when replaced."""
    new = tmp_path / "new.svg"
    write_atomically(new, b"<svg/>")
    assert stat.S_IMODE(new.stat().st_mode) == 0o644 and new.read_bytes() == b"<svg/>"
    private = tmp_path / "private.json"
    private.write_bytes(b"old")
    private.chmod(0o600)
    write_atomically(str(private), b"new")
    assert stat.S_IMODE(private.stat().st_mode) == 0o600 and private.read_bytes() == b"new"


# -- open_atomically: a file written as it is produced ----------------------------------


class _Stopped(Exception):
    """What an export raises half-way (a case whose log does not verify)."""


def test_a_block_that_fails_half_way_leaves_the_old_file(tmp_path: Path) -> None:
    """Half of a new export written, then a failure: the user keeps the old file and sees the block's error."""
    target = tmp_path / "cases.json"
    target.write_bytes(b"the old export\n")
    with pytest.raises(_Stopped):
        with open_atomically(target) as f:
            f.write(b'{\n "cases": [' * 10_000)
            f.flush()
            assert target.read_bytes() == b"the old export\n"
            raise _Stopped
    assert target.read_bytes() == b"the old export\n"
    assert [p.name for p in tmp_path.iterdir()] == ["cases.json"]


def test_a_failed_write_of_the_file_is_a_refusal(tmp_path: Path) -> None:
    """The file's own write failing (the disk full; here the file-size limit reached) is the output's
    failure, named as such, and no temporary file is left."""
    import resource
    import signal

    soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    previous = signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # the write fails instead of the process
    resource.setrlimit(resource.RLIMIT_FSIZE, (1 << 16, hard))
    try:
        with pytest.raises(OutputNotWritable, match="cases.json: File too large"):
            with open_atomically(tmp_path / "cases.json") as f:
                f.write(b"x" * (1 << 20))
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))
        signal.signal(signal.SIGXFSZ, previous)
    assert list(tmp_path.iterdir()) == []


def test_an_error_of_the_block_s_own_is_not_blamed_on_the_file(tmp_path: Path) -> None:
    """An OSError the block meets elsewhere (a temporary file of its own, a database) goes through as
    it is: the output file is not named for what it did not do, and nothing is left."""
    with pytest.raises(OSError, match="No space left on device") as raised:
        with open_atomically(tmp_path / "cases.json"):
            raise OSError(28, "No space left on device")
    assert not isinstance(raised.value, OutputNotWritable)
    assert list(tmp_path.iterdir()) == []


def test_the_file_is_its_owner_s_alone_until_it_is_complete(tmp_path: Path) -> None:
    """While it is being written (an export of the whole register can take minutes), the temporary file
    is readable by its owner alone; the finished file gets the mode of a new file."""
    target = tmp_path / "cases.json"
    with open_atomically(target) as f:
        f.write(b"part of the register")
        (tmp,) = tmp_path.iterdir()
        assert stat.S_IMODE(tmp.stat().st_mode) == 0o600
    assert stat.S_IMODE(target.stat().st_mode) == 0o644


def test_written_in_pieces_it_is_whole_once_the_block_ends(tmp_path: Path) -> None:
    """Nothing at the path until the block ends; then all of it, with the mode of a new file."""
    target = tmp_path / "cases.json"
    with open_atomically(target) as f:
        for i in range(1000):
            f.write(b"%d\n" % i)
        assert not target.exists()
    assert target.read_bytes() == b"".join(b"%d\n" % i for i in range(1000))
    assert stat.S_IMODE(target.stat().st_mode) == 0o644
    assert [p.name for p in tmp_path.iterdir()] == ["cases.json"]


def test_the_refusals_come_before_the_block_runs(tmp_path: Path) -> None:
    """A link is refused before anything is produced: the block never runs."""
    (tmp_path / "link").symlink_to(tmp_path / "nowhere")
    ran = []
    with pytest.raises(OutputNotWritable, match="symbolic link"):
        with open_atomically(tmp_path / "link"):
            ran.append(True)
    assert ran == [] and sorted(p.name for p in tmp_path.iterdir()) == ["link"]


@pytest.mark.parametrize("signame", ["SIGTERM", "SIGHUP"])
def test_an_export_stopped_by_a_signal_leaves_neither_half_a_file_nor_a_temporary_one(
        tmp_path: Path, signame: str) -> None:
    """``timeout``, a service manager or a closed terminal stops ``wf export -o FILE`` half-way: it ends
    as Ctrl-C does (exit 128 + the signal), the temporary file is removed, and FILE is as it was."""
    import signal
    import subprocess
    import sys

    folder = tmp_path / "out"
    folder.mkdir()
    target = folder / "cases.json"
    target.write_bytes(b"last week's export\n")
    code = (
        "import sys, time\n"
        "import workflow.exchange.cases as exchange\n"
        "def slow(wf, out, keys=None, private_key=None):\n"
        "    out.write(b'{\"cases\": [')\n"
        "    print('writing', file=sys.stderr, flush=True)\n"
        "    time.sleep(60)\n"
        "exchange.write_export = slow\n"
        "from workflow_cli.main import main\n"
        f"sys.argv = ['wf', '--db', 'sqlite:///{tmp_path / 'r.sqlite3'}', 'export', '-o', '{target}']\n"
        "main()\n"
    )
    with subprocess.Popen([sys.executable, "-c", code], stderr=subprocess.PIPE, text=True) as p:
        assert p.stderr is not None and p.stderr.readline().strip() == "writing"
        assert len(list(folder.iterdir())) == 2  # the old file and the temporary one being written
        p.send_signal(getattr(signal, signame))
        rest = p.stderr.read()
        assert p.wait(timeout=30) == 128 + getattr(signal, signame)
    assert "interrupted; nothing half-written was kept" in rest and "Traceback" not in rest
    assert [f.name for f in folder.iterdir()] == ["cases.json"]
    assert target.read_bytes() == b"last week's export\n"


def test_a_new_file_follows_the_umask(tmp_path: Path) -> None:
    """Under ``umask 077`` (a secretariat's export of the whole register) the new file is its owner's
    alone, as any program's would be; under the usual 022 it is 0o644."""
    for umask, name, mode in ((0o077, "private.json", 0o600), (0o022, "shared.json", 0o644)):
        previous = os.umask(umask)
        try:
            write_atomically(tmp_path / name, b"{}")
        finally:
            os.umask(previous)
        assert stat.S_IMODE((tmp_path / name).stat().st_mode) == mode
