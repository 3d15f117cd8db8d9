"""Electricity network tariffs by connection level, and relief from them paid by the state.

A plant connected to TenneT's extra-high-voltage (220/380 kV) or high-voltage (110/150 kV)
grid pays the transport-dependent consumer tariff (TAVT) per kW: half on the kW contracted,
half on the monthly measured kW maximum (ACM decision of 9 July 2024 on time-bound transport
tariffs, Stcrt. 2024, 23593; tariff carriers per voltage level: Regeling tariefdragers
tarieven transport en levering elektriciteit, art. 1(b), kW only on EHV/HV). The ACM fixes
the tariffs each year in the tarievenbesluit (Elektriciteitswet 1998, art. 41c). A plant with
a flat load pays, per MWh, the yearly kW tariff over its full-load hours.

A flexible load (a hybrid boiler, :mod:`kruispunt.policy.flexible_load`) draws its rated
power in the cheap hours of every month and nothing in the others: the tariff is on its kW,
not on its MWh, so it pays on its rated power (``RouteData.grid``) whatever its hours on
power. On a firm transport right it pays the whole kW tariff there; on TenneT's time-bound
right (tijdsduurgebonden transportrecht, Netcode art. 7.1(3)(c), ACM/UIT/619367: transport
in at least 85 % of the hours, the grid operator may restrict the rest a day ahead) the
kW-contracted half is waived, so it pays the monthly-maximum half. ``flexible_kw_share`` is
the share of the full kW tariff a flexible load pays on its rated power (1: firm; 0.5: the
time-bound right, which a hybrid boiler can take since it falls back on gas).

A plant that runs part of the year (:attr:`kruispunt.inputs.Plants.operating_hours`, a
sugar factory's beet campaign) contracts the kW it runs at and reaches its monthly maximum
only in the months it runs: per MWh it pays :func:`part_year_factor` times an all-year
plant's rate, and it meets the band-load rule's hours only if its own hours do.

The tariff is not a government flow (the grid operator receives it); it is an instrument
module rather than a component of the carrier price because it differs per plant (its
connection level and its load), which the carrier price paths ``(scenario, carrier, year)``
cannot express, and because relief from it is a government flow that must be booked.

Relief (:class:`NetworkTariffRelief`) is a scenario lever: the state pays a share of every
plant's tariff (a flat cut, as Aurora's 'bring NL tariffs to the neighbours' level' costing),
and/or the German band-load rule (StromNEV para. 19(2)): a user above 10 GWh a year at one
offtake point with at least 7,000, 7,500 or 8,000 full-load hours pays only 20, 15 or 10 % of
the published tariff. In Germany other grid users pay the difference (the para. 19 levy); in
the lever the Dutch state pays it, as the industry's proposal of a tariff cut financed from
the general budget.

References
----------
Elektriciteitswet 1998, art. 41c; Regeling tariefdragers, art. 1; ACM/UIT/622421 (Stcrt.
2024, 23593); Stromnetzentgeltverordnung, para. 19(2).
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
    choose_term,
    once_if_alike,
)
from kruispunt.vocabulary import GJ_PER_MWH, HOURS_PER_YEAR, SCENARIO

__all__ = [
    "BAND_MIN_HOURS",
    "LEVELS",
    "NetworkTariff",
    "NetworkTariffRelief",
    "band_load_share",
    "flexible_routes",
    "network_tariff_cost",
    "part_year_factor",
    "tariff_basis",
    "tariff_per_mwh",
]

FloatArray = NDArray[np.float64]

BAND_MIN_HOURS = 7000.0
"""Least full-load hours (Benutzungsstunden) for the band-load rule, StromNEV para. 19(2)."""

LEVELS = ("ehv", "hv")
"""Connection levels: TenneT's extra-high-voltage (220/380 kV) and high-voltage (110/150 kV)
grids."""


def tariff_per_mwh(kw_year: ArrayLike, full_load_hours: ArrayLike) -> FloatArray:
    """Tariff per MWh of a flat load: ``kw_year * 1000 / full_load_hours``.

    Parameters
    ----------
    kw_year : array_like
        Tariff per kW of peak per year, non-negative. [EUR/kW/yr]
    full_load_hours : array_like
        Yearly use over peak, positive. [h/yr]

    Returns
    -------
    numpy.ndarray
        [EUR/MWh]

    Examples
    --------
    >>> float(tariff_per_mwh(85.7, 8000.0))  # 85.7 EUR/kW over 8 MWh per kW
    10.7125
    """
    rate = _nonnegative("kw_year", kw_year)
    hours = np.asarray(full_load_hours, dtype=np.float64)
    if not np.all(hours > 0):
        raise ValueError("full_load_hours must be positive")
    return np.asarray(rate * 1000.0 / hours, dtype=np.float64)


def network_tariff_cost(
    mwh: ArrayLike, kw_year: ArrayLike, full_load_hours: ArrayLike, kwh_rate: ArrayLike = 0.0
) -> FloatArray:
    """Yearly network tariff of a plant: peak kW times the kW tariff plus any per-kWh part.

    ``peak = mwh * 1000 / full_load_hours`` [kW]; cost ``= peak * kw_year + mwh * 1000 *
    kwh_rate``. TenneT's EHV and HV tariffs have no per-kWh part (``kwh_rate`` 0); regional
    grids' lower levels have one.

    Parameters
    ----------
    mwh : array_like
        Yearly offtake from the grid, non-negative. [MWh/yr]
    kw_year : array_like
        Tariff per kW of peak per year. [EUR/kW/yr]
    full_load_hours : array_like
        Yearly use over peak. [h/yr]
    kwh_rate : array_like, optional
        Tariff per kWh. [EUR/kWh]

    Returns
    -------
    numpy.ndarray
        [EUR/yr]

    Examples
    --------
    400 GWh at 8,000 h is a 50 MW peak; at 85.7 EUR/kW that is 4.285 MEUR:

    >>> float(network_tariff_cost(400_000.0, 85.7, 8000.0))
    4285000.0
    """
    use = _nonnegative("mwh", mwh)
    peak_kw = use * 1000.0 / np.asarray(full_load_hours, dtype=np.float64)
    per_kwh = _nonnegative("kwh_rate", kwh_rate)
    return np.asarray(peak_kw * _nonnegative("kw_year", kw_year) + use * 1000.0 * per_kwh)


def part_year_factor(hours: ArrayLike) -> FloatArray:
    """How much more a plant running ``hours`` a year pays per MWh than a plant of the same
    load running all year: ``0.5 * 8760 / hours + 0.5``. The kW-contracted half of the kW
    tariff is on the load it runs at, spread over fewer MWh (8,760 / ``hours`` times more
    per MWh); the monthly-maximum half is paid only in the months it runs, about ``hours``
    / 8,760 of them, so per MWh it stays the same (a lower bound: a campaign reaches its
    load in every month it touches, also the first and last).

    Parameters
    ----------
    hours : array_like
        Hours a year the plant runs, in (0, 8760]. [h/yr]

    Returns
    -------
    numpy.ndarray
        [1], 1 for a plant running all year.

    Examples
    --------
    A sugar factory's beet campaign of 135 days around the clock (3,240 h) pays 1.85 times
    the all-year rate per MWh:

    >>> part_year_factor([8760.0, 4380.0, 3240.0]).round(4)
    array([1.    , 1.5   , 1.8519])
    """
    h = np.asarray(hours, dtype=np.float64)
    if not np.all((h > 0) & (h <= HOURS_PER_YEAR)):
        raise ValueError("hours must be in (0, 8760]")
    return np.asarray(0.5 * HOURS_PER_YEAR / h + 0.5, dtype=np.float64)


def _part_year(ctx: Context) -> FloatArray | None:
    """:func:`part_year_factor` of every plant ``(P,)``; None where every plant runs all
    year (:attr:`kruispunt.inputs.Plants.operating_hours` not given)."""
    plants = ctx.inputs.plants
    if plants.operating_hours is None:
        return None
    return part_year_factor(plants.load_hours())


def _plant_rate(
    rate: FloatArray, ehv: NDArray[np.bool_], part_year: FloatArray | None, i: int
) -> FloatArray:
    """Each plant's tariff per MWh in year index ``i`` ``(S, P)`` [EUR/MWh]: its connection
    level's ``rate`` ``(S, 2, Y)``, times its :func:`part_year_factor` (``part_year``
    ``(P,)``; None: every plant all year)."""
    out = np.where(ehv, rate[:, :1, i], rate[:, 1:2, i])
    if part_year is not None:
        out = out * part_year[None]
    return np.asarray(out, dtype=np.float64)


def _per_unit_at_part_year(
    cost: FloatArray, opt: OptionView, part_year: FloatArray | None
) -> FloatArray:
    """A per-unit tariff term of the options ``opt`` times each plant's
    :func:`part_year_factor` (``part_year`` ``(P,)``; None: unchanged)."""
    if part_year is None:
        return cost
    return np.asarray(cost * np.asarray(opt.plant(part_year), np.float64), np.float64)


def band_load_share(
    full_load_hours: ArrayLike,
    gwh: ArrayLike,
    min_gwh: float = 10.0,
    hours: tuple[float, ...] = (7000.0, 7500.0, 8000.0),
    shares: tuple[float, ...] = (0.20, 0.15, 0.10),
) -> FloatArray:
    """Share of the published network tariff a band-load user pays (StromNEV para. 19(2)).

    Above ``min_gwh`` a year at one offtake point, a user with at least ``hours[i]`` full-load
    hours pays ``shares[i]`` of the published charge (the highest threshold reached); any
    other user pays all of it (1).

    Examples
    --------
    >>> band_load_share([6999.0, 7000.0, 7600.0, 8000.0, 8000.0], [50, 50, 50, 50, 10])
    array([1.  , 0.2 , 0.15, 0.1 , 1.  ])
    """
    h = np.asarray(full_load_hours, dtype=np.float64)
    g = _nonnegative("gwh", gwh)
    out = np.ones(np.broadcast(h, g).shape)
    for threshold, share in zip(hours, shares, strict=True):
        out = np.where((h >= threshold) & (g > min_gwh), share, out)
    return np.asarray(out, dtype=np.float64)


def _elec_mwh(st: YearState, is_electricity: NDArray[np.bool_]) -> FloatArray:
    """Each plant's grid electricity this year ``(S, P)`` [MWh]."""
    return np.asarray(st.use[..., is_electricity].sum(axis=-1) / GJ_PER_MWH, dtype=np.float64)


