"""Named checks on a data package. Each ``check_*`` checks one thing and returns problems.

Every problem names the file, the line (header = line 1) and the field. :func:`run_checks`
runs them all; the loader refuses a package with any problem, so a broken package is never
half-loaded.

The checks work on whole columns (pandas masks, one unit conversion per distinct pair of
units); only the problems they find are visited one by one, in table, field and row order.
"""

from __future__ import annotations

import hashlib
import itertools
import math
import re
from collections.abc import Callable, Hashable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any, cast

import numpy as np
import numpy.typing as npt
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
from kruispunt.units import EURO_YEAR, conversion_factor, is_money, substitute
from kruispunt.vocabulary import BASE_YEAR

ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_]*$")
INTEGER_PATTERN = r"[+-]?[0-9]+"
NUMBER_PATTERN = r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?"
"""A number as the loader parses it: ASCII digits, optional sign, point and exponent."""
EMISSION_SHARE_TOLERANCE = 1e-6
IDLE_SHARE = 0.01
"""A site whose base-year verified emissions are below this share of its mean over the three
years before did not run in the base year (:func:`check_idle_base_year`)."""
UNIT_MAX_LENGTH = 100
TINY = 1e-9
"""Smallest non-zero magnitude of a bounded number, in its canonical unit: anything smaller is
rounding noise or a typo, and overflows the model's divisions."""
SHOWN_MAX_LENGTH = 80
"""Longest cell text quoted in a message; longer text is cut with '...'."""

Check = Callable[[RawPackage], list[Problem]]


def _line(index: Hashable) -> int:
    return int(cast(int, index)) + 2


def _shown(text: str) -> str:
    return text if len(text) <= SHOWN_MAX_LENGTH else text[: SHOWN_MAX_LENGTH - 3] + "..."


def _present(raw: RawPackage) -> Iterator[tuple[TableSpec, pd.DataFrame]]:
    """Tables that were read and have all their columns."""
    for name, spec in table_specs().items():
        df = raw.tables.get(name)
        if df is not None and all(f.name in df.columns for f in spec.fields):
            yield spec, df


def _rows(mask: Any) -> Iterable[Hashable]:
    """Index labels where a boolean Series is true, in row order."""
    series = cast("pd.Series[bool]", mask)
    return cast(Iterable[Hashable], series.index[series.to_numpy(dtype=bool)])


_NUMBER = re.compile(NUMBER_PATTERN)
_INTEGER = re.compile(INTEGER_PATTERN)


@dataclass(frozen=True)
class _Column:
    """A column's cells, parsed once per package and shared by every check."""

    texts: list[str]
    filled: npt.NDArray[np.bool_]
    valid: npt.NDArray[np.bool_]
    """Filled and parses as the field's type."""
    values: npt.NDArray[np.float64]
    """The number in each cell (NaN where it is not one)."""


def _parse_number(text: str) -> float:
    return float(text) if _NUMBER.fullmatch(text) else math.nan


def _column(raw: RawPackage, spec: TableSpec, f: FieldSpec) -> _Column:
    key = (spec.name, f.name)
    cached = raw.cache.get(key)
    if isinstance(cached, _Column):
        return cached
    texts = [str(t) for t in raw.tables[spec.name][f.name].tolist()]
    filled = np.array([t != "" for t in texts], dtype=bool)
    values = np.full(len(texts), math.nan)
    if f.is_numeric:
        memo: dict[str, float] = {}
        for i, t in enumerate(texts):
            if t:
                v = memo.get(t)
                if v is None:
                    v = memo[t] = _parse_number(t)
                values[i] = v
    if f.type == "integer":
        valid = np.array([bool(_INTEGER.fullmatch(t)) for t in texts], dtype=bool)
    elif f.type == "number":
        valid = np.isfinite(values)
    elif f.type == "boolean":
        valid = np.array([t in ("true", "false") for t in texts], dtype=bool)
    elif f.type == "id":
        valid = np.array([bool(ID_PATTERN.fullmatch(t)) for t in texts], dtype=bool)
    else:
        valid = filled.copy()
    column = _Column(texts, filled, valid & filled, values)
    raw.cache[key] = column
    return column


def _problems(
    check: str,
    raw: RawPackage,
    table: str,
    field: str | None,
    positions: Iterable[Any],
    message: str | Callable[[int], str],
) -> list[Problem]:
    """One problem per row position (in row order), each with its line; ``message`` is the
    text, or makes it from the position."""
    df = raw.tables[table]
    file = raw.file(table)
    return [
        Problem(
            check,
            file,
            _line(df.index[int(i)]),
            field,
            message if isinstance(message, str) else message(int(i)),
        )
        for i in positions
    ]


_TYPE_WORDS = {
    "integer": "an integer",
    "number": "a finite number",
    "boolean": "'true' or 'false'",
    "id": "an id matching [a-z0-9_]+",
    "string": "text",
}


def check_descriptor(raw: RawPackage) -> list[Problem]:
    """``datapackage.json`` has the shape the package format needs.

    An object with a ``name``, a non-empty list of ``resources`` (each an object with
    ``name``, ``path`` = ``<name>.csv``, ``format`` csv, ``encoding`` utf-8, ``rows`` (a
    count), ``hash`` (``sha256:`` and 64 hex digits) and a ``schema`` whose fields are the
    table's fields, in order), no resource twice and none the schema does not know, and a
    ``scenarios`` entry (``path`` scenarios.yaml and its ``hash``).
    """
    file = str(raw.path / "datapackage.json")
    if not raw.descriptor_read:
        return []  # missing or not JSON: reported by read_raw
    d = raw.descriptor
    if not isinstance(d, dict):
        kinds = {list: "a list", str: "text", bool: "true/false", int: "a number"}
        kind = kinds.get(type(d), "a number" if isinstance(d, float) else "null")
        return [Problem("check_descriptor", file, None, None, f"must be a JSON object, not {kind}")]
    problems: list[Problem] = []

    def bad(field: str, message: str) -> None:
        problems.append(Problem("check_descriptor", file, None, field, message))

    if not isinstance(d.get("name"), str) or not d.get("name"):
        bad("name", "the package needs a name (text)")
    resources = d.get("resources")
    if not isinstance(resources, list) or not resources:
        bad("resources", "must be a non-empty list of the package's tables")
        resources = []
    specs = table_specs()
    seen: set[str] = set()
    for i, res in enumerate(resources):
        where = f"resources[{i}]"
        if not isinstance(res, dict):
            bad(where, "must be an object describing one table")
            continue
        name = res.get("name")
        if not isinstance(name, str) or name not in specs:
            bad(f"{where}.name", f"unknown table {name!r}; allowed: {', '.join(specs)}")
            continue
        if name in seen:
            bad(f"{where}.name", f"table '{name}' is listed twice")
        seen.add(name)
        for key, expected in (("path", f"{name}.csv"), ("format", "csv"), ("encoding", "utf-8")):
            if res.get(key) != expected:
                bad(f"{where}.{key}", f"must be '{expected}', not {_shown(repr(res.get(key)))}")
        rows = res.get("rows")
        if not isinstance(rows, int) or isinstance(rows, bool) or rows < 0:
            bad(f"{where}.rows", "must be the table's number of rows (a whole number >= 0)")
        if not _is_hash(res.get("hash")):
            bad(f"{where}.hash", "must be 'sha256:' followed by 64 hexadecimal digits")
        schema = res.get("schema")
        fields = schema.get("fields") if isinstance(schema, dict) else None
        names = (
            [f.get("name") if isinstance(f, dict) else None for f in fields]
            if isinstance(fields, list)
            else None
        )
        expected_names = [f.name for f in specs[name].fields]
        if names != expected_names:
            bad(
                f"{where}.schema.fields",
                f"must list the fields of table '{name}' in order: {', '.join(expected_names)}",
            )
    scen = d.get("scenarios")
    if not isinstance(scen, dict) or scen.get("path") != "scenarios.yaml":
        bad("scenarios", "must be an object with path 'scenarios.yaml' and its hash")
    elif not _is_hash(scen.get("hash")):
        bad("scenarios.hash", "must be 'sha256:' followed by 64 hexadecimal digits")
    return problems


def _is_hash(value: object) -> bool:
    return isinstance(value, str) and re.fullmatch(r"sha256:[0-9a-f]{64}", value) is not None


def check_tables_present(raw: RawPackage) -> list[Problem]:
    """Every table of the schema has its CSV file and a resource in datapackage.json."""
    problems: list[Problem] = []
    listed: set[str] = set()
    descriptor = raw.descriptor if isinstance(raw.descriptor, dict) else {}
    resources = descriptor.get("resources", [])
    if isinstance(resources, list):
        listed = {str(r.get("name")) for r in resources if isinstance(r, dict)}
    for name in table_specs():
        file = raw.file(name)
        if name not in raw.tables and not any(p.file == file for p in raw.problems):
            problems.append(
                Problem("check_tables_present", file, None, None, f"table '{name}' is missing")
            )
        elif descriptor and name not in listed:
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
                        _shown(str(col)),
                        f"unknown column; allowed: {', '.join(expected)}",
                    )
                )
    return problems


def check_required(raw: RawPackage) -> list[Problem]:
    """Required fields are not empty."""
    problems: list[Problem] = []
    for spec, _ in _present(raw):
        for f in spec.fields:
            if not f.required:
                continue
            texts = _column(raw, spec, f).texts
            blank = [i for i, t in enumerate(texts) if not t.strip()]
            problems += _problems(
                "check_required", raw, spec.name, f.name, blank, "value is required"
            )
    return problems


