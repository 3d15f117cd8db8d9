"""Product markets: price outlook and carbon-cost pass-through, by hand on the toy model."""

from __future__ import annotations

import numpy as np
import pytest

from kruispunt.engine.simulate import simulate
from kruispunt.explain import explain
from kruispunt.policy.market import passed_through
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
