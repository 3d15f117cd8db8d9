"""The row-by-row checks as they were before they were vectorised (commit 105925a), kept
as the reference the vectorised ones must agree with, message for message
(``test_vectorised_checks.py``). Not used by the package."""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Hashable, Iterator
from dataclasses import dataclass
from typing import cast

import pandas as pd

from kruispunt.catalogue.raw import RawPackage
from kruispunt.catalogue.schema import (
    LONG_TABLE_PARAMETER_KEY,
    FieldSpec,
    TableSpec,
    parameter_key,
    parameter_specs,
    table_specs,
)
from kruispunt.errors import Problem, UnitError
from kruispunt.units import conversion_factor, substitute

ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_]*$")
EMISSION_SHARE_TOLERANCE = 1e-6

Check = Callable[[RawPackage], list[Problem]]


def _line(index: Hashable) -> int:
    return int(cast(int, index)) + 2


def _present(raw: RawPackage) -> Iterator[tuple[TableSpec, pd.DataFrame]]:
    """Tables that were read and have all their columns."""
    for name, spec in table_specs().items():
        df = raw.tables.get(name)
        if df is not None and all(f.name in df.columns for f in spec.fields):
            yield spec, df


def _is_int(text: str) -> bool:
    return re.fullmatch(r"[+-]?\d+", text) is not None


def _is_number(text: str) -> bool:
    try:
        value = float(text)
    except ValueError:
        return False
    return math.isfinite(value)


_TYPE_TESTS: dict[str, tuple[Callable[[str], bool], str]] = {
    "integer": (_is_int, "an integer"),
    "number": (_is_number, "a finite number"),
    "boolean": (lambda t: t in ("true", "false"), "'true' or 'false'"),
    "id": (lambda t: ID_PATTERN.fullmatch(t) is not None, "an id matching [a-z0-9_]+"),
    "string": (lambda t: True, "text"),
}


def check_tables_present(raw: RawPackage) -> list[Problem]:
    """Every table of the schema has its CSV file and a resource in datapackage.json."""
    problems: list[Problem] = []
    listed: set[str] = set()
    resources = raw.descriptor.get("resources", []) if raw.descriptor else []
    if isinstance(resources, list):
        listed = {str(r.get("name")) for r in resources if isinstance(r, dict)}
    for name in table_specs():
        file = raw.file(name)
        if name not in raw.tables and not any(p.file == file for p in raw.problems):
            problems.append(
                Problem("check_tables_present", file, None, None, f"table '{name}' is missing")
            )
        elif raw.descriptor and name not in listed:
            problems.append(
                Problem(
                    "check_tables_present",
                    str(raw.path / "datapackage.json"),
                    None,
                    None,
                    f"no resource named '{name}'",
                )
            )
    return problems


def check_columns(raw: RawPackage) -> list[Problem]:
    """Every table has exactly the columns of its schema."""
    problems: list[Problem] = []
    for name, spec in table_specs().items():
        df = raw.tables.get(name)
        if df is None:
            continue
        expected = [f.name for f in spec.fields]
        for col in expected:
            if col not in df.columns:
                problems.append(
                    Problem("check_columns", raw.file(name), 1, col, "column is missing")
                )
        for col in df.columns:
            if col not in expected:
                problems.append(
                    Problem(
                        "check_columns",
                        raw.file(name),
                        1,
                        col,
                        f"unknown column; allowed: {', '.join(expected)}",
                    )
                )
    return problems


def check_required(raw: RawPackage) -> list[Problem]:
    """Required fields are not empty."""
    problems: list[Problem] = []
    for spec, df in _present(raw):
        for f in spec.fields:
            if not f.required:
                continue
            for idx in df.index[df[f.name].str.strip() == ""]:
                problems.append(
                    Problem(
                        "check_required",
                        raw.file(spec.name),
                        _line(idx),
                        f.name,
                        "value is required",
                    )
                )
    return problems


def check_types(raw: RawPackage) -> list[Problem]:
    """Non-empty cells parse as their field's type."""
    problems: list[Problem] = []
    for spec, df in _present(raw):
        for f in spec.fields:
            test, what = _TYPE_TESTS[f.type]
            for idx, text in df[f.name].items():
                if text != "" and not test(text):
                    problems.append(
                        Problem(
                            "check_types",
                            raw.file(spec.name),
                            _line(idx),
                            f.name,
                            f"'{text}' is not {what}",
                        )
                    )
    return problems


