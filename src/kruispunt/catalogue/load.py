"""Load a data package into typed tables in canonical units, or refuse it whole."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from kruispunt.catalogue.checks import UnitLookups, canonical_units, run_checks
from kruispunt.catalogue.paths import default_package_path
from kruispunt.catalogue.raw import RawPackage, read_raw
from kruispunt.catalogue.schema import TableSpec, table_specs
from kruispunt.errors import DataPackageError
from kruispunt.units import conversion_factor


@dataclass(frozen=True)
class Catalogue:
    """The validated data package: one typed DataFrame per table, values in canonical units.

    Long tables (``route_parameters``, ``route_inputs``, ``carrier_prices``, ``policy``,
    ``infrastructure``) keep their original value and unit in ``value_original`` and
    ``unit_original``; ``value`` and ``unit`` are canonical. ``site_products`` capacity and
    production are in product units per year.
    """

    path: Path
    data_hash: str
    tables: dict[str, pd.DataFrame]

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
    )


def _load(folder: Path) -> Catalogue:
    raw = read_raw(folder)
    problems = run_checks(raw)
    if problems:
        raise DataPackageError(problems, str(folder))
    tables = {
        name: _to_canonical(raw, spec, _typed(spec, raw.tables[name]))
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
