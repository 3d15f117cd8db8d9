"""The data behind the dashboard's pages and API, read from the store through the metrics.

Stored runs never change, so a loaded run and every chart built from it are kept in small
caches keyed by run id (least recently used first out); a page for a run already seen costs a
dictionary lookup. A run's header and key indicators come from the summary the store saved
with it (:func:`kruispunt.metrics.run_summary`), so showing or comparing runs reads no
results. Problems with a request become :class:`NotFound` (404) or :class:`BadInput` (422),
each naming the parameter at fault.

Nothing here imports the web framework.
"""

from __future__ import annotations

import importlib
import math
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import numpy as np
import pandas as pd
from pydantic import ValidationError

from kruispunt import metrics
from kruispunt.catalogue.load import Catalogue
from kruispunt.display import compared, number
from kruispunt.errors import KruispuntError
from kruispunt.reports import RunMeta
from kruispunt.reports.charts import (
    CHARTS,
    Run,
    aligned_scenarios,
    figure,
    pool_label,
    site_costs_figure,
    site_map,
    site_route_figure,
    to_json,
)
from kruispunt.reports.html import pool_rows, provenance_descriptions
from kruispunt.reports.labels import label
from kruispunt.results import Results
from kruispunt.scenarios import Scenario
from kruispunt.schemas.config import ScenarioFile, year_keys
from kruispunt.store import Store
from kruispunt.vocabulary import SCENARIO

__all__ = [
    "BadInput",
    "ExplainView",
    "NotFound",
    "RequestError",
    "RunCache",
    "explain_view",
    "site_locations",
]

T = TypeVar("T")
Loc = tuple[str | int, ...]


class RequestError(KruispuntError):
    """A request the dashboard cannot answer: HTTP ``status``, the parameter at fault."""

    status = 400

    def __init__(self, loc: Loc, message: str, more: list[tuple[Loc, str]] | None = None) -> None:
        self.loc = loc
        self.message = message
        self.items = [(loc, message), *(more or [])]
        super().__init__("; ".join(f"{'.'.join(str(p) for p in lc)}: {m}" for lc, m in self.items))


class NotFound(RequestError):
    """No such run, site, chart or job (404)."""

    status = 404


class BadInput(RequestError):
    """A parameter with a value the run does not have (422)."""

    status = 422


class _Memo:
    """A small thread-safe least-recently-used cache. A value is made once however many
    requests ask for it at the same time: the others wait for it (each key has its own lock,
    so other keys' requests are not held up). The key's lock is kept while any request for
    the key holds or waits for it, so that at most one maker of a key runs at a time, also
    when a maker fails (the next request in line then tries again)."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._items: OrderedDict[Any, Any] = OrderedDict()
        self._lock = threading.Lock()
        self._making: dict[Any, tuple[threading.Lock, list[int]]] = {}
        """Each key being asked for: its lock and how many requests hold or wait for it."""

    def _cached(self, key: Any) -> tuple[bool, Any]:
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return True, self._items[key]
            return False, None

    def get(self, key: Any, make: Callable[[], T]) -> T:
        found, value = self._cached(key)
        if found:
            return value  # type: ignore[no-any-return]
        with self._lock:
            making, users = self._making.setdefault(key, (threading.Lock(), [0]))
            users[0] += 1
        try:
            with making:  # one maker per key; the others find its value when they get here
                found, value = self._cached(key)
                if found:
                    return value  # type: ignore[no-any-return]
                value = make()
                with self._lock:
                    self._items[key] = value
                    while len(self._items) > self.size:
                        self._items.popitem(last=False)
        finally:
            with self._lock:
                users[0] -= 1
                if not users[0]:
                    del self._making[key]
        return value


def site_locations(sites: pd.DataFrame) -> pd.DataFrame:
    """Columns ``site``, ``latitude``, ``longitude`` from the data package's ``sites`` table."""
    return sites.rename(columns={"site_id": "site"})[["site", "latitude", "longitude"]]


