"""Tests for kruispunt.policy.co2_levy."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kruispunt.policy.co2_levy import co2_heffing, dispensation_rights

FAST = settings(max_examples=50, deadline=None)


def test_co2_heffing_hand_computed() -> None:
    # (87.90 - 80.0) * (1.2e6 - 1.0e6) = 1.58e6
    assert float(co2_heffing(1.2e6, 1.0e6, 87.90, 80.0)) == pytest.approx(1.58e6)
    # (87.90 - 73.37) * (1.2e6 - 1.057e6) = 14.53 * 1.43e5 = 2.07779e6
    assert float(co2_heffing(1.2e6, 1.057e6, 87.90, 73.37)) == pytest.approx(2.07779e6)


def test_co2_heffing_zero_cases() -> None:
    # 2022: tariff 41.75 below the reference price 60.78 -> no levy despite excess emissions
    assert float(co2_heffing(1.2e6, 1.0e6, 41.75, 60.78)) == 0.0
    # emissions within dispensation rights -> no levy, no refund
    assert float(co2_heffing(0.9e6, 1.0e6, 87.90, 30.0)) == 0.0


def test_dispensation_rights_hand_computed() -> None:
    # 1.0e6 * 1.2 = 1.2e6 ; 2.5e6 * 1.057 = 2.6425e6
    np.testing.assert_allclose(dispensation_rights([1.0e6, 2.5e6], [1.2, 1.057]), [1.2e6, 2.6425e6])


def test_co2_heffing_with_rights_per_scenario() -> None:
    rights = dispensation_rights(1.0e6, np.array([[1.2], [1.0]]))  # (scenario, 1)
    # scenario 0: rights 1.2e6 >= 1.1e6 -> 0 ; scenario 1: (90 - 80) * (1.1e6 - 1.0e6) = 1e6
    out = co2_heffing(np.array([1.1e6]), rights, 90.0, 80.0)
    np.testing.assert_allclose(out, [[0.0], [1.0e6]])


@pytest.mark.parametrize(
    "args",
    [
        (-1.0, 0.0, 90.0, 80.0),
        (1.0, -1.0, 90.0, 80.0),
        (1.0, 0.0, -90.0, 80.0),
        (1.0, 0.0, 90.0, np.nan),
    ],
)
def test_co2_heffing_rejects_invalid_input(args: tuple[float, float, float, float]) -> None:
    with pytest.raises(ValueError):
        co2_heffing(*args)


def test_dispensation_rights_rejects_negative() -> None:
    with pytest.raises(ValueError):
        dispensation_rights(1.0e6, -0.1)


@FAST
@given(
    emissions=st.floats(0.0, 1e7),
    rights=st.floats(0.0, 1e7),
    tariff=st.floats(0.0, 300.0),
    price=st.floats(0.0, 300.0),
    step=st.floats(0.0, 100.0),
)
def test_co2_heffing_monotone(
    emissions: float, rights: float, tariff: float, price: float, step: float
) -> None:
    levy = float(co2_heffing(emissions, rights, tariff, price))
    assert levy >= 0.0
    assert float(co2_heffing(emissions, rights, tariff, price + step)) <= levy
    assert float(co2_heffing(emissions + step, rights, tariff, price)) >= levy
    assert float(co2_heffing(emissions, rights + step, tariff, price)) <= levy
