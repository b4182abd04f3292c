"""``wf due``: what is late or coming, across all cases (bevakning)."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import click
from workflow_cli.context import Context, LazyCommands, emit_json, json_option, pass_context, table

_SPAN = re.compile(r"^\s*(\d{1,4})\s*([dwm])\s*$")


def parse_span(text: str) -> dt.timedelta:
    """``30d``, ``2w`` or ``3m`` (a month counted as 30 days)."""
    from workflow.core.errors import InvalidInput

    m = _SPAN.match(text)
    if not m:
        raise InvalidInput(f"malformed period {text!r}: write e.g. 30d, 2w or 3m")
    n, unit = int(m[1]), m[2]
    return dt.timedelta(days=n * {"d": 1, "w": 7, "m": 30}[unit])


def _items(wf: Any, rows: list[dict[str, Any]], lang: str, definitions: dict[str, Any]) -> list[dict[str, Any]]:
    """The rows as ``--json`` gives them; ``what`` and ``when`` are sentences in ``lang``.
    ``definitions`` is filled with the definitions the rows name (None for one no longer known)."""
    from workflow.exchange.ical import describe

    items = []
    for r in rows:
        if r["definition_id"] not in definitions:
            try:
                definitions[r["definition_id"]] = wf.definition(r["definition_id"])
            except Exception:  # a definition no longer shipped: the texts fall back to names
                definitions[r["definition_id"]] = None
        what, when = describe(definitions[r["definition_id"]], r, lang)
        items.append({
            "case_id": r["case_id"], "diary_numbers": r["numbers"], "title": r["title"], "state": r["state"],
            "definition": r["definition_id"], "due": r["name"], "what": what, "date": r["date"], "when": when,
            "meeting": r["meeting"], "due_on": r["due_on"].isoformat(), "overdue": r["overdue"],
            "kind": "urgent_report" if r["urgent"] else "due_date",
        })
    return items


def _status(item: dict[str, Any], lang: str) -> str:
    from workflow.i18n import t

    if item["overdue"]:
        return t("OVERDUE", lang)
    return t("NOT REPORTED", lang) if item["kind"] == "urgent_report" else ""


@click.group(cls=LazyCommands, invoke_without_command=True, lazy={
    "remind": ("workflow_cli.reminders", "remind", "Send the reminders that fall today by e-mail, each once."),
    "contacts": ("workflow_cli.reminders", "contacts", "The address book of reminders."),
})
@click.option("--within", metavar="PERIOD", help="Also what falls due within PERIOD (30d, 2w, 3m); default: everything open.")
@click.option("--today", metavar="DATE", help="What day it is (default: today).")
@click.option("--format", "fmt", type=click.Choice(["table", "json", "csv", "xlsx"]), default="table", show_default=True,
              help="csv: UTF-8 with BOM, ';' between fields (Excel, LibreOffice); xlsx: a workbook, to -o FILE or a pipe.")
@click.option("--separator", type=click.Choice([";", ","]), default=";", show_default=True,
              help="The field separator of --format csv.")
@click.option("--ics", "ics_path", type=click.Path(dir_okay=False, writable=True), help="Also write the items as an iCalendar file.")
@click.option("--limit", type=click.IntRange(min=1), help="At most this many items (the soonest).")
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True), help="Write CSV/XLSX/JSON here instead of stdout.")
@click.option("--lang", type=click.Choice(["sv", "en"]), default=None,
              help="Language of headings and texts (default: wf --lang, else Swedish).")
@json_option
@pass_context
def due(ctx: Context, within: str | None, today: str | None, fmt: str, separator: str, ics_path: str | None,
        limit: int | None, output: str | None, lang: str | None, as_json: bool) -> None:
    """Open due dates and unreported urgent decisions: overdue first, then what is coming."""
    if click.get_current_context().invoked_subcommand is not None:
        return
    from workflow_cli.exchange import refuse_binary_to_terminal, write_output

    from workflow.api import _as_date
    from workflow.i18n import language, t
    from workflow.outfile import write_atomically

    if as_json:
        fmt = "json"
    if fmt == "xlsx":
        refuse_binary_to_terminal(output)
    lang = language(lang)
    wf = ctx.workflow
    day = _as_date(today) if today else dt.date.today()
    rows = wf.due(within=parse_span(within) if within else None, today=day, limit=limit)
    definitions: dict[str, Any] = {}
    items = _items(wf, rows, lang, definitions)
    if ics_path:
        from workflow.exchange.ical import due_items, ics

        write_atomically(ics_path, ics(due_items(wf, rows, lang), wf.clock()))
    if fmt == "json":
        text = __import__("json").dumps(items, ensure_ascii=False, indent=2).encode("utf-8") + b"\n"
        if output:
            write_atomically(output, text)
        else:
            emit_json(items)
    elif fmt in ("csv", "xlsx"):
        from workflow.core.present import state_label
        from workflow.exchange.csv_io import table_bytes

        def state(i: dict[str, Any]) -> str:
            return state_label(definitions.get(i["definition"]), i["state"], lang)

        headers = [t(h, lang) for h in ("Case id", "Diary numbers", "Title", "State", "What", "When", "Due on",
                                          "Overdue", "Kind")]
        kinds = {"urgent_report": t("urgent decision to report", lang), "due_date": t("due date", lang)}
        data = table_bytes(headers, [
            [i["case_id"], ", ".join(i["diary_numbers"]), i["title"], state(i), i["what"], i["when"],
             dt.date.fromisoformat(i["due_on"]) if i["kind"] == "due_date" else None, i["overdue"], kinds[i["kind"]]]
            for i in items
        ], fmt, delimiter=separator, lang=lang)
        if output:
            write_atomically(output, data)
        else:
            write_output("-", data)
    else:
        table([t(h, lang) for h in ("DUE ON", "WHAT", "WHEN", "CASE", "TITLE", "STATUS")], [
            (i["due_on"] if i["kind"] == "due_date" else "", i["what"], i["when"],
             ", ".join(i["diary_numbers"]) or i["case_id"], i["title"][:50], _status(i, lang))
            for i in items
        ])
        if ics_path:
            click.echo(t("wrote {count} item(s) to {path}", lang, count=len(items), path=ics_path))
