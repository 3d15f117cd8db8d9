"""EU ETS: benchmark-based free allocation and the net cost of allowances.

Free allocation starts from the benchmark allocation of an installation (product
benchmark x historical activity level, after any correction factor), scales with
the current activity and is multiplied by a phase-out factor: the CBAM factor for
CBAM goods (falling from 2026 to zero in 2034), and for other goods the
carbon-leakage factor (1 for sectors on the carbon-leakage list, falling to zero
by 2030 for the others). All factors come from the data package.

References
----------
Directive 2003/87/EC, Art. 10a (as amended by Directive (EU) 2023/959);
Commission Delegated Regulation (EU) 2019/331 (free allocation rules).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
from numpy.typing import ArrayLike, NDArray

from kruispunt.policy._validate import fraction as _fraction
from kruispunt.policy._validate import nonnegative as _nonnegative
from kruispunt.policy.base import Booking, Context, Instrument, OptionView, Parameter, YearState
from kruispunt.vocabulary import SCENARIO

__all__ = ["AllocationBasis", "EuEts", "ets_cost", "free_allocation"]

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]


def free_allocation(
    benchmark_allocation_t: ArrayLike,
    activity_ratio: ArrayLike,
    cbam_factor: ArrayLike,
    is_cbam_good: ArrayLike,
    non_cl_factor: ArrayLike | None = None,
) -> FloatArray:
    """Free allowances of an installation in one year.

    ``benchmark_allocation_t * activity_ratio * factor`` with ``factor =
    cbam_factor`` for CBAM goods and ``non_cl_factor`` (default 1) otherwise.

    The allocation is linear in ``activity_ratio``: any threshold rule for
    activity-level changes (the allocation is only adjusted when activity moves
    by more than a set share) is applied by the caller when it computes the ratio.

    Parameters
    ----------
    benchmark_allocation_t : array_like
        Preliminary allocation at historical activity: benchmark x historical
        activity level, after correction factors. Non-negative. [t/yr]
    activity_ratio : array_like
        Current over historical activity level, non-negative. [-]
    cbam_factor : array_like
        Share of free allocation kept by CBAM goods in the year, in [0, 1]. [-]
    is_cbam_good : array_like of bool
        Whether the installation's product is covered by CBAM.
    non_cl_factor : array_like, optional
        Factor applied to goods not covered by CBAM, in [0, 1]: 1 for sectors on
        the carbon-leakage list, the phase-out value for the others (so it is
        usually an array over plants). Default: 1 for all (every non-CBAM good
        keeps full allocation). [-]

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
    >>> float(free_allocation(1.0e6, 0.9, 0.5, True))
    450000.0
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
    factor = np.where(np.asarray(is_cbam_good, dtype=np.bool_), cbam, other)
    return np.asarray(allocation * ratio * factor, dtype=np.float64)


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
        Free allowances, non-negative. [t/yr]
    eua_price : array_like
        Allowance price, non-negative. [EUR/t]
    sell_surplus : bool, default True
        Whether a surplus of free allowances counts as revenue.

    Returns
    -------
    numpy.ndarray
        Net allowance cost; negative is revenue. [EUR/yr]

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


