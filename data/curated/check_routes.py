"""Checks of the route tables (routes, route_parameters, route_inputs, carriers, carrier_prices).

Run from anywhere:  python data/curated/check_routes.py
Exit status 0 when every hard check passes; known data gaps (listed in ROUTES.md) are reported
as GAP lines and do not fail the run, any other problem is a FAIL.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pandas as pd
import pint

HERE = Path(__file__).resolve().parent
SCHEMAS = HERE.parent.parent / "src" / "kruispunt" / "schemas"

FAMILIES = {
    "incumbent",
    "efficiency",
    "electrification",
    "ccs",
    "hydrogen",
    "import",
    "circular",
    "closure",
}
ID = re.compile(r"^[a-z0-9_]+$")

INCUMBENT = {
    "crude_steel": ["bf_bof"],
    "ammonia": ["smr_haber_bosch"],
    "hvc": ["naphtha_steam_cracker"],
    "refinery_throughput": ["refinery"],
    "hydrogen": ["smr"],
    "methanol": ["gas_methanol"],
    "chlorine": ["chlor_alkali_membrane"],
    "clinker": ["clinker_kiln"],
    "lime": ["lime_kiln"],
    "glass": ["gas_glass_furnace"],
    "ceramics": ["gas_ceramic_kiln"],
    "paper": ["paper_gas_steam"],
    "aluminium": ["aluminium_secondary_gas", "aluminium_primary_electrolysis"],
    "carbon_black": ["carbon_black_furnace"],
    "process_heat_low": ["gas_boiler_low"],
    "process_heat_medium": ["gas_furnace_medium"],
    "process_heat_high": ["gas_furnace_high"],
}

# Routes for which no vendored or cited source gives the figure (see ROUTES.md, "Missing").
KNOWN_NO_EMISSION_FACTOR = {
    "lime_kiln",
    "gas_ceramic_kiln",
    "carbon_black_furnace",
    "aluminium_secondary_gas",
    "chlor_alkali_membrane",
}
KNOWN_NO_INPUTS = {
    "lime_kiln",
    "gas_ceramic_kiln",
    "carbon_black_furnace",
    "aluminium_secondary_gas",
}
NO_INPUTS_BY_DESIGN = {"recovered_heat_low"}
"""Routes that buy nothing: steam from heat or fuel gas the site's own process frees."""
KNOWN_NO_PRICE: set[str] = set()

problems: list[str] = []
gaps: list[str] = []


def fail(msg: str) -> None:
    problems.append(msg)


def registry() -> pint.UnitRegistry:
    ureg = pint.UnitRegistry()
    for line in (
        "EUR = [currency]",
        "MEUR = 1e6 * EUR",
        "tCO2 = tonne",
        "kt = 1e3 * tonne",
        "Mt = 1e6 * tonne",
    ):
        ureg.define(line)
    return ureg


def read(path: Path) -> pd.DataFrame:
    raw = path.read_bytes()
    if b"\r\n" in raw:
        fail(f"{path.name}: CRLF line endings")
    raw.decode("utf-8")
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def check_sorted(
    name: str, df: pd.DataFrame, key: list[str], int_cols: tuple[str, ...] = ()
) -> None:
    k = df[key].copy()
    for c in int_cols:
        k[c] = k[c].astype(int)
    tuples = list(k.itertuples(index=False, name=None))
    if tuples != sorted(tuples):
        fail(f"{name}: rows not sorted by {key}")
    if len(set(tuples)) != len(tuples):
        fail(f"{name}: duplicate keys {key}")


