"""The appeal period of a municipal or regional decision (laglighetsprövning).

An appeal must reach the authority within three weeks of the day the approved
minutes were posted on the notice board (Kommunallagen 13 kap. 5 §).  When the
last day falls on a Saturday, a Sunday, a public holiday, Midsummer Eve,
Christmas Eve or New Year's Eve, it moves to the next working day (lag
(1930:173) om beräkning av lagstadgad tid).
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

APPEAL_WEEKS = 3


def easter_sunday(year: int) -> dt.date:
    """Gregorian Easter Sunday (the anonymous algorithm, as in every almanac)."""
    a = year % 19
    b, c = divmod(year, 100)
    d, e = divmod(b, 4)
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    l_ = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * l_) // 451
    month, day = divmod(h + l_ - 7 * m + 114, 31)
    return dt.date(year, month, day + 1)


def _saturday_between(year: int, month: int, first: int, last: int) -> dt.date:
    for day in range(first, last + 1):
        d = dt.date(year, month, day)
        if d.weekday() == 5:
            return d
    raise AssertionError("there is always a Saturday in seven days")


@lru_cache(maxsize=64)
def non_working_days(year: int) -> frozenset[dt.date]:
    """Swedish public holidays and the eves the 1930 law treats as holidays."""
    easter = easter_sunday(year)
    midsummer_day = _saturday_between(year, 6, 20, 26)
    days = {
        dt.date(year, 1, 1), dt.date(year, 1, 6),
        easter - dt.timedelta(days=2), easter, easter + dt.timedelta(days=1),
        dt.date(year, 5, 1), easter + dt.timedelta(days=39), easter + dt.timedelta(days=49),
        dt.date(year, 6, 6), midsummer_day - dt.timedelta(days=1), midsummer_day,
        _saturday_between(year, 10, 31, 31) if dt.date(year, 10, 31).weekday() == 5
        else _saturday_between(year, 11, 1, 6),
        dt.date(year, 12, 24), dt.date(year, 12, 25), dt.date(year, 12, 26), dt.date(year, 12, 31),
    }
    return frozenset(days)


def is_working_day(day: dt.date) -> bool:
    return day.weekday() < 5 and day not in non_working_days(day.year)


def last_appeal_day(posted: dt.date) -> dt.date:
    """The last day an appeal can be lodged, for minutes posted on ``posted``."""
    last = posted + dt.timedelta(weeks=APPEAL_WEEKS)
    while not is_working_day(last):
        last += dt.timedelta(days=1)
    return last


def legal_force(posted: dt.date, today: dt.date) -> str:
    """How a decision stands: ``appealable`` until the last day, then ``final`` unless appealed."""
    return "appealable" if today <= last_appeal_day(posted) else "final"
