"""Check the curated site tables and print the 2022 emission figures they imply.

Run from anywhere:  python data/curated/check_sites.py  (with the project venv)

Checks installation_sites.csv, sites.csv, site_products.csv (plants at unit level), events.csv
and sources/sites.csv against the vendored EUTL, NACE, Hotmaps and PyPSA files and the shared id
tables (clusters, sectors, products, sources/*.csv). Recomputes every unit's emission share
from the EUTL accounts of 2018-2020 (SITES.md, rule U1) or, for the crackers, from 85 % of
their nameplate (rule U4). Exits with status 1 and a list of
problems if any check fails; otherwise prints the figures (national, per cluster, per sector,
top 15 sites, units of the multi-unit sites, events, exclusions).
"""

from __future__ import annotations

import re
import sys
from decimal import Decimal
from pathlib import Path

import pandas as pd

CURATED = Path(__file__).resolve().parent
RAW = CURATED.parent / "raw"
BASE_YEAR = 2022
ID = re.compile(r"^[a-z0-9_]+$")
RULES = (
    "industrial",
    "serves_site_offgas",
    "serves_site_chp",
    "excluded_power",
    "excluded_waste",
    "excluded_extraction",
    "excluded_non_industrial",
    "excluded_closed",
)
INCLUDED_RULES = RULES[:3]
INCUMBENT = {
    "crude_steel": {"bf_bof"},
    "ammonia": {"smr_haber_bosch"},
    "hvc": {"naphtha_steam_cracker"},
    "refinery_throughput": {"refinery"},
    "hydrogen": {"smr"},
    "methanol": {"gas_methanol"},
    "chlorine": {"chlor_alkali_membrane"},
    "clinker": {"clinker_kiln"},
    "lime": {"lime_kiln"},
    "glass": {"gas_glass_furnace"},
    "ceramics": {"gas_ceramic_kiln"},
    "paper": {"paper_gas_steam"},
    "aluminium": {"aluminium_secondary_gas", "aluminium_primary_electrolysis"},
    "carbon_black": {"carbon_black_furnace"},
    "process_heat_low": {"gas_boiler_low"},
    "process_heat_medium": {"gas_furnace_medium"},
    "process_heat_high": {"gas_furnace_high"},
}
REQUIRED_SITES = (
    "tata_steel_ijmuiden",
    "shell_pernis",
    "chemelot",
    "dow_terneuzen",
    "yara_sluiskil",
    "esso_botlek",
    "shell_moerdijk",
    "bp_rotterdam",
    "zeeland_refinery",
)


def _municipalities(names: str) -> frozenset[str]:
    """A list of municipality names written with ``|`` between them (line breaks allowed)."""
    return frozenset(name.strip() for name in names.split("|"))


