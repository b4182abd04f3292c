"""A case's timeline as hand-written SVG: phases, decisions and due dates over time.

Written by hand (no Graphviz, no plotting library) so the output is small and
byte-for-byte reproducible.  Dates are drawn as honestly as they are known:
a date known only to the year or the month ("2023", "2023-12") covers that
whole year or month, hatched and marked "≈", and is never placed on an
invented day.

The work is split in two: :func:`timeline_model` reads the history into plain
spans and marks (testable without SVG), :func:`to_svg` draws them.  Every mark
takes its look from one table (:func:`mark_style`), and the legend draws its
swatches from the same table, only for the kinds of mark the chart has.  Every
text is kept inside the canvas: a label that would run past an edge is drawn
on the other side of its mark, and one too long for the canvas is shortened
with "…" (the whole text stays in the tooltip).  Texts are in the language
asked for, through the message catalogue (:mod:`workflow.i18n`), and dates in
labels as the language writes them ("8 maj 2026").
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from workflow.core.decisions import PartialDate
from workflow.core.errors import InvalidInput
from workflow.i18n import format_date, t
from workflow.render.dot import clean
from workflow.render.model import check_lang, version_line

if TYPE_CHECKING:
    from workflow.core.audit import Entry
    from workflow.core.case import Case
    from workflow.core.definition import Definition

PHASE_COLOURS = ("#5b8fc7", "#e39b3b", "#6aa84f", "#a56cc1", "#d36b6b", "#4aa3a3", "#8c8c5a", "#c77fa3")
STATUS_COLOURS = {"met": "#3f8f3f", "moved": "#9a9a9a", "open": "#1f6fb2", "overdue": "#c62828"}


@dataclass(frozen=True)
class Span:
    """Days a partial date can mean: [first, last], exact when they are equal."""

    first: dt.date
    last: dt.date
    text: str

    @property
    def exact(self) -> bool:
        return self.first == self.last

    @classmethod
    def of(cls, value: str | None, fallback: dt.date) -> "Span":
        try:
            d = PartialDate.parse(value) if value else PartialDate.of(fallback)
        except InvalidInput:
            d = PartialDate.of(fallback)
        return cls(d.first_day(), d.last_day(), str(d))


@dataclass(frozen=True)
class Phase:
    """A stretch of time in one phase; ``end`` is None while it goes on (until today)."""

    phase: str
    label: str
    start: Span
    end: Span | None
    final: bool = False


@dataclass(frozen=True)
class DecisionMark:
    number: int
    when: Span
    text: str
    note: str = ""


@dataclass(frozen=True)
class DueMark:
    """One target a due date had; ``status`` is met, moved, open or overdue."""

    name: str
    label: str
    target: Span
    status: str
    reference: str = ""
    moved_to: Span | None = None
    met_on: Span | None = None


@dataclass(frozen=True)
class Timeline:
    case_id: str
    title: tuple[str, ...]
    lang: str
    today: dt.date
    phases: tuple[Phase, ...]
    decisions: tuple[DecisionMark, ...]
    dues: tuple[DueMark, ...] = field(default=())


def _phase_label(definition: "Definition", phase: str, state_id: str, lang: str) -> str:
    for s in definition.states.values():
        if (s.phase or s.id) == phase:
            return s.label.get(lang)
    state = definition.states.get(state_id)
    return state.label.get(lang) if state else state_id


def _entry_day(e: "Entry") -> dt.date:
    try:
        return dt.date.fromisoformat(e.recorded_at[:10])
    except ValueError:
        return dt.date(1970, 1, 1)


def timeline_model(
    definition: "Definition", case: "Case", history: Iterable["Entry"], today: dt.date, lang: str | None = None
) -> Timeline:
    """The phases, decisions and due-date targets of a case, with honest date spans.

    ``lang`` is ``sv`` or ``en``; None takes :func:`workflow.i18n.language` (Swedish unless told).
    """
    lang = check_lang(lang)
    entries = sorted(history, key=lambda e: e.seq)
    starts: list[tuple[str, Span]] = []
    decisions: list[DecisionMark] = []
    for e in entries:
        if e.kind == "opened" and e.to_state:
            starts.append((e.to_state, Span.of(e.effective, _entry_day(e))))
        elif e.kind == "decision":
            when = Span.of(e.effective, _entry_day(e))
            number = len(decisions) + 1
            text = f"{number}. {e.reference or e.trigger or ''}"
            if e.payload.get("urgent"):
                text = t("{decision} (urgent)", lang, decision=text)
            decisions.append(DecisionMark(number, when, text, str(e.payload.get("note") or "")))
            if e.to_state and e.to_state != e.from_state:
                starts.append((e.to_state, when))
    phases: list[Phase] = []
    for i, (state_id, start) in enumerate(starts):
        state = definition.states.get(state_id)
        phase = (state.phase if state and state.phase else state_id)
        end = starts[i + 1][1] if i + 1 < len(starts) else None
        final = bool(state and state.final)
        if phases and phases[-1].phase == phase and not final:
            prev = phases[-1]
            phases[-1] = Phase(prev.phase, prev.label, prev.start, end, prev.final)
            continue
        phases.append(Phase(phase, _phase_label(definition, phase, state_id, lang), start, end, final))

    dues: list[DueMark] = []
    current: dict[str, tuple[Span, str]] = {}
    for e in entries:
        if e.kind != "due" or not isinstance(e.payload, dict):
            continue
        p = e.payload
        name = str(p.get("name", "?"))
        kind = definition.due_kinds.get(name)
        label = kind.label.get(lang) if kind else name
        new = p.get("new") if isinstance(p.get("new"), dict) else None
        action = p.get("action")
        if action in ("set", "moved") and new:
            target = Span.of(str(new.get("date")), _entry_day(e))
            if name in current:
                old, ref = current[name]
                dues.append(DueMark(name, label, old, "moved", ref, moved_to=target))
            current[name] = (target, e.reference or "")
        elif action == "met" and name in current:
            old, ref = current.pop(name)
            dues.append(DueMark(name, label, old, "met", ref, met_on=Span.of(e.effective, _entry_day(e))))
    for name, (target, ref) in current.items():
        kind = definition.due_kinds.get(name)
        label = kind.label.get(lang) if kind else name
        status = "overdue" if target.last < today else "open"
        dues.append(DueMark(name, label, target, status, ref))

    title = (f"{case.label} · {case.title}", version_line(definition, lang))
    return Timeline(case.id, title, lang, today, tuple(phases), tuple(decisions), tuple(dues))


def xml(text: str) -> str:
    """Text safe inside an SVG element or a double-quoted attribute."""
    return (clean(text).replace("\n", " ").replace("&", "&amp;").replace("<", "&lt;")
            .replace(">", "&gt;").replace('"', "&quot;"))


def _f(x: float) -> str:
    return f"{x:.1f}"


class _Scale:
    def __init__(self, first: dt.date, last: dt.date, x0: float, width: float) -> None:
        self.first, self.days, self.x0, self.width = first, max((last - first).days, 1), x0, width

    def x(self, day: dt.date) -> float:
        return self.x0 + (day - self.first).days / self.days * self.width

    def end_x(self, day: dt.date) -> float:
        """The right edge of ``day`` (a span's last day is included)."""
        return self.x(day + dt.timedelta(days=1))


LEFT, LEFT_MAX, PLOT_W, RIGHT, LANE_H = 200.0, 360.0, 940.0, 40.0, 34.0
"""The lanes' labels take LEFT, more if they need it (up to LEFT_MAX, then they are shortened)."""
FONT = "DejaVu Sans, Helvetica, Arial, sans-serif"
EDGE = 8.0
"""No text comes nearer than this to the canvas's left or right edge."""
LABEL_MAX = 380.0
"""A mark's label longer than this is shortened (the whole text is in the tooltip)."""

# -- the look of every mark: one table, read by the marks and by the legend ---------------------

DECISION_INK = "#1f4e79"
HATCH_COLOURS = ("#8a8a8a", *PHASE_COLOURS)
"""Hatching for approximate spans, one pattern (``approx<i>``) per colour."""
DUE_STATUSES = ("open", "overdue", "met", "moved")


def _hatch(colour: str) -> str:
    return f"url(#approx{HATCH_COLOURS.index(colour)})"


def mark_style(kind: str, colour: str = "") -> dict[str, str]:
    """The presentation attributes of a mark of ``kind`` (``colour``: its phase's, for phases).

    Kinds: ``phase`` (a known stretch), ``phase-approx`` (hatched: begun or ended
    some time in a year or month), ``phase-ongoing`` (the open end at today),
    ``phase-final`` (a final state reached), ``decision`` (a day known),
    ``decision-approx`` (a bracket over the year or month), ``due-<status>`` and
    ``due-<status>-approx`` (a due date's target, a day or a month/year),
    ``due-arrow`` (moved to) and ``due-tick`` (met there).
    """
    if kind == "phase":
        return {"fill": colour, "rx": "3"}
    if kind == "phase-approx":
        return {"fill": _hatch(colour), "stroke": colour, "stroke-dasharray": "3,2"}
    if kind in ("phase-ongoing", "phase-final"):
        return {"fill": colour}
    if kind == "decision":
        return {"fill": DECISION_INK}
    if kind == "decision-approx":
        return {"fill": "none", "stroke": DECISION_INK, "stroke-width": "2"}
    if kind == "due-arrow":
        return {"fill": "none", "stroke": STATUS_COLOURS["moved"], "stroke-width": "1.2", "stroke-dasharray": "4,2",
                "marker-end": "url(#arrow)"}
    if kind == "due-tick":
        return {"fill": "none", "stroke": STATUS_COLOURS["met"], "stroke-width": "2.5"}
    status = kind.removeprefix("due-").removesuffix("-approx")
    ink = STATUS_COLOURS[status]
    if kind.endswith("-approx"):
        fill = _hatch(HATCH_COLOURS[0]) if status == "moved" else ink
        return {"fill": fill, "stroke": ink, "stroke-width": "2", "rx": "2"}
    return {"fill": "#ffffff" if status == "moved" else ink, "stroke": ink, "stroke-width": "2"}


def _legend_text(kind: str, lang: str) -> str:
    """What the legend says a kind of mark means."""
    texts = {
        "phase": t("known period", lang),
        "phase-approx": t("≈ begun or ended some time in the year or month", lang),
        "phase-ongoing": t("still going on", lang),
        "phase-final": t("final state reached", lang),
        "decision": t("decision", lang),
        "decision-approx": t("≈ decision, only the year or month known", lang),
        "due-open": t("due date, open", lang),
        "due-overdue": t("due date, overdue", lang),
        "due-met": t("due date, met", lang),
        "due-moved": t("due date, moved", lang),
        "due-arrow": t("moved to", lang),
        "due-tick": t("met at this decision", lang),
    }
    if kind.endswith("-approx") and kind.startswith("due-"):
        return t("{what} (month or year)", lang, what=texts[kind.removesuffix("-approx")])
    return texts[kind]


LEGEND_ORDER = ("phase", "phase-approx", "phase-ongoing", "phase-final", "decision", "decision-approx",
                *(f"due-{s}{a}" for s in DUE_STATUSES for a in ("", "-approx")), "due-arrow", "due-tick")


class _Marks:
    """Writes marks with their style from :func:`mark_style`, and notes which kinds the chart has."""

    def __init__(self) -> None:
        self.used: dict[str, str] = {}  # kind -> colour of its first mark

    def __call__(self, tag: str, geometry: str, kind: str, colour: str = "", role: str = "mark") -> str:
        if role == "mark":
            self.used.setdefault(kind, colour)
        attrs = " ".join(f'{k}="{v}"' for k, v in mark_style(kind, colour).items())
        return f"<{tag} {geometry} {attrs} data-{role}=\"{kind}\"/>"


# -- texts, kept inside the canvas ---------------------------------------------------------------

TEXT = {  # kind: font size, bold, colour
    "title": (16.0, True, "#1a1a1a"), "subtitle": (12.0, False, "#444444"), "year": (12.0, True, "#333333"),
    "section": (12.0, True, "#1f4e79"), "lane": (11.0, False, "#222222"), "mark": (10.0, False, "#222222"),
    "small": (9.0, False, "#555555"), "today": (10.0, False, "#c62828"),
}


def text_width(text: str, kind: str) -> float:
    """A generous estimate of how wide ``text`` is drawn (DejaVu Sans is among the widest fonts)."""
    size, bold, _ = TEXT[kind]
    return len(text) * size * (0.68 if bold else 0.58)


def _fit(text: str, kind: str, room: float) -> str:
    """``text``, shortened with "…" if it is wider than ``room``."""
    text = clean(text).replace("\n", " ")
    if text_width(text, kind) <= room:
        return text
    size, bold, _ = TEXT[kind]
    keep = max(int(room / (size * (0.68 if bold else 0.58))) - 1, 1)
    return text[:keep].rstrip() + "…"


def _text(x: float, y: float, text: str, kind: str, anchor: str = "start", tip: str = "") -> str:
    size, bold, fill = TEXT[kind]
    weight = ' font-weight="bold"' if bold else ""
    title = f"<title>{xml(tip)}</title>" if tip and tip != text else ""
    return (f'<text x="{_f(x)}" y="{_f(y)}" font-size="{size:g}"{weight} fill="{fill}" '
            f'text-anchor="{anchor}">{title}{xml(text)}</text>')


def _place(rows: list[list[tuple[float, float]]], x0: float, x1: float) -> int:
    """The first row where [x0, x1] overlaps nothing placed before (a new row if none)."""
    for i, row in enumerate(rows):
        if all(x1 + 6 < a or x0 > b + 6 for a, b in row):
            row.append((x0, x1))
            return i
    rows.append([(x0, x1)])
    return len(rows) - 1


def to_svg(tl: Timeline) -> str:
    """The timeline as a standalone SVG document; same timeline, same bytes."""
    lang = tl.lang
    days: list[dt.date] = [tl.today]
    for ph in tl.phases:
        days += [ph.start.first, ph.start.last] + ([ph.end.first, ph.end.last] if ph.end else [])
    for d in tl.decisions:
        days += [d.when.first, d.when.last]
    for m in tl.dues:
        days += [m.target.first, m.target.last]
    first = dt.date(min(days).year, 1, 1)
    last = dt.date(max(days).year, 12, 31)
    lanes_text = [ph.label for ph in tl.phases] + [m.label for m in tl.dues]
    left = float(math.ceil(min(max([LEFT] + [22 + EDGE + text_width(x, "lane") for x in lanes_text]), LEFT_MAX)))
    sc = _Scale(first, last, left, PLOT_W)
    width = left + PLOT_W + RIGHT
    right = width - EDGE
    mark = _Marks()

    body: list[str] = []
    y = 70.0
    axis_y = y
    for year in range(first.year, last.year + 1):
        x = sc.x(dt.date(year, 1, 1))
        mid = (x + sc.end_x(dt.date(year, 12, 31))) / 2
        body.append(_text(mid, axis_y, str(year), "year", "middle"))
        for month in (1, 4, 7, 10):
            mx = sc.x(dt.date(year, month, 1))
            ink = "#c8c8c8" if month == 1 else "#eeeeee"
            body.append(f'<line x1="{_f(mx)}" y1="{_f(axis_y + 8)}" x2="{_f(mx)}" y2="@BOTTOM@" stroke="{ink}"/>')
    x_end = sc.end_x(last)
    body.append(f'<line x1="{_f(x_end)}" y1="{_f(axis_y + 8)}" x2="{_f(x_end)}" y2="@BOTTOM@" stroke="#c8c8c8"/>')
    tx = sc.x(tl.today)  # drawn first, so marks and labels lie over it
    body.append(f'<line x1="{_f(tx)}" y1="{_f(axis_y + 8)}" x2="{_f(tx)}" y2="@BOTTOM@" stroke="#c62828" '
                'stroke-width="1.5" stroke-dasharray="5,3" data-mark="today"/>')
    today = t("today {date}", lang, date=format_date(tl.today, lang))
    if tx + 4 + text_width(today, "today") <= right:
        body.append(_text(tx + 4, axis_y + 20, today, "today"))
    else:  # near the right edge: the label goes on the left of the line
        body.append(_text(tx - 4, axis_y + 20, today, "today", "end"))
    y += 22

    # phases: one lane per phase, in order of first entry
    body.append(_text(12, y + 12, t("Phases", lang), "section"))
    y += 20
    lanes: dict[str, float] = {}
    colours: dict[str, str] = {}
    for ph in tl.phases:
        if ph.phase not in lanes:
            lanes[ph.phase] = y
            colours[ph.phase] = PHASE_COLOURS[len(colours) % len(PHASE_COLOURS)]
            body.append(_text(left - 10, y + LANE_H / 2 + 4, _fit(ph.label, "lane", left - 10 - EDGE - 4), "lane",
                              "end", ph.label))
            y += LANE_H
    for ph in tl.phases:
        body.extend(_phase(ph, sc, lanes[ph.phase], colours[ph.phase], tl.today, lang, mark))

    # decisions
    y += 10
    body.append(_text(12, y + 12, t("Decisions", lang), "section"))
    y += 20
    rows: list[list[tuple[float, float]]] = []
    placed: list[tuple[DecisionMark, int, float, str, str]] = []
    for d in tl.decisions:
        label = _fit(("≈ " if not d.when.exact else "") + d.text, "mark", LABEL_MAX)
        w = text_width(label, "mark")
        if d.when.exact:
            x = sc.x(d.when.first)
            lx, anchor, x0, x1 = x + 9, "start", x - 6, x + 9 + w
            if x1 > right:  # no room on the right: the label goes on the left of the mark
                lx, anchor, x0, x1 = x - 9, "end", x - 9 - w, x + 6
        else:
            a, b = sc.x(d.when.first), sc.end_x(d.when.last)
            lx = max(min(a + 2, right - w), EDGE)
            anchor, x0, x1 = "start", min(a, lx), max(b, lx + w)
        placed.append((d, _place(rows, x0, x1), lx, anchor, label))
    for d, row, lx, anchor, label in placed:
        body.extend(_decision(d, sc, y + row * 26.0, lang, mark, lx, anchor, label))
    y += max(len(rows), 1) * 26.0 + 10

    # due dates: one lane per due-date name
    if tl.dues:
        body.append(_text(12, y + 12, t("Due dates", lang), "section"))
        y += 20
        names = list(dict.fromkeys(m.name for m in tl.dues))
        for name in names:
            marks = [m for m in tl.dues if m.name == name]
            body.append(_text(left - 10, y + LANE_H / 2 + 4, _fit(marks[0].label, "lane", left - 10 - EDGE - 4),
                              "lane", "end", marks[0].label))
            label_rows: list[list[tuple[float, float]]] = []
            for m in marks:
                text = _fit(_due_text(m, lang), "small", LABEL_MAX)
                half = text_width(text, "small") / 2
                centre = min(max(_due_centre(m, sc), EDGE + half), right - half)
                row = _place(label_rows, centre - half, centre + half)
                body.extend(_due(m, sc, y, lang, mark, centre, text, row))
            y += LANE_H + 12 * len(label_rows)

    bottom = y + 4
    legend, legend_height = _legend(bottom + 24, right, lang, mark)
    height = float(math.ceil(bottom + 24 + legend_height + 12))  # whole pixels: a PNG is as large as the SVG
    title = _fit(tl.title[0], "title", width - 12 - EDGE)
    subtitle = _fit(tl.title[1], "subtitle", width - 12 - EDGE)
    head = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{_f(width)}" height="{_f(height)}" '
        f'viewBox="0 0 {_f(width)} {_f(height)}" font-family="{FONT}">',
        f"<title>{xml(' · '.join(tl.title))}</title>",
        "<defs>",
        *(_pattern(f"approx{i}", c) for i, c in enumerate(HATCH_COLOURS)),
        '<marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto">'
        f'<path d="M0,0 L10,5 L0,10 z" fill="{STATUS_COLOURS["moved"]}"/></marker>',
        "</defs>",
        f'<rect width="{_f(width)}" height="{_f(height)}" fill="#ffffff"/>',
        _text(12, 24, title, "title", tip=tl.title[0]),
        _text(12, 42, subtitle, "subtitle", tip=tl.title[1]),
    ]
    text = "\n".join(head + [b.replace("@BOTTOM@", _f(bottom)) for b in body] + legend + ["</svg>"])
    return text + "\n"


