"""Tests for kruispunt.reports.html: a self-contained file with every chart."""

from __future__ import annotations

import ast
import html
import json
import re
from pathlib import Path

import numpy as np
import pytest
from plotly.offline import get_plotlyjs  # type: ignore[import-untyped]
from tests.report_pages import figures, floats, plotly_copies, scripts

from kruispunt import metrics
from kruispunt.errors import KruispuntError
from kruispunt.reports import CHARTS, build_report, write_report
from kruispunt.reports import html as report_html
from kruispunt.reports.charts import HOVER, HOVER_DECIMALS, Run, figure
from kruispunt.reports.labels import label
from kruispunt.results import Results
from kruispunt.testing import synthetic_results
from kruispunt.vocabulary import SCENARIO


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
    # run card, scarce-capacity and site tables, provenance
    assert text.count('data-run="policy"') == 4
    for name in CHARTS:
        assert f'data-chart="{name}"' in text
    assert "<h2>Run base — solid lines</h2>" in text
    assert "<h2>Run policy — dashed lines</h2>" in text


def test_two_runs_with_one_label_are_refused(res: Results) -> None:
    """Lines, legends and run cards are told apart by label: two runs called ``x`` would
    both read "(x)" in every legend."""
    other = synthetic_results(n_scenarios=2, n_plants=10, seed=9)
    with pytest.raises(ValueError, match=r"different labels .* got 'x' twice"):
        build_report(res, compare_with=other, labels=("x", "x"))


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


# --- what the tables say, read back -------------------------------------------------------

EVIL = "<img src=x onerror=alert(1)>&"


def _key_rows(page: str) -> tuple[list[str], dict[str, tuple[str, list[str]]]]:
    """Scenario heads, and for each indicator its unit and cells, of the key table."""
    table = page.split('class="key-indicators"', 1)[1].split("</table>", 1)[0]
    heads = re.findall(r"<th>([^<]*)</th>", table.split("</thead>", 1)[0])[1:]
    body = table.split("<tbody>", 1)[1]
    rows = re.findall(r"<tr><th>(.*?) <small>\[(.*?)\]</small></th>(.*?)</tr>", body)
    cells = {
        html.unescape(t): (u, re.findall(r'<td class="num">(.*?)</td>', c)) for t, u, c in rows
    }
    return heads, cells


def test_key_indicators_show_each_scenario_s_value_in_its_unit(res: Results, page: str) -> None:
    """Every cell is the metric, read back: fractions as percentages (one decimal), NaN as a
    dash, other numbers to two decimals (no decimals from 100 on)."""
    heads, rows = _key_rows(page)
    table = metrics.key_indicators(res)
    assert heads == list(table[SCENARIO])
    assert [t for t, _ in metrics.KEY_INDICATORS.values()] == list(rows)
    for col, (text, unit) in metrics.KEY_INDICATORS.items():
        shown_unit, cells = rows[text]
        assert shown_unit == ("%" if unit == "fraction" else unit), col
        for cell, value in zip(cells, table[col], strict=True):
            if np.isnan(value):
                assert cell == "–", col
            elif unit == "fraction":
                assert cell.endswith("%") and abs(float(cell[:-1]) / 100 - value) <= 5e-4, col
            else:
                tol = 0.5 if abs(value) >= 100 else 0.005
                assert abs(float(cell.replace(",", "")) - value) <= tol + 1e-9, (col, cell)
    assert any(np.isnan(v) for v in table["target_2040_mtco2"])  # the dash is exercised


def test_cell_text_of_negative_and_unlimited_numbers() -> None:
    assert report_html._fmt(-1234.4)[0] == "-1,234"
    assert report_html._fmt(1234.4)[0] == "1,234"
    assert report_html._fmt(-12.345)[0] == "-12.35"
    assert report_html._fmt(float("inf"))[0] == "unlimited"
    assert report_html._fmt(float("-inf"))[0] == "−unlimited"
    assert report_html._fmt(np.True_) == ("yes", "1")
    assert report_html._fmt(0.25, "fraction")[0] == "25.0%"


def _site_rows(page: str) -> tuple[list[tuple[str, str]], list[list[tuple[str, str | None]]]]:
    """Heads (column id, shown text) and rows of (cell text, data-sort) of the site table."""
    table = page.split('class="sortable site-table"', 1)[1].split("</table>", 1)[0]
    head, body = table.split("</thead>", 1)
    heads = re.findall(r'<th scope="col" data-column="([^"]*)">(.*?)</th>', head)
    rows = []
    for row in re.findall(r"<tr data-scenario=[^>]*>(.*?)</tr>", body):
        cells = re.findall(r"<td([^>]*)>(.*?)</td>", row)
        rows.append(
            [
                (text, m[1] if (m := re.search(r'data-sort="([^"]*)"', a)) else None)
                for a, text in cells
            ]
        )
    return heads, rows


