"""Where the shipped definitions and the default database live."""

from __future__ import annotations

import os
from pathlib import Path

_SOURCE_DEFINITIONS = Path(__file__).resolve().parent.parent / "definitions"


def definitions_dir() -> Path:
    """The folder of the shipped definitions (``definitions/`` of the project)."""
    if (_SOURCE_DEFINITIONS / "definition.schema.json").is_file():
        return _SOURCE_DEFINITIONS
    import importlib.util

    spec = importlib.util.find_spec("workflow_definitions")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("the shipped definitions are not installed")
    return Path(next(iter(spec.submodule_search_locations)))


def definition_search_path() -> list[Path]:
    """Shipped definitions first, then the folders in ``WF_DEFINITIONS_PATH`` (``:``-separated)."""
    extra = [Path(p) for p in os.environ.get("WF_DEFINITIONS_PATH", "").split(os.pathsep) if p]
    return [definitions_dir(), *extra]


def default_database_url() -> str:
    """``WF_DATABASE_URL``, else a SQLite file in the user's data folder.

    The folder is ``$XDG_DATA_HOME/wf`` (``~/.local/share/wf`` when unset), so a
    secretary gets one register per login without configuring anything.
    """
    url = os.environ.get("WF_DATABASE_URL")
    if url:
        return url
    base = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")
    return f"sqlite:///{base / 'wf' / 'wf.sqlite3'}"
