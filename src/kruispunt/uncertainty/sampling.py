"""Designs in the unit cube and the map from the cube to factor values.

Every design is a pure function of ``(method, n, d, seed)``: the whole design is drawn
from the root seed before any run, so a future's values depend only on its index, never on
batch size, worker count, backend or shard. Independent draws (``random``) go further:
future ``i`` is drawn from its own stream ``numpy.random.default_rng([seed, i])``.

Designs
-------
``lhs``
    Latin hypercube (:class:`scipy.stats.qmc.LatinHypercube`), ``n`` futures.
``sobol``
    Scrambled Sobol sequence (:class:`scipy.stats.qmc.Sobol`), the first ``n`` points
    (balanced when ``n`` is a power of two).
``random``
    Independent uniform draws, one stream per future.
``saltelli``
    The radial design of Saltelli et al. (2010) for Sobol indices: matrices A and B
    (``n`` rows each, from one scrambled Sobol sequence of dimension 2d) and, per factor
    i, AB_i (A with column i from B): ``n * (d + 2)`` futures.
``morris``
    ``n`` one-at-a-time trajectories on a ``levels``-level grid (Morris 1991), each of
    d + 1 points; trajectory ``t`` is drawn from stream ``default_rng([seed, t])``.

References
----------
Saltelli, A. et al. (2010). Variance based sensitivity analysis of model output. Computer
Physics Communications 181, 259-270. https://doi.org/10.1016/j.cpc.2009.09.018
Morris, M. D. (1991). Factorial sampling plans for preliminary computational experiments.
Technometrics 33, 161-174. https://doi.org/10.1080/00401706.1991.10484804
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt
from scipy.stats import qmc

from kruispunt.uncertainty.spec import Factor

F = npt.NDArray[np.float64]
I = npt.NDArray[np.int64]  # noqa: E741

Method = Literal["lhs", "sobol", "random", "saltelli", "morris"]
METHODS: tuple[Method, ...] = ("lhs", "sobol", "random", "saltelli", "morris")

MORRIS_LEVELS = 4
"""Grid levels of Morris trajectories (step = levels / (2 (levels - 1)) = 2/3)."""

BLOCK_A, BLOCK_B = 0, 1
"""Saltelli blocks: A, B, then 2 + i for AB_i."""


@dataclass(frozen=True)
class Design:
    """A design: one row per future.

    Attributes
    ----------
    method, n, seed
        How it was drawn (``n`` as requested: base samples or trajectories for
        ``saltelli`` and ``morris``).
    u : ndarray (futures, d)
        Points in the unit cube [0, 1].
    block : ndarray (futures,)
        ``saltelli``: 0 for A, 1 for B, 2 + i for AB_i; ``morris``: the trajectory; else 0.
    """

    method: Method
    n: int
    seed: int
    u: F
    block: I

    @property
    def size(self) -> int:
        return int(self.u.shape[0])


def future_count(method: Method, n: int, d: int) -> int:
    """Number of futures a design of ``n`` gives for ``d`` factors."""
    if method == "saltelli":
        return n * (d + 2)
    if method == "morris":
        return n * (d + 1)
    return n


def make_design(method: Method, n: int, d: int, seed: int) -> Design:
    """Draw a design of ``n`` (see the module docstring) over ``d`` factors from ``seed``.

    Examples
    --------
    >>> a = make_design("lhs", 8, 2, seed=1)
    >>> b = make_design("lhs", 8, 2, seed=1)
    >>> bool((a.u == b.u).all()), a.u.shape
    (True, (8, 2))
    >>> sorted((make_design("lhs", 4, 1, seed=3).u[:, 0] * 4).astype(int).tolist())
    [0, 1, 2, 3]
    """
    if n < 1 or d < 1:
        raise ValueError("a design needs n >= 1 and d >= 1")
    if method == "lhs":
        u = qmc.LatinHypercube(d=d, rng=np.random.default_rng(seed)).random(n)
        block = np.zeros(n, dtype=np.int64)
    elif method == "sobol":
        u = _sobol(d, n, seed)
        block = np.zeros(n, dtype=np.int64)
    elif method == "random":
        u = np.stack([np.random.default_rng([seed, i]).random(d) for i in range(n)])
        block = np.zeros(n, dtype=np.int64)
    elif method == "saltelli":
        u, block = _saltelli(d, n, seed)
    elif method == "morris":
        u, block = _morris(d, n, seed)
    else:
        raise ValueError(f"unknown design '{method}'; allowed: {', '.join(METHODS)}")
    return Design(method=method, n=n, seed=seed, u=np.asarray(u, dtype=np.float64), block=block)


def _sobol(d: int, n: int, seed: int) -> F:
    m = max(int(np.ceil(np.log2(n))), 0)
    pts = qmc.Sobol(d=d, scramble=True, rng=np.random.default_rng(seed)).random_base2(m)
    return np.asarray(pts[:n], dtype=np.float64)


def _saltelli(d: int, n: int, seed: int) -> tuple[F, I]:
    base = _sobol(2 * d, n, seed)
    a, b = base[:, :d], base[:, d:]
    rows = [a, b]
    for i in range(d):
        ab = a.copy()
        ab[:, i] = b[:, i]
        rows.append(ab)
    block = np.repeat(np.arange(d + 2, dtype=np.int64), n)
    return np.concatenate(rows), block


def _morris(d: int, r: int, seed: int, levels: int = MORRIS_LEVELS) -> tuple[F, I]:
    """``r`` trajectories of ``d + 1`` points each: a random grid point, then each factor in
    random order moved by ``delta``. With an even number of levels and ``delta = levels /
    (2 (levels - 1))`` every grid point can move one way only (up from the lower half of the
    grid, down from the upper half), so the direction is not drawn."""
    if levels % 2:
        raise ValueError(f"Morris trajectories need an even number of levels, not {levels}")
    delta = levels / (2.0 * (levels - 1))
    grid = np.arange(levels) / (levels - 1)
    out = np.empty((r * (d + 1), d))
    for t in range(r):
        rng = np.random.default_rng([seed, t])
        x = grid[rng.integers(0, levels, size=d)]
        order = rng.permutation(d)
        rows = [x.copy()]
        for j in order:
            step = delta if x[j] + delta <= 1 + 1e-12 else -delta
            x[j] = float(np.clip(x[j] + step, 0.0, 1.0))
            rows.append(x.copy())
        out[t * (d + 1) : (t + 1) * (d + 1)] = np.stack(rows)
    return out, np.repeat(np.arange(r, dtype=np.int64), d + 1)


# --- from the unit cube to factor values ------------------------------------------------------


def _triangular_ppf(u: F, low: float, mode: float, high: float) -> F:
    c = (mode - low) / (high - low)
    left = low + np.sqrt(u * (high - low) * (mode - low))
    right = high - np.sqrt((1 - u) * (high - low) * (high - mode))
    return np.where(u < c, left, right)


def factor_values(factors: Sequence[Factor], u: F) -> F:
    """The sampled number of each factor ``(futures, d)`` for unit-cube points ``u``.

    A ``path`` factor's number is its position: -1 the low path, 0 central, +1 high.

    Examples
    --------
    >>> from kruispunt.uncertainty.spec import Factor
    >>> f = Factor(name="x", lever="discount_rate", distribution="uniform", low=0.05,
    ...            high=0.1, assumption="test")
    >>> factor_values([f], np.array([[0.0], [0.5], [1.0]]))[:, 0].round(3).tolist()
    [0.05, 0.075, 0.1]
    """
    u = np.atleast_2d(np.asarray(u, dtype=np.float64))
    out = np.empty_like(u)
    for j, f in enumerate(factors):
        col = np.clip(u[:, j], 0.0, 1.0)
        if f.distribution == "path":
            out[:, j] = 2 * col - 1 if f.shape == "uniform" else _triangular_ppf(col, -1, 0, 1)
            continue
        low, high = float(f.low), float(f.high)  # type: ignore[arg-type]
        if f.distribution == "uniform":
            out[:, j] = low + col * (high - low)
        elif f.distribution == "triangular":
            out[:, j] = _triangular_ppf(col, low, float(f.mode), high)  # type: ignore[arg-type]
        else:  # integer: each whole number equally likely
            k = np.floor(col * (high - low + 1))
            out[:, j] = np.minimum(low + k, high)
    return out
