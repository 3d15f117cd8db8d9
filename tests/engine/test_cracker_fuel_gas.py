"""A cracker's own fuel gas is not bought (issue 9 point 2): MIDDEN TC0261 fires the furnaces
with 8.28 GJ/t HVC of methane-rich gas from the naphtha feed (TC0405, Dow: 22.1 GJ fuel gas
per t ethylene from own off-gases), so the fired crackers buy only the gas for their steam
(4.31 GJ/t / 0.925 = 4.65946 GJ/t; with electric compressors 4.65946 - 4.01 / 1.9636 / 0.925 =
2.45189 GJ/t), and the electric cracker exports the freed 8.28 GJ/t at the natural-gas price:
an export, not a negative use (no energy demand, no energy tax)."""

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
    return build_inputs(load_catalogue(), resolve(["high-ambition"]))


def test_bought_gas_and_export(inp: ModelInputs) -> None:
    routes, carriers = list(inp.coords.routes), list(inp.coords.carriers)
    gas = carriers.index("natural_gas")
    rt = inp.routes
    assert (rt.inputs >= 0).all()
    assert rt.exports is not None
    steam = 4.31 / 0.925
    assert rt.inputs[routes.index("naphtha_steam_cracker"), gas, 0] == pytest.approx(
        steam, rel=1e-5
    )
    saved = 4.01 / (1 + 0.591 + 0.0304 + 0.00348 + 0.0957 + 0.243) / 0.925
    assert rt.inputs[routes.index("cracker_e_compressors"), gas, 0] == pytest.approx(
        steam - saved, rel=1e-4
    )
    e = routes.index("electric_steam_cracker")
    assert rt.inputs[e, gas, 0] == 0.0
    assert rt.exports[e, gas, 0] == pytest.approx(8.28)
    others = np.delete(rt.exports, e, axis=0)
    assert not others.any()


def test_exports_are_no_energy_use(inp: ModelInputs) -> None:
    """In the results no plant uses a negative amount of any carrier."""
    ds = simulate(inp).dataset
    assert (ds["energy"].values >= 0).all()
