"""PRIM scenario discovery: boxes in factor space where a case of interest concentrates.

The Patient Rule Induction Method (Friedman & Fisher 1999), as used for scenario discovery
(Bryant & Lempert 2010), written from the papers:

1. **Peeling.** Start from the box holding every future. At each step, for every factor,
   try removing the futures below the ``alpha`` quantile (or above the ``1 - alpha``
   quantile) of that factor inside the box; for a factor with few distinct values (an
   integer delay) the peel removes its lowest (highest) value. Keep the peel with the
   largest gain in density (share of cases of interest in the box) per future removed
   (ties: the peel that removes fewer futures, then the first factor's lower side).
   Stop when no peel leaves at least ``min_mass`` of the futures in the box. Each step is
   a box on the **peeling trajectory**, the coverage-density trade-off.
2. **Pasting.** Each box on the trajectory is then widened again, one factor at a time,
   by ``alpha`` of its futures at a time, while that raises its density.
3. **Choice.** Among boxes whose coverage is at least ``min_coverage``, the chosen box
   balances the trade-off: the highest harmonic mean of coverage and density (ties: fewer
   restricted factors, then higher coverage). Its restrictions whose quasi-p-value exceeds
   ``max_qp`` are then dropped, worst first; the trajectory keeps the step as it was.

Coverage = cases in the box / all cases; density = cases in the box / futures in the box;
mass = futures in the box / all futures. For each restricted factor of the chosen box, a
quasi-p-value (one-sided binomial test: the density of the box against the density of the
box with that restriction dropped) tells how much the restriction matters.

References
----------
Friedman, J. H. & Fisher, N. I. (1999). Bump hunting in high-dimensional data. Statistics
and Computing 9, 123-143. https://doi.org/10.1023/A:1008894516817
Bryant, B. P. & Lempert, R. J. (2010). Thinking inside the box: a participatory,
computer-assisted approach to scenario discovery. Technological Forecasting and Social
Change 77, 34-49. https://doi.org/10.1016/j.techfore.2009.08.002
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy.stats import binom

F = npt.NDArray[np.float64]
B = npt.NDArray[np.bool_]


@dataclass(frozen=True)
class Box:
    """Limits per factor (inclusive) and the box's statistics."""

    lower: F
    upper: F
    coverage: float
    density: float
    mass: float
    restricted: tuple[str, ...]


@dataclass(frozen=True)
class PrimResult:
    """The peeling trajectory and the chosen box.

    Attributes
    ----------
    factors : tuple of str
    bounds : ndarray (d, 2)
        Range of each factor over all futures.
    boxes : list of Box
        The trajectory (after pasting), from the box of all futures on.
    chosen : int
        Index in ``boxes`` of the step the chosen box comes from.
    box : Box
        The chosen box: ``boxes[chosen]`` with the restrictions whose quasi-p-value exceeds
        ``max_qp`` dropped (so off the trajectory when any were dropped).
    base_density : float
        Share of cases among all futures.
    """

    factors: tuple[str, ...]
    bounds: F
    boxes: list[Box]
    chosen: int
    box: Box
    base_density: float
    n_cases: int
    n: int

    def trajectory(self) -> pd.DataFrame:
        """One row per box: ``step, coverage, density, mass, n_restricted, restricted``."""
        return pd.DataFrame(
            {
                "step": range(len(self.boxes)),
                "coverage": [b.coverage for b in self.boxes],
                "density": [b.density for b in self.boxes],
                "mass": [b.mass for b in self.boxes],
                "n_restricted": [len(b.restricted) for b in self.boxes],
                "restricted": [", ".join(b.restricted) for b in self.boxes],
            }
        )

    def limits(self, index: int | None = None) -> pd.DataFrame:
        """The restricted factors of a box (default: the chosen one): ``factor, lower,
        upper, min, max, qp_value``."""
        b = self.box if index is None else self.boxes[index]
        rows = []
        for j, name in enumerate(self.factors):
            if name in b.restricted:
                rows.append(
                    {
                        "factor": name,
                        "lower": float(b.lower[j]),
                        "upper": float(b.upper[j]),
                        "min": float(self.bounds[j, 0]),
                        "max": float(self.bounds[j, 1]),
                        "qp_value": _qp(*self._data, self.bounds, b, j),
                    }
                )
        return pd.DataFrame(rows, columns=["factor", "lower", "upper", "min", "max", "qp_value"])

    def describe(self) -> str:
        """The chosen box in one line: each restricted factor's range (three significant
        figures), then its coverage, density and mass; "no restriction" for the whole
        space."""
        b = self.box
        limits = ", ".join(
            f"{r.factor} in [{r.lower:.3g}, {r.upper:.3g}]" for r in self.limits().itertuples()
        )
        return (
            f"{limits or 'no restriction'} "
            f"(coverage {b.coverage:.2f}, density {b.density:.2f}, mass {b.mass:.2f})"
        )

    _data: tuple[F, B] = field(
        default=(np.zeros((0, 0)), np.zeros(0, dtype=bool)), repr=False, compare=False
    )


