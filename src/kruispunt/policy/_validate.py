"""Argument checks shared by the instrument functions (raise, never clip)."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

FloatArray = NDArray[np.float64]


def nonnegative(name: str, value: ArrayLike) -> FloatArray:
    """``value`` as a float array; ValueError if any element is negative or NaN."""
    arr = np.asarray(value, dtype=np.float64)
    if not np.all(arr >= 0.0):
        raise ValueError(f"{name} must be non-negative and not NaN")
    return arr


def fraction(name: str, value: ArrayLike) -> FloatArray:
    """``value`` as a float array; ValueError unless every element is in [0, 1]."""
    arr = np.asarray(value, dtype=np.float64)
    if not np.all((arr >= 0.0) & (arr <= 1.0)):
        raise ValueError(f"{name} must be in [0, 1] and not NaN")
    return arr
