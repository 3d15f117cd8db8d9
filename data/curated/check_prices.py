"""Check the price tables: price sets, deflators, the power price-duration curve, product markets.

Run from anywhere:  python data/curated/check_prices.py
Exit status 0 when every check passes, 1 otherwise; each problem names file, line and field.

Checks
- files are UTF-8 with "\\n" line endings, have the expected header and are sorted by key, with
  no duplicate keys (carrier_prices: carrier, price set, year; deflators: year;
  electricity_profile: band; product_markets: product, parameter, year; sources/prices.csv);
- price sets are central, low or high; every priced carrier has a central path; a carrier that
  today's routes use, and the EUA, start every set from the same 2025 row (plants are
  calibrated on 2025 prices, which are realised prices, not outlooks);
- every money row has a currency_year inside deflators.csv (the catalogue refuses others);
- every derived row (sources listed in prices_derived.DERIVED_SOURCES) equals its formula
  recomputed from the sourced rows, and every formula's row is in the table;
- deflators: consecutive years, 2025 = 100, each later year 2 % above the one before;
- electricity_profile: the bands cover the 8,760 hours of the year and average to 1;
- product_markets: parameters declared in schemas/product_markets.csv, units convert to the
  declared unit, products exist;
- every source cited exists in sources/*.csv (ids unique across the files); assumption and
  derivation sources have a note.
"""

from __future__ import annotations

import csv
import math
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
SCHEMAS = ROOT / "src" / "kruispunt" / "schemas"
sys.path.insert(0, str(HERE))

import prices_derived  # noqa: E402

HEADERS = {
    "carrier_prices.csv": [
        "carrier_id",
        "price_set",
        "year",
        "value",
        "unit",
        "currency_year",
        "source",
        "note",
    ],
    "deflators.csv": ["year", "value", "unit", "source", "note"],
    "electricity_profile.csv": [
        "band",
        "hours",
        "relative_price",
        "year_basis",
        "source",
        "note",
    ],
    "product_markets.csv": [
        "product_id",
        "parameter",
        "year",
        "value",
        "unit",
        "currency_year",
        "source",
        "note",
    ],
    "sources/prices.csv": [
        "source_id",
        "title",
        "publisher",
        "year",
        "url",
        "licence",
        "kind",
        "note",
    ],
}
KEYS = {
    "carrier_prices.csv": (["carrier_id", "price_set", "year"], ("year",)),
    "deflators.csv": (["year"], ("year",)),
    "electricity_profile.csv": (["band"], ()),
    "product_markets.csv": (["product_id", "parameter", "year"], ("year",)),
    "sources/prices.csv": (["source_id"], ()),
}
SETS = {"central", "low", "high"}
TOLERANCE = 0.011
"""Largest difference [EUR2025 per unit] between a derived row and its formula (rows are
written to two decimals)."""

problems: list[str] = []


def fail(msg: str) -> None:
    problems.append(msg)


