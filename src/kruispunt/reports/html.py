"""A self-contained HTML report of one run, or of two runs compared.

The report is a single file that works offline: plotly.js is embedded once, compressed (see
:mod:`kruispunt.reports.embed`), and the only other scripts are a few lines that unpack it,
switch the scenario shown and sort the site table.
Every number comes from :mod:`kruispunt.metrics`; the charts come from
:mod:`kruispunt.reports.charts`, the module the dashboard draws with too.

Contents: a header naming each run (run id, date, data hash, euro year where the results
state one, scenarios and their descriptions); key indicators; the charts of
:data:`~kruispunt.reports.charts.CHARTS`, each with a caption saying what it shows and what
drives it; a sortable site table (site names, labels instead of ids); provenance.

Each chart sits in ``<div class="chart" data-chart="<name>">``. When the results hold
several scenarios, one menu above the charts switches every chart between them. With
``compare_with`` the two runs are drawn in the same charts, run A solid and run B dashed, and
the header says which run is A and which is B.
"""

from __future__ import annotations

import html
import json
import os
import shutil
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from kruispunt import metrics
from kruispunt.errors import KruispuntError
from kruispunt.files import write_file, write_text
from kruispunt.reports.charts import (
    CHARTS,
    VIEW_JS,
    Run,
    figure,
    figure_html,
    pool_label,
    views,
)
from kruispunt.reports.embed import plotly_html
from kruispunt.reports.labels import label
from kruispunt.results import Results
from kruispunt.vocabulary import SCENARIO

__all__ = [
    "CHARTS",
    "POOL_COLUMNS",
    "RunMeta",
    "build_report",
    "pool_rows",
    "provenance_descriptions",
    "scenario_descriptions",
    "write_pdf",
    "write_report",
]


@dataclass(frozen=True)
class RunMeta:
    """What the results store knows about a run and the results themselves do not.

    Attributes
    ----------
    run_id : str
        The store's run id.
    created : str, optional
        When the run was stored (ISO 8601, UTC).
    name : str, optional
        The name given to the run.
    """

    run_id: str
    created: str | None = None
    name: str | None = None

    @classmethod
    def from_record(cls, record: Mapping[str, Any]) -> RunMeta:
        """From a catalogue record (:meth:`kruispunt.store.Store.show` or a ``list`` row)."""
        name = record.get("name")
        has_name = isinstance(name, str) and bool(name)
        return cls(
            str(record["run_id"]),
            None if record.get("created") is None else str(record["created"]),
            name if has_name else None,
        )


@dataclass(frozen=True)
class _Member:
    run: Run
    meta: RunMeta | None


def _fmt(value: Any, unit: str = "") -> tuple[str, str]:
    """Display text and sort key of a cell."""
    if isinstance(value, bool | np.bool_):
        return ("yes" if value else "no"), str(int(bool(value)))
    if isinstance(value, int | float | np.integer | np.floating):
        v = float(value)
        if np.isnan(v):
            return "–", ""
        if np.isinf(v):
            return ("unlimited" if v > 0 else "−unlimited"), repr(v)
        if unit == "fraction":
            return f"{v:.1%}", repr(v)
        return (f"{v:,.0f}" if abs(v) >= 100 else f"{v:,.2f}"), repr(v)
    return html.escape(str(value)), html.escape(str(value))


def scenario_descriptions(results: Results) -> dict[str, str]:
    """Description of each scenario, from the resolved scenarios in the provenance."""
    return provenance_descriptions(results.provenance, results.scenarios)


def provenance_descriptions(provenance: Mapping[str, Any], scenarios: list[str]) -> dict[str, str]:
    """Description of each of ``scenarios`` from a run's provenance (:attr:`Results.provenance`,
    or the copy the results store keeps in its catalogue)."""
    resolved = provenance.get("scenarios") or {}
    out = {}
    for name in scenarios:
        entry = resolved.get(name) or {}
        levers = entry.get("levers") if isinstance(entry.get("levers"), dict) else entry
        text = levers.get("description", "") if isinstance(levers, dict) else ""
        out[name] = " ".join(str(text).split())
    return out


