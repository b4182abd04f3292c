"""``wf case`` commands for acts that are not state changes.

Proposals, sending back or postponing them, sub-delegation, reporting urgent
decisions, links between cases, child cases, and the posting of minutes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import click
from workflow_cli.case import actor_option
from workflow_cli.context import Context, emit_json, field_options, given_fields, json_option, pass_context

from workflow.i18n import t

if TYPE_CHECKING:
    from workflow.api import Recorded


def _report(ctx: Context, rec: "Recorded", as_json: bool) -> None:
    from workflow_cli.case import recorded_line

    from workflow.core.present import entry_summary

    if as_json:
        emit_json({"case": rec.case.to_json(), "entries": [e.to_json() for e in rec.entries]})
        return
    d = ctx.workflow.definition_of(rec.case)
    for e in rec.entries:
        click.echo(recorded_line(e, entry_summary(e, d), replayed=rec.replayed))


@click.command()
@click.argument("key", metavar="CASE")
@click.option("--by", "proposer", required=True, help="Who proposes: a body (HSN-AU, KS) or an officer's report.")
@click.option("--to", "to_body", required=True, metavar="BODY", help="The body that is to decide.")
@click.option("--date", metavar="DATE", help="The proposal's date (YYYY[-MM[-DD]]), if known.")
@click.option("--meeting", metavar="DATE", help="The meeting of BODY it goes to.")
@click.option("--point", "points", multiple=True, required=True, metavar="TRIGGER[:TEXT]",
              help="A proposed step (att-sats), repeatable, in order.")
@field_options("due", "assign", "may_subdelegate", "basis", "statements",
               due="A proposed due date; goes with the first point that can set it.",
               assign="A proposed assignment; goes with the point setting due date TASK, else the last point.",
               may_subdelegate="The proposed assignments come with the right to sub-delegate.")
@click.option("--document", help="The proposing document, e.g. 'Tjänsteskrivelse 2026-03-23'.")
@actor_option
@json_option
@pass_context
def propose(ctx: Context, key: str, proposer: str, to_body: str, date: str | None, meeting: str | None,
            points: tuple[str, ...], document: str | None, actor: str, as_json: bool, **fields: Any) -> None:
    """Record a proposal ahead of the decision; the case shows it as pending."""
    from workflow.core.decisions import DueSpec, Proposal
    from workflow.core.errors import InvalidInput

    wf = ctx.workflow
    d = wf.definition_of(wf.case(key))
    steps = [p.partition(":") for p in points]
    # Each due date goes with the first point that can set it, each assignment with the point
    # setting the due date of its task, else the last point.
    dues: list[list[str]] = [[] for _ in steps]
    for text in fields.pop("due"):
        name = DueSpec.parse(text).name
        i = next((i for i, (trigger, _, _) in enumerate(steps)
                  if any(name in t.sets_due for t in d.transitions if t.trigger == trigger.strip())), None)
        if i is None:
            raise InvalidInput(f"no proposed step can set due date {name!r}", field="due")
        dues[i].append(text)
    assigned: list[list[str]] = [[] for _ in steps]
    for text in fields.pop("assign"):
        task = text.partition("=")[0].strip()
        i = next((i for i, ds in enumerate(dues) if any(DueSpec.parse(x).name == task for x in ds)), len(steps) - 1)
        assigned[i].append(text)
    may = fields.pop("may_subdelegate")
    proposal = Proposal.from_mapping({
        "by": proposer, "to": to_body, "date": date, "meeting": meeting, "document": document,
        "points": [{"trigger": trigger, "text": text, "due": dues[i], "assign": assigned[i], "may_subdelegate": may}
                   for i, (trigger, _, text) in enumerate(steps)],
        **given_fields(fields),
    }, actor=actor)
    rec = wf.propose(key, proposal)
    _report(ctx, rec, as_json)
    if not as_json:
        pid = rec.entries[0].payload.get("id", "") if rec.entries else ""
        click.echo(t("proposal {id} awaits the decision of {body}; 'wf case show {case}' shows it", id=pid,
                     body=to_body, case=rec.case.id))


@click.command("proposal-outcome")
@click.argument("key", metavar="CASE")
@click.argument("proposal_id", metavar="PROPOSAL")
@click.argument("outcome", type=click.Choice(["returned", "postponed"]))
@click.option("--decision", "reference", required=True, metavar="REF", help="The body's decision: 'HSN 2026-05-08 § 40'.")
@click.option("--next-meeting", metavar="DATE", help="For a postponement: the meeting it goes to now.")
@actor_option
@json_option
@pass_context
def proposal_outcome(ctx: Context, key: str, proposal_id: str, outcome: str, reference: str,
                     next_meeting: str | None, actor: str, as_json: bool) -> None:
    """The body sent PROPOSAL back (returned, återremiss) or postponed it (bordläggning)."""
    from workflow.core.decisions import DecisionRef, PartialDate

    rec = ctx.workflow.proposal_outcome(key, proposal_id, DecisionRef.parse(reference), outcome, actor=actor,
                                        next_meeting=PartialDate.parse(next_meeting) if next_meeting else None)
    _report(ctx, rec, as_json)


@click.command()
@click.argument("key", metavar="CASE")
@click.argument("task")
@click.option("--to", "to", required=True, help="Who takes the task over.")
@click.option("--may-subdelegate", is_flag=True, help="They may pass it on in turn.")
@click.option("--date", metavar="DATE", help="When it was delegated.")
@actor_option
@json_option
@pass_context
def delegate(ctx: Context, key: str, task: str, to: str, may_subdelegate: bool, date: str | None,
             actor: str, as_json: bool) -> None:
    """Sub-delegate an assigned TASK; refused without the right to sub-delegate."""
    from workflow.core.decisions import PartialDate

    rec = ctx.workflow.delegate(key, task, to, actor=actor, may_subdelegate=may_subdelegate,
                                effective=PartialDate.parse(date) if date else None)
    _report(ctx, rec, as_json)


@click.command("report-urgent")
@click.argument("key", metavar="CASE")
@click.option("--decision", "reference", required=True, metavar="REF",
              help="The body's meeting where it was reported: 'HSN 2026-05-08 § 38'.")
@click.option("--which", metavar="REF", help="Only this urgent decision (default: all of that body).")
@actor_option
@json_option
@pass_context
def report_urgent(ctx: Context, key: str, reference: str, which: str | None, actor: str, as_json: bool) -> None:
    """Record that the chair's urgent decisions were reported to the body (KL 6 kap. 39 §)."""
    from workflow.core.decisions import DecisionRef

    _report(ctx, ctx.workflow.report_urgent(key, DecisionRef.parse(reference), actor=actor, which=which), as_json)


