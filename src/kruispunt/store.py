"""The results store: immutable Parquet parts per run and a run catalogue in SQLite.

Layout
------
::

    <root>/
      catalogue.sqlite          one row per complete run (WAL mode)
      runs/<run_id>/            one folder per run, never modified after it appears
        manifest.json           dims, dtypes, attrs of every variable; which part holds it
        summary.json            the run's headline numbers (:func:`kruispunt.metrics.run_summary`),
                                so listings and comparisons need not read the parts
        coords_<dim>.parquet    a dimension's labels and the coordinates along it
        <dims>.parquet          the variables sharing those dims, one column each, in long
                                form with the dims as columns (plant_year.parquet holds every
                                (scenario, plant, year) variable; plant_year_carrier.parquet
                                the energy use; product_year, cluster_resource_year,
                                flow_year, year ...)
      runs/.tmp-<run_id>/       a save in progress (or killed): never read, cleaned on open
      locks/<run_id>.lock       held by the process writing that run
      reports/<run_id>.html     the run's HTML report (:meth:`Store.report_path`), written
                                before the run enters the catalogue: a report whose run never
                                did is cleaned on open with the run's leftovers
      ensembles/<ensemble_id>/  an ensemble of futures (:class:`Ensemble`)

The root defaults to the user's data directory (``platformdirs``), or ``$KRUISPUNT_STORE``,
or the ``root`` argument.

How a save stays atomic
-----------------------
1. The writer takes an exclusive lock on ``locks/<run_id>.lock`` (released by the OS if the
   process dies);
2. writes every part, the manifest and the summary into ``runs/.tmp-<run_id>/``, fsyncing
   each file and the folder;
3. renames the folder to ``runs/<run_id>`` (atomic within one file system) and fsyncs
   ``runs/``;
4. inserts the catalogue row in one SQLite transaction.

Readers only see runs with a catalogue row, so a run killed at any step is invisible. On
open, the store deletes temporary folders and folders without a catalogue row whose lock is
free (their writer is gone). SQLite's locking with a busy timeout serialises concurrent
catalogue inserts, so processes can save at the same time.

The same folder format (Parquet or CSV parts plus ``manifest.json``) is what
:func:`kruispunt.export.export` writes for ``format="parquet"`` and ``"csv"``.
"""

from __future__ import annotations

import builtins
import contextlib
import dataclasses
import json
import math
import os
import re
import secrets
import shutil
import sqlite3
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from kruispunt.errors import KruispuntError, ResultsTooOld
from kruispunt.files import nearest_existing, not_a_folder
from kruispunt.limits import RESERVED_RUN_NAMES, RUN_NAME_MAX_LENGTH
from kruispunt.vocabulary import SCENARIO

if TYPE_CHECKING:  # imported where used: opening a store or checking a name needs none of them
    import numpy as np
    import numpy.typing as npt
    import pandas as pd
    import pyarrow as pa  # type: ignore[import-untyped]
    import xarray as xr

    from kruispunt.results import Results

try:  # POSIX advisory locks; released by the kernel when the holder dies
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

__all__ = [
    "STORE_ENV",
    "Ensemble",
    "RepairReport",
    "Store",
    "check_can_write",
    "check_run_name",
    "default_root",
    "ensemble_folders",
    "list_ensembles",
    "merge_ensembles",
    "new_run_id",
    "read_results_folder",
    "write_results_folder",
]

STORE_ENV = "KRUISPUNT_STORE"
"""Environment variable naming the store root."""

WRITE_DELAY_ENV = "KRUISPUNT_STORE_WRITE_DELAY"
"""Testing hook: ``"<seconds>"`` or ``"<after each part>,<before the catalogue insert>"``
seconds to sleep during a save, so a test can kill it half-way. Unset in normal use."""

FORMAT = "kruispunt-results"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
SUMMARY = "summary.json"
PartFormat = Literal["parquet", "csv"]
_STALE_SECONDS = 24 * 3600  # without POSIX locks: temp folders older than this are stale
_FRESH_SECONDS = 60.0
"""An ensemble's temporary folder younger than this is left alone when cleaning: its creator
may not hold its lock yet (:func:`_creating`)."""

_SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    run_id            TEXT PRIMARY KEY,
    name              TEXT,
    created           TEXT NOT NULL,
    scenarios         TEXT NOT NULL,
    kruispunt_version TEXT,
    data_hash         TEXT,
    seed              TEXT,
    provenance        TEXT NOT NULL,
    status            TEXT NOT NULL CHECK (status IN ('complete')),
    size_bytes        INTEGER NOT NULL
)
"""
_COLUMNS = (
    "run_id",
    "name",
    "created",
    "scenarios",
    "kruispunt_version",
    "data_hash",
    "seed",
    "provenance",
    "status",
    "size_bytes",
)


def default_root() -> Path:
    """Store root: ``$KRUISPUNT_STORE`` if set, else ``<user data dir>/kruispunt/store``."""
    env = os.environ.get(STORE_ENV)
    if env is not None and env and not env.strip():
        raise KruispuntError(
            f"${STORE_ENV} is set to blanks ({env!r}); give a folder, or unset it for the "
            "default store"
        )
    if env:
        return Path(env).expanduser()
    import platformdirs

    return Path(platformdirs.user_data_dir("kruispunt", appauthor=False)) / "store"


def new_run_id(now: datetime | None = None) -> str:
    """A unique run id that sorts by creation time: ``20250101T120000123456Z-1a2b3c4d``.

    The suffix comes from :mod:`secrets` (never from a seeded generator), so two runs
    created in the same microsecond, even with the same model seed, get different ids.
    """
    stamp = (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%S%fZ")
    return f"{stamp}-{secrets.token_hex(4)}"


# --- attribute codec (exact, typed JSON) ------------------------------------------------------


def _encode(value: Any, where: str) -> dict[str, Any]:
    import numpy as np

    if value is None:
        return {"t": "none"}
    if isinstance(value, bool):
        return {"t": "bool", "v": value}
    if isinstance(value, str):
        return {"t": "str", "v": value}
    if isinstance(value, int):
        return {"t": "int", "v": value}
    if isinstance(value, float):
        return {"t": "float", "v": value}
    if isinstance(value, np.generic):
        return {"t": "numpy", "dtype": value.dtype.str, "v": value.item()}
    if isinstance(value, np.ndarray):
        return {
            "t": "ndarray",
            "dtype": value.dtype.str,
            "shape": list(value.shape),
            "v": value.ravel().tolist(),
        }
    if isinstance(value, list | tuple):
        return {"t": type(value).__name__, "v": [_encode(v, where) for v in value]}
    if isinstance(value, dict) and all(isinstance(k, str) for k in value):
        return {"t": "dict", "v": {k: _encode(v, where) for k, v in value.items()}}
    raise KruispuntError(
        f"attribute {where} of type {type(value).__name__} cannot be stored "
        "(allowed: str, int, float, bool, None, numpy scalars and arrays, "
        "and lists, tuples and str-keyed dicts of these)"
    )


def _decode(item: dict[str, Any]) -> Any:
    import numpy as np

    t = item["t"]
    if t == "none":
        return None
    if t in ("bool", "str", "int", "float"):
        return item["v"]
    if t == "numpy":
        return np.array(item["v"], dtype=np.dtype(item["dtype"]))[()]
    if t == "ndarray":
        return np.array(item["v"], dtype=np.dtype(item["dtype"])).reshape(item["shape"])
    if t == "list":
        return [_decode(v) for v in item["v"]]
    if t == "tuple":
        return tuple(_decode(v) for v in item["v"])
    if t == "dict":
        return {k: _decode(v) for k, v in item["v"].items()}
    raise KruispuntError(f"unknown attribute type '{t}' in manifest")


def _encode_attrs(attrs: dict[Any, Any], where: str) -> dict[str, Any]:
    out = {}
    for k, v in attrs.items():
        if not isinstance(k, str):
            raise KruispuntError(f"attribute name {k!r} of {where} is not a string")
        out[k] = _encode(v, f"{where}.{k}")
    return out


def _json_safe(value: Any) -> Any:
    """Plain JSON for the catalogue (numpy scalars to Python, NaN to None)."""
    import numpy as np

    if isinstance(value, dict):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_safe(v) for v in value]
    if isinstance(value, np.ndarray):
        return [_json_safe(v) for v in value.tolist()]
    if isinstance(value, np.generic):
        return _json_safe(value.item())
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


# --- folder codec -----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Part:
    name: str
    dims: tuple[str, ...]
    members: tuple[str, ...]


def _plan(ds: xr.Dataset) -> list[_Part]:
    """Which variables go into which part."""
    parts: list[_Part] = []
    placed: set[str] = set()
    for dim in ds.dims:
        members = [str(dim)] if dim in ds.indexes else []
        members += [str(n) for n, c in ds.coords.items() if n != dim and c.dims == (dim,)]
        parts.append(_Part(f"coords_{dim}", (str(dim),), tuple(members)))
        placed.update(members)
    groups: dict[tuple[str, ...], list[str]] = {}
    for name, var in ds.variables.items():
        if str(name) not in placed:
            groups.setdefault(tuple(str(d) for d in var.dims), []).append(str(name))
    used = {p.name for p in parts}
    for dims, members in groups.items():
        short = [d for d in dims if d != SCENARIO]
        name = "_".join(short) if short else (SCENARIO if dims else "scalars")
        base, i = name, 2
        while name in used:
            name, i = f"{base}_{i}", i + 1
        used.add(name)
        parts.append(_Part(name, dims, tuple(members)))
    return parts


def _dim_codes(sizes: list[int]) -> list[npt.NDArray[np.int32]]:
    """Row-major position of every row along each dim."""
    import numpy as np

    n = int(np.prod(sizes, dtype=np.int64)) if sizes else 1
    out = []
    inner = n
    for size in sizes:
        inner //= max(size, 1)
        outer = n // max(size * inner, 1)
        out.append(np.tile(np.repeat(np.arange(size, dtype=np.int32), inner), outer))
    return out


def _is_str(dtype: np.dtype[Any]) -> bool:
    return dtype.kind in "UOS"


def _column(values: npt.NDArray[Any]) -> pa.Array:
    import pyarrow as pa

    if _is_str(values.dtype):
        return pa.array(values.astype(str).tolist(), type=pa.string())
    return pa.array(values)


def _fsync_dir(path: Path) -> None:
    if os.name != "posix":  # pragma: no cover
        return
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _write_synced(
    path: Path, write: Callable[[Any], object], fsync: bool, mode: Literal["wb", "w"] = "wb"
) -> None:
    """Write a file with ``write(handle)`` and, with ``fsync``, flush it to disk."""
    fh: Any
    with open(path, "wb") if mode == "wb" else open(path, "w", encoding="utf-8", newline="") as fh:
        write(fh)
        fh.flush()
        if fsync:
            os.fsync(fh.fileno())


def _write_delay(stage: Literal["parts", "insert"]) -> float:
    """Seconds to sleep at ``stage`` (testing hook, see :data:`WRITE_DELAY_ENV`)."""
    raw = os.environ.get(WRITE_DELAY_ENV, "")
    if not raw:
        return 0.0
    fields = raw.split(",")
    text = fields[0] if stage == "parts" or len(fields) == 1 else fields[1]
    try:
        return max(float(text), 0.0)
    except ValueError:
        return 0.0


def write_results_folder(
    results: Results,
    folder: Path | str,
    fmt: PartFormat = "parquet",
    *,
    fsync: bool = True,
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Write ``results`` as parts plus ``manifest.json`` into an existing, empty folder.

    Parameters
    ----------
    results : Results
    folder : path
        Target folder (must exist and be empty); callers make the write atomic by writing
        to a temporary folder and renaming it.
    fmt : {"parquet", "csv"}
        File format of the parts. Both round-trip exactly through
        :func:`read_results_folder` (CSV floats are written with 17 significant digits).
    fsync : bool
        Flush every file to disk before returning.
    extra : dict, optional
        JSON-safe fields added to the manifest (run id, name, creation time).

    Returns
    -------
    dict
        The manifest.
    """
    import numpy as np
    import pandas as pd
    import pyarrow as pa

    if fmt not in ("parquet", "csv"):
        raise KruispuntError(f"unknown part format '{fmt}'; allowed: parquet, csv")
    folder = Path(folder)
    ds = results.dataset
    delay = _write_delay("parts")
    variables = []
    parts_meta = {}
    for part in _plan(ds):
        sizes = [int(ds.sizes[d]) for d in part.dims]
        codes = _dim_codes(sizes)
        columns: dict[str, pa.Array] = {}
        for dim, code in zip(part.dims, codes, strict=True):
            if dim in ds.indexes:
                labels = np.asarray(ds[dim].values)
                if _is_str(labels.dtype):
                    dictionary = pa.array(labels.astype(str).tolist(), type=pa.string())
                    columns[dim] = pa.DictionaryArray.from_arrays(pa.array(code), dictionary)
                else:
                    columns[dim] = _column(labels[code])
            else:
                columns[dim] = pa.array(code.astype(np.int64))
        for name in part.members:
            var = ds.variables[name]
            if name not in part.dims:
                values = np.asarray(var.transpose(*part.dims).values).reshape(-1)
                columns[name] = _column(values)
            kind = "index" if name in ds.indexes else ("coord" if name in ds.coords else "data")
            variables.append(
                {
                    "name": name,
                    "kind": kind,
                    "dims": list(var.dims),
                    "dtype": var.dtype.str,
                    "part": part.name,
                    "attrs": _encode_attrs(dict(var.attrs), name),
                }
            )
        table = pa.table(columns)
        file = f"{part.name}.{fmt}"
        if fmt == "parquet":

            def write_parquet(fh: Any, table: Any = table) -> None:
                _write_parquet(table, fh)

            _write_synced(folder / file, write_parquet, fsync)
        else:
            frame = pd.DataFrame(
                {
                    k: (
                        v.dictionary.to_numpy(zero_copy_only=False)[v.indices.to_numpy()]
                        if isinstance(v, pa.DictionaryArray)
                        else v.to_numpy(zero_copy_only=False)
                    )
                    for k, v in columns.items()
                }
            )

            def write_csv(fh: Any, frame: pd.DataFrame = frame) -> None:
                frame.to_csv(fh, index=False)

            _write_synced(folder / file, write_csv, fsync, mode="w")
        parts_meta[part.name] = {
            "file": file,
            "dims": list(part.dims),
            "rows": table.num_rows,
            "columns": list(columns),
        }
        if delay:
            time.sleep(delay)
    manifest = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "part_format": fmt,
        **(extra or {}),
        "dims": {str(d): int(n) for d, n in ds.sizes.items()},
        "attrs": _encode_attrs(dict(ds.attrs), "dataset"),
        "variables": variables,
        "parts": parts_meta,
    }
    text = json.dumps(manifest, indent=1, allow_nan=True)
    _write_synced(folder / MANIFEST, lambda fh: fh.write(text), fsync, mode="w")
    if fsync:
        _fsync_dir(folder)
    return manifest


