"""``wf case``: open cases, record decisions, see where a case stands and how it got there."""

from __future__ import annotations

import datetime as dt
import getpass
import os
from typing import TYPE_CHECKING, Any

import click

from workflow_cli.context import Context, emit_json, json_option, pass_context, table

if TYPE_CHECKING:
    from workflow.audit import Entry
    from workflow.case import Case
    from workflow.definition import Definition


def default_actor() -> str:
    return os.environ.get("WF_ACTOR") or getpass.getuser()


actor_option = click.option(
    "--actor", default=default_actor, show_default="$WF_ACTOR or your login",
    help="Who records this (the registrar or secretary).",
)


def _today(value: str | None) -> dt.date:
    from workflow.api import _as_date

    return _as_date(value) if value else dt.date.today()


@click.group()
def case() -> None:
    """Open cases, record decisions, read where they stand."""


@case.command("open")
@click.argument("definition_id")
@click.option("--title", required=True, help="What the case is about.")
@click.option("--dnr", "numbers", multiple=True, metavar="[PARTY=]NUMBER",
              help="A diary number, one per organisation (repeatable): 'HSN 501-2023'.")
@click.option("--date", "effective", metavar="DATE", help="When the case was opened (YYYY[-MM[-DD]]).")
@click.option("--party", "parties", multiple=True, help="Parties taking part (default: all of the definition).")
@actor_option
@json_option
@pass_context
def open_(ctx: Context, definition_id: str, title: str, numbers: tuple[str, ...], effective: str | None,
          parties: tuple[str, ...], actor: str, as_json: bool) -> None:
    """Open a case of DEFINITION_ID."""
    c = ctx.workflow.open_case(definition_id, title=title, numbers=numbers, actor=actor,
                               effective=effective, parties=parties or None)
    if as_json:
        emit_json(c.to_json())
    else:
        click.echo(f"opened case {c.id} ({c.label}) in state {c.state}")


@case.command("list")
@click.option("--definition", help="Only cases of this definition.")
@click.option("--state", help="Only cases in this state.")
@click.option("--overdue", is_flag=True, help="Only cases with an open due date that has passed.")
@click.option("--due-before", metavar="DATE", help="Only cases with an open due date before DATE.")
@click.option("--today", metavar="DATE", help="What day it is, for --overdue (default: today).")
@click.option("--limit", type=click.IntRange(min=1), help="At most this many cases.")
@click.option("--format", "fmt", type=click.Choice(["table", "json", "csv"]), default=None,
              help="table (default), json, or csv (UTF-8 with BOM, for Excel).")
@json_option
@pass_context
def list_(ctx: Context, definition: str | None, state: str | None, overdue: bool, due_before: str | None,
          today: str | None, limit: int | None, fmt: str | None, as_json: bool) -> None:
    """Cases, filtered."""
    day = _today(today)
    found = ctx.workflow.cases(definition=definition, state=state, overdue=overdue,
                               due_before=due_before, today=day, limit=limit)
    if fmt == "csv":
        from workflow.exchange.csv_io import cases_csv
        from workflow_cli.exchange import write_output

        write_output("-", cases_csv(found, day))
        return
    if as_json or fmt == "json":
        emit_json([c.to_json() for c in found])
        return
    from workflow.present import due_rows

    rows = []
    for c in found:
        dues = [d for d in due_rows(c, day) if d["status"] == "open"]
        nxt = min(dues, key=lambda d: d["due_on"]) if dues else None
        rows.append((c.id, ", ".join(n.number for n in c.numbers), c.definition_id, c.state,
                     f"{nxt['name']} {nxt['date']}{' OVERDUE' if nxt['overdue'] else ''}" if nxt else "",
                     c.title[:60]))
    table(["ID", "DIARY NUMBERS", "PROCESS", "STATE", "NEXT DUE", "TITLE"], rows)


