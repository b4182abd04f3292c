"""The definitions known to this installation: shipped ones and the user's own."""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from typing import Any

from workflow.core.definition import Definition
from workflow.core.errors import DefinitionNotFound, InvalidDefinition
from workflow.core.loading import load_file, load_text


class Registry:
    """Definitions by id and version, loaded and validated once."""

    def __init__(self, definitions: Iterable[Definition] = ()) -> None:
        self._by_key: dict[tuple[str, int], Definition] = {}
        for d in definitions:
            self.add(d)

    @classmethod
    def from_paths(cls, paths: Iterable[str | os.PathLike[str]], prepared: Mapping[str, Any] | None = None
                   ) -> "Registry":
        """Every ``*.yaml`` file in the given folders (or the files themselves).

        ``prepared``: parsed forms by text, for files that need not be parsed again
        (the shipped definitions' generated ``parsed.json``).
        """
        registry = cls()
        for given in paths:
            path = os.fspath(given)
            files = (sorted(os.path.join(path, n) for n in os.listdir(path) if n.endswith(".yaml"))
                     if os.path.isdir(path) else [path])
            for f in files:
                registry.add(load_file(f, prepared))
        return registry

    def add(self, definition: Definition) -> None:
        known = self._by_key.get(definition.key)
        if known is not None and known.digest != definition.digest:
            raise InvalidDefinition(
                definition.source, None, f"{definition.id} v{definition.version}",
                f"the same id and version is also defined, differently, in {known.source}; "
                "give a changed definition a new version",
            )
        self._by_key[definition.key] = definition

    def add_text(self, text: str, source: str) -> Definition:
        definition = load_text(text, source)
        self.add(definition)
        return definition

    def get(self, definition_id: str, version: int | None = None) -> Definition:
        if version is None:
            versions = [v for (i, v) in self._by_key if i == definition_id]
            if not versions:
                raise DefinitionNotFound(definition_id)
            version = max(versions)
        try:
            return self._by_key[(definition_id, version)]
        except KeyError:
            raise DefinitionNotFound(definition_id, version) from None

    def has(self, definition_id: str, version: int) -> bool:
        return (definition_id, version) in self._by_key

    def latest(self) -> list[Definition]:
        """The newest version of every definition, by id."""
        newest: dict[str, Definition] = {}
        for d in self._by_key.values():
            if d.id not in newest or d.version > newest[d.id].version:
                newest[d.id] = d
        return [newest[k] for k in sorted(newest)]


PARSED = "parsed.json"
"""The shipped definitions' parsed form, generated into the package (``make generated``) and tested for staleness."""


def default_registry() -> Registry:
    """The shipped definitions and the user's own (``WF_DEFINITIONS_PATH``).

    The shipped ones are read in the parsed form generated into the package
    with them, so that listing them does not import a YAML parser; a file that
    no longer matches it (an edited checkout) is parsed as any other.  The
    schema of a shipped one was checked when its parsed form was generated;
    every definition's graph is checked each time.
    """
    import json

    from workflow.paths import definition_folders, definitions_folder

    try:
        with open(os.path.join(definitions_folder(), PARSED), encoding="utf-8") as f:
            generated = json.load(f)
        prepared = {entry["text"]: entry for entry in generated}
    except (OSError, ValueError, KeyError, TypeError):
        prepared = {}
    return Registry.from_paths(definition_folders(), prepared)
