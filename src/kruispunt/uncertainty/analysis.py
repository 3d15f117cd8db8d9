"""Everything the robustness report shows, computed from a stored ensemble.

:func:`analyse` reads an ensemble's outcomes and futures and returns an :class:`Analysis`:
the robustness table and the most robust package per outcome
(:mod:`~kruispunt.uncertainty.robustness`), satisficing, PRIM boxes for the futures where a
package misses a target and, where it misses it in most futures, for those where it meets
it (:mod:`~kruispunt.uncertainty.prim`), a tornado per package
(the outcome's mean in the fifth of the futures where each factor is lowest and the fifth
where it is highest, for any design),
Sobol indices (``saltelli`` designs) or Morris statistics (``morris`` designs)
(:mod:`~kruispunt.uncertainty.sensitivity`), and the percentile bands of the trajectories
(fan charts).

Robustness and PRIM use the futures that sample the space evenly: every future of an
``lhs``, ``sobol`` or ``random`` design, blocks A and B of a ``saltelli`` design, and every
point of a ``morris`` design (a grid: coarser, reported as such).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd

from kruispunt.errors import KruispuntError
from kruispunt.store import Ensemble
from kruispunt.uncertainty.prim import PrimResult, prim
from kruispunt.uncertainty.robustness import most_robust, robustness_table, satisficing, wide
from kruispunt.uncertainty.sampling import BLOCK_A, BLOCK_B
from kruispunt.uncertainty.sensitivity import morris_indices, sobol_indices
from kruispunt.uncertainty.spec import Outcome, UncertaintySpec

FAN_PERCENTILES = (5, 25, 50, 75, 95)
TORNADO_SHARE = 0.2


@dataclass
class Analysis:
    """Results of :func:`analyse` (tables are tidy DataFrames)."""

    ensemble_id: str
    spec: UncertaintySpec
    manifest: dict[str, object]
    n_futures: int
    n_explore: int
    robustness: pd.DataFrame
    most_robust: pd.DataFrame
    satisficing: pd.DataFrame
    prim_outcome: str
    prim: dict[str, dict[str, PrimResult]] = field(default_factory=dict)
    """PRIM per outcome with a target (``prim_outcome`` first) and package, for the futures
    where the package misses the target; a package that misses it in no future, or in
    every future, has no box."""
    prim_met: dict[str, dict[str, PrimResult]] = field(default_factory=dict)
    """PRIM per outcome with a target and package for the futures where the package *meets*
    the target, when it meets it in fewer futures than it misses it (but in some): a miss in
    most futures leaves PRIM no box to draw around the misses (its best box is the whole
    space, at the miss rate), while the rarer successes can be bounded: the conditions under
    which the target is within reach."""
    misses: pd.DataFrame = field(default_factory=pd.DataFrame)
    """``outcome, package, missed, futures``: how many futures miss each target."""
    tornado: pd.DataFrame = field(default_factory=pd.DataFrame)
    """``package, outcome, factor, low, high, mean, swing``."""
    sobol: pd.DataFrame = field(default_factory=pd.DataFrame)
    """``package, outcome, factor, S1, S1_conf, ST, ST_conf`` (saltelli designs)."""
    morris: pd.DataFrame = field(default_factory=pd.DataFrame)
    """``package, outcome, factor, mu, mu_star, sigma, n`` (morris designs)."""
    fans: pd.DataFrame = field(default_factory=pd.DataFrame)
    """``package, metric, year, p5 .. p95``."""
    n_design: int = 0
    """Futures of the design, ``n_futures`` of them finished: fewer in an interrupted run or
    a single shard, whose analysis covers the finished futures only."""

    @property
    def complete(self) -> bool:
        """Whether every future of the design is finished (and analysed)."""
        return self.n_futures >= self.n_design


def _outcome(spec: UncertaintySpec, name: str) -> Outcome:
    for o in spec.outcomes:
        if o.name == name:
            return o
    raise KruispuntError(
        f"unknown outcome '{name}'; outcomes: {', '.join(o.name for o in spec.outcomes)}"
    )


def tornado(x: pd.DataFrame, y: pd.Series, share: float = TORNADO_SHARE) -> pd.DataFrame:
    """Mean of ``y`` where each factor is in the lowest / highest ``share`` of its futures.

    Returns ``factor, low, high, mean, swing`` sorted by ``|swing|`` (largest first).

    Examples
    --------
    >>> x = pd.DataFrame({"a": np.linspace(0, 1, 101), "b": np.zeros(101)})
    >>> t = tornado(x, 2 * x["a"])
    >>> t["factor"].tolist(), round(float(t["swing"].iloc[0]), 2)
    (['a', 'b'], 1.62)
    """
    rows = []
    ok = y.notna().to_numpy()
    for name in x.columns:
        col = x[name].to_numpy(dtype=np.float64)[ok]
        yv = y.to_numpy(dtype=np.float64)[ok]
        if yv.size == 0:
            continue
        order = np.argsort(col, kind="stable")
        k = max(round(share * col.size), 1)
        low, high = float(yv[order[:k]].mean()), float(yv[order[-k:]].mean())
        if np.ptp(col) == 0:
            low = high = float(yv.mean())
        rows.append(
            {
                "factor": name,
                "low": low,
                "high": high,
                "mean": float(yv.mean()),
                "swing": high - low,
            }
        )
    out = pd.DataFrame(rows, columns=["factor", "low", "high", "mean", "swing"])
    return out.reindex(out["swing"].abs().sort_values(ascending=False, kind="stable").index)


def analyse(
    ensemble: Ensemble,
    *,
    prim_outcome: str | None = None,
    alpha: float = 0.05,
    min_coverage: float = 0.5,
) -> Analysis:
    """Analyse a stored ensemble (see the module docstring).

    Parameters
    ----------
    prim_outcome : str, optional
        Outcome whose missed target PRIM explains (default: the first outcome with a
        target).
    alpha, min_coverage
        PRIM's peeling share and the coverage its chosen box must keep.
    """
    # written from a checked specification; its years came back as JSON text keys
    spec = UncertaintySpec.model_validate(ensemble.manifest["spec"], strict=False)
    out = ensemble.outcomes()
    if out.empty:
        raise KruispuntError(f"ensemble {ensemble.folder.name} has no finished batches")
    futures = ensemble.futures().set_index("future")
    method = str(dict(ensemble.manifest["key"])["method"])
    explore_rows = futures.index
    if method == "saltelli":
        explore_rows = futures.index[futures["block"].isin([BLOCK_A, BLOCK_B])]
    done = np.unique(out["future"].to_numpy())
    explore_rows = explore_rows.intersection(pd.Index(done))
    sub = out[out["future"].isin(explore_rows)]
    factor_names = [f.name for f in spec.factors]
    x = futures.loc[explore_rows, factor_names]

    table = robustness_table(sub, spec.outcomes)
    targeted = [o for o in spec.outcomes if o.target is not None]
    if prim_outcome is None:
        prim_outcome = targeted[0].name if targeted else ""
    res = Analysis(
        ensemble_id=ensemble.folder.name,
        spec=spec,
        manifest=ensemble.manifest,
        n_futures=len(done),
        n_explore=len(explore_rows),
        n_design=len(futures),
        robustness=table,
        most_robust=most_robust(table, spec.outcomes),
        satisficing=satisficing(sub, spec.outcomes),
        prim_outcome=prim_outcome,
    )
    for name in [prim_outcome] if prim_outcome else []:
        res.prim[name] = _prim_for(spec, name, sub, x, explore_rows, alpha, min_coverage)
    for o in targeted:
        if o.name not in res.prim:
            res.prim[o.name] = _prim_for(spec, o.name, sub, x, explore_rows, alpha, min_coverage)
    for o in targeted:
        met = _prim_for(spec, o.name, sub, x, explore_rows, alpha, min_coverage, case="met")
        if met:
            res.prim_met[o.name] = met
    res.misses = _misses(spec, sub, explore_rows)
    tornados = []
    for o in spec.outcomes:
        v = wide(sub, o.name).reindex(explore_rows)
        for pkg in v.columns:
            t = tornado(x, v[pkg])
            t.insert(0, "outcome", o.name)
            t.insert(0, "package", pkg)
            tornados.append(t)
    res.tornado = pd.concat(tornados, ignore_index=True) if tornados else pd.DataFrame()
    if method in ("saltelli", "morris") and len(done) == len(futures):
        seed = int(dict(ensemble.manifest["key"])["seed"])
        res.sobol, res.morris = _sensitivity(method, out, futures, factor_names, spec, seed)
    res.fans = _fans(ensemble, explore_rows)
    return res


def _prim_for(
    spec: UncertaintySpec,
    name: str,
    sub: pd.DataFrame,
    x: pd.DataFrame,
    rows: pd.Index,
    alpha: float,
    min_coverage: float,
    case: Literal["missed", "met"] = "missed",
) -> dict[str, PrimResult]:
    """PRIM for each package's futures that miss the target of ``name`` (``case="met"``:
    that meet it, for the packages that meet it in fewer futures than they miss it)."""
    o = _outcome(spec, name)
    if o.target is None:
        raise KruispuntError(f"outcome '{name}' has no target for PRIM to explain")
    v = wide(sub, o.name).reindex(rows)
    out = {}
    for pkg in v.columns:
        col = v[pkg]
        met = (col <= o.target.max) if o.target.max is not None else (col >= o.target.min)
        missed = ~(met & col.notna())
        n_missed = int(missed.sum())
        if not 0 < n_missed < len(missed):
            continue
        if case == "missed":
            out[str(pkg)] = prim(x, missed.to_numpy(), alpha=alpha, min_coverage=min_coverage)
        elif len(missed) - n_missed < n_missed:
            out[str(pkg)] = prim(x, ~missed.to_numpy(), alpha=alpha, min_coverage=min_coverage)
    return out


def _misses(spec: UncertaintySpec, sub: pd.DataFrame, rows: pd.Index) -> pd.DataFrame:
    out = []
    for o in spec.outcomes:
        if o.target is None:
            continue
        v = wide(sub, o.name).reindex(rows)
        for pkg in v.columns:
            col = v[pkg]
            met = (col <= o.target.max) if o.target.max is not None else (col >= o.target.min)
            out.append(
                {
                    "outcome": o.name,
                    "package": pkg,
                    "missed": int((~(met & col.notna())).sum()),
                    "futures": len(col),
                }
            )
    return pd.DataFrame(out, columns=["outcome", "package", "missed", "futures"])


def _sensitivity(
    method: str,
    out: pd.DataFrame,
    futures: pd.DataFrame,
    factors: list[str],
    spec: UncertaintySpec,
    seed: int,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    frames = []
    u = futures[[f"u_{f}" for f in factors]].to_numpy()
    block = futures["block"].to_numpy()
    for o in spec.outcomes:
        v = wide(out, o.name).reindex(futures.index)
        for pkg in v.columns:
            y = v[pkg].to_numpy(dtype=np.float64)
            if method == "saltelli":
                t = sobol_indices(y, block, factors, seed=seed)
            else:
                t = morris_indices(u, y, block, factors)
            t.insert(0, "outcome", o.name)
            t.insert(0, "package", pkg)
            frames.append(t)
    table = pd.concat(frames, ignore_index=True)
    return (table, pd.DataFrame()) if method == "saltelli" else (pd.DataFrame(), table)


def _fans(ensemble: Ensemble, rows: pd.Index) -> pd.DataFrame:
    traj = ensemble.trajectories()
    if traj.empty:
        return pd.DataFrame()
    traj = traj[traj["future"].isin(rows)]
    g = traj.groupby(["package", "metric", "year"], sort=True)["value"]
    out = pd.concat({f"p{q}": g.quantile(q / 100) for q in FAN_PERCENTILES}, axis=1).reset_index()
    return out
