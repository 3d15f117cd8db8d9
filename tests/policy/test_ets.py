"""Tests for kruispunt.policy.ets."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kruispunt.policy.ets import ets_cost, free_allocation

FAST = settings(max_examples=50, deadline=None)


def test_free_allocation_hand_computed() -> None:
    # CBAM good in 2026: 1.0e6 * 0.9 * 0.975 = 877 500
    assert float(free_allocation(1.0e6, 0.9, 0.975, True)) == pytest.approx(877_500.0)
    # not a CBAM good, default factor 1: 1.0e6 * 0.9 * 1 = 900 000
    assert float(free_allocation(1.0e6, 0.9, 0.975, False)) == pytest.approx(900_000.0)


def test_free_allocation_picks_factor_per_plant() -> None:
    # [CBAM: 1e6 * 1 * 0.5, non-CBAM without leakage status: 2e6 * 1 * 0.3] = [5e5, 6e5]
    out = free_allocation([1.0e6, 2.0e6], 1.0, 0.5, [True, False], non_cl_factor=0.3)
    np.testing.assert_allclose(out, [5.0e5, 6.0e5])
    # CBAM factor per scenario (scenario, 1) against plants (plant,)
    out = free_allocation([1.0e6, 2.0e6], 1.0, [[1.0], [0.0]], [True, False])
    np.testing.assert_allclose(out, [[1.0e6, 2.0e6], [0.0, 2.0e6]])


@pytest.mark.parametrize(
    "kwargs",
    [
        {"benchmark_allocation_t": -1.0},
        {"activity_ratio": -0.1},
        {"cbam_factor": 1.1},
        {"cbam_factor": np.nan},
        {"non_cl_factor": -0.2},
    ],
)
def test_free_allocation_rejects_invalid_input(kwargs: dict[str, float]) -> None:
    args: dict[str, object] = {
        "benchmark_allocation_t": 1.0e6,
        "activity_ratio": 1.0,
        "cbam_factor": 0.5,
        "is_cbam_good": True,
        "non_cl_factor": 1.0,
    }
    args.update(kwargs)
    with pytest.raises(ValueError):
        free_allocation(**args)  # type: ignore[arg-type]


def test_ets_cost_hand_computed() -> None:
    # (1.2e6 - 1.0e6) * 80 = 1.6e7
    assert float(ets_cost(1.2e6, 1.0e6, 80.0)) == pytest.approx(1.6e7)
    # (5.9e6 - 4.0e6) * 73.37 = 1.39403e8
    assert float(ets_cost(5.9e6, 4.0e6, 73.37)) == pytest.approx(1.39403e8)


def test_ets_cost_surplus_revenue_only_when_sold() -> None:
    # surplus of 2e5: (1.0e6 - 1.2e6) * 80 = -1.6e7 when sold, 0 when not
    assert float(ets_cost(1.0e6, 1.2e6, 80.0)) == pytest.approx(-1.6e7)
    assert float(ets_cost(1.0e6, 1.2e6, 80.0, sell_surplus=False)) == 0.0
    # a shortfall is unaffected by the flag
    assert float(ets_cost(1.2e6, 1.0e6, 80.0, sell_surplus=False)) == pytest.approx(1.6e7)


def test_ets_cost_zero_and_invalid() -> None:
    assert float(ets_cost(0.0, 0.0, 80.0)) == 0.0
    assert float(ets_cost(1.0e6, 0.0, 0.0)) == 0.0
    for bad in [(-1.0, 0.0, 80.0), (1.0, -1.0, 80.0), (1.0, 0.0, -80.0), (np.nan, 0.0, 80.0)]:
        with pytest.raises(ValueError):
            ets_cost(*bad)


@FAST
@given(
    emissions=st.floats(0.0, 1e7),
    allocation_share=st.floats(0.0, 1.0, exclude_max=True),
    price=st.floats(0.0, 500.0),
    step=st.floats(0.0, 200.0),
    sell=st.booleans(),
)
def test_ets_cost_monotone_in_price_when_short(
    emissions: float, allocation_share: float, price: float, step: float, sell: bool
) -> None:
    allocation = emissions * allocation_share  # free allocation < emissions (or both zero)
    low = float(ets_cost(emissions, allocation, price, sell_surplus=sell))
    high = float(ets_cost(emissions, allocation, price + step, sell_surplus=sell))
    assert high >= low >= 0.0


@FAST
@given(
    emissions=st.floats(0.0, 1e7),
    allocation=st.floats(0.0, 1e7),
    price=st.floats(0.0, 500.0),
)
def test_ets_cost_flag_only_changes_surplus(
    emissions: float, allocation: float, price: float
) -> None:
    sold = float(ets_cost(emissions, allocation, price))
    kept = float(ets_cost(emissions, allocation, price, sell_surplus=False))
    assert kept >= 0.0
    assert kept == pytest.approx(max(sold, 0.0))


@FAST
@given(
    benchmark=st.floats(0.0, 1e7),
    ratio=st.floats(0.0, 2.0),
    cbam=st.floats(0.0, 1.0),
    non_cl=st.floats(0.0, 1.0),
    is_cbam=st.booleans(),
)
def test_free_allocation_bounded_by_unreduced_allocation(
    benchmark: float, ratio: float, cbam: float, non_cl: float, is_cbam: bool
) -> None:
    out = float(free_allocation(benchmark, ratio, cbam, is_cbam, non_cl_factor=non_cl))
    assert 0.0 <= out <= benchmark * ratio * (1 + 1e-12)
    assert out == pytest.approx(benchmark * ratio * (cbam if is_cbam else non_cl))
