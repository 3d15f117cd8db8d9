"""Windows: the batch's expected paths written year-first are those of expected_many."""

from __future__ import annotations

import numpy as np
import pytest

from kruispunt.engine.expectations import Expected, Windows, expected_many, extend, window_average


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


def test_a_path_alike_in_every_scenario_is_worked_out_once_per_rate() -> None:
    """Six scenarios with three distinct (rate, myopic) pairs, as an ensemble's packages
    share their future's rate: a path the same in every scenario (broadcast, or repeated)
    gives the bits of expected_many, and so does a path that differs by scenario."""
    rng = np.random.default_rng(5)
    S, R, Y, extra = 6, 4, 5, 4
    rate = np.array([0.03, 0.07, 0.03, 0.07, 0.03, 0.07])
    myopic = np.array([False, False, False, False, True, True])
    lead = np.array([0, 2, 1, 0])
    life = np.array([3, 9, 2, 14])
    windows = [(lead, life), (np.zeros_like(lead), life)]
    w = Windows(rate, windows, Y + extra, Y, myopic)
    one = rng.normal(size=(1, R, Y + extra)) * 50.0
    paths = [
        np.broadcast_to(one, (S, R, Y + extra)),
        np.repeat(one, S, axis=0),
        rng.normal(size=(S, R, Y + extra)),
    ]
    for values in paths:
        want = expected_many(np.ascontiguousarray(values), rate, windows, Y, myopic)
        outs = [np.empty((Y, S, R)) for _ in windows]
        w.expected_into(values, outs)
        for got, ref in zip(outs, want, strict=True):
            assert np.array_equal(got, np.moveaxis(ref, -1, 0))


def _four_windows(Y: int, extra: int) -> tuple[Windows, list[tuple[np.ndarray, np.ndarray]]]:
    """Six scenarios at two rates (foresight and myopic), four routes, the valuation's four
    windows (a new route's, staying over the life, the exit horizons 1 and 3)."""
    rate = np.array([0.03, 0.07, 0.03, 0.07, 0.03, 0.07])
    myopic = np.array([False, False, True, False, True, True])
    lead = np.array([0, 2, 1, 0])
    life = np.array([3, 9, 2, 14])
    zero = np.zeros_like(lead)
    windows = [(lead, life), (zero, life), (zero, np.minimum(life, 1)), (zero, np.minimum(life, 3))]
    return Windows(rate, windows, Y + extra, Y, myopic), windows


def test_expected_year_by_year_equals_the_year_first_buffers() -> None:
    """Expected (the cumulative sums kept, one year worked out when asked for) gives, year by
    year and window by window, the bits expected_into writes: foresight and myopic
    scenarios, a path alike in every scenario (worked out once per rate) and one that is
    not."""
    rng = np.random.default_rng(11)
    S, R, Y, extra = 6, 4, 5, 4
    w, windows = _four_windows(Y, extra)
    one = rng.normal(size=(1, R, Y + extra)) * 50.0
    for values in (np.broadcast_to(one, (S, R, Y + extra)), rng.normal(size=(S, R, Y + extra))):
        outs = [np.empty((Y, S, R)) for _ in windows]
        w.expected_into(values, outs)
        e = Expected(w, values)
        for t in (0, 3, 3, 1, Y - 1):
            got = e.year(t)
            assert got.shape == (S, R, len(windows))
            for j, out in enumerate(outs):
                assert np.array_equal(got[..., j], out[t])
    with pytest.raises(ValueError, match="a path over"):
        Expected(w, rng.normal(size=(S, R, Y)))


def test_a_path_the_same_on_every_route_is_summed_on_one() -> None:
    """A path broadcast over the routes (a price, a tariff) keeps the sums of one route: its
    years hold, window by window, the bits of the same path written out on every route;
    alike in every scenario or not, foresight and myopic scenarios."""
    rng = np.random.default_rng(17)
    S, R, Y, extra = 6, 4, 5, 4
    w, windows = _four_windows(Y, extra)
    alike = np.broadcast_to(rng.normal(size=(1, 1, Y + extra)) * 50.0, (S, R, Y + extra))
    own = np.broadcast_to(rng.normal(size=(S, 1, Y + extra)) * 50.0, (S, R, Y + extra))
    for values in (alike, own):
        one = Expected(w, values)
        full = Expected(w, np.ascontiguousarray(values))
        for t in (0, 3, 3, 1, Y - 1):
            got, want = one.year(t), full.year(t)
            assert got.shape == want.shape == (S, R, len(windows))
            assert np.array_equal(got.view(np.uint64), want.view(np.uint64))
            assert not np.array_equal(got[:, 0], got[:, 1])  # the routes' windows differ
        sums = (one._alike or one)._sums()
        assert sums.shape[0] == Y + extra + 1  # one route's sums


def _eight_scenarios() -> tuple[np.ndarray, np.ndarray, list[tuple[np.ndarray, np.ndarray]]]:
    """Eight scenarios at four distinct (rate, foresight) pairs (``[0, 1, 0, 1, 0, 1, 2, 3]``,
    as an ensemble's packages share their future's rate), four routes, three windows (a new
    route's, staying over the life, the exit horizon 3)."""
    rate = np.array([0.03, 0.07] * 4)
    myopic = np.array([False] * 6 + [True, True])
    lead = np.array([0, 2, 1, 0])
    life = np.array([3, 9, 2, 14])
    windows = [(lead, life), (np.zeros_like(lead), life), (np.zeros_like(lead), life.clip(0, 3))]
    return rate, myopic, windows


