"""Plants at unit level, events to date and committed public money (issue 8 points 5-8): the
unit split reproduces each site's verified total, the shares follow the stated rule, and the
events table refuses rows that name no plant, unit or route, with file, line and field."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from kruispunt.assemble.plants import build_plants
from kruispunt.assemble.routes import build_routes
from kruispunt.assemble.tables import Tables
from kruispunt.catalogue.build import rehash_package
from kruispunt.catalogue.load import Catalogue, load_catalogue
from kruispunt.vocabulary import BASE_YEAR
from tests.catalogue.conftest import read_rows, write_rows
from tests.catalogue.test_checks import find, problems_of, sole_problem

DOW_2022 = 3_493_676
"""EUTL verified emissions 2022 of Dow Benelux BKG 1 (installation 407), the whole Dow
Terneuzen site since the 2021 permit consolidation (eutl_nl)."""


def _plants(cat: Catalogue) -> tuple[pd.DataFrame, np.ndarray]:
    tables = Tables(cat)
    pb = build_plants(tables, build_routes(tables, np.arange(2025, 2051)))
    return pb.table, pb.plants.base_emissions


def test_three_crackers_reproduce_dows_verified_total(cat: Catalogue) -> None:
    """Dow Terneuzen's three crackers at 85 % of nameplate and the site's other units carry the
    site's 2022 EUTL total to the tonne.

    Hand computation (SITES.md, rule U4; sources assumption_cracker_utilisation,
    kruispunt_unit_split_cracker_nameplate, eutl_nl): HVC capacities 1,573,715, 1,065,284 and
    1,377,826 t/yr (kruispunt_unit_capacity) x 0.85 = 1,337,657.75, 905,491.4 and 1,171,152.1 t;
    x 0.77227 tCO2/t (naphtha_steam_cracker) = 1,033,032.95, 699,283.84 and 904,445.63 t; over
    the 2022 site total of 3,493,676 t: shares 0.295687, 0.200157, 0.258881 (6 decimals); the
    process_heat_low row (derivative units, the rest of ELSTA) takes 1 - 0.754725 = 0.245275.
    """
    table, emitted = _plants(cat)
    dow = (table["site_id"] == "dow_terneuzen").to_numpy()
    assert list(table.loc[dow, "unit_id"]) == ["lhc1", "lhc2", "lhc3", "main"]
    assert list(table.loc[dow, "product_id"]) == ["hvc"] * 3 + ["process_heat_low"]
    assert emitted[dow] == pytest.approx(
        [DOW_2022 * s for s in (0.295687, 0.200157, 0.258881, 0.245275)], rel=1e-12
    )
    assert emitted[dow].sum() == pytest.approx(DOW_2022, abs=1e-6)


def test_crackers_run_at_85_percent_of_nameplate(cat: Catalogue) -> None:
    """Every Dutch cracker's base-year production is 85 % of its nameplate HVC capacity
    (assumption_cracker_utilisation), and its emissions on today's route are its verified share,
    so the emission calibration factor is 1: the site's derivative units and utilities are no
    longer counted as cracker output.

    Hand computation for Shell Moerdijk (MIDDEN 2,180 kt HVC/yr, midden_pcd): 2,180,000 x 0.85
    = 1,853,000 t HVC (was 2,785,804 / 0.77227 = 3,607,293 t, 165 % of nameplate); x 0.77227 =
    1,431,016.31 t CO2 = 0.513682 of the site's 2,785,804 t; the process_heat_low rows take
    0.486318 = 1,354,787.69 t, of which the steam the new furnaces free (Skyline, rule U5)
    0.1 and the other units 0.386318.
    """
    tables = Tables(cat)
    pb = build_plants(tables, build_routes(tables, np.arange(2025, 2051)))
    table, plants = pb.table, pb.plants
    hvc = (table["product_id"] == "hvc").to_numpy()
    assert plants.base_production[hvc] == pytest.approx(0.85 * plants.capacity[hvc], rel=1e-12)
    moerdijk = (table["site_id"] == "shell_moerdijk").to_numpy()
    assert plants.base_production[moerdijk & hvc] == pytest.approx([1_853_000.0])
    assert plants.base_emissions[moerdijk] == pytest.approx(
        [2_785_804 * 0.513682, 2_785_804 * 0.386318, 2_785_804 * 0.1], rel=1e-12
    )
    assert plants.base_emissions[moerdijk & hvc] == pytest.approx([1_431_016.31], abs=2.0)
    running = hvc & (plants.base_production > 0)
    calib = plants.base_emissions[running] / (0.77227 * plants.base_production[running])
    assert calib == pytest.approx(1.0, abs=1e-5)


def test_every_split_site_reproduces_its_verified_total(cat: Catalogue) -> None:
    """Every site, split or not, keeps its 2022 EUTL total: the base year reconciles exactly.

    Yara Sluiskil is the case with a zero: ammonia C was idle through 2022 (trouw_yara_2021,
    nu_yara_2022), so D and E carry the 2,749,881 t (0.485268 / 0.514732)."""
    table, emitted = _plants(cat)
    inst = cat.installations[cat.installations["included"]]
    years = cat.installation_years
    base = years[years["year"] == BASE_YEAR].merge(inst[["installation_id", "site_id"]])
    verified = base.groupby("site_id")["verified_emissions"].sum()
    modelled = pd.Series(emitted, index=table["site_id"].to_numpy()).groupby(level=0).sum()
    pd.testing.assert_series_equal(
        modelled.sort_index(),
        verified.reindex(modelled.index).fillna(0.0).sort_index(),
        check_names=False,
        rtol=1e-12,
    )
    yara = table["site_id"] == "yara_sluiskil"
    assert list(table.loc[yara, "unit_id"]) == ["ammonia_c", "ammonia_d", "ammonia_e"]
    assert list(emitted[yara.to_numpy()]) == pytest.approx(
        [0.0, 2_749_881 * 0.485268, 2_749_881 * 0.514732]
    )


def test_account_shares_follow_the_stated_rule(cat: Catalogue) -> None:
    """The Chemelot ammonia shares are the 2018-2020 account means of the package's own
    installation_years (rule U1 of SITES.md), to the six decimals written; the crackers follow
    rule U4 (85 % of nameplate x 0.77227 tCO2/t over the site's 2022 total).

    Chemelot: OCI's AFA-2 = BKG 03 (204627, mean 878,839 t) + half of OCI's BKG 05-07; the
    site's 14 accounts average 4,648,114 t; AFA-2 = 0.193808, ammonia together 0.387655
    (against 0.303874 before, which assumed 550 kt at capacity)."""
    years = cat.installation_years
    window = years[years["year"].between(2018, 2020)]
    mean = window.groupby("installation_id")["verified_emissions"].sum() / 3
    sp = cat.site_products.set_index(["site_id", "unit_id"])["emission_share"]
    cap = cat.site_products.set_index(["site_id", "unit_id"])["capacity"].astype(float)
    for unit in ("lhc1", "lhc2", "lhc3"):  # rule U4: 85 % of nameplate x 0.77227 / site total
        share = cap[("dow_terneuzen", unit)] * 0.85 * 0.77227 / DOW_2022
        assert sp[("dow_terneuzen", unit)] == pytest.approx(share, abs=1e-6)
    chemelot = cat.installations.loc[cat.installations["site_id"] == "chemelot", "installation_id"]
    site = mean.reindex(chemelot).fillna(0.0).sum()
    oci_other = mean[[204629, 204630, 204631]].sum() / 2
    assert sp[("chemelot", "oci_afa2")] == pytest.approx(
        (mean[204627] + oci_other) / site, abs=1e-6
    )
    ammonia = sp[("chemelot", "oci_afa2")] + sp[("chemelot", "oci_afa3")]
    assert ammonia == pytest.approx(0.387655, abs=1e-6)
    assert sp[("chemelot", "sabic_olefins3")] / sp[("chemelot", "sabic_olefins4")] == (
        pytest.approx(550 / 675, rel=1e-5)
    )


def test_plant_ids_name_the_unit_only_where_a_site_has_several(cat: Catalogue) -> None:
    table, _ = _plants(cat)
    labels = set(table["label"])
    assert {"tata_steel_ijmuiden/crude_steel/bf6", "tata_steel_ijmuiden/crude_steel/bf7"} <= labels
    assert "shell_pernis/refinery_throughput" in labels
    assert "shell_pernis/refinery_throughput/main" not in labels
    assert len(labels) == len(table) == len(cat.site_products)


def test_reinvestment_years_belong_to_units(cat: Catalogue) -> None:
    """BF6 2035 (anp_tata_bf_2024), BF7 2029 (rd_tata_plan_2023); 0 where none is sourced."""
    tables = Tables(cat)
    pb = build_plants(tables, build_routes(tables, np.arange(2025, 2051)))
    years = dict(zip(pb.table["label"], pb.plants.reinvestment_year, strict=True))
    assert years["tata_steel_ijmuiden/crude_steel/bf6"] == 2035
    assert years["tata_steel_ijmuiden/crude_steel/bf7"] == 2029
    assert years["shell_pernis/refinery_throughput"] == 0
    assert "reinvestment_year" not in cat.sites.columns


def test_money_rows_add_up_to_the_decisions(cat: Catalogue) -> None:
    """Payment rows of an award add up to its sourced total in the award's euro: Nobian at
    most EUR 185 M over three sites, 2025-2029 (rijksoverheid_nobian_2024); Yara's one-off EUR
    30 M (seaport_yara_2023). The Porthos SDE++ award has no payment rows: it is paid by the
    SDE++ rule on its parties' capture (its four party rows from 2027, its terms in
    policy.csv: EUR 2.1 bn at most, 80 EUR/t base amount, 2.5 Mt/yr; porthos_sde_2021)."""
    ev = cat.events
    # the catalogue holds money in euro of 2025: back to each row's own currency year
    cpi = cat.deflators.set_index("year")["value"]
    paid = ev.dropna(subset=["public_money"])
    nominal = paid["public_money"] * paid["currency_year"].astype(int).map(cpi) / 100.0
    money = nominal.groupby(paid["event_id"]).sum()
    assert "porthos_sde_2020" not in money
    assert money["nobian_maatwerk_2024"] == pytest.approx(185e6, abs=15)
    assert money["yara_ccs_contribution_2023"] == pytest.approx(30e6, abs=1)
    parties = ev[(ev["event_id"] == "porthos_sde_2020") & ev["site_id"].notna()]
    assert sorted(parties["site_id"]) == [
        "air_liquide_botlek",
        "air_products_botlekweg",
        "esso_botlek",
        "shell_pernis",
    ]
    assert set(parties["year"]) == {2027}
    pol = cat.policy[cat.policy["instrument"] == "sde_pp"].set_index("parameter")
    # canonical euro of 2025: 2.1 bn and 80 EUR/t of 2021 times the 2021 -> 2025 deflator
    d = cpi[2025] / cpi[2021]
    assert pol.loc["porthos_max_total", "value"] == pytest.approx(2.1e9 * d)
    assert pol.loc["porthos_base_amount", "value"] == pytest.approx(80.0 * d)
    assert pol.loc["porthos_volume", "value"] == pytest.approx(2.5e6)
    assert (ev.loc[ev["public_money"].notna(), "currency_year"].notna()).all()


def test_industry_target_is_the_2024_figure(cat: Catalogue) -> None:
    """29.1 Mt in 2030 (pbl_ces3_reflectie_2024), whole industry; the 2019 35.7 Mt is kept apart."""
    pol = cat.policy[cat.policy["instrument"] == "targets"].set_index(["parameter", "year"])
    assert pol.loc[("industry_emissions_target", 2030), "value"] == pytest.approx(
        29.1
    )  # canonical Mt/yr
    assert pol.loc[("industry_emissions_target_2019", 2030), "value"] == pytest.approx(35.7)
    assert "scope" in str(pol.loc[("industry_emissions_target", 2030), "note"])


# --- checks -----------------------------------------------------------------------------------


def _event(**changes: str) -> Callable[[dict[str, str]], bool]:
    return lambda r: all(r[k] == v for k, v in changes.items())


def test_event_with_unknown_site_unit_or_route_is_refused(
    package_copy: Path, edit_cell: Callable[..., int]
) -> None:
    site = edit_cell("events", "site_id", "atlantis", _event(event_id="gunvor_closure_2024"))
    unit = edit_cell("events", "unit_id", "lhc9", _event(event_id="dow_lhc3_idling_2025"))
    route = edit_cell("events", "route_id", "warp_drive", _event(event_id="yara_ccs_2026"))
    wrong = edit_cell(
        "events", "route_id", "electrolysis", _event(event_id="tata_bf7_dri_eaf_2030")
    )
    problems = problems_of(package_copy)
    p = find(problems, "check_foreign_keys", "events.csv", "site_id", site)
    assert "unknown site id 'atlantis'" in p.message
    p = find(problems, "check_events", "events.csv", "unit_id", unit)
    assert p.message == "no unit 'lhc9' of plant dow_terneuzen/hvc in site_products.csv"
    find(problems, "check_foreign_keys", "events.csv", "route_id", route)
    p = find(problems, "check_events", "events.csv", "route_id", wrong)
    assert p.message == "route 'electrolysis' makes 'hydrogen', not 'crude_steel'"


def test_event_rules(package_copy: Path, edit_cell: Callable[..., int]) -> None:
    """A siteless row is public money only; a route_change names its route; money needs its
    currency year; one state event per plant and year."""
    no_site = edit_cell("events", "site_id", "", _event(event_id="sabic_olefins3_closure_2024"))
    no_route = edit_cell("events", "route_id", "", _event(event_id="air_products_ccs_2027"))
    no_year = edit_cell("events", "currency_year", "", _event(event_id="owe_2023", year="2025"))
    wrong_product = edit_cell("events", "product_id", "ammonia", _event(event_id="dow_eop_2022"))
    problems = problems_of(package_copy)
    find(problems, "check_events", "events.csv", "site_id", no_site)
    find(problems, "check_events", "events.csv", "route_id", no_route)
    find(problems, "check_events", "events.csv", "currency_year", no_year)
    p = find(problems, "check_events", "events.csv", "product_id", wrong_product)
    assert p.message == "no plant dow_terneuzen/ammonia in site_products.csv"


def test_two_route_changes_of_one_plant_in_one_year_are_refused(
    package_copy: Path, edit_cell: Callable[..., int]
) -> None:
    """A plant runs one route from a year: a second route change of the same plant and year
    is a data error naming the row and the first (Holland Hydrogen 1's investment row made a
    route change in the year of its route change)."""
    hh1 = _event(event_id="shell_pernis_hh1_2022")
    first = edit_cell("events", "kind", "route_change", hh1)
    edit_cell("events", "route_id", "refinery_ccs_h2units", hh1)
    edit_cell("events", "year", "2027", hh1)
    second = edit_cell("events", "kind", "route_change", _event(event_id="shell_pernis_hh1_2027"))
    p = find(problems_of(package_copy), "check_events", "events.csv", "kind", second)
    assert p.message.startswith(f"a second route change of the same plant in 2027 (line {first})")


def test_capture_before_its_sites_storage_contract_is_refused(
    package_copy: Path, edit_cell: Callable[..., int]
) -> None:
    """A decided capture project cannot start before its site's storage contract: with Air
    Products' Porthos contract moved to 2028, its commitment and its decided route change
    (both 2027) are refused, naming the year, the project and the contract's line; Yara's
    2026 capture with Northern Lights from 2026 is not (as the data had Porthos's customers
    capturing in 2026 before Porthos moved to 2027, the check that would have caught it)."""
    contract, commitment = _capture_case(package_copy, edit_cell)
    event = edit_cell("events", "year", "2027", _event(event_id="air_products_ccs_2027"))
    problems = problems_of(package_copy)
    for file, field, line in (
        ("commitments.csv", "start_year", commitment),
        ("events.csv", "year", event),
    ):
        p = find(problems, "check_capture_has_its_store", file, field, line)
        assert p.message == (
            "route 'smr_ccs' captures CO2 from 2027, before the site's storage contract with "
            f"porthos starts (2028, storage_contracts.csv line {contract}): start it with its "
            "store"
        )
    assert len([p for p in problems if p.check == "check_capture_has_its_store"]) == 2


def test_campaign_names_its_product(package_copy: Path, edit_cell: Callable[..., int]) -> None:
    """A campaign holds a plant on its route: the row names the plant's product."""
    line = edit_cell("events", "product_id", "", _event(event_id="tata_bf6_reline_campaign"))
    p = find(problems_of(package_copy), "check_events", "events.csv", "product_id", line)
    assert p.message == "a campaign names the plant's product"


