"""``wf audit``: prove the log was not rewritten."""

from __future__ import annotations

import click

from workflow_cli.context import Context, emit_json, json_option, pass_context


@click.group()
def audit() -> None:
    """Verify the audit log."""


@audit.command()
@click.argument("key", metavar="[CASE]", required=False)
@json_option
@pass_context
def verify(ctx: Context, key: str | None, as_json: bool) -> None:
    """Recompute every hash chain (or one case's) and replay each log onto its case."""
    report = ctx.workflow.verify(key)
    if as_json:
        emit_json({"ok": report.ok, "cases": report.cases, "entries": report.entries,
                   "problems": [{"case": p.case_id, "seq": p.seq, "problem": p.problem}
                                for p in report.problems]})
    else:
        for p in report.problems:
            click.echo(f"FAIL {p}", err=True)
        if report.ok:
            click.echo(f"ok: {report.cases} case(s), {report.entries} entries verified")
    report.raise_for_problems()