@click.command()
@click.argument("key", metavar="CASE")
@click.argument("other", metavar="OTHER")
@click.option("--as", "relation", type=click.Choice(["related", "child", "parent"]), default="related",
              show_default=True, help="What OTHER is to CASE.")
@actor_option
@pass_context
def link(ctx: Context, key: str, other: str, relation: str, actor: str) -> None:
    """Link two cases, in both directions."""
    a, b = ctx.workflow.link(key, other, relation, actor=actor)
    from workflow.core.present import relation_text

    click.echo(t("linked {case} -> {other} ({relation}) and back", case=a.case.label, other=b.case.label,
                 relation=relation_text(relation)))


@click.command("open-child")
@click.argument("parent", metavar="PARENT")
@click.argument("definition_id")
@click.option("--title", required=True)
@click.option("--dnr", "numbers", multiple=True, metavar="[PARTY=]NUMBER")
@click.option("--date", "effective", metavar="DATE")
@actor_option
@json_option
@pass_context
def open_child(ctx: Context, parent: str, definition_id: str, title: str, numbers: tuple[str, ...],
               effective: str | None, actor: str, as_json: bool) -> None:
    """Open a case as a child of PARENT (a sub-study of a financing decision, say)."""
    child = ctx.workflow.open_child(parent, definition_id, title=title, actor=actor, numbers=numbers,
                                    effective=effective)
    if as_json:
        emit_json(child.to_json())
    else:
        click.echo(t("opened case {id} ({label}) as a child of {parent}", id=child.id, label=child.label,
                     parent=parent))


@click.command()
@click.argument("key", metavar="CASE")
@click.option("--decision", "reference", required=True, metavar="REF", help="The decision whose minutes were posted.")
@click.option("--posted", required=True, metavar="DATE", help="The day the approved minutes were posted (anslag).")
@actor_option
@json_option
@pass_context
def posted(ctx: Context, key: str, reference: str, posted: str, actor: str, as_json: bool) -> None:
    """Record when minutes were posted; shows the last day to appeal (three weeks, KL 13 kap.)."""
    from workflow.core.decisions import DecisionRef, PartialDate

    rec = ctx.workflow.minutes_posted(key, DecisionRef.parse(reference), PartialDate.parse(posted), actor=actor)
    _report(ctx, rec, as_json)
    if not as_json:
        appeal = rec.case.data["appeals"][str(DecisionRef.parse(reference))]
        from workflow.i18n import format_date

        click.echo(t("last day to appeal: {date}", date=format_date(appeal["last_day"])))


COMMANDS = (propose, proposal_outcome, delegate, report_urgent, link, open_child, posted)