def check_types(raw: RawPackage) -> list[Problem]:
    """Non-empty cells parse as their field's type (numbers: ASCII digits, finite)."""
    problems: list[Problem] = []
    for spec, _ in _present(raw):
        for f in spec.fields:
            if f.type == "string":
                continue
            col = _column(raw, spec, f)
            word = _TYPE_WORDS[f.type]

            def not_type(i: int, col: _Column = col, word: str = word) -> str:
                return f"'{_shown(col.texts[i])}' is not {word}"

            bad = np.flatnonzero(col.filled & ~col.valid)
            problems += _problems("check_types", raw, spec.name, f.name, bad, not_type)
    return problems


def check_enums(raw: RawPackage) -> list[Problem]:
    """Fields with a fixed vocabulary hold one of its values."""
    problems: list[Problem] = []
    for spec, _ in _present(raw):
        for f in spec.fields:
            if not f.enum:
                continue
            texts, allowed = _column(raw, spec, f).texts, set(f.enum)
            bad = [i for i, t in enumerate(texts) if t and t not in allowed]
            listed = ", ".join(f.enum)

            def not_allowed(i: int, texts: list[str] = texts, listed: str = listed) -> str:
                return f"'{_shown(texts[i])}' is not allowed; allowed: {listed}"

            problems += _problems("check_enums", raw, spec.name, f.name, bad, not_allowed)
    return problems


def check_minimums(raw: RawPackage) -> list[Problem]:
    """Numbers respect their field's minimum (capacities > 0, emissions >= 0, ...)."""
    problems: list[Problem] = []
    for spec, _ in _present(raw):
        for f in spec.fields:
            if not f.minimum or not f.is_numeric:
                continue
            strict = f.minimum.startswith(">")
            bound = float(f.minimum.lstrip(">"))
            col = _column(raw, spec, f)
            with np.errstate(invalid="ignore"):
                low = (col.values <= bound) if strict else (col.values < bound)
            rule = f"must be {'greater than' if strict else 'at least'} {f.minimum.lstrip('>')}"

            def too_low(i: int, col: _Column = col, rule: str = rule) -> str:
                return f"{_shown(col.texts[i])} is out of range: {rule}"

            bad_rows = np.flatnonzero(col.valid & low)
            problems += _problems("check_minimums", raw, spec.name, f.name, bad_rows, too_low)
    return problems


def check_unique_keys(raw: RawPackage) -> list[Problem]:
    """Primary keys are unique."""
    problems: list[Problem] = []
    for spec, df in _present(raw):
        key = list(spec.primary_key)
        dup = df.duplicated(subset=key, keep="first")
        for idx in _rows(dup):
            value = ", ".join(f"{k}={_shown(str(df.at[idx, k]))}" for k in key)
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
    for spec, _ in _present(raw):
        for f in spec.fields:
            if not f.references:
                continue
            ref_table, ref_field = f.references.split(".")
            target = raw.tables.get(ref_table)
            if target is None or ref_field not in target.columns:
                continue
            known = {str(t) for t in target[ref_field].tolist()}
            texts = _column(raw, spec, f).texts
            bad = [i for i, t in enumerate(texts) if t and t not in known]
            what = ref_field.removesuffix("_id")

            def unknown(
                i: int, texts: list[str] = texts, what: str = what, ref: str = ref_table
            ) -> str:
                return f"unknown {what} id '{_shown(texts[i])}' (not in {ref}.csv)"

            problems += _problems("check_foreign_keys", raw, spec.name, f.name, bad, unknown)
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
                for idx in _rows(filled):
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
            for idx in _rows(filled & (df[ref] == "")):
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
    if df is None or not {"kind", "note", "source_id"} <= set(df.columns):
        return problems
    bad = df["kind"].isin(["assumption", "derived"]) & (df["note"].str.strip() == "")
    for idx in _rows(bad):
        problems.append(
            Problem(
                "check_source_notes",
                raw.file("sources"),
                _line(idx),
                "note",
                f"source '{_shown(str(df.at[idx, 'source_id']))}' is of kind "
                f"'{df.at[idx, 'kind']!s}' and must give its reason or formula in 'note'",
            )
        )
    return problems


def _parameter_keys(table: str, df: pd.DataFrame) -> pd.Series[Any]:
    """The declared name of each row's parameter (``instrument.parameter`` for policy)."""
    cols = LONG_TABLE_PARAMETER_KEY[table]
    if not cols:
        return pd.Series("value", index=df.index, dtype=object)
    keys = df[cols[0]].astype(object)
    for col in cols[1:]:
        keys = keys + "." + df[col].astype(object)
    return keys


def _long_tables(raw: RawPackage) -> Iterator[tuple[str, pd.DataFrame]]:
    for table in LONG_TABLE_PARAMETER_KEY:
        df = raw.tables.get(table)
        spec = table_specs()[table]
        if df is not None and all(f.name in df.columns for f in spec.fields):
            yield table, df


def check_parameters_declared(raw: RawPackage) -> list[Problem]:
    """Every parameter of a long table is declared in its schema file."""
    problems: list[Problem] = []
    for table, df in _long_tables(raw):
        declared = parameter_specs(table)
        keys = _parameter_keys(table, df)
        for idx in _rows(~keys.isin(list(declared))):
            problems.append(
                Problem(
                    "check_parameters_declared",
                    raw.file(table),
                    _line(idx),
                    "parameter",
                    f"unknown parameter '{_shown(str(keys.at[idx]))}'; declared: "
                    f"{', '.join(sorted(declared))}",
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
    if table == "storage_contracts":
        return "t/yr"
    if table == "route_retrofits":
        unit = product_unit.get(lookups.route_product.get(row.get("route_id", ""), ""))
        return f"EUR/({unit}/yr)" if unit else None
    if table == "events":
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


def canonical_units(lookups: UnitLookups, table: str, df: pd.DataFrame) -> list[str | None]:
    """:func:`canonical_unit` of every row of ``df``, one computation per distinct case."""
    cols = [c for c in ("product_id", "carrier_id", "unit", "route_id") if c in df.columns]
    if table == "events" and "kind" in df.columns:
        cols.append("kind")
    if table in LONG_TABLE_PARAMETER_KEY:
        cols += [c for c in LONG_TABLE_PARAMETER_KEY[table] if c not in cols]
    if not cols:
        return [None] * len(df)
    memo: dict[tuple[Any, ...], str | None] = {}
    out: list[str | None] = []
    for key in zip(*(df[c].tolist() for c in cols), strict=True):
        if key not in memo:
            memo[key] = canonical_unit(lookups, table, dict(zip(cols, key, strict=True)))
        out.append(memo[key])
    return out


def _factor(unit: str, target: str | None, cache: dict[tuple[str, str | None], Any]) -> Any:
    """Conversion factor, or the UnitError (message) that says why there is none."""
    key = (unit, target)
    if key not in cache:
        try:
            cache[key] = conversion_factor(unit, unit if target is None else target)
        except UnitError as exc:
            cache[key] = exc
        except Exception as exc:  # pint raises many types on strange input
            cache[key] = UnitError(
                f"unit '{_shown(unit)}' does not parse ({exc.__class__.__name__})"
            )
    return cache[key]


def _unit_columns(spec: TableSpec) -> dict[str, list[str]]:
    """Unit column -> the value columns whose unit it holds."""
    out: dict[str, list[str]] = {}
    for f in spec.fields:
        if f.unit.startswith("unit:"):
            out.setdefault(f.unit.split(":", 1)[1], []).append(f.name)
    return out


def check_units(raw: RawPackage) -> list[Problem]:
    """Every unit parses and converts to the canonical unit of its value."""
    problems: list[Problem] = []
    lookups = UnitLookups.of(raw)
    cache: dict[tuple[str, str | None], Any] = {}
    for spec, df in _present(raw):
        unit_cols = _unit_columns(spec)
        if not unit_cols:
            continue
        targets = canonical_units(lookups, spec.name, df)
        for col, value_cols in unit_cols.items():
            valued = np.zeros(len(df), dtype=bool)
            for name in value_cols:
                valued |= (df[name] != "").to_numpy()
            units = df[col].to_numpy(dtype=object)
            for i in np.flatnonzero(valued):
                unit = str(units[i])
                idx = df.index[int(i)]
                if unit.strip() == "":
                    message = "value has no unit"
                elif len(unit) > UNIT_MAX_LENGTH:
                    message = f"unit is too long (more than {UNIT_MAX_LENGTH} characters)"
                else:
                    factor = _factor(unit, targets[i], cache)
                    if not isinstance(factor, UnitError):
                        continue
                    message = str(factor)
                problems.append(
                    Problem("check_units", raw.file(spec.name), _line(idx), col, message)
                )
    return problems


def check_bounds(raw: RawPackage) -> list[Problem]:
    """Numbers lie within their stated physical bounds, in canonical units.

    A field's ``maximum`` (``schemas/fields.csv``) and a long-table parameter's ``minimum``
    and ``maximum`` (``schemas/<table>.csv``) bound the value after conversion to the
    canonical unit; a value other than 0 is at least :data:`TINY` in magnitude; an ``int``
    parameter must be a whole number and a ``bool`` one 0 or 1.
    The bounds are wide: they catch a typo (``1e308``, a unit off by 10^6), not an opinion.
    """
    problems: list[Problem] = []
    lookups = UnitLookups.of(raw)
    cache: dict[tuple[str, str | None], Any] = {}
    for spec, df in _present(raw):
        targets: list[str | None] | None = None
        long = spec.name in LONG_TABLE_PARAMETER_KEY
        for f in spec.fields:
            if not f.is_numeric or not (f.maximum or (long and f.name == "value")):
                continue
            column = _column(raw, spec, f)
            ok = column.valid.copy()
            values = column.values.copy()
            units: list[str | None] = [None] * len(df)
            if f.unit.startswith("unit:"):
                if targets is None:
                    targets = canonical_units(lookups, spec.name, df)
                raw_units = df[f.unit.split(":", 1)[1]].to_numpy(dtype=object)
                for i in np.flatnonzero(ok):
                    factor = _factor(str(raw_units[i]), targets[i], cache)
                    if isinstance(factor, UnitError) or targets[i] is None:
                        ok[i] = False  # reported by check_units
                    else:
                        values[i] *= factor
                        units[i] = targets[i]
            elif f.unit:
                units = [f.unit] * len(df)
            lows = np.full(len(df), -math.inf)
            highs = np.full(len(df), float(f.maximum) if f.maximum else math.inf)
            kinds = np.full(len(df), "", dtype=object)
            if long and f.name == "value":
                declared = parameter_specs(spec.name)
                keys = _parameter_keys(spec.name, df).to_numpy(dtype=object)
                for i in np.flatnonzero(ok):
                    pspec = declared.get(str(keys[i]))
                    if pspec is None:
                        ok[i] = False  # reported by check_parameters_declared
                        continue
                    lows[i], highs[i], kinds[i] = pspec.minimum, pspec.maximum, pspec.dtype
            with np.errstate(invalid="ignore", over="ignore"):
                out = ok & ((values < lows) | (values > highs) | ~np.isfinite(values))
                tiny = ok & ~out & (values != 0) & (np.abs(values) < TINY)
                whole = ok & (kinds == "int") & (values != np.round(values))
                binary = ok & (kinds == "bool") & ~np.isin(values, [0.0, 1.0])
            unit_col = f.unit.split(":", 1)[1] if f.unit.startswith("unit:") else None
            for i in np.flatnonzero(out | whole | binary | tiny):
                text = _shown(column.texts[i])
                if tiny[i]:
                    message = f"{text} is too small: give 0 or at least {TINY:g} {units[i] or ''}"
                    message = message.rstrip()
                elif binary[i] and not out[i]:
                    message = f"{text} is not allowed: the parameter is 0 or 1"
                elif whole[i] and not out[i]:
                    message = f"{text} is not allowed: the parameter is a whole number"
                else:
                    canon = units[i] or ""
                    row_unit = str(df[unit_col].iloc[i]) if unit_col else canon
                    shown = f"{text} {row_unit}".rstrip()
                    if canon and row_unit != canon:
                        shown += f" (= {values[i]:.6g} {canon})"
                    message = f"{shown} is out of range: must be {_range(lows[i], highs[i])}"
                    message += f" {canon}" if canon else ""
                problems.append(
                    Problem(
                        "check_bounds",
                        raw.file(spec.name),
                        _line(df.index[int(i)]),
                        f.name,
                        message,
                    )
                )
    return problems


def _bound(value: float) -> str:
    return f"{value:,.0f}" if float(value).is_integer() and abs(value) < 1e7 else f"{value:g}"


def _range(low: float, high: float) -> str:
    if math.isinf(low):
        return f"at most {_bound(high)}"
    if math.isinf(high):
        return f"at least {_bound(low)}"
    return f"between {_bound(low)} and {_bound(high)}"


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
                    f"shares of site '{_shown(str(site))}' sum to {total:.6g}, not 1",
                )
            )
    return problems