def _typed_ok(f: FieldSpec, text: str) -> bool:
    return text != "" and _TYPE_TESTS[f.type][0](text)


def check_enums(raw: RawPackage) -> list[Problem]:
    """Fields with a fixed vocabulary hold one of its values."""
    problems: list[Problem] = []
    for spec, df in _present(raw):
        for f in spec.fields:
            if not f.enum:
                continue
            for idx, text in df[f.name].items():
                if text != "" and text not in f.enum:
                    problems.append(
                        Problem(
                            "check_enums",
                            raw.file(spec.name),
                            _line(idx),
                            f.name,
                            f"'{text}' is not allowed; allowed: {', '.join(f.enum)}",
                        )
                    )
    return problems


def check_minimums(raw: RawPackage) -> list[Problem]:
    """Numbers respect their field's minimum (capacities > 0, emissions >= 0, ...)."""
    problems: list[Problem] = []
    for spec, df in _present(raw):
        for f in spec.fields:
            if not f.minimum or not f.is_numeric:
                continue
            strict = f.minimum.startswith(">")
            bound = float(f.minimum.lstrip(">"))
            for idx, text in df[f.name].items():
                if not _typed_ok(f, text):
                    continue
                value = float(text)
                if (value <= bound) if strict else (value < bound):
                    rel = "greater than" if strict else "at least"
                    problems.append(
                        Problem(
                            "check_minimums",
                            raw.file(spec.name),
                            _line(idx),
                            f.name,
                            f"{text} is out of range: must be {rel} {f.minimum.lstrip('>')}",
                        )
                    )
    return problems


def check_unique_keys(raw: RawPackage) -> list[Problem]:
    """Primary keys are unique."""
    problems: list[Problem] = []
    for spec, df in _present(raw):
        key = list(spec.primary_key)
        dup = df.duplicated(subset=key, keep="first")
        for idx in df.index[dup]:
            value = ", ".join(f"{k}={df.at[idx, k]!s}" for k in key)
            problems.append(
                Problem(
                    "check_unique_keys",
                    raw.file(spec.name),
                    _line(idx),
                    ",".join(key),
                    f"duplicate id ({value})",
                )
            )
    return problems


def check_foreign_keys(raw: RawPackage) -> list[Problem]:
    """Ids that refer to another table (cluster, sector, product, route, site, source) exist."""
    problems: list[Problem] = []
    for spec, df in _present(raw):
        for f in spec.fields:
            if not f.references:
                continue
            ref_table, ref_field = f.references.split(".")
            target = raw.tables.get(ref_table)
            if target is None or ref_field not in target.columns:
                continue
            known = set(target[ref_field])
            for idx, text in df[f.name].items():
                if text != "" and text not in known:
                    problems.append(
                        Problem(
                            "check_foreign_keys",
                            raw.file(spec.name),
                            _line(idx),
                            f.name,
                            f"unknown {ref_field.removesuffix('_id')} id "
                            f"'{text}' (not in {ref_table}.csv)",
                        )
                    )
    return problems


def check_numeric_sources(raw: RawPackage) -> list[Problem]:
    """Every numeric value has a source: a source column on its row, or a source for its field."""
    problems: list[Problem] = []
    sources = raw.tables.get("sources")
    known = set(sources["source_id"]) if sources is not None and "source_id" in sources else set()
    for spec, df in _present(raw):
        for f in spec.fields:
            if f.type != "number" and not (f.type == "integer" and f.source):
                continue
            filled = df[f.name] != ""
            if not f.source:
                for idx in df.index[filled]:
                    problems.append(
                        Problem(
                            "check_numeric_sources",
                            raw.file(spec.name),
                            _line(idx),
                            f.name,
                            "value has no source",
                        )
                    )
                continue
            kind, _, ref = f.source.partition(":")
            if kind == "field":
                if ref not in known and filled.any():
                    problems.append(
                        Problem(
                            "check_numeric_sources",
                            raw.file(spec.name),
                            None,
                            f.name,
                            f"field source '{ref}' is not in sources.csv",
                        )
                    )
                continue
            for idx in df.index[filled & (df[ref] == "")]:
                problems.append(
                    Problem(
                        "check_numeric_sources",
                        raw.file(spec.name),
                        _line(idx),
                        f.name,
                        f"value has no source (column '{ref}' is empty)",
                    )
                )
    return problems


