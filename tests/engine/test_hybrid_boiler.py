"""A hybrid boiler in the engine: its year's carrier mix and emissions follow the hours of the
price-duration curve in which power is cheaper than gas with carbon, and it asks the grid for
its rated power (issue 9 points 5 and 6).

Toy (``kruispunt.testing.toy_inputs``): one plant of 1 Mt/yr; the ``elec`` route is made a
hybrid: 10.8 GJ electricity per t on power, 10 GJ gas per t and 1 tCO2/t on gas, capex 50
EUR/(t/yr). Gas 10 EUR/GJ, electricity 20 EUR/GJ on average; the data package's 2025 curve
(``electricity_profile.csv``). Per tonne: gas costs 10 x 10 + EUA x 1; power in band b costs
relative_price_b x 20 x 10.8 = 216 x relative_price_b.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
import xarray as xr

from kruispunt import metrics
from kruispunt.assemble.flexible import apply_flexible_loads, price_profile
from kruispunt.assemble.tables import Tables
from kruispunt.catalogue.load import load_catalogue
from kruispunt.engine.context import BatchContext
from kruispunt.engine.simulate import simulate
from kruispunt.inputs import ModelInputs
from kruispunt.policy.network_tariff import NetworkTariff, flexible_routes
from kruispunt.policy.registry import INSTRUMENTS
from kruispunt.testing import TOY_YEARS, toy_inputs
from kruispunt.vocabulary import REASON_CODE

RATED_MW = 1.0e6 * 10.8 / 3.6 / 8760  # 342.47 MW: the electric boiler at full output


def _hybrid(inp: ModelInputs, firm: float | None = None) -> ModelInputs:
    """The toy with its ``elec`` route a hybrid boiler (inputs per carrier alone), with a
    heat pump drawing ``firm`` GJ of electricity per t in every hour beside it (None: no
    firm part given)."""
    r = inp.routes
    inputs = r.inputs.copy()
    inputs[1, 0] = 10.0  # gas on gas
    inputs[1, 1] += firm or 0.0  # electricity on power, the heat pump's included
    ef = r.emission_factor.copy()
    ef[1] = 1.0  # CO2 on gas
    capex = r.capex.copy()
    capex[1] = 50.0
    flexible = np.array([False, True, False])
    hours, relative = price_profile(Tables(load_catalogue()))
    base = None
    if firm is not None:
        base = np.zeros_like(r.emission_factor)
        base[1] = firm
    routes = replace(r, inputs=inputs, emission_factor=ef, capex=capex, firm_power=base)
    return apply_flexible_loads(replace(inp, routes=routes), flexible, hours, relative)


def test_the_year_mix_follows_the_bands_where_power_is_cheaper() -> None:
    """EUA 100: gas 200 EUR/t; power cheaper where 216 x rel < 200, rel < 0.926: bands 1-4
    (-0.1628, 0.0266, 0.4976, 0.8452), 3,000 h, share 3,000 / 8,760 = 0.342466. The route
    uses 0.342466 x 10.8 = 3.6986 GJ electricity and 0.657534 x 10 = 6.5753 GJ gas per t and
    emits 0.657534 t/t. EUA 0: gas 100 EUR/t, rel < 0.463: bands 1-2, 1,000 h."""
    inp = _hybrid(toy_inputs(eua=100.0))
    share = 3000 / 8760
    assert inp.routes.power_share is not None
    assert inp.routes.power_share[1] == pytest.approx(np.full(len(TOY_YEARS), share))
    assert inp.routes.inputs[1, 1, 0] == pytest.approx(share * 10.8)
    assert inp.routes.inputs[1, 0, 0] == pytest.approx((1 - share) * 10.0)
    assert inp.routes.emission_factor[1, 0] == pytest.approx(1 - share)
    low = _hybrid(toy_inputs(eua=0.0))
    assert low.routes.power_share is not None
    assert low.routes.power_share[1, 0] == pytest.approx(1000 / 8760)


def test_the_plant_on_the_hybrid_emits_only_in_its_hours_on_gas() -> None:
    """At EUA 100 the hybrid (200 x 0.657534 + ... per t) beats gas: the plant switches and
    emits (1 - 0.342466) x 1 Mt = 657,534 t a year; its electricity is 0.342466 x 10.8 PJ."""
    ds = simulate(_hybrid(toy_inputs(eua=100.0))).dataset
    plant = "site0/widget"
    route = ds["route_index"].sel(scenario="s0", plant=plant).values
    assert route[-1] == 1
    last = ds.sel(scenario="s0", plant=plant).isel(year=-1)
    assert float(last["direct_emissions"]) == pytest.approx(1e6 * (1 - 3000 / 8760))
    elec = float(last["energy"].sel(carrier="electricity"))
    assert elec == pytest.approx(1e6 * 10.8 * 3000 / 8760)
    # average load 0.342466 x 342.47 MW; peak the rated power
    assert float(last["electric_load"]) == pytest.approx(RATED_MW * 3000 / 8760)
    assert float(last["peak_load"]) == pytest.approx(RATED_MW)


def test_the_grid_waiting_list_per_cluster_clears_when_the_reinforcement_arrives() -> None:
    """The cluster's grid has 0 MW for new load until 2030, 400 MW from 2030 (as a cluster
    declared full until its reinforcement, ``infrastructure.csv``). The hybrid asks its rated
    power, 342.47 MW (not its average 117.3 MW): the plant waits, one plant and 342.47 MW on
    the cluster's waiting list each year to 2029, none from 2030, when it switches; the
    cluster's peak load is then 342.47 MW against 400 MW."""
    inp = _hybrid(toy_inputs(eua=100.0))
    cap = inp.pools.capacity.copy()
    cap[:, 0] = np.where(TOY_YEARS >= 2030, 400.0, 0.0)[None, :]
    res = simulate(replace(inp, pools=replace(inp.pools, capacity=cap)))
    ds = res.dataset
    years = list(TOY_YEARS)
    reason = ds["switch_reason"].sel(scenario="s0", plant="site0/widget").values
    assert (reason[: years.index(2030)] == REASON_CODE["waiting_for_infrastructure"]).all()
    grid = metrics.grid_by_cluster(res).set_index("year")
    before = grid.loc[:2029]
    assert (before["waiting_plants"] == 1).all()
    assert before["waiting_mw"].to_numpy() == pytest.approx(np.full(len(before), RATED_MW))
    assert (grid.loc[2030:, "waiting_plants"] == 0).all()
    assert (grid.loc[2030:, "waiting_mw"] == 0.0).all()
    after = grid.loc[2030:2049]  # on the hybrid until its renewal in 2050 (20-year life)
    assert after["peak_mw"].to_numpy() == pytest.approx(np.full(len(after), RATED_MW))
    assert after["new_load_mw"].to_numpy() == pytest.approx(np.full(len(after), RATED_MW))
    assert (after["capacity_mw"] == 400.0).all()
    assert after.loc[2030, "electricity_twh"] == pytest.approx(10.8e6 * 3000 / 8760 / 3.6e6)


