"""The HTTP API and the pages through an in-process client: real runs of the real data."""

from __future__ import annotations

import html
import io
import json
import shutil
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from fastapi.testclient import TestClient

from kruispunt import metrics
from kruispunt.dashboard.api import job_info
from kruispunt.dashboard.app import create_app
from kruispunt.dashboard.jobs import Job
from kruispunt.dashboard.settings import ServeSettings
from kruispunt.dashboard.views import RunCache
from kruispunt.export import IAMC_COLUMNS, to_iamc
from kruispunt.reports import CHARTS
from kruispunt.store import Store
from tests.dashboard.conftest import Submitted, wait_for_job
from tests.dashboard.forms import browser_form


@pytest.fixture(scope="module")
def client(store_root: Path) -> Iterator[TestClient]:
    with TestClient(
        create_app(ServeSettings(store=store_root, workers=1)), base_url="http://localhost"
    ) as c:
        yield c


@pytest.fixture(scope="module")
def api_run(client: TestClient, store_root: Path) -> str:
    """A scenario saved through the API and run through the API: its run id."""
    body = {
        "name": "api-ccfd",
        "base": "current-policy",
        "description": "CCfDs at 180 EUR/t.",
        "subsidies": {"ccfd_strike_price": 180, "ccfd_budget": 2e9},
    }
    assert client.post("/api/scenarios", json=body).status_code == 201
    started = client.post("/api/runs", json={"scenarios": ["api-ccfd"], "name": "api-run"})
    assert started.status_code == 202, started.text
    job = wait_for_job(client, started.json()["job_id"])
    assert job["status"] == "done", job
    assert job["progress"] == 1.0
    return str(job["run_id"])


def _errors(response: Any) -> list[tuple[list[Any], str]]:
    body = response.json()
    return [(item["loc"], item["msg"]) for item in body["detail"]]


def test_scenarios_listed_with_descriptions(client: TestClient) -> None:
    scenarios = {s["name"]: s for s in client.get("/api/scenarios").json()}
    assert {"current-policy", "no-new-policy", "high-ambition"} <= set(scenarios)
    assert scenarios["current-policy"]["origin"] == "default"
    assert "Kamerstuk" in scenarios["current-policy"]["description"]
    detail = client.get("/api/scenarios/high-ambition").json()
    assert detail["levers"]["subsidies"]["ccfd_strike_price"] == 150
    assert detail["file"] is None


def test_saved_scenario_is_yaml_in_the_store(
    client: TestClient, api_run: str, store_root: Path
) -> None:
    path = store_root / "scenarios" / "api-ccfd.yaml"
    text = path.read_text("utf-8")
    assert "ccfd_strike_price: 180" in text and "base: current-policy" in text
    detail = client.get("/api/scenarios/api-ccfd").json()
    assert detail["origin"] == "saved" and detail["file"] == text
    assert detail["levers"]["co2_heffing"] == "current"  # resolved through the base


@pytest.mark.parametrize(
    ("body", "loc", "words"),
    [
        ({"name": "Bad Name"}, ["body", "name"], "'Bad Name' is not allowed (lower case letters"),
        (
            {"name": "ok", "subsidies": {"ccfd_duration": 99}},
            ["body", "subsidies", "ccfd_duration"],
            "30",
        ),
        ({"name": "ok", "eua_prise": {"2030": 90}}, ["body", "eua_prise"], "Extra inputs"),
        ({"name": "ok", "eua_price": {"1990": 40}}, ["body", "eua_price", 1990, "[key]"], "2000"),
        (
            {"name": "ok", "carrier_price_scale": {"unobtainium": 2}},
            ["body", "carrier_price_scale", "unobtainium"],
            "unknown id",
        ),
        ({"name": "ok", "routes_off": ["teleport"]}, ["body", "routes_off", 0], "unknown route"),
        ({"name": "ok", "base": "nowhere"}, ["body", "base"], "unknown base"),
        ({"name": "current-policy"}, ["body", "name"], "default scenario"),
        ({"name": "ok", "eua_price": {}}, ["body", "eua_price"], "at least 1 item"),
        ({}, ["body", "name"], "required"),
    ],
)
def test_bad_scenario_gets_a_field_level_422(
    client: TestClient, body: dict[str, Any], loc: list[Any], words: str
) -> None:
    response = client.post("/api/scenarios", json=body)
    assert response.status_code == 422, response.text
    errors = _errors(response)
    assert any(lc == loc and words in msg for lc, msg in errors), errors


