"""``wf db``: where the schema stands, and bringing it up to date."""

from __future__ import annotations

import click
from workflow_cli.context import Context, emit_json, json_option, pass_context


@click.group()
def db() -> None:
    """The database schema: status and upgrade."""


@db.command()
@json_option
@pass_context
def status(ctx: Context, as_json: bool) -> None:
    """The schema revision of the database and the one this program needs."""
    from workflow.paths import default_database_url
    from workflow.store.repository import HEAD_REVISION, Store

    store = Store(ctx.database_url or default_database_url())
    try:
        current = store.revision()
    finally:
        store.close()
    state = "up to date" if current == HEAD_REVISION else "empty" if current is None else "needs upgrade"
    if as_json:
        emit_json({"current": current, "head": HEAD_REVISION, "state": state})
    else:
        click.echo(f"schema {current or '(none)'}; this program needs {HEAD_REVISION}: {state}")


@db.command()
@pass_context
def upgrade(ctx: Context) -> None:
    """Bring the schema up to date, keeping every case and entry."""
    from workflow.paths import default_database_url
    from workflow.store.repository import HEAD_REVISION, Store

    store = Store(ctx.database_url or default_database_url())
    try:
        before = store.revision()
        store.upgrade()
    finally:
        store.close()
    click.echo(f"schema {before or '(none)'} -> {HEAD_REVISION}")
