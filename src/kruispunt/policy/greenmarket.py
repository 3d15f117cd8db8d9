"""Green-market creation: revenue from a green premium paid under a mandate or procurement.

A mandate, green public procurement (MKI/MPG) or a label lets a low-carbon
producer sell part of its output at a premium over the conventional price. The
premium and the share of output that finds a premium-paying buyer are scenario
levers from the data package; both default to zero, so the revenue is zero
unless a scenario sets them.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = ["green_premium_revenue"]

FloatArray = NDArray[np.float64]


def green_premium_revenue(
    production: ArrayLike,
    premium_per_unit: ArrayLike = 0.0,
    mandate_share: ArrayLike = 0.0,
) -> FloatArray:
    """Extra revenue from selling low-carbon output at a green premium.

    ``production * mandate_share * premium_per_unit``.

    Parameters
    ----------
    production : array_like
        Output that qualifies as low-carbon, non-negative (pass 0 for routes
        that do not qualify). [t/yr]
    premium_per_unit : array_like, default 0
        Green premium over the conventional product price, non-negative.
        [EUR/t]
    mandate_share : array_like, default 0
        Share of the qualifying output sold into the mandated or procured
        market, in [0, 1]. [-]

    Returns
    -------
    numpy.ndarray
        Premium revenue. [EUR/yr]

    Raises
    ------
    ValueError
        If production or premium is negative or NaN, or the share is outside
        [0, 1].

    Examples
    --------
    >>> float(green_premium_revenue(1.0e6, 200.0, 0.25))
    50000000.0
    >>> float(green_premium_revenue(1.0e6))
    0.0
    """
    volume = np.asarray(production, dtype=np.float64)
    premium = np.asarray(premium_per_unit, dtype=np.float64)
    share = np.asarray(mandate_share, dtype=np.float64)
    if not np.all(volume >= 0.0):
        raise ValueError("production must be non-negative and not NaN")
    if not np.all(premium >= 0.0):
        raise ValueError("premium_per_unit must be non-negative and not NaN")
    if not np.all((share >= 0.0) & (share <= 1.0)):
        raise ValueError("mandate_share must be in [0, 1] and not NaN")
    return np.asarray(volume * share * premium, dtype=np.float64)
