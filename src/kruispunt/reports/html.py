"""A self-contained HTML report of one run, or of two runs overlaid.

The report is a single file that works offline: plotly.js is embedded once, inline, and the
only other script is a few lines that make the site table sortable. Every number comes from
:mod:`kruispunt.metrics`.

Contents: key indicators; emissions by cluster and by sector against the industry targets
(which cover all industry, not only the EU ETS plants the model holds); route mix
over time; energy demand by carrier; electric load against grid capacity; CO2 storage use
against capacity; production kept vs imported per product; government cash flow; costs to
industry; a sortable site table; provenance (version, data hash, scenarios, seed).

Each chart sits in ``<div class="chart" data-chart="<name>">`` (names in :data:`CHARTS`).
When the results hold several scenarios, a menu in each chart switches between them; with
``compare_with`` the two runs are drawn in the same charts (solid: first run, dashed:
second), scenario by scenario.
"""

from __future__ import annotations

import html
import json
import os
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
import plotly.graph_objects as go  # type: ignore[import-untyped]

from kruispunt import metrics
from kruispunt.errors import KruispuntError
from kruispunt.results import Results
from kruispunt.vocabulary import SCENARIO

__all__ = ["CHARTS", "build_report", "write_pdf", "write_report"]

CHARTS: dict[str, str] = {
    "emissions_cluster": (
        "Direct CO2 emissions by cluster, against the industry target (all industry, not only ETS)"
    ),
    "emissions_sector": (
        "Direct CO2 emissions by sector, against the industry target (all industry, not only ETS)"
    ),
    "route_mix": "Route mix: plants per route family (per route if families are not recorded)",
    "energy_carrier": "Energy demand by carrier",
    "grid": "Electric load growth against grid capacity for new load",
    "ccs_storage": "CO2 captured and stored against storage capacity",
    "production_imports": "Share of demand produced domestically, per product",
    "government_cash_flow": "Government cash flow",
    "costs": "Costs to industry",
}
"""Chart name (the ``data-chart`` attribute) -> title."""

Style = Literal["area", "bar", "line", "markers", "dash"]
_PALETTE = (
    "#1f77b4",
    "#ff7f0e",
    "#2ca02c",
    "#d62728",
    "#9467bd",
    "#8c564b",
    "#e377c2",
    "#7f7f7f",
    "#bcbd22",
    "#17becf",
    "#393b79",
    "#637939",
    "#8c6d31",
    "#843c39",
    "#7b4173",
    "#3182bd",
    "#e6550d",
    "#31a354",
    "#756bb1",
    "#636363",
)
_RUN_DASH = ("solid", "dash", "dot")
_FIXED = {"total": "#222222", "net": "#222222", "net cost": "#222222"}


@dataclass(frozen=True)
class _Series:
    name: str
    x: list[int]
    y: list[float | None]
    style: Style


Getter = Callable[[Results, str], list[_Series]]


@dataclass(frozen=True)
class _Run:
    label: str
    results: Results


def _series(
    frame: pd.DataFrame,
    scenario: str,
    key: str | None,
    value: str,
    style: Style,
    names: dict[str, str] | None = None,
    name: str | None = None,
) -> list[_Series]:
    sel = frame[frame[SCENARIO] == scenario]
    out = []
    groups = (
        [(name or value, sel)]
        if key is None
        else [(str(k), g) for k, g in sel.groupby(key, sort=False)]
    )
    for label, g in groups:
        display = (names or {}).get(label, label)
        # NaN and unlimited (inf) capacity are gaps in a chart
        y = [float(v) if np.isfinite(v) else None for v in g[value].to_numpy(np.float64)]
        out.append(_Series(display, [int(v) for v in g["year"]], y, style))
    return out


# --- chart contents (metrics only) ------------------------------------------------------------


def _target(results: Results, scenario: str) -> list[_Series]:
    t = metrics.emissions_vs_target(results)
    return _series(
        t, scenario, None, "target_mtco2", "markers", name="industry target (all industry)"
    )


def _emissions_by(by: str) -> Getter:
    def get(results: Results, scenario: str) -> list[_Series]:
        names = metrics.cluster_names(results) if by == "cluster" else None
        parts = _series(
            metrics.emissions(results, by=by), scenario, by, "emissions_mtco2", "area", names
        )
        total = _series(
            metrics.emissions(results), scenario, None, "emissions_mtco2", "line", name="total"
        )
        return parts + total + _target(results, scenario)

    return get