def test_event_to_a_site_limited_route_elsewhere_is_refused(
    package_copy: Path, edit_cell: Callable[..., int]
) -> None:
    """A route change to an MVR route at a site route_sites.csv does not name is a data
    error, with file, line and field (the plant would not have the route among its options)."""
    line = edit_cell(
        "events",
        "route_id",
        "mvr_salt_low",
        lambda r: (
            r["event_id"] == "nobian_electric_salt_2030" and r["site_id"] == "nobian_delfzijl"
        ),
    )
    p = find(problems_of(package_copy), "check_events", "events.csv", "route_id", line)
    assert "open only to the sites of route_sites.csv" in p.message
    assert "nobian_hengelo" in p.message and "'nobian_delfzijl'" in p.message


def test_event_to_a_unit_limited_route_names_that_unit(
    package_copy: Path, edit_cell: Callable[..., int]
) -> None:
    """bought_heat_low is open to one unit of LyondellBasell Botlek (route_sites.csv names
    the unit): a route change of the site's other unit, or of all its units (no unit named),
    is a data error naming the unit the route is open to."""
    botlek = _event(event_id="botlek_steam_network_2026")
    other = edit_cell("events", "unit_id", "own_boilers", botlek)
    p = find(problems_of(package_copy), "check_events", "events.csv", "route_id", other)
    assert p.message == (
        "route 'bought_heat_low' is open only to the sites of route_sites.csv "
        "(lyondell_botlek/steam_network), not 'lyondell_botlek/own_boilers'"
    )
    edit_cell("events", "unit_id", "", botlek)
    p = find(problems_of(package_copy), "check_events", "events.csv", "route_id", other)
    assert p.message.endswith("not 'lyondell_botlek'")


