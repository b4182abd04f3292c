"""``wf definitions publish`` and ``published``: the versions a register opens cases under."""

from __future__ import annotations

import click
from workflow_cli.context import Context, emit_json, json_option, pass_context, table

from workflow.i18n import t


@click.command()
@click.argument("file", type=click.Path(dir_okay=False))
@pass_context
def publish(ctx: Context, file: str) -> None:
    """Publish the definition in FILE (validated) in this register.

    Cases are opened only under published versions; a changed text under a
    published version is refused: give it a new version.  Needs the register's
    owner or an administrator.  Recorded in the register log.
    """
    from workflow.core.loading import load_file

    definition = load_file(file)
    done = ctx.workflow.publish_definition(file)
    key = f"{definition.id} v{definition.version}"
    click.echo(t("published {definition}", definition=key) if done
               else t("{definition} was published already", definition=key))


@click.command()
@json_option
@pass_context
def published(ctx: Context, as_json: bool) -> None:
    """Every published version: where it came from, who published it, how many (open) cases use it."""
    found = ctx.workflow.published()
    if as_json:
        emit_json([p.to_json() for p in found])
        return
    table([t("Process"), t("Version"), t("From"), t("Published by"), t("Published"), t("Cases"), t("Open")],
          [(p.id, p.version, p.source or "-", p.published_by or "-", (p.published_at or "-")[:10], p.cases,
            p.open_cases) for p in found])
