"""CO2-heffing industrie: the Dutch levy on ETS emissions above dispensation rights.

An installation pays ``(tariff - ETS reference price) x (emissions - dispensation rights)``
when both brackets are positive. The reference price of a year is the plain mean of the daily
closing prices of the EUA future for delivery in December of that year, 1 September to 31
October of the year before (Wet belastingen op milieugrondslag art. 71p(3), "termijnkoers van
het broeikasgasemissierecht"; the NEa announces it); unless the data package gives the
figure of the year (2022 only: no later one was found) the model reads it from its EUA path:
the price of that autumn carried to December of the year (:func:`reference_price`).
Dispensation rights are the ETS benchmarks x activity level x the reduction factor of the
year, following the ETS allocation rules but without the carbon-leakage (and CBAM) factors
(NEa, "Berekening aantal dispensatierechten").

Surplus rights (rights above the installation's own emissions) are set off against levy the
installation paid in the five years before (Wbm art. 71q(1); automatically, from 2023; NEa
"Verrekenen"), the oldest year first until 2025 and, from 2026, the year of the highest levy
rate first (art. 71q(2) as Belastingplan 2026 amended it), and what is left can be
transferred to installations short of rights (NEa "Overdracht": only the surplus over own
emissions can be sold, rights hold for their tax year only). The model sets off first, then
clears the national transfer market: when rights are short, they trade at the levy rate (a
buyer pays what the levy would cost); when they are in surplus, at zero.

References
----------
Wet belastingen op milieugrondslag, hoofdstuk VIB (CO2-heffing industrie, art. 71h-71s; 2021)
as amended by Belastingplan 2023 and 2026; Wet milieubeheer art. 16b.17 (the reduction
factor); NEa, "CO2-heffing industrie", "Berekening aantal
dispensatierechten", "Overdracht dispensatierechten", "Verrekenen dispensatierechten".
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
    term_is_zero,
)
from kruispunt.policy.ets import AllocationBasis
from kruispunt.vocabulary import SCENARIO

__all__ = [
    "Co2Heffing",
    "co2_heffing",
    "dispensation_rights",
    "reference_price",
    "set_off",
    "set_off_levied",
    "transfer_rights",
]

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]


def dispensation_rights(
    benchmark_emissions_t: ArrayLike, reduction_factor: ArrayLike
) -> FloatArray:
    """Dispensation rights (dispensatierechten) of an installation in one year.

    ``benchmark_emissions_t * reduction_factor`` (NEa: ETS benchmarks x activity level x
    reduction factor, without the carbon-leakage factor).

    Parameters
    ----------
    benchmark_emissions_t : array_like
        Benchmark emissions: ETS benchmark x activity level, non-negative. [t/yr]
    reduction_factor : array_like
        Reduction factor of the year, non-negative. [-]

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
    """CO2-heffing due in one year, before set-off and transfer of rights.

    ``max(tariff - eua_price, 0) * max(emissions_t - dispensation_rights_t, 0)``; an ETS
    price above the tariff gives no refund.

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
    Worked example W9(b): tariff 78.67, reference price 70, 1,020,000 t against 1,000,000
    rights:

    >>> round(float(co2_heffing(1.02e6, 1.0e6, 78.67, 70.0)), 6)
    173400.0

    No levy without excess emissions, nor when the reference price is above the tariff
    (W9(a), 2022: 41.75 against 60.78):

    >>> co2_heffing(1.2e6, [1.3e6, 1.0e6], 41.75, [30.0, 60.78])
    array([0., 0.])
    """
    emissions = _nonnegative("emissions_t", emissions_t)
    rights = _nonnegative("dispensation_rights_t", dispensation_rights_t)
    rate = _nonnegative("tariff", tariff)
    price = _nonnegative("eua_price", eua_price)
    return np.asarray(
        np.maximum(rate - price, 0.0) * np.maximum(emissions - rights, 0.0), dtype=np.float64
    )


