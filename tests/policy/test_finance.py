"""Tests for kruispunt.policy.finance."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import settings

from kruispunt.policy.finance import cost_of_capital

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
