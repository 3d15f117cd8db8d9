"""The charts of a run, built from :mod:`kruispunt.metrics` only; one module for the HTML report
and the dashboard.

A chart is a :class:`Chart`: a title, a caption that says what it shows and what drives it, a
unit, and a function that turns results into labelled series. :func:`figure` turns a chart
and one or two runs into a plotly figure as plain JSON-ready dicts (``{"data": [...],
"layout": {...}}``), which the report embeds and the dashboard serves; plotly.js draws it.

Scenario views
--------------
A figure holds every scenario of its runs; trace ``meta`` says which view a trace belongs to
(``meta.view``: the runs' scenarios lined up by :func:`aligned_scenarios`, the same name
together and the others in order), and ``layout.meta.views`` names the views.
Only view 0 is visible at first. :data:`VIEW_JS` defines ``kpShowView(v)``, which shows view
``v`` in every chart on a page (with the view's notes); pages offer one scenario menu above
the charts (a plotly menu inside each chart covered the chart titles).

Comparing runs
--------------
With two runs, every series of run A is drawn solid and run B dashed, and the legend names
carry the run label (``Electricity (A)``).
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd

from kruispunt import metrics
from kruispunt.reports.embed import compact_json, rounded
from kruispunt.reports.labels import LABELS, label
from kruispunt.results import Results
from kruispunt.vocabulary import FAMILIES, SCENARIO

__all__ = [
    "CHARTS",
    "FAMILY_COLORS",
    "VIEW_JS",
    "Chart",
    "Run",
    "Series",
    "aligned_scenarios",
    "figure",
    "figure_html",
    "place_sites",
    "pool_label",
    "site_costs_figure",
    "site_map",
    "site_route_figure",
    "to_json",
    "views",
]

Style = Literal["area", "bar", "line", "markers", "dash"]

PALETTE = (
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
FAMILY_COLORS: dict[str, str] = {
    "incumbent": "#8c8c8c",
    "efficiency": "#9ecae1",
    "electrification": "#1f77b4",
    "ccs": "#9467bd",
    "hydrogen": "#2ca02c",
    "import": "#ff7f0e",
    "circular": "#8c6d31",
    "closure": "#d62728",
}
"""Colour of each route family, the same in every chart and on the map."""
_FIXED = {"National total": "#222222", "Net": "#222222", "Net cost": "#222222"}
_RUN_DASH = ("solid", "dash", "dot")
HOVER_DECIMALS = 3
"""Decimals the hover labels show, and so the decimals a report page keeps (:func:`figure_html`)."""
HOVER = f"%{{y:,.{HOVER_DECIMALS}~f}}<extra>%{{fullData.name}}</extra>"


@dataclass(frozen=True)
class Series:
    """One line, area, bar set or marker set of a chart, per year.

    ``y`` holds None where there is no finite value (NaN, or unlimited capacity).
    """

    name: str
    x: list[int]
    y: list[float | None]
    style: Style
    color: str | None = None


Getter = Callable[[Results, str], list[Series]]
Notes = Callable[[Results, str], list[str]]


def _no_notes(results: Results, scenario: str) -> list[str]:
    return []


@dataclass(frozen=True)
class Chart:
    """A chart: what it shows (``title``, ``caption``, ``unit``) and how to get its series."""

    name: str
    title: str
    caption: str
    unit: str
    series: Getter
    notes: Notes = field(default=_no_notes)


@dataclass(frozen=True)
class Run:
    """A run as drawn: its label in legends (``A``, ``B``; or ``run`` alone) and results."""

    label: str
    results: Results


# --- series from metrics ------------------------------------------------------------------


def _finite(values: Any) -> list[float | None]:
    return [float(v) if math.isfinite(v) else None for v in np.asarray(values, np.float64)]


def _series(
    frame: pd.DataFrame,
    scenario: str,
    key: str | None,
    value: str,
    style: Style,
    names: Callable[[str], str] | None = None,
    name: str | None = None,
    colors: dict[str, str] | None = None,
) -> list[Series]:
    sel = frame[frame[SCENARIO] == scenario]
    groups = (
        [(name or value, sel)]
        if key is None
        else [(str(k), g) for k, g in sel.groupby(key, sort=False)]
    )
    out = []
    for ident, g in groups:
        shown = names(ident) if names is not None and key is not None else ident
        color = (colors or {}).get(ident)
        out.append(Series(shown, [int(v) for v in g["year"]], _finite(g[value]), style, color))
    return out


def _target(results: Results, scenario: str) -> list[Series]:
    frame = metrics.emissions_vs_target(results)
    return _series(
        frame, scenario, None, "target_mtco2", "markers", name="Industry target (all industry)"
    )


def _emissions_by(by: Literal["cluster", "sector"]) -> Getter:
    def get(results: Results, scenario: str) -> list[Series]:
        if by == "cluster":
            clusters = metrics.cluster_names(results)
            names: Callable[[str], str] = lambda c: clusters.get(c, c)  # noqa: E731
        else:
            names = lambda s: label("sector", s)  # noqa: E731
        parts = _series(
            metrics.emissions(results, by=by), scenario, by, "emissions_mtco2", "area", names
        )
        total = _series(
            metrics.emissions(results),
            scenario,
            None,
            "emissions_mtco2",
            "line",
            name="National total",
        )
        return parts + total + _target(results, scenario)

    return get


def _route_mix(weight: Literal["production", "base_emissions"]) -> Getter:
    def get(results: Results, scenario: str) -> list[Series]:
        frame = metrics.route_family_mix(results, weight=weight)
        column = "production_mt" if weight == "production" else "base_emissions_mtco2"
        used = frame.groupby("route_family", sort=False)[column].transform(lambda v: (v != 0).any())
        frame = frame[used.astype(bool)]  # a family no plant runs stays out of the legend
        return _series(
            frame,
            scenario,
            "route_family",
            column,
            "area",
            lambda f: label("family", f),
            colors=FAMILY_COLORS,
        )

    return get


def _energy(results: Results, scenario: str) -> list[Series]:
    return _series(
        metrics.energy_demand(results),
        scenario,
        "carrier",
        "energy_twh",
        "area",
        lambda c: label("carrier", c),
    )


def _capacity_series(
    frame: pd.DataFrame, scenario: str, value: str, name: str, color: str | None = None
) -> list[Series]:
    """A capacity line drawn only where the capacity is finite; none if never finite."""
    sel = frame[frame[SCENARIO] == scenario]
    if not np.isfinite(sel[value].to_numpy(np.float64)).any():
        return []
    return [Series(name, [int(v) for v in sel["year"]], _finite(sel[value]), "dash", color)]


def _unlimited_years(frame: pd.DataFrame, scenario: str, value: str) -> list[int]:
    sel = frame[frame[SCENARIO] == scenario]
    return [int(y) for y, v in zip(sel["year"], sel[value], strict=True) if v == math.inf]


def _span(years: list[int]) -> str:
    return f"{years[0]}" if len(years) == 1 else f"{years[0]}–{years[-1]}"


def _grid_frame(results: Results) -> pd.DataFrame:
    frame = metrics.infrastructure_use(results, by="pool")
    return frame[frame["resource"] == "grid"]


def pool_label(results: Results, pool: str, cluster: str, in_cluster: bool = True) -> str:
    """A pool's label: its cluster's name for a cluster's own pool (``grid/<cluster>``),
    else its own label, after its cluster's name (``in_cluster``: a grid zone)."""
    names = metrics.cluster_names(results)
    shown = names.get(cluster, cluster)
    own = pool.split("/", 1)[-1]
    if own == cluster:
        return shown
    return f"{shown} – {label('pool', own)}" if in_cluster else label("pool", own)