def reference_price(eua: ArrayLike, given: ArrayLike, markup: ArrayLike = 1.0) -> FloatArray:
    """ETS reference price of each year, last axis = years: the value ``given`` where it is
    not NaN, else the law's December future read from the EUA path.

    The law's reference price of year Y is the mean of the daily closes of the EUA future for
    delivery in December of Y, 1 September to 31 October of Y - 1 (Wbm art. 71p(3)). A path of
    yearly averages holds each year at its middle, so the price of that autumn is a quarter of
    the way from Y - 1 to Y (0.75 x EUA(Y - 1) + 0.25 x EUA(Y); the first year: its own); the
    future is that price carried to December of Y, ``markup`` (the carry of the futures curve
    net of inflation, :class:`Co2Heffing`'s ``reference_markup``).

    Examples
    --------
    >>> reference_price([80.0, 70.0, 75.0], [np.nan, 60.78, np.nan])
    array([80.  , 60.78, 71.25])
    >>> reference_price([80.0, 70.0], [np.nan, np.nan], markup=1.02)
    array([81.6 , 79.05])
    """
    price = np.asarray(eua, dtype=np.float64)
    before = np.concatenate([price[..., :1], price[..., :-1]], axis=-1)
    autumn = 0.75 * before + 0.25 * price
    future = autumn * np.asarray(markup, dtype=np.float64)
    data = np.asarray(given, dtype=np.float64)
    return np.asarray(np.where(np.isnan(data), future, data), dtype=np.float64)


def set_off(surplus_t: ArrayLike, levied_t: ArrayLike) -> tuple[FloatArray, FloatArray]:
    """Set-off of surplus dispensation rights against levy paid in earlier years.

    Surplus rights of a year refund the levy on as many tonnes of earlier years, in the order
    of the last axis (NEa, "Verrekenen dispensatierechten"; the order and the years the law
    allows: :func:`set_off_levied`).

    Parameters
    ----------
    surplus_t : array_like
        Rights above the installation's own emissions in the year, ``(...)``. [t]
    levied_t : array_like
        Tonnes levied in each earlier year and not yet set off, ``(..., n)``, in the order
        they are set off. [t]

    Returns
    -------
    refunded : numpy.ndarray
        Tonnes of each earlier year now set off ``(..., n)``. [t]
    left : numpy.ndarray
        Surplus rights left after the set-off ``(...)``. [t]

    Examples
    --------
    Worked example W9(d): 2021 levy on 20 t; in 2022 a surplus of 10 rights sets off 10 t,
    20 rights (10 more bought) set off all 20:

    >>> set_off([10.0, 20.0], [[20.0], [20.0]])
    (array([[10.],
           [20.]]), array([0., 0.]))
    """
    surplus = _nonnegative("surplus_t", surplus_t)
    levied = _nonnegative("levied_t", levied_t)
    before = np.cumsum(levied, axis=-1) - levied
    refunded = np.clip(surplus[..., None] - before, 0.0, levied)
    return np.asarray(refunded), np.asarray(np.maximum(surplus - refunded.sum(axis=-1), 0.0))


def set_off_levied(
    surplus_t: FloatArray,
    levied_t: FloatArray,
    gap: FloatArray,
    window: BoolArray | None = None,
    by_rate: BoolArray | None = None,
) -> tuple[FloatArray, FloatArray]:
    """:func:`set_off` of every plant's surplus ``(S, P)`` against its levied tonnes
    ``levied_t`` ``(S, P, n)`` (updated in place: what is set off is no longer levied), and
    the levy refunded at each earlier year's rate ``gap`` ``(S, n)`` [EUR/t]; returns the
    refund ``(S, P)`` [EUR] and the surplus left ``(S, P)`` [t]. Only the earlier years in
    ``window`` ``(S, n)`` are set off against (Wbm art. 71q(1): the five before; None: all),
    the oldest first or, in the scenarios of ``by_rate`` ``(S,)``, those of the highest rate
    first (art. 71q(2) from 2026; at equal rates the oldest first).

    Worked out on the plants with a surplus and levy paid in some scenario only: elsewhere
    the set-off refunds nothing and leaves the surplus as it is (the same numbers as on
    every plant, bit for bit).

    Examples
    --------
    W9(d): 20 t levied in 2021 at 30 EUR/t; a 2022 surplus of 10 rights refunds 10 t:

    >>> levied = np.array([[[20.0]]])
    >>> set_off_levied(np.array([[10.0]]), levied, np.array([[30.0]])), levied
    ((array([[300.]]), array([[0.]])), array([[[10.]]]))
    """
    # the plants with a surplus in some scenario first (few), then those with levy paid
    has = surplus_t > 0.0
    cols = np.flatnonzero(has.any(axis=0))
    cols = cols[(has[:, cols] & levied_t[:, cols].any(axis=-1)).any(axis=0)]
    refund = np.zeros(surplus_t.shape)
    if not cols.size:
        return refund, surplus_t
    levied = levied_t[:, cols]
    open_t = levied if window is None else levied * window[:, None, :]
    if by_rate is not None and by_rate.any():
        n = gap.shape[-1]
        # each scenario's order of the earlier years: by rate, highest first (a stable sort
        # keeps equal rates oldest first), or the oldest first
        order = np.where(
            by_rate[:, None], np.argsort(-gap, axis=-1, kind="stable"), np.arange(n)[None, :]
        )[:, None, :]
        ranked, left_c = set_off(surplus_t[:, cols], np.take_along_axis(open_t, order, -1))
        refunded = np.empty_like(ranked)
        np.put_along_axis(refunded, np.broadcast_to(order, ranked.shape), ranked, axis=-1)
    else:
        refunded, left_c = set_off(surplus_t[:, cols], open_t)
    levied_t[:, cols] = np.maximum(levied - refunded, 0.0)
    refund[:, cols] = np.einsum("spy,sy->sp", refunded, gap)
    left = surplus_t.copy()
    left[:, cols] = left_c
    return refund, left


