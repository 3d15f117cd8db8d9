"""Load a data package into typed tables in canonical units, or refuse it whole."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from kruispunt.catalogue.checks import (
    CURRENCY_YEAR,
    UnitLookups,
    canonical_units,
    deflator_index,
    money_fields,
    money_rows,
    run_checks,
)
from kruispunt.catalogue.paths import default_package_path
from kruispunt.catalogue.raw import RawPackage, read_raw
from kruispunt.catalogue.schema import TableSpec, table_specs
from kruispunt.errors import DataPackageError
from kruispunt.units import EURO_YEAR, conversion_factor


@dataclass(frozen=True)
class Catalogue:
    """The validated data package: one typed DataFrame per table, values in canonical units
    and money in euro of :attr:`euro_year`.

    Long tables (``route_parameters``, ``route_inputs``, ``carrier_prices``, ``policy``,
    ``infrastructure``, ``product_markets``) keep their original value and unit in
    ``value_original`` and ``unit_original``; ``value`` and ``unit`` are canonical. Tables with
    a ``currency_year`` have their monetary values converted from that year to euro of
    :attr:`euro_year` (2025) with the package's consumer price index (``deflators``); the row
    keeps its ``currency_year`` and its original value, and the column ``euro_year`` records
    the euro year of the converted value (empty on rows that are not money).
    ``site_products`` capacity and production are in product units per year.
    """

    path: Path
    data_hash: str
    tables: dict[str, pd.DataFrame]
    euro_year: int = EURO_YEAR
    """Euro year of every monetary value in the tables."""

    def __getitem__(self, table: str) -> pd.DataFrame:
        return self.tables[table]

    def __getattr__(self, name: str) -> pd.DataFrame:
        tables = object.__getattribute__(self, "tables")
        if name in tables:
            return tables[name]  # type: ignore[no-any-return]
        raise AttributeError(name)


def data_hash(path: Path) -> str:
    """SHA-256 over the package's files (name and bytes, in name order)."""
    digest = hashlib.sha256()
    for file in sorted(path.glob("*")):
        if file.is_file() and (file.suffix in (".csv", ".yaml") or file.name == "datapackage.json"):
            digest.update(file.name.encode())
            digest.update(file.read_bytes())
    return digest.hexdigest()


def _typed(spec: TableSpec, df: pd.DataFrame) -> pd.DataFrame:
    out: dict[str, pd.Series[Any]] = {}
    for f in spec.fields:
        col = df[f.name]
        if f.type == "number":
            out[f.name] = pd.to_numeric(col.replace("", np.nan), errors="raise").astype(float)
        elif f.type == "integer":
            out[f.name] = pd.to_numeric(col.replace("", pd.NA)).astype("Int64")
        elif f.type == "boolean":
            out[f.name] = col == "true"
        else:
            out[f.name] = col.replace("", pd.NA).astype("string")
    return pd.DataFrame(out, index=df.index)


def _to_canonical(raw: RawPackage, spec: TableSpec, typed: pd.DataFrame) -> pd.DataFrame:
    unit_cols = {
        f.unit.split(":", 1)[1]: [g.name for g in spec.fields if g.unit == f.unit]
        for f in spec.fields
        if f.unit.startswith("unit:")
    }
    if not unit_cols:
        return typed
    lookups = UnitLookups.of(raw)
    text = raw.tables[spec.name]
    targets = canonical_units(lookups, spec.name, text)
    out = typed.copy()
    for unit_col, value_cols in unit_cols.items():
        units = text[unit_col].to_numpy(dtype=object)
        pairs: dict[tuple[str, str], float] = {}
        factors = np.ones(len(text))
        for i, (u, t) in enumerate(zip(units, targets, strict=True)):
            if u and t:
                key = (str(u), t)
                if key not in pairs:
                    pairs[key] = conversion_factor(*key)
                factors[i] = pairs[key]
        for col in value_cols:
            if "value" in value_cols:
                out[f"{col}_original"] = typed[col]
            out[col] = typed[col] * factors
        if "value" in value_cols:
            out[f"{unit_col}_original"] = typed[unit_col]
        out[unit_col] = pd.array(
            [t if t else u for u, t in zip(units, targets, strict=True)], dtype="string"
        )
    return out


