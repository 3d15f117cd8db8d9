"""Pure, vectorised economics: annuities and book value.

Every function takes array-likes, broadcasts them with NumPy rules and returns
``float64`` arrays (0-d for scalar input). Nothing here reads files, loops over
elements or knows about labels; the engine calls these functions on arrays shaped
``(scenario, plant, route)`` or ``(scenario, plant)`` once per year.

Conventions
-----------
- Rates are fractions per year (``0.08`` is 8 %/yr) and must be greater than -1.
- Lifetimes are in years and must be positive; they need not be integers (the
  closed-form annuity formulas are used).
- Invalid input (NaN, rate <= -1, lifetime <= 0, negative age) raises
  :class:`ValueError`; nothing is silently clipped.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from kruispunt.policy._validate import nonnegative as _nonnegative

__all__ = ["annuity_factor", "remaining_book_value"]

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
