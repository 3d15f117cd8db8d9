"""Each pool's use stays within its capacity, booked to the pool the plant holds.

Two defects found by an invariant audit (Dec 2026), both invisible in the per-cluster
results (``infra_use`` sums a cluster's pools):

- a plant that switched to a route still using a resource but asking no more of it (Shell
  Pernis from its Holland Hydrogen 1 route to capture with the same hydrogen, high ambition,
  2033) gave up its pool, and its use was booked to its cluster's first pool: 18.8 kt/yr of
  Holland Hydrogen 1's hydrogen on Air Liquide's ELYgator (8 kt/yr);
- a switch reserved the new route's load of its start year, while an e-boiler's load per
  unit rises with the share of its band it serves (62 % -> 82 % -> 90 %): Zeeland's grid
  for new load was exceeded by up to 0.7 MW in an ensemble's futures.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from kruispunt.assemble import build_inputs
from kruispunt.catalogue import Catalogue
from kruispunt.engine.context import BatchContext
from kruispunt.engine.infrastructure import Infrastructure
from kruispunt.engine.simulate import run_batch, simulate
from kruispunt.inputs import ModelInputs
from kruispunt.policy.registry import INSTRUMENTS
from kruispunt.scenarios import resolve
from kruispunt.testing import TOY_YEARS, toy_inputs
from kruispunt.vocabulary import CO2_STORAGE, GJ_PER_MWH, GRID, HOURS_PER_YEAR

SCENARIOS = ["current-policy", "no-new-policy", "high-ambition"]


@pytest.fixture(scope="module")
def inp(cat: Catalogue) -> ModelInputs:
    return build_inputs(cat, resolve(SCENARIOS))


def test_every_pool_holds_its_use(inp: ModelInputs) -> None:
    out = run_batch(inp)
    use = np.moveaxis(out.pool_use, 0, -1)  # (S, Q, Y)
    cap = np.broadcast_to(inp.pools.capacity, use.shape)
    over = use > cap * (1 + 1e-9) + 1e-6
    where = [
        (SCENARIOS[s], inp.pools.names[q], int(inp.coords.years[y]), use[s, q, y], cap[s, q, y])
        for s, q, y in np.argwhere(over)[:5]
    ]
    assert not over.any(), where


def test_results_report_each_pool_and_the_clusters_add_them_up(inp: ModelInputs) -> None:
    """``pool_capacity`` and ``pool_use`` hold each pool apart; ``infra_*`` of a cluster and
    resource is their sum over its pools (inf + x = inf). Held apart, the pools say what the
    cluster's sum hides: Cluster 6's grid reads unlimited from 2030 because its Noord-Limburg
    zone is (TenneT's Boxmeer station), while its own pool has no room until 2034; Rotterdam-
    Moerdijk's reads unlimited from 2033 (the Port of Moerdijk's zone) while the port area's
    own grid stays at 1,800 MW with up to 643 MW of it taken (current policy)."""
    ds = simulate(inp).dataset
    np.testing.assert_array_equal(ds["pool_capacity"].values, inp.pools.capacity)
    assert list(ds["pool"].values) == list(inp.pools.names)
    use, cap = ds["pool_use"].values, ds["pool_capacity"].values
    assert (use <= cap * (1 + 1e-9) + 1e-6).all()
    for var, pooled in (("infra_capacity", "pool_capacity"), ("infra_use", "pool_use")):
        for resource in ("grid", "co2_storage", "hydrogen", "biomass"):
            on = (ds["pool_resource"] == resource).values
            part = ds[pooled].isel(pool=on).groupby(ds["pool_cluster"][on].rename("cluster"))
            want = ds[var].sel(resource=resource).sel(cluster=list(part.groups))
            np.testing.assert_allclose(
                part.sum().transpose(*want.dims).values, want.values, rtol=1e-12
            )
            rest = [c for c in ds["cluster"].values if c not in part.groups]
            assert (ds[var].sel(resource=resource, cluster=rest) == 0).all()  # no pool: 0
    years = list(ds["year"].values)
    cp = ds.sel(scenario="current-policy")
    grid = cp["pool_capacity"]
    limburg = grid.sel(pool="grid/tennet_noord_limburg").values
    own = grid.sel(pool="grid/cluster6").values
    at = years.index(2030)
    assert (limburg[:at] == 0).all() and np.isinf(limburg[at:]).all()
    assert (own[: years.index(2034)] == 0).all() and np.isinf(own[years.index(2034) :]).all()
    assert np.isinf(cp["infra_capacity"].sel(cluster="cluster6", resource="grid").values[at])
    port_area = grid.sel(pool="grid/rotterdam_moerdijk").values[years.index(2033) :]
    assert (port_area == 1800.0).all()
    assert np.isinf(
        cp["infra_capacity"].sel(cluster="rotterdam_moerdijk", resource="grid").values[-1]
    )
    taken = cp["pool_use"].sel(pool="grid/rotterdam_moerdijk").values.max()
    assert 600.0 < taken < 1800.0
    # Porthos: 2.5 MtCO2/yr from its first full year of injection, apart from Aramis
    porthos = cp["pool_capacity"].sel(pool="co2_storage/porthos").values
    assert porthos[years.index(2030)] == pytest.approx(2.5e6)
    assert cp["pool_cluster"].sel(pool="co2_storage/porthos") == "rotterdam_moerdijk"


def test_holland_hydrogen_1_is_booked_to_its_own_pool(inp: ModelInputs) -> None:
    """In high ambition Shell Pernis keeps Holland Hydrogen 1 when it adds capture; the
    electrolyser's pool carries the hydrogen and ELYgator carries none of it."""
    out = run_batch(inp)
    names = list(inp.pools.names)
    hh1 = names.index("hydrogen/shell_holland_hydrogen_1")
    s = SCENARIOS.index("high-ambition")
    years = list(inp.coords.years)
    late = [years.index(y) for y in range(2034, 2051)]
    assert (out.pool_use[late, s, hh1] > 0).all()


