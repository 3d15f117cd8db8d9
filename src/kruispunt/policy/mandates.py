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
``hydrogen``, of the routes that use it: a refinery's or ammonia plant's hydrogen, hydrogen
DRI). The obligation clears as any demand-side market (:mod:`kruispunt.policy.clearing`).

The obligation applies per installation using more than 0.1 kt of hydrogen a year, to a share
of its annual hydrogen use, and is met with tradable units (the bill as described by Dentons
and World Law Group, Mar 2025): a user may take renewable hydrogen for part of its use
instead of converting a whole plant. :meth:`RfnboMandate.market_supply` adds this divisible
supply to the clearing at :func:`partial_need` per tonne.
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np
import numpy.typing as npt
from numpy.typing import ArrayLike

from kruispunt.policy.base import Context, Parameter
from kruispunt.policy.clearing import ClearingMarket
from kruispunt.vocabulary import FAMILY, PRODUCT, SCENARIO, YEAR

__all__ = ["RfnboMandate", "partial_need"]

F = npt.NDArray[np.float64]

H2_GJ_PER_T = 120.0
"""Lower heating value of hydrogen [GJ/t]: the carrier ``hydrogen`` is priced per GJ, the
market counts tonnes."""


def partial_need(rfnbo_price: ArrayLike, grey_cost: ArrayLike) -> F:
    """Premium an obligated user needs per tonne of renewable hydrogen it takes for part of
    its hydrogen use: the price of the RFNBO delivered less the running cost of the grey
    hydrogen it no longer makes (gas, allowances, variable O&M), at least 0.

    Under the Dutch obligation each obligated installation surrenders units for its share of
    its hydrogen use, one unit per tonne of RFNBO used in industry, tradable (Wet
    jaarverplichting hernieuwbare brandstoffen van niet-biologische oorsprong in de
    industrie, implementing RED III Art. 22a; ``rfnbo.obligation_level``,
    ``rfnbo.tradable_units`` in the policy sheet): a user may take RFNBO for any part of its
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
    (:func:`kruispunt.policy.clearing.required_volume`: 4 % of 1.3 Mt is 52 kt). Obligated
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
    )
    divisible = True
    """Electrolytic hydrogen is divisible: a producer sells part of its output as RFNBO. The
    output of a running renewable-hydrogen route (and of one being built) sells at its need
    per tonne and the marginal supplier sells only what is left, so the premium is the
    marginal supplier's need when that output covers the obligation. A switch stays whole:
    the model's routes convert a whole plant (or HH1's share of Pernis's hydrogen), so a
    plant that would sell only part of its new output does not cover its gap. The users'
    partial conversion (:meth:`market_supply`) is the divisible supply that fills what the
    switches leave; the premium is the cap (``rfnbo.shortfall_cap``, a named assumption)
    only when that too costs more."""

    def __init__(self, ctx: Context) -> None:
        super().__init__(ctx)
        inp = ctx.inputs
        S, G, Y = self.req.shape
        self.partial = self.param("partial_share")  # (S, G, Y)
        self.part_need = np.full((S, G, Y), np.inf)
        """Need of the renewable hydrogen taken for part of a user's use [EUR/t] (inf: none)
        (:func:`partial_need`: the network hydrogen price less the running cost of the
        market's grey route, the product's incumbent route(s))."""
        h2c = np.flatnonzero(inp.carriers.is_hydrogen)
        if not (self.partial > 0).any() or not h2c.size:
            return
        routes = inp.routes
        price = inp.markets.price  # (S, C, Y)
        rfnbo_price = price[:, h2c[0], :] * H2_GJ_PER_T  # (S, Y)
        for g in self.markets:
            grey = np.flatnonzero((routes.product == g) & (routes.family == FAMILY["incumbent"]))
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
        volume = self.partial[:, g, t] * self.req[:, g, t]
        need = np.where(volume > 0, self.part_need[:, g, t], np.inf)
        return np.asarray(need, dtype=np.float64), np.asarray(volume, dtype=np.float64)
