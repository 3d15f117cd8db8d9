"""Derived price rows: the formulas behind every ``derived_*`` row of the price outlooks.

The price sets (``carrier_prices.csv`` and the EUA rows of ``policy.csv``) hold sourced points
in the euro year of their source, and rows derived from them. This module computes every
derived row (those citing one of :data:`DERIVED_SOURCES`) from the sourced rows;
``check_prices.py`` compares the tables with it and fails
when they differ, so a changed input cannot leave a stale derivation behind. Run
``python data/curated/prices_derived.py`` to print the derived rows.

Derived rows are in euro of 2025 (``currency_year`` 2025): the sourced inputs are first
converted with the CPI deflators of ``deflators.csv``, as the catalogue converts them when it
loads the package, and paths are read between their points as the catalogue reads them
(linear, flat outside). Every constant below is explained, with its source, in ``PRICES.md``.
"""

from __future__ import annotations

import csv
import itertools
from pathlib import Path

HERE = Path(__file__).resolve().parent
SETS = ("central", "low", "high")
EURO_YEAR = 2025
EUA = "eua"
"""Key of the EUA paths (``policy.csv`` rows ``eu_ets.eua_price[_low|_high]``)."""
EUA_PARAMETER = {"central": "eua_price", "low": "eua_price_low", "high": "eua_price_high"}
DERIVED_SOURCES = frozenset(
    {
        "derived_ammonia_from_h2",
        "derived_eua_midpoint",
        "derived_heat_price",
        "derived_hbi_import",
        "derived_hydrogen_path",
        "derived_methanol_import",
        "derived_naphtha_price",
        "derived_power_price",
        "derived_price_midpoint",
    }
)
"""Sources of the rows this module computes (every other row is a sourced input)."""

CCGT_EFFICIENCY = 0.55
"""Efficiency of the gas plant assumed to set the NL power price (prices research §3)."""
GAS_EF = 0.198
"""tCO2 per MWh of gas (carriers.csv natural_gas, technology-data)."""
POWER_OUTTURN_2025 = 86.6
"""NL day-ahead baseload average 2025 [EUR/MWh] (policy sheet; 86.61 recomputed)."""
OIL_PRODUCTS_FACTOR = 1.05
"""Heavy oil / refinery fuel = crude x 1.05 (technology-data's convention)."""
NAPHTHA_FACTOR = 1.15
"""Naphtha / crude (Brent) on an energy basis, February 2026 (S&P Global, EIA)."""
IMPORT_SAVING_STEEL = 0.36
IMPORT_SAVING_CHEMICALS = 0.14
"""PwC import savings cited in the letter (derived_import_prices)."""
H2_MWH_PER_T_NH3 = 0.1776 * 33.333
"""Hydrogen in a tonne of ammonia (17.76 % by mass) at 33.333 kWh/kg (LHV) [MWh/t]."""
CRF_7_20 = 0.07 / (1 - 1.07**-20)
"""Capital recovery factor at 7 %/yr over 20 years (assumption_discount_rate_7pct)."""
FL_TRAJECTORY = {2020: 5.3, 2030: 4.4, 2050: 2.7}
"""Frieden & Leker (2024): electrolytic hydrogen cost across 832 forecasts [EUR/kg]."""

HBI_ORE_T, HBI_H2_MWH, HBI_POWER_MWH = 1.59375, 2.1, 1.03
"""Per t of H2-DRI (HBI): ore [t], hydrogen [MWh], electricity [MWh] (MPP; technology-data
'hydrogen direct iron reduction furnace')."""
HBI_CAPEX, HBI_FOM = 488.34, 55.28
"""H2-DRI capex [EUR2025/(t/yr)] and fixed opex [EUR2025/(t/yr)/yr] (technology-data)."""

GAS_BOILER_EFFICIENCY = 0.925
"""Gas-fired steam boiler, 2025 (DEA 311.1c; route_inputs.csv gas_boiler_low): bought heat is
priced at the gas it replaces (derived_heat_price; carriers.csv holds 1 / this as heat's
price_ratio to natural_gas, which check_prices.py holds to it)."""

METHANOL = {
    2025: (9.291, 3450.6, 41.1, 125.7),
    2030: (9.062, 2464.7, 32.9, 100.5),
    2035: (8.916, 2127.2, 32.6, 100.5),
    2040: (8.775, 1789.8, 32.4, 100.5),
    2050: (8.505, 1232.3, 32.9, 100.5),
}
"""Biomass-to-methanol per t methanol (technology-data v0.14.0, EUR2025): biomass [MWh],
capex [EUR/(t/yr)], fixed opex [EUR/(t/yr)/yr], variable opex [EUR/t]."""

Path_ = dict[int, float]
Key = tuple[str, str, int]


