"""``wf definitions``: list, show and validate process definitions."""

from __future__ import annotations

import click
from workflow_cli.context import LazyCommands, emit_json, json_option, table

from workflow.i18n import language, set_language, t


@click.group(cls=LazyCommands, lazy={
    "export": ("workflow_cli.exchange", "definitions_export", "Export a definition as BPMN 2.0 (with its diagram)."),
    "diagram": ("workflow_cli.diagrams", "definition_diagram", "Draw a definition's states and steps."),
    "publish": ("workflow_cli.publish", "publish", "Publish a definition file's version in the register."),
    "published": ("workflow_cli.publish", "published", "The versions published in the register, and their cases."),
})
def definitions() -> None:
    """Process definitions: list, show, validate, import from BPMN."""


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
    table([t("ID"), t("VERSION"), t("NAME"), t("STATES"), t("STEPS"), t("FILE")],
          [(d.id, d.version, d.label.get(language()), len(d.states), len(d.transitions), d.source) for d in found],
          wrap=[2])


@definitions.command()
@click.argument("definition_id")
@click.option("--version", type=int, help="A version other than the newest.")
@click.option("--lang", type=click.Choice(["sv", "en"]), default=None,
              help="Language of the output (default: wf --lang, WF_LANG, the locale, sv).")
@json_option
def show(definition_id: str, version: int | None, lang: str | None, as_json: bool) -> None:
    """States, steps, bodies and due dates of one definition."""
    from workflow.core.present import definition_json

    d = _registry().get(definition_id, version)
    if as_json:
        emit_json(definition_json(d))
        return
    if lang is not None:
        set_language(lang)
    from workflow_cli.case import needs_text

    from workflow.core.present import due_label, state_label

    lang = language()
    click.echo(f"{d.label.get(lang)} ({d.id} v{d.version})")
    if d.description:
        click.echo(d.description)  # written in the definition's one language
    if d.parties:
        click.echo("\n" + t("Parties and bodies:"))
        for p in d.parties.values():
            bodies = ", ".join(f"{b} ({d.bodies[b].label.get(lang)})" for b in p.bodies)
            click.echo(f"  {p.name} ({p.id}): {bodies}")
    click.echo("\n" + t("States:"))
    table([t("NAME"), t("KIND"), t("ID")], [
        (s.label.get(lang), t("initial") if s.initial else t("final") if s.final else "", s.id)
        for s in d.states.values()
    ], wrap=[0])
    click.echo("\n" + t("Steps:"))
    table([t("STEP"), t("FROM"), t("TO"), t("BODIES"), t("JOINT"), t("NEEDS"), t("SETS DUE"), t("TRIGGER")], [
        (tr.label.get(lang), ", ".join(state_label(d, x) for x in tr.sources),
         state_label(d, tr.dest) if tr.dest in d.states else tr.dest, ", ".join(tr.bodies), ", ".join(tr.joint),
         needs_text(sorted(tr.requires)), ", ".join(due_label(d, x) for x in tr.sets_due), tr.trigger)
        for tr in d.transitions
    ], wrap=[0, 1, 2, 5, 6])


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
            click.echo(f"invalid: {e}", err=True)  # English, as the library's messages are
        else:
            click.echo(t("ok: {file}: {id} v{version}, {states} states, {steps} steps", file=f, id=d.id,
                         version=d.version, states=len(d.states), steps=len(d.transitions)))
    if failed:
        raise InvalidDefinition(
            f"{failed} of {len(files)} file(s)", None, "validate", "see the messages above"
        )



@definitions.command("import-bpmn")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True),
              help="Write the definition (YAML) here; default: standard output.")
@click.option("--id", "definition_id", metavar="ID",
              help="The definition's id (default: the one exported, else made from the process's name).")
@click.option("--version", type=click.IntRange(min=1), help="Its version (default: the one exported, else 1).")
def import_bpmn(file: str, output: str | None, definition_id: str | None, version: int | None) -> None:
    """Read a BPMN 2.0 process (bpmn.io, Camunda Modeler, wf definitions export) as a definition.

    Tasks and intermediate events become states, end events final states, the flows between them
    (through exclusive gateways) steps named by the flows' names; lanes name bodies. What BPMN cannot
    say is marked TODO in the YAML; what the engine cannot do (parallel gateways, timers,
    sub-processes) is refused, naming the element.
    """
    from workflow.exchange.bpmn_in import import_bpmn_file
    from workflow.outfile import write_atomically

    imported = import_bpmn_file(file, definition_id=definition_id, version=version)
    if not output:
        click.echo(imported.text, nl=False)
        return
    d = imported.definition
    write_atomically(output, imported.text.encode("utf-8"))
    click.echo(t("wrote {path}: {id} v{version}, {states} states, {steps} steps; {todos} lines marked TODO",
                 path=output, id=d.id, version=d.version, states=len(d.states), steps=len(d.transitions),
                 todos=imported.todos))