def test_a_path_alike_by_rate_is_worked_out_once_per_rate() -> None:
    """Eight scenarios, four distinct (rate, foresight) pairs, as an ensemble's packages
    share their future's rate: a path the same in the scenarios that discount alike (a
    price of the future) is worked out on four rows and gives, year by year, the bits of
    the same path worked out on every row (expected_many); a path one scenario of which
    differs from its rate's first in its last step alone is worked out on every row."""
    rng = np.random.default_rng(23)
    R, Y, extra = 4, 5, 4
    rate, myopic, windows = _eight_scenarios()
    w = Windows(rate, windows, Y + extra, Y, myopic)
    group = np.array([0, 1, 0, 1, 0, 1, 2, 3])  # each scenario's (rate, foresight)
    by_rate = (rng.normal(size=(4, R, Y + extra)) * 50.0)[group]
    apart = by_rate.copy()
    apart[4, 2, -1] += 1.0  # scenario 4 discounts as 0 and 2 do, one value differs
    assert w.alike_by_rate(by_rate) and not w.alike_by_rate(apart)
    for values, alike in ((by_rate, True), (apart, False)):
        e = Expected(w, values)
        assert e.alike is alike
        want = expected_many(values, rate, windows, Y, myopic)
        for t in (0, 3, 3, 1, Y - 1):
            got = e.year(t)
            for j, ref in enumerate(want):
                assert np.array_equal(got[..., j].view(np.uint64), ref[..., t].view(np.uint64))
        if alike:
            assert e.own_year(0).shape[-1] == 4  # one row per distinct rate
    # no two scenarios discounting alike: nothing is shared
    single = Windows(np.array([0.03, 0.07]), windows, Y + extra, Y, np.zeros(2, dtype=bool))
    assert not single.alike_by_rate(np.zeros((2, R, Y + extra)))


def test_a_path_alike_but_on_its_own_routes_is_worked_out_in_two_parts() -> None:
    """A path alike by rate on every route but one, which differs in each scenario (a
    flexible load in each scenario's own mix), is worked out once per rate on the others
    and per scenario on that one (mixed): its years and the entries the valuation gathers
    (Positions, one term and several side by side) hold the bits of the same path worked
    out on every row (expected_many); a path that differs elsewhere too is not mixed."""
    from kruispunt.engine.valuation import Positions

    rng = np.random.default_rng(29)
    R, Y, extra = 4, 5, 4
    rate, myopic, windows = _eight_scenarios()
    own = np.array([2])
    w = Windows(rate, windows, Y + extra, Y, myopic, own_routes=own)
    group = np.array([0, 1, 0, 1, 0, 1, 2, 3])
    mixed = (rng.normal(size=(4, R, Y + extra)) * 50.0)[group]
    mixed[:, 2] = rng.normal(size=(8, Y + extra)) * 50.0  # route 2: each scenario its own
    other = mixed.copy()
    other[4, 1, -1] += 1.0  # and route 1 of scenario 4
    routes = np.array([[0, 2, 3, 2, 1]])  # the entries gathered: (1, V) slots
    cur = rng.integers(0, R, size=(8, 3))  # (S, P) current routes, over two windows
    for values, is_mixed in ((mixed, True), (other, False)):
        e = Expected(w, values)
        assert e.mixed is is_mixed and not e.alike
        want = expected_many(values, rate, windows, Y, myopic)
        slots = Positions(w, routes, 0, R, len(windows))
        stay = Positions(w, cur, np.array([1, 2]), R, len(windows))
        for t in (0, 3, 3, 1, Y - 1):
            got = e.year(t)
            for j, ref in enumerate(want):
                assert np.array_equal(got[..., j].view(np.uint64), ref[..., t].view(np.uint64))
            new = slots.take(e, t)
            assert np.array_equal(new, want[0][:, routes[0], t])
            s = np.arange(8)[:, None]
            both = np.stack([want[1][s, cur, t], want[2][s, cur, t]], axis=-1)
            assert np.array_equal(stay.take(e, t), both)
            pick = np.array(rng.integers(0, 2, size=(8, 5)))
            side = slots.choose([e, Expected(w, values * 2.0)], pick, t)
            # scaling by 2 is exact: the doubled path's entries are twice the path's
            assert np.array_equal(side, np.where(pick == 1, 2.0 * new, new))
        if is_mixed:  # the shared routes on one row per rate, route 2 on every scenario's
            assert e.own_year(0).size == (R * 4 + 1 * 8) * len(windows)


def test_extend_holds_the_last_value() -> None:
    np.testing.assert_array_equal(extend(np.array([[1.0, 2.0, 3.0]]), 2), [[1, 2, 3, 3, 3]])
    path = np.array([[5.0, 6.0]])
    assert extend(path, 0) is path


def test_window_average_by_hand_with_discounting() -> None:
    """At 10 %/yr a year k into the window weighs 1/1.1^k. Decision year 0, window of 2
    from now: (1 + 2/1.1) / (1 + 1/1.1); year 1: (2 + 3/1.1) / (1 + 1/1.1). A window of 3
    starting a year later, on the path held flat after its last year (``extend``): year 1
    reads 3, 4, 4."""
    v = extend(np.array([[[1.0, 2.0, 3.0, 4.0]]]), 2)
    rate = np.array([0.1])
    d = 1 / 1.1
    got = window_average(v, rate, np.array([0]), np.array([2]), 2)
    np.testing.assert_allclose(
        got[0, 0], [(1 + 2 * d) / (1 + d), (2 + 3 * d) / (1 + d)], rtol=1e-14
    )
    later = window_average(v, rate, np.array([1]), np.array([3]), 2)
    np.testing.assert_allclose(
        later[0, 0, 1], (3 + 4 * d + 4 * d * d) / (1 + d + d * d), rtol=1e-14
    )
