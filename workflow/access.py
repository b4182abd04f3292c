"""Who may record what: identities from authentication, roles from the register's own log.

Three names meet in every entry:

* the **login** that wrote it, as the database authenticated it: the
  PostgreSQL session user, or the operating-system user on SQLite.  The
  database itself writes it into the ledger (:mod:`workflow.ledger`);
* the **recorder** (``recorded_by``): the login, or the person a trusted
  service (a login holding the ``service`` role, such as the web app) has
  authenticated itself and records for;
* the **actor**: who decided, or on whose behalf the recorder entered it (a
  secretary recording the chair's decision).  It differs from the recorder
  only for roles the definition lists under ``on_behalf``.

A register starts as one person's: while roles were never enabled, only its
owner records -- the owner of the SQLite file, or on PostgreSQL a member of the
role owning the tables.  Enabling roles (``wf roles enable``, or the first
grant) is an entry of the register log and can never be undone; from then on
the rule fails closed: no grant, no recording.  Only the owner and holders of
``admin`` grant and revoke, never to themselves (the owner excepted: it holds
the file or the tables anyway), and every grant and revoke is an entry of the
register log, whose replay gives the ``actor_roles`` table.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from workflow.core.audit import Entry
from workflow.core.definition import Definition
from workflow.core.errors import PermissionDenied, UnknownName

ADMIN = "admin"
SERVICE = "service"
REGISTER_ROLES = {
    ADMIN: "grants and revokes roles, imports cases",
    SERVICE: "records for people it authenticated itself (the web app)",
}
"""Roles of the register itself, beside the roles definitions declare."""

RoleMap = Mapping[str, "frozenset[str] | set[str]"]


@dataclass(frozen=True)
class Identity:
    """Who is recording, as authenticated."""

    login: str
    user: str
    """The person: the login itself, or whom a trusted service vouches for."""
    owner: bool
    """Whether the login owns the register (the SQLite file; the tables on PostgreSQL)."""

    @property
    def owner_in_person(self) -> bool:
        """The owner recording as itself, not a person some service of the owner vouches for."""
        return self.owner and self.user == self.login


@dataclass(frozen=True)
class Access:
    """What the register log says: whether roles are enabled, and who holds which."""

    enabled: bool = False
    grants: dict[str, set[str]] = field(default_factory=dict)

    def holds(self, who: str) -> set[str]:
        return self.grants.get(who, set())


def replay(entries: Iterable[Entry]) -> Access:
    """The access the register log gives, entry by entry."""
    enabled = False
    grants: dict[str, set[str]] = {}
    for e in entries:
        if e.kind == "roles_enabled":
            enabled = True
        elif e.kind == "grant":
            enabled = True
            grants.setdefault(e.payload["actor"], set()).add(e.payload["role"])
        elif e.kind == "revoke":
            held = grants.get(e.payload["actor"], set())
            held.discard(e.payload["role"])
            if not held:
                grants.pop(e.payload["actor"], None)
    return Access(enabled, grants)


def grant_rows(access: Access, at: Mapping[tuple[str, str], tuple[str, str]]) -> list[dict[str, str]]:
    """The rows of the ``actor_roles`` table: each grant held, with when and by whom it was made."""
    return [
        {"actor": actor, "role": role, "granted_at": at[(actor, role)][0], "granted_by": at[(actor, role)][1]}
        for actor in sorted(access.grants) for role in sorted(access.grants[actor])
    ]


def granted_when(entries: Iterable[Entry]) -> dict[tuple[str, str], tuple[str, str]]:
    """(actor, role) -> (when, by whom) of the grant still standing."""
    out: dict[tuple[str, str], tuple[str, str]] = {}
    for e in entries:
        if e.kind == "grant":
            out[(e.payload["actor"], e.payload["role"])] = (e.recorded_at, e.actor)
    return out


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


def check_user(identity: Identity, access: Access) -> None:
    """A login may record for another person only as the owner of an open register or holding ``service``."""
    if identity.user == identity.login:
        return
    if (identity.owner and not access.enabled) or SERVICE in access.holds(identity.login):
        return
    raise PermissionDenied(
        f"{identity.login!r} may not record for {identity.user!r}: only a login holding the "
        f"'{SERVICE}' role records for people it authenticated itself")


def check_record(definition: Definition, trigger: str | None, identity: Identity, actor: str,
                 access: Access) -> None:
    """Raise :class:`PermissionDenied` unless the recorder may record ``trigger`` (``None``: any act) as ``actor``."""
    check_user(identity, access)
    if not access.enabled:
        if identity.owner:
            return
        raise PermissionDenied(
            f"{identity.login!r} may not record here: this register is its owner's alone until roles "
            "are enabled; the owner enables them by granting you a role")
    who = identity.user
    held = access.holds(who)
    may = roles_for(definition, trigger)
    what = f"record {trigger!r} on" if trigger else "record on"
    if not held.intersection(may):
        has = ", ".join(sorted(held)) or "no role"
        needs = " or ".join(may) if may else "a role the definition declares (it declares none)"
        raise PermissionDenied(f"{who!r} may not {what} {definition.id} cases: needs {needs}, holds {has}")
    if actor.strip() != who and not held.intersection(definition.on_behalf):
        needs = " or ".join(definition.on_behalf) or "a role the definition allows (it allows none)"
        raise PermissionDenied(
            f"{who!r} may not record on behalf of {actor.strip()!r} in {definition.id} cases: needs {needs}",
            field="actor")


def is_admin(identity: Identity, access: Access) -> bool:
    return identity.owner_in_person or (access.enabled and ADMIN in access.holds(identity.user))


def check_admin(identity: Identity, access: Access, what: str) -> None:
    check_user(identity, access)
    if not is_admin(identity, access):
        raise PermissionDenied(f"{identity.user!r} may not {what}: only the register's owner and "
                               f"holders of the '{ADMIN}' role may")


def check_grant(identity: Identity, access: Access, definitions: Sequence[Definition], actor: str, role: str,
                revoking: bool = False) -> tuple[str, str]:
    """The (actor, role) of a grant or revoke the recorder may make; refused for oneself."""
    actor, role = names(actor, role)
    check_admin(identity, access, "revoke roles" if revoking else "grant roles")
    if actor == identity.user and not identity.owner_in_person:
        raise PermissionDenied(f"{actor!r} may not {'revoke' if revoking else 'grant'} a role of their own: "
                               "another administrator must")
    declared = {r for d in definitions for r in d.roles} | set(REGISTER_ROLES)
    if not revoking and role not in declared:
        raise UnknownName("role", role, sorted(declared), where="(not declared by any definition)")
    return actor, role


def names(actor: str, role: str) -> tuple[str, str]:
    """A grant's login and role, by the same limits as every stored value."""
    from workflow.core.limits import check_text

    return check_text("actor", actor or ""), check_text("role", role or "")
