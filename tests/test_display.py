"""Tests for kruispunt.display: how numbers and differences of two runs are shown."""

from __future__ import annotations

import math

from kruispunt.display import difference, number


def test_difference_is_b_minus_a() -> None:
    """Run A 12.5, run B 10.0: B - A = -2.50 (not +2.50); 1,000 -> 1,250: +250."""
    assert difference(12.5, 10.0) == "-2.50"
    assert difference(1000.0, 1250.0, "MEUR") == "+250"


def test_a_difference_of_fractions_is_in_percentage_points() -> None:
    """25 % -> 50 % is +25.0 percentage points (not +100 %, the relative change); 60 % ->
    45 % is -15.0 pp."""
    assert difference(0.25, 0.5, "fraction") == "+25.0 pp"
    assert difference(0.6, 0.45, "fraction") == "-15.0 pp"


def test_a_missing_or_infinite_difference_is_a_dash() -> None:
    assert difference(math.nan, 1.0) == "–"
    assert difference(1.0, math.inf) == "–"
    assert number(math.nan) == "–" and number(math.inf) == "unlimited"
