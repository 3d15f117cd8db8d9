"""The charts of kruispunt.reports.charts read against the metrics they draw: every trace of
every scenario view is the metric of that scenario, under its label, in the chart's unit, with
gaps where the metric has no finite value."""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pytest

from kruispunt import metrics
from kruispunt.reports.charts import (
    CHARTS,
    FAMILY_COLORS,
    Run,
    figure,
    place_sites,
    site_costs_figure,
    site_map,
    site_route_figure,
)
from kruispunt.reports.labels import label
from kruispunt.results import Results
from kruispunt.testing import synthetic_results
from kruispunt.vocabulary import FAMILIES, SCENARIO

Line = tuple[list[int], list[float | None]]
INF = math.inf


def _with_gaps(res: Results) -> Results:
    """``res`` with what a chart must show as a gap or a note:

    - glass has no demand before 2028 (its domestic share is undefined there) and chlorine
      none at all (left out of the share chart, named in a note);
    - CO2 storage is unlimited in 2025-2027 in the first scenario only;
    - the grid of Zeeland (where load grows) and Noordzeekanaalgebied (where it does not) is
      unlimited in every year; that of Rotterdam-Moerdijk in 2025-2026 in the first scenario
      and in every year in the others.
    """
    ds = res.dataset
    years = ds["year"].values
    demand = ds["demand"].copy()
    demand.loc[{"product": "glass", "year": years[years < 2028]}] = 0.0
    demand.loc[{"product": "chlorine"}] = 0.0
    cap = ds["infra_capacity"].copy()
    first = ds[SCENARIO].values[0]
    cap.loc[{SCENARIO: first, "resource": "co2_storage", "year": years[years < 2028]}] = INF
    cap.loc[{"resource": "grid", "cluster": ["zeeland", "noordzeekanaalgebied"]}] = INF
    cap.loc[{"resource": "grid", "cluster": "rotterdam_moerdijk"}] = INF
    finite = {SCENARIO: first, "year": years[years >= 2027]}
    cap.loc[{"resource": "grid", "cluster": "rotterdam_moerdijk", **finite}] = 100.0
    use = ds["infra_use"].copy()
    use.loc[{"resource": "grid", "cluster": "noordzeekanaalgebied"}] = 0.0
    use.loc[{"resource": "grid", "cluster": "zeeland"}] = np.linspace(0.0, 40.0, years.size)
    # the synthetic pools are one per resource and cluster: the same changes pool by pool
    of = {"resource": ds["pool_resource"], "cluster": ds["pool_cluster"]}
    pool_cap = cap.sel(of).drop_vars(["resource", "cluster"]).transpose(*ds["pool_capacity"].dims)
    pool_use = use.sel(of).drop_vars(["resource", "cluster"]).transpose(*ds["pool_use"].dims)
    return Results(
        ds.assign(
            demand=demand,
            infra_capacity=cap,
            infra_use=use,
            pool_capacity=pool_cap,
            pool_use=pool_use,
        )
    )


@pytest.fixture(scope="module")
def res() -> Results:
    return _with_gaps(synthetic_results(n_scenarios=2, n_plants=12, years=range(2025, 2041)))


@pytest.fixture(scope="module")
def other() -> Results:
    """Another run, whose scenarios have names of their own."""
    raw = synthetic_results(n_scenarios=2, n_plants=12, years=range(2025, 2041), seed=7)
    named = raw.dataset.assign_coords({SCENARIO: ["policy_a", "policy_b"]})
    return _with_gaps(Results(named))


# --- what each chart should draw, from the metrics ------------------------------------------


def _line(frame: pd.DataFrame, value: str, scale: float = 1.0) -> Line:
    frame = frame.sort_values("year")
    ys = [float(v) * scale for v in frame[value]]
    return [int(y) for y in frame["year"]], [v if math.isfinite(v) else None for v in ys]


def _groups(
    frame: pd.DataFrame, scenario: str, key: str, value: str, name: Callable[[str], str]
) -> dict[str, Line]:
    sel = frame[frame[SCENARIO] == scenario]
    return {name(str(k)): _line(g, value) for k, g in sel.groupby(key)}


