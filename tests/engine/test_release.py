"""A plant that gives up a pool gives back what it reserved there.

Until Dec 2026 only a biomass claim was given back: a plant that closed, or left an
electric, capture or hydrogen route for one using none of the resource, kept its grid
connection, storage or supply reservation to the pool's end, and nobody else could use it
(in the default runs Air Liquide Bergen op Zoom and Eastman Middelburg kept their Aramis
reservations after moving to electrolysis in 2035, Shell Pernis Holland Hydrogen 1 after
2042, and nine plants their grid after closing or going back to gas).
"""

from __future__ import annotations

import numpy as np
import pytest

from kruispunt.assemble import build_inputs
from kruispunt.catalogue import Catalogue
from kruispunt.engine import simulate as sim
from kruispunt.engine.context import BatchContext
from kruispunt.engine.infrastructure import Infrastructure
from kruispunt.engine.state import KEEP
from kruispunt.policy.registry import INSTRUMENTS
from kruispunt.scenarios import resolve
from kruispunt.uncertainty.futures import FutureBuilder
from kruispunt.uncertainty.run import plan
from kruispunt.uncertainty.spec import load_spec
from kruispunt.vocabulary import CO2_STORAGE, FAMILY, GRID, HYDROGEN, RESOURCES

FUTURES = (4, 21, 76, 125, 191)
"""Futures of the audit's design (LHS, seed 7, 192 futures; test_invariants_futures.py)."""


def test_a_released_grant_is_given_back_from_its_year(cat: Catalogue) -> None:
    """Hand case on the Zeeland grid: two plants reserve 10 and 4 MW from 2030; the first
    gives its pool up in 2036. From 2036 only the 4 MW stay reserved, before it the 14."""
    inp = build_inputs(cat, resolve(["current-policy"]))
    ctx = BatchContext(inp, tuple(INSTRUMENTS))
    infra = Infrastructure(ctx)
    names = list(inp.pools.names)
    q = names.index("grid/zeeland")
    years = list(inp.coords.years)
    on = np.flatnonzero(inp.pools.plants[q] & (inp.plants.cluster == inp.pools.host[q]))
    a, b = int(on[0]), int(on[1])
    before = infra.committed[0, q].copy()
    demand = np.zeros((len(RESOURCES), 1, ctx.P))
    demand[GRID, 0, a], demand[GRID, 0, b] = 10.0, 4.0
    start = np.full((1, ctx.P), years.index(2030), dtype=np.int64)
    mask = demand[GRID] > 0
    refused, given = infra.allocate(demand, start, demand[GRID], mask, commit=True)
    assert not refused.any() and given[0, a, GRID] == q
    pool = given.copy()
    change = np.full(pool.shape, KEEP)
    change[0, a, GRID] = -1
    i = years.index(2036)
    infra.release(i, mask, change, pool)
    added = infra.committed[0, q] - before
    assert added[years.index(2029)] == 0.0
    assert added[years.index(2030) : i] == pytest.approx(14.0)
    assert added[i:] == pytest.approx(4.0)
    assert infra.held[0, a, q] == 0.0 and infra.held[0, b, q] == 4.0


@pytest.fixture(scope="module")
def ended(cat: Catalogue):  # type: ignore[no-untyped-def]
    """Five futures x 3 packages run to the end: inputs, the batch's :class:`Infrastructure`,
    outputs, and the plants that ever held a grid zone, CO2 store or hydrogen project."""
    p = plan(load_spec(), n=192, seed=7, catalogue=cat)
    builder = FutureBuilder(p.loaded.spec.factors, p.packages, cat)
    made: list[Infrastructure] = []

    class Kept(Infrastructure):
        def __init__(self, ctx: BatchContext) -> None:
            super().__init__(ctx)
            made.append(self)

    runs = []
    f = np.asarray(FUTURES)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(sim, "Infrastructure", Kept)
        for j in range(len(p.packages.names)):
            inp = build_inputs(cat, builder.package_batch(j, f, p.values[f], p.seeds[f]))
            ever = np.zeros((f.size, len(inp.coords.plants)), dtype=bool)

            def observe(view: sim.YearView, ever: np.ndarray = ever) -> None:
                ever |= (view.state.pool[..., [GRID, CO2_STORAGE, HYDROGEN]] >= 0).any(-1)

            out = sim.run_batch(inp, observer=observe)
            runs.append((inp, made[-1], out, ever))
    return runs


def test_what_is_reserved_is_what_plants_hold(ended) -> None:  # type: ignore[no-untyped-def]
    """In the last year every grant has started, so each pool still open then has reserved
    exactly what its plants hold (those that gave it up hold nothing); nothing is ever
    reserved below zero."""
    for inp, infra, _, _ in ended:
        last = infra.committed[:, :, -1]
        held = infra.held.sum(axis=1)
        open_ = infra._last == inp.coords.years.size
        assert np.allclose(np.where(open_, last, 0.0), np.where(open_, held, 0.0), rtol=1e-12)
        assert infra.committed.min() >= -1e-6