def test_route_sites_name_a_plant_of_the_route(
    package_copy: Path, edit_cell: Callable[..., int]
) -> None:
    """A route_sites.csv row names a site with a plant of the route's product and, where it
    names a unit, one of that plant's units."""
    unit = edit_cell("route_sites", "unit_id", "boiler9", _event(route_id="bought_heat_low"))
    site = edit_cell(
        "route_sites", "site_id", "tata_steel_ijmuiden", _event(route_id="mvr_salt_low")
    )
    problems = problems_of(package_copy)
    p = find(problems, "check_route_sites", "route_sites.csv", "unit_id", unit)
    assert p.message == "site 'lyondell_botlek' has no unit 'boiler9' of process_heat_low"
    p = find(problems, "check_route_sites", "route_sites.csv", "site_id", site)
    assert p.message == "site 'tata_steel_ijmuiden' has no plant of process_heat_low"


def test_a_followed_price_is_whole_and_not_chained(
    package_copy: Path, edit_cell: Callable[..., int]
) -> None:
    """carriers.csv: price_follows, price_ratio and price_ratio_source come together; a
    carrier follows another carrier, one with a price of its own."""
    heat = edit_cell("carriers", "price_ratio_source", "", _event(carrier_id="heat"))
    for field, value in (
        ("price_follows", "heat"),
        ("price_ratio", "1"),
        ("price_ratio_source", "derived_heat_price"),
    ):
        power = edit_cell("carriers", field, value, _event(carrier_id="electricity"))
        coal = edit_cell(
            "carriers",
            field,
            "coal" if field == "price_follows" else value,
            _event(carrier_id="coal"),
        )
    problems = problems_of(package_copy)
    p = find(problems, "check_price_follows", "carriers.csv", "price_ratio_source", heat)
    assert p.message == (
        "carrier 'heat' gives price_follows, price_ratio without price_ratio_source: "
        "give all three or none"
    )
    p = find(problems, "check_price_follows", "carriers.csv", "price_follows", power)
    assert p.message == (
        "carrier 'electricity' follows 'heat', which itself follows 'natural_gas': "
        "follow a carrier with its own price"
    )
    p = find(problems, "check_price_follows", "carriers.csv", "price_follows", coal)
    assert p.message == "carrier 'coal' follows its own price"


