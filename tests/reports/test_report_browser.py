"""Open the HTML report in headless Chromium and check that every chart really renders.

Skipped when /usr/bin/chromium is missing (never runs ``playwright install``).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from plotly.offline import get_plotlyjs  # type: ignore[import-untyped]

from kruispunt.reports import CHARTS, write_report
from kruispunt.testing import synthetic_results

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(), reason="needs a Chromium at /usr/bin/chromium (apt-get install chromium)"
)

CHART_STATE = """
(div) => {
  const gd = div.querySelector('.js-plotly-plot');
  const svg = div.querySelector('svg.main-svg');
  const data = gd && gd.data ? gd.data : [];
  const withData = data.filter(t => t.visible !== false && t.x && t.x.length > 0
                               && t.y && t.y.some(v => v !== null && !Number.isNaN(v)));
  return {svg: !!svg, traces: data.length, withData: withData.length,
          drawn: div.querySelectorAll('svg.main-svg g.trace').length};
}
"""


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield b
        b.close()


@pytest.fixture(scope="module")
def pages(browser: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """The single-run and the compare report, each opened once, with what they requested."""
    folder = tmp_path_factory.mktemp("reports")
    a = synthetic_results(n_scenarios=2, n_plants=10, seed=4)
    b = synthetic_results(n_scenarios=2, n_plants=10, seed=8)
    files = {
        "single": write_report(a, folder / "single.html"),
        "compare": write_report(a, folder / "compare.html", compare_with=b),
    }
    out: dict[str, Any] = {}
    for kind, path in files.items():  # both pages load in parallel
        page = browser.new_page(viewport={"width": 1300, "height": 900})
        requests: list[str] = []
        errors: list[str] = []
        page.on("request", lambda r, log=requests: log.append(r.url))
        page.on("pageerror", lambda e, log=errors: log.append(str(e)))
        page.goto(path.as_uri(), wait_until="commit")
        out[kind] = {"page": page, "requests": requests, "errors": errors}
    for entry in out.values():
        entry["page"].wait_for_function(
            f"document.querySelectorAll('.chart svg.main-svg').length >= {len(CHARTS)}",
            timeout=20_000,
        )
    yield out
    for entry in out.values():
        entry["page"].close()


@pytest.mark.parametrize("kind", ["single", "compare"])
def test_every_chart_renders_offline(pages: dict[str, Any], kind: str) -> None:
    page = pages[kind]["page"]
    for name in CHARTS:
        state = page.locator(f'div.chart[data-chart="{name}"]').evaluate(CHART_STATE)
        assert state["svg"], name
        assert state["withData"] >= 1, (name, state)
        assert state["drawn"] >= 1, (name, state)
    assert pages[kind]["errors"] == []
    assert [u for u in pages[kind]["requests"] if not u.startswith("file:")] == []
    # the packed bundle unpacked in the browser is the installed plotly.js
    version = page.evaluate("window.Plotly.version")
    assert f"* plotly.js v{version}\n" in get_plotlyjs()[:40]


def test_compare_draws_both_runs(pages: dict[str, Any]) -> None:
    page = pages["compare"]["page"]
    runs = page.locator('div.chart[data-chart="emissions_cluster"]').evaluate(
        "(div) => [...new Set(div.querySelector('.js-plotly-plot').data"
        ".filter(t => t.visible !== false).map(t => t.meta.run))]"
    )
    assert sorted(runs) == ["A", "B"]
    cards = page.locator("section.run-card h2").all_inner_texts()
    assert cards == ["Run A — solid lines", "Run B — dashed lines"]


def test_scenario_menu_switches_traces(pages: dict[str, Any]) -> None:
    page = pages["single"]["page"]
    chart = page.locator('div.chart[data-chart="energy_carrier"]')
    visible = (
        "(div) => div.querySelector('.js-plotly-plot').data"
        ".filter(t => t.visible !== false).map(t => t.meta.scenario)"
    )
    assert set(chart.evaluate(visible)) == {"reference"}
    page.select_option("#view-select", label="green_market")
    page.wait_for_function(
        "document.querySelector('[data-chart=energy_carrier] .js-plotly-plot').data"
        ".some(t => t.visible !== false && t.meta.scenario === 'green_market')",
        timeout=5_000,
    )
    assert set(chart.evaluate(visible)) == {"green_market"}
    # every chart follows the one menu
    cost = page.locator('div.chart[data-chart="costs"]')
    assert set(cost.evaluate(visible)) == {"green_market"}


@pytest.mark.parametrize("kind", ["single", "compare"])
def test_no_menu_covers_a_chart_title(pages: dict[str, Any], kind: str) -> None:
    """The scenario menu is one element above the charts, outside every chart's box."""
    page = pages[kind]["page"]
    assert page.locator(".updatemenu-header").count() == 0
    menu = page.locator(".view-menu").bounding_box()
    assert menu is not None
    for name in CHARTS:
        title = page.locator(f'div.chart[data-chart="{name}"] h3').bounding_box()
        assert title is not None
        overlap = not (
            menu["y"] + menu["height"] <= title["y"] or title["y"] + title["height"] <= menu["y"]
        )
        assert not overlap, name