def deflate(spec: TableSpec, frame: pd.DataFrame, index: dict[int, float]) -> pd.DataFrame:
    """A table's monetary values converted from their ``currency_year`` to euro of
    :data:`~kruispunt.units.EURO_YEAR`.

    Parameters
    ----------
    spec : TableSpec
        The table's schema.
    frame : DataFrame
        The typed table in canonical units (unit columns hold canonical units).
    index : dict of int to float
        Consumer price index by year (``deflators.csv``; base 2025 = 100).

    Returns
    -------
    DataFrame
        Each money value multiplied by ``index[EURO_YEAR] / index[currency_year]``; a column
        ``euro_year`` (:data:`~kruispunt.units.EURO_YEAR` on money rows, empty elsewhere);
        the row's ``currency_year`` and original value (``value_original`` for long tables,
        ``<field>_original`` for other money fields) kept. Tables without a
        ``currency_year`` are returned unchanged.

    Examples
    --------
    100 EUR of 2020, with the CBS index at 79.9169 in 2020 and 100 in 2025 (StatLine
    83131NED, annual changes 2021-2025 of 2.7, 10.0, 3.8, 3.3 and 3.3 %):

    >>> from kruispunt.catalogue.schema import table_specs
    >>> frame = pd.DataFrame({"value": [100.0], "unit": ["EUR/GJ"],
    ...                       "currency_year": pd.array([2020], dtype="Int64")})
    >>> out = deflate(table_specs()["carrier_prices"], frame, {2020: 79.9169, 2025: 100.0})
    >>> round(float(out["value"].iloc[0]), 2), int(out["euro_year"].iloc[0])
    (125.13, 2025)
    """
    fields = [f for f in money_fields(spec) if f.name in frame.columns]
    if CURRENCY_YEAR not in frame.columns or not fields:
        return frame
    out = frame.copy()
    euro_year = np.zeros(len(out), dtype=bool)
    years = out[CURRENCY_YEAR].to_numpy(dtype=object)
    for f in fields:
        unit_col = f.unit.split(":", 1)[1] if f.unit.startswith("unit:") else None
        units = out[unit_col].tolist() if unit_col else None
        money = money_rows(f, units, len(out)) & out[f.name].notna().to_numpy()
        if not money.any():
            continue
        factor = np.ones(len(out))
        for i in np.flatnonzero(money):
            factor[i] = index[EURO_YEAR] / index[int(years[i])]
        if f"{f.name}_original" not in out.columns:
            out[f"{f.name}_original"] = out[f.name]
        out[f.name] = out[f.name].to_numpy(dtype=float) * factor
        euro_year |= money
    out["euro_year"] = pd.array(
        [EURO_YEAR if m else pd.NA for m in euro_year.tolist()], dtype="Int64"
    )
    return out


_CACHE: dict[tuple[object, ...], Catalogue] = {}
"""The embedded package, loaded once per process (keyed on its files' names, sizes and
modification times, so a rebuilt package is loaded again)."""


def _signature(folder: Path) -> tuple[object, ...]:
    entries = []
    for file in sorted(folder.iterdir()):
        info = file.stat()
        entries.append((file.name, info.st_size, info.st_mtime_ns))
    return (str(folder), *entries)


def _copy(cat: Catalogue) -> Catalogue:
    """A catalogue whose tables are copies: changing them never changes the cached one.

    With pandas' copy-on-write (pandas 3) a shallow copy already behaves as a copy and
    costs nothing; earlier pandas gets deep copies.
    """
    deep = int(pd.__version__.split(".")[0]) < 3
    return Catalogue(
        path=cat.path,
        data_hash=cat.data_hash,
        tables={name: df.copy(deep=deep) for name, df in cat.tables.items()},
        euro_year=cat.euro_year,
    )


def _load(folder: Path) -> Catalogue:
    raw = read_raw(folder)
    problems = run_checks(raw)
    if problems:
        raise DataPackageError(problems, str(folder))
    return from_checked(raw, folder)


def from_checked(raw: RawPackage, folder: Path) -> Catalogue:
    """The catalogue of a package read from ``folder`` whose checks found no problem
    (:func:`~kruispunt.catalogue.checks.run_checks`): typed, canonical, deflated."""
    index = deflator_index(raw)
    tables = {
        name: deflate(spec, _to_canonical(raw, spec, _typed(spec, raw.tables[name])), index)
        for name, spec in table_specs().items()
    }
    return Catalogue(path=folder, data_hash=data_hash(folder), tables=tables)


def load_catalogue(path: Path | str | None = None) -> Catalogue:
    """Load and check a data package.

    Parameters
    ----------
    path : path-like, optional
        Folder holding ``datapackage.json`` and the CSV tables. Default: the embedded
        package, which is loaded and checked once per process (again only if its files
        change); a folder given here is always read afresh.

    Returns
    -------
    Catalogue
        Typed tables in canonical units. Its tables are the caller's own: changing them
        does not change what the next call returns.

    Raises
    ------
    DataPackageError
        If any check fails; the message lists every problem with file, line and field.
        Nothing is returned in that case: a package is loaded whole or not at all.
    """
    if path is not None:
        return _load(Path(path))
    folder = default_package_path()
    key = _signature(folder)
    cached = _CACHE.get(key)
    if cached is None:
        cached = _load(folder)
        _CACHE.clear()
        _CACHE[key] = cached
    return _copy(cached)


def validate(path: Path | str | None = None) -> list[str]:
    """Problems of a package as printable lines (empty when it is valid)."""
    folder = Path(path) if path is not None else default_package_path()
    return [str(p) for p in run_checks(read_raw(folder))]
