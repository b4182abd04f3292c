"""A case's timeline as hand-written SVG: phases, decisions and due dates over time.

Written by hand (no Graphviz, no plotting library) so the output is small and
byte-for-byte reproducible.  Dates are drawn as honestly as they are known:
a date known only to the year or the month ("2023", "2023-12") covers that
whole year or month, hatched and marked "≈", and is never placed on an
invented day.

The work is split in two: :func:`timeline_model` reads the history into plain
spans and marks (testable without SVG), :func:`to_svg` draws them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from workflow.core.decisions import PartialDate
from workflow.core.errors import InvalidInput
from workflow.render.dot import clean
from workflow.render.model import check_lang

if TYPE_CHECKING:
    from workflow.core.audit import Entry
    from workflow.core.case import Case
    from workflow.core.definition import Definition

WORDS = {
    "sv": {"decisions": "Beslut", "today": "idag", "approx": "≈ datum känt till {what}",
           "year": "året", "month": "månaden", "met": "uppfylld", "moved": "flyttad", "open": "öppen",
           "overdue": "försenad", "legend_known": "känd period", "legend_approx": "ungefärlig (år/månad)",
           "legend_decision": "beslut", "phases": "Faser", "urgent": "brådskande", "due": "Bevakningar", "now": "pågår"},
    "en": {"decisions": "Decisions", "today": "today", "approx": "≈ date known to the {what}",
           "year": "year", "month": "month", "met": "met", "moved": "moved", "open": "open",
           "overdue": "overdue", "legend_known": "known period", "legend_approx": "approximate (year/month)",
           "legend_decision": "decision", "phases": "Phases", "urgent": "urgent", "due": "Due dates", "now": "ongoing"},
}

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
    definition: "Definition", case: "Case", history: Iterable["Entry"], today: dt.date, lang: str = "sv"
) -> Timeline:
    """The phases, decisions and due-date targets of a case, with honest date spans."""
    check_lang(lang)
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
                text += f" ({WORDS[lang]['urgent']})"
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

    title = (f"{case.label} · {case.title}", f"{definition.label.get(lang)} ({definition.id} v{definition.version})")
    return Timeline(case.id, title, lang, today, tuple(phases), tuple(decisions), tuple(dues))


def xml(text: str) -> str:
    """Text safe inside an SVG element or a double-quoted attribute."""
    return (clean(text).replace("\n", " ").replace("&", "&amp;").replace("<", "&lt;")
            .replace(">", "&gt;").replace('"', "&quot;"))


def _f(x: float) -> str:
    return f"{x:.1f}"


def _text_width(text: str, size: float) -> float:
    return len(text) * size * 0.6


class _Scale:
    def __init__(self, first: dt.date, last: dt.date, x0: float, width: float) -> None:
        self.first, self.days, self.x0, self.width = first, max((last - first).days, 1), x0, width

    def x(self, day: dt.date) -> float:
        return self.x0 + (day - self.first).days / self.days * self.width

    def end_x(self, day: dt.date) -> float:
        """The right edge of ``day`` (a span's last day is included)."""
        return self.x(day + dt.timedelta(days=1))


LEFT, PLOT_W, RIGHT, LANE_H, FONT = 200.0, 940.0, 40.0, 34.0, "DejaVu Sans, Helvetica, Arial, sans-serif"


def to_svg(t: Timeline) -> str:
    """The timeline as a standalone SVG document; same timeline, same bytes."""
    w = WORDS[t.lang]
    days: list[dt.date] = [t.today]
    for ph in t.phases:
        days += [ph.start.first, ph.start.last] + ([ph.end.first, ph.end.last] if ph.end else [])
    for d in t.decisions:
        days += [d.when.first, d.when.last]
    for m in t.dues:
        days += [m.target.first, m.target.last]
    first = dt.date(min(days).year, 1, 1)
    last = dt.date(max(days).year, 12, 31)
    sc = _Scale(first, last, LEFT, PLOT_W)
    width = LEFT + PLOT_W + RIGHT

    body: list[str] = []
    y = 70.0
    # axis: years, and quarters as minor ticks
    axis_y = y
    for year in range(first.year, last.year + 1):
        x = sc.x(dt.date(year, 1, 1))
        mid = (x + sc.end_x(dt.date(year, 12, 31))) / 2
        body.append(f'<text x="{_f(mid)}" y="{_f(axis_y)}" class="year">{year}</text>')
        for month in (1, 4, 7, 10):
            mx = sc.x(dt.date(year, month, 1))
            cls = "grid-year" if month == 1 else "grid"
            body.append(f'<line x1="{_f(mx)}" y1="{_f(axis_y + 8)}" x2="{_f(mx)}" y2="@BOTTOM@" class="{cls}"/>')
    x_end = sc.end_x(last)
    body.append(f'<line x1="{_f(x_end)}" y1="{_f(axis_y + 8)}" x2="{_f(x_end)}" y2="@BOTTOM@" class="grid-year"/>')
    tx = sc.x(t.today)  # drawn first, so marks and labels lie over it
    body.append(f'<line x1="{_f(tx)}" y1="{_f(axis_y + 8)}" x2="{_f(tx)}" y2="@BOTTOM@" class="today"/>')
    body.append(f'<text x="{_f(tx + 4)}" y="{_f(axis_y + 20)}" class="today-label">{xml(w["today"])} {t.today.isoformat()}</text>')
    y += 22

    # phases: one lane per phase, in order of first entry
    body.append(f'<text x="12" y="{_f(y + 12)}" class="section">{xml(w["phases"])}</text>')
    y += 20
    lanes: dict[str, float] = {}
    colours: dict[str, str] = {}
    for ph in t.phases:
        if ph.phase not in lanes:
            lanes[ph.phase] = y
            colours[ph.phase] = PHASE_COLOURS[len(colours) % len(PHASE_COLOURS)]
            body.append(f'<text x="{_f(LEFT - 10)}" y="{_f(y + LANE_H / 2 + 4)}" class="lane">{xml(ph.label)}</text>')
            y += LANE_H
    for ph in t.phases:
        body.extend(_phase(ph, sc, lanes[ph.phase], colours[ph.phase], t.today, w))

    # decisions
    y += 10
    body.append(f'<text x="12" y="{_f(y + 12)}" class="section">{xml(w["decisions"])}</text>')
    y += 20
    rows: list[list[tuple[float, float]]] = []
    placed: list[tuple[DecisionMark, int]] = []
    for d in t.decisions:
        x0 = sc.x(d.when.first) if not d.when.exact else sc.x(d.when.first) - 6
        x1 = x0 + max(_text_width(d.text, 10) + 14, sc.end_x(d.when.last) - x0)
        placed.append((d, _place(rows, x0, x1)))
    for d, row in placed:
        body.extend(_decision(d, sc, y + row * 26.0, w))
    y += max(len(rows), 1) * 26.0 + 10

    # due dates: one lane per due-date name
    if t.dues:
        body.append(f'<text x="12" y="{_f(y + 12)}" class="section">{xml(w["due"])}</text>')
        y += 20
        names = list(dict.fromkeys(m.name for m in t.dues))
        for name in names:
            marks = [m for m in t.dues if m.name == name]
            body.append(f'<text x="{_f(LEFT - 10)}" y="{_f(y + LANE_H / 2 + 4)}" class="lane">{xml(marks[0].label)}</text>')
            label_rows: list[list[tuple[float, float]]] = []
            for m in marks:
                text = _due_text(m, w)
                centre = _due_centre(m, sc)
                half = _text_width(text, 9) / 2
                row = _place(label_rows, centre - half, centre + half)
                body.extend(_due(m, sc, y, w, row))
            y += LANE_H + 12 * len(label_rows)

    bottom = y + 4

    y = bottom + 24
    body.extend(_legend(y, w))
    height = y + 30
    head = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{_f(width)}" height="{_f(height)}" '
        f'viewBox="0 0 {_f(width)} {_f(height)}" font-family="{FONT}">',
        f"<title>{xml(' · '.join(t.title))}</title>",
        "<defs>",
        *(_pattern(f"approx{i}", c) for i, c in enumerate(("#8a8a8a", *PHASE_COLOURS))),
        '<marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto">'
        '<path d="M0,0 L10,5 L0,10 z" fill="#9a9a9a"/></marker>',
        "<style>"
        ".title{font-size:16px;font-weight:bold;fill:#1a1a1a}.subtitle{font-size:12px;fill:#444}"
        ".year{font-size:12px;font-weight:bold;fill:#333;text-anchor:middle}"
        ".grid{stroke:#eeeeee;stroke-width:1}.grid-year{stroke:#c8c8c8;stroke-width:1}"
        ".section{font-size:12px;font-weight:bold;fill:#1f4e79}.lane{font-size:11px;fill:#222;text-anchor:end}"
        ".mark{font-size:10px;fill:#222}.small{font-size:9px;fill:#555}"
        ".today{stroke:#c62828;stroke-width:1.5;stroke-dasharray:5,3}.today-label{font-size:10px;fill:#c62828}"
        "</style>",
        "</defs>",
        f'<rect width="{_f(width)}" height="{_f(height)}" fill="#ffffff"/>',
        f'<text x="12" y="24" class="title">{xml(t.title[0])}</text>',
        f'<text x="12" y="42" class="subtitle">{xml(t.title[1])}</text>',
    ]
    text = "\n".join(head + [b.replace("@BOTTOM@", _f(bottom)) for b in body] + ["</svg>"])
    return text + "\n"


