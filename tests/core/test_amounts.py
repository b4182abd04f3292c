"""Amounts as a secretary writes them: kronor with at most two decimals, in a plausible range."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from workflow import InvalidInput, parse_amount
from workflow.core.decisions import AMOUNT_MAX


@pytest.mark.parametrize(("given", "stored"), [
    ("1800000", "1800000"), ("1 800 000", "1800000"), ("1\u00a0800\u00a0000", "1800000"),
    ("1800000,5", "1800000.50"), ("1800000.50", "1800000.50"), ("0,01", "0.01"),
    (1800000, "1800000"), (Decimal("1.8E+6"), "1800000"), (1800000.0, "1800000"), (Decimal("10.5"), "10.50"),
    ("1000000000000", "1000000000000"),
])
def test_an_amount_is_stored_as_it_reads(given: Any, stored: str) -> None:
    value = parse_amount(given)
    assert value is not None and str(value) == stored


@pytest.mark.parametrize("bad", ["1.234", "-5", "0", "0.00", "NaN", "nan", "Infinity", "1e400", "1.8E+6", "1,8e6",
                                 "1000000000000.01", "+5", ".5", "5.", "0x10", "1,800,000", "lots",
                                 Decimal("NaN"), Decimal("-1"), Decimal("1E+13"), float("inf"), 1e400, 0, -3,
                                 Decimal("0.001"), True])
def test_anything_else_is_refused(bad: Any) -> None:
    with pytest.raises(InvalidInput, match="amount"):
        parse_amount(bad)


def test_the_range() -> None:
    assert AMOUNT_MAX == Decimal(10) ** 12
    assert parse_amount(None) is None and parse_amount("") is None
