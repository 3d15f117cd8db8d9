"""Tests for kruispunt.policy.ikc."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from tests.policy.conftest import one_plant_unit_cost, one_plant_year

from kruispunt.engine.context import BatchContext
from kruispunt.engine.simulate import simulate
from kruispunt.policy.ikc import (
    IndirectCostCompensation,
    eligible_electricity,
    expected_paid_share,
    indirect_cost_compensation,
    previous_year_price,
)
from kruispunt.testing import TOY_YEARS, toy_inputs

FAST = settings(max_examples=60, deadline=None)
Y = len(TOY_YEARS)


def test_ikc_w7a_fallback_hand_computed() -> None:
    """W7(a), /work/research/law/worked_examples.md: the fall-back of the guidelines
    (2020/C 317/04, Annex II: B = Ai x C x P x EF x BEC, EF = 0.8; structure as VLAIO prints
    it) with the Dutch C = 0.45 tCO2/MWh (Stcrt 2022, 23127, art. 4.4.1). Ai 0.75, P 80 EUR/t,
    BEC 100,000 MWh: 0.75 x 0.45 x 80 x 0.8 x 100,000 = 2,160,000 EUR; from 2026 at Ai 0.80
    (C/2026/196): 2,304,000 EUR."""
    mwh = eligible_electricity(100_000.0, 0.8)
    assert float(mwh) == pytest.approx(80_000.0)
    assert float(indirect_cost_compensation(mwh, 80.0, 0.45, 0.75, True)) == pytest.approx(
        2_160_000.0
    )
    assert float(indirect_cost_compensation(mwh, 80.0, 0.45, 0.80, True)) == pytest.approx(
        2_304_000.0
    )


def test_ikc_w7b_benchmark_ignores_actual_use() -> None:
    """W7(b), /work/research/law/worked_examples.md: with a product benchmark (2020/C 317/04,
    Annex II: B = Ai x C x P x E x BO), E x BO = 0.5 MWh/t x 100,000 t = 50,000 MWh, so
    0.75 x 0.45 x 80 x 50,000 = 1,350,000 EUR, whatever the plant's own consumption."""
    for consumption in (10_000.0, 100_000.0, 400_000.0):
        mwh = eligible_electricity(consumption, 0.8, 0.5, 100_000.0)
        assert float(mwh) == pytest.approx(50_000.0)
        claim = indirect_cost_compensation(mwh, 80.0, 0.45, 0.75, True)
        assert float(claim) == pytest.approx(1_350_000.0)


def test_ikc_w7c_budget_cut_by_one_percentage() -> None:
    """W7(c), /work/research/law/worked_examples.md: claims above the budget are cut 'met
    een gelijk percentage' (RVO). Claims 2.16e6 and 1.35e6 (W7 a, b) = 3.51e6 against a
    budget of 2.34e6: each x 2/3 = 1.44e6 and 0.9e6."""
    paid = indirect_cost_compensation(
        [80_000.0, 50_000.0], 80.0, 0.45, 0.75, True, budget_eur=2.34e6
    )
    np.testing.assert_allclose(paid, [1.44e6, 0.9e6])
    assert float(expected_paid_share(3.51e6, 2.34e6)) == pytest.approx(2 / 3)


def test_eligible_electricity_mixes_forms_and_rejects_bad_input() -> None:
    # plant 0 by benchmark (0.2 MWh/t x 1e4 t), plant 1 by fall-back (0.8 x 5e3 MWh)
    out = eligible_electricity([1e6, 5e3], 0.8, [0.2, np.nan], [1e4, np.nan])
    np.testing.assert_allclose(out, [2e3, 4e3])
    with pytest.raises(ValueError):
        eligible_electricity(-1.0)
    with pytest.raises(ValueError):
        eligible_electricity(1.0, 1.5)
    with pytest.raises(ValueError, match="baseline_output"):
        eligible_electricity(1.0, 0.8, 0.5, np.nan)


