"""ModelInputs: the scenario axis is declared completely, so batching slices every path."""

from __future__ import annotations

import numpy as np

from kruispunt.assemble import build_inputs
from kruispunt.catalogue import load_catalogue
from kruispunt.inputs import SCENARIO_ARRAYS
from kruispunt.scenarios import resolve


def test_every_scenario_array_is_declared() -> None:
    inp = build_inputs(
        load_catalogue(), resolve(["current-policy", "no-new-policy", "high-ambition"])
    )
    S = len(inp.scenarios)
    sizes = {
        len(inp.plants),
        len(inp.routes),
        len(inp.carriers),
        len(inp.products),
        len(inp.clusters),
        len(inp.years),
        len(inp.pool_names),
    }
    assert S not in sizes  # so a leading axis of length S can only be the scenario axis
    for name, value in vars(inp).items():
        if isinstance(value, np.ndarray) and value.ndim >= 1:
            assert (value.shape[0] == S) == (name in SCENARIO_ARRAYS), name
    one = inp.select([1])
    for name in SCENARIO_ARRAYS:
        np.testing.assert_array_equal(getattr(one, name), getattr(inp, name)[[1]])
