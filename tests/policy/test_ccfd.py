"""Tests for kruispunt.policy.ccfd."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kruispunt.policy.ccfd import ccfd_payment

FAST = settings(max_examples=50, deadline=None)


def test_ccfd_payment_hand_computed() -> None:
    # (150 - 80) * 1e5 = 7e6
    assert float(ccfd_payment(150.0, 80.0, 1.0e5)) == pytest.approx(7.0e6)
    # (120 - 73.37) * 2.5e5 = 46.63 * 2.5e5 = 1.16575e7
    assert float(ccfd_payment(120.0, 73.37, 2.5e5)) == pytest.approx(1.16575e7)


def test_ccfd_payment_one_and_two_sided() -> None:
    # EUA above strike: one-sided 0 ; two-sided (150 - 200) * 1e5 = -5e6 paid back
    assert float(ccfd_payment(150.0, 200.0, 1.0e5)) == 0.0
    assert float(ccfd_payment(150.0, 200.0, 1.0e5, two_sided=True)) == pytest.approx(-5.0e6)
    # per scenario EUA path (scenario, 1) against plants (plant,)
    out = ccfd_payment([100.0, 150.0], np.array([[80.0], [120.0]]), 1.0, two_sided=True)
    np.testing.assert_allclose(out, [[20.0, 70.0], [-20.0, 30.0]])


def test_ccfd_payment_rejects_invalid_input() -> None:
    for bad in [(-1.0, 80.0, 1.0), (150.0, -1.0, 1.0), (150.0, 80.0, -1.0), (np.nan, 80.0, 1.0)]:
        with pytest.raises(ValueError):
            ccfd_payment(*bad)


@FAST
@given(strike=st.floats(0.0, 500.0), price=st.floats(0.0, 500.0), abated=st.floats(0.0, 1e7))
def test_ccfd_payment_properties(strike: float, price: float, abated: float) -> None:
    one = float(ccfd_payment(strike, price, abated))
    two = float(ccfd_payment(strike, price, abated, two_sided=True))
    assert one >= 0.0
    assert one >= two
    assert one == pytest.approx(max(two, 0.0))
    assert two == pytest.approx((strike - price) * abated)
