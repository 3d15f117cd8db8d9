"""Heat pumps are limited by the waste heat available, by sector (issue 9 point 5).

Technology Data for Industrial Process Heat (DEA 302.b, application potential of a heat pump
on an 80 C waste-heat source): 24 % of the food industry's and 17 % of chemicals' medium-
temperature indirect heat (``route_parameters.csv``: ``heat_pump_low`` max_share 0.17 for
every sector but food, ``heat_pump_low_food`` 0.24 for food only). The letter's electrifiable
share of the band (0.62 in 2025, 0.90 from 2035) is far above both: the cap binds.

By hand, 2025 (``route_inputs.csv``): heat pump 0.333333 GJ electricity per GJ (COP 3.0), gas
boiler 1.08108 GJ gas per GJ and 0.0594595 tCO2/GJ; capex 1253.47 EUR/kW = 1253.47 / 31.5576
EUR/(GJ/yr) (a kW for a year of 365.25 days, the unit registry's year).
"""

from __future__ import annotations

import numpy as np
import pytest

from kruispunt.assemble.routes import (
    RouteBundle,
    _served_share,
    build_routes,
    firm_power,
    open_to_plants,
)
from kruispunt.assemble.tables import Tables
from kruispunt.catalogue.load import load_catalogue
from kruispunt.vocabulary import years as year_range

YEARS = year_range(2025, 2050)


@pytest.fixture(scope="module")
def bundle() -> RouteBundle:
    return build_routes(Tables(load_catalogue()), YEARS)


def _route(bundle: RouteBundle, rid: str) -> int:
    return bundle.ids.index(rid)


@pytest.mark.parametrize(
    ("route", "share"), [("heat_pump_low", 0.17), ("heat_pump_low_food", 0.24)]
)
def test_the_heat_pump_serves_its_sectors_waste_heat_share(
    bundle: RouteBundle, route: str, share: float
) -> None:
    """heat_pump_low: 0.17 x 0.333333 = 0.0566667 GJ electricity and 0.83 x 1.08108 =
    0.897297 GJ gas per GJ, 0.83 x 0.0594595 = 0.0493514 tCO2/GJ, capex 0.17 x 1253.47 /
    31.5576 = 6.7524 EUR/(GJ/yr); food: 0.24 and 0.76. The cap holds in every year, also
    from 2035 when the electrifiable share is 0.90."""
    carriers = Tables(load_catalogue()).carrier_index
    r = _route(bundle, route)
    inputs = bundle.routes.inputs[r]
    assert inputs[carriers["electricity"], 0] == pytest.approx(share * 0.333333, rel=1e-5)
    assert inputs[carriers["natural_gas"], 0] == pytest.approx((1 - share) * 1.08108, rel=1e-5)
    assert bundle.routes.emission_factor[r, 0] == pytest.approx((1 - share) * 0.0594595, rel=1e-5)
    assert bundle.routes.capex[r, 0] == pytest.approx(share * 1253.47 / 31.5576, rel=1e-4)
    # 2035 and later: electricity = share / COP, never the electrifiable 0.90
    i = list(YEARS).index(2040)
    assert inputs[carriers["electricity"], i] == pytest.approx(share * 0.31746, rel=1e-5)


def test_the_cap_binds_below_the_electrifiable_share(bundle: RouteBundle) -> None:
    """Without the cap the heat pump would serve the electrifiable share, 0.62 of the band in
    2025 (as the e-boiler does: 0.62 x 1.0101 GJ electricity per GJ)."""
    carriers = Tables(load_catalogue()).carrier_index
    e = carriers["electricity"]
    eboiler = bundle.routes.inputs[_route(bundle, "eboiler_low"), e, 0]
    assert eboiler == pytest.approx(0.62 * 1.0101, rel=1e-5)
    hp = bundle.routes.inputs[_route(bundle, "heat_pump_low"), e, 0]
    assert hp / 0.333333 == pytest.approx(0.17, rel=1e-5)
    assert hp / 0.333333 < 0.62


def test_each_sector_is_offered_its_own_heat_pump(bundle: RouteBundle) -> None:
    """A food plant may take heat_pump_low_food and not heat_pump_low; a chemicals plant the
    other way round; both may take the e-boiler (no sector cap); only a site named in
    route_sites.csv may take the salt plants' vapour recompression."""
    open_ = open_to_plants(bundle, ["food", "chemicals"], ["cosun_dinteloord", "nobian_hengelo"])
    hp, food, eb, mvr = (
        _route(bundle, r)
        for r in ("heat_pump_low", "heat_pump_low_food", "eboiler_low", "mvr_salt_low")
    )
    assert not open_[0, hp] and open_[0, food] and open_[0, eb]
    assert open_[1, hp] and not open_[1, food] and open_[1, eb]
    # vapour recompression only at the salt plant named in route_sites.csv
    assert not open_[0, mvr] and open_[1, mvr]


