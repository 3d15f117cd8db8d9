"""ModelInputs: the scenario axis is declared completely, so batching slices every path."""

from __future__ import annotations

from dataclasses import fields

import numpy as np

from kruispunt.assemble import build_inputs
from kruispunt.catalogue import load_catalogue
from kruispunt.scenarios import resolve


def test_every_scenario_array_is_declared() -> None:
    inp = build_inputs(
        load_catalogue(), resolve(["current-policy", "no-new-policy", "high-ambition"])
    )
    S = inp.n_scenarios
    c = inp.coords
    sizes = {
        len(c.plants),
        len(c.routes),
        len(c.carriers),
        len(c.products),
        len(c.clusters),
        len(c.years),
        len(inp.pools.names),
    }
    assert S not in sizes  # so a leading axis of length S can only be the scenario axis
    one = inp.select([1])
    for f in fields(inp):
        bundle = getattr(inp, f.name)
        declared = getattr(bundle, "SCENARIO_FIELDS", None)
        if declared is None:
            continue
        for name in vars(bundle):
            value = getattr(bundle, name)
            if isinstance(value, np.ndarray) and value.ndim >= 1:
                assert (value.shape[0] == S) == (name in declared), f"{f.name}.{name}"
        for name in declared:
            np.testing.assert_array_equal(
                getattr(one, f.name).__dict__[name], getattr(bundle, name)[[1]]
            )
    for inst, params in inp.instruments.items():
        for name, value in params.items():
            assert value.shape[0] == S, f"{inst}.{name}"
            np.testing.assert_array_equal(one.instruments[inst][name], value[[1]])