@case.command()
@click.argument("key", metavar="CASE")
@click.option("--lang", type=click.Choice(["sv", "en"]), default="sv", show_default=True)
@click.option("--today", metavar="DATE", help="What day it is, for overdue due dates.")
@json_option
@pass_context
def show(ctx: Context, key: str, lang: str, today: str | None, as_json: bool) -> None:
    """Where a case stands: state, due dates, who is awaited, what can happen next."""
    from workflow import engine
    from workflow.present import case_json

    wf = ctx.workflow
    c = wf.case(key)
    d = wf.definition_of(c)
    view = case_json(c, d, engine.possibilities(d, c), _today(today))
    if as_json:
        emit_json(view)
        return
    print_case(c, d, view, lang)


def print_case(c: "Case", d: "Definition", view: dict[str, Any], lang: str = "sv") -> None:
    """The human-readable view of a case (also used by the demo)."""
    label = view["state_label"][lang] if view["state_label"] else c.state
    click.echo(f"Case {c.id}: {c.title}")
    for n in c.numbers:
        party = d.parties[n.party].name if n.party in d.parties else (n.party or "")
        click.echo(f"  Diary number: {n.number}" + (f" ({party})" if party else ""))
    click.echo(f"  Process:      {d.id} v{d.version} ({d.label.get(lang)})")
    click.echo(f"  State:        {c.state} -- {label}{' (final)' if view['final'] else ''}")
    click.echo(f"  Version:      {c.version}, opened {c.opened_at[:10]}, last change {c.updated_at[:10]}")
    parties = c.data.get("parties", [])
    if parties:
        click.echo("  Parties:      " + ", ".join(d.parties[p].name if p in d.parties else p for p in parties))
    if view["due_dates"]:
        click.echo("\nDue dates:")
        table(["DUE", "WHEN", "STATUS", "SET BY"], [
            (r["name"], f"{r['meeting']} meeting {r['date']}" if r["meeting"] else r["date"],
             "OVERDUE" if r["overdue"] else r["status"], r["reference"])
            for r in view["due_dates"]
        ])
    for j in view["awaiting"]:
        click.echo(f"\nJoint decision {j['trigger']}: decided by {', '.join(j['decided'])}; "
                   f"awaiting {', '.join(j['awaiting']) or 'nobody'}")
    click.echo("\nPossible next:")
    table(["TRIGGER", "TO", "BODIES", "NEEDS"], [
        (p["trigger"], p["to_state"], ",".join(p["bodies"]), ",".join(p["requires"])) for p in view["possible"]
    ])


@case.command()
@click.argument("key", metavar="CASE")
@click.option("--lang", type=click.Choice(["sv", "en"]), default="sv", show_default=True)
@json_option
@pass_context
def triggers(ctx: Context, key: str, lang: str, as_json: bool) -> None:
    """What can happen to a case now, and what each step needs."""
    found = ctx.workflow.triggers(key)
    if as_json:
        emit_json([p.to_json() for p in found])
        return
    table(["TRIGGER", "STEP", "TO", "BODIES", "NEEDS", "SETS DUE", "AWAITING"], [
        (p.trigger, p.label_en if lang == "en" else p.label_sv, p.to_state, ",".join(p.bodies),
         ",".join(p.requires), ",".join(p.sets_due), ",".join(p.awaiting))
        for p in found
    ])


@case.command()
@click.argument("key", metavar="CASE")
@click.argument("trigger")
@click.option("--decision", "reference", metavar="REF", help="The decision: 'HSN 2024-02-28 § 15'.")
@click.option("--proposed-by", metavar="BODY", help="Who proposed it (e.g. HSN-AU, KS).")
@click.option("--due", multiple=True, metavar="NAME=DATE", help="A due date set or moved: report_back=2027-09, or report_back=HSN@2023-12 (repeatable).")
@click.option("--note", help="A note on the decision.")
@click.option("--basis", multiple=True, metavar="DOCUMENT", help="A basis document (repeatable).")
@click.option("--to", "recipients", multiple=True, metavar="RECIPIENT", help="Dispatched to (expedieras till; repeatable).")
@click.option("--party", help="The deciding party, for a joint decision (default: the body's party).")
@click.option("--outcome", type=click.Choice(["yes", "no"]), default="yes", show_default=True,
              help="A party's answer in a joint decision.")
