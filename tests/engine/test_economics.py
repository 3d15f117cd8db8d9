"""Tests for kruispunt.engine.economics."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kruispunt.engine.economics import (
    CostBreakdown,
    annuity_factor,
    discount_factors,
    levelised_cost,
    npv,
    present_value_of_annuity,
    remaining_book_value,
)

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
@given(rate=rates, lifetime=st.floats(min_value=0.5, max_value=80))
def test_annuity_factor_is_reciprocal_of_present_value(rate: float, lifetime: float) -> None:
    product = annuity_factor(rate, lifetime) * present_value_of_annuity(rate, lifetime)
    assert float(product) == pytest.approx(1.0, rel=1e-9)


# --- present_value_of_annuity / discount_factors / npv -------------------------------------


def test_present_value_of_annuity_hand_computed() -> None:
    # 1/1.1 + 1/1.21 + 1/1.331 = 0.909091 + 0.826446 + 0.751315 = 2.486852
    assert float(present_value_of_annuity(0.1, 3)) == pytest.approx(2.486852, rel=1e-6)
    # r = 0: n payments of 1 are worth n
    assert float(present_value_of_annuity(0.0, 25)) == 25.0


def test_discount_factors_end_of_year_convention() -> None:
    # (1.1)**-1, **-2, **-3 = 0.909091, 0.826446, 0.751315
    np.testing.assert_allclose(
        discount_factors(0.1, 3), [0.9090909, 0.8264463, 0.7513148], rtol=1e-6
    )
    out = discount_factors([0.0, 1.0], 2)
    np.testing.assert_array_equal(out, [[1.0, 1.0], [0.5, 0.25]])


def test_discount_factors_shape_and_zero_years() -> None:
    assert discount_factors(np.zeros((4, 3)), 7).shape == (4, 3, 7)
    assert discount_factors(0.05, 0).shape == (0,)
    with pytest.raises(TypeError):
        discount_factors(0.05, 2.5)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        discount_factors(0.05, -1)


def test_npv_hand_computed() -> None:
    # 100/1.1 + 100/1.21 + 100/1.331 = 90.9091 + 82.6446 + 75.1315 = 248.6852
    assert float(npv([100.0, 100.0, 100.0], 0.1)) == pytest.approx(248.6852, rel=1e-6)
    # -50/1.05 + 200/1.05**2 = -47.6190 + 181.4059 = 133.7868
    assert float(npv([-50.0, 200.0], 0.05)) == pytest.approx(133.7868, rel=1e-6)


def test_npv_axis_and_rate_per_scenario() -> None:
    flows = np.array([[110.0, 0.0], [0.0, 242.0]])  # (year, scenario), years on axis 0
    # 110/1.1 = 100 ; 242/1.21 = 200
    np.testing.assert_allclose(npv(flows, 0.1, axis=0), [100.0, 200.0])
    # rate per scenario on (scenario, year): 121/1.1**2 = 100 and 121/1.0**2 = 121
    np.testing.assert_allclose(npv([[0.0, 121.0], [0.0, 121.0]], [0.1, 0.0]), [100.0, 121.0])


def test_npv_rejects_scalar_and_nan() -> None:
    with pytest.raises(ValueError):
        npv(5.0, 0.1)
    with pytest.raises(ValueError):
        npv([1.0, np.nan], 0.1)


@FAST
@given(payment=st.floats(min_value=-1e6, max_value=1e6), rate=rates, lifetime=lifetimes)
def test_npv_of_constant_annuity_equals_payment_times_present_value(
    payment: float, rate: float, lifetime: int
) -> None:
    flows = np.full(lifetime, payment)
    expected = payment * present_value_of_annuity(rate, lifetime)
    assert float(npv(flows, rate)) == pytest.approx(float(expected), rel=1e-9, abs=1e-6)


# --- levelised_cost -------------------------------------------------------------------------


def test_levelised_cost_hand_computed() -> None:
    # (1000 * 0.1018522 + 20) / 0.8 + 300 = 121.8522 / 0.8 + 300 = 452.3153
    assert float(levelised_cost(1000.0, 20.0, 300.0, 0.08, 20, 0.8)) == pytest.approx(
        452.3153, rel=1e-6
    )
    # r = 0: (100 / 10 + 5) / 0.5 + 0 = 30
    assert float(levelised_cost(100.0, 5.0, 0.0, 0.0, 10, 0.5)) == pytest.approx(30.0)


@pytest.mark.parametrize("utilisation", [0.0, -0.1, 1.01, np.nan])
def test_levelised_cost_rejects_bad_utilisation(utilisation: float) -> None:
    with pytest.raises(ValueError, match="utilisation"):
        levelised_cost(1000.0, 20.0, 300.0, 0.08, 20, utilisation)


def test_levelised_cost_rejects_negative_capex() -> None:
    with pytest.raises(ValueError, match="capex"):
        levelised_cost(-1.0, 20.0, 300.0, 0.08, 20, 0.8)


@FAST
@given(
    capex=st.floats(min_value=0, max_value=5000),
    fixed=st.floats(min_value=0, max_value=200),
    variable=st.floats(min_value=-100, max_value=1000),
    rate=st.floats(min_value=0.0, max_value=0.2),
    lifetime=lifetimes,
    utilisation=st.floats(min_value=0.05, max_value=1.0),
    capacity=st.floats(min_value=1.0, max_value=1e7),
)
def test_levelised_cost_round_trip(
    capex: float,
    fixed: float,
    variable: float,
    rate: float,
    lifetime: int,
    utilisation: float,
    capacity: float,
) -> None:
    lc = float(levelised_cost(capex, fixed, variable, rate, lifetime, utilisation))
    production = capacity * utilisation
    # yearly revenue at the levelised cost = annuity of capex + fixed opex + variable cost
    annual = capex * capacity * float(annuity_factor(rate, lifetime)) + fixed * capacity
    assert lc * production == pytest.approx(annual + variable * production, rel=1e-9, abs=1e-3)
    # selling at the levelised cost for the lifetime repays exactly the investment
    margin = np.full(lifetime, (lc - variable) * production - fixed * capacity)
    assert float(npv(margin, rate)) == pytest.approx(capex * capacity, rel=1e-7, abs=1e-3)


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


# --- CostBreakdown ----------------------------------------------------------------------------


def test_cost_breakdown_total_hand_computed() -> None:
    cb = CostBreakdown(
        capex=np.array([100.0, 200.0]),
        fixed_opex=10.0,
        energy=np.array([50.0, 0.0]),
        feedstock=5.0,
        carbon=-20.0,
        taxes=3.0,
        subsidies=np.array([0.0, 40.0]),
        revenue=100.0,
    )
    # costs: 100+10+50+5-20+3 = 148 ; 200+10+0+5-20+3 = 198
    np.testing.assert_allclose(cb.costs, [148.0, 198.0])
    # total: 148 - 0 - 100 = 48 ; 198 - 40 - 100 = 58
    np.testing.assert_allclose(cb.total, [48.0, 58.0])


def test_cost_breakdown_defaults_frozen_and_shape_check() -> None:
    cb = CostBreakdown(revenue=5.0)
    assert float(cb.total) == -5.0
    assert isinstance(cb.capex, np.ndarray)
    with pytest.raises(dataclasses.FrozenInstanceError):
        cb.capex = np.ones(3)  # type: ignore[misc]
    with pytest.raises(ValueError):
        CostBreakdown(capex=np.ones(3), energy=np.ones(4))
    with pytest.raises(ValueError, match="energy"):
        CostBreakdown(energy=[1.0, np.nan])