def test_a_reinforcement_below_the_rated_power_keeps_the_hybrid_waiting() -> None:
    """300 MW from 2030 hold the hybrid's average load (117.3 MW) but not its rated power
    (342.47 MW): the plant stays on gas and on the waiting list."""
    inp = _hybrid(toy_inputs(eua=100.0))
    cap = inp.pools.capacity.copy()
    cap[:, 0] = np.where(TOY_YEARS >= 2030, 300.0, 0.0)[None, :]
    res = simulate(replace(inp, pools=replace(inp.pools, capacity=cap)))
    route = res.dataset["route_index"].sel(scenario="s0", plant="site0/widget").values
    assert (route == 0).all()
    grid = metrics.grid_by_cluster(res)
    assert (grid["waiting_plants"] == 1).all()


def _tariffed(eua: float, rate_hv: float, kw_share: float) -> ModelInputs:
    """The hybrid toy with a network tariff of ``rate_hv`` EUR/MWh of a flat load (HV) and
    a flexible load paying ``kw_share`` of the kW tariff on its rated power."""
    rate = np.zeros((1, 2, len(TOY_YEARS)))
    rate[:, 1] = rate_hv
    tariff = {
        "network_tariff": {
            "rate": rate,
            "ehv": np.zeros((1, 1)),
            "flexible_kw_share": np.array([kw_share]),
        }
    }
    return _hybrid(toy_inputs(eua=eua, instruments=tariff))


