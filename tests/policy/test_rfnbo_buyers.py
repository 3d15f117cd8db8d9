"""Where the RFNBO obligated users take renewable hydrogen: at the plants that make hydrogen in
their own reformers, in place of that hydrogen.

The Dutch obligation (Wet jaarverplichting hernieuwbare brandstoffen van niet-biologische
oorsprong in de industrie; Kamerstuk 31239 nr. 417, 18 Feb 2025) falls per installation on
the hydrogen users, a share of each one's hydrogen use (Dentons; World Law Group, 17 Mar
2025). What the users take for part of their use (the market's ``in_part``) is booked at the
plants whose route makes hydrogen in its own reformers (route parameter
``reformer_hydrogen``), in proportion to what each makes: per tonne the reformer's emissions
(route ``smr``, 8.6842 tCO2/t; on a route that captures CO2 route ``smr_ccs``'s), natural gas
(157.9 GJ/t) and variable O&M fall away and 120 GJ of hydrogen is bought in.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from tests.policy.rfnbo_run import run_keeping_market

from kruispunt.assemble import build_inputs
from kruispunt.catalogue import Catalogue
from kruispunt.engine.accounting import YearRecord
from kruispunt.engine.context import BatchContext
from kruispunt.inputs import ModelInputs
from kruispunt.policy.mandates import RfnboMandate, share_out
from kruispunt.scenarios import Scenario, resolve


def test_share_out_hand_computed() -> None:
    """19,600 t over a merchant reformer making 100,000 t and a refinery making 40,000 t:
    14,000 and 5,600 t. More bought than made: each plant takes all it makes, no more. No
    hydrogen made: nothing placed."""
    assert share_out([19_600.0], [[100_000.0, 40_000.0]]).tolist() == [
        [pytest.approx(14_000.0), pytest.approx(5_600.0)]
    ]
    assert share_out([200_000.0], [[100_000.0, 40_000.0]]).tolist() == [[100_000.0, 40_000.0]]
    assert share_out([5.0], [[0.0, 0.0]]).tolist() == [[0.0, 0.0]]
    with pytest.raises(ValueError, match="non-negative"):
        share_out([1.0], [[-1.0]])


def test_one_obligated_plant_emits_less_by_what_it_buys(
    inp: ModelInputs, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Current policy, central prices, 2030: the run with the purchases booked against the
    same run without (the hook off: the market clears the same, the routes are the same).
    Air Liquide Bergen op Zoom (route ``smr``, no capture) buys ``b`` tonnes (about 218 t;
    Eastman Middelburg, 183 t, until it took an electrolyser from 2029 in December 2026): its
    direct emissions fall by ``b x 8.6842`` tCO2 (route smr's emission factor, 43.860 MWh
    gas/t x 0.198 tCO2/MWh) and its energy cost changes by ``b x (120 p_H2 - 157.895 p_gas)``
    (43.8596 MWh/t x 3.6 GJ/MWh of gas no longer burnt). Air Liquide's SMR2 at Botlek
    (route ``smr_ccs``: capture, 90 % of 9.56521 tCO2/t) buys ``b'``: its emissions fall by
    ``b' x 0.956521`` and its captured CO2 by ``b' x 8.608689``. A plant that makes no
    hydrogen (a cracker) is untouched."""
    i = list(inp.coords.years).index(2030)
    plants = list(inp.coords.plants)
    grey, blue = (
        plants.index("air_liquide_bergen_op_zoom/hydrogen"),
        plants.index("air_liquide_botlek/hydrogen/smr2"),
    )
    carriers = list(inp.coords.carriers)
    gas, h2 = carriers.index("natural_gas"), carriers.index("hydrogen")
    routes = list(inp.coords.routes)
    _, with_ = run_keeping_market(inp)
    monkeypatch.setattr(RfnboMandate, "hydrogen_bought", lambda self, st: None)
    _, without = run_keeping_market(inp)
    assert (with_.route_index == without.route_index).all()
    assert routes[with_.route_index[i, 0, grey]] == "smr"
    assert routes[with_.route_index[i, 0, blue]] == "smr_ccs"
    assert without.plant["hydrogen_bought"].sum() == 0.0
    w, wo = with_.plant, without.plant
    b = w["hydrogen_bought"][i, 0, grey]
    assert b > 100.0
    assert wo["direct_emissions"][i, 0, grey] - w["direct_emissions"][i, 0, grey] == (
        pytest.approx(b * 8.6842, rel=1e-6)
    )
    price = inp.markets.price[0, :, i]
    assert w["energy_cost"][i, 0, grey] - wo["energy_cost"][i, 0, grey] == pytest.approx(
        b * (120.0 * price[h2] - 157.89456 * price[gas]), rel=1e-5
    )
    b2 = w["hydrogen_bought"][i, 0, blue]
    assert b2 > 1_000.0
    assert wo["direct_emissions"][i, 0, blue] - w["direct_emissions"][i, 0, blue] == (
        pytest.approx(b2 * 0.956521, rel=1e-5)
    )
    assert wo["captured_co2"][i, 0, blue] - w["captured_co2"][i, 0, blue] == pytest.approx(
        b2 * 8.608689, rel=1e-5
    )
    q = next(k for k, name in enumerate(plants) if "/hvc" in name)
    assert w["direct_emissions"][i, 0, q] == wo["direct_emissions"][i, 0, q]