def _qp(x: F, y: B, bounds: F, b: Box, j: int) -> float:
    """Quasi-p-value of factor ``j``'s restriction of ``b``: the chance of at least the box's
    cases among its futures at the density of the box with that restriction dropped."""
    inside = _inside(x, b.lower, b.upper)
    lo, hi = b.lower.copy(), b.upper.copy()
    lo[j], hi[j] = bounds[j]
    relaxed = _inside(x, lo, hi)
    n_box, k_box = int(inside.sum()), int(y[inside].sum())
    p_relaxed = float(y[relaxed].mean()) if relaxed.any() else 0.0
    return float(binom.sf(k_box - 1, n_box, p_relaxed))


def _f1(b: Box) -> float:
    """Harmonic mean of coverage and density."""
    total = b.coverage + b.density
    return 2 * b.coverage * b.density / total if total else 0.0


def _inside(x: F, lower: F, upper: F) -> B:
    return np.asarray(((x >= lower) & (x <= upper)).all(axis=1))


def _box(x: F, y: B, lower: F, upper: F, bounds: F, names: tuple[str, ...]) -> Box:
    inside = _inside(x, lower, upper)
    n_in, cases = int(inside.sum()), int(y.sum())
    hits = int(y[inside].sum())
    restricted = tuple(
        n
        for j, n in enumerate(names)
        if lower[j] > bounds[j, 0] + 1e-12 or upper[j] < bounds[j, 1] - 1e-12
    )
    return Box(
        lower=lower.copy(),
        upper=upper.copy(),
        coverage=hits / cases if cases else 0.0,
        density=hits / n_in if n_in else 0.0,
        mass=n_in / len(y),
        restricted=restricted,
    )


def _peel_candidates(x: F, inside: B, lower: F, upper: F, alpha: float) -> list[tuple[F, F]]:
    out = []
    for j in range(x.shape[1]):
        col = x[inside, j]
        if col.size == 0:
            continue
        values = np.unique(col)
        if values.size < 2:
            continue
        lo_cut = np.quantile(col, alpha)
        if lo_cut <= values[0]:  # few distinct values: drop the lowest one
            lo_cut = values[1]
        new = lower.copy()
        new[j] = lo_cut
        out.append((new, upper.copy()))
        hi_cut = np.quantile(col, 1 - alpha)
        if hi_cut >= values[-1]:
            hi_cut = values[-2]
        new = upper.copy()
        new[j] = hi_cut
        out.append((lower.copy(), new))
    return out


def _paste(x: F, y: B, lower: F, upper: F, alpha: float) -> tuple[F, F]:
    lower, upper = lower.copy(), upper.copy()
    while True:
        inside = _inside(x, lower, upper)
        n_in = int(inside.sum())
        density = y[inside].mean() if n_in else 0.0
        step = max(int(np.ceil(alpha * n_in)), 1)
        best: tuple[float, F, F] | None = None
        for j in range(x.shape[1]):
            others = _inside(np.delete(x, j, axis=1), np.delete(lower, j), np.delete(upper, j))
            for side in (0, 1):
                cand = others & (x[:, j] < lower[j] if side == 0 else x[:, j] > upper[j])
                vals = np.sort(x[cand, j])
                if vals.size == 0:
                    continue
                edge = vals[-min(step, vals.size)] if side == 0 else vals[min(step, vals.size) - 1]
                lo, hi = lower.copy(), upper.copy()
                if side == 0:
                    lo[j] = edge
                else:
                    hi[j] = edge
                new_in = _inside(x, lo, hi)
                d = float(y[new_in].mean())
                if d > density + 1e-12 and (best is None or d > best[0]):
                    best = (d, lo, hi)
        if best is None:
            return lower, upper
        _, lower, upper = best


