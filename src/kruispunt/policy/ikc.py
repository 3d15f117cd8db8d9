"""Indirect cost compensation (IKC): ETS costs passed on in the electricity price.

Eligible installations are compensated for part of the carbon cost embedded in
their electricity price: aid intensity x CO2 emission factor of the power mix x
EUA price x eligible electricity consumption. The Dutch scheme has a yearly
budget; when the claims exceed it, every claim is cut by the same share.

References
----------
Guidelines on certain State aid measures in the context of the system for
greenhouse gas emission allowance trading post-2021 (2020/C 317/04); the Dutch
IKC regulation (Staatscourant). Aid intensity, CO2 factor and budget come from
the data package.
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
from kruispunt.vocabulary import GJ_PER_MWH, SCENARIO

__all__ = ["IndirectCostCompensation", "expected_paid_share", "indirect_cost_compensation"]

FloatArray = NDArray[np.float64]


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
    electricity_mwh``. If ``budget_eur`` is given, the last axis lists the
    installations of one budget pool and the leading axes (scenario first) are
    independent pools: where a pool's claims exceed its budget every claim in it
    is multiplied by ``budget / total claims``, so the pool pays exactly its
    budget (up to rounding); otherwise claims are paid in full.

    The guidelines base the claim on benchmark electricity use (product
    benchmark x output) and on the EUA forward price of the year before; the
    caller passes those as ``electricity_mwh`` and ``eua_price``.

    Parameters
    ----------
    electricity_mwh : array_like
        Eligible electricity consumption, non-negative. [MWh/yr]
    eua_price : array_like
        EUA price used by the scheme, non-negative. [EUR/t]
    co2_factor_t_per_mwh : array_like
        CO2 emission factor of the electricity, non-negative. [t/MWh]
    aid_intensity : array_like
        Share of the indirect cost compensated, in [0, 1]. [-]
    eligible : array_like of bool
        Installation in an eligible sector that meets the conditions.
    budget_eur : array_like, optional
        Budget per pool, non-negative, broadcasting against the leading axes of
        the claims. Default: no budget ceiling. [EUR/yr]

    Returns
    -------
    numpy.ndarray
        Compensation per installation. [EUR/yr]

    Raises
    ------
    ValueError
        If an input is negative or NaN, ``aid_intensity`` is above 1, or a
        budget is given for claims without an installation axis.

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
    """Indirect cost compensation (IKC) for electricity-intensive plants.

    Plants expect the compensation the budgets pay: their claim at the aid rate times the
    share of the base-year claims of all eligible plants that the year's budget covers
    (:func:`expected_paid_share`). The yearly accounting cuts the actual claims pro rata to
    the budget (:func:`indirect_cost_compensation`).
    """

    name = "ikc"
    parameters = (
        Parameter("aid_intensity", (SCENARIO, "year"), "1", "Share compensated (0: off).", 0.0),
        Parameter("co2_factor", (SCENARIO, "year"), "tCO2/MWh", "CO2 intensity of power.", 0.0),
        Parameter("budget", (SCENARIO, "year"), "EUR", "Yearly budget (inf: no cap).", np.inf),
        Parameter("eligible", (SCENARIO, "plant"), "1", "Plant in an eligible sector.", 0.0),
    )
    flows = (Flow("ikc_outlay", -1, "Indirect cost compensation paid."),)

    def __init__(self, ctx: Context) -> None:
        super().__init__(ctx)
        inp = ctx.inputs
        self.eligible = np.asarray(self.p["eligible"], dtype=bool)  # (S, P)
        eua = inp.markets.eua
        aid, factor = self.param("aid_intensity"), self.param("co2_factor")
        elec = inp.routes.inputs[:, inp.carriers.is_electricity, :].sum(axis=1)  # (R, Y)
        base_mwh = elec[inp.plants.incumbent] / GJ_PER_MWH * inp.plants.base_production[:, None]
        eligible_mwh = np.einsum("py,sp->sy", base_mwh, self.eligible.astype(float))
        claims = indirect_cost_compensation(eligible_mwh, eua, factor, aid, True)
        self.rate = aid * factor * eua * expected_paid_share(claims, self.param("budget"))

    def paths(self) -> dict[str, FloatArray]:
        ctx = self.ctx
        mwh = ctx.route.electricity / GJ_PER_MWH  # (R, Ye)
        return {"compensation": ctx.ext(self.rate)[:, None, :] * mwh[None]}

    def unit_cost(self, x: Mapping[str, FloatArray], opt: OptionView) -> FloatArray:
        eligible = np.asarray(opt.plant(self.eligible), dtype=np.float64)
        return np.asarray(-x["compensation"] * eligible, dtype=np.float64)

    def account(self, st: YearState) -> Booking:
        inp = self.ctx.inputs
        i = st.i
        if not ((self.param("aid_intensity")[:, i] > 0) & (self.param("budget")[:, i] > 0)).any():
            return Booking()
        elec = st.use[..., inp.carriers.is_electricity].sum(axis=-1) / GJ_PER_MWH
        paid = indirect_cost_compensation(
            elec,
            inp.markets.eua[:, i][:, None],
            self.param("co2_factor")[:, i][:, None],
            self.param("aid_intensity")[:, i][:, None],
            self.eligible,
            budget_eur=self.param("budget")[:, i],
        )
        return Booking(plant={"subsidies": paid}, gov={"ikc_outlay": -paid})