def flexible_routes(ctx: Context) -> NDArray[np.bool_]:
    """Routes that are flexible loads ``(R,)`` (:attr:`kruispunt.inputs.Routes.power_share`
    given): on power in part of some year, or holding a rated power above their use (a
    hybrid boiler that never runs on power still holds its electric boiler's connection)."""
    share = ctx.inputs.routes.power_share
    R = len(ctx.inputs.routes.family)
    if share is None:
        return np.zeros(R, dtype=bool)
    rt = ctx.route
    on_power = (np.asarray(share) > 0).any(axis=1)
    held = (np.asarray(rt.grid) != np.asarray(rt.electricity)).any(axis=1)
    return np.asarray(on_power | held, dtype=bool)


def tariff_basis(
    electricity: ArrayLike,
    rated: ArrayLike,
    flexible: ArrayLike,
    kw_share: ArrayLike,
    firm: ArrayLike | None = None,
) -> FloatArray:
    """Electricity per unit of product the kW tariff is charged on [GJ/product]: a flat
    load's use (its peak is its use over the full-load hours); a flexible load's rated power
    times ``kw_share``, the share of the full kW tariff it pays on it (1: a firm transport
    right; 0.5: the time-bound right without the kW-contracted half), but for the part of it
    drawn in every hour (``firm``, a heat pump beside a hybrid boiler), a flat load on a firm
    right. ``electricity``, ``rated`` and ``firm`` ``(R, Y)``; ``flexible`` ``(R,)``;
    ``kw_share`` ``(S,)``; result ``(S, R, Y)``.

    Examples
    --------
    A hybrid boiler rated at 3 GJ/t on power 23 % of the year uses 0.69 GJ/t; on the
    time-bound right it is charged on 1.5 GJ/t, on a firm right on 3; a flat route on its use:

    >>> tariff_basis([[0.69], [2.0]], [[3.0], [2.0]], [True, False], [0.5, 1.0])[:, :, 0]
    array([[1.5, 2. ],
           [3. , 2. ]])

    With a heat pump of 1 GJ/t beside it, charged whole: 1 + 0.5 x 3 = 2.5 GJ/t.

    >>> tariff_basis([[1.69]], [[4.0]], [True], [0.5], firm=[[1.0]])[:, :, 0]
    array([[2.5]])
    """
    use = np.asarray(electricity, dtype=np.float64)
    share = _nonnegative("kw_share", kw_share).reshape(-1, 1, 1)
    flex = np.asarray(flexible, dtype=bool)[None, :, None]
    peak = np.asarray(rated, dtype=np.float64)[None]
    base = np.asarray(0.0 if firm is None else firm, dtype=np.float64)[None]
    charged = base + share * (peak - base)  # no firm part: share x peak, to the bit
    return np.asarray(np.where(flex, charged, use[None]), dtype=np.float64)


