"""What the dashboard's pages show, from :class:`~kruispunt.dashboard.views.RunCache`, against
the metrics of the same stored runs (``base``: current-policy; ``variants``: no-new-policy and
high-ambition)."""

from __future__ import annotations

import json
import math
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest

from kruispunt import metrics
from kruispunt.catalogue import load_catalogue
from kruispunt.dashboard.views import (
    BadInput,
    RunCache,
    _finite,
    _Memo,
    _meur,
    _plain,
    explain_view,
    site_locations,
)
from kruispunt.reports.labels import label
from kruispunt.results import Results
from kruispunt.store import Store


@pytest.fixture(scope="module")
def runs(seeded_store: Path) -> RunCache:
    cat = load_catalogue()
    return RunCache(Store(seeded_store, readonly=True), site_locations(cat.sites), cat)


def _ids(runs: RunCache) -> tuple[str, str]:
    return runs.run_id("base"), runs.run_id("variants")


def test_the_compared_difference_is_run_b_less_run_a(runs: RunCache) -> None:
    """Base (current-policy) against variants (no-new-policy first): emissions in 2030 are
    36.11 and 36.24 Mt, B - A +0.13 Mt, shown "+0.13"; the reverse pair "-0.13"."""
    a, b = _ids(runs)
    ka = metrics.key_indicators(runs.results(a)).set_index("scenario")
    kb = metrics.key_indicators(runs.results(b)).set_index("scenario")
    col = "emissions_2030_mtco2"
    va, vb = float(ka.loc["current-policy", col]), float(kb.loc["no-new-policy", col])
    assert 0.11 < vb - va < 0.15  # no-new-policy emits more in 2030
    (row,) = [r for r in runs.compare_overview(a, b) if r["label"] == "Direct emissions 2030"]
    assert row["cells"][0]["diff"] == f"{vb - va:+.2f}" and row["cells"][0]["diff"][0] == "+"
    assert row["cells"][0]["a"] == f"{va:.2f}" and row["cells"][0]["b"] == f"{vb:.2f}"
    (back,) = [r for r in runs.compare_overview(b, a) if r["label"] == "Direct emissions 2030"]
    assert back["cells"][0]["diff"] == f"{va - vb:+.2f}"
    # the second scenario of B has no partner in A: its cells are dashes
    assert row["cells"][1]["a"] == "–" and row["cells"][1]["diff"] == "–"


def test_a_run_shows_its_first_scenario_by_default_and_accepts_each_of_its_years(
    runs: RunCache,
) -> None:
    _, b = _ids(runs)
    assert runs.scenario(b, None) == "no-new-policy"
    assert runs.scenario(b, "high-ambition") == "high-ambition"
    years = list(runs.results(b).dataset["year"].values)
    assert runs.year(b, years[0]) == 2025 and runs.year(b, years[-1]) == 2050
    with pytest.raises(BadInput, match="year 2024 is not in run"):
        runs.year(b, 2024)


def test_a_fraction_indicator_is_shown_as_a_percentage(runs: RunCache) -> None:
    a, _ = _ids(runs)
    units = {i["key"]: i["unit"] for i in runs.overview(a)["indicators"]}
    assert units["share_kept_2030"] == "%" and units["ccs_peak_utilisation"] == "%"
    assert units["emissions_2030_mtco2"] == "MtCO2/yr"
    shown = {i["key"]: i["values"][0] for i in runs.overview(a)["indicators"]}
    ki = metrics.key_indicators(runs.results(a)).iloc[0]
    assert shown["share_kept_2030"] == f"{ki['share_kept_2030']:.1%}"


