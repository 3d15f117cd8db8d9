"""Energy tax (energiebelasting): a progressive tax by consumption bracket.

Each unit of yearly consumption per connection is taxed at the rate of the
bracket it falls in, like an income tax: the first units at the first rate, the
units between the first and second threshold at the second rate, and so on. The
bracket thresholds and rates (natural gas per m3, electricity per kWh) come from
the data package.

References
----------
Wet belastingen op milieugrondslag (energiebelasting).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
from numpy.typing import ArrayLike, NDArray

from kruispunt.policy.base import (
    Booking,
    Context,
    Flow,
    Instrument,
    OptionView,
    Parameter,
    YearState,
)
from kruispunt.vocabulary import SCENARIO

__all__ = ["EnergyTax", "bracketed_tax"]

FloatArray = NDArray[np.float64]


def bracketed_tax(consumption: ArrayLike, thresholds: ArrayLike, rates: ArrayLike) -> FloatArray:
    """Progressive tax on yearly consumption.

    With thresholds ``c_1 <= ... <= c_k`` and rates ``p_0 .. p_k``, the tax is
    ``sum_i p_i * clip(consumption - c_i, 0, c_{i+1} - c_i)`` with ``c_0 = 0``
    and ``c_{k+1} = inf``.

    Parameters
    ----------
    consumption : array_like
        Yearly consumption per connection (taxpayer), non-negative, any shape
        ``S``. [m3/yr] or [kWh/yr]
    thresholds : array_like
        Bracket upper bounds, shape ``(..., k)``, non-negative and
        non-decreasing along the last axis; leading axes broadcast against
        ``S`` (e.g. ``(scenario, 1, k)`` for consumption of shape
        ``(scenario, plant)``). Same unit as ``consumption``.
    rates : array_like
        Rate per bracket, shape ``(..., k + 1)``, non-negative; broadcasts like
        ``thresholds``. [EUR/m3] or [EUR/kWh]

    Returns
    -------
    numpy.ndarray
        Tax per year, shape ``S`` broadcast with the leading axes of the
        schedule. [EUR/yr]

    Raises
    ------
    ValueError
        If consumption, a threshold or a rate is negative or NaN, thresholds
        decrease, or ``rates`` does not have one more entry than ``thresholds``.

    Examples
    --------
    Brackets 0-100, 100-1000, above 1000 at 0.5, 0.2 and 0.1 per unit:

    >>> # 100 * 0.5 + 900 * 0.2 + 500 * 0.1 = 280
    >>> float(bracketed_tax(1500.0, [100.0, 1000.0], [0.5, 0.2, 0.1]))
    280.0
    >>> bracketed_tax([0.0, 50.0], [100.0, 1000.0], [0.5, 0.2, 0.1])
    array([ 0., 25.])
    """
    amount = np.asarray(consumption, dtype=np.float64)
    if not np.all(amount >= 0.0):
        raise ValueError("consumption must be non-negative and not NaN")
    upper_bounds = np.atleast_1d(np.asarray(thresholds, dtype=np.float64))
    prices = np.atleast_1d(np.asarray(rates, dtype=np.float64))
    if prices.shape[-1] != upper_bounds.shape[-1] + 1:
        raise ValueError(
            f"rates must have one entry more than thresholds along the last axis, "
            f"got {prices.shape[-1]} rates and {upper_bounds.shape[-1]} thresholds"
        )
    if not np.all(upper_bounds >= 0.0):
        raise ValueError("thresholds must be non-negative and not NaN")
    if not np.all(np.diff(upper_bounds, axis=-1) >= 0.0):
        raise ValueError("thresholds must be non-decreasing along the last axis")
    if not np.all(prices >= 0.0):
        raise ValueError("rates must be non-negative and not NaN")

    lead = upper_bounds.shape[:-1]
    lower = np.concatenate([np.zeros((*lead, 1)), upper_bounds], axis=-1)
    upper = np.concatenate([upper_bounds, np.full((*lead, 1), np.inf)], axis=-1)
    in_bracket = np.clip(amount[..., np.newaxis] - lower, 0.0, upper - lower)
    return np.asarray(np.sum(in_bracket * prices, axis=-1), dtype=np.float64)


class EnergyTax(Instrument):
    """Energy tax on the carriers plants use.

    Valuation uses the marginal rate of a large user (the top bracket) per unit of carrier;
    the yearly accounting applies :func:`bracketed_tax` to each plant's consumption of the
    carriers that have brackets (each plant one connection) and the flat rate to the others.
    """

    name = "energy_tax"
    parameters = (
        Parameter(
            "rate",
            (SCENARIO, "carrier", "year"),
            "EUR/carrier",
            "Marginal tax per unit of carrier for a large user (top bracket).",
            0.0,
        ),
        Parameter(
            "thresholds",
            (SCENARIO, "carrier", 3),
            "carrier/yr",
            "Upper bounds of the first three brackets (NaN: the carrier has no brackets).",
            float("nan"),
        ),
        Parameter(
            "bracket_rates",
            (SCENARIO, "carrier", 4, "year"),
            "EUR/carrier",
            "Rate of each of the four brackets.",
            0.0,
        ),
    )
    flows = (Flow("energy_tax_revenue", 1, "Energy tax paid by the plants."),)

    def paths(self) -> dict[str, FloatArray]:
        ctx = self.ctx
        rate = ctx.ext(self.param("rate"))
        return {"tax": np.einsum("rcy,scy->sry", ctx.route.inputs, rate)}

    def unit_cost(self, x: Mapping[str, FloatArray], opt: OptionView) -> FloatArray:
        return x["tax"]

    def __init__(self, ctx: Context) -> None:
        super().__init__(ctx)
        no_brackets = np.asarray(np.isnan(self.param("thresholds")).any(axis=(0, 2)), dtype=bool)
        self.flat = no_brackets
        """Carriers taxed at their flat rate."""
        self.bracketed = np.flatnonzero(~no_brackets)
        """Carriers taxed by consumption bracket (each plant one connection)."""

    def account(self, st: YearState) -> Booking:
        i = st.i
        thresholds = self.param("thresholds")  # (S, C, 3)
        rates = self.param("bracket_rates")[..., i]  # (S, C, 4)
        flat = np.where(self.flat[None], self.param("rate")[:, :, i], 0.0)  # (S, C)
        taxed = np.einsum("spc,sc->sp", st.use, flat)
        for c in self.bracketed:
            taxed += bracketed_tax(st.use[..., c], thresholds[:, None, c], rates[:, None, c])
        return Booking(plant={"energy_tax": taxed}, gov={"energy_tax_revenue": taxed})