def _pattern(pid: str, colour: str) -> str:
    """Hatching for approximate spans, in the colour of what is approximate."""
    return (f'<pattern id="{pid}" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">'
            f'<rect width="6" height="6" fill="#ffffff"/><line x1="0" y1="0" x2="0" y2="6" stroke="{colour}" '
            'stroke-width="2.5"/></pattern>')


def _when(s: Span, lang: str) -> str:
    """A span as the language writes it, saying how far it is known: "2023 (≈ datum känt till året)"."""
    if s.exact:
        return format_date(s.first, lang)
    if len(s.text) == 4:
        return t("{date} (≈ date known to the year)", lang, date=format_date(s.text, lang))
    return t("{date} (≈ date known to the month)", lang, date=format_date(s.text, lang))


def _phase(ph: Phase, sc: _Scale, y: float, colour: str, today: dt.date, lang: str, mark: _Marks) -> list[str]:
    top, h = y + 7, LANE_H - 14
    end_first = ph.end.first if ph.end else today
    end_last = ph.end.last if ph.end else today
    until = _when(ph.end, lang) if ph.end else t("still going on ({date})", lang, date=format_date(today, lang))
    out = [f"<g><title>{xml(f'{ph.label}: {_when(ph.start, lang)} – {until}')}</title>"]
    if ph.final:
        x = sc.x(ph.start.first)
        x2 = sc.end_x(ph.start.last)
        if not ph.start.exact:
            out.append(mark("rect", f'x="{_f(x)}" y="{_f(top)}" width="{_f(x2 - x)}" height="{_f(h)}"',
                            "phase-approx", colour))
        out.append(mark("rect", f'x="{_f(x2 - 3)}" y="{_f(top - 3)}" width="6" height="{_f(h + 6)}"',
                        "phase-final", colour))
        out.append("</g>")
        return out
    # The phase surely covers [s1, e0]; it may have begun anywhere in [s0, s1]
    # and ended anywhere in [e0, e1].  A start known to the year cannot be
    # later than a known end, nor an end earlier than the start.
    s0 = sc.x(ph.start.first)
    e1 = sc.end_x(end_last) if ph.end and not ph.end.exact else sc.x(end_first)
    s1 = min(sc.end_x(ph.start.last), e1) if not ph.start.exact else s0
    e0 = max(sc.x(end_first), s0)

    def rect(x0: float, x1: float, kind: str) -> str:
        return mark("rect", f'x="{_f(x0)}" y="{_f(top)}" width="{_f(x1 - x0)}" height="{_f(h)}"', kind, colour)

    if e0 > s1:
        out.append(rect(s1, e0, "phase"))
        if s1 > s0:
            out.append(rect(s0, s1, "phase-approx"))
        if e1 > e0:
            out.append(rect(e0, e1, "phase-approx"))
    else:  # nothing is sure: the whole possible stretch is approximate
        out.append(rect(s0, max(e1, s1), "phase-approx"))
    if ph.end is None:  # still going on: an open end at today
        x = sc.x(today)
        out.append(mark("path", f'd="M{_f(x)},{_f(top - 2)} l7,{_f(h / 2 + 2)} l-7,{_f(h / 2 + 2)} z"',
                        "phase-ongoing", colour))
    out.append("</g>")
    return out