def _pattern(pid: str, colour: str) -> str:
    """Hatching for approximate spans, in the colour of what is approximate."""
    return (f'<pattern id="{pid}" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">'
            f'<rect width="6" height="6" fill="#ffffff"/><line x1="0" y1="0" x2="0" y2="6" stroke="{colour}" '
            'stroke-width="2.5"/></pattern>')


def _approx_note(s: Span, w: dict[str, str]) -> str:
    if s.exact:
        return s.text
    return f"{s.text} ({w['approx'].format(what=w['year'] if len(s.text) == 4 else w['month'])})"


def _phase(ph: Phase, sc: _Scale, y: float, colour: str, today: dt.date, w: dict[str, str]) -> list[str]:
    top, h = y + 7, LANE_H - 14
    hatch = f"url(#approx{PHASE_COLOURS.index(colour) + 1})"
    end_first = ph.end.first if ph.end else today
    end_last = ph.end.last if ph.end else today
    tip = f"{ph.label}: {_approx_note(ph.start, w)} – " + (_approx_note(ph.end, w) if ph.end else f"{w['now']} ({today.isoformat()})")
    out = [f"<g><title>{xml(tip)}</title>"]
    if ph.final:
        x = sc.x(ph.start.first)
        x2 = sc.end_x(ph.start.last)
        if not ph.start.exact:
            out.append(f'<rect x="{_f(x)}" y="{_f(top)}" width="{_f(x2 - x)}" height="{_f(h)}" fill="{hatch}" stroke="{colour}"/>')
        out.append(f'<rect x="{_f(x2 - 3)}" y="{_f(top - 3)}" width="6" height="{_f(h + 6)}" fill="{colour}"/>')
        out.append("</g>")
        return out
    # The phase surely covers [s1, e0]; it may have begun anywhere in [s0, s1]
    # and ended anywhere in [e0, e1].  A start known to the year cannot be
    # later than a known end, nor an end earlier than the start.
    s0 = sc.x(ph.start.first)
    e1 = sc.end_x(end_last) if ph.end and not ph.end.exact else sc.x(end_first)
    s1 = min(sc.end_x(ph.start.last), e1) if not ph.start.exact else s0
    e0 = max(sc.x(end_first), s0)
    hatched = f'height="{_f(h)}" fill="{hatch}" stroke="{colour}" stroke-dasharray="3,2"/>'
    if e0 > s1:
        out.append(f'<rect x="{_f(s1)}" y="{_f(top)}" width="{_f(e0 - s1)}" height="{_f(h)}" fill="{colour}" rx="3"/>')
        if s1 > s0:
            out.append(f'<rect x="{_f(s0)}" y="{_f(top)}" width="{_f(s1 - s0)}" {hatched}')
        if e1 > e0:
            out.append(f'<rect x="{_f(e0)}" y="{_f(top)}" width="{_f(e1 - e0)}" {hatched}')
    else:  # nothing is sure: the whole possible stretch is approximate
        out.append(f'<rect x="{_f(s0)}" y="{_f(top)}" width="{_f(max(e1, s1) - s0)}" {hatched}')
    if ph.end is None:  # still going on: an open end at today
        x = sc.x(today)
        out.append(f'<path d="M{_f(x)},{_f(top - 2)} l7,{_f(h / 2 + 2)} l-7,{_f(h / 2 + 2)} z" fill="{colour}"/>')
    out.append("</g>")
    return out


