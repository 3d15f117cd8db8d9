"""First-fit allocation: the shortcut for pools where everything fits gives the same grants
as granting request by request (issue 12: engine speed, results bit-identical).

The reference below is the rule itself, one pool and one request at a time: requests in
priority order (ties by the lower index), each granted when it is not above what is left,
what is left reduced by it. The batch function must give the same mask, including pools
whose total demand equals the capacity up to rounding, infinite capacities and demands, zero
capacity and demands, and ineligible requests.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kruispunt.policy.grants import allocate_first_fit


def _reference(prio: np.ndarray, demand: np.ndarray, capacity: float, ok: np.ndarray) -> list[bool]:
    order = sorted(range(len(prio)), key=lambda j: (-prio[j], j))
    left = float(capacity)
    out = [False] * len(prio)
    for j in order:
        if ok[j] and demand[j] <= left:
            out[j] = True
            left = left - float(demand[j])
    return out


def _check(prio: np.ndarray, demand: np.ndarray, capacity: np.ndarray, ok: np.ndarray) -> None:
    got = allocate_first_fit(prio, demand, capacity, eligible=ok)
    for s in range(prio.shape[0]):
        assert got[s].tolist() == _reference(prio[s], demand[s], capacity[s], ok[s]), s


@pytest.mark.parametrize("seed", range(20))
def test_batch_equals_one_pool_at_a_time(seed: int) -> None:
    """Random pools; a third of them with a capacity equal to the eligible total (summed in
    another order, so off by rounding), some just below it, some infinite."""
    rng = np.random.default_rng(seed)
    S, N = 30, int(rng.integers(1, 25))
    prio = rng.choice([0.0, 1.0, 2.5, 7.0], size=(S, N)) + rng.random((S, N)) * (seed % 2)
    demand = rng.choice([0.0, 0.1, 0.2, 0.3, 1.7, 3.0, 1e3 / 7], size=(S, N))
    ok = rng.random((S, N)) < 0.8
    total = np.array([np.sum(np.where(ok[s], demand[s], 0.0)[::-1]) for s in range(S)])
    kind = rng.integers(0, 6, size=S)
    capacity = np.select(
        [kind == 0, kind == 1, kind == 2, kind == 3],
        [total, np.nextafter(total, 0.0), total * rng.random(S), np.inf],
        total * 2.0,
    )
    _check(prio, demand, capacity, ok)


def test_infinite_demand_takes_an_infinite_capacity_once() -> None:
    """An infinite request fits an infinite capacity; nothing is left after it (inf - inf is
    not a number), so the requests behind it are refused, as one by one."""
    prio = np.array([[2.0, 1.0, 0.5], [2.0, 1.0, 0.5]])
    demand = np.array([[np.inf, 1.0, 2.0], [1.0, 1.0, 2.0]])
    capacity = np.array([np.inf, 0.0])
    ok = np.ones((2, 3), dtype=bool)
    with np.errstate(invalid="ignore"):  # inf - inf, in the rule itself
        _check(prio, demand, capacity, ok)
        got = allocate_first_fit(prio, demand, capacity, eligible=ok)
    assert got.tolist() == [[True, False, False], [False, False, False]]


@settings(max_examples=200, deadline=None)
@given(st.integers(1, 5), st.integers(1, 9), st.integers(0, 2**32 - 1))
def test_batch_equals_one_pool_at_a_time_hypothesis(S: int, N: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    prio = rng.integers(0, 3, size=(S, N)).astype(float)
    demand = rng.choice([0.0, 0.1, 0.2, 0.7, 1.0], size=(S, N))
    ok = rng.random((S, N)) < 0.7
    total = np.where(ok, demand, 0.0).sum(axis=1)
    capacity = np.where(rng.random(S) < 0.5, total, total * rng.random(S))
    _check(prio, demand, capacity, ok)


def test_pools_where_no_request_fits_grant_none() -> None:
    """A pool whose room is below its smallest eligible request grants none (the shortcut
    that leaves it out of the request-by-request loop), also where an ineligible request
    would fit; beside it, pools that need the loop are granted as the rule says."""
    prio = np.array([[3.0, 2.0, 1.0], [3.0, 2.0, 1.0], [1.0, 2.0, 3.0], [3.0, 2.0, 1.0]])
    demand = np.array([[5.0, 4.0, 6.0], [5.0, 0.5, 6.0], [5.0, 4.0, 6.0], [5.0, 4.0, 2.0]])
    ok = np.array([[True, True, True], [True, False, True], [True, True, True], [True] * 3])
    capacity = np.array([3.9, 4.9, 0.0, 6.5])
    got = allocate_first_fit(prio, demand, capacity, eligible=ok)
    assert got.tolist() == [[False] * 3, [False] * 3, [False] * 3, [True, False, False]]
    _check(prio, demand, capacity, ok)