def base_allocation_per_unit(allocation: FloatArray, production: FloatArray) -> FloatArray:
    """Base-year free allocation per unit of base-year production [tCO2/product] (0 where
    nothing was produced)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.asarray(np.where(production > 0, allocation / production, 0.0), dtype=np.float64)


def plant_options(ctx: Context) -> IntArray:
    """Route of every option of every plant ``(P, K)`` (padding: today's route)."""
    plants = ctx.inputs.plants
    return np.where(plants.options >= 0, plants.options, plants.incumbent[:, None])


class AllocationBasis:
    """Base-year free allocation per unit of product of a plant on a route, before the year's
    phase-out factor [tCO2/product].

    Products keep their base-year allocation per unit (product benchmarks do not depend on
    the route). Heat plants' allocation follows their fossil emissions (heat and fuel
    benchmarks reward the heat, but a switch away from fossil fuel gives it up in the model):
    the ratio of the route's emissions per unit to today's route's, within [0, 1]. The
    options' values are computed once per batch.
    """

    def __init__(self, ctx: Context, options: IntArray) -> None:
        inp = ctx.inputs
        plants = inp.plants
        self.emitted = ctx.route.emitted  # (R, Ye)
        self.incumbent = plants.incumbent
        self.per_unit = base_allocation_per_unit(
            plants.base_free_allocation, plants.base_production
        )
        self.heat = inp.products.heat[plants.product]
        Y = len(inp.coords.years)
        self._options = np.stack(
            [self._scale(options, t, per_option=True) for t in range(Y)]
        )  # (Y, P, K)

    def _scale(self, route: IntArray, t: int, per_option: bool) -> FloatArray:
        em = self.emitted[:, t]
        em_inc, heat, fa = em[self.incumbent], self.heat, self.per_unit
        if per_option:
            em_inc, heat, fa = em_inc[:, None], heat[:, None], fa[:, None]
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = np.where(em_inc > 0, em[route] / em_inc, 0.0)
        return np.asarray(fa * np.where(heat, np.clip(ratio, 0.0, 1.0), 1.0), dtype=np.float64)

    def of(self, route: IntArray, t: int) -> FloatArray:
        """Allocation per unit for ``route``: the batch's options ``(1, P, K)`` or the
        routes plants run ``(S, P)``."""
        if route.ndim == 3:
            return np.asarray(self._options[t][None], dtype=np.float64)
        return self._scale(route, t, per_option=False)


class EuEts(Instrument):
    """EU ETS: allowances for direct emissions, net of free allocation.

    Valuation: the expected cost per unit is the EUA-weighted expected emissions minus the
    EUA-weighted expected free allocation (both through :func:`ets_cost`), with each plant's
    own emission calibration and allocation per unit. Accounting: :func:`free_allocation`
    and :func:`ets_cost` on the year's emissions and activity. A surplus of free allowances
    is sold (negative cost).
    """

    name = "ets"
    parameters = (
        Parameter(
            "cbam_factor",
            (SCENARIO, "year"),
            "1",
            "Share of free allocation CBAM goods keep (CBAM phase-out, Regulation (EU) "
            "2023/956 Art. 31); 1 for every year when the scenario switches CBAM off.",
            default=1.0,
        ),
    )

    def __init__(self, ctx: Context) -> None:
        super().__init__(ctx)
        inp = ctx.inputs
        factor = self.param("cbam_factor")  # (S, Y)
        cbam_good = inp.products.cbam[inp.routes.product]  # (R,)
        self.factor_y = np.where(cbam_good[None, :, None], factor[:, None, :], 1.0)  # (S, R, Y)
        self.cbam_good_p = inp.products.cbam[inp.plants.product]
        self.basis = AllocationBasis(ctx, plant_options(ctx))

    def paths(self) -> dict[str, FloatArray]:
        ctx = self.ctx
        eua = ctx.ext(ctx.inputs.markets.eua)[:, None, :]
        return {
            "emissions": ets_cost(ctx.route.emitted[None], 0.0, eua),
            "allocation": ets_cost(0.0, ctx.ext(self.factor_y), eua),
        }

    def unit_cost(self, x: Mapping[str, FloatArray], opt: OptionView) -> FloatArray:
        fa = self.basis.of(opt.route, opt.t)
        return np.asarray(x["emissions"] * opt.calib + x["allocation"] * fa, dtype=np.float64)

    def account(self, st: YearState) -> Booking:
        eua = self.ctx.inputs.markets.eua[:, st.i][:, None]
        allocation = free_allocation(
            self.basis.of(st.route, st.i) * st.activity,
            1.0,
            self.param("cbam_factor")[:, st.i][:, None],
            self.cbam_good_p[None, :],
        )
        return Booking(
            plant={
                "carbon_cost": ets_cost(st.emissions, allocation, eua),
                "free_allocation": allocation,
            }
        )
