"""Rank-order rationing of a budget or a scarce capacity.

Used for capex grants allocated by competitive ranking (NIKI, VEKI, OWE-like
schemes, :class:`CapexGrant`), for SDE++ rounds (through
:func:`kruispunt.policy.sde.allocate_round`), for carbon contracts for difference,
and, first-fit, for scarce infrastructure capacity (grid connection, CO2 storage,
hydrogen network) via :func:`allocate_first_fit`.

Layout
------
The **last axis** lists the applications that compete for one pool; every
leading axis (``scenario`` first, possibly ``cluster``) is an independent pool
with its own budget. A budget of shape ``(scenario,)`` with applications of shape
``(scenario, application)`` allocates each scenario row separately; a scalar
budget gives every row the same budget.

Rule (strict rank order)
------------------------
Eligible applications are ranked by score (best first; ties broken by the lower
index, so the result is deterministic). They are awarded in rank order while the
cumulative amount of the awarded ones stays within the budget. The **first
application that does not fit stops the round**: it and every application ranked
behind it are rejected, even a smaller one that would still fit. This is how
SDE++ closes a round when the budget ceiling is reached, and it keeps the
allocation a single ``argsort`` + ``cumsum`` along the last axis. Whole
applications only: nothing is partly awarded, and the pool is never
over-committed (up to floating-point rounding of the cumulative sum).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from kruispunt.policy._validate import nonnegative as _nonnegative
from kruispunt.policy.base import (
    Booking,
    Context,
    Evaluation,
    Flow,
    Offer,
    Parameter,
    SupportScheme,
    YearState,
)
from kruispunt.vocabulary import SCENARIO

__all__ = ["CapexGrant", "allocate_budget", "allocate_first_fit", "first_fit"]

BoolArray = NDArray[np.bool_]
FloatArray = NDArray[np.float64]


def allocate_budget(
    score: ArrayLike,
    amount_eur: ArrayLike,
    budget_eur: ArrayLike,
    higher_is_better: bool = True,
    eligible: ArrayLike | None = None,
) -> BoolArray:
    """Award whole applications in rank order until the budget is exhausted.

    See the module docstring for the layout (last axis = applications, leading
    axes = independent pools) and the strict rank-order rule.

    Parameters
    ----------
    score : array_like
        Ranking score per application, shape ``(..., n)``; NaN raises. [any]
    amount_eur : array_like
        Amount requested per application, non-negative; broadcasts with
        ``score``. [EUR]
    budget_eur : array_like
        Budget per pool; broadcasts against the leading axes ``(...)``. May be
        ``inf`` (no ceiling). [EUR]
    higher_is_better : bool, default True
        Rank the highest score first (True) or the lowest first (False, e.g.
        subsidy per tonne).
    eligible : array_like of bool, optional
        Applications that may be awarded; ineligible ones are never awarded and
        take no budget. Default: all eligible.

    Returns
    -------
    numpy.ndarray of bool
        Awarded mask, shape ``leading + (n,)``.

    Raises
    ------
    ValueError
        If a score is NaN, an amount or budget is negative or NaN, or the inputs
        have no application axis.

    Examples
    --------
    Scores 5, 9, 7 rank applications 1, 2, 0; 40 + 30 fits 100, the next 50 does not:

    >>> allocate_budget([5.0, 9.0, 7.0], [50.0, 40.0, 30.0], 100.0)
    array([False,  True,  True])

    The same applications in two scenarios with budgets 100 and 120:

    >>> allocate_budget([5.0, 9.0, 7.0], [50.0, 40.0, 30.0], [100.0, 120.0])
    array([[False,  True,  True],
           [ True,  True,  True]])
    """
    scores = np.asarray(score, dtype=np.float64)
    if np.any(np.isnan(scores)):
        raise ValueError("score must not be NaN")
    amounts = _nonnegative("amount_eur", amount_eur)
    budget = _nonnegative("budget_eur", budget_eur)
    scores, amounts = np.broadcast_arrays(scores, amounts)
    if scores.ndim == 0:
        raise ValueError("score and amount_eur need a last axis listing the applications")
    lead = np.broadcast_shapes(scores.shape[:-1], budget.shape)
    shape = (*lead, scores.shape[-1])
    scores = np.broadcast_to(scores, shape)
    amounts = np.broadcast_to(amounts, shape)
    budget = np.broadcast_to(budget, lead)
    if eligible is None:
        ok = np.ones(shape, dtype=np.bool_)
    else:
        ok = np.broadcast_to(np.asarray(eligible, dtype=np.bool_), shape)

    # Best first; ineligible applications go last and request nothing.
    key = np.where(ok, -scores if higher_is_better else scores, np.inf)
    order = np.argsort(key, axis=-1, kind="stable")
    ok_ranked = np.take_along_axis(ok, order, axis=-1)
    cumulative = np.cumsum(np.take_along_axis(np.where(ok, amounts, 0.0), order, axis=-1), axis=-1)
    # With non-negative amounts the cumulative sum never decreases, so the first
    # application that breaks the budget also rejects everything ranked behind it.
    awarded_ranked = ok_ranked & (cumulative <= budget[..., np.newaxis])
    awarded = np.empty(shape, dtype=np.bool_)
    np.put_along_axis(awarded, order, awarded_ranked, axis=-1)
    return awarded


def allocate_first_fit(
    priority: ArrayLike,
    demand: ArrayLike,
    capacity: ArrayLike,
    eligible: ArrayLike | None = None,
) -> BoolArray:
    """Grant whole demands in priority order, skipping those that no longer fit.

    Unlike :func:`allocate_budget` (strict rank order, which stops at the first request
    that does not fit), a request too large for what is left is passed over and smaller,
    lower-priority requests may still be served. This is how scarce infrastructure (grid
    connections, CO2 storage slots) is handed out: a large applicant that cannot be served
    does not block the others. Ties are broken by the lower index; the pool is never
    over-committed.

    Parameters
    ----------
    priority : array_like
        Priority per request, shape ``(..., n)``; higher first; NaN raises. [any]
    demand : array_like
        Capacity requested, non-negative. [MW] or [tCO2/yr]
    capacity : array_like
        Capacity available per pool, broadcasting against the leading axes.
    eligible : array_like of bool, optional
        Requests that take part (default: all).

    Returns
    -------
    numpy.ndarray of bool
        Granted mask, shape ``leading + (n,)``.

    Examples
    --------
    Capacity 2.5; requests 3.0, 1.2, 0.8 ranked in that order: the first does not fit and is
    skipped, the other two are served.

    >>> allocate_first_fit([3.0, 2.0, 1.0], [3.0, 1.2, 0.8], 2.5)
    array([False,  True,  True])
    """
    prio = np.asarray(priority, dtype=np.float64)
    if np.any(np.isnan(prio)):
        raise ValueError("priority must not be NaN")
    amounts = _nonnegative("demand", demand)
    prio, amounts = np.broadcast_arrays(prio, amounts)
    shape = prio.shape
    ok = (
        np.ones(shape, dtype=np.bool_)
        if eligible is None
        else np.broadcast_to(np.asarray(eligible, dtype=np.bool_), shape)
    )
    left = np.array(
        np.broadcast_to(_nonnegative("capacity", capacity), shape[:-1]), dtype=np.float64
    )
    return first_fit(prio, amounts, left, ok)


def first_fit(prio: FloatArray, amounts: FloatArray, left: FloatArray, ok: BoolArray) -> BoolArray:
    """:func:`allocate_first_fit` on arguments already checked and of their full shapes:
    ``prio``, ``amounts`` (non-negative) and ``ok`` ``(..., n)``, ``left`` (non-negative)
    ``(...)``; for a caller whose arguments are valid by construction (the engine's
    infrastructure allocation), without the checks and broadcasts.

    Examples
    --------
    >>> first_fit(np.array([3.0, 2.0, 1.0]), np.array([3.0, 1.2, 0.8]), np.array(2.5),
    ...           np.ones(3, dtype=bool))
    array([False,  True,  True])
    """
    shape = prio.shape
    granted = np.zeros(shape, dtype=np.bool_)
    if not ok.any():
        return granted
    # Pools where every eligible request fits, whatever the order: granted at once. The
    # test leaves room for the rounding of the sums (n requests subtracted one by one from
    # the capacity, as below, are off the exact difference by at most n x 2**-53 x the
    # capacity; the sum here by at most n x 2**-53 x the total), so it never grants a pool
    # the loop below would not. An infinite capacity fits any finite total.
    count = ok.sum(axis=-1)
    total = np.where(ok, amounts, 0.0).sum(axis=-1)
    with np.errstate(invalid="ignore", over="ignore"):  # inf - inf: NaN, not granted here
        fits = left - total >= 4.0 * (count + 1) * 2.0**-53 * (left + total)
    granted[fits] = ok[fits]
    rest_at = ~fits & (count > 0)
    if rest_at.any():
        # Pools where even the smallest eligible request exceeds the capacity: none granted
        # (the loop below would pass over every request). Most pools that do not fit whole
        # are of this kind (a grid full until its reinforcement).
        smallest = np.where(ok, amounts, np.inf).min(axis=-1)
        rest_at &= smallest <= left
    rest = np.flatnonzero(rest_at.ravel())
    if not rest.size:
        return granted
    # the other pools: grant in priority order, skipping requests that no longer fit
    lead = shape[:-1]
    flat_ok = ok.reshape(-1, shape[-1])[rest]
    flat_prio = prio.reshape(-1, shape[-1])[rest]
    flat_amounts = amounts.reshape(-1, shape[-1])[rest]
    flat_left = left.reshape(-1)[rest]
    order = np.argsort(np.where(flat_ok, -flat_prio, np.inf), axis=-1, kind="stable")
    n_rounds = int(count.reshape(-1)[rest].max())
    got = np.zeros(flat_ok.shape, dtype=np.bool_)
    rows = np.arange(rest.size)
    for k in range(n_rounds):
        idx = order[:, k]
        want = flat_amounts[rows, idx]
        take = flat_ok[rows, idx] & (want <= flat_left)
        flat_left = flat_left - np.where(take, want, 0.0)
        got[rows, idx] = take
    out = granted.reshape(-1, shape[-1])
    out[rest] = got
    return out.reshape(*lead, shape[-1])


class CapexGrant(SupportScheme):
    """Capex grants (NIKI, VEKI, OWE-like): a low-carbon option's investment, in part.

    In a year with a budget, plants whose best option becomes a low-carbon option with the
    grant apply. Each asks for what it needs, its unprofitable top against staying, up to the
    maximum aid intensity (``share`` of its investment): the same pay-as-bid logic as the
    competitive SDE++ and CCfD rounds, so a switch that pays by itself asks (almost) nothing
    (NIKI: competitive bidding on the lowest aid per tonne). Plants awarded SDE++ or a CCfD in
    the same year do not apply (one project is not supported twice). Awards go to the lowest
    grant per tonne abated first (strict rank order, :func:`allocate_budget`), each claiming
    the whole grant. The grant is paid when the route starts and lowers the asset's book
    value.
    """

    name = "grants"
    parameters = (
        Parameter("budget", (SCENARIO, "year"), "EUR", "Grant budget (0: none).", 0.0),
        Parameter("share", (SCENARIO,), "1", "Share of capex a grant pays.", 0.0),
    )
    flows = (Flow("grant_outlay", -1, "Capex grants paid."),)

    def __init__(self, ctx: Context) -> None:
        super().__init__(ctx)
        S, P = self.param("share").shape[0], len(ctx.inputs.plants.product)
        self.pending = np.zeros((S, P))  # awarded, paid when the route starts [EUR]
        self._total = np.zeros((S, P, 1))

    def offer(self, ev: Evaluation) -> Offer | None:
        budget = self.param("budget")[:, ev.t]
        if not (budget > 0).any():  # no round this year: no option is eligible
            return None
        # the bid: the need (value gap to staying), at most the aid intensity's share
        yearly = np.minimum(self.param("share")[:, None, None] * ev.capex_annuity, ev.gap)
        supported = ev.awarded("sde") | ev.awarded("ccfd")
        ok = ev.supportable & (yearly > 0) & (budget > 0)[:, None, None] & ~supported[..., None]
        if not ok.any():
            return None
        with np.errstate(divide="ignore", invalid="ignore"):
            per_t = np.where(ev.abated > 0, yearly / ev.abated, np.inf)
            self._total = np.where(ev.crf > 0, yearly / ev.crf, 0.0)
        return Offer(support=yearly, eligible=ok, score=per_t, claim=self._total, budget=budget)

    def award(
        self, ev: Evaluation, won: BoolArray, pick: NDArray[np.int64], start_year: NDArray[np.int64]
    ) -> NDArray[np.float64]:
        amount = np.where(won, np.take_along_axis(self._total, pick[..., None], -1)[..., 0], 0.0)
        self.pending = np.where(won, amount, self.pending)
        return amount

    def account(self, st: YearState) -> Booking:
        if not self.pending.any():
            return Booking()
        paid = np.where(st.started, self.pending, 0.0)
        self.pending = np.where(st.started, 0.0, self.pending)
        return Booking(plant={"subsidies": paid}, gov={"grant_outlay": -paid})
