"""Route parameters over the model years (:mod:`kruispunt.assemble.routes`)."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd

from kruispunt.assemble.routes import _param


def test_a_step_parameter_holds_its_first_value_before_its_first_year() -> None:
    """Lifetime (step interpolation) given for route a from 2030 (25 yr) and 2040 (30 yr),
    for route b from 2025 (40 yr), route c not at all: a is 25 from 2025 to 2039 (the first
    value also holds before its year) and 30 from 2040; b 40 throughout; c NaN. (The shipped
    package gives every step parameter from 2025; a user's package need not.)"""
    rows = {
        "lifetime": pd.DataFrame(
            {"route_id": ["a", "a", "b"], "year": [2030, 2040, 2025], "value": [25.0, 30.0, 40.0]}
        ),
    }
    tables = SimpleNamespace(route_param=rows.get)
    years = np.arange(2025, 2046)
    r_of = {"a": 0, "b": 1, "c": 2}
    life = _param(tables, years, "lifetime", r_of)  # type: ignore[arg-type]
    assert life[0].tolist() == [25.0] * 15 + [30.0] * 6
    assert (life[1] == 40.0).all() and np.isnan(life[2]).all()


def test_a_route_is_left_out_only_for_more_of_an_unpriced_carrier_than_today_s() -> None:
    """Carrier 1 has no price. Product 0's route today (r0) uses 2 GJ/t of it: a new route
    using 1 GJ/t (r1) stays, one using 3 GJ/t (r2) is left out (the missing price would
    favour it); the closure (r3) and today's route stay whatever they use."""
    from kruispunt.assemble.routes import exclude_unpriced
    from kruispunt.vocabulary import FAMILY

    inputs = np.zeros((4, 2, 3))
    inputs[:, 0, :] = 5.0  # a priced carrier, any amount
    inputs[:, 1, :] = np.array([2.0, 1.0, 3.0, 0.0])[:, None]
    family = np.array(
        [FAMILY["incumbent"], FAMILY["electrification"], FAMILY["ccs"], FAMILY["closure"]]
    )
    bundle = SimpleNamespace(
        routes=SimpleNamespace(inputs=inputs, product=np.zeros(4, dtype=np.int64), family=family),
        complete=np.ones(4, dtype=bool),
        ids=["r0", "r1", "r2", "r3"],
    )
    out = exclude_unpriced(bundle, np.array([0]), np.array([True, False]))  # type: ignore[arg-type]
    assert out == ["r2"]
    assert bundle.complete.tolist() == [True, True, False, True]


def test_the_scrap_limit_is_the_product_s_lowest_over_the_years() -> None:
    """Steel may take at most 30 % scrap in the charge from 2025 and 50 % from 2035: the
    limit is 30 %. A route at 25 % is offered, one at 40 % is not; a route of another
    product (90 %) is not limited."""
    from kruispunt.assemble.routes import within_scrap_limit

    share = pd.DataFrame(
        {"route_id": ["low", "high", "other"], "year": [2025] * 3, "value": [0.25, 0.4, 0.9]}
    )
    limit = pd.DataFrame({"year": [2025, 2035], "value": [0.3, 0.5]})
    tables = SimpleNamespace(
        route_param={"scrap_share": share}.get, product_market_rows=lambda name: [(0, limit)]
    )
    rb = SimpleNamespace(
        ids=["low", "high", "other"],
        routes_index={"low": 0, "high": 1, "other": 2},
        routes=SimpleNamespace(product=np.array([0, 0, 1])),
    )
    got = within_scrap_limit(tables, rb, np.arange(2025, 2051))  # type: ignore[arg-type]
    assert got.tolist() == [True, False, True]
