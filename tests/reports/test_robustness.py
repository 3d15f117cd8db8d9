"""The robustness report of a small real ensemble: plotly.js once, compact figures, a size
bound, and every chart drawn in Chromium (the browser test is skipped without
/usr/bin/chromium; it never runs ``playwright install``)."""

from __future__ import annotations

import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from plotly.offline import get_plotlyjs  # type: ignore[import-untyped]
from tests.report_pages import PLOTLY_HEADER, figures, floats, plotly_copies, scripts

from kruispunt.catalogue import load_catalogue
from kruispunt.reports.robustness import SIGNIFICANT, write_robustness_report
from kruispunt.uncertainty.analysis import Analysis, analyse
from kruispunt.uncertainty.run import explore, plan
from kruispunt.uncertainty.spec import load_spec

CHROMIUM = Path("/usr/bin/chromium")


@pytest.fixture(scope="module")
def analysis(tmp_path_factory: pytest.TempPathFactory) -> Analysis:
    root = tmp_path_factory.mktemp("store")
    p = plan(load_spec(), n=8, seed=11, catalogue=load_catalogue(), batch_size=8)
    return analyse(explore(p, store_root=root).ensemble)


@pytest.fixture(scope="module")
def report(analysis: Analysis, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_robustness_report(analysis, tmp_path_factory.mktemp("r") / "robustness.html")


@pytest.fixture(scope="module")
def page(report: Path) -> str:
    return report.read_text("utf-8")


def test_plotly_js_is_on_the_page_once(page: str) -> None:
    assert plotly_copies(page) == [get_plotlyjs()]
    assert all("src" not in attrs for attrs, _ in scripts(page))


def test_figures_are_compact(analysis: Analysis, page: str) -> None:
    drawn = figures(page)
    fans = len(set(analysis.fans["metric"]))
    assert len(drawn) == page.count('<div class="chart">') >= fans + 1
    for data, layout in drawn:
        assert "template" not in layout  # written once, as kpTemplate
        assert not any("bdata" in str(t) for t in data)
        for v in floats([data, layout]):
            if v != 0:
                digits = SIGNIFICANT - 1 - math.floor(math.log10(abs(v)))
                assert round(v, digits) == v
    assert page.count("kpTemplate") == 1 + len(drawn)
    # the fan of the first metric: each package's median, as in the analysis (rounded)
    metric = sorted(set(analysis.fans["metric"]))[0]
    data, _ = drawn[0]
    for pkg, part in analysis.fans[analysis.fans["metric"] == metric].groupby("package"):
        median = next(t for t in data if t["name"] == f"{pkg} (median)")
        assert median["x"] == part["year"].tolist()
        assert median["y"] == pytest.approx(part["p50"].tolist(), rel=5e-4)


def test_page_size(page: str) -> None:
    """Measured (session 7) on the default specification, 16 futures (LHS): 4,933,312
    bytes before (plotly.js inline, 4,815,814; ten figures with the plotly_white template
    in each, 91,178), 2,007,519 after: plotly.js packed 1,958,508, figures 16,465, the rest
    (tables, sources, template, loader) 32,546."""
    packed = next(t for a, t in scripts(page) if "application/gzip;base64" in a)
    figure_bytes = sum(len(t.encode()) for _, t in scripts(page) if t.startswith("kpPlot("))
    assert figure_bytes < 30_000
    assert len(page.encode()) - len(packed) < 60_000
    assert len(page.encode()) < 2_100_000


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        pytest.skip("needs a Chromium at /usr/bin/chromium (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(
            executable_path=str(CHROMIUM),
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        yield b
        b.close()


def test_every_chart_is_drawn_offline(browser: Any, report: Path, page: str) -> None:
    tab = browser.new_page(viewport={"width": 1300, "height": 900})
    requests: list[str] = []
    errors: list[str] = []
    tab.on("request", lambda r: requests.append(r.url))
    tab.on("pageerror", lambda e: errors.append(str(e)))
    try:
        tab.goto(report.as_uri())
        n = page.count('<div class="chart">')
        tab.wait_for_function(
            f"document.querySelectorAll('.chart svg.main-svg').length >= {n}", timeout=20_000
        )
        states = tab.evaluate(
            """() => [...document.querySelectorAll('.chart')].map(div => {
                 const gd = div.querySelector('.js-plotly-plot');
                 return {traces: gd && gd.data ? gd.data.length : -1,
                         drawn: div.querySelectorAll('svg.main-svg g.trace').length};
               })"""
        )
        version = tab.evaluate("window.Plotly.version")
    finally:
        tab.close()
    assert len(states) == n
    for (data, _), state in zip(figures(page), states, strict=True):
        assert state["traces"] == len(data)
        assert state["drawn"] >= min(len(data), 1), state
    assert f"plotly.js v{version}" == PLOTLY_HEADER.search(get_plotlyjs()).group(0)[2:]
    assert errors == []
    assert [u for u in requests if not u.startswith("file:")] == []