@dataclass(frozen=True)
class ExplainView:
    """What the site page's explanation shows: the options the site's plants weighed in one
    decision year (a table, values in MEUR/yr), or a note saying why there is none.

    ``options`` holds the same rows unformatted (EUR/yr), for the API.
    """

    available: bool
    note: str
    year: int | None = None
    columns: list[str] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)
    chosen: list[bool] = field(default_factory=list)
    terms: list[str] = field(default_factory=list)
    options: list[dict[str, Any]] = field(default_factory=list)


def _scenario_of(results: Results, name: str) -> Scenario | None:
    """The resolved scenario a run recorded in its provenance, rebuilt (None if absent)."""
    entry = (results.provenance.get("scenarios") or {}).get(name)
    if not isinstance(entry, dict) or not isinstance(entry.get("levers"), dict):
        return None
    try:
        levers = ScenarioFile.model_validate(year_keys(entry["levers"]))
    except ValidationError:
        return None
    chain = tuple(str(c) for c in entry.get("chain") or (name,))
    return Scenario(name=name, levers=levers, chain=chain, origin=str(entry.get("origin", "")))


def explain_view(
    results: Results, site: str, scenario: str, catalogue: Catalogue, year: int | None = None
) -> ExplainView:
    """Why the site chose what it chose, from :func:`kruispunt.explain.explain`.

    The run's scenario is rebuilt from its provenance and run again, with the engine's own
    valuation observed in the decision year (default: the first year a plant of the site
    decides to switch). Only possible when the run was made with the data package the
    dashboard has loaded (same data hash); otherwise the note says so.
    """
    try:
        module = importlib.import_module("kruispunt.explain")
    except ImportError:
        return ExplainView(False, "This installation has no kruispunt.explain.")
    sc = _scenario_of(results, scenario)
    if sc is None:
        return ExplainView(
            False, f"The run does not record the resolved scenario '{scenario}' to replay."
        )
    data_hash = str(results.provenance.get("data_hash") or "")
    if data_hash != catalogue.data_hash:
        return ExplainView(
            False,
            f"The run was made with another data package ({data_hash[:12] or 'unknown'}, the "
            f"dashboard has {catalogue.data_hash[:12]}): replaying it would not explain this run.",
        )
    try:
        e = module.explain(site, sc, year, catalogue=catalogue)
    except KruispuntError as exc:
        return ExplainView(False, f"No explanation: {exc}")
    terms = [str(t) for t in e.terms]
    money = ["value", *terms, "support"]
    columns = [
        "Plant",
        "Option",
        "Family",
        *(f"{label('term', m)} [MEUR/yr]" for m in money),
        "Why",
    ]
    rows, chosen, options = [], [], []
    for rec in e.options.to_dict("records"):
        product = str(rec["plant"]).split("/")[-1]
        rows.append(
            [
                label("product", product),
                str(rec["route"]) + ("" if rec["feasible"] else " (not possible)"),
                label("family", str(rec["family"])),
                *(_meur(rec[m]) for m in money),
                str(rec["reason"]),
            ]
        )
        chosen.append(bool(rec["chosen"]))
        options.append({k: _plain(v) for k, v in rec.items()})
    note = (
        f"The options the site's plants weighed in {e.year}: each option's value per year and "
        "its terms (revenue positive, costs negative), before support; the chosen one marked."
    )
    return ExplainView(True, note, int(e.year), columns, rows, chosen, terms, options)


def _meur(value: Any) -> str:
    v = float(value) / 1e6
    return "–" if not math.isfinite(v) else f"{round(v, 1) + 0.0:,.1f}"  # no "-0.0"


def _plain(value: Any) -> Any:
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


