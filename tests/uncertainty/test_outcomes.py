"""Outcomes of a batch: production retained is measured against the first model year."""

from __future__ import annotations

import numpy as np
import pytest

from kruispunt import metrics
from kruispunt.testing import synthetic_results
from kruispunt.uncertainty.outcomes import outcome_values
from kruispunt.uncertainty.spec import Outcome


def _retained(product: str, year: int) -> Outcome:
    return Outcome(name="r", metric="production_retained", product=product, year=year)


def test_retained_is_the_share_of_demand_relative_to_the_first_year() -> None:
    """The synthetic plants make 95.0 % of demand from the start (units out before it): a
    future that keeps making that share retains 1, not 0.95; halving one product's domestic
    output in 2027 in one scenario retains 0.5 there."""
    r = synthetic_results(n_scenarios=2, n_plants=4, years=range(2025, 2028))
    ds = r.dataset
    table = metrics.production_and_imports(r)
    start = table[(table["product"] == "ammonia") & (table["year"] == 2025)]["share_kept"]
    assert np.all(start < 0.99)  # the plain share would count the missing units as lost
    assert outcome_values(r, [_retained("ammonia", 2027)])["r"].to_numpy() == pytest.approx(1.0)
    ammonia = (ds["plant_product"] == "ammonia").to_numpy()
    prod = ds["production"].values
    prod[0, ammonia, 2] *= 0.5
    got = outcome_values(r, [_retained("ammonia", 2027)])["r"].to_numpy()
    assert got == pytest.approx([0.5, 1.0])


def test_retained_follows_a_closure_after_the_start() -> None:
    """Steel closes in 2026 in the first synthetic scenario and in 2027 in the second."""
    r = synthetic_results(n_scenarios=2, n_plants=4, years=range(2025, 2028))
    got = outcome_values(r, [_retained("crude_steel", 2026)])["r"].to_numpy()
    assert got == pytest.approx([0.0, 1.0])
    got = outcome_values(r, [_retained("crude_steel", 2027)])["r"].to_numpy()
    assert got == pytest.approx([0.0, 0.0])
