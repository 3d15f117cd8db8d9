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

from typing import TYPE_CHECKING, ClassVar

import numpy as np
import numpy.typing as npt
from numpy.typing import ArrayLike

from kruispunt.policy.base import Context, HydrogenBought, Parameter, YearState
from kruispunt.policy.clearing import ClearingMarket
from kruispunt.vocabulary import FAMILY, PRODUCT, ROUTE, SCENARIO, YEAR

if TYPE_CHECKING:
    from kruispunt.inputs import ModelInputs

__all__ = ["RfnboMandate", "grey_routes", "partial_need", "share_out"]

F = npt.NDArray[np.float64]

H2_GJ_PER_T = 120.0
"""Lower heating value of hydrogen [GJ/t]: the carrier ``hydrogen`` is priced per GJ, the
market counts tonnes."""


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


class RfnboMandate(ClearingMarket):
    """The RFNBO obligation for industrial hydrogen (RED III Art. 22a as NL implements it).

    The required volume is the obligation's share of industrial hydrogen use
    (:func:`kruispunt.policy.clearing.required_volume`: 4 % of the 0.65 Mt industry uses
    outside refining is 26 kt). Obligated
    users buy RFNBO up to it from the cheapest renewable-hydrogen routes; the premium (per
    tonne of hydrogen) is capped at the cost of falling short (``cap``). Paid by the
    obligated users, received by the plants whose routes make or use renewable hydrogen;
    booked as ``premium_revenue``."""

    name = "rfnbo_mandate"
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
        h2c = np.flatnonzero(inp.carriers.is_hydrogen)
        if not (self.partial > 0).any() or not h2c.size:
            return
        routes = inp.routes
        price = inp.markets.price  # (S, C, Y)
        rfnbo_price = price[:, h2c[0], :] * H2_GJ_PER_T  # (S, Y)
        for g in self.markets:
            grey = grey_routes(routes.product, routes.family, g)
            if not grey.size:
                continue
            use = ctx.route.inputs[grey][..., :Y]  # (n, C, Y)
            fuel = np.einsum("ncy,scy->sny", use, price)
            carbon = ctx.route.emitted[grey][:, :Y][None] * inp.markets.eua[:, None, :]
            cost = (fuel + carbon + routes.variable_opex[grey][:, :Y][None]).mean(axis=1)
            self.part_need[:, g] = partial_need(rfnbo_price, cost)

    def market_supply(self, g: int, t: int) -> tuple[F, F] | None:
        """Renewable hydrogen obligated users take for part of their hydrogen use: up to
        ``partial_share`` of the required volume, each tonne at :attr:`part_need` (the
        obligation is per installation and met with tradable units, so a user need not
        convert a whole plant)."""
        if not (self.partial[:, g, t] > 0).any():
            return None
        # users take renewable hydrogen in place of hydrogen they make: at most that, and
        # at most what the hydrogen supply projects have left after the plants' routes
        volume = np.minimum(self.partial[:, g, t] * self.req[:, g, t], self.own_made)
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
        self.own_made = self._own_made(st).sum(axis=1)
        if st.hydrogen_room is not None:
            self.room = np.asarray(st.hydrogen_room, dtype=np.float64) / H2_GJ_PER_T
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
        if not self.active:
            return None
        inp = self.ctx.inputs
        h2 = _hydrogen_product(inp)
        grey_r = grey_routes(inp.routes.product, inp.routes.family, h2) if h2 >= 0 else None
        self._clear(st)
        if grey_r is None or not grey_r.size or h2 not in self.markets:
            return None
        i = st.i
        tonnes = share_out(self.in_part[:, h2, i], self._own_made(st))
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
        swap[h2c[0]] += H2_GJ_PER_T
        return np.asarray(swap, dtype=np.float64)


def _hydrogen_product(inputs: ModelInputs) -> int:
    """Index of the product hydrogen (-1: none)."""
    products = list(inputs.coords.products)
    return products.index("hydrogen") if "hydrogen" in products else -1
