"""The instrument protocol: an instrument written in one module (here, this test module) is
valued, accounted and shown in the government cash flow with no other file touched."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pytest

from kruispunt.engine.simulate import simulate
from kruispunt.policy.base import (
    Booking,
    Context,
    Flow,
    Instrument,
    OptionView,
    Parameter,
    YearState,
)
from kruispunt.policy.registry import INSTRUMENTS, instrument_names
from kruispunt.testing import TOY_YEARS, toy_inputs

F = np.ndarray


def flat_subsidy(rate: F, reference_t: F, emitted_t: F) -> F:
    """A flat subsidy per tonne abated: ``rate * max(reference - emitted, 0)`` [EUR/yr]."""
    return np.asarray(rate * np.maximum(reference_t - emitted_t, 0.0), dtype=np.float64)


class FlatAbatementSubsidy(Instrument):
    """Pays ``rate`` per tonne a plant emits less than its base-year emissions per unit."""

    name = "flat_abatement_subsidy"
    parameters = (
        Parameter("rate", ("scenario", "year"), "EUR/tCO2", "Subsidy per tonne abated.", 0.0),
    )
    flows = (Flow("flat_abatement_outlay", -1, "Flat abatement subsidy paid."),)

    def __init__(self, ctx: Context) -> None:
        super().__init__(ctx)
        plants = ctx.inputs.plants
        self.base = plants.base_emissions / plants.base_production  # tCO2/product

    def paths(self) -> dict[str, F]:
        rate = self.ctx.ext(self.param("rate"))  # (S, Ye)
        R = self.ctx.route.emitted.shape[0]
        return {"rate": np.broadcast_to(rate[:, None, :], (rate.shape[0], R, rate.shape[1]))}

    def unit_cost(self, x: Mapping[str, F], opt: OptionView) -> F:
        emitted = self.ctx.route.emitted[opt.route, opt.t] * opt.calib
        return -flat_subsidy(x["rate"], np.asarray(opt.plant(self.base)), emitted)

    def account(self, st: YearState) -> Booking:
        paid = flat_subsidy(
            self.param("rate")[:, st.i][:, None], self.base[None] * st.activity, st.emissions
        )
        return Booking(plant={"subsidies": paid}, gov={"flat_abatement_outlay": -paid.sum(1)})


def test_a_new_instrument_is_valued_accounted_and_shown() -> None:
    # Without support the toy plant stays on gas at EUA 100: electrifying needs 174.73 EUR/t
    # (216 EUR/t of power + 500 EUR/(t/yr) x CRF(10 %, 20 yr) - 100 EUR/t of gas).
    # With 80 EUR per tonne abated (1 t/t), the gap closes: 100 + 80 > 174.73.
    rate = np.full((1, len(TOY_YEARS)), 80.0)
    inp = toy_inputs(eua=100.0, instruments={"flat_abatement_subsidy": {"rate": rate}})
    without = simulate(inp).dataset
    assert (without["route_index"].values == 0).all()
    res = simulate(inp, instruments=[*INSTRUMENTS, FlatAbatementSubsidy]).dataset
    assert (res["route_index"].values[0, 0] == 1).all()  # elec from 2025
    # accounted: 80 EUR x 1 Mt abated a year, as a subsidy to the plant and a government outlay
    np.testing.assert_allclose(res["subsidies"].values[0, 0], 80.0e6)
    flow = res["gov_cash_flow"].sel(flow="flat_abatement_outlay").values[0]
    np.testing.assert_allclose(flow, -80.0e6)
    assert int(res["flow_sign"].sel(flow="flat_abatement_outlay")) == -1


def test_registry_refuses_duplicate_names() -> None:
    class Copy(FlatAbatementSubsidy):
        pass

    with pytest.raises(ValueError, match="unique"):
        instrument_names([FlatAbatementSubsidy, Copy])


def test_undeclared_parameter_is_refused() -> None:
    inp = toy_inputs(instruments={"sde": {"budjet": np.zeros((1, len(TOY_YEARS)))}})
    with pytest.raises(ValueError, match="budjet"):
        simulate(inp)


def test_parameter_of_the_wrong_shape_is_refused() -> None:
    inp = toy_inputs(instruments={"flat_abatement_subsidy": {"rate": np.zeros((1, 3))}})
    with pytest.raises(ValueError, match="shape"):
        simulate(inp, instruments=[*INSTRUMENTS, FlatAbatementSubsidy])