def _route_mix(results: Results, scenario: str) -> list[_Series]:
    mix = metrics.route_mix(results, by=None)
    key = "route_family" if "route_family" in mix.columns else "route"
    fam = mix.groupby([SCENARIO, key, "year"], sort=False)["plants"].sum().reset_index()
    return _series(fam, scenario, key, "plants", "area")


def _energy(results: Results, scenario: str) -> list[_Series]:
    return _series(metrics.energy_demand(results), scenario, "carrier", "energy_twh", "area")


def _national_infra(results: Results, resource: str) -> pd.DataFrame:
    frame = metrics.infrastructure_use(results, by=None)
    return frame[frame["resource"] == resource]


def _grid(results: Results, scenario: str) -> list[_Series]:
    frame = _national_infra(results, "grid")
    return _series(frame, scenario, None, "use", "line", name="electric load growth") + _series(
        frame, scenario, None, "capacity", "dash", name="grid capacity"
    )


def _ccs(results: Results, scenario: str) -> list[_Series]:
    frame = _national_infra(results, "co2_storage")  # tCO2/yr
    frame = frame.assign(use_mt=frame["use"] * 1e-6, capacity_mt=frame["capacity"] * 1e-6)
    captured = metrics.emissions(results, kind="captured")
    return (
        _series(captured, scenario, None, "emissions_mtco2", "line", name="captured")
        + _series(frame, scenario, None, "use_mt", "line", name="stored")
        + _series(frame, scenario, None, "capacity_mt", "dash", name="storage capacity")
    )


def _production(results: Results, scenario: str) -> list[_Series]:
    frame = metrics.production_and_imports(results)
    frame = frame.assign(share_pct=frame["share_kept"] * 100.0)
    return _series(frame, scenario, "product", "share_pct", "line")


def _gov(results: Results, scenario: str) -> list[_Series]:
    frame = metrics.government_cash_flow(results)
    net = frame.groupby([SCENARIO, "year"], sort=False)["cash_flow_meur"].sum().reset_index()
    return _series(frame, scenario, "flow", "cash_flow_meur", "bar") + _series(
        net, scenario, None, "cash_flow_meur", "line", name="net"
    )


def _costs(results: Results, scenario: str) -> list[_Series]:
    frame = metrics.costs(results)
    net = frame.groupby([SCENARIO, "year"], sort=False)["cost_meur"].sum().reset_index()
    return _series(frame, scenario, "item", "cost_meur", "bar") + _series(
        net, scenario, None, "cost_meur", "line", name="net cost"
    )


_GETTERS: dict[str, tuple[Getter, str]] = {
    "emissions_cluster": (_emissions_by("cluster"), "Mt CO2/yr"),
    "emissions_sector": (_emissions_by("sector"), "Mt CO2/yr"),
    "route_mix": (_route_mix, "plants"),
    "energy_carrier": (_energy, "TWh/yr"),
    "grid": (_grid, "MW"),
    "ccs_storage": (_ccs, "Mt CO2/yr"),
    "production_imports": (_production, "% of demand"),
    "government_cash_flow": (_gov, "M EUR/yr (+ revenue, − outlay)"),
    "costs": (_costs, "M EUR/yr"),
}


# --- figures ----------------------------------------------------------------------------------


def _views(runs: list[_Run]) -> list[tuple[str, list[tuple[int, _Run, str]]]]:
    """Scenario views: the i-th scenario of every run, side by side."""
    n = max(len(r.results.scenarios) for r in runs)
    views = []
    for i in range(n):
        members = [
            (k, run, run.results.scenarios[i])
            for k, run in enumerate(runs)
            if i < len(run.results.scenarios)
        ]
        names = list(dict.fromkeys(s for _, _, s in members))
        views.append((" vs ".join(names), members))
    return views


