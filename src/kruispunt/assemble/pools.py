"""Capacity pools: each CO2 storage project, grid for new load and hydrogen per cluster, and the
biomass supply (a cluster's own, then the national one, each a curve of price steps), with
their capacities and access years per scenario (delays and scales from the levers)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
import pandas as pd

from kruispunt.assemble.tables import Tables
from kruispunt.catalogue.schema import parameter_specs
from kruispunt.catalogue.series import over_years
from kruispunt.inputs import Pools
from kruispunt.scenarios import Scenario
from kruispunt.units import conversion_factor
from kruispunt.vocabulary import (
    BIOMASS,
    CO2_STORAGE,
    FIRST_MODEL_YEAR,
    GRID,
    HYDROGEN,
    HYDROGEN_LHV_GJ_PER_T,
    NEVER,
    RESOURCES,
)

F = npt.NDArray[np.float64]
I = npt.NDArray[np.int64]  # noqa: E741


@dataclass
class _Pool:
    name: str
    resource: int
    host: int
    capacity: F
    access: I
    sites: frozenset[str] = field(default_factory=frozenset)
    """Sites with a contract (empty: open to every plant with access)."""
    decided: bool = False
    """Past its final investment decision: dates are not delayed by scenario levers."""
    awarded: bool = False
    """A hydrogen supply project awarded public production support (an OWE round) but not
    past its final investment decision: it supplies in every scenario, as a decided one
    does, and its start is moved by the ``hydrogen_delay`` lever, as a plan's is."""
    figure: bool = True
    """The data give the pool's capacity (False: a cluster's grid without a sourced figure,
    unlimited unless the scenario's ``grid_unknown_capacity`` says none)."""
    steps: F = field(default_factory=lambda: np.array([np.inf]))
    """Quantity of each price step, cheapest first [resource unit/yr] (one unlimited step:
    no supply curve)."""
    prices: F = field(default_factory=lambda: np.zeros(1))
    """Price of each step on top of the carrier's market price [EUR/carrier]."""
    adder_not_in: tuple[str, ...] = ("",)
    """Price set of each step whose carrier price already includes the step's price, so it
    is not added in that set (empty: added in every set)."""
    opens: I = field(default_factory=lambda: np.zeros(1, dtype=np.int64))
    """Year index from which each step is open (0: from the first year); never falling from
    one step to the next (``check_biomass_supply``)."""


def _storage_pools(tables: Tables, years: npt.NDArray[np.int64]) -> list[_Pool]:
    cat = tables.catalogue
    infra = cat.infrastructure
    l_of = tables.cluster_index
    contracts = cat.storage_contracts.groupby("project")["site_id"].agg(frozenset)
    out = []
    for project, part in infra[infra["kind"] == "co2_storage"].groupby("project", sort=False):
        cap_rows = part[part["parameter"] == "capacity"]
        if cap_rows.empty:
            cap_rows = part[part["parameter"] == "max_capacity"]
        if cap_rows.empty:
            continue
        to_t = conversion_factor(str(cap_rows["unit"].iloc[0]), "t/yr")
        capacity = over_years(cap_rows, years, "step", before=0.0) * to_t
        starts = part[part["parameter"] == "start_year"]["value"]
        if cap_rows["parameter"].iloc[0] == "max_capacity" and not starts.empty:
            capacity = np.where(years >= int(starts.iloc[0]), capacity, 0.0)
        access = np.full(len(l_of), NEVER, dtype=np.int64)
        for row in part[part["parameter"] == "access_year"].itertuples():
            access[l_of[str(row.cluster_id)]] = int(float(row.value))  # type: ignore[arg-type]
        fid = part[part["parameter"] == "fid_year"]["value"]
        out.append(
            _Pool(
                name=f"co2_storage/{project}",
                resource=CO2_STORAGE,
                host=l_of[str(cap_rows["cluster_id"].iloc[0])],
                capacity=capacity,
                access=access,
                sites=contracts.get(project, frozenset()),
                decided=bool(not fid.empty and float(fid.iloc[0]) < FIRST_MODEL_YEAR),
            )
        )
    return out