def _decision(d: DecisionMark, sc: _Scale, y: float, lang: str, mark: _Marks, lx: float, anchor: str,
              label: str) -> list[str]:
    tip = f"{d.text} – {_when(d.when, lang)}" + (f": {d.note}" if d.note else "")
    out = [f"<g><title>{xml(tip)}</title>"]
    cy = y + 8
    if d.when.exact:
        x = sc.x(d.when.first)
        out.append(mark("path", f'd="M{_f(x)},{_f(cy - 6)} l6,6 l-6,6 l-6,-6 z"', "decision"))
        out.append(_text(lx, cy + 4, label, "mark", anchor))
    else:  # a bracket over the whole year or month: the day is not known
        a, b = sc.x(d.when.first), sc.end_x(d.when.last)
        out.append(mark("path", f'd="M{_f(a)},{_f(cy - 5)} v5 h{_f(b - a)} v-5"', "decision-approx"))
        out.append(_text(lx, cy + 14, label, "mark", anchor))
    out.append("</g>")
    return out


def _due_text(m: DueMark, lang: str) -> str:
    date = format_date(m.target.text, lang)
    return {
        "open": t("{date} open", lang, date=date), "overdue": t("{date} overdue", lang, date=date),
        "met": t("{date} met", lang, date=date), "moved": t("{date} moved", lang, date=date),
    }[m.status]