def check_installation_sites(raw: RawPackage) -> list[Problem]:
    """Included installations belong to a site; excluded ones to none, by an exclusion rule."""
    problems: list[Problem] = []
    df = raw.tables.get("installations")
    if df is None or not {"site_id", "included", "rule"} <= set(df.columns):
        return problems
    included = (df["included"] == "true").to_numpy()
    excluded_rule = df["rule"].str.startswith("excluded_").fillna(False).to_numpy(dtype=bool)
    no_site = (df["site_id"] == "").to_numpy()
    bad_in = included & (no_site | excluded_rule)
    bad_out = ~included & (~no_site | ~excluded_rule)
    for i in np.flatnonzero(bad_in | bad_out):
        idx = df.index[int(i)]
        if bad_in[i]:
            problems.append(
                Problem(
                    "check_installation_sites",
                    raw.file("installations"),
                    _line(idx),
                    "site_id",
                    "an included installation needs a site and an inclusion rule",
                )
            )
        if bad_out[i]:
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
    site_ids = sites["site_id"]
    no_plant = (~site_ids.isin(plants["site_id"].unique())).to_numpy()
    no_inst = (~site_ids.isin(inst["site_id"].unique())).to_numpy()
    for i in np.flatnonzero(no_plant | no_inst):
        idx, site = sites.index[int(i)], _shown(str(site_ids.iloc[int(i)]))
        if no_plant[i]:
            problems.append(
                Problem(
                    "check_sites_have_plants",
                    raw.file("sites"),
                    _line(idx),
                    "site_id",
                    f"site '{site}' has no row in site_products.csv",
                )
            )
        if no_inst[i]:
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


def _made(raw: RawPackage, routes: pd.Series[Any]) -> pd.Series[Any]:
    """Product each route makes (NaN where the route is unknown)."""
    route_product = _lookup(raw, "routes", "route_id", "product_id")
    return routes.map(route_product)


def check_idle_base_year(raw: RawPackage) -> list[Problem]:
    """A site that did not run in the base year is stopped there by an event.

    A site whose included installations emitted in the base year (2022) less than
    :data:`IDLE_SHARE` of their mean over the three years before (the years with a figure)
    did not run: the model would run it on that activity with the whole allocation the EUTL
    records for the year, which the EU ETS's 15 % rule (Reg. (EU) 2019/1842) cuts from the
    next years' allocation, and the plant's value would rest on that windfall. Such a site
    needs an ``idling`` or ``closure`` row in ``events.csv`` in or before the base year, not
    followed by a ``restart`` by then (a later ``restart``, with its source, runs it again)."""
    problems: list[Problem] = []
    inst, years, events, sites = (
        raw.tables.get(t) for t in ("installations", "installation_years", "events", "sites")
    )
    if inst is None or years is None or events is None or sites is None:
        return problems
    if not (
        {"installation_id", "site_id", "included"} <= set(inst.columns)
        and {"installation_id", "year", "verified_emissions"} <= set(years.columns)
        and {"site_id", "kind", "year"} <= set(events.columns)
        and "site_id" in sites.columns
    ):
        return problems
    kept = inst[inst["included"] == "true"]
    site_of = dict(zip(kept["installation_id"].astype(str), kept["site_id"], strict=True))
    year = pd.to_numeric(years["year"], errors="coerce")
    rows = years[(year >= BASE_YEAR - 3) & (year <= BASE_YEAR)]  # the four years read
    frame = pd.DataFrame(
        {
            "site": rows["installation_id"].astype(str).map(site_of),
            "year": year[rows.index],
            "emitted": pd.to_numeric(rows["verified_emissions"], errors="coerce"),
        }
    ).dropna(subset=["site"])
    totals = frame.groupby(["site", "year"])["emitted"].sum(min_count=1).unstack("year")
    if BASE_YEAR not in totals.columns:
        return problems
    base = totals[BASE_YEAR].fillna(0.0)
    before = totals[[y for y in totals.columns if float(y) < BASE_YEAR]].mean(axis=1)
    idle = totals.index[(before > 0) & (base < IDLE_SHARE * before)]
    # stopped by the base year: the site's last closure, idling or restart by then stops it
    moves = events.assign(when=pd.to_numeric(events["year"], errors="coerce"))
    moves = moves[
        moves["kind"].isin(("idling", "closure", "restart")) & (moves["when"] <= BASE_YEAR)
    ]
    last = moves.sort_values("when", kind="stable").groupby("site_id")["kind"].last()
    stopped = set(last.index[last != "restart"])
    for site_id in sorted(set(idle) - stopped):
        at = sites.index[sites["site_id"] == site_id]
        problems.append(
            Problem(
                "check_idle_base_year",
                raw.file("sites"),
                _line(at[0]) if len(at) else None,
                "site_id",
                f"site '{_shown(str(site_id))}' emitted {float(base[site_id]):.6g} t in "
                f"{BASE_YEAR}, under {IDLE_SHARE:.0%} of its mean of "
                f"{float(before[site_id]):.6g} t over {BASE_YEAR - 3}-{BASE_YEAR - 1}: it did "
                f"not run in the base year; record an idling or closure in events.csv in or "
                f"before {BASE_YEAR}",
            )
        )
    return problems


def check_route_products(raw: RawPackage) -> list[Problem]:
    """A plant's route makes the plant's product."""
    problems: list[Problem] = []
    plants = raw.tables.get("site_products")
    if plants is None or not {"route_id", "product_id"} <= set(plants.columns):
        return problems
    made = _made(raw, plants["route_id"])
    for idx in _rows(made.notna() & (made != plants["product_id"])):
        problems.append(
            Problem(
                "check_route_products",
                raw.file("site_products"),
                _line(idx),
                "route_id",
                f"route '{_shown(str(plants.at[idx, 'route_id']))}' makes '{made.at[idx]}', "
                f"not '{_shown(str(plants.at[idx, 'product_id']))}'",
            )
        )
    return problems


