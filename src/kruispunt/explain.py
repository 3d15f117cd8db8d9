"""Why a site chose what it chose: every option's value, its terms, its feasibility and the
reason it was or was not taken, in one decision year.

``explain(site, scenario, year)`` runs the scenario with an observer on the engine's year
loop (:class:`kruispunt.engine.simulate.YearView`) and reads the decision of the site's
plants in that year from the engine's own valuation, so the breakdown is exactly what the
plants weighed. Terms are contributions to an option's value [EUR/yr]: revenue positive,
costs negative (operating cost: energy and feedstock at market prices, CO2 transport and
storage, variable opex; the biomass supply's step price on the biomass burnt; one term per
policy instrument; fixed opex; the capital annuity; the
write-off of the current asset). Their sum is the option's value before support and before the
tie-breakers (a plant stays on its route, and does not close, at equal value).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from kruispunt.assemble import build_inputs
from kruispunt.catalogue.load import Catalogue, load_catalogue
from kruispunt.engine.simulate import YearView, run_batch
from kruispunt.engine.valuation import OPERATING, STAY_BONUS, STAY_WINDOW, SUPPLY
from kruispunt.errors import KruispuntError, unknown_site
from kruispunt.inputs import ModelInputs
from kruispunt.policy.base import Instrument
from kruispunt.policy.registry import INSTRUMENTS
from kruispunt.scenarios import Scenario, resolve
from kruispunt.vocabulary import (
    FAMILIES,
    FAMILY,
    NEVER,
    RESOURCE_UNITS,
    RESOURCES,
    SWITCH_REASONS,
)

__all__ = ["Explanation", "explain"]

_TERMS_FIRST = ("revenue", "contracts", OPERATING, SUPPLY)
_TERMS_LAST = (STAY_WINDOW, "fixed", "capital", "writeoff", "exit_option")


@dataclass(frozen=True)
class Explanation:
    """The decision of a site's plants in one year.

    Attributes
    ----------
    site, scenario, year : what was explained.
    options : DataFrame
        One row per plant and option: ``plant``, ``route``, ``family``, ``current``,
        ``feasible``, ``feasibility`` (why not, or the year it can start), ``value``
        [EUR/yr, before support], one column per term [EUR/yr], ``support`` [EUR/yr awarded to
        the option], ``chosen`` and ``reason``.
    history : DataFrame
        The site's plants' route and switch reason in every model year.
    """

    site: str
    scenario: str
    year: int
    options: pd.DataFrame
    history: pd.DataFrame
    terms: tuple[str, ...] = field(default=())

    def to_text(self) -> str:
        """A plain-text table for the command line (MEUR/yr)."""
        lines = [f"{self.site} in {self.year} ({self.scenario}); values in MEUR/yr"]
        for plant, part in self.options.groupby("plant", sort=False):
            lines.append(f"\n{plant}")
            cols = ["route", "value", *self.terms, "support"]
            table = part[cols].copy()
            for col in ("value", *self.terms, "support"):
                table[col] = (table[col] / 1e6).round(2)
            table.insert(0, "", np.where(part["chosen"], "*", ""))
            lines.append(table.to_string(index=False))
            for row in part.itertuples():
                lines.append(f"  {row.route}: {row.reason}")
        return "\n".join(lines)


class _Recorder:
    """Observer that keeps the site's plants' decision in the target year."""

    def __init__(self, plants: list[int], year: int) -> None:
        self.plants = plants
        self.year = year
        self.frame: pd.DataFrame | None = None

    def __call__(self, view: YearView) -> None:
        years = view.ctx.inputs.coords.years
        if int(years[view.i]) != self.year:
            return
        self.frame = _options_frame(view, self.plants)


def _feasibility(view: YearView, p: int, k: int) -> str:
    """Why option ``k`` of plant ``p`` cannot be taken this year ('' when it can)."""
    inp = view.ctx.inputs
    routes = inp.routes
    r = int(view.valuation.opt[p, k])
    year = int(inp.coords.years[view.i])
    start = year + int(routes.lead_time[r])
    if r == int(view.state.route[0, p]):
        return ""
    decide_from = int(inp.levers.decide_from[0])
    if year < decide_from:  # as Valuation.feasible: the years before are history
        return f"history: plants decide for themselves from {decide_from} (decisions_from)"
    if start < int(routes.earliest_year[r]):
        return f"available from {int(routes.earliest_year[r])} (start {start} with lead time)"
    permitted = inp.permitted(view.i)
    if permitted is not None and not permitted[0, r]:
        own = int(inp.levers.permits_from[0, r])
        if own >= 0:
            return f"no permit for a new installation before {own} (permits_from)"
        return "no permit for a new installation (new_permits: nitrogen deposition)"
    h2 = int(inp.pools.hydrogen_year[0, inp.plants.cluster[p]])
    if view.ctx.route.hydrogen[r, view.i] > 0 and start < h2:
        return "no hydrogen network connection" if h2 >= NEVER else f"hydrogen network from {h2}"
    if not inp.levers.route_allowed[0, r] and routes.family[r] != FAMILY["closure"]:
        return "switched off by the scenario"
    hold = int(inp.levers.hold_year[0, p])
    if start < hold and routes.family[r] != FAMILY["closure"]:
        return f"runs its campaign until {hold} (start {start} with lead time)"
    only, pair = routes.retrofit_only, routes.retrofit_pair
    cur = int(view.state.route[0, p])
    if only is not None and pair is not None and only[r] and pair[r, cur] < 0:
        bases = ", ".join(inp.coords.routes[b] for b in np.flatnonzero(pair[r] >= 0))
        return f"only added to a running {bases} (retrofit)"
    st = view.state
    if st.locked[0, p]:  # as Valuation.feasible: onward only by a retrofit that emits less
        emitted = view.ctx.route.mix.emitted[0, :, view.i]  # the run's own mix
        retrofit = pair is not None and pair[r, cur] >= 0
        if routes.family[r] == FAMILY["closure"] or emitted[r] >= emitted[cur] or not retrofit:
            until = int(st.locked_until[0, p])
            return (
                f"bound to its decided project until {until} "
                "(only an addition to it that emits less)"
            )
    return ""


def _reason(view: YearView, p: int, k: int, chosen_k: int, detail: dict[str, float]) -> str:
    st = view.state
    cur_k = int(np.argmax(view.valuation.opt[p] == st.route[0, p]))
    if st.closed[0, p]:
        return "closed"
    if st.pending[0, p] >= 0:
        route = view.ctx.inputs.coords.routes[int(st.pending[0, p])]
        return f"building {route}, running from {int(st.pending_start[0, p])}"
    if detail["infeasible"]:
        return f"not possible: {detail['infeasible']}"
    if k == chosen_k:
        support = [
            name
            for name, (won, pick) in view.evaluation.won.items()
            if won[0, p] and pick[0, p] == k
        ]
        how = f" with {', '.join(support)} support" if support else ""
        if k == cur_k:
            return "stays: no option is worth more" + how
        return f"chosen: the highest value{how}"
    if view.choice.refused[0, p, k]:
        return _refusal(view, p, k)
    gap = detail["chosen_value"] - detail["value"]
    below = f"{gap / 1e6:,.2f} MEUR/yr below the chosen option"
    ev = view.evaluation
    if ev.low_carbon[0, p, k] and not ev.supportable[0, p, k]:
        # docs/model.md, "Support pays once for a route"
        return below + " (a route it left: no support to go back)"
    if ev.storage_from is not None:  # docs/model.md, "support for capture needs a store"
        inp = view.ctx.inputs
        r = int(view.valuation.opt[p, k])
        t0 = min(view.i + int(inp.routes.lead_time[r]), len(inp.coords.years) - 1)
        first = int(ev.storage_from[0, p, k])
        if first > int(inp.coords.years[t0]):
            when = "" if first >= NEVER else f" before {first}"
            return below + f" (no CO2 store can take the CO2 it would capture{when})"
    return below


def _amount(value: float, unit: str) -> str:
    return f"{value:,.1f} {unit}" if unit == "MW" else f"{value:,.0f} {unit}"


def _refusal(view: YearView, p: int, k: int) -> str:
    """Which scarce capacity refused option ``k`` of plant ``p``: per resource, what the
    option asks from its start year and what each pool open to the plant has left over the
    claim's years after this year's grants (or the year it opens to the plant)."""
    inp = view.ctx.inputs
    pools, infra = inp.pools, view.infra
    years = inp.coords.years
    bits = int(view.choice.refused_by[0, p, k])
    r = int(view.valuation.opt[p, k])
    at = np.array([p])
    peak = infra.peak_production(view.i)[0, at]
    demand, start = infra.demand(view.i, np.array([r]), view.state.route[0, at], peak, plants=at)
    t0 = int(start[0])
    first = int(years[t0])
    parts = []
    for res, name in enumerate(RESOURCES):
        if not bits & (1 << res):
            continue
        unit = RESOURCE_UNITS[name]
        asks = float(demand[res, 0])
        found = []
        for q in np.flatnonzero((pools.resource == res) & pools.plants[:, p]):
            opens = int(infra.access[0, q, p])
            if opens > int(years[-1]):
                continue  # another cluster's, or a store the plant may never use
            if opens > first:
                found.append(f"{pools.names[q]} open to it from {opens}")
                continue
            left = infra.room_left(0, int(q), t0)
            fits = next(
                (
                    int(years[t])
                    for t in range(t0 + 1, len(years))
                    if infra.room_left(0, int(q), t) >= asks
                ),
                None,
            )
            text = f"{pools.names[q]} {_amount(left, unit)} left"
            found.append(text + (f", room for it from {fits}" if fits is not None else ""))
        where = ", ".join(found) or "no pool open to it"
        parts.append(f"{name} (asks {_amount(asks, unit)} from {first}; {where})")
    if not parts:
        return "refused scarce capacity: waits"
    return f"refused scarce capacity: {'; '.join(parts)}: waits"


def _options_frame(view: YearView, plants: list[int]) -> pd.DataFrame:
    valuation = view.valuation
    inp = view.ctx.inputs
    # the terms of the values the year's decisions were made on: worked out again after
    # the year's rounds, an instrument that learns from a round (the RFNBO obligation's
    # expected premium) would give other terms than the engine weighed
    ov = view.values  # the engine works the terms out whenever an observer runs
    prod = ov.production
    rows = []
    for p in plants:
        chosen_k = int(view.choice.option[0, p])
        for k in range(valuation.opt.shape[1]):
            if not valuation.opt_valid[p, k]:
                continue
            r = int(valuation.opt[p, k])
            closure = bool(valuation.opt_closure[p, k])
            terms: dict[str, float] = {}
            for name, arr in ov.terms.items():
                per_year = name in (
                    "revenue",
                    "contracts",
                    "exit_option",
                    "fixed",
                    "capital",
                    "writeoff",
                )
                amount = float(arr[0, p, k]) if per_year else float(arr[0, p, k] * prod[0, p, k])
                if closure and name != "writeoff":
                    amount = 0.0  # a closed plant earns and pays nothing but the write-off
                terms[name] = amount if name in ("revenue", "contracts", "exit_option") else -amount
            infeasible = _feasibility(view, p, k)
            # the engine's value less its tie-breakers (staying +, closing -)
            bonus = STAY_BONUS * float(inp.plants.capacity[p])
            raw = float(ov.value[0, p, k])
            current = bool(r == view.state.route[0, p])
            value = raw - bonus * current + bonus * closure
            supported = float(view.supported[0, p, k])
            detail = {
                "infeasible": infeasible,
                "value": value,
                "chosen_value": float(view.supported[0, p, chosen_k]),
            }
            rows.append(
                {
                    "plant": inp.coords.plants[p],
                    "route": inp.coords.routes[r],
                    "family": FAMILIES[int(inp.routes.family[r])],
                    "current": current,
                    "feasible": not infeasible,
                    "feasibility": infeasible,
                    "value": value,
                    **terms,
                    "support": supported - raw
                    if np.isfinite(supported) and not infeasible
                    else 0.0,
                    "chosen": k == chosen_k
                    and not view.state.closed[0, p]
                    and view.state.pending[0, p] < 0,
                    "reason": _reason(view, p, k, chosen_k, detail),  # type: ignore[arg-type]
                }
            )
    return pd.DataFrame(rows)


def _history(
    inputs: ModelInputs, outputs_route: np.ndarray, reasons: np.ndarray, plants: list[int]
) -> pd.DataFrame:
    c = inputs.coords
    rows = []
    for p in plants:
        for i, year in enumerate(c.years):
            rows.append(
                {
                    "plant": c.plants[p],
                    "year": int(year),
                    "route": c.routes[int(outputs_route[i, 0, p])],
                    "switch_reason": SWITCH_REASONS[int(reasons[i, 0, p])],
                }
            )
    return pd.DataFrame(rows)


def explain(
    site: str,
    scenario: str | Scenario = "current-policy",
    year: int | None = None,
    *,
    catalogue: Catalogue | None = None,
    data: Path | str | None = None,
    inputs: ModelInputs | None = None,
    instruments: Sequence[type[Instrument]] = INSTRUMENTS,
) -> Explanation:
    """Explain the decision of ``site``'s plants in ``year`` of ``scenario``.

    Parameters
    ----------
    site : str
        Site id (``sites.csv`` of the data package).
    scenario : str or Scenario
        A default scenario name, a scenario file, or a resolved scenario.
    year : int, optional
        Decision year; default: the first year any of the site's plants decides to switch
        (else the first model year).
    catalogue, data, inputs : optional
        A loaded catalogue, a data-package folder, or ready-made inputs of one scenario.

    Raises
    ------
    KruispuntError
        If the site or year is unknown.
    """
    if inputs is None:
        cat = catalogue if catalogue is not None else load_catalogue(data)
        resolved = [scenario] if isinstance(scenario, Scenario) else resolve([scenario], cat.path)
        inputs = build_inputs(cat, resolved)
    c = inputs.coords
    plants = [p for p, s in enumerate(c.plant_site) if s == site]
    if not plants:
        raise unknown_site(site, c.plant_site)
    years = [int(y) for y in c.years]
    if year is not None and year not in years:
        raise KruispuntError(f"year {year} is outside the model years {years[0]}-{years[-1]}")
    first = run_batch(inputs.select([0]), instruments)
    route = first.route_index
    if year is None:
        year = years[_first_decision_index(inputs, route, plants)]
    recorder = _Recorder(plants, year)
    out = run_batch(inputs.select([0]), instruments, observer=recorder)
    assert recorder.frame is not None
    names = list(recorder.frame.columns)
    terms = tuple(
        [t for t in _TERMS_FIRST if t in names]
        + [
            t
            for t in names
            if t not in (*_TERMS_FIRST, *_TERMS_LAST) and t in _instrument_terms(instruments)
        ]
        + [t for t in _TERMS_LAST if t in names]
    )
    return Explanation(
        site=site,
        scenario=c.scenarios[0],
        year=year,
        options=recorder.frame,
        history=_history(inputs, out.route_index, out.switch_reason, plants),
        terms=terms,
    )


def _instrument_terms(instruments: Sequence[type[Instrument]]) -> set[str]:
    return {cls.name for cls in instruments}


def _first_decision_index(
    inputs: ModelInputs, route: np.ndarray[Any, Any], plants: list[int]
) -> int:
    """The index of the first year any of ``plants`` decides to switch in the run's routes
    ``route`` ``(Y, 1, P)``: each switch was decided its route's lead time before it starts
    (a closure, a year's notice), so a later switch with a longer lead may be decided first;
    0 if none switches."""
    from kruispunt.engine.decide import CLOSURE_NOTICE

    routes = inputs.routes
    first = route.shape[0]
    for i in range(1, route.shape[0]):
        for p in plants:
            r = int(route[i, 0, p])
            if r == int(route[i - 1, 0, p]):
                continue
            closing = routes.family[r] == FAMILY["closure"]
            lead = CLOSURE_NOTICE if closing else int(routes.lead_time[r])
            first = min(first, max(i - lead, 0))
    return 0 if first == route.shape[0] else first
