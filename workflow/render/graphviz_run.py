"""Running Graphviz's ``dot`` on DOT text: the only module that imports ``graphviz``.

``import graphviz`` happens inside :func:`render`, so importing this module
(or anything else in :mod:`workflow.render`) costs nothing when nothing is
drawn -- the CLI's start-up time and the core's import graph stay clean.
"""

from __future__ import annotations

import shutil

from workflow.core.errors import GraphvizFailed, GraphvizMissing

GRAPHVIZ_FORMATS = ("svg", "png", "pdf")


def dot_available() -> bool:
    """Whether the ``dot`` program can be found on PATH."""
    return shutil.which("dot") is not None


def render(dot_text: str, fmt: str) -> bytes:
    """``dot_text`` drawn by ``dot`` as SVG, PNG or PDF."""
    if fmt not in GRAPHVIZ_FORMATS:
        raise ValueError(f"not a Graphviz output format here: {fmt}")
    if not dot_available():
        raise GraphvizMissing()
    import graphviz

    try:
        return graphviz.pipe("dot", fmt, dot_text.encode("utf-8"), quiet=True)
    except graphviz.ExecutableNotFound:
        raise GraphvizMissing() from None
    except graphviz.CalledProcessError as e:
        detail = (e.stderr or b"").decode("utf-8", "replace").strip().splitlines()
        raise GraphvizFailed(detail[0] if detail else f"exit status {e.returncode}") from None


def dot_version() -> str | None:
    """The installed Graphviz version (``2.43.0``), or None without ``dot``."""
    import re
    import subprocess

    exe = shutil.which("dot")
    if exe is None:
        return None
    done = subprocess.run([exe, "-V"], capture_output=True, text=True, check=False)
    m = re.search(r"version (\S+)", done.stderr + done.stdout)
    return m.group(1) if m else None
