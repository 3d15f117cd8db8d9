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

import numpy as np
from numpy.typing import ArrayLike, NDArray

from kruispunt.policy._validate import nonnegative as _nonnegative

__all__ = ["co2_heffing", "dispensation_rights"]

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
