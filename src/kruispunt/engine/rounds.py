"""Step 3 of the year: support rounds, in the registry's order (SDE++, CCfD, capex grants).

Each round covers a low-carbon option's unprofitable top against the fossil reference
(staying): plants whose best option becomes a supported option apply, the scheme's budget is
allocated in its rank order (:meth:`kruispunt.policy.base.SupportScheme.allocate`), and
plants not awarded fall back to their unsupported choice. A fully covered option is
preferred to staying (ties go to the project). Contracts are recorded only for plants that
do switch (:func:`award`), after infrastructure is allocated.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import numpy.typing as npt

from kruispunt.engine.valuation import STAY_BONUS, OptionValues, Valuation, option_of, pick
from kruispunt.inputs import Routes
from kruispunt.policy.base import SupportScheme

F = npt.NDArray[np.float64]
I = npt.NDArray[np.int64]  # noqa: E741
B = npt.NDArray[np.bool_]


@dataclass
class Evaluation:
    """One decision year's option values as the rounds see them (the engine's
    :class:`kruispunt.policy.base.Evaluation`)."""

    valuation: Valuation
    t: int
    year: int
    routes: I
    value: F
    gap: F
    need_per_t: F
    abated: F
    production: F
    capex_annuity: F
    crf: F
    low_carbon: B
    supportable: B
    installs: B
    running: B
    emitted_current: F
    current: I
    pending: I | None = None
    """``(S, P)`` route each plant is building (-1: none), for the demand-side markets' supply
    (:class:`kruispunt.policy.clearing.ClearingMarket`)."""
    store_indication: Callable[[], I] | None = None
    """Works out :attr:`storage_from` when a scheme first asks for it (None: not known)."""
    stay_without: Callable[[F], F] | None = None
    """:attr:`kruispunt.engine.valuation.OptionValues.stay_without`: the value of staying
    less a yearly amount kept by staying, the option to close later weighed again."""
    stay_need: Callable[[F, F], F] | None = None
    """:attr:`kruispunt.engine.valuation.OptionValues.stay_need`: the least yearly amount
    earned while running that makes staying worth a target."""
    won: dict[str, tuple[B, I]] = field(default_factory=dict)
    """Per scheme: plants awarded in its round and the option they were awarded for."""

    def expected(self, instrument: str, term: str) -> F:
        return self.valuation.gather((instrument, term), self.t)

    @cached_property
    def storage_from(self) -> I | None:
        """First year a CO2 store could take each option on
        (:meth:`kruispunt.engine.infrastructure.Infrastructure.storage_from`), worked out
        once, when first read: only a round that weighs capture reads it."""
        return None if self.store_indication is None else self.store_indication()

    def expected_on(self, instrument: str, term: str, s: I, route: I) -> F:
        """:meth:`expected` at one route per plant for a flat list of plants ``(n,)``:
        scenario ``s`` and route ``route`` of each (the plants awarded a contract, few), read
        from the per-route window without gathering every option or plant."""
        return self.valuation.new_on((instrument, term), self.t, s, route)

    def awarded(self, instrument: str) -> B:
        if instrument not in self.won:
            return np.zeros(self.running.shape, dtype=bool)
        return self.won[instrument][0]


def evaluate(
    valuation: Valuation,
    t: int,
    cur: I,
    running: B,
    ov: OptionValues,
    feasible: B,
    pending: I | None = None,
    left: B | None = None,
    store_indication: Callable[[], I] | None = None,
) -> Evaluation:
    """The value gap to staying and the need per tonne of every option, before support.
    ``left`` ``(S, P, R)``: the routes each plant has run and left (:class:`PlantState`);
    support does not pay a plant to go back to one of them (None: no history).
    ``store_indication`` works out the first year a CO2 store could take each option on
    ``(S, P, K)`` (:attr:`Evaluation.storage_from`, for the schemes whose rules ask for it)."""
    ctx = valuation.ctx
    inp = ctx.inputs
    opt = valuation.opt
    value = np.where(feasible, ov.value, -np.inf)
    v_stay = pick(value, option_of(opt, cur))[..., None]
    cap = inp.plants.capacity[None, :, None]
    abates = ov.abated > 0
    # max(v_stay - value, 0) + bonus, and gap / abated where it abates (else inf), worked
    # out in place (the same operations, fewer (S, P, K) temporaries)
    with np.errstate(divide="ignore", invalid="ignore"):
        gap = np.subtract(v_stay, value)
        np.maximum(gap, 0.0, out=gap)
        gap += STAY_BONUS * cap
        need = np.full(gap.shape, np.inf)
        np.divide(gap, ov.abated, out=need, where=abates)
    low_carbon = valuation.opt_low[None] & feasible & abates
    supportable = low_carbon
    if left is not None and left.any():
        S, P, R = left.shape
        back = np.take(left.reshape(S, P * R), np.arange(P)[:, None] * R + opt, axis=1)
        supportable = low_carbon & ~back
    installs = _installs(inp.routes, opt, cur, t)
    return Evaluation(
        valuation=valuation,
        t=t,
        year=int(inp.coords.years[t]),
        routes=np.broadcast_to(opt[None], value.shape),
        value=value,
        gap=gap,
        need_per_t=need,
        abated=ov.abated,
        production=ov.production,
        capex_annuity=ov.capex_annuity,
        crf=valuation.crf_k,
        low_carbon=low_carbon,
        supportable=supportable,
        installs=installs,
        running=running,
        emitted_current=ctx.route.mix.at(ctx.route.mix.emitted, cur, t) * ctx.route_calib(cur),
        current=cur,
        pending=pending,
        store_indication=store_indication,
        stay_without=ov.stay_without,
        stay_need=ov.stay_need,
    )


def _installs(routes: Routes, opt: I, cur: I, t: int) -> B:
    """``(S, P, K)``: options that put a new installation into use, every one but a move to
    a retrofit of the current route that adds nothing (``route_retrofits.csv``, capex_add 0
    at the option's start: the hybrid boiler's electric boiler run in every hour as an
    e-boiler, hydrogen fed to a gas DRI shaft furnace). Worked out on the options whose route
    is a retrofit of some route (few)."""
    S, (P, K) = cur.shape[0], opt.shape
    out = np.ones((S, P, K), dtype=bool)
    pair, capex = routes.retrofit_pair, routes.retrofit_capex
    if pair is None or capex is None:
        return out
    retrofit: B = np.asarray((pair >= 0).any(axis=1), dtype=np.bool_)
    at = np.flatnonzero(retrofit[opt])  # flattened (P, K) positions
    if not at.size:
        return out
    new = opt.reshape(-1)[at]
    row = pair[new[None], cur[:, at // K]]  # (S, n)
    start = np.minimum(t + routes.lead_time[new].astype(np.int64), capex.shape[-1] - 1)
    nothing = (row >= 0) & (capex[np.maximum(row, 0), start[None]] == 0.0)
    out.reshape(S, -1)[:, at] = ~nothing
    return out


TIE = 1e-11
"""Relative tolerance within which supported values count as equal [-]."""


def best_supported(with_support: F, score: F, eligible: B) -> I:
    """The option each plant would apply with ``(S, P)``: the highest value with support;
    among options the support makes equally good (a scheme that covers the whole gap to
    staying leaves every covered option at the value of staying), the one that asks least
    support per tonne, which ranks best in the round.

    Examples
    --------
    Options 1 and 2 are tied with support; option 2 needs less per tonne:

    >>> best_supported(np.array([[[5.0, 7.0, 7.0]]]), np.array([[[np.inf, 90.0, 40.0]]]),
    ...                np.array([[[False, True, True]]]))
    array([[2]])
    """
    top = np.max(with_support, axis=-1, keepdims=True)
    finite = np.isfinite(top)
    tol = TIE * np.maximum(np.abs(np.where(finite, top, 0.0)), 1.0)
    tied = finite & (with_support >= top - tol)
    first = np.argmax(with_support, axis=-1)
    key = np.where(tied & eligible, score, np.inf)
    by_score = np.argmin(key, axis=-1)
    any_eligible_tied = np.isfinite(np.min(key, axis=-1))
    return np.asarray(np.where(any_eligible_tied, by_score, first), dtype=np.int64)


def plants_with_any(mask: B) -> tuple[I, I]:
    """The ``(scenario, plant)`` positions where ``mask`` ``(S, P, K)`` holds for some
    option, in row-major order: ``np.nonzero(mask.any(axis=-1))``, found from the few true
    options rather than by reducing every plant's options.

    Examples
    --------
    >>> m = np.zeros((2, 3, 2), dtype=bool)
    >>> m[0, 2, 1] = m[1, 0, 0] = m[1, 0, 1] = True
    >>> plants_with_any(m)
    (array([0, 1]), array([2, 0]))
    """
    S, P, K = mask.shape
    hit = np.zeros(S * P, dtype=bool)
    hit[np.flatnonzero(mask) // K] = True
    s, p = np.divmod(np.flatnonzero(hit), P)
    return s, p


def run_rounds(ev: Evaluation, schemes: Sequence[SupportScheme]) -> F:
    """Run every scheme's round in order; returns the option values with the awarded support
    added. ``ev.won`` records each round's awards.

    Only the plants with an eligible option are looked at (few, in most rounds): a plant
    without one would apply with its best option unsupported, which is no application."""
    value = ev.value
    best: I | None = None  # each plant's best option at ``value`` (kept while it holds)
    for scheme in schemes:
        offer = scheme.offer(ev)
        if offer is None:
            continue
        if best is None:
            best = np.argmax(value, axis=-1)
        pick = best.copy()
        applies = np.zeros(best.shape, dtype=bool)
        s_h, p_h = plants_with_any(offer.eligible)
        if s_h.size:
            value_h = value[s_h, p_h]
            eligible_h = offer.eligible[s_h, p_h]
            with_support = np.where(eligible_h, value_h + offer.support[s_h, p_h], value_h)
            pick_h = best_supported(with_support, offer.score[s_h, p_h], eligible_h)
            pick[s_h, p_h] = pick_h
            rows_h = np.arange(s_h.size)
            chosen = eligible_h[rows_h, pick_h]
            # a plant applies when the support moves its choice, or when it picks an option it
            # already holds an award for (taking the award up, Offer.held)
            moves = pick_h != best[s_h, p_h]
            if offer.held is not None:
                moves |= offer.held[s_h, p_h][rows_h, pick_h]
            applies[s_h, p_h] = ev.running[s_h, p_h] & chosen & moves
        if not applies.any():
            ev.won[scheme.name] = (applies, pick)
            continue
        s_a, p_a = np.nonzero(applies)
        k_a = pick[s_a, p_a]
        score = np.full(applies.shape, np.inf)
        score[s_a, p_a] = offer.score[s_a, p_a, k_a]
        claim = np.zeros(applies.shape)
        claim[s_a, p_a] = offer.claim[s_a, p_a, k_a]
        won = scheme.allocate(score, claim, offer.budget, applies, pick)
        s_w, p_w = np.nonzero(won)
        if s_w.size:
            k_w = pick[s_w, p_w]
            at = (s_w, p_w, k_w)
            if value is ev.value:  # the later rounds' offers read the unsupported values
                value = value.copy()
            value[at] = np.where(offer.eligible[at], value[at] + offer.support[at], value[at])
            best = best.copy()  # only the winners' values changed
            best[s_w, p_w] = np.argmax(value[s_w, p_w], axis=-1)
        ev.won[scheme.name] = (won, pick)
    return value


def award(
    ev: Evaluation,
    schemes: Sequence[SupportScheme],
    switching: B,
    choice: I,
    start_year: I,
) -> F:
    """Record the contracts of plants that switch to the option their round awarded; returns
    the investment the schemes pay at the start ``(S, P)`` [EUR]."""
    cover = np.zeros(switching.shape)
    for scheme in schemes:
        if scheme.name not in ev.won:
            continue
        won, pick = ev.won[scheme.name]
        final = switching & won & (pick == choice)
        if not final.any():
            continue
        paid = scheme.award(ev, final, choice, start_year)
        if paid is not None:
            cover = cover + paid
    return cover