def _due_centre(m: DueMark, sc: _Scale) -> float:
    if m.target.exact:
        return sc.x(m.target.first)
    return (sc.x(m.target.first) + sc.end_x(m.target.last)) / 2


def _due(m: DueMark, sc: _Scale, y: float, lang: str, mark: _Marks, centre: float, label: str,
         label_row: int = 0) -> list[str]:
    cy = y + LANE_H / 2 - 4
    tip = f"{m.label}: {_due_text(m, lang)}" + (f" ({m.reference})" if m.reference else "")
    out = [f"<g><title>{xml(tip)}</title>"]
    a, b = sc.x(m.target.first), sc.end_x(m.target.last)
    if m.target.exact:
        out.append(mark("circle", f'cx="{_f(a)}" cy="{_f(cy)}" r="6"', f"due-{m.status}"))
        end = a + 6
    else:
        out.append(mark("rect", f'x="{_f(a)}" y="{_f(cy - 6)}" width="{_f(max(b - a, 3))}" height="12"',
                        f"due-{m.status}-approx"))
        end = max(b, a + 3)
    if m.moved_to is not None:  # a dashed arrow to where a later decision moved it
        nx = sc.x(m.moved_to.first) - (6 if m.moved_to.exact else 0) - 3
        if nx > end + 4:
            out.append(mark("line", f'x1="{_f(end + 2)}" y1="{_f(cy)}" x2="{_f(nx)}" y2="{_f(cy)}"', "due-arrow"))
    if m.met_on is not None:  # a tick at the decision that met it
        mx = sc.x(m.met_on.first)
        out.append(mark("path", f'd="M{_f(mx - 5)},{_f(cy - 14)} l4,4 l7,-9"', "due-tick"))
    out.append(_text(centre, cy + 18 + 12 * label_row, label, "small", "middle"))
    out.append("</g>")
    return out


