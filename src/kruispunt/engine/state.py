"""The state of every plant in every scenario of a batch, as the year loop moves it on.

All arrays are ``(S, P)`` unless said otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from kruispunt.engine.economics import remaining_book_value
from kruispunt.inputs import ModelInputs
from kruispunt.vocabulary import RESOURCES

F = npt.NDArray[np.float64]
I = npt.NDArray[np.int64]  # noqa: E741
B = npt.NDArray[np.bool_]

KEEP = -2
"""In :attr:`PlantState.pending_pool`: the plant keeps the pool it holds."""


@dataclass
class PlantState:
    """Where each plant stands.

    Attributes
    ----------
    route : route each plant runs now (closure routes included).
    closed : plants that have closed.
    pending, pending_start, pending_reason, pending_cover : a decided switch not yet started:
        its route (-1: none), first year, reason code and the investment a grant pays [EUR].
    follow, follow_start : a decided follow-up project, pending once the committed one has
        started: its route (-1: none) and first year.
    asset_start, asset_capex : year the current asset was built and its investment net of
        grants [EUR] (today's assets: fully written off, an assumption).
    renewal : year the current asset must be renewed.
    pool : ``(S, P, resource)`` pool each plant holds capacity in (-1: none).
    pending_pool, follow_pool : ``(S, P, resource)`` the pools a pending switch (a decided
        follow-up project) takes or gives up when it starts, not before (:data:`KEEP`: no
        change): the plant's current route keeps its own pools until then.
    claim : ``(S, P, Q)`` what each earlier pool of a resource (grid zone, CO2 store,
        hydrogen project) a plant moved away from keeps of its use [the pool's unit at the
        plant's peak production]: filled before the pool it holds in ``pool`` takes the rest
        (0 everywhere else; :func:`kruispunt.engine.decide.carry_claims`).
    pending_claim, follow_claim : ``(S, P, resource)`` the use of a pending switch's (a
        decided follow-up project's) old route at the plant's peak, which its new pools were
        not asked for: kept by the pool the plant holds when the switch starts, if it moves
        to another of the resource.
    started : plants whose new route started in the current year.
    idle : plants idled in the current year (no output, no decision; events).
    left : ``(S, P, R)`` routes each plant has run and left in the model's years: support
        does not pay it to go back to them (:func:`kruispunt.engine.rounds.evaluate`).
    """

    years: I
    route_life: F
    """``(R,)`` economic life of each route [yr]."""
    route: I
    closed: B
    pending: I
    pending_start: I
    pending_reason: npt.NDArray[np.int8]
    pending_cover: F
    follow: I
    follow_start: I
    asset_start: I
    asset_capex: F
    renewal: I
    pool: I
    pending_pool: I
    follow_pool: I
    claim: F
    pending_claim: F
    follow_claim: F
    started: B
    idle: B
    locked_until: I
    """First year a plant that started a decided project may decide again."""
    locked: B
    """Plants bound to a decided project in the current year: they may only move on to a
    route that emits less, never back, nor close."""
    left: B
    claims: bool = False
    """Whether any plant has a :attr:`claim` (the accounting splits a use over pools only
    then)."""

    @classmethod
    def initial(cls, inputs: ModelInputs) -> PlantState:
        """Every plant on today's route, nothing pending, today's assets written off."""
        S, P = inputs.n_scenarios, len(inputs.plants.product)
        R = len(inputs.routes.family)
        years = inputs.coords.years
        reinvest = inputs.plants.reinvestment_year
        never = np.iinfo(np.int64).max
        return cls(
            years=years,
            route_life=np.maximum(inputs.routes.lifetime, 1.0),
            route=np.broadcast_to(inputs.plants.incumbent[None, :], (S, P)).copy(),
            closed=np.zeros((S, P), dtype=bool),
            pending=np.full((S, P), -1, dtype=np.int64),
            pending_start=np.zeros((S, P), dtype=np.int64),
            pending_reason=np.zeros((S, P), dtype=np.int8),
            pending_cover=np.zeros((S, P)),
            follow=np.full((S, P), -1, dtype=np.int64),
            follow_start=np.zeros((S, P), dtype=np.int64),
            asset_start=np.full((S, P), years[0], dtype=np.int64),
            asset_capex=np.zeros((S, P)),
            renewal=np.broadcast_to(
                np.where(reinvest > 0, reinvest, never)[None, :], (S, P)
            ).copy(),
            pool=np.full((S, P, len(RESOURCES)), -1, dtype=np.int64),
            pending_pool=np.full((S, P, len(RESOURCES)), KEEP, dtype=np.int64),
            follow_pool=np.full((S, P, len(RESOURCES)), KEEP, dtype=np.int64),
            claim=np.zeros((S, P, len(inputs.pools.names))),
            pending_claim=np.zeros((S, P, len(RESOURCES))),
            follow_claim=np.zeros((S, P, len(RESOURCES))),
            started=np.zeros((S, P), dtype=bool),
            idle=np.zeros((S, P), dtype=bool),
            locked_until=np.zeros((S, P), dtype=np.int64),
            locked=np.zeros((S, P), dtype=bool),
            left=np.zeros((S, P, R), dtype=bool),
        )

    @property
    def running(self) -> B:
        """Plants that may decide: open, not building and not idled (a plant bound to a
        decided project decides among fewer options: :meth:`Valuation.feasible`)."""
        return ~self.closed & (self.pending < 0) & ~self.idle

    def book_value(self, t: int, later: int = 0) -> F:
        """Remaining book value of each plant's current asset in year index ``t``, or
        ``later`` years after it [EUR] (straight line over the current route's life)."""
        age = self.years[t] + later - self.asset_start
        return remaining_book_value(self.asset_capex, self.route_life[self.route], age)