def prim(
    x: pd.DataFrame,
    y: npt.ArrayLike,
    *,
    alpha: float = 0.05,
    min_mass: float = 0.05,
    min_coverage: float = 0.5,
    paste: bool = True,
    max_qp: float = 0.05,
) -> PrimResult:
    """Find boxes of factor space where ``y`` (cases of interest) concentrates.

    Parameters
    ----------
    x : DataFrame
        One row per future, one numeric column per factor.
    y : array of bool
        Whether each future is a case of interest (e.g. the 2030 target is missed).
    alpha : float
        Share of the box's futures removed by one peel (and added by one paste).
    min_mass : float
        Smallest share of all futures a box may hold.
    min_coverage : float
        Coverage the chosen box must keep (the box of all futures always qualifies).
    max_qp : float
        Restrictions of the chosen box whose quasi-p-value exceeds this are dropped.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> x = pd.DataFrame(rng.random((2000, 3)), columns=["a", "b", "c"])
    >>> y = (x["a"] > 0.6) & (x["b"] < 0.3)
    >>> res = prim(x, y)
    >>> res.box.restricted, round(res.box.density, 2) >= 0.9
    (('a', 'b'), True)
    """
    names = tuple(str(c) for c in x.columns)
    xv = x.to_numpy(dtype=np.float64)
    yv = np.asarray(y, dtype=bool)
    if xv.shape[0] != yv.shape[0]:
        raise ValueError("x and y have different numbers of futures")
    if xv.shape[0] == 0:
        raise ValueError("no futures")
    bounds = np.stack([xv.min(axis=0), xv.max(axis=0)], axis=1)
    lower, upper = bounds[:, 0].copy(), bounds[:, 1].copy()
    peeled = [(lower.copy(), upper.copy())]
    n = len(yv)
    while True:
        inside = _inside(xv, lower, upper)
        n_old = int(inside.sum())
        d_old = float(yv[inside].mean())
        best: tuple[float, int, F, F] | None = None
        for lo, hi in _peel_candidates(xv, inside, lower, upper, alpha):
            new_in = _inside(xv, lo, hi)
            n_in = int(new_in.sum())
            if n_in < min_mass * n or n_in == n_old:
                continue
            # Friedman & Fisher's criterion: gain in density per future removed
            gain = (float(yv[new_in].mean()) - d_old) / (n_old - n_in)
            if best is None or (gain, n_in) > (best[0], best[1]):
                best = (gain, n_in, lo, hi)
        if best is None:
            break
        lower, upper = best[2], best[3]
        peeled.append((lower.copy(), upper.copy()))
    boxes = []
    for lo, hi in peeled:
        if paste:
            lo, hi = _paste(xv, yv, lo, hi, alpha)
        boxes.append(_box(xv, yv, lo, hi, bounds, names))
    eligible = [i for i, b in enumerate(boxes) if b.coverage >= min_coverage] or [0]
    chosen = max(
        eligible,
        key=lambda i: (
            round(_f1(boxes[i]), 12),
            -len(boxes[i].restricted),
            boxes[i].coverage,
        ),
    )
    # drop restrictions that do not matter (quasi-p-value above max_qp), worst first
    box = boxes[chosen]
    while True:
        qps = {j: _qp(xv, yv, bounds, box, j) for j, nm in enumerate(names) if nm in box.restricted}
        worst = max(qps, key=lambda j: qps[j], default=None)
        if worst is None or qps[worst] <= max_qp:
            break
        lo, hi = box.lower.copy(), box.upper.copy()
        lo[worst], hi[worst] = bounds[worst]
        box = _box(xv, yv, lo, hi, bounds, names)
    return PrimResult(
        names, bounds, boxes, chosen, box, float(yv.mean()), int(yv.sum()), n, _data=(xv, yv)
    )
