"""Markets per scenario: carrier prices, the EUA price, CO2 transport and storage, the grid's
emission factor and product demand, from the data package and the scenario levers.

Prices come in named sets (``central``, ``low``, ``high``: ``carrier_prices.csv`` column
``price_set``; the EUA paths ``eu_ets.eua_price``, ``eu_ets.eua_price_low`` and
``eu_ets.eua_price_high`` in ``policy.csv``); a scenario picks one with its ``price_set`` lever,
and a carrier (or the EUA) without a path in that set takes its central one. All money is in
euro of 2025 (the catalogue converted it)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

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


PRICE_SETS: tuple[str, ...] = ("central", "low", "high")
"""The price sets of the data package; ``central`` is every carrier's fallback."""
EUA_PARAMETER = {
    "central": "eu_ets.eua_price",
    "low": "eu_ets.eua_price_low",
    "high": "eu_ets.eua_price_high",
}
"""The policy parameter holding the EUA path of each price set."""


def carrier_prices(
    tables: Tables, years: npt.NDArray[np.int64], price_set: str = "central"
) -> tuple[F, B]:
    """The data package's price path of every carrier in ``price_set`` ``(C, Y)`` [EUR2025 per
    carrier unit], and which carriers have a price.

    A carrier without a path in ``price_set`` takes its central path.
    """
    if price_set not in PRICE_SETS:
        raise ValueError(f"unknown price set '{price_set}'; allowed: {', '.join(PRICE_SETS)}")
    return tables.memo(
        ("carrier_prices", years.tobytes(), price_set),
        lambda: _carrier_prices(tables, years, price_set),
    )


def _carrier_prices(tables: Tables, years: npt.NDArray[np.int64], price_set: str) -> tuple[F, B]:
    c_of = tables.carrier_index
    price = np.zeros((len(c_of), len(years)))
    priced = np.zeros(len(c_of), dtype=bool)
    rows = tables.catalogue.carrier_prices
    for cid, part in rows.groupby("carrier_id"):
        chosen = part[part["price_set"] == price_set]
        if chosen.empty:
            chosen = part[part["price_set"] == "central"]
        if chosen.empty:
            continue
        price[c_of[str(cid)]] = over_years(chosen, years, "linear")
        priced[c_of[str(cid)]] = True
    return price, priced


def eua_path(tables: Tables, years: npt.NDArray[np.int64], price_set: str = "central") -> F:
    """The data package's EUA path of ``price_set`` over ``years`` [EUR2025/tCO2] (the central
    path where the set has none; 0 where the package has none at all)."""
    path = tables.policy_path(EUA_PARAMETER[price_set], years)
    if np.isnan(path).all():
        path = tables.policy_path(EUA_PARAMETER["central"], years)
    return np.nan_to_num(path, nan=0.0)


def build_markets(
    tables: Tables, scenarios: Sequence[Scenario], years: npt.NDArray[np.int64], n_plants: int
) -> Markets:
    """Market paths of every scenario; ``plant_price`` is left at zero (calibration sets it).
    Demand per product is its sourced outlook (``product_markets.csv`` ``demand_index``,
    relative to the first model year: the falling demand for refined oil products) times
    the scenario's ``demand_scale``."""
    S, Y = len(scenarios), len(years)
    sets = {sc.levers.price_set for sc in scenarios}
    set_price = {ps: carrier_prices(tables, years, ps)[0] for ps in sorted(sets)}
    set_eua = {ps: eua_path(tables, years, ps) for ps in sorted(sets)}
    ts_cost = np.nan_to_num(tables.policy_path("ccs.transport_storage_cost", years), nan=0.0)
    c_of, g_of = tables.carrier_index, tables.product_index
    follows = tables.price_follows
    per_mwh = conversion_factor("tCO2/MWh", "tCO2/GJ")
    price = np.stack([set_price[sc.levers.price_set] for sc in scenarios])
    eua = np.zeros((S, Y))
    grid_ef = np.full((S, Y), np.nan)
    demand = np.ones((S, len(g_of), Y))
    outlook = demand_index(tables, years)
    for s, sc in enumerate(scenarios):
        lv = sc.levers
        path = scenario_path(lv.eua_price, years) if lv.eua_price else set_eua[lv.price_set]
        eua[s] = path * lv.eua_price_scale
        for cid, cpath in lv.carrier_prices.items():
            price[s, c_of[cid]] = scenario_path(cpath, years)
        for cid, scale in lv.carrier_price_scale.items():
            price[s, c_of[cid]] *= scale
        _follow(price[s], lv.carrier_prices, lv.carrier_price_scale, follows, c_of)
        if lv.grid_emission_factor is not None:
            grid_ef[s] = scenario_path(lv.grid_emission_factor, years) * per_mwh
        demand[s] = outlook
        for pid, val in lv.demand_scale.items():
            demand[s, g_of[pid]] = outlook[g_of[pid]] * val
    return Markets(
        price=price,
        eua=eua,
        co2_ts_cost=np.broadcast_to(ts_cost[None], (S, Y)).copy(),
        grid_emission_factor=grid_ef,
        demand_scale=demand,
        plant_price=np.zeros((S, n_plants)),
    )


def _follow(
    price: F,
    paths: Mapping[str, object],
    scales: Mapping[str, float],
    follows: Mapping[str, tuple[str, float]],
    c_of: Mapping[str, int],
) -> None:
    """In place on one scenario's prices ``(C, Y)``: a carrier whose price follows another's
    (``carriers.csv`` ``price_follows``) costs its ``price_ratio`` times that carrier's price
    where the scenario sets or scales the followed carrier's price (``paths``: its
    ``carrier_prices``, ``scales``: its ``carrier_price_scale``) and sets no path of its own,
    times its own scale. Elsewhere it keeps its price set's path, which the data package
    derives with the same ratio (bought heat at the gas it replaces; a sampled gas path in an
    ensemble moves the heat price with it)."""
    for carrier, (target, ratio) in follows.items():
        if carrier in paths or (target not in paths and target not in scales):
            continue
        price[c_of[carrier]] = ratio * price[c_of[target]] * scales.get(carrier, 1.0)


def demand_index(tables: Tables, years: npt.NDArray[np.int64]) -> F:
    """Each product's demand outlook over ``years`` relative to the first model year ``(G,
    Y)`` [-]: the ``demand_index`` rows of ``product_markets.csv`` (linear between the years
    given, the first value before and the last after them); 1 for a product without rows."""
    out = np.ones((len(tables.product_ids), len(years)))
    for g, part in tables.product_market_rows("demand_index"):
        path = over_years(part, years, "linear", before=float(part["value"].iloc[0]))
        last = float(part["value"].iloc[-1])
        out[g] = np.where(np.isnan(path), last, path)
    return out
