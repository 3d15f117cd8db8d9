"""Run an ensemble: every future x package, in batches streamed to an ensemble folder.

``explore(spec, ...)`` draws the design from the root seed, splits the futures into batches
of ``batch_size`` futures (each batch runs every package of its futures, a package's futures
through the engine in one call), runs the batches not yet finished on a backend, and writes
each batch's outcomes to the ensemble folder as it finishes (:class:`kruispunt.store.Ensemble`).
A shard (``shard=(i, N)``) runs the i-th of N contiguous slices of the batches; a merge step
combines the shards.

What a future computes depends only on its index (its values and seed come from the design
drawn up front), so outcomes are identical for any batch size, worker count, backend or
sharding (tests check 1 worker, 2 workers, a local Dask cluster and two merged shards).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from kruispunt.catalogue.load import Catalogue, load_catalogue
from kruispunt.errors import KruispuntError
from kruispunt.limits import ENSEMBLE_MAX_FUTURES
from kruispunt.store import ENSEMBLES_DIR, Ensemble, check_can_write
from kruispunt.uncertainty.backends import Backend, Sequential
from kruispunt.uncertainty.futures import FutureBuilder, Packages, future_seed, resolve_packages
from kruispunt.uncertainty.outcomes import outcome_values, trajectory_values
from kruispunt.uncertainty.sampling import (
    Design,
    Method,
    factor_values,
    future_count,
    make_design,
)
from kruispunt.uncertainty.spec import LoadedSpec, UncertaintySpec
from kruispunt.version import __version__, code_hash
from kruispunt.vocabulary import SCENARIO

if TYPE_CHECKING:
    from kruispunt.assemble.cache import AssemblyCache
    from kruispunt.results import Results
    from kruispunt.scenarios import Scenario

F = npt.NDArray[np.float64]
I = npt.NDArray[np.int64]  # noqa: E741

DEFAULT_BATCH_FUTURES = 64
"""Futures per batch. A batch runs each package's futures through the engine together, so
this is also the number of scenarios in an engine batch, which bounds a worker's memory. On
2 workers 64 ran as fast as 48, 96 and 144 within the machine's noise, at a peak of 1.9 GiB
for all processes against 1.6, 2.5 and 3.5 (``benchmarks/bench_explore.py --futures 2016``,
4 Dec 2026)."""


@dataclass(frozen=True)
class Context:
    """What a worker needs besides its futures (small, picklable)."""

    spec: UncertaintySpec
    packages: Packages
    data_path: str
    data_hash: str
    code_hash: str
    """:func:`kruispunt.version.code_hash` of the code the ensemble was planned with."""
    store_root: str
    keep_full: int
    ensemble_id: str


@dataclass(frozen=True)
class Task:
    """One batch: its index, futures, their factor values and seeds."""

    context: Context
    batch: int
    futures: I
    values: F
    seeds: I


@dataclass(frozen=True)
class BatchResult:
    batch: int
    outcomes: pd.DataFrame
    trajectories: pd.DataFrame
    site_years: int
    seconds: float
    engine_seconds: float


_CATALOGUES: dict[tuple[str, str], Catalogue] = {}


def _catalogue(ctx: Context) -> Catalogue:
    """The data package, loaded once per process."""
    key = (ctx.data_path, ctx.data_hash)
    if code_hash() != ctx.code_hash:
        raise KruispuntError(
            f"the kruispunt code on this worker has hash {code_hash()[:12]}, the ensemble was "
            f"planned with {ctx.code_hash[:12]}: install the same kruispunt on every worker"
        )
    if key not in _CATALOGUES:
        cat = load_catalogue(ctx.data_path)
        if cat.data_hash != ctx.data_hash:
            raise KruispuntError(
                f"data package {ctx.data_path} on this worker has hash {cat.data_hash[:12]}, "
                f"the ensemble was planned on {ctx.data_hash[:12]}"
            )
        _CATALOGUES[key] = cat
    return _CATALOGUES[key]


_ASSEMBLY: dict[tuple[str, str], AssemblyCache] = {}


def _assembly(ctx: Context) -> AssemblyCache:
    """The assembly cache of the process's catalogue (:func:`_catalogue`), kept between
    batches: the routes and their benchmarks do not depend on the futures."""
    from kruispunt.assemble.cache import AssemblyCache

    return _ASSEMBLY.setdefault((ctx.data_path, ctx.data_hash), AssemblyCache())


def _return_free_memory() -> None:
    """Hand the memory freed so far back to the system (glibc's ``malloc_trim``; elsewhere
    nothing); no effect on results. For a process that is done with large arrays it will
    not need again (the benchmark's single-process part before its pool starts)."""
    global _LIBC
    if _LIBC is None:
        try:
            import ctypes

            _LIBC = ctypes.CDLL("libc.so.6")
            _LIBC.malloc_trim.argtypes = [ctypes.c_size_t]
        except (OSError, AttributeError):
            _LIBC = False
    if _LIBC:
        _LIBC.malloc_trim(0)


_LIBC: Any = None
"""glibc, loaded by :func:`_return_free_memory` (False: not available)."""


def run_task(task: Task) -> BatchResult:
    """Run one batch (every package in each of its futures) and compute its outcomes.

    Each package runs through the engine on its own, its futures together: the packages'
    levers then are the same in every scenario of an engine batch, so the policy paths the
    engine works out once where they are alike across a batch (``once_if_alike``, the
    expected terms' shared rows) are worked out once, not per scenario. On the default
    specification the engine takes 0.86-0.91x the time of one call on the packages of 32
    futures, side by side in one process (``docs/robustness.md``, "Speed"); outcomes do not
    depend on a batch's make-up. The memory a package's run freed stays with the process for
    the next one, which asks for the same shapes: handing it back to the system after every
    batch (``malloc_trim``) made the next batch fault every page in again, for no lower peak
    (``benchmarks/bench_explore.py``)."""
    import time

    t0 = time.perf_counter()
    ctx = task.context
    cat = _catalogue(ctx)
    builder = FutureBuilder(ctx.spec.factors, ctx.packages, cat)
    names = list(ctx.packages.names)
    F, P = len(task.futures), len(names)
    values = np.empty((F, P, len(ctx.spec.outcomes)))
    columns: list[str] = []
    trajectories: list[pd.DataFrame] = []
    engine, n_sy = 0.0, 0
    for j, name in enumerate(names):
        scenarios = builder.package_batch(j, task.futures, task.values, task.seeds)
        results, seconds = run_package(cat, scenarios, _assembly(ctx))
        engine += seconds
        table = outcome_values(results, ctx.spec.outcomes)
        columns = [str(c) for c in table.columns]
        values[:, j, :] = table.to_numpy(dtype=np.float64)
        trajectories.append(_trajectories(results, ctx, scenarios, task.futures, name))
        if ctx.keep_full > 0:
            _keep_full(ctx, results, task.futures, name)
        sizes = results.dataset.sizes
        n_sy += int(sizes[SCENARIO] * sizes["plant"] * sizes["year"])
        del results
    outcomes = pd.DataFrame(  # future by future, packages in their order, outcomes
        {
            "future": np.repeat(task.futures.astype(np.int64), P * len(columns)),
            "package": np.tile(np.repeat(np.array(names, dtype=object), len(columns)), F),
            "outcome": np.tile(np.array(columns, dtype=object), F * P),
            "value": values.reshape(-1),
        }
    )
    # package by package: the ensemble sorts the rows it reads (Ensemble.trajectories)
    frames = [t for t in trajectories if not t.empty]
    traj = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    return BatchResult(task.batch, outcomes, traj, n_sy, time.perf_counter() - t0, engine)


def run_package(
    cat: Catalogue, scenarios: list[Scenario], cache: AssemblyCache | None = None
) -> tuple[Results, float]:
    """One package's scenarios of a batch through the engine, in one engine batch: the
    results and the engine's seconds (assembly not included)."""
    import time

    from kruispunt.assemble import build_inputs
    from kruispunt.engine.simulate import simulate

    inputs = build_inputs(cat, scenarios, cache=cache)
    t = time.perf_counter()
    results = simulate(inputs, batch_size=len(scenarios))
    return results, time.perf_counter() - t


def _trajectories(
    results: Results, ctx: Context, scenarios: list[Scenario], futures: I, package: str
) -> pd.DataFrame:
    """The yearly indicators of one package's run, by future."""
    traj = trajectory_values(results, ctx.spec.trajectories)
    if traj.empty:
        return pd.DataFrame()
    future_of = {s.name: int(f) for s, f in zip(scenarios, futures, strict=True)}
    return pd.DataFrame(
        {
            "future": np.array([future_of[s] for s in traj[SCENARIO]], dtype=np.int64),
            "package": np.full(len(traj), package, dtype=object),
            "metric": traj["metric"].astype(str).to_numpy(),
            "year": traj["year"].astype(np.int64).to_numpy(),
            "value": traj["value"].astype(np.float64).to_numpy(),
        }
    )


def _keep_full(ctx: Context, results: Results, futures: I, package: str) -> None:
    """Store one package's full results of the batch's futures below ``keep_full`` as a run
    named ``<ensemble>/futures-<first>-<last>/<package>``."""
    from kruispunt.results import Results
    from kruispunt.store import Store

    keep = [k for k, f in enumerate(futures) if f < ctx.keep_full]
    if not keep:
        return
    first, last = int(futures[keep[0]]), int(futures[keep[-1]])
    name = f"{ctx.ensemble_id}/futures-{first}-{last}/{package}"
    store = Store(ctx.store_root)
    if name in set(store.list()["name"]):  # kept by an earlier, interrupted run of the batch
        return
    store.save(Results(results.dataset.isel({SCENARIO: keep})), name=name)


# --- planning -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Plan:
    """A planned ensemble: design, values, seeds, batches and its identity."""

    loaded: LoadedSpec
    catalogue: Catalogue
    packages: Packages
    design: Design
    values: F
    seeds: I
    batch_size: int
    ensemble_id: str
    base_id: str
    key: dict[str, Any]
    shard: tuple[int, int] | None

    @property
    def n_futures(self) -> int:
        return self.design.size

    @property
    def n_batches(self) -> int:
        return -(-self.n_futures // self.batch_size)

    def batch_slice(self, b: int) -> slice:
        return slice(b * self.batch_size, min((b + 1) * self.batch_size, self.n_futures))

    @property
    def batches(self) -> range:
        """The batches this plan runs (all, or the shard's contiguous slice)."""
        if self.shard is None:
            return range(self.n_batches)
        i, n = self.shard
        return range(i * self.n_batches // n, (i + 1) * self.n_batches // n)

    def futures_table(self) -> pd.DataFrame:
        cols: dict[str, Any] = {
            "future": np.arange(self.n_futures, dtype=np.int64),
            "block": self.design.block,
            "seed": self.seeds,
        }
        factors = self.loaded.spec.factors
        for j, f in enumerate(factors):
            cols[f"u_{f.name}"] = self.design.u[:, j]
        for j, f in enumerate(factors):
            cols[f.name] = self.values[:, j]
        return pd.DataFrame(cols)


_ENSEMBLE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}")
"""An ensemble id given by name: one folder name inside the store's ensembles folder (no path
separator, not hidden, not ``..``)."""


def plan(
    loaded: LoadedSpec,
    *,
    method: Method | None = None,
    n: int | None = None,
    seed: int | None = None,
    batch_size: int = DEFAULT_BATCH_FUTURES,
    shard: tuple[int, int] | None = None,
    catalogue: Catalogue | None = None,
    name: str | None = None,
) -> Plan:
    """Resolve packages, draw the design and fix the batches (no engine run yet)."""
    spec = loaded.spec
    method = method or spec.sampling.method
    n = n if n is not None else spec.sampling.n
    seed = seed if seed is not None else spec.sampling.seed
    if batch_size < 1:
        raise KruispuntError("--batch-size must be at least 1")
    if name is not None and not _ENSEMBLE_ID.fullmatch(name):  # it names a store folder
        raise KruispuntError(
            f"--name '{name}': an ensemble id is 1-100 letters, digits, '.', '_' or '-', "
            "starting with a letter or digit"
        )
    if shard is not None and not (shard[1] >= 1 and 0 <= shard[0] < shard[1]):
        raise KruispuntError(f"--shard {shard[0]}/{shard[1]}: need 0 <= i < N")
    d = len(spec.factors)
    count = future_count(method, n, d)
    if count > ENSEMBLE_MAX_FUTURES:  # saltelli and morris draw several futures per n
        per = count // n
        raise KruispuntError(
            f"n = {n:,} (--n or the specification's sampling.n) gives {count:,} futures with "
            f"the {method} sampler over {d} factors ({per} per n); allowed: at most "
            f"{ENSEMBLE_MAX_FUTURES:,} futures, so n at most {ENSEMBLE_MAX_FUTURES // per:,}"
        )
    cat = catalogue if catalogue is not None else load_catalogue()
    packages = resolve_packages(loaded, cat)
    design = make_design(method, n, d, seed)
    n_batches = -(-design.size // batch_size)
    if shard is not None and shard[1] > n_batches:  # some shard would run nothing
        raise KruispuntError(
            f"--shard {shard[0]}/{shard[1]}: the ensemble has {n_batches} batch(es) of at most "
            f"{batch_size} futures, so at most {n_batches} shards; give fewer shards or a "
            "smaller --batch-size"
        )
    values = factor_values(spec.factors, design.u)
    seeds = np.array([future_seed(seed, i) for i in range(design.size)], dtype=np.int64)
    # the packages as resolved: a scenario file a package names may change between runs
    levers = json.dumps([sc.levers.model_dump(mode="json") for sc in packages.scenarios])
    key = {
        "spec_hash": spec.hash,
        "packages_hash": hashlib.sha256(levers.encode()).hexdigest()[:16],
        "method": method,
        "n": n,
        "seed": seed,
        "batch_size": batch_size,
        "data_hash": cat.data_hash,
        "kruispunt_version": __version__,
        "code_hash": code_hash(),
    }
    digest = hashlib.sha256(json.dumps(key, sort_keys=True).encode()).hexdigest()[:10]
    base_id = name or f"{spec.name}-{method}-n{n}-s{seed}-{digest}"
    ensemble_id = base_id if shard is None else f"{base_id}.shard-{shard[0]}of{shard[1]}"
    return Plan(
        loaded, cat, packages, design, values, seeds, batch_size, ensemble_id, base_id, key, shard
    )


def _manifest(p: Plan) -> dict[str, Any]:
    spec = p.loaded.spec
    return {
        "key": p.key,
        "base_id": p.base_id,
        "spec": json.loads(spec.to_json()),
        "spec_path": str(p.loaded.path),
        "n_futures": p.n_futures,
        "n_batches": p.n_batches,
        "packages": list(p.packages.names),
        "factors": [f.name for f in spec.factors],
        "outcomes": {o.name: o.unit for o in spec.outcomes},
        "seed_derivation": "future i: seed = SeedSequence([root_seed, i]).generate_state(1)[0]",
        "shard": (
            None
            if p.shard is None
            else {"i": p.shard[0], "n": p.shard[1], "batches": [p.batches.start, p.batches.stop]}
        ),
    }


def tasks(p: Plan, ctx: Context, skip: set[int]) -> Iterator[Task]:
    for b in p.batches:
        if b in skip:
            continue
        sl = p.batch_slice(b)
        yield Task(ctx, b, np.arange(sl.start, sl.stop, dtype=np.int64), p.values[sl], p.seeds[sl])


@dataclass(frozen=True)
class RunSummary:
    ensemble: Ensemble
    ran: int
    skipped: int
    site_years: int
    seconds: float
    """Worker time summed over the batches run (assembly, engine, outcomes)."""
    engine_seconds: float
    """Engine time (``simulate``) summed over the batches run."""


def explore(
    p: Plan,
    *,
    backend: Backend | None = None,
    store_root: Path | str | None = None,
    keep_full: int = 0,
    progress: Callable[[int, int], None] | None = None,
) -> RunSummary:
    """Run the plan's unfinished batches on ``backend`` and stream them to the store.

    Parameters
    ----------
    p : Plan
        From :func:`plan`.
    backend : Backend, optional
        Entered and left here (default: :class:`~kruispunt.uncertainty.backends.Sequential`).
    store_root : path, optional
        Results store root (default: :func:`kruispunt.store.default_root`); the ensemble
        goes to ``<root>/ensembles/<ensemble_id>``.
    keep_full : int
        Also store the full results of futures ``0 .. keep_full - 1`` as runs.
    progress : callable, optional
        ``progress(done, total)`` over this plan's batches, finished ones included.
    """
    root = check_can_write(store_root)
    with backend if backend is not None else Sequential() as be:
        # the backend first: a scheduler that cannot be reached leaves no ensemble behind
        ensemble = Ensemble.open_or_create(
            root / ENSEMBLES_DIR, p.ensemble_id, _manifest(p), p.futures_table()
        )
        with ensemble.running():
            return _run_batches(p, be, ensemble, root, keep_full, progress)


def _run_batches(
    p: Plan,
    be: Backend,
    ensemble: Ensemble,
    root: Path,
    keep_full: int,
    progress: Callable[[int, int], None] | None,
) -> RunSummary:
    """:func:`explore`'s unfinished batches on the entered backend ``be``."""
    finished = set(ensemble.finished())
    mine = set(p.batches)
    skip = finished & mine
    total = len(mine)
    ctx = Context(
        spec=p.loaded.spec,
        packages=p.packages,
        data_path=str(p.catalogue.path),
        data_hash=p.catalogue.data_hash,
        code_hash=str(p.key["code_hash"]),
        store_root=str(root),
        keep_full=keep_full,
        ensemble_id=p.ensemble_id,
    )
    done = len(skip)
    if progress is not None:
        progress(done, total)
    site_years, seconds, engine, ran = 0, 0.0, 0.0, 0
    for res in be.imap_unordered(run_task, tasks(p, ctx, skip)):
        ensemble.write_batch(res.batch, res.outcomes, res.trajectories)
        site_years += res.site_years
        seconds += res.seconds
        engine += res.engine_seconds
        ran += 1
        done += 1
        if progress is not None:
            progress(done, total)
    return RunSummary(ensemble, ran, len(skip), site_years, seconds, engine)
