"""Documents people sign and publish: the agenda, the minutes, a minute extract, the notice.

Each is one HTML page from a Jinja2 template, laid out as a Swedish municipal
protocol (body, date, place and time; the paragraphs with diary number and
title, "Beslut", "Beslutsunderlag", "Expedieras till"; adjusters' signature
lines; the announcement with the ledger's digest), and the same page as PDF
through WeasyPrint: one source for the screen, the notice board and the
archive.  The words go through the message catalogues (Swedish by default).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from workflow.core.errors import InvalidInput, ToolMissing

if TYPE_CHECKING:
    import jinja2

KINDS = ("agenda", "minutes", "extract", "notice")
FORMATS = ("text", "html", "pdf")


def format_for(path: str | None, fmt: str | None = None) -> str:
    """The document format: given, or picked by the output file's suffix (.pdf, .html); text otherwise."""
    if fmt:
        if fmt not in FORMATS:
            raise InvalidInput(f"format {fmt!r}: one of {', '.join(FORMATS)}", field="format")
        return fmt
    if path is None or path == "-":
        return "text"
    suffix = Path(path).suffix.lower()
    found = {".pdf": "pdf", ".html": "html", ".htm": "html", ".txt": "text"}.get(suffix)
    if found is None:
        raise InvalidInput(f"{path}: the file's suffix picks the document (.pdf, .html or .txt)", field="output")
    return found


@cache
def _environment() -> "jinja2.Environment":
    import jinja2

    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(Path(__file__).parent / "templates")),
        autoescape=jinja2.select_autoescape(["html"]), trim_blocks=True, lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )


def html(kind: str, context: dict[str, Any]) -> str:
    """The document as an HTML page."""
    if kind not in KINDS:
        raise InvalidInput(f"document {kind!r}: one of {', '.join(KINDS)}")
    return _environment().get_template(f"{kind}.html").render(**context)


def pdf(page: str) -> bytes:
    """An HTML page as PDF (A4, the fonts the system has)."""
    try:
        import weasyprint
    except (ImportError, OSError) as e:  # OSError: the Pango library is missing
        raise ToolMissing(f"PDF needs WeasyPrint and the Pango library ({e}); use .html instead",
                          program="weasyprint", package="libpango-1.0-0")
    return bytes(weasyprint.HTML(string=page).write_pdf())