def _basis_extra(ctx: Context, kw_share: FloatArray) -> FloatArray | None:
    """What the kW tariff charges a route per unit beyond its electricity ``(S, R, Ye)``
    [GJ/product] (:func:`tariff_basis` less the use; 0 on flat loads); None where no route is
    a flexible load."""
    flexible = flexible_routes(ctx)
    if not flexible.any():
        return None
    rt = ctx.route
    given = ctx.inputs.routes.firm_power
    firm = None if given is None else ctx.ext(np.asarray(given, dtype=np.float64))
    return once_if_alike(
        lambda share: (
            tariff_basis(rt.electricity, rt.grid, flexible, share, firm) - rt.electricity[None]
        ),
        kw_share,
    )


def _own_mix_extra(ctx: Context, extra: FloatArray | None) -> FloatArray | None:
    """:func:`_basis_extra` beyond each scenario's own use of a flexible load ``(S|1, R,
    Ye)``: the charged basis does not change with the hours on power, the use does
    (:class:`kruispunt.engine.context.ScenarioMix`). The paths bill the basis whole
    (reference use + ``extra``); the accounting bills the year's use + this."""
    mix = ctx.route.mix
    if extra is None or not mix.any:
        return extra
    return np.asarray(extra + (ctx.route.electricity[None] - mix.electricity), dtype=np.float64)


