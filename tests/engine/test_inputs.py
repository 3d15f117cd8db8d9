"""ModelInputs: the scenario axis is declared completely, so batching slices every path."""

from __future__ import annotations

from dataclasses import fields

import numpy as np

from kruispunt.assemble import build_inputs
from kruispunt.catalogue import load_catalogue
from kruispunt.scenarios import Scenario, resolve


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


def test_events_and_commitments_do_not_depend_on_the_batch() -> None:
    """Scenarios sharing an ``events`` lever and ``commitments`` get their rows once and
    copied (build_levers, the committed outlay): each scenario's rows are those it gets
    when built alone, whatever the other scenarios of the batch."""
    cat = load_catalogue()
    base = resolve(["current-policy"])[0]

    def variant(name: str, events: str, commitments: bool) -> Scenario:
        lv = base.levers.model_copy(
            update={"events": events, "commitments": commitments, "name": name}
        )
        return Scenario(name=name, levers=lv, chain=(name,), origin="test")

    mix = [
        variant("a", "decided", True),
        variant("b", "announced", True),
        variant("c", "none", False),
        variant("d", "decided", False),
        variant("e", "announced", True),
        variant("f", "decided", True),
    ]
    together = build_inputs(cat, mix)
    for s, sc in enumerate(mix):
        alone = build_inputs(cat, [sc])
        names = ("availability", "commit_route", "commit_year", "follow_route", "follow_year")
        for name in (*names, "commit_grant"):
            assert np.array_equal(
                getattr(together.levers, name)[s], getattr(alone.levers, name)[0]
            ), (sc.name, name)
        for param in ("outlay", "plant_outlay"):
            assert np.array_equal(
                together.instruments["committed"][param][s],
                alone.instruments["committed"][param][0],
            ), (sc.name, param)
