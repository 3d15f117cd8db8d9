"""Tests for kruispunt.policy.greenmarket."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kruispunt.policy.greenmarket import green_premium_revenue

FAST = settings(max_examples=50, deadline=None)


def test_green_premium_revenue_hand_computed() -> None:
    # 1.0e6 t * 0.25 * 200 EUR/t = 5.0e7
    assert float(green_premium_revenue(1.0e6, 200.0, 0.25)) == pytest.approx(5.0e7)
    # [2e6 * 0.1 * 150, 0 * 0.1 * 150] = [3e7, 0]
    np.testing.assert_allclose(green_premium_revenue([2.0e6, 0.0], 150.0, 0.1), [3.0e7, 0.0])


def test_green_premium_revenue_zero_unless_set() -> None:
    assert float(green_premium_revenue(1.0e6)) == 0.0
    assert float(green_premium_revenue(1.0e6, premium_per_unit=200.0)) == 0.0
    assert float(green_premium_revenue(1.0e6, mandate_share=0.5)) == 0.0


@pytest.mark.parametrize(
    ("production", "premium", "share"),
    [(-1.0, 100.0, 0.5), (1.0, -100.0, 0.5), (1.0, 100.0, 1.5), (1.0, 100.0, np.nan)],
)
def test_green_premium_revenue_rejects_invalid_input(
    production: float, premium: float, share: float
) -> None:
    with pytest.raises(ValueError):
        green_premium_revenue(production, premium, share)


@FAST
@given(
    production=st.floats(0.0, 1e7),
    premium=st.floats(0.0, 1000.0),
    share=st.floats(0.0, 1.0),
    factor=st.floats(0.0, 10.0),
)
def test_green_premium_revenue_linear_in_production(
    production: float, premium: float, share: float, factor: float
) -> None:
    base = float(green_premium_revenue(production, premium, share))
    assert 0.0 <= base <= production * premium * (1 + 1e-12)
    scaled = float(green_premium_revenue(production * factor, premium, share))
    assert scaled == pytest.approx(base * factor, rel=1e-9, abs=1e-6)
