"""``wf export``, ``wf import``, ``wf archive export`` and ``wf definitions export``: exchange formats.

Each command makes one call to :mod:`workflow.exchange` and writes the bytes.
Output files are written whole or not at all (a temporary file in the same
folder, renamed into place), so a failed export never leaves half a file, and
never through a symbolic link (:func:`workflow.outfile.open_atomically`).
``wf export`` and ``wf import`` stream: the memory they hold does not grow
with the number of cases.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import BinaryIO

import click
from workflow_cli.context import Context, pass_context

PROGRESS_THRESHOLD = 2000
"""Show a progress bar on stderr for imports with more entries than this."""

output_option = click.option(
    "-o", "--output", "output", default="-", show_default=True, metavar="FILE",
    help="Where to write ('-' for standard output).",
)


@contextlib.contextmanager
def opened_output(output: str) -> Iterator[BinaryIO]:
    """Standard output for ``-``, else a file kept only if the block succeeds
    (:func:`~workflow.outfile.open_atomically`).

    A file that cannot be written (a symbolic link, a folder, a missing
    folder) is refused as invalid input, the exit code these commands have
    always given for a bad output path.  Standard output is a stream: what
    was written before a failure has been written.
    """
    from workflow.core.errors import InvalidInput, OutputNotWritable
    from workflow.outfile import open_atomically

    if output == "-":
        sys.stdout.flush()
        yield sys.stdout.buffer
        sys.stdout.buffer.flush()
        return
    try:
        with open_atomically(output) as f:
            yield f
    except OutputNotWritable as e:
        raise InvalidInput(str(e)) from None


def write_output(output: str, data: bytes) -> None:
    """Write ``data`` to standard output for ``-``, else to a file, whole or not at all (:func:`opened_output`)."""
    with opened_output(output) as out:
        out.write(data)


def _read_key(path: str) -> bytes:
    from workflow.core.errors import InvalidInput

    try:
        return Path(path).read_bytes()[:64 * 1024]
    except OSError as e:
        raise InvalidInput(f"cannot read the key file {path}: {e.strerror or e}")


def _done(output: str, what: str) -> None:
    if output != "-":
        click.echo(f"wrote {what} to {output}", err=True)


# -- wf export / wf import ---------------------------------------------------------


@click.command("export")
@click.argument("keys", nargs=-1, metavar="[CASE]...")
@output_option
@click.option("--format", "fmt", type=click.Choice(["json", "csv", "xlsx"]), default="json", show_default=True,
              help="json: the cases with their full history, for 'wf import'; csv or xlsx: a list of the cases "
                   "for a spreadsheet (CSV as UTF-8 with BOM, ';' between fields).")
@click.option("--separator", type=click.Choice([";", ","]), default=";", show_default=True,
              help="The field separator of --format csv.")
@click.option("--sign", "private_key", type=click.Path(dir_okay=False), metavar="KEY",
              help="Sign the file with this Ed25519 private key (PEM), kept outside the database.")
@pass_context
def export_cmd(ctx: Context, keys: tuple[str, ...], output: str, fmt: str, separator: str,
               private_key: str | None) -> None:
    """Export cases (default: all) with their full audit history as canonical JSON.

    The file (format kansli-workflow/cases, version 2) carries the process
    definitions it needs, so another database can import it with 'wf import'.
    With --format csv or xlsx, the cases are listed one a row instead, in the
    language of the output: diary numbers, process, state, title, next due
    date, the day each case was opened (as its log gives it).

    The cases are read and written a page at a time, whatever their number.
    A file (-o) is replaced only once all of it is written: a case whose log
    does not verify stops the export and leaves the old file as it was.  To
    standard output the file goes out as it is read, so such a case ends it
    (exit 9) after the part already written: to keep an export, use -o.
    """
    if fmt in ("csv", "xlsx"):
        _export_table(ctx, keys, output, fmt, separator, private_key)
        return
    from workflow.exchange.cases import write_export

    wf = ctx.workflow
    for key in keys:  # a mistyped case is refused before anything is written, also to standard output
        wf.case(key)
    key_bytes = _read_key(private_key) if private_key is not None else None
    with opened_output(output) as out:
        report = write_export(wf, out, keys or None, private_key=key_bytes)
    _done(output, f"{report.cases} case(s), {report.entries} entries")


def refuse_binary_to_terminal(output: str | None) -> None:
    """An .xlsx workbook is not text: refuse to print it on a terminal (a pipe or a file is fine)."""
    from workflow.core.errors import InvalidInput
    from workflow.i18n import t

    if output in (None, "-") and sys.stdout.isatty():
        raise InvalidInput(t("an .xlsx file is not text: name the file with -o FILE"))


def _export_table(ctx: Context, keys: tuple[str, ...], output: str, fmt: str, separator: str,
                  private_key: str | None) -> None:
    from workflow.core.errors import InvalidInput
    from workflow.exchange.csv_io import iter_case_table, write_table
    from workflow.i18n import t

    if private_key is not None:
        raise InvalidInput(t("a spreadsheet cannot be signed: --sign is for the JSON export"))
    if fmt == "xlsx":
        refuse_binary_to_terminal(output)
    wf = ctx.workflow
    # Named cases are looked up first, so a mistyped one is refused before anything is written.
    cases = [wf.case(k) for k in dict.fromkeys(keys)] if keys else wf.iter_cases()
    headers, rows = iter_case_table(cases, wf=wf)
    with opened_output(output) as out:
        count = write_table(out, headers, rows, fmt, delimiter=separator)
    if output != "-":
        click.echo(t("wrote {what} to {output}", what=t("{count} case(s)", count=count), output=output), err=True)


@click.command("import")
@click.argument("file", metavar="FILE")
@click.option("--require-signature", "public_key", type=click.Path(dir_okay=False), metavar="KEY",
              help="Refuse a file not signed with the private half of this Ed25519 public key (PEM).")
@pass_context
def import_cmd(ctx: Context, file: str, public_key: str | None) -> None:
    """Import cases from a 'wf export' file: all of them, or nothing.

    Every hash chain is verified and every log replayed first; a file with a
    broken chain, or with a case or diary number the database already has, is
    refused and nothing is written.  The cases keep their logs as recorded
    elsewhere; the import itself -- who, when, the file's SHA-256, the signing
    key -- is an entry of this register's log.  Needs the register's owner or
    an administrator.
    """
    from workflow.exchange.cases import import_cases

    # Read as a stream, a case at a time: a path is opened (refused in one line if it cannot
    # be), standard input is spooled to a temporary file, since the file is read more than once.
    data = sys.stdin.buffer if file == "-" else Path(file)
    bars: dict[str, object] = {}

    def progress(stage: str, done: int, total: int) -> None:
        if total <= PROGRESS_THRESHOLD:
            return
        bar = bars.get(stage)
        if bar is None:
            label = {"verify": "verifying", "write": "writing  "}.get(stage, stage)
            bar = click.progressbar(length=total, label=label, file=sys.stderr)
            bar.__enter__()
            bars[stage] = bar
        bar.update(done - bar.pos)  # type: ignore[attr-defined]
        if done >= total:
            bar.__exit__(None, None, None)  # type: ignore[attr-defined]

    try:
        report = import_cases(ctx.workflow, data, source=file, progress=progress,
                              require_key=_read_key(public_key) if public_key else None)
    finally:
        for bar in bars.values():
            if not bar.finished:  # type: ignore[attr-defined]
                bar.render_finish()  # type: ignore[attr-defined]
    click.echo(f"imported {report.cases} case(s) with {report.entries} entries "
               f"({', '.join(report.definitions)})")


# -- wf archive --------------------------------------------------------------------


@click.group("archive")
def archive() -> None:
    """Archive closed cases (CITS ERMS / FGS Ärendehantering 2.0)."""


@archive.command("export")
@click.argument("keys", nargs=-1, required=True, metavar="CASE...")
@output_option
@click.option("--agency", metavar="NAME", help="The archiving organisation (default: the cases' parties).")
@click.option("--actor", default=None, metavar="NAME",
              help="Who makes the export, recorded in the file (by default you, as the database knows you).")
@click.option("--no-validate", is_flag=True, help="Do not check the file against ERMS_v3.xsd.")
@pass_context
def archive_export(ctx: Context, keys: tuple[str, ...], output: str, agency: str | None, actor: str,
                   no_validate: bool) -> None:
    """Export closed cases as an ERMS case file; refuses a case not in a final state."""
    from workflow.core.errors import WorkflowError
    from workflow.exchange.erms import cases_to_erms, validate_erms

    data = cases_to_erms(ctx.workflow, keys, agency=agency, actor=actor or ctx.workflow.identity.user)
    if not no_validate:
        try:
            problems = validate_erms(data)
        except ImportError:
            click.echo("note: xmlschema is not installed; the file was not validated", err=True)
            problems = []
        if problems:
            raise WorkflowError(f"the ERMS file does not validate (not written): {problems[0]}")
    write_output(output, data)
    _done(output, f"{len(keys)} case file(s)")


# -- wf definitions export -----------------------------------------------------------


@click.command("export")
@click.argument("definition_id")
@click.option("--format", "fmt", type=click.Choice(["bpmn"]), default="bpmn", show_default=True)
@click.option("--version", type=int, help="A version other than the newest.")
@click.option("--layout", type=click.Choice(["auto", "dot", "grid"]), default="auto", show_default=True,
              help="Diagram layout: Graphviz dot if installed (auto), or a plain grid.")
@output_option
def definitions_export(definition_id: str, fmt: str, version: int | None, layout: str, output: str) -> None:
    """Export a definition as BPMN 2.0 XML with a laid-out diagram (BPMNDI)."""
    from workflow.exchange.bpmn import definition_to_bpmn
    from workflow.registry import default_registry

    d = default_registry().get(definition_id, version)
    exporters: dict[str, Callable[[], bytes]] = {
        "bpmn": lambda: definition_to_bpmn(d, layout_engine=layout),  # type: ignore[arg-type]
    }
    write_output(output, exporters[fmt]())
    _done(output, f"{d.id} v{d.version} as {fmt.upper()}")