def test_a_route_open_to_one_unit_is_open_to_that_unit_only(bundle: RouteBundle) -> None:
    """route_sites.csv opens bought heat to one unit of LyondellBasell Botlek: that unit may
    take it, the site's other unit and a unit of the same name elsewhere may not; without the
    plants' units no plant may take it (a unit-limited route is never opened by the site)."""
    sites = ["lyondell_botlek", "lyondell_botlek", "cargill_botlek"]
    units = ["steam_network", "own_boilers", "steam_network"]
    bought = _route(bundle, "bought_heat_low")
    open_ = open_to_plants(bundle, ["chemicals"] * 3, sites, units)
    assert open_[:, bought].tolist() == [True, False, False]
    assert not open_to_plants(bundle, ["chemicals"] * 3, sites)[:, bought].any()
    # a route open to whole sites ignores the units
    mvr = _route(bundle, "mvr_salt_low")
    whole = open_to_plants(bundle, ["chemicals"], ["nobian_hengelo"], ["any_unit"])
    assert whole[0, mvr]


def test_a_route_open_to_sectors_with_different_shares_is_refused() -> None:
    """One route serves one share: caps 0.17 and 0.24 on the same route are a data error."""
    caps = np.array([[0.17, 0.24, np.nan]])
    with pytest.raises(ValueError, match="different max_share"):
        _served_share(caps, ["heat_pump_low"], YEARS)


@pytest.mark.parametrize(
    ("route", "share"), [("heat_pump_hybrid_low", 0.17), ("heat_pump_hybrid_low_food", 0.24)]
)
def test_a_heat_pump_beside_a_hybrid_boiler_serves_the_whole_band(
    bundle: RouteBundle, route: str, share: float
) -> None:
    """heat_pump_hybrid_low, 2025, per GJ of the band: the heat pump's 0.17 x 0.333333 =
    0.0566667 GJ in every hour (base_electricity), the hybrid boiler's 0.83 x 1.0101 =
    0.838383 on power, 0.83 x 1.08108 = 0.897296 gas and 0.83 x 0.0594595 tCO2 on gas
    (before the year's mix); switching from the gas boiler 0.17 x 1253.47 + 0.83 x 94.9602
    = 291.9068 EUR/kW; from a running hybrid only the heat pump, 0.17 x 1253.47 = 213.0899
    EUR/kW; from a running heat pump only the electric boiler, 0.83 x 94.9602 = 78.8170
    EUR/kW (per kW, / 31.5576 per GJ/yr). Food: 0.24 and 0.76. It serves the whole band:
    no electrifiable share mixes in the gas boiler."""
    carriers = Tables(load_catalogue()).carrier_index
    r = _route(bundle, route)
    routes = bundle.routes
    inputs = routes.inputs[r]
    rest = 1 - share
    assert bundle.flexible[r]
    assert routes.firm_power is not None
    assert routes.firm_power[r, 0] == pytest.approx(share * 0.333333, rel=1e-5)
    e, g = carriers["electricity"], carriers["natural_gas"]
    assert inputs[e, 0] == pytest.approx(share * 0.333333 + rest * 1.0101, rel=1e-5)
    assert inputs[g, 0] == pytest.approx(rest * 1.08108, rel=1e-5)
    assert routes.emission_factor[r, 0] == pytest.approx(rest * 0.0594595, rel=1e-5)
    kw = 31.5576
    assert routes.capex[r, 0] == pytest.approx((share * 1253.47 + rest * 94.9602) / kw, rel=1e-5)
    pair, add = routes.retrofit_pair, routes.retrofit_capex
    assert pair is not None and add is not None
    hybrid = _route(bundle, "hybrid_boiler_low")
    hp = _route(bundle, "heat_pump_low" if share == 0.17 else "heat_pump_low_food")
    assert add[pair[r, hybrid], 0] == pytest.approx(share * 1253.47 / kw, rel=1e-5)
    assert add[pair[r, hp], 0] == pytest.approx(rest * 94.9602 / kw, rel=1e-5)
    # no other route gives a firm part
    others = np.ones(len(bundle.ids), dtype=bool)
    others[[_route(bundle, x) for x in ("heat_pump_hybrid_low", "heat_pump_hybrid_low_food")]] = (
        False
    )
    assert not routes.firm_power[others].any()


def test_a_firm_part_is_given_only_to_a_flexible_load_within_its_electricity() -> None:
    """base_electricity on a route that is not a flexible load, or above the route's
    electricity on power, is a data error naming the route."""
    elec = np.array([[1.0], [1.0]])
    with pytest.raises(ValueError, match="route 'b' gives base_electricity but is not"):
        firm_power(np.array([[np.nan], [0.2]]), np.array([True, False]), elec, ["a", "b"])
    with pytest.raises(ValueError, match="route 'a' has base_electricity above"):
        firm_power(np.array([[1.5], [np.nan]]), np.array([True, True]), elec, ["a", "b"])
    assert firm_power(np.full((2, 1), np.nan), np.array([True, True]), elec, ["a", "b"]) is None
