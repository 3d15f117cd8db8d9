"""What the report says, read as a policy analyst would (issue 13): who ran what, with which
data; labels instead of ids; charts that weigh plants by size; capacity drawn honestly."""

from __future__ import annotations

import json
import re

import numpy as np
import pandas as pd
import pytest
from tests.report_pages import figures

from kruispunt import metrics
from kruispunt.api import run
from kruispunt.reports import CHARTS, RunMeta, build_report
from kruispunt.reports.charts import Run, figure
from kruispunt.reports.labels import LABELS
from kruispunt.results import Results
from kruispunt.testing import synthetic_results

META = RunMeta("20250101T120000000000Z-0badc0de", "2025-01-01T12:00:00+00:00", "my-run")


@pytest.fixture(scope="module")
def res() -> Results:
    return synthetic_results(n_scenarios=2, n_plants=12, seed=3)


@pytest.fixture(scope="module")
def page(res: Results) -> str:
    return build_report(res, meta=META)


def _names(fig: dict[str, object]) -> list[str]:
    return [str(t["name"]) for t in fig["data"]]  # type: ignore[index, union-attr]


def test_header_names_run_date_data_euro_year_and_scenarios(res: Results, page: str) -> None:
    assert META.run_id in page
    assert "2025-01-01 12:00:00 UTC" in page
    assert "my-run" in page
    assert str(res.provenance["data_hash"])[:12] in page
    assert "Euro year" in page and "not stated by these results" in page
    assert "synthetic scenario (invented numbers)" in page  # the scenario description


def test_euro_year_is_shown_when_the_results_state_it(res: Results) -> None:
    stated = Results(res.dataset.assign_attrs(euro_year=2024))
    assert metrics.euro_year(stated) == 2024
    assert "EUR 2024" in build_report(stated)


def test_every_chart_has_a_caption(page: str) -> None:
    for name, chart in CHARTS.items():
        block = page.split(f'data-chart="{name}"', 1)[1]
        caption = re.search(r'<p class="caption">([^<]+)</p>', block)
        assert caption is not None and len(caption.group(1)) > 80, name
        assert chart.title in block.split("</h3>", 1)[0]


def test_legends_use_labels_not_ids(res: Results) -> None:
    raw = {i for kind in ("sector", "flow", "item", "carrier", "family") for i in LABELS[kind]}
    for name in CHARTS:
        for trace_name in _names(figure(name, [Run("run", res)])):
            assert trace_name not in raw, (name, trace_name)
            assert "_" not in trace_name, (name, trace_name)
    gov = _names(figure("government_cash_flow", [Run("run", res)]))
    assert "SDE++ subsidies paid" in gov and "Energy tax revenue" in gov
    sectors = _names(figure("emissions_sector", [Run("run", res)]))
    assert "Iron and steel" in sectors


def test_site_table_shows_names(res: Results, page: str) -> None:
    table = page.split('class="sortable site-table"', 1)[1].split("</table>", 1)[0]
    names = metrics.site_names(res)
    for site, name in names.items():
        assert f'title="{site}">{name}</td>' in table
    assert ">rotterdam_moerdijk<" not in table


def test_products_without_data_are_left_out_of_the_domestic_share(res: Results) -> None:
    ds = res.dataset
    demand = ds["demand"].copy()
    demand.loc[{"product": "glass"}] = 0.0
    emptied = Results(ds.assign(demand=demand))
    fig = figure("production_imports", [Run("run", emptied)])
    shown = _names(fig)
    assert "Glass" not in shown and "Crude steel" in shown
    notes = [a["text"] for a in fig["layout"]["annotations"]]
    assert notes == ["Not shown (no demand in the data): Glass"]


def test_route_mix_weighs_plants_by_size(res: Results) -> None:
    """Hand check: per year, the families' first-year emissions add up to the national
    first-year emissions, and production to the tonnes of the products in t."""
    mix = metrics.route_family_mix(res, weight="base_emissions")
    first = metrics.emissions(res)
    for s in res.scenarios:
        base = first[(first["scenario"] == s)]["emissions_mtco2"].iloc[0]
        sums = mix[mix["scenario"] == s].groupby("year")["base_emissions_mtco2"].sum()
        np.testing.assert_allclose(sums.to_numpy(), base, rtol=1e-12)
    prod = metrics.route_family_mix(res, weight="production")
    tonnes = metrics.production(res)
    tonnes = tonnes[tonnes["unit"] == "t/yr"].groupby(["scenario", "year"])["production"].sum()
    got = prod.groupby(["scenario", "year"])["production_mt"].sum()
    np.testing.assert_allclose(got.loc[tonnes.index].to_numpy(), tonnes.to_numpy() * 1e-6)
    # the chart draws these weights, not plant counts
    fig = figure("route_mix_emissions", [Run("run", res)])
    assert {t["name"] for t in fig["data"]} <= set(LABELS["family"].values())


