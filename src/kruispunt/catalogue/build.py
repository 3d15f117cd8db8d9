"""Build the embedded data package from vendored raw data and the project's curated tables.

``build_package(raw_dir, curated_dir, out_dir)`` is deterministic: the same inputs give the
same bytes (rows sorted by key, fixed number formatting, ``\\n`` line endings, no
timestamps). The package is written to a temporary folder, checked with every check of
:mod:`kruispunt.catalogue.checks`, and only then moved into place: a failed build leaves
the previous package untouched.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import re
import shutil
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from dataclasses import field as dataclass_field
from pathlib import Path

import pandas as pd

from kruispunt.catalogue.checks import run_checks
from kruispunt.catalogue.raw import csv_records, read_csv_text, read_raw
from kruispunt.catalogue.schema import TableSpec, table_specs
from kruispunt.catalogue.sources import eutl, nace
from kruispunt.errors import DataPackageError, KruispuntError, Problem, UnitError
from kruispunt.files import nearest_existing, not_a_folder
from kruispunt.units import conversion_factor
from kruispunt.vocabulary import BASE_YEAR, HOURS_PER_YEAR

PACKAGE_NAME = "kruispunt-nl-eii"
PACKAGE_VERSION = "0.1.0"

COPIED_TABLES = (
    "clusters",
    "sectors",
    "products",
    "carriers",
    "sites",
    "routes",
    "route_parameters",
    "route_inputs",
    "carrier_prices",
    "policy",
    "infrastructure",
    "commitments",
    "storage_contracts",
    "ikc_sectors",
    "ikc_baselines",
    "tax_exemptions",
    "deflators",
    "electricity_profile",
    "product_markets",
    "margin_scopes",
    "branch_profits",
    "events",
    "biomass_supply",
    "ets_benchmarks",
    "route_allocation",
    "end_products",
    "end_product_materials",
    "country_energy_costs",
    "route_retrofits",
    "route_sites",
)


def _own_source(source_id: str, title: str, kind: str, note: str) -> dict[str, str]:
    """A row of ``sources`` for a value the build makes itself (the project's own)."""
    return {
        "source_id": source_id,
        "title": title,
        "publisher": "Kruispunt project",
        "year": "2026",
        "url": "",
        "licence": "EUPL-1.2",
        "kind": kind,
        "note": note,
    }


GENERATED_SOURCES = pd.DataFrame(
    [
        _own_source(
            "derived_production",
            "Base-year production derived from verified emissions",
            "derived",
            f"production = (sum of the site's {BASE_YEAR} EUTL verified emissions) x "
            "emission_share / direct emission factor of the plant's current route (its "
            "earliest emission_factor row in route_parameters); used where no source "
            "gives the plant's production.",
        ),
        _own_source(
            "assumption_capacity_equals_production",
            "Capacity taken equal to base-year production",
            "assumption",
            "No licensed source gives the plant's capacity; the model takes the base-year "
            "production as capacity, so that the base year runs at full use and "
            "reproduces verified emissions. Replace with a sourced capacity when known.",
        ),
        _own_source(
            "derived_capacity_operating_hours",
            "Capacity from base-year production and the hours a year the plant runs",
            "derived",
            "capacity = base-year production x 8,760 h / the plant's operating_hours "
            "(site_products.csv, with their own source): a plant that runs part of the "
            "year at full load (a sugar factory's beet campaign) needs equipment and fixed "
            "costs for that load, not for its yearly average.",
        ),
    ]
)


_Where = tuple[Path, pd.DataFrame, int]
"""Where a row of a built table was read from: the curated file, its table as read, and the
row's position in it."""


def _record_lines(path: Path) -> list[int] | None:
    """The line each row of a curated CSV file starts on (the header is line 1), or None."""
    try:
        records = csv_records(path.read_bytes().decode("utf-8"))
    except (OSError, UnicodeDecodeError):
        return None
    return None if records is None else [line for line, _ in records[1:]]


def _read_curated(curated_dir: Path, name: str) -> pd.DataFrame:
    path = curated_dir / f"{name}.csv"
    if not path.is_file():
        raise KruispuntError(f"curated table missing: {path}")
    df = read_csv_text(path)
    _check_columns(path, df, name)  # named here, with the file, not later as a built table
    if name in READ_BEFORE_CHECKS:
        _check_keys(path, df, name)
    return df


READ_BEFORE_CHECKS = ("products", "routes", "route_parameters", "site_products")
"""Curated tables the build computes with (the production fill) before the built package's
checks run: their columns and keys are checked as they are read."""


def _check_columns(path: Path, df: pd.DataFrame, name: str) -> None:
    """Every column of the table's schema in a curated table the build computes with, before
    it does (a renamed header broke the production fill with a KeyError); names the file,
    the columns missing and the header as read (a wrong delimiter shows there)."""
    spec = table_specs().get(name)
    missing = [f.name for f in spec.fields if f.name not in df.columns] if spec else []
    if missing:
        raise KruispuntError(
            f"{path}: columns missing: {', '.join(missing)} "
            f"(the header reads: {', '.join(map(str, df.columns))[:200]})"
        )


def _check_keys(path: Path, df: pd.DataFrame, name: str) -> None:
    """Each key of a curated table once, before the build computes with it (a repeated
    product broke the production fill with a cryptic error); names the file and line."""
    spec = table_specs().get(name)
    key = list(spec.primary_key) if spec is not None else []
    if key and all(k in df.columns for k in key):
        again = df.duplicated(subset=key).to_numpy()
        if again.any():
            i = int(again.nonzero()[0][0])
            shown = ", ".join(f"{k} '{df[k].iloc[i]}'" for k in key)
            raise KruispuntError(
                f"{path}, line {_line_of(path, i)}: the row with {shown} is there already; "
                "allowed: one row per key"
            )


def _sources(curated_dir: Path) -> tuple[pd.DataFrame, list[_Where | None]]:
    """The sources table (the curated source files, then the build's own sources) and where
    each of its rows comes from."""
    files = sorted((curated_dir / "sources").glob("*.csv"))
    if not files:
        raise KruispuntError(f"no source tables in {curated_dir / 'sources'}")
    frames = [read_csv_text(f) for f in files]
    where: list[_Where | None] = [
        (f, frame, i) for f, frame in zip(files, frames, strict=True) for i in range(len(frame))
    ]
    where += [None] * len(GENERATED_SOURCES)
    return pd.concat([*frames, GENERATED_SOURCES], ignore_index=True), where


_INSTALLATION_ID = re.compile(r"[0-9]{1,18}")


def _installations(
    raw_dir: Path, curated_dir: Path
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """The installations table, the installation years, and ``installation_sites.csv`` as
    read (the installations table's ``_curated_row`` column is the position of each
    installation's row in it)."""
    base, years = eutl.read(raw_dir)
    codes = nace.read(raw_dir)
    path = curated_dir / "installation_sites.csv"
    curated = _read_curated(curated_dir, "installation_sites")
    missing = [c for c in ("installation_id", "site_id") if c not in curated.columns]
    if missing:
        raise KruispuntError(f"{path}: columns missing: {', '.join(missing)}")
    ids = curated["installation_id"]
    bad = [i for i, v in enumerate(ids) if not _INSTALLATION_ID.fullmatch(v)]
    if bad:
        more = f" ({len(bad) - 1} more rows like it)" if len(bad) > 1 else ""
        raise KruispuntError(
            f"{path}, line {_line_of(path, bad[0])}, field 'installation_id': "
            f"{ids.iloc[bad[0]]!r} is not an installation id; allowed: the installation's EUTL "
            f"id, a whole number (digits 0-9){more}"
        )
    mapping = curated.copy()
    mapping["installation_id"] = ids.astype("int64")
    twice = mapping["installation_id"].duplicated()
    if twice.any():
        i = int(twice.to_numpy().nonzero()[0][0])
        raise KruispuntError(
            f"{path}, line {_line_of(path, i)}, field 'installation_id': installation "
            f"{ids.iloc[i]} has a row already; allowed: one row per installation"
        )
    mapping["_curated_row"] = range(len(mapping))
    known, mapped = set(base["installation_id"]), set(mapping["installation_id"])
    if known - mapped:
        raise KruispuntError(
            f"{curated_dir / 'installation_sites.csv'}: stationary EUTL installations without a "
            f"row: {sorted(known - mapped)[:20]}"
        )
    if mapped - known:
        raise KruispuntError(
            f"{curated_dir / 'installation_sites.csv'}: ids that are not stationary NL EUTL "
            f"installations: {sorted(mapped - known)[:20]}"
        )
    out = base.merge(mapping, on="installation_id", how="left", validate="one_to_one")
    out["nace"] = out["installation_id"].map(codes).fillna("")
    out["included"] = (out["site_id"] != "").map({True: "true", False: "false"})
    return out, years, curated


def _line_of(path: Path, position: int) -> int:
    """The line of a curated file the row at ``position`` starts on (the header is line 1)."""
    lines = _record_lines(path)
    return lines[position] if lines is not None and position < len(lines) else position + 2


def _fill_production(
    plants: pd.DataFrame,
    installations: pd.DataFrame,
    years: pd.DataFrame,
    products: pd.DataFrame,
    routes: pd.DataFrame,
    route_parameters: pd.DataFrame,
    path: Path,
) -> pd.DataFrame:
    """``plants`` (curated ``site_products``, read from ``path``) with every empty production
    derived from verified emissions and every empty capacity filled: the production x 8,760
    h / the plant's ``operating_hours`` where it has them, else the production itself.

    The curated files it reads (``path`` and, beside it, ``products``, ``routes`` and
    ``route_parameters``) are computed with here, before the built package's checks: a cell
    it needs that is no number, no known id or no unit that converts is named here.

    Raises
    ------
    KruispuntError
        Naming the file, line and field: such a cell, a plant without production whose route
        has no positive emission factor, or a plant that gives both a capacity and operating
        hours."""
    curated = path.parent
    base = years[years["year"] == BASE_YEAR].set_index("installation_id")["verified_emissions"]
    emitted = pd.to_numeric(base.replace("", "0")).astype("int64")
    site_of = installations.set_index("installation_id")["site_id"]
    site_emissions = emitted.groupby(site_of.reindex(emitted.index)).sum()
    product_unit = products.set_index("product_id")["unit"]
    route_product = routes.set_index("route_id")["product_id"]
    params = curated / "route_parameters.csv"
    ef_rows = route_parameters.reset_index(drop=True)  # a row's label is its position
    ef_rows = ef_rows[ef_rows["parameter"] == "emission_factor"].copy()
    ef_rows["year_int"] = [
        _year_cell(params, int(pos), str(y))
        for pos, y in zip(ef_rows.index, ef_rows["year"], strict=True)
    ]
    ef_rows = ef_rows.sort_values(["route_id", "year_int"]).drop_duplicates("route_id")
    ef: dict[str, float] = {}
    for label, ef_row in ef_rows.iterrows():
        pos = int(str(label))
        route_id = str(ef_row["route_id"])
        if route_id not in route_product.index:
            raise _cell_error(params, pos, "route_id", route_id, "a route_id of routes.csv")
        product = str(route_product[route_id])
        if product not in product_unit.index:
            at = int((routes["route_id"] == route_id).to_numpy().argmax())  # its first row
            raise _cell_error(
                curated / "routes.csv", at, "product_id", product, "a product_id of products.csv"
            )
        value = _number_cell(params, pos, "value", str(ef_row["value"]))
        factor = _unit_cell(params, pos, str(ef_row["unit"]), f"tCO2/{product_unit[product]}")
        ef[route_id] = value * factor
    out = plants.copy()
    for pos, (idx, row) in enumerate(out.iterrows()):
        if row["production"] != "":
            continue
        route = row["route_id"]
        if route not in ef or ef[route] <= 0:
            plant = f"{row['site_id']}/{row['product_id']}/{row['unit_id']}"
            raise KruispuntError(
                f"{path}, line {_line_of(path, pos)}, field 'production': plant {plant} has no "
                f"production and route '{route}' has no positive emission_factor in "
                "route_parameters.csv to derive it from; allowed: a production, or a route "
                "that emits"
            )
        product = str(row["product_id"])
        if product not in product_unit.index:
            raise _cell_error(path, pos, "product_id", product, "a product_id of products.csv")
        share = _number_cell(path, pos, "emission_share", str(row["emission_share"]))
        produced = site_emissions.get(row["site_id"], 0) * share / ef[route]
        per_row_unit = produced / _unit_cell(
            path, pos, str(row["unit"]), f"{product_unit[product]}/yr"
        )
        out.at[idx, "production"] = _fmt(per_row_unit)
        out.at[idx, "production_source"] = "derived_production"
    hours = out["operating_hours"]  # a column of every curated table (_check_columns)
    for pos, idx in enumerate(out.index):
        given = str(hours[idx]) != ""
        if out.at[idx, "capacity"] != "":
            if given:
                raise KruispuntError(
                    f"{path}, line {_line_of(path, pos)}, field 'operating_hours': the plant "
                    "gives a capacity; allowed: a capacity or operating hours (which derive it "
                    "from the production), not both"
                )
            continue
        run = _hours(str(hours[idx])) if given else None
        if run is not None:
            production = _number_cell(path, pos, "production", str(out.at[idx, "production"]))
            out.at[idx, "capacity"] = _fmt(production * HOURS_PER_YEAR / run)
            out.at[idx, "capacity_source"] = "derived_capacity_operating_hours"
        else:
            out.at[idx, "capacity"] = str(out.at[idx, "production"])
            out.at[idx, "capacity_source"] = "assumption_capacity_equals_production"
    return out


def _cell_error(path: Path, pos: int, field: str, value: str, allowed: str) -> KruispuntError:
    """The error for the cell ``field`` of the row at ``pos`` of a curated file: its file,
    line, field, value and what is allowed."""
    return KruispuntError(
        f"{path}, line {_line_of(path, pos)}, field '{field}': {value!r} is not allowed; "
        f"allowed: {allowed}"
    )


def _number_cell(path: Path, pos: int, field: str, text: str) -> float:
    """A finite number of a curated cell the build computes with (:func:`_cell_error`
    otherwise).

    >>> _number_cell(Path("t.csv"), 0, "value", "0.25")
    0.25
    """
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value):
        raise _cell_error(path, pos, field, text, "a finite number")
    return value


def _year_cell(path: Path, pos: int, text: str) -> int:
    """A year of a curated cell the build computes with (:func:`_cell_error` otherwise)."""
    if not re.fullmatch(r"\d{4}", text.strip()):
        raise _cell_error(path, pos, "year", text, "a year of four digits")
    return int(text)


def _unit_cell(path: Path, pos: int, unit: str, to: str) -> float:
    """The factor from a curated cell's unit to ``to`` (:func:`_cell_error` where it does
    not parse or convert, with the reason)."""
    try:
        return conversion_factor(unit, to)
    except UnitError as exc:
        raise _cell_error(
            path, pos, "unit", unit, f"a unit that converts to '{to}' ({exc})"
        ) from None


def _hours(text: str) -> float | None:
    """Operating hours a year of a curated cell, None where they are no number above 0 and
    at most a year's hours: the package's checks (fields.csv) then name the cell, and the
    capacity falls back to the production.

    >>> _hours("3240"), _hours("0"), _hours("a campaign"), _hours("9000")
    (3240.0, None, None, None)
    """
    try:
        run = float(text)
    except ValueError:
        return None
    return run if 0 < run <= HOURS_PER_YEAR else None


def _fmt(value: float) -> str:
    return format(value, ".10g")


def _sorted(spec: TableSpec, df: pd.DataFrame) -> pd.DataFrame:
    """The table's columns, rows sorted by key; each row keeps as index label its position
    in ``df`` (where it came from, see :class:`_Origins`)."""
    cols = [f.name for f in spec.fields]
    missing = [c for c in cols if c not in df.columns]
    if missing:
        raise KruispuntError(f"table {spec.name}: columns missing: {', '.join(missing)}")
    out = df.reset_index(drop=True)[cols].astype(str)
    keys = []
    for key in spec.primary_key:
        field = spec.field(key)
        if field.type == "integer":
            out[f"_sort_{key}"] = pd.to_numeric(out[key], errors="coerce")
            keys.append(f"_sort_{key}")
        else:
            keys.append(key)
    out = out.sort_values(keys, kind="mergesort")
    return out[cols]


@dataclass
class _Origins:
    """What each table of a build was made from, to name in a problem the curated file (and
    line) to fix rather than the temporary folder the package was checked in."""

    curated_dir: Path
    built_from: dict[str, str] = dataclass_field(default_factory=dict)
    """Per table, the files it is built from (for the message)."""
    rows: dict[str, list[_Where | None]] = dataclass_field(default_factory=dict)
    """Per table, where each row (by its position before sorting) was read from."""
    lines: dict[Path, list[int] | None] = dataclass_field(default_factory=dict)

    def line(self, path: Path, position: int) -> int:
        if path not in self.lines:
            self.lines[path] = _record_lines(path)
        lines = self.lines[path]
        return lines[position] if lines is not None and position < len(lines) else position + 2

    def place(self, problem: Problem, tmp: Path, ordered: dict[str, pd.DataFrame]) -> Problem:
        """``problem``, found in the built package in ``tmp``, said of the curated file and
        line it comes from: the cell itself where the build copied it, else the built table
        and the key of its row."""
        path = Path(problem.file)
        message = problem.message.replace(str(tmp), "the built package")
        if path.parent != tmp:
            return replace(problem, message=message)
        if path.name == "scenarios.yaml":  # copied byte for byte: the same lines
            return replace(problem, file=str(self.curated_dir / path.name), message=message)
        name = path.stem
        if path.suffix != ".csv" or name not in ordered:
            return replace(problem, file=f"{path.name} (written by the build)", message=message)
        df = ordered[name]
        built = f"{path.name} (built from {self.built_from[name]})"
        pos = None if problem.row is None else problem.row - 2
        if pos is None or not 0 <= pos < len(df):
            return replace(problem, file=built, row=None, message=message)
        where = self.rows[name][int(df.index[pos])]
        if where is not None:
            file, curated, i = where
            col = problem.field
            if col is None or (
                col in curated.columns and curated[col].iloc[i] == df[col].iloc[pos]
            ):
                return replace(problem, file=str(file), row=self.line(file, i), message=message)
            built = f"{path.name} (built from {file}, line {self.line(file, i)})"
        key = ", ".join(f"{k} '{df[k].iloc[pos]}'" for k in table_specs()[name].primary_key)
        return replace(problem, file=f"{built}, row with {key}", row=None, message=message)


def _descriptor(tables: dict[str, pd.DataFrame], folder: Path) -> dict[str, object]:
    resources = []
    for name, spec in table_specs().items():
        fields = []
        for f in spec.fields:
            entry: dict[str, object] = {
                "name": f.name,
                "type": f.type if f.type != "id" else "string",
                "description": f.description,
            }
            if f.unit:
                entry["unit"] = f.unit
            if f.source:
                entry["source"] = f.source
            if f.enum:
                entry["constraints"] = {"enum": list(f.enum)}
            fields.append(entry)
        foreign = [
            {
                "fields": f.name,
                "reference": {
                    "resource": f.references.split(".")[0],
                    "fields": f.references.split(".")[1],
                },
            }
            for f in spec.fields
            if f.references
        ]
        file = folder / f"{name}.csv"
        resources.append(
            {
                "name": name,
                "path": f"{name}.csv",
                "format": "csv",
                "encoding": "utf-8",
                "description": spec.description,
                "rows": len(tables[name]),
                "hash": "sha256:" + hashlib.sha256(file.read_bytes()).hexdigest(),
                "schema": {
                    "fields": fields,
                    "primaryKey": list(spec.primary_key),
                    "foreignKeys": foreign,
                },
            }
        )
    return {
        "name": PACKAGE_NAME,
        "version": PACKAGE_VERSION,
        "title": "Dutch energy-intensive industry: sites, routes, prices and policy (Kruispunt)",
        "licenses": [
            {
                "name": "CC-BY-4.0",
                "title": "Creative Commons Attribution 4.0; "
                "third-party sources keep their own terms, see sources.csv",
            }
        ],
        "base_year": BASE_YEAR,
        "resources": resources,
        "scenarios": {
            "path": "scenarios.yaml",
            "format": "yaml",
            "hash": "sha256:"
            + hashlib.sha256((folder / "scenarios.yaml").read_bytes()).hexdigest(),
        },
    }


def build_package(
    raw_dir: Path,
    curated_dir: Path,
    out_dir: Path,
    *,
    extra_checks: Sequence[Callable[[Path], list[Problem]]] = (),
) -> dict[str, int]:
    """Build the data package into ``out_dir`` (replaced only if the build passes every check).

    Parameters
    ----------
    raw_dir, curated_dir : Path
        Vendored raw data and the project's curated tables.
    out_dir : Path
        The package folder to write (replaced whole, or left as it was).
    extra_checks : sequence of callables
        More checks of the built folder, each returning its problems; the command line
        passes :func:`kruispunt.scenarios.package_problems`, which checks the default
        scenarios (the catalogue does not import the scenario layer above it).

    Returns
    -------
    dict
        Row count per table.

    Raises
    ------
    KruispuntError
        Before any work, for an ``out_dir`` that exists and is not a data package folder
        (replacing it would delete files that are not the package's), or that cannot be
        written.
    """
    out_dir = Path(out_dir)
    _check_out_dir(out_dir)
    origins = _Origins(curated_dir)
    tables: dict[str, pd.DataFrame] = {}
    for name in COPIED_TABLES:
        tables[name] = _read_curated(curated_dir, name)
        origins.built_from[name] = str(curated_dir / f"{name}.csv")
        origins.rows[name] = [
            (curated_dir / f"{name}.csv", tables[name], i) for i in range(len(tables[name]))
        ]
    tables["sources"], origins.rows["sources"] = _sources(curated_dir)
    origins.built_from["sources"] = f"{curated_dir / 'sources'}{os.sep}*.csv and the build"
    installations, years, installation_sites = _installations(raw_dir, curated_dir)
    tables["installations"] = installations
    tables["installation_years"] = years
    mapped = curated_dir / "installation_sites.csv"
    origins.built_from["installations"] = f"{raw_dir} and {mapped}"
    origins.rows["installations"] = [
        (mapped, installation_sites, int(i)) for i in installations["_curated_row"]
    ]
    origins.built_from["installation_years"] = str(raw_dir)
    origins.rows["installation_years"] = [None] * len(years)
    plants = _read_curated(curated_dir, "site_products")
    tables["site_products"] = _fill_production(
        plants,
        installations,
        years,
        tables["products"],
        tables["routes"],
        tables["route_parameters"],
        curated_dir / "site_products.csv",
    )
    origins.built_from["site_products"] = str(curated_dir / "site_products.csv")
    origins.rows["site_products"] = [
        (curated_dir / "site_products.csv", plants, i) for i in range(len(plants))
    ]
    specs = table_specs()
    ordered = {name: _sorted(spec, tables[name]) for name, spec in specs.items()}

    # the folders made for the package are taken away again if the build fails
    made = [p for p in (out_dir.parent, *out_dir.parent.parents) if not p.exists()]
    try:
        out_dir.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=".build-", dir=out_dir.parent))
    except OSError as exc:
        _remove_empty(made)
        raise KruispuntError(
            f"cannot write the data package beside {out_dir}: {exc.strerror or exc}"
        ) from None
    umask = os.umask(0)
    os.umask(umask)
    tmp.chmod(0o777 & ~umask)  # mkdtemp makes it private; the package is for every user
    try:
        scen = curated_dir / "scenarios.yaml"
        if not scen.is_file():
            raise KruispuntError(f"default scenarios missing: {scen}")
        try:
            scenarios = scen.read_bytes()
        except OSError as exc:
            raise KruispuntError(f"cannot read {scen}: {exc.strerror or exc}") from None
        try:
            for name, df in ordered.items():
                df.to_csv(tmp / f"{name}.csv", index=False, lineterminator="\n", encoding="utf-8")
            (tmp / "scenarios.yaml").write_bytes(scenarios)
            descriptor = _descriptor(ordered, tmp)
            (tmp / "datapackage.json").write_text(
                json.dumps(descriptor, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
            )
        except OSError as exc:
            raise KruispuntError(
                f"cannot write the data package {out_dir}: {exc.strerror or exc}"
            ) from None
        problems = run_checks(read_raw(tmp))
        for check in extra_checks:
            problems += check(tmp)
        if problems:
            problems = [origins.place(p, tmp, ordered) for p in problems]
            raise DataPackageError(problems, "built from " + str(curated_dir))
        if out_dir.exists():
            _check_out_dir(out_dir)  # still a package: nothing else was put there meanwhile
        try:
            _put_in_place(tmp, out_dir)
        except OSError as exc:
            raise KruispuntError(
                f"cannot write the data package {out_dir}: {exc.strerror or exc}"
            ) from None
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
        if not out_dir.exists():
            _remove_empty(made)
    return {name: len(df) for name, df in ordered.items()}


def _remove_empty(folders: Sequence[Path]) -> None:
    """Remove the ``folders`` (deepest first) a failed build made, as long as they are empty."""
    for folder in folders:
        try:
            folder.rmdir()
        except OSError:
            return


def _put_in_place(tmp: Path, out_dir: Path) -> None:
    """Move the built package ``tmp`` to ``out_dir``, replacing the package there; if a move
    fails (OSError), the previous package is put back."""
    if not out_dir.exists():
        tmp.rename(out_dir)
        return
    # the old package goes aside under a name of its own (never a folder of the user's)
    old = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.old-", dir=out_dir.parent))
    try:
        out_dir.replace(old)
    except OSError:
        old.rmdir()
        raise
    try:
        tmp.rename(out_dir)
    except OSError:
        old.replace(out_dir)
        raise
    shutil.rmtree(old)


_PACKAGE_FILES = ("datapackage.json", "scenarios.yaml")


def _check_out_dir(out_dir: Path) -> None:
    """Refuse an ``out_dir`` the build would replace but that is not a data package: a file,
    or a folder without ``datapackage.json`` or with anything but a package's files (its
    tables, ``datapackage.json``, ``scenarios.yaml``)."""
    if not out_dir.exists() and not out_dir.is_symlink():
        parent = nearest_existing(out_dir.parent)
        if not parent.is_dir():  # the folders up to it cannot be made
            raise KruispuntError(f"--out {out_dir}: {not_a_folder(parent)}")
        return
    if out_dir.is_symlink() or not out_dir.is_dir():
        raise KruispuntError(
            f"--out {out_dir} exists and is not a folder; give a new folder, or a data "
            "package folder to replace"
        )
    foreign = sorted(
        p.name
        for p in out_dir.iterdir()
        if not (
            p.is_file() and not p.is_symlink() and (p.suffix == ".csv" or p.name in _PACKAGE_FILES)
        )
    )
    if foreign or not (out_dir / "datapackage.json").is_file():
        what = f"it holds {', '.join(foreign[:5])}" + (" ..." if len(foreign) > 5 else "")
        what = what if foreign else "it has no datapackage.json"
        raise KruispuntError(
            f"--out {out_dir} exists and is not a data package ({what}); the build replaces "
            "its folder whole: give a new folder, or a data package folder to replace"
        )


def rehash_package(folder: Path) -> list[str]:
    """Record in ``datapackage.json`` the hash and row count of each table of an edited copy,
    and the hash of its ``scenarios.yaml``; return the files whose record changed.

    Only the hashes and counts change; every other check still applies (run
    ``kruispunt data validate`` next). The embedded package is refused: it is built from
    ``data/``, never edited (``kruispunt data build``).

    Raises
    ------
    KruispuntError
        For the embedded package, or a descriptor that is not a package's (fix it first: its
        problems are listed by ``kruispunt data validate``).
    """
    from kruispunt.catalogue.checks import check_descriptor
    from kruispunt.catalogue.paths import default_package_path

    folder = Path(folder)
    if folder.resolve() == default_package_path().resolve():
        raise KruispuntError(
            f"{folder} is the embedded data package: it is built from data/ with "
            "'kruispunt data build', never edited; rehash a copy instead"
        )
    raw = read_raw(folder)
    problems = raw.problems + check_descriptor(raw)
    if problems or not isinstance(raw.descriptor, dict):
        raise DataPackageError(problems, str(folder))
    descriptor = raw.descriptor
    missing = [
        Problem(
            "check_tables_present",
            raw.file(res["name"]),
            None,
            None,
            f"table '{res['name']}' is missing, but datapackage.json lists it: put its file "
            "back (rehash records the hashes of the tables there are; it removes no table)",
        )
        for res in descriptor["resources"]
        if res["name"] not in raw.tables
    ]
    if missing:
        raise DataPackageError(missing, str(folder))
    changed: list[str] = []
    for res in descriptor["resources"]:
        name = res["name"]
        new = {"rows": len(raw.tables[name]), "hash": f"sha256:{raw.hashes[name]}"}
        if {k: res.get(k) for k in new} != new:
            res.update(new)
            changed.append(f"{name}.csv")
    scen = folder / "scenarios.yaml"
    if scen.is_file():
        digest = "sha256:" + hashlib.sha256(scen.read_bytes()).hexdigest()
        if descriptor["scenarios"].get("hash") != digest:
            descriptor["scenarios"]["hash"] = digest
            changed.append("scenarios.yaml")
    if changed:
        path = folder / "datapackage.json"
        tmp = path.with_name(f".{path.name}.tmp")
        try:
            tmp.write_text(
                json.dumps(descriptor, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
            )
            tmp.replace(path)
        except OSError as exc:
            tmp.unlink(missing_ok=True)
            raise KruispuntError(f"cannot write {path}: {exc.strerror or exc}") from None
    return changed
