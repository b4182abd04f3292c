"""``wf case``: open cases, record decisions, see where a case stands and how it got there."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

import click
from workflow_cli.context import (
    Context,
    LazyCommands,
    emit_json,
    emit_json_array,
    field_options,
    given_fields,
    json_option,
    paragraph,
    pass_context,
    table,
)

from workflow.i18n import format_date, language, set_language, t

if TYPE_CHECKING:
    from collections.abc import Iterable

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
        from workflow.core.present import state_label

        click.echo(t("opened case {id} ({label}), state: {state}", id=c.id, label=c.label,
                     state=state_label(ctx.workflow.definition_of(c), c.state)))


@case.command("list")
@click.option("--definition", help="Only cases of this definition.")
@click.option("--state", help="Only cases in this state.")
@click.option("--overdue", is_flag=True, help="Only cases with an open due date that has passed.")
@click.option("--due-before", metavar="DATE", help="Only cases with an open due date before DATE.")
@click.option("--today", metavar="DATE", help="What day it is, for --overdue (default: today).")
@click.option("--limit", type=click.IntRange(min=1), help="At most this many cases.")
@click.option("--format", "fmt", type=click.Choice(["table", "json", "csv", "xlsx"]), default=None,
              help="table (default), json, csv (UTF-8 with BOM and ';', as a Swedish spreadsheet expects) "
                   "or xlsx (with -o).")
@click.option("-o", "--output", default="-", metavar="FILE",
              help="Write json, csv or xlsx to FILE (default: stdout), whole or not at all.")
@json_option
@pass_context
def list_(ctx: Context, definition: str | None, state: str | None, overdue: bool, due_before: str | None,
          today: str | None, limit: int | None, fmt: str | None, output: str, as_json: bool) -> None:
    """Cases, filtered.

    Read as a stream, a page of cases at a time, whatever their number; the table, the
    JSON array, csv and xlsx are written from it without holding the list.
    """
    day = _today(today)
    if as_json:
        fmt = "json"
    if fmt == "xlsx" and output == "-":
        from workflow.core.errors import InvalidInput

        raise InvalidInput("an xlsx file is written with -o FILE, not to the terminal", field="output")
    if fmt in (None, "table") and output != "-":
        from workflow.core.errors import InvalidInput

        raise InvalidInput("the table is for reading on the terminal: write a file with --format json, csv "
                           "or xlsx and -o FILE", field="output")
    found = ctx.workflow.iter_cases(definition=definition, state=state, overdue=overdue,
                                    due_before=due_before, today=day, limit=limit)
    if fmt in ("csv", "xlsx"):
        from workflow_cli.exchange import opened_output

        from workflow.exchange.csv_io import iter_case_table, write_table

        headers, rows = iter_case_table(found, day, wf=ctx.workflow)
        with opened_output(output) as out:
            write_table(out, headers, rows, fmt)
        return
    if fmt == "json":
        if output == "-":
            emit_json_array(c.to_json() for c in found)
            return
        from workflow_cli.exchange import opened_output

        with opened_output(output) as out:
            emit_json_array((c.to_json() for c in found), out)
        return
    from workflow.core.present import due_label, due_rows, state_label

    def row(c: "Case") -> tuple[str, ...]:
        d = ctx.workflow.definition_of(c)
        dues = [x for x in due_rows(c, day) if x["status"] == "open"]
        nxt = min(dues, key=lambda x: x["due_on"]) if dues else None
        return (c.id, "\n".join(n.number for n in c.numbers), d.label.get(language()), state_label(d, c.state),
                f"{due_label(d, nxt['name'])} {nxt['date']}{' ' + t('OVERDUE') if nxt['overdue'] else ''}"
                if nxt else "", c.title)

    table([t("ID"), t("DIARY NUMBERS"), t("PROCESS"), t("STATE"), t("NEXT DUE"), t("TITLE")], map(row, found),
          wrap=[5, 4, 3, 2])


lang_option = click.option("--lang", type=click.Choice(["sv", "en"]), default=None,
                           help="Language of the output (default: wf --lang, WF_LANG, the locale, sv).")


@case.command()
@click.argument("key", metavar="CASE")
@lang_option
@click.option("--today", metavar="DATE", help="What day it is, for overdue due dates.")
@json_option
@pass_context
def show(ctx: Context, key: str, lang: str | None, today: str | None, as_json: bool) -> None:
    """Where a case stands: state, due dates, who is awaited, what can happen next."""
    from workflow.core import engine
    from workflow.core.present import case_json

    wf = ctx.workflow
    c = wf.case(key)
    d = wf.definition_of(c)
    entries = wf.history(c)
    view = case_json(c, d, engine.possibilities(d, c), _today(today), entries)
    if as_json:
        emit_json(view)
        return
    if lang is not None:
        set_language(lang)
    print_case(c, d, view, entries=entries)


def print_case(c: "Case", d: "Definition", view: dict[str, Any], lang: str | None = None,
               entries: "list[Entry] | None" = None) -> None:
    """The human-readable view of a case (also used by the demo), in ``lang`` (default: the current language)."""
    from workflow.core.present import (
        amount_text,
        due_label,
        due_text,
        party_name,
        proposal_status,
        relation_text,
        state_label,
        statement_label,
        statements_of,
        step_label,
        task_label,
    )

    lang = language(lang)

    def head(text: str) -> None:
        click.echo()
        paragraph(text, "", "  ")

    def row(name: str, value: str) -> None:
        paragraph(value, f"  {name + ':':<{width}} ", " " * (width + 3))

    names = [t("Diary number", lang), t("Process", lang), t("State", lang), t("Phase", lang), t("Opened", lang),
             t("Parties", lang)]
    width = max(len(x) for x in names) + 1
    click.echo(t("Case {id}: {title}", lang, id=c.id, title=c.title))
    for n in c.numbers:
        party = party_name(d, n.party) if n.party else ""
        row(names[0], n.number + (f" ({party})" if party else ""))
    row(names[1], f"{d.label.get(lang)} ({d.id} v{d.version})")
    row(names[2], state_label(d, c.state, lang) + (t(" (final)", lang) if view["final"] else ""))
    if view.get("phase") and view["phase"] != c.state:
        row(names[3], state_label(d, view["phase"], lang))
    opened = view.get("opened", c.opened_at[:10])
    row(names[4], t("{opened}; version {version}, last entered {entered}", lang, opened=format_date(opened, lang),
                    version=c.version, entered=format_date(c.updated_at[:10], lang)))
    parties = c.data.get("parties", [])
    if parties:
        row(names[5], ", ".join(party_name(d, p) for p in parties))
    said = statements_of(entries or [])
    if view.get("decisions"):
        head(t("Decisions:", lang))

        def note(x: dict[str, Any]) -> str:
            notes = [t("urgent (chair)", lang)] if x["urgent"] else []
            if x["outcome"] == "no":
                notes.append(t("said no", lang))
            notes += [f"{statement_label(d, k, lang)}: {v}" for k, v in said.get(x["seq"], {}).items()]
            return "; ".join(notes)

        table([t("#", lang), t("DECISION", lang), t("STEP", lang), t("PARTY", lang), t("PROPOSED BY", lang),
               t("NOTE", lang)], [
            (x["seq"], x["reference"], step_label(d, x["trigger"], lang), party_name(d, x["party"]),
             x["proposed_by"] or "", note(x))
            for x in view["decisions"]
        ], wrap=[2, 5, 3, 4])
    for j in view["awaiting"]:
        decided = ", ".join(f"{party_name(d, x['party'])} ({x['reference']})" for x in j["decided"])
        awaiting = ", ".join(party_name(d, x) for x in j["awaiting"]) or t("nobody", lang)
        head(t("Joint decision {step}: decided by {decided}; awaiting {awaiting}", lang,
               step=step_label(d, j["trigger"], lang), decided=decided, awaiting=awaiting))
    proposed_due = [
        (due_label(d, due["name"], lang), due_text(due["date"], due.get("meeting"), lang, prose=False),
         t("proposed ({id})", lang, id=p["id"]), f"{p['proposer']} {p['date'] or ''}".strip())
        for p in view["proposals"] if p["status"] in ("pending", "postponed")
        for point in p["points"] for due in point["due"]
    ]
    if view["due_dates"] or proposed_due:
        head(t("Due dates:", lang))
        status = {"open": t("open", lang), "met": t("met", lang), "closed": t("closed", lang)}
        table([t("DUE", lang), t("WHEN", lang), t("STATUS", lang), t("SET BY", lang)], [
            *((due_label(d, r["name"], lang), due_text(r["date"], r["meeting"], lang, prose=False),
               t("OVERDUE", lang) if r["overdue"] else status.get(r["status"], r["status"]), r["reference"])
              for r in view["due_dates"]),
            *proposed_due,
        ], wrap=[0, 1])
    for p in view["proposals"]:
        to = p["to_body"]
        if p.get("meeting"):
            to = t("{body} meeting {date}", lang, body=p["to_body"], date=format_date(p["meeting"], lang))
        head(t("Proposal {id} ({status}): {proposer} {date} to {to}", lang, id=p["id"],
               status=proposal_status(p["status"], lang).upper() if p["status"] == "pending"
               else proposal_status(p["status"], lang),
               proposer=p["proposer"], date=format_date(p["date"], lang) if p["date"] else t("(date not recorded)", lang),
               to=to) + (f" -- {p['document']}" if p.get("document") else ""))
        for i, point in enumerate(p["points"], 1):
            extra = [f"{due_label(d, x['name'], lang)} {due_text(x['date'], x.get('meeting'), lang)}"
                     for x in point["due"]]
            for a in point["assign"]:
                extra.append(t("assigns {task} to {assignee}", lang, task=task_label(d, a["task"], lang),
                               assignee=a["assignee"]) + (t(" (may sub-delegate)", lang) if a["may_subdelegate"] else ""))
            paragraph(f"{step_label(d, point['trigger'], lang)}: {point['text']}"
                      + (f" [{'; '.join(extra)}]" if extra else ""), f"  {i}. ", "     ")
        for name, text in (p.get("statements") or {}).items():
            paragraph(f"{statement_label(d, name, lang)}: {text}", "  ", "     ")
        if p.get("decided_by"):
            paragraph(t("decided by: {references}", lang, references=", ".join(p["decided_by"])), "  ", "     ")
    if view["urgent_decisions"]:
        head(t("Urgent decisions (KL 6 kap. 39 §):", lang))
        table([t("DECISION", lang), t("STEP", lang), t("REPORTED TO THE BODY", lang)], [
            (u["reference"], step_label(d, u["trigger"], lang), u["reported"] or t("NOT YET REPORTED", lang))
            for u in view["urgent_decisions"]
        ], wrap=[1])
    if view["assignments"]:
        head(t("Assignments and delegation:", lang))
        for a in view["assignments"]:
            chain = " -> ".join(
                f"{x['holder']}" + (t(" (may sub-delegate)", lang) if x["may_subdelegate"] else "") for x in a["chain"]
            )
            paragraph(f"{task_label(d, a['task'], lang)}: {a['body']} ({a['by']}) -> {chain}", "  ", "     ")
    if view["links"]:
        head(t("Linked cases:", lang))
        for link in view["links"]:
            paragraph(f"{relation_text(link['relation'], lang)}: {link['case']} {link.get('title', '')}".rstrip(),
                      "  ", "     ")
    if view["amounts"]:
        head(t("Amounts granted:", lang))
        for a in view["amounts"]:
            click.echo(f"  {a['reference']}: {amount_text(a['amount'], a.get('ceiling'), lang)}")
    if view["appeals"]:
        head(t("Appeal periods (KL 13 kap.):", lang))
        table([t("DECISION", lang), t("MINUTES POSTED", lang), t("LAST DAY TO APPEAL", lang), t("STANDING", lang)], [
            (a["reference"], a["posted"], a["last_day"],
             t("legal force (unless appealed)", lang) if a["legal_force"] == "final" else t("can be appealed", lang))
            for a in view["appeals"]
        ], wrap=[3])
    head(t("Possible next:", lang))
    table([t("STEP", lang), t("TO", lang), t("BODIES", lang), t("NEEDS", lang), t("TRIGGER", lang)], [
        (step_label(d, p["trigger"], lang), state_label(d, p["to_state"], lang), ", ".join(p["bodies"]),
         needs_text(p["requires"], lang), p["trigger"])
        for p in view["possible"]
    ], wrap=[0, 1, 3, 2])


def needs_text(requires: "list[str] | tuple[str, ...]", lang: str | None = None) -> str:
    """What a step needs, in words: ``beslutsreferens, bevakningsdatum``."""
    words = {"reference": t("decision reference", lang), "due": t("due date", lang), "note": t("note", lang),
             "amount": t("amount", lang), "basis": t("basis documents", lang)}
    return ", ".join(words.get(r, r) for r in requires)


@case.command()
@click.argument("key", metavar="CASE")
@lang_option
@json_option
@pass_context
def triggers(ctx: Context, key: str, lang: str | None, as_json: bool) -> None:
    """What can happen to a case now, and what each step needs."""
    from workflow.core.present import due_label, party_name, state_label

    found = ctx.workflow.triggers(key)
    if as_json:
        emit_json([p.to_json() for p in found])
        return
    if lang is not None:
        set_language(lang)
    d = ctx.workflow.definition_of(ctx.workflow.case(key))
    # Who is awaited only when someone is: seven columns do not fit 80.
    awaiting = any(p.awaiting for p in found)
    table([t("STEP"), t("TO"), t("BODIES"), t("NEEDS"), t("SETS DUE"), *([t("AWAITING")] if awaiting else []),
           t("TRIGGER")], [
        (p.label_en if language() == "en" else p.label_sv, state_label(d, p.to_state), ", ".join(p.bodies),
         needs_text(p.requires), ", ".join(due_label(d, x) for x in p.sets_due),
         *([", ".join(party_name(d, x) for x in p.awaiting)] if awaiting else []), p.trigger)
        for p in found
    ], wrap=[4, 0, 1, 3, 2, *([5] if awaiting else [])])


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
    from workflow.core.present import entry_summary, state_label

    d = ctx.workflow.definition_of(rec.case)
    for e in rec.entries:
        click.echo(recorded_line(e, entry_summary(e, d), replayed=rec.replayed))
    click.echo(t("case {case} is now in state {state} (version {version})", case=rec.case.label,
                 state=state_label(d, rec.case.state), version=rec.case.version))


@case.command()
@click.argument("key", metavar="CASE")
@click.argument("text")
@actor_option
@pass_context
def note(ctx: Context, key: str, text: str, actor: str) -> None:
    """Add a note to a case's log."""
    rec = ctx.workflow.add_note(key, text, actor=actor)
    click.echo(t("noted #{seq} on case {case}", seq=rec.entries[0].seq, case=rec.case.label))


