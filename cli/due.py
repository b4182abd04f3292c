"""``wf due``: what is late or coming, across all cases (bevakning)."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import click
from workflow_cli.context import Context, emit_json, json_option, pass_context, table

_SPAN = re.compile(r"^\s*(\d{1,4})\s*([dwm])\s*$")


def parse_span(text: str) -> dt.timedelta:
    """``30d``, ``2w`` or ``3m`` (a month counted as 30 days)."""
    from workflow.core.errors import InvalidInput

    m = _SPAN.match(text)
    if not m:
        raise InvalidInput(f"malformed period {text!r}: write e.g. 30d, 2w or 3m")
    n, unit = int(m[1]), m[2]
    return dt.timedelta(days=n * {"d": 1, "w": 7, "m": 30}[unit])


def _describe(wf: Any, row: dict[str, Any]) -> tuple[str, str]:
    """What the item is, in Swedish, and its date as the record gives it."""
    if row["urgent"]:
        return (f"Anmäl brådskande beslut {row['meeting']} {row['date']} till {row['meeting']}",
                f"at {row['meeting']}'s next meeting")
    try:
        kind = wf.definition(row["definition_id"]).due_kinds[row["name"]].label.sv
    except Exception:
        kind = row["name"]
    from workflow.core.decisions import due_when

    when = due_when(row["date"], row["meeting"])
    return kind, when


@click.command()
@click.option("--within", metavar="PERIOD", help="Also what falls due within PERIOD (30d, 2w, 3m); default: everything open.")
@click.option("--today", metavar="DATE", help="What day it is (default: today).")
@click.option("--format", "fmt", type=click.Choice(["table", "json", "csv"]), default="table", show_default=True)
@click.option("--ics", "ics_path", type=click.Path(dir_okay=False, writable=True), help="Also write the items as an iCalendar file.")
@click.option("--limit", type=click.IntRange(min=1), help="At most this many items (the soonest).")
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True), help="Write CSV/JSON here instead of stdout.")
@json_option
@pass_context
def due(ctx: Context, within: str | None, today: str | None, fmt: str, ics_path: str | None, limit: int | None,
        output: str | None, as_json: bool) -> None:
    """Open due dates and unreported urgent decisions: overdue first, then what is coming."""
    from workflow.api import _as_date
    from workflow.outfile import write_atomically

    if as_json:
        fmt = "json"
    wf = ctx.workflow
    day = _as_date(today) if today else dt.date.today()
    rows = wf.due(within=parse_span(within) if within else None, today=day, limit=limit)
    items = []
    for r in rows:
        what, when = _describe(wf, r)
        items.append({
            "case_id": r["case_id"], "diary_numbers": r["numbers"], "title": r["title"], "state": r["state"],
            "definition": r["definition_id"], "due": r["name"], "what": what, "date": r["date"], "when": when,
            "meeting": r["meeting"], "due_on": r["due_on"].isoformat(), "overdue": r["overdue"],
            "kind": "urgent_report" if r["urgent"] else "due_date",
        })
    if ics_path:
        from workflow.exchange.ical import ics

        data = ics(({
            "uid": f"{i['case_id']}-{i['due'].replace(':', '-')}@kansli-workflow",
            "day": dt.date.fromisoformat(i["due_on"]),
            "summary": f"{i['what']}: {i['title']}" + (f" ({i['diary_numbers'][0]})" if i["diary_numbers"] else ""),
            "description": f"{i['what']} ({i['when']}). Ärende {', '.join(i['diary_numbers']) or i['case_id']}, "
                           f"{i['title']}; läge: {i['state']}.",
        } for i in items), wf.clock())
        write_atomically(ics_path, data)
    if fmt == "json":
        text = __import__("json").dumps(items, ensure_ascii=False, indent=2).encode("utf-8") + b"\n"
        if output:
            write_atomically(output, text)
        else:
            emit_json(items)
    elif fmt == "csv":
        from workflow.exchange.csv_io import csv_bytes

        data = csv_bytes(
            ["case_id", "diary_numbers", "title", "state", "due", "what", "date", "due_on", "overdue", "kind"],
            [(i["case_id"], "; ".join(i["diary_numbers"]), i["title"], i["state"], i["due"], i["what"],
              i["when"], i["due_on"], i["overdue"], i["kind"]) for i in items],
        )
        if output:
            write_atomically(output, data)
        else:
            click.echo(data.decode("utf-8"), nl=False)
    else:
        table(["DUE ON", "WHAT", "WHEN", "CASE", "TITLE", ""], [
            (i["due_on"] if i["kind"] == "due_date" else "", i["what"], i["when"],
             ", ".join(i["diary_numbers"]) or i["case_id"], i["title"][:50],
             "OVERDUE" if i["overdue"] else ("NOT REPORTED" if i["kind"] == "urgent_report" else ""))
            for i in items
        ])
        if ics_path:
            click.echo(f"wrote {len(items)} item(s) to {ics_path}")
