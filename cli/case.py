"""``wf case``: open cases, record decisions, see where a case stands and how it got there."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

import click
from workflow_cli.context import (
    Context,
    LazyCommands,
    emit_json,
    field_options,
    given_fields,
    json_option,
    pass_context,
    table,
)

if TYPE_CHECKING:
    from workflow.core.audit import Entry
    from workflow.core.case import Case
    from workflow.core.definition import Definition


actor_option = click.option(
    "--actor", default=None, metavar="NAME",
    help="On whose behalf you record this (the chair, the body); by default yourself. "
         "You are who the database says you are; naming another needs a role the definition allows to.",
)


def _today(value: str | None) -> dt.date:
    from workflow.api import _as_date

    return _as_date(value) if value else dt.date.today()


@click.group(cls=LazyCommands, lazy={
    "diagram": ("workflow_cli.diagrams", "case_diagram", "Draw the path a case took through its process."),
    "timeline": ("workflow_cli.diagrams", "case_timeline", "Draw a case's phases, decisions and due dates in time."),
})
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
        from workflow_cli.exchange import write_output

        from workflow.exchange.csv_io import cases_csv

        write_output("-", cases_csv(found, day))
        return
    if as_json or fmt == "json":
        emit_json([c.to_json() for c in found])
        return
    from workflow.core.present import due_rows

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
    from workflow.core import engine
    from workflow.core.present import case_json

    wf = ctx.workflow
    c = wf.case(key)
    d = wf.definition_of(c)
    view = case_json(c, d, engine.possibilities(d, c), _today(today), wf.history(c))
    if as_json:
        emit_json(view)
        return
    print_case(c, d, view, lang)


def print_case(c: "Case", d: "Definition", view: dict[str, Any], lang: str = "sv") -> None:
    """The human-readable view of a case (also used by the demo)."""
    from workflow.core.decisions import due_when

    label = view["state_label"][lang] if view["state_label"] else c.state
    click.echo(f"Case {c.id}: {c.title}")
    for n in c.numbers:
        party = d.parties[n.party].name if n.party in d.parties else (n.party or "")
        click.echo(f"  Diary number: {n.number}" + (f" ({party})" if party else ""))
    click.echo(f"  Process:      {d.id} v{d.version} ({d.label.get(lang)})")
    click.echo(f"  State:        {c.state} -- {label}{' (final)' if view['final'] else ''}")
    if view.get("phase"):
        click.echo(f"  Phase:        {view['phase']}")
    click.echo(f"  Opened:       {view.get('opened', c.opened_at[:10])}; version {c.version}, "
               f"last entered {c.updated_at[:10]}")
    parties = c.data.get("parties", [])
    if parties:
        click.echo("  Parties:      " + ", ".join(d.parties[p].name if p in d.parties else p for p in parties))
    if view.get("decisions"):
        click.echo("\nDecisions:")
        table(["#", "DECISION", "STEP", "PARTY", "PROPOSED BY", "NOTE"], [
            (x["seq"], x["reference"], x["trigger"], x["party"] or "", x["proposed_by"] or "",
             "urgent (chair)" if x["urgent"] else ("said no" if x["outcome"] == "no" else ""))
            for x in view["decisions"]
        ])
    for j in view["awaiting"]:
        decided = ", ".join(f"{x['party']} ({x['reference']})" for x in j["decided"])
        click.echo(f"\nJoint decision {j['trigger']}: decided by {decided}; "
                   f"awaiting {', '.join(j['awaiting']) or 'nobody'}")
    proposed_due = [
        (due["name"], due_when(due["date"], due.get("meeting")),
         f"proposed ({p['id']})", f"{p['proposer']} {p['date'] or ''}".strip())
        for p in view["proposals"] if p["status"] in ("pending", "postponed")
        for point in p["points"] for due in point["due"]
    ]
    if view["due_dates"] or proposed_due:
        click.echo("\nDue dates:")
        table(["DUE", "WHEN", "STATUS", "SET BY"], [
            *((r["name"], due_when(r["date"], r["meeting"]),
               "OVERDUE" if r["overdue"] else r["status"], r["reference"]) for r in view["due_dates"]),
            *proposed_due,
        ])
    for p in view["proposals"]:
        meeting = f"{p['to_body']} meeting {p['meeting']}" if p.get("meeting") else p["to_body"]
        status = {"pending": "PENDING", "postponed": "POSTPONED (bordläggning)",
                  "returned": "sent back (återremiss)"}.get(p["status"], p["status"])
        click.echo(f"\nProposal {p['id']} ({status}): {p['proposer']} {p['date'] or '(date not recorded)'} to {meeting}"
                   + (f" -- {p['document']}" if p.get("document") else ""))
        for i, point in enumerate(p["points"], 1):
            extra = "; ".join([*(f"{x['name']} {x['date']}" for x in point["due"]),
                               *(f"assigns {a['task']} to {a['assignee']}" + (" (may sub-delegate)" if a["may_subdelegate"] else "")
                                 for a in point["assign"])])
            click.echo(f"  {i}. {point['trigger']}: {point['text']}" + (f" [{extra}]" if extra else ""))
        if p.get("decided_by"):
            click.echo(f"  decided by: {', '.join(p['decided_by'])}")
    if view["urgent_decisions"]:
        click.echo("\nUrgent decisions (KL 6 kap. 39 §):")
        table(["DECISION", "STEP", "REPORTED TO THE BODY"], [
            (u["reference"], u["trigger"], u["reported"] or "NOT YET REPORTED") for u in view["urgent_decisions"]
        ])
    if view["assignments"]:
        click.echo("\nAssignments and delegation:")
        for a in view["assignments"]:
            chain = " -> ".join(
                f"{x['holder']}" + (" (may sub-delegate)" if x["may_subdelegate"] else "") for x in a["chain"]
            )
            click.echo(f"  {a['task']}: {a['body']} ({a['by']}) -> {chain}")
    if view["links"]:
        click.echo("\nLinked cases:")
        for link in view["links"]:
            click.echo(f"  {link['relation']}: {link['case']} {link.get('title', '')}".rstrip())
    if view["amounts"]:
        click.echo("\nAmounts granted:")
        for a in view["amounts"]:
            ceiling = f" (ceiling {a['ceiling']} SEK)" if a.get("ceiling") else ""
            click.echo(f"  {a['reference']}: {a['amount']} SEK{ceiling}")
    if view["appeals"]:
        click.echo("\nAppeal periods (KL 13 kap.):")
        table(["DECISION", "MINUTES POSTED", "LAST DAY TO APPEAL", "STANDING"], [
            (a["reference"], a["posted"], a["last_day"],
             "legal force (unless appealed)" if a["legal_force"] == "final" else "can be appealed")
            for a in view["appeals"]
        ])
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
@field_options()
@click.option("--expect-version", type=int, help="Refuse if the case is no longer at this version.")
@actor_option
@json_option
@pass_context
def advance(ctx: Context, key: str, trigger: str, expect_version: int | None, actor: str, as_json: bool,
            **fields: Any) -> None:
    """Record a decision that moves CASE by TRIGGER."""
    from workflow.core.decisions import Decision

    decision = Decision.from_mapping({"trigger": trigger, "actor": actor, **given_fields(fields)})
    rec = ctx.workflow.advance(key, decision, expected_version=expect_version)
    if as_json:
        emit_json({"case": rec.case.to_json(), "entries": [e.to_json() for e in rec.entries],
                   "replayed": rec.replayed})
        return
    from workflow.core.present import entry_summary

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


def _clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def print_history(entries: "list[Entry]") -> None:
    from workflow.core.present import entry_summary

    table(["#", "EFFECTIVE", "DECISION", "WHAT", "BY", "ENTERED", "ENTERED BY"], [
        (e.seq, e.effective or "", e.reference or "", _clip(entry_summary(e), 110), e.actor, e.recorded_at[:19],
         e.recorded_by or "?")
        for e in entries
    ])



def _register_acts() -> None:
    from workflow_cli.case_acts import COMMANDS

    for command in COMMANDS:
        case.add_command(command)


_register_acts()
