"""The committed money left, summed on the (scenario, plant) pairs that have some only, has
the bits of the sum over every pair (issue #12: a faster valuation, results identical)."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pytest

from kruispunt.engine.context import BatchContext
from kruispunt.inputs import ModelInputs
from kruispunt.policy.committed import CommittedSupport
from kruispunt.policy.registry import INSTRUMENTS

F = npt.NDArray[np.float64]


@pytest.mark.parametrize("seed", range(4))
def test_money_left_equals_the_sum_over_every_pair(package_inputs: ModelInputs, seed: int) -> None:
    """Random outlays on a few pairs (one a row of -0, one with a NaN, one with +0 and -0
    mixed), every year: the bits of ``plant_outlay[:, :, t:].sum(axis=-1)``."""
    rng = np.random.default_rng(seed)
    ctx = BatchContext(package_inputs, INSTRUMENTS)
    params = {name: dict(p) for name, p in ctx._params.items()}  # type: ignore[attr-defined]
    S, P, Y = np.shape(params["committed"]["plant_outlay"])
    outlay = np.zeros((S, P, Y))
    pick = rng.random((S, P)) < 0.05
    outlay[pick] = rng.exponential(1e7, size=(int(pick.sum()), Y))
    outlay[pick] *= rng.random((int(pick.sum()), Y)) < 0.5  # some years +0
    outlay[0, 0] = -0.0
    outlay[0, 1, Y // 2] = np.nan
    outlay[0, 2, :2] = -0.0
    params["committed"]["plant_outlay"] = outlay
    ctx._params = params  # type: ignore[attr-defined]
    committed = CommittedSupport(ctx)
    for t in range(Y):
        want = outlay[:, :, t:].sum(axis=-1)
        got = committed._left(t)
        assert got.tobytes() == want.tobytes()