def test_a_cbam_carrier_with_embedded_emissions_names_its_good(
    package_copy: Path, edit_cell: Callable[..., int]
) -> None:
    """Without its good (or a benchmark of its own) an imported CBAM carrier pays on all its
    embedded emissions: grey ammonia did. A good on a carrier that is no CBAM good is an
    error too."""
    grey = edit_cell("carriers", "cbam_good", "", _event(carrier_id="ammonia_import_grey"))
    gas = edit_cell("carriers", "cbam_good", "ammonia", _event(carrier_id="natural_gas"))
    problems = problems_of(package_copy)
    p = find(problems, "check_cbam_good", "carriers.csv", "cbam_good", grey)
    assert p.message == (
        "CBAM carrier 'ammonia_import_grey' has embedded emissions but no good (cbam_good) "
        "and no cbam.benchmark_ammonia_import_grey row: its imports would get no "
        "free-allocation adjustment"
    )
    p = find(problems, "check_cbam_good", "carriers.csv", "cbam_good", gas)
    assert p.message == "carrier 'natural_gas' names a CBAM good but is not a CBAM carrier"
    assert len([q for q in problems if q.check == "check_cbam_good"]) == 2


def test_a_cbam_carriers_good_is_a_cbam_product(
    package_copy: Path, edit_cell: Callable[..., int]
) -> None:
    """The adjustment is the good's CBAM benchmark (or its fallback): a good that products.csv
    does not mark as a CBAM good has none to give."""
    row = edit_cell("carriers", "cbam_good", "glass", _event(carrier_id="ammonia_import"))
    problems = problems_of(package_copy)
    p = find(problems, "check_cbam_good", "carriers.csv", "cbam_good", row)
    assert p.message == (
        "carrier 'ammonia_import' names 'glass' as its CBAM good, but products.csv does not "
        "mark that product cbam true"
    )
    assert len([q for q in problems if q.check == "check_cbam_good"]) == 1