def read(name: str, base: Path = HERE) -> list[dict[str, str]]:
    path = base / name
    raw = path.read_bytes()
    text = raw.decode("utf-8")
    if "\r" in text:
        fail(f"{name}: contains \\r (line endings must be \\n)")
    if not text.endswith("\n"):
        fail(f"{name}: does not end with a newline")
    with open(path, encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        rows = list(reader)
        header = list(reader.fieldnames or [])
    if name in HEADERS and header != HEADERS[name]:
        fail(f"{name}: header {header} != {HEADERS[name]}")
    return rows


def check_sorted(name: str, rows: list[dict[str, str]]) -> None:
    key, ints = KEYS[name]

    def k(r: dict[str, str]) -> tuple[object, ...]:
        return tuple(int(r[c]) if c in ints else r[c] for c in key)

    keys = [k(r) for r in rows]
    if keys != sorted(keys):  # type: ignore[type-var]
        fail(f"{name}: rows not sorted by {key}")
    seen: set[tuple[object, ...]] = set()
    for i, kk in enumerate(keys):
        if kk in seen:
            fail(f"{name} line {i + 2}: duplicate key {kk}")
        seen.add(kk)


def registry():  # type: ignore[no-untyped-def]
    from kruispunt.units import registry as project_registry

    return project_registry()


def main() -> int:
    ureg = registry()
    prices = read("carrier_prices.csv")
    deflators = read("deflators.csv")
    profile = read("electricity_profile.csv")
    markets = read("product_markets.csv")
    own_sources = read("sources/prices.csv")
    policy = read("policy.csv")
    carriers = {r["carrier_id"]: r for r in read("carriers.csv")}
    products = {r["product_id"] for r in read("products.csv")}
    routes = {r["route_id"]: r for r in read("routes.csv")}
    inputs = read("route_inputs.csv")
    for name, rows in (
        ("carrier_prices.csv", prices),
        ("deflators.csv", deflators),
        ("electricity_profile.csv", profile),
        ("product_markets.csv", markets),
        ("sources/prices.csv", own_sources),
    ):
        check_sorted(name, rows)

    # --- sources
    sources: dict[str, dict[str, str]] = {}
    for f in sorted((HERE / "sources").glob("*.csv")):
        for r in read(f"sources/{f.name}"):
            if r["source_id"] in sources:
                fail(f"sources: id {r['source_id']!r} defined twice (sources/{f.name})")
            sources[r["source_id"]] = r
    for r in own_sources:
        if r["kind"] in ("assumption", "derived") and not r["note"].strip():
            fail(f"sources/prices.csv: {r['source_id']} ({r['kind']}) has no note")
        if r["kind"] in ("web", "document") and not r["url"].startswith("http"):
            fail(f"sources/prices.csv: {r['source_id']} ({r['kind']}) has no URL")
    eua_rows = [
        r
        for r in policy
        if r["instrument"] == "eu_ets" and r["parameter"] in prices_derived.EUA_PARAMETER.values()
    ]
    for name, rows in (
        ("carrier_prices.csv", prices),
        ("deflators.csv", deflators),
        ("electricity_profile.csv", profile),
        ("product_markets.csv", markets),
        ("policy.csv", eua_rows),
    ):
        for r in rows:
            if r["source"] not in sources:
                fail(f"{name}: unknown source {r['source']!r}")

    # --- prices that follow another carrier's (carriers.csv price_follows): the ratio the
    # engine applies to a scenario's own path is the one prices_derived.py builds the sets with
    heat = carriers["heat"]
    if heat["price_follows"] != "natural_gas" or not math.isclose(
        float(heat["price_ratio"] or "nan"), 1 / prices_derived.GAS_BOILER_EFFICIENCY, rel_tol=1e-9
    ):
        fail(
            "carriers.csv: heat must follow natural_gas at price_ratio 1 / "
            f"{prices_derived.GAS_BOILER_EFFICIENCY} (prices_derived.GAS_BOILER_EFFICIENCY)"
        )

    # --- deflators
    index = {int(r["year"]): float(r["value"]) for r in deflators}
    years = sorted(index)
    if years != list(range(years[0], years[-1] + 1)):
        fail("deflators.csv: years are not consecutive")
    if index.get(prices_derived.EURO_YEAR) != 100.0:
        fail("deflators.csv: the index of 2025 must be 100")
    for y in years:
        if y > prices_derived.EURO_YEAR and abs(index[y] / index[y - 1] - 1.02) > 1e-4:
            fail(f"deflators.csv: {y} is not 2 % above {y - 1} (assumption_cpi_2pct)")
        if any(r["unit"] != "index" for r in deflators):
            fail("deflators.csv: unit must be 'index'")
            break

    # --- price sets, units, currency years
    for i, r in enumerate(prices):
        where = f"carrier_prices.csv line {i + 2}"
        if r["price_set"] not in SETS:
            fail(f"{where}: price_set {r['price_set']!r} not in {sorted(SETS)}")
        if r["carrier_id"] not in carriers:
            fail(f"{where}: unknown carrier {r['carrier_id']!r}")
            continue
        target = f"EUR/{carriers[r['carrier_id']]['unit']}"
        try:
            ureg.Quantity(1.0, r["unit"]).to(target)
        except Exception as exc:
            fail(f"{where} [unit]: {r['unit']!r} does not convert to {target} ({exc})")
        if not r["currency_year"] or int(r["currency_year"]) not in index:
            fail(f"{where} [currency_year]: {r['currency_year']!r} is not in deflators.csv")
    for i, r in enumerate(policy):
        if r in eua_rows and (not r["currency_year"] or int(r["currency_year"]) not in index):
            fail(f"policy.csv line {i + 2} [currency_year]: not in deflators.csv")
    priced = {r["carrier_id"] for r in prices}
    central = {r["carrier_id"] for r in prices if r["price_set"] == "central"}
    for cid in sorted(priced - central):
        fail(f"carrier_prices.csv: carrier {cid} has no central path")
    incumbent = {rid for rid, r in routes.items() if r["family"] == "incumbent"}
    used_today = {r["carrier_id"] for r in inputs if r["route_id"] in incumbent}
    first = {
        (r["carrier_id"], r["price_set"]): r
        for r in prices
        if int(r["year"]) == prices_derived.EURO_YEAR
    }
    for cid in sorted(used_today & priced):
        base = first.get((cid, "central"))
        for s in ("low", "high"):
            has_set = any(r["carrier_id"] == cid and r["price_set"] == s for r in prices)
            row = first.get((cid, s))
            same = (
                row is not None
                and base is not None
                and all(row[c] == base[c] for c in ("value", "unit", "currency_year"))
            )
            if has_set and not same:
                fail(
                    f"carrier_prices.csv: {cid} ({s}) must start from the central 2025 row: "
                    "today's routes are calibrated on 2025 prices"
                )
    eua_first = {
        r["parameter"]: (r["value"], r["currency_year"])
        for r in eua_rows
        if int(r["year"]) == prices_derived.EURO_YEAR
    }
    if len(set(eua_first.values())) != 1 or len(eua_first) != 3:
        fail("policy.csv: the three EUA paths must share the 2025 row (the realised price)")

    # --- derived rows equal their formulas
    expected = prices_derived.derived()
    found: dict[tuple[str, str, int], float] = {}
    for r in prices:
        if r["source"] in prices_derived.DERIVED_SOURCES:
            factor = 100.0 / index[int(r["currency_year"])]
            value = prices_derived.per_unit(float(r["value"]), r["unit"]) * factor
            found[(r["carrier_id"], r["price_set"], int(r["year"]))] = value
    names = {v: k for k, v in prices_derived.EUA_PARAMETER.items()}
    for r in eua_rows:
        if r["source"] in prices_derived.DERIVED_SOURCES:
            factor = 100.0 / index[int(r["currency_year"])]
            key = (prices_derived.EUA, names[r["parameter"]], int(r["year"]))
            found[key] = float(r["value"]) * factor
    for key in sorted(set(expected) | set(found)):
        if key not in found:
            fail(f"derived row {key} is missing (formula gives {expected[key]:.2f})")
        elif key not in expected:
            fail(f"row {key} cites a derived source but no formula gives it")
        elif abs(found[key] - expected[key]) > TOLERANCE:
            fail(f"derived row {key}: {found[key]:.4f} != formula {expected[key]:.4f}")

    # --- electricity profile
    hours = sum(float(r["hours"]) for r in profile)
    mean = sum(float(r["hours"]) * float(r["relative_price"]) for r in profile) / hours
    if abs(hours - 8760) > 1e-9:
        fail(f"electricity_profile.csv: bands cover {hours} h, not 8,760")
    if abs(mean - 1) > 5e-4:
        fail(f"electricity_profile.csv: hour-weighted relative price is {mean:.5f}, not 1")

    # --- product markets
    with open(SCHEMAS / "product_markets.csv", encoding="utf-8", newline="") as fh:
        declared = {r["parameter"]: r for r in csv.DictReader(fh)}
    product_unit = {r["product_id"]: r["unit"] for r in read("products.csv")}
    for i, r in enumerate(markets):
        where = f"product_markets.csv line {i + 2}"
        if r["product_id"] not in products:
            fail(f"{where}: unknown product {r['product_id']!r}")
            continue
        spec = declared.get(r["parameter"])
        if spec is None:
            fail(f"{where}: parameter {r['parameter']!r} not declared")
            continue
        target = spec["unit"].replace("product", product_unit[r["product_id"]])
        unit = "" if r["unit"] == "dimensionless" else r["unit"]
        try:
            q = ureg.Quantity(1.0, unit).to("" if target == "dimensionless" else target)
        except Exception as exc:
            fail(f"{where} [unit]: {r['unit']!r} does not convert to {target} ({exc})")
            continue
        money = "[currency]" in q.dimensionality
        cy = r["currency_year"]
        if money and (not cy or int(cy) not in index):
            fail(f"{where} [currency_year]: money needs a year in deflators.csv, got {cy!r}")
        if not money and cy:
            fail(f"{where} [currency_year]: currency_year on a row that is not money")

    print(
        f"carrier_prices {len(prices)} rows ({len(found)} derived), EUA rows {len(eua_rows)}, "
        f"deflators {years[0]}-{years[-1]}, profile {len(profile)} bands, "
        f"product_markets {len(markets)} rows, sources/prices.csv {len(own_sources)}"
    )
    for p in problems:
        print("FAIL", p)
    print("OK" if not problems else f"{len(problems)} problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
