"""Margins and closure: units of one product close one at a time as their margin falls, and a
plant does not close today for losses it expects only later (the option to close later); the
full cost of staying that a plant's revenue is calibrated on."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from kruispunt.assemble.calibration import plant_revenue
from kruispunt.engine.context import BatchContext
from kruispunt.engine.simulate import simulate
from kruispunt.engine.valuation import _present_value_factor, first_year_costs
from kruispunt.testing import TOY_YEARS as YEARS
from kruispunt.testing import toy_inputs


def closure_year(res, plant: int) -> int | None:  # type: ignore[no-untyped-def]
    """First year the plant produces nothing."""
    prod = res.dataset["production"].values[0, plant]
    idle = np.flatnonzero(prod <= 0)
    return int(YEARS[idle[0]]) if len(idle) else None


@pytest.mark.parametrize("myopic", [True, False])
def test_three_units_close_one_at_a_time(myopic: bool) -> None:
    """One price (200 EUR/t), the same gas cost (10 GJ/t x 10 EUR/GJ = 100 EUR/t), emissions
    of 2.0, 1.5 and 1.0 tCO2/t, no free allocation, EUA 40 in 2025 rising 10 EUR/t a year.
    Margin of a unit = 100 - e x EUA, negative from the first year with EUA > 100 / e:
    e = 2.0: EUA 60 in 2027 (2026: 50, margin 0, stays); e = 1.5: EUA 70 in 2028 (> 66.7);
    e = 1.0: EUA 110 in 2032 (2031: 100, margin 0). A closure decided in a year takes effect
    the next (engine.decide.CLOSURE_NOTICE): output stops in 2028, 2029 and 2033. The electric
    route is out of reach."""
    eua = {2025: 40.0, 2050: 290.0}
    inp = toy_inputs(n_plants=3, eua=eua, product_price=200.0, earliest_elec=2100, myopic=myopic)
    cap = inp.plants.capacity
    inp = replace(inp, plants=replace(inp.plants, base_emissions=cap * np.array([2.0, 1.5, 1.0])))
    res = simulate(inp)
    assert [closure_year(res, p) for p in range(3)] == [2028, 2029, 2033]
    # production before the closure is the plant's full output
    prod = res.dataset["production"].values[0]
    assert prod[2, YEARS < 2033] == pytest.approx(cap[2])


def test_no_closure_today_for_losses_expected_later() -> None:
    """Perfect foresight, 20-year life at 10 %: margin 100 - EUA with EUA 40 in 2025 rising 10
    a year. Over the whole life (2025-2044, EUA 40-230) the average margin is negative, so
    without the option to close later the plant would close at once; it runs while its
    margin is positive and decides to close in 2032, the first year with EUA above 100
    (output stops in 2033, a year's notice)."""
    eua = {2025: 40.0, 2050: 290.0}
    inp = toy_inputs(eua=eua, product_price=200.0, earliest_elec=2100, myopic=False)
    d = 1.1 ** -np.arange(20)
    margin = 100.0 - (40.0 + 10.0 * np.arange(20))
    assert float(np.sum(margin * d)) < 0.0  # the whole-life value of staying in 2025
    assert closure_year(simulate(inp), 0) == 2033


def test_the_cost_of_staying_counts_the_storage_of_the_co2_captured_today() -> None:
    """A plant running the toy's gas_ccs route today (no renewal capex): 11 GJ gas/t x 10
    EUR/GJ = 110 EUR/t, and of its 1.1 tCO2/t, 90 % = 0.99 t/t captured and stored at 20
    EUR/t of transport and storage = 19.8 EUR/t. Its full cost of staying in the first year,
    and the revenue calibrated on it (no instruments), is 110 + 19.8 = 129.8 EUR/t; at a
    storage cost of 0, 110."""
    inp = toy_inputs(ccs=True, capex_ccs=0.0)
    ccs = inp.coords.routes.index("gas_ccs")
    inp = replace(inp, plants=replace(inp.plants, incumbent=np.array([ccs], dtype=np.int64)))
    for ts, cost in ((20.0, 129.8), (0.0, 110.0)):
        ts_cost = np.full_like(inp.markets.co2_ts_cost, ts)
        at = replace(inp, markets=replace(inp.markets, co2_ts_cost=ts_cost))
        cost_now, _ = first_year_costs(BatchContext(at, ()), [])
        assert cost_now == pytest.approx([cost], rel=1e-12)
        assert plant_revenue(at, instruments=()) == pytest.approx([cost], rel=1e-12)


def test_present_value_factor_by_hand() -> None:
    """1 + 1/1.1 + 1/1.21 = 2.7355 for three years at 10 %, paid from the first; n at 0 %."""
    pv = _present_value_factor(np.array([[0.1], [0.0]]), np.array([[3, 1]]))
    assert pv[0] == pytest.approx([1 + 1 / 1.1 + 1 / 1.21, 1.0])
    assert pv[1] == pytest.approx([3.0, 1.0])
