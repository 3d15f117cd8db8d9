"""Base-year picture of the data package: verified emissions by cluster, sector and site.

Totals are integer sums of EUTL verified emissions of the included installations, so they
equal the EUTL figures exactly.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from kruispunt.catalogue.load import Catalogue
from kruispunt.vocabulary import BASE_YEAR


def installation_emissions(catalogue: Catalogue, year: int = BASE_YEAR) -> pd.DataFrame:
    """Verified emissions [tCO2] of every installation in ``year`` with its site and rule."""
    inst = catalogue.installations
    years = catalogue.installation_years
    em = years.loc[years["year"] == year, ["installation_id", "verified_emissions"]]
    out = inst.merge(em, on="installation_id", how="left")
    out["verified_emissions"] = out["verified_emissions"].fillna(0).round().astype("int64")
    return out


def site_emissions(catalogue: Catalogue, year: int = BASE_YEAR) -> pd.DataFrame:
    """Verified emissions [tCO2] per site in ``year``, with cluster, sector and installations."""
    em = installation_emissions(catalogue, year)
    em = em[em["included"]]
    per_site = em.groupby("site_id", observed=True).agg(
        verified_emissions=("verified_emissions", "sum"),
        installations=("installation_id", "count"),
    )
    sites = catalogue.sites.set_index("site_id")[["name", "operator", "cluster_id", "sector_id"]]
    out = sites.join(per_site, how="left")
    out["verified_emissions"] = out["verified_emissions"].fillna(0).astype("int64")
    out["installations"] = out["installations"].fillna(0).astype("int64")
    return out.sort_values("verified_emissions", ascending=False)


@dataclass(frozen=True)
class BaseYearSummary:
    """Base-year emissions [tCO2] of the modelled industry."""

    year: int
    national: int
    by_cluster: pd.Series
    by_sector: pd.Series
    sites: pd.DataFrame
    n_sites: int
    n_installations_included: int
    n_installations_excluded: int
    excluded_by_rule: pd.Series


def base_year_summary(catalogue: Catalogue, year: int = BASE_YEAR) -> BaseYearSummary:
    """Emissions by cluster and sector, counts and the site table for ``year``."""
    em = installation_emissions(catalogue, year)
    sites = site_emissions(catalogue, year)
    clusters = catalogue.clusters.set_index("cluster_id")["name"]
    sectors = catalogue.sectors.set_index("sector_id")["name"]
    by_cluster = sites.groupby("cluster_id", observed=True)["verified_emissions"].sum()
    by_sector = sites.groupby("sector_id", observed=True)["verified_emissions"].sum()
    excluded = em[~em["included"]]
    return BaseYearSummary(
        year=year,
        national=int(em.loc[em["included"], "verified_emissions"].sum()),
        by_cluster=by_cluster.reindex(clusters.index, fill_value=0).sort_values(ascending=False),
        by_sector=by_sector.reindex(sectors.index, fill_value=0).sort_values(ascending=False),
        sites=sites,
        n_sites=len(sites),
        n_installations_included=int(em["included"].sum()),
        n_installations_excluded=int((~em["included"]).sum()),
        excluded_by_rule=excluded.groupby("rule", observed=True)["verified_emissions"].sum(),
    )