def test_run_request_errors_name_the_entry(client: TestClient) -> None:
    r = client.post("/api/runs", json={"scenarios": ["current-policy", "nowhere"]})
    assert r.status_code == 422
    assert _errors(r)[0][0] == ["body", "scenarios", 1]
    assert "unknown scenario 'nowhere'" in _errors(r)[0][1]
    assert ".yaml" not in _errors(r)[0][1]  # a web form gives names, not file paths
    r = client.post("/api/runs", json={"scenarios": ["current-policy", "current-policy"]})
    assert r.status_code == 422
    assert _errors(r) == [(["body", "scenarios", 1], "scenario 'current-policy' is given twice")]
    r = client.post("/api/runs", json={"scenarios": []})
    assert r.status_code == 422 and _errors(r)[0][0] == ["body", "scenarios"]
    r = client.post("/api/runs", content=b"not json", headers={"content-type": "application/json"})
    assert r.status_code == 400 and _errors(r)[0][0] == ["body"]  # unreadable: 400, as documented
    assert "not valid JSON" in _errors(r)[0][1]


def test_run_detail_charts_and_site(client: TestClient, api_run: str, store_root: Path) -> None:
    runs = [r["run_id"] for r in client.get("/api/runs").json()]
    assert api_run == runs[0]  # newest first
    detail = client.get(f"/api/runs/{api_run}").json()
    assert detail["scenarios"] == ["api-ccfd"]
    assert detail["descriptions"]["api-ccfd"] == "CCfDs at 180 EUR/t."
    assert [c["name"] for c in detail["charts"]] == list(CHARTS)
    results = Store(store_root).load(api_run)
    expected = metrics.key_indicators(results)["emissions_2030_mtco2"].iloc[0]
    shown = next(i for i in detail["indicators"] if i["key"] == "emissions_2030_mtco2")
    assert shown["values"] == [f"{expected:,.2f}"]
    for name in CHARTS:
        r = client.get(f"/api/runs/{api_run}/charts/{name}")
        assert r.headers["content-type"] == "application/json", name
        fig = r.json()
        with_data = [t for t in fig["data"] if any(v is not None for v in t["y"])]
        assert with_data, name
        raw_ids = [t["name"] for t in fig["data"] if "_" in t["name"]]
        assert raw_ids == [], (name, raw_ids)  # legends show labels, not ids
    fig = client.get(f"/api/runs/{api_run}/charts/emissions_cluster").json()
    total = next(t for t in fig["data"] if t["name"] == "National total")
    nat = metrics.emissions(results)["emissions_mtco2"].to_numpy()
    np.testing.assert_allclose(total["y"], nat)

    sites = client.get(f"/api/runs/{api_run}/sites", params={"year": 2030}).json()
    tata = next(s for s in sites if s["site"] == "tata_steel_ijmuiden")
    assert tata["name"] == "Tata Steel IJmuiden" and tata["cluster"] == "Noordzeekanaalgebied"
    site = client.get(f"/api/runs/{api_run}/sites/tata_steel_ijmuiden").json()
    assert site["plants"] == [
        "tata_steel_ijmuiden/crude_steel/bf6",
        "tata_steel_ijmuiden/crude_steel/bf7",
    ]
    assert {c["item"] for c in site["cost_totals"]} >= {"Operating costs", "EU ETS and CBAM"}
    routes = client.get(f"/api/runs/{api_run}/sites/tata_steel_ijmuiden/charts/routes").json()
    assert len(routes["data"][0]["x"]) == len(detail["years"])


def test_pools_give_each_pools_years_with_no_infinity_in_json(
    client: TestClient, api_run: str, store_root: Path
) -> None:
    r = client.get(f"/api/runs/{api_run}/pools")
    assert r.status_code == 200, r.text
    assert "Infinity" not in r.text and "NaN" not in r.text  # strict JSON
    pools = r.json()
    ds = Store(store_root).load(api_run).dataset
    assert [p["pool"] for p in pools] == [str(p) for p in ds["pool"].values]
    years = [int(y) for y in ds["year"].values]
    summary = metrics.pool_summary(Store(store_root).load(api_run)).set_index("pool")
    unlimited = 0
    for p in pools:
        cap = ds["pool_capacity"].sel(pool=p["pool"]).isel(scenario=0).to_numpy()
        use = ds["pool_use"].sel(pool=p["pool"]).isel(scenario=0).to_numpy()
        assert p["years"] == years
        # null exactly where the data set no limit; every other year the stored figure
        assert [c is None for c in p["capacity"]] == list(np.isinf(cap)), p["pool"]
        finite = np.isfinite(cap)
        np.testing.assert_array_equal(np.array(p["capacity"], dtype=float)[finite], cap[finite])
        np.testing.assert_array_equal(p["use"], use)
        assert p["resource"] == str(ds["pool_resource"].sel(pool=p["pool"]).item())
        assert p["peak_use"] == use.max()
        row = summary.loc[p["pool"]]
        assert p["peak_year"] == (None if use.max() == 0 else years[int(np.argmax(use))])
        if p["max_utilisation_share"] is None:
            assert np.isnan(row["max_utilisation_share"])
        else:
            assert p["max_utilisation_share"] == row["max_utilisation_share"]
            assert p["max_utilisation_share"] <= 1.0  # use never exceeds capacity
        unlimited += any(c is None for c in p["capacity"])
    assert unlimited > 0  # the Noord-Limburg zone is not limited from 2030
    porthos = next(p for p in pools if p["pool"] == "co2_storage/porthos")
    assert porthos["unit"] == "tCO2/yr" and porthos["label"] == "Rotterdam-Moerdijk – Porthos"
    assert porthos["capacity"][years.index(2030)] == 2.5e6
    zone = next(p for p in pools if p["pool"] == "grid/tennet_noord_limburg")
    assert zone["capacity"][years.index(2029)] == 0.0
    assert zone["capacity"][years.index(2030)] is None
    bad = client.get(f"/api/runs/{api_run}/pools", params={"scenario": "nowhere"})
    assert bad.status_code == 422
    assert _errors(bad)[0][0] == ["query", "scenario"]