def _one(frame: pd.DataFrame, scenario: str, value: str, scale: float = 1.0) -> Line:
    return _line(frame[frame[SCENARIO] == scenario], value, scale)


def _sum_by_year(frame: pd.DataFrame, scenario: str, value: str) -> Line:
    sums = frame[frame[SCENARIO] == scenario].groupby("year")[value].sum()
    return [int(y) for y in sums.index], [float(v) for v in sums]


def _emissions(by: str) -> Callable[[Results, str], dict[str, Line]]:
    def want(res: Results, s: str) -> dict[str, Line]:
        clusters = metrics.cluster_names(res)
        name = (lambda c: clusters[c]) if by == "cluster" else (lambda x: label("sector", x))
        out = _groups(metrics.emissions(res, by=by), s, by, "emissions_mtco2", name)
        out["National total"] = _one(metrics.emissions(res), s, "emissions_mtco2")
        target = metrics.emissions_vs_target(res)
        out["Industry target (all industry)"] = _one(target, s, "target_mtco2")
        return out

    return want


def _mix(weight: Any, value: str) -> Callable[[Results, str], dict[str, Line]]:
    def want(res: Results, s: str) -> dict[str, Line]:
        mix = metrics.route_family_mix(res, weight=weight)
        used = mix.groupby("route_family")[value].apply(lambda v: bool((v != 0).any()))
        mix = mix[mix["route_family"].isin(used[used].index)]
        return _groups(mix, s, "route_family", value, lambda f: label("family", f))

    return want


def _energy(res: Results, s: str) -> dict[str, Line]:
    frame = metrics.energy_demand(res)
    return _groups(frame, s, "carrier", "energy_twh", lambda c: label("carrier", c))


def _grid(res: Results, s: str) -> dict[str, Line]:
    """Per grid pool (the synthetic pools are each cluster's own): its load where it grows or
    its capacity is finite and above zero in some year, and then that capacity."""
    names = metrics.cluster_names(res)
    frame = metrics.infrastructure_use(res, by="pool")
    frame = frame[(frame["resource"] == "grid") & (frame[SCENARIO] == s)]
    out = {}
    for cluster, g in frame.groupby("cluster"):
        cap = g["capacity"].to_numpy(np.float64)
        room = bool((np.isfinite(cap) & (cap > 0)).any())
        if room or bool((g["use"] > 0).any()):
            out[f"{names[str(cluster)]}: load growth"] = _line(g, "use")
        if room:
            out[f"{names[str(cluster)]}: capacity"] = _line(g, "capacity")
    return out


def _national(res: Results, resource: str) -> pd.DataFrame:
    frame = metrics.infrastructure_use(res, by=None)
    return frame[frame["resource"] == resource]


def _ccs(res: Results, s: str) -> dict[str, Line]:
    storage = _national(res, "co2_storage")
    captured = metrics.emissions(res, kind="captured")
    # tCO2/yr to MtCO2/yr
    names = metrics.cluster_names(res)
    stores = metrics.infrastructure_use(res, by="pool")  # synthetic: one store per cluster
    stores = stores[(stores["resource"] == "co2_storage") & (stores[SCENARIO] == s)]
    stored = {
        f"Stored: {names[str(c)]}": _line(g, "use", 1e-6)
        for c, g in stores.groupby("cluster")
        if bool((g["use"] > 0).any())
    }
    return {
        **stored,
        "Captured": _one(captured, s, "emissions_mtco2"),
        "Storage capacity": _one(storage, s, "capacity", 1e-6),
    }


def _biomass(res: Results, s: str) -> dict[str, Line]:
    frame = _national(res, "biomass")  # GJ/yr to PJ/yr
    return {
        "Biomass burnt": _one(frame, s, "use", 1e-6),
        "Biomass supply": _one(frame, s, "capacity", 1e-6),
    }


def _production(res: Results, s: str) -> dict[str, Line]:
    frame = metrics.production_and_imports(res)
    frame = frame[frame[SCENARIO] == s].assign(pct=frame["share_kept"] * 100.0)
    has = frame.groupby("product")["pct"].apply(lambda v: bool(v.notna().any()))
    frame = frame[frame["product"].isin(has[has].index)]
    return _groups(frame, s, "product", "pct", lambda p: label("product", p))