def test_site_table_shows_the_metric_of_each_site_with_labels_and_units(
    res: Results, page: str
) -> None:
    """Default year: the last; numbers sort by their exact value (data-sort), not their text."""
    last = int(res.dataset["year"].values[-1])
    assert f"<caption>Sites in {last} (click a column to sort)</caption>" in page
    frame = metrics.site_table(res, last)
    units = frame.attrs["units"]
    heads, rows = _site_rows(page)
    columns = [c for c in frame.columns if c != SCENARIO]
    assert [c for c, _ in heads] == columns
    for c, shown in heads:
        unit = f"<br><small>[{units[c]}]</small>" if c in units else ""
        assert shown == label("column", c) + unit
    clusters = metrics.cluster_names(res)
    sites = metrics.site_names(res)
    assert len(rows) == len(frame)
    for row, rec in zip(rows, frame.to_dict("records"), strict=True):
        assert row[0] == (rec[SCENARIO], None)
        cells = dict(zip(columns, row[1:], strict=True))
        assert cells["site"][0] == sites[rec["site"]]
        assert cells["cluster"][0] == clusters[rec["cluster"]]
        sectors = ", ".join(label("sector", s.strip()) for s in rec["sector"].split(","))
        assert cells["sector"][0] == sectors
        assert cells["producing"][0] == ("yes" if rec["producing"] else "no")
        for col in units:
            assert float(cells[col][1] or "nan") == rec[col], col


def _evil(res: Results) -> Results:
    """``res`` with scenario names, a description and site names that hold markup."""
    ds = res.dataset
    names = [f"{EVIL}{i}" for i in range(ds.sizes[SCENARIO])]
    scenarios = {n: {"levers": {"description": f"about {EVIL}"}} for n in names}
    ds = ds.assign_coords(
        {SCENARIO: names, "site_name": ("plant", [f"Site {EVIL}"] * ds.sizes["plant"])}
    )
    return Results(ds.assign_attrs(scenarios=json.dumps(scenarios)))


def test_user_text_is_shown_as_text(res: Results) -> None:
    """Scenario names, descriptions, site names, the run name and the title are the user's;
    outside the scripts (whose JSON cannot end a script) none of it is markup."""
    evil = _evil(res)
    page = build_report(evil, title=f"Report {EVIL}", meta=report_html.RunMeta("id", None, EVIL))
    outside = re.sub(r"<script[^>]*>.*?</script>", "", page, flags=re.S)
    assert "<img" not in outside
    safe = html.escape(EVIL)
    first = evil.scenarios[0]
    assert f"<title>Report {safe}</title>" in outside
    assert f"<li><b>{html.escape(first)}</b>: about {safe}</li>" in outside
    assert f"<tr><th>Name</th><td>{safe}</td></tr>" in outside
    assert f'<option value="0">{html.escape(first)}</option>' in outside
    assert f'<tr data-scenario="{html.escape(first)}"><td>{html.escape(first)}</td>' in outside
    assert f">Site {safe}</td>" in outside
    heads, _ = _key_rows(outside)
    assert heads == [html.escape(s) for s in evil.scenarios]


def test_scenario_menu_values_are_the_views_of_the_charts(res: Results, page: str) -> None:
    """``kpShowView(+value)`` shows the traces whose ``meta.view`` is the value."""
    options = re.findall(r'<option value="(\d+)">([^<]*)</option>', page)
    assert options == [(str(i), s) for i, s in enumerate(res.scenarios)]
    for data, _ in figures(page):
        for t in data:
            assert t["meta"]["scenario"] == res.scenarios[t["meta"]["view"]]


def test_descriptions_from_stored_and_synthetic_provenance() -> None:
    """A stored run keeps each scenario's levers (description inside); synthetic results
    keep it flat. A description written over several lines reads as one."""
    provenance = {
        "scenarios": {
            "stored": {"levers": {"description": "Two\n   lines."}, "chain": ["stored"]},
            "flat": {"description": "Flat."},
            "none": {"levers": {}},
        }
    }
    got = report_html.provenance_descriptions(provenance, ["stored", "flat", "none", "absent"])
    assert got == {"stored": "Two lines.", "flat": "Flat.", "none": "", "absent": ""}
