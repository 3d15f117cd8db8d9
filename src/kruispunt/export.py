"""Export results to files other tools open: IAMC, CSV, Parquet, netCDF.

Formats
-------
``iamc``
    One CSV file in the IAMC long format, columns ``model, scenario, region, variable, unit,
    year, value``: model ``"Kruispunt <version>"``, region ``Netherlands`` and
    ``Netherlands|<cluster name>``, variables named after the IAMC common-definitions
    (https://github.com/IAMconsortium/common-definitions) as mapped in
    ``kruispunt/schemas/iamc_variables.csv`` (see :func:`iamc_mapping`). Built from
    :mod:`kruispunt.metrics`.
``csv``
    A folder: one CSV per group of variables that share dimensions (``plant_year.csv``,
    ``product_year.csv`` ...), one per dimension's coordinates (``coords_plant.csv``), and
    ``manifest.json`` with units, dtypes and provenance. Floats keep 17 significant digits.
``parquet``
    The same folder layout with Parquet parts (the results store's run format).
``netcdf``
    One netCDF-4 file of the result dataset (:meth:`Results.to_netcdf`).

Every format reads back with :func:`read_export`: ``iamc`` as the exported table, the other
three as :class:`~kruispunt.results.Results` equal to what was exported, exactly. Files are
written to a temporary name beside the target and renamed into place, so a failed export
leaves nothing half-written.
"""

from __future__ import annotations

import csv
import json
import os
import secrets
import shutil
from collections.abc import Callable
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Literal, overload

import numpy as np
import pandas as pd

from kruispunt import metrics
from kruispunt.errors import KruispuntError
from kruispunt.files import write_file
from kruispunt.results import Results
from kruispunt.store import FORMAT, MANIFEST, read_results_folder, write_results_folder
from kruispunt.vocabulary import SCENARIO

__all__ = ["FORMATS", "IAMC_COLUMNS", "export", "iamc_mapping", "read_export", "to_iamc"]

Format = Literal["iamc", "csv", "parquet", "netcdf"]
FORMATS: tuple[str, ...] = ("iamc", "csv", "parquet", "netcdf")
IAMC_COLUMNS = ("model", SCENARIO, "region", "variable", "unit", "year", "value")
NATIONAL = "Netherlands"
_SOURCES = (
    "emissions_direct",
    "carbon_capture",
    "carbon_storage",
    "final_energy",
    "non_energy_use",
    "production",
)


@lru_cache(maxsize=1)
def _mapping_rows() -> tuple[dict[str, str], ...]:
    text = resources.files("kruispunt.schemas").joinpath("iamc_variables.csv").read_text("utf-8")
    rows = tuple(csv.DictReader(text.splitlines()))
    for i, row in enumerate(rows, start=2):
        if row["source"] not in _SOURCES:
            raise KruispuntError(
                f"schemas/iamc_variables.csv, line {i}: unknown source "
                f"'{row['source']}'; allowed: {', '.join(_SOURCES)}"
            )
    return rows


def iamc_mapping() -> pd.DataFrame:
    """The IAMC variable mapping (``schemas/iamc_variables.csv``).

    Columns: ``source`` (which metric: ``emissions_direct``, ``carbon_capture``,
    ``carbon_storage``, ``final_energy`` (energy carriers used as energy),
    ``non_energy_use`` (energy carriers used as feedstock), ``production``), ``key``
    (sector, carrier or product id; ``*`` for all, ``?`` for every key no other row of the
    source names),
    ``variable`` (IAMC name; ``{key}`` is replaced by the id), ``unit`` (IAMC unit),
    ``from_unit`` (the metric's unit the row applies to), ``factor`` (from ``from_unit`` to
    ``unit``), ``convention`` (``common-definitions``: the variable is defined there;
    ``alias``: an AR6/NAVIGATE name of a defined variable; ``extension``: Kruispunt's,
    following the naming rules) and ``note``. Rows with the same variable add up.
    """
    frame = pd.DataFrame(list(_mapping_rows()))
    frame["factor"] = frame["factor"].astype(np.float64)
    return frame


