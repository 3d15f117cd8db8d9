"""The robustness report of a small real ensemble: plotly.js once, compact figures, a size
bound, and every chart drawn in Chromium (the browser test is skipped without
/usr/bin/chromium; it never runs ``playwright install``); and each chart's numbers against
hand-made fans, tornados and PRIM boxes."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go  # type: ignore[import-untyped]
import pytest
from plotly.offline import get_plotlyjs  # type: ignore[import-untyped]
from tests.report_pages import PLOTLY_HEADER, figures, floats, plotly_copies, scripts

from kruispunt.catalogue import load_catalogue
from kruispunt.reports.robustness import (
    SIGNIFICANT,
    _plain,
    fan_chart,
    prim_box,
    prim_tradeoff,
    robustness_html,
    tornado_chart,
    write_robustness_report,
)
from kruispunt.uncertainty.analysis import Analysis, analyse
from kruispunt.uncertainty.prim import PrimResult, prim
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
    (tables, sources, template, loader) 32,546; the rest 60,855 with the specification's
    17 factors and their sources (6 Dec 2026)."""
    packed = next(t for a, t in scripts(page) if "application/gzip;base64" in a)
    figure_bytes = sum(len(t.encode()) for _, t in scripts(page) if t.startswith("kpPlot("))
    assert figure_bytes < 30_000
    assert len(page.encode()) - len(packed) < 64_000
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


CHART_BOXES = """() => [...document.querySelectorAll('.chart')].map(div => {
  const box = (el) => { if (!el) return null; const r = el.getBoundingClientRect();
                        return {top: r.top, bottom: r.bottom, left: r.left, right: r.right,
                                height: r.height}; };
  return {title: (div.querySelector('.gtitle') || {}).textContent || '',
          legend: box(div.querySelector('g.legend')),
          colorbar: box(div.querySelector('g.colorbar')),
          plot: box(div.querySelector('.nsewdrag')),
          bars: [...div.querySelectorAll('g.trace.bars path')].map(box),
          labels: [...div.querySelectorAll('g.trace.bars text')].map(
            t => parseFloat(getComputedStyle(t).fontSize)),
          notes: [...div.querySelectorAll('g.annotation')].map(a => a.textContent)};
})"""


def _apart(a: dict[str, float], b: dict[str, float]) -> bool:
    return (
        a["right"] <= b["left"]
        or b["right"] <= a["left"]
        or a["bottom"] <= b["top"]
        or b["bottom"] <= a["top"]
    )


def test_prim_charts_are_readable(browser: Any, report: Path) -> None:
    """Drawn in Chromium: a trade-off's legend lies clear of its colour bar (until Dec 2026
    the two overlapped at the right), a box chart's bars are tens of pixels high with their
    limits at a readable size (the template's margins left a one-bar box a strip of a few
    pixels, its label shrunk to fit), and a box with no restriction says so."""
    tab = browser.new_page(viewport={"width": 1300, "height": 900})
    try:
        tab.goto(report.as_uri())
        tab.wait_for_function("document.querySelectorAll('.chart svg.main-svg').length > 0")
        charts = tab.evaluate(CHART_BOXES)
    finally:
        tab.close()
    trade = [c for c in charts if c["title"].startswith("PRIM trade-off")]
    boxes = [c for c in charts if c["title"].startswith("PRIM box")]
    assert trade and boxes
    for c in trade:
        assert c["legend"] and c["colorbar"] and _apart(c["legend"], c["colorbar"]), c["title"]
    for c in boxes:
        if c["bars"]:
            assert min(b["height"] for b in c["bars"]) >= 20, c["title"]
            assert min(c["labels"]) >= 11, c["title"]
        else:
            assert any(n.startswith("No restriction") for n in c["notes"]), c["title"]


