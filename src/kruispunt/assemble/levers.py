"""Scenario levers that act on plants directly (routes switched off, committed projects,
seeds) and on their finance (cost of capital, risk sharing, expectations)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import cast

import numpy as np
import numpy.typing as npt

from kruispunt.assemble.plants import PlantBundle
from kruispunt.assemble.routes import RouteBundle
from kruispunt.assemble.tables import Tables
from kruispunt.errors import KruispuntError
from kruispunt.inputs import Finance, Levers
from kruispunt.scenarios import Scenario
from kruispunt.vocabulary import FAMILY


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


def build_levers(
    tables: Tables,
    scenarios: Sequence[Scenario],
    rb: RouteBundle,
    pb: PlantBundle,
    years: npt.NDArray[np.int64],
) -> Levers:
    """Routes each scenario allows, the projects it keeps (commitments table) and its seed."""
    S, R, P = len(scenarios), len(rb.ids), len(pb.table)
    family = rb.routes.family
    ids = np.array(rb.ids)
    r_of = {r: i for i, r in enumerate(rb.ids)}
    allowed = np.ones((S, R), dtype=bool)
    commit_route = np.full((S, P), -1, dtype=np.int64)
    commit_year = np.zeros((S, P), dtype=np.int64)
    keys = pb.keys
    excluded = [rb.ids[r] for r in np.flatnonzero(~rb.complete)]
    for s, sc in enumerate(scenarios):
        lv = sc.levers
        for item in lv.routes_off:
            allowed[s] &= ~((ids == item) | (family == FAMILY.get(item, -1)))
        if not lv.commitments:
            continue
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
    return Levers(
        route_allowed=allowed,
        commit_route=commit_route,
        commit_year=commit_year,
        seeds=np.array([sc.seed for sc in scenarios], dtype=np.int64),
        availability=np.ones((S, P, len(years))),
    )
