"""Ensemble benchmark (run apart from the test suite): ``python benchmarks/bench_explore.py``.

Measures, on the embedded data package and the default uncertainty specification:

1. the engine alone in this process: one batch of ``batch_size`` futures x 3 packages as a
   worker runs it (each package's futures in one engine call), site-years per second (one
   core; per package the median of three runs after two warm-up runs);
2. a whole ensemble (``--futures`` futures x 3 packages) through ``kruispunt.uncertainty``
   on a process pool of ``--workers`` workers, streamed to a temporary store: wall time,
   site-years per second (total and per worker), the share of worker time spent in the
   engine, and the peak memory of this process plus its workers (proportional set size,
   shared pages counted once, sampled from /proc every 0.2 s; part 1's arrays are freed
   before the pool starts).

The machine is shared and noisy: compare ratios within one run.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import tempfile
import threading
import time
from pathlib import Path

import numpy as np

from kruispunt.assemble import build_inputs
from kruispunt.engine.simulate import simulate
from kruispunt.uncertainty.backends import Processes
from kruispunt.uncertainty.futures import FutureBuilder
from kruispunt.uncertainty.run import DEFAULT_BATCH_FUTURES, _return_free_memory, explore, plan
from kruispunt.uncertainty.spec import load_spec


def _rss_kib(pid: int) -> int:
    """Proportional set size of ``pid`` [KiB] (shared pages split between the processes that
    map them, so the sum over processes is the memory they take together); resident set size
    where the kernel gives no ``smaps_rollup``."""
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1])
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        pass
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except (FileNotFoundError, ProcessLookupError):
        pass
    return 0


def _tree(pid: int) -> list[int]:
    out = [pid]
    for task in Path(f"/proc/{pid}/task").glob("*"):
        children = (task / "children").read_text().split() if (task / "children").exists() else []
        for c in children:
            out += _tree(int(c))
    return out


class PeakMemory:
    """Peak summed proportional set size of this process and its descendants."""

    def __init__(self) -> None:
        self.peak_kib = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            total = sum(_rss_kib(p) for p in _tree(os.getpid()))
            self.peak_kib = max(self.peak_kib, total)
            time.sleep(0.2)

    def __enter__(self) -> PeakMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--futures", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--batch-size", type=int, default=DEFAULT_BATCH_FUTURES)
    parser.add_argument("--seed", type=int, default=20250917)
    parser.add_argument("--store", default=None, help="store root (default: a temporary one)")
    args = parser.parse_args()

    loaded = load_spec()
    p = plan(loaded, method="lhs", n=args.futures, seed=args.seed, batch_size=args.batch_size)
    cat = p.catalogue
    n_packages = len(p.packages.names)

    # 1. the engine alone, one batch, one core, a package at a time as a worker runs it
    b = FutureBuilder(loaded.spec.factors, p.packages, cat)
    k = min(args.batch_size, args.futures)
    futures = np.arange(k)
    site_years, seconds = 0, 0.0
    for j in range(n_packages):
        scenarios = b.package_batch(j, futures, p.values[:k], p.seeds[:k])
        inputs = build_inputs(cat, scenarios)
        # warm up on the whole batch twice: a process's first batches fault their memory in
        # (system time), which a worker running batch after batch does not
        for _ in range(2):
            simulate(inputs, batch_size=len(scenarios))
        times = []
        for _ in range(3):
            t = time.perf_counter()
            res = simulate(inputs, batch_size=len(scenarios))
            times.append(time.perf_counter() - t)
        ds = res.dataset
        site_years += ds.sizes["scenario"] * ds.sizes["plant"] * ds.sizes["year"]
        seconds += float(np.median(times))
    single = site_years / seconds
    # part 1's inputs and results are not part of the ensemble: free them before the pool, so
    # the peak below is the ensemble's (a real ``explore run`` parent holds neither)
    del inputs, res, ds, scenarios
    gc.collect()
    _return_free_memory()

    # 2. the whole ensemble on the pool
    with tempfile.TemporaryDirectory() as tmp, PeakMemory() as mem:
        root = args.store or tmp
        t = time.perf_counter()
        summary = explore(p, backend=Processes(args.workers), store_root=root)
        wall = time.perf_counter() - t
        stored = sum(f.stat().st_size for f in Path(root).rglob("*") if f.is_file())
    report = {
        "futures": args.futures,
        "packages": n_packages,
        "engine_runs": args.futures * n_packages,
        "batch_size_futures": args.batch_size,
        "workers": args.workers,
        "single_process_engine_site_years_per_s": round(single),
        "pool_wall_s": round(wall, 1),
        "pool_site_years_per_s": round(summary.site_years / wall),
        "pool_site_years_per_s_per_worker": round(summary.site_years / wall / args.workers),
        "pool_engine_share_of_worker_time": round(summary.engine_seconds / summary.seconds, 3),
        "pool_engine_site_years_per_s_per_worker": round(
            summary.site_years / summary.engine_seconds
        ),
        "peak_pss_mib_all_processes": round(mem.peak_kib / 1024),
        "stored_mib": round(stored / 2**20, 1),
        "site_years": summary.site_years,
    }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
