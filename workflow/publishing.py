"""Published definitions: the versions of each process a register opens cases under.

A definition is authored as a file (validated, drawn, exported from there), but
a register shared by many clerks must not open cases under whichever copy each
clerk has.  Publishing stores a validated version in the database, with who
published it and from where, as an entry of the register log; a case is opened
only under a published version, and a changed text under a published version is
refused (a change is a new version).  On a register that is still its owner's
alone, opening a case publishes the owner's version on the way; enabling roles
publishes every version the owner knows, so that the clerks who come next find
them there.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from workflow.core.definition import Definition
from workflow.core.errors import DecisionRefused, InvalidInput, PermissionDenied

if TYPE_CHECKING:
    from workflow.access import Access, Identity
    from workflow.core.audit import Entry
    from workflow.registry import Registry
    from workflow.store.repository import Store, UnitOfWork

Drafts = list[tuple[str, dict[str, object]]]


@dataclass(frozen=True)
class Published:
    """One published version, as the register knows it."""

    id: str
    version: int
    digest: str
    source: str | None
    """Where it was published from (a file name), if the register log says."""
    published_by: str | None
    published_at: str | None
    cases: int
    open_cases: int

    def to_json(self) -> dict[str, Any]:
        return dict(self.__dict__)


class PublishingMixin:
    """Publishing definitions, on the :class:`~workflow.api.Workflow` it is mixed into."""

    if TYPE_CHECKING:  # what the mixin uses of the facade
        @property
        def _db(self) -> Store: ...
        @property
        def registry(self) -> Registry: ...
        @property
        def identity(self) -> Identity: ...
        def access_in(self, uow: UnitOfWork) -> Access: ...
        def register_log(self) -> list[Entry]: ...
        def definitions(self) -> list[Definition]: ...
        def _register_in(self, uow: UnitOfWork, make: Callable[[Identity, Access], Drafts]) -> list[Entry]: ...

    def publish_definition(self, path: str | Path) -> bool:
        """Publish the definition in the file at ``path``; False if that very version was published already.

        Needs the register's owner or an administrator.  A different text under a
        published id and version is refused: a changed definition is a new version.
        """
        from workflow.access import check_admin
        from workflow.core.loading import load_text

        where = Path(path)
        try:
            text = where.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as e:
            raise InvalidInput(f"cannot read the definition file {where}: {getattr(e, 'strerror', None) or e}")
        definition = load_text(text, str(where))

        with self._db.unit_of_work() as uow:
            uow.lock_register()

            def make(identity: "Identity", access: "Access") -> Drafts:
                check_admin(identity, access, "publish definitions")
                return self._publish_drafts(uow, definition, where.name)

            written = bool(self._register_in(uow, make))
        if not self.registry.has(definition.id, definition.version):
            self.registry.add_text(text, str(where))
        return written

    def _publish_drafts(self, uow: "UnitOfWork", definition: Definition, source: str,
                        log: "list[Entry] | None" = None) -> Drafts:
        """The register entry publishing ``definition``, or none when it is published already; the text is
        kept with the entry (:meth:`~workflow.api.Workflow._register_in` writes it)."""
        stored = uow.definition_source(definition.id, definition.version)
        if stored is not None:
            if stored[1] != definition.digest:
                raise DecisionRefused(
                    f"{definition.id} v{definition.version} is published with other content (digest "
                    f"{stored[1][:12]}…, this text {definition.digest[:12]}…): a changed definition is a new "
                    "version", field="definition")
            if _published_in(log if log is not None else uow.register_log(), definition.id, definition.version):
                return []
        return [("definition_published", {"id": definition.id, "version": definition.version,
                                          "digest": definition.digest, "source": source[-200:],
                                          "text": definition.text})]

    def publish_known_in(self, uow: "UnitOfWork", log: "list[Entry]") -> Drafts:
        """Drafts publishing every version this process knows and the register has not published: what
        enabling roles does, so that the clerks who come next find them."""
        drafts: Drafts = []
        for d in self.definitions():
            stored = uow.definition_source(d.id, d.version)
            if stored is None or stored[1] == d.digest:
                drafts += self._publish_drafts(uow, d, _source(d), log)
        return drafts

    def ensure_published(self, uow: "UnitOfWork", definition: Definition, identity: "Identity",
                         access: "Access") -> Definition:
        """The version a case is opened under: the register's published text of it, whatever this process's
        copy says (everyone sharing the register opens the same); a version the register has not published
        is refused, but on a register that is its owner's alone (or for an administrator) it is published on
        the way."""
        from workflow.access import is_admin

        stored = uow.definition_source(definition.id, definition.version)
        if stored is not None:
            if stored[1] == definition.digest:
                return definition
            return _parsed(stored[0], stored[1], f"<database: {definition.id} v{definition.version}>")
        if not (identity.owner_in_person and not access.enabled) and not is_admin(identity, access):
            raise PermissionDenied(
                f"{definition.id} v{definition.version} is not published in this register; an administrator "
                "publishes it first", field="definition")
        self._register_in(uow, lambda _i, _a: self._publish_drafts(uow, definition, _source(definition)))
        return definition

    def published(self) -> list[Published]:
        """Every published version: where from, who published it, and how many cases (open ones) use it."""
        log = {(e.payload["id"], e.payload["version"]): e for e in self.register_log()
               if e.kind == "definition_published"}
        counts = self._db.definition_use()
        finals = {(d.id, d.version): {s for s, st in d.states.items() if st.final} for d in self._known()}
        out = []
        for (did, version, digest) in self._db.definition_versions():
            e = log.get((did, version))
            by_state = counts.get((did, version), {})
            final = finals.get((did, version), set())
            out.append(Published(
                did, version, digest, e.payload.get("source") if e else None, e.recorded_by if e else None,
                e.recorded_at if e else None, sum(by_state.values()),
                sum(n for state, n in by_state.items() if state not in final)))
        return out

    def _known(self) -> list[Definition]:
        out = list(self.definitions())
        for did, version, _digest in self._db.definition_versions():
            if not any((d.id, d.version) == (did, version) for d in out):
                stored = self._db.definition_source(did, version)
                if stored is not None:
                    out.append(self.registry.add_text(stored[0], f"<database: {did} v{version}>"))
        return out


_PARSED: dict[str, Definition] = {}


def _parsed(text: str, digest: str, source: str) -> Definition:
    """A definition text the register keeps, parsed once per process (by its digest)."""
    from workflow.core.loading import load_text

    if digest not in _PARSED:
        _PARSED[digest] = load_text(text, source)
    return _PARSED[digest]


def _published_in(log: "list[Entry]", definition_id: str, version: int) -> bool:
    return any(e.kind == "definition_published" and (e.payload["id"], e.payload["version"]) == (definition_id, version)
               for e in log)


def _source(definition: Definition) -> str:
    return Path(definition.source).name if definition.source and not definition.source.startswith("<") else "shipped"