def test_previous_year_price() -> None:
    """The aid of year t uses the forward EUA price for year t of the year before (2020/C
    317/04, Annex II, P(t-1)); the first model year has no earlier year in the path."""
    np.testing.assert_array_equal(
        previous_year_price([[70.0, 80.0, 90.0], [1.0, 2.0, 3.0]]),
        [[70.0, 70.0, 80.0], [1.0, 1.0, 2.0]],
    )


def _ikc_toy(elec_price: float, **params: np.ndarray) -> np.ndarray:
    """Subsidies of a toy plant (1e6 t/yr) eligible for IKC on a baseline of 1e5 MWh, EUA
    80 EUR/t, no budget cap; returns (subsidies, route) per year."""
    given = {
        "aid_intensity": np.full((1, Y), 0.75),
        "co2_factor": np.full((1, Y), 0.45),
        "eligible": np.ones((1, 1)),
        "baseline_mwh": np.full((1, 1), 1e5),
        **params,
    }
    inp = toy_inputs(eua=80.0, gas_price=10.0, elec_price=elec_price, instruments={"ikc": given})
    ds = simulate(inp).dataset
    return np.stack([ds["subsidies"].values[0, 0], ds["route_index"].values[0, 0].astype(float)])


def test_ikc_claim_rests_on_the_baseline_not_on_the_route() -> None:
    """The aid is Ai x C x P(t-1) x the baseline eligible electricity (2020/C 317/04, Annex
    II): 0.75 x 0.45 x 80 x 1e5 = 2.7e6 EUR/yr whether the plant stays on gas or
    electrifies (which uses 3 MWh/t x 1e6 t = 3e6 MWh): electrifying does not raise it."""
    stays = _ikc_toy(elec_price=1000.0)
    switches = _ikc_toy(elec_price=0.1)
    assert (stays[1] == 0).all() and (switches[1][1:] == 1).all()
    np.testing.assert_allclose(stays[0], 2.7e6)
    np.testing.assert_allclose(switches[0], 2.7e6)


def test_ikc_not_paid_to_a_closed_plant_and_cut_to_the_budget() -> None:
    """No production, no aid (the plant closes when its revenue is below every option's
    cost); a budget of 1.35e6 halves the 2.7e6 claim (RVO: one equal percentage)."""
    cut = _ikc_toy(elec_price=1000.0, budget=np.full((1, Y), 1.35e6))
    np.testing.assert_allclose(cut[0], 1.35e6)
    inp = toy_inputs(
        eua=80.0,
        product_price=0.0,
        instruments={
            "ikc": {
                "aid_intensity": np.full((1, Y), 0.75),
                "co2_factor": np.full((1, Y), 0.45),
                "eligible": np.ones((1, 1)),
                "baseline_mwh": np.full((1, 1), 1e5),
            }
        },
    )
    ds = simulate(inp).dataset
    assert ds["production"].values[0, 0, -1] == 0.0
    assert ds["subsidies"].values[0, 0, -1] == 0.0


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


def test_ikc_pays_at_the_previous_years_eua() -> None:
    """The booking uses P(t-1) (2020/C 317/04, Annex II), the first year its own price: EUA
    70, 80 then 90 EUR/t gives 0.75 x 0.45 x 1e5 MWh x 70, 70, 80, 90, ... EUR."""
    given = {
        "aid_intensity": np.full((1, Y), 0.75),
        "co2_factor": np.full((1, Y), 0.45),
        "eligible": np.ones((1, 1)),
        "baseline_mwh": np.full((1, 1), 1e5),
    }
    eua = {2025: 70.0, 2026: 80.0, 2027: 90.0, 2050: 90.0}
    inp = toy_inputs(eua=eua, elec_price=1000.0, instruments={"ikc": given})
    paid = simulate(inp).dataset["subsidies"].values[0, 0]
    per_eur = 0.75 * 0.45 * 1e5
    np.testing.assert_allclose(paid[:4], [per_eur * p for p in (70.0, 70.0, 80.0, 90.0)])


