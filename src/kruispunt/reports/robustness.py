"""The robustness report: one self-contained HTML page for an analysed ensemble.

Built only from a :class:`~kruispunt.uncertainty.analysis.Analysis` (itself built from the
stored outcomes, which were computed through :mod:`kruispunt.metrics`): fan charts of the
trajectories per package, the robustness and regret table, the most robust package per
outcome, satisficing, the PRIM peeling trajectory (coverage against density) and its chosen
box, and a tornado per outcome. plotly.js is embedded once, compressed, so the page works
offline (:mod:`kruispunt.reports.embed`); the shared plotly template is written once.
"""

from __future__ import annotations

import base64
import html
import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go  # type: ignore[import-untyped]

from kruispunt.files import write_text
from kruispunt.reports.embed import compact_json, plotly_html, rounded
from kruispunt.uncertainty.analysis import Analysis
from kruispunt.uncertainty.prim import PrimResult
from kruispunt.uncertainty.spec import METRIC_UNITS

_CONFIG = {"displaylogo": False, "responsive": True}
_COLORS = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b")
_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:2rem auto;max-width:1200px;
 padding:0 1rem;color:#222}
h1{margin-bottom:.2rem} .lead{color:#555;margin-top:0}
.chart{margin:1.5rem 0;border:1px solid #eee;border-radius:6px;padding:.5rem}
table{border-collapse:collapse;margin:1rem 0;font-size:.85rem}
th,td{border-bottom:1px solid #ddd;padding:.25rem .6rem;text-align:left;vertical-align:top}
td.num{text-align:right;font-variant-numeric:tabular-nums}
caption{text-align:left;font-weight:600;padding:.3rem 0}
.wrap{max-height:36rem;overflow:auto}
"""


def _rgba(color: str, alpha: float) -> str:
    r, g, b = (int(color[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgba({r},{g},{b},{alpha})"


def _table(frame: pd.DataFrame, caption: str = "", digits: int = 3) -> str:
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in frame.columns)
    rows = []
    for _, row in frame.iterrows():
        cells = []
        for v in row:
            if isinstance(v, float | np.floating):
                text = "" if np.isnan(v) else f"{v:.{digits}g}"
                cells.append(f'<td class="num">{text}</td>')
            else:
                cells.append(f"<td>{html.escape(str(v))}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    cap = f"<caption>{html.escape(caption)}</caption>" if caption else ""
    return f"<table>{cap}<thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


def fan_chart(a: Analysis, metric: str = "emissions") -> go.Figure:
    """Median and 25-75 / 5-95 percentile bands of a trajectory, per package."""
    fig = go.Figure()
    fans = a.fans[a.fans["metric"] == metric] if not a.fans.empty else a.fans
    for k, (pkg, part) in enumerate(fans.groupby("package", sort=False) if len(fans) else []):
        c = _COLORS[k % len(_COLORS)]
        x = part["year"].tolist()
        for lo, hi, alpha in (("p5", "p95", 0.12), ("p25", "p75", 0.25)):
            fig.add_trace(
                go.Scatter(
                    x=x + x[::-1],
                    y=part[hi].tolist() + part[lo].tolist()[::-1],
                    fill="toself",
                    fillcolor=_rgba(c, alpha),
                    line={"width": 0},
                    hoverinfo="skip",
                    legendgroup=str(pkg),
                    showlegend=False,
                    name=f"{pkg} {lo}-{hi}",
                )
            )
        fig.add_trace(
            go.Scatter(x=x, y=part["p50"], line={"color": c, "width": 2}, name=f"{pkg} (median)")
        )
    for o in a.spec.outcomes:
        if o.metric == metric and o.target is not None and o.target.max is not None:
            fig.add_trace(
                go.Scatter(
                    x=[o.year],
                    y=[o.target.max],
                    mode="markers",
                    marker={"symbol": "x", "size": 12, "color": "black"},
                    name=f"target {o.year}: {o.target.max:g} ({o.name})",
                )
            )
    fig.update_layout(
        title=f"{metric}: median, 25-75 % and 5-95 % of futures per package",
        template="plotly_white",
        xaxis_title="year",
        yaxis_title=METRIC_UNITS.get(metric, ""),
        height=440,
    )
    return fig


def prim_tradeoff(res: PrimResult, package: str) -> go.Figure:
    """The peeling trajectory: coverage against density, coloured by restricted factors."""
    t = res.trajectory()
    fig = go.Figure(
        go.Scatter(
            x=t["coverage"],
            y=t["density"],
            mode="markers+lines",
            marker={
                "color": t["n_restricted"],
                "colorscale": "Viridis",
                "size": 8,
                "colorbar": {"title": {"text": "restricted<br>factors"}},
            },
            line={"color": "#bbb", "width": 1},
            text=[
                f"step {s}: {r or 'none'}" for s, r in zip(t["step"], t["restricted"], strict=True)
            ],
            hovertemplate="%{text}<br>coverage %{x:.2f}, density %{y:.2f}<extra></extra>",
            name="trajectory",
        )
    )
    b = res.box
    dropped = len(res.boxes[res.chosen].restricted) - len(b.restricted)
    fig.add_trace(
        go.Scatter(
            x=[b.coverage],
            y=[b.density],
            mode="markers",
            marker={"symbol": "star", "size": 16, "color": "#d62728"},
            name=f"chosen box (step {res.chosen}"
            + (f", {dropped} restriction{'s' * (dropped > 1)} dropped)" if dropped else ")"),
        )
    )
    fig.update_layout(
        title=(
            f"PRIM trade-off, {package}: coverage vs density (base density {res.base_density:.2f})"
        ),
        template="plotly_white",
        xaxis={"title": "coverage", "range": [0, 1.02]},
        yaxis={"title": "density", "range": [0, 1.02]},
        # the legend below the plot, clear of the colour bar's title on the right
        legend={"orientation": "h", "x": 0.0, "y": -0.2, "yanchor": "top"},
        margin={"b": 110},
        height=460,
    )
    return fig


def prim_box(res: PrimResult, package: str) -> go.Figure:
    """The chosen box: each restricted factor's limits within its sampled range."""
    lim = res.limits()
    fig = go.Figure()
    if not lim.empty:
        span = (lim["max"] - lim["min"]).replace(0, 1)
        lo = (lim["lower"] - lim["min"]) / span
        hi = (lim["upper"] - lim["min"]) / span
        fig.add_trace(
            go.Bar(
                y=lim["factor"],
                x=hi - lo,
                base=lo,
                orientation="h",
                marker={"color": "#d62728"},
                text=[
                    f"{a:.3g} .. {b:.3g} (range {c:.3g} .. {d:.3g}), qp {q:.2g}"
                    for a, b, c, d, q in zip(
                        lim["lower"],
                        lim["upper"],
                        lim["min"],
                        lim["max"],
                        lim["qp_value"],
                        strict=True,
                    )
                ],
                textposition="outside",
                # at the font's own size, beside the bar (plotly shrinks a label to fit the
                # bar's end and the axis' otherwise, to a few pixels)
                constraintext="none",
                cliponaxis=False,
                textfont={"size": 12},
                name="box",
            )
        )
    else:  # a box with no restriction: every sampled future, no factor to draw
        fig.add_annotation(
            text="No restriction: the box is every sampled future (no factor narrows it)",
            x=0.0,
            y=0.5,
            xref="paper",
            yref="paper",
            xanchor="left",
            showarrow=False,
            font={"size": 13},
        )
        fig.update_yaxes(visible=False)
        fig.update_xaxes(visible=False)
    b = res.box
    fig.update_layout(
        title=(
            f"PRIM box, {package}: coverage {b.coverage:.2f}, density {b.density:.2f}, "
            f"mass {b.mass:.2f}"
        ),
        template="plotly_white",
        xaxis={"title": "share of the factor's sampled range", "range": [0, 1.6]},
        # the template's margins (100 px above, 80 below) would leave a one-bar box a strip
        margin={"t": 56, "b": 56},
        height=150 + 45 * max(len(lim), 1),
    )
    return fig


def tornado_chart(a: Analysis, outcome: str, package: str) -> go.Figure:
    """Outcome mean in the lowest and highest fifth of each factor's futures."""
    t = a.tornado
    t = t[(t["outcome"] == outcome) & (t["package"] == package)].iloc[::-1]
    fig = go.Figure()
    if not t.empty:
        mean = float(t["mean"].iloc[0])
        fig.add_trace(
            go.Bar(y=t["factor"], x=t["low"] - mean, base=mean, orientation="h", name="factor low")
        )
        fig.add_trace(
            go.Bar(
                y=t["factor"], x=t["high"] - mean, base=mean, orientation="h", name="factor high"
            )
        )
    unit = next((o.unit for o in a.spec.outcomes if o.name == outcome), "")
    fig.update_layout(
        title=f"Tornado, {outcome} ({unit}), {package}: mean where each factor is low / high",
        template="plotly_white",
        barmode="overlay",
        height=120 + 28 * max(len(t), 1),
    )
    return fig


SIGNIFICANT = 4
"""Significant digits a chart keeps: a 440-pixel chart resolves about 1/400 of its axis, and
hover labels show the rounded value."""


def _plain(obj: Any) -> Any:
    """A figure's JSON tree (:meth:`go.Figure.to_plotly_json`) with plotly's base64 typed
    arrays decoded to lists and non-finite floats as None (a gap, as plotly writes them)."""
    if isinstance(obj, dict):
        if "bdata" in obj and "dtype" in obj:
            raw = np.frombuffer(base64.b64decode(obj["bdata"]), dtype=np.dtype("<" + obj["dtype"]))
            if "shape" in obj:
                raw = raw.reshape([int(n) for n in str(obj["shape"]).split(",")])
            return _plain(raw.tolist())
        return {k: _plain(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_plain(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return _plain(obj.tolist())
    if isinstance(obj, np.generic):
        return _plain(obj.item())
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    return obj


def _charts_html(charts: list[go.Figure]) -> tuple[str, list[str]]:
    """The plotly template as JSON (every chart uses the same one: written once, as
    ``kpTemplate``) and each chart's div, its floats rounded to :data:`SIGNIFICANT` digits."""
    template: Any = None
    divs = []
    for i, fig in enumerate(charts):
        spec = _plain(fig.to_plotly_json())
        layout = spec["layout"]
        own = layout.pop("template", None)
        if template is None:
            template = own
        if own != template:  # pragma: no cover - every chart here uses plotly_white
            layout["template"] = own
        small = rounded({"data": spec["data"], "layout": layout}, significant=SIGNIFICANT)
        div_id = f"chart-{i}"
        divs.append(
            f'<div class="chart"><div id="{div_id}" class="plot"></div><script>kpPlot("{div_id}", '
            f"{compact_json(small['data'])}, Object.assign({{template: kpTemplate}}, "
            f"{compact_json(small['layout'])}), {compact_json(_CONFIG)});</script></div>"
        )
    return compact_json(template or {}), divs


def robustness_html(a: Analysis) -> str:
    """The report as one HTML string."""
    charts: list[go.Figure] = []
    metrics_seen = sorted(set(a.fans["metric"])) if not a.fans.empty else []
    charts += [fan_chart(a, m) for m in metrics_seen]
    prim_parts = []
    for case, found in (("missing", a.prim), ("meeting", a.prim_met)):
        for outcome, boxes in found.items():
            for pkg, res in boxes.items():
                label = f"{pkg}, {case} {outcome}"
                charts += [prim_tradeoff(res, label), prim_box(res, label)]
                prim_parts.append(label)
    packages = list(dict.fromkeys(a.robustness["package"])) if not a.robustness.empty else []
    ranked = [o.name for o in a.spec.outcomes if o.goal != "none"]
    for name in ranked[:1] + ([a.prim_outcome] if a.prim_outcome not in ranked[:1] else []):
        charts += [tornado_chart(a, name, pkg) for pkg in packages]
    template, divs = _charts_html(charts)
    key = dict(a.manifest.get("key", {}))  # type: ignore[call-overload]
    rob = a.robustness.drop(columns=["goal"]) if not a.robustness.empty else a.robustness
    sens = ""
    if not a.sobol.empty:
        sens = _table(a.sobol, "Sobol indices (Saltelli S1, Jansen ST; +- 95 % bootstrap)")
    if not a.morris.empty:
        sens = _table(a.morris, "Morris elementary effects (per full factor range)")
    prim_tables = _table(a.misses, "Futures missing each target") + "".join(
        _table(
            res.limits(),
            f"PRIM box, {pkg}, {case} the {outcome} target: coverage {res.box.coverage:.2f}, "
            f"density {res.box.density:.2f}, mass {res.box.mass:.2f}",
        )
        for case, found in (("missing", a.prim), ("meeting", a.prim_met))
        for outcome, boxes in found.items()
        for pkg, res in boxes.items()
    )
    sources = "".join(
        f"<li><b>{html.escape(k)}</b>: {html.escape(s.title)} ({html.escape(s.date)}), "
        f"<a href='{html.escape(s.url)}'>{html.escape(s.url)}</a></li>"
        for k, s in a.spec.sources.items()
    )
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Kruispunt robustness: {html.escape(a.ensemble_id)}</title><style>{_CSS}</style></head>
<body>
<h1>Robustness of policy packages</h1>
<p class="lead">Ensemble <b>{html.escape(a.ensemble_id)}</b>: {a.n_futures} futures
({html.escape(str(key.get("method")))}, n {key.get("n")}, root seed {key.get("seed")}),
{a.n_explore} used for robustness and PRIM; packages {html.escape(", ".join(packages))};
specification {html.escape(a.spec.name)} ({html.escape(str(key.get("spec_hash")))}), data
{html.escape(str(key.get("data_hash"))[:12])},
kruispunt {html.escape(str(key.get("kruispunt_version")))}.</p>
{_incomplete(a)}
<h2>Most robust package per outcome</h2>
{_table(a.most_robust)}
{_table(a.satisficing, "Satisficing: share of futures meeting every target")}
<h2>Robustness and regret</h2>
<div class="wrap">{_table(rob)}</div>
<h2>Charts</h2>
{plotly_html()}
<script>var kpTemplate = {template};</script>
{"".join(divs)}
<h2>Scenario discovery</h2>
<p>PRIM runs for each target a package misses in some futures but not all.</p>
{prim_tables}
{sens}
<h2>Sources of the ranges</h2><ul>{sources}</ul>
</body></html>
"""


def _incomplete(a: Analysis) -> str:
    """A warning when the ensemble is not finished (an interrupted run, a single shard)."""
    if a.complete:
        return ""
    return (
        f"<p class='lead'><b>Incomplete ensemble:</b> {a.n_futures} of {a.n_design} futures "
        "finished; every table and chart covers those only. Run the same "
        "<code>kruispunt explore run</code> again to finish it (or merge its shards).</p>"
    )


def write_robustness_report(a: Analysis, path: Path | str) -> Path:
    """Write the robustness report whole or not at all (:func:`kruispunt.files.write_text`:
    through a link, keeping an existing file's permissions). Raises OSError."""
    return write_text(path, robustness_html(a))


__all__: list[str] = ["robustness_html", "write_robustness_report"]