def read(name: str) -> list[dict[str, str]]:
    with open(HERE / name, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def deflators() -> dict[int, float]:
    return {int(r["year"]): float(r["value"]) for r in read("deflators.csv")}


def per_unit(value: float, unit: str) -> float:
    """EUR per MWh for energy prices, EUR per t (or tCO2) otherwise."""
    if unit == "EUR/GJ":
        return value * 3.6
    if unit in ("EUR/MWh", "EUR/t", "EUR/tCO2"):
        return value
    raise ValueError(f"unit {unit} is not handled here")


def at(path: Path_, year: int) -> float:
    """A path between its points: linear, flat before the first and after the last."""
    xs = sorted(path)
    if year <= xs[0]:
        return path[xs[0]]
    if year >= xs[-1]:
        return path[xs[-1]]
    for a, b in itertools.pairwise(xs):
        if a <= year <= b:
            return path[a] + (path[b] - path[a]) * (year - a) / (b - a)
    raise AssertionError(year)


def sourced() -> dict[tuple[str, str], Path_]:
    """Every sourced path in EUR2025: ``(carrier or 'eua', set) -> {year: value}``."""
    index = deflators()
    out: dict[tuple[str, str], Path_] = {}

    def add(key: tuple[str, str], r: dict[str, str]) -> None:
        factor = index[EURO_YEAR] / index[int(r["currency_year"])]
        out.setdefault(key, {})[int(r["year"])] = per_unit(float(r["value"]), r["unit"]) * factor

    for r in read("carrier_prices.csv"):
        if r["source"] not in DERIVED_SOURCES:
            add((r["carrier_id"], r["price_set"]), r)
    names = {v: k for k, v in EUA_PARAMETER.items()}
    for r in read("policy.csv"):
        if r["instrument"] == "eu_ets" and r["parameter"] in names and int(r["year"]) >= 2025:
            if r["source"] not in DERIVED_SOURCES:
                add((EUA, names[r["parameter"]]), r)
    return out


def derived() -> dict[Key, float]:
    """Every derived value ``(carrier or 'eua', set, year) -> EUR2025 per MWh or per t``."""
    paths = sourced()
    out: dict[Key, float] = {}

    def path(carrier: str, price_set: str) -> Path_:
        own = dict(paths.get((carrier, price_set), {}))
        own.update({y: v for (c, s, y), v in out.items() if c == carrier and s == price_set})
        if not own and price_set != "central":
            return path(carrier, "central")
        return own

    # central EUA 2026-2028 and gas 2026: the midpoint of the market quotes (low) and the
    # analysts' poll or the crisis contract (high)
    for carrier, years in ((EUA, (2026, 2027, 2028)), ("natural_gas", (2026,))):
        for y in years:
            out[(carrier, "central", y)] = (
                at(path(carrier, "low"), y) + at(path(carrier, "high"), y)
            ) / 2
    # hydrogen: high = TNO's upper end along the review trajectory; central = mean of low, high
    tno_high = path("hydrogen", "high")[2025]
    fl = FL_TRAJECTORY
    for y in (2030, 2050):
        out[("hydrogen", "high", y)] = tno_high * at(fl, y) / at(fl, 2025)
    for y in (2030, 2050):
        low, high = at(path("hydrogen", "low"), y), at(path("hydrogen", "high"), y)
        out[("hydrogen", "central", y)] = (low + high) / 2
    # electricity: gas plant at the margin, scaled to the 2025 outturn, up to the first
    # year a set has a sourced outlook (the central set from 2030: Prognos for vbw)
    g25, e25 = path("natural_gas", "central")[2025], path(EUA, "central")[2025]
    k = POWER_OUTTURN_2025 / (g25 / CCGT_EFFICIENCY + GAS_EF / CCGT_EFFICIENCY * e25)
    for s in SETS:
        gas, eua = path("natural_gas", s), path(EUA, s)
        outlook = min((y for y in paths.get(("electricity", s), {}) if y > EURO_YEAR), default=None)
        for y in sorted(set(gas) | set(eua)):
            if y > EURO_YEAR and (outlook is None or y < outlook):
                out[("electricity", s, y)] = k * (
                    at(gas, y) / CCGT_EFFICIENCY + GAS_EF / CCGT_EFFICIENCY * at(eua, y)
                )
    for s in SETS:
        for y, v in path("natural_gas", s).items():
            out[("heat", s, y)] = v / GAS_BOILER_EFFICIENCY
        for y, v in path("oil", s).items():
            out[("naphtha", s, y)] = v * NAPHTHA_FACTOR / OIL_PRODUCTS_FACTOR
        h2, power, ore = path("hydrogen", s), path("electricity", s), path("iron_ore", s)
        for y in sorted(set(h2) | set(power) | {2025, 2030, 2035, 2040, 2050}):
            cost = (
                HBI_ORE_T * at(ore, y)
                + HBI_H2_MWH * at(h2, y)
                + HBI_POWER_MWH * at(power, y)
                + HBI_CAPEX * CRF_7_20
                + HBI_FOM
            )
            out[("hbi", s, y)] = (1 - IMPORT_SAVING_STEEL) * cost
        bio = path("biomass", s)
        for y, (mwh, capex, fom, vom) in METHANOL.items():
            cost = mwh * at(bio, y) + capex * CRF_7_20 + fom + vom
            out[("methanol_import", s, y)] = (1 - IMPORT_SAVING_CHEMICALS) * cost
    for y, v in path("hydrogen", "high").items():
        out[("ammonia_import", "high", y)] = H2_MWH_PER_T_NH3 * v
    return out


if __name__ == "__main__":
    for (c, s, y), v in sorted(derived().items()):
        print(f"{c},{s},{y},{v:.2f}")
