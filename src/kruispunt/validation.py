"""The model beside the real world: published projections, announced projects and closures.

:func:`validation_table` puts each reference figure (``data/validation/references.csv`` in
the repository: what was published, by whom, when, for which scope) beside the model's figure
for the same thing, with the difference and the stated explanation; :func:`render_markdown`
writes ``docs/validation.md``. The page is generated (``python docs/make_validation.py``) and
a test regenerates it, so it cannot drift from the model.

Reference kinds
---------------
``emissions``
    Direct emissions of the model's plants in ``year``, in the reference's ``unit`` (a mass a
    year: ``Mt/yr``, ``kt/yr``); ``subject`` ``*`` for the nation, or one site id or several
    joined by ``;``.
``stored``
    CO2 sent to storage in ``year``, in the reference's ``unit``; ``subject`` as for
    ``emissions`` (the customers of one storage project: Porthos's four capturers).
``electricity``
    Electricity the model's plants use in ``year`` (the ``energy`` result: the electricity in
    the route data of the routes they run), in the reference's ``unit`` (an energy a year:
    ``TWh/yr``); ``subject`` as for ``emissions``.
``renewable_hydrogen``
    Renewable (electrolytic) hydrogen the model's plants use in ``year``: what the plants'
    routes take from the hydrogen supply projects and their own electrolysers (the ``pool_use``
    of the hydrogen pools, at the carrier's lower heating value) plus what RFNBO-obligated
    users take for part of their use (``hydrogen_bought``), in the reference's ``unit`` (a mass
    a year: ``kt/yr``); ``subject`` ``*`` (the nation) only.
``route_start``
    First year ``subject`` (``site_id:route_id``, or one plant's
    ``site_id/product_id/unit_id:route_id``) runs the route (``low``/``high``: the
    announced year or window); ``site_id:route_a|route_b`` counts any of the routes (a
    project announced with variants, e.g. gas DRI with or without its CO2 stored).
``closure``
    First year one of ``subject``'s plants (a site id) runs a closure route or produces
    nothing (closed or idled by an event).
``base_year``
    A figure of the data package's base year (``subject``: ``industry`` for the included
    industrial installations without the power plants that serve them).
``unit_cost``
    The levelised cost of one unit of a route's product (``subject``: a route id) in
    ``year`` at the scenario's prices, without any policy instrument
    (:func:`levelised_cost`), in the reference's ``unit`` (a cost per product unit, e.g.
    ``EUR/kg`` of hydrogen): the route's own cost beside a published cost of production.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from kruispunt.engine.economics import annuity_factor
from kruispunt.errors import KruispuntError
from kruispunt.inputs import ModelInputs
from kruispunt.results import Results
from kruispunt.units import conversion_factor
from kruispunt.vocabulary import HYDROGEN_LHV_GJ_PER_T, SCENARIO

__all__ = [
    "KINDS",
    "levelised_cost",
    "read_references",
    "render_markdown",
    "stale_explanations",
    "validation_table",
]

KINDS = (
    "emissions",
    "stored",
    "electricity",
    "renewable_hydrogen",
    "route_start",
    "closure",
    "base_year",
    "unit_cost",
)
COLUMNS = (
    "id",
    "kind",
    "subject",
    "year",
    "low",
    "high",
    "unit",
    "scope",
    "source_title",
    "publisher",
    "url",
    "date",
    "explanation",
    "explained_at",
)
"""The reference table's columns. ``explained_at`` is the model figure, as the page shows it
(``36.37``, ``2027``, ``never``), that the row's explanation was last checked against: when
the model's figure moves, :func:`stale_explanations` names the row, so that its explanation is
read again before the page is regenerated."""


def read_references(path: Path | str) -> pd.DataFrame:
    """The reference table; KruispuntError naming the row and field on a bad row."""
    path = Path(path)
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    missing = [c for c in COLUMNS if c not in frame.columns]
    if missing:
        raise KruispuntError(f"{path}: missing columns {', '.join(missing)}")
    for i, row in frame.iterrows():
        line = int(str(i)) + 2
        if row["kind"] not in KINDS:
            raise KruispuntError(
                f"{path}, line {line}, kind: '{row['kind']}'; allowed: {', '.join(KINDS)}"
            )
        for col in ("year", "low", "high"):
            try:
                float(row[col])
            except ValueError:
                raise KruispuntError(f"{path}, line {line}, {col}: not a number") from None
    return frame


def _route_year(results: Results, scenario: str, subject: str) -> float:
    site, _, route = subject.partition(":")
    ds = results.dataset.sel({SCENARIO: scenario})
    level = "plant" if "/" in site else "site"  # a plant: site/product/unit
    plants = np.flatnonzero(ds[level].values.astype(str) == site)
    if plants.size == 0:
        raise KruispuntError(f"validation reference names unknown {level} '{site}'")
    routes = ds["route"].values.astype(str)
    idx = ds["route_index"].values[plants]  # (plants, year)
    if route == "closure":  # a closure route, or stopped by an event (no output)
        hit = np.isin(routes[idx], routes[ds["route_family"].values.astype(str) == "closure"])
        hit |= ds["production"].values[plants] <= 0
    else:
        hit = np.isin(routes[idx], route.split("|"))
    years = ds["year"].values
    on = hit.any(axis=0)
    return float(years[np.argmax(on)]) if on.any() else np.nan


def levelised_cost(inputs: ModelInputs, route: str, year: int, scenario: int = 0) -> float:
    """Cost of one unit of ``route``'s product in ``year`` [EUR/product unit], at full use of
    the capacity and the prices of scenario ``scenario`` of ``inputs``, without any policy
    instrument (no carbon price, tax, tariff or support): the capex annuity at the scenario's
    cost of capital over the route's lifetime (:func:`annuity_factor`), plus fixed opex, the
    inputs at market prices (less exports), CO2 transport and storage and variable opex.

    Examples
    --------
    >>> from kruispunt.testing import toy_inputs
    >>> round(levelised_cost(toy_inputs(), "elec", 2030), 2)
    274.73
    """
    routes, coords = inputs.routes, inputs.coords
    names = [str(r) for r in coords.routes]
    if route not in names:
        raise KruispuntError(f"validation reference names unknown route '{route}'")
    years = [int(y) for y in coords.years]
    if year not in years:
        raise KruispuntError(f"validation reference year {year} is not a model year")
    r, t = names.index(route), years.index(year)
    crf = annuity_factor(inputs.finance.discount_rate[scenario], routes.lifetime[r])
    markets = inputs.markets
    net = routes.inputs[r, :, t]
    if routes.exports is not None:
        net = net - routes.exports[r, :, t]
    energy = net @ markets.price[scenario, :, t]
    captured = routes.emission_factor[r, t] * routes.capture_rate[r, t]
    storage = captured * markets.co2_ts_cost[scenario, t]
    return float(
        routes.capex[r, t] * crf
        + routes.fixed_opex[r, t]
        + energy
        + storage
        + routes.variable_opex[r, t]
    )


def _model_value(
    results: Results,
    scenario: str,
    row: pd.Series,
    base: dict[str, float],
    inputs: ModelInputs | None,
) -> float:
    ds = results.dataset.sel({SCENARIO: scenario})
    year = int(float(row["year"]))
    kind, subject = row["kind"], row["subject"]
    if kind == "unit_cost":
        if inputs is None:
            raise KruispuntError(f"reference '{row['id']}' (unit_cost) needs the model inputs")
        s = [str(n) for n in inputs.coords.scenarios].index(scenario)
        cost = levelised_cost(inputs, str(subject), year, s)
        r = [str(n) for n in inputs.coords.routes].index(str(subject))
        per = inputs.coords.product_units[int(inputs.routes.product[r])]  # t, GJ, ...
        return cost * conversion_factor(f"EUR/{per}", str(row["unit"]))
    if kind == "base_year":
        if subject not in base:
            raise KruispuntError(f"no base-year figure '{subject}'")
        return base[subject]
    if kind == "route_start":
        return _route_year(results, scenario, subject)
    if kind == "closure":
        return _route_year(results, scenario, f"{subject}:closure")
    if year not in set(int(y) for y in ds["year"].values):
        return np.nan
    at = ds.sel(year=year)
    if kind == "renewable_hydrogen":
        if subject != "*":
            raise KruispuntError(
                f"validation reference '{row['id']}': renewable_hydrogen is national only "
                "(subject '*')"
            )
        pools = at["pool_use"].where(at["pool_resource"].astype(str) == "hydrogen", 0.0)
        tonnes = float(pools.sum()) / HYDROGEN_LHV_GJ_PER_T + float(at["hydrogen_bought"].sum())
        return tonnes * conversion_factor("t/yr", str(row["unit"]))
    if kind in ("emissions", "stored", "electricity"):
        if kind == "electricity":
            values = at["energy"].sel(carrier="electricity")
            per = "GJ/yr"
        else:
            values = at["direct_emissions" if kind == "emissions" else "stored_co2"]
            per = "t/yr"
        if subject != "*":
            sites = subject.split(";")
            unknown = sorted(set(sites) - set(ds["site"].values.astype(str)))
            if unknown:
                raise KruispuntError(f"validation reference names unknown site '{unknown[0]}'")
            values = values.where(at["site"].isin(sites), 0.0)
        return float(values.sum()) * conversion_factor(per, str(row["unit"]))
    raise KruispuntError(f"unknown reference kind '{kind}'")  # pragma: no cover


def validation_table(
    results: Results,
    references: pd.DataFrame,
    scenario: str = "current-policy",
    base_year: dict[str, float] | None = None,
    inputs: ModelInputs | None = None,
) -> pd.DataFrame:
    """Each reference beside the model: columns of the references plus ``model``, the
    difference to the nearer end of the published range (``difference``, 0 inside it) and
    ``within`` (the model figure inside the range). ``inputs``: the model inputs of the run
    (needed by ``unit_cost`` references)."""
    base = base_year or {}
    out = references.copy()
    model = [_model_value(results, scenario, row, base, inputs) for _, row in references.iterrows()]
    low = references["low"].astype(float).to_numpy()
    high = references["high"].astype(float).to_numpy()
    m = np.asarray(model, dtype=float)
    diff = np.where(m < low, m - low, np.where(m > high, m - high, 0.0))
    out["model"] = m
    out["difference"] = np.where(np.isnan(m), np.nan, diff)
    out["within"] = ~np.isnan(m) & (diff == 0.0)
    return out


def _fmt(value: float, unit: str) -> str:
    if np.isnan(value):
        return "never" if unit == "year" else "–"
    return f"{value:.0f}" if unit == "year" else f"{value:,.2f}"


def _model_text(row: pd.Series) -> str:
    return _fmt(float(row["model"]), str(row["unit"]))


def stale_explanations(table: pd.DataFrame) -> list[str]:
    """The rows of a :func:`validation_table` whose model figure, as the page shows it, is not
    the one their explanation was checked against (``explained_at``), each as ``"id: checked
    against X, the model now shows Y"``. A hand-written explanation cites figures of the model
    that a test cannot recompute; this is the guard that it is read again when they move.

    Examples
    --------
    >>> t = pd.DataFrame({"id": ["a", "b"], "unit": ["Mt/yr", "year"],
    ...                   "model": [36.371, np.nan], "explained_at": ["36.37", "2029"]})
    >>> stale_explanations(t)
    ['b: checked against 2029, the model now shows never']
    """
    out = []
    for _, row in table.iterrows():
        now, then = _model_text(row), str(row["explained_at"]).strip()
        if now != then:
            out.append(
                f"{row['id']}: checked against {then or '(nothing)'}, the model now shows {now}"
            )
    return out


def render_markdown(table: pd.DataFrame, header: str) -> str:
    """The validation page as Markdown."""
    lines = [header, ""]
    lines += [
        "| what | published | model | difference | scope | source | why they differ |",
        "|---|---|---|---|---|---|---|",
    ]
    fmt: Callable[[float, str], str] = _fmt
    for row in table.itertuples():
        unit = str(row.unit)
        lo, hi = float(str(row.low)), float(str(row.high))
        published = fmt(lo, unit) if lo == hi else f"{fmt(lo, unit)}–{fmt(hi, unit)}"
        model = fmt(float(str(row.model)), unit)
        difference = fmt(float(str(row.difference)), unit).replace("never", "–")
        diff = "within" if row.within else difference
        source = f"[{row.source_title}]({row.url}), {row.publisher}, {row.date}"
        what = f"{row.id} ({unit})"
        lines.append(
            f"| {what} | {published} | {model} | {diff} | {row.scope} | {source} | "
            f"{row.explanation} |"
        )
    return "\n".join(lines) + "\n"
