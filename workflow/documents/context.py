"""What a meeting's documents say, gathered once for every format (text, HTML, PDF)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from workflow.core.meetings import Item, Meeting
from workflow.i18n import format_date, language, t

if TYPE_CHECKING:
    from workflow.api import Workflow


def body_label(wf: "Workflow", body: str, lang: str) -> str:
    for d in wf.definitions():
        if body in d.bodies:
            return d.bodies[body].label.get(lang)
    return body


def _step_label(wf: "Workflow", case_id: str, trigger: str, lang: str) -> str:
    d = wf.definition_of(wf.case(case_id))
    for tr in d.transitions:
        if tr.trigger == trigger:
            return tr.label.get(lang)
    return trigger


def decision_lines(wf: "Workflow", m: Meeting, it: Item, lang: str) -> list[str]:
    """What the minutes say was decided under the item's paragraph."""
    if not it.decided:
        return []
    outcome = it.decided["outcome"]
    body = body_label(wf, m.body, lang)
    if outcome == "postponed":
        return [t("The matter is postponed (tabled).", lang)]
    if outcome == "returned":
        return [t("The matter is returned for further preparation.", lang)]
    if outcome == "noted":
        return [t("The report is noted and placed on file.", lang)]
    chosen = it.decided.get("points") or list(range(1, len(it.points) + 1))
    lines = [t("{body} decides", lang, body=body)]
    lines += [it.points[n - 1].get("text") or _step_label(wf, it.case_id, it.points[n - 1]["trigger"], lang)
              for n in chosen]
    if outcome == "changed" and it.decided.get("note"):
        lines.append(t("Changed from the proposal: {note}", lang, note=it.decided["note"]))
    return lines


def item_what(wf: "Workflow", it: Item, lang: str) -> str:
    if it.kind == "delegated_report":
        ref, _, trigger = it.summary.partition(": ")
        return t("Report of a decision taken under delegation {reference}: {step}", lang,
                 reference=ref, step=_step_label(wf, it.case_id, trigger, lang) if trigger else "")
    if it.kind == "urgent_report":
        ref, _, trigger = it.summary.partition(": ")
        return t("Report of the chair's urgent decision {reference} (KL 6 kap. 39 §): {step}", lang,
                 reference=ref, step=_step_label(wf, it.case_id, trigger, lang) if trigger else "")
    if it.kind == "proposal":
        doc = f" ({it.document})" if it.document else ""
        return t("Proposal from {proposer}{document}", lang, proposer=it.proposer or "", document=doc)
    return it.summary


def meeting_context(wf: "Workflow", m: Meeting, kind: str, lang: str | None = None, *,
                    case: str | None = None, recipient: str | None = None) -> dict[str, Any]:
    lang = language(lang)
    titles = {"agenda": t("Agenda", lang), "minutes": t("Minutes", lang), "extract": t("Minute extract", lang),
              "notice": t("Announcement of adjusted minutes", lang)}
    items = m.agenda if kind == "agenda" else m.paragraphs
    if kind == "extract":
        if case is not None:
            wanted = wf.case(case).id
            items = [i for i in items if i.case_id == wanted]
        if recipient is not None:
            items = [i for i in items if recipient in i.recipients]
    rows = []
    for n, it in enumerate(items, start=1):
        rows.append({
            "number": n, "id": it.id, "paragraph": it.decided["paragraph"] if it.decided else None,
            "label": it.label, "title": it.title, "kind": it.kind, "what": item_what(wf, it, lang),
            "points": [p.get("text") or _step_label(wf, it.case_id, p["trigger"], lang) for p in it.points],
            "basis": it.basis, "recipients": it.recipients,
            "postponed_from": it.postponed_from, "decision": decision_lines(wf, m, it, lang),
            "outcome": it.decided["outcome"] if it.decided else None,
            "immediately_adjusted": bool(it.decided and it.decided["paragraph"] in m.immediately_adjusted),
        })
    adjusted = m.adjusted or {}
    posted = m.posted or {}
    return {
        "lang": lang, "t": lambda message, **values: t(message, lang, **values),
        "kind": kind, "title": titles[kind],
        "body": m.body, "body_label": body_label(wf, m.body, lang),
        "date": m.date.isoformat(), "date_text": format_date(m.date, lang), "place": m.place, "time": m.time,
        "key": m.key, "state": m.state, "items": rows,
        "adjusters": adjusted.get("adjusters", []), "chair": adjusted.get("chair"),
        "adjusted_on": format_date(adjusted["on"], lang) if adjusted else None,
        "adjusted_late": adjusted.get("late", False),
        "digest": adjusted.get("digest"),
        "posted_on": format_date(posted["on"], lang) if posted else None,
        "posted_late": posted.get("late", False),
        "last_appeal_day": format_date(posted["last_appeal_day"], lang) if posted else None,
        "kept_at": posted.get("where"),
        "case": case, "recipient": recipient,
    }


def text(context: dict[str, Any]) -> str:
    """The document as plain text, for the terminal."""
    tr = context["t"]
    out = [f"{context['title']}: {context['body_label']} ({context['body']})",
           f"{tr('Meeting')}: {context['date_text']}"
           + (f", {context['time']}" if context.get("time") else "")
           + (f", {context['place']}" if context.get("place") else "")]
    if context["kind"] == "notice":
        out += _notice_lines(context)
        return "\n".join(out) + "\n"
    if not context["items"]:
        out.append(tr("(no items)"))
    for row in context["items"]:
        head = f"§ {row['paragraph']}" if row["paragraph"] else f"{row['number']}."
        out.append("")
        out.append(f"{head}  {row['label']}  {row['title']}")
        out.append(f"    {row['what']}")
        if row["postponed_from"]:
            out.append(f"    {tr('Postponed at {meeting}', meeting=row['postponed_from'])}")
        lines = row["decision"] if row["decision"] else row["points"]
        heading = tr("Decision") if row["decision"] else (tr("Proposed") if row["points"] else "")
        if heading and lines:
            out.append(f"    {heading}:")
            out += [f"      - {line}" for line in lines]
        if row["basis"]:
            out.append(f"    {tr('Decision basis')}:")
            out += [f"      - {b}" for b in row["basis"]]
        if row["recipients"] and context["kind"] != "agenda":
            out.append(f"    {tr('Dispatched to')}: {', '.join(row['recipients'])}")
    if context["kind"] in ("minutes", "extract") and context["adjusted_on"]:
        out += ["", f"{tr('Adjusted')}: {context['adjusted_on']} ({', '.join(context['adjusters'])})",
                f"{tr('Ledger digest at adjustment')}: {context['digest']}"]
    return "\n".join(out) + "\n"


def _notice_lines(context: dict[str, Any]) -> list[str]:
    tr = context["t"]
    return [
        tr("The minutes of the meeting are adjusted."),
        f"{tr('Adjusted')}: {context['adjusted_on'] or '-'}",
        f"{tr('Posted on the notice board')}: {context['posted_on'] or '-'}",
        f"{tr('Last day to appeal')}: {context['last_appeal_day'] or '-'}",
        f"{tr('Where the minutes are kept')}: {context['kept_at'] or '-'}",
        f"{tr('Ledger digest')}: {context['digest'] or '-'}",
    ]
