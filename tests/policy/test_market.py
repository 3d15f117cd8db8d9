"""Product markets: price outlook and carbon-cost pass-through, by hand on the toy model."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from kruispunt.engine.context import BatchContext
from kruispunt.engine.simulate import simulate
from kruispunt.explain import explain
from kruispunt.policy.ets import EuEts
from kruispunt.policy.market import ProductMarket, energy_passed_through, passed_through
from kruispunt.testing import TOY_YEARS, toy_inputs


def test_pass_through_by_hand() -> None:
    # CE Delft / Oeko-Institut (2015) for the European Commission, "Ex-post investigation of
    # cost pass-through in the EU ETS": refineries 80-100 %. 0.9 x 0.15 t/t x (113 - 73)
    assert float(passed_through(0.9, 0.15, 113.0, 73.0)) == pytest.approx(5.4)
    np.testing.assert_allclose(passed_through([0.0, 1.0], 2.0, 100.0, 50.0), [0.0, 100.0])
    with pytest.raises(ValueError, match="share"):
        passed_through(1.5, 1.0, 100.0, 50.0)


def test_full_pass_through_keeps_a_non_cbam_plant_whole() -> None:
    # EUA from 0 in 2025 to 250 in 2050 (myopic plant): without pass-through the toy plant
    # electrifies in 2043 (EUA 180 > 174.73 break-even). With the whole carbon cost of the
    # product's intensity (1 t/t) passed into the price, staying on gas earns the EUA back:
    # 1000 + EUA - 100 - EUA = 900 EUR/t, against 1000 + EUA - 274.73 for electricity, which
    # now wins as soon as EUA > 174.73 too: pass-through raises both options' revenue alike
    # and so leaves the switch year unchanged (the price path moves revenue, not cost gaps).
    eua = {2025: 0.0, 2050: 250.0}
    years = len(TOY_YEARS)
    base = simulate(toy_inputs(eua=eua)).dataset
    full = toy_inputs(eua=eua, instruments={"market": {"pass_through": np.ones((1, 1))}})
    res = simulate(full).dataset
    np.testing.assert_array_equal(res["route_index"].values, base["route_index"].values)
    # and the revenue term the plant sees rises by EUA x 1 t/t: 100 EUR/t in 2035 (myopic)
    e = explain("site0", inputs=full, year=2035)
    gas = e.options.set_index("route").loc["gas"]
    assert gas["market"] == pytest.approx(100.0e6)
    assert years == 26


def test_a_price_outlook_moves_revenue() -> None:
    # the product price falls by 950 EUR/t from 2030 (myopic plant, EUA 0): staying then earns
    # 1000 - 950 - 100 (gas) = -50 EUR/t, worse than closing (0): the plant closes, decided in
    # 2030 and effective in 2031; before 2030 it stays on gas
    change = np.where(TOY_YEARS >= 2030, -950.0, 0.0)[None, None, :]
    inp = toy_inputs(eua=0.0, instruments={"market": {"price_change": change}})
    res = simulate(inp).dataset
    routes = [str(res["route"].values[i]) for i in res["route_index"].values[0, 0]]
    assert routes[:6] == ["gas"] * 6
    assert routes[6:] == ["widget_closure"] * (len(routes) - 6)


def test_price_follows_its_indexed_inputs_by_hand() -> None:
    """A margin over gas: 10 GJ gas/t indexed, gas from 10 to 15 EUR/GJ in 2030: the price
    rises by 10 x 5 = 50 EUR/t, so the plant's margin (200 - 100 = 100 EUR/t) holds where
    the gas cost alone would have halved it."""
    from kruispunt.engine.context import BatchContext
    from kruispunt.policy.market import ProductMarket
    from kruispunt.testing import TOY_YEARS, path

    gas = {2025: 10.0, 2030: 15.0, 2050: 15.0}
    indexed = np.array([[[10.0, 0.0]]])  # (S, G, C): gas per t of widget
    inp = toy_inputs(
        gas_price=gas,
        eua=0.0,
        instruments={"market": {"indexed_input": indexed, "margin": np.array([[100.0]])}},
    )
    ctx = BatchContext(inp, (ProductMarket,))
    market = ProductMarket(ctx)
    i30 = list(TOY_YEARS).index(2030)
    assert market.change[0, 0, i30] == pytest.approx(10.0 * (15.0 - 10.0))
    assert market.change[0, 0, 0] == 0.0
    # first-year price = indexed inputs' cost + margin = 10 x 10 + 100
    assert market.first_price()[0, 0] == pytest.approx(200.0)
    assert path(gas)[i30] == 15.0


def test_gas_price_rises_pass_into_the_price_by_hand() -> None:
    """10 GJ gas/t passed on in full, gas 10 EUR/GJ in 2025, 15 in 2030, 8 from 2035: the
    price rises by 10 x (12 - 10) = 20 EUR/t in 2027 (gas 12 on the line), 10 x 5 = 50 in
    2030, and is back at its first level from 2035 (a fall below it is not passed on)."""
    from kruispunt.engine.context import BatchContext
    from kruispunt.policy.market import ProductMarket

    gas = {2025: 10.0, 2030: 15.0, 2035: 8.0, 2050: 8.0}
    energy = np.array([[[10.0, 0.0]]])  # (S, G, C): gas per t of widget times the share
    inp = toy_inputs(gas_price=gas, eua=0.0, instruments={"market": {"energy_input": energy}})
    change = ProductMarket(BatchContext(inp, (ProductMarket,))).change[0, 0]
    at = {int(y): i for i, y in enumerate(TOY_YEARS)}
    assert change[at[2025]] == 0.0
    assert change[at[2027]] == pytest.approx(20.0)
    assert change[at[2030]] == pytest.approx(50.0)
    assert change[at[2035]] == 0.0 and change[at[2050]] == 0.0
    # the function alone: 1 GJ/t passed on and a rise of 3 EUR/GJ, then a fall below the first
    assert energy_passed_through([[1.0]], [[4.0, 7.0, 2.0]]).tolist() == [[0.0, 3.0, 0.0]]


def test_a_gas_shock_passed_on_keeps_a_plant_its_competitors_share_it_with() -> None:
    """Gas from 10 to 110 EUR/GJ in 2030 (myopic plant, EUA 0, electricity too dear to
    switch: 10.8 GJ/t x 200 = 2,160 EUR/t): staying costs 10 x 110 = 1,100 EUR/t against a
    price of 1,000, so without pass-through the plant closes when the gas price has risen
    enough; with the rise passed on (10 x 100 = 1,000 EUR/t more) it earns 1,000 + 1,000 -
    1,100 = 900 EUR/t and stays on gas every year."""
    gas = {2025: 10.0, 2030: 110.0, 2050: 110.0}
    plain = simulate(toy_inputs(gas_price=gas, elec_price=200.0)).dataset
    passed = toy_inputs(
        gas_price=gas,
        elec_price=200.0,
        instruments={"market": {"energy_input": np.array([[[10.0, 0.0]]])}},
    )
    res = simulate(passed).dataset

    def routes(ds: object) -> list[str]:
        return [str(ds["route"].values[i]) for i in ds["route_index"].values[0, 0]]  # type: ignore[index]

    assert "widget_closure" in routes(plain)
    assert routes(res) == ["gas"] * len(TOY_YEARS)


def test_calibration_takes_the_price_with_revealed_viability_as_floor() -> None:
    """Two plants of one product with a margin of 30 EUR/t over their gas (10 GJ/t at
    10 EUR/GJ): price 130 EUR/t. Plant 0 emits 0.2 t/t at EUA 100 (cost 120): revenue is the
    price (margin 10). Plant 1 emits 0.5 t/t (cost 150): it runs today, so its revenue is its
    cost (zero margin), not the price."""
    from dataclasses import replace

    from kruispunt.assemble.calibration import plant_revenue

    indexed = np.array([[[10.0, 0.0]]])
    inp = toy_inputs(
        n_plants=2,
        eua=100.0,
        instruments={"market": {"indexed_input": indexed, "margin": np.array([[30.0]])}},
    )
    cap = inp.plants.capacity
    inp = replace(inp, plants=replace(inp.plants, base_emissions=cap * np.array([0.2, 0.5])))
    assert plant_revenue(inp) == pytest.approx([130.0, 150.0])


def test_high_gas_prices_no_longer_close_the_heat_users(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Real data, gas on the high price set (TTF 34.1 EUR/MWh in 2025, 61.8 in 2026, 47.5 in
    2030): with the rise passed into the price of heat, paper, glass and ceramics (their EU
    competitors buy gas at the same price), far fewer process-heat plants close by 2030 than
    with the price of 2025 held; the rise only lifts their revenue (never lowers it)."""
    from kruispunt.assemble import build_inputs
    from kruispunt.catalogue import load_catalogue
    from kruispunt.scenarios import resolve

    high = {2025: 34.1, 2026: 61.8, 2027: 58.2, 2028: 54.6, 2030: 47.5, 2035: 29.6, 2050: 29.6}
    lines = ["name: gas-high", "base: current-policy", "carrier_prices:", "  natural_gas:"]
    lines += [f"    {y}: {v / 3.6:.6f}" for y, v in high.items()]
    scenario = tmp_path / "gas-high.yaml"
    scenario.write_text("\n".join(lines) + "\n", encoding="utf-8")
    inp = build_inputs(load_catalogue(), resolve([str(scenario)]))
    energy = inp.instruments["market"]["energy_input"]
    products = list(inp.coords.products)
    heat = [products.index(g) for g in products if g.startswith("process_heat")]
    assert (energy[0, heat] > 0).any(axis=-1).all()
    market = {**inp.instruments["market"], "energy_input": np.zeros_like(energy)}
    held = replace(inp, instruments={**inp.instruments, "market": market})

    def heat_closed_2030(ds) -> int:  # type: ignore[no-untyped-def]
        i = list(ds["year"].values).index(2030)
        route = ds["route"].values[ds["route_index"].values[0, :, i]].astype(str)
        product = ds["plant_product"].values.astype(str)
        return int(
            (np.char.endswith(route, "closure") & np.char.startswith(product, "process_heat")).sum()
        )

    passed_on = heat_closed_2030(simulate(inp).dataset)
    not_passed = heat_closed_2030(simulate(held).dataset)
    assert passed_on < not_passed / 2
    from kruispunt.engine.context import BatchContext
    from kruispunt.policy.market import ProductMarket

    change = ProductMarket(BatchContext(inp, (ProductMarket,))).change
    assert (change[0, heat] >= 0).all() and (change[0, heat] > 0).any()