def _gov(res: Results, s: str) -> dict[str, Line]:
    frame = metrics.government_cash_flow(res)
    out = _groups(frame, s, "flow", "cash_flow_meur", lambda f: label("flow", f))
    out["Net"] = _sum_by_year(frame, s, "cash_flow_meur")
    return out


def _costs(res: Results, s: str) -> dict[str, Line]:
    frame = metrics.costs(res)
    out = _groups(frame, s, "item", "cost_meur", lambda i: label("item", i))
    out["Net cost"] = _sum_by_year(frame, s, "cost_meur")
    return out


EXPECTED: dict[str, Callable[[Results, str], dict[str, Line]]] = {
    "emissions_cluster": _emissions("cluster"),
    "emissions_sector": _emissions("sector"),
    "route_mix_production": _mix("production", "production_mt"),
    "route_mix_emissions": _mix("base_emissions", "base_emissions_mtco2"),
    "energy_carrier": _energy,
    "grid": _grid,
    "ccs_storage": _ccs,
    "biomass": _biomass,
    "production_imports": _production,
    "government_cash_flow": _gov,
    "costs": _costs,
}


def _assert_line(got: dict[str, Any], want: Line, where: object) -> None:
    assert got["x"] == want[0], where
    assert [v is None for v in got["y"]] == [v is None for v in want[1]], where
    ys = [v for v in got["y"] if v is not None]
    np.testing.assert_allclose(
        ys, [v for v in want[1] if v is not None], rtol=1e-12, err_msg=str(where)
    )


def _view(fig: dict[str, Any], v: int, run: str | None = None) -> list[dict[str, Any]]:
    return [
        t
        for t in fig["data"]
        if t["meta"]["view"] == v and (run is None or t["meta"]["run"] == run)
    ]


def test_every_chart_has_its_expected_series() -> None:
    assert set(EXPECTED) == set(CHARTS)


@pytest.mark.parametrize("name", list(CHARTS))
def test_each_view_draws_the_metrics_of_its_own_scenario(res: Results, name: str) -> None:
    fig = figure(name, [Run("run", res)])
    assert fig["layout"]["meta"]["views"] == res.scenarios
    for v, scenario in enumerate(res.scenarios):
        traces = _view(fig, v)
        assert {t["meta"][SCENARIO] for t in traces} == {scenario}
        names = [t["name"] for t in traces]
        assert len(names) == len(set(names)), names
        want = EXPECTED[name](res, scenario)
        assert set(names) == set(want), (name, scenario)
        for t in traces:
            _assert_line(t, want[t["name"]], (name, scenario, t["name"]))


def test_compared_runs_draw_each_run_s_own_metrics(res: Results, other: Results) -> None:
    """With two runs every trace of run B is run B's metric; its legend name carries B."""
    for name in ("emissions_cluster", "ccs_storage", "costs"):
        fig = figure(name, [Run("A", res), Run("B", other)])
        views = [f"{a} vs {b}" for a, b in zip(res.scenarios, other.scenarios, strict=True)]
        assert fig["layout"]["meta"]["views"] == views
        for v in range(len(res.scenarios)):
            for run, results in (("A", res), ("B", other)):
                traces = _view(fig, v, run)
                assert {t["meta"][SCENARIO] for t in traces} == {results.scenarios[v]}
                want = EXPECTED[name](results, results.scenarios[v])
                assert all(t["name"].endswith(f" ({run})") for t in traces), name
                shown = {t["name"].removesuffix(f" ({run})"): t for t in traces}
                assert set(shown) == set(want), (name, run)
                for series, t in shown.items():
                    _assert_line(t, want[series], (name, run, series))


