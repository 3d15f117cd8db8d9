"""Units: one pint registry for the project, canonical units, conversion at the edges.

Money is a base dimension ``[currency]`` (``EUR``); ``tCO2`` is a tonne of CO2 (mass).
Conversions happen once, when the catalogue loads a table; the engine sees plain floats in
canonical units.
"""

from __future__ import annotations

from functools import lru_cache

import pint

from kruispunt.errors import UnitError

EURO_YEAR = 2025
"""The model's euro year: the catalogue converts every monetary value of the data package, once,
from its row's ``currency_year`` to euro of this year with the CPI deflators of the package
(``deflators.csv``); everything downstream (inputs, results, reports) is in EUR of 2025."""

_DEFINITIONS = """
EUR = [currency]
MEUR = 1e6 * EUR
bnEUR = 1e9 * EUR
kEUR = 1e3 * EUR
tCO2 = tonne
ktCO2 = 1e3 * tonne
MtCO2 = 1e6 * tonne
tCO2e = tonne
kt = 1e3 * tonne
Mt = 1e6 * tonne
m3 = meter ** 3
Nm3 = meter ** 3
m3_ae = 31.65 * megajoule
"""
# m3_ae: the Dutch 'm3 aardgasequivalent' in which energy tax on natural gas is levied (Wet
# belastingen op milieugrondslag: a m3 of Groningen-quality gas, 35.17 MJ upper / 31.65 MJ
# lower heating value); an energy unit, so gas tax rates convert to EUR/GJ.


@lru_cache(maxsize=1)
def registry() -> pint.UnitRegistry[float]:
    """The project's unit registry (built once)."""
    ureg: pint.UnitRegistry[float] = pint.UnitRegistry(autoconvert_offset_to_baseunit=True)
    for line in _DEFINITIONS.strip().splitlines():
        ureg.define(line)
    # 'a' (annum) is a common spelling of year in European data
    ureg.define("annum = year = a_yr")
    return ureg


@lru_cache(maxsize=4096)
def _parse(unit: str) -> pint.Unit:
    text = unit.strip()
    if not text:
        raise UnitError("empty unit")
    text = text.replace("/a)", "/yr)").replace("/a/", "/yr/")
    if text.endswith("/a"):
        text = text[:-2] + "/yr"
    try:
        return registry().parse_units(text)
    except Exception as exc:  # pint raises several types
        raise UnitError(f"unit '{unit}' does not parse ({exc.__class__.__name__})") from None


def parse_unit(unit: str) -> pint.Unit:
    """Parse a unit string with the project registry.

    Raises
    ------
    UnitError
        If the string is not a unit the registry knows.
    """
    return _parse(unit)


@lru_cache(maxsize=4096)
def conversion_factor(from_unit: str, to_unit: str) -> float:
    """Factor ``f`` such that ``value[from_unit] * f == value[to_unit]``.

    Examples
    --------
    >>> conversion_factor("kt/yr", "t/yr")
    1000.0
    >>> round(conversion_factor("MWh/t", "GJ/t"), 6)
    3.6
    """
    src, dst = parse_unit(from_unit), parse_unit(to_unit)
    ureg = registry()
    try:
        return float(ureg.Quantity(1.0, src).to(dst).magnitude)
    except pint.DimensionalityError:
        raise UnitError(
            f"unit '{from_unit}' does not convert to '{to_unit}' "
            f"(dimensions {ureg.get_dimensionality(src)} vs {ureg.get_dimensionality(dst)})"
        ) from None


@lru_cache(maxsize=4096)
def is_money(unit: str) -> bool:
    """Whether a unit holds money (its dimensions include ``[currency]``).

    Examples
    --------
    >>> is_money("EUR/(t/yr)"), is_money("MEUR"), is_money("tCO2/t")
    (True, True, False)
    """
    return "[currency]" in registry().get_dimensionality(parse_unit(unit))


def substitute(template: str, *, product: str | None = None, carrier: str | None = None) -> str:
    """Fill the ``product`` / ``carrier`` placeholders of a canonical unit template.

    Examples
    --------
    >>> substitute("EUR/(product/yr)", product="t")
    'EUR/(t/yr)'
    >>> substitute("carrier/product", product="t", carrier="GJ")
    'GJ/t'
    """
    import re

    out = template
    if product is not None:
        out = re.sub(r"\bproduct\b", product, out)
    if carrier is not None:
        out = re.sub(r"\bcarrier\b", carrier, out)
    return out
