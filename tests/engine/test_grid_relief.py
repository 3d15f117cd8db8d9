"""A grid declared full holds new electric load back until its reinforcement arrives.

Toy (``kruispunt.testing.toy_inputs``): one plant of 1 Mt/yr whose electric route needs
10.8 GJ/t, i.e. 1e6 x 10.8 / 3.6 / 8760 = 342.5 MW of new load, and pays at a high EUA. The
cluster's grid has 0 MW for new load until 2030 (as Noordzeekanaalgebied from Oct 2023 until its
2031 relief, ``infrastructure.csv``) and 400 MW from 2030.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from kruispunt.engine.simulate import simulate
from kruispunt.testing import TOY_YEARS, toy_inputs
from kruispunt.vocabulary import REASON_CODE

NEED_MW = 1.0e6 * 10.8 / 3.6 / 8760


def _grid_path(before: float, after: float, relief: int) -> np.ndarray:
    return np.where(TOY_YEARS >= relief, after, before)[None, :]


def test_waiting_list_clears_when_the_reinforcement_arrives() -> None:
    """Refused (waiting for infrastructure) while the grid has no room, switched in the
    relief year, and the pool never over-committed."""
    inp = toy_inputs(eua=200.0)
    cap = inp.pools.capacity.copy()
    cap[:, 0] = _grid_path(0.0, 400.0, 2030)
    ds = simulate(replace(inp, pools=replace(inp.pools, capacity=cap))).dataset
    route = ds["route_index"].sel(scenario="s0", plant="site0/widget").values
    reason = ds["switch_reason"].sel(scenario="s0", plant="site0/widget").values
    years = list(TOY_YEARS)
    assert (route[: years.index(2030)] == 0).all()  # stays on gas
    assert (reason[: years.index(2030)] == REASON_CODE["waiting_for_infrastructure"]).all()
    assert route[years.index(2030)] == 1  # electric from the relief year
    use = ds["infra_use"].sel(scenario="s0", resource="grid").values.sum(axis=0)
    assert abs(use[years.index(2030)] - NEED_MW) < 1e-6
    capacity = ds["infra_capacity"].sel(scenario="s0", resource="grid").values.sum(axis=0)
    assert (use <= capacity + 1e-6).all()


def test_reinforcement_too_small_keeps_the_plant_waiting() -> None:
    """A reinforcement smaller than the plant's need (300 < 342.5 MW) never serves it."""
    inp = toy_inputs(eua=200.0)
    cap = inp.pools.capacity.copy()
    cap[:, 0] = _grid_path(0.0, 300.0, 2030)
    ds = simulate(replace(inp, pools=replace(inp.pools, capacity=cap))).dataset
    route = ds["route_index"].sel(scenario="s0", plant="site0/widget").values
    assert (route == 0).all()
