"""``wf roles``: who may decide -- actors' roles kept in the database."""

from __future__ import annotations

import click
from workflow_cli.case import actor_option
from workflow_cli.context import Context, emit_json, json_option, pass_context, table


@click.group()
def roles() -> None:
    """Who may decide: grant, list and revoke actors' roles.

    While no role is configured (no roles file, nothing granted), everyone may
    record; once any is, an actor may record a decision only with one of the
    roles its transition names.
    """


@roles.command()
@click.argument("who", metavar="ACTOR")
@click.argument("role")
@actor_option
@pass_context
def grant(ctx: Context, who: str, role: str, actor: str) -> None:
    """Give ACTOR the ROLE (one the definitions declare)."""
    done = ctx.workflow.grant_role(who, role, by=actor)
    click.echo(f"granted {role} to {who.strip()}" if done else f"{who.strip()} already holds {role}")


@roles.command()
@click.argument("who", metavar="ACTOR")
@click.argument("role")
@pass_context
def revoke(ctx: Context, who: str, role: str) -> None:
    """Take ROLE from ACTOR (only roles granted in the database)."""
    from workflow.core.errors import NotFound
    if not ctx.workflow.revoke_role(who, role):
        raise NotFound(f"{who.strip()!r} holds no role {role.strip()!r} in the database")
    click.echo(f"revoked {role.strip()} from {who.strip()}")


@roles.command("list")
@json_option
@pass_context
def list_(ctx: Context, as_json: bool) -> None:
    """Every actor's roles, from the roles file and the database."""
    found = ctx.workflow.actor_roles()
    if as_json:
        emit_json({actor: sorted(r) for actor, r in sorted(found.items())})
        return
    if not any(found.values()):
        click.echo("no roles configured: everyone may record")
        return
    table(["ACTOR", "ROLES"], [(actor, ", ".join(sorted(r))) for actor, r in sorted(found.items())])
