"""``wf demo``: the two real cases of the seeds, replayed decision by decision."""

from __future__ import annotations

import click
from workflow_cli.context import Context, pass_context

from workflow.i18n import t


@click.command()
@click.option("--today", metavar="DATE", help="What day it is, for overdue due dates.")
@pass_context
def demo(ctx: Context, today: str | None) -> None:
    """Build a fresh database and replay the Dorotea and Governo cases into it.

    The database is the one --db / WF_DATABASE_URL names, else the default
    SQLite file. A database that holds anything but an earlier demo is left
    alone: the demo refuses rather than mixing with real cases.
    """
    from workflow_cli.case import _today, print_case, print_history

    from workflow import demo as run
    from workflow.core import engine
    from workflow.core.present import case_json

    wf = run.fresh_demo_workflow(ctx.database_url)
    ctx._workflow = wf
    click.echo(t("database: {url}", url=run.describe(wf)))
    day = _today(today)
    for case, _recorded in run.replay_demo(wf):
        d = wf.definition_of(case)
        click.echo("\n" + "=" * 78)
        history = wf.history(case)
        print_case(case, d, case_json(case, d, engine.possibilities(d, case), day, history), entries=history)
        click.echo("\n" + t("History:"))
        print_history(history, d)
    from workflow.documents.context import meeting_context, text

    planned = run.plan_demo_meeting(wf)
    click.echo("\n" + "=" * 78)
    click.echo(text(meeting_context(wf, planned, "agenda")), nl=False)
    report = wf.verify()
    click.echo("\n" + (t("audit log: {cases} case(s), {entries} entries, verified", cases=report.cases,
                         entries=report.entries) if report.ok else
                       t("audit log: {cases} case(s), {entries} entries, DOES NOT VERIFY", cases=report.cases,
                         entries=report.entries)))
    report.raise_for_problems()
