"""Cost of capital: risk premiums by technology readiness and public risk sharing.

A project's discount rate is the rate of its risk class, plus a premium that
grows as the technology readiness level (TRL) falls, minus any reduction bought
by public risk sharing (guarantees, loans, equity). The premiums and reductions
come from the data package; nothing here holds a number.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = ["cost_of_capital", "trl_risk_premium"]

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


def trl_risk_premium(trl: ArrayLike, trl_thresholds: ArrayLike, premiums: ArrayLike) -> FloatArray:
    """Risk premium as a step function of the technology readiness level.

    A TRL below ``trl_thresholds[0]`` gets ``premiums[0]``; a TRL in
    ``[trl_thresholds[i-1], trl_thresholds[i])`` gets ``premiums[i]``; a TRL at
    or above the last threshold gets ``premiums[-1]``. Premiums usually fall as
    TRL rises, but that is the data's choice.

    Parameters
    ----------
    trl : array_like
        Technology readiness level, in [1, 9], any shape ``S``. [-]
    trl_thresholds : array_like
        Lower TRL bound of each band after the first, shape ``(..., k)``,
        non-decreasing along the last axis; leading axes broadcast against
        ``S``. [-]
    premiums : array_like
        Premium per band, shape ``(..., k + 1)``, finite. [1/yr]

    Returns
    -------
    numpy.ndarray
        Risk premium, shape ``S`` broadcast with the leading axes. [1/yr]

    Raises
    ------
    ValueError
        If a TRL is outside [1, 9] or NaN, thresholds decrease, or ``premiums``
        does not have one more entry than ``trl_thresholds``.

    Examples
    --------
    Bands TRL < 7, 7-8, 9 with premiums 0.06, 0.03, 0:

    >>> trl_risk_premium([5, 7, 8, 9], [7, 9], [0.06, 0.03, 0.0])
    array([0.06, 0.03, 0.03, 0.  ])
    """
    level = np.asarray(trl, dtype=np.float64)
    if not np.all((level >= 1.0) & (level <= 9.0)):
        raise ValueError("trl must be in [1, 9] and not NaN")
    bounds = np.atleast_1d(np.asarray(trl_thresholds, dtype=np.float64))
    values = np.atleast_1d(np.asarray(premiums, dtype=np.float64))
    if values.shape[-1] != bounds.shape[-1] + 1:
        raise ValueError(
            f"premiums must have one entry more than trl_thresholds along the last axis, "
            f"got {values.shape[-1]} premiums and {bounds.shape[-1]} thresholds"
        )
    if np.any(np.isnan(bounds)) or not np.all(np.diff(bounds, axis=-1) >= 0.0):
        raise ValueError("trl_thresholds must be non-decreasing and not NaN")
    if not np.all(np.isfinite(values)):
        raise ValueError("premiums must be finite")
    band = np.sum(level[..., np.newaxis] >= bounds, axis=-1)
    shape = np.broadcast_shapes(band.shape, values.shape[:-1])
    table = np.broadcast_to(values, (*shape, values.shape[-1]))
    index = np.broadcast_to(band, shape)[..., np.newaxis]
    return np.asarray(np.take_along_axis(table, index, axis=-1)[..., 0], dtype=np.float64)