def _with_grid_capacity(res: Results, value: float, clusters: list[str] | None = None) -> Results:
    ds = res.dataset
    cap = ds["infra_capacity"].copy()
    where = {"resource": "grid"} | ({"cluster": clusters} if clusters else {})
    cap.loc[where] = value
    pools = ds["pool_capacity"].copy()  # the synthetic pools: one per resource and cluster
    grid = (ds["pool_resource"] == "grid").values
    if clusters:
        grid &= np.isin(ds["pool_cluster"].values, clusters)
    pools.loc[{"pool": ds["pool"].values[grid]}] = value
    return Results(ds.assign(infra_capacity=cap, pool_capacity=pools))


def test_grid_capacity_line_where_finite_and_unlimited_said(res: Results) -> None:
    fig = figure("grid", [Run("run", res)])
    caps = [t for t in fig["data"] if str(t["name"]).endswith(": capacity")]
    assert caps and all(any(v is not None for v in t["y"]) for t in caps)
    unlimited = _with_grid_capacity(res, np.inf, ["chemelot", "zeeland"])
    fig = figure("grid", [Run("run", unlimited)])
    names = _names(fig)
    assert "Chemelot: capacity" not in names and "Zeeland: capacity" not in names
    assert "Rotterdam-Moerdijk: capacity" in names
    text = " ".join(a["text"] for a in fig["layout"]["annotations"])
    assert "Unlimited grid capacity" in text and "Chemelot" in text and "Zeeland" in text
    json.dumps(fig, allow_nan=False)  # no infinity reaches the page


def test_grid_chart_draws_each_grid_zone_apart_on_the_embedded_data() -> None:
    """Current policy on the embedded data: the chart draws the port area's own grid against
    its 1,800 MW and TenneT's Noord-Brabant zone against its 805 MW, and its notes give each
    zone's years. Summed by cluster (the chart before Dec 2026) Rotterdam-Moerdijk read
    unlimited from 2033 (its Port of Moerdijk zone) and Cluster 6 from 2030 (its Noord-
    Limburg zone), though Cluster 6's own grid has no room until 2034."""
    fig = figure("grid", [Run("run", run("current-policy"))])
    lines = {str(t["name"]): [v for v in t["y"] if v is not None] for t in fig["data"]}
    assert max(lines["Rotterdam-Moerdijk: capacity"]) == 1800.0
    assert max(lines["Cluster 6 – TenneT Noord-Brabant: capacity"]) == 805.0
    assert max(lines["Rotterdam-Moerdijk – Port of Moerdijk: load growth"]) > 0
    notes = [a["text"] for a in fig["layout"]["annotations"]]
    assert (
        "No room for new load in 2025–2033, unlimited in 2034–2050: Chemelot; Cluster 6; "
        "Cluster 6 – TenneT Midden- and Zuid-Limburg" in notes
    )
    assert (
        "No room for new load in 2025–2029, unlimited in 2030–2050: "
        "Cluster 6 – TenneT Noord-Limburg" in notes
    )
    assert "No room for new load in 2025–2028: Rotterdam-Moerdijk" in notes
    json.dumps(fig, allow_nan=False)


def test_the_scarce_capacity_table_has_every_pool_of_every_scenario(res: Results) -> None:
    """One row per scenario and pool, in the report's units (CO2 in Mt, hydrogen and
    biomass in PJ): a synthetic CO2 store's 2030 capacity as the metric gives it / 1e6."""
    page = build_report(res, meta=META)
    table = page.split('<table class="pool-table"', 1)[1].split("</table>", 1)[0]
    rows = table.split("<tbody>", 1)[1].count("<tr ")
    assert rows == res.dataset.sizes["scenario"] * res.dataset.sizes["pool"]
    summary = metrics.pool_summary(res)
    store = summary[summary["resource"] == "co2_storage"].iloc[0]
    want = f"{store['capacity_2030'] * 1e-6:,.2f}"
    row = next(
        r
        for r in table.split("<tr ")[1:]
        if f'title="{store["pool"]}"' in r and store["scenario"] in r
    )
    assert f'<td class="num">{want}</td>' in row and "<td>Mt CO2/yr</td>" in row


