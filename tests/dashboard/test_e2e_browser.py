"""End to end in headless Chromium (Debian's, through Playwright; never a downloaded browser):
build a scenario, run it, see charts with data, move the map's year slider, open a site,
compare two runs, download the IAMC export and check its content.

Skipped when /usr/bin/chromium is missing.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from kruispunt.dashboard.live import LiveServer
from kruispunt.dashboard.settings import ServeSettings
from kruispunt.export import IAMC_COLUMNS, to_iamc
from kruispunt.reports import CHARTS
from kruispunt.store import Store
from tests.dashboard.conftest import CHROMIUM, CHROMIUM_ARGS

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(), reason="needs a Chromium at /usr/bin/chromium (apt-get install chromium)"
)

CHART_STATE = """
(div) => {
  const gd = div.querySelector('.js-plotly-plot');
  const data = gd && gd.data ? gd.data : [];
  const withData = data.filter(t => t.visible !== false && t.x && t.x.length > 0
                               && t.y && t.y.some(v => v !== null && !Number.isNaN(v)));
  return {traces: data.length, withData: withData.length,
          drawn: div.querySelectorAll('svg.main-svg g.trace').length};
}
"""
ALL_DRAWN = (
    "n => document.querySelectorAll('.plot[data-state=drawn]').length >= n"
    " && !document.querySelector('.plot[data-state=error]')"
)


@pytest.fixture(scope="module")
def server(store_root: Path) -> Iterator[LiveServer]:
    with LiveServer(ServeSettings(store=store_root, workers=1)) as live:
        yield live


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture(scope="module")
def session(browser: Any, server: LiveServer) -> Iterator[dict[str, Any]]:
    """One browser tab; what it requested and which script errors it saw."""
    context = browser.new_context(viewport={"width": 1300, "height": 900}, accept_downloads=True)
    page = context.new_page()
    log: dict[str, Any] = {"page": page, "requests": [], "errors": []}
    page.on("request", lambda r: log["requests"].append(r.url))
    page.on("pageerror", lambda e: log["errors"].append(str(e)))
    yield log
    context.close()


@pytest.fixture(scope="module")
def built(session: dict[str, Any], server: LiveServer, store_root: Path) -> str:
    """Build a scenario in the form (first with an error), save and run it: the run id."""
    page = session["page"]
    page.goto(f"{server.url}/scenarios/new?base=current-policy")
    page.fill("#f-name", "e2e-ccfd")
    page.fill("#f-description", "Current policy plus CCfDs at 200 EUR/t (3 bn EUR).")
    page.fill("#f-subsidies-ccfd_strike_price", "200")
    page.fill("#f-subsidies-ccfd_budget", "3e9")
    page.fill("#f-subsidies-ccfd_duration", "99")
    page.click("#save-and-run")
    error = page.locator('[data-field="subsidies.ccfd_duration"] .field-error')
    assert "less than or equal to 30" in error.inner_text()
    assert page.locator(".field-error").count() == 1  # only the field at fault
    assert not (store_root / "scenarios" / "e2e-ccfd.yaml").exists()
    assert page.input_value("#f-subsidies-ccfd_strike_price") == "200"  # kept what was typed
    page.fill("#f-subsidies-ccfd_duration", "20")
    page.click("#save-and-run")
    page.wait_for_url(re.compile(r"/runs/[^/]+$"), timeout=120_000)
    return str(page.url.rsplit("/runs/", 1)[1])


def test_built_scenario_is_saved_and_run(built: str, store_root: Path) -> None:
    text = (store_root / "scenarios" / "e2e-ccfd.yaml").read_text("utf-8")
    assert "base: current-policy" in text
    assert "ccfd_strike_price: 200.0" in text and "ccfd_duration: 20" in text
    assert Store(store_root).load(built).scenarios == ["e2e-ccfd"]


def test_run_page_draws_every_chart_with_data(
    session: dict[str, Any], server: LiveServer, built: str
) -> None:
    page = session["page"]
    page.goto(f"{server.url}/runs/{built}")
    page.wait_for_function(ALL_DRAWN, arg=len(CHARTS) + 1, timeout=60_000)
    for name in CHARTS:
        state = page.locator(f'div.chart[data-chart="{name}"]').evaluate(CHART_STATE)
        assert state["withData"] >= 1 and state["drawn"] >= 1, (name, state)
    assert "Current policy plus CCfDs" in page.inner_text(".run-card")
    assert session["errors"] == []
    outside = [u for u in session["requests"] if not u.startswith(server.url)]
    assert outside == []  # fully offline: nothing fetched from elsewhere


def test_map_year_slider_recolours_the_sites(
    session: dict[str, Any], server: LiveServer, built: str
) -> None:
    page = session["page"]
    if f"/runs/{built}" not in page.url:
        page.goto(f"{server.url}/runs/{built}")
    page.wait_for_function("document.getElementById('site-map').dataset.state === 'drawn'")
    colours = "() => document.getElementById('site-map').data[0].marker.color.slice()"
    last = page.evaluate(colours)
    assert page.inner_text("#map-year-label") == "2050"
    assert len(last) == 210
    page.locator("#map-year").evaluate(
        "(el) => { el.value = 0; el.dispatchEvent(new Event('input')); }"
    )
    page.wait_for_function("document.getElementById('site-map').dataset.year === '2025'")
    assert page.inner_text("#map-year-label") == "2025"
    first = page.evaluate(colours)
    assert first != last  # sites changed route between 2025 and 2050
    assert int(page.inner_text("#map-approx")) > 100  # sites placed at a cluster centroid


def test_site_page_from_the_sites_table(
    session: dict[str, Any], server: LiveServer, built: str
) -> None:
    page = session["page"]
    page.goto(f"{server.url}/runs/{built}")
    page.click('#sites tr[data-site="tata_steel_ijmuiden"] a')
    page.wait_for_url(re.compile(r"/sites/tata_steel_ijmuiden"))
    assert page.inner_text("#site-name") == "Tata Steel IJmuiden"
    page.wait_for_function(ALL_DRAWN, arg=2, timeout=30_000)
    for chart in ("site_routes", "site_costs"):
        state = page.locator(f'div.chart[data-chart="{chart}"]').evaluate(CHART_STATE)
        assert state["withData"] >= 1, (chart, state)
    page.wait_for_selector('#explain[data-available="yes"]', timeout=30_000)
    slot = page.locator("#explain")
    assert "The options the site's plants weighed in" in slot.inner_text()
    # two units (BF6, BF7), a choice each that decides in the year shown; one may be building
    # a switch decided earlier (e2e-ccfd: in 2029 BF7 builds its DRI plant, BF6 chooses)
    assert 1 <= page.locator("#explain-table tr.chosen").count() <= 2
    page.select_option("#explain-year", "2040")
    page.wait_for_url(re.compile(r"year=2040"))
    page.wait_for_selector('#explain[data-available="yes"]', timeout=30_000)
    assert "in 2040" in page.inner_text("#explain h2")


def test_compare_two_runs(session: dict[str, Any], server: LiveServer, built: str) -> None:
    page = session["page"]
    runs = Store(server.app.state.store.root).list()
    base = str(runs.loc[runs["name"] == "base", "run_id"].iloc[0])
    page.goto(f"{server.url}/compare")
    page.select_option("#run-a", base)
    page.select_option("#run-b", built)
    page.click("#compare-form button")
    page.wait_for_url(re.compile(r"/compare\?a="))
    page.wait_for_function(ALL_DRAWN, arg=len(CHARTS), timeout=60_000)
    headings = page.locator("section.run-card h2").all_inner_texts()
    assert headings == ["Run A — solid lines", "Run B — dashed lines"]
    assert base in page.inner_text('section.run-card[data-run="A"]')
    assert built in page.inner_text('section.run-card[data-run="B"]')
    runs_drawn = page.locator('div.chart[data-chart="emissions_cluster"] .js-plotly-plot').evaluate(
        "(gd) => [...new Set(gd.data.filter(t => t.visible !== false).map(t => t.meta.run))]"
    )
    assert sorted(runs_drawn) == ["A", "B"]


def test_download_the_iamc_export(
    session: dict[str, Any], server: LiveServer, built: str, store_root: Path, tmp_path: Path
) -> None:
    page = session["page"]
    page.goto(f"{server.url}/runs/{built}")
    with page.expect_download() as info:
        page.click("#download-iamc")
    download = info.value
    assert download.suggested_filename == f"{built}-iamc.csv"
    path = tmp_path / download.suggested_filename
    download.save_as(path)
    table = pd.read_csv(path)
    assert tuple(table.columns) == IAMC_COLUMNS
    assert set(table["scenario"]) == {"e2e-ccfd"}
    assert {"Netherlands", "Netherlands|Rotterdam-Moerdijk"} <= set(table["region"])
    direct = table[
        (table["region"] == "Netherlands")
        & (table["variable"] == "Emissions|CO2|Energy and Industrial Processes|Industry")
    ]
    assert len(direct) == 26 and (direct["unit"] == "Mt CO2/yr").all()
    expected = to_iamc(Store(store_root).load(built))
    pd.testing.assert_frame_equal(table, expected, check_dtype=False)