def _cluster_pools(tables: Tables, years: npt.NDArray[np.int64]) -> list[_Pool]:
    """One grid pool per cluster (``infrastructure.csv`` project ``cluster``; no rows: not
    limited by the data), then one per grid zone (another grid project with
    ``grid_capacity_new_load`` rows), open only to the sites that name it as their
    ``grid_zone`` (``sites.csv``). The engine offers a plant the pools in this order, so a
    zone's room is taken only when its cluster's is full. A zone with an
    ``apart_from_cluster`` row of 1 lies outside its cluster's figures (the Port of
    Moerdijk: the Rotterdam figures are the Rotterdam port area's): its sites draw on the
    zone's pool only. A site may name the zone of another cluster, whose grid it hangs on
    (the Zeeland cluster's sites in Noord-Brabant, on TenneT's Noord-Brabant grid; the
    Rotterdam-Moerdijk cluster's in Dordrecht and Zwijndrecht, outside TenneT's port area):
    it draws on that zone's pool only, not on its own cluster's, and the zone is open to its
    cluster too (``check_grid_zones``)."""
    infra = tables.catalogue.infrastructure
    grid = infra[(infra["kind"] == "grid") & (infra["parameter"] == "grid_capacity_new_load")]
    whole = grid[grid["project"] == "cluster"]
    known: dict[str, pd.DataFrame] = {str(c): part for c, part in whole.groupby("cluster_id")}
    sites = tables.catalogue.sites
    zoned = "grid_zone" in sites.columns
    zone_of = sites["grid_zone"].astype(str) if zoned else None
    apart_rows = infra[
        (infra["kind"] == "grid")
        & (infra["parameter"] == "apart_from_cluster")
        & (infra["value"].astype(float) > 0)
    ]
    outside: dict[str, set[str]] = {}  # per cluster, the sites of its zones apart from it
    zones = grid[grid["project"] != "cluster"]
    host_of = {str(z): str(c) for c, z in zip(zones["cluster_id"], zones["project"], strict=True)}
    if zone_of is not None:
        for cl, zone in zip(apart_rows["cluster_id"], apart_rows["project"], strict=True):
            in_zone = sites.loc[zone_of == str(zone), "site_id"].astype(str)
            outside.setdefault(str(cl), set()).update(in_zone)
        # a site on the zone of another cluster is outside its own cluster's grid figures
        for site, cl, zone in zip(sites["site_id"], sites["cluster_id"], zone_of, strict=True):
            if zone in host_of and host_of[zone] != str(cl):  # one cluster a zone (checked)
                outside.setdefault(str(cl), set()).add(str(site))
    L = len(tables.cluster_ids)
    out = []
    for host, cl in enumerate(tables.cluster_ids):
        access = np.full(L, NEVER, dtype=np.int64)
        access[host] = 0
        capacity = np.full(len(years), np.inf)
        if cl in known:
            capacity = _grid_room(known[cl], years)
        members: frozenset[str] = frozenset()  # open to every plant of the cluster
        if cl in outside:  # open to the cluster's sites but those of a zone apart from it
            own = set(sites.loc[sites["cluster_id"].astype(str) == cl, "site_id"].astype(str))
            members = frozenset(own - outside[cl]) or frozenset({""})  # "": no site
        out.append(
            _Pool(
                f"{RESOURCES[GRID]}/{cl}",
                GRID,
                host,
                capacity,
                access,
                sites=members,
                figure=cl in known,
            )
        )
    if zone_of is None:
        return out
    for (zone_cluster, zone), part in zones.groupby(["cluster_id", "project"], sort=False):
        host = tables.cluster_index[str(zone_cluster)]
        zone_rows = sites.loc[zone_of == str(zone)]  # a zone is under one cluster (checked)
        zone_sites = frozenset(zone_rows["site_id"].astype(str))
        if not zone_sites:  # no site in the zone (refused by check_grid_zones): no pool
            continue
        access = np.full(L, NEVER, dtype=np.int64)
        access[host] = 0
        for cl in set(zone_rows["cluster_id"].astype(str)):  # its sites of other clusters
            access[tables.cluster_index[cl]] = 0
        capacity = _grid_room(part, years)
        out.append(
            _Pool(f"{RESOURCES[GRID]}/{zone}", GRID, host, capacity, access, sites=zone_sites)
        )
    return out


