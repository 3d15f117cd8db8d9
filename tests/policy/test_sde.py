"""Tests for kruispunt.policy.sde."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from kruispunt.engine.context import BatchContext
from kruispunt.policy.sde import (
    Sde,
    allocate_domains,
    allocate_round,
    sde_base_amount,
    sde_base_price,
    sde_budget_claim,
    sde_correction,
    sde_intensity,
    sde_payment,
    sde_subsidy_per_unit,
)
from kruispunt.testing import toy_inputs

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


# --- W10 (law/worked_examples.md): SDE(+) payment and budget claim, adviser examples --------


def test_w10a_phase_bids_minus_the_provisional_correction() -> None:
    """W10(a), nationaalduurzaamheidsplan.nl (SDE+ 2017, PV >= 15 kWp, 400 kWp x 950 full-load
    hours = 380,000 kWh): phase-1 bid 0.090 - provisional correction 0.033 = 0.057 EUR/kWh x
    380,000 = 21,660 EUR/yr; phase-3 bid 0.125: 0.092 x 380,000 = 34,960 EUR/yr (the base
    price, not given, is below the correction)."""
    kwh = 380_000.0
    phase1 = sde_payment(sde_subsidy_per_unit(0.090, 0.033, 0.0), kwh)
    phase3 = sde_payment(sde_subsidy_per_unit(0.125, 0.033, 0.0), kwh)
    assert float(phase1) == pytest.approx(21_660.0)
    assert float(phase3) == pytest.approx(34_960.0)


def test_w10b_payment_and_budget_claim() -> None:
    """W10(b), beterduurzaam.nl: bid 0.11 EUR/kWh, base energy price 0.026, correction 2017
    0.038, 100,000 kWh: (0.11 - 0.038) x 100,000 = 7,200 EUR/yr; the maximum over 15 years,
    the budget claim, (0.11 - 0.026) x 100,000 x 15 = 126,000 EUR (RVO, "Berekening SDE++")."""
    paid = sde_payment(sde_subsidy_per_unit(0.11, 0.038, 0.026), 100_000.0)
    assert float(paid) == pytest.approx(7_200.0)
    assert float(sde_budget_claim(0.11, 0.026, 100_000.0, 15)) == pytest.approx(126_000.0)


def test_w10c_correction_below_the_base_price_counts_as_the_base_price() -> None:
    """W10(c): a correction amount of 0.020 below the base price 0.026 counts as 0.026:
    (0.11 - 0.026) x 100,000 = 8,400 EUR/yr, the cap of the yearly payment; 15 such years pay
    exactly the budget claim."""
    paid = sde_payment(sde_subsidy_per_unit(0.11, 0.020, 0.026), 100_000.0)
    assert float(paid) == pytest.approx(8_400.0)
    assert 15 * float(paid) == pytest.approx(float(sde_budget_claim(0.11, 0.026, 1e5, 15)))


def test_base_price_is_two_thirds_of_the_long_term_price() -> None:
    """ECN (SDE+ basisprijzen): the base price is the correction computed with 2/3 of the
    long-term expectation. Long-term correction 90 EUR/t -> 60 EUR/t; negative -> 0."""
    assert float(sde_base_price(90.0, 2.0 / 3.0)) == pytest.approx(60.0)
    assert float(sde_base_price(-5.0, 2.0 / 3.0)) == 0.0


def test_correction_of_ccs_and_of_heat() -> None:
    """CCS: the EUA on the CO2 avoided (minister, 8 Feb 2021: "Bij CCS is dit laatste de
    ETS-prijs voor CO2"): 80 x 0.9 = 72 EUR/t. An e-boiler displacing a gas boiler (1.11 GJ gas
    and 0.0622 tCO2 per GJ of heat): 80 x 0.0622 + 1.11 x 10 = 16.076 EUR/GJ."""
    assert float(sde_correction(80.0, 0.9)) == pytest.approx(72.0)
    assert float(sde_correction(80.0, 0.0622, [1.11], [10.0])) == pytest.approx(16.076)
    # per scenario (S, 1) prices against plants (P,): carriers on the last axis
    out = sde_correction(np.array([[80.0], [100.0]]), [1.0, 0.5], [[10.0], [0.0]], [[[5.0]]])
    np.testing.assert_allclose(out, [[130.0, 40.0], [150.0, 50.0]])


def test_base_amount_intensity_and_expected_subsidy_cover_the_top() -> None:
    """The model's application: base = top + expected correction (24.73 + 250 = 274.73, the
    toy e-boiler's cost price); with the correction as expected the subsidy is the top; the
    intensity is (base - long-term price) / avoided = 24.73 EUR/t."""
    base = sde_base_amount(24.73, 250.0, 166.67)
    assert float(base) == pytest.approx(274.73)
    assert float(sde_subsidy_per_unit(base, 250.0, 166.67)) == pytest.approx(24.73)
    assert float(sde_intensity(base, 250.0, 1.0)) == pytest.approx(24.73)
    # never below the base price
    assert float(sde_base_amount(0.0, 50.0, 60.0)) == 60.0


def test_allocate_domains_hand_computed() -> None:
    """Hekjes (Rijksoverheid 2024: a minimum reserved per domain; 2023: 400 EUR/t within,
    300 outside). See the doctest of allocate_domains for the first two cases. Budget 20, the
    domain reserves 9: it takes 200 (6) and 350 (3); 11 left fund 100 (5) and 250 (2)."""
    args = ([350.0, 100.0, 200.0, 250.0], [3.0, 5.0, 6.0, 2.0])
    dom = [0, -1, 0, -1]
    np.testing.assert_array_equal(
        allocate_domains(*args, 10.0, dom, [4.0], 400.0, 300.0), [False, True, False, False]
    )
    np.testing.assert_array_equal(
        allocate_domains(*args, 20.0, dom, [9.0], 400.0, 300.0), [True, True, True, True]
    )
    # without a reserved budget the 350 is above the general ceiling: never awarded
    np.testing.assert_array_equal(
        allocate_domains(*args, 100.0, dom, [0.0], 400.0, 300.0), [False, True, True, True]
    )


@st.composite
def domain_rounds(draw: st.DrawFn) -> tuple[np.ndarray, ...]:
    n_scen, n_app = draw(st.integers(1, 3)), draw(st.integers(1, 10))
    shape = (n_scen, n_app)
    score = draw(hnp.arrays(np.float64, shape, elements=st.integers(0, 9).map(lambda k: 50.0 * k)))
    claim = draw(hnp.arrays(np.float64, shape, elements=st.floats(0.0, 1e9)))
    budget = draw(hnp.arrays(np.float64, (n_scen,), elements=st.floats(0.0, 4e9)))
    domain = draw(hnp.arrays(np.int64, shape, elements=st.integers(-1, 2)))
    reserved = draw(hnp.arrays(np.float64, (n_scen, 3), elements=st.floats(0.0, 2e9)))
    return score, claim, budget, domain, reserved


@FAST
@given(r=domain_rounds())
def test_allocate_domains_never_exceeds_the_budget_or_a_ceiling(r: tuple[np.ndarray, ...]) -> None:
    score, claim, budget, domain, reserved = r
    won = allocate_domains(score, claim, budget, domain, reserved, 400.0, 300.0)
    assert ((claim * won).sum(axis=1) <= budget * (1 + 1e-12) + 1e-6).all()
    assert (score[won] <= 400.0).all()
    # above the general ceiling only a domain's application can win
    assert (domain[won & (score > 300.0)] >= 0).all()


def test_a_running_contract_is_valued_on_the_plant_s_production_up_to_its_volume() -> None:
    """The value a plant keeps by staying on its SDE++ route is the year's payment on what
    it makes, up to the contracted volume. Toy contract on 'elec' (myopic, 2025-2040): base
    amount 150 EUR/t, base price 0, correction 10 GJ of gas displaced x 10 EUR/GJ = 100
    EUR/t (EUA 0), so 50 EUR/t, on at most 100 t/yr. Making 60 t/yr: 50 x 60 = 3,000
    EUR/yr (not 5,000, the full volume); making 120 t/yr: 50 x 100 = 5,000."""
    sde = Sde(BatchContext(toy_inputs(sde_budget=1.0e9, sde_max=1000.0), (Sde,)))
    sde.route[0, 0], sde.start[0, 0], sde.end[0, 0] = 1, 2025, 2040  # on 'elec'
    sde.base[0, 0], sde.floor[0, 0], sde.volume[0, 0] = 150.0, 0.0, 100.0

    def value(production: float) -> float:
        got = sde.contract_value(0, np.array([[1]]), np.array([[production]]))
        assert got is not None
        return float(np.asarray(got)[0, 0])

    assert value(60.0) == pytest.approx(3_000.0, rel=1e-12)
    assert value(120.0) == pytest.approx(5_000.0, rel=1e-12)
