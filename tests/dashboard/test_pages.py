"""The dashboard's pages through an in-process client: what they show, where their forms
go, and what a form at fault says. Runs the forms start are recorded, not run
(``submitted``)."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlencode

import pytest
from fastapi.testclient import TestClient

from kruispunt.dashboard.app import create_app
from kruispunt.dashboard.jobs import Job
from kruispunt.dashboard.settings import ServeSettings
from tests.dashboard.conftest import Submitted
from tests.dashboard.forms import browser_form


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
    client: TestClient, monkeypatch: pytest.MonkeyPatch, store_root: Path
) -> None:
    job = Job("job-shown", ("high-ambition",), None, "2026-12-05T10:00:00+00:00", "running")
    monkeypatch.setattr(client.app.state.jobs, "list", lambda: [job])  # type: ignore[attr-defined]
    assert client.post("/api/scenarios", json={"name": "my-variant"}).status_code == 201
    try:
        page = client.get("/", params={"saved": "my-variant"}).text
        assert '<p class="notice" id="saved-notice">Scenario <b>my-variant</b> saved.</p>' in page
        assert '<tr data-job="job-shown">' in page and 'href="/jobs/job-shown">follow' in page
        assert 'id="saved-notice"' not in client.get("/").text
        # a link cannot make the page announce a scenario that was never saved
        page = client.get("/", params={"saved": "never-saved"}).text
        assert 'id="saved-notice"' not in page and "never-saved" not in page
    finally:
        (store_root / "scenarios" / "my-variant.yaml").unlink()


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


@pytest.mark.parametrize(
    ("body", "words"),
    [
        (b"scenarios=current-policy&name=%ff%fe", "the form is not UTF-8 text"),
        (b"scenarios=current-policy&name=\xff\xfe", "the form is not UTF-8 text"),
        (b"scenarios=current-policy&nmae=typo", "fields the form does not have: nmae"),
        (b"scenarios=current-policy&name=a&name=b", "fields given more than once: name"),
        (b"scenarios=current-policy&name=" + b"x" * 101, "run name too long (101 characters"),
    ],
)
def test_a_start_form_that_cannot_be_read_starts_nothing(
    client: TestClient, submitted: Submitted, body: bytes, words: str
) -> None:
    """A run name of bytes that are not UTF-8 was once stored mangled ('\ufffd\ufffd')."""
    kind = {"content-type": "application/x-www-form-urlencoded"}
    r = client.post("/runs/start", content=body, headers=kind)
    assert r.status_code == 422
    (error,) = re.findall(r'<p class="error field-error">([^<]*)</p>', r.text)
    assert html.unescape(error).startswith(words), error
    assert submitted == []


def test_a_start_form_refusal_renders_the_home_page_off_the_event_loop(
    client: TestClient, submitted: Submitted, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The home page reads the store and the saved scenarios: rendered on the event loop, a
    slow store held up every other request. The form's refusals render it in the thread pool,
    as its other answers do."""
    import asyncio

    from kruispunt.dashboard import pages

    on_loop: list[bool] = []
    index = pages._index

    def recording(*args: object, **kwargs: object) -> object:
        try:
            asyncio.get_running_loop()
            on_loop.append(True)
        except RuntimeError:
            on_loop.append(False)
        return index(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(pages, "_index", recording)
    kind = {"content-type": "application/x-www-form-urlencoded"}
    for body in (b"scenarios=current-policy&nmae=typo", b"name=x"):
        r = client.post("/runs/start", content=body, headers=kind)
        assert r.status_code == 422
    assert on_loop == [False, False] and submitted == []


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
    form = browser_form(
        client, "current-policy", "ticks", cbam=None, **{"subsidies.ccfd_duration": "99"}
    )
    assert form["subsidies.sde"] == "on"
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
        form = browser_form(client, "current-policy", "form-a", start_year="2045")
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
    form = browser_form(client, "current-policy", "save-and-run", action="run")
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


def test_a_builder_form_without_all_its_fields_is_refused(
    client: TestClient, store_root: Path
) -> None:
    """A short post (three fields) once saved a scenario whose missing levers took the
    schema's defaults, not the base's: high-ambition's SDE++, IKC, grants and CBAM off,
    answered "saved". The page sends every field; a form that does not is refused."""
    folder = store_root / "scenarios"
    short = {"name": "partial", "base": "high-ambition", "subsidies.ccfd_duration": "20"}
    r = client.post("/scenarios/new", data=short, follow_redirects=False)
    assert r.status_code == 422 and not (folder / "partial.yaml").exists()
    assert "missing from the form" in _field(r.text, "start_year")
    assert "missing from the form" in _field(r.text, "subsidies.sde_extra_budget")
    # the same change in the whole form is saved, and the base's levers are kept
    full = browser_form(client, "high-ambition", "partial", **{"subsidies.ccfd_duration": "20"})
    try:
        r = client.post("/scenarios/new", data=full, follow_redirects=False)
        assert r.status_code == 303, r.text[:300]
        levers = client.get("/api/scenarios/partial").json()["levers"]
        base = client.get("/api/scenarios/high-ambition").json()["levers"]
        assert levers["subsidies"]["ccfd_duration"] == 20
        assert {k: v for k, v in levers["subsidies"].items() if k != "ccfd_duration"} == {
            k: v for k, v in base["subsidies"].items() if k != "ccfd_duration"
        }
        assert levers["cbam"] is base["cbam"] is True
    finally:
        (folder / "partial.yaml").unlink()


@pytest.mark.parametrize(
    ("extra", "words"),
    [
        ([("bogus", "1")], "fields the builder does not know: bogus"),
        ([("subsidies.ccfd_durationn", "20")], "does not know: subsidies.ccfd_durationn"),
        ([("name", "other")], "fields given more than once: name"),
        ([("action", "<script>")], "action '<script>': use save or run"),
    ],
)
def test_a_builder_form_with_fields_it_does_not_have_is_refused(
    client: TestClient, store_root: Path, extra: list[tuple[str, str]], words: str
) -> None:
    """A misspelled field, one given twice or an unknown action is named, not dropped."""
    items = [*browser_form(client, "current-policy", "extra-fields").items(), *extra]
    r = client.post(
        "/scenarios/new",
        content=urlencode(items),
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert r.status_code == 422 and words in html.unescape(r.text), r.text[:400]
    assert "'<script>'" not in r.text  # shown back escaped
    assert not (store_root / "scenarios" / "extra-fields.yaml").exists()


@pytest.mark.parametrize(
    ("body", "kind", "words"),
    [
        (b"%ff%fe", "application/x-www-form-urlencoded", "not UTF-8 text"),
        (b"\xff\xfe\x80", "application/x-www-form-urlencoded", "not UTF-8 text"),
        (b"x" * ((1 << 20) + 1), "application/x-www-form-urlencoded", "larger than 1 MiB"),
        (b"{}", "application/json", "content type is application/json"),
        (b"--x\r\n", "multipart/form-data; boundary=x", "content type is multipart/form-data"),
    ],
)
def test_a_builder_form_that_is_not_utf8_text_is_refused(
    client: TestClient, store_root: Path, body: bytes, kind: str, words: str
) -> None:
    """Bytes that are not UTF-8 were once saved mangled (U+FFFD, or read as Latin-1)."""
    form = browser_form(client, "current-policy", "bytes")
    prefix = urlencode([(k, v) for k, v in form.items() if k != "description"]).encode()
    urlencoded = kind == "application/x-www-form-urlencoded"
    content = prefix + b"&description=" + body if urlencoded else body
    r = client.post("/scenarios/new", content=content, headers={"content-type": kind})
    assert r.status_code == 422 and words in r.text, r.text[:400]
    assert not (store_root / "scenarios" / "bytes.yaml").exists()
