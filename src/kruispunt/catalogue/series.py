"""Turn long-table rows (year, value) into values over model years, by the declared rule."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pandas as pd


def over_years(
    rows: pd.DataFrame, years: npt.NDArray[np.int64], interpolation: str, before: float = np.nan
) -> npt.NDArray[np.float64]:
    """Values of one parameter over ``years``.

    Parameters
    ----------
    rows : DataFrame
        Columns ``year`` and ``value`` (canonical units) of one parameter.
    years : array of int
        Model years.
    interpolation : {"linear", "step"}
        ``linear``: straight lines between given years, flat before the first and after the
        last. ``step``: a value holds from its year until the next given year; before the
        first year the result is ``before``.
    before : float
        Value before the first given year under ``step`` (default NaN: not applicable).

    Examples
    --------
    >>> rows = pd.DataFrame({"year": [2026, 2041], "value": [2.5, 0.0]})
    >>> over_years(rows, np.array([2025, 2026, 2040, 2041]), "step", before=0.0).tolist()
    [0.0, 2.5, 2.5, 0.0]
    >>> rows = pd.DataFrame({"year": [2025, 2035], "value": [10.0, 20.0]})
    >>> over_years(rows, np.array([2020, 2030, 2040]), "linear").tolist()
    [10.0, 15.0, 20.0]
    """
    if rows.empty:
        return np.full(len(years), np.nan)
    ordered = rows.sort_values("year")
    xs: npt.NDArray[np.float64] = ordered["year"].to_numpy(dtype=float)
    vs: npt.NDArray[np.float64] = ordered["value"].to_numpy(dtype=float)
    if interpolation == "linear":
        return np.interp(years.astype(np.float64), xs, vs)
    if interpolation == "step":
        idx = np.searchsorted(xs, years, side="right") - 1
        return np.where(idx >= 0, vs[np.maximum(idx, 0)], before)
    raise ValueError(f"unknown interpolation '{interpolation}'")


def exact_years(
    rows: pd.DataFrame, years: npt.NDArray[np.int64], missing: float = 0.0
) -> npt.NDArray[np.float64]:
    """Values given for exactly each year (flows such as a round's budget); others ``missing``."""
    lookup = dict(zip(rows["year"].astype(int), rows["value"].astype(float), strict=True))
    return np.array([lookup.get(int(y), missing) for y in years])