def test_results_energy_carries_the_swap(cat: Catalogue) -> None:
    """The result ``energy`` (route inputs x output, plus the swap): per tonne bought 120 GJ
    more hydrogen and 157.9 GJ less natural gas than the route's own inputs give."""
    from kruispunt.engine.simulate import simulate

    inp = build_inputs(cat, resolve(["current-policy"], cat.path))
    ds = simulate(inp).dataset.sel(scenario="current-policy", year=2030)
    p = "air_liquide_bergen_op_zoom/hydrogen"
    bought = float(ds.hydrogen_bought.sel(plant=p))
    activity = float(ds.production.sel(plant=p))  # route smr: made at home
    assert bought > 0.0
    e = ds.energy.sel(plant=p)
    assert float(e.sel(carrier="hydrogen")) == pytest.approx(120.0 * bought, rel=1e-9)
    assert float(e.sel(carrier="natural_gas")) == pytest.approx(
        157.89456 * (activity - bought), rel=1e-5
    )


def test_rfnbo_sold_is_rfnbo_booked_at_buyers_every_year(cat: Catalogue) -> None:
    """The nine default runs (three packages x central, low, high prices), every year: what
    users take in part (the market's ``in_part``) equals the renewable hydrogen booked at the
    plants (``hydrogen_bought``), no plant buys more than it makes in its own reformers, and
    the obligation is met by plants' output sold plus that (or short at the cap)."""
    scen = []
    for name in ("current-policy", "no-new-policy", "high-ambition"):
        base = resolve([name], cat.path)[0]
        for ps in ("central", "low", "high"):
            lv = base.levers.model_copy(update={"price_set": ps, "name": f"{name}-{ps}"})
            scen.append(Scenario(name=f"{name}-{ps}", levers=lv, chain=base.chain, origin="test"))
    inp = build_inputs(cat, scen)
    m, out = run_keeping_market(inp)
    h2 = list(inp.coords.products).index("hydrogen")
    booked = out.plant["hydrogen_bought"].sum(axis=2).T  # (S, Y)
    assert booked == pytest.approx(m.in_part[:, h2], abs=1e-6)
    assert (booked > 0).any()
    per_unit = inp.instruments["rfnbo_mandate"]["reformer_hydrogen"]  # (S, R)
    rows = np.arange(per_unit.shape[0])[None, :, None]
    made = per_unit[rows, out.route_index.astype(np.int64)] * out.activity  # (Y, S, P)
    assert (out.plant["hydrogen_bought"] <= made + 1e-6).all()
    met = m.sold[:, h2] + m.in_part[:, h2]
    short = m.premium[:, h2] >= m.cap[:, h2] - 1e-9
    req = m.required_now[:, h2]
    assert np.where(short, met <= req + 1e-6, np.isclose(met, req)).all()


