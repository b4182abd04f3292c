"""``wf definitions``: list, show and validate process definitions."""

from __future__ import annotations

import click
from workflow_cli.context import LazyCommands, emit_json, json_option, table


@click.group(cls=LazyCommands, lazy={
    "export": ("workflow_cli.exchange", "definitions_export", "Export a definition as BPMN 2.0 (with its diagram)."),
    "diagram": ("workflow_cli.diagrams", "definition_diagram", "Draw a definition's states and steps."),
})
def definitions() -> None:
    """Process definitions: list, show, validate."""


def _registry():  # type: ignore[no-untyped-def]
    from workflow.registry import default_registry

    return default_registry()


@definitions.command("list")
@json_option
def list_(as_json: bool) -> None:
    """The known definitions (newest version of each)."""
    found = _registry().latest()
    if as_json:
        emit_json([{"id": d.id, "version": d.version, "label": {"sv": d.label.sv, "en": d.label.en},
                    "states": len(d.states), "transitions": len(d.transitions), "source": d.source}
                   for d in found])
        return
    table(["ID", "VERSION", "NAME", "STATES", "STEPS", "FILE"],
          [(d.id, d.version, d.label.sv, len(d.states), len(d.transitions), d.source) for d in found])


@definitions.command()
@click.argument("definition_id")
@click.option("--version", type=int, help="A version other than the newest.")
@click.option("--lang", type=click.Choice(["sv", "en"]), default="sv", show_default=True)
@json_option
def show(definition_id: str, version: int | None, lang: str, as_json: bool) -> None:
    """States, steps, bodies and due dates of one definition."""
    from workflow.core.present import definition_json

    d = _registry().get(definition_id, version)
    if as_json:
        emit_json(definition_json(d))
        return
    click.echo(f"{d.id} v{d.version}: {d.label.get(lang)}")
    if d.description:
        click.echo(d.description)
    if d.parties:
        click.echo("\nParties and bodies:")
        for p in d.parties.values():
            bodies = ", ".join(f"{b} ({d.bodies[b].label.get(lang)})" for b in p.bodies)
            click.echo(f"  {p.id}: {p.name} -- {bodies}")
    click.echo("\nStates:")
    table(["STATE", "NAME", "KIND"], [
        (s.id, s.label.get(lang), "initial" if s.initial else "final" if s.final else "")
        for s in d.states.values()
    ])
    click.echo("\nSteps:")
    table(["TRIGGER", "FROM", "TO", "BODIES", "JOINT", "REQUIRES", "SETS DUE"], [
        (t.trigger, ",".join(t.sources), t.dest, ",".join(t.bodies), ",".join(t.joint),
         ",".join(sorted(t.requires)), ",".join(t.sets_due))
        for t in d.transitions
    ])


@definitions.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
def validate(files: tuple[str, ...]) -> None:
    """Check definition files: schema first, then the graph. One line per file."""
    from workflow.core.errors import InvalidDefinition
    from workflow.core.loading import load_file

    failed = 0
    for f in files:
        try:
            d = load_file(f)
        except InvalidDefinition as e:
            failed += 1
            click.echo(f"invalid: {e}", err=True)
        else:
            click.echo(f"ok: {f}: {d.id} v{d.version}, {len(d.states)} states, {len(d.transitions)} steps")
    if failed:
        raise InvalidDefinition(
            f"{failed} of {len(files)} file(s)", None, "validate", "see the messages above"
        )