def check_retrofits(raw: RawPackage) -> list[Problem]:
    """A retrofit route makes its base route's product and is not its own base."""
    problems: list[Problem] = []
    df = raw.tables.get("route_retrofits")
    if df is None or not {"route_id", "retrofit_of"} <= set(df.columns):
        return problems
    made = _made(raw, df["route_id"])
    base = _made(raw, df["retrofit_of"])
    for idx in _rows(made.notna() & base.notna() & (made != base)):
        problems.append(
            Problem(
                "check_retrofits",
                raw.file("route_retrofits"),
                _line(idx),
                "retrofit_of",
                f"route '{_shown(str(df.at[idx, 'route_id']))}' makes '{made.at[idx]}', its "
                f"base '{_shown(str(df.at[idx, 'retrofit_of']))}' makes '{base.at[idx]}'",
            )
        )
    for idx in _rows(df["route_id"] == df["retrofit_of"]):
        problems.append(
            Problem(
                "check_retrofits",
                raw.file("route_retrofits"),
                _line(idx),
                "retrofit_of",
                f"route '{_shown(str(df.at[idx, 'route_id']))}' is declared a retrofit of itself",
            )
        )
    return problems + _orphan_retrofit_only(raw, set(df["route_id"].astype(str)))


def _parameter_above(
    raw: RawPackage, parameter: str, threshold: float
) -> tuple[pd.DataFrame, pd.Series[bool]] | None:
    """``route_parameters.csv`` and the mask of its rows of ``parameter`` whose value is above
    ``threshold`` (None without the table)."""
    params = raw.tables.get("route_parameters")
    if params is None or not {"route_id", "parameter", "value"} <= set(params.columns):
        return None
    value = pd.to_numeric(params["value"], errors="coerce")
    return params, (params["parameter"].astype(str) == parameter) & (value > threshold)


def _orphan_retrofit_only(raw: RawPackage, retrofits: set[str]) -> list[Problem]:
    """A route flagged ``retrofit_only`` (reached only by retrofitting a running plant of
    its base route) has a base in ``route_retrofits.csv``: else no plant could start it."""
    found = _parameter_above(raw, "retrofit_only", 0.5)
    if found is None:
        return []
    params, flagged = found
    orphan = flagged & ~params["route_id"].astype(str).isin(retrofits)
    return [
        Problem(
            "check_retrofits",
            raw.file("route_parameters"),
            _line(idx),
            "value",
            f"route '{_shown(str(params.at[idx, 'route_id']))}' is retrofit_only, but "
            "route_retrofits.csv names no route it retrofits: add its base route there or "
            "set the flag to 0",
        )
        for idx in _rows(orphan)
    ]


PLANT_KEY = ("site_id", "product_id", "unit_id")
"""The columns that name a plant: a production unit of a site and product."""
MAIN_UNIT = "main"
"""The unit id of a site's only unit of a product."""
STATE_EVENTS = ("closure", "idling", "restart")
"""Event kinds that set whether a plant runs: at most one per plant and year."""
ONE_A_YEAR = (
    (
        STATE_EVENTS,
        "a second closure, idling or restart of the same plant in {year} (line {line}): give "
        "the state at the end of the year",
    ),
    (
        ("route_change",),
        "a second route change of the same plant in {year} (line {line}): a plant runs one "
        "route from a year; two decided projects that start together name the route that "
        "holds both",
    ),
)
"""Event kinds of which a plant has at most one a year, each with the message of a second."""
MONEY_EVENTS = ("support_award", "maatwerk")
"""Event kinds that may carry public money."""


@dataclass(frozen=True)
class _PlantKeys:
    """The plants of ``site_products.csv``: (site, product, unit) and (site, product)."""

    units: frozenset[tuple[str, str, str]]
    products: frozenset[tuple[str, str]]

    @classmethod
    def of(cls, raw: RawPackage) -> _PlantKeys | None:
        plants = raw.tables.get("site_products")
        if plants is None or not set(PLANT_KEY) <= set(plants.columns):
            return None
        units = frozenset(zip(*(plants[c].astype(str).tolist() for c in PLANT_KEY), strict=True))
        return cls(units, frozenset((s, p) for s, p, _ in units))


def check_plant_units(raw: RawPackage) -> list[Problem]:
    """A site's units of one product are named; years of a unit are in order.

    Unit ``main`` is the only unit of its site and product: where a site has several units of
    a product (crackers, blast furnaces, ammonia lines), each has its own name. A unit's
    commissioning year is not after its reinvestment year.
    """
    problems: list[Problem] = []
    df = raw.tables.get("site_products")
    if df is None or not set(PLANT_KEY) <= set(df.columns):
        return problems
    n_units = df.groupby(["site_id", "product_id"])["unit_id"].transform("size").astype(int)
    for idx in _rows((df["unit_id"] == MAIN_UNIT) & (n_units > 1)):
        plant = f"{_shown(str(df.at[idx, 'site_id']))}/{_shown(str(df.at[idx, 'product_id']))}"
        problems.append(
            Problem(
                "check_plant_units",
                raw.file("site_products"),
                _line(idx),
                "unit_id",
                f"unit '{MAIN_UNIT}' is a site's only unit of a product, but {plant} has "
                f"{n_units.at[idx]} units: name each",
            )
        )
    if {"commissioning_year", "reinvestment_year"} <= set(df.columns):
        spec = table_specs()["site_products"]
        start = _column(raw, spec, spec.field("commissioning_year"))
        renew = _column(raw, spec, spec.field("reinvestment_year"))
        with np.errstate(invalid="ignore"):
            late = start.valid & renew.valid & (start.values > renew.values)
        for i in np.flatnonzero(late):
            problems += _problems(
                "check_plant_units",
                raw,
                "site_products",
                "reinvestment_year",
                [i],
                f"reinvestment year {renew.texts[i]} is before the commissioning year "
                f"{start.texts[i]}",
            )
    return problems


def check_commitments(raw: RawPackage) -> list[Problem]:
    """A commitment names an existing plant (site, product and unit) and a route of that
    plant's product."""
    problems: list[Problem] = []
    com, keys = raw.tables.get("commitments"), _PlantKeys.of(raw)
    if com is None or keys is None:
        return problems
    if not {*PLANT_KEY, "route_id"} <= set(com.columns):
        return problems
    sites, products, units = (com[c].astype(str).tolist() for c in PLANT_KEY)
    made = _made(raw, com["route_id"])
    wrong = (made.notna() & (made != com["product_id"])).to_numpy(dtype=bool)
    for i, (site, product, unit) in enumerate(zip(sites, products, units, strict=True)):
        no_plant = (site, product) not in keys.products
        no_unit = not no_plant and (site, product, unit) not in keys.units
        if not (no_plant or no_unit or wrong[i]):
            continue
        idx = com.index[i]
        shown = f"{_shown(site)}/{_shown(product)}"
        if no_plant:
            problems.append(
                Problem(
                    "check_commitments",
                    raw.file("commitments"),
                    _line(idx),
                    "product_id",
                    f"no plant {shown} in site_products.csv",
                )
            )
        if no_unit:
            problems.append(
                Problem(
                    "check_commitments",
                    raw.file("commitments"),
                    _line(idx),
                    "unit_id",
                    f"no unit '{_shown(unit)}' of plant {shown} in site_products.csv",
                )
            )
        if wrong[i]:
            problems.append(
                Problem(
                    "check_commitments",
                    raw.file("commitments"),
                    _line(idx),
                    "route_id",
                    f"route '{_shown(str(com.at[idx, 'route_id']))}' makes '{made.at[idx]}', "
                    f"not '{_shown(product)}'",
                )
            )
    return problems


_EVENT_COLUMNS = (
    *PLANT_KEY,
    "year",
    "kind",
    "route_id",
    "value",
    "public_money",
    "currency_year",
    "status",
)


def _event_problems(
    row: dict[str, str], keys: _PlantKeys, sites: set[str], route_product: dict[str, str]
) -> list[tuple[str, str]]:
    """(field, message) of every problem of one event row."""
    out: list[tuple[str, str]] = []
    site, product, unit = row["site_id"], row["product_id"], row["unit_id"]
    kind, route = row["kind"], row["route_id"]
    if not site:
        if kind != "support_award":
            out.append(
                (
                    "site_id",
                    "an event without a site is public money no modelled plant receives: kind "
                    f"must be support_award, not '{_shown(kind)}'",
                )
            )
        if product or unit:
            out.append(("product_id", "a product or unit needs its site"))
    elif product and site in sites and (site, product) not in keys.products:
        out.append(
            ("product_id", f"no plant {_shown(site)}/{_shown(product)} in site_products.csv")
        )
    if unit and not product:
        out.append(("unit_id", "a unit needs its product (product_id is empty)"))
    elif unit and (site, product) in keys.products and (site, product, unit) not in keys.units:
        out.append(
            (
                "unit_id",
                f"no unit '{_shown(unit)}' of plant {_shown(site)}/{_shown(product)} in "
                "site_products.csv",
            )
        )
    if kind == "route_change":
        if not route:
            out.append(("route_id", "a route_change needs the route the plant switches to"))
        if not product:
            out.append(("product_id", "a route_change names the plant's product"))
        made = route_product.get(route)
        if route and product and made is not None and made != product:
            out.append(
                ("route_id", f"route '{_shown(route)}' makes '{made}', not '{_shown(product)}'")
            )
    elif route:
        out.append(("route_id", f"route_id is only for kind route_change, not '{_shown(kind)}'"))
    if kind == "campaign" and not product:
        out.append(("product_id", "a campaign names the plant's product"))
    if row["public_money"] and kind not in MONEY_EVENTS:
        out.append(
            (
                "public_money",
                f"public money goes on kind {' or '.join(MONEY_EVENTS)}, not '{_shown(kind)}'",
            )
        )
    if row["public_money"] and not row["currency_year"]:
        out.append(("currency_year", "public money needs its currency_year"))
    if kind == "capacity_change" and row["status"] == "decided" and not row["value"]:
        out.append(("value", "a decided capacity_change needs the new capacity in value"))
    return out