def _grid_pools(results: Results, scenario: str) -> list[tuple[str, pd.DataFrame]]:
    """Each grid pool of the scenario in the results' order: its label and its rows."""
    frame = _grid_frame(results)
    sel = frame[frame[SCENARIO] == scenario]
    return [
        (pool_label(results, str(pool), str(g["cluster"].iloc[0])), g)
        for pool, g in sel.groupby("pool", sort=False)
    ]


def _grid(results: Results, scenario: str) -> list[Series]:
    """Each grid pool's load growth where it has any or the data give it a finite limit above
    zero in some year, and then that capacity too (the years with no room and without a
    limit are in the notes)."""
    out: list[Series] = []
    i = 0
    for shown, part in _grid_pools(results, scenario):
        cap = part["capacity"].to_numpy(np.float64)
        loaded = bool((part["use"].to_numpy(np.float64) > 0).any())
        room = bool((np.isfinite(cap) & (cap > 0)).any())
        if not (loaded or room):
            continue
        color = PALETTE[i % len(PALETTE)]
        i += 1
        out += [
            Series(s.name, s.x, s.y, s.style, color)
            for s in _series(part, scenario, None, "use", "line", name=f"{shown}: load growth")
        ]
        if room:
            out += _capacity_series(part, scenario, "capacity", f"{shown}: capacity", color)
    return out


def _grid_notes(results: Results, scenario: str) -> list[str]:
    """The grid pools without a limit in any year in one line, then the others grouped by
    the years they have no room for new load and the years the data set them no limit."""
    unlimited: list[str] = []
    groups: dict[str, list[str]] = {}
    for shown, part in _grid_pools(results, scenario):
        years = part["year"].to_numpy(np.int64)
        cap = part["capacity"].to_numpy(np.float64)
        if (cap == math.inf).all():
            unlimited.append(shown)
            continue
        said = []
        if (cap == 0).any():
            said.append(f"no room for new load in {_span([int(y) for y in years[cap == 0]])}")
        if (cap == math.inf).any():
            said.append(f"unlimited in {_span([int(y) for y in years[cap == math.inf]])}")
        if said:
            groups.setdefault(", ".join(said), []).append(shown)
    notes = [f"{said[0].upper()}{said[1:]}: {'; '.join(who)}" for said, who in groups.items()]
    if unlimited:
        listed = "; ".join(unlimited)
        notes.insert(0, f"Unlimited grid capacity for new load (no sourced limit): {listed}")
    return notes


