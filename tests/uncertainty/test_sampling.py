"""The designs and the map from the unit cube to factor values, by hand
(:mod:`kruispunt.uncertainty.sampling`)."""

from __future__ import annotations

import numpy as np
import pytest

from kruispunt.uncertainty.sampling import MORRIS_LEVELS, _morris, factor_values, make_design
from kruispunt.uncertainty.spec import Factor


def _factor(distribution: str, low: float, high: float, mode: float | None = None) -> Factor:
    return Factor(
        name="x",
        lever="discount_rate",
        distribution=distribution,  # type: ignore[arg-type]
        low=low,
        high=high,
        mode=mode,
        assumption="test",
    )


def test_independent_draws_give_each_future_its_own_stream() -> None:
    """``random``: future i is ``default_rng([seed, i])``'s first d numbers, so no two
    futures are alike and a future does not depend on how many are drawn."""
    des = make_design("random", 6, 3, seed=11)
    assert len({tuple(row) for row in des.u}) == 6
    for i in (0, 5):
        assert np.array_equal(des.u[i], np.random.default_rng([11, i]).random(3))


def test_sobol_design_of_any_size_is_the_start_of_the_balanced_sequence() -> None:
    """Scrambled Sobol, n = 5: the first 5 of the 8 points of the next power of two, the
    same points as the design of 8 begins with."""
    five, eight = make_design("sobol", 5, 2, seed=4), make_design("sobol", 8, 2, seed=4)
    assert five.u.shape == (5, 2)
    assert np.array_equal(five.u, eight.u[:5])
    # 8 points of a base-2 Sobol net: each half of each axis holds exactly 4
    for j in range(2):
        assert np.count_nonzero(eight.u[:, j] < 0.5) == 4


def test_morris_steps_move_one_factor_by_two_thirds() -> None:
    """Four levels (0, 1/3, 2/3, 1): every step of a trajectory moves exactly one factor,
    by Δ = levels / (2 (levels - 1)) = 4/6 = 2/3, and stays on the grid."""
    assert MORRIS_LEVELS == 4
    des = make_design("morris", 12, 3, seed=2)
    for t in range(12):
        rows = des.u[des.block == t]
        assert rows.shape == (4, 3)
        steps = np.diff(rows, axis=0)
        moved = np.abs(steps) > 1e-12
        assert (moved.sum(axis=1) == 1).all()
        assert np.abs(steps[moved]) == pytest.approx(np.full(3, 2 / 3))
        assert sorted(np.nonzero(moved)[1].tolist()) == [0, 1, 2]  # each factor once
        assert np.allclose(rows * 3, np.round(rows * 3))


def test_triangular_factor_by_hand() -> None:
    """Triangular on (0, 1, 4): F(1) = (1 - 0) / (4 - 0) = 0.25, so u = 0.25 maps to the
    mode; the median (u = 0.5 > 0.25) is 4 - sqrt(0.5 x 4 x 3) = 4 - sqrt(6) = 1.5505; u =
    0.1 is sqrt(0.1 x 4 x 1) = 0.6325."""
    f = _factor("triangular", 0.0, 4.0, mode=1.0)
    got = factor_values([f], np.array([[0.0], [0.1], [0.25], [0.5], [1.0]]))[:, 0]
    assert got == pytest.approx([0.0, np.sqrt(0.4), 1.0, 4 - np.sqrt(6), 4.0])


def test_integer_factor_gives_each_whole_number_an_equal_share() -> None:
    """Integer on 1..3: thirds of the unit interval, [0, 1/3) -> 1, [1/3, 2/3) -> 2,
    [2/3, 1] -> 3."""
    f = _factor("integer", 1, 3)
    u = np.array([[0.0], [0.1], [0.34], [0.6], [0.7], [0.99], [1.0]])
    assert factor_values([f], u)[:, 0].tolist() == [1, 1, 2, 2, 3, 3, 3]


def _path(shape: str) -> Factor:
    return Factor(
        name="eua",
        lever="eua_price",
        distribution="path",
        low={2030: 60.0},
        central={2030: 80.0},
        high={2030: 140.0},
        shape=shape,  # type: ignore[arg-type]
        assumption="test",
    )