def test_pools_of_a_chosen_scenario(client: TestClient, store_root: Path) -> None:
    """``?scenario=`` picks the scenario of a run with two: its own capacity and use."""
    ds = Store(store_root).load(Store(store_root).resolve("variants")).dataset
    for name in ("no-new-policy", "high-ambition"):
        pools = client.get("/api/runs/variants/pools", params={"scenario": name}).json()
        use = ds["pool_use"].sel(scenario=name)
        for p in pools:
            np.testing.assert_array_equal(p["use"], use.sel(pool=p["pool"]).to_numpy())
    a, b = (
        client.get("/api/runs/variants/pools", params={"scenario": n}).json()
        for n in ("no-new-policy", "high-ambition")
    )
    assert [p["use"] for p in a] != [p["use"] for p in b]  # the two scenarios differ


def test_map_has_every_site_and_a_frame_per_year(client: TestClient, api_run: str) -> None:
    fig = client.get(f"/api/runs/{api_run}/map").json()
    detail = client.get(f"/api/runs/{api_run}").json()
    sites = fig["data"][0]
    assert len(sites["x"]) == 210
    assert [f["name"] for f in fig["frames"]] == [str(y) for y in detail["years"]]
    assert all(len(f["data"][0]["marker"]["color"]) == 210 for f in fig["frames"])
    approx = fig["layout"]["meta"]["approximate"]
    assert approx == sum(s == "circle-open" for s in sites["marker"]["symbol"])
    assert 100 <= approx <= 115  # about 100 of the 210 sites have coordinates
    assert fig["layout"]["meta"]["year"] == detail["years"][-1]
    fig = client.get(f"/api/runs/{api_run}/map", params={"year": 2030}).json()
    assert fig["layout"]["meta"]["year"] == 2030


def test_unknown_things_are_404_and_bad_values_422(client: TestClient, api_run: str) -> None:
    cases = [
        ("/api/runs/no-such-run", 404, ["path", "run_id"]),
        (f"/api/runs/{api_run}/charts/pie", 404, ["path", "chart"]),
        (f"/api/runs/{api_run}/sites/atlantis", 404, ["path", "site"]),
        ("/api/jobs/job-0", 404, ["path", "job_id"]),
        (f"/api/runs/{api_run}/download/pdf", 404, ["path", "format"]),
        (f"/api/runs/{api_run}/map?scenario=utopia", 422, ["query", "scenario"]),
        (f"/api/runs/{api_run}/map?year=2101", 422, ["query", "year"]),
        (f"/api/runs/{api_run}/map?year=soon", 422, ["query", "year"]),
        ("/api/scenarios/unheard-of", 404, ["path", "name"]),
        ("/api/no-such-endpoint", 404, []),
    ]
    for url, status, loc in cases:
        r = client.get(url)
        assert r.status_code == status, (url, r.text)
        errors = _errors(r)
        assert errors[0][0] == loc and errors[0][1], (url, errors)


def test_downloads(client: TestClient, api_run: str, store_root: Path) -> None:
    results = Store(store_root).load(api_run)
    r = client.get(f"/api/runs/{api_run}/download/iamc")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    assert f"{api_run}-iamc.csv" in r.headers["content-disposition"]
    table = pd.read_csv(io.StringIO(r.text))
    assert tuple(table.columns) == IAMC_COLUMNS
    expected = to_iamc(results)
    pd.testing.assert_frame_equal(table, expected, check_dtype=False)
    r = client.get(f"/api/runs/{api_run}/download/csv")
    assert r.headers["content-type"] == "application/zip"
    assert r.headers["content-disposition"] == f'attachment; filename="{api_run}-csv.zip"'
    with zipfile.ZipFile(io.BytesIO(r.content)) as zf:
        names = zf.namelist()
        manifest = json.loads(zf.read(f"{api_run}-csv/manifest.json"))
    assert f"{api_run}-csv/plant_year.csv" in names
    assert manifest["attrs"]
    r = client.get(f"/api/runs/{api_run}/download/report")
    assert r.status_code == 200 and api_run in r.text and "Run id" in r.text


