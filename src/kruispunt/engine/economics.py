"""Pure, vectorised economics: discounting, annuities, levelised cost, book value.

Every function takes array-likes, broadcasts them with NumPy rules and returns
``float64`` arrays (0-d for scalar input). Nothing here reads files, loops over
elements or knows about labels; the engine calls these functions on arrays shaped
``(scenario, plant, route)`` or ``(scenario, plant)`` once per year.

Conventions
-----------
- Rates are fractions per year (``0.08`` is 8 %/yr) and must be greater than -1.
- Cash flows fall at the *end* of each year: the first element of a cash-flow
  series is discounted by one full year. Money spent at the decision moment
  (capex at ``t = 0``) is not discounted and is added by the caller.
- Lifetimes are in years and must be positive; they need not be integers (the
  closed-form annuity formulas are used).
- Invalid input (NaN, rate <= -1, lifetime <= 0, negative age or utilisation
  outside (0, 1]) raises :class:`ValueError`; nothing is silently clipped.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np
from numpy.typing import ArrayLike, NDArray

from kruispunt.policy._validate import nonnegative as _nonnegative

__all__ = [
    "CostBreakdown",
    "annuity_factor",
    "discount_factors",
    "levelised_cost",
    "npv",
    "present_value_of_annuity",
    "remaining_book_value",
]

FloatArray = NDArray[np.float64]


def _rate(rate: ArrayLike) -> FloatArray:
    arr = np.asarray(rate, dtype=np.float64)
    if not np.all(arr > -1.0):
        raise ValueError("rate must be greater than -1 [1/yr] and not NaN")
    return arr


def _positive(name: str, value: ArrayLike) -> FloatArray:
    arr = np.asarray(value, dtype=np.float64)
    if not np.all(arr > 0.0):
        raise ValueError(f"{name} must be positive and not NaN")
    return arr


def _finite(name: str, value: ArrayLike) -> FloatArray:
    arr = np.asarray(value, dtype=np.float64)
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must be finite (no NaN or inf)")
    return arr


def _annuity_terms(
    rate: FloatArray, lifetime: FloatArray
) -> tuple[FloatArray, FloatArray, NDArray[np.bool_]]:
    """Return ``(1 - (1 + r)^-n, r, at_limit)`` safe to divide by each other.

    ``expm1``/``log1p`` keep the difference accurate for small rates. Where the rate is
    zero, or so small that the difference underflows to zero, ``at_limit`` is True and
    both terms are set to 1 so that the caller can use the ``r -> 0`` limit instead.
    """
    one_minus_discount = -np.expm1(-lifetime * np.log1p(rate))
    at_limit = (rate == 0.0) | (one_minus_discount == 0.0)
    return (
        np.where(at_limit, 1.0, one_minus_discount),
        np.where(at_limit, 1.0, rate),
        np.asarray(at_limit, dtype=np.bool_),
    )


def annuity_factor(rate: ArrayLike, lifetime: ArrayLike) -> FloatArray:
    """Capital recovery factor: the constant yearly payment that repays 1 unit.

    ``CRF = r / (1 - (1 + r)^-n)``, and ``1 / n`` when ``r = 0``.

    Parameters
    ----------
    rate : array_like
        Discount rate (cost of capital). [1/yr]
    lifetime : array_like
        Economic lifetime, positive. [yr]

    Returns
    -------
    numpy.ndarray
        Annuity factor, broadcast shape of the inputs. [1/yr]

    Raises
    ------
    ValueError
        If ``rate <= -1``, ``lifetime <= 0`` or any input is NaN.

    Examples
    --------
    >>> round(float(annuity_factor(0.08, 20)), 5)
    0.10185
    >>> annuity_factor([0.0, 0.1], 10)
    array([0.1       , 0.16274539])
    """
    r = _rate(rate)
    n = _positive("lifetime", lifetime)
    one_minus_discount, safe_rate, at_limit = _annuity_terms(r, n)
    return np.asarray(np.where(at_limit, 1.0 / n, safe_rate / one_minus_discount), dtype=np.float64)


def present_value_of_annuity(rate: ArrayLike, lifetime: ArrayLike) -> FloatArray:
    """Present value of 1 unit paid at the end of each year for ``lifetime`` years.

    ``PVA = (1 - (1 + r)^-n) / r``, and ``n`` when ``r = 0``; the reciprocal of
    :func:`annuity_factor`.

    Parameters
    ----------
    rate : array_like
        Discount rate. [1/yr]
    lifetime : array_like
        Number of yearly payments, positive. [yr]

    Returns
    -------
    numpy.ndarray
        Present value per unit of yearly payment. [yr]

    Examples
    --------
    >>> round(float(present_value_of_annuity(0.1, 3)), 4)
    2.4869
    >>> float(present_value_of_annuity(0.0, 25))
    25.0
    """
    r = _rate(rate)
    n = _positive("lifetime", lifetime)
    one_minus_discount, safe_rate, at_limit = _annuity_terms(r, n)
    return np.asarray(np.where(at_limit, n, one_minus_discount / safe_rate), dtype=np.float64)


def discount_factors(rate: ArrayLike, n_years: int) -> FloatArray:
    """Discount factors ``(1 + r)^-t`` for ``t = 1 .. n_years`` (end-of-year convention).

    Parameters
    ----------
    rate : array_like
        Discount rate, any shape ``S``. [1/yr]
    n_years : int
        Number of years, non-negative.

    Returns
    -------
    numpy.ndarray
        Shape ``S + (n_years,)``; element ``[..., t - 1]`` discounts a cash flow at
        the end of year ``t``. [-]

    Examples
    --------
    >>> discount_factors(0.1, 3).round(4)
    array([0.9091, 0.8264, 0.7513])
    >>> discount_factors([0.0, 1.0], 2)
    array([[1.  , 1.  ],
           [0.5 , 0.25]])
    """
    if isinstance(n_years, bool) or not isinstance(n_years, (int, np.integer)):
        raise TypeError("n_years must be an integer")
    if n_years < 0:
        raise ValueError("n_years must be non-negative")
    r = _rate(rate)
    years = np.arange(1, int(n_years) + 1, dtype=np.float64)
    return np.asarray(np.exp(-years * np.log1p(r)[..., np.newaxis]), dtype=np.float64)


def npv(cash_flows: ArrayLike, rate: ArrayLike, axis: int = -1) -> FloatArray:
    """Net present value of yearly cash flows along ``axis`` (end-of-year convention).

    ``NPV = sum_t CF_t / (1 + r)^t`` for ``t = 1 .. n``; the first element along
    ``axis`` is discounted by one year. Add undiscounted flows at ``t = 0`` (e.g.
    capex at the decision moment) outside this function.

    Parameters
    ----------
    cash_flows : array_like
        Cash flows, with years along ``axis``. [EUR]
    rate : array_like
        Discount rate; must broadcast against ``cash_flows`` with ``axis``
        removed (for ``cash_flows`` of shape ``(scenario, plant, year)`` pass a
        scalar, ``(scenario, 1)`` or ``(scenario, plant)``). [1/yr]
    axis : int, default -1
        Axis of ``cash_flows`` that runs over years.

    Returns
    -------
    numpy.ndarray
        Present value, shape of ``cash_flows`` without ``axis`` broadcast with
        ``rate``. [EUR]

    Examples
    --------
    >>> round(float(npv([100.0, 100.0, 100.0], 0.1)), 2)
    248.69
    >>> npv([[110.0, 0.0], [0.0, 121.0]], 0.1)
    array([100., 100.])
    """
    flows = _finite("cash_flows", cash_flows)
    if flows.ndim == 0:
        raise ValueError("cash_flows must have at least one axis (years)")
    flows = np.moveaxis(flows, axis, -1)
    factors = discount_factors(rate, flows.shape[-1])
    return np.asarray(np.sum(flows * factors, axis=-1), dtype=np.float64)


def levelised_cost(
    capex_per_capacity: ArrayLike,
    fixed_opex_per_capacity: ArrayLike,
    variable_cost_per_unit: ArrayLike,
    rate: ArrayLike,
    lifetime: ArrayLike,
    utilisation: ArrayLike,
) -> FloatArray:
    """Levelised cost of product: the constant price that just recovers all costs.

    ``LC = (capex * CRF(rate, lifetime) + fixed_opex) / utilisation + variable``,
    where capacity is expressed in units of product per year, so that a plant of
    capacity ``K`` produces ``K * utilisation`` units per year.

    Parameters
    ----------
    capex_per_capacity : array_like
        Overnight investment per unit of annual capacity. [EUR/(t/yr)]
    fixed_opex_per_capacity : array_like
        Fixed operation and maintenance per unit of annual capacity and year.
        [EUR/(t/yr)/yr]
    variable_cost_per_unit : array_like
        Energy, feedstock, carbon and other variable cost per unit of product
        (net of per-unit subsidies if the caller wants them included). [EUR/t]
    rate : array_like
        Cost of capital. [1/yr]
    lifetime : array_like
        Economic lifetime, positive. [yr]
    utilisation : array_like
        Capacity factor, in (0, 1]. [-]

    Returns
    -------
    numpy.ndarray
        Cost per unit of product (same product unit as the capacity). [EUR/t]

    Raises
    ------
    ValueError
        If capex or fixed opex is negative, utilisation is outside (0, 1], or the
        rate or lifetime is invalid. Variable cost may be negative (a by-product
        credit larger than the cost).

    Examples
    --------
    >>> round(float(levelised_cost(1000.0, 20.0, 300.0, 0.08, 20, 0.8)), 2)
    452.32
    >>> levelised_cost(100.0, 0.0, 0.0, 0.0, [10, 20], 1.0)
    array([10.,  5.])
    """
    capex = _nonnegative("capex_per_capacity", capex_per_capacity)
    fixed = _nonnegative("fixed_opex_per_capacity", fixed_opex_per_capacity)
    variable = _finite("variable_cost_per_unit", variable_cost_per_unit)
    util = np.asarray(utilisation, dtype=np.float64)
    if not np.all((util > 0.0) & (util <= 1.0)):
        raise ValueError("utilisation must be in (0, 1] and not NaN")
    crf = annuity_factor(rate, lifetime)
    return np.asarray((capex * crf + fixed) / util + variable, dtype=np.float64)


def remaining_book_value(capex: ArrayLike, lifetime: ArrayLike, age: ArrayLike) -> FloatArray:
    """Straight-line remaining book value: ``capex * max(1 - age / lifetime, 0)``.

    Used as the stranded-asset write-off when a plant switches route before the
    end of its life.

    Parameters
    ----------
    capex : array_like
        Original investment, non-negative. [EUR]
    lifetime : array_like
        Depreciation period, positive. [yr]
    age : array_like
        Years since commissioning, non-negative; beyond ``lifetime`` the book
        value is zero. [yr]

    Returns
    -------
    numpy.ndarray
        Remaining book value. [EUR]

    Examples
    --------
    >>> float(remaining_book_value(1000.0, 20, 5))
    750.0
    >>> remaining_book_value(1000.0, 20, [0, 20, 30])
    array([1000.,    0.,    0.])
    """
    value = _nonnegative("capex", capex)
    life = _positive("lifetime", lifetime)
    years = _nonnegative("age", age)
    return np.asarray(value * np.clip(1.0 - years / life, 0.0, 1.0), dtype=np.float64)


@dataclass(frozen=True, eq=False, init=False)
class CostBreakdown:
    """Cost terms of one option, as arrays that broadcast together.

    All fields share one unit chosen by the caller, typically [EUR/yr] per
    plant and route or [EUR/t] of product. Costs are positive amounts paid;
    ``subsidies`` and ``revenue`` are positive amounts received. A field may be
    negative where the term is a net inflow (``carbon`` when surplus free
    allowances are sold). Omitted fields are zero; NaN raises :class:`ValueError`.

    The dataclass is frozen (fields cannot be rebound) but the arrays are not
    copied, so they share memory with the caller's arrays.

    Attributes
    ----------
    capex : numpy.ndarray
        Annualised (or levelised) investment. [EUR/yr] or [EUR/t]
    fixed_opex : numpy.ndarray
        Fixed operation and maintenance. [EUR/yr] or [EUR/t]
    energy : numpy.ndarray
        Energy carriers incl. network tariffs. [EUR/yr] or [EUR/t]
    feedstock : numpy.ndarray
        Non-energy feedstock and imported intermediates. [EUR/yr] or [EUR/t]
    carbon : numpy.ndarray
        ETS cost net of free allocation, CO2-heffing, CBAM. [EUR/yr] or [EUR/t]
    taxes : numpy.ndarray
        Energy tax and other taxes. [EUR/yr] or [EUR/t]
    subsidies : numpy.ndarray
        SDE++, CCfD, IKC, grants received. [EUR/yr] or [EUR/t]
    revenue : numpy.ndarray
        Product sales incl. green premium. [EUR/yr] or [EUR/t]

    Examples
    --------
    >>> cb = CostBreakdown(capex=np.array([10.0, 20.0]), energy=5.0, revenue=12.0)
    >>> cb.total
    array([ 3., 13.])
    >>> float(cb.costs[1])
    25.0
    """

    capex: FloatArray
    fixed_opex: FloatArray
    energy: FloatArray
    feedstock: FloatArray
    carbon: FloatArray
    taxes: FloatArray
    subsidies: FloatArray
    revenue: FloatArray

    def __init__(
        self,
        capex: ArrayLike = 0.0,
        fixed_opex: ArrayLike = 0.0,
        energy: ArrayLike = 0.0,
        feedstock: ArrayLike = 0.0,
        carbon: ArrayLike = 0.0,
        taxes: ArrayLike = 0.0,
        subsidies: ArrayLike = 0.0,
        revenue: ArrayLike = 0.0,
    ) -> None:
        """Store every term as a float64 array and check that they broadcast together."""
        terms = {
            "capex": capex,
            "fixed_opex": fixed_opex,
            "energy": energy,
            "feedstock": feedstock,
            "carbon": carbon,
            "taxes": taxes,
            "subsidies": subsidies,
            "revenue": revenue,
        }
        for name, value in terms.items():
            arr = np.asarray(value, dtype=np.float64)
            if np.any(np.isnan(arr)):
                raise ValueError(f"{name} must not be NaN")
            object.__setattr__(self, name, arr)
        np.broadcast_shapes(*(getattr(self, f.name).shape for f in fields(self)))

    @property
    def costs(self) -> FloatArray:
        """Gross costs: capex + fixed_opex + energy + feedstock + carbon + taxes."""
        return np.asarray(
            self.capex + self.fixed_opex + self.energy + self.feedstock + self.carbon + self.taxes,
            dtype=np.float64,
        )

    @property
    def total(self) -> FloatArray:
        """Net cost: :attr:`costs` - subsidies - revenue (negative means a net gain)."""
        return np.asarray(self.costs - self.subsidies - self.revenue, dtype=np.float64)
