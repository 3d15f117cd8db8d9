"""Tests for kruispunt.reports.html: a self-contained file with every chart."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from plotly.offline import get_plotlyjs  # type: ignore[import-untyped]
from tests.report_pages import figures, floats, plotly_copies, scripts

from kruispunt.errors import KruispuntError
from kruispunt.reports import CHARTS, build_report, write_report
from kruispunt.reports import html as report_html
from kruispunt.reports.charts import HOVER, HOVER_DECIMALS, Run, figure
from kruispunt.results import Results
from kruispunt.testing import synthetic_results


@pytest.fixture(scope="module")
def res() -> Results:
    return synthetic_results(n_scenarios=2, n_plants=10, seed=2)


@pytest.fixture(scope="module")
def page(res: Results, tmp_path_factory: pytest.TempPathFactory) -> str:
    path = write_report(res, tmp_path_factory.mktemp("report") / "report.html")
    return path.read_text("utf-8")


def test_every_chart_div(page: str) -> None:
    for name in CHARTS:
        assert page.count(f'<div class="chart" data-chart="{name}">') == 1, name
    assert len(figures(page)) == len(CHARTS)


def test_self_contained(page: str) -> None:
    assert not re.search(r"<script[^>]*\bsrc\s*=", page, flags=re.I)
    assert not re.search(r"<link[^>]*\bhref\s*=\s*[\"']?https?:", page, flags=re.I)
    # plotly.js is embedded exactly once (packed), byte for byte the installed bundle
    assert plotly_copies(page) == [get_plotlyjs()]


def test_figures_keep_the_decimals_the_hover_labels_show(res: Results, page: str) -> None:
    drawn = figures(page)
    for (data, layout), name in zip(drawn, CHARTS, strict=True):
        assert {t["hovertemplate"] for t in data} == {HOVER}, name
        assert all(round(v, HOVER_DECIMALS) == v for v in floats([data, layout])), name
        # the same figure as the dashboard's, rounded: nothing dropped, nothing added
        full = figure(name, [Run("run", res)])
        assert len(data) == len(full["data"])
        for small, big in zip(data, full["data"], strict=True):
            assert small["x"] == big["x"]
            assert small["y"] == [None if v is None else round(v, HOVER_DECIMALS) for v in big["y"]]


def test_page_size(page: str) -> None:
    """Measured (session 7): the packed plotly.js is 1,958,508 bytes, 41 % of the
    4,815,814-byte bundle of plotly 7.1 (plotly.js 4.1.1); the rest of this synthetic page
    (10 plants, 2 scenarios, 11 charts) is 133,438 bytes, its figures 102,051. Before, the
    bundle was inline and the page 4.97 MB."""
    packed = next(t for a, t in scripts(page) if "application/gzip;base64" in a)
    assert len(packed) < 0.45 * len(get_plotlyjs().encode())
    figure_bytes = sum(len(t.encode()) for _, t in scripts(page) if t.startswith("kpPlot("))
    assert figure_bytes < 120_000
    assert len(page.encode()) - len(packed) < 160_000


def test_tables_and_provenance(res: Results, page: str) -> None:
    prov = res.provenance
    assert prov["data_hash"] in page
    assert f"<code>{prov['seed']}</code>" in page
    assert prov["kruispunt_version"] in page
    for scenario in res.scenarios:
        assert scenario in page
    assert 'class="sortable site-table"' in page
    assert 'class="key-indicators"' in page
    assert "Direct emissions 2030" in page


def test_compare_overlays_both_runs(res: Results) -> None:
    other = synthetic_results(n_scenarios=2, n_plants=10, seed=9)
    text = build_report(res, compare_with=other, labels=("base", "policy"))
    assert "(policy)" in text and "(base)" in text
    assert text.count('data-run="policy"') == 3  # run card, site table and provenance
    for name in CHARTS:
        assert f'data-chart="{name}"' in text


def test_unwritable_path_is_named(res: Results, tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(KruispuntError, match="cannot write report"):
        write_report(res, blocker / "report.html")


def test_a_failed_write_leaves_no_temporary_file(res: Results, tmp_path: Path) -> None:
    """The page is written to a temporary file beside the target and renamed; when the
    rename fails (here: the target is a folder) the temporary file once stayed behind."""
    (tmp_path / "report.html").mkdir()
    with pytest.raises(KruispuntError, match="cannot write report"):
        write_report(res, tmp_path / "report.html")
    assert [p.name for p in tmp_path.iterdir()] == ["report.html"]


@pytest.mark.parametrize(
    "module",
    [
        "reports/html.py",
        "reports/charts.py",
        "reports/labels.py",
        "dashboard/views.py",
        "dashboard/pages.py",
        "dashboard/api.py",
    ],
)
def test_report_and_dashboard_read_only_metrics(module: str) -> None:
    """Reports and the dashboard's pages are built from metrics: no engine, no raw dataset
    access (the dashboard's worker process runs the engine, as ``kruispunt run`` does)."""
    path = Path(report_html.__file__).parents[1] / module
    source = path.read_text("utf-8")
    tree = ast.parse(source)
    imported = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
    assert not any(m and m.startswith("kruispunt.engine") for m in imported)
    if module.startswith("reports"):
        assert "kruispunt.store" not in imported
    assert ".dataset" not in source


def test_unlimited_capacity_is_shown_as_such(res: Results) -> None:
    ds = res.dataset
    cap = ds["infra_capacity"].copy()
    cap.loc[{"resource": "co2_storage"}] = float("inf")
    text = build_report(Results(ds.assign(infra_capacity=cap)))
    assert "unlimited" in text  # key indicators table
    calls = [t for _, t in scripts(text) if t.startswith("kpPlot(")]
    assert len(calls) == len(CHARTS)
    assert not any("Infinity" in c or "NaN" in c for c in calls)  # gaps, not invalid JSON