def test_a_grid_zone_names_a_zone_with_room_rows(
    package_copy: Path, edit_cell: Callable[..., int]
) -> None:
    """sites.csv grid_zone names a grid project with room rows under the site's own cluster
    or under one other cluster (a Zeeland site on Cluster 6's Noord-Brabant zone is one), and
    a zone has a site."""
    wrong = edit_cell("sites", "grid_zone", "tennet_nowhere", _event(site_id="yara_sluiskil"))
    for site in ("agristo_tilburg", "ardagh_glass_dongen"):
        edit_cell("sites", "grid_zone", "", _event(site_id=site))
    problems = problems_of(package_copy)
    p = find(problems, "check_grid_zones", "sites.csv", "grid_zone", wrong)
    assert p.message == (
        "grid zone 'tennet_nowhere' has no grid_capacity_new_load rows in infrastructure.csv "
        "(site of cluster 'zeeland')"
    )
    # the Zeeland cluster's sites in Noord-Brabant name Cluster 6's zone: no problem
    assert [q for q in problems if q.check == "check_grid_zones"] == [p]
    path = package_copy / "sites.csv"
    header, rows = read_rows(path)
    for r in rows:
        r["grid_zone"] = ""
    write_rows(path, header, rows)
    problems = problems_of(package_copy)
    zone = sorted(q.message for q in problems if q.check == "check_grid_zones")
    assert zone == [
        "grid zone 'port_of_moerdijk' of cluster 'rotterdam_moerdijk' has no site",
        "grid zone 'tennet_groningen' of cluster 'cluster6' has no site",
        "grid zone 'tennet_midden_zuid_limburg' of cluster 'cluster6' has no site",
        "grid zone 'tennet_noord_brabant' of cluster 'cluster6' has no site",
        "grid zone 'tennet_noord_limburg' of cluster 'cluster6' has no site",
        "grid zone 'tennet_utrecht_gelderland_flevopolder' of cluster 'cluster6' has no site",
        "grid zone 'tennet_zuid_holland' of cluster 'cluster6' has no site",
    ]
    assert {q.field for q in problems if q.check == "check_grid_zones"} == {"project"}