def _storage_frame(results: Results) -> pd.DataFrame:
    frame = metrics.infrastructure_use(results, by=None)
    frame = frame[frame["resource"] == "co2_storage"]
    return frame.assign(use_mt=frame["use"] * 1e-6, capacity_mt=frame["capacity"] * 1e-6)


def _stores(results: Results, scenario: str) -> list[tuple[str, str, pd.DataFrame]]:
    """Each CO2 store that holds CO2 in some year of the scenario, in the order they first
    do: its label, its pool id and its rows [MtCO2/yr]."""
    frame = metrics.infrastructure_use(results, by="pool")
    frame = frame[(frame["resource"] == "co2_storage") & (frame[SCENARIO] == scenario)]
    frame = frame.assign(use_mt=frame["use"] * 1e-6)
    used = [
        (
            int(g["year"][g["use"] > 0].min()),
            pool_label(results, str(pool), str(g["cluster"].iloc[0]), in_cluster=False),
            str(pool),
            g,
        )
        for pool, g in frame.groupby("pool", sort=False)
        if bool((g["use"] > 0).any())
    ]
    return [(shown, pool, g) for _, shown, pool, g in sorted(used, key=lambda u: u[0])]


def _ccs(results: Results, scenario: str) -> list[Series]:
    frame = _storage_frame(results)
    captured = metrics.emissions(results, kind="captured")
    stored = [
        s
        for shown, _, g in _stores(results, scenario)
        for s in _series(g, scenario, None, "use_mt", "area", name=f"Stored: {shown}")
    ]
    return (
        stored
        + _series(captured, scenario, None, "emissions_mtco2", "line", name="Captured")
        + _capacity_series(frame, scenario, "capacity_mt", "Storage capacity")
    )


def _ccs_notes(results: Results, scenario: str) -> list[str]:
    years = _unlimited_years(_storage_frame(results), scenario, "capacity_mt")
    notes = [f"CO2 storage capacity unlimited in {_span(years)}"] if years else []
    summary = metrics.pool_summary(results)
    most = {r["pool"]: r for r in summary[summary[SCENARIO] == scenario].to_dict("records")}
    peaks = [
        f"{shown} {most[pool]['max_utilisation_share']:.0%} "
        f"({int(most[pool]['max_utilisation_year'])})"
        for shown, pool, _ in _stores(results, scenario)
        if not pd.isna(most[pool]["max_utilisation_share"])
    ]
    if peaks:
        notes.append(f"Most of each store's capacity used: {'; '.join(peaks)}")
    return notes


def _biomass_frame(results: Results) -> pd.DataFrame:
    frame = metrics.infrastructure_use(results, by=None)
    frame = frame[frame["resource"] == "biomass"]
    return frame.assign(use_pj=frame["use"] * 1e-6, capacity_pj=frame["capacity"] * 1e-6)


def _biomass(results: Results, scenario: str) -> list[Series]:
    frame = _biomass_frame(results)
    return _series(frame, scenario, None, "use_pj", "line", name="Biomass burnt") + (
        _capacity_series(frame, scenario, "capacity_pj", "Biomass supply")
    )


def _biomass_notes(results: Results, scenario: str) -> list[str]:
    years = _unlimited_years(_biomass_frame(results), scenario, "capacity_pj")
    return [f"Biomass supply unlimited in {_span(years)}"] if years else []


def _production(results: Results, scenario: str) -> list[Series]:
    frame = metrics.production_and_imports(results)
    frame = frame.assign(share_pct=frame["share_kept"] * 100.0)
    sel = frame[frame[SCENARIO] == scenario]
    with_data = sel.groupby("product", sort=False)["share_pct"].apply(lambda v: v.notna().any())
    keep = [str(p) for p, ok in with_data.items() if ok]
    frame = frame[frame["product"].isin(keep)]
    return _series(frame, scenario, "product", "share_pct", "line", lambda p: label("product", p))


def _production_notes(results: Results, scenario: str) -> list[str]:
    frame = metrics.production_and_imports(results)
    sel = frame[frame[SCENARIO] == scenario]
    empty = [
        str(p) for p, g in sel.groupby("product", sort=False) if not g["share_kept"].notna().any()
    ]
    if not empty:
        return []
    return ["Not shown (no demand in the data): " + ", ".join(label("product", p) for p in empty)]