@click.option("--amount", metavar="SEK", help="An amount granted, in kronor.")
@click.option("--ceiling", metavar="SEK", help="The most that may be granted ('upp till').")
@click.option("--statement", "statements", multiple=True, metavar="NAME=TEXT", help="A required statement (repeatable).")
@click.option("--request-id", help="Makes a retry safe: the same id records the decision once.")
@click.option("--expect-version", type=int, help="Refuse if the case is no longer at this version.")
@actor_option
@json_option
@pass_context
def advance(ctx: Context, key: str, trigger: str, reference: str | None, proposed_by: str | None,
            due: tuple[str, ...], note: str | None, basis: tuple[str, ...], recipients: tuple[str, ...],
            party: str | None, outcome: str, amount: str | None, ceiling: str | None,
            statements: tuple[str, ...], request_id: str | None, expect_version: int | None,
            actor: str, as_json: bool) -> None:
    """Record a decision that moves CASE by TRIGGER."""
    from workflow.decisions import Decision, DecisionRef, DueSpec, parse_amount
    from workflow.errors import InvalidInput

    pairs = []
    for s in statements:
        name, sep, text = s.partition("=")
        if not sep or not name.strip() or not text.strip():
            raise InvalidInput(f"malformed statement {s!r}: write NAME=TEXT")
        pairs.append((name.strip(), text.strip()))
    decision = Decision(
        trigger=trigger, reference=DecisionRef.parse(reference) if reference is not None else None,
        actor=actor, proposed_by=proposed_by, basis=basis, recipients=recipients, note=note,
        due=tuple(DueSpec.parse(d) for d in due), party=party, outcome=outcome,
        amount=parse_amount(amount), ceiling=parse_amount(ceiling), statements=tuple(pairs),
        request_id=request_id,
    )
    rec = ctx.workflow.advance(key, decision, expected_version=expect_version)
    if as_json:
        emit_json({"case": rec.case.to_json(), "entries": [e.to_json() for e in rec.entries],
                   "replayed": rec.replayed})
        return
    from workflow.present import entry_summary

    prefix = "already recorded" if rec.replayed else "recorded"
    for e in rec.entries:
        click.echo(f"{prefix} #{e.seq} {e.reference or ''}: {entry_summary(e)}")
    click.echo(f"case {rec.case.label} is now in state {rec.case.state} (version {rec.case.version})")


@case.command()
@click.argument("key", metavar="CASE")
@click.argument("text")
@actor_option
@pass_context
def note(ctx: Context, key: str, text: str, actor: str) -> None:
    """Add a note to a case's log."""
    rec = ctx.workflow.add_note(key, text, actor=actor)
    click.echo(f"noted #{rec.entries[0].seq} on case {rec.case.label}")


@case.command()
@click.argument("key", metavar="CASE")
@json_option
@pass_context
def history(ctx: Context, key: str, as_json: bool) -> None:
    """Every entry of a case's audit log, in order."""
    entries = ctx.workflow.history(key)
    if as_json:
        emit_json([e.to_json() for e in entries])
        return
    print_history(entries)


def print_history(entries: "list[Entry]") -> None:
    from workflow.present import entry_summary

    table(["#", "EFFECTIVE", "DECISION", "WHAT", "BY", "ENTERED"], [
        (e.seq, e.effective or "", e.reference or "", entry_summary(e), e.actor, e.recorded_at[:19])
        for e in entries
    ])

from workflow_cli.diagrams import case_diagram, case_timeline  # noqa: E402  (cheap: click only)

case.add_command(case_diagram, "diagram")
case.add_command(case_timeline, "timeline")
