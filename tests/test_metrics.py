"""Tests for kruispunt.metrics: hand-checked sums and accounting identities."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from kruispunt import metrics
from kruispunt.errors import KruispuntError
from kruispunt.results import Results
from kruispunt.testing import synthetic_results

YEARS = range(2029, 2032)


@pytest.fixture(scope="module")
def res() -> Results:
    return synthetic_results(n_scenarios=2, n_plants=12, years=range(2025, 2051), seed=3)


def hand_made() -> Results:
    """Three plants in two clusters with round numbers, three years, one scenario.

    plant 0: crude steel, rotterdam_moerdijk; plant 1: ammonia, cluster6;
    plant 2: hvc, rotterdam_moerdijk.
    """
    base = synthetic_results(n_scenarios=1, n_plants=3, years=YEARS, seed=0).dataset
    base = base.assign_coords(
        plant_cluster=("plant", ["rotterdam_moerdijk", "cluster6", "rotterdam_moerdijk"])
    )
    assert list(base["plant_product"].values) == ["crude_steel", "ammonia", "hvc"]
    direct = np.array([[[10.0, 8.0, 6.0], [2.0, 2.0, 1.0], [3.0, 0.0, 0.0]]]) * 1e6
    production = np.array([[[5.0, 5.0, 5.0], [1.0, 1.0, 0.0], [2.0, 0.0, 0.0]]]) * 1e6
    demand = np.array([[[6.0, 6.0, 6.0], [1.0, 1.0, 1.0], [2.0, 2.0, 2.0]]]) * 1e6
    ds = base.assign(
        direct_emissions=(base["direct_emissions"].dims, direct, {"units": "tCO2/yr"}),
        production=(base["production"].dims, production, {"units": "product/yr"}),
        demand=(base["demand"].dims, demand, {"units": "product/yr"}),
        imports=(base["imports"].dims, demand - production, {"units": "product/yr"}),
    )
    return Results(ds)


# --- emissions -------------------------------------------------------------------------------


def test_emissions_hand_checked() -> None:
    r = hand_made()
    nat = metrics.emissions(r)
    assert nat["emissions_mtco2"].tolist() == [15.0, 10.0, 7.0]
    assert nat["year"].tolist() == list(YEARS)
    by_cluster = metrics.emissions(r, by="cluster").set_index(["cluster", "year"])
    assert by_cluster.loc[("rotterdam_moerdijk", 2029), "emissions_mtco2"] == 13.0
    assert by_cluster.loc[("rotterdam_moerdijk", 2031), "emissions_mtco2"] == 6.0
    assert by_cluster.loc[("cluster6", 2030), "emissions_mtco2"] == 2.0
    by_sector = metrics.emissions(r, by="sector").set_index(["sector", "year"])
    assert by_sector.loc[("steel", 2029), "emissions_mtco2"] == 10.0
    assert by_sector.loc[("chemicals", 2029), "emissions_mtco2"] == 3.0
    assert metrics.emissions(r).attrs["units"] == {"emissions_mtco2": "MtCO2/yr"}


@pytest.mark.parametrize("kind", ["direct", "indirect", "captured", "stored"])
@pytest.mark.parametrize(
    "by", ["cluster", "sector", "product", "site", "route", ["cluster", "sector"]]
)
def test_national_equals_sum_of_groups(res: Results, kind: str, by: str | list[str]) -> None:
    nat = metrics.emissions(res, kind=kind).set_index(["scenario", "year"])["emissions_mtco2"]
    grouped = metrics.emissions(res, by=by, kind=kind)
    summed = grouped.groupby(["scenario", "year"])["emissions_mtco2"].sum()
    np.testing.assert_allclose(summed.loc[nat.index].to_numpy(), nat.to_numpy(), rtol=1e-12)
    var = metrics._EMISSION_VARS[kind]
    raw = res.dataset[var].sum("plant").transpose("scenario", "year").values.ravel() / 1e6
    np.testing.assert_allclose(nat.to_numpy(), raw, rtol=1e-12)


def test_clusters_come_in_dimension_order(res: Results) -> None:
    clusters = metrics.emissions(res, by="cluster")["cluster"].unique().tolist()
    order = [c for c in res.dataset["cluster"].values.tolist() if c in clusters]
    assert clusters == order


def test_route_grouping_follows_route_index(res: Results) -> None:
    df = metrics.emissions(res, by="route")
    ds = res.dataset
    s, y = "reference", 2040
    idx = ds["route_index"].sel(scenario=s, year=y).values
    em = ds["direct_emissions"].sel(scenario=s, year=y).values
    routes = ds["route"].values
    expected = {str(routes[i]): em[idx == i].sum() / 1e6 for i in np.unique(idx)}
    got = df[(df["scenario"] == s) & (df["year"] == y)].set_index("route")["emissions_mtco2"]
    for route, value in expected.items():
        assert got[route] == pytest.approx(value, rel=1e-12)


def test_unknown_grouping_and_kind_are_named(res: Results) -> None:
    with pytest.raises(KruispuntError, match=r"unknown grouping 'region'.*cluster, sector"):
        metrics.emissions(res, by="region")
    with pytest.raises(KruispuntError, match="unknown emission kind 'total'"):
        metrics.emissions(res, kind="total")  # type: ignore[arg-type]


def test_emissions_vs_target(res: Results) -> None:
    vt = metrics.emissions_vs_target(res)
    assert sorted(vt["year"].unique()) == [2030, 2050]  # synthetic targets
    nat = metrics.emissions(res).set_index(["scenario", "year"])["emissions_mtco2"]
    for row in vt.itertuples():
        assert row.emissions_mtco2 == nat[(row.scenario, row.year)]
        assert row.gap_mtco2 == pytest.approx(row.emissions_mtco2 - row.target_mtco2)
        assert row.on_target == (row.gap_mtco2 <= 0)
    assert (vt[vt["year"] == 2050]["target_mtco2"] == 0.0).all()
    # the synthetic 2030 target: 55 % of the first scenario's 2025 direct emissions [t -> Mt]
    first = float(res.dataset["direct_emissions"].isel(scenario=0).sel(year=2025).sum()) / 1e6
    np.testing.assert_allclose(vt[vt["year"] == 2030]["target_mtco2"], 0.55 * first, rtol=1e-12)


# --- production --------------------------------------------------------------------------------


def test_production_and_imports_hand_checked() -> None:
    pi = metrics.production_and_imports(hand_made()).set_index(["product", "year"])
    assert pi.loc[("crude_steel", 2029), "domestic"] == 5e6
    assert pi.loc[("crude_steel", 2029), "imports"] == 1e6
    assert pi.loc[("ammonia", 2031), "share_kept"] == 0.0
    assert pi.loc[("hvc", 2029), "share_kept"] == 1.0
    assert pi.loc[("crude_steel", 2029), "unit"] == "t/yr"


def test_imports_are_demand_minus_domestic(res: Results) -> None:
    pi = metrics.production_and_imports(res)
    np.testing.assert_allclose(pi["imports"], pi["demand"] - pi["domestic"], rtol=1e-12, atol=1e-6)
    prod = metrics.production(res)
    merged = pi.merge(prod, on=["scenario", "product", "year"])
    np.testing.assert_allclose(merged["domestic"], merged["production"], rtol=1e-12)
    kept = merged["domestic"] / merged["demand"]
    np.testing.assert_allclose(merged["share_kept"], kept, rtol=1e-12)


def test_production_by_cluster_adds_up(res: Results) -> None:
    nat = metrics.production(res).set_index(["scenario", "product", "year"])["production"]
    by = (
        metrics.production(res, by="cluster")
        .groupby(["scenario", "product", "year"])["production"]
        .sum()
    )
    np.testing.assert_allclose(by.loc[nat.index], nat, rtol=1e-12)


def test_route_mix_shares_and_counts(res: Results) -> None:
    units = metrics.production_and_imports(res).groupby("product")["unit"].first()
    assert {"t/yr", "GJ/yr"} <= set(units)  # products in tonnes and in GJ
    for by in ("product", "sector", None):
        mix = metrics.route_mix(res, by=by)  # type: ignore[arg-type]
        keys = ["scenario", *(["sector"] if by == "sector" else []), "product", "year"]
        totals = mix.groupby(keys)["share"].sum(min_count=1).dropna()
        np.testing.assert_allclose(totals, 1.0, rtol=1e-12)
        product_total = mix.groupby(keys)["production"].transform("sum")
        produced = product_total > 0
        np.testing.assert_allclose(
            mix["share"][produced], (mix["production"] / product_total)[produced], rtol=1e-12
        )
        assert mix["share"][~produced].isna().all()
        assert (mix["unit"] == mix["product"].map(units)).all()
        assert mix.attrs["units"]["production"] == "unit"
        plants = mix.groupby(["scenario", "year"])["plants"].sum()
        assert (plants == res.dataset.sizes["plant"]).all()
    assert "route_family" in metrics.route_mix(res).columns


def test_route_mix_never_adds_across_products() -> None:
    # one plant per product, each producing in 2029: every route has all of its product
    mix = metrics.route_mix(hand_made(), by=None).set_index(["route", "year"])
    assert mix.loc[("crude_steel_incumbent", 2029), "share"] == 1.0  # not 5 / (5 + 1 + 2)
    assert mix.loc[("ammonia_incumbent", 2029), "share"] == 1.0
    assert mix.loc[("crude_steel_incumbent", 2029), "unit"] == "t/yr"
    assert math.isnan(mix.loc[("ammonia_hydrogen", 2031), "share"])  # ammonia not produced


# --- energy, infrastructure -------------------------------------------------------------------


def test_energy_demand_units_and_sums(res: Results) -> None:
    e = metrics.energy_demand(res)
    assert "iron_ore" not in set(e["carrier"])  # a material, in tonnes
    assert {"electricity", "hydrogen", "natural_gas"} <= set(e["carrier"])
    gj = res.dataset["energy"].sel(carrier="electricity").sum("plant")
    got = e[e["carrier"] == "electricity"].set_index(["scenario", "year"])["energy_twh"]
    expected = gj.transpose("scenario", "year").values.ravel() / 3.6e6
    np.testing.assert_allclose(got.to_numpy(), expected, rtol=1e-12)
    by = metrics.energy_demand(res, carrier=["electricity", "hydrogen"], by="cluster")
    summed = by.groupby(["scenario", "carrier", "year"])["energy_twh"].sum()
    nat = e.set_index(["scenario", "carrier", "year"])["energy_twh"]
    np.testing.assert_allclose(summed, nat.loc[summed.index], rtol=1e-12, atol=1e-15)
    mat = metrics.material_use(res)
    assert set(mat["carrier"]) == {"iron_ore"}
    with pytest.raises(KruispuntError, match=r"unknown carrier 'iron_ore'.*electricity"):
        metrics.energy_demand(res, carrier="iron_ore")


def test_hydrogen_in_tonnes_uses_lower_heating_value(res: Results) -> None:
    ds = res.dataset
    units = ds["carrier_unit"].values.copy()
    units[list(ds["carrier"].values).index("hydrogen")] = "t/yr"
    tonnes = Results(ds.assign_coords(carrier_unit=("carrier", units)))
    h_gj = metrics.energy_demand(res, carrier="hydrogen")["energy_twh"]
    h_t = metrics.energy_demand(tonnes, carrier="hydrogen")["energy_twh"]
    np.testing.assert_allclose(h_t, h_gj * 120.0, rtol=1e-12)


def test_results_need_their_descriptive_coordinates(res: Results) -> None:
    """One result shape: units, names and families travel as coordinates, never as JSON
    attributes, and a result without them is refused."""
    for coord in ("carrier_unit", "product_unit", "cluster_name", "route_family", "reason"):
        with pytest.raises(KruispuntError, match=coord):
            Results(res.dataset.drop_vars(coord))
    with pytest.raises(KruispuntError, match="route_family"):
        Results(res.dataset.assign_coords(route_family=("carrier", res.dataset["carrier"].values)))


def test_infrastructure_use(res: Results) -> None:
    infra = metrics.infrastructure_use(res)
    assert (infra["use"] <= infra["capacity"]).all()
    assert infra["utilisation_share"].between(0, 1).all()
    assert dict(zip(infra["resource"], infra["unit"], strict=True)) == {
        "grid": "MW",
        "co2_storage": "tCO2/yr",
        "hydrogen": "GJ/yr",
        "biomass": "GJ/yr",
    }
    # hydrogen infrastructure is in the hydrogen carrier's unit: national use equals the
    # plants' hydrogen demand (synthetic identity), 1 TWh = 3.6e6 GJ
    h2 = infra[infra["resource"] == "hydrogen"].groupby(["scenario", "year"])["use"].sum()
    demand = metrics.energy_demand(res, carrier="hydrogen").set_index(["scenario", "year"])
    np.testing.assert_allclose(h2.loc[demand.index], demand["energy_twh"] * 3.6e6, rtol=1e-9)
    nat = metrics.infrastructure_use(res, by=None).set_index(["scenario", "resource", "year"])
    summed = infra.groupby(["scenario", "resource", "year"])[["use", "capacity"]].sum()
    np.testing.assert_allclose(summed.loc[nat.index], nat[["use", "capacity"]], rtol=1e-12)


def test_infrastructure_use_by_pool_adds_up_to_the_clusters(res: Results) -> None:
    """Per pool, each pool's own rows (the synthetic pools are one per resource and
    cluster), labelled with its cluster and resource; summed by cluster they are the
    cluster rows, and ``["cluster", "pool"]`` is the same table."""
    pools = metrics.infrastructure_use(res, by="pool")
    assert list(pools.columns[:5]) == ["scenario", "pool", "cluster", "resource", "year"]
    assert (pools["pool"] == pools["resource"] + "/" + pools["cluster"]).all()
    assert (pools["use"] <= pools["capacity"]).all()
    index = ["scenario", "cluster", "resource", "year"]
    clusters = metrics.infrastructure_use(res).set_index(index)
    summed = pools.groupby(index)[["use", "capacity"]].sum()
    np.testing.assert_allclose(
        summed.loc[clusters.index], clusters[["use", "capacity"]], rtol=1e-12
    )
    both = metrics.infrastructure_use(res, by=["cluster", "pool"])
    pd.testing.assert_frame_equal(both, pools)
    one = pools[(pools["pool"] == "grid/zeeland") & (pools["year"] == 2030)]
    cap = res.dataset["pool_capacity"].sel(pool="grid/zeeland", year=2030).values
    np.testing.assert_array_equal(one["capacity"].to_numpy(), cap)


def test_pool_summary_by_hand(res: Results) -> None:
    """Each pool's row read against its own arrays: capacity in 2030, 2040 and 2050, the
    highest use and its first year, and the most of a finite capacity used."""
    summary = metrics.pool_summary(res)
    ds = res.dataset
    assert len(summary) == ds.sizes["scenario"] * ds.sizes["pool"]
    years = ds["year"].values
    for rec in summary.to_dict("records"):
        use = ds["pool_use"].sel(scenario=rec["scenario"], pool=rec["pool"]).values
        cap = ds["pool_capacity"].sel(scenario=rec["scenario"], pool=rec["pool"]).values
        for y in (2030, 2040, 2050):
            assert rec[f"capacity_{y}"] == cap[list(years).index(y)]
        assert rec["peak_use"] == use.max()
        if use.max() > 0:
            assert rec["peak_year"] == years[int(np.argmax(use))]
        else:
            assert pd.isna(rec["peak_year"])
        share = np.array([u / c if 0 < c < np.inf else -1.0 for u, c in zip(use, cap, strict=True)])
        assert share.max() >= 0  # the synthetic capacities are finite and above zero
        assert rec["max_utilisation_share"] == pytest.approx(share.max(), rel=1e-12)
        assert rec["max_utilisation_year"] == years[int(np.argmax(share))]
    assert summary.attrs["units"]["max_utilisation_share"] == "fraction"


def test_pool_summary_of_porthos_and_an_unlimited_zone() -> None:
    """Current policy on the embedded data: Porthos holds 2.5 Mt/yr from 2027 to 2040 and is
    most used in its first year, 2.354 Mt (94 %); TenneT's Noord-Limburg zone is unlimited
    from 2030, so no share of it is defined; the unused ELYgator project shares 0."""
    from kruispunt.api import run

    rows = metrics.pool_summary(run("current-policy")).set_index("pool")
    porthos = rows.loc["co2_storage/porthos"]
    assert (porthos["capacity_2030"], porthos["capacity_2050"]) == (2.5e6, 0.0)
    assert porthos["max_utilisation_year"] == 2027 == porthos["peak_year"]
    assert porthos["max_utilisation_share"] == pytest.approx(porthos["peak_use"] / 2.5e6)
    assert 0.9 < porthos["max_utilisation_share"] < 0.95
    zone = rows.loc["grid/tennet_noord_limburg"]
    assert np.isinf(zone["capacity_2030"]) and np.isnan(zone["max_utilisation_share"])
    assert rows.loc["hydrogen/air_liquide_elygator", "max_utilisation_share"] == 0.0


def hand_pools() -> Results:
    """Pools set by hand on a synthetic run (2025-2030; every capacity unlimited and unused
    unless set): in ``reference`` the Zeeland grid uses 40 of 50 MW in 2027 (0.8), the
    Rotterdam grid 60 of 100 in 2030 (0.6); Rotterdam's and Zeeland's CO2 stores both use
    half (2026, 2025: a tie, the first in the results' order wins); Rotterdam's biomass has
    10 and uses none. In ``green_market`` only Zeeland's CO2 store has a limit (1 Mt, unused)
    and Chemelot's grid is 0 MW (no room, so no share)."""
    base = synthetic_results(n_scenarios=2, n_plants=6, years=range(2025, 2031), seed=1)
    ds = base.dataset.copy()
    cap = xr.full_like(ds["pool_capacity"], np.inf)
    use = xr.zeros_like(ds["pool_use"])
    ref, green = "reference", "green_market"
    cap.loc[ref, "grid/rotterdam_moerdijk"] = 100.0
    use.loc[ref, "grid/rotterdam_moerdijk"] = [10.0, 20.0, 30.0, 40.0, 50.0, 60.0]
    cap.loc[ref, "grid/zeeland"] = 50.0
    use.loc[ref, "grid/zeeland", 2027] = 40.0
    cap.loc[ref, "co2_storage/rotterdam_moerdijk"] = 2e6
    use.loc[ref, "co2_storage/rotterdam_moerdijk", 2026] = 1e6
    cap.loc[ref, "co2_storage/zeeland"] = 4e6
    use.loc[ref, "co2_storage/zeeland", 2025] = 2e6
    cap.loc[ref, "biomass/rotterdam_moerdijk"] = 10.0
    cap.loc[green, "co2_storage/zeeland"] = 1e6
    cap.loc[green, "grid/chemelot"] = 0.0
    return Results(ds.assign(pool_capacity=cap, pool_use=use))


def test_fullest_pools_by_hand() -> None:
    """Each resource's fullest pool, worked out by hand (:func:`hand_pools`): the highest
    share, the first of a tie, 0 where a limit is never used, no row without a finite
    limit above zero (hydrogen everywhere, the grid in green_market)."""
    rows = metrics.fullest_pools(hand_pools())
    cols = ["scenario", "resource", "pool", "max_utilisation_share", "max_utilisation_year"]
    got = [tuple(r[c] for c in cols) for r in rows.to_dict("records")]
    assert got == [
        ("reference", "grid", "grid/zeeland", 0.8, 2027),
        ("reference", "co2_storage", "co2_storage/rotterdam_moerdijk", 0.5, 2026),
        ("reference", "biomass", "biomass/rotterdam_moerdijk", 0.0, 2025),
        ("green_market", "co2_storage", "co2_storage/zeeland", 0.0, 2025),
    ]
    assert list(rows.columns) == [
        "scenario",
        "resource",
        "pool",
        "cluster",
        "max_utilisation_share",
        "max_utilisation_year",
    ]


def test_pool_summary_of_results_without_pools() -> None:
    """A run with no pool of scarce capacity has an empty table with the columns, and no
    fullest pool."""
    res = synthetic_results(n_scenarios=1, n_plants=3, years=range(2025, 2031), seed=1)
    none = Results(res.dataset.isel(pool=slice(0, 0)))
    summary = metrics.pool_summary(none)
    assert summary.empty and "max_utilisation_share" in summary.columns
    assert metrics.fullest_pools(none).empty


# --- money ---------------------------------------------------------------------------------------


def test_government_cash_flow(res: Results) -> None:
    gov = metrics.government_cash_flow(res)
    for _, g in gov.groupby(["scenario", "flow"]):
        np.testing.assert_allclose(g["cumulative_meur"], np.cumsum(g["cash_flow_meur"]))
    # synthetic identity: subsidy outlays are minus the subsidies plants receive
    outlays = (
        gov[gov["flow"].str.endswith("_outlay")]
        .groupby(["scenario", "year"])["cash_flow_meur"]
        .sum()
    )
    subs = metrics.costs(res)
    subs = subs[subs["item"] == "subsidies"].set_index(["scenario", "year"])["cost_meur"]
    np.testing.assert_allclose(outlays.loc[subs.index], subs, rtol=1e-12, atol=1e-9)


def test_costs_items_and_groups(res: Results) -> None:
    c = metrics.costs(res)
    assert list(c["item"].unique()) == [
        "capex",
        "opex",
        "energy",
        "carbon",
        "levy",
        "tax",
        "network",
        "obligation",
        "subsidies",
    ]
    ds = res.dataset
    net = (
        ds["capex"]
        + ds["opex"]
        + ds["energy_cost"]
        + ds["carbon_cost"]
        + ds["co2_levy"]
        + ds["energy_tax"]
        + ds["network_tariff"]
        + ds["obligation_cost"]
        - ds["subsidies"]
    ).sum("plant") / 1e6
    got = c.groupby(["scenario", "year"], sort=False)["cost_meur"].sum()
    np.testing.assert_allclose(
        got.to_numpy(), net.transpose("scenario", "year").values.ravel(), rtol=1e-10
    )
    by = metrics.costs(res, by="sector").groupby(["scenario", "item", "year"])["cost_meur"].sum()
    nat = c.set_index(["scenario", "item", "year"])["cost_meur"]
    np.testing.assert_allclose(by.loc[nat.index], nat, rtol=1e-10, atol=1e-9)


# --- tables --------------------------------------------------------------------------------------


def test_site_table(res: Results) -> None:
    st = metrics.site_table(res, 2040)
    n_sites = len(set(res.dataset["site"].values))
    assert len(st) == res.dataset.sizes["scenario"] * n_sites
    nat = metrics.emissions(res)
    nat = nat[nat["year"] == 2040].set_index("scenario")["emissions_mtco2"]
    per = st.groupby("scenario")["direct_emissions_ktco2"].sum()
    np.testing.assert_allclose(per.loc[nat.index] / 1e3, nat, rtol=1e-12)
    assert st["producing"].dtype == bool
    with pytest.raises(KruispuntError, match="year 2060 is not in the results"):
        metrics.site_table(res, 2060)


def test_key_indicators(res: Results) -> None:
    ki = metrics.key_indicators(res)
    assert list(ki.columns) == ["scenario", *metrics.KEY_INDICATORS]
    assert ki["scenario"].tolist() == res.scenarios
    nat = metrics.emissions(res).set_index(["scenario", "year"])["emissions_mtco2"]
    for row in ki.itertuples():
        assert row.emissions_2030_mtco2 == nat[(row.scenario, 2030)]
        assert row.emissions_2050_mtco2 == nat[(row.scenario, 2050)]
        assert math.isnan(row.target_2035_mtco2)
        assert row.share_kept_2050 + row.share_imported_2050 == pytest.approx(1.0)
        assert 0 <= row.ccs_peak_utilisation <= 1
    gov = res.dataset["gov_cash_flow"].sum(["flow", "year"]).values / 1e6
    np.testing.assert_allclose(ki["gov_cash_flow_cumulative_meur"], gov)
    # the 2030 target and gap against the same figures worked out from the dataset
    first = float(res.dataset["direct_emissions"].isel(scenario=0).sel(year=2025).sum()) / 1e6
    np.testing.assert_allclose(ki["target_2030_mtco2"], 0.55 * first, rtol=1e-12)
    np.testing.assert_allclose(
        ki["gap_2030_mtco2"], ki["emissions_2030_mtco2"] - 0.55 * first, rtol=1e-12
    )
    # the highest yearly national use of CO2 storage over its capacity
    ds = res.dataset.sel(resource="co2_storage")
    use, cap = ds["infra_use"].sum("cluster"), ds["infra_capacity"].sum("cluster")
    peak = (use / cap.where(cap > 0)).max("year").values
    np.testing.assert_allclose(ki["ccs_peak_utilisation"], peak, rtol=1e-12)
    assert (peak > 0).any()  # a synthetic run stores CO2: the check is not vacuous


def test_key_indicator_target_labels_name_their_scope() -> None:
    for y in metrics.KEY_YEARS:
        label, _ = metrics.KEY_INDICATORS[f"target_{y}_mtco2"]
        assert label == f"Industry target {y} (all industry, not only ETS)"
        assert "all-industry target" in metrics.KEY_INDICATORS[f"gap_{y}_mtco2"][0]


def test_key_indicator_shares_weigh_tonnes_and_leave_out_heat(res: Results) -> None:
    pi = metrics.production_and_imports(res)
    assert "GJ/yr" in set(pi["unit"])  # heat products, which must not count
    t = pi[(pi["unit"] == "t/yr") & (pi["year"] == 2050)].groupby("scenario")
    kept = t["domestic"].sum() / t["demand"].sum()
    ki = metrics.key_indicators(res).set_index("scenario")
    np.testing.assert_allclose(ki["share_kept_2050"], kept.loc[ki.index], rtol=1e-12)


def test_key_indicators_outside_model_years_are_nan() -> None:
    ki = metrics.key_indicators(synthetic_results(n_plants=4, years=range(2025, 2032)))
    assert ki["emissions_2050_mtco2"].isna().all()
    assert ki["emissions_2030_mtco2"].notna().all()


def test_results_stay_unchanged(res: Results) -> None:
    before = res.dataset.copy(deep=True)
    metrics.key_indicators(res)
    metrics.site_table(res, 2030)
    xr.testing.assert_identical(before, res.dataset)


# --- site views (issue 13) ----------------------------------------------------------------------


def test_site_states_main_route_and_emissions(res: Results) -> None:
    states = metrics.site_states(res)
    ds = res.dataset
    n_sites = len(set(ds["site"].values.tolist()))
    assert len(states) == ds.sizes["scenario"] * n_sites * ds.sizes["year"]
    table = metrics.site_table(res, 2030)
    merged = states[states["year"] == 2030].merge(table, on=["scenario", "site"])
    np.testing.assert_allclose(
        merged["direct_emissions_ktco2_x"], merged["direct_emissions_ktco2_y"], rtol=1e-12
    )
    names = metrics.site_names(res)
    assert (states["site_name"] == states["site"].map(names)).all()


def test_site_route_history_follows_route_index(res: Results) -> None:
    ds = res.dataset
    site = str(ds["site"].values[0])
    hist = metrics.site_route_history(res, site)
    plants = [
        str(p) for p, s in zip(ds["plant"].values, ds["site"].values, strict=True) if s == site
    ]
    assert sorted(set(hist["plant"])) == sorted(plants)
    s0 = str(ds["scenario"].values[0])
    first = hist[(hist["scenario"] == s0) & (hist["plant"] == plants[0])]
    idx = ds["route_index"].sel(scenario=s0, plant=plants[0]).values
    assert first["route"].tolist() == [str(ds["route"].values[i]) for i in idx]
    with pytest.raises(KruispuntError, match="unknown site 'nowhere'"):
        metrics.site_route_history(res, "nowhere")


@pytest.mark.parametrize(
    "keys", [["cluster"], ["sector", "product"], ["site"], ["cluster", "route"]]
)
def test_groups_of_plant_attributes_are_the_groups_of_every_element(keys: list[str]) -> None:
    """Grouping by plant attributes sorts the plants' codes once (the same in every scenario
    and year); the groups and each element's group equal those of sorting the codes of every
    (scenario, plant, year), as with a route key, which varies by scenario and year."""
    r = synthetic_results(n_scenarios=3, n_plants=12, years=range(2025, 2031), seed=5)
    inverse, labels = metrics._group(r, keys)
    ds = r.dataset
    shape = (ds.sizes["scenario"], ds.sizes["plant"], ds.sizes["year"])
    assert inverse.shape == shape
    # the reference: each element's labels, then one sort of every element's label tuple
    columns = []
    for key in keys:
        if key == "route":
            cat = np.asarray(ds["route"].values).astype(str)
            idx = ds["route_index"].transpose("scenario", "plant", "year").values
            columns.append(np.broadcast_to(cat[idx], shape))
        else:
            columns.append(np.broadcast_to(metrics.plant_attribute(r, key)[None, :, None], shape))
    got = [labels[k].to_numpy()[inverse] for k in keys]
    for want, have in zip(columns, got, strict=True):
        np.testing.assert_array_equal(have, want)
    # every group occurs, and no two groups share labels
    assert np.unique(inverse).size == len(labels)
    assert not labels.duplicated().any()


# --- hand-checked indicators (mutation round 5) ---------------------------------------------------


def _with(r: Results, **arrays: np.ndarray) -> Results:
    """``r`` with variables replaced by ``arrays`` (same dims and attributes)."""
    ds = r.dataset
    return Results(
        ds.assign({k: (ds[k].dims, v, ds[k].attrs) for k, v in arrays.items()})  # type: ignore[arg-type]
    )


def test_emissions_exactly_at_the_target_are_on_target() -> None:
    """National direct emissions 15, 10, 7 Mt (2029-2031) against a target of -, 10, 8 Mt:
    2030 has a gap of 10 - 10 = 0 Mt and is on target ('at or below'), 2031 -1 Mt."""
    r = hand_made()
    r = _with(r, emission_target=np.array([np.nan, 10e6, 8e6]))
    vt = metrics.emissions_vs_target(r)
    assert vt["year"].tolist() == [2030, 2031]
    assert vt["gap_mtco2"].tolist() == [0.0, -1.0]
    assert vt["on_target"].tolist() == [True, True]


def _infra(r: Results, given: dict[tuple[str, str], tuple[list[float], list[float]]]) -> Results:
    """``r`` with no infrastructure use or capacity but the ``(use, capacity)`` per year
    ``given`` for some (cluster, resource)."""
    ds = r.dataset
    assert ds["infra_use"].dims == ("scenario", "cluster", "resource", "year")
    u = np.zeros(ds["infra_use"].shape)
    c = np.zeros(ds["infra_capacity"].shape)
    clusters = [str(x) for x in ds["cluster"].values]
    resources = [str(x) for x in ds["resource"].values]
    for (cluster, resource), (use, cap) in given.items():
        at = (slice(None), clusters.index(cluster), resources.index(resource))
        u[at], c[at] = use, cap
    return _with(r, infra_use=u, infra_capacity=c)


def test_utilisation_of_a_zero_capacity_is_nan() -> None:
    """5 MW of new load in Rotterdam-Moerdijk in 2029 against no grid capacity: headroom
    0 - 5 = -5 MW, utilisation NaN (not inf); 2 Mt stored of 4 Mt in Cluster 6: 0.5."""
    r = _infra(
        hand_made(),
        {
            ("rotterdam_moerdijk", "grid"): ([5.0, 0.0, 0.0], [0.0] * 3),
            ("cluster6", "co2_storage"): ([2e6, 0.0, 0.0], [4e6] * 3),
        },
    )
    infra = metrics.infrastructure_use(r).set_index(["cluster", "resource", "year"])
    grid = infra.loc[("rotterdam_moerdijk", "grid", 2029)]
    assert (grid["use"], grid["capacity"], grid["headroom"]) == (5.0, 0.0, -5.0)
    assert math.isnan(grid["utilisation_share"])
    assert infra.loc[("cluster6", "co2_storage", 2029), "utilisation_share"] == 0.5


def test_storage_peak_is_the_first_year_of_highest_use_with_its_capacity() -> None:
    """CO2 stored 2, 3, 3 Mt (2029-2031) against 4, 5, 6 Mt of capacity, split over two
    clusters (capacity 3 + 1, 3 + 2, 3 + 3; the use in Rotterdam-Moerdijk): the peak is the
    first year at 3 Mt, 2030, with that year's 5 Mt of capacity, 3 / 5 = 0.6 used (not 2031's
    6 Mt, nor the highest capacity)."""
    r = _infra(
        hand_made(),
        {
            ("rotterdam_moerdijk", "co2_storage"): ([2e6, 3e6, 3e6], [3e6] * 3),
            ("cluster6", "co2_storage"): ([0.0] * 3, [1e6, 2e6, 3e6]),
        },
    )
    peak = metrics.storage_peak(r).iloc[0]
    assert int(peak["peak_year"]) == 2030
    assert peak["peak_use_mtco2"] == 3.0
    assert peak["capacity_mtco2"] == 5.0
    assert peak["utilisation_share"] == 0.6
    ki = metrics.key_indicators(r).iloc[0]
    assert (ki["ccs_peak_stored_mtco2"], ki["ccs_capacity_at_peak_mtco2"]) == (3.0, 5.0)


def test_government_cost_counts_outlays_positive() -> None:
    """SDE++ pays 100 MEUR in 2029 and IKC 20 MEUR in 2030 (outlays, flow sign -1), the energy
    tax brings in 30 MEUR in 2029: outlays cost 100, 20, 0 MEUR; net of revenue 70, 20, 0."""
    r = hand_made()
    ds = r.dataset
    flows = [str(f) for f in ds["flow"].values]
    gov = np.zeros(ds["gov_cash_flow"].shape)  # (scenario, flow, year)
    gov[0, flows.index("sde_outlay"), 0] = -100e6
    gov[0, flows.index("ikc_outlay"), 1] = -20e6
    gov[0, flows.index("energy_tax_revenue"), 0] = 30e6
    r = _with(r, gov_cash_flow=gov)
    outlays = metrics.government_cost(r)["cost_meur"].tolist()
    net = metrics.government_cost(r, flows="net")["cost_meur"].tolist()
    assert outlays == pytest.approx([100.0, 20.0, 0.0])
    assert net == pytest.approx([70.0, 20.0, 0.0])


def test_deadweight_is_the_support_for_what_happens_anyway() -> None:
    """Plant 0 is paid 10 MEUR SDE++ in 2030 and 30 MEUR in 2031 on route 1; without SDE++ it
    switches to route 1 a year later (2031): 40 MEUR paid, the 30 of 2031 deadweight, 0.75."""
    r = hand_made()
    ds = r.dataset
    flows = [str(f) for f in ds["flow"].values]
    assert ds["plant_flows"].dims == ("scenario", "plant", "flow", "year")
    paid = np.zeros(ds["plant_flows"].shape)
    paid[0, 0, flows.index("sde_outlay"), 1:] = [-10e6, -30e6]
    route = ds["route_index"].values.copy()
    route[0, 0] = [0, 1, 1]
    with_ = _with(r, plant_flows=paid, route_index=route)
    route_without = route.copy()
    route_without[0, 0] = [0, 0, 1]
    without = _with(r, route_index=route_without)
    dw = metrics.deadweight(with_, without, "sde_outlay").iloc[0]
    assert dw["paid_meur"] == pytest.approx(40.0)
    assert dw["deadweight_meur"] == pytest.approx(30.0)
    assert dw["deadweight_share"] == pytest.approx(0.75)


def test_site_table_sums_capex_up_to_the_year() -> None:
    """Plant 0 (site_001) invests 100 MEUR in 2029 and 50 MEUR in 2030: cumulative capex
    100, 150 and 150 MEUR in 2029-2031."""
    r = hand_made()
    capex = np.zeros(r.dataset["capex"].shape)
    capex[0, 0, :2] = [100e6, 50e6]
    r = _with(r, capex=capex)
    got = [
        metrics.site_table(r, y).set_index("site").loc["site_001", "capex_cumulative_meur"]
        for y in YEARS
    ]
    assert got == pytest.approx([100.0, 150.0, 150.0])


def test_site_states_main_plant_is_the_largest_emitter_of_the_first_year() -> None:
    """Plants 0 (crude steel, route 0) and 1 (ammonia, routes 5, 8, 8) share site_001; plant
    0 emits 10, 8, 6 Mt, plant 1 2, 2, 9 Mt: the main plant is plant 0 (10 > 2 Mt in 2029)
    in every year, although plant 1 emits more in 2031; site emissions 12, 10, 15 Mt, base
    12 Mt (12,000 kt)."""
    r = hand_made()
    ds = r.dataset
    direct = ds["direct_emissions"].values.copy()
    direct[0, 1] = [2e6, 2e6, 9e6]
    sites = ["site_001", "site_001", "site_003"]
    names = ["Site one", "Site one", "Site three"]
    r = Results(
        ds.assign_coords(site=("plant", sites), site_name=("plant", names)).assign(
            direct_emissions=(ds["direct_emissions"].dims, direct, ds["direct_emissions"].attrs)
        )
    )
    states = metrics.site_states(r).set_index(["site", "year"])
    one = states.loc["site_001"]
    assert one["route"].tolist() == ["crude_steel_incumbent"] * 3
    assert one["direct_emissions_ktco2"].tolist() == pytest.approx([12e3, 10e3, 15e3])
    assert one["base_emissions_ktco2"].tolist() == pytest.approx([12e3] * 3)


# --- hand-checked indicators (mutation round 7) ---------------------------------------------------


def _second_scenario(r: Results) -> Results:
    """``r`` (one scenario) followed by an identical copy named ``green_market``."""
    ds = r.dataset
    both = xr.concat(
        [ds, ds.assign_coords(scenario=["green_market"])],
        dim="scenario",
        data_vars="minimal",
        coords="minimal",
        compat="override",
    )
    return Results(both)


def _energy(r: Results, **per_carrier: np.ndarray) -> np.ndarray:
    """The ``energy`` array of ``r`` with every carrier 0 but those given, (scenario, plant,
    year) each."""
    ds = r.dataset
    assert ds["energy"].dims == ("scenario", "plant", "year", "carrier")
    energy = np.zeros(ds["energy"].shape)
    carriers = [str(c) for c in ds["carrier"].values]
    for carrier, values in per_carrier.items():
        energy[..., carriers.index(carrier)] = values
    return energy


def test_a_grouping_key_given_twice_or_not_allowed_is_refused() -> None:
    """``by=["cluster", "cluster"]`` is refused, not added up twice; ``route_mix`` takes only
    product or sector and ``infrastructure_use`` only cluster, not every grouping key."""
    r = hand_made()
    with pytest.raises(KruispuntError, match=r"grouping \['cluster', 'cluster'\] .* repeats"):
        metrics.emissions(r, by=["cluster", "cluster"])
    with pytest.raises(KruispuntError, match="unknown grouping 'cluster' for route_mix"):
        metrics.route_mix(r, by="cluster")  # type: ignore[arg-type]
    with pytest.raises(KruispuntError, match="unknown grouping 'sector' for infrastructure_use"):
        metrics.infrastructure_use(r, by="sector")  # type: ignore[arg-type]


def test_groups_come_in_their_canonical_order() -> None:
    """Products in the order of the product dimension (crude_steel, ammonia, hvc; not
    alphabetical), sectors in the order their plants come (steel, fertiliser, chemicals),
    clusters in dimension order with a cluster not on the dimension after them: plant 1 in
    'elsewhere' gives Rotterdam-Moerdijk 10 + 3 = 13 Mt and elsewhere 2 Mt in 2029."""
    r = hand_made()
    assert metrics.production(r)["product"].unique().tolist() == ["crude_steel", "ammonia", "hvc"]
    sectors = metrics.emissions(r, by="sector")["sector"].unique().tolist()
    assert sectors == ["steel", "fertiliser", "chemicals"]
    ds = r.dataset
    moved = Results(
        ds.assign_coords(
            plant_cluster=("plant", ["rotterdam_moerdijk", "elsewhere", "rotterdam_moerdijk"])
        )
    )
    by = metrics.emissions(moved, by="cluster")
    first = by[by["year"] == 2029]
    assert first["cluster"].tolist() == ["rotterdam_moerdijk", "elsewhere"]
    assert first["emissions_mtco2"].tolist() == [13.0, 2.0]


def test_a_year_outside_the_results_is_named_with_their_range() -> None:
    """The hand-made results cover 2029-2031: 2028 (before them) is refused as 2032 is."""
    for year in (2028, 2032):
        with pytest.raises(
            KruispuntError, match=rf"^year {year} is not in the results \(they cover 2029-2031\)$"
        ):
            metrics.site_table(hand_made(), year)


def test_each_emission_kind_reads_its_own_variable() -> None:
    """Plant 0 captures 4 Mt a year and sends 3 Mt to storage (1 Mt used elsewhere); plant 1's
    electricity causes 0.5 Mt: captured 4, stored 3, indirect 0.5, direct 15, 10, 7 Mt."""
    r = hand_made()
    zero = np.zeros(r.dataset["captured_co2"].shape)
    captured, stored, indirect = zero.copy(), zero.copy(), zero.copy()
    captured[0, 0], stored[0, 0], indirect[0, 1] = 4e6, 3e6, 0.5e6
    r = _with(r, captured_co2=captured, stored_co2=stored, indirect_emissions=indirect)
    got = {
        kind: metrics.emissions(r, kind=kind)["emissions_mtco2"].tolist()  # type: ignore[arg-type]
        for kind in ("direct", "indirect", "captured", "stored")
    }
    assert got == {
        "direct": [15.0, 10.0, 7.0],
        "indirect": [0.5, 0.5, 0.5],
        "captured": [4.0, 4.0, 4.0],
        "stored": [3.0, 3.0, 3.0],
    }


def _exports_hvc(r: Results) -> Results:
    """hvc made 2, 3, 0 Mt against a demand of 2 Mt a year: in 2030 1 Mt more than demand,
    and imports recorded as the engine records them, never below 0 (0, 0, 2 Mt)."""
    ds = r.dataset
    production = ds["production"].values.copy()
    production[0, 2] = [2e6, 3e6, 0.0]
    demand = ds["demand"].values.copy()
    demand[0, 2] = 2e6
    domestic = np.stack([production[0, 0], production[0, 1], production[0, 2]])[None]
    return _with(r, production=production, imports=np.maximum(demand - domestic, 0.0))


def test_imports_are_read_as_recorded_and_share_kept_from_production() -> None:
    """hvc in 2030: demand 2 Mt, made 3 Mt, imports 0 as recorded (not 2 - 3 = -1 Mt); the
    share kept is 3 / 2 = 1.5 (production over demand, not 1 - imports / demand = 1)."""
    pi = metrics.production_and_imports(_exports_hvc(hand_made())).set_index(["product", "year"])
    row = pi.loc[("hvc", 2030)]
    assert (row["demand"], row["domestic"], row["imports"]) == (2e6, 3e6, 0.0)
    assert row["share_kept"] == 1.5


def test_a_product_without_plants_keeps_its_demand_and_no_production() -> None:
    """Plant 1 makes hvc instead of ammonia: ammonia (middle of the product dimension) has
    demand 1 Mt and no production, share kept 0; hvc is made by plants 1 and 2: 1 + 2 = 3,
    1 + 0 = 1 and 0 Mt."""
    ds = hand_made().dataset
    r = Results(ds.assign_coords(plant_product=("plant", ["crude_steel", "hvc", "hvc"])))
    pi = metrics.production_and_imports(r)
    assert pi["product"].unique().tolist() == ["crude_steel", "ammonia", "hvc"]
    by = pi.set_index(["product", "year"])
    assert by.loc["ammonia", "domestic"].tolist() == [0.0, 0.0, 0.0]
    assert by.loc["ammonia", "share_kept"].tolist() == [0.0, 0.0, 0.0]
    assert by.loc["hvc", "domestic"].tolist() == [3e6, 1e6, 0.0]


def test_production_by_group_columns_and_sums() -> None:
    """By cluster: the by key before the product (columns scenario, cluster, product, year,
    unit, production); Rotterdam-Moerdijk makes 5 Mt steel and 2 Mt hvc in 2029, Cluster 6
    1 Mt ammonia. ``by="product"`` is the national table (product is always a key)."""
    r = hand_made()
    by = metrics.production(r, by="cluster")
    assert list(by.columns) == ["scenario", "cluster", "product", "year", "unit", "production"]
    first = by[by["year"] == 2029].set_index(["cluster", "product"])["production"]
    assert first.to_dict() == {
        ("rotterdam_moerdijk", "crude_steel"): 5e6,
        ("rotterdam_moerdijk", "hvc"): 2e6,
        ("cluster6", "ammonia"): 1e6,
    }
    pd.testing.assert_frame_equal(metrics.production(r, by="product"), metrics.production(r))


def test_route_mix_by_sector_takes_shares_within_the_sector() -> None:
    """Plant 2 makes crude steel on the electric route in the chemicals sector (2 Mt in 2029),
    plant 0 5 Mt on the incumbent route in steel: by sector each route has all of its
    sector's steel (share 1); nationally 5 / 7 and 2 / 7."""
    ds = hand_made().dataset
    route = ds["route_index"].values.copy()
    route[0, 2] = list(ds["route"].values).index("crude_steel_electrification")
    products = ["crude_steel", "ammonia", "crude_steel"]
    r = _with(Results(ds.assign_coords(plant_product=("plant", products))), route_index=route)
    by = metrics.route_mix(r, by="sector")
    by = by[(by["year"] == 2029) & (by["product"] == "crude_steel") & (by["plants"] > 0)]
    shares = by.set_index(["sector", "route"])["share"].to_dict()
    assert shares == {
        ("steel", "crude_steel_incumbent"): 1.0,
        ("chemicals", "crude_steel_electrification"): 1.0,
    }
    nat = metrics.route_mix(r, by=None).set_index(["route", "year"])["share"]
    assert nat[("crude_steel_incumbent", 2029)] == pytest.approx(5 / 7)
    assert nat[("crude_steel_electrification", 2029)] == pytest.approx(2 / 7)


def test_route_family_mix_weighs_tonnes_and_first_year_emissions() -> None:
    """hvc measured in GJ (left out of tonnes). 2029: steel 5 Mt and ammonia 1 Mt incumbent:
    6 Mt; 2030: steel 5 Mt incumbent, ammonia 1 Mt on hydrogen. Base emissions are the 2029
    emissions of each plant on its family of the year: 2030 incumbent 10 Mt (steel),
    hydrogen 2 Mt (ammonia), electrification 3 Mt (hvc), not the 8, 2, 0 Mt of 2030."""
    ds = hand_made().dataset
    r = Results(ds.assign_coords(product_unit=("product", ["t/yr", "t/yr", "GJ/yr"])))
    prod = metrics.route_family_mix(r).set_index(["route_family", "year"])["production_mt"]
    assert prod[("incumbent", 2029)] == 6.0
    assert (prod[("incumbent", 2030)], prod[("hydrogen", 2030)]) == (5.0, 1.0)
    assert prod[("electrification", 2029)] == 0.0
    base = metrics.route_family_mix(r, weight="base_emissions").set_index(["route_family", "year"])[
        "base_emissions_mtco2"
    ]
    assert base[("incumbent", 2030)] == 10.0
    assert base[("hydrogen", 2030)] == 2.0
    assert base[("electrification", 2030)] == 3.0


def test_route_families_come_in_vocabulary_order() -> None:
    """The routes listed closure first (each product's closure route moved to the front):
    the families still come incumbent, electrification, ccs, hydrogen, closure."""
    ds = hand_made().dataset
    n = ds.sizes["route"]
    perm = [i for i in range(n) if ds["route_family"].values[i] == "closure"]
    perm += [i for i in range(n) if i not in perm]
    inverse = np.argsort(perm)
    moved = ds.isel(route=perm).assign(
        route_index=(ds["route_index"].dims, inverse[ds["route_index"].values].astype(np.int16))
    )
    r = Results(moved)
    assert str(r.dataset["route_family"].values[0]) == "closure"
    families = metrics.route_family_mix(r)["route_family"].unique().tolist()
    assert families == ["incumbent", "electrification", "ccs", "hydrogen", "closure"]


def test_material_use_in_kilotonnes() -> None:
    """Plant 0 uses 1.5 t of iron ore per t of steel: 7.5 Mt = 7,500 kt a year."""
    r = hand_made()
    r = _with(r, energy=_energy(r, iron_ore=np.array([[[7.5e6] * 3, [0.0] * 3, [0.0] * 3]])))
    mat = metrics.material_use(r)
    assert mat["carrier"].unique().tolist() == ["iron_ore"]
    assert mat["mass_kt"].tolist() == [7500.0, 7500.0, 7500.0]
    assert mat.attrs["units"] == {"mass_kt": "kt/yr"}


def _grid(r: Results) -> Results:
    """Plant 0 uses 3.6e6 GJ (1 TWh) of electricity at a peak of 200 MW, plant 2 7.2e6 GJ
    (2 TWh) at 50 MW, plant 1 none at 10 MW (its electric_load 1 MW each: not the peak);
    plant 1 waits for 30 MW of grid in 2030. Rotterdam-Moerdijk's grid: 40, 60, 80 MW of
    new load against 100 MW; its CO2 storage 5 Mt."""
    ds = r.dataset
    per_year = np.ones(3)
    elec = np.stack([3.6e6 * per_year, 0.0 * per_year, 7.2e6 * per_year])[None]
    peak = np.stack([200.0 * per_year, 10.0 * per_year, 50.0 * per_year])[None]
    waiting = np.zeros(ds["grid_waiting"].shape)
    waiting[0, 1, 1] = 30.0
    r = _with(
        r,
        energy=_energy(r, electricity=elec),
        peak_load=peak,
        electric_load=np.ones(peak.shape),
        grid_waiting=waiting,
    )
    return _infra(
        r,
        {
            ("rotterdam_moerdijk", "grid"): ([40.0, 60.0, 80.0], [100.0] * 3),
            ("rotterdam_moerdijk", "co2_storage"): ([5e6] * 3, [6e6] * 3),
        },
    )


def test_grid_by_cluster_hand_checked() -> None:
    """Rotterdam-Moerdijk (plants 0 and 2) in 2029: 1 + 2 = 3 TWh, peak 200 + 50 = 250 MW,
    new load 40 MW of 100 MW, none waiting; Cluster 6 (plant 1) in 2030: one plant waiting
    for 30 MW; Zeeland has no plants: 0 TWh, 0 MW (not NaN)."""
    grid = metrics.grid_by_cluster(_grid(hand_made())).set_index(["cluster", "year"])
    rm = grid.loc[("rotterdam_moerdijk", 2029)]
    assert rm["electricity_twh"] == pytest.approx(3.0, rel=1e-12)
    assert (rm["peak_mw"], rm["new_load_mw"], rm["capacity_mw"]) == (250.0, 40.0, 100.0)
    assert (rm["waiting_plants"], rm["waiting_mw"]) == (0, 0.0)
    c6 = grid.loc[("cluster6", 2030)]
    assert (c6["waiting_plants"], c6["waiting_mw"]) == (1, 30.0)
    assert grid.loc[("cluster6", 2029), "waiting_plants"] == 0
    zeeland = grid.loc[("zeeland", 2029)]
    assert (zeeland["electricity_twh"], zeeland["peak_mw"], zeeland["waiting_plants"]) == (0, 0, 0)


def _site_money(r: Results) -> Results:
    """Plant 0 (site_001): captures 4 Mt a year and stores 3 Mt, causes 0.5 Mt indirect,
    uses 3.6e6 GJ (1 TWh) of electricity; invests 50 MEUR in 2029 and 100 MEUR in 2030, pays
    20 MEUR opex and receives 30 MEUR subsidies in 2030 (no other cost). Plant 1 (site_002)
    uses 1.8e6 GJ (0.5 TWh) of hydrogen."""
    ds = r.dataset
    zero = np.zeros(ds["capex"].shape)
    money = {v: zero.copy() for v, _ in metrics._COST_ITEMS.values()}
    money["capex"][0, 0, :2] = [50e6, 100e6]
    money["opex"][0, 0, 1] = 20e6
    money["subsidies"][0, 0, 1] = 30e6
    captured, stored, indirect = zero.copy(), zero.copy(), zero.copy()
    captured[0, 0], stored[0, 0], indirect[0, 0] = 4e6, 3e6, 0.5e6
    elec, h2 = zero.copy(), zero.copy()
    elec[0, 0], h2[0, 1] = 3.6e6, 1.8e6
    return _with(
        r,
        **money,
        captured_co2=captured,
        stored_co2=stored,
        indirect_emissions=indirect,
        energy=_energy(r, electricity=elec, hydrogen=h2),
    )


def test_site_table_hand_checked() -> None:
    """2030: site_001 captured 4,000 kt (not the 3,000 stored), indirect 500 kt, 1 TWh =
    1,000 GWh of electricity, capex 50 + 100 = 150 MEUR to date, subsidies 30 MEUR, net
    cost 100 + 20 - 30 = 90 MEUR; site_002 500 GWh of hydrogen and runs ammonia_hydrogen
    (its 2030 route); site_003 (hvc, nothing made in 2030) is not producing."""
    st = metrics.site_table(_site_money(hand_made()), 2030).set_index("site")
    one = st.loc["site_001"]
    assert (one["captured_ktco2"], one["indirect_emissions_ktco2"]) == (4000.0, 500.0)
    assert one["electricity_gwh"] == pytest.approx(1000.0, rel=1e-12)
    assert one["capex_cumulative_meur"] == pytest.approx(150.0)
    assert one["subsidies_meur"] == pytest.approx(30.0)
    assert one["net_cost_meur"] == pytest.approx(90.0)
    assert st.loc["site_002", "hydrogen_gwh"] == pytest.approx(500.0, rel=1e-12)
    assert st.loc["site_002", "routes"] == "ammonia_hydrogen"
    assert st["producing"].tolist() == [True, True, False]


def test_site_states_per_scenario() -> None:
    """Plants 0 (steel, 10, 8, 6 Mt) and 1 (ammonia, 2, 2, 1 Mt, made 1, 1, 0 Mt) share
    site_001. In green_market plant 1 emits 12 Mt in 2029, more than plant 0: there the main
    route is ammonia's (ammonia_incumbent in 2029), in the reference steel's. The site
    produces in 2031 (steel does, ammonia not)."""
    r = _second_scenario(hand_made())
    ds = r.dataset
    direct = ds["direct_emissions"].values.copy()
    direct[1, 1, 0] = 12e6
    sites = ["site_001", "site_001", "site_003"]
    names = ["Site one", "Site one", "Site three"]
    r = _with(
        Results(ds.assign_coords(site=("plant", sites), site_name=("plant", names))),
        direct_emissions=direct,
    )
    states = metrics.site_states(r).set_index(["scenario", "site", "year"])
    assert states.loc[("reference", "site_001", 2029), "route"] == "crude_steel_incumbent"
    assert states.loc[("green_market", "site_001", 2029), "route"] == "ammonia_incumbent"
    assert states.loc[("green_market", "site_001", 2029), "base_emissions_ktco2"] == 22e3
    assert states.loc[("reference", "site_001", 2031), "producing"]


def test_site_route_history_hand_checked() -> None:
    """site_002 (plant 1, ammonia): 2, 2, 1 Mt = 2,000, 2,000, 1,000 kt; it switched in 2030
    for reinvestment (none in the other years). In green_market it makes 4 Mt a year."""
    r = _second_scenario(hand_made())
    production = r.dataset["production"].values.copy()
    production[1, 1] = 4e6
    hist = metrics.site_route_history(_with(r, production=production), "site_002")
    ref = hist[hist["scenario"] == "reference"]
    assert ref["direct_emissions_ktco2"].tolist() == [2000.0, 2000.0, 1000.0]
    assert ref["switch_reason"].tolist() == ["none", "reinvestment", "none"]
    assert ref["production"].tolist() == [1e6, 1e6, 0.0]
    green = hist[hist["scenario"] == "green_market"]
    assert green["production"].tolist() == [4e6, 4e6, 4e6]


def test_key_indicators_hand_checked() -> None:
    """Years 2030 and 2050. Electricity: plant 0 uses 1 then 2 TWh (3.6e6, 7.2e6 GJ);
    hydrogen: plant 1 0 then 3 TWh. Products in tonnes in 2030: steel demand 6, made 5,
    imports 1 Mt; ammonia 1, 1, 0; hvc demand 2, made 3, imports 0 (as recorded): kept
    9 / 9 = 1.0, imported 1 / 9 (not 1 - kept = 0). SDE++ pays 100 MEUR in 2030, the energy
    tax brings 30 MEUR in 2050: cumulative cash flow -70 MEUR."""
    base = synthetic_results(n_scenarios=1, n_plants=3, years=[2030, 2050], seed=0)
    ds = base.dataset
    assert list(ds["product"].values) == ["crude_steel", "ammonia", "hvc"]
    elec = np.array([[[3.6e6, 7.2e6], [0.0, 0.0], [0.0, 0.0]]])
    h2 = np.array([[[0.0, 0.0], [0.0, 10.8e6], [0.0, 0.0]]])
    production = np.array([[[5e6, 5e6], [1e6, 1e6], [3e6, 3e6]]])
    demand = np.array([[[6e6, 6e6], [1e6, 1e6], [2e6, 2e6]]])
    flows = [str(f) for f in ds["flow"].values]
    gov = np.zeros(ds["gov_cash_flow"].shape)
    gov[0, flows.index("sde_outlay"), 0] = -100e6
    gov[0, flows.index("energy_tax_revenue"), 1] = 30e6
    r = _with(
        base,
        energy=_energy(base, electricity=elec, hydrogen=h2),
        production=production,
        demand=demand,
        imports=np.maximum(demand - production, 0.0),
        gov_cash_flow=gov,
    )
    ki = metrics.key_indicators(r).iloc[0]
    assert ki["electricity_2030_twh"] == pytest.approx(1.0, rel=1e-12)
    assert ki["electricity_2050_twh"] == pytest.approx(2.0, rel=1e-12)
    assert ki["hydrogen_2030_twh"] == 0.0
    assert ki["hydrogen_2050_twh"] == pytest.approx(3.0, rel=1e-12)
    assert ki["share_kept_2030"] == 1.0
    assert ki["share_imported_2030"] == pytest.approx(1 / 9, rel=1e-12)
    assert ki["gov_cash_flow_cumulative_meur"] == pytest.approx(-70.0)


def test_a_summary_of_another_version_is_stale(monkeypatch: pytest.MonkeyPatch) -> None:
    """The fingerprint takes the package version: a summary made by another version of the
    same code is not current."""
    summary = metrics.run_summary(hand_made())
    assert metrics.summary_is_current(summary)
    with monkeypatch.context() as m:
        m.setattr(metrics, "__version__", "0.0.0-other")
        metrics._definitions.cache_clear()
        stale = not metrics.summary_is_current(summary)
    metrics._definitions.cache_clear()
    assert stale
    assert metrics.summary_is_current(summary)


def test_summary_is_current_checks_format_fingerprint_and_lengths() -> None:
    """The summary of the hand-made run (one scenario, 2029-2031, 10 Mt in 2030) is current;
    with another fingerprint, another format or two values for one scenario it is not."""
    s = metrics.run_summary(hand_made())
    assert (s["scenarios"], s["years"]) == (["reference"], [2029, 2030, 2031])
    assert s["key_indicators"]["emissions_2030_mtco2"] == [10.0]
    assert metrics.summary_is_current(s)
    assert not metrics.summary_is_current({**s, "definitions": "0" * 16})
    assert not metrics.summary_is_current({**s, "format": "another-summary"})
    longer = {**s["key_indicators"], "emissions_2030_mtco2": [10.0, 10.0]}
    assert not metrics.summary_is_current({**s, "key_indicators": longer})
    assert not metrics.summary_is_current(None)
    # edited by hand: the dashboard once took these as they were (500s: max of no years,
    # years of text, a scenario the run does not have)
    for years in ([], ["x", 2030, 2031], [2029, 2031, 2030], [True, 2030, 2031], None):
        assert not metrics.summary_is_current({**s, "years": years}), years
    for names in ([], [1], ["reference", "reference"], "reference"):
        assert not metrics.summary_is_current({**s, "scenarios": names}), names
    assert metrics.summary_is_current(s, ["reference"])
    assert not metrics.summary_is_current(s, ["<script>alert(1)</script>"])
