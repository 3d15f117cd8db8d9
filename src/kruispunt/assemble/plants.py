"""Plants: one per production unit of a site and product, with today's route and base-year
emissions."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
import numpy.typing as npt
import pandas as pd

from kruispunt.assemble.routes import RouteBundle
from kruispunt.assemble.tables import Tables
from kruispunt.errors import KruispuntError
from kruispunt.inputs import Plants
from kruispunt.vocabulary import BASE_YEAR, HOURS_PER_YEAR


@dataclass(frozen=True)
class PlantBundle:
    """The plants and their labels."""

    plants: Plants
    table: pd.DataFrame
    """One row per plant: site_id, product_id, unit_id, cluster_id, sector_id, site name and
    ``label``, the plant's id in results: ``site/product``, or ``site/product/unit`` where the
    site has several units of the product."""

    @cached_property
    def ids(self) -> dict[str, np.ndarray]:
        """Each plant's ``site_id``, ``product_id`` and ``unit_id`` as text ``(P,)``, worked
        out once: events name their plants by these
        (:func:`kruispunt.assemble.levers.named_plants`)."""
        return {
            c: self.table[c].astype(str).to_numpy() for c in ("site_id", "product_id", "unit_id")
        }

    @property
    def keys(self) -> dict[tuple[str, str, str], int]:
        """Index of each plant by (site_id, product_id, unit_id)."""
        cols = (self.table[c].astype(str) for c in ("site_id", "product_id", "unit_id"))
        return {key: i for i, key in enumerate(zip(*cols, strict=True))}


def build_plants(tables: Tables, rb: RouteBundle) -> PlantBundle:
    """Every plant (a production unit of a site and product), sorted by site, product and unit.
    A site's base-year verified emissions and free allocation (its included installations) are
    split over its plants by emission share; each unit has its own reinvestment year."""
    cat = tables.catalogue
    sites = cat.sites[["site_id", "name", "cluster_id", "sector_id"]]
    sp = cat.site_products.merge(sites, on="site_id", how="left")
    sp = sp.sort_values(["site_id", "product_id", "unit_id"]).reset_index(drop=True)
    iy = cat.installation_years
    inst = cat.installations[["installation_id", "site_id", "included"]]
    base = iy[iy["year"] == BASE_YEAR].merge(inst, on="installation_id")
    base = base[base["included"]]
    share = sp["emission_share"].to_numpy(dtype=float)
    emissions = sp["site_id"].map(base.groupby("site_id")["verified_emissions"].sum())
    allocation = sp["site_id"].map(base.groupby("site_id")["free_allocation"].sum())
    r_of = {r: i for i, r in enumerate(rb.ids)}
    incumbent = np.asarray(sp["route_id"].map(r_of), dtype=np.int64)
    if not rb.complete[incumbent].all():
        bad = sorted({rb.ids[r] for r in incumbent[~rb.complete[incumbent]]})
        raise KruispuntError(f"today's routes lack emission_factor or lifetime: {bad}")
    reinvest = pd.to_numeric(sp["reinvestment_year"], errors="coerce").fillna(0)
    plants = Plants(
        product=np.asarray(sp["product_id"].map(tables.product_index), dtype=np.int64),
        cluster=np.asarray(sp["cluster_id"].map(tables.cluster_index), dtype=np.int64),
        capacity=sp["capacity"].to_numpy(dtype=float),
        base_production=sp["production"].to_numpy(dtype=float),
        base_emissions=emissions.fillna(0).to_numpy(dtype=float) * share,
        base_free_allocation=allocation.fillna(0).to_numpy(dtype=float) * share,
        incumbent=incumbent,
        reinvestment_year=reinvest.to_numpy(dtype=np.int64),
        options=np.zeros((len(sp), 1), dtype=np.int64),  # set once routes are final
        operating_hours=_operating_hours(sp),
    )
    table = sp[["site_id", "product_id", "unit_id", "cluster_id", "sector_id", "name"]].copy()
    units = sp.groupby(["site_id", "product_id"])["unit_id"].transform("size")
    plant = sp["site_id"].astype(str) + "/" + sp["product_id"].astype(str)
    table["label"] = plant.where(units == 1, plant + "/" + sp["unit_id"].astype(str))
    return PlantBundle(plants=plants, table=table)


def _operating_hours(sp: pd.DataFrame) -> npt.NDArray[np.float64] | None:
    """Each plant's ``operating_hours`` [h/yr], 8,760 where the curated table gives none;
    None where no plant gives hours (every plant all year)."""
    hours = pd.to_numeric(sp["operating_hours"], errors="coerce")
    if hours.isna().all():
        return None
    return np.asarray(hours.fillna(HOURS_PER_YEAR).to_numpy(dtype=float), dtype=np.float64)
