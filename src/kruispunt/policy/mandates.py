"""Mandates: a required low-carbon share of a product's domestic use by year.

First application: the RFNBO obligation for hydrogen used in industry. Directive (EU)
2018/2001 as amended by Directive (EU) 2023/2413 (RED III), Art. 22a(1): renewable fuels of
non-biological origin (RFNBO) make up at least 42 % of the hydrogen used in industry in 2030
and 60 % in 2035, binding on the member state. The Netherlands places an obligation on
industrial hydrogen users (Wet jaarverplichting hernieuwbare brandstoffen van niet-biologische
oorsprong in de industrie, from 1 January 2026; Kamerstuk 31239 nr. 417): by the Green Growth
package of April 2025 about 4 % of an industrial user's hydrogen in 2030, the rest of the
member-state target to come from production tenders and demand support.

The market is the product ``hydrogen`` counted in tonnes: a route qualifies by the renewable
hydrogen it makes or uses (the electrolysis route's output; the network hydrogen, carrier
``hydrogen``, of the routes that use it: an ammonia plant's hydrogen, hydrogen DRI). The
obligation clears as any demand-side market (:mod:`kruispunt.policy.clearing`).

Refineries are outside it: Art. 22a(1) leaves hydrogen used as an intermediate product for
conventional transport fuels out of the industry target, and renewable hydrogen used so
counts towards the transport targets (Art. 25; European Commission guidance C/2025/2983).
The data carry the scope (:mod:`kruispunt.assemble.instruments`): the required volume's base
is industrial hydrogen use without refining, a refinery route's renewable hydrogen does not
qualify and a refinery's reformers are not obligated. What a refinery's renewable hydrogen
earns under the transport obligation is :mod:`kruispunt.policy.refinery_route`.

The obligation applies per installation using more than 0.1 kt of hydrogen a year, to a share
of its annual hydrogen use, and is met with tradable units (the bill as described by Dentons
and World Law Group, Mar 2025): a user may take renewable hydrogen for part of its use
instead of converting a whole plant. :meth:`RfnboMandate.market_supply` adds this divisible
supply to the clearing at :func:`partial_need` per tonne.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, ClassVar

import numpy as np
import numpy.typing as npt
from numpy.typing import ArrayLike

from kruispunt.policy.base import (
    Booking,
    Context,
    Evaluation,
    Flow,
    HydrogenBought,
    Offer,
    OptionView,
    Parameter,
    YearState,
)
from kruispunt.policy.clearing import LOOKAHEAD, ClearingMarket, clearing_premiums, required_volume
from kruispunt.vocabulary import FAMILY, HYDROGEN_LHV_GJ_PER_T, PRODUCT, ROUTE, SCENARIO, YEAR

if TYPE_CHECKING:
    from kruispunt.inputs import ModelInputs

__all__ = [
    "RfnboMandate",
    "grey_routes",
    "obligation_cost",
    "partial_need",
    "share_out",
    "shortfall_paid",
]

F = npt.NDArray[np.float64]
I = npt.NDArray[np.int64]  # noqa: E741
B = npt.NDArray[np.bool_]


def grey_routes(product: ArrayLike, family: ArrayLike, hydrogen: int) -> npt.NDArray[np.int64]:
    """The routes whose hydrogen an obligated user's bought renewable hydrogen replaces, per
    tonne: the incumbent routes of the product hydrogen (steam methane reforming, route
    ``smr``). Their mean emissions, carrier use and variable O&M per tonne are what a tonne
    bought saves, at whatever plant makes the grey hydrogen (a named simplification: a
    refinery's or ammonia plant's own reformers are taken to run as the merchant reformer)."""
    prod = np.asarray(product)
    fam = np.asarray(family)
    return np.flatnonzero((prod == hydrogen) & (fam == FAMILY["incumbent"])).astype(np.int64)


def share_out(volume: ArrayLike, made: ArrayLike) -> F:
    """Split the renewable hydrogen obligated users take for part of their use over the
    plants that make hydrogen in their own reformers, in proportion to what each makes:
    every obligated installation owes the same share of its hydrogen use, so a tonne taken
    goes where the hydrogen it replaces is made.

    Parameters
    ----------
    volume : array_like
        Renewable hydrogen taken per scenario ``(S,)`` [t/yr], at most what is made.
    made : array_like
        Hydrogen each plant makes in its own reformers ``(S, P)`` [t/yr], non-negative.

    Returns
    -------
    numpy.ndarray
        ``(S, P)`` [t/yr]: summing to ``volume`` where any hydrogen is made, never above a
        plant's own.

    Examples
    --------
    19,600 t taken; a merchant reformer making 100,000 t and an ammonia plant 40,000 t:

    >>> share_out([19_600.0], [[100_000.0, 40_000.0]]).round(6).tolist()
    [[14000.0, 5600.0]]
    """
    v = np.asarray(volume, dtype=np.float64)
    g = np.asarray(made, dtype=np.float64)
    if g.ndim != 2 or v.shape != g.shape[:1]:
        raise ValueError("volume must be (S,) and made (S, P)")
    if np.any(g < 0) or np.any(np.isnan(g)) or np.any(np.isnan(v)):
        raise ValueError("made must be non-negative; neither may be NaN")
    total = g.sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        part = np.where(total > 0, np.minimum(np.maximum(v, 0.0), total) / total, 0.0)
    return np.asarray(g * part[:, None], dtype=np.float64)


def partial_need(rfnbo_price: ArrayLike, grey_cost: ArrayLike) -> F:
    """Premium an obligated user needs per tonne of renewable hydrogen it takes for part of
    its hydrogen use: the price of the RFNBO delivered less the running cost of the grey
    hydrogen it no longer makes (gas, allowances, variable O&M), at least 0.

    Under the Dutch obligation each obligated installation surrenders units for its share of
    its hydrogen use, one unit per tonne of RFNBO used in industry, tradable (Wet
    jaarverplichting hernieuwbare brandstoffen van niet-biologische oorsprong in de
    industrie, implementing RED III Art. 22a; ``rfnbo.nl_obligation_share``,
    ``rfnbo.tradable_units`` in ``policy.csv``): a user may take RFNBO for any part of its
    use, so this supply is divisible, each tonne at this need.

    Parameters
    ----------
    rfnbo_price : array_like
        Price of renewable hydrogen delivered [EUR/t].
    grey_cost : array_like
        Running cost of the grey hydrogen replaced [EUR/t].

    Returns
    -------
    numpy.ndarray
        [EUR/t], non-negative.

    Examples
    --------
    Network hydrogen at 265 EUR/MWh (8,833 EUR/t) against steam reforming at 2,600 EUR/t:

    >>> round(float(partial_need(265.0 * 33.333, 2600.0)))
    6233
    """
    price = np.asarray(rfnbo_price, dtype=np.float64)
    grey = np.asarray(grey_cost, dtype=np.float64)
    if np.any(np.isnan(price)) or np.any(np.isnan(grey)):
        raise ValueError("rfnbo_price and grey_cost must not be NaN")
    return np.asarray(np.maximum(price - grey, 0.0), dtype=np.float64)


def obligation_cost(premium: ArrayLike, owed: ArrayLike, took: ArrayLike) -> F:
    """What each obligated installation pays for its RFNBO obligation in a year: the year's
    premium on the units it owes beyond the renewable hydrogen it took for part of its own
    use (:func:`share_out`). A tonne taken is a unit of its own; what it took beyond what it
    owes it sells (a negative cost), as the tradable units allow.

    Parameters
    ----------
    premium : array_like
        The year's premium per scenario ``(S,)`` [EUR/t]: the price of a unit over grey
        hydrogen, the cap when the year's supply falls short.
    owed : array_like
        Units each installation owes ``(S, P)`` [t/yr]: the obligation's share of its
        hydrogen use.
    took : array_like
        Renewable hydrogen each installation took for part of its use ``(S, P)`` [t/yr]
        (its cost is in its energy bill).

    Returns
    -------
    numpy.ndarray
        ``(S, P)`` [EUR/yr].

    Examples
    --------
    The premium at a 9,000 EUR/t cap; an ammonia plant owing 8,000 t that took 3,000 t itself
    and a merchant reformer owing 4,000 t that took none:

    >>> obligation_cost([9_000.0], [[8_000.0, 4_000.0]], [[3_000.0, 0.0]]).tolist()
    [[45000000.0, 36000000.0]]
    """
    p = np.asarray(premium, dtype=np.float64)
    o = np.asarray(owed, dtype=np.float64)
    k = np.asarray(took, dtype=np.float64)
    if o.ndim != 2 or p.shape != o.shape[:1] or k.shape != o.shape:
        raise ValueError("premium must be (S,), owed and took (S, P)")
    if np.any(~np.isfinite(p)) or np.any(p < 0):
        raise ValueError("premium must be finite and non-negative")
    if np.any(~(o >= 0)) or np.any(~(k >= 0)):
        raise ValueError("owed and took must be non-negative and not NaN")
    return np.asarray(p[:, None] * (o - k), dtype=np.float64)


def shortfall_paid(premium: ArrayLike, required: ArrayLike, sold: ArrayLike, took: ArrayLike) -> F:
    """What obligated users pay for the units the year's supply could not give them
    ``(S,)`` [EUR/yr]: the premium (then the cap) on the required volume less the plants'
    renewable hydrogen sold and what the users took themselves, at least 0. With
    :func:`obligation_cost` summed over the users it is what the producers receive plus
    this: the money balances.

    Examples
    --------
    21,800 t required, 9,930 t taken by the users, nothing sold by plants, at the cap:

    >>> float(shortfall_paid([9_000.0], [21_800.0], [0.0], [9_930.0])[0])
    106830000.0
    """
    p = np.asarray(premium, dtype=np.float64)
    short = np.asarray(required, dtype=np.float64) - np.asarray(sold, dtype=np.float64)
    short = short - np.asarray(took, dtype=np.float64)
    return np.asarray(p * np.maximum(short, 0.0), dtype=np.float64)


class RfnboMandate(ClearingMarket):
    """The RFNBO obligation for industrial hydrogen (RED III Art. 22a as NL implements it).

    Each obligated installation owes the obligation's share of its own hydrogen use
    (:attr:`uses`: what it makes in its own reformers and the renewable hydrogen it buys or
    makes, per unit of output, on every route but a refinery's); the required volume is the
    sum (:func:`kruispunt.policy.clearing.required_volume` of the share and the installations'
    use: the base year's to start, then each year's from the year's output; for the years
    ahead, from the route each user is building where it has decided a switch, so that it
    follows closures and imports from the year they are decided). Obligated users buy RFNBO
    up to it from the cheapest renewable-hydrogen routes; the premium (per tonne of hydrogen) is
    capped at the cost of falling short (``cap``). The plants whose routes make or use
    renewable hydrogen receive it (``premium_revenue``); each user pays it on the units it
    owes beyond what it took for part of its use (``obligation_cost``,
    :func:`obligation_cost`), the units the supply could not give at the cap
    (:func:`shortfall_paid`), which goes to the state as the obligation's penalty (flow
    ``rfnbo_shortfall_revenue``; no penalty was found, the cap is a named assumption).
    Options expect to pay the latest round's premium on what they would owe over their
    life (:meth:`unit_cost`): the obligation weighs on a user's staying against closure or
    import, not on its choice between hydrogen routes (each owes the same share of its
    use)."""

    name = "rfnbo_mandate"
    flows = (
        Flow(
            "rfnbo_shortfall_revenue",
            1,
            "What obligated users pay at the cap for the RFNBO the year's supply could not "
            "give them, taken as the obligation's penalty to the state (rfnbo.shortfall_cap, "
            "an assumption).",
        ),
    )
    parameters: ClassVar[tuple[Parameter, ...]] = (
        *ClearingMarket.parameters,
        Parameter(
            "partial_share",
            (SCENARIO, PRODUCT, YEAR),
            "1",
            "Share of the required volume obligated users may meet by taking renewable "
            "hydrogen for part of their hydrogen use (divisible, at its need per tonne); "
            "0: only the plants' routes supply.",
            0.0,
        ),
        Parameter(
            "reformer_hydrogen",
            (SCENARIO, ROUTE),
            "t/product",
            "Hydrogen a route makes in its own steam reformers (with or without capture) per "
            "unit of output: what an obligated plant on it replaces with the renewable "
            "hydrogen it takes for part of its use (route parameter reformer_hydrogen).",
            0.0,
        ),
    )
    divisible = False
    """A plant's offer is whole, also for the output of a running renewable-hydrogen route:
    a producer that weighs staying on its route against leaving it needs its whole gap from
    what it sells, so when the marginal producer sells only part of its output the premium
    is its gap over that part (:func:`kruispunt.policy.clearing.clearing_premium`'s whole
    offers); a producer bound to a decided project, or building one, needs nothing. A switch
    is whole too: the model's routes convert a whole plant (or HH1's share of Pernis's
    hydrogen). The users' partial conversion (:meth:`market_supply`) is the divisible
    supply, each tonne at its need, that fills what the plants leave; the premium is the cap
    (``rfnbo.shortfall_cap``, a named assumption) only when that too costs more.

    Until Dec 2026 a running producer's output was divisible, sold at its gap per tonne of
    its whole output: the marginal producer, selling part of it, was paid less than its gap
    and weighed leaving. With the obligation at 26 kt (refinery hydrogen out of it) the
    three merchant electrolysers of high ambition at high prices made 26.2 kt; Air Products
    Botlek's, the marginal one, was offered its own need, 861 EUR/t of its whole 12,477 t, on
    the 12,277 t it would sell (10.57 MEUR/yr against a gap of 10.74), decided in 2037 to
    leave for capture in 2040, and built a new electrolyser in 2042. The gap itself is the
    amount that lifts staying, with the option to close later, to the best alternative
    (:attr:`kruispunt.engine.valuation.OptionValues.stay_need`, used by
    :meth:`kruispunt.policy.clearing.ClearingMarket.offer`)."""

    def __init__(self, ctx: Context) -> None:
        super().__init__(ctx)
        inp = ctx.inputs
        S, G, Y = self.req.shape
        self.partial = self.param("partial_share")  # (S, G, Y)
        self.part_need = np.full((S, G, Y), np.inf)
        """Need of the renewable hydrogen taken for part of a user's use [EUR/t] (inf: none)
        (:func:`partial_need`: the network hydrogen price less the running cost of the
        market's grey route, the product's incumbent route(s))."""
        self.reformer = self.param("reformer_hydrogen")  # (S, R)
        self.connected_from = inp.pools.hydrogen_year[:, inp.plants.cluster]  # (S, P)
        """First year each plant's cluster is on the hydrogen network: the obligation asks
        renewable hydrogen physically delivered, so a user takes it in part from then on (a
        user not yet connected has the bill's temporary exemption)."""
        self.own_made = np.full(S, np.inf)
        """Hydrogen the obligated plants made in their own reformers in the latest year
        accounted [t/yr]: the most users can take in part (inf before the first)."""
        self.room = np.full((S, Y), np.inf)
        """Network hydrogen the supply projects have left in each year if the plants' routes
        use what they used in the latest year accounted [t/yr]
        (:attr:`YearState.hydrogen_room`): users take no more in part (inf before the
        first, or where not known)."""
        self.made = np.zeros((S, Y))
        """Hydrogen the obligated plants made in their own reformers each year accounted
        [t/yr] (:meth:`_own_made`, summed)."""
        self.h2 = _hydrogen_product(inp)
        self.uses = np.zeros(self.reformer.shape)
        """Hydrogen an obligated installation on each route uses per unit of output
        ``(S, R)`` [t H2/product]: what it makes in its own reformers and the renewable
        hydrogen it buys or makes (the qualifying volume; a merchant electrolyser's output
        is its customers' use), 0 on a refinery's routes (not obligated)."""
        self.owed_share = np.zeros((S, Y))
        """The obligation's share of an installation's hydrogen use each year."""
        self.expect = np.zeros(S)
        """The premium of the latest decision round [EUR/t]: what users expect to pay per
        unit they owe."""
        self._all_owe = np.zeros(S)
        """What the users would owe in the year the latest round looked at if every one
        of them ran [t/yr] (:meth:`offer`)."""
        self.took = np.zeros((S, len(inp.plants.product)))
        """Renewable hydrogen each plant took for part of its use in the year being
        accounted [t/yr] (:meth:`hydrogen_bought`)."""
        if self.h2 >= 0 and self.h2 in self.markets:
            self.uses = self.reformer + self.q[:, self.h2, :]
            self.owed_share = self.param("share")[:, self.h2, :]
        owed = self.owed_share > 0
        self._first_owed = np.where(owed.any(axis=1), np.argmax(owed, axis=1), 0)
        """Index of the first year each scenario's obligation asks a share ``(S,)`` (0: none)."""
        h2c = np.flatnonzero(inp.carriers.is_hydrogen)
        if not (self.partial > 0).any() or not h2c.size:
            return
        routes = inp.routes
        price = inp.markets.price  # (S, C, Y)
        rfnbo_price = price[:, h2c[0], :] * HYDROGEN_LHV_GJ_PER_T  # (S, Y)
        for g in self.markets:
            grey = grey_routes(routes.product, routes.family, g)
            if not grey.size:
                continue
            use = ctx.route.inputs[grey][..., :Y]  # (n, C, Y)
            fuel = np.einsum("ncy,scy->sny", use, price)
            carbon = ctx.route.emitted[grey][:, :Y][None] * inp.markets.eua[:, None, :]
            cost = (fuel + carbon + routes.variable_opex[grey][:, :Y][None]).mean(axis=1)
            self.part_need[:, g] = partial_need(rfnbo_price, cost)

    def paths(self) -> dict[str, F]:
        """``owed``: the units an installation on each route owes per unit of output over the
        years [t H2/product], the year's share times the route's hydrogen use."""
        if self.h2 < 0 or self.h2 not in self.markets:
            return {}
        share = self.ctx.ext(self.owed_share)  # (S, Ye)
        return {"owed": np.asarray(share[:, None, :] * self.uses[:, :, None], dtype=np.float64)}

    def unit_cost(self, x: Mapping[str, F], opt: OptionView) -> F | float:
        """The units an option owes per unit of output over its window at the latest
        round's premium [EUR/product] (0 before a round has cleared a premium)."""
        if "owed" not in x or not self.expect.any():
            return 0.0
        owed = x["owed"]
        expect = self.expect.reshape((-1,) + (1,) * (owed.ndim - 1))
        # a user not on the hydrogen network has the bill's temporary exemption: it owes
        # nothing until its cluster is connected, looked at as far ahead as the round looks
        years = self.ctx.inputs.coords.years
        ahead = years[min(opt.t + LOOKAHEAD, len(years) - 1)]
        on = np.asarray(opt.plant(self.connected_from <= ahead), dtype=np.float64)
        return np.asarray(owed * expect * on, dtype=np.float64)

    def offer(self, ev: Evaluation) -> Offer | None:
        """The clearing round (:meth:`ClearingMarket.offer`). What users expect to pay from
        the next year's decisions on (:attr:`expect`) is the premium of the same round's
        supply cleared against what the users would owe if every one of them ran
        (:meth:`_cleared`): a user weighing leaving, or coming back, owes its share whatever
        the others do, so the users' expectation does not fall to 0 when they have left."""
        h2 = self.h2
        on = h2 >= 0 and h2 in self.markets
        if on:
            Y = self.req.shape[-1]
            ta = min(ev.t + LOOKAHEAD, Y - 1)
            # before the obligation's first year is within the round's lookahead, what users
            # would owe in that first year: the law is known years before it binds
            te = np.maximum(ta, self._first_owed)  # (S,)
            years = self.ctx.inputs.coords.years
            inc = self.ctx.inputs.plants.incumbent
            s = np.arange(self.req.shape[0])
            rows = s[:, None]
            use = np.maximum(self.uses[rows, ev.current], self.uses[:, inc])
            use = use * self.ctx.output(ev.t) * (self.connected_from <= years[te][:, None])
            self._all_owe = self.owed_share[s, te] * use.sum(axis=1)
            # no round clears where nothing is owed; users who would owe see the cap
            self.expect = np.where(self._all_owe > 0, self.cap[s, h2, te], 0.0)
        return super().offer(ev)

    def _cleared(self, g: int, t: int, ta: int, entries: tuple[F, F, F, I, B | None]) -> None:
        if g != self.h2:
            return
        need, vol, own, grp, div = entries
        # the users' own partial supply (the last entry) on the volume they would owe, not
        # the year's required volume: a user whose cluster joins the network within the
        # lookahead owes and takes in part alike
        part = self._partial_supply(g, ta, self._all_owe)
        if part is not None:
            vol = vol.copy()
            need = need.copy()
            need[:, -1], vol[:, -1] = part
        c = clearing_premiums(
            need, vol, self._all_owe, self.cap[:, g, ta], own, group=grp, divisible=div
        )
        self.expect = np.where(self._all_owe > 0, c.premium, 0.0)

    def owed(self, st: YearState) -> F:
        """Units each installation owes in the year ``(S, P)`` [t/yr]: the year's share of
        its hydrogen use (:meth:`_use_owed_on`)."""
        return np.asarray(self.owed_share[:, st.i, None] * self._use_owed_on(st), dtype=np.float64)

    def _use_owed_on(self, st: YearState, pending: I | None = None) -> F:
        """Hydrogen use the obligation applies to in the year ``(S, P)`` [t/yr]: each plant's
        route's :attr:`uses` at its output, where its cluster is on the hydrogen network (a
        user not yet connected has the bill's temporary exemption). With ``pending``, a plant
        building a route (``>= 0``) counts that route's use instead: what it will owe once
        the switch starts (0 for an import or a closure)."""
        route = st.route if pending is None else np.where(pending >= 0, pending, st.route)
        use = self._gather(self.uses, route) * st.production
        return np.asarray(np.where(st.year >= self.connected_from, use, 0.0), dtype=np.float64)

    def market_supply(self, g: int, t: int) -> tuple[F, F] | None:
        """Renewable hydrogen obligated users take for part of their hydrogen use: up to
        ``partial_share`` of the required volume, each tonne at :attr:`part_need` (the
        obligation is per installation and met with tradable units, so a user need not
        convert a whole plant)."""
        return self._partial_supply(g, t, self.req[:, g, t])

    def _partial_supply(self, g: int, t: int, owed: F) -> tuple[F, F] | None:
        """:meth:`market_supply` of market ``g`` in year ``t`` on the volume ``owed``
        ``(S,)``: ``(need, volume)``, None where no user takes any in part."""
        if not (self.partial[:, g, t] > 0).any():
            return None
        # users take renewable hydrogen in place of hydrogen they make: at most that, and
        # at most what the hydrogen supply projects have left after the plants' routes
        volume = np.minimum(self.partial[:, g, t] * owed, self.own_made)
        np.minimum(volume, self.room[:, t], out=volume)
        need = np.where(volume > 0, self.part_need[:, g, t], np.inf)
        return np.asarray(need, dtype=np.float64), np.asarray(volume, dtype=np.float64)

    def _own_made(self, st: YearState) -> F:
        """Hydrogen each plant makes in its own reformers in the year ``(S, P)`` [t/yr]: its
        route's ``reformer_hydrogen`` times its output, where the plant's cluster is on the
        hydrogen network (:attr:`connected_from`; 0 elsewhere)."""
        rows = np.arange(self.reformer.shape[0])[:, None]
        made = self.reformer[rows, st.route] * st.activity
        return np.asarray(np.where(st.year >= self.connected_from, made, 0.0), dtype=np.float64)

    def _clear(self, st: YearState) -> F:
        if self.h2 >= 0 and self.h2 in self.markets:
            # the year's required volume from the installations' use this year; for the
            # years ahead (the rounds' lookahead) the use on the route each plant is building,
            # so that it follows their closures and imports as soon as they are decided
            use = self._use_owed_on(st).sum(axis=1)
            ahead = self._use_owed_on(st, st.pending).sum(axis=1)
            self.req[:, self.h2, st.i + 1 :] = required_volume(
                self.owed_share[:, st.i + 1 :], ahead[:, None]
            )
            self.req[:, self.h2, st.i] = required_volume(self.owed_share[:, st.i], use)
        self.own_made = self._own_made(st).sum(axis=1)
        if st.hydrogen_room is not None:
            self.room = np.asarray(st.hydrogen_room, dtype=np.float64) / HYDROGEN_LHV_GJ_PER_T
        self.made[:, st.i] = self.own_made
        return super()._clear(st)

    def hydrogen_bought(self, st: YearState) -> HydrogenBought | None:
        """The renewable hydrogen users took for part of their use (``in_part``), at the
        plants that make hydrogen in their own reformers in proportion to what each makes
        (:func:`share_out`): each tonne replaces a tonne of the plant's own hydrogen, so its
        direct emissions fall by the reformer's emissions per tonne (route smr's; on a route
        that captures CO2 route smr_ccs's emissions and capture; at most its own
        emissions), its gas and variable O&M with it (:func:`grey_routes`: route smr's).
        The year is cleared here, before the instruments' accounting, so that the carbon
        price and taxes see the lower emissions and gas use."""
        self.took[:] = 0.0
        if not self.active:
            return None
        inp = self.ctx.inputs
        h2 = self.h2
        grey_r = grey_routes(inp.routes.product, inp.routes.family, h2) if h2 >= 0 else None
        self._clear(st)
        if grey_r is None or not grey_r.size or h2 not in self.markets:
            return None
        i = st.i
        tonnes = share_out(self.in_part[:, h2, i], self._own_made(st))
        self.took = tonnes
        # a plant whose route captures CO2 makes blue hydrogen: per tonne the emissions and
        # capture of the product's capture route (smr_ccs), else the grey route's
        rt = self.ctx.route
        blue_r = np.flatnonzero((inp.routes.product == h2) & (inp.routes.family == FAMILY["ccs"]))
        blue = rt.captured[st.route, i] > 0
        e_blue = rt.emitted[blue_r, i].mean() if blue_r.size else self.ref[h2, i]
        c_blue = rt.captured[blue_r, i].mean() if blue_r.size else 0.0
        co2 = tonnes * np.where(blue, e_blue, self.ref[h2, i])
        co2 = np.minimum(co2, np.maximum(st.emissions, 0.0))
        captured = tonnes * np.where(blue, c_blue, 0.0)
        vom = inp.routes.variable_opex[grey_r, i].mean()
        return HydrogenBought(tonnes=tonnes, co2=co2, captured=captured, opex=tonnes * vom)

    def account(self, st: YearState) -> Booking:
        """The premium the plants earn (:meth:`ClearingMarket.account`), what each user pays
        for the units it owes (``obligation_cost``) and, of that, the units the year's
        supply could not give at the cap, to the state pro rata to what each owes
        (``rfnbo_shortfall_revenue``)."""
        booking = super().account(st)
        h2, i = self.h2, st.i
        if h2 < 0 or h2 not in self.markets:
            return booking
        premium = self.premium[:, h2, i]
        owed = self.owed(st)
        booking.plant["obligation_cost"] = obligation_cost(premium, owed, self.took)
        short = shortfall_paid(
            premium, self.req[:, h2, i], self.sold[:, h2, i], self.in_part[:, h2, i]
        )
        total = owed.sum(axis=1)
        with np.errstate(divide="ignore", invalid="ignore"):
            part = np.where(total[:, None] > 0, owed / total[:, None], 0.0)
        booking.gov["rfnbo_shortfall_revenue"] = np.asarray(short[:, None] * part)
        return booking

    @classmethod
    def swap_per_tonne(cls, inputs: ModelInputs) -> F | None:
        """Per tonne bought ``(C, Y)`` [carrier/t]: the grey route's carrier use per tonne no
        longer needed (:func:`grey_routes`: the reformer's natural gas) and 120 GJ of
        network hydrogen bought in."""
        h2 = _hydrogen_product(inputs)
        h2c = np.flatnonzero(inputs.carriers.is_hydrogen)
        if h2 < 0 or not h2c.size:
            return None
        routes = inputs.routes
        grey = grey_routes(routes.product, routes.family, h2)
        if not grey.size:
            return None
        swap = -routes.inputs[grey].mean(axis=0)  # (C, Y)
        swap[h2c[0]] += HYDROGEN_LHV_GJ_PER_T
        return np.asarray(swap, dtype=np.float64)


def _hydrogen_product(inputs: ModelInputs) -> int:
    """Index of the product hydrogen (-1: none)."""
    products = list(inputs.coords.products)
    return products.index("hydrogen") if "hydrogen" in products else -1