def _figure(name: str, runs: list[_Run]) -> go.Figure:
    getter, unit = _GETTERS[name]
    compare = len(runs) > 1
    colors: dict[str, str] = {}
    fig = go.Figure()
    views = _views(runs)
    trace_view: list[int] = []
    for v, (_, members) in enumerate(views):
        for k, run, scenario in members:
            for s in getter(run.results, scenario):
                color = _FIXED.get(s.name) or colors.setdefault(
                    s.name, _PALETTE[len(colors) % len(_PALETTE)]
                )
                label = f"{s.name} ({run.label})" if compare else s.name
                style = s.style if not compare or s.style in ("markers", "dash") else "line"
                common: dict[str, Any] = {
                    "x": s.x,
                    "y": s.y,
                    "name": label,
                    "legendgroup": s.name,
                    "visible": v == 0,
                    "meta": {SCENARIO: scenario, "run": run.label},
                }
                if style == "bar":
                    fig.add_trace(go.Bar(marker_color=color, **common))
                elif style == "markers":
                    fig.add_trace(
                        go.Scatter(
                            mode="markers",
                            marker={"symbol": "diamond", "size": 11, "color": "black"},
                            **common,
                        )
                    )
                elif style == "area":
                    fig.add_trace(
                        go.Scatter(
                            mode="lines",
                            stackgroup="one",
                            line={"color": color, "width": 0.5},
                            **common,
                        )
                    )
                else:
                    dash = "dash" if style == "dash" else _RUN_DASH[k % len(_RUN_DASH)]
                    if style == "dash" and compare:
                        dash = "dot" if k else "dash"
                    fig.add_trace(
                        go.Scatter(
                            mode="lines",
                            line={"color": color, "dash": dash, "width": 2.5 if compare else 2},
                            **common,
                        )
                    )
                trace_view.append(v)
    layout: dict[str, Any] = {
        "title": {"text": CHARTS[name]},
        "template": "plotly_white",
        "height": 440,
        "margin": {"l": 60, "r": 20, "t": 60, "b": 40},
        "yaxis": {"title": {"text": unit}},
        "xaxis": {"title": {"text": "year"}},
        "barmode": "relative",
        "hovermode": "x unified",
        "legend": {"orientation": "v"},
    }
    if len(views) > 1:
        buttons = [
            {
                "label": label,
                "method": "update",
                "args": [{"visible": [tv == v for tv in trace_view]}],
            }
            for v, (label, _) in enumerate(views)
        ]
        layout["updatemenus"] = [
            {
                "buttons": buttons,
                "direction": "down",
                "x": 1.0,
                "xanchor": "right",
                "y": 1.15,
                "yanchor": "top",
                "showactive": True,
            }
        ]
    fig.update_layout(**layout)
    return fig


# --- tables -----------------------------------------------------------------------------------


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


def _key_table(runs: list[_Run]) -> str:
    frames = [(run, metrics.key_indicators(run.results)) for run in runs]
    head = "".join(
        f"<th>{html.escape(str(s))}"
        + (f"<br><small>{html.escape(run.label)}</small>" if len(runs) > 1 else "")
        + "</th>"
        for run, f in frames
        for s in f[SCENARIO]
    )
    rows = []
    for col, (label, unit) in metrics.KEY_INDICATORS.items():
        cells = "".join(
            f'<td class="num">{_fmt(v, unit)[0]}</td>' for _, f in frames for v in f[col]
        )
        shown = "%" if unit == "fraction" else unit
        rows.append(
            f"<tr><th>{html.escape(label)} <small>[{html.escape(shown)}]</small></th>{cells}</tr>"
        )
    return (
        f'<table class="key-indicators"><thead><tr><th>indicator</th>{head}</tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table>"
    )


def _site_table(run: _Run, year: int, compare: bool) -> str:
    frame = metrics.site_table(run.results, year)
    units: dict[str, str] = frame.attrs.get("units", {})
    names = metrics.cluster_names(run.results)
    frame = frame.assign(cluster=frame["cluster"].map(lambda c: names.get(c, c)))
    head = "".join(
        f'<th scope="col">{html.escape(c)}'
        + (f"<br><small>[{html.escape(units[c])}]</small>" if c in units else "")
        + "</th>"
        for c in frame.columns
    )
    body = []
    for row in frame.itertuples(index=False):
        cells = []
        for col, value in zip(frame.columns, row, strict=True):
            text, key = _fmt(value, units.get(col, ""))
            numeric = isinstance(value, int | float | np.integer | np.floating) and not (
                isinstance(value, bool | np.bool_)
            )
            css = ' class="num"' if numeric else ""
            cells.append(f'<td{css} data-sort="{key}">{text}</td>')
        body.append(f"<tr>{''.join(cells)}</tr>")
    caption = (
        f"Sites in {year}"
        + (f" — {html.escape(run.label)}" if compare else "")
        + (" (click a column to sort)")
    )
    return (
        f'<table class="sortable site-table" data-run="{html.escape(run.label)}">'
        f"<caption>{caption}</caption><thead><tr>{head}</tr></thead>"
        f"<tbody>{''.join(body)}</tbody></table>"
    )