def _grid_room(rows: pd.DataFrame, years: npt.NDArray[np.int64]) -> F:
    """Room for new load of one grid pool per year [MW] from its ``grid_capacity_new_load``
    rows, each holding from its year (the first row's value before it). The schema's maximum
    (1e6 MW, ``src/kruispunt/schemas/infrastructure.csv``) is how the data write "not limited
    by the data" after a published relief year without a MW figure: +inf, as a cluster
    without any figure, so no output reads it as a capacity of a million MW."""
    unlimited = parameter_specs("infrastructure")["grid_capacity_new_load"].maximum
    room = over_years(rows, years, "step", before=float(rows["value"].iloc[0]))
    return np.where(room >= unlimited, np.inf, room)


def _hydrogen_pools(tables: Tables, years: npt.NDArray[np.int64]) -> list[_Pool]:
    """One pool per hydrogen supply project (``infrastructure.csv`` kind ``hydrogen``,
    parameter ``supply_capacity`` [t H2/yr], converted to GJ/yr at the lower heating value
    :data:`HYDROGEN_LHV_GJ_PER_T`), under its host cluster. The host cluster's plants reach
    it from the start (the projects deliver by their own pipelines: HH1 to Pernis, ELYgator
    into Air Liquide's network); another cluster's plants once both clusters are connected
    to the national hydrogen network (the later of the two ``connection_year`` rows; never
    when either has none). A project whose final investment decision (``fid_year``) lies
    before the first model year is decided: the ``hydrogen_delay`` lever does not move it.
    A project awarded public production support (``support_award_year``: an OWE round,
    whose regulation sets a completion deadline) without that decision is awarded: it
    supplies where decided projects do, from the first full year after its deadline where
    no decision was seen, and ``hydrogen_delay`` moves it.
    Without supply projects a cluster has no hydrogen: hydrogen is what the projects make
    (no import pool; an explicit choice, see ``docs/model.md``)."""
    infra = tables.catalogue.infrastructure
    h2 = infra[infra["kind"] == "hydrogen"]
    connected = _hydrogen_years(tables)
    L = len(tables.cluster_ids)
    out = []
    for project, part in h2[h2["parameter"] == "supply_capacity"].groupby("project", sort=False):
        to_t = conversion_factor(str(part["unit"].iloc[0]), "t/yr")
        capacity = over_years(part, years, "step", before=0.0) * to_t * HYDROGEN_LHV_GJ_PER_T
        host = tables.cluster_index[str(part["cluster_id"].iloc[0])]
        access = np.where(
            (connected < NEVER) & (connected[host] < NEVER),
            np.maximum(connected, connected[host]),
            NEVER,
        ).astype(np.int64)
        access[host] = 0
        rows = h2[h2["project"] == project]
        fid = rows[rows["parameter"] == "fid_year"]["value"]
        decided = bool(not fid.empty and float(fid.iloc[0]) <= FIRST_MODEL_YEAR)
        out.append(
            _Pool(
                name=f"{RESOURCES[HYDROGEN]}/{project}",
                resource=HYDROGEN,
                host=host,
                capacity=capacity,
                access=access,
                decided=decided,
                awarded=not decided and bool((rows["parameter"] == "support_award_year").any()),
            )
        )
    if not out:  # no supply data at all: hydrogen is not limited (as a grid without a figure)
        for host, cl in enumerate(tables.cluster_ids):
            access = np.full(L, NEVER, dtype=np.int64)
            access[host] = 0
            out.append(
                _Pool(
                    f"{RESOURCES[HYDROGEN]}/{cl}",
                    HYDROGEN,
                    host,
                    np.full(len(years), np.inf),
                    access,
                )
            )
    return out


NATIONAL = "national"
"""Scope of the national biomass supply in ``biomass_supply.csv``."""
NATIONAL_HOST = "cluster6"
"""Cluster a national pool is reported under in the per-cluster results: Cluster 6, the sites
outside the five clusters (``clusters.csv``), as a national supply has no place; the last
cluster where the data have no such cluster. National totals are exact either way."""


_Curve = tuple[F, F, I, tuple[str, ...]]
"""A supply curve: quantity, price adder, opening year index and the price set whose carrier
price already includes the adder ('' : none) of each step."""