@pytest.mark.parametrize(
    ("rate_hv", "kw_share", "route", "paid"),
    [
        # on its MWh (kw_share = its share of the year on power, 3,000 / 8,760), as a flat
        # load: 0.342466 x 3 MWh/t x 25 = 25.68 EUR/t < 31.19, it switches
        (25.0, 3000 / 8760, 1, 1e6 * 3 * 25 * 3000 / 8760),
        # on half its rated kW (the time-bound right): 0.5 x 3 x 25 = 37.5 > 31.19, gas
        (25.0, 0.5, 0, 0.0),
        # at 10 EUR/MWh: 15 EUR/t on the time-bound right, 30 on a firm one (< 31.19)
        (10.0, 0.5, 1, 1e6 * 3 * 10 * 0.5),
        (10.0, 1.0, 1, 1e6 * 3 * 10),
    ],
)
def test_a_hybrid_pays_the_kw_tariff_on_its_rated_power(
    rate_hv: float, kw_share: float, route: int, paid: float
) -> None:
    """The TAVT is per kW (half on kW contracted, half on the monthly kW maximum: Stcrt.
    2024, 23593, art. 3.7.5): the hybrid draws its rated 3 MWh/t in its cheap hours of every
    month, so it pays on its rated power, not on the 34 % of the year it runs on power. At
    EUA 100 the hybrid saves 200 - (0.657534 x 200 + 216/8760 x (500 x -0.1628 + 500 x
    0.0266 + 1,000 x 0.4976 + 1,000 x 0.8452)) = 200 - 162.938 = 37.06 EUR/t against
    its capex annuity 50 x 0.11746 = 5.87 (10 %, 20 years): 31.19 EUR/t to spare for the
    tariff. Billed on its MWh (the flat-load formula) it switches where billed on its kW it
    does not; on a firm right it pays what a flat electric route of the same rated power
    pays."""
    ds = simulate(_tariffed(100.0, rate_hv, kw_share)).dataset
    last = ds.sel(scenario="s0", plant="site0/widget").isel(year=-2)
    assert int(last["route_index"]) == route
    assert float(last["network_tariff"]) == pytest.approx(paid)


def _relieved(kw_share: float, *, share: float, band: float, band_min_mwh: float) -> xr.Dataset:
    """The hybrid toy at EUA 100 and 10 EUR/MWh, with the state paying ``share`` of every
    tariff and the band-load rule leaving ``band`` above ``band_min_mwh``: its results."""
    inp = _tariffed(100.0, 10.0, kw_share)
    relief = {
        "share": np.full((1, len(TOY_YEARS)), share),
        "band_share": np.full(1, band),
        "band_min_mwh": np.full(1, band_min_mwh),
    }
    inp = replace(inp, instruments={**inp.instruments, "network_tariff_relief": relief})
    return simulate(inp).dataset


def test_relief_of_a_hybrid_s_tariff_is_on_what_it_pays() -> None:
    """The state paying half of every tariff pays half of the hybrid's kW charge: on a firm
    right at 10 EUR/MWh, 0.5 x 30 MEUR = 15 MEUR a year, booked as subsidy and outlay."""
    ds = _relieved(1.0, share=0.5, band=1.0, band_min_mwh=1.0e12)
    last = ds.sel(scenario="s0", plant="site0/widget").isel(year=-2)
    assert int(last["route_index"]) == 1
    assert float(last["network_tariff"]) == pytest.approx(30.0e6)
    assert float(last["subsidies"]) == pytest.approx(15.0e6)
    outlay = ds["gov_cash_flow"].sel(scenario="s0", flow="network_tariff_relief_outlay")
    assert float(outlay.isel(year=-2)) == pytest.approx(-15.0e6)


