"""The clearing premium: a market for a low-carbon product that clears on a required volume.

A mandate, green public procurement or a label asks a volume of low-carbon product in a
year (a share of the product's domestic use). The volume is supplied by the cheapest green
suppliers first; the premium is the cost gap of the marginal supplier needed to meet it, one
uniform price for every supplier that sells into the market (:func:`clearing_premium`):

- zero when green supply that is already cheaper than grey covers the volume;
- the instrument's cap when the green supply the year can offer falls short (obligated
  buyers bid up to the penalty of a mandate, buyers of a label up to their willingness to
  pay); a supplier whose own cap is lower (procurement scores a tonne at the MKI shadow price
  times the CO2 it saves) is paid at most that cap and does not sell if its gap exceeds it.

The volume sold is never above the qualifying supply and never above the required volume;
the premium is paid by the buyers (consumers, a flow outside the government's books) and
received by the green producers: the two are the same money (:func:`market_sales`).

:class:`ClearingMarket` is the instrument every demand-side market shares (the RFNBO
obligation in :mod:`kruispunt.policy.mandates`, green public procurement in
:mod:`kruispunt.policy.procurement`, labels in :mod:`kruispunt.policy.labels`). Each year it
runs a round in the decision step, like a support scheme: the supply curve is every plant's
cheapest qualifying option (its value gap to the plant's best option without the market), the
plants that already run a qualifying route (their gap to leaving it) and those building one
(committed), cleared against the volume required :data:`LOOKAHEAD` years ahead (the lead time
in which new supply can be built: perfect foresight over the mandate's volume path up to
that year). The premium cleared this year is expected to hold over an option's life (the
round adds ``premium x volume sold`` to the value of every qualifying option of a plant it
takes, at most the option's own qualifying volume: a plant's place in the market goes with
whichever qualifying route it runs, so a refinery may add capture and keep its renewable
hydrogen); a plant that already runs a qualifying route expects to keep last year's premium
revenue (:meth:`ClearingMarket.contract_value`). The year's accounting clears the year's
qualifying output against the year's required volume (:func:`clearing_premium` again): zero
when nothing is required; when the output covers it, the gap of the marginal supplier (a
plant deciding on a qualifying route: its gap to leaving it; a plant the round took: its
need; a plant bound to a decided switch: none, its output is made anyway); the cap only
when the year's output falls short. A market's own divisible supply
(:meth:`ClearingMarket.market_supply`) enters that clearing at its need too, but sells only
what the plants' output of the year leaves: that output is made whatever it sells. That
premium is what the year's sales are paid and what :func:`kruispunt.demand.market_outcomes`
reports as ``premium`` (the round's is ``expected``).

The engine clears every scenario of a batch at once (:func:`clearing_premiums`,
:func:`market_sales_rows`: the steps in lock-step over the scenarios, each scenario's result
the one it gets alone; :func:`clearing_premium` and :func:`market_sales` are their one-market
cases), and the round only looks at the options whose route qualifies for the market.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import ClassVar

import numpy as np
import numpy.typing as npt
from numpy.typing import ArrayLike

from kruispunt.policy.base import (
    Booking,
    Context,
    Evaluation,
    Offer,
    OptionView,
    Parameter,
    SupportScheme,
    YearState,
)
from kruispunt.vocabulary import FAMILY, PRODUCT, ROUTE, SCENARIO, YEAR

__all__ = [
    "Clearing",
    "ClearingMarket",
    "Clearings",
    "clearing_premium",
    "clearing_premiums",
    "market_sales",
    "market_sales_rows",
    "required_volume",
]

F = npt.NDArray[np.float64]
I = npt.NDArray[np.int64]  # noqa: E741
B = npt.NDArray[np.bool_]

STAY_BONUS = 1e-6
"""The engine's tie-breaker [EUR/yr per unit of capacity] (``engine.valuation.STAY_BONUS``):
a new option's gap includes it, so that an option the premium covers exactly is taken."""
LOOKAHEAD = 3
"""Years ahead whose required volume a round clears against [yr]: the lead time of the
qualifying routes (2-4 years in ``route_parameters.csv``), a named assumption."""


@dataclass(frozen=True)
class Clearing:
    """Outcome of one market in one year."""

    premium: float
    """Uniform premium [EUR per market unit]."""
    sold: F
    """Volume each supplier sells into the market [market unit/yr] (0: not taken)."""
    rank: F
    """Order in which suppliers were taken (0 first; inf: not taken)."""

    @property
    def served(self) -> float:
        """Volume sold, at most the required volume and the supply [market unit/yr]."""
        return float(self.sold.sum())