def test_run_b_is_dashed_and_its_notes_name_it(res: Results, other: Results) -> None:
    """Run A solid, run B dashed (module docstring); a capacity line, dashed already, is
    dotted for run B. Each note says which run it is about."""
    fig = figure("ccs_storage", [Run("A", res), Run("B", other)])
    dash = {
        (t["meta"]["run"], t["name"].rsplit(" (", 1)[0]): t["line"]["dash"] for t in fig["data"]
    }
    assert dash[("A", "Captured")] == "solid" and dash[("B", "Captured")] == "dash"
    assert dash[("A", "Storage capacity")] == "dash" and dash[("B", "Storage capacity")] == "dot"
    notes = [a["text"] for a in fig["layout"]["meta"]["annotations"][0]]
    assert [n for n in notes if n.startswith("CO2 storage")] == [
        "CO2 storage capacity unlimited in 2025–2027 (A)",
        "CO2 storage capacity unlimited in 2025–2027 (B)",
    ]
    assert all(n.endswith((" (A)", " (B)")) for n in notes)


def test_the_storage_chart_stacks_each_store_and_says_how_full_each_got() -> None:
    """Current policy on the embedded data: the CO2 stored is drawn store by store in the
    order they first take CO2 (Yara's contract with Northern Lights from 2026, Porthos from
    2027, Aramis later), adding up to the national CO2 stored, and the note gives each
    store's highest use over its capacity, worked out here from the results' pools."""
    from kruispunt.api import run

    res = run("current-policy")
    fig = figure("ccs_storage", [Run("run", res)])
    stored = [t for t in fig["data"] if t["name"].startswith("Stored: ")]
    assert [t["name"] for t in stored] == [
        "Stored: Northern Lights (Yara's contract)",
        "Stored: Porthos",
        "Stored: Aramis",
    ]
    national = res.dataset["stored_co2"].sum("plant").values[0] * 1e-6
    total = np.nansum([[v or 0.0 for v in t["y"]] for t in stored], axis=0)
    np.testing.assert_allclose(total, national, rtol=1e-9, atol=1e-9)
    ds = res.dataset.isel(scenario=0)
    parts = []
    for pool, shown in (
        ("northern_lights_yara", "Northern Lights (Yara's contract)"),
        ("porthos", "Porthos"),
        ("aramis", "Aramis"),
    ):
        use = ds["pool_use"].sel(pool=f"co2_storage/{pool}").values
        cap = ds["pool_capacity"].sel(pool=f"co2_storage/{pool}").values
        share = np.where(cap > 0, use / np.where(cap > 0, cap, 1.0), -1.0)
        top = int(np.argmax(share))
        parts.append(f"{shown} {share[top]:.0%} ({int(ds['year'].values[top])})")
    assert "Porthos 94% (2027)" in parts
    notes = [a["text"] for a in fig["layout"]["annotations"]]
    assert notes == [f"Most of each store's capacity used: {'; '.join(parts)}"]


def test_only_the_first_view_is_shown_at_first_with_its_own_notes(res: Results) -> None:
    fig = figure("ccs_storage", [Run("run", res)])
    assert all(t["visible"] == (t["meta"]["view"] == 0) for t in fig["data"])
    per_view = [
        [a["text"] for a in notes if a["text"].startswith("CO2 storage")]
        for notes in fig["layout"]["meta"]["annotations"]
    ]
    # storage is unlimited in 2025-2027 in the first scenario only
    assert per_view == [["CO2 storage capacity unlimited in 2025–2027"], []]
    assert fig["layout"]["annotations"] == fig["layout"]["meta"]["annotations"][0]


def test_capacity_is_a_gap_where_unlimited_and_the_notes_say_where(res: Results) -> None:
    ccs = figure("ccs_storage", [Run("run", res)])
    cap = next(t for t in _view(ccs, 0) if t["name"] == "Storage capacity")
    assert [y for y, v in zip(cap["x"], cap["y"], strict=True) if v is None] == [2025, 2026, 2027]
    grid = figure("grid", [Run("run", res)])
    names = metrics.cluster_names(res)
    rotterdam, nzkg, zeeland = (
        names[c] for c in ("rotterdam_moerdijk", "noordzeekanaalgebied", "zeeland")
    )
    unlimited = "Unlimited grid capacity for new load (no sourced limit): "
    notes = [[a["text"] for a in view] for view in grid["layout"]["meta"]["annotations"]]
    assert notes == [
        [f"{unlimited}{nzkg}; {zeeland}", f"Unlimited in 2025–2026: {rotterdam}"],
        [f"{unlimited}{rotterdam}; {nzkg}; {zeeland}"],
    ]
    # unlimited everywhere: load drawn where it grows, and no capacity line
    shown = [t["name"] for t in grid["data"]]
    assert f"{zeeland}: load growth" in shown and f"{zeeland}: capacity" not in shown
    assert not any(n.startswith(nzkg) for n in shown)