def test_runs_are_shown_and_compared_from_their_stored_summaries(
    seeded_store: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Header, key indicators and comparison come from the summaries saved with the runs,
    without loading them; a run without a summary (saved by an older version) or with one made
    by other code shows the same, computed from its results."""
    root = tmp_path / "store"
    shutil.copytree(seeded_store, root)
    store = Store(root)
    base, variants = store.resolve("base"), store.resolve("variants")
    nowhere = pd.DataFrame({"site": [], "latitude": [], "longitude": []})

    def not_loaded(run_id: str) -> None:
        raise AssertionError(f"run {run_id} was loaded")

    with monkeypatch.context() as m:
        m.setattr(store, "load", not_loaded)
        runs = RunCache(store, nowhere)
        shown = {rid: runs.overview(rid) for rid in (base, variants)}
        compared = runs.compare_overview(base, variants)
    (root / "runs" / base / "summary.json").unlink()
    stale_path = root / "runs" / variants / "summary.json"
    stale = json.loads(stale_path.read_text("utf-8"))
    stale_path.write_text(json.dumps({**stale, "definitions": "older code"}), "utf-8")
    runs = RunCache(store, nowhere)
    assert {rid: runs.overview(rid) for rid in (base, variants)} == shown
    assert runs.compare_overview(base, variants) == compared
    expected = metrics.key_indicators(store.load(base))["emissions_2030_mtco2"].iloc[0]
    row = next(i for i in shown[base]["indicators"] if i["key"] == "emissions_2030_mtco2")
    assert row["values"] == [f"{expected:,.2f}"]


def test_compare_runs(client: TestClient, api_run: str) -> None:
    base = next(r["run_id"] for r in client.get("/api/runs").json() if r["name"] == "base")
    both = client.get(f"/api/compare/{base}/{api_run}").json()
    assert both["a"]["run_id"] == base and both["b"]["run_id"] == api_run
    fig = client.get(f"/api/compare/base/{api_run}/charts/costs").json()
    assert {t["meta"]["run"] for t in fig["data"]} == {"A", "B"}


def test_pages_render_and_errors_are_pages(client: TestClient, api_run: str) -> None:
    home = client.get("/")
    assert home.status_code == 200 and api_run in home.text and "api-run" in home.text
    page = client.get(f"/runs/{api_run}")
    assert page.status_code == 200
    for name in CHARTS:
        assert f'data-chart="{name}"' in page.text
    assert "Tata Steel IJmuiden" in page.text and "tata_steel_ijmuiden" in page.text
    assert '<script src="http' not in page.text  # nothing from the internet
    missing = client.get("/runs/no-such-run")
    assert missing.status_code == 404
    assert "unknown run 'no-such-run'" in html.unescape(missing.text)
    assert "Traceback" not in missing.text
    site = client.get(f"/runs/{api_run}/sites/tata_steel_ijmuiden")
    assert site.status_code == 200 and 'data-slot="explain"' in site.text
    assert client.get("/compare?a=base&b=latest").status_code == 200
    assert "/api/runs/{run_id}/map" in client.get("/api").text
    js = client.get("/static/plotly.min.js")
    assert js.status_code == 200 and "plotly.js v" in js.text[:300]


def test_builder_form_shows_errors_next_to_fields(client: TestClient) -> None:
    page = client.get("/scenarios/new?base=high-ambition")
    assert page.status_code == 200 and 'value="high-ambition-variant"' in page.text
    form = browser_form(client, "current-policy", "form-test", **{"subsidies.ccfd_duration": "99"})
    r = client.post("/scenarios/new", data=form)
    assert r.status_code == 422
    block = r.text.split('data-field="subsidies.ccfd_duration"', 1)[1].split(
        '<div class="field', 1
    )[0]
    assert "less than or equal to 30" in block
    form["subsidies.ccfd_duration"] = "20"
    r = client.post("/scenarios/new", data=form, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/?saved=form-test"


def test_cross_site_posts_are_refused(client: TestClient, store_root: Path) -> None:
    """Another web site open in the user's browser cannot save scenarios or start runs."""
    evil = {"origin": "http://evil.example"}
    r = client.post("/api/runs", json={"scenarios": ["current-policy"]}, headers=evil)
    assert r.status_code == 403 and _errors(r)[0][0] == ["header", "origin"]
    r = client.post("/scenarios/new", data={"name": "planted"}, headers=evil)
    assert r.status_code == 403 and "cross-site request refused" in r.text
    assert not (store_root / "scenarios" / "planted.yaml").exists()
    same = {"origin": "http://localhost"}
    r = client.post("/api/runs", json={"scenarios": []}, headers=same)
    assert r.status_code == 422  # same origin: on to validation


def test_a_host_that_is_not_this_machine_is_refused(client: TestClient, store_root: Path) -> None:
    """DNS rebinding: a web page whose own name resolves to 127.0.0.1 sends its name as Host
    and as Origin, which agree, so the cross-site check alone lets it through."""
    rebound = {"host": "evil.example:8765", "origin": "http://evil.example:8765"}
    r = client.post("/api/scenarios", json={"name": "rebound"}, headers=rebound)
    assert r.status_code == 400 and _errors(r)[0][0] == ["header", "host"]
    assert "refused" in _errors(r)[0][1] and "localhost" in _errors(r)[0][1]
    assert not (store_root / "scenarios" / "rebound.yaml").exists()
    assert client.get("/api/runs", headers={"host": "evil.example"}).status_code == 400
    page = client.get("/", headers={"host": "evil.example"})
    assert page.status_code == 400 and "refused" in page.text
    for ok in ("localhost:8765", "127.0.0.1", "[::1]:8765", "LOCALHOST"):
        assert client.get("/api/runs", headers={"host": ok}).status_code == 200, ok
    # a header that is no host name: refused, not a 500 ('[::1' made urlsplit raise)
    for bad in ("[::1", "evil@127.0.0.1", "127.0.0.1 evil", ""):
        r = client.get("/api/runs", headers={"host": bad})
        assert r.status_code == 400 and _errors(r)[0][0] == ["header", "host"], bad


def test_the_hosts_a_server_answers_to() -> None:
    assert ServeSettings().allowed_hosts() == {"localhost", "127.0.0.1", "::1"}
    assert "dash.example" in (ServeSettings(host="dash.example").allowed_hosts() or ())
    assert ServeSettings(host="[::1]").allowed_hosts() == {"localhost", "127.0.0.1", "::1"}
    assert ServeSettings(host="0.0.0.0").allowed_hosts() is None  # every interface: any name
    assert ServeSettings(host="::").allowed_hosts() is None


def test_explanation_replays_the_run(client: TestClient, api_run: str) -> None:
    """The site's decision from kruispunt.explain: each option's terms add up to its value,
    one chosen option per plant, the reasons given."""
    r = client.get(f"/api/runs/{api_run}/sites/tata_steel_ijmuiden/explain")
    assert r.status_code == 200, r.text
    e = r.json()
    assert e["available"] and isinstance(e["year"], int)
    options = pd.DataFrame(e["options"])
    np.testing.assert_allclose(options[e["terms"]].sum(axis=1), options["value"], atol=1e-3)
    assert options.groupby("plant")["chosen"].sum().max() == 1
    assert options["reason"].str.len().min() > 0
    again = client.get(
        f"/api/runs/{api_run}/sites/tata_steel_ijmuiden/explain", params={"year": 2035}
    ).json()
    assert again["year"] == 2035
    page = client.get(f"/runs/{api_run}/sites/tata_steel_ijmuiden/explain?year=2035")
    assert page.status_code == 200 and 'data-available="yes"' in page.text
    assert "Capital annuity [MEUR/yr]" in page.text and 'class="chosen"' in page.text


def test_an_explanation_that_cannot_be_made_says_why(client: TestClient, store_root: Path) -> None:
    from kruispunt.results import Results
    from kruispunt.testing import synthetic_results

    store = Store(store_root)
    run = store.save(synthetic_results(n_plants=4, seed=3), name="synthetic")
    e = client.get(f"/api/runs/{run}/sites/site_001/explain").json()
    assert e["available"] is False and "does not record the resolved scenario" in e["note"]
    real = store.load("base")
    other = Results(real.dataset.assign_attrs(data_hash="0123456789abcdef"))
    run = store.save(other, name="other-data")
    e = client.get(f"/api/runs/{run}/sites/tata_steel_ijmuiden/explain").json()
    assert e["available"] is False and "another data package (0123456789ab" in e["note"]


def test_a_save_that_would_break_a_scenario_built_on_it_is_refused(
    client: TestClient, store_root: Path
) -> None:
    """Saving a base anew must not leave the scenarios built on it unresolvable (which once
    broke the home page, the builder and the listing for every later request)."""
    ok = {"name": "dep-a", "base": "current-policy"}
    assert client.post("/api/scenarios", json=ok).status_code == 201
    child = {"name": "dep-b", "base": "dep-a", "end_year": 2040}
    assert client.post("/api/scenarios", json=child).status_code == 201
    saved = (store_root / "scenarios" / "dep-a.yaml").read_text("utf-8")
    r = client.post("/api/scenarios", json={**ok, "start_year": 2045})
    assert r.status_code == 422, r.text
    (loc, msg) = _errors(r)[0]
    assert loc == ["body", "name"] and "dep-b" in msg and "end_year 2040" in msg, msg
    assert (store_root / "scenarios" / "dep-a.yaml").read_text("utf-8") == saved
    # a file broken on disk (edited by hand) is listed as broken; the rest still list
    (store_root / "scenarios" / "dep-a.yaml").write_text(
        "name: dep-a\nbase: current-policy\nstart_year: 2045\n", "utf-8"
    )
    try:
        names = {s["name"] for s in client.get("/api/scenarios").json()}
        assert "dep-a" in names and "dep-b" not in names and "current-policy" in names
        page = client.get("/")
        assert page.status_code == 200 and "dep-b.yaml" in page.text
        assert client.get("/scenarios/new").status_code == 200
    finally:
        (store_root / "scenarios" / "dep-a.yaml").write_text(saved, "utf-8")
        (store_root / "scenarios" / "dep-b.yaml").unlink()


def test_a_lever_set_back_to_its_default_overrides_the_base(client: TestClient) -> None:
    """high-ambition sets a CCfD strike price, two-sided contracts and risk sharing: a variant
    that clears them (the schema's defaults) keeps them cleared, through the API and the form."""
    body = {
        "name": "ha-cleared",
        "base": "high-ambition",
        "risk_sharing": 0.0,
        "subsidies": {"ccfd_strike_price": None, "ccfd_two_sided": False},
    }
    assert client.post("/api/scenarios", json=body).status_code == 201
    levers = client.get("/api/scenarios/ha-cleared").json()["levers"]
    assert levers["risk_sharing"] == 0.0
    assert levers["subsidies"]["ccfd_strike_price"] is None
    assert levers["subsidies"]["ccfd_two_sided"] is False
    base = client.get("/api/scenarios/high-ambition").json()["levers"]
    assert base["risk_sharing"] > 0 and base["subsidies"]["ccfd_two_sided"] is True
    # the builder: the form of high-ambition with those fields cleared
    page = client.get("/scenarios/new?base=high-ambition")
    assert page.status_code == 200
    form = browser_form(client, "high-ambition", "ha-cleared-form", risk_sharing="0")
    form["subsidies.ccfd_strike_price"] = ""
    r = client.post("/scenarios/new", data=form, follow_redirects=False)
    assert r.status_code == 303, r.text
    levers = client.get("/api/scenarios/ha-cleared-form").json()["levers"]
    assert levers["risk_sharing"] == 0.0 and levers["subsidies"]["ccfd_strike_price"] is None


@pytest.mark.parametrize(
    ("field", "text", "words"),
    [
        ("eua_price", "²: 5", "valid integer"),
        ("eua_price", "①: 3", "valid integer"),
        ("carrier_price_scale", "a: " + "[" * 600 + "]" * 600, "nested too deeply"),
        (
            "carrier_price_scale",
            "a0: &a0 [1,1,1,1,1,1,1,1,1], "
            + ", ".join(f"a{i}: &a{i} [{','.join([f'*a{i - 1}'] * 9)}]" for i in range(1, 8)),
            "too many YAML nodes",
        ),
    ],
)
def test_builder_mapping_fields_are_read_within_limits(
    client: TestClient, store_root: Path, field: str, text: str, words: str
) -> None:
    """Text that once gave a 500 (digits ``int`` cannot read, nesting past the parser's
    recursion) or held the server for tens of seconds (an alias bomb) is a 422 on its field."""
    form = browser_form(client, "current-policy", "limits-test", **{field: text})
    r = client.post("/scenarios/new", data=form)
    assert r.status_code == 422, r.text[:300]
    block = r.text.split(f'data-field="{field}"', 1)[1].split('<div class="field', 1)[0]
    assert words in html.unescape(block), block[:500]
    assert not (store_root / "scenarios" / "limits-test.yaml").exists()


@pytest.mark.parametrize("body", [{"eua_price": {"²": 5}}, {"seed": "١٢٣"}])
def test_api_refuses_keys_and_numbers_in_other_scripts(
    client: TestClient, body: dict[str, Any]
) -> None:
    r = client.post("/api/scenarios", json={"name": "scripts", **body})
    assert r.status_code == 422, r.text


@pytest.mark.parametrize("name", ["latest", " padded ", "   ", "a\nb"])
def test_a_run_name_the_store_refuses_is_refused_before_the_run(
    client: TestClient, name: str
) -> None:
    before = len(client.get("/api/jobs").json())
    r = client.post("/api/runs", json={"scenarios": ["current-policy"], "name": name})
    assert r.status_code == 422, r.text
    assert _errors(r)[0][0] == ["body", "name"]
    assert len(client.get("/api/jobs").json()) == before  # no job started
    if name.strip() not in ("latest", "a\nb"):  # the form strips a name; empty: no name
        return
    page = client.post(
        "/runs/start", data={"scenarios": "current-policy", "name": name}, follow_redirects=False
    )
    assert page.status_code == 422 and "run name" in html.unescape(page.text)
    assert len(client.get("/api/jobs").json()) == before


def test_decisions_after_the_last_year_are_refused(client: TestClient) -> None:
    body = {"name": "late", "end_year": 2030, "decisions_from": 2040}
    r = client.post("/api/scenarios", json=body)
    assert r.status_code == 422 and "decisions_from 2040 is after end_year 2030" in r.text


def test_the_builder_takes_a_description_as_long_as_a_scenario_file_does(
    client: TestClient, store_root: Path
) -> None:
    """The form once capped the description at 4,000 characters, the file's limit is 10,000."""
    form = browser_form(client, "current-policy", "long-text", description="x" * 5000)
    r = client.post("/scenarios/new", data=form, follow_redirects=False)
    assert r.status_code == 303, r.text[:300]
    form["description"] = "x" * 10_001
    r = client.post("/scenarios/new", data=form)
    assert r.status_code == 422 and "at most 10000" in r.text
    (store_root / "scenarios" / "long-text.yaml").unlink()


def test_a_run_request_with_an_unknown_key_starts_nothing(client: TestClient) -> None:
    """A mistyped key ('nmae' for 'name') is refused, not ignored: the run would be stored
    without the name asked for."""
    before = len(client.get("/api/jobs").json())
    r = client.post("/api/runs", json={"scenarios": ["current-policy"], "nmae": "typo"})
    assert r.status_code == 422, r.text
    assert _errors(r) == [(["body", "nmae"], "Extra inputs are not permitted")]
    assert len(client.get("/api/jobs").json()) == before


def test_every_field_at_fault_in_a_scenario_is_named(client: TestClient, store_root: Path) -> None:
    """Two unknown ids in one scenario: both are reported, each on its own field, and nothing
    is saved."""
    body = {
        "name": "two-faults",
        "carrier_price_scale": {"unobtainium": 2},
        "routes_off": ["teleport"],
    }
    r = client.post("/api/scenarios", json=body)
    assert r.status_code == 422, r.text
    errors = _errors(r)
    assert [loc for loc, _ in errors] == [
        ["body", "routes_off", 0],
        ["body", "carrier_price_scale", "unobtainium"],
    ]
    assert errors[0][1].startswith("unknown route or family 'teleport'; allowed: route ids or")
    assert errors[1][1].startswith("unknown id 'unobtainium'; allowed: ammonia_import,")
    assert not (store_root / "scenarios" / "two-faults.yaml").exists()


def test_job_info_has_every_field_of_the_job() -> None:
    job = Job(
        "job-1",
        ("current-policy", "high-ambition"),
        "named",
        "2026-12-05T10:00:00+00:00",
        status="failed",
        stage="failed",
        progress=0.3,
        error="the worker process stopped",
    )
    assert job_info(job).model_dump() == {
        "job_id": "job-1",
        "scenarios": ["current-policy", "high-ambition"],
        "name": "named",
        "created": "2026-12-05T10:00:00+00:00",
        "status": "failed",
        "stage": "failed",
        "progress": 0.3,
        "run_id": None,
        "error": "the worker process stopped",
    }


def test_a_run_request_answers_its_queued_job(client: TestClient, submitted: Submitted) -> None:
    body = {"scenarios": ["high-ambition", "current-policy"], "name": "pair"}
    r = client.post("/api/runs", json=body)
    assert r.status_code == 202, r.text
    assert r.json() == {
        "job_id": "job-recorded",
        "scenarios": ["high-ambition", "current-policy"],
        "name": "pair",
        "created": "2026-12-05T10:00:00+00:00",
        "status": "queued",
        "stage": "waiting for a worker",
        "progress": 0.0,
        "run_id": None,
        "error": None,
    }
    assert submitted == [(["high-ambition", "current-policy"], "pair")]


def test_a_saved_scenario_is_listed_as_saved_with_its_base(
    client: TestClient, store_root: Path
) -> None:
    """Listing and detail: origin, base, and the description on one line."""
    body = {"name": "listed", "base": "high-ambition", "description": "Two\n   lines,  spaced."}
    assert client.post("/api/scenarios", json=body).status_code == 201
    try:
        listed = {s["name"]: s for s in client.get("/api/scenarios").json()}
        assert listed["listed"] == {
            "name": "listed",
            "description": "Two lines, spaced.",
            "origin": "saved",
            "base": "high-ambition",
        }
        assert listed["high-ambition"]["origin"] == "default"
        detail = client.get("/api/scenarios/listed").json()
        assert detail["description"] == "Two lines, spaced." and detail["origin"] == "saved"
        assert client.get("/api/scenarios/high-ambition").json()["origin"] == "default"
    finally:
        (store_root / "scenarios" / "listed.yaml").unlink()


def test_an_unknown_scenario_is_named_with_the_known_ones(client: TestClient) -> None:
    r = client.get("/api/scenarios/unheard-of")
    assert r.status_code == 404
    ((loc, msg),) = _errors(r)
    assert loc == ["path", "name"]
    assert msg.startswith("unknown scenario 'unheard-of'; known: ") and "high-ambition" in msg


def test_the_site_table_is_of_the_last_year_unless_asked(client: TestClient) -> None:
    last = client.get("/api/runs/base").json()["years"][-1]
    sites = client.get("/api/runs/base/sites").json()
    assert sites == client.get("/api/runs/base/sites", params={"year": last}).json()
    assert sites != client.get("/api/runs/base/sites", params={"year": 2030}).json()


def test_compared_runs_keep_their_places(client: TestClient) -> None:
    """Run A's traces are A's scenarios; an unknown run is named by its place."""
    fig = client.get("/api/compare/base/variants/charts/emissions_sector").json()
    shown = {(t["meta"]["run"], t["meta"]["scenario"]) for t in fig["data"]}
    assert {s for run, s in shown if run == "A"} == {"current-policy"}
    assert {s for run, s in shown if run == "B"} == {"no-new-policy", "high-ambition"}
    for url in ("/api/compare/nowhere/base", "/api/compare/nowhere/base/charts/costs"):
        assert _errors(client.get(url))[0][0] == ["path", "run_a"]
    for url in ("/api/compare/base/nowhere", "/api/compare/base/nowhere/charts/costs"):
        assert _errors(client.get(url))[0][0] == ["path", "run_b"]


def test_a_report_is_written_when_a_run_has_none(client: TestClient, store_root: Path) -> None:
    """A run saved with ``Store.save`` (the Python API) has no report until it is asked for."""
    store = Store(store_root)
    run = store.resolve("base")
    store.report_path(run).unlink(missing_ok=True)
    r = client.get("/api/runs/base/download/report")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    assert f'filename="{run}.html"' in r.headers["content-disposition"]
    assert run in r.text and store.report_path(run).read_text("utf-8") == r.text


def test_a_saved_file_that_does_not_load_is_named_with_its_reason(
    client: TestClient, store_root: Path
) -> None:
    """It was reported as "unknown scenario" everywhere but on the home page."""
    path = store_root / "scenarios" / "orphan.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("name: orphan\nbase: gone-away\n", encoding="utf-8")
    try:
        r = client.get("/api/scenarios/orphan")
        assert r.status_code == 422
        (item,) = r.json()["detail"]
        assert item["loc"] == ["path", "name"]
        assert "the saved file orphan.yaml does not load" in item["msg"]
        assert "gone-away" in item["msg"]
        r = client.post("/api/runs", json={"scenarios": ["current-policy", "orphan"]})
        assert r.status_code == 422
        loc, msg = _errors(r)[0]
        assert loc == ["body", "scenarios", 1] and "orphan.yaml does not load" in msg
        assert client.get("/api/scenarios/never-saved").status_code == 404
    finally:
        path.unlink()


@pytest.mark.parametrize(
    ("query", "loc", "words"),
    [
        ("foo=bar", ["query", "foo"], "unknown parameter; allowed: scenario, year"),
        ("year=2030&year=2031", ["query", "year"], "given more than once"),
        ("yaer=2030", ["query", "yaer"], "unknown parameter"),
    ],
)
def test_an_unknown_or_repeated_query_parameter_is_refused(
    client: TestClient, query: str, loc: list[str], words: str
) -> None:
    """They were ignored (the last of a repeated one won): an answer looked filtered when it
    was not."""
    r = client.get(f"/api/runs/latest/map?{query}")
    assert r.status_code == 422, r.text[:300]
    (item,) = r.json()["detail"]
    assert item["loc"] == loc and words in item["msg"], item
    assert client.get("/api/runs/latest/map?year=2030").status_code == 200
    r = client.get("/api/runs?limit=5")
    assert r.status_code == 422 and "allowed: none" in r.text


@pytest.mark.parametrize("kind", ["text/plain", "application/x-www-form-urlencoded", None])
def test_an_api_body_that_is_not_json_is_415_naming_the_content_type(
    client: TestClient, kind: str | None
) -> None:
    """It was 422 "Input should be a valid dictionary or object to extract fields from"."""
    headers = {"content-type": kind} if kind else {}
    r = client.post("/api/scenarios", content=b'{"name": "typed"}', headers=headers)
    assert r.status_code == 415, r.text
    (item,) = r.json()["detail"]
    assert item["loc"] == ["header", "content-type"] and "must be JSON" in item["msg"]
