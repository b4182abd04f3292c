"""``wf roles``: who may record -- roles granted in the register's own log."""

from __future__ import annotations

import click
from workflow_cli.context import Context, emit_json, json_option, pass_context, table

from workflow.i18n import t


@click.group()
def roles() -> None:
    """Who may record: enable roles, grant, revoke and list them.

    A new register is its owner's alone (the owner of the SQLite file, or of
    the tables on PostgreSQL).  Enabling roles -- explicitly, or by the first
    grant -- lets others record with the roles granted to them, and can never
    be undone: from then on no grant means no recording.  Only the owner and
    holders of 'admin' grant and revoke, never to themselves.  Every change is
    an entry of the register log that 'wf audit verify' checks.
    """


@roles.command()
@pass_context
def enable(ctx: Context) -> None:
    """Enable roles on this register, for good."""
    if ctx.workflow.enable_roles():
        click.echo(t("roles enabled: from now on only those granted a role may record"))
    else:
        click.echo(t("roles were already enabled"))


@roles.command()
@click.argument("who", metavar="LOGIN")
@click.argument("role")
@pass_context
def grant(ctx: Context, who: str, role: str) -> None:
    """Give LOGIN the ROLE (one the definitions declare, or 'admin' or 'service')."""
    enabled = ctx.workflow.access().enabled
    if not ctx.workflow.grant_role(who, role):
        click.echo(t("{login} already holds {role}", login=who.strip(), role=role.strip()))
        return
    click.echo(t("granted {role} to {login}", role=role.strip(), login=who.strip()))
    if not enabled:
        click.echo(t("roles are now enabled on this register: only those granted a role may record"), err=True)


@roles.command()
@click.argument("who", metavar="LOGIN")
@click.argument("role")
@pass_context
def revoke(ctx: Context, who: str, role: str) -> None:
    """Take ROLE from LOGIN."""
    from workflow.core.errors import NotFound

    if not ctx.workflow.revoke_role(who, role):
        raise NotFound(f"{who.strip()!r} holds no role {role.strip()!r}")
    click.echo(t("revoked {role} from {login}", role=role.strip(), login=who.strip()))


@roles.command("list")
@json_option
@pass_context
def list_(ctx: Context, as_json: bool) -> None:
    """Whether roles are enabled, and every login's roles."""
    access = ctx.workflow.access()
    who = ctx.workflow.identity
    if as_json:
        emit_json({"enabled": access.enabled, "you": who.user, "owner": who.owner,
                   "roles": {actor: sorted(r) for actor, r in sorted(access.grants.items())}})
        return
    if not access.enabled:
        click.echo(t("roles are not enabled: this register is its owner's alone (yours)") if who.owner
                   else t("roles are not enabled: this register is its owner's alone"))
        return
    table([t("LOGIN"), t("ROLES")], [(actor, ", ".join(sorted(r))) for actor, r in sorted(access.grants.items())])
