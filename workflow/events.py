"""Events after a decision: tell other tools once a decision is committed.

A listener is any callable ``listener(case, entries, recipients)``:

* ``case`` -- the :class:`~workflow.core.case.Case` as it is after the decision;
* ``entries`` -- the audit entries the decision wrote (a tuple, in order);
* ``recipients`` -- whom the decision is dispatched to (``expedieras till``),
  collected from the entries' ``payload["recipients"]``, in order, without repeats.

Listeners are called only after the transaction has committed, never for a
refused or rolled-back decision and never for a replayed (idempotent) request.
A listener that raises is logged on the ``workflow.events`` logger and does not
undo or block the decision: the decision is the record, the event is a courtesy.

Three ways to register, all called in this order:

1. per :class:`~workflow.api.Workflow`: ``wf.add_listener(fn)``;
2. per process: :func:`register_listener` (and :func:`unregister_listener`);
3. per installation: a Python entry point in the group ``kansli_workflow.listeners``,
   so a separate package plugs in without code changes::

       [project.entry-points."kansli_workflow.listeners"]
       mail = "kansli_mail:on_decision"

   Entry points are looked up only when the first decision is recorded (never
   when the CLI starts) and once per process.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from workflow.core.audit import Entry
    from workflow.core.case import Case

Listener = Callable[["Case", "tuple[Entry, ...]", "tuple[str, ...]"], object]
"""``listener(case, entries, recipients)``; the return value is ignored."""

ENTRY_POINT_GROUP = "kansli_workflow.listeners"

log = logging.getLogger("workflow.events")

_registered: list[Listener] = []
_plugins: list[Listener] | None = None


def register_listener(listener: Listener) -> Listener:
    """Call ``listener`` after every decision this process records (usable as a decorator)."""
    if not callable(listener):
        raise TypeError(f"a listener must be callable, not {type(listener).__name__}")
    if listener not in _registered:
        _registered.append(listener)
    return listener


def unregister_listener(listener: Listener) -> None:
    """Stop calling a listener given to :func:`register_listener` (no error if it was not)."""
    if listener in _registered:
        _registered.remove(listener)


def recipients_of(entries: Iterable["Entry"]) -> tuple[str, ...]:
    """Whom the decision is dispatched to, from its entries, first mention first."""
    seen: dict[str, None] = {}
    for e in entries:
        for r in e.payload.get("recipients") or ():
            seen.setdefault(str(r), None)
    return tuple(seen)


def plugin_listeners(*, reload: bool = False) -> list[Listener]:
    """The listeners installed packages declare as entry points (loaded once, lazily)."""
    global _plugins
    if _plugins is None or reload:
        from importlib.metadata import entry_points

        found: list[Listener] = []
        for ep in sorted(entry_points(group=ENTRY_POINT_GROUP), key=lambda ep: ep.name):
            try:
                fn = ep.load()
            except Exception:
                log.exception("cannot load decision listener %r (%s); it is skipped", ep.name, ep.value)
                continue
            if callable(fn):
                found.append(fn)
            else:
                log.error("decision listener %r (%s) is not callable; it is skipped", ep.name, ep.value)
        _plugins = found
    return _plugins


def notify(case: "Case", entries: Sequence["Entry"], listeners: Iterable[Listener] = ()) -> int:
    """Call every listener for a committed decision; returns how many raised.

    Only call this after the decision's transaction has committed.
    """
    if not entries:
        return 0
    batch = tuple(entries)
    recipients = recipients_of(batch)
    failed = 0
    for fn in [*listeners, *_registered, *plugin_listeners()]:
        try:
            fn(case, batch, recipients)
        except Exception:
            failed += 1
            log.exception(
                "decision listener %s failed for case %s entry %d; the decision stays recorded",
                getattr(fn, "__qualname__", repr(fn)), case.id, batch[-1].seq,
            )
    return failed