NOORD_BRABANT = _municipalities(
    """Alphen-Chaam|Altena|Asten|Baarle-Nassau|Bergeijk|Bergen op Zoom|Bernheze|Best|
    Bladel|Boekel|Boxtel|Breda|Cranendonck|Deurne|Dongen|Drimmelen|Eersel|Eindhoven|Etten-Leur|
    Geertruidenberg|Geldrop-Mierlo|Gemert-Bakel|Gilze en Rijen|Goirle|Halderberge|Heeze-Leende|
    Helmond|'s-Hertogenbosch|Heusden|Hilvarenbeek|Laarbeek|Land van Cuijk|Loon op Zand|Maashorst|
    Meierijstad|Moerdijk|Nuenen c.a.|Oirschot|Oisterwijk|Oosterhout|Oss|Reusel-De Mierden|
    Roosendaal|Rucphen|Sint-Michielsgestel|Someren|Son en Breugel|Steenbergen|Tilburg|
    Valkenswaard|Veldhoven|Vught|Waalre|Waalwijk|Woensdrecht|Zundert"""
)
"""The 56 municipalities of the province of Noord-Brabant (2025): a cluster6 or zeeland site in
one of them has grid_zone tennet_noord_brabant (TenneT's Noord-Brabant grid, not the province of
Zeeland's), a rotterdam_moerdijk site in Moerdijk port_of_moerdijk (SITES.md rule 5); the zones
of the other provinces follow (CLUSTER6_ZONES)."""
UTRECHT_GELDERLAND_FLEVOPOLDER = _municipalities(
    """Aalten|Apeldoorn|Arnhem|Barneveld|Berg en Dal|Berkelland|Beuningen|Bronckhorst|
    Brummen|Buren|Culemborg|Doesburg|Doetinchem|Druten|Duiven|Ede|Elburg|Epe|Ermelo|Harderwijk|
    Hattem|Heerde|Heumen|Lingewaard|Lochem|Maasdriel|Montferland|Neder-Betuwe|Nijkerk|Nijmegen|
    Nunspeet|Oldebroek|Oost Gelre|Oude IJsselstreek|Overbetuwe|Putten|Renkum|Rheden|Rozendaal|
    Scherpenzeel|Tiel|Voorst|Wageningen|West Betuwe|West Maas en Waal|Westervoort|Wijchen|
    Winterswijk|Zaltbommel|Zevenaar|Zutphen|
    Amersfoort|Baarn|Bunnik|Bunschoten|De Bilt|De Ronde Venen|Eemnes|Houten|IJsselstein|Leusden|
    Lopik|Montfoort|Nieuwegein|Oudewater|Renswoude|Rhenen|Soest|Stichtse Vecht|Utrecht|
    Utrechtse Heuvelrug|Veenendaal|Vijfheerenlanden|Wijk bij Duurstede|Woerden|Woudenberg|Zeist|
    Almere|Dronten|Lelystad|Zeewolde"""
)
"""The 51 municipalities of the province of Gelderland, the 26 of Utrecht (2025) and the 4 on the
Flevopolder (Zuidelijk and Oostelijk Flevoland): a cluster6 site in one of them has grid_zone
tennet_utrecht_gelderland_flevopolder, whose TenneT reinforcements are due in 2033 (SITES.md
rule 5)."""
GRONINGEN = _municipalities(
    """Eemsdelta|Groningen|Het Hogeland|Midden-Groningen|Oldambt|Pekela|Stadskanaal|
    Veendam|Westerkwartier|Westerwolde"""
)
"""The 10 municipalities of the province of Groningen (2025): a cluster6 site in one of them has
grid_zone tennet_groningen, TenneT's Groningen 110 kV grid, open to new connections from 2032
(SITES.md rule 5)."""
NOORD_LIMBURG = _municipalities(
    """Beesel|Bergen (L)|Gennep|Horst aan de Maas|Mook en Middelaar|Peel en Maas|Venlo|
    Venray"""
)
"""The 8 municipalities of Noord-Limburg (2025): a cluster6 site in one of them has grid_zone
tennet_noord_limburg, whose waiting list waits for TenneT's Boxmeer station, due in 2030 (SITES.md
rule 5)."""
MIDDEN_ZUID_LIMBURG = _municipalities(
    """Echt-Susteren|Leudal|Maasgouw|Nederweert|Roerdalen|Roermond|Weert|
    Beek|Beekdaelen|Brunssum|Eijsden-Margraten|Gulpen-Wittem|Heerlen|Kerkrade|Landgraaf|
    Maastricht|Meerssen|Simpelveld|Sittard-Geleen|Stein|Vaals|Valkenburg aan de Geul|
    Voerendaal"""
)
"""The 7 municipalities of Midden-Limburg and the 16 of Zuid-Limburg (2025): a cluster6 site in
one of them has grid_zone tennet_midden_zuid_limburg, whose waiting list waits for TenneT's
Graetheide 380 kV station, due in 2031-2034, as Chemelot's (SITES.md rule 5)."""
ZUID_HOLLAND = _municipalities(
    """Alblasserdam|Albrandswaard|Alphen aan den Rijn|Barendrecht|Bodegraven-Reeuwijk|
    Capelle aan den IJssel|Delft|Dordrecht|Goeree-Overflakkee|Gorinchem|Gouda|'s-Gravenhage|
    Hardinxveld-Giessendam|Hendrik-Ido-Ambacht|Hillegom|Hoeksche Waard|Kaag en Braassem|Katwijk|
    Krimpen aan den IJssel|Krimpenerwaard|Lansingerland|Leiden|Leiderdorp|Leidschendam-Voorburg|
    Lisse|Maassluis|Midden-Delfland|Molenlanden|Nieuwkoop|Nissewaard|Noordwijk|Oegstgeest|
    Papendrecht|Pijnacker-Nootdorp|Ridderkerk|Rijswijk|Rotterdam|Schiedam|Sliedrecht|Teylingen|
    Vlaardingen|Voorne aan Zee|Voorschoten|Waddinxveen|Wassenaar|Westland|Zoetermeer|
    Zoeterwoude|Zuidplas|Zwijndrecht"""
)
"""The 50 municipalities of the province of Zuid-Holland (2025): a cluster6 site in one of them
has grid_zone tennet_zuid_holland, whose grid expansions the grid operators expect in 2032-2035
(SITES.md rule 5)."""
DRECHTSTEDEN = frozenset({"Dordrecht", "Zwijndrecht"})
"""The rotterdam_moerdijk municipalities outside TenneT's port area of Nov 2022 (the Rotterdam
port, Voorne-Putten, Goeree-Overflakkee, Hoek van Holland, Hoogvliet) and inside Zuid-Holland's
congestion since Dec 2024: a rotterdam_moerdijk site there has grid_zone tennet_zuid_holland
(Alblasserdam, not congested in Dec 2024, keeps the cluster's pool; SITES.md rule 5)."""
CLUSTER6_ZONES = (
    ("tennet_noord_brabant", NOORD_BRABANT, 56),
    ("tennet_utrecht_gelderland_flevopolder", UTRECHT_GELDERLAND_FLEVOPOLDER, 51 + 26 + 4),
    ("tennet_groningen", GRONINGEN, 10),
    ("tennet_noord_limburg", NOORD_LIMBURG, 8),
    ("tennet_midden_zuid_limburg", MIDDEN_ZUID_LIMBURG, 7 + 16),
    ("tennet_zuid_holland", ZUID_HOLLAND, 50),
)
"""The grid zone of a cluster6 site by its municipality, with the number of municipalities each
list must hold; a rotterdam_moerdijk site in Moerdijk has port_of_moerdijk, and no other site has
a grid zone (SITES.md rule 5)."""
HEADERS = {
    "installation_sites.csv": ["installation_id", "site_id", "rule", "note"],
    "sites.csv": [
        "site_id",
        "name",
        "operator",
        "cluster_id",
        "grid_zone",
        "sector_id",
        "municipality",
        "latitude",
        "longitude",
        "coordinate_source",
        "hotmaps_site_id",
        "note",
    ],
    "site_products.csv": [
        "site_id",
        "product_id",
        "unit_id",
        "route_id",
        "capacity",
        "production",
        "unit",
        "capacity_source",
        "production_source",
        "emission_share",
        "emission_share_source",
        "commissioning_year",
        "commissioning_source",
        "reinvestment_year",
        "reinvestment_source",
        "operating_hours",
        "operating_hours_source",
        "note",
    ],
    "events.csv": [
        "event_id",
        "site_id",
        "product_id",
        "unit_id",
        "year",
        "kind",
        "route_id",
        "value",
        "unit",
        "public_money",
        "currency_year",
        "instrument",
        "status",
        "source",
        "note",
        "sde_terms",
    ],
    "sources/sites.csv": [
        "source_id",
        "title",
        "publisher",
        "year",
        "url",
        "licence",
        "kind",
        "note",
    ],
}
NL_BOX = (50.7, 53.6, 3.3, 7.3)  # lat min, lat max, lon min, lon max
ACCOUNT_YEARS = (2018, 2019, 2020)
ACCOUNT_SPLITS: dict[str, dict[str, list[int]]] = {
    # site -> unit -> the EUTL accounts (installation ids) that are the unit's own before the
    # 2021 permit consolidations (MIDDEN maps accounts to units). Every other account of the
    # site (utilities, other processes) follows the units in proportion to their own emissions.
    "yara_sluiskil": {"ammonia_d": [204691], "ammonia_e": [204692]},
    "air_liquide_botlek": {"botlek_smr_atr": [203881], "smr2": [203791]},
}
IDLE_IN_BASE_YEAR = {("yara_sluiskil", "ammonia_c")}
"""Units documented idle through the base year: share 0 (SITES.md, rule U1)."""
CHEMELOT_OCI = {"oci_afa2": 204627, "oci_afa3": 204628}
CHEMELOT_OCI_OTHER = [204629, 204630, 204631]
CRACKER_UTILISATION = Decimal("0.85")
"""A cracker's base-year production over its nameplate (assumption_cracker_utilisation)."""
CRACKER_EMISSION_FACTOR = Decimal("0.77227")
"""naphtha_steam_cracker's direct tCO2 per t HVC: furnaces and imported steam."""
CRACKER_SITES = ("chemelot", "dow_terneuzen", "shell_moerdijk")
"""Sites whose crackers are split by rule U4 (SITES.md); the rest is the site's other units."""
FIXED_SPLITS = {
    ("tata_steel_ijmuiden", "bf6"): Decimal("0.4"),
    ("tata_steel_ijmuiden", "bf7"): Decimal("0.6"),
    ("bp_rotterdam", "cdu1"): Decimal("0.5"),
    ("bp_rotterdam", "cdu2"): Decimal("0.5"),
    ("rockwool_roermond", "lines_electrified"): Decimal("0.625"),  # rule U5: 0.5 / 0.8
    ("rockwool_roermond", "lines_other"): Decimal("0.375"),
    ("sappi_maastricht", "eboilers_2026"): Decimal("0.14"),  # rule U5: -14 % by 2026, c = 1
    ("sappi_maastricht", "eboilers_2030"): Decimal("0.16"),  # rule U5: -30 % by 2030 in all
    ("sappi_maastricht", "gas_steam"): Decimal("0.70"),
    # rule U5, a supply stated in gas: the Botlek steam network replaces at least 25 million m3
    # of LyondellBasell's gas (half of 50; it is the larger of two buyers), x 31.65 MJ/m3 x
    # 55.0 kgCO2/GJ = 43,518.75 t of the site's 281,841 t (2022), c = 1
    ("lyondell_botlek", "steam_network"): Decimal("0.154409"),
    ("lyondell_botlek", "own_boilers"): Decimal("0.845591"),
    # rule U5 with the model's route cut: the hybrid furnace's electric half at Saint-Gobain
    # Etten-Leur gives the plant -20 %; the electric furnace cuts 1 - 0.132361 / 0.55626
    ("saint_gobain_etten_leur", "melter_electrodes"): Decimal("0.262449"),
    ("saint_gobain_etten_leur", "gas_and_rest"): Decimal("0.737551"),
    # rule U5: Shell Moerdijk's new cracker furnaces (Skyline) cut about 10 % of the complex's
    # CO2, booked at the utilities (c = 1); its other units take the remainder after the cracker
    ("shell_moerdijk", "skyline_steam"): Decimal("0.100000"),
}
REMAINDER_UNITS = {("shell_moerdijk", "other_units")}
"""Units whose share is what the site's other units leave (after rules U4 and U5)."""
SHARE_TOLERANCE = 1e-6