def test_a_cluster_s_capacity_line_has_the_colour_of_its_load(res: Results) -> None:
    """In every view (the limited clusters differ between the scenarios)."""
    fig = figure("grid", [Run("run", res)])
    for v in range(len(res.scenarios)):
        colour = {t["name"]: t["line"]["color"] for t in _view(fig, v)}
        caps = [n for n in colour if n.endswith(": capacity")]
        assert caps
        for cap in caps:
            assert colour[cap] == colour[cap.replace(": capacity", ": load growth")], (v, cap)
        loads = [c for n, c in colour.items() if n.endswith(": load growth")]
        assert len(set(loads)) == len(loads)  # clusters told apart


def test_the_share_chart_leaves_out_products_without_demand_and_gaps_undefined_years(
    res: Results,
) -> None:
    fig = figure("production_imports", [Run("run", res)])
    glass = next(t for t in _view(fig, 0) if t["name"] == label("product", "glass"))
    assert [y for y, v in zip(glass["x"], glass["y"], strict=True) if v is None] == [
        2025,
        2026,
        2027,
    ]
    assert all(t["name"] != label("product", "chlorine") for t in fig["data"])
    notes = [a["text"] for a in fig["layout"]["annotations"]]
    assert notes == ["Not shown (no demand in the data): Chlorine"]


# --- hand checks of units and sums, independent of the metrics ----------------------------


def _trace(fig: dict[str, Any], name: str, v: int = 0) -> dict[str, Any]:
    return next(t for t in _view(fig, v) if t["name"] == name)


def test_stacked_areas_add_up_to_the_national_total(res: Results) -> None:
    for name in ("emissions_cluster", "emissions_sector"):
        fig = figure(name, [Run("run", res)])
        for v in range(len(res.scenarios)):
            areas = [t for t in _view(fig, v) if t.get("stackgroup")]
            assert len(areas) > 1 and len({t["stackgroup"] for t in areas}) == 1, name
            total = np.sum([t["y"] for t in areas], axis=0)
            np.testing.assert_allclose(total, _trace(fig, "National total", v)["y"], rtol=1e-12)
    # weighted by first-year emissions, the stack stays at the first year's national total
    fig = figure("route_mix_emissions", [Run("run", res)])
    direct = res.dataset["direct_emissions"]
    for v in range(len(res.scenarios)):
        areas = [t for t in _view(fig, v) if t.get("stackgroup")]
        first = float(direct.isel({SCENARIO: v, "year": 0}).sum()) * 1e-6  # t to Mt
        np.testing.assert_allclose(np.sum([t["y"] for t in areas], axis=0), first, rtol=1e-12)


def test_ccs_chart_is_in_mt_and_stores_what_is_captured(res: Results) -> None:
    """The synthetic results store all they capture; the captured line and the stores'
    stack are the raw tonnes / 1e6."""
    fig = figure("ccs_storage", [Run("run", res)])
    assert fig["layout"]["yaxis"]["title"]["text"] == "Mt CO2/yr"
    for v in range(len(res.scenarios)):
        tonnes = res.dataset["captured_co2"].isel({SCENARIO: v}).sum("plant").values
        np.testing.assert_allclose(_trace(fig, "Captured", v)["y"], tonnes * 1e-6, rtol=1e-12)
        stores = [t for t in _view(fig, v) if t["name"].startswith("Stored: ")]
        assert stores and all(t.get("stackgroup") for t in stores)
        stack = np.sum([t["y"] for t in stores], axis=0)
        np.testing.assert_allclose(stack, tonnes * 1e-6, rtol=1e-12)