def _gov(results: Results, scenario: str) -> list[Series]:
    frame = metrics.government_cash_flow(results)
    net = frame.groupby([SCENARIO, "year"], sort=False)["cash_flow_meur"].sum().reset_index()
    signs = metrics.flow_signs(results)

    def name(flow: str) -> str:
        if flow in LABELS["flow"]:
            return label("flow", flow)
        return f"{label('flow', flow)} ({'revenue' if signs.get(flow, 1) > 0 else 'outlay'})"

    return _series(frame, scenario, "flow", "cash_flow_meur", "bar", name) + _series(
        net, scenario, None, "cash_flow_meur", "line", name="Net"
    )


def _costs(results: Results, scenario: str) -> list[Series]:
    frame = metrics.costs(results)
    net = frame.groupby([SCENARIO, "year"], sort=False)["cost_meur"].sum().reset_index()
    return _series(
        frame, scenario, "item", "cost_meur", "bar", lambda i: label("item", i)
    ) + _series(net, scenario, None, "cost_meur", "line", name="Net cost")


_TARGET_NOTE = (
    " Diamonds: the industry emission target, which covers all industry, not only the EU ETS "
    "plants modelled here, so the comparison flatters the plants."
)

_LIST: tuple[Chart, ...] = (
    Chart(
        "emissions_cluster",
        "Direct CO2 emissions by cluster",
        "Scope-1 CO2 of the modelled EU ETS plants after capture, stacked by cluster; black "
        "line: national total. Falls when plants switch route (electrification, CCS, "
        "hydrogen, circular feedstock), import the intermediate or close; rises with "
        "production." + _TARGET_NOTE,
        "Mt CO2/yr",
        _emissions_by("cluster"),
    ),
    Chart(
        "emissions_sector",
        "Direct CO2 emissions by sector",
        "The same emissions, stacked by sector: which industries abate and which do not. "
        "Driven by each sector's route options, their cost against the carbon price and "
        "support, and the infrastructure they need." + _TARGET_NOTE,
        "Mt CO2/yr",
        _emissions_by("sector"),
    ),
    Chart(
        "route_mix_production",
        "Route mix weighted by production",
        "Tonnes produced per route family (all products measured in tonnes added up; process "
        "heat, measured in GJ, is left out). A large plant weighs by its output, so the "
        "refineries and Tata Steel count for what they make, not as one plant each. Changes "
        "when plants switch route at their reinvestment moment or when a switch pays early.",
        "Mt/yr",
        _route_mix("production"),
    ),
    Chart(
        "route_mix_emissions",
        "Route mix weighted by first-year emissions",
        "Each plant weighs its direct emissions in the first model year, stacked by the route "
        "family it runs in each year: where the starting emissions have gone (CCS, "
        "electrification, closure ...). The total stays at the first year's emissions.",
        "Mt CO2/yr (first-year emissions)",
        _route_mix("base_emissions"),
    ),
    Chart(
        "energy_carrier",
        "Final energy demand by carrier",
        "Energy used by the modelled plants per carrier (hydrogen converted at its lower "
        "heating value); material feedstocks in tonnes are not included. Moves with route "
        "switches (electrification raises electricity, CCS adds energy for capture) and with "
        "production.",
        "TWh/yr",
        _energy,
    ),
    Chart(
        "grid",
        "Electric load growth against grid capacity, per cluster and grid zone",
        "Solid: new electric load since the first model year on each cluster's grid and on "
        "each of its grid zones (sites on a grid of their own, such as the Port of Moerdijk "
        "or TenneT's Noord-Limburg; a cluster's line covers its sites outside its zones); "
        "dashed: the capacity available for new load, drawn where the data give a finite "
        "limit above zero. The notes give the years without room and without a limit. Load "
        "grows when plants electrify; a switch that needs more than the remaining capacity "
        "waits or is refused.",
        "MW",
        _grid,
        _grid_notes,
    ),
    Chart(
        "ccs_storage",
        "CO2 captured and stored against storage capacity",
        "CO2 captured at plants, and stored in each store (stacked: Porthos, Aramis, Yara's "
        "contract with Northern Lights, as the scenario dates them), against the national "
        "CO2 storage capacity (drawn where finite); the notes give the most of each store's "
        "capacity used. Capture follows CCS switches; storage capacity limits them.",
        "Mt CO2/yr",
        _ccs,
        _ccs_notes,
    ),
    Chart(
        "biomass",
        "Biomass burnt against the biomass supply",
        "Solid biomass burnt by the modelled plants against the supply open to them "
        "(biomass_supply.csv: domestic wood now exported at the chips price, then from 2028 "
        "the pellets the power plants co-fired, 4.6 PJ more each year, at a higher price "
        "except in the high price set, whose biomass is already the pellet price; what "
        "existing users burn is not in it; drawn where finite). Rises when heat plants switch to "
        "biomass boilers; a switch that does not fit in the supply waits.",
        "PJ/yr",
        _biomass,
        _biomass_notes,
    ),
    Chart(
        "production_imports",
        "Share of demand produced domestically, per product",
        "Domestic production as a share of domestic demand; the rest is imported. Falls "
        "when plants close or switch to importing the intermediate (HBI, ammonia, "
        "methanol). Products without demand in the data are left out.",
        "% of demand",
        _production,
        _production_notes,
    ),
    Chart(
        "government_cash_flow",
        "Government cash flow",
        "Revenue (positive: CO2-heffing, energy tax, CBAM) and outlays (negative: SDE++, "
        "CCfD, indirect cost compensation, grants) per year; black line: net. Driven by the "
        "scenario's instruments and budgets and by how many plants take up support.",
        "M EUR/yr (+ revenue, − outlay)",
        _gov,
    ),
    Chart(
        "costs",
        "Costs to industry",
        "What the modelled plants pay per year by item, subsidies received as a negative "
        "item; black line: net cost. Driven by energy and carbon prices, taxes and levies, "
        "and the investment in new routes.",
        "M EUR/yr",
        _costs,
    ),
)