def _decision(d: DecisionMark, sc: _Scale, y: float, w: dict[str, str]) -> list[str]:
    tip = f"{d.text} – {_approx_note(d.when, w)}" + (f": {d.note}" if d.note else "")
    out = [f"<g><title>{xml(tip)}</title>"]
    cy = y + 8
    if d.when.exact:
        x = sc.x(d.when.first)
        out.append(f'<path d="M{_f(x)},{_f(cy - 6)} l6,6 l-6,6 l-6,-6 z" fill="#1f4e79"/>')
        out.append(f'<text x="{_f(x + 9)}" y="{_f(cy + 4)}" class="mark">{xml(d.text)}</text>')
    else:  # a bracket over the whole year or month: the day is not known
        a, b = sc.x(d.when.first), sc.end_x(d.when.last)
        out.append(f'<path d="M{_f(a)},{_f(cy - 5)} v5 h{_f(b - a)} v-5" fill="none" stroke="#1f4e79" stroke-width="2"/>')
        out.append(f'<text x="{_f(a + 2)}" y="{_f(cy + 14)}" class="mark">≈ {xml(d.text)}</text>')
    out.append("</g>")
    return out


def _place(rows: list[list[tuple[float, float]]], x0: float, x1: float) -> int:
    """The first row where [x0, x1] overlaps nothing placed before (a new row if none)."""
    for i, row in enumerate(rows):
        if all(x1 + 6 < a or x0 > b + 6 for a, b in row):
            row.append((x0, x1))
            return i
    rows.append([(x0, x1)])
    return len(rows) - 1


