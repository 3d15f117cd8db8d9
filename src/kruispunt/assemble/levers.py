"""Scenario levers that act on plants directly (routes switched off, committed projects,
seeds) and on their finance (cost of capital, risk sharing, expectations)."""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial
from typing import Any, cast

import numpy as np
import numpy.typing as npt
import pandas as pd

from kruispunt.assemble.plants import PlantBundle
from kruispunt.assemble.routes import RouteBundle
from kruispunt.assemble.tables import Tables
from kruispunt.errors import KruispuntError
from kruispunt.inputs import Finance, Levers
from kruispunt.scenarios import Scenario
from kruispunt.vocabulary import FAMILY

F = npt.NDArray[np.float64]
B = npt.NDArray[np.bool_]


def build_finance(tables: Tables, scenarios: Sequence[Scenario]) -> Finance:
    """Cost of capital (the data package's unless a scenario sets it), risk sharing and
    expectations of every scenario."""
    default = tables.policy_scalar("finance.discount_rate")
    rate = [
        sc.levers.discount_rate if sc.levers.discount_rate is not None else default
        for sc in scenarios
    ]
    return Finance(
        discount_rate=np.array(rate, dtype=float),
        risk_sharing=np.array([sc.levers.risk_sharing for sc in scenarios], dtype=float),
        myopic=np.array([sc.levers.expectations == "myopic" for sc in scenarios], dtype=bool),
    )


def _named(item: str, ids: npt.NDArray[np.str_], family: npt.NDArray[np.int64]) -> B:
    """The routes ``(R,)`` a scenario names by route id or by family (``routes_off``,
    ``permits_from``)."""
    return np.asarray((ids == item) | (family == FAMILY.get(item, -1)), dtype=bool)


def build_levers(
    tables: Tables,
    scenarios: Sequence[Scenario],
    rb: RouteBundle,
    pb: PlantBundle,
    years: npt.NDArray[np.int64],
) -> Levers:
    """Routes each scenario allows, the projects it keeps (commitments table), the events to
    date it applies (:func:`apply_events`) and its seed."""
    S, R, P = len(scenarios), len(rb.ids), len(pb.table)
    family = rb.routes.family
    ids = np.array(rb.ids)
    r_of = {r: i for i, r in enumerate(rb.ids)}
    allowed = np.ones((S, R), dtype=bool)
    permits_from = np.full((S, R), -1, dtype=np.int64)
    commit_route = np.full((S, P), -1, dtype=np.int64)
    commit_year = np.zeros((S, P), dtype=np.int64)
    follow_route = np.full((S, P), -1, dtype=np.int64)
    follow_year = np.zeros((S, P), dtype=np.int64)
    hold_year = np.zeros((S, P), dtype=np.int64)
    keys = pb.keys
    excluded = [rb.ids[r] for r in np.flatnonzero(~rb.complete)]
    committed = -1  # the first scenario that keeps the commitments: the others copy its rows
    for s, sc in enumerate(scenarios):
        lv = sc.levers
        for item in lv.routes_off:
            allowed[s] &= ~_named(item, ids, family)
        # a family's year first, then a route's own (a route id wins over its family)
        for item, year in sorted(lv.permits_from.items(), key=lambda kv: kv[0] in r_of):
            permits_from[s, _named(item, ids, family)] = year
        if not lv.commitments:
            continue
        if committed >= 0:
            commit_route[s], commit_year[s] = commit_route[committed], commit_year[committed]
            continue
        committed = s
        for row in tables.catalogue.commitments.itertuples():
            route = str(row.route_id)
            if not rb.complete[r_of[route]]:
                raise KruispuntError(
                    f"commitments.csv: {row.site_id}/{row.product_id}/{row.unit_id} is committed "
                    "to route "
                    f"'{route}', which the model cannot run (incomplete data or a carrier "
                    f"without a price: {', '.join(excluded)})"
                )
            p = keys[(str(row.site_id), str(row.product_id), str(row.unit_id))]
            commit_route[s, p] = r_of[route]
            commit_year[s, p] = int(cast(int, row.start_year))
    availability = np.ones((S, P, len(years)))
    commit_grant = np.zeros((S, P))
    events = tables.catalogue.tables.get("events")
    # scenarios with the same events lever and the same commitments get the same rows: the
    # events are applied once per such pair, to its first scenario, and copied (ensembles)
    first: dict[tuple[str, bool], int] = {}
    # every per-scenario array the events write: a copied scenario gets all of them
    written: tuple[npt.NDArray[Any], ...] = (
        availability,
        commit_route,
        commit_year,
        follow_route,
        follow_year,
        hold_year,
        commit_grant,
    )
    for s, sc in enumerate(scenarios):
        if events is not None and sc.levers.events != "none":
            key = (sc.levers.events, bool(sc.levers.commitments))
            if key in first:
                for array in written:
                    array[s] = array[first[key]]
                continue
            first[key] = s
            # a pure function of the data package, the years and the key: worked out once
            # for an ensemble's batches (:meth:`Tables.memo`)
            start = (commit_route[s].copy(), commit_year[s].copy())
            compute = partial(_events_rows, events, sc.levers.events, pb, r_of, years, *start)
            rows = tables.memo(("events_applied", *key, years.tobytes()), compute)
            for array, values in zip(written, rows, strict=True):
                array[s] = values
    return Levers(
        route_allowed=allowed,
        commit_route=commit_route,
        commit_year=commit_year,
        follow_route=follow_route,
        follow_year=follow_year,
        hold_year=hold_year,
        decide_from=np.array([sc.levers.decisions_from or 0 for sc in scenarios], dtype=np.int64),
        commit_grant=commit_grant,
        seeds=np.array([sc.seed for sc in scenarios], dtype=np.int64),
        permits_from=permits_from,
        availability=availability,
    )


