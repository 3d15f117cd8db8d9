"""Check the curated site tables and print the 2022 emission figures they imply.

Run from anywhere:  python data/curated/check_sites.py  (with the project venv)

Checks installation_sites.csv, sites.csv, site_products.csv and sources/sites.csv against the
vendored EUTL, NACE, Hotmaps and PyPSA files and the shared id tables (clusters, sectors,
products, sources/core.csv). Exits with status 1 and a list of problems if any check fails;
otherwise prints the figures (national, per cluster, per sector, top 15 sites, exclusions).
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
HEADERS = {
    "installation_sites.csv": ["installation_id", "site_id", "rule", "note"],
    "sites.csv": [
        "site_id",
        "name",
        "operator",
        "cluster_id",
        "sector_id",
        "municipality",
        "latitude",
        "longitude",
        "coordinate_source",
        "hotmaps_site_id",
        "reinvestment_year",
        "reinvestment_source",
        "note",
    ],
    "site_products.csv": [
        "site_id",
        "product_id",
        "route_id",
        "capacity",
        "production",
        "unit",
        "capacity_source",
        "production_source",
        "emission_share",
        "emission_share_source",
        "note",
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
        if bool(r.reinvestment_year) != bool(r.reinvestment_source):
            problem(f"{where}: reinvestment_year and reinvestment_source go together")
        if r.reinvestment_source and r.reinvestment_source not in known_sources:
            problem(f"{where}: unknown source {r.reinvestment_source}")

    # ---- site_products
    check_sorted("site_products.csv", plants, ["site_id", "product_id"])
    for s in listed - set(plants["site_id"]):
        problem(f"site_products.csv: site {s} has no plant")
    for s in set(plants["site_id"]) - listed:
        problem(f"site_products.csv: plant on unknown site {s}")
    for r in plants.itertuples():
        where = f"site_products.csv: {r.site_id}/{r.product_id}"
        if r.product_id not in products:
            problem(f"{where}: unknown product")
        elif r.route_id not in INCUMBENT.get(r.product_id, set()):
            problem(f"{where}: route {r.route_id} is not the product's incumbent route")
        if not r.unit:
            problem(f"{where}: unit missing")
        elif r.product_id.startswith("process_heat") and not r.unit.startswith("GJ"):
            problem(f"{where}: process heat is in GJ/yr")
        for value, source in ((r.capacity, r.capacity_source), (r.production, r.production_source)):
            if bool(value) != bool(source):
                problem(f"{where}: value and source go together ({value!r}, {source!r})")
            if source and source not in known_sources:
                problem(f"{where}: unknown source {source}")
        if r.emission_share_source not in known_sources:
            problem(f"{where}: unknown emission_share_source {r.emission_share_source}")
    for site, grp in plants.groupby("site_id"):
        total = sum(Decimal(x) for x in grp["emission_share"])
        if total != 1:
            problem(f"site_products.csv: {site}: emission shares sum to {total}")
        if len(grp) == 1 and grp["emission_share_source"].iloc[0] != "kruispunt_single_product":
            problem(
                f"site_products.csv: {site}: single product should cite kruispunt_single_product"
            )
        if len(grp) > 1 and (grp["emission_share_source"] == "kruispunt_single_product").any():
            problem(f"site_products.csv: {site}: multi-product site cites kruispunt_single_product")

    if problems:
        print(f"{len(problems)} problem(s):")
        for p in problems:
            print("  " + p)
        return 1
    report(e, inst, sites)
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


if __name__ == "__main__":
    sys.exit(main())