def _write_summary(results: Results, folder: Path) -> None:
    """Write ``summary.json`` (:func:`kruispunt.metrics.run_summary`) into a run folder."""
    from kruispunt.metrics import run_summary

    text = json.dumps(run_summary(results), allow_nan=True)
    _write_synced(folder / SUMMARY, lambda fh: fh.write(text), True, mode="w")
    _fsync_dir(folder)


def _write_parquet(table: Any, fh: Any) -> None:
    """Write a Parquet part with page checksums (CRC-32), which every read here verifies
    (:func:`_read_parquet`): a flipped byte is named as damage, not read as other numbers."""
    import pyarrow.parquet as pq  # type: ignore[import-untyped]

    pq.write_table(table, fh, write_page_checksum=True)


_VERIFIED: dict[str, Any] = {"page_checksum_verification": True}
"""How every read of a Parquet part here verifies its pages' checksums (a part written
without them, by an older version, reads as before)."""


def _read_parquet(path: Path) -> Any:
    """Read a Parquet part as an Arrow table, its pages' checksums verified (:data:`_VERIFIED`).
    Raises OSError or ArrowException."""
    import pyarrow.parquet as pq

    return pq.read_table(path, **_VERIFIED)


def _read_columns(path: Path, fmt: str, names: list[str]) -> dict[str, Any]:
    import pandas as pd

    if fmt == "parquet":
        table = _read_parquet(path)
        return {n: table.column(n).combine_chunks() for n in names}
    frame = pd.read_csv(path, dtype=str, keep_default_na=False, na_filter=False)
    return {n: frame[n].to_numpy(dtype=object) for n in names}


def _as_dtype(raw: Any, dtype: np.dtype[Any]) -> npt.NDArray[Any]:
    """Column (Arrow array or CSV strings) as a numpy array of ``dtype``."""
    import numpy as np
    import pyarrow as pa

    if isinstance(raw, pa.Array):
        if isinstance(raw, pa.DictionaryArray):
            raw = raw.dictionary.take(raw.indices)
        values = raw.to_numpy(zero_copy_only=False)
    else:  # CSV text
        values = raw
        if dtype.kind == "f":
            values = np.where(values == "", "nan", values)
        elif dtype.kind == "b":
            values = values == "True"
    if _is_str(dtype):
        values = np.asarray(values, dtype=object)
        return values if dtype.kind == "O" else values.astype(dtype)
    return np.asarray(values).astype(dtype)


def _read_manifest(folder: Path) -> dict[str, Any]:
    """The manifest of a results folder, its shape checked (so reading it cannot crash)."""
    mpath = folder / MANIFEST
    if not mpath.is_file():
        raise KruispuntError(f"{folder} is not a Kruispunt results folder (no {MANIFEST})")
    try:
        manifest = json.loads(mpath.read_text("utf-8"))
    except (OSError, ValueError, RecursionError) as exc:
        raise KruispuntError(f"{mpath} cannot be read ({exc})") from None
    if not isinstance(manifest, dict):
        raise KruispuntError(f"{mpath} is not a results manifest (not a JSON object)")
    if manifest.get("format") != FORMAT or manifest.get("format_version") != FORMAT_VERSION:
        raise KruispuntError(
            f"{mpath}: unsupported format {manifest.get('format')!r} "
            f"version {manifest.get('format_version')!r}"
        )
    dims, parts, variables = (manifest.get(k) for k in ("dims", "parts", "variables"))
    ok = (
        manifest.get("part_format") in ("parquet", "csv")
        and isinstance(dims, dict)
        and all(isinstance(n, int) and n >= 0 for n in dims.values())
        and isinstance(parts, dict)
        and all(
            isinstance(m, dict)
            and isinstance(m.get("file"), str)
            and Path(m["file"]).name == m["file"]
            and m["file"] not in ("", ".", "..")
            and isinstance(m.get("dims"), list)
            and all(d in dims for d in m["dims"])
            and isinstance(m.get("columns"), list)
            and isinstance(m.get("rows"), int)
            for m in parts.values()
        )
        and isinstance(variables, list)
        and all(
            isinstance(v, dict)
            and v.get("part") in parts
            and isinstance(v.get("name"), str)
            and isinstance(v.get("dims"), list)
            and all(d in dims for d in v["dims"])
            and isinstance(v.get("attrs"), dict)
            and isinstance(v.get("dtype"), str)
            for v in variables
        )
        and isinstance(manifest.get("attrs"), dict)
    )
    if not ok:
        raise KruispuntError(f"{mpath} is damaged (its parts, dims or variables are malformed)")
    return manifest


def read_results_folder(folder: Path | str) -> Results:
    """Read a folder written by :func:`write_results_folder` back into :class:`Results`.

    The round trip is exact: values, dtypes, coordinates and attributes.

    Raises
    ------
    KruispuntError
        If the folder has no manifest or a damaged one, a part is missing or cannot be
        read, or a part does not cover its dimensions exactly once; the message names the
        folder or the file.
    """
    import pyarrow as pa

    folder = Path(folder)
    manifest = _read_manifest(folder)
    try:
        return _read_folder(folder, manifest)
    except KruispuntError:
        raise
    except (OSError, ValueError, KeyError, TypeError, IndexError, pa.ArrowException) as exc:
        raise KruispuntError(
            f"{folder}: a part cannot be read ({type(exc).__name__}: {exc})"
        ) from None