def _events_rows(
    events: pd.DataFrame,
    lever: str,
    pb: PlantBundle,
    r_of: dict[str, int],
    years: npt.NDArray[np.int64],
    commit_route: npt.NDArray[np.int64],
    commit_year: npt.NDArray[np.int64],
) -> tuple[npt.NDArray[np.generic], ...]:
    """One scenario's rows after the events its ``events`` lever applies
    (:func:`apply_events`), from its commitments ``commit_route`` and ``commit_year``
    ``(P,)`` (changed in place): availability, commit route and year, follow-up route and
    year, hold year and the committed grant, in :func:`build_levers`' order."""
    P = len(pb.table)
    availability = np.ones((P, len(years)))
    follow_route = np.full(P, -1, dtype=np.int64)
    follow_year = np.zeros(P, dtype=np.int64)
    hold_year = np.zeros(P, dtype=np.int64)
    applied = applied_events(events, lever)
    apply_events(
        applied,
        pb,
        r_of,
        years,
        availability,
        commit_route,
        commit_year,
        (follow_route, follow_year),
        hold_year,
    )
    paid = plant_money(applied, pb, years)
    grant = np.where(commit_route >= 0, paid.sum(axis=1), 0.0)
    return availability, commit_route, commit_year, follow_route, follow_year, hold_year, grant


MONEY_KINDS = ("maatwerk", "support_award")
"""Event kinds that carry public money (``public_money`` per payment year)."""


def plant_money(events: pd.DataFrame, pb: PlantBundle, years: npt.NDArray[np.int64]) -> F:
    """Public money of ``events`` (already filtered to what a scenario applies) that names a
    modelled plant, per plant and payment year ``(P, Y)`` [EUR of the model]: maatwerk and
    support awards whose site (and product and unit, where given) match a plant; money for a
    whole site or product is split over its plants by base-year production. Payments before
    the first model year are left out (paid already)."""
    out = np.zeros((len(pb.table), len(years)))
    if "public_money" not in events.columns:
        return out
    rows = events[events["public_money"].notna() & events["kind"].isin(MONEY_KINDS)]
    weight = np.asarray(pb.plants.base_production, dtype=np.float64)
    for row in rows.itertuples():
        hit = named_plants(pb, row)
        at = years == int(cast(int, row.year))
        if not hit.any() or not at.any():
            continue
        w = np.where(hit, weight, 0.0)
        share = w / w.sum() if w.sum() > 0 else hit / hit.sum()
        out[:, at] += share[:, None] * float(cast(float, row.public_money))
    return out


