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

import numpy as np
import pytest

from kruispunt.assemble import build_inputs
from kruispunt.catalogue import Catalogue
from kruispunt.engine.context import BatchContext
from kruispunt.engine.infrastructure import Infrastructure
from kruispunt.engine.simulate import run_batch
from kruispunt.inputs import ModelInputs
from kruispunt.policy.registry import INSTRUMENTS
from kruispunt.scenarios import resolve
from kruispunt.vocabulary import GJ_PER_MWH, GRID, HOURS_PER_YEAR

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
