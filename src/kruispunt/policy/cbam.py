"""CBAM: the carbon border charge on imports of CBAM goods.

An importer surrenders CBAM certificates, priced at the EUA price, for the
embedded emissions of the goods, reduced by the share of free allocation that EU
producers of the same good still receive; so the payable share rises as
``1 - cbam_factor`` while free allocation is phased out. A carbon price
effectively paid in the country of origin is deducted. Used to set import parity
prices for intermediates and products.

References
----------
Regulation (EU) 2023/956 (CBAM), Art. 9 (carbon price paid in the country of
origin) and Art. 31 (adjustment for free allocation).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from kruispunt.policy._validate import nonnegative as _nonnegative

__all__ = ["cbam_charge"]

FloatArray = NDArray[np.float64]


def cbam_charge(
    embedded_emissions_t: ArrayLike,
    eua_price: ArrayLike,
    cbam_factor: ArrayLike,
    carbon_price_paid_eur_per_t: ArrayLike = 0.0,
) -> FloatArray:
    """CBAM charge on imported goods.

    ``embedded_emissions_t * max(eua_price * (1 - cbam_factor) -
    carbon_price_paid_eur_per_t, 0)``; with no carbon price paid abroad this is
    ``embedded x EUA x (1 - free allocation factor)``.

    Parameters
    ----------
    embedded_emissions_t : array_like
        Embedded emissions of the imported quantity, non-negative (per tonne of
        product gives the charge per tonne). [t]
    eua_price : array_like
        CBAM certificate price, taken as the EUA price, non-negative. [EUR/t]
    cbam_factor : array_like
        Free-allocation factor for the good in the year, in [0, 1]: the share of
        the charge that is waived. [-]
    carbon_price_paid_eur_per_t : array_like, default 0
        Carbon price effectively paid in the country of origin, already net of
        any rebate there; non-negative. The deduction never makes the charge
        negative. [EUR/t]

    Returns
    -------
    numpy.ndarray
        Charge. [EUR]

    Raises
    ------
    ValueError
        If an amount or price is negative or NaN, or ``cbam_factor`` is outside
        [0, 1].

    Examples
    --------
    >>> float(cbam_charge(2.0, 80.0, 0.75))
    40.0
    >>> cbam_charge(2.0, 80.0, [0.0, 0.0], carbon_price_paid_eur_per_t=[30.0, 100.0])
    array([100.,   0.])
    """
    embedded = _nonnegative("embedded_emissions_t", embedded_emissions_t)
    price = _nonnegative("eua_price", eua_price)
    factor = np.asarray(cbam_factor, dtype=np.float64)
    if not np.all((factor >= 0.0) & (factor <= 1.0)):
        raise ValueError("cbam_factor must be in [0, 1] and not NaN")
    paid = _nonnegative("carbon_price_paid_eur_per_t", carbon_price_paid_eur_per_t)
    return np.asarray(embedded * np.maximum(price * (1.0 - factor) - paid, 0.0), dtype=np.float64)