def _read_folder(folder: Path, manifest: dict[str, Any]) -> Results:
    import numpy as np
    import pandas as pd
    import pyarrow as pa
    import xarray as xr

    from kruispunt.results import Results

    fmt = manifest["part_format"]
    sizes: dict[str, int] = manifest["dims"]
    by_part: dict[str, list[dict[str, Any]]] = {}
    for var in manifest["variables"]:
        by_part.setdefault(var["part"], []).append(var)
    index: dict[str, npt.NDArray[Any]] = {}
    values: dict[str, npt.NDArray[Any]] = {}
    # coordinate parts first: they define the labels the other parts are placed by
    order = sorted(manifest["parts"], key=lambda p: not p.startswith("coords_"))
    for pname in order:
        meta = manifest["parts"][pname]
        path = folder / meta["file"]
        if not path.is_file():
            raise KruispuntError(f"{folder}: part {meta['file']} is missing")
        dims = list(meta["dims"])
        members = by_part.get(pname, [])
        raw = _read_columns(path, fmt, list(meta["columns"]))
        n = int(np.prod([sizes[d] for d in dims], dtype=np.int64)) if dims else 1
        length = len(next(iter(raw.values()))) if raw else n
        if length != n:  # checked before anything of size n is allocated
            raise KruispuntError(f"{path}: {length} rows, but its dimensions {dims} need {n}")
        if pname.startswith("coords_"):
            dim = dims[0]
            flat = np.arange(sizes[dim])
            for var in members:
                if var["kind"] == "index":
                    index[dim] = _as_dtype(raw[dim], np.dtype(var["dtype"]))
        else:
            positions = []
            for dim in dims:
                col = raw[dim]
                if dim in index:
                    labels = pd.Index(index[dim])
                    if isinstance(col, pa.DictionaryArray):
                        lookup = labels.get_indexer(_as_dtype(col.dictionary, index[dim].dtype))
                        pos = lookup[col.indices.to_numpy(zero_copy_only=False)]
                    else:
                        pos = labels.get_indexer(_as_dtype(col, index[dim].dtype))
                else:
                    pos = _as_dtype(col, np.dtype(np.int64))
                if pos.size and (pos.min() < 0 or pos.max() >= sizes[dim]):
                    raise KruispuntError(
                        f"{path}: column {dim} has labels that are not in the coordinate"
                    )
                positions.append(pos)
            flat = (
                np.ravel_multi_index(positions, [sizes[d] for d in dims])
                if dims
                else (np.zeros(1, dtype=np.int64))
            )
            if flat.size != n or (
                not np.array_equal(flat, np.arange(n))
                and (np.bincount(flat, minlength=n).max(initial=0) != 1)
            ):
                raise KruispuntError(
                    f"{path}: rows do not cover the dimensions {dims} exactly once"
                )
        for var in members:
            if var["kind"] == "index":
                continue
            dtype = np.dtype(var["dtype"])
            col = _as_dtype(raw[var["name"]], dtype)
            out = np.empty(n, dtype=col.dtype)
            out[flat] = col
            shape = [sizes[d] for d in dims]
            arr = out.reshape(shape)
            if list(var["dims"]) != dims:
                arr = np.transpose(arr, [dims.index(d) for d in var["dims"]])
            values[var["name"]] = arr
    coords: dict[str, Any] = {}
    data: dict[str, Any] = {}
    for var in manifest["variables"]:
        attrs = {k: _decode(v) for k, v in var["attrs"].items()}
        name = var["name"]
        if var["kind"] == "index":
            coords[name] = xr.Variable((name,), index[name], attrs)
        elif var["kind"] == "coord":
            coords[name] = xr.Variable(tuple(var["dims"]), values[name], attrs)
        else:
            data[name] = xr.Variable(tuple(var["dims"]), values[name], attrs)
    attrs = {k: _decode(v) for k, v in manifest["attrs"].items()}
    return Results(xr.Dataset(data, coords=coords, attrs=attrs))


# --- locks ------------------------------------------------------------------------------------


