"""Step 4 of the year: scarce resources (grid for new load, CO2 storage, hydrogen, biomass).

Pools serve the plants that ask for capacity first-fit in order of value gain per unit of the
resource asked for (:func:`kruispunt.policy.grants.allocate_first_fit`), pools in their
order; a grant is reserved from the plant's start until the pool's life ends, so a pool is
never over-committed. Plants whose storage pool ends apply to the others, or vent.

A pool with a supply curve (the biomass supply: quantities in rising price steps) also has a
price: each claim pays, on top of the carrier's market price, the price of the step that the
pool's reservations reach with it when it is granted (:meth:`Infrastructure.step_price`;
claims granted in one year in the order they were served), and keeps that price for as long
as the plant holds it (:attr:`Infrastructure.claim_price`; a supply contract). Plants weigh
the price of the step that what is already reserved plus their own claim reaches, and on
biomass, their claim's price (:meth:`Infrastructure.supply_prices`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from kruispunt.engine.context import BatchContext
from kruispunt.inputs import Pools
from kruispunt.policy.grants import first_fit
from kruispunt.vocabulary import (
    BIOMASS,
    CO2_STORAGE,
    GJ_PER_MWH,
    GRID,
    HYDROGEN,
    NEVER,
    RESOURCES,
)

F = npt.NDArray[np.float64]
I = npt.NDArray[np.int64]  # noqa: E741
B = npt.NDArray[np.bool_]

STEP_TOLERANCE = 1e-9
"""Relative tolerance at a step's upper edge: use equal to a step's cumulative quantity stays
in that step (rounding does not push it into the next)."""


@dataclass(frozen=True)
class SupplyPrice:
    """The supply-curve price each plant weighs in a decision year [EUR per unit of the
    carrier] (the biomass supply)."""

    option: F
    """``(S, P, K)`` for each option: the price of the step that the pool's reserved supply
    plus the option's own extra claim reaches (the pool the plant would be served by)."""
    current: F
    """``(S, P)`` for the route each plant runs: the price its claim was granted at
    (:attr:`Infrastructure.claim_price`; 0: no claim)."""


def allocate_first_fit_dated(priority: F, demand: F, start: I, free: F, end: I, eligible: B) -> B:
    """Grant whole requests in priority order, each against the room of its own years.

    As :func:`kruispunt.policy.grants.allocate_first_fit` (a request that does not fit is
    passed over, smaller lower-priority ones may still be served; ties by the lower index),
    but a request ``n`` starting at year index ``start[..., n]`` holds its capacity from that
    year to the end of the pool's life, so it fits when it is at most the smallest room left
    in those years, and a grant takes its amount off those years only. With one start for
    every request this is ``allocate_first_fit`` with the room from that start.

    Parameters
    ----------
    priority : numpy.ndarray
        ``(S, n)``; higher first. [any]
    demand : numpy.ndarray
        ``(S, n)`` capacity requested, non-negative. [MW], [tCO2/yr], [t H2/yr] or [GJ/yr]
    start : numpy.ndarray
        ``(S, n)`` year index from which each request holds capacity.
    free : numpy.ndarray
        ``(S, Y)`` room left per year (+inf: not limited).
    end : numpy.ndarray
        ``(S,)`` year index one past the last year of the pool's life; a request starting
        there or later finds no room.
    eligible : numpy.ndarray of bool
        ``(S, n)`` requests that take part.

    Returns
    -------
    numpy.ndarray of bool
        ``(S, n)`` granted.

    Examples
    --------
    A grid with no room in years 0-1 and 100 MW from year 2 (the Noordzeekanaalgebied's
    shape): a 14 MW request starting in year 1 and a 90 MW one starting in year 3 (lower
    priority) -- the first is refused, the second served; checked against the room from the
    earliest start (year 1) both would be refused.

    >>> free = np.array([[0.0, 0.0, 100.0, 100.0]])
    >>> allocate_first_fit_dated(np.array([[2.0, 1.0]]), np.array([[14.0, 90.0]]),
    ...                          np.array([[1, 3]]), free, np.array([4]),
    ...                          np.array([[True, True]]))
    array([[False,  True]])
    """
    S, n = priority.shape
    Y = free.shape[-1]
    years = np.arange(Y)[None, :]
    inside = years < end[:, None]
    room = np.where(inside, np.asarray(free, dtype=np.float64), np.inf)
    order = np.argsort(np.where(eligible, -priority, np.inf), axis=-1, kind="stable")
    n_rounds = int(eligible.sum(axis=-1).max()) if eligible.size else 0
    granted = np.zeros((S, n), dtype=np.bool_)
    rows = np.arange(S)
    for k in range(n_rounds):
        idx = order[:, k]
        want = demand[rows, idx]
        s0 = start[rows, idx]
        # smallest room from each year to the end of the pool's life (suffix minimum)
        suffix = np.minimum.accumulate(room[:, ::-1], axis=-1)[:, ::-1]
        left = np.where(s0 < end, suffix[rows, np.clip(s0, 0, Y - 1)], 0.0)
        take = eligible[rows, idx] & (want <= np.maximum(left, 0.0))
        hold = take[:, None] & (years >= s0[:, None]) & inside
        room = room - np.where(hold, want[:, None], 0.0)
        granted[rows, idx] |= take
    return granted