def _billed_mwh(st: YearState, ctx: Context, extra: FloatArray | None) -> FloatArray:
    """Each plant's electricity the kW tariff is charged on this year ``(S, P)`` [MWh]: its
    grid electricity, and for a plant on a flexible load the rest of its charged basis."""
    mwh = _elec_mwh(st, ctx.inputs.carriers.is_electricity)
    if extra is None:
        return mwh
    more = np.take_along_axis(extra[:, :, st.i], st.route, axis=1)  # (S, P)
    return np.asarray(mwh + st.activity * more / GJ_PER_MWH, dtype=np.float64)


class NetworkTariff(Instrument):
    """The network tariff every plant pays on its grid electricity, at its connection level.

    Valuation: each route's kW basis per unit (:func:`tariff_basis`: a flat load's
    electricity, a flexible load's rated power times ``flexible_kw_share``) times the tariff
    per MWh of the plant's level (``rate``: kW tariff over the full-load hours,
    :func:`tariff_per_mwh`). Accounting: the year's grid electricity, and for a plant on a
    flexible load the rest of its basis, times the same rate (:func:`network_tariff_cost` with
    the peak at the full-load hours), booked as the plant item ``network_tariff``; no
    government flow (the grid operator receives it).
    """

    name = "network_tariff"
    bills_energy = True
    parameters = (
        Parameter(
            "rate",
            (SCENARIO, len(LEVELS), "year"),
            "EUR/MWh",
            "Tariff per MWh of a flat load at each connection level (EHV, HV).",
            0.0,
        ),
        Parameter(
            "ehv", (SCENARIO, "plant"), "1", "1 if the plant is on the EHV grid, 0 on HV.", 0.0
        ),
        Parameter(
            "baseline_mwh",
            (SCENARIO, "plant"),
            "MWh/yr",
            "Baseline grid electricity (sets the connection level; reports' bills).",
            0.0,
        ),
        Parameter(
            "flexible_kw_share",
            (SCENARIO,),
            "1",
            "Share of the full kW tariff a flexible load pays on its rated power (1: firm "
            "transport right; 0.5: time-bound right, the kW-contracted half waived).",
            1.0,
        ),
    )
    flows = ()

    def __init__(self, ctx: Context) -> None:
        super().__init__(ctx)
        self.rate = self.param("rate")  # (S, 2, Y)
        self.ehv = np.asarray(self.param("ehv") > 0.5, dtype=bool)  # (S, P)
        self.extra = _basis_extra(ctx, self.param("flexible_kw_share"))
        self.billed_extra = _own_mix_extra(ctx, self.extra)
        self.part_year = _part_year(ctx)  # (P,) or None

    def paths(self) -> dict[str, FloatArray]:
        ctx = self.ctx
        mwh = ctx.route.electricity[None] / GJ_PER_MWH  # (1, R, Ye)
        extra = self.extra

        def path(rate: FloatArray, *more: FloatArray) -> FloatArray:
            billed = mwh + more[0] / GJ_PER_MWH if more else mwh
            return np.asarray(billed * ctx.ext(rate)[:, None, :], dtype=np.float64)

        # once for every scenario where the tariff (and a flexible load's kW basis) is the
        # same in each
        more = () if extra is None else (extra,)
        return {
            level: once_if_alike(path, self.rate[:, k], *more) for k, level in enumerate(LEVELS)
        }

    def unit_cost(self, x: Mapping[str, FloatArray], opt: OptionView) -> FloatArray:
        ehv = np.asarray(opt.plant(self.ehv), dtype=bool)
        cost = choose_term(x, ("hv", "ehv"), ehv)
        return _per_unit_at_part_year(cost, opt, self.part_year)

    def plant_rate(self, i: int) -> FloatArray:
        """Each plant's tariff per MWh in year index ``i`` ``(S, P)`` [EUR/MWh], a plant
        running part of the year at its :func:`part_year_factor`."""
        return _plant_rate(self.rate, self.ehv, self.part_year, i)

    def account(self, st: YearState) -> Booking:
        paid = _billed_mwh(st, self.ctx, self.billed_extra) * self.plant_rate(st.i)
        return Booking(plant={"network_tariff": paid})