def test_biomass_chart_is_in_pj(res: Results) -> None:
    """Biomass burnt [PJ] = the plants' biomass use [TWh] x 3.6 PJ/TWh."""
    fig = figure("biomass", [Run("run", res)])
    assert fig["layout"]["yaxis"]["title"]["text"] == "PJ/yr"
    energy = metrics.energy_demand(res, carrier="biomass")
    for v, scenario in enumerate(res.scenarios):
        twh = energy[energy[SCENARIO] == scenario].sort_values("year")["energy_twh"]
        burnt = _trace(fig, "Biomass burnt", v)["y"]
        np.testing.assert_allclose(burnt, twh.to_numpy() * 3.6, rtol=1e-9)


def test_domestic_share_is_a_percentage(res: Results) -> None:
    fig = figure("production_imports", [Run("run", res)])
    assert fig["layout"]["yaxis"]["title"]["text"] == "% of demand"
    ds = res.dataset.isel({SCENARIO: 0})
    steel = ds["production"].where(ds["plant_product"] == "crude_steel").sum("plant")
    share = steel.values / ds["demand"].sel(product="crude_steel").values * 100.0
    np.testing.assert_allclose(_trace(fig, "Crude steel")["y"], share, rtol=1e-12)


def test_net_lines_add_up_the_bars(res: Results) -> None:
    """Net cost includes subsidies (a negative item); the government's net every flow."""
    for name, net in (("costs", "Net cost"), ("government_cash_flow", "Net")):
        fig = figure(name, [Run("run", res)])
        bars = [t for t in _view(fig, 0) if t["type"] == "bar"]
        assert any(min(t["y"]) < 0 for t in bars), name
        np.testing.assert_allclose(
            np.sum([t["y"] for t in bars], axis=0), _trace(fig, net)["y"], rtol=1e-12
        )


@pytest.mark.parametrize("name", list(CHARTS))
def test_axis_title_is_the_unit_of_the_metric_drawn(res: Results, name: str) -> None:
    """The y axis names the chart's unit, and that unit is the one the metrics state (GJ
    and tCO2 of the infrastructure metric are drawn in PJ and Mt)."""
    fig = figure(name, [Run("run", res)])
    unit = fig["layout"]["yaxis"]["title"]["text"]
    assert unit == CHARTS[name].unit
    stated = {
        "emissions_cluster": metrics.emissions(res).attrs["units"]["emissions_mtco2"],
        "emissions_sector": metrics.emissions(res).attrs["units"]["emissions_mtco2"],
        "route_mix_production": "Mt/yr",
        "route_mix_emissions": "MtCO2/yr",
        "energy_carrier": metrics.energy_demand(res).attrs["units"]["energy_twh"],
        "grid": _national(res, "grid")["unit"].iloc[0],
        "ccs_storage": "MtCO2/yr",
        "biomass": "PJ/yr",
        "production_imports": "%",
        "government_cash_flow": metrics.government_cash_flow(res).attrs["units"]["cash_flow_meur"],
        "costs": metrics.costs(res).attrs["units"]["cost_meur"],
    }[name]
    assert unit.replace(" ", "").startswith(stated), (unit, stated)
    assert fig["layout"]["xaxis"]["title"]["text"] == "year"


def test_route_families_keep_their_colour_in_every_chart(res: Results) -> None:
    colour = {label("family", f): c for f, c in FAMILY_COLORS.items()}
    for name in ("route_mix_production", "route_mix_emissions"):
        for t in figure(name, [Run("run", res)])["data"]:
            assert t["line"]["color"] == colour[t["name"]], (name, t["name"])


# --- the site map ---------------------------------------------------------------------------


