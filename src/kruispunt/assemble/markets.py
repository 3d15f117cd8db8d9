"""Markets per scenario: carrier prices, the EUA price, CO2 transport and storage, the grid's
emission factor and product demand, from the data package and the scenario levers."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from kruispunt.assemble.tables import Tables
from kruispunt.catalogue.series import over_years
from kruispunt.inputs import Markets
from kruispunt.scenarios import Scenario
from kruispunt.units import conversion_factor

F = npt.NDArray[np.float64]
B = npt.NDArray[np.bool_]


def scenario_path(path: dict[int, float], years: npt.NDArray[np.int64]) -> F:
    """A scenario's ``{year: value}`` path over ``years``: linear between, flat outside."""
    xs = sorted(path)
    return np.interp(years.astype(np.float64), xs, [path[x] for x in xs])


def carrier_prices(tables: Tables, years: npt.NDArray[np.int64]) -> tuple[F, B]:
    """The data package's price path of every carrier ``(C, Y)`` and which carriers have one."""
    c_of = tables.carrier_index
    price = np.zeros((len(c_of), len(years)))
    priced = np.zeros(len(c_of), dtype=bool)
    for cid, part in tables.catalogue.carrier_prices.groupby("carrier_id"):
        price[c_of[str(cid)]] = over_years(part, years, "linear")
        priced[c_of[str(cid)]] = True
    return price, priced


def build_markets(
    tables: Tables, scenarios: Sequence[Scenario], years: npt.NDArray[np.int64], n_plants: int
) -> Markets:
    """Market paths of every scenario; ``plant_price`` is left at zero (calibration sets it)."""
    S, Y = len(scenarios), len(years)
    base_price, _ = carrier_prices(tables, years)
    eua_base = np.nan_to_num(tables.policy_path("eu_ets.eua_price", years), nan=0.0)
    ts_cost = np.nan_to_num(tables.policy_path("ccs.transport_storage_cost", years), nan=0.0)
    c_of, g_of = tables.carrier_index, tables.product_index
    per_mwh = conversion_factor("tCO2/MWh", "tCO2/GJ")
    price = np.broadcast_to(base_price[None], (S, *base_price.shape)).copy()
    eua = np.zeros((S, Y))
    grid_ef = np.full((S, Y), np.nan)
    demand = np.ones((S, len(g_of), Y))
    for s, sc in enumerate(scenarios):
        lv = sc.levers
        path = scenario_path(lv.eua_price, years) if lv.eua_price else eua_base
        eua[s] = path * lv.eua_price_scale
        for cid, cpath in lv.carrier_prices.items():
            price[s, c_of[cid]] = scenario_path(cpath, years)
        for cid, scale in lv.carrier_price_scale.items():
            price[s, c_of[cid]] *= scale
        if lv.grid_emission_factor is not None:
            grid_ef[s] = scenario_path(lv.grid_emission_factor, years) * per_mwh
        for pid, val in lv.demand_scale.items():
            demand[s, g_of[pid]] = val
    return Markets(
        price=price,
        eua=eua,
        co2_ts_cost=np.broadcast_to(ts_cost[None], (S, Y)).copy(),
        grid_emission_factor=grid_ef,
        demand_scale=demand,
        plant_price=np.zeros((S, n_plants)),
    )