class NetworkTariffRelief(Instrument):
    """Relief from the network tariff paid by the state (scenario levers; off by default).

    The state pays ``share`` of each plant's tariff, and with the band-load rule also the part
    of the rest above ``band_share`` (the share a German band-load user pays at the assumed
    full-load hours, :func:`band_load_share`) for a plant whose grid electricity is above
    ``band_min_mwh``: such a plant pays ``rate * (1 - share) * band_share`` per MWh. In
    valuation an option qualifies for the band rule by its own electricity at base-year
    production (so electrifying can make a plant qualify); in the yearly accounting by the
    year's use. Plants value the relief as revenue on every route by its electricity; the
    accounting pays it as ``subsidies`` and books ``network_tariff_relief_outlay``. Plant
    revenue is calibrated without it (:attr:`calibrated`): it is a policy choice, not today's
    cost.
    """

    name = "network_tariff_relief"
    calibrated = False
    parameters = (
        Parameter(
            "share", (SCENARIO, "year"), "1", "Share of every tariff the state pays (0: off).", 0.0
        ),
        Parameter(
            "band_share",
            (SCENARIO,),
            "1",
            "Share of the tariff a band-load user keeps paying (1: no band-load rule).",
            1.0,
        ),
        Parameter(
            "band_min_mwh",
            (SCENARIO,),
            "MWh/yr",
            "Grid electricity above which a plant qualifies for the band-load rule.",
            0.0,
        ),
    )
    flows = (Flow("network_tariff_relief_outlay", -1, "Network tariff relief paid."),)

    def __init__(self, ctx: Context) -> None:
        super().__init__(ctx)
        tariff = ctx.params(NetworkTariff.name)
        self.rate = np.asarray(tariff["rate"], dtype=np.float64)  # (S, 2, Y)
        self.ehv = np.asarray(np.asarray(tariff["ehv"]) > 0.5, dtype=bool)
        self.share = self.param("share")  # (S, Y)
        self.band_share = self.param("band_share")  # (S,)
        self.band_min = self.param("band_min_mwh")  # (S,)
        self.active = bool((self.share > 0).any() or (self.band_share < 1).any())
        # charged on the tariff's own kW basis (its parameters, defaults filled)
        self.extra = _basis_extra(ctx, np.asarray(tariff["flexible_kw_share"], np.float64))
        self.billed_extra = _own_mix_extra(ctx, self.extra)
        # a flexible load draws its rated power only in its hours on power (in each
        # scenario's mix): it meets the band-load rule's hours only if those reach
        # BAND_MIN_HOURS ``(S|1, R, Ye)``
        routes = ctx.inputs.routes
        self.band_hours = np.ones_like(ctx.route.electricity, dtype=bool)[None]
        if routes.power_share is not None:
            hours = ctx.route.mix.share * 8760.0
            flexible = flexible_routes(ctx)[None, :, None]
            self.band_hours = ~flexible | (hours >= BAND_MIN_HOURS)
        # a plant running part of the year pays more per MWh (:func:`part_year_factor`),
        # and meets the band-load rule's hours only if its own hours reach them
        self.part_year = _part_year(ctx)  # (P,) or None
        self.plant_hours_ok = ctx.inputs.plants.load_hours() >= BAND_MIN_HOURS  # (P,)

    def paths(self) -> dict[str, FloatArray]:
        ctx = self.ctx
        mwh = ctx.route.electricity[None] / GJ_PER_MWH  # (1, R, Ye)
        extra = self.extra

        def flat(rate: FloatArray, share: FloatArray, *more: FloatArray) -> FloatArray:
            billed = mwh + more[0] / GJ_PER_MWH if more else mwh
            return np.asarray(
                billed * ctx.ext(rate)[:, None, :] * ctx.ext(share)[:, None, :], dtype=np.float64
            )

        def rest(rate: FloatArray, share: FloatArray, *more: FloatArray) -> FloatArray:
            billed = mwh + more[0] / GJ_PER_MWH if more else mwh
            return np.asarray(
                billed * ctx.ext(rate)[:, None, :] * (1.0 - ctx.ext(share)[:, None, :]),
                dtype=np.float64,
            )

        # once for every scenario where the tariff and the share are the same in each; a
        # flexible load's relief is on the tariff it pays (its kW basis, :func:`tariff_basis`)
        more = () if extra is None else (extra,)
        out: dict[str, FloatArray] = {}
        for k, level in enumerate(LEVELS):
            out[f"{level}_flat"] = once_if_alike(flat, self.rate[:, k], self.share, *more)
            out[f"{level}_rest"] = once_if_alike(rest, self.rate[:, k], self.share, *more)
        return out

    def _band(self, mwh: FloatArray, hours_ok: NDArray[np.bool_]) -> FloatArray:
        """Share of the rest the plant keeps paying at a yearly use of ``mwh`` (leading axis
        scenario) on a route whose full-load hours meet the rule (``hours_ok``, broadcast
        against ``mwh``)."""
        lead = (mwh.shape[0],) + (1,) * (mwh.ndim - 1)
        qualifies = (mwh > self.band_min.reshape(lead)) & hours_ok
        return np.asarray(np.where(qualifies, self.band_share.reshape(lead), 1.0))

    def unit_cost(self, x: Mapping[str, FloatArray], opt: OptionView) -> FloatArray | float:
        if not self.active:
            return 0.0
        ehv = np.asarray(opt.plant(self.ehv), dtype=bool)
        flat = np.where(ehv, x["ehv_flat"], x["hv_flat"])
        rest = np.where(ehv, x["ehv_rest"], x["hv_rest"])
        route = np.asarray(opt.route)
        mix = self.ctx.route.mix  # each scenario's mix of a flexible load
        per_unit = mix.at(mix.electricity, route, opt.t) / GJ_PER_MWH
        base = np.asarray(opt.plant(self.ctx.inputs.plants.base_production), dtype=np.float64)
        hours_ok = mix.at(self.band_hours, route, opt.t) & opt.plant(self.plant_hours_ok)
        band = self._band(np.broadcast_to(per_unit * base, rest.shape).copy(), hours_ok)
        relief = _per_unit_at_part_year(flat + rest * (1.0 - band), opt, self.part_year)
        return np.asarray(-relief, dtype=np.float64)

    def account(self, st: YearState) -> Booking:
        if not self.active:
            return Booking()
        i = st.i
        rate = _plant_rate(self.rate, self.ehv, self.part_year, i)
        mwh = _elec_mwh(st, self.ctx.inputs.carriers.is_electricity)
        hours_ok = self.ctx.route.mix.at(self.band_hours, st.route, i) & self.plant_hours_ok
        kept = (1.0 - self.share[:, i])[:, None] * self._band(mwh, hours_ok)
        paid = _billed_mwh(st, self.ctx, self.billed_extra) * rate * (1.0 - kept)
        return Booking(plant={"subsidies": paid}, gov={"network_tariff_relief_outlay": -paid})
