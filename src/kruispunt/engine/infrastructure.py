"""Step 4 of the year: scarce infrastructure (grid for new load, CO2 storage, hydrogen).

Pools serve the plants that ask for capacity first-fit in order of value gain per unit of the
resource asked for (:func:`kruispunt.policy.grants.allocate_first_fit`), pools in their
order; a grant is reserved from the plant's start until the pool's life ends, so a pool is
never over-committed. Plants whose storage pool ends apply to the others, or vent.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from kruispunt.engine.context import BatchContext
from kruispunt.policy.grants import allocate_first_fit
from kruispunt.vocabulary import CO2_STORAGE, GJ_PER_MWH, GRID, HOURS_PER_YEAR, HYDROGEN, RESOURCES

F = npt.NDArray[np.float64]
I = npt.NDArray[np.int64]  # noqa: E741
B = npt.NDArray[np.bool_]


class Infrastructure:
    """Capacity pools of a batch and what is reserved in them."""

    def __init__(self, ctx: BatchContext) -> None:
        self.ctx = ctx
        pools = ctx.inputs.pools
        self.committed = np.zeros((ctx.S, len(pools.names), ctx.Y))
        """Capacity reserved per pool and year ``(S, Q, Y)``."""
        self.cluster_pool: dict[int, I] = {}
        """Per resource (grid, hydrogen): the pool each cluster's plants use."""
        inp = ctx.inputs
        scale = inp.markets.demand_scale[:, inp.plants.product, :] * inp.levers.availability
        ahead = np.maximum.accumulate(scale[..., ::-1], axis=-1)[..., ::-1]
        self._peak = np.ascontiguousarray(np.moveaxis(ahead, -1, 0)) * inp.plants.base_production
        """Highest production from each year on ``(Y, S, P)``."""
        for res in (GRID, HYDROGEN):
            per_cluster = np.full(len(ctx.inputs.coords.clusters), -1, dtype=np.int64)
            for q in np.flatnonzero(pools.resource == res)[::-1]:
                per_cluster[pools.host[q]] = q
            self.cluster_pool[res] = per_cluster

    def demand(
        self, i: int, r_new: I, r_old: I | None, peak: F, start: I | None = None
    ) -> tuple[F, I]:
        """Extra capacity each plant's choice needs ``(3, S, P)`` at its peak production, and
        its start-year index (default: the decision year plus the route's lead time)."""
        routes = self.ctx.inputs.routes
        if start is None:
            start = np.minimum(i + routes.lead_time[r_new], self.ctx.Y - 1)
        rt = self.ctx.route
        calib = self.ctx.route_calib
        out = np.zeros((len(RESOURCES), *r_new.shape))
        out[GRID] = rt.electricity[r_new, start] / GJ_PER_MWH / HOURS_PER_YEAR
        out[CO2_STORAGE] = rt.captured[r_new, start] * calib(r_new)
        out[HYDROGEN] = rt.hydrogen[r_new, start]
        if r_old is not None:
            out[GRID] -= rt.electricity[r_old, i] / GJ_PER_MWH / HOURS_PER_YEAR
            out[CO2_STORAGE] -= rt.captured[r_old, i] * calib(r_old)
            out[HYDROGEN] -= rt.hydrogen[r_old, i]
        return np.maximum(out * peak[None], 0.0), start

    def _window(self, q: int, i: I) -> tuple[F, I]:
        """Capacity left in pool ``q`` over its remaining life from year index ``i`` ``(S,)``,
        and the index where the pool's life ends ``(S,)``. A year of zero capacity before the
        end of the pool's life counts as no room (a grid declared full until its
        reinforcement), not as a year outside the window; years before a storage project
        starts are never in a window, because access comes no earlier than the start."""
        Y = self.ctx.Y
        cap = self.ctx.inputs.pools.capacity[:, q, :]
        alive = cap > 0
        last = Y - np.argmax(alive[:, ::-1], axis=-1)  # one past the last alive year
        last = np.where(alive.any(axis=-1), last, 0)
        idx = np.arange(Y)[None, :]
        window = (idx >= i[:, None]) & (idx < last[:, None])
        free = np.where(window, cap - self.committed[:, q, :], np.inf)
        left = np.where(window.any(axis=-1), np.min(free, axis=-1), 0.0)
        return left, last

    def allocate(self, demand: F, start: I, gain: F, mask: B, commit: bool) -> tuple[B, I]:
        """Serve ``demand`` ``(3, S, P)`` of the plants in ``mask``; returns the refused plants
        and the pool given per resource ``(S, P, 3)`` (-1: none). With ``commit`` the grants
        are reserved from each plant's start until the pool's life ends."""
        ctx = self.ctx
        pools = ctx.inputs.pools
        S, P, Y = ctx.S, ctx.P, ctx.Y
        refused = np.zeros((S, P), dtype=bool)
        given = np.full((S, P, len(RESOURCES)), -1, dtype=np.int64)
        start_year = ctx.inputs.coords.years[start]
        rows = np.arange(S)[:, None]
        cluster = ctx.inputs.plants.cluster
        for res in range(len(RESOURCES)):
            need = mask & (demand[res] > 1e-9)
            if not need.any():
                continue
            open_ = need.copy()
            for q in np.flatnonzero(pools.resource == res):
                access = pools.access[:, q, :][rows, cluster[None, :]]  # (S, P)
                cand = open_ & (start_year >= access) & pools.plants[q][None, :]
                if not cand.any():
                    continue
                first = np.min(np.where(cand, start, Y), axis=1)
                left, last = self._window(int(q), first)
                unlimited = bool(np.all(np.isinf(left)))
                if unlimited:
                    granted = cand
                else:
                    granted = allocate_first_fit(
                        np.where(cand, gain / np.where(cand, demand[res], 1.0), -np.inf),
                        np.where(cand, demand[res], 0.0),
                        np.maximum(left, 0.0),
                        eligible=cand,
                    )
                given[..., res] = np.where(granted, q, given[..., res])
                open_ &= ~granted
                if commit and granted.any() and not unlimited:
                    self._reserve(int(q), granted, demand[res], start, last)
            refused |= open_
        return refused, given

    def _reserve(self, q: int, granted: B, amount: F, start: I, last: I) -> None:
        S, P, Y = self.ctx.S, self.ctx.P, self.ctx.Y
        delta = np.zeros((S, Y + 1))
        take = np.where(granted, amount, 0.0)
        rows = np.repeat(np.arange(S), P)
        np.add.at(delta, (rows, start.ravel()), take.ravel())
        end = np.broadcast_to(last[:, None], (S, P))
        np.add.at(delta, (rows, end.ravel()), -take.ravel())
        self.committed[:, q, :] += np.cumsum(delta, axis=-1)[:, :Y]

    def peak_production(self, i: int) -> F:
        """Each plant's highest production from year index ``i`` on ``(S, P)``."""
        return np.asarray(self._peak[i], dtype=np.float64)

    def storage_moves(self, i: int, route: I, closed: B, pool: I) -> B:
        """Plants that capture CO2 but whose storage pool has ended (or that have none) apply
        to the other pools; those not served vent their CO2. Updates ``pool`` in place and
        returns the venting plants."""
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
        return need & refused