def main() -> int:
    ureg = registry()
    products = read(HERE / "products.csv")
    routes = read(HERE / "routes.csv")
    params = read(HERE / "route_parameters.csv")
    inputs = read(HERE / "route_inputs.csv")
    carriers = read(HERE / "carriers.csv")
    prices = read(HERE / "carrier_prices.csv")
    # route rows may cite any source of the package (e.g. an infrastructure date as a route's
    # earliest year); ids must be unique across the source files
    sources = pd.concat([read(f) for f in sorted((HERE / "sources").glob("*.csv"))])
    schema = {
        t: read(SCHEMAS / f"{t}.csv")
        for t in ("route_parameters", "route_inputs", "carrier_prices")
    }

    # --- ids, keys, order
    check_sorted("routes.csv", routes, ["route_id"])
    check_sorted("route_parameters.csv", params, ["route_id", "parameter", "year"], ("year",))
    check_sorted("route_inputs.csv", inputs, ["route_id", "carrier_id", "year"], ("year",))
    check_sorted("carriers.csv", carriers, ["carrier_id"])
    check_sorted("carrier_prices.csv", prices, ["carrier_id", "price_set", "year"], ("year",))
    check_sorted("sources/routes.csv", read(HERE / "sources" / "routes.csv"), ["source_id"])
    for t, df in schema.items():
        check_sorted(f"schemas/{t}.csv", df, ["parameter"])
    for rid in routes.route_id:
        if not ID.match(rid):
            fail(f"routes.csv: bad route id '{rid}'")
    bad_fam = set(routes.family) - FAMILIES
    if bad_fam:
        fail(f"routes.csv: unknown families {sorted(bad_fam)}")
    unknown_products = set(routes.product_id) - set(products.product_id)
    if unknown_products:
        fail(f"routes.csv: unknown products {sorted(unknown_products)}")
    dup_sources = sources.source_id[sources.source_id.duplicated()]
    if len(dup_sources):
        fail(f"sources: ids defined twice {sorted(set(dup_sources))}")

    # --- every product has its incumbent(s) and a closure route
    by_id = routes.set_index("route_id")
    for pid in products.product_id:
        for rid in INCUMBENT.get(pid, []):
            if (
                rid not in by_id.index
                or by_id.at[rid, "product_id"] != pid
                or by_id.at[rid, "family"] != "incumbent"
            ):
                fail(f"product {pid}: incumbent route '{rid}' missing or wrong")
        if pid not in INCUMBENT:
            fail(f"product {pid}: no incumbent declared in this check")
        closure = f"{pid}_closure"
        if closure not in by_id.index or by_id.at[closure, "family"] != "closure":
            fail(f"product {pid}: closure route '{closure}' missing")
    extra_incumbents = set(routes.route_id[routes.family == "incumbent"]) - {
        r for rs in INCUMBENT.values() for r in rs
    }
    if extra_incumbents:
        fail(f"routes.csv: unexpected incumbents {sorted(extra_incumbents)}")

    # --- references
    for name, df in (("route_parameters.csv", params), ("route_inputs.csv", inputs)):
        missing = set(df.route_id) - set(routes.route_id)
        if missing:
            fail(f"{name}: unknown routes {sorted(missing)}")
    for name, df in (("route_inputs.csv", inputs), ("carrier_prices.csv", prices)):
        missing = set(df.carrier_id) - set(carriers.carrier_id)
        if missing:
            fail(f"{name}: unknown carriers {sorted(missing)}")
    known_sources = set(sources.source_id)
    for name, df in (
        ("route_parameters.csv", params),
        ("route_inputs.csv", inputs),
        ("carriers.csv", carriers),
        ("carrier_prices.csv", prices),
    ):
        missing = set(df.source) - known_sources
        if missing:
            fail(f"{name}: unknown sources {sorted(missing)}")
    for kind in ("assumption", "derived"):
        blank = sources[(sources.kind == kind) & (sources.note.str.strip() == "")]
        if len(blank):
            fail(f"sources: {kind} without note: {list(blank.source_id)}")
    declared = set(schema["route_parameters"].parameter)
    undeclared = set(params.parameter) - declared
    if undeclared:
        fail(f"route_parameters.csv: parameters not in the schema {sorted(undeclared)}")

    # --- units parse and convert to the canonical unit of their parameter
    prod_unit = products.set_index("product_id").unit
    route_unit = routes.set_index("route_id").product_id.map(prod_unit)
    carrier_unit = carriers.set_index("carrier_id").unit
    spec = schema["route_parameters"].set_index("parameter")

    def canonical(template: str, product: str | None = None, carrier: str | None = None) -> str:
        out = template
        if product:
            out = re.sub(r"\bproduct\b", product, out)
        if carrier:
            out = re.sub(r"\bcarrier\b", carrier, out)
        return out

    def convertible(table: str, i: int, unit: str, target: str) -> None:
        try:
            ureg.Quantity(1.0, unit).to(target)
        except Exception as exc:
            fail(f"{table} row {i + 2}: unit '{unit}' does not convert to '{target}' ({exc})")

    for i, r in params.iterrows():
        if r.parameter in spec.index:
            convertible(
                "route_parameters.csv",
                i,
                r.unit,
                canonical(spec.at[r.parameter, "unit"], route_unit.get(r.route_id)),
            )
        try:
            float(r.value)
        except ValueError:
            fail(f"route_parameters.csv row {i + 2}: value '{r.value}' is not a number")
        if r.unit.startswith("EUR") and not r.currency_year:
            fail(f"route_parameters.csv row {i + 2}: money without currency_year")
    for i, r in inputs.iterrows():
        convertible(
            "route_inputs.csv",
            i,
            r.unit,
            canonical(
                "carrier/product", route_unit.get(r.route_id), carrier_unit.get(r.carrier_id)
            ),
        )
        if float(r.value) < 0:
            fail(f"route_inputs.csv row {i + 2}: negative input")
    for i, r in prices.iterrows():
        convertible(
            "carrier_prices.csv",
            i,
            r.unit,
            canonical("EUR/carrier", carrier=carrier_unit.get(r.carrier_id)),
        )
        if not r.currency_year:
            fail(f"carrier_prices.csv row {i + 2}: no currency_year")
    for i, r in carriers.iterrows():
        if r.unit not in ("GJ", "t"):
            fail(f"carriers.csv row {i + 2}: unit '{r.unit}' is not GJ or t")
        if r.emission_factor:
            convertible("carriers.csv", i, r.emission_factor_unit, f"tCO2/{r.unit}")
    for t, df in schema.items():
        for i, r in df.iterrows():
            try:
                ureg.parse_units(canonical(r.unit, "t", "GJ"))
            except Exception as exc:
                fail(f"schemas/{t}.csv row {i + 2}: unit '{r.unit}' does not parse ({exc})")
            if r["dtype"] not in ("float", "int", "bool") or r["interpolation"] not in (
                "linear",
                "step",
            ):
                fail(f"schemas/{t}.csv row {i + 2}: bad dtype or interpolation")

    # --- content: incumbent emission factors positive, inputs for every non-closure route
    ef = params[params.parameter == "emission_factor"]
    for rid in sorted(r for rs in INCUMBENT.values() for r in rs):
        rows = ef[ef.route_id == rid]
        if rows.empty:
            (gaps if rid in KNOWN_NO_EMISSION_FACTOR else problems).append(
                f"incumbent {rid}: no emission_factor"
            )
        elif (rows.value.astype(float) <= 0).any():
            fail(f"incumbent {rid}: emission_factor not positive")
    for rid in routes.route_id[routes.family != "closure"]:
        if rid not in set(inputs.route_id) and rid not in NO_INPUTS_BY_DESIGN:
            (gaps if rid in KNOWN_NO_INPUTS else problems).append(f"route {rid}: no inputs")
    for rid in routes.route_id[routes.family == "closure"]:
        if rid in set(inputs.route_id):
            fail(f"closure route {rid} has inputs")
    shares = params[params.parameter == "electrifiable_share"].value.astype(float)
    if ((shares < 0) | (shares > 1)).any():
        fail("electrifiable_share outside [0, 1]")
    cr = params[params.parameter == "capture_rate"].value.astype(float)
    if ((cr < 0) | (cr > 1)).any():
        fail("capture_rate outside [0, 1]")
    trl = params[params.parameter == "trl"].value.astype(float)
    if ((trl < 1) | (trl > 9)).any():
        fail("trl outside 1-9")
    central = prices[prices.price_set == "central"]
    for cid in carriers.carrier_id:
        years = set(central.year[central.carrier_id == cid].astype(int))
        if not years:
            (gaps if cid in KNOWN_NO_PRICE else problems).append(f"carrier {cid}: no price")
        elif not {2025, 2050} <= years:
            fail(f"carrier {cid}: central price path must have rows for 2025 and 2050")

    print(
        f"routes {len(routes)}, parameters {len(params)}, inputs {len(inputs)}, "
        f"carriers {len(carriers)}, prices {len(prices)}, route sources "
        f"{len(read(HERE / 'sources' / 'routes.csv'))}"
    )
    for g in gaps:
        print("GAP ", g)
    for p in problems:
        print("FAIL", p)
    print("OK" if not problems else f"{len(problems)} problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
