"""SVG drawn by this package (the timeline) as PNG or PDF, through librsvg's ``rsvg-convert``.

Graphviz cannot read SVG, so the timeline needs a converter of its own.
``rsvg-convert`` (Debian/Ubuntu ``librsvg2-bin``, macOS ``brew install
librsvg``) is GNOME's SVG renderer: maintained, packaged everywhere, and an
external program found on PATH like Graphviz's ``dot``, so no Python
dependency is added.  It keeps text as text in a PDF (it can be searched and
copied) and renders the SVG features the timeline uses: patterns, markers,
``text-anchor``.
"""

from __future__ import annotations

import shutil
import subprocess

from workflow.core.errors import RenderError, ToolMissing
from workflow.i18n import t

CONVERTER = "rsvg-convert"
FORMATS = ("png", "pdf")


def converter_missing(fmt: str) -> ToolMissing:
    """The refusal when ``rsvg-convert`` is not installed: exit code 5, naming the program and its package."""
    return ToolMissing(t(
        "{format} needs librsvg's '{program}' program, which was not found on PATH; install it "
        "(Debian/Ubuntu: apt-get install librsvg2-bin; macOS: brew install librsvg), or draw as SVG, "
        "which needs nothing", format=fmt.upper(), program=CONVERTER), program=CONVERTER, package="librsvg2-bin")


def converter_available() -> bool:
    return shutil.which(CONVERTER) is not None


def convert(svg: bytes, fmt: str) -> bytes:
    """``svg`` as PNG (96 pixels per inch, the SVG's own size) or PDF (vector, text kept)."""
    if fmt not in FORMATS:
        raise ValueError(f"not a format rsvg-convert writes here: {fmt}")
    exe = shutil.which(CONVERTER)
    if exe is None:
        raise converter_missing(fmt)
    try:
        done = subprocess.run([exe, "--format", fmt], input=svg, capture_output=True, timeout=120, check=False)
    except (OSError, subprocess.TimeoutExpired) as e:
        raise RenderError(t("'{program}' could not convert the SVG: {error}", program=CONVERTER, error=e)) from None
    if done.returncode != 0 or not done.stdout:
        detail = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise RenderError(t("'{program}' could not convert the SVG: {error}", program=CONVERTER,
                            error=detail[0] if detail else f"exit status {done.returncode}"))
    return done.stdout
