"""EU ETS: free allocation as Art. 10a and 10b of the ETS Directive write it, and the net cost
of allowances.

Free allocation of an installation in a year is the sum over its sub-installations of
benchmark x historical activity level (HAL), times the carbon-leakage factor (Art. 10b: 1 for
sectors at risk of carbon leakage, 30 % falling to 0 in 2030 for the others), the CBAM factor
for CBAM goods (Art. 10a(1a): 97.5 % in 2026 to 0 in 2034), the cross-sectoral correction
factor (Art. 10a(5)) and, where it bites, the 20 % energy-audit conditionality (Art. 10a(1)).
The allocation is adjusted when the two-year rolling average of activity moves by more than
15 % from the level it was set on (Art. 10a(20)), and ends when the installation stops
producing (Art. 10a(19)).

In the model (``docs/model.md``, "EU ETS"):

- a route's sub-installations are the benchmark products it makes (``route_allocation``
  table): the blast-furnace route makes hot metal, coke and sinter; DRI routes fall under the
  hot-metal benchmark from 2026 (Delegated Regulation (EU) 2024/873) plus the EAF; scrap and
  HBI routes only the EAF. Benchmark values per allocation period (2021-25, 2026-30) come
  from the ``ets_benchmarks`` table; after 2030 the 2026-30 value is held;
- the plant's base-year (2022) EUTL allocation that the mapped benchmarks do not explain (other
  sub-installations: heat, fuel, other products) stays with today's route, as the model's
  emission calibration does; products without a mapping keep their EUTL allocation per unit
  as the basis, whatever the route (heat routes: scaled by their fossil emissions before
  2026; from 2026, when the heat benchmark counts heat whatever its source (Delegated
  Regulation (EU) 2024/873), whole on every route that produces its heat);
- routes whose output is imported get no allocation (cessation);
- after the last year the law gives allocation to sectors at risk of carbon leakage, it
  falls with the cap to zero in the cap's zero year (a named assumption,
  ``assumption_ets_post_2030``).

References
----------
Directive 2003/87/EC (consolidated 1 March 2024), Art. 9, 10a and 10b;
Commission Delegated Regulation (EU) 2019/331 (free allocation rules), as amended by
Delegated Regulation (EU) 2024/873; Implementing Regulation (EU) 2019/1842 (activity-level
changes); Implementing Regulations (EU) 2021/447 and 2026/1412 (benchmark values).
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Mapping

import numpy as np
from numpy.typing import ArrayLike, NDArray

from kruispunt.policy._validate import fraction as _fraction
from kruispunt.policy._validate import nonnegative as _nonnegative
from kruispunt.policy.base import (
    Booking,
    Context,
    Instrument,
    OptionView,
    Parameter,
    YearState,
    choose_term,
)
from kruispunt.vocabulary import SCENARIO

__all__ = [
    "AllocationBasis",
    "EuEts",
    "activity_level_ratio",
    "allocation_shares",
    "cap_share",
    "ets_cost",
    "free_allocation",
    "updated_benchmark",
]

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]


def free_allocation(
    benchmark_allocation_t: ArrayLike,
    activity_ratio: ArrayLike,
    cbam_factor: ArrayLike,
    is_cbam_good: ArrayLike,
    non_cl_factor: ArrayLike | None = None,
    cscf: ArrayLike = 1.0,
    conditionality: ArrayLike = 0.0,
) -> FloatArray:
    """Free allowances of an installation in one year (Directive 2003/87/EC Art. 10a, 10b).

    ``benchmark_allocation_t x activity_ratio x factor x cscf x (1 - conditionality)`` with
    ``factor = cbam_factor`` for CBAM goods (Art. 10a(1a); their sectors are all at risk of
    carbon leakage) and ``non_cl_factor`` (default 1) for the others (Art. 10b).

    The allocation is linear in ``activity_ratio``: the 15 % rule of Art. 10a(20) is applied
    by the caller when it computes the ratio (:func:`activity_level_ratio`).

    Parameters
    ----------
    benchmark_allocation_t : array_like
        Preliminary allocation: sum over sub-installations of benchmark x historical
        activity level. Non-negative. [t/yr]
    activity_ratio : array_like
        Adjusted over historical activity level, non-negative. [-]
    cbam_factor : array_like
        Share of free allocation kept by CBAM goods in the year, in [0, 1]. [-]
    is_cbam_good : array_like of bool
        Whether the installation's product is covered by CBAM.
    non_cl_factor : array_like, optional
        Carbon-leakage factor of goods not covered by CBAM, in [0, 1]: 1 for sectors on the
        carbon-leakage list, 30 % falling to 0 in 2030 for the others (so it is usually an
        array over plants). Default 1. [-]
    cscf : array_like, default 1
        Cross-sectoral correction factor (Art. 10a(5)), in [0, 1]. [-]
    conditionality : array_like, default 0
        Share withheld because energy-audit recommendations were not implemented (Art. 10a(1),
        20 %), in [0, 1]. [-]

    Returns
    -------
    numpy.ndarray
        Free allocation. [t/yr]

    Raises
    ------
    ValueError
        If an amount or ratio is negative or NaN, or a factor is outside [0, 1].

    Examples
    --------
    Hot metal, 1 Mt/yr at the 2026-30 benchmark 1.248, CBAM factor 2026 (worked example W2):

    >>> float(free_allocation(1.248e6, 1.0, 0.975, True))
    1216800.0
    >>> round(float(free_allocation(1.248e6, 1.0, 0.975, True, conditionality=0.2)), 6)
    973440.0
    >>> free_allocation([1.0e6, 2.0e6], 1.0, 0.5, [True, False], non_cl_factor=0.3)
    array([500000., 600000.])
    """
    allocation = _nonnegative("benchmark_allocation_t", benchmark_allocation_t)
    ratio = _nonnegative("activity_ratio", activity_ratio)
    cbam = _fraction("cbam_factor", cbam_factor)
    other = (
        np.ones((), dtype=np.float64)
        if non_cl_factor is None
        else _fraction("non_cl_factor", non_cl_factor)
    )
    correction = _fraction("cscf", cscf)
    withheld = _fraction("conditionality", conditionality)
    factor = np.where(np.asarray(is_cbam_good, dtype=np.bool_), cbam, other)
    return np.asarray(allocation * ratio * factor * correction * (1.0 - withheld), dtype=np.float64)


def ets_cost(
    direct_emissions_t: ArrayLike,
    free_allocation_t: ArrayLike,
    eua_price: ArrayLike,
    sell_surplus: bool = True,
) -> FloatArray:
    """Net cost of EU allowances after free allocation.

    ``(direct_emissions_t - free_allocation_t) * eua_price``. With
    ``sell_surplus=True`` (default) a surplus of free allowances over emissions
    is sold at the EUA price, so the cost becomes negative (a revenue): free
    allowances are tradable, and an installation that abates keeps the value of
    the allowances it no longer needs. With ``sell_surplus=False`` the surplus is
    worth nothing and the cost is floored at zero (a conservative view, e.g.
    when the allocation would be cut at the next activity-level review).

    Parameters
    ----------
    direct_emissions_t : array_like
        Verified direct emissions, non-negative. [t/yr]
    free_allocation_t : array_like
        Free allowances received, non-negative. [t/yr]
    eua_price : array_like
        EUA price, non-negative. [EUR/t]
    sell_surplus : bool, default True
        Whether surplus allowances are sold (negative cost) or worth nothing.

    Returns
    -------
    numpy.ndarray
        Net allowance cost. [EUR/yr]

    Raises
    ------
    ValueError
        If an amount or the price is negative or NaN.

    Examples
    --------
    >>> float(ets_cost(1.2e6, 1.0e6, 80.0))
    16000000.0
    >>> ets_cost(1.0e6, 1.2e6, 80.0), ets_cost(1.0e6, 1.2e6, 80.0, sell_surplus=False)
    (array(-16000000.), array(0.))
    """
    emissions = _nonnegative("direct_emissions_t", direct_emissions_t)
    allocation = _nonnegative("free_allocation_t", free_allocation_t)
    price = _nonnegative("eua_price", eua_price)
    short = emissions - allocation
    if not sell_surplus:
        short = np.maximum(short, 0.0)
    return np.asarray(short * price, dtype=np.float64)


def updated_benchmark(
    start_value: ArrayLike,
    annual_rate: ArrayLike,
    n_years: ArrayLike,
    rate_min: ArrayLike,
    rate_max: ArrayLike,
) -> FloatArray:
    """A benchmark value updated for an allocation period (Directive 2003/87/EC Art. 10a(2)).

    ``start_value x (1 - clip(annual_rate, rate_min, rate_max) x n_years``): the 2013-2020
    value reduced by the annual improvement rate, bounded, for each year from 2008 to the
    middle of the period (15 years for 2021-2025, 20 for 2026-2030).

    Parameters
    ----------
    start_value : array_like
        The 2013-2020 benchmark value, non-negative. [tCO2/t]
    annual_rate : array_like
        Improvement rate measured from the installations' data, non-negative. [1/yr]
    n_years : array_like
        Years of reduction: 15 (2021-2025) or 20 (2026-2030). [yr]
    rate_min, rate_max : array_like
        Bounds of the rate: 0.2 % and 1.6 % for 2021-2025, 0.3 % and 2.5 % for 2026-2030
        (the hot-metal rate is fixed at 0.2 % for 2021-2025). [1/yr]

    Returns
    -------
    numpy.ndarray
        The period's benchmark value. [tCO2/t]

    Examples
    --------
    Coke, 0.286 in 2013-2020, at the cap rate in both periods (worked example W1):

    >>> round(float(updated_benchmark(0.286, 0.05, 15, 0.002, 0.016)), 4)
    0.2174
    >>> round(float(updated_benchmark(0.286, 0.05, 20, 0.003, 0.025)), 4)
    0.143
    """
    start = _nonnegative("start_value", start_value)
    rate = np.clip(_nonnegative("annual_rate", annual_rate), rate_min, rate_max)
    return np.asarray(start * (1.0 - rate * np.asarray(n_years, dtype=np.float64)))


def activity_level_ratio(
    rolling_average: ArrayLike,
    activity_level: ArrayLike,
    threshold: ArrayLike = 0.15,
    step: ArrayLike = 0.0,
) -> FloatArray:
    """Adjustment of free allocation to a change of activity (Directive 2003/87/EC
    Art. 10a(20); Implementing Regulation (EU) 2019/1842 Art. 2(1) and 5).

    The allocation is adjusted when the two-year rolling average of activity differs by more
    than ``threshold`` from the activity level the allocation was set on; it then moves by the
    same relative change, rounded to ``step`` when ``step > 0`` (the adjustment size of
    2019/1842 Art. 5 was not read: a stated parameter). Within the threshold the ratio is 1.

    Parameters
    ----------
    rolling_average : array_like
        Mean activity of the two preceding years, non-negative. [product/yr]
    activity_level : array_like
        Activity level the allocation was set on (historical activity level). [product/yr]
    threshold : array_like, default 0.15
        Relative change that triggers an adjustment. [-]
    step : array_like, default 0
        Rounding step of the relative change (0: none). [-]

    Returns
    -------
    numpy.ndarray
        Adjusted over historical activity level (1 where no adjustment); 1 where the activity
        level is zero. [-]

    Examples
    --------
    Worked example W3: 0.88 and 0.90 Mt against 1.00 Mt (-11 %) -> no adjustment; 0.80 and
    0.80 Mt (-20 %) -> 0.8:

    >>> activity_level_ratio([0.89, 0.80], 1.0)
    array([1. , 0.8])
    >>> float(activity_level_ratio(0.79, 1.0, step=0.05))
    0.8
    """
    avg = _nonnegative("rolling_average", rolling_average)
    level = _nonnegative("activity_level", activity_level)
    step_ = np.asarray(step, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        change = np.where(level > 0, avg / level - 1.0, 0.0)
    rounded = np.where(
        step_ > 0, np.round(change / np.where(step_ > 0, step_, 1.0)) * step_, change
    )
    adjust = np.abs(change) > np.asarray(threshold, dtype=np.float64) + 1e-12
    return np.asarray(np.where(adjust, np.maximum(1.0 + rounded, 0.0), 1.0), dtype=np.float64)


def cap_share(
    years: ArrayLike, lrf: ArrayLike, reference_year: int, zero_year: ArrayLike
) -> FloatArray:
    """The ETS cap of each year as a share of the cap of ``reference_year``.

    The cap falls each year by the linear reduction factor times the reference cap
    (Directive 2003/87/EC Art. 9); with the factor of the reference year it reaches zero in
    ``zero_year``, so one year's decline is ``lrf_y / (lrf_ref x (zero_year - reference_year))``
    of the reference year's cap. Later factors (e.g. a proposal's) change the pace. Used for
    the model's rule after 2030 (``assumption_ets_post_2030``): free allocation falls with the
    cap.

    Parameters
    ----------
    years : array_like of int
        Years. [yr]
    lrf : array_like
        Linear reduction factor of each year, same shape as ``years`` (last axis). [1/yr]
    reference_year : int
        Year whose cap is the reference (share 1 in it and before). [yr]
    zero_year : array_like
        Year the cap reaches zero with the reference year's factor. [yr]

    Returns
    -------
    numpy.ndarray
        Share of the reference year's cap, in [0, 1]. [-]

    Examples
    --------
    Current law: 4.4 %/yr from 2028, zero in 2039; the 2035 cap is 4/9 of 2030's, 2038 1/9:

    >>> y = np.arange(2029, 2041)
    >>> cap_share(y, np.full(12, 0.044), 2030, 2039)[[0, 1, 6, 9, 10]].round(4)
    array([1.    , 1.    , 0.4444, 0.1111, 0.    ])

    Proposal COM(2026) 616: 3.7 % from 2031, 1.7 % from 2036; 2035 keeps 53 %:

    >>> lrf = np.where(y >= 2036, 0.017, np.where(y >= 2031, 0.037, 0.044))
    >>> round(float(cap_share(y, lrf, 2030, 2039)[6]), 4)
    0.5328
    """
    yrs = np.asarray(years, dtype=np.int64)
    rate = np.asarray(lrf, dtype=np.float64)
    later = yrs > reference_year
    ref_idx = int(np.searchsorted(yrs, reference_year))
    ref_rate = rate[..., min(ref_idx, yrs.size - 1)]
    span = np.asarray(zero_year, dtype=np.float64) - reference_year
    with np.errstate(divide="ignore", invalid="ignore"):
        decline = np.where(later, rate, 0.0) / (ref_rate * span)[..., None]
    share = 1.0 - np.cumsum(np.nan_to_num(decline), axis=-1)
    return np.asarray(np.clip(share, 0.0, 1.0), dtype=np.float64)


def allocation_shares(
    params: Mapping[str, NDArray[np.generic]], years: IntArray
) -> tuple[FloatArray, FloatArray]:
    """Free-allocation share per year ``(S, Y)`` of plants at risk of carbon leakage and of
    the others, from the EU ETS module's parameters.

    At risk (Directive 2003/87/EC Art. 10b(1)): 1 until the cap's reference year, then the
    share of that year's cap left (:func:`cap_share`, ``assumption_ets_post_2030``), and 0
    after the law's last year unless allocation follows the cap. Not at risk (Art. 10b(4)):
    the non-CL share, never above the first.
    """
    ref = np.asarray(params["cap_reference_year"], dtype=np.float64)
    lrf = np.asarray(params["lrf"], dtype=np.float64)
    zero = np.asarray(params["cap_zero_year"], dtype=np.float64)
    share_cl = np.ones((ref.shape[0], years.size))
    for s in range(ref.shape[0]):
        if ref[s] < years[-1]:
            share_cl[s] = cap_share(years, lrf[s], int(ref[s]), zero[s])
    end = np.asarray(params["cl_end_year"], dtype=np.float64)[:, None]
    follows = np.asarray(params["follows_cap"], dtype=np.float64)[:, None] > 0.5
    share_cl = np.where((years[None, :] > end) & ~follows, 0.0, share_cl)
    share_non = np.minimum(np.asarray(params["non_cl_share"], dtype=np.float64), share_cl)
    return share_cl, share_non


def year_factors(
    params: Mapping[str, NDArray[np.generic]],
    shares: tuple[FloatArray, FloatArray],
    cbam_good: BoolArray,
) -> tuple[FloatArray, FloatArray]:
    """The factors that turn a basis into the year's free allocation ``(S, R, Y)``, for
    plants at risk of carbon leakage and for the others, on routes whose output is a CBAM
    good (``cbam_good`` ``(R,)``) or not: the year's share ``shares`` (the at-risk and the
    other share, :func:`allocation_shares`; a CBAM good's is the CBAM factor times the
    at-risk share, whatever the plant's status), times the correction factor net of
    conditionality (Art. 10a(5), 10a(1)). The activity level ratio (Art. 10a(21)) is the
    plant's own and not in it."""
    share_cl, share_non = shares  # (S, Y) each
    correction = np.asarray(params["cscf"], dtype=np.float64) * (
        1.0 - np.asarray(params["conditionality"], dtype=np.float64)
    )  # (S, Y)
    cbam = np.asarray(params["cbam_factor"], dtype=np.float64) * share_cl  # (S, Y)
    good = np.asarray(cbam_good, dtype=np.bool_)[None, :, None]
    factor_cl = np.where(good, cbam[:, None, :], share_cl[:, None, :]) * correction[:, None, :]
    factor_non = np.where(good, cbam[:, None, :], share_non[:, None, :]) * correction[:, None, :]
    return np.asarray(factor_cl, np.float64), np.asarray(factor_non, np.float64)


