"""Carbon contracts for difference (CCfD).

The government pays the gap between a contracted strike price and the EUA price
for each tonne abated. A one-sided contract only pays; a two-sided contract also
claws the difference back when the EUA price rises above the strike price.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from kruispunt.policy._validate import nonnegative as _nonnegative

__all__ = ["ccfd_payment"]

FloatArray = NDArray[np.float64]


def ccfd_payment(
    strike_price: ArrayLike,
    eua_price: ArrayLike,
    abated_t: ArrayLike,
    two_sided: bool = False,
) -> FloatArray:
    """Payment under a carbon contract for difference in one year.

    ``(strike_price - eua_price) * abated_t``, floored at zero unless
    ``two_sided``.

    Parameters
    ----------
    strike_price : array_like
        Contracted carbon price, non-negative. [EUR/t]
    eua_price : array_like
        Reference EUA price of the year, non-negative. [EUR/t]
    abated_t : array_like
        Tonnes abated that the contract covers, non-negative. [t/yr]
    two_sided : bool, default False
        If True, the plant pays back ``(eua_price - strike_price) * abated_t``
        when the EUA price is above the strike price (negative payment).

    Returns
    -------
    numpy.ndarray
        Payment from government to plant; negative is a payment back. [EUR/yr]

    Examples
    --------
    >>> float(ccfd_payment(150.0, 80.0, 1.0e5))
    7000000.0
    >>> ccfd_payment(150.0, 200.0, 1.0e5), ccfd_payment(150.0, 200.0, 1.0e5, two_sided=True)
    (array(0.), array(-5000000.))
    """
    strike = _nonnegative("strike_price", strike_price)
    price = _nonnegative("eua_price", eua_price)
    abated = _nonnegative("abated_t", abated_t)
    gap = strike - price
    if not two_sided:
        gap = np.maximum(gap, 0.0)
    return np.asarray(gap * abated, dtype=np.float64)