problems: list[str] = []


def problem(msg: str) -> None:
    problems.append(msg)


def read(rel: str) -> pd.DataFrame:
    path = CURATED / rel
    data = path.read_bytes()
    if b"\r" in data:
        problem(f"{rel}: has \\r characters (use \\n line endings)")
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        problem(f"{rel}: not UTF-8 ({exc})")
    df = pd.read_csv(path, dtype=str, keep_default_na=False, na_filter=False)
    if rel in HEADERS and list(df.columns) != HEADERS[rel]:
        problem(f"{rel}: header {list(df.columns)} != {HEADERS[rel]}")
    return df


def check_sorted(rel: str, df: pd.DataFrame, keys: list[str], numeric: bool = False) -> None:
    k = df[keys].copy()
    if numeric:
        k[keys[0]] = k[keys[0]].astype(int)
    if not k.equals(k.sort_values(keys, kind="mergesort")):
        problem(f"{rel}: rows not sorted by {keys}")
    if k.duplicated().any():
        problem(f"{rel}: duplicate keys {k[k.duplicated()].values.tolist()[:5]}")


def eutl() -> pd.DataFrame:
    e = pd.read_csv(
        RAW / "eutl_nl_cedricr" / "installations-NL.csv", dtype=str, keep_default_na=False
    )
    e = e[e["MainActivityTypeCode"] != "10"].copy()
    e["installation_id"] = e["InstallationOrAircraftOperatorID"].astype(int)
    e["v"] = pd.to_numeric(e[f"VerifiedEmissions_{BASE_YEAR}"], errors="coerce").fillna(0.0)
    nace = pd.read_csv(
        RAW / "eutl_nl_nace_jabrell" / "installation_nace_NL.csv", dtype=str, keep_default_na=False
    )
    e["nace"] = (
        ("NL_" + e["InstallationOrAircraftOperatorID"])
        .map(dict(zip(nace["id"], nace["nace"], strict=True)))
        .fillna("")
    )
    return e.set_index("installation_id")