def check_source_notes(raw: RawPackage) -> list[Problem]:
    """An assumption says why and a derivation says how (its note is not empty)."""
    problems: list[Problem] = []
    df = raw.tables.get("sources")
    if df is None or not {"kind", "note"} <= set(df.columns):
        return problems
    bad = df["kind"].isin(["assumption", "derived"]) & (df["note"].str.strip() == "")
    for idx in df.index[bad]:
        problems.append(
            Problem(
                "check_source_notes",
                raw.file("sources"),
                _line(idx),
                "note",
                f"source '{df.at[idx, 'source_id']!s}' is of kind '{df.at[idx, 'kind']!s}' "
                "and must give its reason or formula in 'note'",
            )
        )
    return problems


def check_parameters_declared(raw: RawPackage) -> list[Problem]:
    """Every parameter of a long table is declared in its schema file."""
    problems: list[Problem] = []
    for table in LONG_TABLE_PARAMETER_KEY:
        df = raw.tables.get(table)
        spec = table_specs()[table]
        if df is None or not all(f.name in df.columns for f in spec.fields):
            continue
        declared = parameter_specs(table)
        for idx, row in df.iterrows():
            key = parameter_key(table, cast(dict[str, str], row.to_dict()))
            if key not in declared:
                problems.append(
                    Problem(
                        "check_parameters_declared",
                        raw.file(table),
                        _line(idx),
                        "parameter",
                        f"unknown parameter '{key}'; declared: {', '.join(sorted(declared))}",
                    )
                )
    return problems


def _lookup(raw: RawPackage, table: str, key: str, value: str) -> dict[str, str]:
    df = raw.tables.get(table)
    if df is None or key not in df.columns:
        return {}
    return dict(zip(df[key], df[value], strict=True)) if value in df.columns else {}


@dataclass(frozen=True)
class UnitLookups:
    """Units of products and carriers, and the product of each route."""

    product_unit: dict[str, str]
    carrier_unit: dict[str, str]
    route_product: dict[str, str]

    @classmethod
    def of(cls, raw: RawPackage) -> UnitLookups:
        return cls(
            _lookup(raw, "products", "product_id", "unit"),
            _lookup(raw, "carriers", "carrier_id", "unit"),
            _lookup(raw, "routes", "route_id", "product_id"),
        )


def canonical_unit(lookups: UnitLookups, table: str, row: dict[str, str]) -> str | None:
    """Canonical unit of the value on a row of a table with a unit column (None if unknown)."""
    product_unit, carrier_unit = lookups.product_unit, lookups.carrier_unit
    if table == "site_products":
        unit = product_unit.get(row["product_id"])
        return f"{unit}/yr" if unit else None
    if table == "carriers":
        unit = carrier_unit.get(row["carrier_id"]) or row.get("unit")
        return f"tCO2/{unit}" if unit else None
    if table == "storage_contracts":  # added on main with the table (commit 982b638)
        return "t/yr"
    if table == "route_retrofits":  # added with the table (commit 525fc74)
        unit = product_unit.get(lookups.route_product.get(row.get("route_id", ""), ""))
        return f"EUR/({unit}/yr)" if unit else None
    if table == "events":  # added with the table (issue 8, units and events)
        if row.get("kind") != "capacity_change":
            return "tCO2/yr"
        unit = product_unit.get(row.get("product_id", ""))
        return f"{unit}/yr" if unit else None
    if table in LONG_TABLE_PARAMETER_KEY:
        pspec = parameter_specs(table).get(parameter_key(table, row))
        if pspec is None:
            return None
        product = None
        if "route_id" in row:
            product = product_unit.get(lookups.route_product.get(row["route_id"], ""))
            if product is None and "product" in pspec.unit:
                return None
        elif "product_id" in row:
            product = product_unit.get(row["product_id"])
            if product is None and "product" in pspec.unit:
                return None
        carrier = carrier_unit.get(row.get("carrier_id", ""))
        if carrier is None and "carrier" in pspec.unit:
            return None
        return substitute(pspec.unit, product=product, carrier=carrier)
    return None


