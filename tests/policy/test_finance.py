"""Tests for kruispunt.policy.finance."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kruispunt.policy.finance import cost_of_capital, trl_risk_premium

FAST = settings(max_examples=50, deadline=None)


def test_cost_of_capital_hand_computed() -> None:
    # 0.10 - 0.02 = 0.08
    assert float(cost_of_capital(0.10, 0.02)) == pytest.approx(0.08)
    # max(0.10 - 0.05, 0.02) = 0.05 ; max(0.03 - 0.05, 0.02) = 0.02
    np.testing.assert_allclose(cost_of_capital([0.10, 0.03], 0.05, floor=0.02), [0.05, 0.02])
    # default floor 0: max(0.03 - 0.05, 0) = 0
    assert float(cost_of_capital(0.03, 0.05)) == 0.0


def test_cost_of_capital_rejects_invalid_input() -> None:
    with pytest.raises(ValueError):
        cost_of_capital(0.08, -0.01)
    with pytest.raises(ValueError):
        cost_of_capital(np.nan, 0.01)


def test_trl_risk_premium_hand_computed() -> None:
    # bands: TRL < 7 -> 0.06 ; 7 <= TRL < 9 -> 0.03 ; TRL 9 -> 0
    np.testing.assert_allclose(
        trl_risk_premium([1, 5, 7, 8, 9], [7, 9], [0.06, 0.03, 0.0]), [0.06, 0.06, 0.03, 0.03, 0.0]
    )
    # one threshold: TRL < 8 -> 0.04, else 0.01
    np.testing.assert_allclose(trl_risk_premium([7.0, 8.0], [8.0], [0.04, 0.01]), [0.04, 0.01])


def test_trl_risk_premium_per_scenario_premiums() -> None:
    trl = np.array([6, 9])  # (plant,)
    premiums = np.array([[0.06, 0.0], [0.10, 0.02]])  # (scenario, 2 bands), threshold TRL 8
    # s0: [0.06, 0.0] ; s1: [0.10, 0.02]
    np.testing.assert_allclose(
        trl_risk_premium(trl[np.newaxis, :], [8], premiums[:, np.newaxis, :]),
        [[0.06, 0.0], [0.10, 0.02]],
    )


@pytest.mark.parametrize(
    ("trl", "thresholds", "premiums"),
    [
        (0, [7], [0.05, 0.0]),
        (10, [7], [0.05, 0.0]),
        (np.nan, [7], [0.05, 0.0]),
        (5, [7], [0.05]),
        (5, [8, 7], [0.05, 0.02, 0.0]),
        (5, [7], [np.nan, 0.0]),
    ],
)
def test_trl_risk_premium_rejects_invalid_input(
    trl: float, thresholds: list[float], premiums: list[float]
) -> None:
    with pytest.raises(ValueError):
        trl_risk_premium(trl, thresholds, premiums)


@FAST
@given(
    thresholds=st.lists(st.integers(2, 9), min_size=0, max_size=4).map(sorted),
    data=st.data(),
)
def test_trl_risk_premium_non_increasing_when_premiums_are(
    thresholds: list[int], data: st.DataObject
) -> None:
    premiums = sorted(
        data.draw(
            st.lists(
                st.floats(0.0, 0.2), min_size=len(thresholds) + 1, max_size=len(thresholds) + 1
            )
        ),
        reverse=True,
    )
    levels = np.arange(1, 10)
    out = trl_risk_premium(levels, thresholds, premiums)
    assert np.all(np.diff(out) <= 0.0)
    assert out[0] == premiums[0] or (thresholds and thresholds[0] <= 1)
    assert out[-1] == premiums[sum(t <= 9 for t in thresholds)]
