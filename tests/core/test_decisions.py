"""Decision references, partial dates, due-date specs and amounts, as people write them."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from workflow import DecisionRef, DueSpec, InvalidInput, PartialDate, parse_amount


@pytest.mark.parametrize(
    ("text", "body", "date", "para", "canonical"),
    [
        ("HSN 2024-02-28 § 15", "HSN", "2024-02-28", "15", "HSN 2024-02-28 § 15"),
        ("KF 2023-12-04 §102", "KF", "2023-12-04", "102", "KF 2023-12-04 § 102"),
        ("  HSN 2022-09-22 §  142 ", "HSN", "2022-09-22", "142", "HSN 2022-09-22 § 142"),
        ("HSN 2023 § 30", "HSN", "2023", "30", "HSN 2023 § 30"),
        ("KS 2023", "KS", "2023", None, "KS 2023"),
        ("HSN-AU 2026-03-23", "HSN-AU", "2026-03-23", None, "HSN-AU 2026-03-23"),
        ("Överförmyndarnämnden 2025-01 § 7a", "Överförmyndarnämnden", "2025-01", "7a", "Överförmyndarnämnden 2025-01 § 7a"),
    ],
)
def test_reference_parses_the_form_people_write(text: str, body: str, date: str, para: str | None, canonical: str) -> None:
    ref = DecisionRef.parse(text)
    assert (ref.body, str(ref.date), ref.paragraph) == (body, date, para)
    assert str(ref) == canonical
    assert DecisionRef.parse(str(ref)) == ref


@pytest.mark.parametrize(
    "text",
    ["", "   ", "HSN", "2024-02-28 § 15", "HSN 2024-02-30 § 15", "HSN 2024-13-01", "HSN 24-02-28 § 15",
     "HSN 2024-02-28 § ", "HSN 2024-02-28 § x", "HSN 2024-02-28 15", "HSN; DROP TABLE cases 2024",
     "HSN 0999-01-01", "HSN 2024-02-28 § 15 § 16"],
)
def test_malformed_references_are_refused_with_a_hint(text: str) -> None:
    with pytest.raises(InvalidInput) as err:
        DecisionRef.parse(text)
    assert "HSN 2024-02-28 § 15" in str(err.value) or "date" in str(err.value)


def test_partial_dates_are_never_padded_with_an_invented_day() -> None:
    assert str(PartialDate.parse("2023")) == "2023"
    assert str(PartialDate.parse("2023-12")) == "2023-12"
    assert PartialDate.parse("2023-12").last_day() == dt.date(2023, 12, 31)
    assert PartialDate.parse("2024-02").last_day() == dt.date(2024, 2, 29)
    assert PartialDate.parse("2023").last_day() == dt.date(2023, 12, 31)
    assert PartialDate.parse("2023").first_day() == dt.date(2023, 1, 1)
    assert not PartialDate.parse("2023-12").is_full


@pytest.mark.parametrize("text", ["2023-02-29", "2023-00", "2023-1-5", "tomorrow", "20231201", ""])
def test_malformed_dates(text: str) -> None:
    with pytest.raises(InvalidInput, match="malformed date"):
        PartialDate.parse(text)


def test_due_specs() -> None:
    assert DueSpec.parse("report_back=2027-09") == DueSpec("report_back", PartialDate(2027, 9))
    meeting = DueSpec.parse("report_back=HSN@2023-12")
    assert meeting.meeting == "HSN" and str(meeting.date) == "2023-12"
    assert meeting.describe() == "HSN meeting 2023-12"
    for bad in ("report_back", "=2027-09", "report_back=", "report_back=2027-13", "x=HSN@"):
        with pytest.raises(InvalidInput):
            DueSpec.parse(bad)


def test_amounts() -> None:
    assert parse_amount("1800000") == Decimal("1800000")
    assert parse_amount("1 800 000") == Decimal("1800000")
    assert parse_amount(None) is None
    for bad in ("-5", "lots", "NaN", "Infinity"):
        with pytest.raises(InvalidInput, match="malformed amount"):
            parse_amount(bad)
