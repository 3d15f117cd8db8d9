"""Windows: the batch's expected paths written year-first are those of expected_many."""

from __future__ import annotations

import numpy as np
import pytest

from kruispunt.engine.expectations import Windows, expected_many


def test_windows_equal_expected_many_bit_for_bit() -> None:
    """Several windows (lead time and life, the whole life from now, short exit horizons),
    foresight and myopic scenarios: every value equal, year-first."""
    rng = np.random.default_rng(3)
    S, R, Y, extra = 4, 5, 7, 6
    values = rng.normal(size=(S, R, Y + extra)) * 100.0
    rate = np.array([0.0, 0.04, 0.08, 0.12])
    myopic = np.array([False, True, False, True])
    lead = np.array([0, 1, 2, 0, 3])
    life = np.array([1, 5, 12, 3, 20])
    windows = [
        (lead, life),
        (np.zeros_like(lead), life),
        (np.zeros_like(lead), np.minimum(life, 3)),
    ]
    want = expected_many(values, rate, windows, Y, myopic)
    w = Windows(rate, windows, Y + extra, Y, myopic)
    outs = [np.empty((Y, S, R)) for _ in windows]
    w.expected_into(values, outs)
    for got, ref in zip(outs, want, strict=True):
        assert np.array_equal(got, np.moveaxis(ref, -1, 0))
    with pytest.raises(ValueError, match="a path over"):
        w.expected_into(values[..., :-1], outs)
