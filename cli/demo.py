"""``wf demo``: the two real cases of the seeds, replayed decision by decision."""

from __future__ import annotations

import click
from workflow_cli.context import Context, pass_context


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
    click.echo(f"database: {run.describe(wf)}")
    day = _today(today)
    for case, _recorded in run.replay_demo(wf):
        d = wf.definition_of(case)
        click.echo("\n" + "=" * 78)
        history = wf.history(case)
        print_case(case, d, case_json(case, d, engine.possibilities(d, case), day, history))
        click.echo("\nHistory:")
        print_history(history)
    from workflow.documents.context import meeting_context, text

    planned = run.plan_demo_meeting(wf)
    click.echo("\n" + "=" * 78)
    click.echo(text(meeting_context(wf, planned, "agenda")), nl=False)
    report = wf.verify()
    click.echo(f"\naudit log: {report.cases} case(s), {report.entries} entries, "
               f"{'verified' if report.ok else 'DOES NOT VERIFY'}")
    report.raise_for_problems()
