"""Tests for kruispunt.policy.ikc."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from kruispunt.policy.ikc import indirect_cost_compensation

FAST = settings(max_examples=60, deadline=None)


def test_ikc_hand_computed() -> None:
    # 0.75 * 0.45 t/MWh * 80 EUR/t * 1e5 MWh = 2.7e6 ; second plant not eligible -> 0
    out = indirect_cost_compensation([1e5, 1e5], 80.0, 0.45, 0.75, [True, False])
    np.testing.assert_allclose(out, [2.7e6, 0.0])
    # 0.75 * 0.45 * 73.37 * 4e5 = 9.904 95e6
    assert float(indirect_cost_compensation(4e5, 73.37, 0.45, 0.75, True)) == pytest.approx(
        9.90495e6
    )


def test_ikc_pro_rata_cut_per_scenario() -> None:
    mwh = np.array([1e5, 5e4])  # claims 2.7e6 and 1.35e6, total 4.05e6
    # scenario 0: budget 2.025e6 -> every claim halved: [1.35e6, 6.75e5]
    # scenario 1: budget 5e6 >= 4.05e6 -> paid in full
    out = indirect_cost_compensation(mwh, 80.0, 0.45, 0.75, True, budget_eur=[2.025e6, 5e6])
    np.testing.assert_allclose(out, [[1.35e6, 6.75e5], [2.7e6, 1.35e6]])


def test_ikc_zero_budget_and_zero_claims() -> None:
    out = indirect_cost_compensation([1e5, 1e5], 80.0, 0.45, 0.75, True, budget_eur=0.0)
    np.testing.assert_array_equal(out, [0.0, 0.0])
    # no claims: nothing to cut, no division by zero
    out = indirect_cost_compensation([0.0, 0.0], 80.0, 0.45, 0.75, True, budget_eur=0.0)
    np.testing.assert_array_equal(out, [0.0, 0.0])


@pytest.mark.parametrize(
    "kwargs",
    [
        {"electricity_mwh": -1.0},
        {"eua_price": np.nan},
        {"co2_factor_t_per_mwh": -0.1},
        {"aid_intensity": 1.2},
        {"budget_eur": -5.0},
    ],
)
def test_ikc_rejects_invalid_input(kwargs: dict[str, float]) -> None:
    args: dict[str, object] = {
        "electricity_mwh": [1e5],
        "eua_price": 80.0,
        "co2_factor_t_per_mwh": 0.45,
        "aid_intensity": 0.75,
        "eligible": True,
        "budget_eur": 1e9,
    }
    args.update(kwargs)
    with pytest.raises(ValueError):
        indirect_cost_compensation(**args)  # type: ignore[arg-type]


def test_ikc_budget_needs_installation_axis() -> None:
    with pytest.raises(ValueError, match="last axis"):
        indirect_cost_compensation(1e5, 80.0, 0.45, 0.75, True, budget_eur=1e6)


@FAST
@given(
    mwh=hnp.arrays(np.float64, (3, 5), elements=st.floats(0.0, 1e6)),
    eligible=hnp.arrays(np.bool_, (3, 5)),
    price=st.floats(0.0, 300.0),
    budget=hnp.arrays(np.float64, (3,), elements=st.floats(0.0, 1e9, allow_subnormal=False)),
)
def test_ikc_never_exceeds_budget_and_cuts_pro_rata(
    mwh: np.ndarray, eligible: np.ndarray, price: float, budget: np.ndarray
) -> None:
    uncapped = indirect_cost_compensation(mwh, price, 0.45, 0.75, eligible)
    paid = indirect_cost_compensation(mwh, price, 0.45, 0.75, eligible, budget_eur=budget)
    total = paid.sum(axis=-1)
    assert np.all(total <= budget * (1 + 1e-12))
    assert np.all(paid <= uncapped * (1 + 1e-12))
    assert np.all(paid[~eligible] == 0.0)
    for row in range(3):
        claims = uncapped[row].sum()
        if claims <= budget[row]:
            np.testing.assert_array_equal(paid[row], uncapped[row])
        else:
            # budget exhausted, every claim cut by the same share
            assert total[row] == pytest.approx(budget[row], rel=1e-9)
            np.testing.assert_allclose(paid[row], uncapped[row] / claims * budget[row], rtol=1e-9)
