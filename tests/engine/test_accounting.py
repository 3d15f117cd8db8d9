"""The year's accounting (kruispunt.engine.accounting) on the toy model, figures by hand:
indirect emissions at the year's grid factor, and renewable hydrogen bought in place of a
plant's own (the RFNBO obligation's hook, here a fixed purchase) booked into the plant's
emissions, capture, operating and energy cost."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from kruispunt.engine.simulate import simulate
from kruispunt.inputs import ModelInputs
from kruispunt.policy.base import HydrogenBought, Instrument, YearState
from kruispunt.policy.registry import INSTRUMENTS
from kruispunt.testing import TOY_YEARS, toy_inputs

F = np.ndarray


class FixedPurchase(Instrument):
    """Every plant buys 1,000 t of renewable hydrogen a year in place of its own: 200 kt CO2
    less emitted, 100 t less captured, 50 kEUR of variable O&M saved; per tonne 100 GJ less
    natural gas (carrier 0)."""

    name = "fixed_purchase"

    def hydrogen_bought(self, st: YearState) -> HydrogenBought | None:
        def full(value: float) -> F:
            return np.full(st.emissions.shape, value)

        return HydrogenBought(tonnes=full(1e3), co2=full(2e5), captured=full(100.0), opex=full(5e4))

    @classmethod
    def swap_per_tonne(cls, inputs: ModelInputs) -> F | None:
        swap = np.zeros((len(inputs.coords.carriers), len(inputs.coords.years)))
        swap[0] = -100.0
        return swap


def test_hydrogen_bought_lowers_emissions_opex_and_energy_cost() -> None:
    """The toy plant stays on gas (1 Mt/yr, 1 tCO2/t, 10 GJ gas/t at 10 EUR/GJ) and buys
    1,000 t of hydrogen a year: direct emissions 1 Mt - 0.2 Mt = 0.8 Mt; captured CO2 stays 0
    (it captured nothing: the 100 t less capture cannot take it below 0); opex 0 - 50 kEUR
    = -50 kEUR (O&M saved); energy cost 10 x 10 x 1e6 = 100 MEUR less 1,000 t x 100 GJ x
    10 EUR/GJ = 1 MEUR: 99 MEUR; hydrogen bought 1,000 t."""
    ds = simulate(toy_inputs(), instruments=[*INSTRUMENTS, FixedPurchase]).dataset
    assert (ds["route_index"].values == 0).all()
    np.testing.assert_allclose(ds["direct_emissions"].values[0, 0], 0.8e6)
    np.testing.assert_array_equal(ds["captured_co2"].values[0, 0], 0.0)
    np.testing.assert_allclose(ds["opex"].values[0, 0], -5e4)
    np.testing.assert_allclose(ds["energy_cost"].values[0, 0], 99e6)
    np.testing.assert_allclose(ds["hydrogen_bought"].values[0, 0], 1e3)


def test_indirect_emissions_use_the_years_grid_factor() -> None:
    """Electricity at 0.1 EUR/GJ: the toy plant electrifies from 2026 (10.8 GJ/t x 1 Mt =
    10.8 PJ a year). Grid factor 0.1 tCO2/GJ to 2029, 0.05 from 2030: indirect emissions
    1.08 Mt in 2026-2029, 0.54 Mt from 2030 (not the first year's factor throughout)."""
    inp = toy_inputs(elec_price=0.1)
    gef = np.where(TOY_YEARS < 2030, 0.1, 0.05)[None, :]
    inp = replace(inp, markets=replace(inp.markets, grid_emission_factor=gef))
    ds = simulate(inp).dataset
    assert (ds["route_index"].values[0, 0, 1:] == 1).all()
    indirect = ds["indirect_emissions"].values[0, 0]
    years = list(TOY_YEARS)
    assert indirect[years.index(2026)] == pytest.approx(1.08e6)
    assert indirect[years.index(2029)] == pytest.approx(1.08e6)
    np.testing.assert_allclose(indirect[years.index(2030) :], 0.54e6)


def test_a_decided_follow_up_project_holds_its_grid_connection() -> None:
    """The toy plant has decided capture (gas_ccs, no grid load) from 2026 and, after it, an
    electric plant from 2030 (a follow-up project, its connection contracted with the
    decision): the electric plant's 10.8 PJ a year is a peak of 10.8e6 GJ / 3.6 GJ/MWh /
    8,760 h = 342.47 MW, all of it existing load; the grid's new load stays 0 MW (against
    the committed capture route's load it would be 342.47 MW)."""
    inp = toy_inputs(ccs=True)
    lv = inp.levers

    def full(value: int) -> F:
        return np.full(lv.commit_route.shape, value, dtype=lv.commit_route.dtype)

    inp = replace(
        inp,
        levers=replace(
            lv,
            commit_route=full(3),
            commit_year=full(2026),
            follow_route=full(1),
            follow_year=full(2030),
        ),
    )
    ds = simulate(inp).dataset
    years = list(TOY_YEARS)
    i30 = years.index(2030)
    route = ds["route_index"].values[0, 0]
    assert route[years.index(2026)] == 3 and route[i30] == 1
    assert ds["peak_load"].values[0, 0, i30] == pytest.approx(10.8e6 / 3.6 / 8760)
    np.testing.assert_array_equal(ds["infra_use"].sel(resource="grid").values, 0.0)


def test_a_closed_plant_pays_no_opex() -> None:
    """The toy plant earns nothing for its widgets (price 0) and closes; its closure route is
    given a fixed O&M of 5 EUR per t/yr of capacity: once closed it pays no opex (not 5 EUR x
    1 Mt = 5 MEUR a year) and produces nothing."""
    inp = toy_inputs(product_price=0.0)
    fixed = inp.routes.fixed_opex.copy()
    fixed[2] = 5.0  # widget_closure
    inp = replace(inp, routes=replace(inp.routes, fixed_opex=fixed))
    ds = simulate(inp).dataset
    closed = ds["route_index"].values[0, 0] == 2
    assert closed[-1]
    np.testing.assert_array_equal(ds["opex"].values[0, 0][closed], 0.0)
    np.testing.assert_array_equal(ds["production"].values[0, 0][closed], 0.0)