def _source_frames(results: Results, by_cluster: bool) -> dict[str, pd.DataFrame]:
    """Per source: columns scenario, [cluster], key, year, value, from_unit."""
    by: list[str] = ["cluster"] if by_cluster else []
    out: dict[str, pd.DataFrame] = {}
    kinds: tuple[tuple[str, metrics.EmissionKind], ...] = (
        ("emissions_direct", "direct"),
        ("carbon_capture", "captured"),
        ("carbon_storage", "stored"),
    )
    for source, kind in kinds:
        f = metrics.emissions(results, by=[*by, "sector"], kind=kind)
        out[source] = f.rename(columns={"sector": "key", "emissions_mtco2": "value"}).assign(
            from_unit="MtCO2/yr"
        )
    f = metrics.energy_demand(results, by=by or None)
    f = f.rename(columns={"carrier": "key", "energy_twh": "value"}).assign(from_unit="TWh/yr")
    ds = results.dataset
    uses = dict(
        zip(ds["carrier"].values.astype(str), ds["carrier_use"].values.astype(str), strict=True)
    )
    feedstock = f["key"].map(uses).eq("feedstock")
    out["final_energy"] = f[~feedstock]
    out["non_energy_use"] = f[feedstock]
    f = metrics.production(results, by=by or None)
    out["production"] = f.rename(
        columns={"product": "key", "production": "value", "unit": "from_unit"}
    )
    return out


def _apply_mapping(frames: dict[str, pd.DataFrame], group: list[str]) -> pd.DataFrame:
    rows = _mapping_rows()
    pieces = []
    for source, frame in frames.items():
        src_rows = [r for r in rows if r["source"] == source]
        named = {r["key"] for r in src_rows if r["key"] not in ("*", "?")}
        for row in src_rows:
            if row["key"] == "*":
                sel = frame
            elif row["key"] == "?":
                sel = frame[~frame["key"].isin(named)]
            else:
                sel = frame[frame["key"] == row["key"]]
            sel = sel[sel["from_unit"] == row["from_unit"]]
            if sel.empty:
                continue
            variable = sel["key"].map(lambda k, v=row["variable"]: v.replace("{key}", k))
            pieces.append(
                pd.DataFrame(
                    {
                        **{c: sel[c].to_numpy() for c in group},
                        "variable": variable.to_numpy(),
                        "unit": row["unit"],
                        "year": sel["year"].to_numpy(),
                        "value": sel["value"].to_numpy() * float(row["factor"]),
                    }
                )
            )
        covered = {r["from_unit"] for r in src_rows}
        stray = frame[~frame["from_unit"].isin(covered)]
        if not stray.empty:
            first = stray.iloc[0]
            raise KruispuntError(
                f"no IAMC mapping for {source} '{first['key']}' in unit "
                f"'{first['from_unit']}'; add a row to "
                "schemas/iamc_variables.csv"
            )
    if not pieces:
        return pd.DataFrame(columns=[*group, "variable", "unit", "year", "value"])
    long = pd.concat(pieces, ignore_index=True)
    keys = [*group, "variable", "unit", "year"]
    return long.groupby(keys, sort=False)["value"].sum().reset_index()


def to_iamc(results: Results) -> pd.DataFrame:
    """The IAMC long-format table of ``results`` (what ``export(..., format="iamc")`` writes).

    Returns
    -------
    DataFrame
        Columns ``model, scenario, region, variable, unit, year, value``, sorted by scenario,
        region (``Netherlands`` first, then the clusters in their order), variable and year.
    """
    from kruispunt import __version__

    ds = results.dataset
    national = _apply_mapping(_source_frames(results, by_cluster=False), [SCENARIO])
    national.insert(1, "region", NATIONAL)
    clusters = _apply_mapping(_source_frames(results, by_cluster=True), [SCENARIO, "cluster"])
    cluster_ids = [str(c) for c in ds["cluster"].values]
    names = (
        [str(n) for n in ds["cluster_name"].values] if "cluster_name" in ds.coords else cluster_ids
    )
    region_of = dict(zip(cluster_ids, (f"{NATIONAL}|{n}" for n in names), strict=True))
    unknown = set(clusters["cluster"]) - set(region_of)
    if unknown:
        raise KruispuntError(
            f"plants in clusters not on the cluster dimension: {', '.join(sorted(unknown))}"
        )
    clusters.insert(1, "region", clusters.pop("cluster").map(region_of))
    frame = pd.concat([national, clusters], ignore_index=True)
    frame.insert(0, "model", f"Kruispunt {__version__}")
    scen_order = {str(s): i for i, s in enumerate(ds[SCENARIO].values)}
    region_order = {NATIONAL: -1, **{r: i for i, r in enumerate(region_of.values())}}
    frame = frame.sort_values(
        [SCENARIO, "region", "variable", "year"],
        kind="stable",
        key=lambda s: (
            s.map(scen_order)
            if s.name == SCENARIO
            else (s.map(region_order) if s.name == "region" else s)
        ),
    )
    frame = frame.reset_index(drop=True)
    for col in ("model", SCENARIO, "region", "variable", "unit"):
        frame[col] = frame[col].astype(str)
    frame["year"] = frame["year"].astype(np.int64)
    frame["value"] = frame["value"].astype(np.float64)
    return frame[list(IAMC_COLUMNS)]