CHARTS: dict[str, Chart] = {c.name: c for c in _LIST}
"""Chart name (the ``data-chart`` attribute of its page element) -> chart."""


# --- figures --------------------------------------------------------------------------------


@dataclass(frozen=True)
class View:
    """The i-th scenario of every run, shown together."""

    label: str
    members: tuple[tuple[int, Run, str], ...]


def aligned_scenarios(runs: Sequence[Sequence[str]]) -> list[tuple[str | None, ...]]:
    """The scenarios of several runs lined up to be compared: one row per scenario of the
    first run, in its order, with each other run's scenario of the same name, or else that
    run's next scenario the first run does not have (None when none is left); the other
    runs' scenarios still unmatched follow, one row each.

    Examples
    --------
    >>> aligned_scenarios([["cp", "ha"], ["ha", "cp"]])
    [('cp', 'cp'), ('ha', 'ha')]
    >>> aligned_scenarios([["cp", "ha"], ["variant", "ha", "more"]])
    [('cp', 'variant'), ('ha', 'ha'), (None, 'more')]
    """
    first = list(runs[0]) if runs else []
    rows: list[list[str | None]] = [[name, *([None] * (len(runs) - 1))] for name in first]
    for k in range(1, len(runs)):
        names = list(runs[k])
        free = iter([n for n in names if n not in first])
        for row in rows[: len(first)]:
            row[k] = row[0] if row[0] in names else next(free, None)
        rows.extend([None] * k + [n] + [None] * (len(runs) - k - 1) for n in free)
    return [tuple(row) for row in rows]


def views(runs: Sequence[Run]) -> list[View]:
    """Scenario views of ``runs``: their scenarios lined up by :func:`aligned_scenarios`
    (the same name together, the others in order), side by side."""
    out = []
    for row in aligned_scenarios([list(r.results.scenarios) for r in runs]):
        members = tuple(
            (k, run, name)
            for k, (run, name) in enumerate(zip(runs, row, strict=True))
            if name is not None
        )
        names = list(dict.fromkeys(s for _, _, s in members))
        out.append(View(" vs ".join(names), members))
    return out


def _trace(s: Series, color: str, style: Style, common: dict[str, Any], k: int) -> dict[str, Any]:
    compare = common["meta"]["compare"]
    trace: dict[str, Any] = {"x": s.x, "y": s.y, **common}
    if style == "bar":
        trace.update(type="bar", marker={"color": color})
    elif style == "markers":
        trace.update(
            type="scatter",
            mode="markers",
            marker={"symbol": "diamond", "size": 11, "color": "black"},
        )
    elif style == "area":
        trace.update(
            type="scatter",
            mode="lines",
            stackgroup="one",
            line={"color": color, "width": 0.5},
        )
    else:
        dash = "dash" if style == "dash" else _RUN_DASH[k % len(_RUN_DASH)]
        if style == "dash" and compare:
            dash = "dot" if k else "dash"
        trace.update(
            type="scatter",
            mode="lines",
            line={"color": color, "dash": dash, "width": 2.5 if compare else 2},
        )
    return trace


_NOTE_PX = 17
"""Height of one note's line below a chart [px]."""
_NOTES_TOP_PX = 60
"""Space between the plot's lower edge and the first note (the year axis and its title)."""


def _annotations(notes: list[str]) -> list[dict[str, Any]]:
    """The notes as lines below the plot, under the year axis (the figure's height and lower
    margin grow with the most notes of a view: :func:`figure`), so they never cover a
    line."""
    return [
        {
            "text": note,
            "xref": "paper",
            "yref": "paper",
            "x": 0.0,
            "y": 0.0,
            "yshift": -(_NOTES_TOP_PX + _NOTE_PX * i),
            "xanchor": "left",
            "yanchor": "top",
            "showarrow": False,
            "align": "left",
            "font": {"size": 11, "color": "#444"},
        }
        for i, note in enumerate(notes)
    ]