def check_units(raw: RawPackage) -> list[Problem]:
    """Every unit parses and converts to the canonical unit of its value."""
    problems: list[Problem] = []
    lookups = UnitLookups.of(raw)
    for spec, df in _present(raw):
        unit_fields = {f.unit.split(":", 1)[1] for f in spec.fields if f.unit.startswith("unit:")}
        for col in unit_fields:
            for idx, row in df.iterrows():
                unit = row[col]
                valued = [f for f in spec.fields if f.unit == f"unit:{col}" and row[f.name] != ""]
                if not valued:
                    continue
                if unit.strip() == "":
                    problems.append(
                        Problem(
                            "check_units", raw.file(spec.name), _line(idx), col, "value has no unit"
                        )
                    )
                    continue
                target = canonical_unit(lookups, spec.name, cast(dict[str, str], row.to_dict()))
                try:
                    if target is None:
                        conversion_factor(unit, unit)
                    else:
                        conversion_factor(unit, target)
                except UnitError as exc:
                    problems.append(
                        Problem("check_units", raw.file(spec.name), _line(idx), col, str(exc))
                    )
    return problems


def check_emission_shares(raw: RawPackage) -> list[Problem]:
    """The plants of a site share its base-year emissions: their shares sum to 1."""
    problems: list[Problem] = []
    df = raw.tables.get("site_products")
    if df is None or not {"site_id", "emission_share"} <= set(df.columns):
        return problems
    shares = pd.to_numeric(df["emission_share"], errors="coerce")
    for site, total in shares.groupby(df["site_id"]).sum(min_count=1).items():
        if pd.notna(total) and abs(total - 1.0) > EMISSION_SHARE_TOLERANCE:
            idx = df.index[df["site_id"] == site][0]
            problems.append(
                Problem(
                    "check_emission_shares",
                    raw.file("site_products"),
                    _line(idx),
                    "emission_share",
                    f"shares of site '{site}' sum to {total:.6g}, not 1",
                )
            )
    return problems


def check_installation_sites(raw: RawPackage) -> list[Problem]:
    """Included installations belong to a site; excluded ones to none, by an exclusion rule."""
    problems: list[Problem] = []
    df = raw.tables.get("installations")
    if df is None or not {"site_id", "included", "rule"} <= set(df.columns):
        return problems
    for idx, row in df.iterrows():
        included = row["included"] == "true"
        excluded_rule = row["rule"].startswith("excluded_")
        if included and (row["site_id"] == "" or excluded_rule):
            problems.append(
                Problem(
                    "check_installation_sites",
                    raw.file("installations"),
                    _line(idx),
                    "site_id",
                    "an included installation needs a site and an inclusion rule",
                )
            )
        if not included and (row["site_id"] != "" or not excluded_rule):
            problems.append(
                Problem(
                    "check_installation_sites",
                    raw.file("installations"),
                    _line(idx),
                    "site_id",
                    "an excluded installation has no site and an excluded_* rule",
                )
            )
    return problems


def check_sites_have_plants(raw: RawPackage) -> list[Problem]:
    """Every site has at least one plant and at least one installation."""
    problems: list[Problem] = []
    sites, plants, inst = (raw.tables.get(t) for t in ("sites", "site_products", "installations"))
    if sites is None or plants is None or inst is None:
        return problems
    if "site_id" not in sites or "site_id" not in plants or "site_id" not in inst:
        return problems
    with_plants, with_inst = set(plants["site_id"]), set(inst["site_id"])
    for idx, site in sites["site_id"].items():
        if site not in with_plants:
            problems.append(
                Problem(
                    "check_sites_have_plants",
                    raw.file("sites"),
                    _line(idx),
                    "site_id",
                    f"site '{site}' has no row in site_products.csv",
                )
            )
        if site not in with_inst:
            problems.append(
                Problem(
                    "check_sites_have_plants",
                    raw.file("sites"),
                    _line(idx),
                    "site_id",
                    f"site '{site}' has no installation",
                )
            )
    return problems


def check_route_products(raw: RawPackage) -> list[Problem]:
    """A plant's route makes the plant's product."""
    problems: list[Problem] = []
    plants = raw.tables.get("site_products")
    route_product = _lookup(raw, "routes", "route_id", "product_id")
    if plants is None or not {"route_id", "product_id"} <= set(plants.columns):
        return problems
    for idx, row in plants.iterrows():
        made = route_product.get(row["route_id"])
        if made is not None and made != row["product_id"]:
            problems.append(
                Problem(
                    "check_route_products",
                    raw.file("site_products"),
                    _line(idx),
                    "route_id",
                    f"route '{row['route_id']}' makes '{made}', not '{row['product_id']}'",
                )
            )
    return problems


