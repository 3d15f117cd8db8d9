"""Check the curated policy and infrastructure tables.

Run from anywhere:  python data/curated/check_policy.py
Exit status 0 when every check passes, 1 otherwise; each problem is printed with file, row and
field.

Checks
- files are UTF-8 with "\\n" line endings, have the expected header and are sorted by key;
- no duplicate keys; every parameter is declared in its schema file (policy:
  ``instrument.parameter``);
- schema files: unique parameter names, pint-parseable unit, dtype in {float, int, bool},
  interpolation in {linear, step};
- every unit parses with pint and converts to the schema unit (values converted for real);
- years are integers >= 2000; every value is filled (``value`` is required in schemas/fields.csv);
- dtype: int values are whole numbers, bool values are 0/1;
- every source id resolves to sources/core.csv or sources/policy.csv; the two files share no id;
  sources of kind assumption/derived have a note;
- every cluster id exists in clusters.csv; infrastructure kind is one of the four allowed;
- money rows (unit with a currency dimension) carry a currency_year, other rows do not;
- every row's note starts with "status: " (the sheet's status, or assumption/derived);
- ets_benchmarks.csv and route_allocation.csv: header, sorted by key, no duplicate key, units
  tCO2/t and t/t, known sources and routes, every benchmark of route_allocation defined, and
  every 2021-25 and 2026-30 benchmark within what the update rule of Directive 2003/87/EC
  Art. 10a(2) allows from its 2013-20 value (rates 0.2-1.6 %/yr over 15 years, 0.3-2.5 %/yr
  over 20 years, values rounded to three decimals).
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd
import pint

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
SCHEMAS = ROOT / "src" / "kruispunt" / "schemas"

FILES = {
    "policy": HERE / "policy.csv",
    "infrastructure": HERE / "infrastructure.csv",
    "policy_schema": SCHEMAS / "policy.csv",
    "infrastructure_schema": SCHEMAS / "infrastructure.csv",
    "sources_core": HERE / "sources" / "core.csv",
    "sources_policy": HERE / "sources" / "policy.csv",
    "clusters": HERE / "clusters.csv",
    "ets_benchmarks": HERE / "ets_benchmarks.csv",
    "route_allocation": HERE / "route_allocation.csv",
    "routes": HERE / "routes.csv",
}
HEADERS = {
    "policy": [
        "instrument",
        "parameter",
        "year",
        "value",
        "unit",
        "currency_year",
        "source",
        "note",
    ],
    "infrastructure": [
        "cluster_id",
        "kind",
        "project",
        "parameter",
        "year",
        "value",
        "unit",
        "source",
        "note",
    ],
    "policy_schema": [
        "parameter",
        "unit",
        "dtype",
        "minimum",
        "maximum",
        "interpolation",
        "description",
    ],
    "infrastructure_schema": [
        "parameter",
        "unit",
        "dtype",
        "minimum",
        "maximum",
        "interpolation",
        "description",
    ],
    "sources_policy": ["source_id", "title", "publisher", "year", "url", "licence", "kind", "note"],
    "ets_benchmarks": ["benchmark_id", "period", "value", "unit", "source", "note"],
    "route_allocation": ["route_id", "benchmark_id", "amount", "unit", "source", "note"],
}
BENCHMARK_RULE = {2021: (15, 0.002, 0.016), 2026: (20, 0.003, 0.025)}
"""Allocation period -> (years of reduction, lowest and highest annual rate), Art. 10a(2)."""
KEYS = {
    "policy": ["instrument", "parameter", "year"],
    "infrastructure": ["cluster_id", "kind", "project", "parameter", "year"],
}
INFRA_KINDS = {"grid", "co2_storage", "co2_transport", "hydrogen"}
SOURCE_KINDS = {"dataset", "document", "web", "assumption", "derived"}


def registry() -> pint.UnitRegistry:
    """The project's unit registry (kruispunt.units), so the checks parse what the loader
    parses."""
    from kruispunt.units import registry as project_registry

    return project_registry()


class Checker:
    def __init__(self) -> None:
        self.errors: list[str] = []
        self.ureg = registry()

    def err(self, where: str, msg: str) -> None:
        self.errors.append(f"{where}: {msg}")

    # -- reading ---------------------------------------------------------------------------
    def read(self, name: str) -> pd.DataFrame:
        path = FILES[name]
        raw = path.read_bytes()
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            self.err(str(path), f"not UTF-8 ({exc})")
            text = raw.decode("utf-8", errors="replace")
        if "\r" in text:
            self.err(str(path), "contains \\r (line endings must be \\n)")
        if not text.endswith("\n"):
            self.err(str(path), "does not end with a newline")
        df = pd.read_csv(path, dtype=str, keep_default_na=False)
        if name in HEADERS and list(df.columns) != HEADERS[name]:
            self.err(str(path), f"header {list(df.columns)} != {HEADERS[name]}")
        return df

    def where(self, name: str, i: int, field: str = "") -> str:
        # +2: header line and 1-based numbering
        return f"{FILES[name].relative_to(ROOT)} line {i + 2}" + (f" [{field}]" if field else "")

    # -- units -----------------------------------------------------------------------------
    def quantity(self, value: float, unit: str) -> pint.Quantity:
        if unit == "dimensionless":
            return self.ureg.Quantity(value, "")
        return self.ureg.Quantity(value, unit)

    def parses(self, unit: str) -> bool:
        try:
            self.quantity(1.0, unit)
        except Exception:
            return False
        return True

    def is_money(self, unit: str) -> bool:
        return "[currency]" in self.quantity(1.0, unit).dimensionality

    # -- schema ----------------------------------------------------------------------------
    def schema(self, name: str) -> dict[str, pd.Series]:
        df = self.read(name)
        out: dict[str, pd.Series] = {}
        for i, row in df.iterrows():
            p = row["parameter"]
            if p in out:
                self.err(self.where(name, i, "parameter"), f"duplicate parameter {p!r}")
            out[p] = row
            if not self.parses(row["unit"]):
                self.err(self.where(name, i, "unit"), f"unit {row['unit']!r} does not parse")
            if row["dtype"] not in {"float", "int", "bool"}:
                self.err(self.where(name, i, "dtype"), f"dtype {row['dtype']!r}")
            if row["interpolation"] not in {"linear", "step"}:
                self.err(
                    self.where(name, i, "interpolation"), f"interpolation {row['interpolation']!r}"
                )
            if not row["description"].strip():
                self.err(self.where(name, i, "description"), "empty description")
        if list(df["parameter"]) != sorted(df["parameter"]):
            self.err(str(FILES[name].relative_to(ROOT)), "rows not sorted by parameter")
        return out

    # -- sources ---------------------------------------------------------------------------
    def sources(self) -> set[str]:
        core = self.read("sources_core")
        pol = self.read("sources_policy")
        if list(pol.columns) != list(core.columns):
            self.err(
                str(FILES["sources_policy"].relative_to(ROOT)),
                "columns differ from sources/core.csv",
            )
        clash = set(core["source_id"]) & set(pol["source_id"])
        for sid in sorted(clash):
            self.err(
                str(FILES["sources_policy"].relative_to(ROOT)),
                f"source_id {sid!r} also in core.csv",
            )
        dup = pol["source_id"][pol["source_id"].duplicated()]
        for sid in dup:
            self.err(str(FILES["sources_policy"].relative_to(ROOT)), f"duplicate source_id {sid!r}")
        if list(pol["source_id"]) != sorted(pol["source_id"]):
            self.err(str(FILES["sources_policy"].relative_to(ROOT)), "rows not sorted by source_id")
        for i, row in pol.iterrows():
            w = self.where("sources_policy", i)
            if row["kind"] not in SOURCE_KINDS:
                self.err(w, f"kind {row['kind']!r}")
            if row["kind"] in {"web", "document"} and not row["url"].startswith("http"):
                self.err(w, "web/document source without URL")
            if row["kind"] in {"assumption", "derived"} and not row["note"].strip():
                self.err(w, f"{row['kind']} source without a note giving the reason/formula")
            if row["year"] and not row["year"].isdigit():
                self.err(w, f"year {row['year']!r} is not an integer")
            if not row["title"].strip() or not row["licence"].strip():
                self.err(w, "title and licence are required")
        return set(core["source_id"]) | set(pol["source_id"])

    # -- long tables -----------------------------------------------------------------------
    def long_table(
        self, name: str, schema: dict[str, pd.Series], source_ids: set[str], cluster_ids: set[str]
    ) -> tuple[set[str], set[str]]:
        df = self.read(name)
        keys = KEYS[name]
        used_params: set[str] = set()
        used_sources: set[str] = set()
        bad = ~df["year"].str.fullmatch(r"\d{4}")
        for i in df.index[bad]:
            self.err(
                self.where(name, i, "year"), f"year {df.at[i, 'year']!r} is not a 4-digit integer"
            )
        for i in df.index[~bad & (pd.to_numeric(df["year"], errors="coerce") < 2000)]:
            self.err(self.where(name, i, "year"), "year before 2000 (schemas/fields.csv minimum)")
        dup = df.duplicated(keys, keep=False)
        for i in df.index[dup]:
            self.err(self.where(name, i), f"duplicate key {tuple(df.loc[i, keys])}")
        order = (
            df.assign(_y=pd.to_numeric(df["year"], errors="coerce"))
            .sort_values([*keys[:-1], "_y"], kind="stable")
            .index
        )
        if list(order) != list(df.index):
            self.err(str(FILES[name].relative_to(ROOT)), "rows not sorted by key")
        for i, row in df.iterrows():
            pname = (
                f"{row['instrument']}.{row['parameter']}" if name == "policy" else row["parameter"]
            )
            used_params.add(pname)
            used_sources.add(row["source"])
            if name == "infrastructure":
                if row["cluster_id"] not in cluster_ids:
                    self.err(
                        self.where(name, i, "cluster_id"), f"unknown cluster {row['cluster_id']!r}"
                    )
                if row["kind"] not in INFRA_KINDS:
                    self.err(
                        self.where(name, i, "kind"),
                        f"kind {row['kind']!r} not in {sorted(INFRA_KINDS)}",
                    )
            if row["source"] not in source_ids:
                self.err(self.where(name, i, "source"), f"unknown source {row['source']!r}")
            if not row["note"].startswith("status: "):
                self.err(self.where(name, i, "note"), "note does not start with 'status: '")
            if pname not in schema:
                self.err(
                    self.where(name, i, "parameter"),
                    f"{pname!r} not declared in {FILES[name + '_schema'].name}",
                )
                continue
            spec = schema[pname]
            unit = row["unit"]
            if not unit or not self.parses(unit):
                self.err(self.where(name, i, "unit"), f"unit {unit!r} does not parse")
                continue
            money = self.is_money(unit)
            if name == "policy":
                cy = row["currency_year"]
                if money and not (cy.isdigit() and len(cy) == 4):
                    self.err(
                        self.where(name, i, "currency_year"), "money row without a currency_year"
                    )
                if not money and cy:
                    self.err(
                        self.where(name, i, "currency_year"), "currency_year on a non-money row"
                    )
            value = row["value"]
            if value == "":
                # schemas/fields.csv marks `value` required: a figure no source gives is left out
                # (and listed in POLICY.md), never written as an empty row.
                self.err(self.where(name, i, "value"), "empty value (leave the row out instead)")
                continue
            try:
                v = float(value)
            except ValueError:
                self.err(self.where(name, i, "value"), f"value {value!r} is not a number")
                continue
            try:
                q = self.quantity(v, unit).to(self.quantity(1.0, spec["unit"]).units)
            except pint.DimensionalityError as exc:
                self.err(
                    self.where(name, i, "unit"),
                    f"{unit!r} does not convert to {spec['unit']!r}: {exc}",
                )
                continue
            m = float(q.magnitude)
            if spec["dtype"] == "int" and abs(m - round(m)) > 1e-9:
                self.err(
                    self.where(name, i, "value"), f"{value} is not an integer ({pname} is int)"
                )
            if spec["dtype"] == "bool" and m not in (0.0, 1.0):
                self.err(self.where(name, i, "value"), f"{value} is not 0/1 ({pname} is bool)")
        for p in sorted(set(schema) - used_params):
            self.err(
                str(FILES[name + "_schema"].relative_to(ROOT)),
                f"parameter {p!r} declared but never used",
            )
        return used_params, used_sources

    # -- EU ETS benchmark tables --------------------------------------------------------------
    def benchmarks(self, source_ids: set[str]) -> set[str]:
        bm = self.read("ets_benchmarks")
        ra = self.read("route_allocation")
        routes = set(self.read("routes")["route_id"])
        for name, df, keys, unit in (
            ("ets_benchmarks", bm, ["benchmark_id", "period"], "tCO2/t"),
            ("route_allocation", ra, ["route_id", "benchmark_id"], "t/t"),
        ):
            if list(df.index) != list(df.sort_values(keys, kind="stable").index):
                self.err(str(FILES[name].relative_to(ROOT)), "rows not sorted by key")
            for i in df.index[df.duplicated(keys, keep=False)]:
                self.err(self.where(name, i), f"duplicate key {tuple(df.loc[i, keys])}")
            for i, row in df.iterrows():
                if row["unit"] != unit:
                    self.err(self.where(name, i, "unit"), f"{row['unit']!r}; expected {unit!r}")
                if row["source"] not in source_ids:
                    self.err(self.where(name, i, "source"), f"unknown source {row['source']!r}")
                if not row["note"].startswith("status: "):
                    self.err(self.where(name, i, "note"), "note does not start with 'status: '")
        for i, row in ra.iterrows():
            if row["route_id"] not in routes:
                self.err(self.where("route_allocation", i, "route_id"), "unknown route")
            if row["benchmark_id"] not in set(bm["benchmark_id"]):
                self.err(self.where("route_allocation", i, "benchmark_id"), "not in ets_benchmarks")
        value = {(r.benchmark_id, int(r.period)): float(r.value) for r in bm.itertuples()}
        for (product, period), v in value.items():
            start = value.get((product, 2013))
            if period not in BENCHMARK_RULE or start is None:
                continue
            n, lo, hi = BENCHMARK_RULE[period]
            low, high = start * (1 - hi * n), start * (1 - lo * n)
            if not low - 5e-4 <= v <= high + 5e-4:
                i = int(bm.index[(bm.benchmark_id == product) & (bm.period == str(period))][0])
                self.err(
                    self.where("ets_benchmarks", i, "value"),
                    f"{v} outside the Art. 10a(2) range [{low:.4f}, {high:.4f}] from {start}",
                )
        return set(bm["source"]) | set(ra["source"])

    def run(self) -> int:
        source_ids = self.sources()
        core_routes = HERE / "sources" / "routes.csv"
        used = self.benchmarks(source_ids | set(pd.read_csv(core_routes, dtype=str)["source_id"]))
        clusters = set(self.read("clusters")["cluster_id"])
        counts = {}
        for name in ("policy", "infrastructure"):
            schema = self.schema(name + "_schema")
            params, srcs = self.long_table(name, schema, source_ids, clusters)
            used |= srcs
            counts[name] = (len(pd.read_csv(FILES[name], dtype=str)), len(params))
        pol_ids = set(pd.read_csv(FILES["sources_policy"], dtype=str)["source_id"])
        unused = sorted(pol_ids - used)
        for name, (rows, params) in counts.items():
            print(f"{name}: {rows} rows, {params} parameters")
        print(f"sources/policy.csv: {len(pol_ids)} sources")
        if unused:
            print("note: ids cited only in notes, not in a source column: " + ", ".join(unused))
        if self.errors:
            print(f"\n{len(self.errors)} problem(s):")
            for e in self.errors:
                print("  " + e)
            return 1
        print("all checks passed")
        return 0


if __name__ == "__main__":
    sys.exit(Checker().run())