def test_second_state_event_in_a_year_is_refused(package_copy: Path) -> None:
    path = package_copy / "events.csv"
    header, rows = read_rows(path)
    closure = next(r for r in rows if r["event_id"] == "dow_lhc3_idling_2025")
    rows.append(closure | {"event_id": "zz_dow_lhc3_restart_2025", "kind": "restart"})
    write_rows(path, header, rows)
    p = find(problems_of(package_copy), "check_events", "events.csv", "kind", len(rows) + 1)
    assert "second closure, idling or restart" in p.message


def test_main_unit_must_be_alone_and_commitments_name_a_unit(
    package_copy: Path, edit_cell: Callable[..., int]
) -> None:
    main = edit_cell("site_products", "unit_id", "main", _event(unit_id="lhc2"))
    com = edit_cell("commitments", "unit_id", "smr9", _event(site_id="air_liquide_botlek"))
    problems = problems_of(package_copy)
    p = find(problems, "check_plant_units", "site_products.csv", "unit_id", main)
    assert "dow_terneuzen/hvc has 3 units" in p.message
    p = find(problems, "check_commitments", "commitments.csv", "unit_id", com)
    assert p.message == "no unit 'smr9' of plant air_liquide_botlek/hydrogen in site_products.csv"


def test_two_units_of_a_product_are_named_both(
    package_copy: Path, edit_cell: Callable[..., int]
) -> None:
    """Air Liquide Botlek has two hydrogen units: one of them called 'main' is refused."""
    line = edit_cell("site_products", "unit_id", "main", _event(unit_id="botlek_smr_atr"))
    rehash_package(package_copy)
    p = sole_problem(package_copy, "check_plant_units", "site_products.csv", "unit_id", line)
    assert p.message == (
        "unit 'main' is a site's only unit of a product, but air_liquide_botlek/hydrogen has "
        "2 units: name each"
    )


@pytest.mark.parametrize(("commissioned", "refused"), [("2029", False), ("2030", True)])
def test_a_unit_is_reinvested_in_no_earlier_than_its_commissioning(
    package_copy: Path, edit_cell: Callable[..., int], commissioned: str, refused: bool
) -> None:
    """Blast furnace 7's reinvestment decision is due in 2029: commissioned in 2029 it may
    be (the same year), in 2030 it may not."""
    line = edit_cell("site_products", "commissioning_year", commissioned, _event(unit_id="bf7"))
    rehash_package(package_copy)
    if not refused:
        plants = load_catalogue(package_copy).site_products
        bf7 = plants[plants["unit_id"] == "bf7"].iloc[0]
        assert (bf7["commissioning_year"], bf7["reinvestment_year"]) == (2029, 2029)
        return
    p = sole_problem(
        package_copy, "check_plant_units", "site_products.csv", "reinvestment_year", line
    )
    assert p.message == "reinvestment year 2029 is before the commissioning year 2030"


def test_one_state_event_a_year_is_per_plant_and_per_year(package_copy: Path) -> None:
    """Dow's cracker 3 idled in 2025 may restart in 2026, and cracker 1 may idle in 2025 too:
    'at most one a year' is per unit and per year."""
    path = package_copy / "events.csv"
    header, rows = read_rows(path)
    idling = next(r for r in rows if r["event_id"] == "dow_lhc3_idling_2025")
    rows.append(
        idling | {"event_id": "zz_dow_lhc3_restart_2026", "kind": "restart", "year": "2026"}
    )
    rows.append(idling | {"event_id": "zz_dow_lhc1_idling_2025", "unit_id": "lhc1"})
    write_rows(path, header, rows)
    rehash_package(package_copy)
    events = load_catalogue(package_copy).events
    assert {"zz_dow_lhc3_restart_2026", "zz_dow_lhc1_idling_2025"} <= set(events["event_id"])


def test_a_route_is_named_only_by_a_route_change(
    package_copy: Path, edit_cell: Callable[..., int]
) -> None:
    line = edit_cell("events", "route_id", "bf_bof", _event(event_id="gunvor_closure_2024"))
    rehash_package(package_copy)
    p = sole_problem(package_copy, "check_events", "events.csv", "route_id", line)
    assert p.message == "route_id is only for kind route_change, not 'closure'"


def _capture_case(package: Path, edit_cell: Callable[..., int]) -> tuple[int, int]:
    """Air Products' Porthos contract moved to 2028, its commitment to smr_ccs from 2027:
    (line of the contract, line of the commitment)."""
    contract = edit_cell(
        "storage_contracts",
        "start_year",
        "2028",
        lambda r: r["project"] == "porthos" and r["site_id"] == "air_products_botlekweg",
    )
    commitment = edit_cell(
        "commitments", "start_year", "2027", lambda r: r["site_id"] == "air_products_botlekweg"
    )
    return contract, commitment