def _swatch(kind: str, colour: str, x: float, y: float, mark: _Marks) -> str:
    """A small mark of ``kind`` for the legend, its baseline at ``y``, 26 wide from ``x``."""
    geometry = {
        "rect": f'x="{_f(x)}" y="{_f(y - 10)}" width="26" height="12"',
        "ongoing": f'd="M{_f(x + 9)},{_f(y - 12)} l7,8 l-7,8 z"',
        "final": f'x="{_f(x + 10)}" y="{_f(y - 13)}" width="6" height="18"',
        "diamond": f'd="M{_f(x + 13)},{_f(y - 10)} l6,6 l-6,6 l-6,-6 z"',
        "bracket": f'd="M{_f(x)},{_f(y - 9)} v5 h26 v-5"',
        "circle": f'cx="{_f(x + 13)}" cy="{_f(y - 4)}" r="6"',
        "arrow": f'x1="{_f(x)}" y1="{_f(y - 4)}" x2="{_f(x + 24)}" y2="{_f(y - 4)}"',
        "tick": f'd="M{_f(x + 8)},{_f(y - 6)} l4,4 l7,-9"',
    }
    if kind in ("phase", "phase-approx") or kind.endswith("-approx") and kind.startswith("due-"):
        shape, tag = "rect", "rect"
    else:
        shape, tag = {"phase-ongoing": ("ongoing", "path"), "phase-final": ("final", "rect"),
                      "decision": ("diamond", "path"), "decision-approx": ("bracket", "path"),
                      "due-arrow": ("arrow", "line"), "due-tick": ("tick", "path")}.get(kind, ("circle", "circle"))
    return mark(tag, geometry[shape], kind, colour, role="legend")


def _legend(y: float, right: float, lang: str, mark: _Marks) -> tuple[list[str], float]:
    """The legend of the kinds of mark the chart has, wrapped to the canvas; and its height."""
    out = ["<g>"]
    x, line = 12.0, 0
    for kind in LEGEND_ORDER:
        if kind not in mark.used:
            continue
        text = _fit(_legend_text(kind, lang), "small", right - 12 - 32)
        need = 32 + text_width(text, "small")
        if x > 12 and x + need > right:
            x, line = 12.0, line + 1
        base = y + 20 * line
        out.append(_swatch(kind, mark.used[kind], x, base, mark))
        out.append(_text(x + 32, base, text, "small"))
        x += need + 14
    out.append("</g>")
    return out, 20.0 * (line + 1)
