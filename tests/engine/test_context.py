"""The batch context (:class:`kruispunt.engine.context.BatchContext`): the per-route rates and
per-plant constants every step shares, checked by hand on the toy model."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from kruispunt.engine.context import BatchContext
from kruispunt.policy.registry import INSTRUMENTS
from kruispunt.testing import toy_inputs


def test_risk_sharing_lowers_the_cost_of_capital_of_low_carbon_routes_only() -> None:
    """Toy at 10 %/yr with a risk-sharing reduction of 2 points: the electric route (a
    low-carbon family) is financed at 8 %/yr, today's gas route and the closure stay at
    10 %/yr."""
    inp = toy_inputs()
    inp = replace(inp, finance=replace(inp.finance, risk_sharing=np.array([0.02])))
    ctx = BatchContext(inp, tuple(INSTRUMENTS))
    assert ctx.rate_sr[0].tolist() == pytest.approx([0.10, 0.08, 0.10])


def test_calibration_is_verified_emissions_over_the_routes_emissions_after_capture() -> None:
    """A toy plant of 1 Mt/yr running gas_ccs today (1.1 tCO2/t, 90 % captured: 0.11 t/t
    emitted) with verified emissions of 0.22 Mt/yr: calibration 0.22 / (0.11 x 1) = 2 (not
    0.22 / 1.1 = 0.2, the factor before capture); on every other route 1."""
    inp = toy_inputs(ccs=True)
    plants = replace(inp.plants, incumbent=np.array([3]), base_emissions=np.array([0.22e6]))
    ctx = BatchContext(replace(inp, plants=plants), tuple(INSTRUMENTS))
    assert ctx.calib[0] == pytest.approx(2.0, rel=1e-12)
    calib = ctx.route_calib(np.array([[0, 1, 2, 3]])[None])  # (1, P, K)
    assert calib[0, 0].tolist() == pytest.approx([1.0, 1.0, 1.0, 2.0])
    flat = ctx.route_calib(np.array([0, 3]), plants=np.array([0, 0]))
    assert flat.tolist() == pytest.approx([1.0, 2.0])