def _date(created: str | None) -> str:
    if not created:
        return "–"
    return created[:19].replace("T", " ") + " UTC"


def _header(members: list[_Member]) -> str:
    compare = len(members) > 1
    blocks = []
    for position, m in enumerate(members):
        prov = m.run.results.provenance
        year = metrics.euro_year(m.run.results)
        euro = (
            f"EUR {year}"
            if year is not None
            else "not stated by these results: monetary inputs keep the euro year of their "
            "source (the data package's currency_year), not converted to one year"
        )
        data_hash = str(prov.get("data_hash") or "–")
        rows = [
            ("Run id", f"<code>{html.escape(m.meta.run_id)}</code>" if m.meta else "not stored"),
            ("Name", html.escape(m.meta.name) if m.meta and m.meta.name else "–"),
            ("Date", html.escape(_date(m.meta.created if m.meta else None))),
            (
                "Data version",
                f'<code title="{html.escape(data_hash)}">{html.escape(data_hash[:12])}</code>'
                " (hash of the data package)",
            ),
            ("Model version", html.escape(str(prov.get("kruispunt_version") or "–"))),
            ("Euro year", html.escape(euro)),
        ]
        descriptions = scenario_descriptions(m.run.results)
        scen = "".join(
            f"<li><b>{html.escape(s)}</b>"
            + (f": {html.escape(d)}" if d else ": (no description)")
            + "</li>"
            for s, d in descriptions.items()
        )
        table = "".join(f"<tr><th>{k}</th><td>{v}</td></tr>" for k, v in rows)
        heading = (
            f"<h2>Run {html.escape(m.run.label)}"
            + (" — solid lines" if position == 0 else " — dashed lines")
            + "</h2>"
            if compare
            else ""
        )
        blocks.append(
            f'<section class="run-card" data-run="{html.escape(m.run.label)}">{heading}'
            f'<table class="run-info">{table}</table>'
            f'<p class="scenarios-head">Scenarios:</p><ul class="scenarios">{scen}</ul></section>'
        )
    return f'<div class="run-cards">{"".join(blocks)}</div>'


def _key_table(runs: list[Run]) -> str:
    compare = len(runs) > 1
    frames = [(run, metrics.key_indicators(run.results)) for run in runs]
    head = "".join(
        f"<th>{html.escape(str(s))}"
        + (f"<br><small>run {html.escape(run.label)}</small>" if compare else "")
        + "</th>"
        for run, f in frames
        for s in f[SCENARIO]
    )
    rows = []
    for col, (text, unit) in metrics.KEY_INDICATORS.items():
        cells = "".join(
            f'<td class="num">{_fmt(v, unit)[0]}</td>' for _, f in frames for v in f[col]
        )
        shown = "%" if unit == "fraction" else unit
        rows.append(
            f"<tr><th>{html.escape(text)} <small>[{html.escape(shown)}]</small></th>{cells}</tr>"
        )
    return (
        f'<table class="key-indicators"><thead><tr><th>indicator</th>{head}</tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table>"
    )


def _site_frame(results: Results, year: int) -> tuple[pd.DataFrame, dict[str, str]]:
    """The site table with names and labels in place of ids (ids kept in ``site_id``)."""
    frame = metrics.site_table(results, year)
    units: dict[str, str] = frame.attrs.get("units", {})
    clusters = metrics.cluster_names(results)
    sites = metrics.site_names(results)

    def labels_of(kind: Any) -> Any:
        return lambda text: ", ".join(label(kind, t.strip()) for t in str(text).split(","))

    frame = frame.assign(
        site_id=frame["site"],
        site=frame["site"].map(lambda s: sites.get(s, s)),
        cluster=frame["cluster"].map(lambda c: clusters.get(c, c)),
        sector=frame["sector"].map(labels_of("sector")),
        products=frame["products"].map(labels_of("product")),
    )
    return frame, units