def clearing_premium(
    need: ArrayLike,
    volume: ArrayLike,
    required: float,
    cap: float = np.inf,
    own_cap: ArrayLike | None = None,
    group: ArrayLike | None = None,
    divisible: ArrayLike | None = None,
) -> Clearing:
    """Clear a volume-capped, uniform-price market for a low-carbon product.

    A supplier is a plant: switching to (or staying on) a qualifying route costs it a gap
    per year, ``need x volume``, whatever part of its output the market takes. Suppliers are
    taken cheapest first: each step takes the supplier with the lowest gap per unit it would
    sell (``need x volume / min(volume, volume still required)``), until the volume is
    covered; the uniform premium is the highest of those per-unit gaps, the cost gap of the
    marginal supplier, so that every supplier taken covers its gap. A supplier whose gap per
    unit exceeds ``cap`` or its ``own_cap`` is not taken. When the eligible supply falls
    short, every eligible supplier sells all it offers and the premium is ``cap`` (buyers bid
    up to the penalty or their willingness to pay), or the highest gap when there is no cap.
    The volume sold is never above the supply nor above the required volume.

    Parameters
    ----------
    need : array_like
        Premium each supplier needs per unit of its whole qualifying volume [EUR per market
        unit]; ``inf`` for a supplier that cannot supply. Negative values count as zero
        (green is already cheaper than grey).
    volume : array_like
        Qualifying volume each supplier would offer [market unit/yr], non-negative.
    required : float
        Volume the mandate, procurement or label asks [market unit/yr].
    cap : float, default inf
        Most the buyers pay per unit (a mandate's penalty, a label's willingness to pay).
    own_cap : array_like, optional
        Most each supplier is paid per unit (procurement: MKI shadow price x CO2 saved).
    group : array_like, optional
        The plant each entry belongs to, when a plant offers several qualifying options (a
        refinery's network hydrogen for all its reformers, or only a share of it): at most
        one entry of a group is taken, the cheapest per unit it would sell when it is taken
        (a small option can fill what is left where a large one would cost too much per
        unit sold). None: every entry is its own plant.
    divisible : array_like of bool, optional
        Suppliers whose offer is divisible: their gap scales with what they sell (an
        electrolyser's output sold in part, a plant taking part of its hydrogen from
        electrolysis), so a unit sold costs them ``need`` whatever part of their volume is
        taken, and the marginal supplier sells only what is left at its own need. None: none
        (a supplier's gap is spread over what it sells).

    Returns
    -------
    Clearing
        The premium, the volume each supplier sells and the order it was taken in.

    Examples
    --------
    Three suppliers: A 40 t needing 0, B 50 t needing 120 and C 60 t needing 300 EUR/t;
    70 t required. A is taken (0 EUR/t), then 30 t are left: B's gap 6,000 EUR/yr over
    30 t is 200 EUR/t, C's 18,000 over 30 t is 600; B is marginal, the premium 200 EUR/t:

    >>> c = clearing_premium([0.0, 120.0, 300.0], [40.0, 50.0, 60.0], 70.0)
    >>> c.premium, c.sold.tolist(), c.served
    (200.0, [40.0, 30.0, 0.0], 70.0)

    With B offering a second, smaller option (30 t needing 150 EUR/t, the same plant): 30 t
    left, B's large option costs 200 EUR/t sold, its small one 150; the small one is taken:

    >>> c = clearing_premium([0.0, 120.0, 150.0, 300.0], [40.0, 50.0, 30.0, 60.0], 70.0,
    ...                      group=[0, 1, 1, 2])
    >>> c.premium, c.sold.tolist()
    (150.0, [40.0, 0.0, 30.0, 0.0])

    Divisible offers (the three suppliers of the first example): A's 40 t, then 30 t of B's
    50 t at B's own 120 EUR/t; with 100 t required A and B sell all, C the last 10 t at 300:

    >>> c = clearing_premium([0.0, 120.0, 300.0], [40.0, 50.0, 60.0], 70.0, divisible=True)
    >>> c.premium, c.sold.tolist()
    (120.0, [40.0, 30.0, 0.0])
    >>> c = clearing_premium([0.0, 120.0, 300.0], [40.0, 50.0, 60.0], 100.0, divisible=True)
    >>> c.premium, c.sold.tolist()
    (300.0, [40.0, 50.0, 10.0])
    """
    n = np.asarray(need, dtype=np.float64)
    if n.ndim != 1:
        raise ValueError("need must be one market's suppliers (N,)")
    return clearing_premiums(
        n[None],
        np.asarray(volume, dtype=np.float64)[None],
        required,
        cap,
        None if own_cap is None else np.asarray(own_cap, dtype=np.float64)[None],
        group,
        None if divisible is None else np.asarray(divisible, dtype=bool),
    ).row(0)


@dataclass(frozen=True)
class Clearings:
    """Outcome of one market in one year in every scenario of a batch (rows)."""

    premium: F
    """Uniform premium per row ``(S,)`` [EUR per market unit]."""
    sold: F
    """Volume each supplier sells ``(S, N)`` [market unit/yr]."""
    rank: F
    """Order each supplier was taken in ``(S, N)`` (0 first; inf: not taken)."""

    def row(self, s: int) -> Clearing:
        """Row ``s`` as :func:`clearing_premium` returns it."""
        return Clearing(float(self.premium[s]), self.sold[s], self.rank[s])