def test_a_one_bar_box_is_drawn_high_with_its_limits_readable(browser: Any, tmp_path: Path) -> None:
    """The box a >= 16.3 of :func:`_peeled`, drawn alone in Chromium (plotly.js inline):
    its bar is tens of pixels high and its label keeps a readable size."""
    path = tmp_path / "box.html"
    prim_box(_peeled(), "pkg").write_html(path, include_plotlyjs=True, full_html=True)
    tab = browser.new_page(viewport={"width": 1300, "height": 900})
    try:
        tab.goto(path.as_uri())
        tab.wait_for_function("document.querySelectorAll('g.trace.bars path').length > 0")
        bar = tab.evaluate(
            "document.querySelector('g.trace.bars path').getBoundingClientRect().height"
        )
        size = tab.evaluate(
            "parseFloat(getComputedStyle(document.querySelector('g.trace.bars text')).fontSize)"
        )
    finally:
        tab.close()
    assert bar >= 30
    assert size >= 11


def test_a_box_without_restriction_says_so_and_draws_no_axes() -> None:
    """Both restrictions dropped (max_qp 0.05, the case above): the box of all futures."""
    x = pd.DataFrame({"a": np.arange(10.0), "b": np.arange(10.0) % 2})
    y = np.isin(np.arange(10), [1, 4, 5, 9])
    fig = prim_box(prim(x, y, alpha=0.1, min_mass=0.2, paste=False, max_qp=0.05), "pkg")
    layout = _plain(fig.to_plotly_json())["layout"]
    assert _data(fig) == []
    (note,) = layout["annotations"]
    assert note["text"].startswith("No restriction")
    assert layout["xaxis"]["visible"] is False and layout["yaxis"]["visible"] is False


def _data(fig: go.Figure) -> list[dict[str, Any]]:
    """A figure's traces with plotly's typed arrays decoded to lists."""
    return list(_plain(fig.to_plotly_json())["data"])


def _peeled() -> PrimResult:
    """Ten futures a = 10..19, the cases a >= 17: peeling (alpha 0.1, min_mass 0.3) ends
    at a >= 16.3 (the box's 0.1 quantile, 16 + 0.1 x 3), coverage 1, density 1, chosen."""
    x = pd.DataFrame({"a": np.arange(10.0, 20.0)})
    return prim(x, np.arange(10) >= 7, alpha=0.1, min_mass=0.3, paste=False)


def _two_factors() -> PrimResult:
    """The trajectory of tests/uncertainty/test_prim.py: coverage 1, 1, 0.75, 0.5, 0.5,
    0.25; density 0.4, 4/9, 0.6, 0.5, 2/3, 0.5; the box of step 2 chosen."""
    x = pd.DataFrame({"a": np.arange(10.0), "b": np.arange(10.0) % 2})
    y = np.isin(np.arange(10), [1, 4, 5, 9])
    return prim(x, y, alpha=0.1, min_mass=0.2, paste=False, max_qp=1.0)


def test_prim_box_bar_spans_the_limits_as_shares_of_the_range() -> None:
    """a >= 16.3 of a range 10..19: the bar starts at (16.3 - 10) / 9 = 0.7 and is
    (19 - 16.3) / 9 = 0.3 long."""
    (bar,) = _data(prim_box(_peeled(), "pkg"))
    assert np.asarray(bar["base"]) == pytest.approx([0.7])
    assert np.asarray(bar["x"]) == pytest.approx([0.3])
    assert list(bar["y"]) == ["a"]


def test_prim_tradeoff_plots_density_against_coverage_and_stars_the_chosen_box() -> None:
    line, star = _data(prim_tradeoff(_two_factors(), "pkg"))
    assert np.asarray(line["x"]) == pytest.approx([1, 1, 0.75, 0.5, 0.5, 0.25])
    assert np.asarray(line["y"]) == pytest.approx([0.4, 4 / 9, 0.6, 0.5, 2 / 3, 0.5])
    assert (list(star["x"]), list(star["y"])) == ([0.75], [0.6])
    assert star["name"] == "chosen box (step 2)"