def test_the_site_table_is_the_scenarios_own(runs: RunCache) -> None:
    """One row per site, for the scenario asked: its emissions, producing flag and name are
    the site table's of that scenario (high-ambition, 2040), not of the run's first."""
    _, b = _ids(runs)
    res = runs.results(b)
    table = metrics.site_table(res, 2040)
    ha = table[table["scenario"] == "high-ambition"].set_index("site")
    nnp = table[table["scenario"] == "no-new-policy"].set_index("site")
    rows = runs.sites(b, "high-ambition", 2040)
    assert len(rows) == len(ha) == len({r["site"] for r in rows})
    names = metrics.site_names(res)
    differ = 0
    for r in rows:
        s = r["site"]
        want = float(ha.loc[s, "direct_emissions_ktco2"])
        got = r["direct_emissions_ktco2"]
        assert (got is None and not math.isfinite(want)) or got == pytest.approx(want)
        assert r["producing"] == bool(ha.loc[s, "producing"])
        assert r["name"] == names[s]
        differ += want != float(nnp.loc[s, "direct_emissions_ktco2"])
    assert differ > 0  # the scenarios do differ, so a table of the wrong one would show
    assert any(not r["producing"] for r in rows)  # some site has closed by 2040


def test_a_site_lists_its_switches_only_and_its_costs_summed_over_the_years(
    runs: RunCache,
) -> None:
    a, _ = _ids(runs)
    res = runs.results(a)
    site, scenario = "tata_steel_ijmuiden", "current-policy"
    detail = runs.site_detail(a, site, scenario)
    hist = metrics.site_route_history(res, site)
    hist = hist[hist["scenario"] == scenario]
    switched = hist[hist["switch_reason"] != "none"]
    assert 0 < len(detail["switches"]) == len(switched) < len(hist)
    assert [(s["year"], s["plant"]) for s in detail["switches"]] == list(
        zip(switched["year"], switched["plant"], strict=True)
    )
    costs = metrics.costs(res, by="site")
    costs = costs[(costs["scenario"] == scenario) & (costs["site"] == site)]
    totals = {i["item"]: i["total_meur"] for i in detail["cost_totals"]}
    for item, group in costs.groupby("item"):
        assert totals[label("item", str(item))] == pytest.approx(float(group["cost_meur"].sum()))
    assert len(totals) == costs["item"].nunique() > 1


def test_money_and_missing_values_are_shown_in_meur_without_a_negative_zero() -> None:
    assert _meur(12_345_678.0) == "12.3"
    assert _meur(-2_500_000_000.0) == "-2,500.0"
    assert _meur(-40_000.0) == "0.0"  # rounds to zero: not "-0.0"
    assert _meur(float("nan")) == "–" and _meur(float("inf")) == "–"
    assert _finite(float("nan")) is None and _finite(float("-inf")) is None
    assert _finite(np.float64(2.5)) == 2.5
    assert _plain(np.float64(float("nan"))) is None and _plain(np.int64(3)) == 3


def test_the_explanation_table_marks_what_was_chosen_and_what_was_not_possible(
    runs: RunCache,
) -> None:
    a, _ = _ids(runs)
    assert runs.catalogue is not None
    view = explain_view(runs.results(a), "yara_sluiskil", "current-policy", runs.catalogue)
    assert view.available, view.note
    assert view.columns[3] == "Value [MEUR/yr]" and view.columns[-2].startswith("Support")
    assert len(view.columns) == 3 + 1 + len(view.terms) + 1 + 1
    json.dumps(view.options, allow_nan=False)  # the API's JSON: no NaN
    assert any(not o["feasible"] for o in view.options)  # some option was not possible
    for row, option, chosen in zip(view.rows, view.options, view.chosen, strict=True):
        assert row[1].endswith(" (not possible)") == (not option["feasible"])
        assert chosen == bool(option["chosen"])
        value = option["value"]
        assert row[3] == ("–" if value is None else _meur(value))
    assert sum(view.chosen) >= 1