@case.command()
@click.argument("key", metavar="CASE")
@lang_option
@json_option
@pass_context
def history(ctx: Context, key: str, lang: str | None, as_json: bool) -> None:
    """Every entry of a case's audit log, in order (read as a stream, whatever its length)."""
    c = ctx.workflow.case(key)
    entries = ctx.workflow.iter_history(c)
    if as_json:
        emit_json_array(e.to_json() for e in entries)
        return
    if lang is not None:
        set_language(lang)
    print_history(entries, ctx.workflow.definition_of(c))


def recorded_line(e: "Entry", summary: str, *, replayed: bool = False) -> str:
    """``registrerat #9 (HSN 2024-02-28 § 15): ...``: what one entry a command wrote says."""
    if e.reference:
        if replayed:
            return t("already recorded #{seq} ({reference}): {summary}", seq=e.seq, reference=e.reference,
                     summary=summary)
        return t("recorded #{seq} ({reference}): {summary}", seq=e.seq, reference=e.reference, summary=summary)
    if replayed:
        return t("already recorded #{seq}: {summary}", seq=e.seq, summary=summary)
    return t("recorded #{seq}: {summary}", seq=e.seq, summary=summary)


def print_history(entries: "Iterable[Entry]", definition: "Definition | None" = None) -> None:
    """The log as a table; what each entry did in words, wrapped to the terminal, never cut off.

    An entry is dated by its decision's reference (which holds the meeting's date), else by its
    own date; who entered it, and when, share one column, so that 80 columns leave room for what.
    """
    from workflow.core.present import entry_summary

    def decision(e: "Entry") -> str:
        if e.reference and e.effective and not str(e.reference).split(" § ")[0].endswith(e.effective):
            return f"{e.reference} ({e.effective})"
        return e.reference or e.effective or ""

    table([t("#"), t("DECISION"), t("WHAT"), t("BY"), t("ENTERED")], (
        (e.seq, decision(e), entry_summary(e, definition), e.actor,
         f"{e.recorded_at[:16].replace('T', ' ')} {e.recorded_by or '?'}")
        for e in entries
    ), wrap=[2, 3, 4])


def _register_acts() -> None:
    from workflow_cli.case_acts import COMMANDS

    for command in COMMANDS:
        case.add_command(command)


_register_acts()