def transfer_rights(
    excess_t: ArrayLike, surplus_t: ArrayLike
) -> tuple[FloatArray, FloatArray, BoolArray]:
    """Transfer of surplus dispensation rights to installations short of rights, within one
    market (last axis: installations).

    Only the surplus over an installation's own emissions can be sold (NEa, "Overdracht
    dispensatierechten"). The traded volume is the smaller of the total shortfall and the
    total surplus; buyers and sellers take part pro rata.

    Returns
    -------
    bought : numpy.ndarray
        Rights each installation buys, same shape as ``excess_t``. [t]
    sold : numpy.ndarray
        Rights each installation sells. [t]
    short : numpy.ndarray of bool
        Per market: whether rights are short (shortfall above surplus), so that they trade
        at the levy rate; otherwise at zero.

    Examples
    --------
    Worked example W9(c): 120 rights, 100 t emitted -> 20 can be sold; a buyer short of 30:

    >>> bought, sold, short = transfer_rights([0.0, 30.0], [20.0, 0.0])
    >>> bought, sold, bool(short)
    (array([ 0., 20.]), array([20.,  0.]), True)
    """
    excess = _nonnegative("excess_t", excess_t)
    surplus = _nonnegative("surplus_t", surplus_t)
    demand = excess.sum(axis=-1, keepdims=True)
    supply = surplus.sum(axis=-1, keepdims=True)
    traded = np.minimum(demand, supply)
    with np.errstate(divide="ignore", invalid="ignore"):
        bought = np.where(demand > 0, excess * traded / demand, 0.0)
        sold = np.where(supply > 0, surplus * traded / supply, 0.0)
    return np.asarray(bought), np.asarray(sold), np.asarray((demand > supply)[..., 0])