def test_site_table_sorts(pages: dict[str, Any]) -> None:
    page = pages["single"]["page"]
    table = page.locator("table.site-table").first
    header = table.locator('th[data-column="direct_emissions_ktco2"]')
    assert header.inner_text().startswith("Direct emissions")
    values = (
        "(t) => { const i = [...t.tHead.rows[0].cells].findIndex(c => "
        "c.dataset.column === 'direct_emissions_ktco2'); return [...t.tBodies[0]"
        ".rows].map(r => parseFloat(r.cells[i].getAttribute('data-sort'))); }"
    )
    header.click()
    up = table.evaluate(values)
    assert len(up) > 3
    assert up == sorted(up)
    header.click()
    down = table.evaluate(values)
    assert down == sorted(down, reverse=True)


def test_site_table_sorts_a_text_column_by_its_text(pages: dict[str, Any]) -> None:
    """Text cells carry no data-sort key (it would repeat the text): they sort by their text."""
    page = pages["single"]["page"]
    table = page.locator("table.site-table").first
    header = table.locator('th[data-column="site"]')
    state = (
        "(t) => { const i = [...t.tHead.rows[0].cells].findIndex(c => "
        "c.dataset.column === 'site'); const cells = [...t.tBodies[0].rows].map(r => r.cells[i]);"
        " const order = cells.slice(1).map((c, k) => "
        "Math.sign(cells[k].textContent.localeCompare(c.textContent)));"
        " return {n: cells.length, keyed: cells.filter(c => c.hasAttribute('data-sort')).length,"
        " order: [...new Set(order)]}; }"
    )
    header.click()
    up = table.evaluate(state)
    assert up["n"] > 3 and up["keyed"] == 0
    assert set(up["order"]) <= {-1, 0} and -1 in up["order"]
    header.click()
    down = table.evaluate(state)
    assert set(down["order"]) <= {0, 1} and 1 in down["order"]


NOTE_BOXES = """
(div) => {
  const box = (el) => { const r = el.getBoundingClientRect();
                        return {top: r.top, bottom: r.bottom, left: r.left, right: r.right}; };
  return {plot: box(div.querySelector('.nsewdrag')),
          title: box(div.querySelector('.g-xtitle')),
          svg: box(div.querySelector('svg.main-svg')),
          notes: [...div.querySelectorAll('g.annotation')].map(box)};
}
"""


def test_notes_lie_below_the_plot_and_inside_the_figure(browser: Any, tmp_path: Path) -> None:
    """The grid chart of current policy on the embedded data has eight notes (each grid
    zone's years without room and without a limit): every one lies below the plot and the
    year axis's title, apart from the others, and inside the figure, so none covers a line."""
    from kruispunt.api import run

    path = write_report(run("current-policy"), tmp_path / "report.html")
    page = browser.new_page(viewport={"width": 1300, "height": 900})
    try:
        page.goto(path.as_uri())
        chart = page.locator('div.chart[data-chart="grid"]')
        chart.scroll_into_view_if_needed()
        page.wait_for_function(
            "document.querySelectorAll('div.chart[data-chart=\"grid\"] g.annotation').length > 0",
            timeout=20_000,
        )
        boxes = chart.evaluate(NOTE_BOXES)
    finally:
        page.close()
    notes = sorted(boxes["notes"], key=lambda b: b["top"])
    assert len(notes) >= 8
    assert notes[0]["top"] >= boxes["title"]["bottom"] - 1
    assert boxes["title"]["top"] >= boxes["plot"]["bottom"]
    for upper, lower in itertools.pairwise(notes):
        assert lower["top"] >= upper["bottom"] - 1  # one line each, not stacked on another
    assert notes[-1]["bottom"] <= boxes["svg"]["bottom"] + 1
