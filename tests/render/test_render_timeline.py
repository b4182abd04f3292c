"""The timeline: honest spans for partial dates, due-date history, well-formed deterministic SVG,
every text inside the canvas, a legend that shows what the chart draws; PNG and PDF read back."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
from render_helpers import png_pixels, replay_demo_into

from workflow.demo import replay_demo
from workflow.render.svg_convert import convert
from workflow.render.timeline import timeline_model, to_svg

TODAY = dt.date(2026, 3, 23)
SVG = "{http://www.w3.org/2000/svg}"


def _needs(program: str) -> None:
    """Skip without ``program``, except in CI, where the tests it reads with must run."""
    if shutil.which(program) is None:
        reason = f"{program} is not installed (scripts/ensure-render-tools.sh installs it)"
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)


@pytest.fixture
def dorotea(wf):  # type: ignore[no-untyped-def]
    list(replay_demo(wf))
    case = wf.case("demo-dorotea")
    return wf.definition_of(case), case, wf.history(case.id)


def test_phases_with_partial_dates_span_the_year(dorotea) -> None:  # type: ignore[no-untyped-def]
    t = timeline_model(*dorotea, TODAY)
    assert [p.phase for p in t.phases] == ["assignment", "pre_study", "pilot"]
    first = t.phases[0]
    assert (first.start.first, first.start.last, first.start.exact) == (dt.date(2023, 1, 1), dt.date(2023, 12, 31), False)
    pilot = t.phases[2]
    assert pilot.start.exact and pilot.start.first == dt.date(2024, 2, 28) and pilot.end is None
    assert pilot.label == "Pilotprojekt"


def test_decisions_and_due_dates(dorotea) -> None:  # type: ignore[no-untyped-def]
    t = timeline_model(*dorotea, TODAY)
    assert [d.text for d in t.decisions][:4] == ["1. HSN 2023", "2. KS 2023", "3. KF 2023-12-04 § 102", "4. HSN 2024-02-28 § 15"]
    assert not t.decisions[0].when.exact
    report = [(m.target.text, m.status) for m in t.dues if m.name == "report_back"]
    assert report == [("2023-12", "moved"), ("2024-02", "met"), ("2026-01", "moved"), ("2026-05-08", "open")]
    later = timeline_model(*dorotea, dt.date(2026, 6, 1))
    assert [m.status for m in later.dues if m.target.text == "2026-05-08"] == ["overdue", "overdue"]


def test_svg_is_wellformed_deterministic_and_never_invents_a_day(dorotea) -> None:  # type: ignore[no-untyped-def]
    svg = to_svg(timeline_model(*dorotea, TODAY))
    assert svg == to_svg(timeline_model(*dorotea, TODAY))
    root = ET.fromstring(svg)
    texts = [el.text or "" for el in root.iter() if el.tag.endswith("text")]
    assert "≈ 1. HSN 2023" in texts  # approximate, marked as such
    assert not any("2023-01-01" in x or "2023-12-31" in x for x in texts)
    assert "idag 23 mars 2026" in texts
    assert "8 maj 2026 öppen" in texts and "februari 2024 uppfylld" in texts
    assert {"Faser", "Beslut", "Bevakningar"} <= set(texts)
    titles = [el.text or "" for el in root.iter() if el.tag.endswith("title")]
    assert any("2023 (≈ datum känt till året)" in x for x in titles)
    en = ET.fromstring(to_svg(timeline_model(*dorotea, TODAY, lang="en")))
    en_texts = {el.text or "" for el in en.iter(f"{SVG}text")}
    assert {"today 23 March 2026", "Phases", "Decisions", "Due dates", "8 May 2026 open", "known period"} <= en_texts
    assert not en_texts & {"idag 23 mars 2026", "Faser", "Beslut", "Bevakningar", "känd period"}


def test_hostile_title_is_escaped(wf) -> None:  # type: ignore[no-untyped-def]
    title = '</text><script>alert("x")</script> & <![CDATA[ ]]> åäö'
    case = wf.open_case("finansiering", title=title, actor="t", effective="2024-05")
    svg = to_svg(timeline_model(wf.definition_of(case), case, wf.history(case.id), TODAY))
    root = ET.fromstring(svg)
    assert not [el for el in root.iter() if el.tag.endswith("script")]
    assert any(title in (el.text or "") for el in root.iter())


# -- every text inside the canvas ---------------------------------------------------------------


def _extent(el: ET.Element) -> tuple[float, float, float, float]:
    """Left, right, top and bottom of a text as drawn, approximately: x, the anchor, the font size
    and a DejaVu Sans average advance (0.55 em; bold 0.62)."""
    text = "".join(el.itertext()) if el.find(f"{SVG}title") is None else (el.find(f"{SVG}title").tail or "")
    size = float(el.get("font-size") or 0)
    assert size > 0, f"text without a font size: {text!r}"
    width = len(text) * size * (0.62 if el.get("font-weight") == "bold" else 0.55)
    x, y = float(el.get("x") or 0), float(el.get("y") or 0)
    left = {"start": x, "middle": x - width / 2, "end": x - width}[el.get("text-anchor") or "start"]
    return left, left + width, y - size, y + size * 0.25


def _assert_texts_inside(svg: str) -> None:
    root = ET.fromstring(svg)
    _, _, width, height = (float(v) for v in (root.get("viewBox") or "").split())
    assert (float(root.get("width") or 0), float(root.get("height") or 0)) == (width, height)
    texts = list(root.iter(f"{SVG}text"))
    assert texts
    for el in texts:
        left, right, top, bottom = _extent(el)
        what = "".join(el.itertext())
        assert 0 <= left and right <= width, f"{what!r} runs out of the canvas: {left:.0f}..{right:.0f} of {width:.0f}"
        assert 0 <= top and bottom <= height, f"{what!r} runs out of the canvas: {top:.0f}..{bottom:.0f} of {height:.0f}"


@pytest.mark.parametrize("lang", ["sv", "en"])
@pytest.mark.parametrize("today", [TODAY, dt.date(2026, 12, 28), dt.date(2026, 12, 31), dt.date(2031, 1, 1)])
def test_every_text_lies_inside_the_canvas(dorotea, lang: str, today: dt.date) -> None:  # type: ignore[no-untyped-def]
    """Today at the very right edge (a live case in late December) once cut the "idag" label."""
    svg = to_svg(timeline_model(*dorotea, today, lang=lang))
    _assert_texts_inside(svg)
    label = next(el for el in ET.fromstring(svg).iter(f"{SVG}text") if (el.text or "").startswith(("idag", "today")))
    if today.month == 12:
        assert label.get("text-anchor") == "end"  # drawn on the left of the line


def test_long_titles_labels_and_late_decisions_stay_inside() -> None:
    from workflow.render.timeline import DecisionMark, DueMark, Phase, Span, Timeline

    late, end = Span.of("2026-12-30", TODAY), Span.of("2026-12", TODAY)
    tl = Timeline(
        "c1", ("HSN 1-2026 · " + "Ett mycket långt ärende " * 20, "Finansieringsbeslut, version 1"), "sv",
        dt.date(2026, 12, 31),
        (Phase("p", "En fas med ett mycket långt namn som inte får plats " * 3, Span.of("2026-01", TODAY), None),),
        (DecisionMark(1, late, "1. HSN 2026-12-30 § 999 " + "med en mycket lång beteckning " * 4),
         DecisionMark(2, end, "2. HSN 2026-12 § 1000 med en lång beteckning")),
        (DueMark("f", "Uppföljning redovisas", late, "open", "HSN 2026-12-30 § 999"),
         DueMark("f", "Uppföljning redovisas", end, "moved", "HSN 2026-12-30 § 999", moved_to=late)),
    )
    svg = to_svg(tl)
    _assert_texts_inside(svg)
    root = ET.fromstring(svg)
    title = next(el for el in root.iter(f"{SVG}text"))
    assert "".join(title.itertext()).endswith("…")
    assert (title.findtext(f"{SVG}title") or "").startswith("HSN 1-2026 · Ett mycket")  # whole in the tooltip


def test_png_has_nothing_drawn_on_its_edges(dorotea) -> None:  # type: ignore[no-untyped-def]
    """Read with librsvg, as a viewer draws it: a cut label leaves ink on the outermost pixels."""
    _needs("rsvg-convert")
    svg = to_svg(timeline_model(*dorotea, dt.date(2026, 12, 30)))
    width, height, rows = png_pixels(convert(svg.encode(), "png"))
    root = ET.fromstring(svg)
    assert (width, height) == (round(float(root.get("width") or 0)), round(float(root.get("height") or 0)))
    for x in (0, 1, 2, 3, width - 4, width - 3, width - 2, width - 1):
        column = {row[3 * x:3 * x + 3] for row in rows}
        assert column == {b"\xff\xff\xff"}, f"something is drawn on column {x}"


# -- the legend shows the marks as the chart draws them -----------------------------------------

STYLE = ("fill", "stroke", "stroke-width", "stroke-dasharray", "rx", "marker-end")


def _style(el: ET.Element) -> tuple[str, ...]:
    return (el.tag, *(el.get(k, "") for k in STYLE))


@pytest.mark.parametrize("today", [TODAY, dt.date(2026, 6, 1)])
@pytest.mark.parametrize("case_id", ["demo-dorotea", "demo-governo"])
def test_every_legend_swatch_looks_like_the_marks_it_names(wf, case_id: str, today: dt.date) -> None:  # type: ignore[no-untyped-def]
    list(replay_demo(wf))
    case = wf.case(case_id)
    root = ET.fromstring(to_svg(timeline_model(wf.definition_of(case), case, wf.history(case.id), today)))
    marks: dict[str, set[tuple[str, ...]]] = {}
    for el in root.iter():
        if el.get("data-mark") and el.get("data-mark") != "today":
            marks.setdefault(el.get("data-mark") or "", set()).add(_style(el))
    swatches = {el.get("data-legend") or "": _style(el) for el in root.iter() if el.get("data-legend")}
    assert set(swatches) == set(marks), "the legend names exactly the kinds of mark the chart draws"
    for kind, look in swatches.items():
        assert look in marks[kind], f"the legend's {kind} {look} is none of the chart's {marks[kind]}"
    legend_texts = [el.text for el in root.iter(f"{SVG}text") if el.text and el.text in {
        "känd period", "beslut", "bevakning, öppen", "bevakning, försenad"}]
    assert legend_texts  # the legend is written in Swedish by default


def test_due_statuses_in_the_legend_match_the_chart(dorotea) -> None:  # type: ignore[no-untyped-def]
    """After the due date has passed, the legend says overdue in the overdue colour, not open."""
    root = ET.fromstring(to_svg(timeline_model(*dorotea, dt.date(2026, 6, 1))))
    kinds = {el.get("data-legend") for el in root.iter() if el.get("data-legend")}
    assert "due-overdue" in kinds and "due-open" not in kinds
    circle = next(el for el in root.iter(f"{SVG}circle") if el.get("data-legend") == "due-overdue")
    assert circle.get("fill") == circle.get("stroke") == "#c62828"


# -- PNG and PDF, chosen by -o's suffix or --format ---------------------------------------------


def test_timeline_as_png_and_pdf_from_the_cli(cli, db_url, tmp_path) -> None:  # type: ignore[no-untyped-def]
    _needs("rsvg-convert")
    replay_demo_into(db_url)
    png = tmp_path / "t.png"
    cli("case", "timeline", "demo-dorotea", "--today", "2026-03-23", "-o", str(png))
    width, height, _ = png_pixels(png.read_bytes())
    assert 1100 < width < 1400 and 300 < height < 1200
    piped = cli("case", "timeline", "demo-dorotea", "--today", "2026-03-23", "--format", "png").stdout_bytes
    assert piped.startswith(b"\x89PNG\r\n\x1a\n")
    pdf = tmp_path / "t.pdf"
    cli("case", "timeline", "demo-dorotea", "--today", "2026-03-23", "-o", str(pdf))
    assert pdf.read_bytes().startswith(b"%PDF-")
    en = tmp_path / "en.out"
    cli("--lang", "en", "case", "timeline", "demo-dorotea", "--today", "2026-03-23", "--format", "pdf", "-o", str(en))
    assert en.read_bytes().startswith(b"%PDF-")  # --format wins over a suffix that names nothing
    _needs("pdftotext")
    sv_text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert "idag 23 mars 2026" in sv_text and "Bevakningar" in sv_text and "8 maj 2026 öppen" in sv_text
    en_text = subprocess.run(["pdftotext", str(en), "-"], capture_output=True, text=True, check=True).stdout
    assert "today 23 March 2026" in en_text and "Due dates" in en_text and "Bevakningar" not in en_text


def test_a_suffix_that_names_another_format_is_refused(cli, db_url, tmp_path) -> None:  # type: ignore[no-untyped-def]
    replay_demo_into(db_url)
    for name in ("t.dot", "t.jpg", "t.mmd"):
        r = cli("case", "timeline", "demo-dorotea", "-o", str(tmp_path / name), code=5)
        assert len(r.output.strip().splitlines()) == 1 and ".svg, .png, .pdf" in r.output
    cli("case", "timeline", "demo-dorotea", "--format", "dot", code=2)
    assert list(tmp_path.iterdir()) == [tmp_path / "wf.sqlite3"] or not any(
        p.name.startswith("t.") for p in tmp_path.iterdir())


def test_without_rsvg_convert_png_is_refused_and_svg_still_works(cli, db_url, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    replay_demo_into(db_url)
    empty = tmp_path / "bin"
    empty.mkdir()
    env: dict[str, Any] = {"PATH": str(empty)}
    r = cli("--lang", "en", "case", "timeline", "demo-dorotea", "-o", str(tmp_path / "t.png"), env=env, code=5)
    lines = r.output.strip().splitlines()
    assert len(lines) == 1 and "'rsvg-convert'" in lines[0] and "apt-get install librsvg2-bin" in lines[0]
    assert not (tmp_path / "t.png").exists()
    sv = cli("case", "timeline", "demo-dorotea", "--format", "pdf", "-o", str(tmp_path / "t.pdf"), env=env, code=5)
    assert "librsvg2-bin" in sv.output and "kräver" in sv.output
    cli("case", "timeline", "demo-dorotea", "-o", str(tmp_path / "t.svg"), env=env)
    assert (tmp_path / "t.svg").read_text(encoding="utf-8").startswith("<svg")
