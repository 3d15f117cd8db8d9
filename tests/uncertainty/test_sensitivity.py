"""Sobol and Morris estimators on designs small enough to follow by hand
(:mod:`kruispunt.uncertainty.sensitivity`)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import norm

from kruispunt.uncertainty.sensitivity import morris_indices, sobol_indices

# a saltelli design of n = 2 rows over d = 2 factors, blocks A, B, AB_0, AB_1, written out
FA, FB = np.array([1.0, 3.0]), np.array([2.0, 4.0])
FAB = np.array([[2.0, 3.0], [1.5, 3.0]])
Y = np.concatenate([FA, FB, FAB[0], FAB[1]])
BLOCK = np.repeat([0, 1, 2, 3], 2)


def test_sobol_point_estimates_by_hand() -> None:
    """The outputs are centred on their mean over the design, 19.5 / 8 = 2.4375, so f(B)
    is -0.4375, 1.5625. V = the (population) variance of f(A), f(B) = 1, 3, 2, 4: 1.25.
    S1_i = mean(f(B) (f(AB_i) - f(A))) / V: factor 0 mean(-0.4375 x 1, 1.5625 x 0) / 1.25 =
    -0.175, factor 1 mean(-0.4375 x 0.5, 1.5625 x 0) / 1.25 = -0.0875.
    ST_i = mean((f(A) - f(AB_i))^2) / (2 V): factor 0 mean(1, 0) / 2.5 = 0.2, factor 1
    mean(0.25, 0) / 2.5 = 0.05."""
    res = sobol_indices(Y, BLOCK, ["x0", "x1"], n_boot=2, seed=0)
    assert res["S1"].tolist() == pytest.approx([-0.175, -0.0875])
    assert res["ST"].tolist() == pytest.approx([0.2, 0.05])


def test_sobol_indices_do_not_move_with_a_shift_of_the_output() -> None:
    """S1 and ST of y + c are those of y (the uncentred first-order estimator moved by c x
    mean(f(AB_i) - f(A)) / V: here by 1,000 x 0.5 / 1.25 = 400 for factor 0)."""
    shifted = sobol_indices(Y + 1000.0, BLOCK, ["x0", "x1"], n_boot=2, seed=0)
    res = sobol_indices(Y, BLOCK, ["x0", "x1"], n_boot=2, seed=0)
    for col in ("S1", "ST", "S1_conf", "ST_conf"):
        assert shifted[col].to_numpy() == pytest.approx(res[col].to_numpy(), abs=1e-9), col


def _point(fa: np.ndarray, fb: np.ndarray, fab: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The estimates on outputs already centred."""
    v = np.var(np.concatenate([fa, fb]))
    s1 = (fb * (fab - fa)).mean(axis=1) / v
    st = ((fa - fab) ** 2).mean(axis=1) / (2 * v)
    return s1, st


def test_sobol_intervals_resample_whole_rows() -> None:
    """The bootstrap redraws row indices (``default_rng(seed).integers(0, n, n)`` per
    resample) and takes rows i of A, B and every AB_i together; the half-width is z x the
    sample standard deviation (ddof 1) of the resampled estimates. Two resamples of a design
    of n = 6: the standard deviation of two numbers is |b1 - b2| / sqrt(2)."""
    rng = np.random.default_rng(3)
    fa, fb = rng.random(6), rng.random(6) + 1
    fab = np.stack([fb + 0.1 * rng.random(6), fa + 0.2 * rng.random(6)])
    y = np.concatenate([fa, fb, fab[0], fab[1]])
    block = np.repeat([0, 1, 2, 3], 6)
    res = sobol_indices(y, block, ["x0", "x1"], n_boot=2, seed=4)
    c = y.mean()  # centred once, on the whole design, before any resample
    fa, fb, fab = fa - c, fb - c, fab - c
    draws = np.random.default_rng(4)
    boots = [_point(fa[i], fb[i], fab[:, i]) for i in (draws.integers(0, 6, 6) for _ in range(2))]
    z = norm.ppf(0.975)
    s1_half = z * np.abs(boots[0][0] - boots[1][0]) / np.sqrt(2)
    st_half = z * np.abs(boots[0][1] - boots[1][1]) / np.sqrt(2)
    assert res["S1_conf"].to_numpy() == pytest.approx(s1_half, rel=1e-12)
    assert res["ST_conf"].to_numpy() == pytest.approx(st_half, rel=1e-12)
    assert res["S1"].to_numpy() == pytest.approx(_point(fa, fb, fab)[0], rel=1e-12)


def test_an_undefined_output_gives_no_indices_for_any_factor() -> None:
    """One NaN, in block AB_1 only: f(A), f(B) and f(AB_0) are whole, so factor 0's
    estimates could be computed (S1 0.8), but the output is incomplete: every index of every
    factor is NaN."""
    y = Y.copy()
    y[6] = np.nan  # the first row of AB_1
    res = sobol_indices(y, BLOCK, ["x0", "x1"], n_boot=5)
    assert res[["S1", "S1_conf", "ST", "ST_conf"]].isna().all().all()


# four hand-made Morris trajectories over two factors on the 4-level grid (delta 2/3)
THIRD = 1 / 3
U = np.array(
    [
        [0, 0], [2 * THIRD, 0], [2 * THIRD, 2 * THIRD],  # x0 up, then x1 up
        [1, THIRD], [1, 1], [THIRD, 1],  # x1 up, then x0 down
        [THIRD, 2 * THIRD], [THIRD, 0], [1, 0],  # x1 down, then x0 up
        [0, THIRD], [2 * THIRD, THIRD], [2 * THIRD, 1],  # the run of an undefined output
    ]
)  # fmt: skip
YM = np.array([0, 2, 1, 4, 3, 5, 2, 2, 6, 1, np.nan, 1], dtype=float)
BLOCKM = np.repeat([0, 1, 2, 3], 3)


def test_morris_statistics_by_hand() -> None:
    """Elementary effects (change of y / signed step): x0: (2 - 0) / (2/3) = 3,
    (5 - 3) / (-2/3) = -3, (6 - 2) / (2/3) = 6; x1: (1 - 2) / (2/3) = -1.5,
    (3 - 4) / (2/3) = -1.5, (2 - 2) / (-2/3) = 0. The fourth trajectory's effects are
    undefined (NaN output) and left out. x0: mu 2, mu* 4, sigma sqrt(((3-2)^2 + (-3-2)^2 +
    (6-2)^2) / 2) = sqrt(21); x1: mu -1, mu* 1, sigma sqrt((0.25 + 0.25 + 1) / 2) =
    sqrt(0.75)."""
    res = morris_indices(U, YM, BLOCKM, ["x0", "x1"]).set_index("factor")
    assert res.loc["x0", ["mu", "mu_star", "sigma"]].tolist() == pytest.approx([2, 4, 21**0.5])
    assert res.loc["x1", ["mu", "mu_star", "sigma"]].tolist() == pytest.approx([-1, 1, 0.75**0.5])
    assert res["n"].tolist() == [3, 3]