def route_site_pairs(rows: pd.DataFrame) -> dict[str, frozenset[tuple[str, str]]]:
    """Routes open only to named sites or units, as ``route_sites.csv`` rows give them: route
    id -> its ``(site, unit)`` pairs, unit ``""`` where a row names none (every plant of the
    site). The one reading of the table, for its checks and for assembly.

    Examples
    --------
    >>> rows = pd.DataFrame(
    ...     {"route_id": ["m", "m", "s"], "site_id": ["x", "y", "x"], "unit_id": ["", None, "u"]}
    ... )
    >>> {r: sorted(s) for r, s in route_site_pairs(rows).items()}
    {'m': [('x', ''), ('y', '')], 's': [('x', 'u')]}
    """
    if "unit_id" in rows:
        units = rows["unit_id"].astype(object).where(rows["unit_id"].notna(), "").astype(str)
    else:
        units = pd.Series("", index=rows.index)
    pairs: dict[str, set[tuple[str, str]]] = {}
    for route, site, unit in zip(
        rows["route_id"].astype(str), rows["site_id"].astype(str), units, strict=True
    ):
        pairs.setdefault(route, set()).add((site, unit))
    return {route: frozenset(named) for route, named in pairs.items()}


def _site_limited_routes(raw: RawPackage) -> dict[str, frozenset[tuple[str, str]]]:
    """:func:`route_site_pairs` of the package's ``route_sites.csv`` (empty without it)."""
    df = raw.tables.get("route_sites")
    if df is None or not {"route_id", "site_id"} <= set(df.columns):
        return {}
    return route_site_pairs(df)


def _opens(named: frozenset[tuple[str, str]], site: str, unit: str) -> bool:
    """Whether a route open to ``named`` (site, unit) pairs is open to the plants an event
    names: the whole site, or the unit named (an event without a unit names every unit of
    its product, so a route open to one unit only is not open to it)."""
    return (site, "") in named or (bool(unit) and (site, unit) in named)


def check_route_sites(raw: RawPackage) -> list[Problem]:
    """A route open only to named sites or units (``route_sites.csv``) names plants that make
    its product: the site has a plant of the route's product and a unit, where given, is one
    of that site's units of it (``site_products.csv``). Unknown routes and sites are
    reported by :func:`check_foreign_keys`."""
    problems: list[Problem] = []
    df, keys = raw.tables.get("route_sites"), _PlantKeys.of(raw)
    if df is None or keys is None or not {"route_id", "site_id", "unit_id"} <= set(df.columns):
        return problems
    route_product = _lookup(raw, "routes", "route_id", "product_id")
    columns = (df["route_id"].astype(str), df["site_id"].astype(str), df["unit_id"].fillna(""))
    for idx, route, site, unit in zip(df.index, *columns, strict=True):
        product = route_product.get(route)
        if product is None:
            continue
        if (site, product) not in keys.products:
            field, message = "site_id", f"site '{_shown(site)}' has no plant of {product}"
        elif unit and (site, product, str(unit)) not in keys.units:
            field = "unit_id"
            message = f"site '{_shown(site)}' has no unit '{_shown(str(unit))}' of {product}"
        else:
            continue
        problems.append(
            Problem("check_route_sites", raw.file("route_sites"), _line(idx), field, message)
        )
    return problems


_NACE_CODE = re.compile(r"\d{2}(\.\d{1,2})?")
"""A NACE Rev. 2 division, group or class as the registry writes it: 17, 10.5, 10.31."""


_NACE_TABLES: tuple[tuple[str, bool, bool], ...] = (
    # table, whether 'any' is allowed, whether some installation must have the code
    ("branch_profits", False, True),
    ("tax_exemptions", True, True),
    ("ikc_sectors", False, False),  # the EU's list: classes no Dutch installation has too
    ("ikc_baselines", False, False),  # the plant's own class, in place of its site's codes
)


def check_nace_codes(raw: RawPackage) -> list[Problem]:
    """Each NACE code of ``branch_profits.csv``, ``tax_exemptions.csv``, ``ikc_sectors.csv``
    and ``ikc_baselines.csv`` is a division, group or class as the registry writes it (two
    digits, then a dot and one or two digits: ``17``, ``10.5``, ``10.31``; ``any`` in
    ``tax_exemptions.csv``), and a branch's or an exemption's code starts the code of at
    least one installation of the package (``installations.csv``): a code written otherwise
    (a space, a name, a comma for the dot) or one no installation has would match no plant,
    and leave a branch without its ratio or an exemption unapplied, silently."""
    inst = raw.tables.get("installations")
    codes: set[str] = set()
    if inst is not None and "nace" in inst.columns:
        codes = {str(c) for c in inst["nace"].dropna()}
    problems: list[Problem] = []
    for table, any_allowed, installed in _NACE_TABLES:
        df = raw.tables.get(table)
        if df is None or "nace" not in df.columns:
            continue
        for idx, code in zip(df.index, df["nace"], strict=True):
            if not isinstance(code, str):  # an empty code: the required-field check reports it
                continue
            if any_allowed and code == "any":
                continue
            if not _NACE_CODE.fullmatch(code):
                message = (
                    f"'{_shown(code)}' is not a NACE code as the registry writes it: two "
                    "digits, then a dot and one or two digits (17, 10.5, 10.31)"
                    + (", or 'any'" if any_allowed else "")
                )
            elif installed and codes and not any(c.startswith(code) for c in codes):
                message = f"no installation of the package has a NACE code starting with '{code}'"
            else:
                continue
            problems.append(
                Problem("check_nace_codes", raw.file(table), _line(idx), "nace", message)
            )
    return problems


def check_grid_zones(raw: RawPackage) -> list[Problem]:
    """A grid zone (a grid project of ``infrastructure.csv`` other than ``cluster`` with
    ``grid_capacity_new_load`` rows) is one grid, its rows under one cluster; a site's
    ``grid_zone`` (``sites.csv``) names a zone, of its own cluster or of another (a site on
    another cluster's grid: the Zeeland cluster's sites in Noord-Brabant on TenneT's
    Noord-Brabant grid; it then draws on that zone alone); and every zone has a site in it:
    a zone without sites would be room no plant can take."""
    problems: list[Problem] = []
    sites, infra = raw.tables.get("sites"), raw.tables.get("infrastructure")
    if sites is None or infra is None or "grid_zone" not in sites.columns:
        return problems
    need = {"cluster_id", "kind", "project", "parameter"}
    if not need <= set(infra.columns) or not {"site_id", "cluster_id"} <= set(sites.columns):
        return problems
    rows = infra[(infra["kind"] == "grid") & (infra["parameter"] == "grid_capacity_new_load")]
    rows = rows[rows["project"].astype(str) != "cluster"]
    hosts: dict[str, list[str]] = {}  # per zone, its clusters in the order of their rows
    for idx, cluster, zone in zip(
        rows.index, rows["cluster_id"].astype(str), rows["project"].astype(str), strict=True
    ):
        if cluster in hosts.setdefault(zone, []):
            continue
        hosts[zone].append(cluster)
        if len(hosts[zone]) == 2:  # once per zone, at the first row of its second cluster
            message = (
                f"grid zone '{_shown(zone)}' has grid_capacity_new_load rows under clusters "
                f"'{_shown(hosts[zone][0])}' and '{_shown(cluster)}': a zone is one grid, "
                "under one cluster (a site of another cluster names it in sites.csv)"
            )
            problems.append(
                Problem(
                    "check_grid_zones",
                    raw.file("infrastructure"),
                    _line(idx),
                    "cluster_id",
                    message,
                )
            )
    named = set()
    for idx, cluster, zone in zip(
        sites.index, sites["cluster_id"].astype(str), sites["grid_zone"].fillna(""), strict=True
    ):
        zone = str(zone).strip()
        if not zone:
            continue
        if zone in hosts:  # its own cluster's zone or another's, whose grid it hangs on
            named.add(zone)
            continue
        message = (
            f"grid zone '{_shown(zone)}' has no grid_capacity_new_load rows in "
            f"infrastructure.csv (site of cluster '{_shown(cluster)}')"
        )
        problems.append(
            Problem("check_grid_zones", raw.file("sites"), _line(idx), "grid_zone", message)
        )
    for idx, cluster, zone in zip(
        rows.index, rows["cluster_id"].astype(str), rows["project"].astype(str), strict=True
    ):
        if zone not in named:
            message = f"grid zone '{_shown(zone)}' of cluster '{_shown(cluster)}' has no site"
            problems.append(
                Problem(
                    "check_grid_zones", raw.file("infrastructure"), _line(idx), "project", message
                )
            )
            named.add(zone)  # once per zone
    return problems


_FOLLOW_COLUMNS = ("price_follows", "price_ratio", "price_ratio_source")


def check_price_follows(raw: RawPackage) -> list[Problem]:
    """A carrier whose price follows another's (``carriers.csv`` ``price_follows``) gives the
    ratio and its source with it, follows another carrier, and follows one that has its own
    price (no chains: the followed carrier follows none). Unknown carriers and sources are
    reported by :func:`check_foreign_keys`, a negative ratio by the field bounds."""
    problems: list[Problem] = []
    df = raw.tables.get("carriers")
    if df is None or not {"carrier_id", *_FOLLOW_COLUMNS} <= set(df.columns):
        return problems
    given = df[list(_FOLLOW_COLUMNS)].fillna("").astype(str).apply(lambda c: c.str.strip())
    followed = dict(zip(df["carrier_id"].astype(str), given["price_follows"], strict=True))
    for idx, carrier in zip(df.index, df["carrier_id"].astype(str), strict=True):
        have = [c for c in _FOLLOW_COLUMNS if given.at[idx, c]]
        target = str(given.at[idx, "price_follows"])
        if have and len(have) < len(_FOLLOW_COLUMNS):
            missing = [c for c in _FOLLOW_COLUMNS if c not in have]
            field = missing[0]
            message = (
                f"carrier '{_shown(carrier)}' gives {', '.join(have)} without "
                f"{', '.join(missing)}: give all three or none"
            )
        elif target == carrier:
            field, message = "price_follows", f"carrier '{_shown(carrier)}' follows its own price"
        elif target and followed.get(target):
            field = "price_follows"
            message = (
                f"carrier '{_shown(carrier)}' follows '{_shown(target)}', which itself follows "
                f"'{_shown(followed[target])}': follow a carrier with its own price"
            )
        else:
            continue
        problems.append(
            Problem("check_price_follows", raw.file("carriers"), _line(idx), field, message)
        )
    return problems