def test_a_hybrid_is_not_a_band_load_user() -> None:
    """StromNEV para. 19(2) relieves a user of at least 7,000 full-load hours; the hybrid
    draws its rated power 3,000 h a year, so the band-load lever (10 % left above 10 GWh)
    relieves nothing of its 15 MEUR (0.5 x 3 MWh/t x 1 Mt x 10 EUR/MWh), though its 1.03 TWh
    are far above the threshold; a flat electric route of the toy (3 TWh at 8,760 h) is
    relieved of 90 % (test_network_tariff.py)."""
    ds = _relieved(0.5, share=0.0, band=0.1, band_min_mwh=1.0e4)
    last = ds.sel(scenario="s0", plant="site0/widget").isel(year=-2)
    assert int(last["route_index"]) == 1
    assert float(last["network_tariff"]) == pytest.approx(15.0e6)
    assert float(last["subsidies"]) == 0.0


def test_a_hybrid_never_on_power_is_still_a_flexible_load() -> None:
    """On a flat price curve (one band of 8,760 h at the yearly average) with power at 20
    EUR/GJ the toy hybrid's power costs 216 EUR/t against 100 on gas (EUA 0): it runs on gas
    all year (share 0), yet it holds its electric boiler's connection, so it is still a
    flexible load, charged on half its rated 3 MWh/t (1.5 MWh/t at 10 EUR/MWh: 15 EUR/t in
    the tariff's path); the gas route is charged nothing."""
    inp = toy_inputs(eua=0.0)
    r = inp.routes
    inputs = r.inputs.copy()
    inputs[1, 0] = 10.0  # gas on gas
    ef = r.emission_factor.copy()
    ef[1] = 1.0
    raw = replace(inp, routes=replace(r, inputs=inputs, emission_factor=ef))
    flat = apply_flexible_loads(
        raw, np.array([False, True, False]), np.array([8760.0]), np.array([1.0])
    )
    assert flat.routes.power_share is not None
    assert (flat.routes.power_share[1] == 0.0).all()
    rate = np.zeros((1, 2, len(TOY_YEARS)))
    rate[:, 1] = 10.0
    params = {"rate": rate, "ehv": np.zeros((1, 1)), "flexible_kw_share": np.array([0.5])}
    flat = replace(flat, instruments={"network_tariff": params})
    ctx = BatchContext(flat, INSTRUMENTS)
    np.testing.assert_array_equal(flexible_routes(ctx), [False, True, False])
    hv = NetworkTariff(ctx).paths()["hv"]
    assert hv[0, 1, 0] == pytest.approx(15.0)
    assert hv[0, 0, 0] == 0.0