def test_sites_without_coordinates_are_placed_around_their_cluster() -> None:
    states = pd.DataFrame(
        {
            "site": ["a1", "a2", "a3", "a4", "b1", "c1"],
            "cluster": ["A", "A", "A", "A", "B", "C"],
        }
    )
    nan = float("nan")
    locations = pd.DataFrame(
        {
            "site": ["a1", "a2", "a3", "b1", "c1"],
            "latitude": [52.0, 52.2, nan, 53.0, 51.0],
            "longitude": [4.0, 4.4, nan, 6.0, nan],  # c1: latitude alone is no position
        }
    )
    placed = place_sites(states, locations).set_index("site")
    assert placed["located"].to_dict() == {
        "a1": True,
        "a2": True,
        "a3": False,
        "a4": False,
        "b1": True,
        "c1": False,
    }
    assert (placed.loc["a1", "latitude"], placed.loc["a1", "longitude"]) == (52.0, 4.0)

    def near(site: str, lat: float, lon: float) -> bool:
        at = placed.loc[site]
        return abs(at["latitude"] - lat) < 0.06 and abs(at["longitude"] - lon) < 0.1

    assert near("a3", 52.1, 4.2) and near("a4", 52.1, 4.2)  # A's centroid
    assert near("c1", 52.4, 4.8)  # C has no located site: the centroid of all located ones
    a3, a4 = placed.loc["a3"], placed.loc["a4"]
    assert (a3["latitude"], a3["longitude"]) != (a4["latitude"], a4["longitude"])


def _locations(res: Results) -> pd.DataFrame:
    sites = sorted(set(res.dataset["site"].values.tolist()))
    n = len(sites)
    lat = [51.0 + 0.1 * i if i % 3 else float("nan") for i in range(n)]
    return pd.DataFrame(
        {"site": sites, "latitude": lat, "longitude": [4.0 + 0.1 * i for i in range(n)]}
    )


_HOVER = re.compile(
    r"^(?P<family>[^:]+): (?P<routes>.+)<br>(?P<kt>-?[\d,]+) ktCO2/yr in (?P<year>\d+)$"
)


def test_map_frames_colour_and_describe_each_site_in_each_year(res: Results) -> None:
    scenario = res.scenarios[1]
    fig = site_map(res, scenario, _locations(res))
    states = metrics.site_states(res)
    states = states[states[SCENARIO] == scenario].set_index(["site", "year"])
    sites = [c[0] for c in fig["data"][0]["customdata"]]
    years = fig["layout"]["meta"]["years"]
    assert years == sorted(int(y) for y in res.dataset["year"].values)
    assert [f["name"] for f in fig["frames"]] == [str(y) for y in years]
    for frame, year in zip(fig["frames"], years, strict=True):
        shown = frame["data"][0]
        for i, site in enumerate(sites):
            row = states.loc[(site, year)]
            assert shown["marker"]["color"][i] == FAMILY_COLORS[row["route_family"]]
            hover = _HOVER.match(shown["text"][i])
            assert hover is not None, shown["text"][i]
            assert hover["family"] == label("family", row["route_family"])
            assert hover["routes"] == row["routes"]
            assert int(hover["year"]) == year
            kt = float(hover["kt"].replace(",", ""))
            assert abs(kt - row["direct_emissions_ktco2"]) <= 0.5
    names = {c[0]: c[1] for c in fig["data"][0]["customdata"]}
    assert names == metrics.site_names(res)


def test_map_shows_the_last_year_unless_told(res: Results) -> None:
    years = [int(y) for y in res.dataset["year"].values]
    locations = _locations(res)
    shown = site_map(res, res.scenarios[0], locations)
    assert shown["layout"]["meta"]["year"] == years[-1]
    assert (
        site_map(res, res.scenarios[0], locations, year=1990)["layout"]["meta"]["year"] == years[-1]
    )
    at = site_map(res, res.scenarios[0], locations, year=2030)
    assert at["layout"]["meta"]["year"] == 2030
    assert at["data"][0]["text"] == at["frames"][years.index(2030)]["data"][0]["text"]


def test_map_marker_size_follows_first_year_emissions(res: Results) -> None:
    """Sizes rise with the first-year emissions and ignore later years (a site that closes
    keeps its size)."""
    scenario = res.scenarios[0]
    locations = _locations(res)
    fig = site_map(res, scenario, locations)
    sizes = dict(
        zip(
            [c[0] for c in fig["data"][0]["customdata"]],
            fig["data"][0]["marker"]["size"],
            strict=True,
        )
    )
    states = metrics.site_states(res)
    first = states[(states[SCENARIO] == scenario) & (states["year"] == 2025)]
    base = dict(zip(first["site"], first["base_emissions_ktco2"], strict=True))
    order = sorted(base, key=base.__getitem__)
    assert [sizes[s] for s in order] == sorted(sizes.values())
    ds = res.dataset
    direct = ds["direct_emissions"].copy()
    direct.loc[{"year": ds["year"].values[1:]}] = 0.0  # every plant closes after year one
    closed = site_map(Results(ds.assign(direct_emissions=direct)), scenario, locations)
    assert closed["data"][0]["marker"]["size"] == fig["data"][0]["marker"]["size"]
    assert len(set(fig["data"][0]["marker"]["size"])) > 2