def check_cbam_good(raw: RawPackage) -> list[Problem]:
    """A carrier that names the CBAM good it is (``carriers.csv`` ``cbam_good``) is a CBAM
    carrier; and a CBAM carrier with embedded emissions names its good or has a benchmark of
    its own (``cbam.benchmark_<carrier>``): without either its imports would pay CBAM on all
    their embedded emissions, with no free-allocation adjustment (Reg. (EU) 2023/956 Art. 31;
    a grey-ammonia import once did). The good is a CBAM good (``products.csv`` ``cbam``): the
    adjustment is that good's benchmark, or where it has none the fallback its own imports
    use. Unknown products are :func:`check_foreign_keys`'."""
    problems: list[Problem] = []
    df = raw.tables.get("carriers")
    if df is None or not {"carrier_id", "cbam", "cbam_good", "emission_factor"} <= set(df.columns):
        return problems
    products = raw.tables.get("products")
    cbam_products: set[str] | None = None
    known: set[str] = set()
    if products is not None and {"product_id", "cbam"} <= set(products.columns):
        flag = products["cbam"].astype(str).str.strip().str.lower() == "true"
        cbam_products = set(products.loc[flag, "product_id"].astype(str))
        known = set(products["product_id"].astype(str))
    policy = raw.tables.get("policy")
    own = set()
    if policy is not None and {"instrument", "parameter"} <= set(policy.columns):
        own = {
            str(p)[len("benchmark_") :]
            for i, p in zip(policy["instrument"], policy["parameter"], strict=True)
            if str(i) == "cbam" and str(p).startswith("benchmark_")
        }
    for idx, carrier, cbam, good, ef in zip(
        df.index,
        df["carrier_id"].astype(str),
        df["cbam"].astype(str).str.strip().str.lower(),
        df["cbam_good"].fillna("").astype(str).str.strip(),
        pd.to_numeric(df["emission_factor"], errors="coerce").fillna(0.0),
        strict=True,
    ):
        if good and cbam != "true":
            field = "cbam_good"
            message = f"carrier '{_shown(carrier)}' names a CBAM good but is not a CBAM carrier"
        elif good and cbam_products is not None and good in known and good not in cbam_products:
            field = "cbam_good"
            message = (
                f"carrier '{_shown(carrier)}' names '{_shown(good)}' as its CBAM good, but "
                "products.csv does not mark that product cbam true"
            )
        elif cbam == "true" and ef > 0 and not good and carrier not in own:
            field = "cbam_good"
            message = (
                f"CBAM carrier '{_shown(carrier)}' has embedded emissions but no good "
                f"(cbam_good) and no cbam.benchmark_{_shown(carrier)} row: its imports would "
                "get no free-allocation adjustment"
            )
        else:
            continue
        problems.append(
            Problem("check_cbam_good", raw.file("carriers"), _line(idx), field, message)
        )
    return problems


def check_base_electricity(raw: RawPackage) -> list[Problem]:
    """A route that gives ``base_electricity`` (the part of its electricity drawn in every
    hour, a heat pump beside a hybrid boiler) is a flexible load (``flexible_load`` 1): a
    flat load draws all of its electricity in every hour already. Its value in a year is at
    most the route's electricity in ``route_inputs.csv`` in that year (which includes it),
    where that year is given; between given years the assembly checks the interpolated
    series."""
    problems: list[Problem] = []
    df = raw.tables.get("route_parameters")
    needed = {"route_id", "parameter", "year", "value"}
    if df is None or not needed <= set(df.columns):
        return problems
    param = df["parameter"].astype(str)
    values = pd.to_numeric(df["value"], errors="coerce")
    flexible = set(df.loc[(param == "flexible_load") & (values > 0.5), "route_id"].astype(str))
    power: dict[tuple[str, str], float] = {}
    inputs = raw.tables.get("route_inputs")
    if inputs is not None and {"route_id", "carrier_id", "year", "value"} <= set(inputs.columns):
        on = inputs[inputs["carrier_id"].astype(str) == "electricity"]
        amount = pd.to_numeric(on["value"], errors="coerce")
        keys = zip(on["route_id"].astype(str), on["year"].astype(str), strict=True)
        power = dict(zip(keys, amount.astype(float), strict=True))
    file = raw.file("route_parameters")
    given = param == "base_electricity"
    rows = zip(
        _rows(given),
        df.loc[given, "route_id"].astype(str),
        df.loc[given, "year"].astype(str),
        values[given].astype(float),
        strict=True,
    )
    for idx, route, year, value in rows:
        limit = power.get((route, year), np.inf)
        if route not in flexible:
            message = (
                f"route '{_shown(route)}' gives base_electricity but is not a flexible load "
                "(flexible_load 1): a flat load draws all its electricity in every hour"
            )
        elif value > limit * (1 + 1e-12):
            message = (
                f"route '{_shown(route)}' has base_electricity {value:g} above its electricity "
                f"in route_inputs.csv in {year} ({limit:g}), which includes it"
            )
        else:
            continue
        problems.append(Problem("check_base_electricity", file, _line(idx), "value", message))
    return problems


def check_events(raw: RawPackage) -> list[Problem]:
    """Every event names an existing plant and, for a route change, a route of its product.

    A row names a site, optionally one of its products (all its units when the unit is empty)
    and a unit of that product, as in ``site_products.csv``. Only public money that no
    modelled plant receives (``support_award``) has no site. A ``route_change`` names its
    route and product; money sits on ``support_award`` or ``maatwerk`` rows with its currency
    year; a decided ``capacity_change`` gives the new capacity; a ``campaign`` names its
    product. At most one closure, idling
    or restart per plant and year (the state at the end of the year), and at most one route
    change (the route it runs from that year). Unknown sites, products
    and routes are reported by :func:`check_foreign_keys`, years out of range by the field
    bounds. A route change to a route open only to named sites (``route_sites.csv``) names
    one of those sites.
    """
    problems: list[Problem] = []
    df, keys = raw.tables.get("events"), _PlantKeys.of(raw)
    if df is None or keys is None or not set(_EVENT_COLUMNS) <= set(df.columns):
        return problems
    site_table = raw.tables.get("sites")
    sites = (
        set(site_table["site_id"]) if site_table is not None and "site_id" in site_table else set()
    )
    route_product = _lookup(raw, "routes", "route_id", "product_id")
    limited = _site_limited_routes(raw)
    columns = {c: df[c].astype(str).tolist() for c in _EVENT_COLUMNS}
    seen: dict[tuple[int, str, str, str, str], int] = {}
    for i in range(len(df)):
        row = {c: values[i] for c, values in columns.items()}
        found = _event_problems(row, keys, sites, route_product)
        named = limited.get(row["route_id"]) if row["kind"] == "route_change" else None
        if (
            named is not None
            and row["site_id"]
            and not _opens(named, row["site_id"], row["unit_id"])
        ):
            site_named = any(site == row["site_id"] for site, _ in named)
            where = (
                f"{row['site_id']}/{row['unit_id']}"
                if site_named and row["unit_id"]
                else row["site_id"]
            )
            allowed = ", ".join("/".join(x for x in pair if x) for pair in sorted(named))
            found.append(
                (
                    "route_id",
                    f"route '{_shown(row['route_id'])}' is open only to the sites of "
                    f"route_sites.csv ({allowed}), not '{_shown(where)}'",
                )
            )
        for rule, (kinds, message) in enumerate(ONE_A_YEAR):
            if row["kind"] in kinds and row["site_id"]:
                target = (rule, row["site_id"], row["product_id"], row["unit_id"], row["year"])
                if target in seen:
                    line = _line(df.index[seen[target]])
                    found.append(("kind", message.format(year=row["year"], line=line)))
                else:
                    seen[target] = i
        for field, message in found:
            problems.append(
                Problem("check_events", raw.file("events"), _line(df.index[i]), field, message)
            )
    return problems


YEAR_HOURS = (8760.0, 8784.0)
"""Hours of a year and of a leap year: the bands of ``electricity_profile.csv`` cover one."""

PROFILE_MEAN_TOLERANCE = 0.005
"""How far the hours-weighted mean of the bands' relative prices may be from 1 (the prices
are relative to the year's average, rounded to four decimals in the data)."""