def account_mean(raw: pd.DataFrame, ids: list[int]) -> float:
    """Mean verified emissions of accounts over ACCOUNT_YEARS (a missing year counts 0)."""
    total = 0.0
    for i in ids:
        values = [
            pd.to_numeric(raw.loc[i, f"VerifiedEmissions_{y}"], errors="coerce")
            for y in ACCOUNT_YEARS
        ]
        total += sum(0.0 if pd.isna(v) else float(v) for v in values) / len(values)
    return total


def expected_shares(e: pd.DataFrame, inst: pd.DataFrame) -> dict[tuple[str, str], float]:
    """Every multi-unit site's unit shares recomputed from the rules in SITES.md."""
    out: dict[tuple[str, str], float] = {}
    for site, units in ACCOUNT_SPLITS.items():
        own = {u: account_mean(e, ids) for u, ids in units.items()}
        for u, v in own.items():
            out[(site, u)] = v / sum(own.values())
    chemelot = inst.loc[inst["site_id"] == "chemelot", "installation_id"].astype(int).tolist()
    total = account_mean(e, chemelot)
    other = account_mean(e, CHEMELOT_OCI_OTHER) / 2
    ammonia = 0.0
    for u, i in CHEMELOT_OCI.items():
        out[("chemelot", u)] = (account_mean(e, [i]) + other) / total
        ammonia += out[("chemelot", u)]
    out.update(cracker_shares(e, inst))
    for key in IDLE_IN_BASE_YEAR:
        out[key] = 0.0
    for key, share in FIXED_SPLITS.items():
        out[key] = float(share)
    for site, unit in REMAINDER_UNITS:
        out[(site, unit)] = 1.0 - sum(v for (s, u), v in out.items() if s == site and u != unit)
    return out


