"""Plants: one per site and product, with today's route and base-year emissions."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from kruispunt.assemble.routes import RouteBundle
from kruispunt.assemble.tables import Tables
from kruispunt.errors import KruispuntError
from kruispunt.inputs import Plants
from kruispunt.vocabulary import BASE_YEAR


@dataclass(frozen=True)
class PlantBundle:
    """The plants and their labels."""

    plants: Plants
    table: pd.DataFrame
    """One row per plant: site_id, product_id, cluster_id, sector_id, site name."""

    @property
    def keys(self) -> dict[tuple[str, str], int]:
        """Index of each plant by (site_id, product_id)."""
        sites, products = self.table["site_id"], self.table["product_id"]
        return {(str(a), str(b)): i for i, (a, b) in enumerate(zip(sites, products, strict=True))}


def build_plants(tables: Tables, rb: RouteBundle) -> PlantBundle:
    """Every plant, sorted by site and product. A site's base-year verified emissions and free
    allocation (its included installations) are split over its plants by emission share."""
    cat = tables.catalogue
    sites = cat.sites[["site_id", "name", "cluster_id", "sector_id", "reinvestment_year"]]
    sp = cat.site_products.merge(sites, on="site_id", how="left")
    sp = sp.sort_values(["site_id", "product_id"]).reset_index(drop=True)
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
    )
    table = sp[["site_id", "product_id", "cluster_id", "sector_id", "name"]]
    return PlantBundle(plants=plants, table=table)
