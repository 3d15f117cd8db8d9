"""Heat and paper plants: the operating margin their firms earn and the pass-through of the
carbon cost and of lost free allocation (issue 9: heat plants closed at zero slack)."""

from __future__ import annotations

import itertools
from dataclasses import replace

import numpy as np
import pytest

from kruispunt.assemble.calibration import plant_revenue
from kruispunt.engine.context import BatchContext
from kruispunt.engine.simulate import simulate
from kruispunt.inputs import ModelInputs
from kruispunt.policy.ets import EuEts
from kruispunt.policy.market import (
    ProductMarket,
    allocation_passed_through,
    marked_up,
    with_profit,
)
from kruispunt.testing import TOY_YEARS, toy_inputs

# FrieslandCampina, operating profit over revenue: 75 / 13,100 (2023) and 527 / 12,900 (2024)
# (ESM Magazine, "FrieslandCampina Posts Growth In Operating Profit In FY 2024", Feb 2025;
# https://esmmagazine.com/fresh-produce/frieslandcampina-posts-growth-in-operating-profit-in-fy-2024-283140)
FC_MARGIN = (0.005725 + 0.040853) / 2.0


def test_marked_up_by_hand() -> None:
    # 2.3289 % on sales: a heat cost of 100 EUR becomes 100 / (1 - 0.023289) = 102.3844 EUR
    assert FC_MARGIN == pytest.approx(0.023289)
    assert float(marked_up(100.0, FC_MARGIN)) == pytest.approx(100.0 / 0.976711)
    assert float(marked_up(100.0, FC_MARGIN)) == pytest.approx(102.3844, abs=1e-4)
    # no margin, or a negative one, leaves the cost (revealed viability is the floor)
    np.testing.assert_allclose(marked_up([100.0, 100.0], [0.0, -0.05]), [100.0, 100.0])
    # a negative cost (allocation above the plant's needs) earns no margin
    assert float(marked_up(-2.0, FC_MARGIN)) == -2.0
    with pytest.raises(ValueError, match="operating_margin"):
        marked_up(100.0, 1.0)


# Dutch dairy: energy cost 33 % of operating profit in 2019 (ABN AMRO's table, BioJournaal,
# https://www.biojournaal.nl/article/9371353/foodverwerkers-met-dunne-marges-kunnen-serieus-in-de-problemen-komen/)
DAIRY = 1.0 / 0.33


def test_with_profit_by_hand() -> None:
    # full cost 130, energy 100: the plant earns 130 + 3.0303 x 100 = 433.0303
    assert float(with_profit(130.0, 100.0, DAIRY)) == pytest.approx(433.0303, abs=1e-4)
    # no ratio (NaN), a ratio not above zero, or no energy bill leaves the cost
    np.testing.assert_allclose(
        with_profit([130.0] * 4, [100.0, 100.0, 0.0, -5.0], [np.nan, 0.0, DAIRY, DAIRY]),
        [130.0] * 4,
    )
    # a plant whose allocation exceeds its needs (negative cost) still earns the profit
    assert float(with_profit(-20.0, 100.0, 2.0)) == pytest.approx(180.0)


def test_one_heat_plant_earns_its_branch_profit_by_hand() -> None:
    """The toy plant (10 GJ gas/t at 10 EUR/GJ: an energy bill of 100 EUR/t; full cost 130
    EUR/t with 0.6 t/t paid at an EUA of 50) in a dairy branch earns 130 + 303.03 EUR/t;
    the branch's ratio comes before the product's operating margin."""
    margin, ratio = np.array([[FC_MARGIN]]), np.array([[DAIRY]])
    both = toy_inputs(
        eua=50.0,
        base_free_allocation=0.4e6,
        instruments={"market": {"operating_margin": margin, "profit_ratio": ratio}},
    )
    assert plant_revenue(both) == pytest.approx([130.0 + 100.0 * DAIRY])
    # with a dearer gas the energy bill, the cost and the slack rise together
    dear = toy_inputs(
        eua=50.0,
        gas_price=20.0,
        base_free_allocation=0.4e6,
        instruments={"market": {"profit_ratio": ratio}},
    )
    assert plant_revenue(dear) == pytest.approx([230.0 + 200.0 * DAIRY])


