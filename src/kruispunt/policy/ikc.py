"""Indirect cost compensation (IKC): ETS costs passed on in the electricity price.

The aid per installation and year t is (Guidelines on certain State aid measures in the
context of the system for greenhouse gas emission allowance trading post-2021, 2020/C 317/04,
section 3.1 and Annex II, as amended by C/2026/196):

    aid = Ai x C x P(t-1) x E x BO        (product benchmark)
    aid = Ai x C x P(t-1) x EF x BEC      (fall-back, EF = 0.8)

with Ai the aid intensity (75 % to 2025; 80 % from 2026 for sectors already eligible),
C the CO2 emission factor of electricity (NL: 0.45 tCO2/MWh, Regeling nationale EZK- en
LNV-subsidies, titel 4.4, art. 4.4.1, Stcrt 2022, 23127), P(t-1) the forward EUA price for
year t quoted in the year before, E the electricity-consumption efficiency benchmark of the
product [MWh/t], BO the baseline output and BEC the baseline electricity consumption. The
baseline is the installation's, not this year's: electrifying does not raise the claim.
Only sectors on the guidelines' list (Annex I) are eligible; the Dutch scheme excludes the
production of energy carriers from more than 50 % fossil feedstock (refineries, hydrogen by
steam reforming). When the claims exceed the year's budget every claim is cut by the same
percentage (RVO: "met een gelijk percentage gekort"). A round compensates the costs of the
year before it (the costs of 2021 were claimed in the first round, September 2022): each
budget is the year of the costs it pays for, and the aid is booked in that year (RVO pays it
the year after).

The model applies the baseline while the plant produces, in proportion to its output up to
the baseline (nothing when it is closed or imports its product), and takes P(t-1) from the
EUA path (the first model year uses its own price).
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
from kruispunt.vocabulary import SCENARIO

__all__ = [
    "IndirectCostCompensation",
    "eligible_electricity",
    "expected_paid_share",
    "indirect_cost_compensation",
    "previous_year_price",
]

FloatArray = NDArray[np.float64]


def eligible_electricity(
    baseline_consumption_mwh: ArrayLike,
    fallback_factor: ArrayLike = 0.8,
    benchmark_mwh_per_unit: ArrayLike = np.nan,
    baseline_output: ArrayLike = np.nan,
) -> FloatArray:
    """Electricity the aid is computed on (2020/C 317/04, section 3.1 and Annex II).

    Where a product benchmark is given (not NaN), ``benchmark_mwh_per_unit *
    baseline_output``; otherwise the fall-back ``fallback_factor * baseline_consumption_mwh``.
    Both rest on the installation's baseline, not on this year's use.

    Parameters
    ----------
    baseline_consumption_mwh : array_like
        Baseline electricity consumption, non-negative. [MWh/yr]
    fallback_factor : array_like
        Fall-back electricity-consumption efficiency benchmark, in [0, 1] (0.8). [-]
    benchmark_mwh_per_unit : array_like, optional
        Electricity-consumption efficiency benchmark of the product (NaN: none). [MWh/product]
    baseline_output : array_like, optional
        Baseline output, used with the benchmark. [product/yr]

    Returns
    -------
    numpy.ndarray
        Eligible electricity. [MWh/yr]

    Raises
    ------
    ValueError
        If a consumption or output is negative, or the factor is outside [0, 1].

    Examples
    --------
    >>> float(eligible_electricity(100_000.0))  # fall-back: 0.8 x 100,000 MWh
    80000.0
    >>> float(eligible_electricity(100_000.0, 0.8, 0.5, 100_000.0))  # 0.5 MWh/t x 100,000 t
    50000.0
    """
    consumption = _nonnegative("baseline_consumption_mwh", baseline_consumption_mwh)
    factor = np.asarray(fallback_factor, dtype=np.float64)
    if not np.all((factor >= 0.0) & (factor <= 1.0)):
        raise ValueError("fallback_factor must be in [0, 1] and not NaN")
    benchmark = np.asarray(benchmark_mwh_per_unit, dtype=np.float64)
    output = np.asarray(baseline_output, dtype=np.float64)
    with_benchmark = np.isfinite(benchmark)
    if np.any(with_benchmark & ~(np.nan_to_num(output, nan=-1.0) >= 0.0)):
        raise ValueError("a benchmark needs a non-negative baseline_output")
    if np.any(np.nan_to_num(benchmark, nan=0.0) < 0.0):
        raise ValueError("benchmark_mwh_per_unit must be non-negative")
    by_benchmark = np.nan_to_num(benchmark) * np.nan_to_num(output)
    return np.asarray(np.where(with_benchmark, by_benchmark, factor * consumption), np.float64)


def previous_year_price(eua: ArrayLike) -> FloatArray:
    """The EUA price of the year before along the last (year) axis; the first year keeps its
    own price (the model has no earlier year).

    The guidelines price year t's aid at the forward price for year t quoted in year t-1; the
    model reads it from its EUA path.

    Examples
    --------
    >>> previous_year_price([70.0, 80.0, 90.0])
    array([70., 70., 80.])
    """
    price = np.asarray(eua, dtype=np.float64)
    out = np.empty_like(price)
    out[..., 1:] = price[..., :-1]
    out[..., :1] = price[..., :1]
    return out


def indirect_cost_compensation(
    electricity_mwh: ArrayLike,
    eua_price: ArrayLike,
    co2_factor_t_per_mwh: ArrayLike,
    aid_intensity: ArrayLike,
    eligible: ArrayLike,
    budget_eur: ArrayLike | None = None,
) -> FloatArray:
    """IKC paid to each installation, cut pro rata when claims exceed the budget.

    Claim: ``eligible * aid_intensity * co2_factor_t_per_mwh * eua_price *
    electricity_mwh`` (2020/C 317/04, Annex II). If ``budget_eur`` is given, the last axis
    lists the installations of one budget pool and the leading axes (scenario first) are
    independent pools: where a pool's claims exceed its budget every claim in it is
    multiplied by ``budget / total claims`` (one equal percentage, RVO), so the pool pays
    exactly its budget (up to rounding); otherwise claims are paid in full.

    Parameters
    ----------
    electricity_mwh : array_like
        Eligible electricity (:func:`eligible_electricity`: benchmark x baseline output, or
        0.8 x baseline consumption), non-negative. [MWh/yr]
    eua_price : array_like
        EUA price the scheme uses (the forward price of the year before), non-negative.
        [EUR/t]
    co2_factor_t_per_mwh : array_like
        CO2 emission factor of the electricity, non-negative. [t/MWh]
    aid_intensity : array_like
        Share of the indirect cost compensated, in [0, 1]. [-]
    eligible : array_like of bool
        Installation in an eligible sector that meets the conditions.
    budget_eur : array_like, optional
        Budget per pool, non-negative, broadcasting against the leading axes of the claims.
        Default: no budget ceiling. [EUR/yr]

    Returns
    -------
    numpy.ndarray
        Compensation per installation. [EUR/yr]

    Raises
    ------
    ValueError
        If an input is negative or NaN, ``aid_intensity`` is above 1, or a budget is given
        for claims without an installation axis.

    Examples
    --------
    >>> # 0.75 * 0.5 * 80 * 1e5 = 3e6 each; the second is not eligible
    >>> indirect_cost_compensation([1e5, 1e5], 80.0, 0.5, 0.75, [True, False])
    array([3000000.,       0.])

    Two scenarios: claims of 6e6 against budgets of 3e6 (halved) and 1e7 (paid):

    >>> indirect_cost_compensation([1e5, 1e5], 80.0, 0.5, 0.75, True, budget_eur=[3e6, 1e7])
    array([[1500000., 1500000.],
           [3000000., 3000000.]])
    """
    mwh = _nonnegative("electricity_mwh", electricity_mwh)
    price = _nonnegative("eua_price", eua_price)
    factor = _nonnegative("co2_factor_t_per_mwh", co2_factor_t_per_mwh)
    intensity = np.asarray(aid_intensity, dtype=np.float64)
    if not np.all((intensity >= 0.0) & (intensity <= 1.0)):
        raise ValueError("aid_intensity must be in [0, 1] and not NaN")
    claims = np.where(np.asarray(eligible, dtype=np.bool_), intensity * factor * price * mwh, 0.0)
    if budget_eur is None:
        return np.asarray(claims, dtype=np.float64)
    budget = _nonnegative("budget_eur", budget_eur)
    if claims.ndim == 0:
        raise ValueError("with a budget, the inputs need a last axis listing the installations")
    total = np.sum(claims, axis=-1, keepdims=True)
    cap = budget[..., np.newaxis]
    # Cut only pools whose claims exceed their budget (``total > cap`` implies total > 0):
    # each claim's share of the total, times the budget.
    over = total > cap
    # (an unlimited budget is never 'over'; it is replaced before use so no inf * 0 arises)
    cut = claims / np.where(over, total, 1.0) * np.where(over, cap, 0.0)
    return np.asarray(np.where(over, cut, claims), dtype=np.float64)


def expected_paid_share(claims_eur: ArrayLike, budget_eur: ArrayLike) -> FloatArray:
    """Share of the claims a budget pays: ``min(1, budget / claims)``; 1 without claims, 0
    without a budget.

    Examples
    --------
    >>> expected_paid_share([2e8, 1e8, 0.0, 5e7], [1e8, 2e8, 1e8, 0.0])
    array([0.5, 1. , 1. , 0. ])
    """
    claims = _nonnegative("claims_eur", claims_eur)
    budget = _nonnegative("budget_eur", budget_eur)
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(claims > 0, np.minimum(1.0, budget / claims), 1.0)
    return np.asarray(np.where(budget > 0, share, 0.0), dtype=np.float64)


class IndirectCostCompensation(Instrument):
    """Indirect cost compensation (IKC) for plants of eligible sectors.

    Each eligible plant claims on its baseline eligible electricity (``baseline_mwh``), at the
    aid intensity of its sector's group (on the 2021 list, or added in 2026), the CO2 factor
    and the EUA price of the year before (:func:`indirect_cost_compensation`). Plants expect
    their claim times the share of all eligible plants' baseline claims that the year's
    budget covers (:func:`expected_paid_share`), on every route that keeps production at
    home (the claim does not depend on the route: electrifying does not raise it; importing
    or closing loses it). The yearly accounting pays the claims in proportion to output up to
    the baseline, cut pro rata to the budget. Plant revenue is calibrated without it
    (:attr:`calibrated`): the scheme has yearly budgets and ends with the guidelines' period.
    """

    name = "ikc"
    calibrated = False
    parameters = (
        Parameter(
            "aid_intensity",
            (SCENARIO, "year"),
            "1",
            "Share compensated for sectors on the 2021 list (0: off).",
            0.0,
        ),
        Parameter(
            "aid_intensity_new",
            (SCENARIO, "year"),
            "1",
            "Share compensated for sectors added in 2026 (0: off).",
            0.0,
        ),
        Parameter("co2_factor", (SCENARIO, "year"), "tCO2/MWh", "CO2 intensity of power.", 0.0),
        Parameter("budget", (SCENARIO, "year"), "EUR", "Yearly budget (inf: no cap).", np.inf),
        Parameter("eligible", (SCENARIO, "plant"), "1", "Plant in a sector of the 2021 list.", 0.0),
        Parameter(
            "eligible_new", (SCENARIO, "plant"), "1", "Plant in a sector added in 2026.", 0.0
        ),
        Parameter(
            "baseline_mwh",
            (SCENARIO, "plant"),
            "MWh/yr",
            "Eligible electricity: benchmark x baseline output, or 0.8 x baseline consumption.",
            0.0,
        ),
    )
    flows = (Flow("ikc_outlay", -1, "Indirect cost compensation paid."),)

    def __init__(self, ctx: Context) -> None:
        super().__init__(ctx)
        inp = ctx.inputs
        self.eligible = np.asarray(self.param("eligible") > 0, dtype=bool)  # (S, P)
        self.eligible_new = np.asarray(self.param("eligible_new") > 0, dtype=bool) & ~self.eligible
        self.mwh = self.param("baseline_mwh")  # (S, P)
        self.price = previous_year_price(inp.markets.eua)  # (S, Y)
        factor = self.param("co2_factor")
        aid, aid_new = self.param("aid_intensity"), self.param("aid_intensity_new")
        claims = indirect_cost_compensation(
            np.einsum("sp,sp->s", self.mwh, self.eligible.astype(float))[:, None],
            self.price,
            factor,
            aid,
            True,
        ) + indirect_cost_compensation(
            np.einsum("sp,sp->s", self.mwh, self.eligible_new.astype(float))[:, None],
            self.price,
            factor,
            aid_new,
            True,
        )
        share = expected_paid_share(claims, self.param("budget"))
        self.rate = indirect_cost_compensation(1.0, self.price, factor, aid, True) * share
        """Expected aid per MWh of eligible electricity, 2021-list sectors ``(S, Y)`` [EUR]."""
        self.rate_new = indirect_cost_compensation(1.0, self.price, factor, aid_new, True) * share
        """The same for the sectors added in 2026 ``(S, Y)`` [EUR/MWh]."""
        base = inp.plants.base_production
        with np.errstate(divide="ignore", invalid="ignore"):
            self.per_unit = np.where(base > 0, self.mwh / np.where(base > 0, base, 1.0), 0.0)
        """Eligible electricity per unit of base-year production ``(S, P)`` [MWh/product]."""

    def paths(self) -> dict[str, FloatArray]:
        ctx = self.ctx
        home = ctx.inputs.routes.domestic.astype(float)[None, :, None]  # (1, R, 1)
        return {
            "existing": ctx.ext(self.rate)[:, None, :] * home,
            "new": ctx.ext(self.rate_new)[:, None, :] * home,
        }

    def unit_cost(self, x: Mapping[str, FloatArray], opt: OptionView) -> FloatArray | float:
        if term_is_zero(x, "existing") and term_is_zero(x, "new"):
            return 0.0  # no aid expected over the options' windows (after the budgets end)
        existing = np.asarray(opt.plant(self.eligible * self.per_unit), dtype=np.float64)
        new = np.asarray(opt.plant(self.eligible_new * self.per_unit), dtype=np.float64)
        return np.asarray(-(x["existing"] * existing + x["new"] * new), dtype=np.float64)

    def account(self, st: YearState) -> Booking:
        i = st.i
        aid = self.param("aid_intensity")[:, i][:, None]
        aid_new = self.param("aid_intensity_new")[:, i][:, None]
        if not (((aid > 0) | (aid_new > 0)) & (self.param("budget")[:, i][:, None] > 0)).any():
            return Booking()
        base = self.ctx.inputs.plants.base_production[None, :]
        with np.errstate(divide="ignore", invalid="ignore"):
            output = np.where(
                base > 0, np.clip(st.production / np.where(base > 0, base, 1.0), 0, 1), 0
            )
        intensity = np.where(self.eligible, aid, np.where(self.eligible_new, aid_new, 0.0))
        paid = indirect_cost_compensation(
            self.mwh * output,
            self.price[:, i][:, None],
            self.param("co2_factor")[:, i][:, None],
            intensity,
            self.eligible | self.eligible_new,
            budget_eur=self.param("budget")[:, i],
        )
        return Booking(plant={"subsidies": paid}, gov={"ikc_outlay": -paid})
