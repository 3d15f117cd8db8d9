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
import os
import shutil
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path

import pandas as pd

from kruispunt.catalogue.checks import run_checks
from kruispunt.catalogue.raw import read_raw
from kruispunt.catalogue.schema import TableSpec, table_specs
from kruispunt.catalogue.sources import eutl, nace
from kruispunt.errors import DataPackageError, KruispuntError, Problem
from kruispunt.units import conversion_factor
from kruispunt.vocabulary import BASE_YEAR

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

GENERATED_SOURCES = pd.DataFrame(
    [
        {
            "source_id": "derived_production",
            "title": "Base-year production derived from verified emissions",
            "publisher": "Kruispunt project",
            "year": "2026",
            "url": "",
            "licence": "EUPL-1.2",
            "kind": "derived",
            "note": (
                f"production = (sum of the site's {BASE_YEAR} EUTL verified emissions) x "
                "emission_share / direct emission factor of the plant's current route (its "
                "earliest emission_factor row in route_parameters); used where no source "
                "gives the plant's production."
            ),
        },
        {
            "source_id": "assumption_capacity_equals_production",
            "title": "Capacity taken equal to base-year production",
            "publisher": "Kruispunt project",
            "year": "2026",
            "url": "",
            "licence": "EUPL-1.2",
            "kind": "assumption",
            "note": (
                "No licensed source gives the plant's capacity; the model takes the base-year "
                "production as capacity, so that the base year runs at full use and "
                "reproduces verified emissions. Replace with a sourced capacity when known."
            ),
        },
    ]
)


def _read_curated(curated_dir: Path, name: str) -> pd.DataFrame:
    path = curated_dir / f"{name}.csv"
    if not path.is_file():
        raise KruispuntError(f"curated table missing: {path}")
    return pd.read_csv(path, dtype=str, keep_default_na=False, na_filter=False)


def _sources(curated_dir: Path) -> pd.DataFrame:
    files = sorted((curated_dir / "sources").glob("*.csv"))
    if not files:
        raise KruispuntError(f"no source tables in {curated_dir / 'sources'}")
    frames = [pd.read_csv(f, dtype=str, keep_default_na=False) for f in files]
    return pd.concat([*frames, GENERATED_SOURCES], ignore_index=True)