def test_two_runs_of_the_same_scenarios_in_another_order_are_compared_by_name(
    runs: RunCache, store_root: Path
) -> None:
    """A run of high-ambition then no-new-policy against 'variants' (no-new-policy then
    high-ambition, the same results): each scenario is paired with its namesake in the table
    (B - A is 0 everywhere) and in the compared charts' views, whose menu the page lists."""
    from fastapi.testclient import TestClient

    from kruispunt.dashboard.app import create_app
    from kruispunt.dashboard.settings import ServeSettings
    from kruispunt.reports.charts import Run, views

    store = Store(store_root)
    variants = store.load("variants")
    swapped = store.save(Results(variants.dataset.isel(scenario=[1, 0])), name="swapped")
    mine = RunCache(store, runs.locations, runs.catalogue)
    a, b = mine.run_id("variants"), swapped
    assert mine.compare_pairs(a, b) == [
        ("no-new-policy", "no-new-policy"),
        ("high-ambition", "high-ambition"),
    ]
    for row in mine.compare_overview(a, b):
        assert all(c["diff"] in ("+0.00", "+0", "+0.0 pp", "–") for c in row["cells"]), row
    shown = views([Run("A", mine.results(a)), Run("B", mine.results(b))])
    assert [v.label for v in shown] == ["no-new-policy", "high-ambition"]
    assert [[m[2] for m in v.members] for v in shown] == [
        ["no-new-policy"] * 2,
        ["high-ambition"] * 2,
    ]
    settings = ServeSettings(store=store_root, workers=1)
    with TestClient(create_app(settings), base_url="http://localhost") as client:
        page = client.get(f"/compare?a={a}&b={b}").text
    assert "<th>A: no-new-policy</th><th>B: no-new-policy</th>" in page
    assert '<option value="1">high-ambition vs high-ambition</option>' in page


def test_the_memo_makes_a_value_once_for_requests_that_come_together() -> None:
    """Six threads ask for one key while its value is being made: it is made once and every
    thread gets that value; another key is made meanwhile, not held up behind it."""
    memo: _Memo = _Memo(4)
    calls: list[str] = []
    inside, release = threading.Event(), threading.Event()

    def slow() -> object:
        calls.append("slow")
        inside.set()
        assert release.wait(10)
        return object()

    with ThreadPoolExecutor(7) as pool:
        futures = [pool.submit(memo.get, "k", slow) for _ in range(6)]
        assert inside.wait(10)
        # made while "k" is still being made: another key does not wait for it
        assert pool.submit(memo.get, "other", lambda: "made").result(timeout=10) == "made"
        assert not any(f.done() for f in futures)
        time.sleep(0.2)  # let the other five reach the key's lock (either way: made once)
        release.set()
        values = [f.result(timeout=10) for f in futures]
    assert calls == ["slow"]
    assert all(v is values[0] for v in values)


def test_the_memo_tries_again_after_a_failure() -> None:
    memo: _Memo = _Memo(4)
    attempts: list[int] = []

    def flaky() -> int:
        attempts.append(1)
        if len(attempts) == 1:
            raise OSError("disk busy")
        return 7

    with pytest.raises(OSError, match="disk busy"):
        memo.get("k", flaky)
    assert memo.get("k", flaky) == 7 and memo.get("k", flaky) == 7
    assert len(attempts) == 2


def test_after_a_failed_maker_only_one_request_makes_the_value_again() -> None:
    """The first maker of a key fails while a second request waits for it; a third request
    comes after the failure. The second and third must not make the value side by side:
    one makes it, the other gets that value (before the fix both made it at once)."""
    memo: _Memo = _Memo(4)
    running, most = [0], [0]
    count = threading.Lock()
    first_inside, fail_now = threading.Event(), threading.Event()
    made: list[object] = []

    def make() -> object:
        with count:
            running[0] += 1
            most[0] = max(most[0], running[0])
            n = len(made)
            made.append(None)
        try:
            if n == 0:  # the first maker: fails once the second request waits
                first_inside.set()
                assert fail_now.wait(10)
                raise OSError("disk busy")
            time.sleep(0.3)  # long enough for the other request to arrive meanwhile
            return object()
        finally:
            with count:
                running[0] -= 1

    with ThreadPoolExecutor(3) as pool:
        first = pool.submit(memo.get, "k", make)
        assert first_inside.wait(10)
        second = pool.submit(memo.get, "k", make)
        time.sleep(0.2)  # the second request waits on the key's lock
        fail_now.set()
        with pytest.raises(OSError, match="disk busy"):
            first.result(timeout=10)
        third = pool.submit(memo.get, "k", make)
        values = [second.result(timeout=10), third.result(timeout=10)]
    assert most[0] == 1
    assert len(made) == 2  # the failed attempt and one more
    assert values[0] is values[1]


