"""The falling demand path of the refineries' output (issue 9 point 1,
derived_refinery_demand_index):
EU oil demand in the IEA New Policies Scenario (FuelsEurope) 509 Mtoe in 2014 and 314 Mtoe in
2040, linear, rebased to 2025 (426.5 Mtoe): 2030 389.0 / 426.5 = 0.91208, 2040 0.73623, held
after; other products 1."""

from __future__ import annotations

import numpy as np
import pytest

from kruispunt.assemble import build_inputs
from kruispunt.catalogue import load_catalogue
from kruispunt.engine.simulate import simulate
from kruispunt.inputs import ModelInputs
from kruispunt.scenarios import resolve


@pytest.fixture(scope="module")
def inp() -> ModelInputs:
    return build_inputs(load_catalogue(), resolve(["current-policy"]))


def _at(inp: ModelInputs, year: int) -> int:
    return list(inp.coords.years).index(year)


def test_demand_index(inp: ModelInputs) -> None:
    d2025 = 509 - (509 - 314) * 11 / 26
    assert d2025 == pytest.approx(426.5)
    g = inp.coords.products.index("refinery_throughput")
    scale = inp.markets.demand_scale[0, g]
    assert scale[_at(inp, 2025)] == pytest.approx(1.0)
    assert scale[_at(inp, 2030)] == pytest.approx((509 - 195 * 16 / 26) / d2025, rel=1e-5)
    assert scale[_at(inp, 2040)] == pytest.approx(314 / d2025, rel=1e-5)
    assert scale[_at(inp, 2050)] == pytest.approx(314 / d2025, rel=1e-5)
    other = np.delete(inp.markets.demand_scale[0], g, axis=0)
    assert (other == 1.0).all()


def test_refinery_output_follows_it(inp: ModelInputs) -> None:
    """A refinery that runs produces its base output times the index."""
    ds = simulate(inp).dataset
    p = list(inp.coords.plants).index("shell_pernis/refinery_throughput")
    prod = ds["production"].values[0, p]
    base = float(inp.plants.base_production[p])
    assert prod[_at(inp, 2030)] == pytest.approx(base * 0.912075, rel=1e-5)
    assert prod[_at(inp, 2040)] == pytest.approx(base * 0.736225, rel=1e-5)