class RunCache:
    """Stored runs and what the pages show of them.

    Parameters
    ----------
    store : Store
    locations : DataFrame
        Site coordinates (:func:`site_locations`) for the map.
    catalogue : Catalogue, optional
        The data package loaded, to replay a run for an explanation.
    """

    def __init__(
        self, store: Store, locations: pd.DataFrame, catalogue: Catalogue | None = None
    ) -> None:
        self.store = store
        self.locations = locations
        self.catalogue = catalogue
        self._results = _Memo(8)
        self._json = _Memo(256)
        self._data = _Memo(256)

    # --- runs -----------------------------------------------------------------------------

    def run_id(self, ref: str, loc: Loc = ("path", "run_id")) -> str:
        """The run id ``ref`` names (id, unique prefix, name or ``latest``)."""
        if not ref.strip():
            raise NotFound(loc, "no run given")
        try:
            return self.store.resolve(ref)
        except KruispuntError as exc:
            raise NotFound(loc, str(exc)) from None

    def results(self, run_id: str) -> Results:
        return self._results.get(run_id, lambda: self.store.load(run_id))

    def summary(self, run_id: str) -> dict[str, Any]:
        """The run's :func:`~kruispunt.metrics.run_summary`: as stored with the run, or
        computed from its results when the run has none made by this code."""
        return self._data.get(("summary", run_id), lambda: self._summary(run_id))

    def _summary(self, run_id: str) -> dict[str, Any]:
        stored = self.store.summary(run_id)
        scenarios = self.record(run_id).get("scenarios")
        if stored is not None and metrics.summary_is_current(stored, scenarios):
            # the parts are checked whole (not read): a damaged run is refused here as in
            # every view that reads it, not shown as if whole from the summary it had
            self.store.check(run_id)
            return stored
        return metrics.run_summary(self.results(run_id))

    def record(self, run_id: str) -> dict[str, Any]:
        return self.store.show(run_id)

    def meta(self, run_id: str) -> RunMeta:
        return RunMeta.from_record(self.record(run_id))

    def stored(self) -> list[dict[str, Any]]:
        """Stored runs, newest first."""
        frame = self.store.list()
        records = frame.to_dict("records")
        out = []
        for rec in reversed(records):
            name = rec.get("name")
            out.append(
                {
                    "run_id": str(rec["run_id"]),
                    "name": name if isinstance(name, str) and name else None,
                    "created": str(rec["created"]),
                    "scenarios": str(rec["scenarios"]),
                    "kruispunt_version": str(rec["kruispunt_version"]),
                    "data_hash": str(rec["data_hash"]),
                }
            )
        return out

    def scenario(self, run_id: str, scenario: str | None, loc: Loc = ("query", SCENARIO)) -> str:
        """``scenario`` if the run has it; the run's first scenario when None."""
        names: list[str] = self.summary(run_id)["scenarios"]
        if scenario is None:
            return names[0]
        if scenario not in names:
            raise BadInput(
                loc, f"run {run_id} has no scenario '{scenario}'; it has: " + ", ".join(names)
            )
        return scenario

    def year(self, run_id: str, year: int | None, loc: Loc = ("query", "year")) -> int | None:
        if year is None:
            return None
        years: list[int] = self.summary(run_id)["years"]
        if year not in years:
            raise BadInput(loc, f"year {year} is not in run {run_id} ({min(years)}-{max(years)})")
        return year

    def site(self, run_id: str, site: str, loc: Loc = ("path", "site")) -> str:
        names = metrics.site_names(self.results(run_id))
        if site not in names:
            raise NotFound(loc, f"run {run_id} has no site '{site[:80]}'")
        return site

    # --- what pages show ------------------------------------------------------------------

    def overview(self, run_id: str) -> dict[str, Any]:
        """Header, key indicators and scenario descriptions of a run."""
        return self._data.get(("overview", run_id), lambda: self._overview(run_id))

    def _overview(self, run_id: str) -> dict[str, Any]:
        summary = self.summary(run_id)
        record = self.record(run_id)
        ki = summary["key_indicators"]
        indicators = []
        for col, (text, unit) in metrics.KEY_INDICATORS.items():
            indicators.append(
                {
                    "key": col,
                    "label": text,
                    "unit": "%" if unit == "fraction" else unit,
                    "values": [number(v, unit) for v in ki[col]],
                }
            )
        return {
            "run_id": run_id,
            "name": record.get("name"),
            "created": record.get("created"),
            "kruispunt_version": record.get("kruispunt_version"),
            "data_hash": record.get("data_hash"),
            "euro_year": summary["euro_year"],
            "scenarios": summary["scenarios"],
            "descriptions": provenance_descriptions(
                record.get("provenance") or {}, summary["scenarios"]
            ),
            "indicators": indicators,
            "years": summary["years"],
        }

    def compare_pairs(self, a: str, b: str) -> list[tuple[str | None, ...]]:
        """The scenarios of runs ``a`` and ``b`` side by side, as the compared charts' views
        line them up (:func:`~kruispunt.reports.charts.aligned_scenarios`: the same name
        together, the others in order)."""
        return aligned_scenarios([self.summary(a)["scenarios"], self.summary(b)["scenarios"]])

    def compare_overview(self, a: str, b: str) -> list[dict[str, Any]]:
        """Key indicators of two runs, scenario pair by scenario pair
        (:meth:`compare_pairs`): A, B and B − A."""
        values_a, values_b = (
            {
                name: {col: column[i] for col, column in summary["key_indicators"].items()}
                for i, name in enumerate(summary["scenarios"])
            }
            for summary in (self.summary(a), self.summary(b))
        )
        rows = compared(values_a, values_b, self.compare_pairs(a, b), metrics.KEY_INDICATORS)
        return [
            {
                "label": label,
                "unit": unit,
                "cells": [{"a": x, "b": y, "diff": d} for x, y, d in cells],
            }
            for label, unit, cells in rows
        ]

    def chart(self, run_id: str, name: str) -> str:
        if name not in CHARTS:
            raise NotFound(
                ("path", "chart"), f"unknown chart '{name[:80]}'; charts: {', '.join(CHARTS)}"
            )
        return self._json.get(
            ("chart", run_id, name),
            lambda: to_json(figure(name, [Run("run", self.results(run_id))])),
        )

    def compare_chart(self, a: str, b: str, name: str) -> str:
        if name not in CHARTS:
            raise NotFound(
                ("path", "chart"), f"unknown chart '{name[:80]}'; charts: {', '.join(CHARTS)}"
            )
        return self._json.get(
            ("compare", a, b, name),
            lambda: to_json(figure(name, [Run("A", self.results(a)), Run("B", self.results(b))])),
        )

    def site_map(self, run_id: str, scenario: str, year: int | None) -> str:
        return self._json.get(
            ("map", run_id, scenario, year),
            lambda: to_json(site_map(self.results(run_id), scenario, self.locations, year)),
        )

    def sites(self, run_id: str, scenario: str, year: int) -> list[dict[str, Any]]:
        """The site table of a scenario and year, with names and labels."""
        return self._data.get(
            ("sites", run_id, scenario, year), lambda: self._sites(run_id, scenario, year)
        )

    def pools(self, run_id: str, scenario: str) -> list[dict[str, Any]]:
        """The scarce-capacity table of a scenario (each grid, CO2 store, hydrogen project
        and the biomass supply), as the report shows it."""
        return self._data.get(
            ("pools", run_id, scenario),
            lambda: [r for r in pool_rows(self.results(run_id)) if r[SCENARIO] == scenario],
        )

    def pool_series(self, run_id: str, scenario: str) -> list[dict[str, Any]]:
        """Each pool of scarce capacity of a scenario with its capacity and use year by year
        and the summary of :func:`kruispunt.metrics.pool_summary` (the HTTP API's pools):
        a capacity the data do not limit is None (JSON has no infinity), as is a share or
        year that does not exist."""
        return self._data.get(
            ("pool_series", run_id, scenario), lambda: self._pool_series(run_id, scenario)
        )

    def _pool_series(self, run_id: str, scenario: str) -> list[dict[str, Any]]:
        res = self.results(run_id)
        yearly = metrics.infrastructure_use(res, by="pool")
        yearly = yearly[yearly[SCENARIO] == scenario]
        summary = metrics.pool_summary(res)
        rows = summary[summary[SCENARIO] == scenario].to_dict("records")
        of_pool = {str(r["pool"]): r for r in rows}
        out = []
        for pool, g in yearly.groupby("pool", sort=False):
            s = of_pool[str(pool)]
            cluster = str(s["cluster"])
            out.append(
                {
                    "pool": str(pool),
                    "label": pool_label(res, str(pool), cluster),
                    "resource": str(s["resource"]),
                    "cluster": cluster,
                    "unit": str(s["unit"]),
                    "years": [int(y) for y in g["year"]],
                    "capacity": [_finite(c) for c in g["capacity"]],
                    "use": [float(u) for u in g["use"]],
                    "peak_use": float(s["peak_use"]),
                    "peak_year": _year_or_none(s["peak_year"]),
                    "max_utilisation_share": _finite(s["max_utilisation_share"]),
                    "max_utilisation_year": _year_or_none(s["max_utilisation_year"]),
                }
            )
        return out

    def _sites(self, run_id: str, scenario: str, year: int) -> list[dict[str, Any]]:
        res = self.results(run_id)
        table = metrics.site_table(res, year)
        table = table[table[SCENARIO] == scenario]
        names = metrics.site_names(res)
        clusters = metrics.cluster_names(res)
        return [
            {
                "site": str(r["site"]),
                "name": names.get(str(r["site"]), str(r["site"])),
                "cluster": clusters.get(str(r["cluster"]), str(r["cluster"])),
                "sector": ", ".join(
                    label("sector", s.strip()) for s in str(r["sector"]).split(",")
                ),
                "routes": str(r["routes"]),
                "producing": bool(r["producing"]),
                "direct_emissions_ktco2": _finite(r["direct_emissions_ktco2"]),
                "net_cost_meur": _finite(r["net_cost_meur"]),
            }
            for r in table.to_dict("records")
        ]

    def site_detail(self, run_id: str, site: str, scenario: str) -> dict[str, Any]:
        """Route history, switches and costs of one site in one scenario."""
        return self._data.get(
            ("site_detail", run_id, site, scenario),
            lambda: self._site_detail(run_id, site, scenario),
        )

    def _site_detail(self, run_id: str, site: str, scenario: str) -> dict[str, Any]:
        res = self.results(run_id)
        hist = metrics.site_route_history(res, site)
        hist = hist[hist[SCENARIO] == scenario]
        states = self._data.get(("site_states", run_id), lambda: metrics.site_states(res))
        state = states[(states[SCENARIO] == scenario) & (states["site"] == site)].iloc[0]
        switches = [
            {
                "year": int(r["year"]),
                "plant": str(r["plant"]),
                "product": label("product", str(r["product"])),
                "route": str(r["route"]),
                "family": label("family", str(r["route_family"])),
                "reason": label("reason", str(r["switch_reason"])),
            }
            for r in hist[hist["switch_reason"] != "none"].to_dict("records")
        ]
        costs = self._data.get(("site_costs", run_id), lambda: metrics.costs(res, by="site"))
        costs = costs[(costs[SCENARIO] == scenario) & (costs["site"] == site)]
        totals = costs.groupby("item", sort=False)["cost_meur"].sum()
        clusters = metrics.cluster_names(res)
        return {
            "site": site,
            "name": str(state["site_name"]),
            "cluster": clusters.get(str(state["cluster"]), str(state["cluster"])),
            "plants": sorted({str(p) for p in hist["plant"]}),
            "switches": switches,
            "cost_totals": [
                {"item": label("item", str(k)), "total_meur": _finite(v)} for k, v in totals.items()
            ],
            "base_emissions_ktco2": _finite(state["base_emissions_ktco2"]),
        }

    def explain(self, run_id: str, site: str, scenario: str, year: int | None) -> ExplainView:
        """The site's decision in ``year`` (default: its first switch), replayed once."""
        if self.catalogue is None:
            return ExplainView(False, "No data package is loaded to replay the run.")
        catalogue = self.catalogue
        return self._data.get(
            ("explain", run_id, site, scenario, year),
            lambda: explain_view(self.results(run_id), site, scenario, catalogue, year),
        )

    def site_chart(self, run_id: str, site: str, scenario: str, kind: str) -> str:
        make = {"routes": site_route_figure, "costs": site_costs_figure}
        if kind not in make:
            raise NotFound(
                ("path", "kind"), f"unknown site chart '{kind[:40]}'; allowed: routes, costs"
            )
        return self._json.get(
            ("site", run_id, site, scenario, kind),
            lambda: to_json(make[kind](self.results(run_id), site, scenario)),
        )


def _finite(value: Any) -> float | None:
    v = float(value)
    return v if math.isfinite(v) else None


def _year_or_none(value: Any) -> int | None:
    return None if pd.isna(value) else int(value)