class Co2Heffing(Instrument):
    """The Dutch CO2-heffing industrie (levy on emissions above dispensation rights).

    Dispensation rights are the plant's ETS benchmark allocation per unit before the
    carbon-leakage and CBAM factors (the EU ETS module's allocation basis) x its domestic
    production x the reduction factor of the year. Valuation applies :func:`co2_heffing` to
    expected quantities weighted by the year's price gap ``max(tariff - reference price, 0)``
    and counts no value for surplus rights (their price depends on the whole market);
    accounting sets surplus rights off against earlier levy, then clears the transfer market
    (:func:`set_off`, :func:`transfer_rights`). The instance keeps each plant's levied tonnes
    across the years of a batch.
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
        Parameter(
            "heat_source_neutral",
            (SCENARIO, "year"),
            "1",
            "1 in the years the rights count a plant's heat whatever its source, heat from "
            "electricity included (Regeling CO2-heffing industrie art. 25: a term of its own "
            "to report year 2024, inside the heat benchmark's from 2025); 0: the EU ETS's "
            "rule of the year.",
            0.0,
        ),
        Parameter(
            "reference_price",
            (SCENARIO, "year"),
            "EUR/tCO2",
            "ETS reference price where the data give it; NaN: the December future read from "
            "the EUA path (:func:`reference_price`).",
            float("nan"),
        ),
        Parameter(
            "reference_markup",
            (SCENARIO, "year"),
            "1",
            "The December future of a year over the EUA of the autumn before it is read in "
            "(the futures curve's carry net of inflation, :func:`reference_price`).",
            1.0,
        ),
        Parameter(
            "set_off_by_tariff",
            (SCENARIO, "year"),
            "1",
            "1: a year's surplus rights are set off against the earlier years of the highest "
            "levy rate first (Wbm art. 71q(2) from 2026); 0: the oldest first.",
            0.0,
        ),
        Parameter(
            "set_off_periods",
            (SCENARIO, "year"),
            "yr",
            "Number of earlier years whose levy a year's surplus rights can be set off against "
            "(Wbm art. 71q(1): five).",
            float("inf"),
        ),
    )
    flows = (Flow("co2_levy_revenue", 1, "CO2-heffing paid by the plants, net of set-off."),)

    def __init__(self, ctx: Context) -> None:
        super().__init__(ctx)
        eua = ctx.inputs.markets.eua
        self.reference = reference_price(
            eua, self.param("reference_price"), self.param("reference_markup")
        )  # (S, Y)
        # price gap per tonne of excess emissions: co2_heffing of one tonne with no rights
        self.gap = co2_heffing(1.0, 0.0, self.param("tariff"), self.reference)  # (S, Y)
        self.active = bool(np.any(self.gap > 0))
        self.basis = AllocationBasis.shared(ctx)
        # the levy's own heat rule where it counts heat from electricity, else the ETS's
        self.heat = (self.param("heat_source_neutral") > 0.5) | self.basis.neutral  # (S, Y)
        S, Y = self.gap.shape
        P = len(ctx.inputs.plants.product)
        self.levied = np.zeros((S, P, Y))
        """Tonnes levied per plant and year, not yet set off."""

    def paths(self) -> dict[str, FloatArray]:
        ctx = self.ctx
        gap = ctx.ext(self.gap)[:, None, :]  # (S, 1, Ye)
        rights = ctx.ext(self.gap * self.param("reduction_factor"))[:, None, :]
        R = ctx.route.emitted.shape[0]
        return {
            "excess": gap * ctx.route.mix.emitted,  # each scenario's mix of a flexible load
            "rights": np.broadcast_to(rights, (rights.shape[0], R, rights.shape[2])),
        }

    def unit_cost(self, x: Mapping[str, FloatArray], opt: OptionView) -> FloatArray | float:
        # no levy expected over the options' windows (the tariff at or below the reference
        # price, as from 2027 on the Belastingplan 2026 tariff): nothing to weigh
        if not self.active or term_is_zero(x, "excess"):
            return 0.0
        # a switch decided this year runs from next year at the earliest: that year's rule
        heat = self.basis.heat_rule(opt.t, ahead=True, rule=self.heat)
        rights = x["rights"] * self.basis.of(opt.route, opt.t, opt.plants, heat=heat)
        # price-weighted quantities at a tariff of 1 above a reference price of 0
        return co2_heffing(x["excess"] * opt.calib, rights, 1.0, 0.0)

    def account(self, st: YearState) -> Booking:
        i = st.i
        rights = dispensation_rights(
            self.basis.of(st.route, i, heat=self.basis.heat_rule(i, rule=self.heat))
            * st.production,
            self.param("reduction_factor")[:, i][:, None],
        )
        excess = np.maximum(st.emissions - rights, 0.0)
        surplus = np.maximum(rights - st.emissions, 0.0)
        if not (self.active or self.levied.any()):
            return Booking()
        # the earlier years within reach of a set-off (art. 71q(1): the five before); years
        # out of every scenario's reach are left out, not only masked
        periods = self.param("set_off_periods")[:, i]
        reach = float(periods.max()) if periods.size else 0.0
        lo = max(0, i - int(reach)) if np.isfinite(reach) else 0
        window = np.arange(lo, i)[None, :] >= i - periods[:, None]
        by_tariff = self.param("set_off_by_tariff")[:, i] > 0.5
        refund, left = set_off_levied(
            surplus, self.levied[:, :, lo:i], self.gap[:, lo:i], window, by_tariff
        )
        bought, sold, short = transfer_rights(excess, left)
        rate = self.gap[:, i][:, None]
        price = np.where(short[:, None], rate, 0.0)
        levied = np.maximum(excess - bought, 0.0)
        self.levied[:, :, i] = np.where(rate > 0, levied, 0.0)
        levy = co2_heffing(
            levied, 0.0, self.param("tariff")[:, i][:, None], self.reference[:, i][:, None]
        )
        plant = levy + price * (bought - sold) - refund
        return Booking(
            plant={"co2_levy": plant},
            gov={"co2_levy_revenue": levy - refund},
        )