def test_capture_waits_for_the_sites_first_contract_not_its_last(package_copy: Path) -> None:
    """With Porthos from 2027 and a second contract from 2031, the 2027 capture has a store."""
    path = package_copy / "storage_contracts.csv"
    header, rows = read_rows(path)
    porthos = next(r for r in rows if r["site_id"] == "air_products_botlekweg")
    rows.append(porthos | {"project": "aramis", "start_year": "2031"})
    write_rows(path, header, rows)
    rehash_package(package_copy)
    contracts = load_catalogue(package_copy).storage_contracts
    assert len(contracts[contracts["site_id"] == "air_products_botlekweg"]) == 2


def test_any_capture_rate_above_0_needs_the_store_but_not_an_announcement(
    package_copy: Path, edit_cell: Callable[..., int]
) -> None:
    """smr_ccs capturing 30 % instead of 90 % still needs its store from its first year; an
    announced route change (not decided) is not refused, the decided commitment is."""
    contract, commitment = _capture_case(package_copy, edit_cell)
    edit_cell(
        "route_parameters", "value", "0.3", _event(route_id="smr_ccs", parameter="capture_rate")
    )
    edit_cell("events", "year", "2027", _event(event_id="air_products_ccs_2027"))
    edit_cell("events", "status", "announced", _event(event_id="air_products_ccs_2027"))
    rehash_package(package_copy)
    problems = problems_of(package_copy)
    assert [(Path(p.file).name, p.row, p.field, p.message) for p in problems] == [
        (
            "commitments.csv",
            commitment,
            "start_year",
            "route 'smr_ccs' captures CO2 from 2027, before the site's storage contract with "
            f"porthos starts (2028, storage_contracts.csv line {contract}): start it with its "
            "store",
        )
    ]


def test_base_electricity_may_be_all_of_the_routes_electricity(
    package_copy: Path, edit_cell: Callable[..., int]
) -> None:
    """'At most the route's electricity': equal to it (0.894121 GJ/GJ in 2030) loads."""
    edit_cell(
        "route_parameters",
        "value",
        "0.894121",
        _event(route_id="heat_pump_hybrid_low", parameter="base_electricity", year="2030"),
    )
    rehash_package(package_copy)
    rp = load_catalogue(package_copy).route_parameters
    row = rp[(rp["route_id"] == "heat_pump_hybrid_low") & (rp["parameter"] == "base_electricity")]
    assert row.loc[row["year"] == 2030, "value"].tolist() == [0.894121]


