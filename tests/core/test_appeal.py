"""The appeal period: three weeks from posting, moved past weekends and holidays."""

from __future__ import annotations

import datetime as dt

import pytest

from workflow.core.appeal import easter_sunday, is_working_day, last_appeal_day, legal_force


@pytest.mark.parametrize(
    ("posted", "last"),
    [
        ("2024-05-13", "2024-06-03"),  # across a month end, a Monday
        ("2023-01-16", "2023-02-06"),
        ("2024-03-11", "2024-04-02"),  # 1 April 2024 is Easter Monday
        ("2025-12-03", "2025-12-29"),  # Christmas Eve, Christmas, Boxing Day, a weekend
        ("2024-02-08", "2024-02-29"),  # leap day
        ("2026-06-05", "2026-06-26"),  # an ordinary Friday
        ("2026-05-29", "2026-06-22"),  # lands on Midsummer Eve, then Midsummer Day and a Sunday
    ],
)
def test_last_day_to_appeal(posted: str, last: str) -> None:
    result = last_appeal_day(dt.date.fromisoformat(posted))
    assert result >= dt.date.fromisoformat(posted) + dt.timedelta(weeks=3)
    assert is_working_day(result)
    assert result.isoformat() == last


def test_easter_and_holidays() -> None:
    assert easter_sunday(2024) == dt.date(2024, 3, 31)
    assert easter_sunday(2026) == dt.date(2026, 4, 5)
    assert not is_working_day(dt.date(2026, 4, 3))  # Good Friday
    assert not is_working_day(dt.date(2026, 6, 6))  # National Day
    assert not is_working_day(dt.date(2026, 10, 31))  # All Saints' Day (a Saturday anyway)
    assert is_working_day(dt.date(2026, 4, 7))


def test_legal_force() -> None:
    posted = dt.date(2024, 5, 13)
    assert legal_force(posted, dt.date(2024, 6, 3)) == "appealable"
    assert legal_force(posted, dt.date(2024, 6, 4)) == "final"
