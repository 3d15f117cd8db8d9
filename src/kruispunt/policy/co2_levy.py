"""CO2-heffing industrie: the Dutch top-up on ETS emissions above dispensation rights.

An installation pays ``(tariff - ETS reference price) x (emissions - dispensation
rights)`` when both brackets are positive. Dispensation rights are benchmark
emissions times a reduction factor that falls over the years. The law uses a
statutory ETS reference price (the average EUA December future over
September-October of the year before), not the spot price; pass that value as
``eua_price`` to follow the law literally. Tariffs, reference prices and
reduction factors come from the data package.

References
----------
Wet CO2-heffing industrie (2021), Wet belastingen op milieugrondslag;
NEa, "CO2-heffing industrie".
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
from numpy.typing import ArrayLike, NDArray

from kruispunt.policy._validate import nonnegative as _nonnegative
from kruispunt.policy.base import (
    Booking,
    Context,
    Flow,
    Instrument,
    OptionView,
    Parameter,
    YearState,
)
from kruispunt.policy.ets import AllocationBasis, plant_options
from kruispunt.vocabulary import SCENARIO

__all__ = ["Co2Heffing", "co2_heffing", "dispensation_rights"]

FloatArray = NDArray[np.float64]


def dispensation_rights(
    benchmark_emissions_t: ArrayLike, reduction_factor: ArrayLike
) -> FloatArray:
    """Dispensation rights (dispensatierechten) of an installation in one year.

    ``benchmark_emissions_t * reduction_factor``.

    Parameters
    ----------
    benchmark_emissions_t : array_like
        Benchmark emissions: ETS product benchmark x activity level,
        non-negative. [t/yr]
    reduction_factor : array_like
        Reduction factor of the year (above 1 early on, falling), non-negative.
        [-]

    Returns
    -------
    numpy.ndarray
        Dispensation rights. [t/yr]

    Examples
    --------
    >>> float(dispensation_rights(1.0e6, 1.2))
    1200000.0
    >>> dispensation_rights([1.0e6, 0.0], 0.5)
    array([500000.,      0.])
    """
    benchmark = _nonnegative("benchmark_emissions_t", benchmark_emissions_t)
    factor = _nonnegative("reduction_factor", reduction_factor)
    return np.asarray(benchmark * factor, dtype=np.float64)


def co2_heffing(
    emissions_t: ArrayLike,
    dispensation_rights_t: ArrayLike,
    tariff: ArrayLike,
    eua_price: ArrayLike,
) -> FloatArray:
    """CO2-heffing due in one year.

    ``max(tariff - eua_price, 0) * max(emissions_t - dispensation_rights_t, 0)``.

    Unused dispensation rights are worth nothing here (the law allows limited
    transfer between installations, which is not modelled), and an ETS price
    above the tariff gives no refund.

    Parameters
    ----------
    emissions_t : array_like
        Levy-relevant emissions, non-negative. [t/yr]
    dispensation_rights_t : array_like
        From :func:`dispensation_rights`, non-negative. [t/yr]
    tariff : array_like
        Levy tariff, non-negative. [EUR/t]
    eua_price : array_like
        ETS reference price, non-negative. [EUR/t]

    Returns
    -------
    numpy.ndarray
        Levy. [EUR/yr]

    Examples
    --------
    >>> float(co2_heffing(1.2e6, 1.0e6, 90.0, 80.0))
    2000000.0

    No levy without excess emissions, nor when the ETS price is above the tariff:

    >>> co2_heffing(1.2e6, [1.3e6, 1.0e6], 40.0, [30.0, 60.0])
    array([0., 0.])
    """
    emissions = _nonnegative("emissions_t", emissions_t)
    rights = _nonnegative("dispensation_rights_t", dispensation_rights_t)
    rate = _nonnegative("tariff", tariff)
    price = _nonnegative("eua_price", eua_price)
    return np.asarray(
        np.maximum(rate - price, 0.0) * np.maximum(emissions - rights, 0.0), dtype=np.float64
    )


class Co2Heffing(Instrument):
    """The Dutch CO2-heffing industrie (levy on emissions above dispensation rights).

    Dispensation rights are the plant's benchmark emissions (its base-year free allocation per
    unit, as the EU ETS module scales it) times the reduction factor of the year. Valuation
    applies :func:`co2_heffing` to expected quantities weighted by the year's price gap
    ``max(tariff - EUA, 0)``, so the yearly gap and the yearly excess are combined before the
    floor at zero is taken (the expectation of the floor is approximated by the floor of the
    expectation).
    """

    name = "co2_levy"
    parameters = (
        Parameter("tariff", (SCENARIO, "year"), "EUR/tCO2", "Levy tariff (0: off).", 0.0),
        Parameter(
            "reduction_factor",
            (SCENARIO, "year"),
            "1",
            "Dispensation rights per unit of benchmark emissions.",
            1.0,
        ),
    )
    flows = (Flow("co2_levy_revenue", 1, "CO2-heffing paid by the plants."),)

    def __init__(self, ctx: Context) -> None:
        super().__init__(ctx)
        eua = ctx.inputs.markets.eua
        # price gap per tonne of excess emissions: co2_heffing of one tonne with no rights
        self.gap = co2_heffing(1.0, 0.0, self.param("tariff"), eua)  # (S, Y)
        self.active = bool(np.any(self.gap > 0))
        self.basis = AllocationBasis(ctx, plant_options(ctx))

    def paths(self) -> dict[str, FloatArray]:
        ctx = self.ctx
        gap = ctx.ext(self.gap)[:, None, :]  # (S, 1, Ye)
        rights = ctx.ext(self.gap * self.param("reduction_factor"))[:, None, :]
        R = ctx.route.emitted.shape[0]
        return {
            "excess": gap * ctx.route.emitted[None],
            "rights": np.broadcast_to(rights, (rights.shape[0], R, rights.shape[2])),
        }

    def unit_cost(self, x: Mapping[str, FloatArray], opt: OptionView) -> FloatArray:
        if not self.active:
            return np.zeros_like(x["excess"])
        rights = x["rights"] * self.basis.of(opt.route, opt.t)
        # price-weighted quantities at a tariff of 1 above a reference price of 0
        return co2_heffing(x["excess"] * opt.calib, rights, 1.0, 0.0)

    def account(self, st: YearState) -> Booking:
        if not (self.gap[:, st.i] > 0).any():
            return Booking()
        eua = self.ctx.inputs.markets.eua[:, st.i][:, None]
        rights = dispensation_rights(
            self.basis.of(st.route, st.i) * st.activity,
            self.param("reduction_factor")[:, st.i][:, None],
        )
        levy = co2_heffing(st.emissions, rights, self.param("tariff")[:, st.i][:, None], eua)
        return Booking(plant={"co2_levy": levy}, gov={"co2_levy_revenue": levy})