@pytest.mark.parametrize(
    "edit",
    [
        {"years": []},
        {"years": ["x", 2030]},
        {"scenarios": ["<script>alert(1)</script>"]},
    ],
)
def test_a_stored_summary_edited_by_hand_is_worked_out_again(
    tmp_path: Path, edit: dict[str, object]
) -> None:
    """A summary.json of the right shape but not of its run was once trusted: 500s on the
    run page, its sites and its map (the max of no years, years of text, a scenario the run
    does not have). It is now worked out again from the run."""
    from fastapi.testclient import TestClient

    from kruispunt.dashboard.app import create_app
    from kruispunt.dashboard.settings import ServeSettings
    from kruispunt.testing import synthetic_results

    store = Store(tmp_path / "store")
    run_id = store.save(synthetic_results(n_scenarios=2, n_plants=6, seed=3), name="edited")
    path = store.runs_dir / run_id / "summary.json"
    summary = json.loads(path.read_text("utf-8"))
    path.write_text(json.dumps({**summary, **edit}), "utf-8")
    settings = ServeSettings(store=tmp_path / "store", workers=1)
    with TestClient(create_app(settings), base_url="http://localhost") as client:
        for url in (f"/runs/{run_id}", f"/api/runs/{run_id}", f"/api/runs/{run_id}/sites"):
            r = client.get(url)
            assert r.status_code == 200, (url, r.status_code)
        info = client.get(f"/api/runs/{run_id}").json()
        assert info["scenarios"] == summary["scenarios"] and info["years"] == summary["years"]
        assert "alert(1)" not in client.get(f"/runs/{run_id}").text


def test_a_damaged_run_is_refused_naming_its_id(tmp_path: Path) -> None:
    """The message was right, its ``loc`` empty: every refusal names its parameter. Its
    stored report was still served while every other view refused the run."""
    from fastapi.testclient import TestClient

    from kruispunt.dashboard.app import create_app
    from kruispunt.dashboard.settings import ServeSettings
    from kruispunt.testing import synthetic_results

    store = Store(tmp_path / "store")
    whole = store.save(synthetic_results(n_scenarios=1, n_plants=4, seed=5), name="whole")
    run_id = store.save(synthetic_results(n_scenarios=1, n_plants=4, seed=4), name="cut")
    store.report_path(run_id).parent.mkdir(parents=True, exist_ok=True)
    store.report_path(run_id).write_text("<!doctype html><p>the old report</p>", "utf-8")
    parts = sorted((store.runs_dir / run_id).rglob("*.parquet"))
    assert parts
    for part in parts:
        part.write_bytes(part.read_bytes()[:40])
    settings = ServeSettings(store=tmp_path / "store", workers=1)
    with TestClient(create_app(settings), base_url="http://localhost") as client:
        for url in (
            f"/api/runs/{run_id}",
            f"/api/runs/{run_id}/sites",
            f"/api/runs/{run_id}/download/report",
        ):
            r = client.get(url)
            assert r.status_code == 422, (url, r.text[:300])
            (item,) = r.json()["detail"]
            assert item["loc"] == ["path", "run_id"] and "damaged" in item["msg"], item
        # of two runs compared, the one that cannot be read (run_a and run_b were not named)
        for url, param in (
            (f"/api/compare/{whole}/{run_id}/charts/emissions_sector", "run_b"),
            (f"/api/compare/{run_id}/{whole}/charts/emissions_sector", "run_a"),
            (f"/api/compare/{whole}/{run_id}", "run_b"),
        ):
            r = client.get(url)
            assert r.status_code == 422, (url, r.text[:300])
            (item,) = r.json()["detail"]
            assert item["loc"] == ["path", param], item
