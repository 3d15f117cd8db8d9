"""Tests for kruispunt.policy.cbam."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kruispunt.policy.cbam import cbam_charge

FAST = settings(max_examples=50, deadline=None)


def test_cbam_charge_hand_computed() -> None:
    # 2026: 2.0 t * 80 EUR/t * (1 - 0.975) = 4.0 EUR
    assert float(cbam_charge(2.0, 80.0, 0.975)) == pytest.approx(4.0)
    # 2034: 1.9 t * 73.37 * (1 - 0) = 139.403
    assert float(cbam_charge(1.9, 73.37, 0.0)) == pytest.approx(139.403)


def test_cbam_charge_deducts_carbon_price_paid_abroad() -> None:
    # 2 * max(80 * 1 - 30, 0) = 100 ; 2 * max(80 - 100, 0) = 0 (never negative)
    out = cbam_charge(2.0, 80.0, 0.0, carbon_price_paid_eur_per_t=[30.0, 100.0])
    np.testing.assert_allclose(out, [100.0, 0.0])


def test_cbam_charge_factor_path_broadcasts() -> None:
    factor = np.array([[0.975], [0.515], [0.0]])  # (year, 1)
    embedded = np.array([1.0, 2.0])  # (product,)
    # 80 * (1 - f) * embedded = [[2, 4], [38.8, 77.6], [80, 160]]
    np.testing.assert_allclose(
        cbam_charge(embedded, 80.0, factor), [[2.0, 4.0], [38.8, 77.6], [80.0, 160.0]]
    )


@pytest.mark.parametrize(
    ("embedded", "price", "factor", "paid"),
    [(-1.0, 80.0, 0.5, 0.0), (1.0, -80.0, 0.5, 0.0), (1.0, 80.0, 1.5, 0.0), (1.0, 80.0, 0.5, -1.0)],
)
def test_cbam_charge_rejects_invalid_input(
    embedded: float, price: float, factor: float, paid: float
) -> None:
    with pytest.raises(ValueError):
        cbam_charge(embedded, price, factor, carbon_price_paid_eur_per_t=paid)


@FAST
@given(
    embedded=st.floats(0.0, 10.0),
    price=st.floats(0.0, 500.0),
    factor=st.floats(0.0, 1.0),
    lower=st.floats(0.0, 1.0),
)
def test_cbam_charge_bounded_and_falls_with_factor(
    embedded: float, price: float, factor: float, lower: float
) -> None:
    charge = float(cbam_charge(embedded, price, factor))
    assert 0.0 <= charge <= embedded * price * (1 + 1e-12)
    smaller_factor = factor * lower
    assert float(cbam_charge(embedded, price, smaller_factor)) >= charge * (1 - 1e-12)