def hydrogen_capacity(pools: Pools) -> F | None:
    """The capacity of all hydrogen pools (supply projects) together ``(S, Y)``
    [carrier/yr]; None without hydrogen pools."""
    on = pools.resource == HYDROGEN
    if not on.any():
        return None
    return np.asarray(pools.capacity[:, on, :].sum(axis=1), dtype=np.float64)


def contract_stores(pools: Pools) -> list[int]:
    """The CO2 stores under contract: open to some sites only (``storage_contracts.csv``;
    Porthos's four customers, Yara's Northern Lights volume)."""
    return [
        int(q)
        for q in np.flatnonzero(pools.resource == CO2_STORAGE)
        if not bool(pools.plants[q].all())
    ]


class Infrastructure:
    """Capacity pools of a batch and what is reserved in them."""

    def __init__(self, ctx: BatchContext) -> None:
        self.ctx = ctx
        pools = ctx.inputs.pools
        self._ahead: dict[int, F] = {}
        """Each pool's :meth:`_room_ahead`, worked out on first use and dropped when its
        reservations change (:meth:`_change`)."""
        self.committed = np.zeros((ctx.S, len(pools.names), ctx.Y))
        self.cluster_pool: dict[int, I] = {}
        """Per resource (grid, hydrogen): the pool each cluster's plants use."""
        inp = ctx.inputs
        rt = ctx.route
        self._use_ahead = tuple(
            np.ascontiguousarray(np.maximum.accumulate(x[:, ::-1], axis=1)[:, ::-1])
            for x in (rt.grid, rt.captured, rt.hydrogen, rt.biomass)
        )
        """Each route's highest use per unit of product from each year on ``(R, Ye)``, per
        resource (grid, captured CO2, hydrogen, biomass): what a switch reserves
        (:meth:`demand`)."""
        self.load_hours = inp.plants.load_hours()
        """Hours a year each plant runs ``(P,)`` [h/yr]: its grid load is its use over these
        (a campaign plant asks for its campaign's load, not its yearly average)."""
        scale = ctx.demand * np.moveaxis(inp.levers.availability, -1, 0)  # (Y, S, P)
        ahead = np.maximum.accumulate(scale[::-1], axis=0)[::-1]
        self._peak = np.ascontiguousarray(ahead) * inp.plants.base_production
        """Highest production from each year on ``(Y, S, P)``."""
        for res in (GRID, HYDROGEN):
            per_cluster = np.full(len(ctx.inputs.coords.clusters), -1, dtype=np.int64)
            for q in np.flatnonzero(pools.resource == res)[::-1]:
                per_cluster[pools.host[q]] = q
            self.cluster_pool[res] = per_cluster
        self.hydrogen_capacity = hydrogen_capacity(pools)
        """Capacity of every hydrogen supply project together ``(S, Y)`` [carrier/yr]; None
        without any."""
        self.contract_stores = contract_stores(pools)
        """The CO2 stores under contract (:func:`contract_stores`), looked at every year."""
        self._by_resource = [
            [int(q) for q in np.flatnonzero(pools.resource == res)] for res in range(len(RESOURCES))
        ]
        """The pools of each resource, in the order plants are served from them."""
        alive = pools.capacity > 0  # (S, Q, Y)
        last = ctx.Y - np.argmax(alive[..., ::-1], axis=-1)
        self._last = np.asarray(np.where(alive.any(axis=-1), last, 0), dtype=np.int64)
        """One past the last year of each pool's life ``(S, Q)`` (0: no capacity ever)."""
        self._some_inf: B = np.asarray(np.isinf(pools.capacity).any(axis=(0, 2)), dtype=np.bool_)
        """Pools with an unlimited year in some scenario ``(Q,)``: only their room can be
        unlimited (:meth:`allocate`)."""
        self.supply_pools = np.flatnonzero(pools.resource == BIOMASS)
        """The biomass pools, in the order plants are served from them."""
        self._step_top = np.cumsum(pools.step_quantity, axis=-1)
        """Cumulative quantity up to each step's upper edge ``(S, Q, N)``."""
        self.refused_by = np.zeros((len(RESOURCES), ctx.S, ctx.P), dtype=bool)
        self._planned: list[tuple[int, B, F, I, I, I, F]] = []
        """The grants of the last allocation without ``commit``, not yet reserved."""
        """Plants the last :meth:`allocate` refused, per resource ``(3, S, P)``."""
        self.access = np.ascontiguousarray(np.take(pools.access, inp.plants.cluster, axis=2))
        """First year each plant may use each pool ``(S, Q, P)`` (its cluster's access)."""
        self.held = np.zeros((ctx.S, ctx.P, len(pools.names)))
        """What each plant has reserved in each pool ``(S, P, Q)``, given back when it gives
        the pool up (:meth:`release`; biomass: when it stops burning biomass,
        :meth:`release_supply`)."""
        self.claim_price = np.zeros((ctx.S, ctx.P))
        """Price on top of the carrier's market price that each plant pays for the biomass it
        holds ``(S, P)`` [EUR per unit of the carrier]: the step its pool's reservations
        reached when its claim was granted, kept while it holds the claim (0: none)."""

    @property
    def committed(self) -> F:
        """Capacity reserved per pool and year ``(S, Q, Y)``, read-only: reservations change
        through :meth:`_change` (which keeps :meth:`_room_ahead`'s cache) or by setting the
        whole array."""
        return self._committed

    @committed.setter
    def committed(self, value: F) -> None:
        self._committed = np.array(value, dtype=np.float64)
        self._committed.flags.writeable = False
        self._ahead.clear()

    def _change(self, q: int, delta: F) -> None:
        """Add ``delta`` ``(S, Y)`` to what is reserved in pool ``q``."""
        self._committed.flags.writeable = True
        try:
            self._committed[:, q, :] += delta
        finally:
            self._committed.flags.writeable = False
        self._ahead.pop(q, None)

    def demand(
        self,
        i: int,
        r_new: I,
        r_old: I | None,
        peak: F,
        start: I | None = None,
        plants: I | None = None,
    ) -> tuple[F, I]:
        """Extra capacity each plant's choice needs ``(3, S, P)`` at its peak production, and
        its start-year index (default: the decision year plus the route's lead time). With
        ``plants``, the arguments are a flat list of plants ``(n,)`` (plant ``plants[j]`` of
        some scenario): the same numbers for those only, ``(3, n)``."""
        routes = self.ctx.inputs.routes
        if start is None:
            start = np.minimum(i + routes.lead_time[r_new], self.ctx.Y - 1)
        rt = self.ctx.route
        Ye = rt.grid.shape[1]
        at = r_new * Ye + start  # flat (route, year) positions of the per-route tables
        out = np.empty((len(RESOURCES), *r_new.shape))
        # the new route's most over its years from the start: a route whose use rises (an
        # e-boiler serving more of its band) reserves what it will come to use
        grid, captured, hydrogen, biomass = self._use_ahead
        np.divide(np.take(grid, at) / GJ_PER_MWH, self._hours(plants), out=out[GRID])
        np.multiply(
            np.take(captured, at), self.ctx.route_calib(r_new, plants), out=out[CO2_STORAGE]
        )
        np.take(hydrogen, at, out=out[HYDROGEN])
        np.take(biomass, at, out=out[BIOMASS])
        if r_old is not None:
            out -= self.use_now(r_old, i, plants)
        np.multiply(out, peak[None], out=out)
        return np.maximum(out, 0.0, out=out), start

    def _hours(self, plants: I | None) -> F:
        """:attr:`load_hours` of every plant ``(P,)``, or of the plants ``plants`` ``(n,)``."""
        return self.load_hours if plants is None else np.take(self.load_hours, plants)

    def use_now(self, route: I, i: int, plants: I | None = None) -> F:
        """What plants running ``route`` use of each resource per unit of product in year
        index ``i`` ``(4, ...)``: grid load while running (over :attr:`load_hours`) [MW],
        captured CO2 [t], hydrogen and biomass [GJ] (``plants``: as in :meth:`demand`). A
        switch asks its new pools for its new route's use beyond this (:meth:`demand`); a
        pool it leaves keeps this as a claim (:func:`kruispunt.engine.decide.carry_claims`)."""
        rt = self.ctx.route
        was = route * rt.grid.shape[1] + i
        out = np.empty((len(RESOURCES), *np.shape(route)))
        np.divide(np.take(rt.grid, was) / GJ_PER_MWH, self._hours(plants), out=out[GRID])
        np.multiply(
            np.take(rt.captured, was), self.ctx.route_calib(route, plants), out=out[CO2_STORAGE]
        )
        np.take(rt.hydrogen, was, out=out[HYDROGEN])
        np.take(rt.biomass, was, out=out[BIOMASS])
        return out

    def uses(self, route: I, start: I) -> B:
        """Whether each plant's ``route`` uses each resource from its start-year index
        ``start`` on ``(4, ...)`` (grid, CO2 storage, hydrogen, biomass): a switch to a route
        that still uses one keeps the pool it holds for it."""
        Ye = self.ctx.route.grid.shape[1]
        at = route * Ye + start
        return np.stack([np.take(use, at) > 0.0 for use in self._use_ahead])

    def _room_ahead(self, q: int) -> F:
        """Capacity left in pool ``q`` from each year to the end of its life ``(S, Y)``: the
        least room over those years (0 from the end of its life on). A year of zero
        capacity before the end counts as no room (a grid declared full until its
        reinforcement)."""
        room = self._ahead.get(q)
        if room is None:
            cap = self.ctx.inputs.pools.capacity[:, q, :]
            alive = np.arange(self.ctx.Y)[None, :] < self._last[:, q, None]
            free = np.where(alive, cap - self.committed[:, q, :], np.inf)
            ahead = np.minimum.accumulate(free[:, ::-1], axis=-1)[:, ::-1]
            room = np.asarray(np.where(alive, ahead, 0.0), dtype=np.float64)
            room.flags.writeable = False
            self._ahead[q] = room
        return room

    def _window(self, q: int, i: I) -> tuple[F, I]:
        """Capacity left in pool ``q`` over its remaining life from year index ``i`` ``(S,)``
        (:meth:`_room_ahead` in that year; 0 from the end of its life on), and the index
        where the pool's life ends ``(S,)``. Years before a storage project starts are never
        in a window, because access comes no earlier than the start."""
        last = self._last[:, q]
        ahead = self._room_ahead(q)
        at = np.minimum(i, self.ctx.Y - 1)
        left = np.where(i < last, ahead[np.arange(len(i)), at], 0.0)
        return left, last

    def room_left(self, s: int, q: int, start: int) -> float:
        """What pool ``q`` has left for a new claim of scenario ``s`` starting in year index
        ``start``: the least room over the years from the start to the end of the pool's
        life, as :meth:`allocate` checks it (0 from the end of its life on; inf: no limit)."""
        left, _ = self._window(q, np.full(self.ctx.S, start, dtype=np.int64))
        return float(left[s])

    def fit_contracts(self, claim: F, start: I, who: B) -> F:
        """Decided projects' storage claims ``claim`` ``(S, P)`` [t/yr] of the plants ``who``
        starting in year index ``start`` ``(S, P)``, fitted to the CO2 stores under contract
        to their sites (:attr:`contract_stores`; a plant takes the first it may reach by its
        start): where a store's claimants ask for more than it has left from their earliest
        start, each claim is cut in the same proportion, so that together they fit. A
        decided project is then never refused for room (:func:`_commit_projects` in
        :mod:`kruispunt.engine.simulate`); what its plant captures beyond its claim is vented
        (:meth:`over_contract`). Claims that fit, and plants without such a store, are
        returned as they are."""
        ctx = self.ctx
        pools = ctx.inputs.pools
        years = ctx.inputs.coords.years
        out = claim.copy()
        left = who & (claim > 0)
        at = np.clip(start, 0, ctx.Y - 1)
        for q in self.contract_stores:
            on = left & pools.plants[q][None, :] & (years[at] >= self.access[:, q, :])
            if not on.any():
                continue
            left &= ~on
            first = np.min(np.where(on, at, ctx.Y - 1), axis=1)  # (S,)
            room = np.maximum(self._room_ahead(q)[np.arange(ctx.S), first], 0.0)
            total = np.where(on, claim, 0.0).sum(axis=1)
            over = on & (total > room)[:, None]
            if over.any():
                # a hair under the room, so that the rounding of the cut claims' sum never
                # leaves the last one out of the first-fit (a billionth of it is vented)
                scale = room * (1.0 - 1e-9) / np.where(total > 0, total, 1.0)
                out = np.where(over, claim * scale[:, None], out)
        return out

    def over_contract(
        self, i: int, held: I, captured: F, parts: list[tuple[int, F]] | None = None
    ) -> tuple[F | None, list[tuple[int, F]] | None]:
        """The CO2 the plants holding a store under contract ``held`` ``(S, P)`` capture in
        year index ``i`` ``captured`` ``(S, P)`` beyond the store's capacity, shared in
        proportion to what each puts in it ``(S, P)``: vented, not stored (None: every store
        within its capacity). Only a decided project's claim fitted to its contract
        (:meth:`fit_contracts`) can go beyond: every other grant is reserved at the plant's
        peak production. With ``parts`` (:meth:`claim_parts`), what each plant puts in a
        store is the part its claim there keeps, plus the rest of its capture in the store it
        holds; returned with the parts less what each vents of them."""
        capacity = self.ctx.inputs.pools.capacity
        over: F | None = None
        claimed = dict(parts) if parts else {}
        rest = captured if not claimed else captured - sum(claimed.values())
        for q in self.contract_stores:
            on = held == q
            inside = np.where(on, rest, 0.0)
            if q in claimed:
                inside = inside + claimed[q]
            total = inside.sum(axis=1)
            room = capacity[:, q, i]
            beyond = total > room
            if not beyond.any():
                continue
            share = np.where(beyond, 1.0 - room / np.where(beyond, total, 1.0), 0.0)
            part = inside * share[:, None]
            if q in claimed:
                claimed[q] = claimed[q] - claimed[q] * share[:, None]
            over = part if over is None else over + part
        return over, (list(claimed.items()) if parts is not None else None)

    def claim_parts(self, claim: F, used: F, res: int = CO2_STORAGE) -> list[tuple[int, F]]:
        """The parts of each plant's use of resource ``res`` ``used`` ``(S, P)`` (captured
        CO2, new grid load, hydrogen) that its claims on earlier pools ``claim``
        ``(S, P, Q)`` keep there (:attr:`~kruispunt.engine.state.PlantState.claim`), filled
        pool by pool in the pools' order before the pool it holds takes the rest:
        ``[(pool, part (S, P))]`` for the pools some plant has a claim on."""
        held = [(q, claim[..., q]) for q in self._by_resource[res] if claim[..., q].any()]
        return self.claim_parts_of(held, used)

    @staticmethod
    def claim_parts_of(parts: list[tuple[int, F]], used: F) -> list[tuple[int, F]]:
        """``used`` ``(S, P)`` filled into ``parts`` ``[(pool, at most (S, P))]`` in their
        order, each up to what it holds (:meth:`claim_parts`; again after a capture fell)."""
        out = []
        left = used
        for q, cap in parts:
            part = np.minimum(left, cap)
            left = left - part
            out.append((q, part))
        return out

    def allocate(self, demand: F, start: I, gain: F, mask: B, commit: bool) -> tuple[B, I]:
        """Serve ``demand`` ``(3, S, P)`` of the plants in ``mask``; returns the refused plants
        and the pool given per resource ``(S, P, 3)`` (-1: none). With ``commit`` the grants
        are reserved from each plant's start until the pool's life ends.

        Only the plants that ask for some of a resource in some scenario of the batch (few)
        are looked at for it: the others take no part in any pool's allocation, and leaving
        them out keeps the order of those that do (the grants are the same)."""
        ctx = self.ctx
        pools = ctx.inputs.pools
        S, P, Y = ctx.S, ctx.P, ctx.Y
        refused = np.zeros((S, P), dtype=bool)
        self.refused_by = np.zeros((len(RESOURCES), S, P), dtype=bool)
        given = np.full((S, P, len(RESOURCES)), -1, dtype=np.int64)
        years = ctx.inputs.coords.years
        self._planned = []
        for res in range(len(RESOURCES)):
            need = mask & (demand[res] > 1e-9)
            cols = np.flatnonzero(need.any(axis=0))
            if not cols.size:
                continue
            open_ = need[:, cols]
            want = demand[res][:, cols]
            begin = start[:, cols]
            start_year = years[begin]
            gain_c = gain[:, cols]
            given_c = np.full((S, cols.size), -1, dtype=np.int64)
            for q in self._by_resource[res]:
                cand = open_ & (start_year >= self.access[:, q, cols]) & pools.plants[q][cols]
                if not cand.any():
                    continue
                first = np.min(np.where(cand, begin, Y), axis=1)
                left, last = self._window(q, first)
                unlimited = bool(self._some_inf[q]) and bool(np.all(np.isinf(left)))
                priority = np.where(cand, gain_c / np.where(cand, want, 1.0), -np.inf)
                one_start = bool(np.all(~cand | (begin == first[:, None])))
                if unlimited:
                    granted = cand
                elif one_start:  # the same as the dated allocation, faster
                    if np.isnan(priority).any():
                        raise ValueError("priority must not be NaN")
                    # allocate_first_fit's checks hold by construction: demand > 1e-9 where
                    # asked, the room clipped at 0
                    granted = first_fit(
                        priority, np.where(cand, want, 0.0), np.maximum(left, 0.0), cand
                    )
                else:
                    # each request is checked against the room in its own years (from its
                    # start to the pool's end), not from the earliest start among the
                    # candidates: a switch starting after a grid reinforcement is not
                    # refused because another plant of the cluster asks for an earlier start
                    granted = allocate_first_fit_dated(
                        priority,
                        np.where(cand, want, 0.0),
                        begin,
                        pools.capacity[:, q, :] - self.committed[:, q, :],
                        last,
                        eligible=cand,
                    )
                given_c = np.where(granted, q, given_c)
                open_ &= ~granted
                if granted.any() and not unlimited:
                    grant = (q, granted, want, begin, last, cols, priority)
                    if commit:
                        self._reserve(*grant)
                    else:
                        self._planned.append(grant)
            given[:, cols, res] = given_c
            refused[:, cols] |= open_
            self.refused_by[res][:, cols] = open_
        return refused, given

    def commit_planned(self) -> None:
        """Reserve the grants of the last :meth:`allocate` without ``commit``, as
        ``allocate`` with ``commit`` would on the same arguments: a pool's grants depend on
        its own reservations only, so reserving them afterwards, in the same order, changes
        nothing."""
        for grant in self._planned:
            self._reserve(*grant)
        self._planned = []

    def _reserve(
        self, q: int, granted: B, amount: F, start: I, last: I, cols: I, priority: F
    ) -> None:
        """Reserve in pool ``q`` the ``amount`` of the ``granted`` requests ``(S, n)`` of the
        plants ``cols`` ``(n,)``, from their ``start`` to the pool's end ``last`` ``(S,)``;
        in a supply pool each grant's :attr:`claim_price` is the step that the reservations
        over its years plus the grants before it in ``priority`` order (highest first, ties
        by the lower index, as they were served) reach."""
        S, Y = self.ctx.S, self.ctx.Y
        s, n = np.nonzero(granted)
        take = amount[s, n]
        if q in self.supply_pools:
            before = self.committed[:, q, :]
            ahead = np.maximum.accumulate(before[:, ::-1], axis=-1)[:, ::-1]  # (S, Y)
            order = np.lexsort((n, -priority[s, n], s))  # per scenario, as served
            so, no, to = s[order], n[order], take[order]
            run = np.cumsum(to)
            first = np.r_[0, np.flatnonzero(np.diff(so)) + 1]  # each scenario's first grant
            run -= np.repeat(run[first] - to[first], np.diff(np.r_[first, len(so)]))
            level = np.zeros(granted.shape)
            level[so, no] = ahead[so, start[so, no]] + run
            price = self.step_price(q, level)
            self.claim_price[so, cols[no]] = price[so, no]
        # each grant added at its start and taken off where the pool's life ends, summed in
        # this order (bincount adds its weights one by one, as np.add.at does; requests not
        # granted would add zeros, which change no sum)
        rows = s * (Y + 1)
        at = np.concatenate([rows + start[s, n], rows + last[s]])
        weights = np.concatenate([take, -take])
        delta = np.bincount(at, weights, minlength=S * (Y + 1)).reshape(S, Y + 1)
        self._change(q, np.asarray(np.cumsum(delta, axis=-1)[:, :Y], dtype=np.float64))
        self.held[s, cols[n], q] += take

    def release(self, i: int, mask: B, change: I, pool: I) -> None:
        """The plants in ``mask`` whose switch, starting in year index ``i``, gives up a grid
        zone, CO2 store or hydrogen project (``change`` ``(S, P, resource)`` -1; a route
        that uses none of it, a closure among them) give back what they reserved in the
        pools of that resource (:meth:`_give_back`; for CO2 also the stores their claims are
        on): a closed plant's grid connection, storage contract or supply contract ends.
        (Biomass: :meth:`release_supply`.)"""
        for res in (GRID, CO2_STORAGE, HYDROGEN):
            gone = mask & (change[..., res] == -1) & (pool[..., res] >= 0)
            if gone.any():
                for q in self._by_resource[res]:
                    self._give_back(q, i, gone)

    def _give_back(self, q: int, i: int, gone: B) -> None:
        """The plants ``gone`` ``(S, P)`` give back what they hold in pool ``q``
        (:attr:`held`) from year index ``i`` to the pool's end, so that others can use it;
        a reservation runs from its start (at most ``i``: the plant ran on it) to that end."""
        back = np.where(gone, self.held[:, :, q], 0.0)
        if not back.any():
            return
        inside = (np.arange(self.ctx.Y)[None, :] >= i) & (
            np.arange(self.ctx.Y)[None, :] < self._last[:, q, None]
        )
        self._change(q, -np.where(inside, back.sum(axis=1)[:, None], 0.0))
        self.held[:, :, q] -= back

    def release_supply(self, i: int, route: I, pending: I, pool: I) -> None:
        """Plants that neither burn biomass on the route they run in year index ``i`` nor
        wait for a route that does (they switched away, or closed) give back what they
        reserved in the biomass pools from ``i`` on; their biomass claim in ``pool``
        ``(S, P, resource)`` is cleared."""
        if not len(self.supply_pools):
            return
        bio = self.ctx.route.biomass[:, i]
        burning = bio[route] > 0
        waiting = (pending >= 0) & (bio[np.maximum(pending, 0)] > 0)
        done = ~burning & ~waiting
        for q in self.supply_pools:
            self._give_back(int(q), i, done)
        pool[..., BIOMASS] = np.where(done, -1, pool[..., BIOMASS])
        self.claim_price = np.where(done, 0.0, self.claim_price)

    def step_price(self, q: int, level: F) -> F:
        """Price of pool ``q``'s supply step that ``level`` reaches ``(S, ...)`` [EUR per unit
        of the carrier]: the first step whose cumulative quantity is at least the level; the
        last step's price beyond the curve.

        Examples (biomass: 1.431 PJ at +0, then 46.035 PJ at +4.4841 EUR/GJ): a use of 1.431
        PJ pays 0 on every GJ; 1.432 PJ, 4.4841 on every GJ.
        """
        top = self._step_top[:, q, :]  # (S, N)
        price = self.ctx.inputs.pools.step_price[:, q, :]
        S = top.shape[0]
        flat = np.asarray(level, dtype=np.float64).reshape(S, -1)
        edge = flat * (1.0 - STEP_TOLERANCE)
        N = top.shape[1]
        n = np.zeros(edge.shape, dtype=np.intp)  # steps below the level, one step at a time
        for j in range(N):
            n += top[:, j : j + 1] < edge
        np.minimum(n, N - 1, out=n)
        at = np.arange(S)[:, None] * N + n  # the step's position in the flattened prices
        return np.asarray(np.take(price, at).reshape(np.shape(level)), dtype=np.float64)

    def _claim_prices(self, q: int, reserved: F, need: F) -> F:
        """:meth:`step_price` of pool ``q`` at ``reserved`` ``(S,)`` plus each claim ``need``
        ``(S, ...)``, worked out for the options that claim something in some scenario
        (few): the others are at the price of ``reserved`` (plus 0)."""
        S = need.shape[0]
        flat = need.reshape(S, -1)
        cols = np.flatnonzero((flat != 0.0).any(axis=0))
        price = np.empty(flat.shape)
        price[:] = self.step_price(q, reserved + 0.0)[:, None]
        if cols.size:
            price[:, cols] = self.step_price(q, reserved[:, None] + flat[:, cols])
        return price.reshape(need.shape)

    def _reserved_peak(self, q: int, i: int) -> F:
        """Highest reservation of pool ``q`` from year index ``i`` on ``(S,)``."""
        return np.asarray(self.committed[:, q, i:].max(axis=-1), dtype=np.float64)

    def supply_prices(self, i: int, route: I, held: I, opt: I) -> SupplyPrice:
        """The supply-curve price each plant weighs in year index ``i``: for each option
        ``opt`` ``(P, K)``, the step that the reserved supply of the pool it would be served
        by (its cluster's own first, then the national one, the first with room) plus its
        own extra claim reaches, held over the option's life; for the route each plant runs,
        the price its claim was granted at (:attr:`claim_price`). ``held`` ``(S, P)`` is the
        pool each plant holds (-1: none)."""
        ctx = self.ctx
        inp = ctx.inputs
        S, P, K = ctx.S, ctx.P, opt.shape[1]
        option = np.zeros((S, P, K))
        current = np.zeros((S, P))
        if not len(self.supply_pools):
            return SupplyPrice(option=option, current=current)
        rt = ctx.route
        peak = self.peak_production(i)
        start = np.minimum(i + inp.routes.lead_time[opt], ctx.Y - 1)  # (P, K)
        use_now = rt.biomass[route, i] * peak  # (S, P)
        # the options that burn biomass (few) claim what they burn beyond the plant's use
        # now, worked out on these only ``(S, n)``; every other option claims nothing (its
        # need, max(0 - use now, 0), is 0): the price of its pool's reserved supply
        b = rt.biomass[opt, start]  # (P, K)
        pb, kb = np.nonzero(b != 0.0)
        need = np.maximum(b[pb, kb][None] * peak[:, pb] - use_now[:, pb], 0)  # (S, n)
        start_year = inp.coords.years[start]  # (P, K)
        served = np.zeros((S, P, K), dtype=bool)
        option_b = np.zeros(need.shape)
        served_b = np.zeros(need.shape, dtype=bool)
        for q in map(int, self.supply_pools):
            reserved = self._reserved_peak(q, i)  # (S,)
            access = self.access[:, q, :, None]  # (S, P, 1)
            cand = (start_year[None] >= access) & inp.pools.plants[q][None, :, None]
            left, _ = self._window(q, np.full(S, i, dtype=np.int64))
            room = left * (1.0 + STEP_TOLERANCE)
            # the first pool with room serves; a claim no pool can hold weighs the last
            # candidate pool's price (it will be refused)
            base = self.step_price(q, reserved + 0.0)  # a claim of 0
            option = np.where(cand & ~served, base[:, None, None], option)
            served |= cand & (0.0 <= room)[:, None, None]
            cand_b = cand[:, pb, kb]
            price_b = self._claim_prices(q, reserved, need)
            option_b = np.where(cand_b & ~served_b, price_b, option_b)
            served_b |= cand_b & (need <= room[:, None])
            mine = held == q
            if mine.any():
                current = np.where(mine, self.claim_price, current)
        # a plant that holds a pool and claims nothing more stays at its pool's price
        holds = held >= 0
        option = np.where(holds[..., None], current[..., None], option)
        option[:, pb, kb] = np.where((need <= 0) & holds[:, pb], current[:, pb], option_b)
        return SupplyPrice(option=option, current=current)

    def reserve_base_use(self, route: I, pool: I) -> None:
        """Today's biomass use is inside the supply: plants whose route burns biomass in the
        first year hold it from then on, reserved before any other claim. Updates ``pool``
        ``(S, P, resource)`` in place; ValueError when the supply cannot hold it."""
        ctx = self.ctx
        use = ctx.route.biomass[route, 0] * self.peak_production(0)
        burning = use > 0
        if not burning.any():
            return
        demand = np.zeros((len(RESOURCES), ctx.S, ctx.P))
        demand[BIOMASS] = use
        start = np.zeros((ctx.S, ctx.P), dtype=np.int64)
        refused, given = self.allocate(demand, start, np.ones_like(use), burning, commit=True)
        if refused.any():
            s = int(np.flatnonzero(refused.any(axis=1))[0])
            total = float(use[s].sum())
            raise ValueError(
                f"scenario '{ctx.inputs.coords.scenarios[s]}': today's routes burn "
                f"{total:,.0f} GJ/yr of biomass, more than the biomass supply holds"
            )
        pool[..., BIOMASS] = np.where(burning, given[..., BIOMASS], pool[..., BIOMASS])

    def storage_from(self, i: int, opt: I, cur: I) -> I:
        """``(S, P, K)``: the first year from each option's start in which a CO2 store could
        take it on, as the store's operator would tell an applicant for support: a store
        the plant may use (its contract, its cluster's access by then) with room for the
        extra CO2 the option captures, at the plant's peak, from that year to the end of
        the store's life, against what is reserved now. An option that captures no more
        than the current route gets its start year; one no store can take
        :data:`NEVER`. Each option is looked at alone, not against the others applying in
        the same year: an indication, not a reservation (:meth:`allocate` still decides).
        Porthos's customers applied for SDE++ on the strength of their transport and
        storage contracts (Porthos, "Klanten", rotterdamccus.nl)."""
        ctx = self.ctx
        routes, rt, pools = ctx.inputs.routes, ctx.route, ctx.inputs.pools
        years = ctx.inputs.coords.years
        S, (P, K) = ctx.S, opt.shape
        start = np.minimum(i + routes.lead_time[opt].astype(np.int64), ctx.Y - 1)  # (P, K)
        out = np.broadcast_to(years[start][None], (S, P, K)).astype(np.int64)
        at = np.flatnonzero(rt.captured[opt, start].reshape(-1) > 0)  # (P, K) flattened
        if not at.size:
            return out
        p = at // K
        new, t0 = opt.reshape(-1)[at], start.reshape(-1)[at]
        n = at.size
        # the extra CO2 each option asks a store for, as :meth:`demand` asks it (flat over
        # the scenarios)
        flat_need, _ = self.demand(
            i,
            np.tile(new, S),
            cur[:, p].reshape(-1),
            self._peak[i][:, p].reshape(-1),
            start=np.tile(t0, S),
            plants=np.tile(p, S),
        )
        need = flat_need[CO2_STORAGE].reshape(S, n)
        idx = np.arange(ctx.Y)
        first = np.where(need <= 1e-9, t0[None], ctx.Y)  # year index, Y: none
        later = idx[None, :] >= t0[:, None]  # (n, Y): years from the option's start
        for q in self._by_resource[CO2_STORAGE]:
            mine = pools.plants[q, p]
            if not mine.any():
                continue
            ahead = self._room_ahead(q)  # (S, Y)
            opened = years[None, None, :] >= self.access[:, q, p][..., None]  # (S, n, Y)
            fits = ahead[:, None, :] >= need[..., None] - 1e-9
            ok = opened & fits & later[None] & mine[None, :, None]
            found = np.where(ok.any(axis=-1), np.argmax(ok, axis=-1), ctx.Y)
            first = np.minimum(first, found)
        year = np.where(first < ctx.Y, years[np.minimum(first, ctx.Y - 1)], NEVER)
        flat = out.reshape(S, -1)
        flat[:, at] = year
        return out

    def peak_production(self, i: int) -> F:
        """Each plant's highest production from year index ``i`` on ``(S, P)``."""
        return np.asarray(self._peak[i], dtype=np.float64)

    def storage_moves(self, i: int, route: I, closed: B, pool: I, claim: F | None = None) -> B:
        """Plants that capture CO2 but whose storage pool has ended (or that have none) apply
        to the other pools; those not served vent their CO2. Updates ``pool`` (and a claim
        ``claim`` on the store a plant moves to, :meth:`claims_move`) in place and returns
        the venting plants."""
        ctx = self.ctx
        captured = ctx.route.captured[route, i] * ctx.route_calib(route)
        held = pool[..., CO2_STORAGE]
        s = np.arange(ctx.S)[:, None]
        ended = (held < 0) | (ctx.inputs.pools.capacity[s, np.maximum(held, 0), i] <= 0)
        need: B = ~closed & (captured > 0) & ended
        if not need.any():
            return np.zeros_like(need)
        demand = np.zeros((len(RESOURCES), ctx.S, ctx.P))
        demand[CO2_STORAGE] = captured * self.peak_production(i)
        start = np.full((ctx.S, ctx.P), i, dtype=np.int64)
        refused, given = self.allocate(demand, start, demand[CO2_STORAGE], need, commit=True)
        pool[..., CO2_STORAGE] = np.where(need & ~refused, given[..., CO2_STORAGE], held)
        if claim is not None:  # a claim on the store a plant moves to is part of its grant
            s_n, p_n = np.nonzero(need & ~refused)
            claim[s_n, p_n, pool[s_n, p_n, CO2_STORAGE]] = 0.0
        return need & refused

    def claims_move(self, i: int, closed: B, pool: I, claim: F) -> None:
        """Claims on a store whose life has ended (:attr:`~kruispunt.engine.state.PlantState
        .claim`; Porthos after 2041) apply to the other stores, as a plant whose store
        ended does (:meth:`storage_moves`). A granted claim moves to the store that serves
        it, or, if that is the store the plant holds, becomes part of what it holds there;
        a refused one stays, and what it keeps is vented (the accounting), until a store
        serves it. Updates ``claim`` ``(S, P, Q)`` in place."""
        ctx = self.ctx
        capacity = ctx.inputs.pools.capacity[:, :, i]
        for q in self._by_resource[CO2_STORAGE]:
            c = claim[..., q]
            ended = (capacity[:, q] <= 0)[:, None] & (c > 0) & ~closed
            if not ended.any():
                continue
            demand = np.zeros((len(RESOURCES), ctx.S, ctx.P))
            demand[CO2_STORAGE] = np.where(ended, c, 0.0)
            start = np.full((ctx.S, ctx.P), i, dtype=np.int64)
            refused, given = self.allocate(demand, start, demand[CO2_STORAGE], ended, commit=True)
            s, p = np.nonzero(ended & ~refused)
            if not s.size:
                continue
            to = given[s, p, CO2_STORAGE]
            amount = c[s, p]
            claim[s, p, q] = 0.0
            away = to != pool[s, p, CO2_STORAGE]
            claim[s[away], p[away], to[away]] += amount[away]
