"""Tests for kruispunt.policy.sde."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from kruispunt.policy.sde import allocate_round, sde_payment, sde_subsidy_per_unit

FAST = settings(max_examples=80, deadline=None)


def test_subsidy_per_unit_hand_computed() -> None:
    # 120 - max(70, 50) = 50
    assert float(sde_subsidy_per_unit(120.0, 70.0, 50.0)) == 50.0
    # correction below the base price counts as the base price: 120 - max(30, 50) = 70
    assert float(sde_subsidy_per_unit(120.0, 30.0, 50.0)) == 70.0
    # correction above the base amount: 120 - 130 < 0 -> 0
    assert float(sde_subsidy_per_unit(120.0, 130.0, 50.0)) == 0.0


def test_subsidy_per_unit_broadcasts_over_scenarios() -> None:
    base = np.array([[120.0, 90.0]])  # (1, plant)
    correction = np.array([[60.0], [100.0]])  # (scenario, 1)
    # [[120-60, 90-60], [120-100, max(90-100, 0)]] = [[60, 30], [20, 0]]
    np.testing.assert_array_equal(sde_subsidy_per_unit(base, correction, 40.0), [[60, 30], [20, 0]])


@pytest.mark.parametrize(
    ("base", "correction", "floor"),
    [(40.0, 10.0, 50.0), (120.0, 10.0, -1.0), (np.nan, 10.0, 5.0), (120.0, np.nan, 5.0)],
)
def test_subsidy_per_unit_rejects_invalid_input(
    base: float, correction: float, floor: float
) -> None:
    with pytest.raises(ValueError):
        sde_subsidy_per_unit(base, correction, floor)


@FAST
@given(
    base=st.floats(0.0, 500.0),
    correction=st.floats(-100.0, 800.0),
    floor_share=st.floats(0.0, 1.0),
)
def test_subsidy_per_unit_bounded_and_non_increasing(
    base: float, correction: float, floor_share: float
) -> None:
    floor = base * floor_share
    value = float(sde_subsidy_per_unit(base, correction, floor))
    assert 0.0 <= value <= base - floor
    assert float(sde_subsidy_per_unit(base, correction + 10.0, floor)) <= value


def test_sde_payment_hand_computed() -> None:
    # 50 EUR/t * min(1.2e6, 1.0e6) t = 5.0e7
    assert float(sde_payment(50.0, 1.2e6, 1.0e6)) == 5.0e7
    # no cap: 50 * [0.5e6, 2e6] = [2.5e7, 1e8]
    np.testing.assert_array_equal(sde_payment(50.0, [0.5e6, 2.0e6]), [2.5e7, 1.0e8])
    with pytest.raises(ValueError):
        sde_payment(-1.0, 1.0)


def test_allocate_round_hand_computed() -> None:
    # 300 > ceiling 250 is ineligible; rank 60 (3e8), 120 (5e8): 3e8 <= 7e8, 8e8 > 7e8 -> stop
    np.testing.assert_array_equal(
        allocate_round([120.0, 60.0, 300.0], [5e8, 3e8, 1e8], 7e8, max_per_t=250.0),
        [False, True, False],
    )
    # budget 8e8: 3e8 + 5e8 = 8e8 fits exactly
    np.testing.assert_array_equal(
        allocate_round([120.0, 60.0, 300.0], [5e8, 3e8, 1e8], 8e8, max_per_t=250.0),
        [True, True, False],
    )
    # no ceiling: 3e8 + 5e8 + 1e8 = 9e8 <= 9e8
    np.testing.assert_array_equal(
        allocate_round([120.0, 60.0, 300.0], [5e8, 3e8, 1e8], 9e8), [True, True, True]
    )


def test_allocate_round_stops_at_first_misfit() -> None:
    # ranked 60, 100, 120: 5 fits 10; 5 + 9 = 14 > 10 closes the round; the 1 behind it is
    # rejected although 5 + 1 = 6 would fit
    np.testing.assert_array_equal(
        allocate_round([60.0, 100.0, 120.0], [5.0, 9.0, 1.0], 10.0), [True, False, False]
    )


def test_allocate_round_per_scenario_budget_and_ceiling() -> None:
    intensity = np.array([[50.0, 150.0, 250.0], [50.0, 150.0, 250.0]])
    requested = np.array([1.0, 1.0, 1.0])
    # scenario 0: ceiling 200, budget 5 -> 50, 150 ; scenario 1: ceiling 300, budget 1 -> 50
    awarded = allocate_round(intensity, requested, [5.0, 1.0], max_per_t=[200.0, 300.0])
    np.testing.assert_array_equal(awarded, [[True, True, False], [True, False, False]])


def test_allocate_round_rejects_nan() -> None:
    with pytest.raises(ValueError):
        allocate_round([1.0, np.nan], [1.0, 1.0], 5.0)
    with pytest.raises(ValueError):
        allocate_round([1.0, 2.0], [1.0, 1.0], 5.0, max_per_t=np.nan)


@st.composite
def rounds(draw: st.DrawFn) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    n_scen = draw(st.integers(1, 3))
    n_app = draw(st.integers(1, 10))
    intensity = draw(
        hnp.arrays(np.float64, (n_scen, n_app), elements=st.integers(0, 8).map(lambda k: 50.0 * k))
    )
    requested = draw(hnp.arrays(np.float64, (n_scen, n_app), elements=st.floats(0.0, 1e9)))
    budget = draw(hnp.arrays(np.float64, (n_scen,), elements=st.floats(0.0, 4e9)))
    ceiling = draw(hnp.arrays(np.float64, (n_scen,), elements=st.floats(0.0, 500.0)))
    return intensity, requested, budget, ceiling


@FAST
@given(r=rounds())
def test_allocate_round_properties(
    r: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray],
) -> None:
    intensity, requested, budget, ceiling = r
    awarded = allocate_round(intensity, requested, budget, max_per_t=ceiling)
    for row in range(intensity.shape[0]):
        won = np.flatnonzero(awarded[row])
        # within budget, within the ceiling
        assert requested[row, won].sum() <= budget[row] * (1 + 1e-12)
        assert np.all(intensity[row, won] <= ceiling[row])
        # strict rank order: every awarded application ranks (intensity, index) ahead of every
        # rejected eligible one, and the best-ranked rejected one did not fit
        eligible = intensity[row] <= ceiling[row]
        lost = np.flatnonzero(eligible & ~awarded[row])
        keys_won = [(intensity[row, i], i) for i in won]
        keys_lost = [(intensity[row, i], i) for i in lost]
        if keys_won and keys_lost:
            assert max(keys_won) < min(keys_lost)
        if keys_lost:
            first = min(keys_lost)[1]
            assert requested[row, won].sum() + requested[row, first] > budget[row]