def test_allocation_pass_through_by_hand() -> None:
    # 0.02 t/GJ allocated in 2025 falls to 0.005 t/GJ in 2035 at an EUA of 140: 0.015 t/GJ
    # lost, worth 2.10 EUR/GJ; half of it moves into the price
    assert float(allocation_passed_through(0.5, 0.005, 140.0, 0.02)) == pytest.approx(1.05)
    assert float(allocation_passed_through(0.5, 0.02, 140.0, 0.02)) == 0.0  # nothing lost
    assert float(allocation_passed_through(0.0, 0.0, 140.0, 0.02)) == 0.0
    with pytest.raises(ValueError, match="share"):
        allocation_passed_through(1.5, 0.0, 140.0, 0.02)


def test_one_heat_plant_earns_the_margin_by_hand() -> None:
    """One gas plant (the toy's 10 GJ gas/t at 10 EUR/GJ, 1 tCO2/t) at an EUA of 50 with
    0.4 tCO2/t allocated (a heat plant's allocation in the EUTL basis, 2025 share 1 at risk of
    leakage): full cost 100 + 50 x (1 - 0.4) = 130 EUR/t; with FrieslandCampina's 2.3289 %
    its revenue is 130 / 0.976711 = 133.0998 EUR/t, 3.10 EUR/t of slack where it had none."""
    margin = np.array([[FC_MARGIN]])
    base = toy_inputs(eua=50.0, base_free_allocation=0.4e6)
    cost = plant_revenue(base)
    assert cost == pytest.approx([130.0])
    marked = toy_inputs(
        eua=50.0,
        base_free_allocation=0.4e6,
        instruments={"market": {"operating_margin": margin}},
    )
    assert plant_revenue(marked) == pytest.approx([130.0 / (1.0 - FC_MARGIN)])
    assert plant_revenue(marked)[0] == pytest.approx(133.0998, abs=1e-4)


def test_allocation_pass_through_of_the_toy_product_by_hand() -> None:
    """A plant outside the carbon-leakage list (Art. 10b(4)) keeps its allocation share 1 to
    2029 here and 0 from 2030: the product's allocation per unit falls from 0.4 t/t (0.4e6 t
    over 1e6 t) to 0, and with an EUA of 140 in 2035 the price rises by half the allocation
    lost at that EUA, 0.5 x 140 x (0.4 - 0) = 28 EUR/t; none in 2029."""
    eua = {2025: 73.0, 2035: 140.0, 2050: 140.0}
    non_cl = np.where(TOY_YEARS >= 2030, 0.0, 1.0)[None, :]
    inp = toy_inputs(
        eua=eua,
        base_free_allocation=0.4e6,
        instruments={
            "market": {"allocation_pass_through": np.array([[0.5]])},
            "ets": {"carbon_leakage": np.array([[0.0]]), "non_cl_share": non_cl},
        },
    )
    market = ProductMarket(BatchContext(inp, (EuEts, ProductMarket)))
    per_unit = market.allocation_per_unit()
    i29, i35 = list(TOY_YEARS).index(2029), list(TOY_YEARS).index(2035)
    assert per_unit[0, 0, 0] == pytest.approx(0.4)
    assert per_unit[0, 0, i29] == pytest.approx(0.4)
    assert per_unit[0, 0, i35] == 0.0
    assert market.change[0, 0, i35] == pytest.approx(28.0)
    assert market.change[0, 0, i29] == 0.0
    # without the EU ETS in the batch there is no allocation to lose
    alone = ProductMarket(BatchContext(inp, (ProductMarket,)))
    assert np.all(alone.allocation_per_unit() == 0.0)


