"""Where the shipped definitions and the default database live."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pathlib import Path

# Plain strings, not pathlib: listing the definitions is a start-up path (``wf definitions list``).
_SOURCE_DEFINITIONS = os.path.join(os.path.dirname(os.path.dirname(os.path.realpath(__file__))), "definitions")


def definitions_folder() -> str:
    """The folder of the shipped definitions (``definitions/`` of the project), as a string."""
    if os.path.isfile(os.path.join(_SOURCE_DEFINITIONS, "definition.schema.json")):
        return _SOURCE_DEFINITIONS
    import importlib.util

    spec = importlib.util.find_spec("workflow_definitions")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("the shipped definitions are not installed")
    return str(next(iter(spec.submodule_search_locations)))


def definitions_dir() -> Path:
    """The folder of the shipped definitions (``definitions/`` of the project)."""
    from pathlib import Path

    return Path(definitions_folder())


def definition_folders() -> list[str]:
    """Shipped definitions first, then the folders in ``WF_DEFINITIONS_PATH`` (``:``-separated)."""
    extra = [p for p in os.environ.get("WF_DEFINITIONS_PATH", "").split(os.pathsep) if p]
    return [definitions_folder(), *extra]


def definition_search_path() -> list[Path]:
    """:func:`definition_folders` as paths."""
    from pathlib import Path

    return [Path(p) for p in definition_folders()]


def default_database_url() -> str:
    """``WF_DATABASE_URL``, else a SQLite file in the user's data folder.

    The folder is ``$XDG_DATA_HOME/wf`` (``~/.local/share/wf`` when unset), so a
    secretary gets one register per login without configuring anything.
    """
    url = os.environ.get("WF_DATABASE_URL")
    if url:
        return url
    base = os.environ.get("XDG_DATA_HOME") or os.path.join(os.path.expanduser("~"), ".local", "share")
    return f"sqlite:///{os.path.join(base, 'wf', 'wf.sqlite3')}"
