"""What every command shares: the API object, opened on first use, and output helpers."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any, BinaryIO, TypeVar

import click

if TYPE_CHECKING:
    from workflow.api import Workflow


class Context:
    def __init__(self, database_url: str | None) -> None:
        self.database_url = database_url
        self._workflow: Workflow | None = None

    @property
    def workflow(self) -> "Workflow":
        if self._workflow is None:
            from workflow.api import Workflow

            self._workflow = Workflow(self.database_url)
        return self._workflow

    def close(self) -> None:
        if self._workflow is not None:
            self._workflow.close()


F = TypeVar("F", bound=Callable[..., Any])


class LazyCommands(click.Group):
    """A group whose listed subcommands (``name: (module, attribute, help)``) are imported only when used,
    so that a command does not pay at start-up for its siblings' imports."""

    def __init__(self, *args: Any, lazy: dict[str, tuple[str, str, str]] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lazy = lazy or {}

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *self.lazy})

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name in self.lazy:
            import importlib

            module, attr, _help = self.lazy[name]
            return getattr(importlib.import_module(module), attr)  # type: ignore[no-any-return]
        return super().get_command(ctx, name)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [(name, self.lazy[name][2] if name in self.lazy else self.commands[name].get_short_help_str())
                for name in self.list_commands(ctx)]
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)

pass_context = click.make_pass_decorator(Context)

json_option = click.option("--json", "as_json", is_flag=True, help="Print JSON for programs.")


def emit_json(value: Any) -> None:
    click.echo(json.dumps(value, ensure_ascii=False, indent=2, sort_keys=True, default=str))


def emit_json_array(items: Iterable[Any], out: BinaryIO | None = None) -> None:
    """:func:`emit_json` of ``list(items)``, the same text, written an item at a time (to standard output,
    or to the binary file ``out``).

    For lists that may be long (every case, a log of 100,000 entries): JSON text
    holds no raw newline in a string, so indenting an item line by line is exact.
    """

    def write(text: str, nl: bool = False) -> None:
        if out is None:
            click.echo(text, nl=nl)
        else:
            out.write((text + ("\n" if nl else "")).encode("utf-8"))

    first = True
    for item in items:
        text = json.dumps(item, ensure_ascii=False, indent=2, sort_keys=True, default=str)
        write(("[\n  " if first else ",\n  ") + text.replace("\n", "\n  "))
        first = False
    write("[]" if first else "\n]", nl=True)


def terminal_width() -> int | None:
    """How wide a table may be: ``COLUMNS`` if set, else the terminal's; None (no limit) when the
    output goes to a file or a program, so that a line grep finds is whole."""
    import os

    columns = os.environ.get("COLUMNS", "")
    if columns.isdigit() and int(columns) > 0:
        return int(columns)
    import sys

    if sys.stdout.isatty():
        import shutil

        return shutil.get_terminal_size().columns
    return None


class _Column:
    """What one column of a table needs to be narrowed: its natural width, and the floors below
    which wrapping it would break its heading's or its cells' words."""

    def __init__(self, heading: str) -> None:
        self.width = len(heading)
        self.heading_word = max((len(w) for w in heading.split()), default=0)
        self.heading = len(heading)
        self.word = 0

    def add(self, cell: str) -> None:
        """Widen the column, as needed, for one more of its cells."""
        for x in cell.splitlines():
            self.width = max(self.width, len(x))
            self.word = max(self.word, max((len(w) for w in x.split()), default=0))


def _floors(columns: list[_Column], main: int | None, hard: bool) -> list[int]:
    """How narrow each column may become: comfortably (its heading whole, 12 characters, the main text
    column 24), or, when even that does not fit, ``hard`` (its heading wrapped); never so narrow that
    a word of up to 20 characters is broken. A table of long ids may still be wider than asked."""
    if hard:
        return [min(c.width, max(c.heading_word, min(c.word, 20))) for c in columns]
    return [min(c.width, max(c.heading, 24 if i == main else 12, min(c.word, 20))) for i, c in enumerate(columns)]


def _fit(columns: list[_Column], wrap: Sequence[int] | None, limit: int) -> list[int]:
    """Narrow the text columns until the table fits ``limit``; columns not named are never narrowed.

    With ``wrap`` (the main text column first), the last named gives first, each down to its floor
    before the one named before it gives anything, so the main column keeps the most room; without,
    any column but the first may give, the widest first.
    """
    widths = [c.width for c in columns]
    over = sum(widths) + 2 * (len(widths) - 1) - limit
    order = list(wrap) if wrap is not None else list(range(1, len(columns)))
    for hard in (False, True):
        floors = _floors(columns, order[0] if wrap is not None and order else None, hard)
        if wrap is not None:
            for i in reversed(order):
                give = min(max(over, 0), max(0, widths[i] - floors[i]))
                widths[i] -= give
                over -= give
        else:
            while over > 0:
                candidates = [i for i in order if widths[i] > floors[i]]
                if not candidates:
                    break
                i = max(candidates, key=lambda k: (widths[k], -k))
                widths[i] -= 1
                over -= 1
        if over <= 0:
            break
    return widths