def test_a_path_factor_is_a_position_from_the_low_to_the_high_path() -> None:
    """-1 the low path, 0 central, +1 high. ``uniform``: 2u - 1, so u = 0, 0.25, 0.5, 1 give
    -1, -0.5, 0, 1. ``triangular`` on (-1, 0, 1) (mode at u = 1/2): u = 0.125 gives
    -1 + sqrt(0.125 x 2 x 1) = -0.5, u = 0.875 gives 1 - sqrt(0.125 x 2 x 1) = 0.5."""
    u = np.array([[0.0], [0.25], [0.5], [1.0]])
    assert factor_values([_path("uniform")], u)[:, 0].tolist() == [-1.0, -0.5, 0.0, 1.0]
    tri = factor_values([_path("triangular")], np.array([[0.0], [0.125], [0.5], [0.875], [1.0]]))
    assert tri[:, 0] == pytest.approx([-1.0, -0.5, 0.0, 0.5, 1.0])


def test_triangular_factor_away_from_zero_by_hand() -> None:
    """Triangular on (2, 3, 6): F(3) = (3 - 2) / (6 - 2) = 1/4. u = 0.2 lies below it:
    2 + sqrt(0.2 x 4 x 1) = 2 + sqrt(0.8); u = 0.25 is the mode; u = 0.5: 6 - sqrt(0.5 x 4 x
    3) = 6 - sqrt(6)."""
    f = _factor("triangular", 2.0, 6.0, mode=3.0)
    got = factor_values([f], np.array([[0.2], [0.25], [0.5]]))[:, 0]
    assert got == pytest.approx([2 + np.sqrt(0.8), 3.0, 6 - np.sqrt(6)])


def test_lhs_points_lie_anywhere_in_their_strata() -> None:
    """Each future sits at a random place in its stratum (scipy's default, scrambled), not at
    the stratum's centre."""
    u = make_design("lhs", 20, 3, seed=4).u
    within = u * 20 - np.floor(u * 20)
    assert not np.allclose(within, 0.5)
    assert len(np.unique(np.round(within, 6))) == within.size


@pytest.mark.parametrize("levels", [2, 4, 6, 8])
def test_morris_grid_points_each_have_one_way_to_move(levels: int) -> None:
    """With an even number of levels every grid point moves up (lower half) or down (upper
    half) by Δ = levels / (2 (levels - 1)), never off the grid or out of [0, 1]: the step's
    direction needs no draw. Odd levels would leave the middle point nowhere to go."""
    u, block = _morris(5, 30, seed=4, levels=levels)
    assert (block == np.repeat(np.arange(30), 6)).all()
    delta = levels / (2 * (levels - 1))
    steps = np.diff(u.reshape(30, 6, 5), axis=1)
    moved = np.abs(steps) > 1e-12
    assert (moved.sum(axis=2) == 1).all()
    assert np.abs(steps[moved]) == pytest.approx(np.full(30 * 5, delta))
    assert u.min() >= 0.0 and u.max() <= 1.0
    on_grid = u * (levels - 1)
    assert np.allclose(on_grid, np.round(on_grid))
    starts = u.reshape(30, 6, 5)[:, :-1]
    up = steps > 1e-12
    assert (starts[up] < 0.5).all() and (starts[moved & ~up] > 0.5).all()
    with pytest.raises(ValueError, match="even number of levels, not 3"):
        _morris(2, 1, seed=0, levels=3)


def test_morris_trajectory_t_is_drawn_from_its_own_stream() -> None:
    """Trajectory t starts at the grid point ``default_rng([seed, t]).integers(0, 4, d) / 3``
    and moves the factors in the order of the same stream's next ``permutation(d)``, whatever
    the number of trajectories."""
    small, big = make_design("morris", 2, 3, seed=9), make_design("morris", 5, 3, seed=9)
    assert np.array_equal(small.u, big.u[: small.size])
    for t in (0, 4):
        rows = big.u[big.block == t]
        rng = np.random.default_rng([9, t])
        assert rows[0].tolist() == (rng.integers(0, 4, size=3) / 3).tolist()
        moved = np.nonzero(np.abs(np.diff(rows, axis=0)) > 1e-12)[1]
        assert moved.tolist() == rng.permutation(3).tolist()