def test_cli_names_file_line_and_field_of_a_bad_event(
    package_copy: Path, edit_cell: Callable[..., int]
) -> None:
    line = edit_cell("events", "unit_id", "bf8", _event(event_id="tata_jloi_2025", year="2025"))
    proc = subprocess.run(
        [sys.executable, "-m", "kruispunt", "data", "validate", str(package_copy)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert f"events.csv, line {line}, field 'unit_id'" in proc.stderr
    assert "no unit 'bf8' of plant tata_steel_ijmuiden/crude_steel" in proc.stderr


def test_base_electricity_is_a_flexible_load_s_and_within_its_electricity(
    package_copy: Path, edit_cell: Callable[..., int]
) -> None:
    """route_parameters.csv: base_electricity (a heat pump beside a hybrid boiler) is given
    only on a flexible load, and in a year route_inputs.csv gives, at most the route's
    electricity on power (0.894121 GJ/GJ for heat_pump_hybrid_low in 2030)."""
    above = edit_cell(
        "route_parameters",
        "value",
        "0.9",
        _event(route_id="heat_pump_hybrid_low", parameter="base_electricity", year="2030"),
    )
    flat = edit_cell(
        "route_parameters",
        "value",
        "0",
        _event(route_id="heat_pump_hybrid_low_food", parameter="flexible_load"),
    )
    problems = problems_of(package_copy)
    p = find(problems, "check_base_electricity", "route_parameters.csv", "value", above)
    assert p.message == (
        "route 'heat_pump_hybrid_low' has base_electricity 0.9 above its electricity in "
        "route_inputs.csv in 2030 (0.894121), which includes it"
    )
    food = [p for p in problems if p.check == "check_base_electricity" and p.row != above]
    assert len(food) == 4 and flat not in {p.row for p in food}  # its four years
    assert all(
        "'heat_pump_hybrid_low_food' gives base_electricity but is not" in p.message for p in food
    )


def test_the_price_duration_curve_makes_up_a_year_averaging_one(package_copy: Path) -> None:
    """electricity_profile.csv: its ten bands hold 8,760 h at an hours-weighted mean relative
    price of 0.999996. Without its last band (760 h at 2.0464) the hours fall short; with the
    first band's 500 h put into the second band (1,000 h at 0.0266 and none at -0.1628) the
    hours make up the year but the mean is (8,760 x 0.999996 + 500 x 0.1628 + 500 x 0.0266)
    / 8,760 = 1.0108; with no band at all the assembly used to fail with a traceback."""
    path = package_copy / "electricity_profile.csv"
    header, rows = read_rows(path)
    assert sum(float(r["hours"]) for r in rows) == 8760.0
    file = "electricity_profile.csv"

    def refused(bands: list[dict[str, str]], field: str | None) -> str:
        write_rows(path, header, bands)
        rehash_package(package_copy)
        return sole_problem(package_copy, "check_electricity_profile", file, field).message

    message = refused(rows[:-1], "hours")
    assert message.startswith("the bands' hours sum to 8,000; they must make up one year")
    moved = [dict(r) for r in rows]
    moved[1]["hours"] = "1000"
    assert "weighted mean of the relative prices is 1.0108;" in refused(moved[1:], "relative_price")
    assert refused([], None).startswith("the price-duration curve has no band")
    write_rows(path, header, rows)
    rehash_package(package_copy)
    load_catalogue(package_copy)  # the curve as built passes


@pytest.mark.parametrize("table", ["events", "commitments"])
def test_a_table_of_decided_projects_may_have_no_rows(package_copy: Path, table: str) -> None:
    """A copy with no events (or no commitments) is a package without decided projects: the
    check that a capture starts with its store raised a TypeError on the empty table (an
    empty column of text compared with years) and ``data validate`` printed a traceback.
    Without events the three sites that did not run in 2022 are no longer stopped, which
    ``check_idle_base_year`` refuses, naming each; nothing else is wrong."""
    from kruispunt.catalogue.checks import check_capture_has_its_store
    from kruispunt.catalogue.raw import read_raw

    path = package_copy / f"{table}.csv"
    header, _ = read_rows(path)
    write_rows(path, header, [])
    rehash_package(package_copy)
    assert check_capture_has_its_store(read_raw(package_copy)) == []
    if table == "commitments":
        assert len(load_catalogue(package_copy)[table]) == 0
        return
    problems = problems_of(package_copy)
    assert {p.check for p in problems} == {"check_idle_base_year"}
    assert sorted(p.message.split("'")[1] for p in problems) == [
        "asfaltnu_zwijndrecht",
        "biomethanol_delfzijl",
        "grasdrogerij_hartog_lambertschaag",
    ]


def test_a_nace_code_is_written_as_the_registry_writes_it(
    package_copy: Path, edit_cell: Callable[..., int]
) -> None:
    """branch_profits.csv, tax_exemptions.csv, ikc_sectors.csv and ikc_baselines.csv: a code
    with a space, a name, a dash for the dot, or (for a branch's ratio or an exemption) one
    no installation has (no plant would match it) is refused, naming the file and line (the
    package's own rows pass: test_embedded_package_is_valid); 'any' only where an exemption
    covers every plant."""
    bad = {  # (table, the row's code) -> (the code written in its place, the message's start)
        ("branch_profits", "17"): (" 17", "' 17' is not a NACE code"),
        ("branch_profits", "10.5"): ("dairy", "'dairy' is not a NACE code"),
        ("branch_profits", "20"): (
            "99.9",
            "no installation of the package has a NACE code starting with '99.9'",
        ),
        ("tax_exemptions", "23"): ("23-1", "'23-1' is not a NACE code as the registry writes it"),
        ("tax_exemptions", "24"): (
            "99",
            "no installation of the package has a NACE code starting with '99'",
        ),
        ("ikc_sectors", "17.11"): ("17.1 1", "'17.1 1' is not a NACE code"),
        ("ikc_baselines", "20.15"): ("any", "'any' is not a NACE code"),
    }
    lines = {
        key: edit_cell(key[0], "nace", value, _event(nace=key[1]))
        for key, (value, _) in bad.items()
    }
    problems = problems_of(package_copy)
    for key, (_, message) in bad.items():
        p = find(problems, "check_nace_codes", f"{key[0]}.csv", "nace", lines[key])
        assert p.message.startswith(message)
    line = lines[("tax_exemptions", "23")]
    assert find(problems, "check_nace_codes", "tax_exemptions.csv", "nace", line).message.endswith(
        ", or 'any'"
    )


def test_a_grid_zone_under_two_clusters_is_refused(package_copy: Path) -> None:
    """A zone is one grid, its room rows under one cluster (sites of other clusters name it
    in sites.csv): rows of the same zone under a second cluster are refused once, at that
    cluster's first row, naming both; the sites naming it are not refused for it."""
    path = package_copy / "infrastructure.csv"
    header, rows = read_rows(path)
    brabant = [
        r
        for r in rows
        if r["project"] == "tennet_noord_brabant" and r["parameter"] == "grid_capacity_new_load"
    ]
    assert {r["cluster_id"] for r in brabant} == {"cluster6"} and len(brabant) == 4
    rows += [dict(r, cluster_id="zeeland") for r in brabant]
    write_rows(path, header, rows)
    problems = [q for q in problems_of(package_copy) if q.check == "check_grid_zones"]
    assert [(q.file.rsplit("/", 1)[-1], q.row, q.field) for q in problems] == [
        ("infrastructure.csv", len(rows) - len(brabant) + 2, "cluster_id")
    ]
    assert problems[0].message == (
        "grid zone 'tennet_noord_brabant' has grid_capacity_new_load rows under clusters "
        "'cluster6' and 'zeeland': a zone is one grid, under one cluster (a site of another "
        "cluster names it in sites.csv)"
    )