def _due_text(m: DueMark, w: dict[str, str]) -> str:
    return f"{m.target.text} {w[m.status]}"


def _due_centre(m: DueMark, sc: _Scale) -> float:
    if m.target.exact:
        return sc.x(m.target.first)
    return (sc.x(m.target.first) + sc.end_x(m.target.last)) / 2


def _due(m: DueMark, sc: _Scale, y: float, w: dict[str, str], label_row: int = 0) -> list[str]:
    colour = STATUS_COLOURS[m.status]
    cy = y + LANE_H / 2 - 4
    status = w[m.status]
    tip = f"{m.label}: {_approx_note(m.target, w)} – {status}" + (f" ({m.reference})" if m.reference else "")
    out = [f"<g><title>{xml(tip)}</title>"]
    a, b = sc.x(m.target.first), sc.end_x(m.target.last)
    if m.target.exact:
        fill = "#ffffff" if m.status == "moved" else colour
        out.append(f'<circle cx="{_f(a)}" cy="{_f(cy)}" r="6" fill="{fill}" stroke="{colour}" stroke-width="2"/>')
        right = a + 6
    else:
        fill = "url(#approx0)" if m.status == "moved" else colour
        out.append(f'<rect x="{_f(a)}" y="{_f(cy - 6)}" width="{_f(max(b - a, 3))}" height="12" fill="{fill}" stroke="{colour}" stroke-width="2" rx="2"/>')
        right = max(b, a + 3)
    if m.moved_to is not None:  # a dashed arrow to where a later decision moved it
        nx = sc.x(m.moved_to.first) - (6 if m.moved_to.exact else 0) - 3
        if nx > right + 4:
            out.append(f'<line x1="{_f(right + 2)}" y1="{_f(cy)}" x2="{_f(nx)}" y2="{_f(cy)}" stroke="{colour}" '
                       f'stroke-width="1.2" stroke-dasharray="4,2" marker-end="url(#arrow)"/>')
    if m.met_on is not None:  # a tick at the meeting that met it
        mx = sc.x(m.met_on.first)
        out.append(f'<path d="M{_f(mx - 5)},{_f(cy - 14)} l4,4 l7,-9" fill="none" stroke="{colour}" stroke-width="2.5"/>')
    out.append(f'<text x="{_f(_due_centre(m, sc))}" y="{_f(cy + 18 + 12 * label_row)}" class="small" '
               f'text-anchor="middle">{xml(_due_text(m, w))}</text>')
    out.append("</g>")
    return out


def _legend(y: float, w: dict[str, str]) -> list[str]:
    out = [f'<g transform="translate(12,{_f(y)})" class="small">']
    x = 0.0
    out.append(f'<rect x="{_f(x)}" y="-9" width="26" height="12" fill="#5b8fc7" rx="2"/>')
    out.append(f'<text x="{_f(x + 32)}" y="1" class="small">{xml(w["legend_known"])}</text>')
    x += 40 + _text_width(w["legend_known"], 9)
    out.append(f'<rect x="{_f(x)}" y="-9" width="26" height="12" fill="url(#approx1)" stroke="#5b8fc7" stroke-dasharray="3,2"/>')
    out.append(f'<text x="{_f(x + 32)}" y="1" class="small">≈ {xml(w["legend_approx"])}</text>')
    x += 48 + _text_width(w["legend_approx"], 9)
    out.append(f'<path d="M{_f(x + 6)},-9 l6,6 l-6,6 l-6,-6 z" fill="#1f4e79"/>')
    out.append(f'<text x="{_f(x + 16)}" y="1" class="small">{xml(w["legend_decision"])}</text>')
    x += 26 + _text_width(w["legend_decision"], 9)
    for status in ("met", "moved", "open", "overdue"):
        colour = STATUS_COLOURS[status]
        fill = "#ffffff" if status == "moved" else colour
        out.append(f'<circle cx="{_f(x + 6)}" cy="-3" r="5" fill="{fill}" stroke="{colour}" stroke-width="2"/>')
        out.append(f'<text x="{_f(x + 15)}" y="1" class="small">{xml(w[status])}</text>')
        x += 26 + _text_width(w[status], 9)
    out.append("</g>")
    return out