def clearing_premiums(
    need: ArrayLike,
    volume: ArrayLike,
    required: ArrayLike,
    cap: ArrayLike = np.inf,
    own_cap: ArrayLike | None = None,
    group: ArrayLike | None = None,
    divisible: ArrayLike | None = None,
) -> Clearings:
    """The clearing of :func:`clearing_premium` on every row of a batch at once (the one
    implementation: :func:`clearing_premium` is its one-row case).

    Each row ``s`` is one market (a scenario): ``need[s]``, ``volume[s]`` and ``own_cap[s]``
    ``(S, N)``, ``required[s]`` and ``cap[s]`` ``(S,)`` or scalars, ``group`` and
    ``divisible`` ``(N,)`` or ``(S, N)`` (or a scalar for ``divisible``).
    The rows are cleared in lock-step and independently: each step takes, in every row still
    short of its volume, the open supplier with the lowest gap per unit it would sell, so a
    row's result is the one it gets alone. Only the suppliers that can sell at all (positive
    volume, finite gap) take part in the steps, so a step costs the number of rows times the
    largest number of such suppliers in a row, not times ``N``; rows that require nothing are
    not cleared (premium 0).

    Examples
    --------
    The two markets of :func:`clearing_premium`'s first example, 70 t and 30 t required:

    >>> c = clearing_premiums([[0.0, 120.0, 300.0]] * 2, [[40.0, 50.0, 60.0]] * 2, [70.0, 30.0])
    >>> c.premium.tolist(), c.sold.tolist()
    ([200.0, 0.0], [[40.0, 30.0, 0.0], [30.0, 0.0, 0.0]])
    """
    n = np.maximum(np.asarray(need, dtype=np.float64), 0.0)
    if n.ndim != 2:
        raise ValueError("need must be (rows, suppliers)")
    S, N = n.shape
    v = np.broadcast_to(np.asarray(volume, dtype=np.float64), (S, N))
    req = np.broadcast_to(np.asarray(required, dtype=np.float64), (S,))
    caps = np.broadcast_to(np.asarray(cap, dtype=np.float64), (S,))
    if np.any(v < 0) or np.any(np.isnan(v)):
        raise ValueError("volume must be non-negative and not NaN")
    if np.any(np.isnan(req)) or np.any(np.isnan(caps)) or np.any(caps < 0):
        raise ValueError("required and cap must not be NaN; cap must be non-negative")
    sold = np.zeros((S, N))
    rank = np.full((S, N), np.inf)
    premium = np.zeros(S)
    live = req > 0.0
    if not live.any():
        return Clearings(premium, sold, rank)
    with np.errstate(invalid="ignore", over="ignore"):
        gap = np.where(np.isfinite(n), n * v, np.inf)
    open0 = (v > 0) & np.isfinite(gap) & live[:, None]
    # the suppliers that can sell, packed to the left of each row (index order kept)
    rows, cols = np.nonzero(open0)
    counts = np.bincount(rows, minlength=S)
    M = int(counts.max()) if rows.size else 0
    pos = np.arange(rows.size) - (np.cumsum(counts) - counts)[rows]
    c_gap = np.full((S, M), np.inf)
    c_gap[rows, pos] = gap[rows, cols]
    c_v = np.zeros((S, M))
    c_v[rows, pos] = v[rows, cols]
    c_lim = np.zeros((S, M))
    own = (
        None if own_cap is None else np.broadcast_to(np.asarray(own_cap, dtype=np.float64), (S, N))
    )
    sel_caps = caps[rows]
    c_lim[rows, pos] = sel_caps if own is None else np.minimum(own[rows, cols], sel_caps)
    grp = np.broadcast_to(
        np.arange(N) if group is None else np.asarray(group, dtype=np.int64), (S, N)
    )
    c_grp = np.full((S, M), -1, dtype=np.int64)
    c_grp[rows, pos] = grp[rows, cols]
    c_open = np.zeros((S, M), dtype=bool)
    c_open[rows, pos] = True
    c_div = np.zeros((S, M), dtype=bool)
    c_need = np.full((S, M), np.inf)
    if divisible is not None:  # a divisible offer costs its need per unit it sells
        c_div[rows, pos] = np.broadcast_to(np.asarray(divisible, dtype=bool), (S, N))[rows, cols]
        c_need[rows, pos] = n[rows, cols]
    c_sold = np.zeros((S, M))
    c_rank = np.full((S, M), np.inf)
    left = req.copy()
    least = req * 1e-12
    act = np.flatnonzero(live & (counts > 0) & (left > least))
    step = 0
    while act.size:
        take = np.minimum(c_v[act], left[act, None])
        o = c_open[act]
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            per_unit = np.where(o, c_gap[act] / take, np.inf)
            if divisible is not None:
                per_unit = np.where(o & c_div[act], c_need[act], per_unit)
        o &= per_unit <= c_lim[act]
        c_open[act] = o
        has = o.any(axis=1)
        act, o, take, per_unit = act[has], o[has], take[has], per_unit[has]
        if not act.size:
            break
        per_unit = np.where(o, per_unit, np.inf)
        j = np.argmin(per_unit, axis=1)
        r = np.arange(act.size)
        pu = per_unit[r, j]
        premium[act] = np.where(pu > premium[act], pu, premium[act])  # max(premium, pu)
        c_sold[act, j] = take[r, j]
        c_rank[act, j] = step
        step += 1
        left[act] = left[act] - take[r, j]
        c_open[act] = o & (c_grp[act] != c_grp[act, j][:, None])
        act = act[(left[act] > least[act]) & c_open[act].any(axis=1)]
    sold[rows, cols] = c_sold[rows, pos]
    rank[rows, cols] = c_rank[rows, pos]
    # short: every eligible supplier sold all it offers in the steps; buyers bid up to the cap
    short = np.flatnonzero(live & (left > least))
    if short.size:
        finite = np.isfinite(caps[short])
        premium[short[finite]] = caps[short[finite]]
        nocap = short[~finite]
        if nocap.size:
            top = np.max(np.where(sold[nocap] > 0, n[nocap], -np.inf), axis=1, initial=-np.inf)
            premium[nocap] = np.where(top > premium[nocap], top, premium[nocap])
    return Clearings(premium, sold, rank)