def _lines(cell: str, width: int) -> list[str]:
    """A cell's lines at ``width``: its own lines, each wrapped at spaces (a word longer than the
    column is broken only when the column could not be made wide enough for it)."""
    out: list[str] = []
    for line in cell.splitlines() or [""]:
        if len(line) > width:
            import textwrap  # only when a line is wrapped: most tables need none

            out += textwrap.wrap(line, width, break_on_hyphens=False) or [""]
        else:
            out.append(line)
    return out


def paragraph(text: str, indent: str = "", hanging: str | None = None) -> None:
    """A line of prose, wrapped at spaces to :func:`terminal_width` (continuation lines indented by
    ``hanging``, default ``indent``); whole when the output goes to a file or a program."""
    import textwrap

    width = terminal_width()
    if width is None or len(indent) + len(text) <= width:
        click.echo(indent + text)
        return
    click.echo(textwrap.fill(text, width, initial_indent=indent, subsequent_indent=hanging or indent,
                             break_on_hyphens=False, break_long_words=False))


HELD_ROWS = 5_000
"""Rows of a table kept in memory while its widths are measured; beyond them, in a temporary file."""


def table(headers: Sequence[str], rows: Iterable[Sequence[Any]], *, wrap: Sequence[int] | None = None) -> None:
    """A plain text table, columns as wide as their widest cell, fitted to the terminal.

    When it is wider than :func:`terminal_width`, the columns ``wrap`` names (text, never ids;
    the main one first; by default any column but the first, the widest first) are narrowed and
    their cells -- and headings -- wrapped onto further lines: nothing is cut off. A cell may hold
    several lines (diary numbers, one a line).

    ``rows`` may be a stream of any length (every case, a log of 100,000 entries): the widths
    need every row before the first is printed, so the rows are kept as the widths are measured --
    in memory up to :data:`HELD_ROWS`, beyond that in a temporary file -- and printed from there.
    """
    from workflow.i18n import t

    columns = [_Column(h) for h in headers]
    held: list[list[str]] = []
    spool: Any = None
    try:
        for r in rows:
            cells = ["" if c is None else str(c) for c in r]
            for column, cell in zip(columns, cells, strict=True):
                column.add(cell)
            if spool is not None:
                spool.write(json.dumps(cells) + "\n")
                continue
            held.append(cells)
            if len(held) > HELD_ROWS:
                import tempfile  # not at start-up: a table of a few rows needs no file

                spool = tempfile.TemporaryFile("w+", encoding="utf-8", newline="\n")
                spool.writelines(json.dumps(c) + "\n" for c in held)
                held = []
        if spool is None:
            if not held:
                click.echo(t("(none)"))
                return
            _print_table(headers, columns, wrap, held)
            return
        spool.seek(0)
        _print_table(headers, columns, wrap, map(json.loads, spool))
    finally:
        if spool is not None:
            spool.close()


def _print_table(headers: Sequence[str], columns: list[_Column], wrap: Sequence[int] | None,
                 cells: Iterable[list[str]]) -> None:
    """The table of :func:`table`, its columns measured, its rows' text read back a row at a time."""
    limit = terminal_width()
    widths = _fit(columns, wrap, limit) if limit is not None else [c.width for c in columns]

    def line(parts: Sequence[list[str]]) -> None:
        for k in range(max(len(p) for p in parts)):
            click.echo("  ".join((p[k] if k < len(p) else "").ljust(w)
                                 for p, w in zip(parts, widths, strict=True)).rstrip())

    line([_lines(h, w) for h, w in zip(headers, widths, strict=True)])
    click.echo("  ".join("-" * w for w in widths))
    for r in cells:
        line([_lines(c, w) for c, w in zip(r, widths, strict=True)])


def field_options(*names: str, **helps: str) -> Callable[[F], F]:
    """Click options for decision fields, derived from their one declaration (:mod:`workflow.core.fields`).

    With no names, every field; ``helps`` overrides a field's help text where
    a command uses it differently (a proposed due date).
    """
    from workflow.core.fields import BY_NAME, FIELDS

    chosen = [BY_NAME[n] for n in names] if names else list(FIELDS)

    def decorate(f: F) -> F:
        for field in reversed(chosen):
            kwargs: dict[str, Any] = {"help": helps.get(field.name, field.help)}
            if field.kind == "flag":
                kwargs["is_flag"] = True
            elif field.kind == "choice":
                kwargs.update(type=click.Choice(field.choices), default=field.default, show_default=True)
            else:
                kwargs.update(metavar=field.metavar, multiple=field.multiple)
            f = click.option(field.option, field.name, **kwargs)(f)
        return f

    return decorate


def given_fields(values: dict[str, Any]) -> dict[str, Any]:
    """The options a user gave, keyed by field name, for ``Decision.from_mapping``."""
    return {k: v for k, v in values.items() if v is not None and v != () and v is not False}


def flag_for(field: str | None) -> str | None:
    """The option that supplies a decision field, for error messages."""
    from workflow.core.fields import BY_NAME

    return BY_NAME[field].option if field in BY_NAME else None