def _provenance(run: _Run) -> str:
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
        f"<h3>{html.escape(run.label)}</h3><table>{rows}</table>"
        f"<details><summary>Resolved scenarios</summary><pre>{detail}</pre></details>"
        "</div>"
    )


_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:2rem auto;max-width:1200px;
 padding:0 1rem;color:#222}
h1{margin-bottom:.2rem} .lead{color:#555;margin-top:0}
.chart{margin:1.5rem 0;border:1px solid #eee;border-radius:6px;padding:.5rem;break-inside:avoid}
table{border-collapse:collapse;margin:1rem 0;font-size:.85rem}
th,td{border-bottom:1px solid #ddd;padding:.25rem .6rem;text-align:left;vertical-align:top}
td.num{text-align:right;font-variant-numeric:tabular-nums}
table.sortable th{cursor:pointer;background:#f6f6f6;position:sticky;top:0}
table.sortable th[aria-sort=ascending]::after{content:" ▲"}
table.sortable th[aria-sort=descending]::after{content:" ▼"}
.site-wrap{max-height:36rem;overflow:auto}
caption{text-align:left;font-weight:600;padding:.3rem 0}
.provenance{display:inline-block;vertical-align:top;margin-right:2rem}
@media print{.site-wrap{max-height:none;overflow:visible}}
"""

_SORT_JS = """
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
) -> str:
    """The report as one HTML string (see :func:`write_report`)."""
    first = labels[0] if labels else ("run A" if compare_with is not None else "run")
    runs = [_Run(first, results)]
    if compare_with is not None:
        runs.append(_Run(labels[1] if labels else "run B", compare_with))
    if year is None:
        year = int(max(metrics.emissions(results)["year"]))
    charts = []
    for i, name in enumerate(CHARTS):
        fig = _figure(name, runs)
        div = fig.to_html(
            full_html=False,
            include_plotlyjs=(i == 0),
            div_id=f"chart-{name}",
            default_height="440px",
            config={"displaylogo": False, "responsive": True},
        )
        charts.append(f'<div class="chart" data-chart="{name}">{div}</div>')
    compare = len(runs) > 1
    subtitle = " vs ".join(
        f"<b>{html.escape(r.label)}</b> (" + html.escape(", ".join(r.results.scenarios)) + ")"
        for r in runs
    )
    sites = "".join(f'<div class="site-wrap">{_site_table(r, year, compare)}</div>' for r in runs)
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html.escape(title)}</title>
<style>{_CSS}</style>
</head>
<body>
<h1>{html.escape(title)}</h1>
<p class="lead">{subtitle}{
        ". Solid lines: "
        + html.escape(runs[0].label)
        + "; dashed: "
        + html.escape(runs[1].label)
        + "."
        if compare
        else ""
    }</p>
<h2>Key indicators</h2>
{_key_table(runs)}
<h2>Charts</h2>
{"".join(charts)}
<h2>Sites</h2>
{sites}
<h2>Provenance</h2>
{"".join(_provenance(r) for r in runs)}
<script>{_SORT_JS}</script>
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
        Names of the two runs (default ``run A`` and ``run B``).
    year : int, optional
        Year of the site table (default: the last model year).

    Returns
    -------
    Path
        The file written.
    """
    target = Path(path).expanduser()
    text = build_report(results, compare_with, title=title, labels=labels, year=year)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, target)
    except OSError as exc:
        raise KruispuntError(f"cannot write report {target}: {exc.strerror or exc}") from None
    return target


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
                    target.parent.mkdir(parents=True, exist_ok=True)
                    tmp_pdf = target.with_name(f".{target.name}.tmp")
                    page.pdf(path=str(tmp_pdf), format="A4", landscape=True, print_background=True)
                    os.replace(tmp_pdf, target)
                finally:
                    browser.close()
        except PlaywrightError as exc:
            raise KruispuntError(f"PDF export failed (Chromium): {exc}") from None
        except OSError as exc:
            raise KruispuntError(f"cannot write {target}: {exc.strerror or exc}") from None
    return target
