"""Canonical dimension names and coordinate builders.

Every labelled array in Kruispunt uses these names; arrays align by label, never by position.
"""

from __future__ import annotations

from typing import Final

import numpy as np
import numpy.typing as npt

SCENARIO: Final = "scenario"
PLANT: Final = "plant"
SITE: Final = "site"
ROUTE: Final = "route"
YEAR: Final = "year"
CARRIER: Final = "carrier"
PRODUCT: Final = "product"
CLUSTER: Final = "cluster"
DRAW: Final = "draw"

BASE_YEAR: Final = 2022
"""Last year of verified EU ETS emissions in the data package; the model's base year."""

FIRST_MODEL_YEAR: Final = 2025
LAST_MODEL_YEAR: Final = 2050


def years(start: int = FIRST_MODEL_YEAR, stop: int = LAST_MODEL_YEAR) -> npt.NDArray[np.int64]:
    """Integer year coordinate from ``start`` to ``stop`` inclusive.

    Examples
    --------
    >>> years(2025, 2027).tolist()
    [2025, 2026, 2027]
    """
    if stop < start:
        raise ValueError(f"year range is empty: {start}..{stop}")
    return np.arange(start, stop + 1, dtype=np.int64)
