"""Temporary electricity price relief for energy-intensive users under the Clean Industrial Deal
State Aid Framework (CISAF), as a scenario lever.

The Commission's framework of 25 June 2025 (C(2025) 4274, section 4.5; in force to 31 December
2030) lets a Member State reduce the price of electricity for users in eligible electricity-
intensive, trade-exposed sectors: at most 50 % of the yearly average wholesale price of the
bidding zone, on at most half of the user's yearly consumption, for at most three years per
beneficiary, and not below a price of 50 EUR/MWh (as summarised by PwC Legal, 2025). The
framework also ties the aid to investment in decarbonisation (not modelled: the lever takes the
condition as met). The Netherlands has not decided to use it; the lever is off by default.

References
----------
Communication from the Commission, Framework for State aid measures to support the Clean
Industrial Deal (CISAF), 25 June 2025, section 4.5.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
from numpy.typing import ArrayLike, NDArray

from kruispunt.policy._validate import fraction, nonnegative
from kruispunt.policy.base import (
    Booking,
    Context,
    Flow,
    Instrument,
    OptionView,
    Parameter,
    YearState,
    term_is_zero,
)
from kruispunt.vocabulary import GJ_PER_MWH, SCENARIO

__all__ = ["Cisaf", "cisaf_relief_per_mwh"]

FloatArray = NDArray[np.float64]


def cisaf_relief_per_mwh(
    wholesale: ArrayLike,
    price_share: ArrayLike = 0.5,
    consumption_share: ArrayLike = 0.5,
    floor: ArrayLike = 50.0,
) -> FloatArray:
    """CISAF relief per MWh of a user's whole consumption.

    The relieved price of the covered part is ``max(floor, (1 - price_share) * wholesale)``
    unless the wholesale price is already below the floor (then no relief); the relief per MWh
    covered is the wholesale price minus that, and per MWh consumed that times
    ``consumption_share``.

    Parameters
    ----------
    wholesale : array_like
        Yearly average wholesale price, non-negative. [EUR/MWh]
    price_share : array_like
        Largest cut as a share of the wholesale price (CISAF: 0.5). [-]
    consumption_share : array_like
        Share of the yearly consumption covered (CISAF: at most 0.5). [-]
    floor : array_like
        Lowest relieved price (CISAF: 50 EUR/MWh). [EUR/MWh]

    Returns
    -------
    numpy.ndarray
        [EUR/MWh consumed]

    Examples
    --------
    At 90 EUR/MWh the cut is to max(50, 45) = 50: 40 per MWh covered, 20 per MWh consumed.
    At 120: to 60, 60 covered, 30 consumed. At 40 (below the floor): none.

    >>> cisaf_relief_per_mwh([90.0, 120.0, 40.0])
    array([20., 30.,  0.])
    """
    price = nonnegative("wholesale", wholesale)
    cut = fraction("price_share", price_share)
    covered = fraction("consumption_share", consumption_share)
    low = nonnegative("floor", floor)
    relieved = np.maximum(low, (1.0 - cut) * price)
    return np.asarray(np.maximum(price - relieved, 0.0) * covered, dtype=np.float64)


class Cisaf(Instrument):
    """CISAF electricity price relief for eligible plants in the years the scenario grants it.

    Plants value the relief on every domestic route by its electricity per unit; the yearly
    accounting pays it on the year's grid electricity as ``subsidies`` and books
    ``cisaf_outlay``. Revenue is calibrated without it (temporary aid, :attr:`calibrated`).
    """

    name = "cisaf"
    calibrated = False
    parameters = (
        Parameter(
            "price_share",
            (SCENARIO, "year"),
            "1",
            "Cut as a share of the wholesale price in the years granted (0: no relief).",
            0.0,
        ),
        Parameter(
            "consumption_share", (SCENARIO, "year"), "1", "Share of consumption covered.", 0.5
        ),
        Parameter("floor", (SCENARIO, "year"), "EUR/MWh", "Lowest relieved price.", 50.0),
        Parameter("eligible", (SCENARIO, "plant"), "1", "Plant in an eligible sector.", 0.0),
    )
    flows = (Flow("cisaf_outlay", -1, "CISAF electricity price relief paid."),)

    def __init__(self, ctx: Context) -> None:
        super().__init__(ctx)
        inp = ctx.inputs
        elec = inp.carriers.is_electricity
        price = inp.markets.price[:, elec, :].mean(axis=1) * GJ_PER_MWH  # (S, Y) EUR/MWh
        self.relief = cisaf_relief_per_mwh(
            price,
            self.param("price_share"),
            self.param("consumption_share"),
            self.param("floor"),
        )
        """Relief per MWh consumed ``(S, Y)`` [EUR/MWh]."""
        self.eligible = np.asarray(self.param("eligible") > 0.5, dtype=bool)  # (S, P)

    def paths(self) -> dict[str, FloatArray]:
        ctx = self.ctx
        home = ctx.inputs.routes.domestic.astype(float)[None, :, None]
        mwh = ctx.route.mix.electricity / GJ_PER_MWH  # (S|1, R, Ye), each scenario's mix
        return {"relief": np.asarray(mwh * home * ctx.ext(self.relief)[:, None, :])}

    def unit_cost(self, x: Mapping[str, FloatArray], opt: OptionView) -> FloatArray | float:
        if not (self.relief > 0).any() or term_is_zero(x, "relief"):
            return 0.0  # no relief in the scenarios, or none over the options' windows
        eligible = np.asarray(opt.plant(self.eligible), dtype=np.float64)
        return np.asarray(-x["relief"] * eligible, dtype=np.float64)

    def account(self, st: YearState) -> Booking:
        rate = self.relief[:, st.i]
        if not (rate > 0).any():
            return Booking()
        mwh = st.use[..., self.ctx.inputs.carriers.is_electricity].sum(axis=-1) / GJ_PER_MWH
        paid = np.asarray(mwh * rate[:, None] * self.eligible, dtype=np.float64)
        return Booking(plant={"subsidies": paid}, gov={"cisaf_outlay": -paid})
