"""Carbon contracts for difference (CCfD).

The government pays the gap between a contracted strike price and the EUA price
for each tonne abated. A one-sided contract only pays; a two-sided contract also
claws the difference back when the EUA price rises above the strike price.
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
    remaining_share,
)
from kruispunt.vocabulary import SCENARIO

__all__ = ["Ccfd", "ccfd_payment"]

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]
IntArray = NDArray[np.int64]


def ccfd_payment(
    strike_price: ArrayLike,
    eua_price: ArrayLike,
    abated_t: ArrayLike,
    two_sided: bool = False,
) -> FloatArray:
    """Payment under a carbon contract for difference in one year.

    ``(strike_price - eua_price) * abated_t``, floored at zero unless
    ``two_sided``.

    Parameters
    ----------
    strike_price : array_like
        Contracted carbon price, non-negative. [EUR/t]
    eua_price : array_like
        Reference EUA price of the year, non-negative. [EUR/t]
    abated_t : array_like
        Tonnes abated that the contract covers, non-negative. [t/yr]
    two_sided : bool, default False
        If True, the plant pays back ``(eua_price - strike_price) * abated_t``
        when the EUA price is above the strike price (negative payment).

    Returns
    -------
    numpy.ndarray
        Payment from government to plant; negative is a payment back. [EUR/yr]

    Examples
    --------
    >>> float(ccfd_payment(150.0, 80.0, 1.0e5))
    7000000.0
    >>> ccfd_payment(150.0, 200.0, 1.0e5), ccfd_payment(150.0, 200.0, 1.0e5, two_sided=True)
    (array(0.), array(-5000000.))
    """
    strike = _nonnegative("strike_price", strike_price)
    price = _nonnegative("eua_price", eua_price)
    abated = _nonnegative("abated_t", abated_t)
    gap = strike - price
    if not two_sided:
        gap = np.maximum(gap, 0.0)
    return np.asarray(gap * abated, dtype=np.float64)


class Ccfd(SupportScheme):
    """Carbon contracts for difference, one-sided, at one strike price per scenario.

    A plant applies when the expected payments, :func:`ccfd_payment` on the expected gap
    between strike and EUA over the option's life times the tonnes abated, cover the option's
    value gap against staying, and the gap per tonne is below the strike; plants awarded SDE++
    in the same year do not apply. Awards are ranked by the gap per tonne; each reserves the
    worst case (the strike times the tonnes abated for the whole contract, as if the EUA fell
    to zero) from the budget, so payments can never exceed it. The contract pays for the
    tonnes abated against the emissions per unit of the route the plant left.
    """

    name = "ccfd"
    parameters = (
        Parameter("strike", (SCENARIO,), "EUR/tCO2", "Strike price (NaN: no CCfDs).", np.nan),
        Parameter("budget", (SCENARIO,), "EUR", "Budget over the contracts.", 0.0),
        Parameter("duration", (SCENARIO,), "yr", "Contract duration.", 15.0),
    )
    flows = (Flow("ccfd_outlay", -1, "CCfD payments."),)

    def __init__(self, ctx: Context) -> None:
        super().__init__(ctx)
        strike = self.param("strike")
        S, P = strike.shape[0], len(ctx.inputs.plants.product)
        self.strike = np.nan_to_num(strike, nan=0.0)
        self.left = np.where(np.isnan(strike), 0.0, self.param("budget"))
        self.reference = np.zeros((S, P))  # emissions per unit of the route left [tCO2/product]
        self.route = np.full((S, P), -1, dtype=np.int64)
        self.start = np.zeros((S, P), dtype=np.int64)
        self.end = np.zeros((S, P), dtype=np.int64)
        self._worst = np.zeros((S, P, 1))

    def paths(self) -> dict[str, FloatArray]:
        ctx = self.ctx
        eua = ctx.ext(ctx.inputs.markets.eua)  # (S, Ye)
        per_t = ccfd_payment(self.strike[:, None], eua, 1.0)[:, None, :]
        R = ctx.route.emitted.shape[0]
        return {"payment_per_t": np.broadcast_to(per_t, (per_t.shape[0], R, per_t.shape[2]))}

    def offer(self, ev: Evaluation) -> Offer | None:
        if not (self.left > 0).any():
            return None
        expected = ev.expected(self.name, "payment_per_t") * ev.abated
        strike = self.strike[:, None, None]
        ok = (
            ev.low_carbon
            & (expected >= ev.gap)
            & (ev.need_per_t <= strike)
            & (self.left > 0)[:, None, None]
            & ~ev.awarded("sde")[..., None]
        )
        self._worst = strike * ev.abated * self.param("duration")[:, None, None]
        return Offer(
            support=expected, eligible=ok, score=ev.need_per_t, claim=self._worst, budget=self.left
        )

    def award(self, ev: Evaluation, won: BoolArray, pick: IntArray, start_year: IntArray) -> None:
        route = np.take_along_axis(ev.routes, pick[..., None], -1)[..., 0]
        self.reference = np.where(won, ev.emitted_current, self.reference)
        self.route = np.where(won, route, self.route)
        self.start = np.where(won, start_year, self.start)
        duration = self.param("duration").astype(np.int64)[:, None]
        self.end = np.where(won, start_year + duration, self.end)
        worst = np.take_along_axis(self._worst, pick[..., None], -1)[..., 0]
        self.left = self.left - np.where(won, worst, 0.0).sum(axis=1)
        return None

    def contract_value(self, t: int, route: IntArray, production: FloatArray) -> FloatArray | None:
        if not (self.route >= 0).any():
            return None
        ctx = self.ctx
        inp = ctx.inputs
        year = int(inp.coords.years[t])
        held = (self.route >= 0) & (route == self.route) & (self.start <= year)
        life = np.maximum(np.round(inp.routes.lifetime[route]).astype(np.int64), 1)
        share = remaining_share(
            self.end - year, life, inp.finance.discount_rate, inp.finance.myopic
        )
        emitted = ctx.route.emitted[route, t]
        per_t = ccfd_payment(self.strike[:, None], inp.markets.eua[:, t][:, None], 1.0)
        abated = np.maximum(self.reference - emitted, 0.0) * production
        return np.asarray(np.where(held, per_t * abated * share, 0.0), dtype=np.float64)

    def account(self, st: YearState) -> Booking:
        if not (self.route >= 0).any():
            return Booking()
        active = (self.start <= st.year) & (st.year < self.end) & (st.route == self.route)
        reference = self.reference * active
        abated = np.maximum(reference * st.activity - st.emissions, 0.0)
        paid = ccfd_payment(
            self.strike[:, None], self.ctx.inputs.markets.eua[:, st.i][:, None], abated
        )
        return Booking(plant={"subsidies": paid}, gov={"ccfd_outlay": -paid})
