"""``wf cases``: acts on many cases at once -- migrating open cases to a new definition version."""

from __future__ import annotations

import click
from workflow_cli.context import Context, emit_json, json_option, pass_context, table

from workflow.i18n import t


@click.group()
def cases() -> None:
    """Acts on many cases at once."""


@cases.command()
@click.argument("plan", type=click.Path(dir_okay=False))
@click.option("--dry-run", is_flag=True, help="Report per case what would change and what cannot; write nothing.")
@json_option
@pass_context
def migrate(ctx: Context, plan: str, dry_run: bool, as_json: bool) -> None:
    """Move the open cases of a definition version to another, as the migration PLAN (YAML) says.

    The plan maps states (and renames due dates); it is checked against both
    versions, and the new one must be published.  Each case moves all or
    nothing, with one audit entry naming the plan and its SHA-256; a case in a
    final state, or in a state the plan does not map, stays where it is.
    """
    moves = ctx.workflow.migrate_cases(plan, dry_run=dry_run)
    if as_json:
        emit_json({"dry_run": dry_run, "cases": [m.to_json() for m in moves]})
        return
    table([t("Case"), t("State"), t("New state"), t("Outcome")],
          [(m.label, m.state, m.to_state or "-",
            m.problem or (t("would move") if dry_run else t("moved"))) for m in moves], wrap=(3,))
    moved = sum(1 for m in moves if m.problem is None)
    click.echo(t("{moved} of {total} case(s) {verb}", moved=moved, total=len(moves),
                 verb=t("would move") if dry_run else t("moved")))