def test_a_heat_pump_beside_the_hybrid_runs_in_every_hour() -> None:
    """A heat pump drawing 3.6 GJ/t in every hour beside the toy hybrid (route_inputs 14.4
    GJ/t on power, base_electricity 3.6): the boiler's hours on power are weighed on its
    own 10.8 GJ/t, so the share stays 3,000 / 8,760; the route uses 3.6 + 0.342466 x 10.8 =
    7.2986 GJ/t, the heat pump's part at the yearly average price and the boiler's at its
    bands' (price weight (3.6 + 3.6986 x w) / 7.2986, w the plain hybrid's); it asks the
    grid for 14.4 GJ/t; gas and CO2 are the plain hybrid's. The kW tariff on the time-bound
    right charges the heat pump as a flat load and half the boiler's rated power: 3.6 + 0.5 x
    10.8 = 9.0 GJ/t."""
    plain = _hybrid(toy_inputs(eua=100.0))
    inp = _hybrid(toy_inputs(eua=100.0), firm=3.6)
    share = 3000 / 8760
    r, p = inp.routes, plain.routes
    assert r.power_share is not None and p.power_share is not None
    np.testing.assert_array_equal(r.power_share, p.power_share)
    assert r.inputs[1, 1, 0] == pytest.approx(3.6 + share * 10.8)
    np.testing.assert_array_equal(r.inputs[1, 0], p.inputs[1, 0])
    np.testing.assert_array_equal(r.emission_factor, p.emission_factor)
    assert r.rated_power is not None
    assert r.rated_power[1, 0] == pytest.approx(14.4)
    assert r.price_weight is not None and p.price_weight is not None
    w = p.price_weight[1, 1, 0]
    assert w < 1.0  # the boiler buys in the cheap bands
    flex = share * 10.8
    assert r.price_weight[1, 1, 0] == pytest.approx((3.6 + flex * w) / (3.6 + flex))
    rate = np.zeros((1, 2, len(TOY_YEARS)))
    rate[:, 1] = 10.0
    params = {"rate": rate, "ehv": np.zeros((1, 1)), "flexible_kw_share": np.array([0.5])}
    hv = NetworkTariff(
        BatchContext(replace(inp, instruments={"network_tariff": params}), INSTRUMENTS)
    ).paths()["hv"]
    assert hv[0, 1, 0] == pytest.approx(9.0 / 3.6 * 10.0)


def test_a_firm_part_of_zero_leaves_the_hybrid_bit_for_bit() -> None:
    """A firm part of 0 (a data package giving base_electricity to other routes) leaves the
    hybrid's use, emissions, price weight, rated power and hours on power as without one."""
    raw = _hybrid(toy_inputs(eua=100.0))
    zero = _hybrid(toy_inputs(eua=100.0), firm=0.0)
    assert zero.routes.firm_power is not None
    for name in ("inputs", "price_weight", "rated_power", "power_share", "emission_factor"):
        np.testing.assert_array_equal(getattr(zero.routes, name), getattr(raw.routes, name))


def _two(eua: float, other: float, heat: bool = False, **kw: object) -> ModelInputs:
    """The hybrid toy over two scenarios, ``s0`` at EUA ``eua`` (the reference row) and
    ``s1`` at ``other`` (``heat``: its product is heat, whose free allocation without a
    benchmark mapping scales with the route's emissions)."""
    a = toy_inputs(eua=eua, **kw)  # type: ignore[arg-type]
    b = toy_inputs(eua=other, **kw)  # type: ignore[arg-type]
    b = replace(b, coords=replace(b.coords, scenarios=("s1",)))
    both = a.concat([b])
    if heat:
        both = replace(both, products=replace(both.products, heat=np.ones(1, dtype=bool)))
    r = both.routes
    inputs = r.inputs.copy()
    inputs[1, 0] = 10.0
    ef = r.emission_factor.copy()
    ef[1] = 1.0
    capex = r.capex.copy()
    capex[1] = 50.0
    routes = replace(r, inputs=inputs, emission_factor=ef, capex=capex)
    hours, relative = price_profile(Tables(load_catalogue()))
    return apply_flexible_loads(
        replace(both, routes=routes), np.array([False, True, False]), hours, relative
    )


