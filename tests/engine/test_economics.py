"""Tests for kruispunt.engine.economics."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kruispunt.engine.economics import annuity_factor, remaining_book_value

FAST = settings(max_examples=60, deadline=None)
rates = st.floats(min_value=-0.5, max_value=0.5, allow_nan=False)
lifetimes = st.integers(min_value=1, max_value=60)


# --- annuity_factor -------------------------------------------------------------------------


def test_annuity_factor_hand_computed() -> None:
    # 0.08 / (1 - 1.08**-20) = 0.08 / (1 - 0.214548) = 0.1018522
    assert float(annuity_factor(0.08, 20)) == pytest.approx(0.1018522, rel=1e-6)
    # 0.1 / (1 - 1.1**-10) = 0.1 / (1 - 0.385543) = 0.1627454
    assert float(annuity_factor(0.1, 10)) == pytest.approx(0.1627454, rel=1e-6)


def test_annuity_factor_zero_rate_is_one_over_lifetime() -> None:
    # 1 / 25 = 0.04, exactly and without a 0/0 warning
    assert float(annuity_factor(0.0, 25)) == 0.04
    # continuous at r -> 0
    assert float(annuity_factor(1e-12, 10)) == pytest.approx(0.1, rel=1e-9)


def test_annuity_factor_broadcasts_scenario_by_plant() -> None:
    rate = np.array([[0.0], [0.1]])  # (scenario, 1)
    life = np.array([10.0, 20.0, 40.0])  # (plant,)
    out = annuity_factor(rate, life)
    assert out.shape == (2, 3)
    assert out.dtype == np.float64
    np.testing.assert_allclose(out[0], [0.1, 0.05, 0.025])
    assert out[1, 0] == pytest.approx(0.1627454, rel=1e-6)


@pytest.mark.parametrize(
    ("rate", "lifetime"), [(-1.0, 10), (-1.5, 10), (0.05, 0), (0.05, -3), (np.nan, 10)]
)
def test_annuity_factor_rejects_invalid_input(rate: float, lifetime: float) -> None:
    with pytest.raises(ValueError):
        annuity_factor(rate, lifetime)


@FAST
@given(rate=rates, lifetime=lifetimes)
def test_annuity_repays_one_unit_over_the_lifetime(rate: float, lifetime: int) -> None:
    # the annuity, paid at the end of each of n years, discounts back to exactly 1
    discount = (1.0 + rate) ** -np.arange(1, lifetime + 1)
    assert float(annuity_factor(rate, lifetime) * discount.sum()) == pytest.approx(1.0, rel=1e-9)


# --- remaining_book_value ------------------------------------------------------------------


def test_remaining_book_value_hand_computed() -> None:
    # 1000 * (1 - 5/20) = 750
    assert float(remaining_book_value(1000.0, 20, 5)) == 750.0
    # 4e8 * (1 - 12.5/25) = 2e8
    assert float(remaining_book_value(4e8, 25, 12.5)) == 2e8
    np.testing.assert_array_equal(remaining_book_value(1000.0, 20, [0, 20, 30]), [1000, 0, 0])


def test_remaining_book_value_rejects_negative_age() -> None:
    with pytest.raises(ValueError, match="age"):
        remaining_book_value(1000.0, 20, -1)