def test_a_cbam_good_passes_no_common_cost_into_its_price() -> None:
    """The toy widget (1 tCO2/t, 0.4 t/t allocated, outside the carbon-leakage list: share 1
    to 2029, 0 from 2030), EUA 80 -> 140 and gas 10 -> 15 EUR/GJ from 2025 to 2035, half the
    carbon cost, all of the gas rise on 1 GJ/t and half the lost allocation passed on. Outside
    CBAM its 2035 price is up 0.5 x 1 x (140 - 80) = 30 + 1 x (15 - 10) = 5 + 0.5 x 140 x
    0.4 = 28: 63 EUR/t. A CBAM good moves with its import parity instead: none of the three
    (not one of them passed on)."""
    inp = toy_inputs(
        eua={2025: 80.0, 2035: 140.0, 2050: 140.0},
        gas_price={2025: 10.0, 2035: 15.0, 2050: 15.0},
        base_free_allocation=0.4e6,
        instruments={
            "market": {
                "pass_through": np.array([[0.5]]),
                "energy_input": np.array([[[1.0, 0.0]]]),
                "allocation_pass_through": np.array([[0.5]]),
            },
            "ets": {
                "carbon_leakage": np.array([[0.0]]),
                "non_cl_share": np.where(TOY_YEARS >= 2030, 0.0, 1.0)[None, :],
            },
        },
    )
    i35 = list(TOY_YEARS).index(2035)
    outside = ProductMarket(BatchContext(inp, (EuEts, ProductMarket)))
    assert outside.change[0, 0, i35] == pytest.approx(63.0)
    cbam = replace(inp, products=replace(inp.products, cbam=np.array([True])))
    inside = ProductMarket(BatchContext(cbam, (EuEts, ProductMarket)))
    np.testing.assert_array_equal(inside.change, 0.0)
    assert not inside.active