def test_map_legend_lists_the_families_present_in_vocabulary_order(res: Results) -> None:
    scenario = res.scenarios[0]
    fig = site_map(res, scenario, _locations(res))
    states = metrics.site_states(res)
    present = set(states[states[SCENARIO] == scenario]["route_family"])
    legend = [t["name"] for t in fig["data"][1:]]
    assert legend == [label("family", f) for f in FAMILIES if f in present]
    assert len(legend) < len(FAMILIES)


# --- one site -------------------------------------------------------------------------------


def _switching_site(res: Results, scenario: str) -> str:
    states = metrics.site_states(res)
    sel = states[states[SCENARIO] == scenario]
    switched = sel.groupby("site")["route"].nunique()
    return str(switched[switched > 1].index[0])


def test_site_route_chart_steps_through_each_plant_s_routes(res: Results) -> None:
    scenario = res.scenarios[0]
    site = _switching_site(res, scenario)
    fig = site_route_figure(res, site, scenario)
    hist = metrics.site_route_history(res, site)
    hist = hist[hist[SCENARIO] == scenario]
    assert [t["meta"]["plant"] for t in fig["data"]] == list(dict.fromkeys(hist["plant"]))
    for t in fig["data"]:
        g = hist[hist["plant"] == t["meta"]["plant"]].sort_values("year")
        unit = t["meta"]["plant"].split("/")[2:]
        product = label("product", str(g["product"].iloc[0]))
        assert t["name"] == (f"{product} ({unit[0]})" if unit else product)
        assert t["x"] == g["year"].tolist()
        assert t["y"] == g["route"].tolist()
        assert t["text"] == [
            f"{label('family', f)}; {label('reason', r)}"
            for f, r in zip(g["route_family"], g["switch_reason"], strict=True)
        ]
    reasons = {text.split("; ")[1] for t in fig["data"] for text in t["text"]}
    assert reasons - {label("reason", "none")}  # a switch is named by its reason


def test_site_costs_are_the_site_s_own(res: Results) -> None:
    scenario = res.scenarios[0]
    site = _switching_site(res, scenario)
    fig = site_costs_figure(res, site, scenario)
    costs = metrics.costs(res, by="site")
    mine = costs[(costs["site"] == site) & (costs[SCENARIO] == scenario)]
    bars = {t["name"]: t for t in fig["data"] if t["type"] == "bar"}
    assert set(bars) == {label("item", i) for i in mine["item"].unique()}
    for item, g in mine.groupby("item"):
        np.testing.assert_allclose(bars[label("item", str(item))]["y"], g["cost_meur"], rtol=1e-12)
    net = next(t for t in fig["data"] if t["name"] == "Net cost")
    np.testing.assert_allclose(net["y"], mine.groupby("year")["cost_meur"].sum(), rtol=1e-12)
    assert fig["layout"]["yaxis"]["title"]["text"] == "M EUR/yr"


def test_the_units_of_one_product_are_told_apart_in_a_site_s_route_chart() -> None:
    """Tata Steel IJmuiden's two blast furnaces are two lines, "Crude steel (bf6)" and
    "Crude steel (bf7)", not two lines called "Crude steel"."""
    import kruispunt

    res = kruispunt.run("current-policy")
    fig = site_route_figure(res, "tata_steel_ijmuiden", "current-policy")
    steel = label("product", "crude_steel")
    names = [t["name"] for t in fig["data"]]
    assert f"{steel} (bf6)" in names and f"{steel} (bf7)" in names
    assert len(names) == len(set(names))