def _site_table(run: Run, year: int, compare: bool) -> str:
    frame, units = _site_frame(run.results, year)
    columns = [c for c in frame.columns if c != "site_id"]
    head = "".join(
        f'<th scope="col" data-column="{html.escape(c)}">{html.escape(label("column", c))}'
        + (f"<br><small>[{html.escape(units[c])}]</small>" if c in units else "")
        + "</th>"
        for c in columns
        if c != SCENARIO
    )
    body = []
    for rec in frame.to_dict("records"):
        cells = []
        for col in columns:
            if col == SCENARIO:
                continue
            value = rec[col]
            text, key = _fmt(value, units.get(col, ""))
            numeric = isinstance(value, int | float | np.integer | np.floating) and not (
                isinstance(value, bool | np.bool_)
            )
            css = ' class="num"' if numeric else ""
            title = f' title="{html.escape(str(rec["site_id"]))}"' if col == "site" else ""
            # a cell sorts by its text unless its key differs (numbers, "–", yes/no)
            sort = "" if key == text else f' data-sort="{key}"'
            cells.append(f"<td{css}{title}{sort}>{text}</td>")
        scen = html.escape(str(rec[SCENARIO]))
        body.append(f'<tr data-scenario="{scen}"><td>{scen}</td>{"".join(cells)}</tr>')
    caption = (
        f"Sites in {year}"
        + (f" — run {html.escape(run.label)}" if compare else "")
        + " (click a column to sort)"
    )
    return (
        f'<table class="sortable site-table" data-run="{html.escape(run.label)}">'
        f'<caption>{caption}</caption><thead><tr><th scope="col">Scenario</th>{head}</tr>'
        f"</thead><tbody>{''.join(body)}</tbody></table>"
    )


_SHOWN_UNITS = {"tCO2/yr": ("Mt CO2/yr", 1e-6), "GJ/yr": ("PJ/yr", 1e-6)}
"""Units of :func:`kruispunt.metrics.pool_summary` shown in larger ones: (unit, factor)."""

POOL_COLUMNS = (
    *(f"Capacity {y}" for y in metrics.POOL_SUMMARY_YEARS),
    "Highest use",
    "in",
    "Most of its capacity used",
    "in",
)
"""Headers of the numeric columns of :func:`pool_rows`, in order."""


def _year(value: Any) -> str:
    return "–" if pd.isna(value) else str(int(value))


def pool_rows(results: Results) -> list[dict[str, Any]]:
    """Each pool of scarce capacity (each grid of a cluster or zone, CO2 store, hydrogen
    project, biomass supply) per scenario, as the report and the dashboard show it
    (:func:`kruispunt.metrics.pool_summary`): ``scenario``, ``pool`` (its id), ``label``,
    ``resource`` (its label), ``cells`` (the texts of :data:`POOL_COLUMNS`: capacity in
    the summary's years, the highest use and the most of its capacity used, with their
    years) and ``unit`` (CO2 in Mt, hydrogen and biomass in PJ)."""
    frame = metrics.pool_summary(results)
    rows = []
    for rec in frame.to_dict("records"):
        unit, factor = _SHOWN_UNITS.get(str(rec["unit"]), (str(rec["unit"]), 1.0))
        rows.append(
            {
                SCENARIO: str(rec[SCENARIO]),
                "pool": str(rec["pool"]),
                "label": pool_label(results, str(rec["pool"]), str(rec["cluster"])),
                "resource": label("resource", str(rec["resource"])),
                "cells": [
                    *(_fmt(rec[f"capacity_{y}"] * factor)[0] for y in metrics.POOL_SUMMARY_YEARS),
                    _fmt(rec["peak_use"] * factor)[0],
                    _year(rec["peak_year"]),
                    _fmt(rec["max_utilisation_share"], "fraction")[0],
                    _year(rec["max_utilisation_year"]),
                ],
                "unit": unit,
            }
        )
    return rows


