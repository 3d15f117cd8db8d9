"""Outcomes and trajectories of a batch of runs, computed through :mod:`kruispunt.metrics`.

Units: ``emissions`` and ``ccs_use`` MtCO2/yr, ``cumulative_emissions`` MtCO2,
``production_retained`` fraction (the share of demand produced domestically, relative to that
share in the first model year), ``government_cost`` MEUR
(summed over the years, not discounted), ``electricity_demand`` TWh/yr, ``grid_waiting`` MW.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from kruispunt import metrics
from kruispunt.results import Results
from kruispunt.uncertainty.spec import Outcome
from kruispunt.vocabulary import SCENARIO


def _by_year(frame: pd.DataFrame, column: str) -> pd.DataFrame:
    """(scenario x year) table of ``column``, summed (scenarios and years sorted)."""
    return frame.groupby([SCENARIO, "year"])[column].sum().unstack("year")


class _Metrics:
    """Each metric frame computed once per batch, on first use."""

    def __init__(self, results: Results) -> None:
        self.results = results
        self._cache: dict[str, pd.DataFrame] = {}

    def table(self, key: str) -> pd.DataFrame:
        if key not in self._cache:
            r = self.results
            if key == "emissions":
                t = _by_year(metrics.emissions(r), "emissions_mtco2")
            elif key == "ccs_use":
                t = _by_year(metrics.emissions(r, kind="stored"), "emissions_mtco2")
            elif key == "electricity_demand":
                t = _by_year(metrics.energy_demand(r, carrier="electricity"), "energy_twh")
            elif key == "grid_waiting":
                t = _by_year(metrics.grid_waiting(r), "waiting_mw")
            elif key.startswith("government_cost:"):
                flows = key.split(":")[1]
                t = _by_year(metrics.government_cost(r, flows=flows), "cost_meur")  # type: ignore[arg-type]
            elif key == "production":
                t = metrics.production_and_imports(r)
            else:  # pragma: no cover - guarded by the spec's Literal
                raise KeyError(key)
            self._cache[key] = t
        return self._cache[key]


def _span(t: pd.DataFrame, o: Outcome) -> pd.Series:
    """Sum over the years ``from_year .. to_year`` of a (scenario x year) table."""
    lo, hi = o.from_year or 0, o.to_year or 0
    years = [y for y in t.columns if lo <= int(y) <= hi]
    return t[years].sum(axis=1)


def _retained(t: pd.DataFrame, product: str, year: int) -> pd.Series:
    """Share of demand for ``product`` produced domestically in ``year``, relative to that
    share in the first model year, per scenario [fraction]: 1 where the plants make as much
    of demand as at the start. Units closed before the start (an event, e.g. SABIC's
    Olefins 3 in 2024) stay in demand and out of production, so the plain share starts below
    1 and would count them as lost in every future."""
    rows = t[t["product"] == product]
    first = int(rows["year"].min())
    at = rows[rows["year"].isin([first, year])].set_index(["year", SCENARIO])
    with np.errstate(divide="ignore", invalid="ignore"):
        share = at["domestic"] / at["demand"].where(at["demand"] > 0)
    in_year = share.index.get_level_values("year")
    start = share[in_year == first].droplevel("year")
    return share[in_year == year].droplevel("year") / start.where(start > 0)


def outcome_values(results: Results, outcomes: Sequence[Outcome]) -> pd.DataFrame:
    """One row per scenario, one column per outcome (in the order given).

    Examples
    --------
    >>> from kruispunt.testing import synthetic_results
    >>> from kruispunt.uncertainty.spec import Outcome
    >>> r = synthetic_results(n_plants=3, years=range(2025, 2031))
    >>> o = Outcome(name="e", metric="emissions", year=2030)
    >>> outcome_values(r, [o]).columns.tolist()
    ['e']
    """
    m = _Metrics(results)
    scen = results.scenarios
    out = pd.DataFrame(index=pd.Index(scen, name=SCENARIO))
    for o in outcomes:
        if o.metric in ("emissions", "ccs_use", "electricity_demand", "grid_waiting"):
            t = m.table(o.metric)
            col = t[o.year] if o.year in t.columns else pd.Series(np.nan, index=t.index)
        elif o.metric == "cumulative_emissions":
            t = m.table("emissions")
            col = _span(t, o)
        elif o.metric == "government_cost":
            t = m.table(f"government_cost:{o.flows}")
            col = _span(t, o)
        else:  # production_retained
            col = _retained(m.table("production"), str(o.product), int(o.year or 0))
        out[o.name] = col.reindex(scen).to_numpy(dtype=np.float64)
    return out


def trajectory_values(results: Results, names: Sequence[str]) -> pd.DataFrame:
    """Long table ``scenario, metric, year, value`` of the yearly indicators ``names``."""
    m = _Metrics(results)
    frames = []
    for name in names:
        t = m.table(name)
        long = pd.Series(t.stack(), name="value").reset_index()
        long.insert(1, "metric", name)
        frames.append(long)
    if not frames:
        return pd.DataFrame({SCENARIO: [], "metric": [], "year": [], "value": []})
    return pd.concat(frames, ignore_index=True)