def _biomass_pools(tables: Tables, years: npt.NDArray[np.int64]) -> list[_Pool]:
    """The biomass supply (``biomass_supply.csv``) as pools: a cluster's own supply where the
    table gives one (open to that cluster's plants only), then the national supply (open to
    every plant), so a plant draws on its cluster's supply first. Each pool's capacity in a
    year is the sum of the steps open in that year (``from_year``; blank: every year). The
    national pool is reported under :data:`NATIONAL_HOST`. Without national rows the
    national pool has no limit (as a grid without a sourced figure)."""
    table = tables.catalogue.tables.get("biomass_supply")
    curves: dict[str, _Curve] = {}
    if table is not None:
        for scope, part in table.groupby("scope", sort=False):
            part = part.sort_values("step")
            first = part["from_year"].astype("Float64").fillna(float(years[0]))
            not_in = (
                part["adder_not_in_set"].astype("string").fillna("")
                if "adder_not_in_set" in part.columns
                else pd.Series("", index=part.index)
            )
            curves[str(scope)] = (
                part["quantity"].to_numpy(np.float64),
                part["price_adder"].to_numpy(np.float64),
                np.searchsorted(years, first.to_numpy(np.float64)).astype(np.int64),
                tuple(str(v) for v in not_in),
            )
    L = len(tables.cluster_ids)
    out = []
    for host, cl in enumerate(tables.cluster_ids):
        if cl in curves:
            access = np.full(L, NEVER, dtype=np.int64)
            access[host] = 0
            out.append(_supply_pool(cl, host, access, curves[cl], len(years)))
    unlimited = (np.array([np.inf]), np.zeros(1), np.zeros(1, dtype=np.int64), ("",))
    host = tables.cluster_index.get(NATIONAL_HOST, L - 1)
    access = np.zeros(L, dtype=np.int64)
    out.append(_supply_pool(NATIONAL, host, access, curves.get(NATIONAL, unlimited), len(years)))
    return out


def _supply_pool(scope: str, host: int, access: I, curve: _Curve, n_years: int) -> _Pool:
    """The biomass pool of one scope from its supply curve (steps, price adders, opening
    year index of each step, set where each adder is not added)."""
    steps, prices, opens, not_in = curve
    return _Pool(
        f"biomass/{scope}",
        BIOMASS,
        host,
        supply_capacity(steps, opens, n_years),
        access,
        steps=steps,
        prices=prices,
        opens=opens,
        adder_not_in=not_in,
    )


def supply_capacity(steps: F, opens: I, n_years: int) -> F:
    """A supply's capacity in each year ``(n_years,)``: the sum of the steps open in it.

    Parameters
    ----------
    steps : (N,) array
        Quantity of each step, cheapest first. [resource unit/yr]
    opens : (N,) array of int
        Year index from which each step is open (0: the first year; ``n_years`` or more:
        never within the years).
    n_years : int
        Number of model years.

    Examples
    --------
    >>> supply_capacity(np.array([8.0, 46.0]), np.array([0, 3]), 5)
    array([ 8.,  8.,  8., 54., 54.])
    """
    idx = np.arange(n_years)[:, None]
    return np.asarray(np.where(idx >= opens[None, :], steps[None, :], 0.0).sum(axis=1))


def step_prices(prices: F, not_in: Sequence[str], price_set: str) -> F:
    """Each step's price on top of the carrier price in ``price_set``: the step's adder,
    except in the set whose carrier price is already the price of the step's biomass (the
    high set's biomass carrier is the pellet price, so the pellet step adds nothing there).

    Examples
    --------
    >>> step_prices(np.array([0.0, 4.4841]), ("", "high"), "high")
    array([0., 0.])
    >>> step_prices(np.array([0.0, 4.4841]), ("", "high"), "central")
    array([0.    , 4.4841])
    """
    return np.where(np.asarray(not_in) == price_set, 0.0, prices)