def check_commitments(raw: RawPackage) -> list[Problem]:
    """A commitment names an existing plant (site, product and unit) and a route of that
    plant's product (the unit was added with plants at unit level, issue 8)."""
    problems: list[Problem] = []
    com, plants = raw.tables.get("commitments"), raw.tables.get("site_products")
    route_product = _lookup(raw, "routes", "route_id", "product_id")
    if com is None or plants is None:
        return problems
    if not {"site_id", "product_id", "unit_id", "route_id"} <= set(com.columns):
        return problems
    if not {"site_id", "product_id", "unit_id"} <= set(plants.columns):
        return problems
    units = set(zip(plants["site_id"], plants["product_id"], plants["unit_id"], strict=True))
    known = {(s, p) for s, p, _ in units}
    for idx, row in com.iterrows():
        plant = f"{row['site_id']!s}/{row['product_id']!s}"
        if (row["site_id"], row["product_id"]) not in known:
            problems.append(
                Problem(
                    "check_commitments",
                    raw.file("commitments"),
                    _line(idx),
                    "product_id",
                    f"no plant {plant} in site_products.csv",
                )
            )
        elif (row["site_id"], row["product_id"], row["unit_id"]) not in units:
            problems.append(
                Problem(
                    "check_commitments",
                    raw.file("commitments"),
                    _line(idx),
                    "unit_id",
                    f"no unit '{row['unit_id']!s}' of plant {plant} in site_products.csv",
                )
            )
        made = route_product.get(str(row["route_id"]))
        if made is not None and made != row["product_id"]:
            problems.append(
                Problem(
                    "check_commitments",
                    raw.file("commitments"),
                    _line(idx),
                    "route_id",
                    f"route '{row['route_id']!s}' makes '{made}', not '{row['product_id']!s}'",
                )
            )
    return problems


# Parameters the model cannot run without. A missing one is not read as 0: the engine would
# then run, e.g., without a carbon price or without an industry target, and nothing would say
# so. Each entry is (table, key column(s), key): a policy parameter is named
# ``instrument.parameter``; a carrier price by its carrier id.
REQUIRED_PARAMETERS: tuple[tuple[str, str, str], ...] = (
    ("policy", "parameter", "eu_ets.eua_price"),
    ("policy", "parameter", "cbam.free_allocation_factor"),
    ("policy", "parameter", "co2_heffing.tariff"),
    ("policy", "parameter", "co2_heffing.reduction_factor"),
    ("policy", "parameter", "energy_tax.gas_rate_bracket_4"),
    ("policy", "parameter", "energy_tax.electricity_rate_bracket_4"),
    ("policy", "parameter", "targets.industry_emissions_target"),
    ("policy", "parameter", "ccs.transport_storage_cost"),
    ("policy", "parameter", "sde_pp.budget"),
    ("policy", "parameter", "ikc.budget"),
    ("policy", "parameter", "ikc.aid_intensity"),
    ("policy", "parameter", "ikc.co2_emission_factor"),
    ("carrier_prices", "carrier_id", "natural_gas"),
    ("carrier_prices", "carrier_id", "electricity"),
)


def check_required_parameters(raw: RawPackage) -> list[Problem]:
    """Parameters the model needs (:data:`REQUIRED_PARAMETERS`) have at least one row."""
    problems: list[Problem] = []
    for table, field, key in REQUIRED_PARAMETERS:
        df = raw.tables.get(table)
        spec = table_specs()[table]
        if df is None or not all(f.name in df.columns for f in spec.fields):
            continue  # reported by check_tables_present / check_columns
        if table == "policy":
            keys = set(df["instrument"] + "." + df["parameter"])
            what = "required parameter"
        else:
            keys = set(df[field])
            what = "required price of carrier"
        if key not in keys:
            problems.append(
                Problem(
                    "check_required_parameters",
                    raw.file(table),
                    None,
                    field,
                    f"{what} '{key}' is missing: the model cannot run without it",
                )
            )
    return problems


COMPARED: tuple[Check, ...] = (
    check_columns,
    check_required,
    check_types,
    check_enums,
    check_minimums,
    check_unique_keys,
    check_foreign_keys,
    check_numeric_sources,
    check_source_notes,
    check_parameters_declared,
    check_units,
    check_emission_shares,
    check_installation_sites,
    check_sites_have_plants,
    check_route_products,
    check_commitments,
    check_required_parameters,
)
"""The checks whose behaviour did not change (``check_tables_present`` now also handles a
descriptor that is not an object)."""
