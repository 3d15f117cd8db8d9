"""Tests for kruispunt.policy.energy_tax."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from kruispunt.policy.energy_tax import bracketed_tax

FAST = settings(max_examples=50, deadline=None)

# Gas 2025 schedule (policy_parameters.yaml, nl_energy_tax.gas_rates): m3 and EUR/m3
GAS_THRESHOLDS = [170e3, 1e6, 10e6]
GAS_RATES = [0.5782, 0.3157, 0.2035, 0.0539]


def reference_tax(consumption: float, thresholds: list[float], rates: list[float]) -> float:
    """Unit-by-bracket loop: the tax as the law describes it."""
    edges = [0.0, *thresholds, np.inf]
    return sum(
        rate * max(0.0, min(consumption, hi) - lo)
        for lo, hi, rate in zip(edges[:-1], edges[1:], rates, strict=True)
    )


def test_bracketed_tax_hand_computed_gas_2025() -> None:
    # 170e3 * 0.5782 + 830e3 * 0.3157 + 1e6 * 0.2035 = 98 294 + 262 031 + 203 500 = 563 825
    assert float(bracketed_tax(2e6, GAS_THRESHOLDS, GAS_RATES)) == pytest.approx(563_825.0)
    # 98 294 + 262 031 + 9e6 * 0.2035 + 10e6 * 0.0539 = 98 294 + 262 031 + 1 831 500 + 539 000
    assert float(bracketed_tax(20e6, GAS_THRESHOLDS, GAS_RATES)) == pytest.approx(2_730_825.0)


def test_bracketed_tax_edges() -> None:
    # zero consumption, exactly at the first threshold (170e3 * 0.5782 = 98 294)
    np.testing.assert_allclose(
        bracketed_tax([0.0, 170e3], GAS_THRESHOLDS, GAS_RATES), [0.0, 98_294.0]
    )
    # no thresholds: a flat rate, 1e6 * 0.1 = 1e5
    assert float(bracketed_tax(1e6, [], [0.1])) == pytest.approx(1e5)
    # equal thresholds make an empty bracket: 10 * 1 + 5 * 3 = 25 (rate 2 never applies)
    assert float(bracketed_tax(15.0, [10.0, 10.0], [1.0, 2.0, 3.0])) == pytest.approx(25.0)


def test_bracketed_tax_schedule_per_scenario() -> None:
    consumption = np.array([[50.0, 150.0], [50.0, 150.0]])  # (scenario, plant)
    thresholds = np.array([[[100.0]], [[100.0]]])  # (scenario, 1, k=1)
    rates = np.array([[[1.0, 0.5]], [[2.0, 0.0]]])  # (scenario, 1, k+1=2)
    # s0: [50 * 1, 100 * 1 + 50 * 0.5] = [50, 125] ; s1: [50 * 2, 100 * 2 + 0] = [100, 200]
    np.testing.assert_allclose(
        bracketed_tax(consumption, thresholds, rates), [[50.0, 125.0], [100.0, 200.0]]
    )


@pytest.mark.parametrize(
    ("consumption", "thresholds", "rates"),
    [
        (-1.0, [10.0], [1.0, 0.5]),
        (np.nan, [10.0], [1.0, 0.5]),
        (5.0, [10.0], [1.0]),
        (5.0, [10.0, 5.0], [1.0, 0.5, 0.2]),
        (5.0, [-10.0], [1.0, 0.5]),
        (5.0, [10.0], [1.0, -0.5]),
    ],
)
def test_bracketed_tax_rejects_invalid_input(
    consumption: float, thresholds: list[float], rates: list[float]
) -> None:
    with pytest.raises(ValueError):
        bracketed_tax(consumption, thresholds, rates)


@st.composite
def schedules(draw: st.DrawFn) -> tuple[list[float], list[float]]:
    k = draw(st.integers(0, 4))
    thresholds = sorted(draw(st.lists(st.floats(0.0, 1e7), min_size=k, max_size=k)))
    rates = draw(st.lists(st.floats(0.0, 1.0), min_size=k + 1, max_size=k + 1))
    return thresholds, rates


@FAST
@given(
    schedule=schedules(),
    consumption=hnp.arrays(np.float64, st.integers(1, 6), elements=st.floats(0.0, 2e7)),
)
def test_bracketed_tax_matches_reference_and_is_monotone(
    schedule: tuple[list[float], list[float]], consumption: np.ndarray
) -> None:
    thresholds, rates = schedule
    tax = bracketed_tax(consumption, thresholds, rates)
    expected = [reference_tax(c, thresholds, rates) for c in consumption]
    np.testing.assert_allclose(tax, expected, rtol=1e-9, atol=1e-6)
    # more consumption never costs less, and the tax lies between min and max rate
    more = bracketed_tax(consumption + 1e5, thresholds, rates)
    assert np.all(more >= tax - 1e-6)
    assert np.all(tax <= max(rates) * consumption * (1 + 1e-9) + 1e-6)
    assert np.all(tax >= min(rates) * consumption * (1 - 1e-9) - 1e-6)