def required_volume(share: ArrayLike, domestic_use: ArrayLike) -> F:
    """Volume of low-carbon product an instrument asks: ``share x domestic use``.

    Parameters
    ----------
    share : array_like
        Low-carbon share of the product's domestic use, in [0, 1] (a mandate's share, the
        public share under procurement, the willing buyers' share under a label). [-]
    domestic_use : array_like
        Domestic use of the product, non-negative. [unit/yr]

    Examples
    --------
    The Dutch RFNBO obligation of 4 % on the 0.65 Mt of hydrogen industry uses outside
    refining: 26 kt.

    >>> float(required_volume(0.04, 0.65e6))
    26000.0
    """
    s = np.asarray(share, dtype=np.float64)
    use = np.asarray(domestic_use, dtype=np.float64)
    if not np.all((s >= 0) & (s <= 1)):
        raise ValueError("share must be in [0, 1] and not NaN")
    if not np.all(use >= 0):
        raise ValueError("domestic_use must be non-negative and not NaN")
    return np.asarray(s * use, dtype=np.float64)


def market_sales(
    qualifying: ArrayLike,
    required: float,
    premium: float,
    own_cap: ArrayLike = np.inf,
    rank: ArrayLike | None = None,
) -> F:
    """Premium each supplier receives in a year [EUR/yr], the same money the buyers pay.

    The qualifying output sells against the required volume in the order the year's
    clearing took the suppliers (``rank``, lowest first; equal ranks in index order), never
    more than either; each supplier is paid the uniform premium, at most its own cap.

    Parameters
    ----------
    qualifying : array_like
        Qualifying output of each supplier, ``(N,)`` [market unit/yr].
    required : float
        Volume required this year [market unit/yr].
    premium : float
        Uniform premium cleared this year [EUR per market unit].
    own_cap : array_like, default inf
        Most each supplier is paid per unit, ``(N,)``.
    rank : array_like, optional
        Order of the suppliers (the clearing's ``rank``); None: index order.

    Examples
    --------
    120 t offered against 60 t required at 100 EUR/t, the second supplier taken first:

    >>> market_sales([80.0, 40.0], 60.0, 100.0, rank=[1.0, 0.0]).tolist()
    [2000.0, 4000.0]
    """
    q = np.asarray(qualifying, dtype=np.float64)
    if q.ndim != 1:
        raise ValueError("qualifying must be one market's suppliers (N,)")
    return np.asarray(market_sales_rows(q[None], required, premium, own_cap, rank)[0])


def market_sales_rows(
    qualifying: ArrayLike,
    required: ArrayLike,
    premium: ArrayLike,
    own_cap: ArrayLike = np.inf,
    rank: ArrayLike | None = None,
) -> F:
    """:func:`market_sales` on every row of a batch at once ``(S, N)`` [EUR/yr] (the one
    implementation: :func:`market_sales` is its one-row case): ``required`` and ``premium``
    per row ``(S,)``, ``own_cap`` and ``rank`` ``(S, N)`` (or broadcasting to it).

    Examples
    --------
    >>> market_sales_rows([[80.0, 40.0]] * 2, [60.0, 100.0], 100.0, rank=[[1.0, 0.0]] * 2).tolist()
    [[2000.0, 4000.0], [6000.0, 4000.0]]
    """
    q = np.asarray(qualifying, dtype=np.float64)
    if q.ndim != 2:
        raise ValueError("qualifying must be (rows, suppliers)")
    S = q.shape[0]
    req = np.broadcast_to(np.asarray(required, dtype=np.float64), (S,))
    prem = np.broadcast_to(np.asarray(premium, dtype=np.float64), (S,))
    key = np.zeros(q.shape) if rank is None else np.asarray(rank, dtype=np.float64)
    order = np.argsort(np.broadcast_to(key, q.shape), axis=-1, kind="stable")
    q_o = np.take_along_axis(q, order, axis=-1)
    before = np.cumsum(q_o, axis=-1) - q_o
    want = np.where(0.0 > req, 0.0, req)  # max(required, 0)
    sold = np.empty(q.shape)
    np.put_along_axis(sold, order, np.clip(want[:, None] - before, 0.0, q_o), axis=-1)
    price = np.minimum(prem[:, None], np.asarray(own_cap, dtype=np.float64))
    return np.asarray(sold * price, dtype=np.float64)