def test_storage_peak_reports_one_year(res: Results) -> None:
    peak = metrics.storage_peak(res)
    infra = metrics.infrastructure_use(res, by=None)
    ccs = infra[infra["resource"] == "co2_storage"]
    assert peak["peak_year"].notna().any()
    for row in peak.itertuples():
        sel = ccs[ccs["scenario"] == row.scenario]
        if peak.loc[row.Index, "peak_year"] is pd.NA:
            assert sel["use"].max() == 0 and row.peak_use_mtco2 == 0
            continue
        at = sel[sel["year"] == row.peak_year].iloc[0]
        assert row.peak_use_mtco2 == pytest.approx(sel["use"].max() * 1e-6)
        assert row.capacity_mtco2 == pytest.approx(at["capacity"] * 1e-6)
        assert row.utilisation_share == pytest.approx(at["use"] / at["capacity"])
        ki = metrics.key_indicators(res).set_index("scenario").loc[row.scenario]
        assert ki["ccs_capacity_at_peak_mtco2"] == pytest.approx(row.capacity_mtco2)


def test_storage_peak_ties_take_the_first_year(res: Results) -> None:
    ds = res.dataset.isel(scenario=[0])
    use = ds["infra_use"].copy()
    cap = ds["infra_capacity"].copy()
    years = ds["year"].values
    level = np.where(years >= 2030, 3.0e6, 1.0e6) * (1 + 1e-12 * (years - 2030).clip(0))
    use.loc[{"resource": "co2_storage"}] = 0.0
    use.loc[{"resource": "co2_storage", "cluster": "rotterdam_moerdijk"}] = level
    cap.loc[{"resource": "co2_storage"}] = np.where(years >= 2040, 2.0e7, 2.5e7)
    peak = metrics.storage_peak(Results(ds.assign(infra_use=use, infra_capacity=cap)))
    assert int(peak["peak_year"].iloc[0]) == 2030
    assert peak["capacity_mtco2"].iloc[0] == pytest.approx(6 * 25.0)


def test_compare_identifies_runs_a_and_b(res: Results) -> None:
    other = synthetic_results(n_scenarios=2, n_plants=12, seed=5)
    meta_b = RunMeta("20250102T000000000000Z-feedbeef", "2025-01-02T00:00:00+00:00")
    text = build_report(res, compare_with=other, meta=META, compare_meta=meta_b)
    assert "Run A — solid lines" in text and "Run B — dashed lines" in text
    assert META.run_id in text and meta_b.run_id in text
    drawn = figures(text)
    assert len(drawn) == len(CHARTS)
    assert not any("updatemenus" in layout for _, layout in drawn)
    fig = figure("costs", [Run("A", res), Run("B", other)])
    runs = {t["meta"]["run"] for t in fig["data"]}
    assert runs == {"A", "B"}
    assert all(str(t["name"]).endswith(("(A)", "(B)")) for t in fig["data"])


def test_one_scenario_menu_for_all_charts(res: Results, page: str) -> None:
    assert page.count('id="view-select"') == 1
    single = build_report(res.select(res.scenarios[0]))
    assert 'id="view-select"' not in single


def test_run_meta_from_a_catalogue_record() -> None:
    meta = RunMeta.from_record({"run_id": "x", "created": "2025-01-01T00:00:00", "name": None})
    assert meta == RunMeta("x", "2025-01-01T00:00:00", None)


def test_a_flow_without_a_label_says_whether_it_is_revenue_or_outlay(res: Results) -> None:
    ds = res.dataset
    renamed = ds.assign_coords(
        flow=[f if f != "ikc_outlay" else "new_aid" for f in ds["flow"].values]
    )
    fig = figure("government_cash_flow", [Run("run", Results(renamed))])
    assert "new aid (outlay)" in _names(fig)
    assert metrics.flow_signs(res)["sde_outlay"] == -1