def cracker_shares(e: pd.DataFrame, inst: pd.DataFrame) -> dict[tuple[str, str], float]:
    """Rule U4: each cracker's share = capacity x CRACKER_UTILISATION x CRACKER_EMISSION_FACTOR /
    the site's base-year verified emissions; the site's other units take the remainder."""
    included = inst[inst["rule"].isin(INCLUDED_RULES)]
    plants = read("site_products.csv")
    out: dict[tuple[str, str], float] = {}
    for site in CRACKER_SITES:
        ids = included.loc[included["site_id"] == site, "installation_id"].astype(int)
        site_em = Decimal(str(int(sum(e.loc[i, "v"] for i in ids))))
        mine = plants[(plants["site_id"] == site) & (plants["product_id"] == "hvc")]
        for r in mine.itertuples():
            production = Decimal(r.capacity) * CRACKER_UTILISATION
            if Decimal(r.production) != production:
                problem(
                    f"site_products.csv: {site}/{r.unit_id}: production {r.production} but rule "
                    f"U4 gives capacity x {CRACKER_UTILISATION} = {production}"
                )
            out[(site, str(r.unit_id))] = float(production * CRACKER_EMISSION_FACTOR / site_em)
    return out


def main() -> int:
    e = eutl()
    inst = read("installation_sites.csv")
    sites = read("sites.csv")
    plants = read("site_products.csv")
    src_sites = read("sources/sites.csv")
    src_core = pd.read_csv(CURATED / "sources" / "core.csv", dtype=str, keep_default_na=False)
    other_src = [
        pd.read_csv(p, dtype=str, keep_default_na=False)
        for p in sorted((CURATED / "sources").glob("*.csv"))
        if p.name not in ("core.csv", "sites.csv")
    ]
    clusters = set(pd.read_csv(CURATED / "clusters.csv", dtype=str)["cluster_id"])
    sectors = set(pd.read_csv(CURATED / "sectors.csv", dtype=str)["sector_id"])
    products = set(pd.read_csv(CURATED / "products.csv", dtype=str)["product_id"])

    # ---- grid zones (SITES.md rule 5)
    for zone, municipalities, count in CLUSTER6_ZONES:
        if len(municipalities) != count:
            problem(f"the list of {zone} holds {len(municipalities)} municipalities, not {count}")
    for r in sites.itertuples():
        want = ""
        if r.cluster_id == "cluster6":
            want = next((z for z, m, _ in CLUSTER6_ZONES if r.municipality in m), "")
        elif r.cluster_id == "rotterdam_moerdijk" and r.municipality == "Moerdijk":
            want = "port_of_moerdijk"
        elif r.cluster_id == "zeeland" and r.municipality in NOORD_BRABANT:
            want = "tennet_noord_brabant"
        elif r.cluster_id == "rotterdam_moerdijk" and r.municipality in DRECHTSTEDEN:
            want = "tennet_zuid_holland"
        if (r.grid_zone or "") != want:
            problem(f"sites.csv {r.site_id}: grid_zone {r.grid_zone!r}, rule 5 gives {want!r}")

    # ---- sources
    check_sorted("sources/sites.csv", src_sites, ["source_id"])
    clash = set(src_sites["source_id"]) & set(src_core["source_id"])
    for o in other_src:
        clash |= set(src_sites["source_id"]) & set(o["source_id"])
    if clash:
        problem(f"sources/sites.csv: ids also defined elsewhere: {sorted(clash)}")
    for r in src_sites.itertuples():
        if not ID.match(r.source_id):
            problem(f"sources/sites.csv: bad id {r.source_id!r}")
        if r.kind not in ("dataset", "document", "web", "assumption", "derived"):
            problem(f"sources/sites.csv: {r.source_id}: bad kind {r.kind!r}")
        if r.kind in ("assumption", "derived") and not r.note:
            problem(f"sources/sites.csv: {r.source_id}: {r.kind} needs a note")
    for needed in ("kruispunt_single_product", "kruispunt_site_mapping"):
        if needed not in set(src_sites["source_id"]):
            problem(f"sources/sites.csv: missing {needed}")
    known_sources = set(src_core["source_id"]) | set(src_sites["source_id"])
    for o in other_src:
        known_sources |= set(o["source_id"])

    # ---- installation_sites
    check_sorted("installation_sites.csv", inst, ["installation_id"], numeric=True)
    ids = inst["installation_id"].astype(int)
    if sorted(ids) != sorted(e.index):
        missing = sorted(set(e.index) - set(ids))
        extra = sorted(set(ids) - set(e.index))
        problem(f"installation_sites.csv: missing {missing[:10]}, not stationary {extra[:10]}")
    if len(inst) != 654:
        problem(f"installation_sites.csv: {len(inst)} rows, expected 654")
    inst = inst.assign(installation_id=ids)
    for r in inst.itertuples():
        where = f"installation_sites.csv: {r.installation_id}"
        if r.rule not in RULES:
            problem(f"{where}: rule {r.rule!r} not in vocabulary")
            continue
        if not r.note:
            problem(f"{where}: empty note")
        if r.site_id and not ID.match(r.site_id):
            problem(f"{where}: bad site id {r.site_id!r}")
        if (r.rule in INCLUDED_RULES) != bool(r.site_id):
            problem(f"{where}: rule {r.rule} with site '{r.site_id}'")
        if r.installation_id not in e.index:
            continue
        v = e.loc[r.installation_id, "v"]
        if r.rule == "excluded_closed" and v > 0:
            problem(f"{where}: excluded_closed but {v:.0f} t verified in {BASE_YEAR}")
        if r.rule.startswith("excluded_") and r.rule != "excluded_closed" and v <= 0:
            problem(f"{where}: no {BASE_YEAR} emissions, so the rule is excluded_closed")
        n = e.loc[r.installation_id, "nace"]
        if (
            r.rule == "industrial"
            and not (n[:2].isdigit() and 10 <= int(n[:2]) <= 33)
            and "NACE" not in r.note
        ):
            problem(f"{where}: judgement inclusion without an explanation")

    # ---- sites
    check_sorted("sites.csv", sites, ["site_id"])
    used = set(inst.loc[inst["site_id"] != "", "site_id"])
    listed = set(sites["site_id"])
    if used - listed:
        problem(f"sites.csv: sites used in installation_sites but missing: {sorted(used - listed)}")
    if listed - used:
        problem(f"sites.csv: sites without installations: {sorted(listed - used)}")
    for s in REQUIRED_SITES:
        if s not in listed:
            problem(f"sites.csv: required site {s} missing")
    hot = pd.read_csv(
        RAW / "hotmaps_industrial_sites_nl" / "Industrial_Database_NL.csv",
        sep=";",
        dtype=str,
        keep_default_na=False,
    ).set_index("SiteID")
    amm = pd.read_csv(
        RAW / "pypsa_eur_ammonia_plants" / "ammonia_plants.csv", dtype=str, keep_default_na=False
    )
    amm = amm[amm["Country"] == "Netherlands"]
    amm_points = {(a.Latitude, a.Longitude) for a in amm.itertuples()}
    for r in sites.itertuples():
        where = f"sites.csv: {r.site_id}"
        if not ID.match(r.site_id):
            problem(f"{where}: bad id")
        if r.cluster_id not in clusters:
            problem(f"{where}: unknown cluster {r.cluster_id}")
        if r.sector_id not in sectors:
            problem(f"{where}: unknown sector {r.sector_id}")
        if not r.name or not r.operator:
            problem(f"{where}: name/operator missing")
        if (r.latitude == "") != (r.longitude == "") or (r.latitude == "") != (
            r.coordinate_source == ""
        ):
            problem(f"{where}: latitude, longitude and coordinate_source go together")
        if r.latitude:
            lat, lon = float(r.latitude), float(r.longitude)
            if not (NL_BOX[0] <= lat <= NL_BOX[1] and NL_BOX[2] <= lon <= NL_BOX[3]):
                problem(f"{where}: coordinates outside the Netherlands")
            if r.coordinate_source == "hotmaps_sites":
                if r.hotmaps_site_id not in hot.index:
                    problem(f"{where}: Hotmaps SiteID {r.hotmaps_site_id} not in the file")
                else:
                    geom = hot.loc[r.hotmaps_site_id, "geom"]
                    if geom != f"SRID=4326;POINT({r.longitude} {r.latitude})":
                        problem(f"{where}: coordinates differ from Hotmaps geom {geom}")
            elif r.coordinate_source == "pypsa_ammonia":
                if (r.latitude, r.longitude) not in amm_points:
                    problem(f"{where}: coordinates not in the PyPSA ammonia file")
            else:
                problem(f"{where}: coordinate_source must be hotmaps_sites or pypsa_ammonia")
        if r.hotmaps_site_id and r.hotmaps_site_id not in hot.index:
            problem(f"{where}: unknown Hotmaps SiteID {r.hotmaps_site_id}")

    # ---- site_products
    check_sorted("site_products.csv", plants, ["site_id", "product_id", "unit_id"])
    for s in listed - set(plants["site_id"]):
        problem(f"site_products.csv: site {s} has no plant")
    for s in set(plants["site_id"]) - listed:
        problem(f"site_products.csv: plant on unknown site {s}")
    for r in plants.itertuples():
        where = f"site_products.csv: {r.site_id}/{r.product_id}/{r.unit_id}"
        if not ID.match(r.unit_id):
            problem(f"{where}: bad unit id")
        for year, source in (
            (r.commissioning_year, r.commissioning_source),
            (r.reinvestment_year, r.reinvestment_source),
        ):
            if bool(year) != bool(source):
                problem(f"{where}: a year and its source go together ({year!r}, {source!r})")
            if source and source not in known_sources:
                problem(f"{where}: unknown source {source}")
        if r.product_id not in products:
            problem(f"{where}: unknown product")
        elif r.route_id not in INCUMBENT.get(r.product_id, set()):
            problem(f"{where}: route {r.route_id} is not the product's incumbent route")
        if not r.unit:
            problem(f"{where}: unit missing")
        elif r.product_id.startswith("process_heat") and not r.unit.startswith("GJ"):
            problem(f"{where}: process heat is in GJ/yr")
        pairs = (
            (r.capacity, r.capacity_source),
            (r.production, r.production_source),
            (r.operating_hours, r.operating_hours_source),
        )
        for value, source in pairs:
            if bool(value) != bool(source):
                problem(f"{where}: value and source go together ({value!r}, {source!r})")
            if source and source not in known_sources:
                problem(f"{where}: unknown source {source}")
        if r.emission_share_source not in known_sources:
            problem(f"{where}: unknown emission_share_source {r.emission_share_source}")
    for (site, product), grp in plants.groupby(["site_id", "product_id"]):
        if len(grp) > 1 and (grp["unit_id"] == "main").any():
            problem(f"site_products.csv: {site}/{product}: 'main' is for a single unit")
        if len(grp) == 1 and grp["unit_id"].iloc[0] != "main":
            problem(f"site_products.csv: {site}/{product}: a single unit is called 'main'")
    for site, grp in plants.groupby("site_id"):
        total = sum(Decimal(x) for x in grp["emission_share"])
        if total != 1:
            problem(f"site_products.csv: {site}: emission shares sum to {total}")
        if len(grp) == 1 and grp["emission_share_source"].iloc[0] != "kruispunt_single_product":
            problem(f"site_products.csv: {site}: single plant should cite kruispunt_single_product")
        if len(grp) > 1 and (grp["emission_share_source"] == "kruispunt_single_product").any():
            problem(f"site_products.csv: {site}: multi-plant site cites kruispunt_single_product")
    expected = expected_shares(e, inst)
    given = {
        (r.site_id, r.unit_id): float(r.emission_share)
        for r in plants.itertuples()
        if r.unit_id != "main" or (r.site_id in CRACKER_SITES and r.product_id == "hvc")
    }
    for key in sorted(set(expected) | set(given)):
        if key not in given or key not in expected:
            problem(f"site_products.csv: unit {key} has no rule in check_sites.py or no row")
        elif abs(given[key] - expected[key]) > SHARE_TOLERANCE:
            problem(
                f"site_products.csv: {key[0]}/{key[1]}: emission_share {given[key]} but the rule "
                f"gives {expected[key]:.6f}"
            )

    # ---- events (full checks in the catalogue: kruispunt.catalogue.checks.check_events)
    events = read("events.csv")
    check_sorted(
        "events.csv",
        events.assign(year=events["year"].astype(int)),
        ["event_id", "site_id", "year"],
    )
    units = set(zip(plants["site_id"], plants["product_id"], plants["unit_id"], strict=True))
    for r in events.itertuples():
        where = f"events.csv: {r.event_id}/{r.site_id}/{r.year}"
        if r.source not in known_sources:
            problem(f"{where}: unknown source {r.source}")
        if r.site_id and r.site_id not in listed:
            problem(f"{where}: unknown site")
        if r.unit_id and (r.site_id, r.product_id, r.unit_id) not in units:
            problem(f"{where}: unknown unit {r.product_id}/{r.unit_id}")

    if problems:
        print(f"{len(problems)} problem(s):")
        for p in problems:
            print("  " + p)
        return 1
    report(e, inst, sites)
    report_units(e, inst, plants, events)
    return 0