def check_electricity_profile(raw: RawPackage) -> list[Problem]:
    """The electricity price-duration curve (``electricity_profile.csv``) has at least one
    band, its bands' hours make up one year (8,760 h, or 8,784 in a leap year) and the
    hours-weighted mean of their relative prices is 1 (within 0.005): a hybrid boiler's share
    of the year on power is its bands' hours over the curve's, and its power's price the
    bands' relative price times the year's average."""
    df = raw.tables.get("electricity_profile")
    if df is None or not {"hours", "relative_price"} <= set(df.columns):
        return []
    file = raw.file("electricity_profile")
    if df.empty:
        return [
            Problem(
                "check_electricity_profile",
                file,
                None,
                None,
                "the price-duration curve has no band: give the year's hours in bands, "
                "each with its relative price",
            )
        ]
    hours = pd.to_numeric(df["hours"], errors="coerce")
    price = pd.to_numeric(df["relative_price"], errors="coerce")
    if hours.isna().any() or price.isna().any():
        return []  # check_types names the cell
    problems: list[Problem] = []
    total = float(hours.sum())
    mean = float((hours * price).sum()) / total if total > 0 else float("nan")
    if not any(abs(total - year) < 1e-6 for year in YEAR_HOURS):
        problems.append(
            Problem(
                "check_electricity_profile",
                file,
                None,
                "hours",
                f"the bands' hours sum to {total:,.6g}; they must make up one year: 8,760 "
                "(8,784 in a leap year)",
            )
        )
    elif abs(mean - 1.0) > PROFILE_MEAN_TOLERANCE:
        problems.append(
            Problem(
                "check_electricity_profile",
                file,
                None,
                "relative_price",
                f"the hours-weighted mean of the relative prices is {mean:.4f}; prices "
                f"relative to the year's average must average 1 (within "
                f"{PROFILE_MEAN_TOLERANCE})",
            )
        )
    return problems


def check_capture_has_its_store(raw: RawPackage) -> list[Problem]:
    """A decided project that captures CO2 (a commitment, or a decided route change of
    ``events.csv``) at a site with a storage contract starts no earlier than the site's first
    contract (``storage_contracts.csv``): before it the captured CO2 has nowhere to go. Sites
    without a contract reach stores through the pools, which the engine allocates."""
    problems: list[Problem] = []
    contracts = raw.tables.get("storage_contracts")
    found = _parameter_above(raw, "capture_rate", 0.0)
    if found is None or contracts is None:
        return problems
    if not {"project", "site_id", "start_year"} <= set(contracts.columns):
        return problems
    params, positive = found
    capturing = set(params.loc[positive, "route_id"].astype(str))
    start = pd.to_numeric(contracts["start_year"], errors="coerce")
    earliest = contracts.assign(start=start).dropna(subset=["start"]).sort_values("start")
    first = {
        str(row.site_id): (int(row.start), str(row.project), _line(idx))
        for idx, row in earliest.drop_duplicates("site_id").iterrows()
    }
    for table, year_column in (("commitments", "start_year"), ("events", "year")):
        df = raw.tables.get(table)
        if df is None or not {"site_id", "route_id", year_column} <= set(df.columns):
            continue
        years = pd.to_numeric(df[year_column], errors="coerce")
        begins = pd.to_numeric(
            df["site_id"].astype(str).map({site: f[0] for site, f in first.items()}),
            errors="coerce",
        )  # numbers even when the table has no rows
        early = df["route_id"].astype(str).isin(capturing) & (years < begins)  # NaN: False
        if table == "events":  # decided route changes only
            early &= (df["kind"].astype(str) == "route_change") & (df["status"] == "decided")
        for idx, year in zip(_rows(early), years[early].astype(int), strict=True):
            begin, project, line = first[str(df.at[idx, "site_id"])]
            problems.append(
                Problem(
                    "check_capture_has_its_store",
                    raw.file(table),
                    _line(idx),
                    year_column,
                    f"route '{_shown(str(df.at[idx, 'route_id']))}' captures CO2 from {year}, "
                    f"before the site's storage contract with {project} starts ({begin}, "
                    f"storage_contracts.csv line {line}): start it with its store",
                )
            )
    return problems


def check_biomass_supply(raw: RawPackage) -> list[Problem]:
    """The biomass supply curve: each scope is ``national`` or a cluster, its steps run 1..n
    without gaps, the price adder does not fall from one step to the next, and no step opens
    (``from_year``; blank: every year) before the step below it, so the steps open in use
    always price at the step the use reaches."""
    problems: list[Problem] = []
    df = raw.tables.get("biomass_supply")
    if df is None or not {"scope", "step", "price_adder"} <= set(df.columns):
        return problems
    file = raw.file("biomass_supply")
    clusters = set(_lookup(raw, "clusters", "cluster_id", "cluster_id"))
    for idx in _rows(~df["scope"].isin(["national", *clusters])):
        problems.append(
            Problem(
                "check_biomass_supply",
                file,
                _line(idx),
                "scope",
                f"scope '{_shown(str(df.at[idx, 'scope']))}' is neither 'national' nor a cluster "
                "id of clusters.csv",
            )
        )
    step = pd.to_numeric(df["step"], errors="coerce")
    adder = pd.to_numeric(df["price_adder"], errors="coerce")
    for scope, part in df.groupby("scope", sort=False):
        steps = step[part.index]
        if steps.isna().any():
            continue  # reported by check_types
        order = steps.sort_values(kind="stable").index
        expected = list(range(1, len(order) + 1))
        if [int(v) for v in steps[order]] != expected:
            problems.append(
                Problem(
                    "check_biomass_supply",
                    file,
                    _line(order[0]),
                    "step",
                    f"steps of scope '{_shown(str(scope))}' are "
                    f"{sorted(int(v) for v in steps)}, not 1..{len(order)} without gaps",
                )
            )
            continue
        problems += _supply_opening(df, file, scope, order, steps)
        problems += _supply_prices(df, file, order, steps, adder)
    return problems


def _supply_prices(
    df: pd.DataFrame, file: str, order: pd.Index, steps: pd.Series, adder: pd.Series
) -> list[Problem]:
    """Step prices of one scope do not fall from one step to the next in any price set (a
    step's adder counts as 0 in its ``adder_not_in_set``); one problem per step."""
    not_in = (
        df["adder_not_in_set"].astype("string").fillna("")
        if "adder_not_in_set" in df.columns
        else pd.Series("", index=df.index)
    )
    out: list[Problem] = []
    for prev, cur in itertools.pairwise(order):
        if pd.isna(adder[prev]) or pd.isna(adder[cur]):
            continue
        for price_set in ("central", "low", "high"):
            p_prev = 0.0 if not_in[prev] == price_set else float(adder[prev])
            p_cur = 0.0 if not_in[cur] == price_set else float(adder[cur])
            if p_cur < p_prev:
                zeroed = price_set in (not_in[prev], not_in[cur])
                where = f" in the {price_set} price set (adder_not_in_set)" if zeroed else ""
                out.append(
                    Problem(
                        "check_biomass_supply",
                        file,
                        _line(cur),
                        "price_adder",
                        f"price_adder {p_cur:g} of step {int(steps[cur])} is below step "
                        f"{int(steps[prev])}'s {p_prev:g}{where}: a supply curve does not fall",
                    )
                )
                break
    return out


def _supply_opening(
    df: pd.DataFrame, file: str, scope: object, order: pd.Index, steps: pd.Series
) -> list[Problem]:
    """Steps of one scope open in their order: a step's ``from_year`` (blank: the first
    model year, before any year) is not before the previous step's."""
    if "from_year" not in df.columns:
        return []
    opens = pd.to_numeric(df["from_year"], errors="coerce").fillna(-np.inf)  # blank: first
    out: list[Problem] = []

    def shown(year: float) -> str:
        return "blank (every year)" if np.isinf(year) else f"{int(year)}"

    for prev, cur in itertools.pairwise(order):
        if opens[cur] >= opens[prev]:
            continue
        out.append(
            Problem(
                "check_biomass_supply",
                file,
                _line(cur),
                "from_year",
                f"from_year {shown(opens[cur])} of step {int(steps[cur])} of scope "
                f"'{_shown(str(scope))}' is before step {int(steps[prev])}'s "
                f"{shown(opens[prev])}: a "
                "step opens no earlier than the cheaper step below it",
            )
        )
    return out


_BRACKET = re.compile(r"(gas|electricity)_threshold_bracket_([0-9]+)")
_RATE = re.compile(r"(gas|electricity)_rate_bracket_([0-9]+)")


def _missing_brackets(raw: RawPackage, df: pd.DataFrame) -> list[Problem]:
    """Thresholds of brackets 1..n and rates of brackets 1..n+1, none left out."""
    given: dict[tuple[str, str], set[int]] = {}
    for instrument, parameter in zip(
        df["instrument"].tolist(), df["parameter"].tolist(), strict=True
    ):
        for kind, pattern in (("threshold", _BRACKET), ("rate", _RATE)):
            match = pattern.fullmatch(str(parameter))
            if instrument == "energy_tax" and match is not None:
                given.setdefault((match.group(1), kind), set()).add(int(match.group(2)))
    problems = []
    for carrier in sorted({c for c, _ in given}):
        thresholds = given.get((carrier, "threshold"), set())
        rates = given.get((carrier, "rate"), set())
        n = max([*thresholds, *(r - 1 for r in rates), 0])
        for kind, needed, have in (
            ("threshold", range(1, n + 1), thresholds),
            ("rate", range(1, n + 2), rates),
        ):
            for k in needed:
                if k not in have:
                    problems.append(
                        Problem(
                            "check_energy_tax_brackets",
                            raw.file("policy"),
                            None,
                            "parameter",
                            f"energy_tax.{carrier}_{kind}_bracket_{k} is missing: {carrier} has "
                            f"{n + 1} brackets, each needs its rate and each but the last its "
                            "upper threshold",
                        )
                    )
    return problems