def _pool_table(run: Run, compare: bool) -> str:
    """The scarce-capacity table of a run, every scenario's pools (:func:`pool_rows`)."""
    head = (
        '<th scope="col">Scenario</th><th scope="col">Pool</th><th scope="col">Resource</th>'
        + "".join(f'<th scope="col">{html.escape(c)}</th>' for c in POOL_COLUMNS)
        + '<th scope="col">Unit</th>'
    )
    body = []
    for r in pool_rows(run.results):
        scen = html.escape(r[SCENARIO])
        name = f'<span title="{html.escape(r["pool"])}">{html.escape(r["label"])}</span>'
        row = f"<td>{scen}</td><td>{name}</td><td>{html.escape(r['resource'])}</td>"
        row += "".join(f'<td class="num">{c}</td>' for c in r["cells"])
        row += f"<td>{html.escape(r['unit'])}</td>"
        body.append(f'<tr data-scenario="{scen}">{row}</tr>')
    caption = "Scarce capacity by pool" + (f" — run {html.escape(run.label)}" if compare else "")
    return (
        f'<table class="pool-table" data-run="{html.escape(run.label)}">'
        f"<caption>{caption}</caption><thead><tr>{head}</tr></thead>"
        f"<tbody>{''.join(body)}</tbody></table>"
    )


def _provenance(run: Run) -> str:
    prov = run.results.provenance
    scen = prov.get("scenarios") or {}
    items = [
        ("kruispunt version", prov.get("kruispunt_version")),
        ("data hash", prov.get("data_hash")),
        ("seed", prov.get("seed")),
        ("created by", prov.get("created_by")),
        ("scenarios", ", ".join(run.results.scenarios)),
    ]
    rows = "".join(
        f"<tr><th>{html.escape(k)}</th><td><code>{html.escape(str(v))}</code></td></tr>"
        for k, v in items
    )
    detail = html.escape(json.dumps(scen, indent=2, sort_keys=True, default=str))
    return (
        f'<div class="provenance" data-run="{html.escape(run.label)}">'
        f"<h3>Run {html.escape(run.label)}</h3><table>{rows}</table>"
        f"<details><summary>Resolved scenarios</summary><pre>{detail}</pre></details>"
        "</div>"
    )


def _view_menu(runs: list[Run]) -> str:
    all_views = views(runs)
    if len(all_views) < 2:
        return ""
    options = "".join(
        f'<option value="{i}">{html.escape(v.label)}</option>' for i, v in enumerate(all_views)
    )
    return (
        '<div class="view-menu"><label for="view-select">Scenario shown in the charts: </label>'
        f'<select id="view-select" onchange="kpShowView(+this.value)">{options}</select></div>'
    )


def chart_block(name: str, fig: dict[str, Any], body: str) -> str:
    """A chart's element: title, the plot, and its caption."""
    chart = CHARTS[name]
    return (
        f'<div class="chart" data-chart="{name}"><h3>{html.escape(chart.title)}</h3>{body}'
        f'<p class="caption">{html.escape(chart.caption)}</p></div>'
    )


CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:2rem auto;max-width:1200px;
 padding:0 1rem;color:#222}