def test_ikc_pays_on_output_up_to_the_baseline() -> None:
    """Aid is in proportion to output up to the baseline: at 1.2x base-year production a
    plant is paid on its baseline, 0.75 x 0.45 x 80 x 1e5 MWh = 2.7 MEUR (not 3.24); at half
    its production, half of that."""
    given = {
        "aid_intensity": np.full((1, Y), 0.75),
        "co2_factor": np.full((1, Y), 0.45),
        "eligible": np.ones((1, 1)),
        "baseline_mwh": np.full((1, 1), 1e5),
    }
    inp = toy_inputs(eua=80.0, instruments={"ikc": given})
    ikc = IndirectCostCompensation(BatchContext(inp, (IndirectCostCompensation,)))

    def paid(production: float) -> float:
        # emitting as much as it makes: IKC reads only the output
        record = one_plant_year(1, 0, production, production)
        return float(ikc.account(record).plant["subsidies"][0, 0])

    assert inp.plants.base_production[0] == 1.0e6
    assert paid(1.2e6) == pytest.approx(2.7e6)
    assert paid(0.5e6) == pytest.approx(1.35e6)


def test_no_claims_and_no_budget_expect_nothing() -> None:
    """'0 without a budget' holds also when nothing is claimed: claims 0 and budget 0 give
    a share of 0 (claims 0 with a budget of 1e8 give 1)."""
    np.testing.assert_array_equal(expected_paid_share([0.0, 0.0], [0.0, 1e8]), [0.0, 1.0])


def _new_sector_ikc(budget: float, **flags: list[float]) -> IndirectCostCompensation:
    """IKC on toy plants (1e6 t/yr each, baseline 1e5 MWh = 0.1 MWh/t), EUA 80, C 0.45
    t/MWh, aid 0.75 for the 2021 list and 0.80 for sectors added in 2026, ``flags`` each
    plant's eligibility (``eligible``, ``eligible_new``), a yearly ``budget``."""
    n = len(next(iter(flags.values())))
    given = {
        "aid_intensity": np.full((1, Y), 0.75),
        "aid_intensity_new": np.full((1, Y), 0.80),
        "co2_factor": np.full((1, Y), 0.45),
        "budget": np.full((1, Y), budget),
        "baseline_mwh": np.full((1, n), 1e5),
        **{k: np.array([v]) for k, v in flags.items()},
    }
    inp = toy_inputs(n_plants=n, eua=80.0, instruments={"ikc": given})
    return IndirectCostCompensation(BatchContext(inp, (IndirectCostCompensation,)))


def test_a_sector_added_in_2026_gets_its_own_aid_intensity() -> None:
    """A plant only in a sector added in 2026 is paid and expects aid at 0.80, not 0.75:
    0.80 x 0.45 x 80 x 1e5 MWh = 2.88 MEUR a year (2.7 at 0.75); per unit of output
    0.80 x 0.45 x 80 x 0.1 MWh/t = 2.88 EUR/t on the gas and the electric route."""
    ikc = _new_sector_ikc(np.inf, eligible_new=[1.0])
    paid = ikc.account(one_plant_year(1, 0, 1e6, 1e6)).plant["subsidies"]
    assert float(paid[0, 0]) == pytest.approx(2.88e6)
    np.testing.assert_allclose(one_plant_unit_cost(ikc, 1, [0, 1]), [[[-2.88, -2.88]]])


def test_a_plant_on_both_lists_claims_once_in_the_expected_share() -> None:
    """Plant 0 is flagged on the 2021 list and as added in 2026, plant 1 on the 2021 list:
    each claims 0.75 x 0.45 x 80 x 1e5 = 2.7 MEUR once, 5.4 MEUR against a budget of
    2.7 MEUR, half paid: aid expected per MWh 27 x 0.5 = 13.5 EUR (2021 list) and 28.8 x 0.5
    = 14.4 EUR (added in 2026). Counting plant 0's claim twice (5.4 + 2.88 MEUR) would
    expect 27 x 2.7 / 8.28 = 8.8 EUR."""
    ikc = _new_sector_ikc(2.7e6, eligible=[1.0, 1.0], eligible_new=[1.0, 0.0])
    np.testing.assert_allclose(ikc.rate[0], 13.5)
    np.testing.assert_allclose(ikc.rate_new[0], 14.4)
