"""The last batch's buffers are released as they are copied into the results (issue #12,
per-worker memory): the results are those of a copy that keeps them."""

from __future__ import annotations

import numpy as np

from kruispunt.engine.results import Collector
from kruispunt.engine.simulate import _buffers, run_batch, simulate
from kruispunt.policy.registry import INSTRUMENTS
from kruispunt.testing import toy_inputs


def test_release_gives_the_same_results_and_drops_the_buffers() -> None:
    """Three toy scenarios of two plants (EUA 80 EUR/t), one batch: every result
    array equal bit for bit with and without release; the released buffers are gone."""
    inputs = toy_inputs(n_scenarios=3, n_plants=2, eua=80.0)
    idx = np.arange(3)
    classes = tuple(INSTRUMENTS)
    kept, released = Collector(inputs, INSTRUMENTS), Collector(inputs, INSTRUMENTS)
    out = run_batch(inputs, INSTRUMENTS, _buffers(inputs, 3, classes))
    kept.add(idx, out)
    assert out.plant and out.plant_flows.size
    released.add(idx, out, release=True)
    assert not out.plant
    assert out.plant_flows.size == out.activity.size == out.gov.size == 0
    a, b = kept.results().dataset, released.results().dataset
    for name in a.data_vars:
        assert np.array_equal(a[name].values, b[name].values, equal_nan=True), name
    # simulate releases the last batch's buffers: batches of 2 then 1 give the same results
    split = simulate(inputs, batch_size=2).dataset
    for name in a.data_vars:
        assert np.array_equal(a[name].values, split[name].values, equal_nan=True), name
