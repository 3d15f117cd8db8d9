"""Load a data package into typed tables in canonical units, or refuse it whole."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, cast

import numpy as np
import pandas as pd

from kruispunt.catalogue.checks import UnitLookups, canonical_unit, run_checks
from kruispunt.catalogue.raw import RawPackage, read_raw
from kruispunt.catalogue.schema import TableSpec, table_specs
from kruispunt.errors import DataPackageError
from kruispunt.units import conversion_factor


def default_package_path() -> Path:
    """Folder of the data package shipped inside the Python package."""
    return Path(str(resources.files("kruispunt.data").joinpath("package")))


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
    out = typed.copy()
    for unit_col, value_cols in unit_cols.items():
        rows = cast(list[dict[str, str]], text.to_dict("records"))
        targets = [canonical_unit(lookups, spec.name, row) for row in rows]
        factors = np.array(
            [
                conversion_factor(u, t) if (u and t) else 1.0
                for u, t in zip(text[unit_col], targets, strict=True)
            ]
        )
        for col in value_cols:
            if "value" in value_cols:
                out[f"{col}_original"] = typed[col]
            out[col] = typed[col] * factors
        if "value" in value_cols:
            out[f"{unit_col}_original"] = typed[unit_col]
        out[unit_col] = pd.array(
            [t if t else u for u, t in zip(text[unit_col], targets, strict=True)], dtype="string"
        )
    return out


def load_catalogue(path: Path | str | None = None) -> Catalogue:
    """Load and check a data package.

    Parameters
    ----------
    path : path-like, optional
        Folder holding ``datapackage.json`` and the CSV tables. Default: the embedded package.

    Returns
    -------
    Catalogue
        Typed tables in canonical units.

    Raises
    ------
    DataPackageError
        If any check fails; the message lists every problem with file, line and field.
        Nothing is returned in that case: a package is loaded whole or not at all.
    """
    folder = Path(path) if path is not None else default_package_path()
    raw = read_raw(folder)
    problems = run_checks(raw)
    if problems:
        raise DataPackageError(problems, str(folder))
    tables = {
        name: _to_canonical(raw, spec, _typed(spec, raw.tables[name]))
        for name, spec in table_specs().items()
    }
    return Catalogue(path=folder, data_hash=data_hash(folder), tables=tables)


def validate(path: Path | str | None = None) -> list[str]:
    """Problems of a package as printable lines (empty when it is valid)."""
    folder = Path(path) if path is not None else default_package_path()
    return [str(p) for p in run_checks(read_raw(folder))]