class ClearingMarket(SupportScheme):
    """A demand-side market for low-carbon product, cleared every year (see the module).

    Markets are indexed by product: ``qualify[s, g, r]`` is the qualifying quantity of market
    ``g`` per unit of route ``r``'s output (1 for a low-carbon route of the product itself; the
    renewable hydrogen per unit of a route that uses it for the RFNBO market), the required
    volume ``share x use`` (:func:`required_volume`), ``cap`` the most buyers pay per unit;
    :meth:`own_cap` the most each supplier is paid (procurement: the MKI value of the CO2 it
    saves).
    The year's sales follow the order the year's round took the suppliers in. Market-level
    outcomes per year are kept on the instance (``premium``, ``required_now``,
    ``supplied``, ``sold``, ``paid``: ``(S, G, Y)``) for :func:`kruispunt.demand.market_outcomes`.
    """

    parameters: ClassVar[tuple[Parameter, ...]] = (
        Parameter(
            "qualify",
            (SCENARIO, PRODUCT, ROUTE),
            "market unit/product",
            "Qualifying quantity of each market per unit of a route's output.",
            0.0,
        ),
        Parameter(
            "share",
            (SCENARIO, PRODUCT, YEAR),
            "1",
            "Low-carbon share of the product's domestic use the instrument asks.",
            0.0,
        ),
        Parameter(
            "use",
            (SCENARIO, PRODUCT, YEAR),
            "market unit/yr",
            "Domestic use of the product the share applies to.",
            0.0,
        ),
        Parameter(
            "cap",
            (SCENARIO, PRODUCT, YEAR),
            "EUR/market unit",
            "Most buyers pay per unit (penalty, willingness to pay); inf: none.",
            np.inf,
        ),
    )

    divisible: ClassVar[bool] = False
    """Whether output a plant makes anyway is divisible (:func:`clearing_premium`
    ``divisible``): the qualifying output of a running qualifying route or of one being built
    sells at its need per unit, the marginal supplier only what is left, so the premium is
    the marginal supplier's need; a switch to a qualifying route stays whole (the plant
    converts its whole output, its gap spread over what it sells). False (every market of
    the model, the RFNBO obligation since Dec 2026): every plant's offer whole, its gap
    spread over what it sells; only :meth:`market_supply` is divisible."""

    def __init__(self, ctx: Context) -> None:
        super().__init__(ctx)
        inp = ctx.inputs
        self.q = self.param("qualify")  # (S, G, R)
        self.req = required_volume(self.param("share"), self.param("use"))  # (S, G, Y)
        self.cap = self.param("cap")
        S, G, Y = self.req.shape
        self.markets = [
            g for g in range(G) if (self.req[:, g] > 0).any() and (self.q[:, g] > 0).any()
        ]
        self.active = bool(self.markets)
        self.premium = np.zeros((S, G, Y))
        """Premium of the year per market [EUR per market unit]: the year's qualifying output
        cleared against the year's required volume (zero when nothing is required), the
        price the year's sales are paid at."""
        self.expected = np.zeros((S, G, Y))
        """Premium the decision round of each year cleared against the volume required
        :data:`LOOKAHEAD` years ahead [EUR per market unit]: what the options expect."""
        self.need_now = np.zeros((S, G, len(inp.plants.product)))
        """Each plant's premium need for the year's output [EUR per market unit]: a plant
        deciding on a qualifying route its gap to leaving it, a plant the round takes its
        need, a plant bound to a switch already decided 0 (its output is made anyway)."""
        self.required_now = np.zeros((S, G, Y))
        self.supplied = np.zeros((S, G, Y))
        """Qualifying output of the year [market unit/yr]."""
        self.sold = np.zeros((S, G, Y))
        self.paid = np.zeros((S, G, Y))
        """What buyers pay, equal to what the suppliers receive [EUR/yr]."""
        self.in_part = np.zeros((S, G, Y))
        """Volume the market's own divisible supply (:meth:`market_supply`) sells in the year
        [market unit/yr] (0: none, or none needed)."""
        self.in_part_cost = np.zeros((S, G, Y))
        """What that volume costs the buyers who take it, at its need [EUR/yr] (not in
        ``paid``, which is what the plants receive)."""
        self._kept = np.zeros((S, len(inp.plants.product)))
        self._kept_by = np.zeros((S, G, len(inp.plants.product)))
        """What each plant expects to keep per market on the route it runs [EUR/yr]."""
        self.offered = np.zeros((S, G, len(inp.plants.product)))
        """What the latest round offered each plant for its current route [EUR/yr]."""
        self.rank = np.full((S, G, len(inp.plants.product)), np.inf)
        """Order in which the latest year's clearing took each plant (inf: not taken)."""
        self.earned = np.zeros((S, G, len(inp.plants.product)))
        """Each plant's premium revenue in the last year accounted [EUR/yr]."""
        self._cleared_at = -1
        self._revenue: F | None = None
        """The year already cleared (before its accounting) and its plants' revenue."""
        self.ran = np.broadcast_to(inp.plants.incumbent[None, :], (S, len(inp.plants.product)))
        """Route each plant ran in the last year accounted ``(S, P)``."""
        routes = inp.routes
        Yc = ctx.route.emitted.shape[-1]
        self.ref = np.zeros((G, Yc))
        """Emissions per unit of each product's incumbent (grey) route(s), mean [tCO2/product]."""
        for g in range(G):
            grey = (routes.product == g) & (routes.family == FAMILY["incumbent"])
            if grey.any():
                self.ref[g] = ctx.route.emitted[grey].mean(axis=0)

    def own_cap(self, g: int, t: int) -> F:
        """Most a supplier on each route is paid per unit of market ``g`` in year ``t``
        ``(S, R)``; inf here (procurement caps it at the MKI value of the CO2 saved)."""
        return np.full(self.q[:, g, :].shape, np.inf)

    def market_supply(self, g: int, t: int) -> tuple[F, F] | None:
        """A divisible supply of market ``g`` in year ``t`` that no plant's route carries,
        ``(need, volume)`` per scenario ``(S,)`` [EUR per market unit], [market unit/yr]: it
        enters the clearing as one more divisible supplier at its own need (the RFNBO
        obligation: renewable hydrogen an obligated user takes for part of its hydrogen use,
        :meth:`kruispunt.policy.mandates.RfnboMandate.market_supply`). None here: every
        supplier is a plant."""
        return None

    def _with_market_supply(
        self, g: int, t: int, need: F, volume: F, own: F, group: I, divisible: B | None
    ) -> tuple[F, F, F, I, B | None, bool]:
        """The clearing's entries with :meth:`market_supply`'s supplier appended as the last
        column (divisible, its own group, no own cap); unchanged when there is none. The last
        value says whether it was appended."""
        extra = self.market_supply(g, t)
        if extra is None:
            return need, volume, own, group, divisible, False
        S = need.shape[0]
        div = np.zeros(need.shape, dtype=bool) if divisible is None else divisible
        return (
            np.concatenate([need, np.reshape(extra[0], (S, 1))], axis=1),
            np.concatenate([volume, np.reshape(extra[1], (S, 1))], axis=1),
            np.concatenate([own, np.full((S, 1), np.inf)], axis=1),
            np.concatenate([group, [int(group.max(initial=-1)) + 1]]),
            np.concatenate([np.broadcast_to(div, need.shape), np.ones((S, 1), dtype=bool)], axis=1),
            True,
        )

    def _cleared(self, g: int, t: int, ta: int, entries: tuple[F, F, F, I, B | None]) -> None:
        """Called by the round of year ``t`` with its clearing's entries (needs, volumes, own
        caps, groups, divisibility) for market ``g``, cleared against the volume of year
        ``ta``; nothing here (the RFNBO obligation clears them again for its users)."""

    def _gather(self, table: F, route: I) -> F:
        """``table`` ``(S, R)`` at ``route`` ``(S, P)`` or ``(S, P, K)``."""
        rows = np.arange(table.shape[0]).reshape((-1,) + (1,) * (route.ndim - 1))
        return np.asarray(table[rows, route], dtype=np.float64)

    def contract_value(self, t: int, route: I, production: F) -> F | None:
        """What a plant that stays on a qualifying route expects to keep earning in the
        markets ``(S, P)`` [EUR/yr]: last year's premium revenue (the premium and its sales
        are expected to hold), on a route that still qualifies; before the market's first
        year with a required volume, what last year's round offered it for staying (the
        premium x the volume it would sell), so that a plant already on a qualifying route
        weighs the coming market against the other rounds' offers."""
        if not self.active:
            return None
        kept: F = np.zeros(route.shape)
        self._kept_by[:] = 0.0
        if t > 0:
            for g in self.markets:
                qualifies = self._gather(self.q[:, g, :], route) > 0
                started = self.req[:, g, t - 1] > 0
                last = np.where(started[:, None], self.earned[:, g], self.offered[:, g])
                # a route that starts this year has sold nothing yet: the premium last
                # year's round cleared, with the plant's output in it (a plant building a
                # qualifying route is supply at no extra premium), on the volume it makes
                new = started[:, None] & (route != self.ran)
                if new.any():
                    volume = self._gather(self.q[:, g, :], route) * production
                    paid = np.minimum(self.expected[:, g, t - 1, None], self.own_cap(g, t))
                    ahead = volume * self._gather(paid, route)
                    last = np.where(new, ahead, last)
                self._kept_by[:, g] = np.where(qualifies, last, 0.0)
                kept = kept + self._kept_by[:, g]
        self._kept = kept
        return kept

    def _slots(self, g: int, routes: I) -> tuple[I, I]:
        """The options ``(plant, k)`` whose route qualifies for market ``g`` in some scenario
        (everywhere else the qualifying volume is 0 and the need infinite), plant-major as in
        the full ``(P, K)`` layout."""
        qualifies: B = np.asarray((self.q[:, g, :] > 0).any(axis=0), dtype=bool)
        if routes.strides[0] == 0:  # the same options in every scenario (the engine's case)
            mask: B = qualifies[routes[0]]
        else:
            mask = np.asarray(qualifies[routes].any(axis=0), dtype=bool)
        pi, ki = np.nonzero(mask)
        return pi, ki

    def offer(self, ev: Evaluation) -> Offer | None:
        if not self.active:
            return None
        t = ev.t
        S, P, K = ev.value.shape
        Y = self.req.shape[-1]
        ta = min(t + LOOKAHEAD, Y - 1)
        bonus = STAY_BONUS * self.ctx.inputs.plants.capacity
        pending = getattr(ev, "pending", None)
        prod = ev.production[..., 0]
        # the offer's arrays, made when a plant is first offered something (most years none)
        support: F | None = None
        eligible: B | None = None
        score: F | None = None
        rows = np.arange(S)[:, None]
        for g in self.markets:
            req = self.req[:, g, ta]
            # the qualifying options only: ``n`` slots (plant pi, option ki) of the (P, K) layout
            pi, ki = self._slots(g, ev.routes)
            n = pi.size
            route_s = ev.routes[:, pi, ki]
            qk = self.q[:, g, :][rows, route_s] * ev.production[:, pi, ki]
            own_all = self.own_cap(g, t)
            own_k = own_all[rows, route_s]
            # the plants with a qualifying option: their values without this market (staying
            # without what it earns here, the option to close later weighed on that: a plant
            # that would run out its route and close without the market is worth that much)
            up, pos = np.unique(pi, return_inverse=True)
            is_cur = ev.routes[:, up] == ev.current[:, up, None]
            without = getattr(ev, "stay_without", None)
            if without is not None and self._kept[:, up].any():
                stay = np.asarray(without(self._kept), dtype=np.float64)[:, up, None]
                value = np.where(is_cur, stay, ev.value[:, up])
            else:
                value = ev.value[:, up] - np.where(is_cur, self._kept[:, up, None], 0.0)
            best = np.max(value, axis=-1, initial=-np.inf)
            value_s = value[:, pos, ki]
            with np.errstate(invalid="ignore"):
                gap = best[:, pos] - value_s + bonus[pi]
            # staying: the premium is earned only while the plant runs, so the gap it must
            # cover is what lifts staying with its option to close later to the best option
            # (not the best less staying without it, which counts the exit option's value as
            # if a premium earned over the whole life came on top of it)
            need_fn = getattr(ev, "stay_need", None)
            cur_s = is_cur[:, pos, ki]
            if need_fn is not None and cur_s.any():
                target = np.zeros((S, P))
                target[:, up] = best
                lift = np.asarray(need_fn(self._kept, target), dtype=np.float64)[:, up]
                gap = np.where(cur_s, lift[:, pos] + bonus[pi], gap)
            with np.errstate(divide="ignore", invalid="ignore"):
                need_s = np.where(
                    np.isfinite(value_s) & (qk > 0), np.maximum(gap, 0.0) / qk, np.inf
                )
            need_s = np.where(need_s <= own_k, need_s, np.inf)
            # where each plant's options sit among the slots (-1: not qualifying, need inf)
            slot_of = np.full((P, K), -1, dtype=np.int64)
            slot_of[pi, ki] = np.arange(n)
            # the year's own output: a plant deciding on a qualifying route needs its gap to
            # leaving it; one bound to a decided switch makes its output anyway (0)
            at_cur = slot_of[up, np.argmax(is_cur, axis=-1)]  # (S, plants with a slot)
            need_cur = np.full((S, P), np.inf)
            need_cur[:, up] = np.where(
                at_cur >= 0,
                np.take_along_axis(
                    np.concatenate([need_s, np.full((S, 1), np.inf)], axis=1),
                    np.where(at_cur >= 0, at_cur, n),
                    axis=1,
                ),
                np.inf,
            )
            self.need_now[:, g] = np.where(ev.running, need_cur, 0.0)
            self.offered[:, g] = 0.0
            if not (req > 0).any():  # nothing required in any scenario: premium 0, none taken
                self.expected[:, g, t] = 0.0
                continue
            # every qualifying option of a deciding plant is an entry of its plant's group
            need_o = np.where(ev.running[:, pi], need_s, np.inf)
            # plants building a qualifying route: committed supply at no extra premium
            if pending is not None:
                pend = np.asarray(pending)
                building = pend >= 0
                bp = np.flatnonzero(building.any(axis=0))
                route_b = np.where(building[:, bp], pend[:, bp], 0)
                vol_b = np.where(building[:, bp], self.q[:, g, :][rows, route_b] * prod[:, bp], 0.0)
                own_b = own_all[rows, route_b]
            else:
                bp = np.zeros(0, dtype=np.int64)
                vol_b = np.zeros((S, 0))
                own_b = np.zeros((S, 0))
            # a divisible market: output a plant makes anyway (its running qualifying route,
            # a route it is building) sells in part; a switch converts a whole plant
            divisible = (
                np.concatenate(
                    [
                        (route_s == ev.current[:, pi]) & ev.running[:, pi],
                        np.ones((S, bp.size), dtype=bool),
                    ],
                    axis=1,
                )
                if self.divisible
                else None
            )
            # the entries keep the order of the full layout (options plant-major, then the
            # plants building), so that ties go to the same supplier
            # the market's own divisible supply (if any) is the last entry
            need_c, vol_c, own_c, grp_c, div_c, _ = self._with_market_supply(
                g,
                ta,
                np.concatenate([need_o, np.zeros((S, bp.size))], axis=1),
                np.concatenate([qk, vol_b], axis=1),
                np.concatenate([own_k, own_b], axis=1),
                np.concatenate([pi, bp]),
                divisible,
            )
            c = clearing_premiums(
                need_c, vol_c, req, self.cap[:, g, ta], own_c, group=grp_c, divisible=div_c
            )
            self.expected[:, g, t] = c.premium
            self._cleared(g, t, ta, (need_c, vol_c, own_c, grp_c, div_c))
            # at most one option of a plant sells: its volume is the plant's
            s_sold, j_sold = np.nonzero(c.sold[:, :n] > 0)
            p_sold = pi[j_sold]
            sold_p = np.zeros((S, P))
            sold_p[s_sold, p_sold] = c.sold[s_sold, j_sold]
            won_at = ev.running[s_sold, p_sold]
            s_sold, j_sold, p_sold = s_sold[won_at], j_sold[won_at], p_sold[won_at]
            if not s_sold.size:
                continue
            # a plant the round takes now (it may start at once) needs what it asked
            self.need_now[s_sold, g, p_sold] = np.minimum(
                self.need_now[s_sold, g, p_sold], need_s[s_sold, j_sold]
            )
            keep = c.premium[s_sold] > 0
            s_idx, p_idx = s_sold[keep], p_sold[keep]
            if not s_idx.size:
                continue
            # the plant's place in the market goes with any qualifying option it takes:
            # premium x the volume sold, at most the option's own qualifying volume; on
            # the route it runs, less what it expects to keep earning (contract_value)
            at = slot_of[p_idx]  # (m, K)
            has = at >= 0
            at0 = np.where(has, at, 0)
            s_col = s_idx[:, None]
            need_w = np.where(has, need_s[s_col, at0], np.inf)
            qk_w = np.where(has, qk[s_col, at0], 0.0)
            own_w = np.where(has, own_k[s_col, at0], np.inf)
            ok = np.isfinite(need_w)  # (m, K) qualifying, feasible, within cap
            paid = np.minimum(c.premium[s_idx, None], own_w)
            gain = paid * np.minimum(sold_p[s_idx, p_idx, None], qk_w)
            cur_w = ev.routes[s_idx, p_idx] == ev.current[s_idx, p_idx, None]
            self.offered[s_idx, g, p_idx] = np.where(cur_w & ok, gain, 0.0).max(axis=-1)
            kept_g = self._kept_by[s_idx, g, p_idx, None]
            gain = np.where(cur_w, gain - kept_g, gain)
            gain = np.where(ok, np.maximum(gain, 0.0), 0.0)
            if support is None or eligible is None or score is None:
                support = np.zeros((S, P, K))
                eligible = np.zeros((S, P, K), dtype=bool)
                score = np.full((S, P, K), np.inf)
            support[s_idx, p_idx] += gain
            eligible[s_idx, p_idx] |= ok
            score_w = score[s_idx, p_idx]
            score[s_idx, p_idx] = np.where(ok, np.minimum(score_w, need_w), score_w)
        if support is None or eligible is None or score is None or not eligible.any():
            return None
        return Offer(
            support=support,
            eligible=eligible,
            score=score,
            claim=np.broadcast_to(0.0, (S, P, K)),  # every applicant sells: no budget
            budget=np.full(S, np.inf),
        )

    def allocate(self, score: F, claim: F, budget: F, applies: B, pick: I) -> B:
        """Every applicant sells: the clearing already capped the volume at the requirement."""
        return np.asarray(applies, dtype=bool).copy()

    def unit_cost(self, x: Mapping[str, F], opt: OptionView) -> F | float:
        return 0.0

    def account(self, st: YearState) -> Booking:
        if not self.active:
            return Booking()
        if self._cleared_at == st.i and self._revenue is not None:
            revenue = self._revenue  # cleared before the year's accounting (hydrogen_bought)
        else:
            revenue = self._clear(st)
        self._cleared_at, self._revenue = -1, None
        return Booking(plant={"premium_revenue": revenue})

    def _clear(self, st: YearState) -> F:
        """Clear the year's qualifying output against the year's required volume, keep the
        market's outcomes for the year and return each plant's premium revenue ``(S, P)``
        [EUR/yr]."""
        i = st.i
        revenue = np.zeros(st.production.shape)
        # a plant that has decided to leave its route (a switch after its lead time, a
        # closure after its notice) runs it through the year: it makes this year's output
        # whatever the premium, and sells it at no need, from the year of the decision (the
        # round in :meth:`offer`, before the year's decisions, zeroes the years after)
        bound = None if st.pending is None else np.asarray(st.pending) >= 0
        for g in self.markets:
            qp_all = self._gather(self.q[:, g, :], st.route) * st.production
            # the plants with qualifying output in some scenario (few): a plant with none
            # never sells, is never ranked and is paid 0, and leaving it out keeps the order
            # of the others (the clearing and the sales are the same)
            cols = np.flatnonzero((qp_all != 0.0).any(axis=0))
            n = cols.size
            qp = qp_all[:, cols]
            req = self.req[:, g, i]
            own = self._gather(self.own_cap(g, i), st.route[:, cols])
            cap = self.cap[:, g, i]
            need_now = self.need_now[:, g, cols]
            if bound is not None:
                need_now = np.where(bound[:, cols], 0.0, need_now)
            need_a, qp_a, own_a, _, div_a, extra = self._with_market_supply(
                g,
                i,
                need_now,
                qp,
                own,
                np.arange(n),
                np.ones(qp.shape, dtype=bool) if self.divisible else None,
            )
            c = clearing_premiums(need_a, qp_a, req, cap, own_a, divisible=div_a)
            self.premium[:, g, i] = c.premium
            self.rank[:, g] = np.inf
            self.rank[:, g, cols] = c.rank[:, :n]
            rank_a = c.rank
            if extra:
                # the plants' qualifying output is made this year whatever it sells (the
                # year's decisions are taken): it counts against the requirement first, in
                # the clearing's order, and the market's own supply fills what it leaves, at
                # most what the clearing took of it. The premium stays the clearing's (the
                # merit order of the needs): a plant whose gap is above it sells at it
                qp_a = np.concatenate([qp, c.sold[:, n:]], axis=1)
                rank_a = np.concatenate([c.rank[:, :n], np.full((qp.shape[0], 1), np.inf)], axis=1)
            paid_a = market_sales_rows(qp_a, req, c.premium, own_a, rank_a)
            paid = np.zeros(qp_all.shape)
            paid[:, cols] = paid_a[:, :n]
            revenue += paid
            self.earned[:, g] = paid
            self.required_now[:, g, i] = req
            self.supplied[:, g, i] = qp_all.sum(axis=1)
            # summed over every plant, as the clearing's entries were before the selection
            sold_all = np.concatenate([qp_all, c.sold[:, n:]], axis=1) if extra else qp_all
            self.sold[:, g, i] = np.minimum(sold_all.sum(axis=1), np.maximum(req, 0.0))
            self.paid[:, g, i] = paid.sum(axis=1)
            if extra:  # the volume it sells, and what it costs the buyers who take it
                left = np.maximum(np.maximum(req, 0.0) - qp.sum(axis=1), 0.0)
                part = np.minimum(c.sold[:, n], left)
                self.in_part[:, g, i] = part
                self.sold[:, g, i] -= part  # ``sold``: the plants' qualifying output sold
                cost = np.where(np.isfinite(need_a[:, n]), need_a[:, n], 0.0)
                self.in_part_cost[:, g, i] = part * cost
        self.ran = st.route.copy()
        self._cleared_at, self._revenue = i, revenue
        return revenue
