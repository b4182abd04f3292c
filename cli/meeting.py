"""``wf meeting``: meetings of a body -- plan, agenda, decide item by item, adjust, post, documents."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

import click
from workflow_cli.context import Context, emit_json, json_option, pass_context, table

from workflow.i18n import t

if TYPE_CHECKING:
    from workflow.core.meetings import Meeting

body_date = [click.argument("body"), click.argument("date", metavar="DATE")]
output_option = click.option("-o", "--output", metavar="FILE",
                             help="Write the document to FILE; its suffix (.pdf, .html, .txt) picks the format.")


def _meeting_args(f):  # type: ignore[no-untyped-def]
    for decorate in reversed(body_date):
        f = decorate(f)
    return f


@click.group()
def meeting() -> None:
    """Meetings of a body, named by body and date everywhere: HSN 2026-05-08.

    Plan a meeting and its agenda is built from what is addressed to it
    (proposals, urgent decisions to report, items postponed before, first);
    decide its items in turn and the engine gives each the body's next
    paragraph (§); adjust the minutes (locks them; the ledger's digest goes in);
    post them on the notice board (every decision's appeal period starts).
    """


@meeting.command()
@_meeting_args
@click.option("--place", help="Where the meeting is held.")
@click.option("--time", "time_", metavar="HH:MM", help="When it starts.")
@json_option
@pass_context
def plan(ctx: Context, body: str, date: str, place: str | None, time_: str | None, as_json: bool) -> None:
    """Plan a meeting of BODY on DATE and build its agenda."""
    m = ctx.workflow.plan_meeting(body, date, place=place, time=time_)
    if as_json:
        emit_json(m.to_json())
        return
    click.echo(t("Planned {meeting}: {count} item(s) on the agenda", meeting=m.key, count=len(m.agenda)))


@meeting.command("list")
@click.argument("body", required=False)
@json_option
@pass_context
def list_(ctx: Context, body: str | None, as_json: bool) -> None:
    """The planned meetings (of BODY), by date."""
    found = ctx.workflow.meetings(body)
    if as_json:
        emit_json([m.to_json() for m in found])
        return
    table([t("Body"), t("Date"), t("State"), t("Items")],
          [(m.body, m.date.isoformat(), t(m.state), len(m.agenda)) for m in found])


@meeting.command()
@_meeting_args
@json_option
@pass_context
def show(ctx: Context, body: str, date: str, as_json: bool) -> None:
    """A meeting: its agenda, what was decided under which §, adjustment and posting."""
    m = ctx.workflow.meeting(body, date)
    if as_json:
        emit_json(m.to_json())
        return
    _document(ctx, m, "minutes" if m.paragraphs else "agenda", None)
    _status(m)


LATE = "flagged: later than the law's time limit"


def _status(m: "Meeting") -> None:
    if m.adjusted:
        line = t("Adjusted {date} by {adjusters}", date=m.adjusted["on"].isoformat(),
                 adjusters=", ".join(m.adjusted["adjusters"]))
        click.echo(line + (f" ({t(LATE)})" if m.adjusted["late"] else ""))
    if m.posted:
        line = t("Posted {date}; last day to appeal {last}", date=m.posted["on"].isoformat(),
                 last=m.posted["last_appeal_day"].isoformat())
        click.echo(line + (f" ({t(LATE)})" if m.posted["late"] else ""))


def _document(ctx: Context, m: "Meeting", kind: str, output: str | None, *, case: str | None = None,
              recipient: str | None = None) -> None:
    from workflow import documents
    from workflow.documents.context import meeting_context, text

    fmt = documents.format_for(output)
    context = meeting_context(ctx.workflow, m, kind, case=case, recipient=recipient)
    if fmt == "text":
        data = text(context).encode("utf-8")
    else:
        page = documents.html(kind, context)
        data = documents.pdf(page) if fmt == "pdf" else page.encode("utf-8")
    if output is None or output == "-":
        sys.stdout.flush()
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
        return
    from workflow.outfile import write_atomically

    write_atomically(output, data)
    click.echo(t("Wrote {what} to {path}", what=context["title"], path=output), err=True)


@meeting.command()
@_meeting_args
@output_option
@click.option("--refresh", is_flag=True, help="First add what has been addressed to the meeting since it was planned.")
@pass_context
def agenda(ctx: Context, body: str, date: str, output: str | None, refresh: bool) -> None:
    """The agenda (föredragningslista): text, or a PDF or HTML document with -o."""
    if refresh:
        added = ctx.workflow.refresh_agenda(body, date)
        click.echo(t("Added {count} item(s) to the agenda", count=len(added)), err=True)
    _document(ctx, ctx.workflow.meeting(body, date), "agenda", output)


@meeting.command()
@_meeting_args
@click.argument("case")
@click.option("--proposal", help="The case's proposal to decide (P1, P2, ...).")
@click.option("--urgent", metavar="ENTRY", help="The urgent decision to report: its entry number in the case.")
@click.option("--delegated", metavar="ENTRY", help="The delegated decision to report: its entry number in the case.")
@click.option("--text", "text_", help="What the matter is, when it is neither.")
@click.option("--position", type=int, help="Where on the agenda (1 = first); by default last.")
@pass_context
def add(ctx: Context, body: str, date: str, case: str, proposal: str | None, urgent: str | None,
        delegated: str | None, text_: str | None, position: int | None) -> None:
    """Put CASE on the agenda by hand."""
    item = ctx.workflow.add_agenda_item(body, date, case, proposal=proposal, urgent=urgent, text=text_,
                                        position=position, delegated=delegated)
    click.echo(t("Item {item} added to the agenda", item=item.id))


@meeting.command()
@_meeting_args
@click.argument("item")
@pass_context
def remove(ctx: Context, body: str, date: str, item: str) -> None:
    """Take ITEM off the agenda (before it is decided)."""
    ctx.workflow.remove_agenda_item(body, date, item)
    click.echo(t("Item {item} removed from the agenda", item=item))


@meeting.command()
@_meeting_args
@click.argument("item")
@click.argument("position", type=int)
@pass_context
def move(ctx: Context, body: str, date: str, item: str, position: int) -> None:
    """Move ITEM to POSITION on the agenda (1 = first)."""
    order = ctx.workflow.move_agenda_item(body, date, item, position)
    click.echo(t("Agenda order: {order}", order=", ".join(order)))


@meeting.command()
@_meeting_args
@click.argument("item")
@click.option("--as-proposed", "outcome", flag_value="adopted", default=True, help="Decided as proposed (default).")
@click.option("--changed", "outcome", flag_value="changed", help="Decided with a change (say it with --note).")
@click.option("--postpone", "outcome", flag_value="postponed", help="Postponed (bordlagt) to a later meeting.")
@click.option("--return", "outcome", flag_value="returned", help="Returned for further preparation (återremiss).")
@click.option("--noted", "outcome", flag_value="noted",
              help="A report noted (an urgent or delegated decision reported).")
@click.option("--points", metavar="N,N", help="Only these points (att-satser) of the proposal, e.g. 1,2.")
@click.option("--note", help="What was changed, or a note for the minutes.")
@click.option("--next", "next_meeting", metavar="DATE", help="The meeting a postponed item goes to.")
@click.option("--immediately-adjusted", is_flag=True, help="The paragraph is adjusted at once (omedelbar justering).")
@click.option("--actor", help="Who decided (by default the body).")
@json_option
@pass_context
def decide(ctx: Context, body: str, date: str, item: str, outcome: str, points: str | None, note: str | None,
           next_meeting: str | None, immediately_adjusted: bool, actor: str | None, as_json: bool) -> None:
    """Decide ITEM: the engine gives it the body's next paragraph (§)."""
    from workflow.core.errors import InvalidInput

    chosen = None
    if points:
        try:
            chosen = [int(p) for p in points.replace(" ", "").split(",") if p]
        except ValueError:
            raise InvalidInput(f"--points {points!r}: point numbers such as 1,2", field="points")
    decided = ctx.workflow.decide_item(body, date, item, outcome, points=chosen, note=note,
                                       next_meeting=next_meeting, immediately_adjusted=immediately_adjusted,
                                       actor=actor)
    assert decided.decided is not None
    if as_json:
        emit_json(decided.to_json())
        return
    click.echo(t("§ {paragraph}: item {item} {outcome}", paragraph=decided.decided["paragraph"], item=decided.id,
                 outcome=t(decided.decided["outcome"])))


@meeting.command()
@_meeting_args
@click.option("--adjuster", "adjusters", multiple=True, required=True, help="An adjuster (justerare); one or two.")
@click.option("--chair", help="The chair, who signs too.")
@click.option("--date", "on", metavar="DATE", help="When the minutes were adjusted (default today).")
@pass_context
def adjust(ctx: Context, body: str, date: str, adjusters: tuple[str, ...], chair: str | None, on: str | None) -> None:
    """Adjust (justera) the minutes: their decisions are locked; the ledger's digest goes into them."""
    _status(ctx.workflow.adjust_meeting(body, date, adjusters, on=on, chair=chair))


@meeting.command()
@_meeting_args
@click.option("--date", "on", metavar="DATE", help="When the announcement was posted (default today).")
@click.option("--where", help="Where the adjusted minutes are kept.")
@pass_context
def post(ctx: Context, body: str, date: str, on: str | None, where: str | None) -> None:
    """Post the adjusted minutes on the notice board: every decision's appeal period starts."""
    _status(ctx.workflow.post_minutes(body, date, on=on, where=where))


@meeting.command()
@_meeting_args
@output_option
@pass_context
def minutes(ctx: Context, body: str, date: str, output: str | None) -> None:
    """The minutes (protokoll): every paragraph with its decision, basis and dispatch."""
    _document(ctx, ctx.workflow.meeting(body, date), "minutes", output)


@meeting.command()
@_meeting_args
@click.option("--case", help="The paragraphs concerning this case.")
@click.option("--recipient", help="The paragraphs dispatched to this recipient.")
@output_option
@pass_context
def extract(ctx: Context, body: str, date: str, case: str | None, recipient: str | None, output: str | None) -> None:
    """A minute extract (protokollsutdrag) for one case or one recipient."""
    from workflow.core.errors import InvalidInput

    if (case is None) == (recipient is None):
        raise InvalidInput("name either --case or --recipient")
    _document(ctx, ctx.workflow.meeting(body, date), "extract", output, case=case, recipient=recipient)


@meeting.command()
@_meeting_args
@output_option
@pass_context
def notice(ctx: Context, body: str, date: str, output: str | None) -> None:
    """The announcement for the notice board: adjustment, posting, last day to appeal, the digest."""
    _document(ctx, ctx.workflow.meeting(body, date), "notice", output)