def mt(x: float) -> str:
    return f"{x / 1e6:8.3f} Mt"


def report(e: pd.DataFrame, inst: pd.DataFrame, sites: pd.DataFrame) -> None:
    d = inst.merge(
        e[["v", "InstallationNameOrAircraftOperatorCode"]],
        left_on="installation_id",
        right_index=True,
    )
    d = d.merge(sites[["site_id", "cluster_id", "sector_id", "name"]], on="site_id", how="left")
    inc = d[d["rule"].isin(INCLUDED_RULES)]
    serves = inc[inc["rule"].str.startswith("serves_site")]
    total_all = e["v"].sum()
    print(
        f"All checks passed: {len(inst)} installations, {len(sites)} sites, "
        f"{inc['site_id'].nunique()} sites with installations."
    )
    print(f"\nEUTL NL stationary verified emissions {BASE_YEAR}: {mt(total_all)}")
    print(
        f"Included (all rules):                 {mt(inc['v'].sum())}  "
        f"({(inc['v'] > 0).sum()} installations with emissions)"
    )
    for rule in ("serves_site_offgas", "serves_site_chp"):
        label = f"of which {rule}:"
        print(f"  {label:36s}{mt(serves[serves.rule == rule]['v'].sum())}")
    print(
        f"Included without serves_site_* rows:  {mt(inc['v'].sum() - serves['v'].sum())}"
        "   (NEa reports ~38.6 Mt ETS industry for 2022)"
    )

    print("\nPer cluster (included, with serves_site_* / without):")
    for c, g in inc.groupby("cluster_id"):
        print(
            f"  {c:22s} {mt(g['v'].sum())} / {mt(g[g.rule == 'industrial']['v'].sum())}"
            f"   {g['site_id'].nunique():3d} sites"
        )
    print("\nPer sector (included, with serves_site_* / without):")
    for s, g in inc.groupby("sector_id"):
        print(
            f"  {s:22s} {mt(g['v'].sum())} / {mt(g[g.rule == 'industrial']['v'].sum())}"
            f"   {g['site_id'].nunique():3d} sites"
        )

    print("\n15 biggest sites (2022, incl. serving plants):")
    by_site = inc.groupby("site_id")["v"].sum().sort_values(ascending=False)
    for rank, (sid, v) in enumerate(by_site.head(15).items(), 1):
        print(f"  {rank:2d}. {sid:34s} {mt(v)}")
        for r in (
            inc[(inc.site_id == sid) & (inc.v > 0)].sort_values("v", ascending=False).itertuples()
        ):
            print(
                f"        {r.installation_id:>7d} "
                f"{r.InstallationNameOrAircraftOperatorCode[:44]:44s}"
                f" {r.rule:18s} {r.v:>12,.0f} t"
            )

    print("\nExcluded per rule (2022 verified emissions):")
    exc = d[~d["rule"].isin(INCLUDED_RULES)]
    for rule, g in exc.groupby("rule"):
        print(
            f"  {rule:24s} {mt(g['v'].sum())}   {len(g):3d} installations "
            f"({(g['v'] > 0).sum()} with 2022 emissions)"
        )
    print(f"  {'total excluded':24s} {mt(exc['v'].sum())}")
    print(
        f"\nCheck: included + excluded = {mt(inc['v'].sum() + exc['v'].sum())} "
        f"(EUTL total {mt(total_all)})"
    )