# --- writing ----------------------------------------------------------------------------------


def _check_format(format: str) -> None:
    if format not in FORMATS:
        raise KruispuntError(f"unknown export format '{format}'; allowed: {', '.join(FORMATS)}")


def _prepare_parent(path: Path) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise KruispuntError(
            f"cannot write {path}: cannot create folder {path.parent} ({exc.strerror or exc})"
        ) from None
    if not os.access(path.parent, os.W_OK):
        raise KruispuntError(f"cannot write {path}: folder {path.parent} is not writable")
    if path.exists() and not path.is_file() and not path.is_dir():
        raise KruispuntError(f"cannot write {path}: it exists and is not a file or folder")


def _is_iamc(head: bytes) -> bool:
    """Whether a file starting with ``head`` is an IAMC table as :func:`export` writes it."""
    return head.startswith(",".join(IAMC_COLUMNS).encode())


def _is_netcdf(head: bytes) -> bool:
    """Whether a file starting with ``head`` is netCDF (classic, 64-bit offset or netCDF-4,
    an HDF5 file)."""
    return head.startswith((b"CDF\x01", b"CDF\x02", b"CDF\x05", b"\x89HDF\r\n\x1a\n"))


def _temp_beside(path: Path) -> Path:
    # the folder's own name: ``.`` or ``""`` name no file (Path(".").name is "")
    full = path.absolute()
    return full.with_name(f".{full.name}.tmp-{secrets.token_hex(4)}")


def _head(path: Path) -> bytes:
    """The first bytes of the file ``path``, decompressed for a gzip file (a ``.csv.gz``
    export, which pandas compresses from the name)."""
    import gzip

    with path.open("rb") as fh:
        head = fh.read(4096)
    if head.startswith(b"\x1f\x8b"):
        try:
            with gzip.open(path) as fh:
                return fh.read(4096)
        except (OSError, EOFError):
            return head
    return head


def _write_file(
    path: Path, write: Callable[[Path], object], own: Callable[[bytes], bool], kind: str
) -> None:
    if path.is_dir():
        raise KruispuntError(f"cannot write {path}: it is a folder (this format writes a file)")
    if path.is_file() and path.stat().st_size > 0:  # replace only an earlier export
        if not own(_head(path)):
            raise KruispuntError(
                f"cannot write {path}: the file exists and is not {kind}, so it is not "
                "replaced; give a new file name, or remove it first"
            )
    try:  # through a link, keeping the file's permissions (kruispunt.files)
        write_file(path, write)
    except OSError as exc:
        raise KruispuntError(f"cannot write {path}: {exc.strerror or exc}") from None


