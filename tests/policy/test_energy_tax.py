"""Tests for kruispunt.policy.energy_tax."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from tests.policy.conftest import one_plant_unit_cost

from kruispunt.assemble import build_inputs
from kruispunt.catalogue.load import load_catalogue
from kruispunt.engine.context import BatchContext
from kruispunt.engine.simulate import simulate
from kruispunt.engine.valuation import OptionView
from kruispunt.inputs import ModelInputs
from kruispunt.policy.energy_tax import (
    EnergyTax,
    bracket_index,
    bracketed_tax,
    chp_exempt_gas,
    chp_exempt_share,
    complexes,
    plant_taxable_share,
    taxable_use,
)
from kruispunt.policy.registry import INSTRUMENTS
from kruispunt.testing import TOY_YEARS, toy_inputs

FAST = settings(max_examples=50, deadline=None)

# Gas 2025 schedule (policy_parameters.yaml, nl_energy_tax.gas_rates): m3 and EUR/m3
GAS_THRESHOLDS = [170e3, 1e6, 10e6]
GAS_RATES = [0.5782, 0.3157, 0.2035, 0.0539]  # 2025, as Rendement rounded them


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


def test_w8a_large_user_by_bracket() -> None:
    """W8(a), /work/research/law/worked_examples.md: 2025 gas rates (Belastingplan 2025,
    Wbm art. 59) on 50,000,000 m3: 170,000 x 0.5782 + 830,000 x 0.3157 + 9,000,000 x 0.2035
    + 40,000,000 x 0.0539 = 98,294 + 262,031 + 1,831,500 + 2,156,000 = 4,347,825 EUR."""
    assert float(bracketed_tax(50e6, GAS_THRESHOLDS, GAS_RATES)) == pytest.approx(4_347_825.0)


def test_w8b_medium_user_by_bracket() -> None:
    """W8(b), /work/research/law/worked_examples.md: 5,000,000 m3: 98,294 + 262,031 +
    4,000,000 x 0.2035 = 1,174,325 EUR."""
    assert float(bracketed_tax(5e6, GAS_THRESHOLDS, GAS_RATES)) == pytest.approx(1_174_325.0)


def test_w8c_chp_exemption_then_brackets() -> None:
    """W8(c), /work/research/law/worked_examples.md: Wbm art. 64(1)(a), an installation above
    20 MWe generating 100 GWh from 30,000,000 Nm3: exempt 100,000,000 kWh x 0.2808 =
    28,080,000 Nm3; the taxable 1,920,000 Nm3 go through the brackets from zero: 98,294 +
    262,031 + 920,000 x 0.2035 = 547,545 EUR."""
    exempt = chp_exempt_gas(30e6, 100e6)
    assert float(exempt) == pytest.approx(28_080_000.0)
    taxable = taxable_use(30e6, exempt / 30e6)
    assert float(taxable) == pytest.approx(1_920_000.0)
    assert float(bracketed_tax(taxable, GAS_THRESHOLDS, GAS_RATES)) == pytest.approx(547_545.0)
    # the cap never exempts more than the gas burnt
    assert float(chp_exempt_gas(20e6, 100e6)) == pytest.approx(20e6)


def test_w8d_small_chp_fed_in_and_own_use() -> None:
    """W8(d), /work/research/law/worked_examples.md: Wbm art. 64(2), an installation up to
    20 MWe: 0.2808 Nm3 per kWh fed into the grid and 0.1670 per kWh used on site. 10 GWh fed
    in, 5 GWh own use, 5,000,000 Nm3 burnt: exempt 2,808,000 + 835,000 = 3,643,000 Nm3;
    taxable 1,357,000: 98,294 + 262,031 + 357,000 x 0.2035 = 432,974.50 EUR."""
    exempt = chp_exempt_gas(5e6, 10e6, kwh_not_fed_in=5e6)
    assert float(exempt) == pytest.approx(3_643_000.0)
    tax = bracketed_tax(5e6 - exempt, GAS_THRESHOLDS, GAS_RATES)
    assert float(tax) == pytest.approx(432_974.50)


def test_w8e_feedstock_and_process_exemptions() -> None:
    """W8(e), /work/research/law/worked_examples.md: gas used as feedstock, in metallurgical
    or mineralogical processes, and electricity for electrolysis have taxable quantity nil
    (Wbm art. 64(4); Directive 2003/96/EC art. 2(4)(b)). Ammonia whose gas is 69 % feedstock
    (MIDDEN TC0072): of 50,000,000 m3, 15,500,000 are taxable: 98,294 + 262,031 + 1,831,500
    + 5,500,000 x 0.0539 = 2,488,275 EUR."""
    assert float(taxable_use(1e6, 1.0)) == 0.0
    taxable = taxable_use(50e6, 0.69)
    assert float(taxable) == pytest.approx(15.5e6)
    assert float(bracketed_tax(taxable, GAS_THRESHOLDS, GAS_RATES)) == pytest.approx(2_488_275.0)
    # a route share and a plant share combine: 1e6 x (1 - 0.5) x (1 - 0.2) = 4e5
    assert float(taxable_use(1e6, 0.5, 0.2)) == pytest.approx(4e5)
    with pytest.raises(ValueError):
        taxable_use(1e6, 1.2)


def test_chp_exempt_share_from_efficiency() -> None:
    """Wbm art. 64(1)(a) and (3): 0.2808 Nm3 of 35.17 MJ per kWh = 9.876 MJ per 3.6 MJ; a CHP
    at 30.9 % electrical efficiency burns 3.6 / 0.309 = 11.65 MJ per kWh, so 84.8 % of its
    gas is exempt; from 36.45 % all of it."""
    assert float(chp_exempt_share(0.309)) == pytest.approx(0.2808 * 35.17 * 0.309 / 3.6)
    assert float(chp_exempt_share(0.309)) == pytest.approx(0.848, abs=1e-3)
    assert float(chp_exempt_share(0.3645)) == pytest.approx(1.0, abs=1e-3)
    assert float(chp_exempt_share(0.5)) == 1.0


def test_bracket_index() -> None:
    np.testing.assert_array_equal(
        bracket_index([0.0, 170e3, 170e3 + 1, 5e6, 5e7], GAS_THRESHOLDS), [0, 0, 1, 2, 3]
    )


def _gas_toy(
    rates: Sequence[float], thresholds: Sequence[float], route_exempt: float, plant_exempt: float
) -> ModelInputs:
    """The toy inputs with the gas (carrier 0) taxed by ``rates`` over ``thresholds`` [per
    GJ of the toy's gas], flat over the years, with the gas route's and the plant's exempt
    shares."""
    Y = len(TOY_YEARS)
    C, R = 2, 3
    bracket_rates = np.zeros((1, C, 4, Y))
    bracket_rates[0, 0] = np.asarray(rates)[:, None]
    limits = np.full((1, C, 3), np.nan)
    limits[0, 0] = thresholds
    ex = np.zeros((1, R, C))
    ex[0, 0, 0] = route_exempt
    pex = np.zeros((1, 1, C))
    pex[0, 0, 0] = plant_exempt
    return toy_inputs(
        instruments={
            "energy_tax": {
                "thresholds": limits,
                "bracket_rates": bracket_rates,
                "exempt": ex,
                "plant_exempt": pex,
            }
        }
    )


def _tax_view(exempt: float, plant_exempt: float = 0.0) -> tuple[float, float]:
    """Valued (per t) and accounted (per year) energy tax of the toy plant (1e6 t/yr, 10 GJ
    gas/t) on its gas route, with gas brackets at 1e5, 1e6 and 2e7 GJ/yr and rates 4, 3, 2
    and 1 EUR/GJ."""
    inp = _gas_toy([4.0, 3.0, 2.0, 1.0], [1e5, 1e6, 2e7], exempt, plant_exempt)
    ctx = BatchContext(inp, INSTRUMENTS)
    tax = EnergyTax(ctx)
    cur = np.zeros((1, 1), dtype=np.int64)
    x = {term: p[:, :, 0][:, cur[0]] for term, p in tax.paths().items()}
    valued = float(np.asarray(tax.unit_cost(x, OptionView(0, cur, np.ones((1, 1)))))[0, 0])
    accounted = float(simulate(inp).dataset["energy_tax"].values[0, 0, 0])
    return valued, accounted


def test_valuation_charges_the_bracketed_tax_of_the_taxable_use() -> None:
    """Valuation: each unit at the average rate of the plant's bracketed tax on its taxable
    use (Wbm art. 59 and 64), so that the valued tax per t times production is the tax the
    accounting books.

    No exemption: 1e7 GJ/yr: 1e5 x 4 + 9e5 x 3 + 9e6 x 2 = 21.1e6 EUR, 21.1 EUR/t valued (the
    marginal rate of its bracket, 2 EUR/GJ, gave 20). Half exempt: 5e6 GJ taxable: 4e5 + 2.7e6
    + 4e6 x 2 = 11.1e6 EUR, 11.1 EUR/t (was 10). 95 % exempt (a route share of 0.9 and a
    plant share of 0.5): 5e5 GJ taxable: 4e5 + 4e5 x 3 = 1.6e6 EUR, 1.6 EUR/t (was 1.5)."""
    assert _tax_view(0.0) == pytest.approx((21.1, 21.1e6), rel=1e-12)
    assert _tax_view(0.5) == pytest.approx((11.1, 11.1e6), rel=1e-12)
    assert _tax_view(0.9, 0.5) == pytest.approx((1.6, 1.6e6), rel=1e-12)


def test_valuation_of_a_flat_rate_carrier_applies_the_plant_s_own_exemption() -> None:
    """A carrier without brackets (as hydrogen is, at its flat rate from 2026) is valued at
    its flat rate on the plant's taxable use, after the plant's own exempt share: the toy's
    gas taxed at a flat 2 EUR/GJ, the plant exempt for 60 % of its gas. Staying on gas (10
    GJ/t) is valued at 10 x 2 x (1 - 0.6) = 8 EUR/t, not 20; elec (no gas) at 0. The
    accounting books the same: 8 EUR/t x 1 Mt = 8 MEUR in 2025."""
    Y, C = len(TOY_YEARS), 2
    rate = np.zeros((1, C, Y))
    rate[0, 0] = 2.0
    pex = np.zeros((1, 1, C))
    pex[0, 0, 0] = 0.6
    inp = toy_inputs(instruments={"energy_tax": {"rate": rate, "plant_exempt": pex}})
    tax = EnergyTax(BatchContext(inp, INSTRUMENTS))
    np.testing.assert_allclose(one_plant_unit_cost(tax, 0, [0, 1]), [[[8.0, 0.0]]], rtol=1e-12)
    accounted = simulate(inp).dataset["energy_tax"].values[0, 0, 0]
    assert accounted == pytest.approx(8.0e6, rel=1e-12)


def test_the_chp_exemption_follows_the_year_s_cap() -> None:
    """Wbm art. 64(1)(a): gas a site's power plants burn is exempt up to a cap per kWh that
    Belastingplan 2026 lowered from 0.2808 to 0.2635 Nm3 (at the model's efficiency 0.848 and
    0.796 of the power plants' gas). Toy: gas taxed at a flat 2 EUR/GJ, 10 GJ/t; the plant's
    sector rule exempts 20 % of its gas, its site's CHPs burn half of it, covered 0.8 in
    2025 and 0.6 from 2026. Taxable: 0.8 x (1 - 0.5 x 0.8) = 0.48 in 2025 (9.6 EUR/t, 9.6
    MEUR at 1 Mt) and 0.8 x (1 - 0.5 x 0.6) = 0.56 from 2026 (11.2 EUR/t, 11.2 MEUR)."""
    Y, C = len(TOY_YEARS), 2
    rate = np.zeros((1, C, Y))
    rate[0, 0] = 2.0
    pex, chp = np.zeros((1, 1, C)), np.zeros((1, 1, C))
    pex[0, 0, 0], chp[0, 0, 0] = 0.2, 0.5
    cover = np.full((1, Y), 0.6)
    cover[0, 0] = 0.8
    params = {"rate": rate, "plant_exempt": pex, "chp_share": chp, "chp_cover": cover}
    inp = toy_inputs(instruments={"energy_tax": params})
    tax = EnergyTax(BatchContext(inp, INSTRUMENTS))
    np.testing.assert_allclose(one_plant_unit_cost(tax, 0, [0, 1]), [[[9.6, 0.0]]], rtol=1e-12)
    np.testing.assert_allclose(one_plant_unit_cost(tax, 1, [0, 1]), [[[11.2, 0.0]]], rtol=1e-12)
    assert plant_taxable_share(params, 0)[0, 0, 0] == pytest.approx(0.48, rel=1e-12)
    assert plant_taxable_share(params, Y - 1)[0, 0, 0] == pytest.approx(0.56, rel=1e-12)
    ds = simulate(inp).dataset
    booked = ds["energy_tax"].values[0, 0]
    production = ds["production"].values[0, 0]
    on_gas = ds["route_index"].values[0, 0] == 0
    assert on_gas[:2].all()
    np.testing.assert_allclose(booked[:2], [9.6 * production[0], 11.2 * production[1]], rtol=1e-12)
    assert production[0] == pytest.approx(1e6)


def test_units_of_one_site_product_are_one_complex() -> None:
    """The complex rule: the units of one site's product share one complex, other plants of
    the site and other sites are complexes of their own."""
    ids = ["s/steel/bf6", "s/steel/bf7", "s/heat", "t/steel", "s/glass/a", "s/glass/b"]
    assert complexes(ids).tolist() == [0, 0, 1, 2, 3, 3]
    tax = EnergyTax(BatchContext(_complex_toy(), INSTRUMENTS))
    use = np.array([[1.0, 2.0, 4.0], [0.0, 3.0, 5.0]])
    np.testing.assert_array_equal(tax.complexes.totals(use), [[3.0, 3.0, 4.0], [3.0, 3.0, 5.0]])


def _complex_toy() -> ModelInputs:
    """Three toy plants on their gas route (10 GJ gas/t), gas brackets at 1e5, 1e6 and 2e7
    GJ/yr at 4, 3, 2 and 1 EUR/GJ: two units of one site's widget (1.5e6 and 1e6 t/yr) and a
    plant of another site (1e6 t/yr)."""
    from dataclasses import replace

    Y = len(TOY_YEARS)
    rates = np.zeros((1, 2, 4, Y))
    rates[0, 0] = np.array([4.0, 3.0, 2.0, 1.0])[:, None]
    limits = np.full((1, 2, 3), np.nan)
    limits[0, 0] = [1e5, 1e6, 2e7]
    inp = toy_inputs(
        n_plants=3,
        capacity=np.array([1.5e6, 1e6, 1e6]),
        instruments={"energy_tax": {"thresholds": limits, "bracket_rates": rates}},
    )
    ids = ("site0/widget/u1", "site0/widget/u2", "site1/widget")
    return replace(inp, coords=replace(inp.coords, plants=ids))


def test_a_complex_goes_through_the_brackets_once() -> None:
    """Wbm art. 59 per connection, with the connections of one complex as one (the complex
    rule): the two units use 1.5e7 and 1e7 GJ/yr, together 2.5e7 GJ: 1e5 x 4 + 9e5 x 3 +
    1.9e7 x 2 + 5e6 x 1 = 46.1e6 EUR/yr, shared by use, 0.6 and 0.4: 27.66e6 and 18.44e6 (each
    alone: 31.1e6 and 21.1e6). The plant of the other site alone: 21.1e6. Valued for staying
    in the first year (myopic), per t: the average rate of the complex, 46.1e6 / 2.5e7 = 1.844
    EUR/GJ x 10 GJ/t = 18.44 EUR/t for both units; 21.1 EUR/t for the third plant."""
    inp = _complex_toy()
    accounted = simulate(inp).dataset["energy_tax"].values[0, :, 0]
    np.testing.assert_allclose(accounted, [27.66e6, 18.44e6, 21.1e6], rtol=1e-12)
    np.testing.assert_allclose(_valued_stay_tax(inp), [18.44, 18.44, 21.1], rtol=1e-12)


def _valued_stay_tax(inp: ModelInputs) -> np.ndarray:
    """The energy tax each plant of the first scenario values for staying in the first
    year [EUR/product], from today's state."""
    from kruispunt.engine.state import PlantState
    from kruispunt.engine.valuation import Valuation

    ctx = BatchContext(inp, INSTRUMENTS)
    valuation = Valuation(ctx, [cls(ctx) for cls in INSTRUMENTS])
    st = PlantState.initial(inp)
    terms = valuation.option_values(0, st, breakdown=True).terms["energy_tax"]
    stay = np.argmax(valuation.opt[None] == st.route[:, :, None], axis=-1)
    return np.asarray(np.take_along_axis(terms, stay[..., None], -1)[0, :, 0])


def _flat_unit_costs(
    use_per_t: np.ndarray, route_exempt: float = 0.0, plant_exempt: float = 0.0
) -> tuple[np.ndarray, float]:
    """Unit costs [EUR/t] the energy tax values for the toy plant (1e6 t/yr) on its gas
    route at each per-tonne gas use in ``use_per_t`` (one option each), with the 2025 gas
    schedule (GAS_THRESHOLDS, GAS_RATES, the toy's gas read as m3) at a flat rate path: the
    expected terms are the use after the route's exemption times each bracket's rate (and
    the lower brackets' excess over each, :meth:`EnergyTax._lower_brackets`)."""
    inp = _gas_toy(GAS_RATES, GAS_THRESHOLDS, route_exempt, plant_exempt)
    tax = EnergyTax(BatchContext(inp, INSTRUMENTS))
    use = np.asarray(use_per_t, dtype=np.float64).reshape(1, 1, -1) * (1.0 - route_exempt)
    each = [use * rate for rate in GAS_RATES]
    x = {"u0": use, **{f"c0_b{k}": path for k, path in enumerate(each)}}
    # the lower brackets' excess over each bracket's rate, as paths() makes it
    x.update({f"g0_b{j}": tax._lower_brackets(0, each, j) for j in range(1, 4)})
    route = np.zeros(use.shape, dtype=np.int64)
    cost = np.asarray(tax.unit_cost(x, OptionView(0, route, np.ones(use.shape))))
    return cost.reshape(-1), float(inp.plants.base_production[0])


def test_valuation_of_a_large_gas_user_is_its_bracketed_tax() -> None:
    """A plant above the top threshold: 25 m3/t x 1e6 t = 25 million m3/yr. Bracketed (2025
    rates): 170,000 x 0.5782 + 830,000 x 0.3157 + 9,000,000 x 0.2035 + 15,000,000 x 0.0539 =
    98,294 + 262,031 + 1,831,500 + 808,500 = 3,000,325 EUR/yr, 0.12001300 EUR/m3 on average.
    The marginal rate (0.0539 on every m3) gave 1,347,500: 1,652,825 EUR/yr too little."""
    cost, production = _flat_unit_costs(np.array([25.0]))
    assert production == 1e6
    assert cost[0] * production == pytest.approx(3_000_325.0, rel=1e-9)
    assert cost[0] * production == pytest.approx(
        float(bracketed_tax(25e6, GAS_THRESHOLDS, GAS_RATES)), rel=1e-9
    )


def test_valuation_below_the_first_threshold_is_the_first_rate() -> None:
    """A plant below the first threshold (0.1 m3/t: 100,000 m3/yr) pays the first rate on
    every m3, as before: 0.1 x 0.5782 = 0.05782 EUR/t; a plant that uses none pays 0."""
    cost, _ = _flat_unit_costs(np.array([0.1, 0.0]))
    assert cost == pytest.approx([0.05782, 0.0], rel=1e-12)


def test_valuation_times_use_is_the_accounted_tax_for_any_use() -> None:
    """Property: for any use and exemptions, the valued tax per t times production is
    :func:`bracketed_tax` of the taxable use, the tax the accounting books (seeded uses from
    0 to 100 m3/t, 0 to 1e8 m3/yr, across every bracket)."""
    rng = np.random.default_rng(20261201)
    use = np.concatenate([[0.17, 1.0, 10.0], 10.0 ** rng.uniform(-3, 2, 400)])
    for route_exempt, plant_exempt in ((0.0, 0.0), (0.69, 0.0), (0.3, 0.848)):
        cost, production = _flat_unit_costs(use, route_exempt, plant_exempt)
        taxable = use * production * (1 - route_exempt) * (1 - plant_exempt)
        want = bracketed_tax(taxable, GAS_THRESHOLDS, GAS_RATES)
        np.testing.assert_allclose(cost * production, want, rtol=1e-9)


def test_valuation_takes_the_bracket_of_the_use_expected_over_the_window() -> None:
    """A plant whose use falls is valued in the bracket of the use it expects over the
    option's window, not of the decision year's use.

    Toy plant (1e6 t/yr, perfect foresight, 10 %/yr, 20-year life) on its gas route, gas
    brackets at 1e5, 2e6 and 2e7 GJ/yr, rates 4, 3, 2 and 1 EUR/GJ; the route burns 10 GJ/t
    in 2025, 0.5 GJ/t from 2026. Staying, valued in 2025 over 2025-2044, the plant expects
    (10 + 0.5 x 8.36492) / 9.36492 = 1.51443 GJ/t, 1.514e6 GJ/yr: 1e5 x 4 + 1.414e6 x 3 =
    4.64329e6 EUR/yr, 4.64329 EUR/t. Valued in 2026 on 0.5 GJ/t: 4e5 + 4e5 x 3 = 1.6 EUR/t.
    Until December 2026 the bracket came from the 2025 use, 1e7 GJ/yr (bracket 3, 2 EUR/GJ):
    3.0289 EUR/t in 2025, as if the plant had not known its use would fall."""
    from dataclasses import replace

    from kruispunt.engine.state import PlantState
    from kruispunt.engine.valuation import Valuation

    Y = len(TOY_YEARS)
    C = 2
    rates = np.zeros((1, C, 4, Y))
    rates[0, 0] = np.array([4.0, 3.0, 2.0, 1.0])[:, None]
    thresholds = np.full((1, C, 3), np.nan)
    thresholds[0, 0] = [1e5, 2e6, 2e7]
    inp = toy_inputs(
        myopic=False,
        instruments={"energy_tax": {"thresholds": thresholds, "bracket_rates": rates}},
    )
    use = inp.routes.inputs.copy()
    use[0, 0, 1:] = 0.5
    inp = replace(inp, routes=replace(inp.routes, inputs=use))
    ctx = BatchContext(inp, INSTRUMENTS)
    valuation = Valuation(ctx, [cls(ctx) for cls in INSTRUMENTS])
    d = 1 / 1.1
    window = sum(d**k for k in range(20))
    expected = (10.0 + 0.5 * sum(d**k for k in range(1, 20))) / window
    assert expected == pytest.approx(1.51443, abs=1e-5)
    st = PlantState.initial(inp)
    k = int(np.flatnonzero(valuation.opt[0] == 0)[0])  # the gas route, staying
    for t, want in ((0, 0.4 + 3.0 * (expected - 0.1)), (1, 1.6)):
        terms = valuation.option_values(t, st, breakdown=True).terms
        assert terms["energy_tax"][0, 0, k] == pytest.approx(want, rel=1e-9)


def test_default_data_valued_tax_of_staying_is_the_accounted_tax() -> None:
    """On the data package (current policy, myopic expectations: each decision year's rates
    and use, so no change of rate or use within the window enters), the energy tax a plant
    values for staying in 2025, times its base-year production, is the tax the accounting
    books for 2025, plant by plant, for every plant producing at its base-year output that
    year on the route it has today (the others produce less, and the valuation sets the
    bracket at base-year output; Holland Malt runs the heat pumps a decided event started in
    2024, and Saint-Gobain Etten-Leur's electrode unit the electric furnace of its hybrid
    furnace, in production since September 2024). With the marginal rate the large gas users
    were valued below their bracketed tax. Under perfect foresight (the default) the staying
    term is the discounted mean over the window, which differs from one year's tax where the
    rates (gas bracket 1 in 2026) or a route's use per unit (e-boilers' electrifiable share)
    change over time."""
    from kruispunt.scenarios import Scenario, resolve

    cat = load_catalogue(None)
    base = resolve(["current-policy"], cat.path)[0]
    levers = base.levers.model_copy(update={"expectations": "myopic"})
    inp = build_inputs(
        cat, [Scenario(name="myopic", levers=levers, chain=("myopic",), origin="test")]
    )
    accounted = simulate(inp).dataset
    valued = _valued_stay_tax(inp)
    production = inp.plants.base_production
    at_base = np.isclose(accounted["production"].values[0, :, 0], production, rtol=1e-9)
    # a plant a decided event puts on another route by the first year (Holland Malt's heat
    # pumps, Philip Morris's heat pumps and hybrid boilers, Saint-Gobain's electrodes) runs
    # in 2025 on a route other than the one it stays on from today's state
    from kruispunt.engine.state import PlantState

    today = np.asarray(accounted["route"].values)[PlantState.initial(inp).route[0]]
    ran = np.asarray(accounted["route"].values)[accounted["route_index"].values[0, :, 0]]
    moved = set(accounted["plant"].values[today != ran].astype(str))
    assert moved == {
        "holland_malt_eemshaven/process_heat_low",
        "philip_morris_bergen_op_zoom/process_heat_low",
        "saint_gobain_etten_leur/glass/melter_electrodes",
    }
    at_base &= today == ran
    tax = accounted["energy_tax"].values[0, :, 0]
    assert at_base.sum() > 200
    assert (tax[at_base] > 1e6).sum() > 50  # large users among them
    np.testing.assert_allclose(valued[at_base] * production[at_base], tax[at_base], rtol=1e-9)


def test_valuation_with_thresholds_that_differ_by_scenario() -> None:
    """Thresholds of their own in each scenario (one comparison per threshold rather than one
    search): each scenario's valued tax times production is the bracketed tax on its own
    schedule. 25 m3/t x 1e6 t: the 2025 gas schedule, 3,000,325 EUR/yr; its thresholds
    halved, 85,000 x 0.5782 + 415,000 x 0.3157 + 4,500,000 x 0.2035 + 20,000,000 x 0.0539 =
    49,147 + 131,015.5 + 915,750 + 1,078,000 = 2,173,912.5 EUR/yr."""
    Y = len(TOY_YEARS)
    C = 2
    rates = np.zeros((2, C, 4, Y))
    rates[:, 0] = np.array(GAS_RATES)[:, None]
    thresholds = np.full((2, C, 3), np.nan)
    thresholds[0, 0] = GAS_THRESHOLDS
    thresholds[1, 0] = np.array(GAS_THRESHOLDS) / 2
    inp = toy_inputs(
        n_scenarios=2,
        instruments={"energy_tax": {"thresholds": thresholds, "bracket_rates": rates}},
    )
    tax = EnergyTax(BatchContext(inp, INSTRUMENTS))
    x = {term: p[:, :, 0][:, np.zeros((1,), dtype=np.int64)] for term, p in tax.paths().items()}
    x = {term: v * 2.5 for term, v in x.items()}  # 10 m3/t in the toy route: 25 m3/t
    route = np.zeros((2, 1), dtype=np.int64)
    cost = np.asarray(tax.unit_cost(x, OptionView(0, route, np.ones((2, 1)))))[:, 0]
    assert cost * 1e6 == pytest.approx([3_000_325.0, 2_173_912.5], rel=1e-9)
