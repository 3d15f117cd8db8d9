"""The year step's fast paths give what the formulas they replace gave, bit for bit (issue
#12: a faster engine, results identical).

Each test writes the replaced formula out and compares on random inputs: the current option
by a (plant, route) table instead of comparing every option, values along the option axis by a
flat gather, the infrastructure allocation on the plants that ask only, and a pool's
reservation booked from the grants only.
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from kruispunt.engine.infrastructure import Infrastructure, allocate_first_fit_dated
from kruispunt.engine.valuation import option_of, pick
from kruispunt.policy.grants import allocate_first_fit

SEEDS = range(12)


@pytest.mark.parametrize("seed", SEEDS)
def test_option_of_is_the_first_matching_option(seed: int) -> None:
    """``np.argmax(opt[None] == route[:, :, None], -1)``: the first option running the route,
    0 where none does (routes drawn beyond the options' to include that case)."""
    rng = np.random.default_rng(seed)
    S, P, K, R = rng.integers(1, 6), rng.integers(1, 30), rng.integers(1, 9), rng.integers(2, 12)
    opt = rng.integers(0, R, size=(P, K))
    route = rng.integers(0, R + 3, size=(S, P))
    old = np.argmax(opt[None] == route[:, :, None], axis=-1)
    got = option_of(opt, route)
    assert got.dtype == np.int64
    assert np.array_equal(got, old)


@pytest.mark.parametrize("seed", SEEDS)
def test_pick_is_take_along_the_option_axis(seed: int) -> None:
    rng = np.random.default_rng(seed)
    S, P, K = rng.integers(1, 6), rng.integers(1, 30), rng.integers(1, 9)
    values = rng.normal(size=(S, P, K)) * 1e6
    values[rng.random(values.shape) < 0.2] = -np.inf
    k = rng.integers(0, K, size=(S, P))
    old = np.take_along_axis(values, k[..., None], -1)[..., 0]
    assert pick(values, k).tobytes() == old.tobytes()


def _requests(rng: np.random.Generator, S: int, n: int) -> tuple[np.ndarray, ...]:
    prio = rng.normal(size=(S, n))
    prio[rng.random((S, n)) < 0.3] = 1.0  # ties, broken by the lower index
    want = rng.exponential(10.0, size=(S, n))
    ok = rng.random((S, n)) < 0.5
    return prio, want, ok


@pytest.mark.parametrize("seed", SEEDS)
def test_first_fit_on_the_asking_plants_only(seed: int) -> None:
    """Leaving out the requests no row asks for (Infrastructure.allocate's columns) keeps
    the grants: the order of the others and the room they find are the same."""
    rng = np.random.default_rng(seed)
    S, n = int(rng.integers(1, 8)), int(rng.integers(2, 40))
    prio, want, ok = _requests(rng, S, n)
    cols = np.flatnonzero(ok.any(axis=0))
    room = rng.uniform(0.0, 1.2, size=S) * np.where(ok, want, 0.0).sum(axis=1)
    pri = np.where(ok, prio, -np.inf)
    full = allocate_first_fit(pri, np.where(ok, want, 0.0), room, eligible=ok)
    part = allocate_first_fit(
        pri[:, cols], np.where(ok, want, 0.0)[:, cols], room, eligible=ok[:, cols]
    )
    assert not full[:, np.setdiff1d(np.arange(n), cols)].any()
    assert np.array_equal(full[:, cols], part)
    Y = 6
    start = rng.integers(0, Y, size=(S, n))
    free = rng.uniform(0.0, 1.0, size=(S, Y)) * np.where(ok, want, 0.0).sum(axis=1)[:, None]
    end = rng.integers(1, Y + 1, size=S)
    full = allocate_first_fit_dated(pri, np.where(ok, want, 0.0), start, free, end, ok)
    part = allocate_first_fit_dated(
        pri[:, cols], np.where(ok, want, 0.0)[:, cols], start[:, cols], free, end, ok[:, cols]
    )
    assert np.array_equal(full[:, cols], part)


def _old_reserve(
    committed: np.ndarray,
    granted: np.ndarray,
    amount: np.ndarray,
    start: np.ndarray,
    last: np.ndarray,
) -> None:
    """The reservation as booked before: every plant's (zero) amount in the sums."""
    S, Y = committed.shape
    P = granted.shape[1]
    take = np.where(granted, amount, 0.0)
    rows = np.repeat(np.arange(S) * (Y + 1), P)
    end = np.broadcast_to(last[:, None], (S, P))
    at = np.concatenate([rows + start.ravel(), rows + end.ravel()])
    weights = np.concatenate([take.ravel(), -take.ravel()])
    delta = np.bincount(at, weights, minlength=S * (Y + 1)).reshape(S, Y + 1)
    committed += np.cumsum(delta, axis=-1)[:, :Y]


@pytest.mark.parametrize("seed", SEEDS)
def test_reserve_books_the_grants_only(seed: int) -> None:
    """Reserving on the grants only gives the same reservations (and each plant's holdings)
    as the sums over every plant, bit for bit."""
    rng = np.random.default_rng(seed)
    S, P, Y, Q = int(rng.integers(1, 6)), int(rng.integers(2, 40)), 8, 2
    cols = np.sort(rng.choice(P, size=int(rng.integers(1, P + 1)), replace=False))
    n = cols.size
    granted = rng.random((S, n)) < 0.6
    amount = rng.exponential(3.0, size=(S, n)) * 10.0 ** rng.integers(-3, 4, size=(S, n))
    start = rng.integers(0, Y, size=(S, n))
    last = rng.integers(0, Y + 1, size=S)
    before = rng.normal(size=(S, Q, Y))
    infra = SimpleNamespace(
        ctx=SimpleNamespace(S=S, Y=Y),
        committed=before.copy(),
        supply_pools=np.array([1]),
        held=np.zeros((S, P, Q)),
        claim_price=np.zeros((S, P)),
        step_price=lambda q, level: np.zeros_like(level),
    )

    def change(q: int, delta: np.ndarray) -> None:  # Infrastructure._change, without a cache
        infra.committed[:, q, :] += delta

    infra._change = change
    priority = rng.random((S, n))
    for q in range(Q):
        Infrastructure._reserve(infra, q, granted, amount, start, last, cols, priority)  # type: ignore[arg-type]
    full = np.zeros((S, P), dtype=bool)
    full[:, cols] = granted
    full_amount = np.zeros((S, P))
    full_amount[:, cols] = amount
    full_start = np.zeros((S, P), dtype=np.int64)
    full_start[:, cols] = start
    expected = before.copy()
    for q in range(Q):
        block = expected[:, q, :].copy()
        _old_reserve(block, full, full_amount, full_start, last)
        expected[:, q, :] = block
    assert infra.committed.tobytes() == expected.tobytes()
    # every pool's holdings are tracked (given back on release), not only the supply's
    for q in range(Q):
        assert np.array_equal(infra.held[:, :, q], np.where(full, full_amount, 0.0))


@pytest.mark.parametrize("seed", SEEDS)
def test_set_off_on_the_plants_with_a_surplus_and_levy(seed: int) -> None:
    """The CO2 levy's set-off worked out on the plants that have something to set off
    equals :func:`set_off` on every plant (refund, surplus left and levied tonnes), bit for
    bit; plants with no surplus or no earlier levy included (most of them)."""
    from kruispunt.policy.co2_levy import set_off, set_off_levied

    rng = np.random.default_rng(seed)
    S, P, n = int(rng.integers(1, 6)), int(rng.integers(2, 30)), int(rng.integers(0, 9))
    surplus = np.where(rng.random((S, P)) < 0.4, rng.exponential(50.0, (S, P)), 0.0)
    levied = np.where(rng.random((S, P, n)) < 0.3, rng.exponential(30.0, (S, P, n)), 0.0)
    gap = rng.normal(20.0, 30.0, size=(S, n))
    refunded, left = set_off(surplus, levied)
    expected_levied = np.maximum(levied - refunded, 0.0)
    expected_refund = np.einsum("spy,sy->sp", refunded, gap)
    got_levied = levied.copy()
    refund, got_left = set_off_levied(surplus, got_levied, gap)
    assert refund.tobytes() == expected_refund.tobytes()
    assert got_left.tobytes() == left.tobytes()
    assert got_levied.tobytes() == expected_levied.tobytes()


class _Pools:
    """The supply-curve part of an Infrastructure, for :meth:`Infrastructure._claim_prices`."""

    step_price = Infrastructure.step_price
    _claim_prices = Infrastructure._claim_prices

    def __init__(self, quantity: np.ndarray, price: np.ndarray) -> None:
        self._step_top = np.cumsum(quantity, axis=-1)
        self.ctx = SimpleNamespace(inputs=SimpleNamespace(pools=SimpleNamespace(step_price=price)))


@pytest.mark.parametrize("seed", SEEDS)
def test_claim_prices_on_the_claiming_options_only(seed: int) -> None:
    """The biomass step price of the reserved supply plus each option's claim, worked out on
    the options that claim something in some scenario, equals :meth:`step_price` on every
    option (most claim nothing: the price of what is reserved)."""
    rng = np.random.default_rng(seed)
    S, P, K, Q, N = int(rng.integers(1, 6)), int(rng.integers(1, 20)), 4, 2, 3
    quantity = rng.uniform(10.0, 50.0, size=(S, Q, N))
    price = np.cumsum(rng.uniform(0.0, 5.0, size=(S, Q, N)), axis=-1)
    pools = _Pools(quantity, price)
    reserved = rng.uniform(0.0, 120.0, size=S)
    need = np.where(rng.random((S, P, K)) < 0.15, rng.uniform(0.0, 60.0, (S, P, K)), 0.0)
    for q in range(Q):
        expected = pools.step_price(q, reserved[:, None, None] + need)
        got = pools._claim_prices(q, reserved, need)
        assert got.tobytes() == expected.tobytes()