def report_units(
    e: pd.DataFrame, inst: pd.DataFrame, plants: pd.DataFrame, events: pd.DataFrame
) -> None:
    site_em = (
        inst[inst["rule"].isin(INCLUDED_RULES)]
        .assign(v=lambda d: d["installation_id"].map(e["v"]))
        .groupby("site_id")["v"]
        .sum()
    )
    print(f"\nUnits of multi-unit plants ({BASE_YEAR} verified emissions split by share):")
    multi = plants.groupby("site_id")["unit_id"].transform(lambda u: (u != "main").any())
    for site, grp in plants[multi].groupby("site_id", sort=False):
        total = 0.0
        for r in grp.itertuples():
            em = site_em.get(site, 0.0) * float(r.emission_share)
            total += em
            share = float(r.emission_share)
            print(f"  {site:22s} {r.product_id:20s} {r.unit_id:16s} share {share:.6f} {mt(em)}")
        eutl_total = mt(site_em.get(site, 0.0))
        print(f"  {'':22s} {'':20s} {'site total':16s} {'':12s} {mt(total)} (EUTL {eutl_total})")
    money = pd.to_numeric(events["public_money"], errors="coerce").fillna(0.0)
    print(
        f"\nEvents: {events['event_id'].nunique()} events in {len(events)} rows; "
        f"public money {money.sum() / 1e9:.2f} bn EUR (nominal, decided "
        f"{money[events['status'] == 'decided'].sum() / 1e9:.2f} bn)"
    )
    for kind, n in events.drop_duplicates("event_id")["kind"].value_counts().items():
        print(f"  {kind:16s} {n:3d}")


if __name__ == "__main__":
    sys.exit(main())