def figure(name: str, runs: Sequence[Run]) -> dict[str, Any]:
    """The plotly figure of chart ``name`` for one run or two (compared), as plain dicts.

    Every trace carries ``meta`` = ``{"view": i, "run": label, "scenario": name, "compare":
    bool}``; ``layout.meta`` holds ``views`` (view labels) and ``annotations`` (the notes of
    each view, e.g. where capacity is unlimited).
    """
    chart = CHARTS[name]
    compare = len(runs) > 1
    colors: dict[str, str] = {}
    data: list[dict[str, Any]] = []
    per_view: list[list[dict[str, Any]]] = []
    all_views = views(runs)
    for v, view in enumerate(all_views):
        notes: list[str] = []
        for k, run, scenario in view.members:
            run_notes = chart.notes(run.results, scenario)
            notes += [f"{n} ({run.label})" if compare else n for n in run_notes]
            for s in chart.series(run.results, scenario):
                color = (
                    s.color
                    or _FIXED.get(s.name)
                    or colors.setdefault(s.name, PALETTE[len(colors) % len(PALETTE)])
                )
                style: Style = s.style if not compare or s.style in ("markers", "dash") else "line"
                common = {
                    "name": f"{s.name} ({run.label})" if compare else s.name,
                    "legendgroup": s.name,
                    "visible": v == 0,
                    "meta": {"view": v, "run": run.label, SCENARIO: scenario, "compare": compare},
                    "hovertemplate": HOVER,
                }
                data.append(_trace(s, color, style, common, k))
        per_view.append(_annotations(notes))
    below = _NOTE_PX * max((len(a) for a in per_view), default=0)
    layout: dict[str, Any] = {
        "height": 440 + below,
        "margin": {"l": 64, "r": 20, "t": 24, "b": 44 + below + (22 if below else 0)},
        "paper_bgcolor": "white",
        "plot_bgcolor": "white",
        "font": {"family": "system-ui, sans-serif", "size": 12},
        "yaxis": {"title": {"text": chart.unit}, "gridcolor": "#e6e6e6", "zerolinecolor": "#999"},
        "xaxis": {"title": {"text": "year"}, "gridcolor": "#f0f0f0"},
        "barmode": "relative",
        "hovermode": "x unified",
        "legend": {"orientation": "v"},
        "annotations": per_view[0] if per_view else [],
        "meta": {"views": [vw.label for vw in all_views], "annotations": per_view},
    }
    return {"data": data, "layout": layout}


PLOT_CONFIG: dict[str, Any] = {"displaylogo": False, "responsive": True}


def to_json(obj: Any) -> str:
    """Strict JSON (NaN or infinity raise: a chart never carries them)."""
    return json.dumps(obj, allow_nan=False, separators=(",", ":"))


def figure_html(fig: dict[str, Any], div_id: str) -> str:
    """A ``div`` and the script that draws ``fig`` into it.

    The page must carry :func:`kruispunt.reports.embed.plotly_html` before it (``kpPlot``).
    Floats are rounded to the :data:`HOVER_DECIMALS` decimals the hover labels show.
    """
    small = rounded(fig, decimals=HOVER_DECIMALS)
    return (
        f'<div id="{div_id}" class="plot"></div>'
        f'<script>kpPlot("{div_id}", {compact_json(small["data"])}, '
        f"{compact_json(small['layout'])}, {compact_json(PLOT_CONFIG)});</script>"
    )


VIEW_JS = """
function kpShowView(v) {
  document.querySelectorAll(".js-plotly-plot").forEach(function (gd) {
    if (!gd.data || !gd.layout || !gd.layout.meta || !gd.layout.meta.views) { return; }
    var vis = gd.data.map(function (t) { return !t.meta || t.meta.view === v; });
    Plotly.restyle(gd, {visible: vis});
    var notes = gd.layout.meta.annotations || [];
    Plotly.relayout(gd, {annotations: notes[v] || []});
  });
}
"""
"""JavaScript: ``kpShowView(v)`` shows scenario view ``v`` in every chart of the page."""


# --- the site map ---------------------------------------------------------------------------