def staying_allocation_per_unit(ctx: Context) -> FloatArray:
    """Free allocation per unit of product of every plant staying on today's route at an
    unchanged activity level, year by year ``(S, P, Y)`` [tCO2/product]: the basis the EU
    ETS books (:meth:`AllocationBasis.of`, with the year's benchmark updates and heat rule)
    times the year's factor for the plant's carbon-leakage status (:func:`year_factors`),
    as :meth:`EuEts.allocation` gives it at an activity level ratio of 1. What the product
    markets pass through of the allocation an average producer loses."""
    inp = ctx.inputs
    params = ctx.params(EuEts.name)
    years = np.asarray(inp.coords.years)
    inc = inp.plants.incumbent
    shares = allocation_shares(params, years)
    factor_cl, factor_non = year_factors(params, shares, inp.products.cbam[inp.routes.product])
    cl = np.asarray(params["carbon_leakage"], dtype=np.float64) > 0.5  # (S, P)
    factor = np.where(cl[:, :, None], factor_cl[:, inc, :], factor_non[:, inc, :])
    return np.asarray(AllocationBasis.shared(ctx).staying() * factor, dtype=np.float64)


def base_allocation_per_unit(allocation: FloatArray, production: FloatArray) -> FloatArray:
    """Base-year free allocation per unit of base-year production [tCO2/product] (0 where
    nothing was produced)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.asarray(np.where(production > 0, allocation / production, 0.0), dtype=np.float64)


class AllocationBasis:
    """Free allocation per unit of product of a plant on a route before the year's factors
    (carbon leakage, CBAM, correction) [tCO2/product]: the benchmark allocation of the
    route's sub-installations in the year's allocation period plus the plant's own part.

    The plant's own part is, for a route with a benchmark mapping, the base-year EUTL
    allocation the mapping does not explain (the plant's other sub-installations), on today's
    route and the routes with the same sub-installations (its capture variant) only; for a
    product without a mapping, the base-year EUTL allocation per unit on every route (product
    benchmarks do not depend on the route), except on a route whose allocation comes from its
    own benchmark mapping, which replaces it. For heat products, before the heat benchmark
    counts heat whatever its source (``heat_source_neutral``, 2026), the basis is scaled by
    the route's fossil emissions over today's route's, within [0, 1] (heat from electricity
    earned nothing); from then on it is whole on every route that produces its heat,
    electricity and biomass included, and scaled as before on a route that buys its heat
    (``route_bought_heat``). A heat plant's basis moves with the heat and fuel benchmarks of
    the year's allocation period over the base year's (``fallback_update``: 0.6586 from 2026,
    IR 2026/1412). Routes whose output is imported get nothing. The
    base-year allocation is taken before the base year's factors (``base_factor``: 30 % for
    sectors not at risk of carbon leakage in 2021-2025).

    ``params`` are the EU ETS module's parameters (``route_benchmark``,
    ``route_benchmark_base``, ``route_group``, ``base_factor``).
    """

    def __init__(self, ctx: Context, params: Mapping[str, NDArray[np.generic]]) -> None:
        inp = ctx.inputs
        plants = inp.plants
        self.mix = ctx.route.mix  # emissions in each scenario's own mix of a flexible load
        self.incumbent = plants.incumbent
        self.domestic = inp.routes.domestic
        self.heat = inp.products.heat[plants.product]
        base_factor = np.asarray(params["base_factor"], dtype=np.float64)  # (S, P)
        with np.errstate(divide="ignore", invalid="ignore"):
            self.per_unit = np.where(
                base_factor > 0,
                base_allocation_per_unit(plants.base_free_allocation, plants.base_production)[None]
                / base_factor,
                0.0,
            )  # (S, P)
        self.route_bm = np.asarray(params["route_benchmark"], dtype=np.float64)  # (S, R, Y)
        base = np.asarray(params["route_benchmark_base"], dtype=np.float64)  # (S, R)
        rows = np.arange(base.shape[0])[:, None]
        inc_base = base[rows, self.incumbent[None, :]]  # (S, P)
        self.inc_mapped = ~np.isnan(inc_base)
        self.residual = np.where(self.inc_mapped, self.per_unit - np.nan_to_num(inc_base), 0.0)
        group = np.asarray(params["route_group"], dtype=np.float64)  # (S, R)
        own = -1.0 - np.arange(group.shape[1])[None, :]  # a group of its own
        self.group = np.where(np.isnan(group), own, group)
        self.group_today = self.group[:, self.incumbent]  # (S, P)
        self.neutral = np.asarray(params["heat_source_neutral"], dtype=np.float64) > 0.5  # (S, Y)
        self.bought_heat = np.asarray(params["route_bought_heat"], dtype=np.float64)  # (S, R)
        self.fallback = np.asarray(params["fallback_update"], dtype=np.float64)  # (S, Y)
        self._memo_year = -1
        self._memo_store: dict[tuple[str, tuple[int, ...], bytes], NDArray[np.generic]] = {}

    @classmethod
    def shared(cls, ctx: Context) -> AllocationBasis:
        """The batch's basis from the EU ETS parameters, one for every instrument that reads
        it (the EU ETS, the CO2 levy's dispensation rights), so that its per-year memo serves
        them all (the same routes are asked for by each)."""
        try:
            basis = _SHARED_BASIS.get(ctx)
        except TypeError:  # a context without weak references: a basis of its own
            return cls(ctx, ctx.params("ets"))
        if basis is None:
            basis = _SHARED_BASIS[ctx] = cls(ctx, ctx.params("ets"))
        return basis

    def _lead(
        self, values: NDArray[np.generic], route: IntArray, plants: IntArray | None = None
    ) -> NDArray[np.generic]:
        """A per-plant ``(S, P)`` (or ``(P,)``) array broadcast against ``route``
        ``(1|S, P, K)``/``(S, P)``, or taken at ``plants``, the plant of each slot of a flat
        ``route`` ``(1|S, V)`` (:class:`kruispunt.engine.valuation.Slots`)."""
        if plants is not None:
            return np.take(values, plants, axis=-1)
        return values[..., None] if route.ndim == 3 else values

    def _at(self, values: NDArray[np.generic], route: IntArray) -> NDArray[np.generic]:
        """Per-route ``values`` ``(S, R)`` at ``route`` ``(1|S, P, K)``/``(S, P)``: a gather
        by position in the flattened array (faster than indexing by rows and routes)."""
        S, R = values.shape
        rows = np.arange(S).reshape((S,) + (1,) * (route.ndim - 1))
        return np.asarray(np.take(values, rows * R + route))

    def _today(self, route: IntArray, plants: IntArray | None = None) -> BoolArray:
        """Whether ``route`` has today's sub-installations: today's route, or a route with the
        same benchmark mapping (e.g. today's with capture)."""
        same = self._at(self.group, route) == self._lead(self.group_today, route, plants)
        return np.asarray(same, dtype=np.bool_)

    def _memo(
        self,
        kind: str,
        route: IntArray,
        t: int,
        make: Callable[[], NDArray[np.generic]],
        plants: IntArray | None = None,
    ) -> NDArray[np.generic]:
        """``make()`` once per year, kind, route array content (and plants of a flat list of
        slots): the valuation asks for the same routes several times a year (staying over
        several horizons, the CO2-heffing)."""
        if self._memo_year != t:
            self._memo_year, self._memo_store = t, {}
        flat = b"" if plants is None else b"slots" + plants.tobytes()
        key = (kind, route.shape, route.tobytes() + flat)
        if key not in self._memo_store:
            self._memo_store[key] = make()
        return self._memo_store[key]

    def uses_benchmark(self, route: IntArray, t: int, plants: IntArray | None = None) -> BoolArray:
        """Whether the allocation of plants on ``route`` comes from its benchmark mapping
        (``(S, P, K)`` or ``(S, P)``; or a flat list of slots of ``plants``, see
        :meth:`_lead`)."""
        one = _one_column(route, plants)
        if one is not None:
            return np.broadcast_to(self.uses_benchmark(one, t), route.shape)
        return np.asarray(
            self._memo("uses", route, t, lambda: self._uses_benchmark(route, t, plants), plants),
            dtype=np.bool_,
        )

    def _uses_benchmark(self, route: IntArray, t: int, plants: IntArray | None) -> BoolArray:
        mapped = ~np.isnan(self._at(self.route_bm[:, :, t], route))
        today = np.asarray(
            self._memo("today", route, t, lambda: self._today(route, plants), plants), dtype=bool
        )
        inc_mapped = np.asarray(self._lead(self.inc_mapped, route, plants), dtype=np.bool_)
        return np.asarray(mapped & self.domestic[route] & ~(today & ~inc_mapped), dtype=np.bool_)

    def heat_rule(self, t: int, *, ahead: bool = False, rule: BoolArray | None = None) -> BoolArray:
        """Whether heat counts whatever its source ``(S,)`` in year ``t`` under ``rule``
        ``(S, Y)`` (default the EU ETS's, ``heat_source_neutral``; the CO2 levy has its own);
        ``ahead``: in the year after, the first a switch decided in ``t`` can run (what a
        valuation in ``t`` weighs)."""
        years = self.neutral if rule is None else rule
        return np.asarray(years[:, min(t + int(ahead), years.shape[1] - 1)], dtype=np.bool_)

    def own_part(
        self,
        route: IntArray,
        t: int,
        plants: IntArray | None = None,
        *,
        heat: BoolArray | None = None,
    ) -> FloatArray:
        """The plant's own part of the basis for ``route`` in year ``t`` [tCO2/product].
        ``heat`` ``(S,)``: whether heat counts whatever its source (default: the EU ETS's
        rule in ``t``, :meth:`heat_rule`; the CO2 levy has its own)."""
        return self._by_heat_rule("own", self._own_part, route, t, plants, heat)

    def _by_heat_rule(
        self,
        kind: str,
        make: Callable[[IntArray, int, IntArray | None, BoolArray], FloatArray],
        route: IntArray,
        t: int,
        plants: IntArray | None,
        heat: BoolArray | None,
    ) -> FloatArray:
        """``make(route, t, plants, flags)`` under the heat rule ``heat`` (default the EU
        ETS's in ``t``), once per plant where ``route`` repeats a plant's route along its last
        axis, memoised per year, kind, heat rule and routes."""
        flags = self.heat_rule(t) if heat is None else np.asarray(heat, dtype=np.bool_)
        one = _one_column(route, plants)
        if one is not None:
            made = self._by_heat_rule(kind, make, one, t, None, flags)
            return np.broadcast_to(made, route.shape)
        return np.asarray(
            self._memo(
                kind + flags.tobytes().hex(),
                route,
                t,
                lambda: make(route, t, plants, flags),
                plants,
            ),
            dtype=np.float64,
        )

    def _own_part(
        self, route: IntArray, t: int, plants: IntArray | None, heat: BoolArray
    ) -> FloatArray:
        inc = self._lead(self.incumbent, route, plants)
        today = np.asarray(
            self._memo("today", route, t, lambda: self._today(route, plants), plants), dtype=bool
        )
        mix = self.mix
        em_inc = mix.at(mix.emitted, np.asarray(inc, dtype=np.int64)[None], t)
        em_route = mix.at(mix.emitted, route, t)
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = np.clip(np.where(em_inc > 0, em_route / em_inc, 0.0), 0.0, 1.0)
        # from 2026 the heat benchmark counts heat whatever its source: whole on a route that
        # produces its heat, scaled as before on one that buys it
        neutral = heat.reshape((-1,) + (1,) * (route.ndim - 1))
        produced = np.asarray(self._at(self.bought_heat, route), dtype=np.float64) < 0.5
        ratio = np.where(neutral & produced, 1.0, ratio)
        is_heat = self._lead(self.heat, route, plants)
        # a heat plant's base-year allocation is its fall-back sub-installations': it moves
        # with the heat and fuel benchmarks of the year's period
        update = self.fallback[:, t].reshape((-1,) + (1,) * (route.ndim - 1))
        unmapped = self._lead(self.per_unit, route, plants) * np.where(is_heat, ratio * update, 1.0)
        mapped_inc = self._lead(self.inc_mapped, route, plants)
        # a plant whose base-year allocation has no mapping keeps it on the routes whose own
        # allocation has none either; a route whose allocation comes from its benchmark
        # replaces it, as it replaces a mapped plant's residual (no double count)
        own = np.where(self.uses_benchmark(route, t, plants), 0.0, unmapped)
        part = np.where(
            mapped_inc,
            np.where(today, self._lead(self.residual, route, plants), 0.0),
            own,
        )
        return np.asarray(np.where(self.domestic[route], part, 0.0), dtype=np.float64)

    def of(
        self,
        route: IntArray,
        t: int,
        plants: IntArray | None = None,
        *,
        heat: BoolArray | None = None,
    ) -> FloatArray:
        """Basis of plants on ``route`` in year ``t`` (benchmark part plus own part, at least
        0) [tCO2/product], ``(S, P, K)`` or ``(S, P)`` (or ``(S, V)`` for a flat list of
        slots of ``plants``); ``heat`` as :meth:`own_part`'s."""
        # the EU ETS's allocation and the CO2 levy's rights ask for the plants' routes in
        # the same year: worked out once (per heat rule)
        return self._by_heat_rule("of", self._of, route, t, plants, heat)

    def staying(self) -> FloatArray:
        """Basis of every plant on today's route in every year ``(S, P, Y)``, as :meth:`of`
        gives it year by year, worked out once per run of years in which what it reads of
        the year is the same: the route's benchmark, the heat rule, the update of the heat and
        fuel benchmarks and whether the route emits (on today's route the plant's own part
        scales by the route's emissions over themselves, 1 where it emits). A few allocation
        periods, not every year."""
        S = self.neutral.shape[0]
        route = np.ascontiguousarray(
            np.broadcast_to(self.incumbent[None, :], (S, self.incumbent.size))
        )
        mix = self.mix
        Y = self.fallback.shape[1]
        out = np.empty((*route.shape, Y))
        key = b""  # no year's inputs are empty bytes: year 0 is always worked out
        for t in range(Y):
            read = (
                self._at(self.route_bm[:, :, t], route),
                self.fallback[:, t],
                self.heat_rule(t),
                mix.at(mix.emitted, route, t) > 0,
            )
            new = b"".join(np.ascontiguousarray(x).tobytes() for x in read)
            if new != key:
                key, now = new, self.of(route, t)
            out[..., t] = now
        return out

    def _of(self, route: IntArray, t: int, plants: IntArray | None, heat: BoolArray) -> FloatArray:
        bm = np.nan_to_num(self._at(self.route_bm[:, :, t], route))
        total = np.where(self.uses_benchmark(route, t, plants), bm, 0.0) + self.own_part(
            route, t, plants, heat=heat
        )
        return np.asarray(np.maximum(total, 0.0), dtype=np.float64)


def _one_column(route: IntArray, plants: IntArray | None) -> IntArray | None:
    """``route[..., :1]`` when ``route`` ``(S, P, J)`` repeats one route per plant along its
    last axis (stride 0: the route a plant runs, valued over several windows), so that the
    basis is worked out once per plant and broadcast (element for element the same); None
    otherwise."""
    if plants is None and route.ndim == 3 and route.shape[-1] > 1 and route.strides[-1] == 0:
        return route[..., :1]
    return None


_SHARED_BASIS: weakref.WeakKeyDictionary[object, AllocationBasis] = weakref.WeakKeyDictionary()
"""The allocation basis of each batch context (:meth:`AllocationBasis.shared`)."""


class EuEts(Instrument):
    """EU ETS: allowances for direct emissions, net of free allocation.

    Valuation: the expected cost per unit is the EUA-weighted expected emissions minus the
    EUA-weighted expected free allocation per unit (through :func:`ets_cost`), the allocation
    taken as the current rule gives it at the historical activity level: the route's benchmark
    allocation and the plant's own part, times the year's factors (carbon leakage or CBAM,
    correction, conditionality), each expected over the option's life. Accounting:
    :func:`free_allocation` on the year's basis x historical activity level, adjusted by the
    15 % rule (:func:`activity_level_ratio`) on the plant's domestic production of the two
    preceding years; a route that starts sets a new activity level (new sub-installations).
    Surplus allowances are sold (negative cost).

    The instance keeps each plant's activity level and production history across the years
    of a batch (``account`` is called every year in order).
    """

    name = "ets"
    parameters = (
        Parameter(
            "cbam_factor",
            (SCENARIO, "year"),
            "1",
            "Share of free allocation CBAM goods keep (CBAM phase-out, Directive 2003/87/EC "
            "Art. 10a(1a)); 1 for every year when the scenario switches CBAM off.",
            default=1.0,
        ),
        Parameter(
            "carbon_leakage",
            (SCENARIO, "plant"),
            "1",
            "Whether the plant's sector is deemed at risk of carbon leakage (1) or not (0) "
            "(Art. 10b, Delegated Decision (EU) 2019/708).",
            default=1.0,
        ),
        Parameter(
            "non_cl_share",
            (SCENARIO, "year"),
            "1",
            "Carbon-leakage factor of sectors not at risk: 30 % to 2026, falling to 0 in 2030 "
            "(Art. 10b(4)).",
            default=1.0,
        ),
        Parameter(
            "cl_end_year",
            (SCENARIO,),
            "yr",
            "Last year the law gives free allocation to sectors at risk of carbon leakage "
            "(Art. 10b(1): 2030; Proposal COM(2026) 616: 2040).",
            default=9999.0,
        ),
        Parameter(
            "follows_cap",
            (SCENARIO,),
            "1",
            "After the last legal year allocation falls with the cap to zero (1) or stops (0) "
            "(assumption_ets_post_2030).",
            default=1.0,
        ),
        Parameter(
            "lrf",
            (SCENARIO, "year"),
            "1/yr",
            "Linear reduction factor of the cap (Art. 9).",
            default=0.0,
        ),
        Parameter(
            "cap_reference_year",
            (SCENARIO,),
            "yr",
            "Year whose cap is the reference of the post-2030 rule (the current period's end).",
            default=9999.0,
        ),
        Parameter(
            "cap_zero_year",
            (SCENARIO,),
            "yr",
            "Year the cap reaches zero at the reference year's linear reduction factor.",
            default=9999.0,
        ),
        Parameter(
            "cscf",
            (SCENARIO, "year"),
            "1",
            "Cross-sectoral correction factor (Art. 10a(5)).",
            default=1.0,
        ),
        Parameter(
            "conditionality",
            (SCENARIO, "year"),
            "1",
            "Share of allocation withheld for energy-audit conditionality (Art. 10a(1)); 0 "
            "unless the scenario applies it.",
            default=0.0,
        ),
        Parameter(
            "route_benchmark",
            (SCENARIO, "route", "year"),
            "tCO2/product",
            "Benchmark allocation per unit of the route's product in the year's allocation "
            "period (sum of benchmark x amount over its sub-installations); NaN: no mapping.",
            default=float("nan"),
        ),
        Parameter(
            "route_benchmark_base",
            (SCENARIO, "route"),
            "tCO2/product",
            "The same in the allocation period of the base year (2022); NaN: no mapping.",
            default=float("nan"),
        ),
        Parameter(
            "route_group",
            (SCENARIO, "route"),
            "1",
            "Routes with the same benchmark sub-installations share a group (e.g. a route and "
            "its capture variant): the plant's other sub-installations stay with them; NaN: "
            "a group of its own.",
            default=float("nan"),
        ),
        Parameter(
            "base_factor",
            (SCENARIO, "plant"),
            "1",
            "Factor already applied to the plant's base-year allocation (carbon leakage x "
            "CBAM x correction in 2022).",
            default=1.0,
        ),
        Parameter(
            "heat_source_neutral",
            (SCENARIO, "year"),
            "1",
            "1 in the years the heat benchmark counts measurable heat whatever its source, "
            "electricity included (Delegated Reg. (EU) 2024/873 amending FAR Art. 2(3), from "
            "2026); 0 before, when heat from electricity earns no allocation.",
            default=0.0,
        ),
        Parameter(
            "fallback_update",
            (SCENARIO, "year"),
            "1",
            "Heat and fuel benchmark values of the year's allocation period over those of "
            "2021-2025: the factor on a heat plant's base-year allocation, which its fall-back "
            "sub-installations earn (IR 2026/1412: 0.6586 from 2026).",
            default=1.0,
        ),
        Parameter(
            "route_bought_heat",
            (SCENARIO, "route"),
            "1",
            "1 for a route that buys its heat from outside the installation (carrier heat): "
            "not heat the installation produces, no heat-benchmark allocation at the buyer.",
            default=0.0,
        ),
        Parameter(
            "activity_threshold",
            (SCENARIO,),
            "1",
            "Relative change of the two-year rolling activity that adjusts allocation "
            "(Art. 10a(20): 15 %).",
            default=0.15,
        ),
        Parameter(
            "activity_step",
            (SCENARIO,),
            "1",
            "Rounding step of the adjustment (0: the same percentage; assumption).",
            default=0.0,
        ),
    )

    def __init__(self, ctx: Context) -> None:
        super().__init__(ctx)
        inp = ctx.inputs
        plants = inp.plants
        years = np.asarray(inp.coords.years)
        cbam_good_r = inp.products.cbam[inp.routes.product]  # (R,)
        self.cbam_good_p = inp.products.cbam[plants.product]
        self.cl = self.param("carbon_leakage") > 0.5  # (S, P)
        # factor per route and year for plants at risk of carbon leakage and the others
        self.share_cl, self.share_non = allocation_shares(self.p, years)  # (S, Y) each
        self.factor_cl, self.factor_non = year_factors(
            self.p, (self.share_cl, self.share_non), cbam_good_r
        )
        self.basis = AllocationBasis.shared(ctx)
        S = self.cl.shape[0]
        self.level = np.broadcast_to(plants.base_production[None, :], (S, len(plants.product)))
        self.level = self.level.copy()
        self.history = np.stack([self.level, self.level])  # production of t-1, t-2

    def paths(self) -> dict[str, FloatArray]:
        ctx = self.ctx
        eua = ctx.ext(ctx.inputs.markets.eua)[:, None, :]
        bm = ctx.ext(np.nan_to_num(self.param("route_benchmark")))
        out = {"emissions": ets_cost(ctx.route.mix.emitted, 0.0, eua)}
        for key, factor in (("cl", self.factor_cl), ("non_cl", self.factor_non)):
            f = ctx.ext(factor)
            out[f"benchmark_{key}"] = ets_cost(0.0, f * bm, eua)
            out[f"own_{key}"] = ets_cost(0.0, f, eua)
        return out

    def unit_cost(self, x: Mapping[str, FloatArray], opt: OptionView) -> FloatArray:
        cl = np.asarray(opt.plant(self.cl), dtype=bool)
        bm = choose_term(x, ("benchmark_non_cl", "benchmark_cl"), cl)
        own = choose_term(x, ("own_non_cl", "own_cl"), cl)
        uses = self.basis.uses_benchmark(opt.route, opt.t, opt.plants)
        # a switch decided this year runs from next year at the earliest: that year's heat
        # rule (in 2025 an e-boiler is valued with the 2026 rule it will run under)
        part = self.basis.own_part(
            opt.route, opt.t, opt.plants, heat=self.basis.heat_rule(opt.t, ahead=True)
        )
        return np.asarray(
            x["emissions"] * opt.calib + np.where(uses, bm, 0.0) + own * part, dtype=np.float64
        )

    def allocation(self, st: YearState) -> FloatArray:
        """The year's free allocation of every plant ``(S, P)`` [t/yr], moving the activity
        levels on (call once per year, in order)."""
        i = st.i
        started = np.asarray(st.started, dtype=bool)
        self.level = np.where(started & (st.production > 0), st.production, self.level)
        self.history = np.where(started[None], st.production[None], self.history)
        ratio = activity_level_ratio(
            self.history.mean(axis=0),
            self.level,
            self.param("activity_threshold")[:, None],
            self.param("activity_step")[:, None],
        )
        self.history = np.stack([st.production, self.history[0]])
        non_cl = np.where(self.cl, self.share_cl[:, i][:, None], self.share_non[:, i][:, None])
        cbam = self.param("cbam_factor")[:, i][:, None] * self.share_cl[:, i][:, None]
        return free_allocation(
            self.basis.of(st.route, i) * self.level,
            ratio,
            cbam,
            self.cbam_good_p[None, :],
            non_cl_factor=non_cl,
            cscf=self.param("cscf")[:, i][:, None],
            conditionality=self.param("conditionality")[:, i][:, None],
        )

    def account(self, st: YearState) -> Booking:
        eua = self.ctx.inputs.markets.eua[:, st.i][:, None]
        allocation = self.allocation(st)
        return Booking(
            plant={
                "carbon_cost": ets_cost(st.emissions, allocation, eua),
                "free_allocation": allocation,
            }
        )
