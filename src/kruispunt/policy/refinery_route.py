"""The refinery route: transport units for renewable hydrogen used in a refinery.

RED III counts renewable fuels of non-biological origin (RFNBO) used as an intermediate
product for conventional transport fuels towards the transport targets (Directive (EU)
2018/2001 as amended by Directive (EU) 2023/2413, Art. 25(1); European Commission guidance
C/2025/2983), not towards the industry target of Art. 22a
(:mod:`kruispunt.policy.mandates`). In the Netherlands a refinery's renewable hydrogen,
registered with the NEa, earns units its owner sells to the fuel suppliers who carry the
transport obligation (RAREs under the fuel transition obligation from 2026, HBEs before),
at a correction factor the ministry of IenW set at 1.0 in April 2025 (0.4 had been proposed).

The instrument pays each tonne of renewable hydrogen a refinery route uses, the network
hydrogen it buys (carrier ``hydrogen``) and the hydrogen its own electrolyser makes
(:attr:`kruispunt.inputs.Routes.own_hydrogen`), the scenario's ``credit`` per tonne; plants
value it as revenue and the accounting books it as ``premium_revenue`` (the fuel suppliers
pay, no government flow). Not modelled: the limit the ministry means to put on the route
(its size was not found) and the market that sets the units' price (the credit is a price
path of the data package).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
from numpy.typing import ArrayLike, NDArray

from kruispunt.policy.base import Booking, Context, Instrument, OptionView, Parameter, YearState
from kruispunt.vocabulary import HYDROGEN_LHV_GJ_PER_T, ROUTE, SCENARIO, YEAR

__all__ = ["RefineryRoute", "refinery_credit"]

F = NDArray[np.float64]


def refinery_credit(unit_price: ArrayLike, correction: ArrayLike = 1.0) -> F:
    """Credit per tonne of renewable hydrogen used in a refinery [EUR/t]: the units a GJ
    earns, priced, times the correction factor, times 120 GJ per tonne (LHV).

    Parameters
    ----------
    unit_price : array_like
        Value of the units one GJ of renewable hydrogen earns, non-negative [EUR/GJ].
    correction : array_like, default 1
        The refinery route's correction factor, in [0, 1] [-].

    Returns
    -------
    numpy.ndarray
        Credit [EUR/t H2].

    Raises
    ------
    ValueError
        If the price is negative or NaN, or the factor outside [0, 1].

    Examples
    --------
    At 11.10 EUR/GJ and the factor of 1.0 a tonne earns 1,332 EUR; at the 0.4 first proposed,
    532.80 EUR:

    >>> float(refinery_credit(11.10))
    1332.0
    >>> round(float(refinery_credit(11.10, 0.4)), 2)
    532.8
    """
    price = np.asarray(unit_price, dtype=np.float64)
    factor = np.asarray(correction, dtype=np.float64)
    if not np.all(price >= 0.0):
        raise ValueError("unit_price must be non-negative and not NaN")
    if not np.all((factor >= 0.0) & (factor <= 1.0)):
        raise ValueError("correction must be in [0, 1] and not NaN")
    return np.asarray(price * factor * HYDROGEN_LHV_GJ_PER_T, dtype=np.float64)


class RefineryRoute(Instrument):
    """Transport units for the renewable hydrogen a refinery uses (RED III Art. 25(1)).

    A route that ``qualifies`` (a refinery's) earns ``credit`` per tonne of the renewable
    hydrogen it uses per unit of output, each year of the horizon: the network hydrogen it
    buys and the hydrogen of its own electrolyser."""

    name = "refinery_route"
    parameters = (
        Parameter(
            "credit",
            (SCENARIO, YEAR),
            "EUR/t",
            "Value of the transport units a tonne of renewable hydrogen used in a refinery "
            "earns (0: none).",
            0.0,
        ),
        Parameter(
            "qualify",
            (SCENARIO, ROUTE),
            "1",
            "1 where a route's renewable hydrogen counts towards the transport obligation "
            "(a refinery's routes).",
            0.0,
        ),
    )

    def __init__(self, ctx: Context) -> None:
        super().__init__(ctx)
        self.credit = np.asarray(self.param("credit"), dtype=np.float64)  # (S, Y)
        self.qualify = np.asarray(self.param("qualify") > 0.5, dtype=bool)  # (S, R)
        self.active = bool((self.credit > 0).any() and self.qualify.any())
        self.hydrogen = np.asarray(ctx.route.hydrogen, dtype=np.float64) / HYDROGEN_LHV_GJ_PER_T
        """Renewable hydrogen each route uses per unit of output over the horizon ``(R, Ye)``
        [t/product]: network hydrogen bought and the own electrolyser's (both in
        ``ctx.route.hydrogen``), for valuation and accounting alike."""

    def paths(self) -> dict[str, F]:
        if not self.active:
            return {}
        per_t = self.hydrogen[None] * self.qualify[:, :, None]  # (S, R, Ye)
        return {"revenue": np.asarray(per_t * self.ctx.ext(self.credit)[:, None, :])}

    def unit_cost(self, x: Mapping[str, F], opt: OptionView) -> F | float:
        if not self.active:
            return 0.0
        return np.asarray(-x["revenue"], dtype=np.float64)

    def account(self, st: YearState) -> Booking:
        if not self.active:
            return Booking()
        i = st.i
        rows = np.arange(st.route.shape[0])[:, None]
        tonnes = self.hydrogen[st.route, i] * st.activity * self.qualify[rows, st.route]
        revenue = tonnes * self.credit[:, i][:, None]
        return Booking(plant={"premium_revenue": np.asarray(revenue, dtype=np.float64)})
