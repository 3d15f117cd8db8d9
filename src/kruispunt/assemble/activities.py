"""What each plant does, as the rules of IKC and the energy tax read it: its activity's NACE
codes and the share of its site's emissions from power plants.

A plant's activity codes are the NACE Rev. 2 codes of its site's included installations
(EUTL matching lists, ``installations.nace``), except the power and heat supply installations
(division 35: the site's own CHPs and off-gas power plants, which serve the site); a row of
``ikc_baselines.csv`` names the activity of a plant the installations do not show (a chlor-
alkali plant modelled as steam, the ammonia plant on a site whose account is organic
chemicals). The power share is the base-year verified emissions of the site's division-35
installations over those of all its included installations, the same for every plant of the
site: the share of the plant's fuel burnt to generate electricity.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

from kruispunt.assemble.tables import Tables
from kruispunt.errors import KruispuntError
from kruispunt.vocabulary import BASE_YEAR

F = npt.NDArray[np.float64]

POWER_DIVISION = "35"
"""NACE division of electricity, gas, steam and air-conditioning supply."""


@dataclass(frozen=True)
class PlantActivities:
    """Per plant, in the order of the plant table."""

    nace: tuple[tuple[str, ...], ...]
    """NACE Rev. 2 codes of the plant's activity (empty: none known)."""
    power_share: F
    """``(P,)`` share of the site's base-year verified emissions from its power and heat
    supply installations (division 35) [-]."""

    def matches(self, prefix: str) -> npt.NDArray[np.bool_]:
        """``(P,)`` plants with an activity code that starts with ``prefix`` (``'any'``: all)."""
        if prefix == "any":
            return np.ones(len(self.nace), dtype=bool)
        return np.array([any(c.startswith(prefix) for c in codes) for codes in self.nace])


def _division(code: str) -> str:
    return code.split(".", 1)[0]


def plant_activities(tables: Tables, plant_table: pd.DataFrame) -> PlantActivities:
    """The activity codes and power share of every plant of ``plant_table`` (columns
    ``site_id``, ``product_id``, in plant order).

    Raises
    ------
    KruispuntError
        If a row of ``ikc_baselines.csv`` names a plant the package does not have.
    """
    cat = tables.catalogue
    inst = cat.installations
    inst = inst[inst["included"].astype(bool) & inst["site_id"].notna()]
    codes = inst["nace"].fillna("").astype(str)
    power = codes.map(_division) == POWER_DIVISION
    by_site: dict[str, tuple[str, ...]] = {}
    for site, part in codes[~power & (codes != "")].groupby(inst["site_id"].astype(str)):
        by_site[str(site)] = tuple(sorted(set(part)))
    years = cat.installation_years
    base = years[years["year"] == BASE_YEAR].set_index("installation_id")["verified_emissions"]
    emitted = inst["installation_id"].map(base).fillna(0.0).astype(float)
    site_ids = inst["site_id"].astype(str)
    total = emitted.groupby(site_ids).sum()
    from_power = emitted[power].groupby(site_ids[power]).sum()
    share = (from_power / total).reindex(total.index).fillna(0.0)

    sites = plant_table["site_id"].astype(str).tolist()
    products = plant_table["product_id"].astype(str).tolist()
    key: dict[tuple[str, str], list[int]] = {}
    for p, sg in enumerate(zip(sites, products, strict=True)):
        key.setdefault(sg, []).append(p)  # every unit of the site's product
    nace = [by_site.get(s, ()) for s in sites]
    rows = cat.ikc_baselines
    for idx, site, product, code in zip(
        rows.index, rows["site_id"], rows["product_id"], rows["nace"], strict=True
    ):
        units = key.get((str(site), str(product)))
        if units is None:
            raise KruispuntError(
                f"ikc_baselines.csv, line {int(idx) + 2}: the package has no plant "
                f"'{site}/{product}' (site_products.csv)"
            )
        for p in units:
            nace[p] = (str(code),)
    power_share = np.array([float(share.get(s, 0.0)) for s in sites])
    return PlantActivities(nace=tuple(nace), power_share=np.clip(power_share, 0.0, 1.0))