def place_sites(states: pd.DataFrame, locations: pd.DataFrame) -> pd.DataFrame:
    """Map position of every site: its coordinates, else around its cluster's centroid.

    Parameters
    ----------
    states : DataFrame
        Columns ``site`` and ``cluster`` (e.g. :func:`kruispunt.metrics.site_states`).
    locations : DataFrame
        Columns ``site``, ``latitude``, ``longitude`` [degrees] (NaN where unknown), e.g. the
        data package's ``sites`` table.

    Returns
    -------
    DataFrame
        One row per site: ``site``, ``cluster``, ``latitude``, ``longitude`` and ``located``
        (True where the coordinates are the site's own). A site without coordinates is put
        on a small spiral around the centroid of its cluster's located sites (the centroid of
        all located sites when its cluster has none), so that each stays visible.
    """
    sites = states[["site", "cluster"]].drop_duplicates("site").reset_index(drop=True)
    loc = locations[["site", "latitude", "longitude"]].drop_duplicates("site")
    frame = sites.merge(loc, on="site", how="left")
    frame["located"] = frame["latitude"].notna() & frame["longitude"].notna()
    known = frame[frame["located"]]
    overall = (
        (float(known["latitude"].mean()), float(known["longitude"].mean()))
        if len(known)
        else (0.0, 0.0)
    )
    means = known.groupby("cluster")[["latitude", "longitude"]].mean()
    centroids = {
        str(c): (float(lat), float(lon))
        for c, lat, lon in zip(means.index, means["latitude"], means["longitude"], strict=True)
    }
    golden = math.pi * (3.0 - math.sqrt(5.0))
    lat = frame["latitude"].to_numpy(dtype=np.float64, copy=True)
    lon = frame["longitude"].to_numpy(dtype=np.float64, copy=True)
    for cluster, idx in frame[~frame["located"]].groupby("cluster").groups.items():
        lat0, lon0 = centroids.get(str(cluster), overall)
        for k, i in enumerate(frame.index.get_indexer(idx)):
            r = 0.02 * math.sqrt(k + 1)  # degrees: a few km between neighbours
            lat[i] = lat0 + r * math.sin(k * golden)
            lon[i] = lon0 + r * math.cos(k * golden) * 1.6
    frame["latitude"] = lat
    frame["longitude"] = lon
    return frame


def site_map(
    results: Results, scenario: str, locations: pd.DataFrame, year: int | None = None
) -> dict[str, Any]:
    """A map of the sites coloured by their main route family, with one frame per year.

    One trace holds every site (``customdata``: site id, name, cluster); its marker colours
    and hover text change with the year, held in ``frames`` (name: the year; each frame's
    trace 0 has ``marker.color`` and ``text``). Legend entries name the route families.
    Marker area follows the site's first-year direct emissions; open circles mark sites
    placed around their cluster's centroid (no coordinates in the data). ``layout.meta``
    holds ``years``, ``year`` (the one shown) and ``approximate`` (how many sites are placed
    at a centroid).
    """
    states = metrics.site_states(results)
    states = states[states[SCENARIO] == scenario]
    placed = place_sites(states, locations)
    clusters = metrics.cluster_names(results)
    years = sorted(int(y) for y in states["year"].unique())
    shown = year if year in years else years[-1]
    sites = placed["site"].tolist()
    order = {s: i for i, s in enumerate(sites)}
    states = states.assign(_i=states["site"].map(order)).sort_values(["year", "_i"])
    G = len(sites)
    fam = states["route_family"].to_numpy().reshape(len(years), G)
    routes = states["routes"].to_numpy().reshape(len(years), G)
    emitted = states["direct_emissions_ktco2"].to_numpy(np.float64).reshape(len(years), G)
    first = states[states["year"] == years[0]]
    base = first["base_emissions_ktco2"].to_numpy(np.float64)
    names = first["site_name"].tolist()
    located = placed["located"].to_numpy(bool)

    def frame(k: int) -> dict[str, Any]:
        colors = [FAMILY_COLORS.get(f, "#333333") for f in fam[k]]
        return {
            "marker": {"color": colors, "line": {"width": 1.5, "color": colors}},
            "text": [
                f"{label('family', f)}: {r}<br>{e:,.0f} ktCO2/yr in {years[k]}"
                for f, r, e in zip(fam[k], routes[k], emitted[k], strict=True)
            ],
        }

    frames: list[dict[str, Any]] = [
        {"name": str(y), "data": [frame(k)], "traces": [0]} for k, y in enumerate(years)
    ]
    now: dict[str, Any] = frames[years.index(shown)]["data"][0]
    sites_trace = {
        "type": "scatter",
        "mode": "markers",
        "name": "sites",
        "showlegend": False,
        "x": [float(v) for v in placed["longitude"]],
        "y": [float(v) for v in placed["latitude"]],
        "customdata": [
            [s, n, clusters.get(c, c) + ("" if ok else " (position: cluster centroid)")]
            for s, n, c, ok in zip(sites, names, placed["cluster"], located, strict=True)
        ],
        "text": now["text"],
        "hovertemplate": "<b>%{customdata[1]}</b><br>%{customdata[2]}<br>%{text}<extra></extra>",
        "marker": {
            "color": now["marker"]["color"],
            "size": [float(min(6.0 + 0.35 * math.sqrt(max(v, 0.0)), 40.0)) for v in base],
            "symbol": ["circle" if ok else "circle-open" for ok in located],
            "line": now["marker"]["line"],
            "opacity": 0.85,
        },
    }
    present = set(fam.ravel().tolist())
    legend = [
        {
            "type": "scatter",
            "mode": "markers",
            "name": label("family", f),
            "x": [None],
            "y": [None],
            "marker": {"color": FAMILY_COLORS.get(f, "#333333"), "size": 10},
            "hoverinfo": "skip",
        }
        for f in [*FAMILIES, *sorted(present - set(FAMILIES))]
        if f in present
    ]
    centres = placed.assign(name=[clusters.get(c, c) for c in placed["cluster"]])
    centres = centres.groupby("name")[["latitude", "longitude"]].mean()
    annotations = [
        {
            "x": float(lon),
            "y": float(lat),
            "text": str(name),
            "showarrow": False,
            "yshift": 22,
            "font": {"size": 11, "color": "#555"},
        }
        for name, lat, lon in zip(
            centres.index, centres["latitude"], centres["longitude"], strict=True
        )
    ]
    layout: dict[str, Any] = {
        "height": 620,
        "margin": {"l": 50, "r": 20, "t": 20, "b": 40},
        "paper_bgcolor": "white",
        "plot_bgcolor": "#f7fafc",
        "xaxis": {"title": {"text": "longitude [°E]"}, "gridcolor": "#e6e6e6"},
        "yaxis": {
            "title": {"text": "latitude [°N]"},
            "gridcolor": "#e6e6e6",
            "scaleanchor": "x",
            "scaleratio": 1.0 / math.cos(math.radians(52.2)),
        },
        "legend": {"title": {"text": "Main route"}, "itemclick": False, "itemdoubleclick": False},
        "hovermode": "closest",
        "annotations": annotations,
        "meta": {
            "years": years,
            "year": shown,
            "approximate": int((~located).sum()),
            SCENARIO: scenario,
        },
    }
    return {"data": [sites_trace, *legend], "layout": layout, "frames": frames}