def test_a_switch_reserves_the_most_its_route_will_use(inp: ModelInputs) -> None:
    """The grid an e-boiler asks for is its highest load per unit from its start on, by
    hand from the route table, not its start year's."""
    ctx = BatchContext(inp, INSTRUMENTS)
    infra = Infrastructure(ctx)
    routes = list(inp.coords.routes)
    r = routes.index("eboiler_medium")
    grid = ctx.route.grid[r, : ctx.Y]
    start = int(np.argmax(grid < grid.max()))  # a year whose load is below a later one
    assert grid[start] < grid[start:].max()
    demand, _ = infra.demand(  # plant 0 of one scenario, as a flat list
        0, np.array([r]), None, np.ones(1), start=np.array([start]), plants=np.array([0])
    )
    expected = grid[start:].max() / GJ_PER_MWH / HOURS_PER_YEAR
    assert demand[GRID, 0] == pytest.approx(expected, rel=1e-12)
    assert demand[GRID, 0] > grid[start] / GJ_PER_MWH / HOURS_PER_YEAR * 1.01


def _toy_infra(inp: ModelInputs) -> Infrastructure:
    return Infrastructure(BatchContext(inp, tuple(INSTRUMENTS)))


def test_a_switch_reserves_at_the_plants_highest_output_ahead() -> None:
    """Toy plant of 1 Mt/yr at half availability in 2025-2029 (a revamp), full in 2030-2039
    and a quarter from 2040: its highest output from 2025 on is 1 Mt, so an electric switch
    decided in 2025 reserves 1e6 t x 10.8 GJ/t / 3.6 GJ/MWh / 8,760 h = 342.47 MW of grid,
    not the 171.23 MW of its first year's output; decided in 2040, 0.25 Mt and 85.62 MW."""
    inp = toy_inputs()
    years = np.asarray(TOY_YEARS)
    avail = np.where(years < 2030, 0.5, np.where(years < 2040, 1.0, 0.25))
    levers = replace(inp.levers, availability=np.broadcast_to(avail, (1, 1, years.size)).copy())
    infra = _toy_infra(replace(inp, levers=levers))
    late = list(years).index(2040)
    assert infra.peak_production(0)[0, 0] == pytest.approx(1.0e6)
    assert infra.peak_production(late)[0, 0] == pytest.approx(0.25e6)
    elec = np.array([[1]])
    demand, _ = infra.demand(0, elec, None, infra.peak_production(0))
    assert demand[GRID, 0, 0] == pytest.approx(1.0e6 * 10.8 / 3.6 / 8760, rel=1e-12)
    assert demand[GRID, 0, 0] == pytest.approx(342.47, abs=0.01)
    demand, _ = infra.demand(late, elec, None, infra.peak_production(late))
    assert demand[GRID, 0, 0] == pytest.approx(85.62, abs=0.01)


def test_capture_asks_a_store_for_the_plants_calibrated_capture() -> None:
    """Toy plant of 1 Mt/yr running gas_ccs today (1.1 tCO2/t, 90 % captured: 0.11 t/t
    emitted) with verified emissions of 0.22 Mt/yr, twice the route's, so a calibration of 2:
    its capture asks a store for 2 x 0.99 = 1.98 Mt/yr, what the accounting has it capture
    (``use_now``). A gas plant switching to gas_ccs (not its own route: no calibration) asks
    0.99 Mt/yr."""
    inp = toy_inputs(ccs=True)
    ccs = np.array([[3]])
    plants = replace(inp.plants, incumbent=np.array([3]), base_emissions=np.array([0.22e6]))
    infra = _toy_infra(replace(inp, plants=plants))
    demand, _ = infra.demand(0, ccs, None, infra.peak_production(0))
    assert demand[CO2_STORAGE, 0, 0] == pytest.approx(1.98e6, rel=1e-9)
    assert infra.use_now(ccs, 0)[CO2_STORAGE, 0, 0] * 1.0e6 == pytest.approx(1.98e6, rel=1e-9)
    gas = _toy_infra(inp)
    demand, _ = gas.demand(0, ccs, np.array([[0]]), gas.peak_production(0))
    assert demand[CO2_STORAGE, 0, 0] == pytest.approx(0.99e6, rel=1e-9)


def test_scarce_grid_goes_first_to_the_higher_gain_per_megawatt() -> None:
    """A 400 MW toy grid; plant 0 asks 300 MW for a gain of 300 EUR/yr (1.0 per MW), plant 1
    150 MW for 200 EUR/yr (1.33 per MW). Plant 1 is served first (150 MW), leaving 250 MW:
    plant 0's 300 MW does not fit and it is refused. Served by the gain alone, plant 0 would
    take 300 MW and plant 1 be refused (150 > 100)."""
    infra = _toy_infra(toy_inputs(n_plants=2, grid_capacity=400.0))
    demand = np.zeros((4, 1, 2))
    demand[GRID] = [[300.0, 150.0]]
    start = np.zeros((1, 2), dtype=np.int64)
    refused, given = infra.allocate(
        demand, start, np.array([[300.0, 200.0]]), np.ones((1, 2), dtype=bool), commit=True
    )
    assert refused.tolist() == [[True, False]]
    assert given[0, :, GRID].tolist() == [-1, 0]
    assert infra.committed[0, 0] == pytest.approx(np.full(len(TOY_YEARS), 150.0))
