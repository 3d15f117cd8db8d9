"""How a number and a difference are shown to people (CLI tables and the dashboard alike).

Light on imports on purpose: the CLI loads it at startup.

Examples
--------
>>> number(1234.5), number(0.5, "fraction"), number(float("inf")), number(float("nan"))
('1,234', '50.0%', 'unlimited', '–')
>>> difference(0.25, 0.5, "fraction"), difference(10.0, 12.5, "Mt")
('+25.0 pp', '+2.50')
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

__all__ = ["compared", "difference", "number"]


def number(value: float | None, unit: str = "") -> str:
    """``value`` for a table: a dash when missing, 'unlimited' when infinite, a percentage
    for a fraction, no decimals from 100 up and two below."""
    if value is None:
        return "–"
    v = float(value)
    if math.isnan(v):
        return "–"
    if math.isinf(v):
        return "unlimited" if v > 0 else "−unlimited"
    if unit == "fraction":
        return f"{v:.1%}"
    return f"{v:,.0f}" if abs(v) >= 100 else f"{v:,.2f}"


def difference(a: float, b: float, unit: str = "") -> str:
    """``b - a`` with its sign: percentage points for a fraction, a dash when not finite."""
    d = b - a
    if not math.isfinite(d):
        return "–"
    if unit == "fraction":
        return f"{d * 100:+.1f} pp"
    return f"{d:+,.0f}" if abs(d) >= 100 else f"{d:+,.2f}"


def compared(
    a: Mapping[str, Any],
    b: Mapping[str, Any],
    pairs: Sequence[tuple[str | None, ...]],
    indicators: Mapping[str, tuple[str, str]],
) -> list[tuple[str, str, list[tuple[str, str, str]]]]:
    """The rows of a table comparing runs A and B: per indicator (``column: (label, unit)``),
    its label, its unit as shown ("%" for a fraction) and one cell (A, B, B − A) per scenario
    pair; ``a`` and ``b`` give each scenario's values by column (a mapping of column to
    number), a pair's missing side is "–".

    >>> compared({"cp": {"e": 10.0}}, {"cp": {"e": 12.5}, "x": {"e": 1.0}},
    ...          [("cp", "cp"), (None, "x")], {"e": ("Emissions", "Mt")})
    [('Emissions', 'Mt', [('10.00', '12.50', '+2.50'), ('–', '1.00', '–')])]
    """
    rows = []
    for col, (label, unit) in indicators.items():
        cells = []
        for sa, sb in pairs:
            va = float(a[sa][col]) if sa is not None else math.nan
            vb = float(b[sb][col]) if sb is not None else math.nan
            cells.append((number(va, unit), number(vb, unit), difference(va, vb, unit)))
        rows.append((label, "%" if unit == "fraction" else unit, cells))
    return rows
