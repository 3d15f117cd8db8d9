"""Base-year totals equal the EUTL verified emissions of the included installations, exactly."""

from __future__ import annotations

import csv

import pytest

from kruispunt.catalogue import load_catalogue
from kruispunt.catalogue.summary import base_year_summary
from tests.catalogue.conftest import REPO

RAW = REPO / "data" / "raw" / "eutl_nl_cedricr" / "installations-NL.csv"
MAP = REPO / "data" / "curated" / "installation_sites.csv"


@pytest.mark.skipif(not RAW.is_file(), reason="needs the repository's data/ folder")
def test_national_total_equals_raw_eutl_sum() -> None:
    with MAP.open(encoding="utf-8") as fh:
        included = {int(r["installation_id"]) for r in csv.DictReader(fh) if r["site_id"]}
    total = 0
    with RAW.open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            value = row["VerifiedEmissions_2022"]
            if int(row["InstallationOrAircraftOperatorID"]) in included and value.isdigit():
                total += int(value)
    s = base_year_summary(load_catalogue())
    assert s.national == total
    assert int(s.by_cluster.sum()) == total
    assert int(s.by_sector.sum()) == total
    assert int(s.sites["verified_emissions"].sum()) == total


def test_biggest_sites_are_the_known_ones() -> None:
    s = base_year_summary(load_catalogue())
    top = list(s.sites.index[:12])
    for site in (
        "tata_steel_ijmuiden",
        "shell_pernis",
        "chemelot",
        "dow_terneuzen",
        "yara_sluiskil",
        "esso_botlek",
        "shell_moerdijk",
        "bp_rotterdam",
        "zeeland_refinery",
    ):
        assert site in top, site
    tata = s.sites.loc["tata_steel_ijmuiden"]
    assert tata["installations"] == 4  # steelworks accounts and the two off-gas power plants
    assert s.sites.index[0] == "tata_steel_ijmuiden"