def check_energy_tax_brackets(raw: RawPackage) -> list[Problem]:
    """Energy-tax consumption thresholds rise from bracket to bracket, in every year.

    A threshold holds from its year until the next one given (and before its first year);
    thresholds are compared in their canonical unit. Brackets whose upper limits fall would
    charge a negative amount of consumption.
    """
    problems: list[Problem] = []
    spec = table_specs()["policy"]
    df = raw.tables.get("policy")
    if df is None or not all(f.name in df.columns for f in spec.fields):
        return problems
    value = _column(raw, spec, spec.field("value"))
    year = _column(raw, spec, spec.field("year"))
    targets = canonical_units(UnitLookups.of(raw), "policy", df)
    units = df["unit"].tolist()
    cache: dict[tuple[str, str | None], Any] = {}
    rows: dict[str, dict[int, list[tuple[float, float, int]]]] = {}
    for i, (instrument, parameter) in enumerate(
        zip(df["instrument"].tolist(), df["parameter"].tolist(), strict=True)
    ):
        match = _BRACKET.fullmatch(str(parameter))
        if instrument != "energy_tax" or match is None or not (value.valid[i] and year.valid[i]):
            continue
        factor = _factor(str(units[i]), targets[i], cache)
        if isinstance(factor, UnitError) or targets[i] is None:
            continue  # reported by check_units
        brackets = rows.setdefault(match.group(1), {})
        brackets.setdefault(int(match.group(2)), []).append(
            (year.values[i], value.values[i] * factor, i)
        )
    problems += _missing_brackets(raw, df)
    reported: set[tuple[int, int]] = set()
    for carrier, brackets in sorted(rows.items()):
        order = sorted(brackets)
        years = sorted({y for b in brackets.values() for y, _, _ in b})
        for y in years:
            held = []
            for k in order:
                given = sorted(brackets[k])
                before = [r for r in given if r[0] <= y]
                held.append((k, *(before[-1] if before else given[0])))
            for (k, _, low_value, i), (k2, _, high_value, i2) in itertools.pairwise(held):
                if high_value < low_value and (i, i2) not in reported:
                    reported.add((i, i2))
                    problems.append(
                        Problem(
                            "check_energy_tax_brackets",
                            raw.file("policy"),
                            _line(df.index[i2]),
                            "value",
                            f"{carrier} threshold of bracket {k2} ({_bound(high_value)} "
                            f"{targets[i2]}) is below that of bracket {k} ({_bound(low_value)} "
                            f"{targets[i]}, line {_line(df.index[i])}) in {int(y)}: thresholds "
                            "must not fall from bracket to bracket",
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


def check_hashes(raw: RawPackage) -> list[Problem]:
    """Every table and ``scenarios.yaml`` has the hash and row count recorded in
    ``datapackage.json``: a file changed after the package was built is refused."""
    problems: list[Problem] = []
    descriptor = raw.descriptor if isinstance(raw.descriptor, dict) else {}
    resources = descriptor.get("resources")
    fix = (
        f"rebuild the package (kruispunt data build) or, for a copy you edited on purpose, "
        f"record the new hashes with: kruispunt data rehash {raw.path}"
    )
    for res in resources if isinstance(resources, list) else []:
        if not isinstance(res, dict) or res.get("name") not in raw.tables:
            continue
        name = str(res["name"])
        recorded, actual = res.get("hash"), raw.hashes.get(name)
        if _is_hash(recorded) and actual is not None and recorded != f"sha256:{actual}":
            problems.append(
                Problem(
                    "check_hashes",
                    raw.file(name),
                    None,
                    None,
                    f"the file's sha256 {actual[:12]}... differs from the hash recorded in "
                    f"datapackage.json ({str(recorded)[7:19]}...): it changed after the "
                    f"package was built; {fix}",
                )
            )
        rows = res.get("rows")
        n = len(raw.tables[name])
        if isinstance(rows, int) and not isinstance(rows, bool) and rows >= 0 and rows != n:
            problems.append(
                Problem(
                    "check_hashes",
                    raw.file(name),
                    None,
                    None,
                    f"{n:,} rows, but datapackage.json records {rows:,}; {fix}",
                )
            )
    scen = descriptor.get("scenarios")
    path = raw.path / "scenarios.yaml"
    if isinstance(scen, dict) and _is_hash(scen.get("hash")) and path.is_file():
        actual = _file_hash(path)
        if actual is not None and scen["hash"] != f"sha256:{actual}":
            problems.append(
                Problem(
                    "check_hashes",
                    str(path),
                    None,
                    None,
                    f"the file's sha256 {actual[:12]}... differs from the hash recorded in "
                    f"datapackage.json: it changed after the package was built; {fix}",
                )
            )
    return problems


def _file_hash(path: Any) -> str | None:
    try:
        with open(path, "rb") as fh:
            return hashlib.file_digest(fh, "sha256").hexdigest()
    except OSError:
        return None


# --- money and the euro year ------------------------------------------------------------------

CURRENCY_YEAR = "currency_year"
"""The column that gives a money row's euro year (the euro year of its source)."""
DEFLATORS = "deflators"
"""The table of the consumer price index (base :data:`~kruispunt.units.EURO_YEAR` = 100)."""


def deflator_index(raw: RawPackage) -> dict[int, float]:
    """The consumer price index by year from ``deflators.csv`` (rows whose year and value
    parse; the others are reported by the type and bound checks)."""
    df = raw.tables.get(DEFLATORS)
    if df is None or not {"year", "value"} <= set(df.columns):
        return {}
    out: dict[int, float] = {}
    for year, value in zip(df["year"].tolist(), df["value"].tolist(), strict=True):
        v = _parse_number(str(value))
        if _INTEGER.fullmatch(str(year)) and math.isfinite(v) and v > 0:
            out[int(str(year))] = v
    return out


def is_money_unit(unit: object) -> bool:
    """Whether a unit string holds money (``[currency]`` dimension); False when it does not
    parse (check_units reports that)."""
    if not isinstance(unit, str) or not unit.strip():
        return False
    try:
        return is_money(unit)
    except Exception:  # UnitError, or one of pint's many types on strange input
        return False


def money_fields(spec: TableSpec) -> list[FieldSpec]:
    """Numeric fields of a table with a ``currency_year`` that may hold money."""
    if not any(f.name == CURRENCY_YEAR for f in spec.fields):
        return []
    return [f for f in spec.fields if f.is_numeric and f.unit and f.name != CURRENCY_YEAR]


def money_rows(f: FieldSpec, row_units: Iterable[object] | None, n: int) -> npt.NDArray[np.bool_]:
    """Which of ``n`` rows of field ``f`` hold money: by each row's canonical unit (fields
    whose unit is ``unit:<column>``) or by the field's own unit."""
    if f.unit.startswith("unit:"):
        assert row_units is not None
        return np.array([is_money_unit(u) for u in row_units], dtype=bool)
    return np.full(n, is_money_unit(f.unit), dtype=bool)


def check_currency_years(raw: RawPackage) -> list[Problem]:
    """Every monetary value can be converted to euro of the model's euro year.

    The deflator table has a row for :data:`~kruispunt.units.EURO_YEAR`; every row holding
    money (its value's canonical unit has a currency) has a ``currency_year`` that the deflator
    table covers. Otherwise the row is refused with file, line and field: add the year's index
    to ``deflators.csv``, or give the value in a year the table covers.
    """
    problems: list[Problem] = []
    if DEFLATORS not in raw.tables:
        return problems  # reported by check_tables_present
    index = deflator_index(raw)
    if EURO_YEAR not in index:
        return [
            Problem(
                "check_currency_years",
                raw.file(DEFLATORS),
                None,
                "year",
                f"the deflator table has no row for the model's euro year {EURO_YEAR}",
            )
        ]
    covered = f"{min(index)}-{max(index)}"
    lookups = UnitLookups.of(raw)
    for spec, df in _present(raw):
        fields = money_fields(spec)
        if not fields:
            continue
        targets: list[str | None] | None = None
        money = np.zeros(len(df), dtype=bool)
        for f in fields:
            units: list[str | None] | None = None
            if f.unit.startswith("unit:"):
                if targets is None:
                    targets = canonical_units(lookups, spec.name, df)
                raw_units = df[f.unit.split(":", 1)[1]].tolist()
                # the loader keeps a row's own unit where the table has no canonical one
                units = [t if t else str(u) for t, u in zip(targets, raw_units, strict=True)]
            filled = (df[f.name] != "").to_numpy()
            money |= filled & money_rows(f, units, len(df))
        years = df[CURRENCY_YEAR].tolist()
        for i in np.flatnonzero(money):
            text = str(years[int(i)]).strip()
            if text == "":
                message = (
                    "a monetary value without a currency year: give the euro year of its "
                    f"source ({DEFLATORS}.csv covers {covered})"
                )
            elif not _INTEGER.fullmatch(text):
                continue  # reported by check_types
            elif int(text) not in index:
                message = (
                    f"currency year {int(text)} is outside the deflator table ({DEFLATORS}.csv "
                    f"covers {covered}): the value cannot be converted to euro of {EURO_YEAR}"
                )
            else:
                continue
            problems.append(
                Problem(
                    "check_currency_years",
                    raw.file(spec.name),
                    _line(df.index[int(i)]),
                    CURRENCY_YEAR,
                    message,
                )
            )
    return problems


CHECKS: tuple[Check, ...] = (
    check_descriptor,
    check_tables_present,
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
    check_bounds,
    check_emission_shares,
    check_installation_sites,
    check_sites_have_plants,
    check_idle_base_year,
    check_route_products,
    check_retrofits,
    check_plant_units,
    check_commitments,
    check_route_sites,
    check_nace_codes,
    check_price_follows,
    check_cbam_good,
    check_grid_zones,
    check_base_electricity,
    check_electricity_profile,
    check_events,
    check_capture_has_its_store,
    check_biomass_supply,
    check_energy_tax_brackets,
    check_required_parameters,
    check_currency_years,
    check_hashes,
)


def run_checks(raw: RawPackage) -> list[Problem]:
    """All problems of a package: reading problems first, then each check in order."""
    problems = list(raw.problems)
    for check in CHECKS:
        problems.extend(check(raw))
    return problems
