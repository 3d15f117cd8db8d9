"""Green public procurement: public demand for low-carbon steel, cement and concrete, glass
and ceramics in civil works and buildings, scored with the MKI.

Public clients (Rijkswaterstaat, ProRail, provinces, municipalities) award civil works on
price and the environmental cost indicator (MKI, milieukostenindicator: the life-cycle
impacts of the materials weighted with shadow prices per the Bepalingsmethode Milieuprestatie
Bouwwerken of the Nationale Milieudatabase), with minimum MKI requirements for asphalt,
concrete and steel in public civil works from 2027 (IenW letter of 31 May 2024). Buildings
meet the MPG limit (Besluit bouwwerken leefomgeving art. 4.160, 0.8 EUR/m2/yr for houses from
1 July 2021). Both value a tonne of CO2 saved at the shadow price of climate change; a public
client therefore pays a premium for a low-carbon material of at most the shadow price times
the CO2 it saves per tonne (:func:`procurement_cap`). The procured volume is the public share
of the product's domestic use; it clears as any demand-side market
(:mod:`kruispunt.policy.clearing`).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from numpy.typing import ArrayLike

from kruispunt.policy.base import Context, Parameter
from kruispunt.policy.clearing import ClearingMarket
from kruispunt.vocabulary import SCENARIO, YEAR

__all__ = ["GreenProcurement", "procurement_cap"]

F = npt.NDArray[np.float64]


def procurement_cap(shadow_price: ArrayLike, grey: ArrayLike, green: ArrayLike) -> F:
    """Most a public client pays per tonne of low-carbon material: the MKI shadow price times
    the CO2 it saves against the grey material (never negative).

    Parameters
    ----------
    shadow_price : array_like
        Shadow price of climate change in the MKI weighting [EUR/tCO2].
    grey, green : array_like
        Emissions per tonne of the grey and the low-carbon material [tCO2/t].

    Examples
    --------
    A material emitting 0.5 tCO2/t against a grey one of 2.0 tCO2/t, at 50 EUR/tCO2:

    >>> float(procurement_cap(50.0, 2.0, 0.5))
    75.0
    """
    p = np.asarray(shadow_price, dtype=np.float64)
    if not np.all(p >= 0):
        raise ValueError("shadow_price must be non-negative and not NaN")
    saving = np.asarray(grey, dtype=np.float64) - np.asarray(green, dtype=np.float64)
    return np.asarray(p * np.maximum(saving, 0.0), dtype=np.float64)


class GreenProcurement(ClearingMarket):
    """Green public procurement of steel, clinker (cement and concrete), glass and ceramics.

    The public share of each product's domestic use is bought low-carbon from the cheapest
    qualifying routes; each supplier is paid the uniform premium, at most
    :func:`procurement_cap` (the parameter ``shadow_price``). Paid by public clients as
    buyers of materials (the premium is in the price of the works, not a subsidy), received by
    the producers; booked as ``premium_revenue``."""

    name = "green_procurement"
    parameters = (
        *ClearingMarket.parameters,
        Parameter(
            "shadow_price",
            (SCENARIO, YEAR),
            "EUR/tCO2",
            "MKI shadow price of climate change; caps each supplier's premium.",
            0.0,
        ),
    )

    def __init__(self, ctx: Context) -> None:
        super().__init__(ctx)
        self.shadow = self.param("shadow_price")  # (S, Y)

    def own_cap(self, g: int, t: int) -> F:
        """:func:`procurement_cap` per unit of each route's qualifying output ``(S, R)``: the
        shadow price times the CO2 it saves against the product's grey route."""
        q = self.q[:, g, :]
        em = self.ctx.route.mix.emitted[:, :, t]  # (S|1, R), each scenario's mix
        with np.errstate(divide="ignore", invalid="ignore"):
            green = np.where(q > 0, em / q, np.inf)
        return procurement_cap(self.shadow[:, t][:, None], self.ref[g, t], green)