def named_plants(pb: PlantBundle, row: Any) -> npt.NDArray[np.bool_]:
    """The plants an events row names ``(P,)``: its site's plants, of its product and unit
    where given; none for a row without a site."""
    site, product, unit = _text(row.site_id), _text(row.product_id), _text(row.unit_id)
    ids = pb.ids
    if not site:
        return np.zeros(len(pb.table), dtype=bool)
    hit = ids["site_id"] == site
    if product:
        hit &= ids["product_id"] == product
    if unit:
        hit &= ids["unit_id"] == unit
    return np.asarray(hit, dtype=bool)


def applied_events(events: pd.DataFrame, choice: str) -> pd.DataFrame:
    """The rows of ``events.csv`` a scenario's ``events`` lever applies: decided ones; also
    announced ones with ``announced``; none with ``none``."""
    statuses = {"decided": ("decided",), "announced": ("decided", "announced"), "none": ()}
    return events[events["status"].astype(str).isin(statuses[choice])]


def _number(value: object) -> float:
    """A cell as a float, NaN when empty."""
    try:
        return float(cast(float, value))
    except (TypeError, ValueError):
        return float("nan")


def _text(value: object) -> str:
    """A cell as text, '' when empty (None, NaN or pandas' NA: a string column's empty cell
    is ``pd.NA``, whose text "<NA>" would name no unit and silently match no plant)."""
    if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
        return ""
    return str(value)


def apply_events(
    events: pd.DataFrame,
    pb: PlantBundle,
    r_of: dict[str, int],
    years: npt.NDArray[np.int64],
    availability: npt.NDArray[np.float64],
    commit_route: npt.NDArray[np.int64],
    commit_year: npt.NDArray[np.int64],
    follow: tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]] | None = None,
    hold: npt.NDArray[np.int64] | None = None,
) -> None:
    """Apply events to one scenario's plants in place.

    A closure or an idling stops the plant from its year (an event before the first model year,
    from the first): it produces nothing and decides nothing; a closure for good, an idling
    until a later restart of the same plant. A capacity change with a value scales the plant's
    output from its year to ``value`` over its capacity. A route change commits the plant to the
    route from its year, as the commitments table does (a commitment of the commitments table
    for the same plant is kept); a later route change of a plant already committed is its
    follow-up project (``follow``: route and year, one per plant), which it starts once the
    first has run; two of the same year are refused by the data checks (a plant runs one route
    from a year: Shell Pernis's Porthos capture and Holland Hydrogen 1, both 2027, are one
    route). A campaign (an asset renewed for a campaign that ends in the row's year) holds the
    plant on its route: no other route starts before that year (``hold``, the latest campaign
    end of the plant; Tata Steel's blast furnace 6, relined 2023-24 to run until 2035); it may
    still close. Rows without a site (public money only) and other kinds (awards, maatwerk,
    investments, cancellations) change no plant.
    """
    table = pb.table
    sites, products, units = (
        table[c].astype(str).to_numpy() for c in ("site_id", "product_id", "unit_id")
    )
    ordered = events.sort_values("year", kind="stable")
    for row in ordered.itertuples():
        site, product, unit = _text(row.site_id), _text(row.product_id), _text(row.unit_id)
        if not site:
            continue
        hit = sites == site  # a unit, every unit of a product, or every plant of the site
        if product:
            hit &= products == product
        if unit:
            hit &= units == unit
        plants = np.flatnonzero(hit)
        kind = str(row.kind)
        from_year = years >= int(cast(int, row.year))
        if kind in ("closure", "idling"):
            availability[np.ix_(plants, from_year)] = 0.0
        elif kind == "restart":
            availability[np.ix_(plants, from_year)] = 1.0
        elif kind == "capacity_change" and np.isfinite(value := _number(row.value)):
            capacity = pb.plants.capacity[plants]
            scale = np.where(capacity > 0, value / np.maximum(capacity, 1e-12), 0.0)
            availability[np.ix_(plants, from_year)] = scale[:, None]
        elif kind == "route_change":
            year = int(cast(int, row.year))
            for p in plants:
                if commit_route[p] < 0:
                    commit_route[p] = r_of[str(row.route_id)]
                    commit_year[p] = year
                elif follow is not None and follow[0][p] < 0 and year > commit_year[p]:
                    follow[0][p] = r_of[str(row.route_id)]
                    follow[1][p] = year
        elif kind == "campaign" and hold is not None:
            hold[plants] = np.maximum(hold[plants], int(cast(int, row.year)))
