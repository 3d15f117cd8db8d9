"""Steps 1, 4 and 5 of the year (:mod:`kruispunt.engine.decide`): scarce capacity goes to
the switches that gain most per unit they ask for; a decided project binds its plant for its
term; a renewed asset starts a new vintage.

Toy (``kruispunt.testing.toy_inputs``) at an EUA of 250 EUR/t, myopic, 10 %/yr over 20
years: the electric route costs 10.8 x 20 + 500 x 0.117460 = 274.73 EUR/t and needs 10.8 /
3.6 / 8760 MW of new grid load per t/yr; the gas route costs 10 x 10 + e x 250 EUR/t at
``e`` tCO2/t.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from kruispunt.engine.simulate import YearView, run_batch, simulate
from kruispunt.testing import TOY_YEARS, toy_inputs
from kruispunt.vocabulary import DECIDED_PROJECT_YEARS, REASON_CODE

GAS, ELEC = 0, 1
"""Route indices in the toy."""


def test_the_grid_goes_to_the_higher_gain_per_mw_not_the_higher_value() -> None:
    """Two plants, 400 MW of grid. Plant 0 (1 Mt/yr, 1.0 tCO2/t) would ask 342.47 MW and
    gain (350 - 274.73) x 1e6 = 75.27 MEUR/yr, 0.220 MEUR per MW; plant 1 (0.5 Mt/yr, 1.2
    tCO2/t) 171.23 MW and (400 - 274.73) x 0.5e6 = 62.63 MEUR/yr, 0.366 MEUR per MW. Either
    fits alone, not both (513.70 MW). Plant 1 is served first (the higher gain per MW);
    plant 0 no longer fits (171.23 + 342.47 > 400), stays on gas and waits.

    Plant 0 sells at 1100 EUR/t, plant 1 at 1000 (the revenue is the same on either route,
    so the gains do not change). Ranked by the electric route's value instead of the gain,
    plant 0 would win: (1100 - 274.73) x 1e6 / 342.47 = 2.410 MEUR per MW a year against
    (1000 - 274.73) x 0.5e6 / 171.23 = 2.118; ranked by the whole gain, not per MW, too
    (75.27 > 62.63 MEUR/yr)."""
    cap = np.array([1.0e6, 0.5e6])
    inp = toy_inputs(n_plants=2, eua=250.0, grid_capacity=400.0, capacity=cap)
    plants = replace(inp.plants, base_emissions=cap * [1.0, 1.2])
    markets = replace(inp.markets, plant_price=np.array([[1100.0, 1000.0]]))
    inp = replace(inp, plants=plants, markets=markets)
    ds = simulate(inp).dataset
    route = ds["route_index"].values[0]  # (P, Y)
    assert (route[1] == ELEC).all()
    assert (route[0] == GAS).all()
    waiting = ds["switch_reason"].values[0, 0]
    assert (waiting == REASON_CODE["waiting_for_infrastructure"]).all()
    use = ds["infra_use"].sel(resource="grid").values[0].sum(axis=0)  # the cluster, (Y,) [MW]
    np.testing.assert_allclose(use, 0.5e6 * 10.8 / 3.6 / 8760)
    assert use[0] == pytest.approx(171.233, abs=1e-3)


def test_a_decided_project_binds_its_plant_for_its_term_and_no_longer() -> None:
    """A decided project puts the toy plant (1 Mt/yr) on elec from 2027 and binds it for
    DECIDED_PROJECT_YEARS = 15 years: 2027 to 2041. At a product price of 150 EUR/t elec
    loses money (10.8 GJ x 20 EUR/GJ = 216 EUR/t) and gas earns (10 GJ x 10 = 100 EUR/t, no
    EUA, no capex): 150 - 100 = 50 MEUR/yr against the elec asset's write-off, 500 MEUR at
    age 15 of 20 = 125 MEUR x 0.117460 = 14.7 MEUR/yr. Bound, the plant may not go back to
    gas (it emits more); in 2042, the first year after the term, it does (not 2043)."""
    assert DECIDED_PROJECT_YEARS == 15
    inp = toy_inputs(product_price=150.0)
    levers = replace(
        inp.levers,
        commit_route=np.array([[ELEC]], dtype=np.int64),
        commit_year=np.array([[2027]], dtype=np.int64),
    )
    ds = simulate(replace(inp, levers=levers)).dataset
    route = dict(zip(TOY_YEARS.tolist(), ds["route_index"].values[0, 0].tolist(), strict=True))
    assert [route[y] for y in (2025, 2026)] == [GAS, GAS]
    assert all(route[y] == ELEC for y in range(2027, 2042))
    assert route[2042] == GAS


def test_a_renewed_asset_is_written_down_from_its_renewal_year() -> None:
    """The toy gas plant (1 Mt/yr) is due to renew its asset in 2026 and stays (gas: 100
    EUR/t plus the renewal annuity, against a price of 1000): it pays the renewal, 100
    EUR/(t/yr) x 1 Mt/yr = 100 MEUR, with a 10-year life. From then the asset dates from
    2026: in 2027 its book value is 100 x (1 - 1/10) = 90 MEUR (dated 2025, the first
    year, it would be 80) and its next renewal falls in 2036."""
    inp = toy_inputs(lifetime=10.0)
    renewal = inp.routes.capex_renewal.copy()
    renewal[GAS] = 100.0
    plants = replace(inp.plants, reinvestment_year=np.array([2026], dtype=np.int64))
    inp = replace(inp, routes=replace(inp.routes, capex_renewal=renewal), plants=plants)
    seen: dict[str, float] = {}

    def observe(view: YearView) -> None:
        st = view.state  # the state at the start of the year, after the years before
        if int(TOY_YEARS[view.i]) == 2027:
            seen["route"], seen["start"] = int(st.route[0, 0]), int(st.asset_start[0, 0])
            seen["capex"], seen["renewal"] = float(st.asset_capex[0, 0]), int(st.renewal[0, 0])
            seen["book"] = float(st.book_value(view.i)[0, 0])

    out = run_batch(inp, observer=observe)
    assert float(out.plant["capex"][1][0, 0]) == pytest.approx(100.0e6)  # paid in 2026
    assert (seen["route"], seen["start"], seen["renewal"]) == (GAS, 2026, 2036)
    assert seen["capex"] == pytest.approx(100.0e6)
    assert seen["book"] == pytest.approx(90.0e6)