# --- one site -------------------------------------------------------------------------------


def site_route_figure(results: Results, site: str, scenario: str) -> dict[str, Any]:
    """Route of each plant of ``site`` over the years (a step line per plant, named by its
    product and, for a unit of several (``site/product/unit``), its unit: "Crude steel
    (bf6)")."""
    hist = metrics.site_route_history(results, site)
    hist = hist[hist[SCENARIO] == scenario]
    data = []
    for i, (plant, g) in enumerate(hist.groupby("plant", sort=False)):
        name = label("product", str(g["product"].iloc[0]))
        unit = str(plant).split("/")[2:]
        data.append(
            {
                "type": "scatter",
                "mode": "lines+markers",
                "name": f"{name} ({unit[0]})" if unit else name,
                "x": [int(y) for y in g["year"]],
                "y": [str(r) for r in g["route"]],
                "line": {"shape": "hv", "color": PALETTE[i % len(PALETTE)]},
                "marker": {"color": [FAMILY_COLORS.get(f, "#333") for f in g["route_family"]]},
                "text": [
                    f"{label('family', f)}; {label('reason', r)}"
                    for f, r in zip(g["route_family"], g["switch_reason"], strict=True)
                ],
                "hovertemplate": "%{x}: %{y}<br>%{text}<extra>%{fullData.name}</extra>",
                "meta": {"plant": str(plant)},
            }
        )
    layout = {
        "height": 320,
        "margin": {"l": 200, "r": 20, "t": 20, "b": 40},
        "paper_bgcolor": "white",
        "plot_bgcolor": "white",
        "xaxis": {"title": {"text": "year"}, "gridcolor": "#f0f0f0"},
        "yaxis": {"type": "category", "gridcolor": "#e6e6e6"},
        "legend": {"title": {"text": "Plant (product, unit)"}},
    }
    return {"data": data, "layout": layout}


def site_costs_figure(results: Results, site: str, scenario: str) -> dict[str, Any]:
    """Cost breakdown of ``site`` per year (bars per item, subsidies negative; net line)."""
    frame = metrics.costs(results, by="site")
    frame = frame[frame["site"] == site]
    net = frame.groupby([SCENARIO, "year"], sort=False)["cost_meur"].sum().reset_index()
    series = _series(
        frame, scenario, "item", "cost_meur", "bar", lambda i: label("item", i)
    ) + _series(net, scenario, None, "cost_meur", "line", name="Net cost")
    data = []
    for i, s in enumerate(series):
        color = _FIXED.get(s.name, PALETTE[i % len(PALETTE)])
        common = {
            "name": s.name,
            "meta": {"compare": False},
            "hovertemplate": HOVER,
        }
        trace = _trace(s, color, s.style, common, 0)
        trace.pop("meta")
        data.append(trace)
    layout = {
        "height": 380,
        "margin": {"l": 64, "r": 20, "t": 20, "b": 40},
        "paper_bgcolor": "white",
        "plot_bgcolor": "white",
        "barmode": "relative",
        "hovermode": "x unified",
        "xaxis": {"title": {"text": "year"}, "gridcolor": "#f0f0f0"},
        "yaxis": {"title": {"text": "M EUR/yr"}, "gridcolor": "#e6e6e6"},
    }
    return {"data": data, "layout": layout}