def test_closed_plants_hold_nothing(ended) -> None:  # type: ignore[no-untyped-def]
    """A plant closed by the last year holds no grid, storage or hydrogen reservation; some
    closed plants held a pool before they closed (the test is not empty)."""
    seen = 0
    for inp, infra, out, ever in ended:
        route = out.route_index[-1]  # (S, P)
        closed = inp.routes.family[route] == FAMILY["closure"]
        mine = np.isin(inp.pools.resource, [GRID, CO2_STORAGE, HYDROGEN])
        assert (infra.held[closed][:, mine] == 0.0).all()
        seen += int((closed & ever).sum())
    assert seen > 0


def test_a_plant_leaving_hydrogen_gives_its_supply_contract_back() -> None:
    """Toy with a hydrogen supply of 50,000 t/yr: plants 0 and 1 reserve 20,000 and 10,000
    t/yr from 2025; plant 0 leaves hydrogen in 2030. From 2030 10,000 t stay reserved, before
    it 30,000; plant 0 holds nothing."""
    from dataclasses import replace

    from kruispunt.testing import TOY_YEARS, toy_inputs

    inp = toy_inputs(n_plants=2)
    cap = inp.pools.capacity.copy()
    cap[:, 2] = 50_000.0
    inp = replace(inp, pools=replace(inp.pools, capacity=cap))
    infra = Infrastructure(BatchContext(inp, tuple(INSTRUMENTS)))
    demand = np.zeros((len(RESOURCES), 1, 2))
    demand[HYDROGEN] = [[20_000.0, 10_000.0]]
    start = np.zeros((1, 2), dtype=np.int64)
    mask = np.ones((1, 2), dtype=bool)
    refused, given = infra.allocate(demand, start, demand[HYDROGEN], mask, commit=True)
    assert not refused.any() and (given[0, :, HYDROGEN] == 2).all()
    change = np.full(given.shape, KEEP)
    change[0, 0, HYDROGEN] = -1
    i = list(TOY_YEARS).index(2030)
    infra.release(i, mask, change, given)
    assert infra.committed[0, 2, :i] == pytest.approx(30_000.0)
    assert infra.committed[0, 2, i:] == pytest.approx(10_000.0)
    assert infra.held[0, :, 2].tolist() == [0.0, 10_000.0]


def test_the_room_follows_every_change_of_the_reservations(cat: Catalogue) -> None:
    """The room a claim finds (kept per pool between changes, :meth:`Infrastructure._room_ahead`)
    is worked out anew after each grant and each release: on the Zeeland grid the room from
    2030, looked at first, falls by the 14 MW reserved from 2030; after the 10 MW plant gives
    its pool up in 2036 the room from 2036 is 4 MW below the first; each time bit for bit
    what an Infrastructure without a history finds on the same reservations. The
    reservations cannot be written past the methods that keep the room (a ValueError)."""
    inp = build_inputs(cat, resolve(["current-policy"]))
    ctx = BatchContext(inp, tuple(INSTRUMENTS))
    infra = Infrastructure(ctx)
    q = list(inp.pools.names).index("grid/zeeland")
    years = list(inp.coords.years)
    i30, i36 = years.index(2030), years.index(2036)
    on = np.flatnonzero(inp.pools.plants[q] & (inp.plants.cluster == inp.pools.host[q]))
    a, b = int(on[0]), int(on[1])

    def fresh(start: int) -> float:
        other = Infrastructure(ctx)
        other.committed = infra.committed.copy()
        return other.room_left(0, q, start)

    first, first_36 = infra.room_left(0, q, i30), infra.room_left(0, q, i36)
    assert np.isfinite(first) and first > 14.0
    demand = np.zeros((len(RESOURCES), 1, ctx.P))
    demand[GRID, 0, a], demand[GRID, 0, b] = 10.0, 4.0
    start = np.full((1, ctx.P), i30, dtype=np.int64)
    mask = demand[GRID] > 0
    refused, given = infra.allocate(demand, start, demand[GRID], mask, commit=True)
    assert not refused.any()
    assert infra.room_left(0, q, i30) == fresh(i30) == pytest.approx(first - 14.0)
    change = np.full(given.shape, KEEP)
    change[0, a, GRID] = -1
    infra.release(i36, mask, change, given.copy())
    assert infra.room_left(0, q, i36) == fresh(i36) == pytest.approx(first_36 - 4.0)
    with pytest.raises(ValueError, match="read-only"):
        infra.committed[0, q, i30] = 0.0
