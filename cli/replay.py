"""``wf replay FILE...``: back-register old decisions from scenario files, each file all or nothing."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click
from workflow_cli.context import Context, pass_context

from workflow.i18n import t

if TYPE_CHECKING:
    from workflow.scenario import Scenario


@click.command()
@click.argument("files", nargs=-1, required=True, metavar="FILE...")
@pass_context
def replay(ctx: Context, files: tuple[str, ...]) -> None:
    """Record the case and decisions of each scenario FILE, in order, in one process.

    A scenario (the format of workflow/scenarios/*.yaml: definition, title,
    numbers, opened, actor and the steps in the order they were taken) is
    one case.  Each file is one transaction: its case and every step of it
    are recorded, or -- when a step is refused -- nothing of that file, and
    the files after it are not read.  Files before it stay recorded.
    """
    from workflow.core.present import state_label
    from workflow.scenario import replay_scenario

    wf = ctx.workflow
    for file in files:
        scenario = _load(Path(file))
        with wf.batch():
            case, _recorded = replay_scenario(wf, scenario)
        click.echo(f"{file}: " + t("case {case} is now in state {state} (version {version})", case=case.label,
                                   state=state_label(wf.definition_of(case), case.state), version=case.version))


def _load(path: Path) -> "Scenario":
    """:func:`workflow.scenario.load_scenario`, read by libyaml where libyaml bounds the nesting itself.

    The pure-Python reader costs some milliseconds a file -- more than recording
    its decisions; libyaml 0.2.5 and later refuse deep nesting while scanning
    (:data:`workflow.core.yaml_reader.NESTING_BOUNDED`).
    """
    import yaml

    from workflow.core import yaml_reader
    from workflow.core.errors import InvalidInput
    from workflow.scenario import Scenario, load_scenario

    if not yaml_reader.NESTING_BOUNDED:
        return load_scenario(path)
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=yaml_reader.Loader)
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as e:
        raise InvalidInput(f"{path}: cannot read scenario: {e}")
    if not isinstance(data, dict) or not isinstance(data.get("steps"), list):
        raise InvalidInput(f"{path}: a scenario needs definition, title, numbers and steps")
    return Scenario(data, str(path))