def _not_an_export(path: Path) -> str:
    """Why the folder ``path`` is not an earlier export this one may replace ("" if it is):
    an export holds its ``manifest.json`` (of the results format, without a run id: a stored
    run's folder has one) and the parts that manifest lists, nothing else."""
    try:
        manifest = json.loads((path / MANIFEST).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return f"no {MANIFEST}"
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return f"its {MANIFEST} is not an export's"
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        return f"its {MANIFEST} is not an export's"
    if "run_id" in manifest:
        return "it is a stored run's folder"
    parts = manifest.get("parts")
    files = (
        {str(v.get("file")) for v in parts.values() if isinstance(v, dict)}
        if isinstance(parts, dict)
        else set()
    )
    other = sorted(p.name for p in path.iterdir() if p.name != MANIFEST and p.name not in files)
    return (
        f"it also holds {', '.join(other[:5])}" + (" ..." if len(other) > 5 else "")
        if other
        else ""
    )


def _write_folder(path: Path, results: Results, fmt: Literal["parquet", "csv"]) -> None:
    if path.is_file():
        raise KruispuntError(
            f"cannot write {path}: it is a file (format '{fmt}' writes a folder of parts)"
        )
    if path.is_dir() and any(path.iterdir()):
        why = _not_an_export(path)
        if why:
            raise KruispuntError(
                f"cannot write {path}: the folder exists, is not empty and is not "
                f"a Kruispunt export ({why}); an export replaces its folder whole: "
                "choose another path"
            )
    tmp = _temp_beside(path)
    old = _temp_beside(path)
    try:
        tmp.mkdir()
        write_results_folder(results, tmp, fmt, fsync=True)
        if path.exists():
            os.rename(path, old)
        os.rename(tmp, path)
    except OSError as exc:
        if old.exists() and not path.exists():
            os.rename(old, path)
        raise KruispuntError(f"cannot write {path}: {exc.strerror or exc}") from None
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
        shutil.rmtree(old, ignore_errors=True)


def export(results: Results, path: Path | str, format: Format = "iamc") -> Path:
    """Write ``results`` to ``path`` in ``format`` (see the module docstring).

    Parameters
    ----------
    results : Results
    path : path
        A file for ``iamc`` (CSV) and ``netcdf``; a folder for ``csv`` and ``parquet``.
        Missing parent folders are created; an existing export is replaced.
    format : {"iamc", "csv", "parquet", "netcdf"}

    Returns
    -------
    Path
        The path written.

    Raises
    ------
    KruispuntError
        For an unknown format or a path that cannot be written, naming it.
    """
    _check_format(format)
    target = Path(path).expanduser().absolute()
    if target == Path.cwd().absolute():  # ``.`` or ``""``: replacing it would move the cwd
        raise KruispuntError(
            f"cannot write {path or '(empty path)'}: it is the current folder; give a path "
            "inside it (e.g. ./export)"
        )
    _prepare_parent(target)
    if format == "iamc":
        table = to_iamc(results)
        _write_file(target, lambda p: table.to_csv(p, index=False), _is_iamc, "an IAMC table")
    elif format == "netcdf":

        def write_nc(p: Path) -> None:
            try:
                results.to_netcdf(p)
            except (TypeError, ValueError) as exc:
                raise KruispuntError(f"cannot write {target} as netCDF: {exc}") from None

        _write_file(target, write_nc, _is_netcdf, "a netCDF file")
    else:
        _write_folder(target, results, "csv" if format == "csv" else "parquet")
    return target


@overload
def read_export(path: Path | str, format: Literal["iamc"]) -> pd.DataFrame: ...
@overload
def read_export(path: Path | str, format: Literal["csv", "parquet", "netcdf"]) -> Results: ...
@overload
def read_export(path: Path | str, format: str) -> pd.DataFrame | Results: ...


def read_export(path: Path | str, format: str) -> pd.DataFrame | Results:
    """Read an export back: the IAMC table, or :class:`Results` for the other formats.

    ``read_export(export(r, p, f), f)`` equals ``to_iamc(r)`` for ``iamc`` and ``r``
    (exactly, see :func:`kruispunt.testing.assert_results_equal`) otherwise.
    """
    _check_format(format)
    p = Path(path).expanduser()
    if not p.exists():
        raise KruispuntError(f"no export at {p}")
    if format == "iamc":
        # all text, then numbers parsed by numpy: exact for the shortest-repr floats we write
        frame = pd.read_csv(p, dtype=str, keep_default_na=False, na_filter=False)
        missing = [c for c in IAMC_COLUMNS if c not in frame.columns]
        if missing:
            raise KruispuntError(f"{p} is not an IAMC file: missing columns {', '.join(missing)}")
        try:
            frame["year"] = frame["year"].to_numpy(dtype=object).astype(np.int64)
            text = frame["value"].to_numpy(dtype=object)
            frame["value"] = np.where(text == "", "nan", text).astype(np.float64)
        except ValueError as exc:
            raise KruispuntError(f"{p}: year or value is not a number ({exc})") from None
        return frame[list(IAMC_COLUMNS)]
    if format == "netcdf":
        try:
            return Results.from_netcdf(p)
        except OSError as exc:
            raise KruispuntError(f"cannot read {p} as netCDF: {exc}") from None
    return read_results_folder(p)
