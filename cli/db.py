"""``wf db``: where the schema stands, and bringing it up to date."""

from __future__ import annotations

import click
from workflow_cli.context import Context, emit_json, json_option, pass_context

from workflow.i18n import t


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
        words = {"up to date": t("up to date"), "empty": t("empty"), "needs upgrade": t("needs upgrade")}
        click.echo(t("schema {current}; this program needs {head}: {state}", current=current or t("(none)"),
                     head=HEAD_REVISION, state=words[state]))


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
    click.echo(t("schema {before} -> {head}", before=before or t("(none)"), head=HEAD_REVISION))


@db.group()
def roles() -> None:
    """PostgreSQL roles, so that the database itself refuses what a login may not do."""


@roles.command("init")
@click.option("--prefix", default="wf", show_default=True, help="Names the roles PREFIX_owner, _admin, _registrar, _reader.")
@click.option("--admin", "admins", multiple=True, metavar="LOGIN", help="Make LOGIN an administrator (schema, grants).")
@click.option("--registrar", "registrars", multiple=True, metavar="LOGIN", help="Let LOGIN record (insert only).")
@click.option("--reader", "readers", multiple=True, metavar="LOGIN", help="Let LOGIN read.")
@pass_context
def roles_init(ctx: Context, prefix: str, admins: tuple[str, ...], registrars: tuple[str, ...],
               readers: tuple[str, ...]) -> None:
    """Create the roles, give the tables to the owner role, grant, and enable roles in the register.

    Run it once as a database superuser (or the tables' owner), after 'wf db
    upgrade'; run it again to add logins.  The logins must exist.  Which
    decisions each person may record is then granted in the register
    ('wf roles grant LOGIN ROLE').
    """
    from workflow.paths import default_database_url
    from workflow.store.grants import init_roles
    from workflow.store.repository import Store

    store = Store(ctx.database_url or default_database_url())
    try:
        store.ensure_schema()
        names = init_roles(store, prefix, {"admin": admins, "registrar": registrars, "reader": readers})
    finally:
        store.close()
    enabled = ctx.workflow.enable_roles()
    click.echo(t("roles: {names}", names=", ".join(names.values())))
    for kind, logins in (("admin", admins), ("registrar", registrars), ("reader", readers)):
        for login in logins:
            click.echo(f"{login}: {names[kind]}")
    if enabled:
        click.echo(t("roles are now enabled in the register: only those granted a role may record"))
