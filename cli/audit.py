"""``wf audit``: prove the log was not rewritten."""

from __future__ import annotations

import click
from workflow_cli.context import Context, emit_json, json_option, pass_context


@click.group()
def audit() -> None:
    """Verify the audit log."""


@audit.command()
@click.argument("key", metavar="[CASE]", required=False)
@click.option("--checkpoint", "token", metavar="TOKEN",
              help="Also prove nothing recorded before this checkpoint changed ('@FILE' reads it from a file).")
@json_option
@pass_context
def verify(ctx: Context, key: str | None, token: str | None, as_json: bool) -> None:
    """Recompute every hash chain (or one case's) and replay each log onto its case.

    With --checkpoint, the entries a checkpoint (from 'wf audit checkpoint')
    covers must still hash to it; whatever differs is named.
    """
    report = ctx.workflow.verify(key)
    if token is not None:
        from workflow.checkpoint import verify as verify_checkpoint

        report.problems.extend(verify_checkpoint(ctx.workflow, _read_token(token)))
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


@audit.command()
@json_option
@pass_context
def checkpoint(ctx: Context, as_json: bool) -> None:
    """Print a token pinning every case's log as it is now; keep it outside the database.

    'wf audit verify --checkpoint TOKEN' later proves that nothing recorded
    before the token was changed, removed or reordered.  Cases opened and
    decisions recorded after it do not disturb it.
    """
    from workflow.checkpoint import take

    cp = take(ctx.workflow)
    if as_json:
        emit_json({"token": cp.token, "cases": len(cp.heads), "entries": cp.entries,
                   "taken": cp.taken, "digest": cp.digest})
        return
    click.echo(f"checkpoint of {len(cp.heads)} case(s), {cp.entries} entries, taken {cp.taken}:", err=True)
    click.echo(cp.token)


def _read_token(value: str) -> str:
    if not value.startswith("@"):
        return value
    from workflow.core.errors import InvalidInput

    try:
        with open(value[1:], encoding="utf-8") as f:
            return f.read(128 * 1024 * 1024).strip()
    except (OSError, UnicodeDecodeError) as e:
        raise InvalidInput(f"cannot read the checkpoint file {value[1:]!r}: {getattr(e, 'strerror', None) or e}")
