"""The SDE++ pays for a new production installation, not for running one the plant has.

A move to a retrofit of the running route that adds nothing (``route_retrofits.csv``,
``capex_add`` 0: the hybrid boiler's electric boiler run in every hour as an e-boiler) puts
no installation into use, and the SDE++ does not pay for it (``docs/model.md``, "Support
pays for new installations"). Until December 2026 it did: under high ambition at central
prices 10 heat plants went gas, hybrid boiler, e-boiler with the SDE++ covering exactly the
gap to staying on the hybrid, then back to the hybrid or on to biomass two to five years
later, as the contract's remaining years fell.

Toy (:func:`kruispunt.testing.toy_inputs`, 1 Mt/yr, myopic, 10 %/yr, 20-yr lives, no EUA,
gas 10 EUR/GJ): staying on gas costs 10 GJ/t x 10 = 100 EUR/t; capture (``gas_ccs``) burns
11 GJ/t, 110 EUR/t, and captures 0.99 of 1.1 tCO2/t (0.89 t/t avoided). Declared a retrofit
of gas that adds ``add`` EUR/(t/yr): its cost is 110 + add x CRF(10 %, 20 yr) (0.117460) EUR/t.
The electric route is out of the running (capex 1e6); an SDE++ round in 2025 (budget without
limit, at most 400 EUR/t).
"""

from __future__ import annotations

from dataclasses import replace
from types import SimpleNamespace

import numpy as np
import pytest

from kruispunt.engine.rounds import _installs
from kruispunt.engine.simulate import simulate
from kruispunt.testing import TOY_YEARS, toy_inputs

GAS, CCS = 0, 3


def _run(add: float) -> tuple[np.ndarray, np.ndarray]:
    inp = toy_inputs(
        ccs=True,
        capex_ccs=800.0,
        capex_elec=1e6,
        sde_budget={2025: 1e12, 2026: 0.0},
        sde_max=400.0,
    )
    assert list(inp.coords.routes) == ["gas", "elec", "widget_closure", "gas_ccs"]
    R, Y = len(inp.coords.routes), len(TOY_YEARS)
    pair = np.full((R, R), -1, dtype=np.int64)
    pair[CCS, GAS] = 0
    routes = replace(inp.routes, retrofit_pair=pair, retrofit_capex=np.full((1, Y), add))
    ds = simulate(replace(inp, routes=routes)).dataset
    sde = -ds["plant_flows"].sel(scenario="s0", flow="sde_outlay").isel(plant=0).values
    return ds["route_index"].values[0, 0], sde


def test_a_retrofit_that_adds_a_unit_gets_the_sde() -> None:
    """Adding 50 EUR/(t/yr): 110 + 50 x 0.117460 = 115.87 EUR/t against 100 on gas; the
    SDE++ pays the gap, 15.87 MEUR/yr, and the plant captures from 2025 (until its contract
    has run, then back on gas: capture at 110 EUR/t is dearer without it)."""
    route, sde = _run(50.0)
    assert route[0] == CCS and sde[0] == pytest.approx(15.873e6, rel=1e-3)


def test_a_retrofit_that_adds_nothing_gets_no_sde() -> None:
    """Adding nothing: 110 against 100 EUR/t, a gap of 10 MEUR/yr that the SDE++ paid until
    December 2026 (the plant captured from 2025 with 10 MEUR/yr); now the installation is
    the plant's own already, no round pays, and it stays on gas."""
    route, sde = _run(0.0)
    assert (route == GAS).all()
    assert np.all(sde == 0.0)


def test_installs_marks_only_the_retrofits_that_add_nothing() -> None:
    """Routes 0 (base), 1 (adds 0 in every year), 2 (adds 5 from the second year): from
    route 0, option 1 installs nothing; option 2 installs nothing valued in year 0 with no
    lead time, something with a lead time of one year; from route 1, nothing is a retrofit
    (moving back to 0 builds a new plant, as the engine prices it)."""
    pair = np.full((3, 3), -1, dtype=np.int64)
    pair[1, 0], pair[2, 0] = 0, 1
    capex = np.array([[0.0, 0.0], [0.0, 5.0]])
    opt = np.array([[0, 1, 2]])
    for lead, want in ((0, [True, False, False]), (1, [True, False, True])):
        routes = SimpleNamespace(
            retrofit_pair=pair, retrofit_capex=capex, lead_time=np.full(3, lead)
        )
        got = _installs(routes, opt, np.array([[0]]), 0)  # type: ignore[arg-type]
        assert got[0, 0].tolist() == want
    routes = SimpleNamespace(retrofit_pair=pair, retrofit_capex=capex, lead_time=np.zeros(3))
    assert _installs(routes, opt, np.array([[1]]), 0).all()  # type: ignore[arg-type]
