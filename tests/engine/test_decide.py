"""Step 4 of the year (:func:`kruispunt.engine.decide.choose`): scarce capacity goes to the
switches that gain most per unit they ask for.

Toy (``kruispunt.testing.toy_inputs``) at an EUA of 250 EUR/t, myopic, 10 %/yr over 20
years: the electric route costs 10.8 x 20 + 500 x 0.117460 = 274.73 EUR/t and needs 10.8 /
3.6 / 8760 MW of new grid load per t/yr; the gas route costs 10 x 10 + e x 250 EUR/t at
``e`` tCO2/t.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from kruispunt.engine.simulate import simulate
from kruispunt.testing import toy_inputs
from kruispunt.vocabulary import REASON_CODE

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