@pytest.mark.parametrize(
    ("max_qp", "star_at", "name"),
    [
        (0.5, (0.75, 0.6), "chosen box (step 2, 1 restriction dropped)"),
        (0.05, (1.0, 0.4), "chosen box (step 2, 2 restrictions dropped)"),
    ],
)
def test_prim_tradeoff_keeps_the_trajectory_when_restrictions_are_dropped(
    max_qp: float, star_at: tuple[float, float], name: str
) -> None:
    """Dropping a restriction changes the chosen box, not the peeling path: a dropped to b = 1
    alone holds the same futures (0.75, 0.6); both dropped, the box of all futures."""
    x = pd.DataFrame({"a": np.arange(10.0), "b": np.arange(10.0) % 2})
    y = np.isin(np.arange(10), [1, 4, 5, 9])
    line, star = _data(
        prim_tradeoff(prim(x, y, alpha=0.1, min_mass=0.2, paste=False, max_qp=max_qp), "pkg")
    )
    assert np.asarray(line["x"]) == pytest.approx([1, 1, 0.75, 0.5, 0.5, 0.25])
    assert np.asarray(line["y"]) == pytest.approx([0.4, 4 / 9, 0.6, 0.5, 2 / 3, 0.5])
    assert (list(star["x"]), list(star["y"])) == ([star_at[0]], [star_at[1]])
    assert star["name"] == name


def _fans() -> pd.DataFrame:
    cols = {
        "p5": [1.0, 2.0],
        "p25": [3.0, 4.0],
        "p50": [5.0, 6.0],
        "p75": [7.0, 8.0],
        "p95": [9.0, 10.0],
    }
    return pd.concat(
        [
            pd.DataFrame({"package": "pkg", "metric": m, "year": [2030, 2035], **cols})
            for m in ("emissions", "ccs_use")
        ],
        ignore_index=True,
    )


def test_fan_chart_bands_and_target_marker(analysis: Analysis) -> None:
    """Each band is one closed outline: the upper percentile forward over the years, the
    lower one back (5-95: 9, 10, 2, 1; 25-75: 7, 8, 4, 3). The targets on 2030 emissions
    (29.1 and 35.7 Mt) are marked on the emissions chart only."""
    a = dataclasses.replace(analysis, fans=_fans())
    outer, inner, median, *targets = _data(fan_chart(a, "emissions"))
    assert list(outer["x"]) == [2030, 2035, 2035, 2030]
    assert list(outer["y"]) == [9.0, 10.0, 2.0, 1.0]
    assert list(inner["y"]) == [7.0, 8.0, 4.0, 3.0]
    assert list(median["y"]) == [5.0, 6.0]
    assert sorted(t["y"][0] for t in targets) == [29.1, 35.7]
    names = sorted(t["name"] for t in targets)  # told apart in the legend
    assert names[0].startswith("target 2030: 29.1 (") and names[1].startswith("target 2030: 35.7 (")
    assert len(_data(fan_chart(a, "ccs_use"))) == 3


def test_tornado_bars_start_at_the_mean(analysis: Analysis) -> None:
    """Mean 10, 8 where the factor is low, 13 where high: bars of -2 and +3 from 10."""
    t = pd.DataFrame(
        [
            {
                "package": "pkg",
                "outcome": "out",
                "factor": "f",
                "low": 8.0,
                "high": 13.0,
                "mean": 10.0,
                "swing": 5.0,
            }
        ]
    )
    low, high = _data(tornado_chart(dataclasses.replace(analysis, tornado=t), "out", "pkg"))
    assert (low["x"], low["base"]) == ([-2.0], 10.0)
    assert (high["x"], high["base"]) == ([3.0], 10.0)


def test_prim_tables_say_which_case_each_box_bounds(analysis: Analysis) -> None:
    """A box of the futures missing a target (coverage 0.75, density 0.60, mass 0.50) and one
    of those meeting another (coverage 1.00, density 1.00, mass 0.30), each captioned as such."""
    a = dataclasses.replace(
        analysis, prim={"out_a": {"pkg": _two_factors()}}, prim_met={"out_b": {"pkg": _peeled()}}
    )
    page = robustness_html(a)
    assert "PRIM box, pkg, missing the out_a target: coverage 0.75, density 0.60, mass 0.50" in page
    assert "PRIM box, pkg, meeting the out_b target: coverage 1.00, density 1.00, mass 0.30" in page


def test_every_trajectory_has_its_unit_on_the_fan_chart() -> None:
    from typing import get_args

    from kruispunt.uncertainty.spec import METRIC_UNITS, Trajectory

    assert set(get_args(Trajectory)) <= set(METRIC_UNITS)