def _installations(raw_dir: Path, curated_dir: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    base, years = eutl.read(raw_dir)
    codes = nace.read(raw_dir)
    mapping = _read_curated(curated_dir, "installation_sites")
    mapping["installation_id"] = mapping["installation_id"].astype(int)
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
    return out, years


def _fill_production(
    plants: pd.DataFrame,
    installations: pd.DataFrame,
    years: pd.DataFrame,
    products: pd.DataFrame,
    routes: pd.DataFrame,
    route_parameters: pd.DataFrame,
) -> pd.DataFrame:
    base = years[years["year"] == BASE_YEAR].set_index("installation_id")["verified_emissions"]
    emitted = pd.to_numeric(base.replace("", "0")).astype("int64")
    site_of = installations.set_index("installation_id")["site_id"]
    site_emissions = emitted.groupby(site_of.reindex(emitted.index)).sum()
    product_unit = products.set_index("product_id")["unit"]
    route_product = routes.set_index("route_id")["product_id"]
    ef_rows = route_parameters[route_parameters["parameter"] == "emission_factor"].copy()
    ef_rows["year_int"] = ef_rows["year"].astype(int)
    ef_rows = ef_rows.sort_values(["route_id", "year_int"]).drop_duplicates("route_id")
    ef: dict[str, float] = {}
    for ef_row in ef_rows.itertuples():
        route_id = str(ef_row.route_id)
        unit = product_unit[route_product[route_id]]
        ef[route_id] = float(str(ef_row.value)) * conversion_factor(
            str(ef_row.unit), f"tCO2/{unit}"
        )
    out = plants.copy()
    for idx, row in out.iterrows():
        if row["production"] != "":
            continue
        route = row["route_id"]
        if route not in ef or ef[route] <= 0:
            plant = f"{row['site_id']}/{row['product_id']}/{row['unit_id']}"
            raise KruispuntError(
                f"site_products.csv: plant {plant} has no production and route '{route}' has no "
                "positive emission_factor to derive it from"
            )
        unit = product_unit[row["product_id"]]
        produced = site_emissions.get(row["site_id"], 0) * float(row["emission_share"]) / ef[route]
        per_row_unit = produced / conversion_factor(row["unit"], f"{unit}/yr")
        out.at[idx, "production"] = _fmt(per_row_unit)
        out.at[idx, "production_source"] = "derived_production"
    empty_cap = out["capacity"] == ""
    out.loc[empty_cap, "capacity"] = out.loc[empty_cap, "production"]
    out.loc[empty_cap, "capacity_source"] = "assumption_capacity_equals_production"
    return out


def _fmt(value: float) -> str:
    return format(value, ".10g")


def _sorted(spec: TableSpec, df: pd.DataFrame) -> pd.DataFrame:
    cols = [f.name for f in spec.fields]
    missing = [c for c in cols if c not in df.columns]
    if missing:
        raise KruispuntError(f"table {spec.name}: columns missing: {', '.join(missing)}")
    out = df[cols].astype(str)
    keys = []
    for key in spec.primary_key:
        field = spec.field(key)
        if field.type == "integer":
            out[f"_sort_{key}"] = pd.to_numeric(out[key], errors="coerce")
            keys.append(f"_sort_{key}")
        else:
            keys.append(key)
    out = out.sort_values(keys, kind="mergesort")
    return out[cols].reset_index(drop=True)


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
    tables: dict[str, pd.DataFrame] = {
        name: _read_curated(curated_dir, name) for name in COPIED_TABLES
    }
    tables["sources"] = _sources(curated_dir)
    installations, years = _installations(raw_dir, curated_dir)
    tables["installations"] = installations
    tables["installation_years"] = years
    tables["site_products"] = _fill_production(
        _read_curated(curated_dir, "site_products"),
        installations,
        years,
        tables["products"],
        tables["routes"],
        tables["route_parameters"],
    )
    specs = table_specs()
    ordered = {name: _sorted(spec, tables[name]) for name, spec in specs.items()}

    try:
        out_dir.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=".build-", dir=out_dir.parent))
    except OSError as exc:
        raise KruispuntError(
            f"cannot write the data package beside {out_dir}: {exc.strerror or exc}"
        ) from None
    umask = os.umask(0)
    os.umask(umask)
    tmp.chmod(0o777 & ~umask)  # mkdtemp makes it private; the package is for every user
    try:
        for name, df in ordered.items():
            df.to_csv(tmp / f"{name}.csv", index=False, lineterminator="\n", encoding="utf-8")
        scen = curated_dir / "scenarios.yaml"
        if not scen.is_file():
            raise KruispuntError(f"default scenarios missing: {scen}")
        shutil.copyfile(scen, tmp / "scenarios.yaml")
        descriptor = _descriptor(ordered, tmp)
        (tmp / "datapackage.json").write_text(
            json.dumps(descriptor, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
        )
        problems = run_checks(read_raw(tmp))
        for check in extra_checks:
            problems += check(tmp)
        if problems:
            raise DataPackageError(problems, "built from " + str(curated_dir))
        if out_dir.exists():
            _check_out_dir(out_dir)  # still a package: nothing else was put there meanwhile
            # the old package goes aside under a name of its own (never a folder of the user's)
            old = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.old-", dir=out_dir.parent))
            out_dir.replace(old)
            tmp.rename(out_dir)
            shutil.rmtree(old)
        else:
            tmp.rename(out_dir)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return {name: len(df) for name, df in ordered.items()}


_PACKAGE_FILES = ("datapackage.json", "scenarios.yaml")


def _check_out_dir(out_dir: Path) -> None:
    """Refuse an ``out_dir`` the build would replace but that is not a data package: a file,
    or a folder without ``datapackage.json`` or with anything but a package's files (its
    tables, ``datapackage.json``, ``scenarios.yaml``)."""
    if not out_dir.exists() and not out_dir.is_symlink():
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
    changed: list[str] = []
    for res in descriptor["resources"]:
        name = res["name"]
        if name not in raw.tables:
            continue
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
