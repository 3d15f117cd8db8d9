"""Cost of capital and public risk sharing.

A project's discount rate is the rate of its risk class minus any reduction bought
by public risk sharing (guarantees, loans, equity), which applies to low-carbon
routes. The rates come from the data package and the scenario; nothing here holds
a number.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = ["cost_of_capital"]

FloatArray = NDArray[np.float64]


def cost_of_capital(
    risk_class_rate: ArrayLike, risk_sharing_reduction: ArrayLike, floor: ArrayLike = 0.0
) -> FloatArray:
    """Discount rate after public risk sharing.

    ``max(risk_class_rate - risk_sharing_reduction, floor)``.

    Parameters
    ----------
    risk_class_rate : array_like
        Cost of capital of the project's risk class (including any TRL premium
        from :func:`trl_risk_premium`); finite. [1/yr]
    risk_sharing_reduction : array_like
        Reduction from public risk sharing, non-negative (0 without). [1/yr]
    floor : array_like, default 0
        Lowest rate that risk sharing can reach, e.g. the risk-free rate. [1/yr]

    Returns
    -------
    numpy.ndarray
        Cost of capital. [1/yr]

    Raises
    ------
    ValueError
        If an input is NaN or infinite, or the reduction is negative.

    Examples
    --------
    >>> round(float(cost_of_capital(0.10, 0.02)), 10)
    0.08
    >>> cost_of_capital([0.10, 0.03], 0.05, floor=0.02)
    array([0.05, 0.02])
    """
    rate = np.asarray(risk_class_rate, dtype=np.float64)
    reduction = np.asarray(risk_sharing_reduction, dtype=np.float64)
    lowest = np.asarray(floor, dtype=np.float64)
    if not (np.all(np.isfinite(rate)) and np.all(np.isfinite(lowest))):
        raise ValueError("risk_class_rate and floor must be finite")
    if not np.all((reduction >= 0.0) & np.isfinite(reduction)):
        raise ValueError("risk_sharing_reduction must be non-negative and finite")
    return np.asarray(np.maximum(rate - reduction, lowest), dtype=np.float64)
