"""First-fit allocation of scarce capacity (grid, CO2 storage) in priority order."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from kruispunt.policy.grants import allocate_first_fit


def test_hand_case_skips_what_does_not_fit() -> None:
    # capacity 2.5: 3.0 does not fit (skipped), 1.2 fits (1.3 left), 0.8 fits (0.5 left)
    got = allocate_first_fit([3.0, 2.0, 1.0], [3.0, 1.2, 0.8], 2.5)
    assert got.tolist() == [False, True, True]


def test_rows_are_independent_pools() -> None:
    got = allocate_first_fit(
        np.array([[3.0, 2.0, 1.0], [1.0, 2.0, 3.0]]),
        np.array([[3.0, 1.2, 0.8], [1.0, 1.0, 1.0]]),
        np.array([2.5, 1.5]),
    )
    assert got.tolist() == [[False, True, True], [False, False, True]]


def test_ineligible_requests_take_nothing() -> None:
    got = allocate_first_fit([5.0, 1.0], [1.0, 1.0], 1.0, eligible=[False, True])
    assert got.tolist() == [False, True]


@settings(max_examples=200, deadline=None)
@given(st.integers(1, 4), st.integers(1, 8), st.data())
def test_never_over_committed_and_greedy(rows: int, n: int, data: st.DataObject) -> None:
    floats = st.floats(0, 10, allow_nan=False)
    prio = np.array(
        data.draw(st.lists(st.lists(floats, min_size=n, max_size=n), min_size=rows, max_size=rows))
    )
    demand = np.array(
        data.draw(st.lists(st.lists(floats, min_size=n, max_size=n), min_size=rows, max_size=rows))
    )
    cap = np.array(data.draw(st.lists(floats, min_size=rows, max_size=rows)))
    got = allocate_first_fit(prio, demand, cap)
    used = (demand * got).sum(axis=1)
    assert (used <= cap + 1e-9).all()
    # greedy: a refused request did not fit into what was left after the ones ranked before it
    for r in range(rows):
        order = sorted(range(n), key=lambda i: (-prio[r, i], i))
        left = cap[r]
        for i in order:
            if demand[r, i] <= left:
                assert got[r, i]
                left -= demand[r, i]
            else:
                assert not got[r, i]
