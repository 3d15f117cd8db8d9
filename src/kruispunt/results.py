"""The documented result object of a run.

:class:`Results` wraps one :class:`xarray.Dataset`. Its variables, dimensions and units are
declared once in ``kruispunt/schemas/results.csv`` (see :func:`result_variables`); every
run, stored or exported result has exactly those variables. Provenance (code version, data
hash, resolved scenarios, seed) lives in the dataset's attributes, so it travels with every
file.

Dimensions and coordinates
--------------------------
``scenario`` (scenario names), ``plant`` (``"<site_id>/<product_id>"``), ``year`` (int),
``carrier``, ``product``, ``cluster``, ``resource`` (``grid``, ``co2_storage``,
``hydrogen``, ``biomass``; units in :data:`kruispunt.vocabulary.RESOURCE_UNITS`), ``pool``
(the pools of scarce capacity, ``"<resource>/<name>"``: each CO2 storage project, grid of a
cluster or of one of its grid zones, hydrogen project and biomass supply), ``flow``
(government cash-flow items, one set per instrument, ``flow_sign`` -1 for outlays),
``route`` (route ids; ``route_index`` points into it) and ``reason`` (``switch_reason``
points into it). The descriptive coordinates in :data:`RESULT_COORDS` label plants (site,
site name, product, cluster, sector), carriers and products (units), clusters (names),
pools (resource, and the cluster whose ``infra_*`` figures they add to) and routes (family,
product, whether the data package's route was left out).
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import xarray as xr

from kruispunt.errors import KruispuntError, ResultsTooOld
from kruispunt.version import __version__
from kruispunt.vocabulary import SCENARIO

RESULT_COORDS: dict[str, str] = {
    "site": "plant",
    "site_name": "plant",
    "plant_product": "plant",
    "plant_cluster": "plant",
    "sector": "plant",
    "carrier_unit": "carrier",
    "carrier_use": "carrier",
    "product_unit": "product",
    "cluster_name": "cluster",
    "pool_resource": "pool",
    "pool_cluster": "pool",
    "route_family": "route",
    "route_product": "route",
    "route_excluded": "route",
    "flow_sign": "flow",
}
"""Descriptive coordinates every result carries, by the dimension they label. The dimension
``reason`` lists the switch reasons that ``switch_reason`` indexes."""
PROVENANCE_KEYS = (
    "kruispunt_version",
    "data_hash",
    "euro_year",
    "scenarios",
    "seed",
    "created_by",
)
"""The keys of :attr:`Results.provenance`, read from ``dataset.attrs``."""


@dataclass(frozen=True)
class ResultVariable:
    name: str
    dims: tuple[str, ...]
    unit: str
    dtype: str
    description: str


@lru_cache(maxsize=1)
def result_variables() -> dict[str, ResultVariable]:
    """The declared result variables (``schemas/results.csv``)."""
    text = resources.files("kruispunt.schemas").joinpath("results.csv").read_text("utf-8")
    out = {}
    for row in csv.DictReader(text.splitlines()):
        out[row["variable"]] = ResultVariable(
            row["variable"],
            tuple(row["dims"].split(";")),
            row["unit"],
            row["dtype"],
            row["description"],
        )
    return out


@dataclass(frozen=True)
class Results:
    """Outputs of a run over one or more scenarios.

    Attributes
    ----------
    dataset : xarray.Dataset
        Every variable of :func:`result_variables`, with ``attrs["units"]`` on each, and the
        provenance keys in ``dataset.attrs``.
    """

    dataset: xr.Dataset

    def __post_init__(self) -> None:
        missing = [v for v in result_variables() if v not in self.dataset]
        if missing:
            made = self.dataset.attrs.get("kruispunt_version")
            by = f" (these were written by kruispunt {made})" if made else ""
            raise ResultsTooOld(
                f"results lack variables: {', '.join(missing)}{by}; results stored before "
                f"a version added a variable cannot be read by it: run their scenarios again "
                f"with kruispunt {__version__}"
            )
        for var in result_variables().values():
            dims = self.dataset[var.name].dims
            if tuple(dims) != var.dims:
                raise KruispuntError(
                    f"result variable {var.name} has dims {dims}, expected {var.dims}"
                )
        coords = self.dataset.coords
        missing = [c for c in (*RESULT_COORDS, "reason") if c not in coords]
        if missing:
            raise KruispuntError(f"results lack coordinates: {', '.join(missing)}")
        for name, dim in RESULT_COORDS.items():
            if coords[name].dims != (dim,):
                raise KruispuntError(f"result coordinate {name} must label '{dim}'")

    @property
    def provenance(self) -> dict[str, Any]:
        """Code version, data hash, euro year of the money, resolved scenarios (dict by name)
        and seed."""
        out = {key: self.dataset.attrs.get(key) for key in PROVENANCE_KEYS}
        out["scenarios"] = json.loads(out["scenarios"] or "{}")
        return out

    @property
    def scenarios(self) -> list[str]:
        return [str(s) for s in self.dataset[SCENARIO].values]

    def select(self, scenario: str) -> Results:
        """Results of one scenario (keeps the scenario dimension, of length one)."""
        return Results(self.dataset.sel(scenario=[scenario]))

    def to_netcdf(self, path: Path | str) -> None:
        """Write to a netCDF file (round trip exact with :meth:`from_netcdf`). The file is
        built in memory and written in one piece: HDF5 writing straight to a full disk
        crashed the process, a plain write fails with an ordinary error."""
        data = self.dataset.to_netcdf()
        with open(path, "wb") as fh:
            fh.write(bytes(data) if data is not None else b"")

    @classmethod
    def from_netcdf(cls, path: Path | str) -> Results:
        with xr.open_dataset(path) as ds:
            return cls(ds.load())