class _RunLock:
    """Exclusive advisory lock on ``locks/<run_id>.lock``; the OS frees it if we die."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.fd: int | None = None

    def acquire(self, blocking: bool, create: bool = True) -> bool:
        """Take the lock; False if another process holds it (or, with ``create=False``, if
        there is no lock file)."""
        if fcntl is None:  # pragma: no cover - Windows: no lock, rely on age
            return create or self.path.exists()
        while True:
            try:
                fd = os.open(self.path, os.O_RDWR | (os.O_CREAT if create else 0), 0o644)
            except FileNotFoundError:
                return False
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | (0 if blocking else fcntl.LOCK_NB))
            except BlockingIOError:
                os.close(fd)
                return False
            try:  # the file may have been unlinked by its previous holder meanwhile
                same = os.fstat(fd).st_ino == os.stat(self.path).st_ino
            except FileNotFoundError:
                same = False
            if same:
                self.fd = fd
                return True
            os.close(fd)

    def release(self, unlink: bool) -> None:
        if self.fd is None:
            return
        if unlink:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(self.path)
        os.close(self.fd)
        self.fd = None


@contextlib.contextmanager
def _store_lock(root: Path, exclusive: bool) -> Iterator[None]:
    """An advisory lock on the whole store (``<root>/.store-lock``): shared by the writers of
    catalogue rows (a save's insert, a delete), exclusive for a repair, which rebuilds and
    swaps the catalogue. The OS frees it if the holder dies."""
    if fcntl is None:  # pragma: no cover - Windows: no lock
        yield
        return
    fd = os.open(root / ".store-lock", os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH)
        yield
    finally:
        os.close(fd)


# --- the store --------------------------------------------------------------------------------


class Store:
    """A folder of stored runs with a SQLite catalogue, queried with DuckDB.

    Parameters
    ----------
    root : path, optional
        Store folder; default :func:`default_root` (``$KRUISPUNT_STORE`` or the user data
        directory). Created if missing, unless ``readonly``.
    readonly : bool
        Open an existing store for reading only: nothing is created, cleaned or written, and
        a store in a folder the user cannot write (another user's, a shared folder) works.

    Raises
    ------
    KruispuntError
        If the store cannot be opened: it does not exist (``readonly``), is not writable
        (for writing), or its catalogue is missing or damaged (the message says to run
        ``kruispunt results repair``).

    Examples
    --------
    >>> import tempfile
    >>> from kruispunt.testing import synthetic_results
    >>> store = Store(tempfile.mkdtemp())
    >>> run_id = store.save(synthetic_results(n_plants=3, years=range(2025, 2027)))
    >>> store.load(run_id).scenarios
    ['reference', 'green_market']
    """

    def __init__(self, root: Path | str | None = None, *, readonly: bool = False) -> None:
        self.root = Path(root).expanduser() if root is not None else default_root()
        self.runs_dir = self.root / "runs"
        self.locks_dir = self.root / "locks"
        self.catalogue_path = self.root / "catalogue.sqlite"
        self.readonly = readonly
        self._uri: str | None = None  # read-only connections: how to open the catalogue
        if readonly:
            self._open_readonly()
            return
        if self.root.is_dir() and not self.catalogue_path.exists():
            if self._has_run_folders():  # before making anything in it
                raise self._missing_catalogue()
            refuse_foreign_folder(self.root)  # a new store: not among someone's files
        try:
            self.runs_dir.mkdir(parents=True, exist_ok=True)
            self.locks_dir.mkdir(exist_ok=True)
        except OSError as exc:
            raise KruispuntError(
                f"cannot create results store at {self.root}: {exc.strerror or exc}"
            ) from None
        if not os.access(self.root, os.W_OK):
            raise KruispuntError(f"results store {self.root} is not writable")
        self._init_catalogue()
        self._clean()

    def __repr__(self) -> str:
        return f"Store({str(self.root)!r})"

    # catalogue ---------------------------------------------------------------------------

    def _repair_hint(self) -> str:
        return f"rebuild it from the stored runs with: kruispunt results repair --store {self.root}"

    def _damaged(self, exc: BaseException) -> KruispuntError:
        return KruispuntError(
            f"run catalogue {self.catalogue_path} is damaged ({exc}); {self._repair_hint()}"
        )

    def _has_run_folders(self) -> bool:
        try:
            return any(
                not e.name.startswith(".") and (e / MANIFEST).is_file()
                for e in self.runs_dir.iterdir()
            )
        except OSError:
            return False

    def _missing_catalogue(self) -> KruispuntError:
        return KruispuntError(
            f"results store {self.root} has runs but no run catalogue "
            f"({self.catalogue_path.name} is missing or empty); {self._repair_hint()}"
        )

    def _open_readonly(self) -> None:
        require_store_folder(self.root)
        if not self.catalogue_path.is_file():
            if self._has_run_folders():
                raise self._missing_catalogue()
            raise KruispuntError(
                f"{self.root} is not a results store (it has no {self.catalogue_path.name})"
            )
        if self.catalogue_path.stat().st_size == 0:  # SQLite would drop a waiting -wal file
            if self._has_run_folders():
                raise self._missing_catalogue()
            raise self._damaged(sqlite3.DatabaseError("the file is empty"))
        base = self.catalogue_path.resolve().as_uri()
        writable = os.access(self.root, os.W_OK) and os.access(self.catalogue_path, os.W_OK)
        settled = not self.catalogue_path.with_name(self.catalogue_path.name + "-wal").exists()
        # A connection that may write, but only reads, leaves a settled catalogue as it found
        # it (the last connection to close removes the -wal/-shm files it made); one with a
        # -wal file (a writer at work, or one that died) is only read; in a folder we cannot
        # write, 'immutable' where SQLite cannot even make its -shm file.
        candidates = [f"{base}?mode=rw"] if writable and settled else [f"{base}?mode=ro"]
        candidates.append(f"{base}?mode=ro&immutable=1")
        last: sqlite3.Error | None = None
        for uri in candidates:
            self._uri = uri
            try:
                self._check_table()
                return
            except KruispuntError:
                raise
            except sqlite3.DatabaseError as exc:
                if not isinstance(exc, sqlite3.OperationalError) or "no such" in str(exc):
                    raise self._damaged(exc) from None
                last = exc
        raise KruispuntError(f"cannot read run catalogue {self.catalogue_path} ({last})") from None

    def _check_table(self) -> None:
        """Raise unless the catalogue has the ``runs`` table with every column."""
        con = self._raw_connect()
        try:
            exists = con.execute(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'runs'"
            ).fetchone()
            if not exists:
                if self._has_run_folders():
                    raise self._missing_catalogue()
                raise self._damaged(sqlite3.DatabaseError("it has no 'runs' table"))
            con.execute(f"SELECT {', '.join(_COLUMNS)} FROM runs LIMIT 0").fetchall()
        finally:
            con.close()

    def _raw_connect(self) -> sqlite3.Connection:
        if self._uri is not None:
            con = sqlite3.connect(self._uri, uri=True, timeout=60.0, isolation_level=None)
        else:
            con = sqlite3.connect(self.catalogue_path, timeout=60.0, isolation_level=None)
        try:
            con.execute("PRAGMA busy_timeout = 60000")
        except BaseException:
            con.close()  # not left open for the garbage collector
            raise
        return con

    @contextlib.contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        try:
            con = self._raw_connect()
        except sqlite3.Error as exc:
            raise KruispuntError(
                f"cannot open run catalogue {self.catalogue_path} ({exc})"
            ) from None
        try:
            if not self.readonly:
                con.execute("PRAGMA synchronous = FULL")
            yield con
        except sqlite3.OperationalError as exc:
            if "locked" in str(exc) or "busy" in str(exc):
                raise KruispuntError(
                    f"run catalogue {self.catalogue_path} is busy (another process holds it "
                    f"for over a minute): {exc}"
                ) from None
            if "no such" in str(exc) or "malformed" in str(exc):
                raise self._damaged(exc) from None
            raise KruispuntError(
                f"cannot use run catalogue {self.catalogue_path} ({exc})"
            ) from None
        except sqlite3.DatabaseError as exc:
            raise self._damaged(exc) from None
        finally:
            con.close()

    def _init_catalogue(self) -> None:
        if not self.catalogue_path.exists() and self._has_run_folders():
            raise self._missing_catalogue()  # before connecting, which would make an empty one
        for attempt in range(50):
            try:
                with self._connect() as con:
                    mode = con.execute("PRAGMA journal_mode = WAL").fetchone()[0]
                    if str(mode).lower() != "wal":  # pragma: no cover - e.g. network fs
                        raise KruispuntError(
                            f"{self.catalogue_path}: cannot use WAL mode (got {mode})"
                        )
                    exists = con.execute(
                        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'runs'"
                    ).fetchone()
                    if not exists:
                        if self._has_run_folders():
                            raise self._missing_catalogue()
                        con.execute("BEGIN IMMEDIATE")
                        con.execute(_SCHEMA)
                        con.execute("COMMIT")
                    con.execute(f"SELECT {', '.join(_COLUMNS)} FROM runs LIMIT 0").fetchall()
                return
            except KruispuntError as exc:  # pragma: no cover - contention
                if ("busy" not in str(exc) and "locked" not in str(exc)) or attempt == 49:
                    raise
                time.sleep(0.05)

    def _rows(self, where: str = "", args: tuple[Any, ...] = ()) -> builtins.list[dict[str, Any]]:
        with self._connect() as con:
            cur = con.execute(
                f"SELECT {', '.join(_COLUMNS)} FROM runs {where} ORDER BY run_id", args
            )
            return [dict(zip(_COLUMNS, row, strict=True)) for row in cur.fetchall()]

    def _has_row(self, run_id: str) -> bool:
        return bool(self._rows("WHERE run_id = ?", (run_id,)))

    def _writable(self, what: str) -> None:
        if self.readonly:
            raise KruispuntError(f"cannot {what}: results store {self.root} is open read-only")

    # cleaning ----------------------------------------------------------------------------

    def _stale(self, path: Path) -> bool:
        try:
            return time.time() - path.stat().st_mtime > _STALE_SECONDS
        except FileNotFoundError:
            return True

    def _clean(self) -> None:
        """Delete leftovers of killed saves and deletes whose process is gone.

        A temporary folder, or a run folder without a catalogue row whose lock file is still
        there (its writer died between the rename and the insert, or a delete died after
        removing the row), is removed once its lock is free, with the report written for it
        (``reports/<run_id>.html``: the command line writes it before the commit). A run
        folder without a row and without a lock file (e.g. copied in by hand) is left alone;
        it stays invisible.
        """
        known = {r["run_id"] for r in self._rows()}
        for entry in sorted(self.runs_dir.iterdir()):
            name = entry.name
            if name.startswith(".trash-"):
                shutil.rmtree(entry, ignore_errors=True)
                continue
            if name.startswith(".tmp-"):
                run_id, create = name[len(".tmp-") :], True
            elif not name.startswith(".") and name not in known:
                run_id, create = name, False
            else:
                continue
            if fcntl is None and not self._stale(entry):  # pragma: no cover
                continue
            lock = _RunLock(self.locks_dir / f"{run_id}.lock")
            if not lock.acquire(blocking=False, create=create):
                continue  # a live writer holds it, or an unmanaged folder
            try:
                committed = self._has_row(run_id)
                if name.startswith(".tmp-") or not committed:
                    self._remove(entry)
                if not committed:
                    self._remove_report(run_id)
            finally:
                lock.release(unlink=True)
        for lock_file in sorted(self.locks_dir.glob("*.lock")):
            lock = _RunLock(lock_file)
            if not lock.acquire(blocking=False, create=False):
                continue
            try:
                folder = self.runs_dir / lock_file.stem
                if not self._has_row(lock_file.stem):
                    if folder.is_dir():
                        self._remove(folder)
                    self._remove_report(lock_file.stem)
                self._remove(self.runs_dir / f".tmp-{lock_file.stem}")
            finally:
                lock.release(unlink=True)

    def _remove_report(self, run_id: str) -> None:
        """Delete the report of a run that never entered the catalogue (its save was killed
        after writing the report, before its commit)."""
        with contextlib.suppress(OSError):
            self.report_path(run_id).unlink()

    def _remove(self, folder: Path) -> None:
        trash = self.runs_dir / f".trash-{folder.name.lstrip('.')}-{secrets.token_hex(3)}"
        try:
            os.rename(folder, trash)
        except FileNotFoundError:
            return
        shutil.rmtree(trash, ignore_errors=True)

    # public API --------------------------------------------------------------------------

    def report_path(self, run_id: str) -> Path:
        """Where the HTML report of ``run_id`` lives beside the run (``reports/<run_id>.html``):
        the command line and the dashboard write it there, ``results delete`` removes it, and
        a report left by a save killed before its commit is cleaned on open."""
        return self.root / "reports" / f"{run_id}.html"

    def save(
        self,
        results: Results,
        name: str | None = None,
        *,
        before_commit: Callable[[str], object] | None = None,
    ) -> str:
        """Store ``results`` as a new, immutable run and return its id.

        Parameters
        ----------
        results : Results
        name : str, optional
            A label to find the run by (need not be unique; see :func:`check_run_name`).
        before_commit : callable, optional
            Called with the run id once every part is on disk, before the run enters the
            catalogue: whatever it raises aborts the save and nothing is stored. The command
            line writes the run's report here, so that a run is stored only with its report.

        Returns
        -------
        str
            The run id (sortable by creation time, unique).
        """
        self._writable("save a run")
        check_run_name(name)
        now = datetime.now(UTC)
        run_id = new_run_id(now)
        lock = _RunLock(self.locks_dir / f"{run_id}.lock")
        lock.acquire(blocking=True)
        tmp = self.runs_dir / f".tmp-{run_id}"
        final = self.runs_dir / run_id
        inserted = False
        try:
            tmp.mkdir()
            extra = {"run_id": run_id, "name": name, "created": now.isoformat()}
            write_results_folder(results, tmp, "parquet", fsync=True, extra=extra)
            _write_summary(results, tmp)
            size = sum(p.stat().st_size for p in tmp.iterdir())
            if before_commit is not None:
                before_commit(run_id)
            os.rename(tmp, final)
            _fsync_dir(self.runs_dir)
            delay = _write_delay("insert")
            if delay:
                time.sleep(delay)
            row = _catalogue_row(run_id, name, now.isoformat(), results, size)
            # shared with other writers, exclusive of a repair: the row goes into the catalogue
            # a repair leaves, not into one it is about to set aside
            with _store_lock(self.root, exclusive=False), self._connect() as con:
                con.execute("BEGIN IMMEDIATE")
                con.execute(
                    f"INSERT INTO runs ({', '.join(_COLUMNS)}) VALUES "
                    f"({', '.join('?' * len(_COLUMNS))})",
                    row,
                )
                con.execute("COMMIT")
                inserted = True
        except OSError as exc:
            raise KruispuntError(f"cannot save run in {self.root}: {exc.strerror or exc}") from None
        finally:
            # an interrupt (Ctrl-C) can land after the commit, before ``inserted`` is set: a
            # run the catalogue lists keeps its folder
            if not inserted and not self._committed(run_id):
                shutil.rmtree(tmp, ignore_errors=True)
                shutil.rmtree(final, ignore_errors=True)
            lock.release(unlink=True)
        return run_id

    def _committed(self, run_id: str) -> bool:
        """Whether the catalogue lists ``run_id`` (False when it cannot be read)."""
        try:
            return self._has_row(run_id)
        except (KruispuntError, sqlite3.Error, OSError):
            return False

    def resolve(self, ref: str) -> str:
        """Run id for ``ref``: a run id, ``latest``, a unique run name or unique id prefix.

        Raises
        ------
        KruispuntError
            Naming the reference and the known runs, or, for an ambiguous name or prefix,
            the runs it matches.
        """
        if not ref.strip():
            raise KruispuntError(
                "a run reference must not be empty; give a run id, a unique id prefix, "
                "a run name or 'latest'"
            )
        rows = self._rows()
        ids = [str(r["run_id"]) for r in rows]
        if ref in ids:
            return ref
        if ref == "latest":
            if ids:
                return ids[-1]
            raise KruispuntError(f"no runs in results store {self.root}, so no 'latest' run")
        named = [str(r["run_id"]) for r in rows if r["name"] == ref]
        if len(named) == 1:
            return named[0]
        if len(named) > 1:
            raise KruispuntError(
                f"run name '{ref}' matches {len(named)} runs ({_listing(named)}); give a run id"
            )
        prefixed = [i for i in ids if i.startswith(ref)]
        if len(prefixed) == 1:
            return prefixed[0]
        if len(prefixed) > 1:
            raise KruispuntError(
                f"run id prefix '{ref}' matches {len(prefixed)} runs ({_listing(prefixed)}); "
                "give more characters of the id"
            )
        known = ", ".join(ids[-5:]) if ids else "none"
        more = f" (and {len(ids) - 5} more)" if len(ids) > 5 else ""
        shown = ref if len(ref) <= 80 else ref[:77] + "..."
        raise KruispuntError(
            f"unknown run '{shown}' in results store {self.root}; known runs: "
            f"{known}{more}; see 'kruispunt results list'"
        )

    def _run_folder(self, rid: str) -> Path:
        folder = self.runs_dir / rid
        if not folder.is_dir():
            raise KruispuntError(
                f"run {rid} is in the catalogue but its folder {folder} is missing; "
                f"{self._repair_hint()}, or delete the run with: kruispunt results delete {rid}"
            )
        return folder

    def _broken(self, rid: str, exc: KruispuntError) -> KruispuntError:
        if isinstance(exc, ResultsTooOld):  # not damaged: written before a variable was added
            return ResultsTooOld(
                f"run {rid} was stored by an earlier version of kruispunt: {exc}; delete it "
                f"with: kruispunt results delete {rid} (or set it aside with: kruispunt "
                f"results repair --store {self.root})"
            )
        return KruispuntError(
            f"run {rid} is damaged: {exc}; set it aside with: kruispunt results repair "
            f"--store {self.root} (or delete it with: kruispunt results delete {rid})"
        )

    def _manifest(self, rid: str) -> dict[str, Any]:
        try:
            return _read_manifest(self._run_folder(rid))
        except KruispuntError as exc:
            if "is missing;" in str(exc):
                raise
            raise self._broken(rid, exc) from None

    def load(self, run_id: str) -> Results:
        """The stored results of a run (exact round trip of what :meth:`save` got)."""
        rid = self.resolve(run_id)
        folder = self._run_folder(rid)
        try:
            return read_results_folder(folder)
        except KruispuntError as exc:
            raise self._broken(rid, exc) from None

    def check(self, run_id: str) -> None:
        """Check, without reading the values, that a run's parts are whole: its manifest
        reads and lists every result variable this version has, and each part it lists is
        there with the columns and as many rows as it says (a parquet part's footer holds
        both, so a part cut short or replaced by another table is caught; flipped bytes
        inside a part are not: loading it catches them, by the pages' checksums).
        For views shown from the stored summary, which would otherwise show a damaged run
        as if whole.

        Raises
        ------
        KruispuntError
            Naming the run and the part, with the command that sets it aside.
        """
        import pyarrow as pa
        import pyarrow.parquet as pq

        from kruispunt.results import result_variables

        rid = self.resolve(run_id)
        folder = self._run_folder(rid)
        manifest = self._manifest(rid)
        stored = {v["name"] for v in manifest["variables"]}
        lacking = [v for v in result_variables() if v not in stored]
        if lacking:  # as loading it says (Results): written before a variable was added
            raise self._broken(rid, ResultsTooOld(f"results lack variables: {', '.join(lacking)}"))
        for name, meta in manifest["parts"].items():
            path = folder / meta["file"]
            if not path.is_file():
                raise self._broken(rid, KruispuntError(f"part {name} ({path.name}) is missing"))
            if manifest["part_format"] != "parquet":
                continue
            try:
                footer = pq.read_metadata(path)
                columns = set(footer.schema.to_arrow_schema().names)
            except (OSError, pa.ArrowException) as exc:
                raise self._broken(
                    rid, KruispuntError(f"part {name} ({path.name}) cannot be read ({exc})")
                ) from None
            rows = footer.num_rows
            absent = [c for c in meta["columns"] if c not in columns]
            if absent:  # another table in its place
                shown = ", ".join(absent[:3]) + (f" and {len(absent) - 3} more" * (len(absent) > 3))
                raise self._broken(
                    rid,
                    KruispuntError(
                        f"part {name} ({path.name}) lacks the columns {shown} its manifest lists"
                    ),
                )
            if rows != meta["rows"]:
                raise self._broken(
                    rid,
                    KruispuntError(
                        f"part {name} ({path.name}) has {rows} rows, its manifest says "
                        f"{meta['rows']}"
                    ),
                )

    def summary(self, run_id: str) -> dict[str, Any] | None:
        """The run's headline numbers as saved with it (:func:`kruispunt.metrics.run_summary`);
        None for a run saved without one (by an older version) or with an unreadable one:
        the parts are the truth, the summary only saves reading them."""
        rid = self.resolve(run_id)
        try:
            value = json.loads((self._run_folder(rid) / SUMMARY).read_text("utf-8"))
        except (OSError, ValueError, RecursionError):
            return None
        return value if isinstance(value, dict) else None

    def entries(self) -> builtins.list[dict[str, Any]]:
        """One dict per stored run, oldest first: the columns of :meth:`list`, with
        ``scenarios`` as a list of names (no pandas needed)."""
        out = []
        for row in self._rows():
            entry = {c: row[c] for c in _COLUMNS if c != "provenance"}
            entry["scenarios"] = _json_list(row["scenarios"])
            out.append(entry)
        return out

    def list(self) -> pd.DataFrame:
        """One row per stored run, oldest first.

        Returns
        -------
        DataFrame
            Columns ``run_id``, ``name``, ``created`` (UTC, ISO 8601), ``scenarios``
            (comma-separated), ``kruispunt_version``, ``data_hash``, ``seed``, ``status``,
            ``size_bytes``.
        """
        import pandas as pd

        rows = self._rows()
        cols = [c for c in _COLUMNS if c != "provenance"]
        frame = pd.DataFrame([{c: r[c] for c in cols} for r in rows], columns=cols)
        frame["scenarios"] = [", ".join(_json_list(s)) for s in frame["scenarios"]]
        return frame

    def show(self, run_id: str) -> dict[str, Any]:
        """Catalogue entry, provenance and parts of one run."""
        rid = self.resolve(run_id)
        row = self._rows("WHERE run_id = ?", (rid,))[0]
        folder = self._run_folder(rid)
        manifest = self._manifest(rid)
        parts = []
        for p, m in manifest["parts"].items():
            path = folder / m["file"]
            try:
                size = path.stat().st_size
            except OSError:
                raise self._broken(
                    rid, KruispuntError(f"{folder}: part {m['file']} is missing")
                ) from None
            parts.append({"part": p, "file": m["file"], "rows": m["rows"], "bytes": size})
        out = dict(row)
        out["scenarios"] = _json_list(row["scenarios"])
        try:
            out["provenance"] = json.loads(row["provenance"])
        except (TypeError, ValueError):
            out["provenance"] = {}
        out["path"] = str(folder)
        out["dims"] = manifest["dims"]
        out["parts"] = parts
        return out

    def delete(self, run_id: str) -> str:
        """Remove a run: its catalogue row first (it disappears at once), then its folder."""
        self._writable("delete a run")
        rid = self.resolve(run_id)
        lock = _RunLock(self.locks_dir / f"{rid}.lock")
        lock.acquire(blocking=True)  # left behind if we die: the next open finishes the job
        try:
            with _store_lock(self.root, exclusive=False), self._connect() as con:
                con.execute("BEGIN IMMEDIATE")
                con.execute("DELETE FROM runs WHERE run_id = ?", (rid,))
                con.execute("COMMIT")
            self._remove(self.runs_dir / rid)
        finally:
            lock.release(unlink=True)
        return rid

    def parts(self, run_id: str) -> builtins.list[str]:
        """Names of a run's parts (``plant_year``, ``coords_plant`` ...)."""
        return [p["part"] for p in self.show(run_id)["parts"]]

    def read(self, run_id: str, part: str) -> pd.DataFrame:
        """One part of a run as a tidy frame (dims and variables as columns); its pages'
        checksums are verified first (DuckDB does not)."""
        rid = self.resolve(run_id)
        folder = self._run_folder(rid)
        manifest = self._manifest(rid)
        if part not in manifest["parts"]:
            raise KruispuntError(
                f"run {rid} has no part '{part}'; parts: {', '.join(manifest['parts'])}"
            )
        path = folder / manifest["parts"][part]["file"]
        import duckdb
        import pyarrow as pa

        if manifest["part_format"] == "parquet":
            try:
                _read_parquet(path)
            except (OSError, pa.ArrowException) as exc:
                raise self._broken(rid, KruispuntError(f"{path}: {exc}")) from None
        try:
            with duckdb.connect() as con:
                return con.execute("SELECT * FROM read_parquet(?)", [str(path)]).df()
        except duckdb.Error as exc:
            raise self._broken(rid, KruispuntError(f"{path}: {exc}")) from None

    def query(self, sql: str) -> pd.DataFrame:
        """Run SQL (DuckDB) over every stored run. DuckDB does not verify the parts' page
        checksums; :meth:`load`, :meth:`read` and :meth:`repair` do.

        Views: ``runs`` (the catalogue), and one view per part name (``plant_year``,
        ``product_year``, ``cluster_resource_year``, ``flow_year``, ``coords_plant`` ...)
        holding that part of every run, with a leading ``run_id`` column.

        Examples
        --------
        ``store.query("SELECT run_id, scenario, year, sum(direct_emissions) / 1e6 AS mt "
        "FROM plant_year GROUP BY ALL ORDER BY ALL")``
        """
        import duckdb
        import pandas as pd

        rows = self._rows()
        files: dict[str, builtins.list[str]] = {}
        for r in rows:
            folder = self.runs_dir / r["run_id"]
            try:
                manifest = _read_manifest(folder)
            except KruispuntError:
                continue  # a missing or damaged run: 'show' and 'repair' name it
            for part, meta in manifest["parts"].items():
                files.setdefault(part, []).append((folder / meta["file"]).as_posix())
        runs = pd.DataFrame(rows, columns=list(_COLUMNS))
        with duckdb.connect() as con:
            con.register("runs", runs)
            for part, paths in files.items():
                listing = ", ".join("'" + p.replace("'", "''") + "'" for p in paths)
                con.execute(
                    f'CREATE VIEW "{part}" AS SELECT regexp_extract(filename, '
                    f"'/runs/([^/]+)/[^/]+$', 1) AS run_id, * EXCLUDE (filename) FROM "
                    f"read_parquet([{listing}], filename = true, union_by_name = true)"
                )
            try:
                return con.execute(sql).df()
            except duckdb.Error as exc:
                raise KruispuntError(f"query failed: {exc}") from None

    # repair ------------------------------------------------------------------------------

    @classmethod
    def repair(cls, root: Path | str | None = None) -> RepairReport:
        """Rebuild ``catalogue.sqlite`` from the runs' manifests; set broken runs aside.

        Every run folder is read whole (manifest and every part). A run that reads is
        catalogued again; one that does not (a missing or damaged part or manifest, a folder
        that is not a run) is moved to ``<root>/broken/``. The old catalogue, readable or
        not, is moved to ``broken/`` too, and the new one replaces it in one rename. The
        store is locked meanwhile (``.store-lock``): a save's insert or a delete waits. A run
        whose lock file is left by a dead writer is kept if the old catalogue lists it.

        Returns
        -------
        RepairReport
            The runs catalogued, those set aside (with the reason) and catalogue rows that
            had no run folder.
        """
        root_path = Path(root).expanduser() if root is not None else default_root()
        if not root_path.is_dir():
            what = "it is not a folder" if root_path.exists() else "the folder does not exist"
            raise KruispuntError(f"no results store at {root_path}: {what}")
        if not os.access(root_path, os.W_OK):
            raise KruispuntError(f"results store {root_path} is not writable")
        if not _looks_like_store(root_path):  # repair moves folders: never in someone else's
            raise KruispuntError(
                f"{root_path} is not a results store: it has no catalogue.sqlite, no runs/ "
                "folder holding a stored run and no ensembles/ folder holding an ensemble"
            )
        store = cls.__new__(cls)
        store.root = root_path
        store.runs_dir = root_path / "runs"
        store.locks_dir = root_path / "locks"
        store.catalogue_path = root_path / "catalogue.sqlite"
        store.readonly = False
        store._uri = None
        try:
            store.runs_dir.mkdir(exist_ok=True)
            store.locks_dir.mkdir(exist_ok=True)
        except OSError as exc:
            raise KruispuntError(f"cannot repair {root_path}: {exc.strerror or exc}") from None
        # no save or delete writes the catalogue while it is rebuilt and swapped: they wait
        with _store_lock(root_path, exclusive=True):
            report = store._rebuild()
        ensembles = root_path / ENSEMBLES_DIR
        _clean_ensembles(ensembles)  # what a killed creation or merge left
        return dataclasses.replace(report, ensembles=[f.name for f in ensemble_folders(ensembles)])

    def _old_ids(self) -> set[str]:
        if not self.catalogue_path.is_file():
            return set()
        try:
            con = sqlite3.connect(f"{self.catalogue_path.resolve().as_uri()}?mode=ro", uri=True)
            try:
                return {str(r[0]) for r in con.execute("SELECT run_id FROM runs").fetchall()}
            finally:
                con.close()
        except sqlite3.Error:
            return set()

    def _set_aside(self, path: Path) -> Path:
        broken = self.root / "broken"
        broken.mkdir(exist_ok=True)
        target = broken / path.name.lstrip(".")
        if target.exists():
            target = broken / f"{path.name.lstrip('.')}-{secrets.token_hex(3)}"
        os.rename(path, target)
        return target

    def _rebuild(self) -> RepairReport:
        old_ids = self._old_ids()
        rows: builtins.list[tuple[Any, ...]] = []
        set_aside: builtins.list[tuple[str, str]] = []
        locked: set[str] = set()
        for entry in sorted(self.runs_dir.iterdir()):
            if entry.name.startswith("."):
                continue  # a save in progress or its leftovers: the next open cleans them
            lock_file = self.locks_dir / f"{entry.name}.lock"
            if lock_file.exists():
                lock = _RunLock(lock_file)
                if not lock.acquire(blocking=False, create=False):
                    locked.add(entry.name)
                    continue  # being saved or deleted by a live process
                # the lock's holder died: a run the old catalogue lists was committed (its
                # writer was killed before it removed the lock) and stays; one it does not
                # list never was (the next open removes it)
                try:
                    if entry.name not in old_ids:
                        locked.add(entry.name)
                        continue
                finally:
                    lock.release(unlink=entry.name in old_ids)
            try:
                row = _row_of_folder(entry)
            except KruispuntError as exc:
                target = self._set_aside(entry)
                set_aside.append((entry.name, f"{exc} (moved to {target})"))
                continue
            rows.append(row)
        new = self.root / f".catalogue-{secrets.token_hex(4)}.sqlite"
        try:
            con = sqlite3.connect(new, isolation_level=None)
            try:
                con.execute("PRAGMA journal_mode = WAL")
                con.execute("BEGIN IMMEDIATE")
                con.execute(_SCHEMA)
                con.executemany(
                    f"INSERT INTO runs ({', '.join(_COLUMNS)}) VALUES "
                    f"({', '.join('?' * len(_COLUMNS))})",
                    rows,
                )
                con.execute("COMMIT")
            finally:
                con.close()
            old_catalogue = None
            for suffix in ("", "-wal", "-shm"):
                part = self.root / f"{self.catalogue_path.name}{suffix}"
                if part.exists():
                    broken = self.root / "broken"
                    broken.mkdir(exist_ok=True)
                    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
                    moved = broken / f"catalogue-{stamp}.sqlite{suffix}"
                    os.rename(part, moved)
                    if suffix == "":
                        old_catalogue = moved
            os.rename(new, self.catalogue_path)
            _fsync_dir(self.root)
        except (OSError, sqlite3.Error) as exc:
            with contextlib.suppress(OSError):
                new.unlink()
            raise KruispuntError(f"cannot repair {self.root}: {exc}") from None
        kept = [str(r[0]) for r in rows]
        return RepairReport(
            runs=kept,
            set_aside=set_aside,
            dropped=sorted(old_ids - set(kept) - {name for name, _ in set_aside} - locked),
            old_catalogue=old_catalogue,
        )


@dataclass(frozen=True)
class RepairReport:
    """What :meth:`Store.repair` did.

    Attributes
    ----------
    runs : list of str
        Run ids in the rebuilt catalogue.
    set_aside : list of (str, str)
        Folders moved to ``broken/``, each with the reason.
    dropped : list of str
        Runs the old catalogue listed that have no folder any more.
    old_catalogue : Path or None
        Where the old catalogue was moved (None if there was none).
    ensembles : list of str
        The ensembles in the store (``ensembles/``), left as they are: an interrupted run
        resumes with the same command, and each batch is stored whole or not at all.
    """

    runs: list[str]
    set_aside: list[tuple[str, str]]
    dropped: list[str]
    old_catalogue: Path | None
    ensembles: list[str] = dataclasses.field(default_factory=list)


def _listing(ids: builtins.list[str], limit: int = 10) -> str:
    shown = ", ".join(ids[:limit])
    return shown + (f", ... and {len(ids) - limit} more" if len(ids) > limit else "")


def _json_list(text: Any) -> builtins.list[str]:
    try:
        value = json.loads(text)
    except (TypeError, ValueError):
        return []
    return [str(v) for v in value] if isinstance(value, list) else []


def _catalogue_row(
    run_id: str, name: str | None, created: str, results: Results, size: int
) -> tuple[Any, ...]:
    prov = results.provenance
    seed = prov.get("seed")
    return (
        run_id,
        name,
        created,
        json.dumps(results.scenarios),
        _str_or_none(prov.get("kruispunt_version")),
        _str_or_none(prov.get("data_hash")),
        None if seed is None else str(_json_safe(seed)),
        json.dumps(_json_safe(prov), sort_keys=True),
        "complete",
        size,
    )


def _row_of_folder(folder: Path) -> tuple[Any, ...]:
    """The catalogue row of a run folder, read whole; raise if it is not a complete run."""
    if not folder.is_dir():
        raise KruispuntError(f"{folder} is not a run folder")
    manifest = _read_manifest(folder)
    if manifest.get("run_id") != folder.name:
        raise KruispuntError(
            f"{folder}: the manifest names run {manifest.get('run_id')!r}, not the folder's"
        )
    results = read_results_folder(folder)
    name = manifest.get("name")
    created = manifest.get("created")
    if not isinstance(created, str):
        created = datetime.fromtimestamp(folder.stat().st_mtime, UTC).isoformat()
    size = sum(p.stat().st_size for p in folder.iterdir() if p.is_file())
    return _catalogue_row(
        folder.name, name if isinstance(name, str) else None, created, results, size
    )


def check_run_name(name: str | None) -> None:
    """Refuse a run name that could not be used to find the run again.

    A name is free text of at most :data:`~kruispunt.limits.RUN_NAME_MAX_LENGTH` printable
    characters; not empty or only spaces, no spaces at either end, not a reserved word
    (``latest``) and not shaped like a run id.

    Raises
    ------
    KruispuntError
        Saying what is wrong and what is allowed.
    """
    if name is None:
        return
    if not name.strip():
        raise KruispuntError("run name must not be empty or only spaces")
    if name in RESERVED_RUN_NAMES:
        raise KruispuntError(
            f"run name '{name}' is reserved ('latest' always means the newest run); "
            "choose another name"
        )
    if name != name.strip():
        raise KruispuntError(f"run name {name!r} must not start or end with spaces")
    if len(name) > RUN_NAME_MAX_LENGTH:
        raise KruispuntError(
            f"run name is {len(name)} characters long; at most {RUN_NAME_MAX_LENGTH} are allowed"
        )
    if not name.isprintable():
        raise KruispuntError(
            f"run name {name!r} holds a line break or control character; use printable text"
        )
    if _RUN_ID.fullmatch(name):
        raise KruispuntError(f"run name '{name}' looks like a run id; choose another name")


_RUN_ID = re.compile(r"[0-9]{8}T[0-9]{12}Z-[0-9a-f]{8}")


def require_store_folder(root: Path, creates: str = "'kruispunt run'") -> None:
    """Refuse a store root that does not exist or is not a folder (reading a store), naming
    it and the command that ``creates`` one."""
    if not root.exists():
        raise KruispuntError(
            f"no results store at {root}: the folder does not exist "
            f"(check --store or ${STORE_ENV}; {creates} creates a store)"
        )
    if not root.is_dir():
        raise KruispuntError(f"results store {root} is not a folder")


STORE_ENTRIES = frozenset(
    {"runs", "locks", "reports", "scenarios", "broken", "ensembles", "catalogue.sqlite"}
)
"""What a results store's folder holds (besides hidden files and the catalogue's -wal/-shm)."""


def refuse_foreign_folder(root: Path) -> None:
    """Refuse to make a results store in an existing folder that holds other things (a
    project folder, a data package, the current folder given by mistake): its files would
    be mixed with the store's. An empty folder, or one with a store's entries, is fine."""
    try:
        entries = [e.name for e in root.iterdir()]
    except OSError:
        return  # not a readable folder: the caller's own checks say why
    foreign = sorted(
        n
        for n in entries
        if not n.startswith(".") and n not in STORE_ENTRIES and not n.startswith("catalogue.")
    )
    if foreign:
        shown = ", ".join(foreign[:3]) + (
            f" and {len(foreign) - 3} more" if len(foreign) > 3 else ""
        )
        raise KruispuntError(
            f"{root} is not a results store and not empty (it holds {shown}); give a new or "
            "empty folder, or a results store, with --store or $" + STORE_ENV
        )


def check_can_write(root: Path | str | None = None) -> Path:
    """Check, creating nothing, that a run can be saved in the store at ``root``.

    Returns the store root. Raises :class:`KruispuntError` if the store is not a writable
    folder, its catalogue is damaged or missing (with runs present), or, for a store that
    does not exist yet, its nearest existing parent is not a writable folder.
    """
    path = Path(root).expanduser() if root is not None else default_root()
    if path.exists():
        if not path.is_dir():
            raise KruispuntError(f"cannot use results store {path}: it is not a folder")
        if not os.access(path, os.W_OK):
            raise KruispuntError(f"results store {path} is not writable")
        probe = Store.__new__(Store)
        probe.runs_dir = path / "runs"
        if (path / "catalogue.sqlite").exists() or probe._has_run_folders():
            Store(path, readonly=True)  # raises if the catalogue is missing or damaged
        else:
            refuse_foreign_folder(path)
        return path
    if path.is_symlink():  # a link that leads nowhere: the store cannot be made there
        raise KruispuntError(f"cannot create results store at {path}: {not_a_folder(path)}")
    parent = nearest_existing(path.parent)
    if not parent.is_dir():
        raise KruispuntError(f"cannot create results store at {path}: {not_a_folder(parent)}")
    if not os.access(parent, os.W_OK):
        raise KruispuntError(f"cannot create results store at {path}: {parent} is not writable")
    return path


def _str_or_none(value: Any) -> str | None:
    return None if value is None else str(value)


# --- ensembles: outcomes of many futures, streamed batch by batch -----------------------------

ENSEMBLE_FORMAT = "kruispunt-ensemble"
ENSEMBLE_FORMAT_VERSION = 1
ENSEMBLES_DIR = "ensembles"
"""Folder under the store root holding one folder per ensemble (see :class:`Ensemble`)."""


def _write_table_atomic(table: Any, path: Path) -> None:
    """Write a Parquet file under a temporary name, fsync it, then rename it into place."""

    tmp = path.with_name(f".tmp-{path.name}-{secrets.token_hex(3)}")
    try:
        _write_synced(tmp, lambda fh: _write_parquet(table, fh), fsync=True)
        os.replace(tmp, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)


class Ensemble:
    """An ensemble folder: a manifest, the futures, and one part per finished batch.

    Layout::

        <store>/ensembles/<ensemble_id>/
          manifest.json              what was run: specification, design, seed, batches
          futures.parquet            one row per future: index, block, seed, factor values
          batches/outcomes-<b>.parquet       future, package, outcome, value
          batches/trajectories-<b>.parquet   future, package, metric, year, value

    The folder appears whole (written under a temporary name, then renamed). Each batch's
    parts are written under temporary names and renamed; the outcomes part is renamed last,
    so a batch counts as finished exactly when its outcomes part exists. An interrupted run
    leaves only finished batches behind, and the same command resumes from them. Memory is
    bounded by one batch: nothing is concatenated while running.
    """

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)
        path = self.folder / MANIFEST
        try:
            self.manifest: dict[str, Any] = json.loads(path.read_text("utf-8"))
        except FileNotFoundError:
            raise KruispuntError(f"{self.folder} is not an ensemble (no {MANIFEST})") from None
        except (OSError, ValueError, RecursionError) as exc:  # not JSON, not UTF-8, too deep
            what = "nested too deeply" if isinstance(exc, RecursionError) else str(exc)
            raise KruispuntError(f"{path}: unreadable manifest: {what}") from None
        if not isinstance(self.manifest, dict) or self.manifest.get("format") != ENSEMBLE_FORMAT:
            raise KruispuntError(f"{path}: not an ensemble manifest")
        _check_ensemble_manifest(path, self.manifest)

    # creation ----------------------------------------------------------------------------

    @classmethod
    def open_or_create(
        cls, root: Path, ensemble_id: str, manifest: dict[str, Any], futures: pd.DataFrame
    ) -> Ensemble:
        """Open ``root/<ensemble_id>`` if it holds the same ensemble, else create it.

        Raises
        ------
        KruispuntError
            If the folder exists with a different specification, design, seed, batch size,
            data or code version (resuming it would mix different runs).
        """
        try:
            root.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise KruispuntError(
                f"cannot create the ensembles folder {root}: {exc.strerror or exc}"
            ) from None
        folder = root / ensemble_id
        if folder.is_dir():
            existing = cls(folder)
            diff = [
                k
                for k in manifest["key"]
                if existing.manifest.get("key", {}).get(k) != manifest["key"][k]
            ]
            if diff:
                raise KruispuntError(
                    f"ensemble folder {folder} holds a different run ({', '.join(diff)} "
                    "differ); choose another --name or delete it"
                )
            return existing
        _clean_ensembles(root)
        tmp = root / f".tmp-{ensemble_id}-{secrets.token_hex(3)}"
        try:
            with _creating(tmp):
                cls._fill(tmp, ensemble_id, manifest, futures)
                try:
                    os.rename(tmp, folder)
                except OSError:
                    if not folder.is_dir():  # pragma: no cover - a real file-system error
                        raise
                    shutil.rmtree(tmp, ignore_errors=True)  # a concurrent shard made it first
                    return cls.open_or_create(root, ensemble_id, manifest, futures)
            _fsync_dir(root)
        except OSError as exc:
            shutil.rmtree(tmp, ignore_errors=True)
            raise KruispuntError(
                f"cannot create ensemble in {root}: {exc.strerror or exc}"
            ) from None
        return cls(folder)

    @staticmethod
    def _fill(tmp: Path, ensemble_id: str, manifest: dict[str, Any], futures: pd.DataFrame) -> None:
        """Write a new ensemble's manifest and futures into its temporary folder ``tmp``."""
        import pyarrow as pa

        (tmp / "batches").mkdir()
        body = {
            "format": ENSEMBLE_FORMAT,
            "format_version": ENSEMBLE_FORMAT_VERSION,
            "ensemble_id": ensemble_id,
            "created": datetime.now(UTC).isoformat(),
            **manifest,
        }
        text = json.dumps(_json_safe(body), indent=1, sort_keys=True)
        _write_synced(tmp / MANIFEST, lambda fh: fh.write(text), True, mode="w")
        table = pa.Table.from_pandas(futures, preserve_index=False)
        _write_synced(
            tmp / "futures.parquet",
            lambda fh: _write_parquet(table, fh),
            True,
        )

    # batches -----------------------------------------------------------------------------

    @property
    def n_batches(self) -> int:
        return int(self.manifest["n_batches"])

    def _part(self, kind: str, batch: int) -> Path:
        return self.folder / "batches" / f"{kind}-{batch:06d}.parquet"

    def finished(self) -> builtins.list[int]:
        """Indices of the finished batches, sorted."""
        out = []
        for p in (self.folder / "batches").glob("outcomes-*.parquet"):
            with contextlib.suppress(ValueError):
                out.append(int(p.stem.split("-")[1]))
        return sorted(out)

    def write_batch(
        self, batch: int, outcomes: pd.DataFrame, trajectories: pd.DataFrame | None = None
    ) -> None:
        """Store one finished batch (trajectories first, outcomes last: see the class doc)."""
        import pyarrow as pa

        if trajectories is not None:
            table = pa.Table.from_pandas(trajectories, preserve_index=False)
            _write_table_atomic(table, self._part("trajectories", batch))
        table = pa.Table.from_pandas(outcomes, preserve_index=False)
        _write_table_atomic(table, self._part("outcomes", batch))

    # reading -----------------------------------------------------------------------------

    def _parquet(self, path: Path) -> pd.DataFrame:
        """A part of the ensemble; KruispuntError naming it when it cannot be read (cut short,
        overwritten, removed while the ensemble was read)."""
        import pandas as pd
        import pyarrow as pa

        try:
            return pd.read_parquet(path, **_VERIFIED)
        except (OSError, pa.ArrowException, ValueError) as exc:
            rel = path.relative_to(self.folder)
            if rel.parent == Path("."):
                todo = "delete the ensemble's folder and run it again"
            else:  # a batch's part: without its outcomes part the batch is not finished
                batch = path.stem.split("-")[-1]
                todo = (
                    f"delete batches/outcomes-{batch}.parquet and batches/trajectories-{batch}"
                    ".parquet and run the same kruispunt explore run again: it redoes that batch"
                )
            raise KruispuntError(
                f"ensemble {self.folder.name} is damaged: {rel} cannot be read ({exc}); {todo}"
            ) from None

    def futures(self) -> pd.DataFrame:
        """One row per future: ``future``, ``block``, ``seed``, ``u_<factor>``, factors."""
        return self._parquet(self.folder / "futures.parquet")

    def _read(self, kind: str) -> pd.DataFrame:
        import pandas as pd

        frames = [self._parquet(self._part(kind, b)) for b in self.finished()]
        frames = [f for f in frames if not f.empty]
        if not frames:
            return pd.DataFrame()
        out = pd.concat(frames, ignore_index=True)
        keys = [c for c in ("future", "package", "outcome", "metric", "year") if c in out]
        return out.sort_values(keys, kind="stable").reset_index(drop=True)

    def outcomes(self) -> pd.DataFrame:
        """Long table of every finished batch: ``future, package, outcome, value``."""
        return self._read("outcomes")

    def trajectories(self) -> pd.DataFrame:
        """Long table ``future, package, metric, year, value`` of every finished batch."""
        import pandas as pd

        parts = [self._part("trajectories", b) for b in self.finished()]
        if not any(p.exists() for p in parts):
            return pd.DataFrame()
        return self._read("trajectories")

    @property
    def complete(self) -> bool:
        shard = self.manifest.get("shard")
        wanted = set(range(*shard["batches"])) if shard else set(range(self.n_batches))
        return wanted <= set(self.finished())

    @contextlib.contextmanager
    def running(self) -> Iterator[None]:
        """Hold the ensemble for this process while it runs batches (``.run-lock`` in its
        folder, freed by the OS if the process dies): a second process on the same ensemble
        is refused rather than computing every batch again beside it. Held, it also clears
        what a killed run left half-written (the temporary files of a batch being stored).

        Raises
        ------
        KruispuntError
            If another process holds the ensemble.
        """
        if fcntl is None:  # pragma: no cover - Windows: no lock
            yield
            return
        lock = _RunLock(self.folder / ".run-lock")
        if not lock.acquire(blocking=False):
            raise KruispuntError(
                f"ensemble {self.folder.name} is being run by another process; wait for it to "
                "finish (then run the same command to resume), or run another shard"
            )
        try:
            for leftover in (self.folder / "batches").glob(".tmp-*"):
                with contextlib.suppress(OSError):
                    leftover.unlink()
            yield
        finally:
            lock.release(unlink=False)


@contextlib.contextmanager
def _creating(tmp: Path) -> Iterator[None]:
    """Make the temporary folder ``tmp`` of an ensemble being created or merged and hold a
    lock on it (freed by the OS if the process dies) until it is renamed into place:
    :func:`_clean_ensembles` removes only temporary folders nobody holds."""
    tmp.mkdir()
    if fcntl is None:  # pragma: no cover - Windows: cleaned by age
        yield
        return
    fd = os.open(tmp, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def _clean_ensembles(root: Path) -> None:
    """Remove the temporary folders (``.tmp-<ensemble_id>-*``) that a creation or merge
    killed half-way left under the ensembles folder ``root``: those whose lock is free and
    that are older than a minute (without POSIX locks: older than a day)."""
    try:
        entries = [e for e in root.iterdir() if e.name.startswith(".tmp-") and e.is_dir()]
    except OSError:
        return
    for entry in entries:
        try:
            age = time.time() - entry.stat().st_mtime
        except OSError:
            continue
        if fcntl is None:  # pragma: no cover - Windows
            if age > _STALE_SECONDS:
                shutil.rmtree(entry, ignore_errors=True)
            continue
        if age < _FRESH_SECONDS:
            continue
        try:
            fd = os.open(entry, os.O_RDONLY)
        except OSError:
            continue
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                continue  # its creator is alive
            shutil.rmtree(entry, ignore_errors=True)
        finally:
            os.close(fd)


def _check_ensemble_manifest(path: Path, m: dict[str, Any]) -> None:
    """The fields of an ensemble manifest that reading it relies on, each of its type
    (``n_batches`` required, the others where present): a manifest edited by hand or cut
    short is named here, not met later as a crash."""

    def count(value: Any) -> bool:
        return isinstance(value, int) and not isinstance(value, bool) and value >= 0

    def shard(v: Any) -> bool:
        if v is None:
            return True
        if not isinstance(v, dict) or not (count(v.get("i")) and count(v.get("n"))):
            return False
        ends = v.get("batches")
        return isinstance(ends, list) and len(ends) == 2 and all(count(b) for b in ends)

    wanted: dict[str, tuple[Callable[[Any], bool], str]] = {
        "n_batches": (count, "a whole number >= 0"),
        "n_futures": (count, "a whole number >= 0"),
        "key": (lambda v: isinstance(v, dict), "an object"),
        "spec": (lambda v: isinstance(v, dict), "an object"),
        "packages": (
            lambda v: isinstance(v, list) and all(isinstance(x, str) for x in v),
            "a list of package names",
        ),
        "shard": (shard, "null or {i, n, batches: [first, end]}"),
    }
    if "n_batches" not in m:
        raise KruispuntError(f"{path}: the manifest has no 'n_batches' (a whole number >= 0)")
    for name, (ok, what) in wanted.items():
        if name in m and not ok(m[name]):
            raise KruispuntError(f"{path}: manifest field '{name}' must be {what}")
    size = m.get("key", {}).get("batch_size")
    if "n_futures" in m and count(size) and size > 0:
        batches = -(-m["n_futures"] // size)
        if m["n_batches"] != batches:
            raise KruispuntError(
                f"{path}: manifest field 'n_batches' is {m['n_batches']}, but "
                f"{m['n_futures']} futures in batches of {size} make {batches}"
            )


def list_ensembles(root: Path) -> builtins.list[Ensemble]:
    """Every ensemble folder under ``root`` (sorted by id)."""
    return [Ensemble(folder) for folder in ensemble_folders(root)]


def ensemble_folders(root: Path) -> builtins.list[Path]:
    """The folders under ``root`` that hold an ensemble manifest, sorted by id (not read)."""
    if not root.is_dir():
        return []
    return [
        folder
        for folder in sorted(root.iterdir())
        if folder.is_dir() and not folder.name.startswith(".") and (folder / MANIFEST).exists()
    ]


def merge_ensembles(parts: builtins.list[Ensemble], root: Path) -> Ensemble:
    """Combine shards of one ensemble into a complete ensemble folder under ``root``.

    The shards must share the ensemble key (specification, design, seed, batch size,
    data, code version) and together cover every batch; a batch present in several shards
    must hold identical outcomes. The merged folder appears whole or not at all.

    Raises
    ------
    KruispuntError
        Naming the shard and what differs, or the batches no shard holds.
    """

    if not parts:
        raise KruispuntError("no shards given to merge")
    first = parts[0]
    key = first.manifest["key"]
    for p in parts[1:]:
        diff = [k for k in key if p.manifest["key"].get(k) != key[k]]
        if diff:
            raise KruispuntError(
                f"{p.folder} is not a shard of the same ensemble as {first.folder} "
                f"({', '.join(diff)} differ)"
            )
    source: dict[int, Ensemble] = {}
    for p in parts:
        for b in p.finished():
            # every part is read with its checksums verified (a damaged one is named, not
            # copied); a batch two shards hold must be the same in both
            c = p._parquet(p._part("outcomes", b))
            if p._part("trajectories", b).exists():
                p._parquet(p._part("trajectories", b))
            if b in source:
                a = source[b]._parquet(source[b]._part("outcomes", b))
                if not a.equals(c):
                    raise KruispuntError(
                        f"batch {b} differs between {source[b].folder} and {p.folder}"
                    )
            else:
                source[b] = p
    missing = sorted(set(range(first.n_batches)) - set(source))
    if missing:
        shown = ", ".join(str(b) for b in missing[:10]) + (" ..." if len(missing) > 10 else "")
        raise KruispuntError(
            f"shards do not cover every batch: {len(missing)} of {first.n_batches} missing "
            f"({shown}); run the missing shards first"
        )
    ensemble_id = str(first.manifest["base_id"])
    final = root / ensemble_id
    if final.exists():
        if any(p.folder.resolve() == final.resolve() for p in parts):  # deleting it loses it
            raise KruispuntError(
                f"{final.name} is a whole ensemble, not a shard (run with --shard i/N): "
                "there is nothing to merge it with"
            )
        raise KruispuntError(f"{final} already exists; delete it to merge again")
    tmp = root / f".tmp-{ensemble_id}-{secrets.token_hex(3)}"
    try:
        root.mkdir(parents=True, exist_ok=True)
        _clean_ensembles(root)
        with _creating(tmp):
            _copy_shards(tmp, first, parts, source, ensemble_id)
            os.rename(tmp, final)
        _fsync_dir(root)
    except OSError as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        raise KruispuntError(f"cannot merge into {root}: {exc.strerror or exc}") from None
    return Ensemble(final)


def _copy_shards(
    tmp: Path,
    first: Ensemble,
    parts: builtins.list[Ensemble],
    source: dict[int, Ensemble],
    ensemble_id: str,
) -> None:
    """Write the merged ensemble into its temporary folder ``tmp``: the first shard's
    manifest without its shard, the futures, and each batch from the shard ``source`` names."""
    (tmp / "batches").mkdir()
    manifest = {k: v for k, v in first.manifest.items() if k != "shard"}
    manifest.update(
        {
            "ensemble_id": ensemble_id,
            "shard": None,
            "merged_from": [str(p.folder) for p in parts],
            "created": datetime.now(UTC).isoformat(),
        }
    )
    text = json.dumps(_json_safe(manifest), indent=1, sort_keys=True)
    _write_synced(tmp / MANIFEST, lambda fh: fh.write(text), True, mode="w")
    shutil.copy2(first.folder / "futures.parquet", tmp / "futures.parquet")
    for b, p in sorted(source.items()):
        for kind in ("trajectories", "outcomes"):
            src = p._part(kind, b)
            if src.exists():
                shutil.copy2(src, tmp / "batches" / src.name)


def _looks_like_store(root: Path) -> bool:
    """Whether ``root`` is a results store to repair: it has a run catalogue, an ensemble, or
    a ``runs/`` folder with at least one folder holding a results manifest (a store whose
    catalogue was lost)."""
    if (root / "catalogue.sqlite").is_file():
        return True
    with contextlib.suppress(OSError):
        if ensemble_folders(root / ENSEMBLES_DIR):
            return True
    runs = root / "runs"
    if not runs.is_dir():
        return False
    try:
        return any((child / MANIFEST).is_file() for child in runs.iterdir() if child.is_dir())
    except OSError:
        return False