def test_each_scenario_runs_its_own_mix() -> None:
    """At EUA 60 gas costs 160 EUR/t: power is cheaper where 216 x rel < 160, rel < 0.741,
    bands 1-3 (500 + 500 + 1,000 h): 2,000 h, share 0.228311, beside EUA 100's 3,000 h. The
    second scenario of a run runs its own share, not the first's: its plant emits (1 -
    0.228311) x 1 Mt and uses 0.228311 x 10.8 PJ of electricity; the route tables keep the
    reference row's mix."""
    inp = _two(100.0, 60.0)
    assert inp.flexible is not None and inp.routes.power_share is not None
    np.testing.assert_array_equal(inp.flexible.routes, [1])
    assert inp.flexible.share[:, 0] == pytest.approx(
        np.array([[3000 / 8760], [2000 / 8760]]) * np.ones(len(TOY_YEARS))
    )
    assert inp.routes.power_share[1] == pytest.approx(np.full(len(TOY_YEARS), 3000 / 8760))
    assert inp.select([1]).flexible.share[0, 0, 0] == pytest.approx(2000 / 8760)
    last = simulate(inp).dataset.sel(scenario="s1", plant="site0/widget").isel(year=-1)
    assert int(last["route_index"]) == 1
    assert float(last["direct_emissions"]) == pytest.approx(1e6 * (1 - 2000 / 8760))
    elec = float(last["energy"].sel(carrier="electricity"))
    assert elec == pytest.approx(1e6 * 10.8 * 2000 / 8760)
    assert float(last["energy"].sel(carrier="natural_gas")) == pytest.approx(
        1e7 * (1 - 2000 / 8760)
    )


@pytest.mark.parametrize(("other", "heat"), [(0.0, False), (60.0, False), (120.0, True)])
def test_a_scenario_s_results_do_not_depend_on_the_reference_row(other: float, heat: bool) -> None:
    """A scenario run beside another at a different EUA (whose mix the route tables hold)
    gives what it gives run alone, where its own mix is the reference's (so the engine reads
    no per-scenario rows), to the bit: every plant result,
    its choices, valuation (the switch years), accounting, tariff (the kW charge on the
    time-bound right and the band-load relief) and, for a heat product with a base-year
    free allocation of 0.5 t/t (without the tariff, which keeps that plant on gas), the EU
    ETS free allocation (its own part scales with the route's emissions in the scenario's
    mix) alike."""
    rate = np.zeros((1, 2, len(TOY_YEARS)))
    rate[:, 1] = 10.0
    tariff = {
        "network_tariff": {
            "rate": rate,
            "ehv": np.zeros((1, 1)),
            "flexible_kw_share": np.array([0.5]),
        },
        "network_tariff_relief": {
            "share": np.full((1, len(TOY_YEARS)), 0.2),
            "band_share": np.full(1, 0.1),
            "band_min_mwh": np.full(1, 1.0e4),
        },
    }
    kw: dict[str, object] = {"instruments": None if heat else tariff, "heat": heat}
    kw["base_free_allocation"] = 0.5e6 if heat else 0.0
    pair = simulate(_two(100.0, other, **kw)).dataset.sel(scenario="s1")  # type: ignore[arg-type]
    alone = simulate(_two(other, other, **kw).select([0])).dataset.sel(scenario="s0")  # type: ignore[arg-type]
    if heat:  # the case holds a free allocation that follows the mix: at EUA 120 gas
        # costs 220 EUR/t, power is cheaper below 1.019 x the average, 4,000 h; on the hybrid
        # the plant gets 0.5 t/t x (1 - 4,000 / 8,760) of the gas route's 1 t/t
        plant = alone.sel(plant="site0/widget")
        on = plant["route_index"].values == 1
        assert on.any()
        np.testing.assert_allclose(
            plant["free_allocation"].values[on], 0.5e6 * (1 - 4000 / 8760), rtol=1e-12
        )
    for name in pair.data_vars:
        a, b = pair[name].values, alone[name].values
        np.testing.assert_array_equal(a, b, err_msg=name)  # to the bit


def test_alike_scenarios_keep_one_mix() -> None:
    """Where every scenario runs the reference's mix the engine reads one (no per-scenario
    rows); where one differs, that route gets a row per scenario."""
    same = BatchContext(_two(100.0, 100.0), INSTRUMENTS).route.mix
    assert not same.any and same.emitted.shape[0] == 1
    own = BatchContext(_two(100.0, 60.0), INSTRUMENTS).route.mix
    np.testing.assert_array_equal(own.rows, [1])
    assert own.emitted[:, 1, 0] == pytest.approx([1 - 3000 / 8760, 1 - 2000 / 8760])
    np.testing.assert_array_equal(own.emitted[0, [0, 2]], own.emitted[1, [0, 2]])
