"""The dashboard's pages through an in-process client: what they show, where their forms
go, and what a form at fault says. Runs the forms start are recorded, not run
(``submitted``)."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from kruispunt.dashboard.app import create_app
from kruispunt.dashboard.jobs import Job
from kruispunt.dashboard.settings import ServeSettings
from tests.dashboard.conftest import Submitted


@pytest.fixture(scope="module")
def client(store_root: Path) -> Iterator[TestClient]:
    with TestClient(
        create_app(ServeSettings(store=store_root, workers=1)), base_url="http://localhost"
    ) as c:
        yield c


def _run_ids(client: TestClient) -> tuple[str, str]:
    """The seeded runs ``base`` and ``variants``."""
    ids = {r["name"]: r["run_id"] for r in client.get("/api/runs").json()}
    return ids["base"], ids["variants"]


def _field(page: str, key: str) -> str:
    """The builder's block of field ``key``, unescaped."""
    return html.unescape(page.split(f'data-field="{key}"', 1)[1].split('<div class="field', 1)[0])


def _ticked(page: str, key: str) -> bool:
    (tag,) = re.findall(rf'<input type="checkbox" [^>]*name="{re.escape(key)}"[^>]*>', page)
    return " checked" in tag


def test_the_home_page_says_what_was_saved_and_lists_the_servers_jobs(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    job = Job("job-shown", ("high-ambition",), None, "2026-12-05T10:00:00+00:00", "running")
    monkeypatch.setattr(client.app.state.jobs, "list", lambda: [job])  # type: ignore[attr-defined]
    page = client.get("/", params={"saved": "my-variant"}).text
    assert '<p class="notice" id="saved-notice">Scenario <b>my-variant</b> saved.</p>' in page
    assert '<tr data-job="job-shown">' in page and 'href="/jobs/job-shown">follow' in page
    assert 'id="saved-notice"' not in client.get("/").text


def test_the_start_form_starts_the_run_under_its_stripped_name(
    client: TestClient, submitted: Submitted
) -> None:
    r = client.post(
        "/runs/start",
        data={"scenarios": ["high-ambition", "current-policy"], "name": "  two of them "},
        follow_redirects=False,
    )
    assert r.status_code == 303 and r.headers["location"] == "/jobs/job-recorded"
    r = client.post(
        "/runs/start",
        data={"scenarios": "current-policy", "name": "  "},
        follow_redirects=False,
    )
    assert r.status_code == 303
    assert submitted == [
        (["high-ambition", "current-policy"], "two of them"),
        (["current-policy"], None),
    ]


@pytest.mark.parametrize(
    ("scenarios", "words"),
    [
        ([], "choose at least one scenario"),
        ([""], "choose at least one scenario"),
        (["current-policy", "nowhere"], "unknown scenario 'nowhere'; known scenarios: "),
    ],
)
def test_a_start_form_at_fault_says_why_and_starts_nothing(
    client: TestClient, submitted: Submitted, scenarios: list[str], words: str
) -> None:
    r = client.post("/runs/start", data={"scenarios": scenarios, "name": ""})
    assert r.status_code == 422
    (error,) = re.findall(r'<p class="error field-error">([^<]*)</p>', r.text)
    assert html.unescape(error).startswith(words), error
    assert submitted == []


def test_the_builder_starts_from_current_policy_and_an_unknown_base_is_404(
    client: TestClient,
) -> None:
    page = client.get("/scenarios/new")
    assert page.status_code == 200 and 'value="current-policy-variant"' in page.text
    page = client.get("/scenarios/new", params={"base": "nowhere"})
    assert page.status_code == 404
    assert "unknown scenario 'nowhere'; known scenarios: " in _field(page.text, "base")


def test_a_builder_form_at_fault_is_shown_again_as_it_was_ticked(client: TestClient) -> None:
    """current-policy has CBAM and SDE++: a form that unticks CBAM, keeps SDE++ and has a
    field at fault comes back with CBAM unticked and SDE++ ticked."""
    levers = client.get("/api/scenarios/current-policy").json()["levers"]
    assert levers["cbam"] is True and levers["subsidies"]["sde"] is True
    form = {
        "name": "ticks",
        "base": "current-policy",
        "subsidies.sde": "on",
        "subsidies.ccfd_duration": "99",
    }
    r = client.post("/scenarios/new", data=form)
    assert r.status_code == 422
    assert "The scenario was not saved: see the fields marked below." in r.text
    assert not _ticked(r.text, "cbam") and _ticked(r.text, "subsidies.sde")


def test_a_builder_save_that_would_break_a_scenario_built_on_it_is_refused(
    client: TestClient, store_root: Path
) -> None:
    """As through the API: the form comes back with the reason on the name, the file stays."""
    folder = store_root / "scenarios"
    assert client.post("/api/scenarios", json={"name": "form-a"}).status_code == 201
    child = {"name": "form-b", "base": "form-a", "end_year": 2040}
    assert client.post("/api/scenarios", json=child).status_code == 201
    before = (folder / "form-a.yaml").read_text("utf-8")
    try:
        form = {"name": "form-a", "base": "current-policy", "start_year": "2045"}
        r = client.post("/scenarios/new", data=form, follow_redirects=False)
        assert r.status_code == 422, r.headers
        assert "The scenario was not saved: see the fields marked below." in r.text
        assert "form-b" in _field(r.text, "name") and "end_year 2040" in _field(r.text, "name")
        assert (folder / "form-a.yaml").read_text("utf-8") == before
    finally:
        (folder / "form-b.yaml").unlink()
        (folder / "form-a.yaml").unlink()


def test_save_and_run_from_the_builder(
    client: TestClient, submitted: Submitted, store_root: Path
) -> None:
    form = {"name": "save-and-run", "base": "current-policy", "action": "run"}
    try:
        r = client.post("/scenarios/new", data=form, follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"] == "/jobs/job-recorded"
        assert submitted == [(["save-and-run"], None)]  # the run is named by its id
    finally:
        (store_root / "scenarios" / "save-and-run.yaml").unlink()


def test_an_unknown_job_is_a_404_page_quoting_at_most_100_characters(client: TestClient) -> None:
    page = client.get("/jobs/job-0")
    assert page.status_code == 404 and "unknown job 'job-0'" in html.unescape(page.text)
    page = client.get("/jobs/" + "x" * 150)
    assert page.status_code == 404
    assert "unknown job '" + "x" * 100 + "'" in html.unescape(page.text)


def test_the_run_page_shows_the_scenario_asked_for_in_its_last_year(client: TestClient) -> None:
    _, variants = _run_ids(client)
    last = client.get(f"/api/runs/{variants}").json()["years"][-1]
    assert last == 2050
    page = client.get(f"/runs/{variants}").text
    assert "<h2>Sites in 2050 (no-new-policy)</h2>" in page
    assert 'data-view="0"' in page and 'data-view="1"' not in page
    page = client.get(f"/runs/{variants}", params={"scenario": "high-ambition"}).text
    assert "<h2>Sites in 2050 (high-ambition)</h2>" in page
    assert 'data-view="1"' in page and 'data-view="0"' not in page


def test_the_run_page_lists_every_pool_of_the_scenario_as_the_report_does(
    client: TestClient,
) -> None:
    """The scarce-capacity table of the shown scenario: one row per pool of the run, the
    report's cells (:func:`kruispunt.reports.html.pool_rows`), Porthos most used in 2027."""
    from kruispunt.reports.html import pool_rows

    base, variants = _run_ids(client)
    page = client.get(f"/runs/{base}").text
    assert "<h2>Scarce capacity (current-policy)</h2>" in page
    table = page.split('<table class="pool-table" id="pools">', 1)[1].split("</table>", 1)[0]
    rows = re.findall(r'<tr data-pool="([^"]+)">(.*?)</tr>', table, flags=re.S)
    pools = client.app.state.runs.results(base).dataset["pool"].values  # type: ignore[attr-defined]
    assert [p for p, _ in rows] == [str(p) for p in pools]
    want = {r["pool"]: r["cells"] for r in pool_rows(client.app.state.runs.results(base))}  # type: ignore[attr-defined]
    for pool, row in rows:
        cells = re.findall(r'<td class="num">([^<]*)</td>', row)
        assert [html.unescape(c) for c in cells] == want[pool], pool
    porthos = dict(rows)["co2_storage/porthos"]
    assert "Porthos" in porthos and "2027" in porthos and "Mt CO2/yr" in porthos
    page = client.get(f"/runs/{variants}", params={"scenario": "high-ambition"}).text
    assert "<h2>Scarce capacity (high-ambition)</h2>" in page


def test_the_compare_page_puts_run_a_first(client: TestClient) -> None:
    base, variants = _run_ids(client)
    page = client.get("/compare", params={"a": "base"})  # one run: the form only
    assert page.status_code == 200 and 'data-run="A"' not in page.text
    page = client.get("/compare", params={"a": "base", "b": "variants"}).text
    assert f'data-src="/api/compare/{base}/{variants}/charts/costs"' in page
    assert "<th>A: current-policy</th><th>B: no-new-policy</th>" in page