def test_the_market_passes_through_the_allocation_the_ets_books_a_plant_staying() -> None:
    """The product's average allocation per unit is what the EU ETS books its plants staying
    on today's routes, benchmark updates included. Toy: today's route is mapped at 1.2 t/t
    in 2021-2025 and 0.8 t/t from 2026 (a period's update), the plant's EUTL allocation is
    1.5 t/t (a residual of 0.3 the mapping does not explain), the correction factor 0.9 from
    2026: 1.5 t/t in 2025, (0.8 + 0.3) x 0.9 = 0.99 t/t from 2026. At an EUA of 100 and a
    pass-through of 0.5 the price rises by 0.5 x 100 x (1.5 - 0.99) = 25.5 EUR/t. The plant
    runs at 1 Mt/yr on today's route, and the EU ETS books it 0.99 Mt from 2026."""
    bm = np.full((1, 3, len(TOY_YEARS)), np.nan)
    bm[0, 0] = np.where(TOY_YEARS >= 2026, 0.8, 1.2)
    ets_params = {
        "route_benchmark": bm,
        "route_benchmark_base": np.array([[1.2, np.nan, np.nan]]),
        "cscf": np.where(TOY_YEARS >= 2026, 0.9, 1.0)[None],
    }
    inp = toy_inputs(
        eua=100.0,
        base_free_allocation=1.5e6,
        instruments={"market": {"allocation_pass_through": np.array([[0.5]])}, "ets": ets_params},
    )
    market = ProductMarket(BatchContext(inp, (EuEts, ProductMarket)))
    per_unit = market.allocation_per_unit()[0, 0]
    assert per_unit[0] == pytest.approx(1.5)
    np.testing.assert_allclose(per_unit[1:], 0.99)
    np.testing.assert_allclose(market.change[0, 0, 1:], 25.5)
    res = simulate(inp).dataset.isel(scenario=0, plant=0)
    assert str(res["route"].values[int(res["route_index"].values[-1])]) == "gas"
    np.testing.assert_allclose(res["production"].values, 1.0e6)
    np.testing.assert_allclose(res["free_allocation"].values[1:], 0.99e6)
    assert float(res["free_allocation"].values[0]) == pytest.approx(1.5e6)


def _closures(inp: ModelInputs) -> int:
    res = simulate(inp).dataset
    names = [str(r) for r in res["route"].values]
    routes = res["route_index"].values  # (S, P, Y)
    return int(sum(names[int(r)].endswith("closure") for r in routes[0, :, -1]))


@pytest.mark.parametrize("kind", ["pass_through", "allocation_pass_through"])
def test_more_pass_through_never_more_closures(kind: str) -> None:
    """Property: five plants of one product, emitting 0.6 to 1.4 tCO2/t, allocated 0.5 t/t
    while outside the carbon-leakage list (share 1 to 2029, 0 from 2030), no electric route
    (earliest 2100), the EUA rising from 73 to 800 EUR/t: raising either pass-through share
    never closes more plants."""
    eua = {2025: 73.0, 2050: 800.0}
    non_cl = np.where(TOY_YEARS >= 2030, 0.0, 1.0)[None, :]
    counts = []
    for share in (0.0, 0.25, 0.5, 0.75, 1.0):
        inp = toy_inputs(
            n_plants=5,
            eua=eua,
            earliest_elec=2100,
            base_free_allocation=0.5e6,
            product_price=400.0,
            instruments={
                "market": {kind: np.array([[share]])},
                "ets": {"carbon_leakage": np.zeros((1, 5)), "non_cl_share": non_cl},
            },
        )
        intensity = np.array([0.6, 0.8, 1.0, 1.2, 1.4])
        inp = replace(
            inp, plants=replace(inp.plants, base_emissions=inp.plants.capacity * intensity)
        )
        counts.append(_closures(inp))
    assert all(b <= a for a, b in itertools.pairwise(counts)), counts
    assert counts[0] > counts[-1], counts  # the property is not vacuous here
