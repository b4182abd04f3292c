"""Who may decide: actors' roles checked against the roles a definition names.

A definition declares its roles (``roles: [registrar, secretary, officer]``)
and may name, on a transition, which of them may record it.  Which actor holds
which role is configured outside the definition: in a roles file (YAML,
``actors: {name: [role, ...]}``, given by ``WF_ROLES_FILE`` or ``wf --roles``)
and in the database (``wf roles grant``).  Both sources are added together.

The rule:

* no role configured anywhere (no file, or one without actors, and an empty
  table): everyone may record -- a single officer on SQLite needs no setup;
* otherwise an actor may record a transition only if it holds one of the
  transition's roles, or, when the transition names none, any role the
  definition declares.  Opening a case or adding a note needs any declared role.

A definition that declares no roles at all cannot be recorded on once roles
are configured: the check fails closed rather than open.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from workflow.core.definition import Definition
from workflow.core.errors import InvalidInput, PermissionDenied, UnknownName
from workflow.core.limits import check_text

if TYPE_CHECKING:
    from workflow.store.repository import Store

RoleMap = Mapping[str, "frozenset[str] | set[str]"]


def load_roles_file(path: str | Path) -> dict[str, set[str]]:
    """Actor -> roles from a YAML roles file; a malformed file is an error, never "no roles"."""
    import yaml

    from workflow.core.yaml_reader import safe_load

    where = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as e:
        raise InvalidInput(f"cannot read the roles file {where}: {e.strerror or e}")
    except UnicodeDecodeError:
        raise InvalidInput(f"the roles file {where} is not UTF-8 text")
    try:
        data: Any = safe_load(text)
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        line = f":{mark.line + 1}" if mark is not None else ""
        raise InvalidInput(f"the roles file {where}{line} is not valid YAML")
    except RecursionError:
        raise InvalidInput(f"the roles file {where} is nested too deeply")
    if data is None:
        return {}
    if not isinstance(data, dict) or set(data) - {"actors"}:
        raise InvalidInput(f"the roles file {where} must be a mapping with one key, 'actors'")
    actors = data.get("actors") or {}
    if not isinstance(actors, dict):
        raise InvalidInput(f"the roles file {where}: 'actors' must map each actor to a list of roles")
    out: dict[str, set[str]] = {}
    for actor, roles in actors.items():
        if not isinstance(actor, str) or not actor.strip():
            raise InvalidInput(f"the roles file {where}: actor names must be non-empty text, not {actor!r}")
        if isinstance(roles, str):
            roles = [roles]
        if not isinstance(roles, list) or not all(isinstance(r, str) and r.strip() for r in roles):
            raise InvalidInput(f"the roles file {where}: actor {actor!r} needs a list of role names")
        out.setdefault(actor.strip(), set()).update(r.strip() for r in roles)
    return out


def merge(*sources: RoleMap) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for source in sources:
        for actor, roles in source.items():
            out.setdefault(actor, set()).update(roles)
    return out


def configured(roles: RoleMap) -> bool:
    """Whether any actor holds any role; if not, nobody is restricted."""
    return any(roles.values())


def roles_for(definition: Definition, trigger: str | None) -> tuple[str, ...]:
    """The roles that may record ``trigger`` (any declared role for ``None`` or a trigger naming none)."""
    if trigger is not None:
        named: list[str] = []
        for t in definition.transitions:
            if t.trigger == trigger:
                named.extend(r for r in t.roles if r not in named)
        if named:
            return tuple(named)
    return tuple(definition.roles)


def check(definition: Definition, trigger: str | None, actor: str, roles: RoleMap) -> None:
    """Raise :class:`PermissionDenied` unless ``actor`` may record ``trigger`` (``None``: open or note)."""
    if not configured(roles):
        return
    may = roles_for(definition, trigger)
    who = (actor or "").strip()
    held = roles.get(who, set())
    if held.intersection(may):
        return
    what = f"record {trigger!r} on" if trigger else "record on"
    if not may:
        raise PermissionDenied(f"{who!r} may not {what} {definition.id} cases: the definition declares no roles")
    has = ", ".join(sorted(held)) or "no role"
    raise PermissionDenied(f"{who!r} may not {what} {definition.id} cases: needs {' or '.join(may)}, holds {has}")


def known_roles(definitions: Iterable[Definition]) -> set[str]:
    return {r for d in definitions for r in d.roles}


def grant(store: "Store", definitions: Iterable[Definition], actor: str, role: str, *, by: str, at: str) -> bool:
    """Grant ``role`` to ``actor`` in the database; the role must be declared by one of ``definitions``."""
    actor, role = _names(actor, role)
    declared = known_roles(definitions)
    if role not in declared:
        raise UnknownName("role", role, sorted(declared), where="(not declared by any definition)")
    granted_by = check_text("actor", by) if by and by.strip() else "?"
    return store.grant_role(actor, role, by=granted_by, at=at)


def revoke(store: "Store", actor: str, role: str) -> bool:
    """Revoke a role granted in the database (a roles file is changed by editing it)."""
    actor, role = _names(actor, role)
    return store.revoke_role(actor, role)


def _names(actor: str, role: str) -> tuple[str, str]:
    """An actor and a role as they are stored, checked against their columns' limits (:mod:`workflow.core.limits`)."""
    for what, value in (("actor", actor), ("role", role)):
        if not isinstance(value, str) or not value.strip():
            raise InvalidInput(f"missing {what}")
    return check_text("actor", actor), check_text("role", role)
