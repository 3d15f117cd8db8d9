"""Outcomes of a batch: production retained is measured against the first model year."""

from __future__ import annotations

import numpy as np
import pandas as pd
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


def _yearly(frame: pd.DataFrame, column: str) -> pd.DataFrame:
    """(scenario x year) table of ``column``, scenarios sorted."""
    return frame.groupby(["scenario", "year"])[column].sum().unstack("year")


def test_cumulative_outcomes_sum_both_end_years() -> None:
    """Cumulative emissions 2026-2028 and government cost 2026-2028 are the sums of the
    three yearly values, both end years included; government cost is its outlays or, with
    ``flows: net``, outlays less receipts (below the outlays here)."""
    r = synthetic_results(n_scenarios=2, n_plants=4, years=range(2025, 2030))
    span = {"from_year": 2026, "to_year": 2028}
    outcomes = [
        Outcome(name="cum", metric="cumulative_emissions", **span),
        Outcome(name="out", metric="government_cost", **span),
        Outcome(name="net", metric="government_cost", flows="net", **span),
    ]
    got = outcome_values(r, outcomes).set_index(pd.Index(r.scenarios)).sort_index()
    e = _yearly(metrics.emissions(r), "emissions_mtco2")
    years = [2026, 2027, 2028]
    assert got["cum"].to_numpy() == pytest.approx(e[years].sum(axis=1).to_numpy())
    assert (got["cum"].to_numpy() > e[[2026, 2027]].sum(axis=1).to_numpy()).all()
    for flows in ("outlays", "net"):
        g = _yearly(metrics.government_cost(r, flows=flows), "cost_meur")  # type: ignore[arg-type]
        col = "out" if flows == "outlays" else "net"
        assert got[col].to_numpy() == pytest.approx(g[years].sum(axis=1).to_numpy())
    assert (got["out"] >= 0).all() and (got["net"] < got["out"]).all()


def test_ccs_use_is_the_co2_stored_not_the_co2_captured() -> None:
    """Half the CO2 one plant captures in 2028 is vented (stored 0.5 of captured): CCS use
    is the stored half."""
    r = synthetic_results(n_scenarios=2, n_plants=4, years=range(2025, 2029))
    ds = r.dataset
    captured = ds["captured_co2"].values
    s, p = np.argwhere(captured[:, :, 3] > 0)[0]
    ds["stored_co2"].values[s, p, 3] = 0.5 * captured[s, p, 3]
    got = outcome_values(r, [Outcome(name="ccs", metric="ccs_use", year=2028)])["ccs"]
    assert got.iloc[s] == pytest.approx(0.5 * captured[s, :, 3].sum() / 1e6)


def test_retained_is_unknown_without_demand_or_without_a_start() -> None:
    """Ammonia's demand set to 0 in 2027 while the plants still make it: its share of demand
    is not a number (NaN, not inf). Steel made by nobody in the first year: nothing to
    retain, NaN (not inf or 0) whatever is made later."""
    r = synthetic_results(n_scenarios=2, n_plants=4, years=range(2025, 2028))
    ds = r.dataset
    products = ds["product"].values.astype(str)
    ds["demand"].values[:, list(products).index("ammonia"), 2] = 0.0
    ammonia = outcome_values(r, [_retained("ammonia", 2027)])["r"].to_numpy()
    assert np.isnan(ammonia).all()
    steel = (ds["plant_product"] == "crude_steel").to_numpy()
    ds["production"].values[:, steel, 0] = 0.0
    ds["production"].values[:, steel, 1] = 1e6
    got = outcome_values(r, [_retained("crude_steel", 2026)])["r"].to_numpy()
    assert np.isnan(got).all()


def test_grid_waiting_is_the_national_waiting_list() -> None:
    """Hand-set waiting list: in 2026 two plants of scenario 0 wait for 30 and 12.5 MW and
    one of scenario 1 for 7 MW (and one asks 1e-12 MW, rounding: not waiting); the outcome
    in 2026 is 42.5 and 7 MW, in 2027 nothing; the metric counts 2 and 1 plants and equals
    the clusters' waiting lists of :func:`kruispunt.metrics.grid_by_cluster` summed."""
    r = synthetic_results(n_scenarios=2, n_plants=4, years=range(2025, 2028))
    waiting = r.dataset["grid_waiting"].values  # (S, P, Y), zero in the synthetic results
    assert not waiting.any()
    waiting[0, 0, 1], waiting[0, 2, 1], waiting[1, 3, 1], waiting[1, 1, 1] = 30.0, 12.5, 7.0, 1e-12
    o = Outcome(name="w", metric="grid_waiting", year=2026)
    assert o.unit == "MW"
    assert outcome_values(r, [o])["w"].to_numpy() == pytest.approx([42.5, 7.0])
    late = Outcome(name="w", metric="grid_waiting", year=2027)
    assert outcome_values(r, [late])["w"].to_numpy() == pytest.approx([0.0, 0.0])
    table = metrics.grid_waiting(r).set_index(["scenario", "year"])
    assert table.loc[(r.scenarios[0], 2026), "waiting_plants"] == 2
    assert table.loc[(r.scenarios[1], 2026), "waiting_plants"] == 1
    clusters = metrics.grid_by_cluster(r).groupby(["scenario", "year"])
    np.testing.assert_allclose(
        clusters["waiting_mw"].sum().loc[table.index], table["waiting_mw"], rtol=1e-12
    )
    assert (clusters["waiting_plants"].sum().loc[table.index] == table["waiting_plants"]).all()
    with pytest.raises(ValueError, match="metric 'grid_waiting' needs 'year'"):
        Outcome(name="w", metric="grid_waiting", from_year=2025, to_year=2027)
