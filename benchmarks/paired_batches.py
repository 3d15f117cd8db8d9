"""Two commits' engines on one ensemble batch, batch for batch (run apart from the tests):
``python benchmarks/paired_batches.py OLD [NEW] --pairs 30 --futures 32``.

On a shared host the speed of one process drifts by 10-30 % from one minute to the next,
so rounds of fresh processes (:mod:`compare_commits`) resolve only large changes. Here each
commit runs in one long-lived process (its own git worktree's ``src`` on ``PYTHONPATH``,
the current environment's dependencies). Both build the same batch (``--futures`` futures
of the default uncertainty specification, LHS, x its packages, as an explore worker runs
it) and run it twice to fault their memory in; then they run it in turn, one batch at a
time, the order alternating (old-new, new-old, ...), so that the two batches of a pair meet
nearly the same host. Each batch's CPU time (user + system) is read from the process's own
resource usage; the figure is the median of the pairs' ratios old/new, with its quartiles
(above 1: the new commit is faster). An A/A run (``OLD`` = ``NEW``) shows the resolution.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from compare_commits import _worktree

WORKER = r"""
import resource, sys, time
from kruispunt.assemble import build_inputs
from kruispunt.engine.simulate import simulate
from kruispunt.uncertainty.futures import FutureBuilder
from kruispunt.uncertainty.run import plan
from kruispunt.uncertainty.spec import load_spec
k, seed = int(sys.argv[1]), int(sys.argv[2])
loaded = load_spec()
p = plan(loaded, method="lhs", n=k, seed=seed, batch_size=k)
fb = FutureBuilder(loaded.spec.factors, p.packages, p.catalogue)
n_pkg = len(p.packages.names)
runs = [fb.scenario(j, f, p.values[f], int(p.seeds[f])) for f in range(k) for j in range(n_pkg)]
batch = build_inputs(p.catalogue, runs)
for _ in range(2):
    simulate(batch, batch_size=len(runs))
print("ready", flush=True)
for _ in sys.stdin:
    r0 = resource.getrusage(resource.RUSAGE_SELF)
    t = time.perf_counter()
    simulate(batch, batch_size=len(runs))
    wall = time.perf_counter() - t
    r1 = resource.getrusage(resource.RUSAGE_SELF)
    cpu = r1.ru_utime - r0.ru_utime + r1.ru_stime - r0.ru_stime
    print(cpu, wall, flush=True)
"""


def _start(src: Path, futures: int, seed: int) -> subprocess.Popen[str]:
    proc = subprocess.Popen(
        [sys.executable, "-c", WORKER, str(futures), str(seed)],
        env={**os.environ, "PYTHONPATH": str(src)},
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    if proc.stdout.readline().strip() != "ready":
        raise SystemExit(f"the worker on {src} did not start")
    return proc


def _batch(proc: subprocess.Popen[str]) -> tuple[float, float]:
    assert proc.stdin is not None and proc.stdout is not None
    proc.stdin.write("go\n")
    proc.stdin.flush()
    cpu, wall = proc.stdout.readline().split()
    return float(cpu), float(wall)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("old")
    parser.add_argument("new", nargs="?", default="HEAD")
    parser.add_argument("--pairs", type=int, default=30)
    parser.add_argument("--futures", type=int, default=32)
    parser.add_argument("--seed", type=int, default=20250917)
    args = parser.parse_args()
    if args.pairs < 4 or args.futures < 1:
        parser.error("--pairs must be at least 4 and --futures at least 1")
    times: dict[str, list[tuple[float, float]]] = {"old": [], "new": []}
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        trees = {"old": _worktree(args.old, root / "old"), "new": _worktree(args.new, root / "new")}
        procs: dict[str, subprocess.Popen[str]] = {}
        try:
            for side, tree in trees.items():
                procs[side] = _start(tree / "src", args.futures, args.seed)
            for i in range(args.pairs):
                for side in ("old", "new") if i % 2 == 0 else ("new", "old"):
                    times[side].append(_batch(procs[side]))
        finally:
            for proc in procs.values():  # a worker left running on an error is stopped
                proc.kill()
                proc.wait()
            for tree in trees.values():
                subprocess.run(["git", "worktree", "remove", "--force", str(tree)], check=False)
    ratios = [o[0] / n[0] for o, n in zip(times["old"], times["new"], strict=True)]
    q1, median, q3 = statistics.quantiles(ratios, n=4)
    for side, rev in (("old", args.old), ("new", args.new)):
        cpu = statistics.median(t[0] for t in times[side])
        print(f"{side} {rev}: median CPU {cpu:.3f} s a batch")
    print(
        f"paired old/new CPU: median {median:.3f}, quartiles {q1:.3f}-{q3:.3f} ({args.pairs} pairs)"
    )
    print(
        json.dumps(
            {
                "old": args.old,
                "new": args.new,
                "futures": args.futures,
                "seed": args.seed,
                "times": times,
                "ratios": ratios,
            }
        )
    )


if __name__ == "__main__":
    main()