h1{margin-bottom:.2rem} .lead{color:#555;margin-top:0}
.run-cards{display:flex;gap:2rem;flex-wrap:wrap}
.run-card{flex:1 1 28rem} .run-card h2{margin:.5rem 0}
.run-info th{width:9rem} .scenarios{margin:.2rem 0 1rem;padding-left:1.2rem}
.scenarios-head{margin:.4rem 0 0;font-weight:600}
.view-menu{position:sticky;top:0;z-index:10;background:#fff;padding:.5rem 0;
 border-bottom:1px solid #ddd}
.chart{margin:1.5rem 0;border:1px solid #eee;border-radius:6px;padding:.5rem 1rem;
 break-inside:avoid}
.chart h3{margin:.3rem 0}
.caption{color:#444;font-size:.9rem;margin:.3rem 0 .5rem;max-width:60rem}
table{border-collapse:collapse;margin:1rem 0;font-size:.85rem}
th,td{border-bottom:1px solid #ddd;padding:.25rem .6rem;text-align:left;vertical-align:top}
td.num{text-align:right;font-variant-numeric:tabular-nums}
table.sortable th{cursor:pointer;background:#f6f6f6;position:sticky;top:0}
table.sortable th[aria-sort=ascending]::after{content:" ▲"}
table.sortable th[aria-sort=descending]::after{content:" ▼"}
.site-wrap{max-height:36rem;overflow:auto}
caption{text-align:left;font-weight:600;padding:.3rem 0}
.provenance{display:inline-block;vertical-align:top;margin-right:2rem}
@media print{.site-wrap{max-height:none;overflow:visible}.view-menu{position:static}}
"""

SORT_JS = """
document.querySelectorAll("table.sortable").forEach(function (table) {
  var heads = table.tHead.rows[0].cells;
  Array.prototype.forEach.call(heads, function (th, col) {
    th.addEventListener("click", function () {
      var asc = th.getAttribute("aria-sort") !== "ascending";
      Array.prototype.forEach.call(heads, function (h) { h.removeAttribute("aria-sort"); });
      th.setAttribute("aria-sort", asc ? "ascending" : "descending");
      var body = table.tBodies[0];
      var rows = Array.prototype.slice.call(body.rows);
      rows.sort(function (a, b) {
        var x = a.cells[col].getAttribute("data-sort"), y = b.cells[col].getAttribute("data-sort");
        x = x === null ? a.cells[col].textContent : x;
        y = y === null ? b.cells[col].textContent : y;
        var nx = parseFloat(x), ny = parseFloat(y);
        var c = (x !== "" && y !== "" && !isNaN(nx) && !isNaN(ny)) ? nx - ny
          : x.localeCompare(y);
        return asc ? c : -c;
      });
      rows.forEach(function (r) { body.appendChild(r); });
    });
  });
});
"""


def build_report(
    results: Results,
    compare_with: Results | None = None,
    *,
    title: str = "Kruispunt results",
    labels: tuple[str, str] | None = None,
    year: int | None = None,
    meta: RunMeta | None = None,
    compare_meta: RunMeta | None = None,
) -> str:
    """The report as one HTML string (see :func:`write_report`)."""
    compare = compare_with is not None
    if labels is not None and labels[0] == labels[1]:
        raise ValueError(
            f"labels: the two runs need different labels to tell their lines apart, "
            f"got {labels[0]!r} twice"
        )
    first = labels[0] if labels else ("A" if compare else "run")
    members = [_Member(Run(first, results), meta)]
    if compare_with is not None:
        members.append(_Member(Run(labels[1] if labels else "B", compare_with), compare_meta))
    runs = [m.run for m in members]
    if year is None:
        year = int(max(metrics.emissions(results)["year"]))
    charts = []
    for name in CHARTS:
        fig = figure(name, runs)
        charts.append(chart_block(name, fig, figure_html(fig, f"chart-{name}")))
    lead = (
        f"Run {html.escape(runs[0].label)} (solid lines) compared with run "
        f"{html.escape(runs[1].label)} (dashed lines)."
        if compare
        else ""
    )
    sites = "".join(f'<div class="site-wrap">{_site_table(r, year, compare)}</div>' for r in runs)
    pools = "".join(f'<div class="site-wrap">{_pool_table(r, compare)}</div>' for r in runs)
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html.escape(title)}</title>
<style>{CSS}</style>
{plotly_html()}
<script>{VIEW_JS}</script>
</head>
<body>
<h1>{html.escape(title)}</h1>
<p class="lead">{lead}</p>
{_header(members)}
<h2>Key indicators</h2>
{_key_table(runs)}
<h2>Charts</h2>
{_view_menu(runs)}
{"".join(charts)}
<h2>Scarce capacity</h2>
<p>Each cluster's grid for new load and each of its grid zones, each CO2 store, each
hydrogen supply project and the biomass supply: capacity (unlimited: no limit in the data),
the highest yearly use and the most of its capacity used in a year where it has a finite
capacity. Hover a pool's name for its id.</p>
{pools}
<h2>Sites</h2>
{sites}
<h2>Provenance</h2>
{"".join(_provenance(r) for r in runs)}
<script>{SORT_JS}</script>
</body>
</html>
"""


def write_report(
    results: Results,
    path: Path | str,
    compare_with: Results | None = None,
    *,
    title: str = "Kruispunt results",
    labels: tuple[str, str] | None = None,
    year: int | None = None,
    meta: RunMeta | None = None,
    compare_meta: RunMeta | None = None,
) -> Path:
    """Write a self-contained HTML report of ``results`` (and ``compare_with``, overlaid).

    Parameters
    ----------
    results : Results
    path : path
        HTML file to write (written to a temporary name and renamed into place).
    compare_with : Results, optional
        A second run drawn in the same charts (dashed lines).
    title : str
        Page title.
    labels : (str, str), optional
        Short names of the two runs in legends (default ``A`` and ``B``); they must differ.
    year : int, optional
        Year of the site table (default: the last model year).
    meta, compare_meta : RunMeta, optional
        Run id, date and name of each run, shown in the header.

    Returns
    -------
    Path
        The file written.
    """
    target = Path(path).expanduser()
    text = build_report(
        results,
        compare_with,
        title=title,
        labels=labels,
        year=year,
        meta=meta,
        compare_meta=compare_meta,
    )
    try:  # a failed or interrupted write leaves no temporary file behind
        return write_text(target, text)
    except OSError as exc:
        raise KruispuntError(f"cannot write report {target}: {exc.strerror or exc}") from None


def _chromium() -> str | None:
    env = os.environ.get("KRUISPUNT_CHROMIUM")
    if env:
        return env
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        found = shutil.which(name)
        if found:
            return found
    return None


CHROMIUM_ARGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
)


def write_pdf(
    results: Results,
    path: Path | str,
    compare_with: Results | None = None,
    *,
    title: str = "Kruispunt results",
    labels: tuple[str, str] | None = None,
    year: int | None = None,
    meta: RunMeta | None = None,
    compare_meta: RunMeta | None = None,
) -> Path:
    """Print the HTML report to PDF with headless Chromium (extra ``kruispunt[pdf]``).

    Uses Playwright with the browser in ``$KRUISPUNT_CHROMIUM``, else a ``chromium`` or
    ``google-chrome`` on the PATH, else Playwright's own. The charts are rendered by
    plotly.js exactly as in the HTML report, then printed on A4 landscape pages.

    Raises
    ------
    KruispuntError
        If Playwright or a Chromium is not available, or the file cannot be written.
    """
    try:
        from playwright.sync_api import Error as PlaywrightError
        from playwright.sync_api import sync_playwright
    except ImportError:
        raise KruispuntError(
            "PDF export needs Playwright and Chromium: install "
            "'kruispunt[pdf]' and a Chromium browser"
        ) from None
    target = Path(path).expanduser()
    with tempfile.TemporaryDirectory() as tmpdir:
        page_path = write_report(
            results,
            Path(tmpdir) / "report.html",
            compare_with,
            title=title,
            labels=labels,
            year=year,
            meta=meta,
            compare_meta=compare_meta,
        )
        try:
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=_chromium(), args=list(CHROMIUM_ARGS))
                try:
                    page = browser.new_page(viewport={"width": 1200, "height": 900})
                    page.goto(page_path.as_uri())
                    page.wait_for_function(
                        f"document.querySelectorAll('.chart .main-svg').length >= {len(CHARTS)}",
                        timeout=30_000,
                    )
                    write_file(  # whole or not at all, through a link (kruispunt.files)
                        target,
                        lambda tmp: page.pdf(
                            path=str(tmp), format="A4", landscape=True, print_background=True
                        ),
                    )
                finally:
                    browser.close()
        except PlaywrightError as exc:
            raise KruispuntError(f"PDF export failed (Chromium): {exc}") from None
        except OSError as exc:
            raise KruispuntError(f"cannot write {target}: {exc.strerror or exc}") from None
    return target
