"""YAML readers without YAML 1.1's surprises: ``no``, ``yes``, ``on`` and ``off`` stay strings.

PyYAML's safe loader resolves ``yes/no/on/off/y/n`` (YAML 1.1) to booleans, so
``outcome: no`` in a scenario became ``False`` and a state called ``no`` could
not be named.  The loaders here are the safe loaders with one change: the
implicit boolean resolver matches only ``true`` and ``false`` (also ``True``,
``TRUE``, ``False``, ``FALSE``), as in YAML 1.2's core schema.  Everything else
(null, numbers, dates, the refusal of Python tags) is the safe loader's.

The C-accelerated loader's resolver is Python-level, so it is adjusted the same
way; :data:`Loader` is the C one when libyaml is available.
"""

from __future__ import annotations

import re
from typing import Any

import yaml

BOOL_TAG = "tag:yaml.org,2002:bool"
BOOL_1_2 = re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$")


def _yaml_1_2_booleans(cls: Any) -> None:
    """Replace ``cls``'s implicit bool resolver (on a copy: the base loader is left as it was)."""
    cls.yaml_implicit_resolvers = {
        first: [(tag, regexp) for tag, regexp in resolvers if tag != BOOL_TAG]
        for first, resolvers in cls.yaml_implicit_resolvers.items()
    }
    cls.add_implicit_resolver(BOOL_TAG, BOOL_1_2, list("tTfF"))


class SafeLoader(yaml.SafeLoader):
    """:class:`yaml.SafeLoader` with YAML 1.2 booleans."""


_yaml_1_2_booleans(SafeLoader)

Loader: Any = SafeLoader
"""The fastest available safe loader with YAML 1.2 booleans."""

NESTING_BOUNDED = True
"""Whether :data:`Loader` composes any text without crashing, however deeply it nests.

The pure-Python composer ends in a ``RecursionError``; libyaml 0.2.5 and later
refuse more than 1000 levels while scanning.  Older libyaml versions let
PyYAML's C composer recurse until the interpreter crashes (a segfault, not an
exception), so a reader must bound the depth first on the event stream."""

if getattr(yaml, "__with_libyaml__", False):
    from yaml import _yaml

    class CSafeLoader(yaml.CSafeLoader):
        """:class:`yaml.CSafeLoader` (libyaml) with YAML 1.2 booleans."""

    _yaml_1_2_booleans(CSafeLoader)
    Loader = CSafeLoader
    NESTING_BOUNDED = _yaml.get_version() >= (0, 2, 5)


def safe_load(text: str) -> Any:
    """One YAML document as plain data: :func:`yaml.safe_load` with YAML 1.2 booleans.

    Like :func:`yaml.safe_load` it uses the pure-Python loader, whose deep
    nesting ends in a ``RecursionError`` rather than in libyaml's composer;
    the definition parser, which bounds the depth first, uses :data:`Loader`.
    """
    loader = SafeLoader(text)
    try:
        return loader.get_single_data()
    finally:
        loader.dispose()