def build_pools(
    tables: Tables,
    scenarios: Sequence[Scenario],
    years: npt.NDArray[np.int64],
    plant_site: Sequence[str],
) -> Pools:
    """Pools of every scenario. Levers: storage projects not past their investment decision
    start ``co2_storage_delay`` years later and their capacity is scaled by
    ``co2_storage_scale`` (a decided store keeps its dates and size); known grid
    capacities are scaled, and a cluster without a sourced grid figure has no limit or no
    room at all (``grid_unknown_capacity``); hydrogen connections come ``hydrogen_delay``
    years later; a hydrogen supply project without a final investment decision supplies,
    ``hydrogen_delay`` years later, where it was awarded public production support or in a
    scenario whose ``events`` lever is ``announced`` (a plan, as an announced event is);
    every step of a biomass supply is scaled by
    ``biomass_supply_scale``."""
    pools = tables.memo(
        ("pools", years.tobytes()),
        lambda: (
            _storage_pools(tables, years)
            + _cluster_pools(tables, years)
            + _hydrogen_pools(tables, years)
            + _biomass_pools(tables, years)
        ),
    )
    S, Q, Y, L = len(scenarios), len(pools), len(years), len(tables.cluster_ids)
    N = max(len(p.steps) for p in pools)
    capacity = np.zeros((S, Q, Y))
    access = np.zeros((S, Q, L), dtype=np.int64)
    step_quantity = np.zeros((S, Q, N))
    step_price = np.zeros((S, Q, N))
    h2_base = tables.memo(("hydrogen_years",), lambda: _hydrogen_years(tables))
    hydrogen_year = np.zeros((S, L), dtype=np.int64)
    for s, sc in enumerate(scenarios):
        lv = sc.levers.infrastructure
        for q, pool in enumerate(pools):
            cap, acc = pool.capacity, pool.access.copy()
            if pool.resource == CO2_STORAGE:
                # a store decided before the model's first year (built, its capacity booked
                # by contract: Porthos, Yara's Northern Lights volume) keeps its date and size
                if not pool.decided:
                    cap = np.concatenate([np.zeros(lv.co2_storage_delay), cap])[:Y]
                    acc = np.where(acc < NEVER, acc + lv.co2_storage_delay, acc)
                    cap = cap * lv.co2_storage_scale
            elif pool.resource == HYDROGEN:
                if not (pool.decided or pool.awarded) and sc.levers.events != "announced":
                    # a supply project without a final investment decision or a public
                    # award is a plan, as an announced event is: it supplies only where
                    # announced events apply
                    cap = np.zeros(Y)
                elif not pool.decided:
                    cap = np.concatenate([np.zeros(lv.hydrogen_delay), cap])[:Y]
                # the network connections come later; the host's own pipeline does not
                acc = np.where((acc > 0) & (acc < NEVER), acc + lv.hydrogen_delay, acc)
            elif pool.resource == GRID:
                if not pool.figure:
                    if lv.grid_unknown_capacity == "none":
                        cap = np.zeros(Y)
                elif lv.grid_capacity_scale > 0:  # room not limited by the data stays so
                    cap = cap * lv.grid_capacity_scale
                else:  # no room for new load, wherever the data give a figure
                    cap = np.zeros(Y)
            steps = pool.steps
            if pool.resource == BIOMASS and np.isfinite(steps).all():
                steps = steps * lv.biomass_supply_scale
                cap = supply_capacity(steps, pool.opens, Y)
            capacity[s, q] = cap
            access[s, q] = acc
            # padding steps hold nothing, at the last step's price
            prices = step_prices(pool.prices, pool.adder_not_in, sc.levers.price_set)
            n = len(steps)
            step_quantity[s, q, :n] = steps
            step_price[s, q, :n] = prices
            step_price[s, q, n:] = prices[-1]
        hydrogen_year[s] = np.where(h2_base < NEVER, h2_base + lv.hydrogen_delay, NEVER)
    sites = np.asarray(plant_site)
    allowed = np.ones((Q, len(sites)), dtype=bool)
    for q, pool in enumerate(pools):
        if pool.sites:
            allowed[q] = np.isin(sites, list(pool.sites))
    return Pools(
        names=tuple(p.name for p in pools),
        resource=np.array([p.resource for p in pools], dtype=np.int64),
        host=np.array([p.host for p in pools], dtype=np.int64),
        capacity=capacity,
        access=access,
        plants=allowed,
        hydrogen_year=hydrogen_year,
        step_quantity=step_quantity,
        step_price=step_price,
    )


def _hydrogen_years(tables: Tables) -> I:
    """Year each cluster is connected to the national hydrogen network (NEVER: not)."""
    infra = tables.catalogue.infrastructure
    out = np.full(len(tables.cluster_ids), NEVER, dtype=np.int64)
    h2 = infra[(infra["kind"] == "hydrogen") & (infra["project"] == "national_network")]
    for row in h2[h2["parameter"] == "connection_year"].itertuples():
        out[tables.cluster_index[str(row.cluster_id)]] = int(float(row.value))  # type: ignore[arg-type]
    return out
