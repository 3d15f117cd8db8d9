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

__all__ = ["difference", "number"]


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