def test_a_buyer_saves_its_reformers_variable_om(
    inp: ModelInputs, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each tonne bought in place of a plant's own hydrogen saves the grey route's variable
    O&M (route smr's, also on a plant that captures): its ``opex`` falls by the tonnes times
    it. The data package gives smr no variable O&M, so here it is 40 EUR/t in every year:
    with ``b`` tonnes bought at Air Liquide Bergen op Zoom (route smr) in 2030 its opex is
    ``40 b`` lower than in the same run without the purchases booked (about 186 t: about
    7.4 kEUR/yr). At the Botlek SMR2 (route smr_ccs) ``b'`` tonnes save ``40 b'`` and the
    transport and storage of the 8.608689 tCO2/t no longer captured, at the package's
    41.806 EUR/tCO2: ``b' (40 + 8.608689 x 41.806)`` = ``b' x 399.9`` (about 2,217 t: 0.887
    MEUR/yr). The swap of carriers (energy cost) is booked apart and does not reach opex."""
    i = list(inp.coords.years).index(2030)
    plants = list(inp.coords.plants)
    grey, blue = (
        plants.index("air_liquide_bergen_op_zoom/hydrogen"),
        plants.index("air_liquide_botlek/hydrogen/smr2"),
    )
    smr = list(inp.coords.routes).index("smr")
    vom = inp.routes.variable_opex.copy()
    assert (vom[smr] == 0.0).all()  # the package's figure: the term is 0 on real data
    vom[smr] = 40.0
    inp = replace(inp, routes=replace(inp.routes, variable_opex=vom))
    _, with_ = run_keeping_market(inp)
    monkeypatch.setattr(RfnboMandate, "hydrogen_bought", lambda self, st: None)
    _, without = run_keeping_market(inp)
    assert (with_.route_index == without.route_index).all()
    w, wo = with_.plant, without.plant
    b, b2 = w["hydrogen_bought"][i, 0, grey], w["hydrogen_bought"][i, 0, blue]
    assert b > 100.0 and b2 > 1_000.0
    assert wo["opex"][i, 0, grey] - w["opex"][i, 0, grey] == pytest.approx(40.0 * b, rel=1e-9)
    ts = inp.markets.co2_ts_cost[0, i]
    assert ts == pytest.approx(41.806, abs=1e-3)
    assert wo["opex"][i, 0, blue] - w["opex"][i, 0, blue] == pytest.approx(
        b2 * (40.0 + 8.608689 * ts), rel=1e-5
    )
    # a plant that buys nothing keeps its opex
    q = next(k for k, name in enumerate(plants) if "/hvc" in name)
    assert w["opex"][i, 0, q] == wo["opex"][i, 0, q]


def test_a_buyer_never_avoids_more_than_it_emits(inp: ModelInputs) -> None:
    """Current policy, 2030, every plant on today's route at its base-year output and
    emissions, but Air Liquide Bergen op Zoom (route smr) given 100 t of direct emissions
    only: the users take the 16,832.5 t obligation in part (4 % of the 420,811.9 t the
    obligated plants on the hydrogen network use; Chemelot's are exempt until 2033), and
    Bergen op Zoom's share (7,874.0 / 420,811.9 of it, about 315 t) would avoid 315 x
    8.6842 = about 2,736 t; its emissions fall by what it emits, 100 t, no more. Air
    Products Botlekweg (smr, 502,190 t emitted) avoids its tonnes x 8.6842 in full."""
    market = RfnboMandate(BatchContext(inp, (RfnboMandate,)))
    g, i = list(inp.coords.products).index("hydrogen"), list(inp.coords.years).index(2030)
    plants = list(inp.coords.plants)
    P = len(plants)
    route = inp.plants.incumbent[None].astype(np.int64)
    output = inp.plants.base_production[None].copy()
    emissions = inp.plants.base_emissions[None].copy()
    boz = plants.index("air_liquide_bergen_op_zoom/hydrogen")
    apb = plants.index("air_products_botlekweg/hydrogen")
    emissions[0, boz] = 100.0
    record = YearRecord(
        i=i,
        year=2030,
        route=route,
        calib=np.ones((1, P)),
        activity=output,
        production=output,
        emissions=emissions,
        use=np.zeros((1, P, len(inp.coords.carriers))),
        started=np.zeros((1, P), dtype=bool),
        stored=np.zeros((1, P)),
    )
    got = market.hydrogen_bought(record)
    assert got is not None
    assert market.in_part[0, g, i] == pytest.approx(0.04 * 420_811.9, abs=0.01)
    assert got.tonnes[0, boz] == pytest.approx(0.04 * 7_874.0, abs=0.01)
    assert got.tonnes[0, boz] * 8.6842 > 2_700.0
    assert got.co2[0, boz] == 100.0
    assert emissions[0, apb] == pytest.approx(502_190.0)
    assert got.co2[0, apb] == pytest.approx(got.tonnes[0, apb] * 8.6842, rel=1e-6)
