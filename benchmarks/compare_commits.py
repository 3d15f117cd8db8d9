"""Benchmark two commits side by side, in one run (the machine is shared and noisy: compare
ratios, not absolute figures): ``python benchmarks/compare_commits.py OLD [NEW]``.

Each commit is checked out in a temporary git worktree and measured in fresh subprocesses
with its own ``src`` on ``PYTHONPATH`` (the dependencies of the current environment), the
commits alternating round by round:

- ``version_s``: ``python -m kruispunt --version``, process start to exit;
- ``load_s``: loading the embedded data package;
- ``simulate_one_s``: the engine on one full-country scenario (current-policy);
- ``site_years_per_s``: a seeded batch of scenarios around current-policy, the median of
  three runs after two warm-up runs (a process's first batches fault their memory in);
- ``ensemble_site_years_per_s``: an ensemble's batch as a worker of ``kruispunt explore``
  runs it (``--futures`` futures of the default specification, LHS, x its packages, in one
  engine call), timed the same way (NaN for a commit without ``kruispunt.uncertainty``;
  ``--futures 0`` skips it);
- ``run_s``: ``python -m kruispunt run`` end to end (store and report in a temporary folder).

Only the public API is used, so older and newer commits are measured the same way.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PROBE = r"""
import json, sys, time
import numpy as np
t = time.perf_counter()
from kruispunt.catalogue import load_catalogue
cat = load_catalogue()
load_s = time.perf_counter() - t
from kruispunt.assemble import build_inputs
from kruispunt.engine.simulate import simulate
from kruispunt.scenarios import Scenario, resolve
base = resolve(["current-policy"])[0]
one = build_inputs(cat, [base])
simulate(one)
times = []
for _ in range(5):
    t = time.perf_counter(); res = simulate(one); times.append(time.perf_counter() - t)
rng = np.random.default_rng(int(sys.argv[1]))
many = []
for i in range(int(sys.argv[2])):
    lv = base.levers.model_copy(update={
        "name": f"draw-{i}",
        "eua_price_scale": float(rng.uniform(0.5, 3.0)),
        "carrier_price_scale": {"natural_gas": float(rng.uniform(0.6, 1.6)),
                                "electricity": float(rng.uniform(0.6, 1.4))},
    })
    many.append(Scenario(name=f"draw-{i}", levers=lv, chain=(f"draw-{i}",), origin="bench"))
batch = build_inputs(cat, many)
# two warm-up batches: a process's first batches fault their memory in (system time), the
# steady state of a worker that runs batch after batch does not
for _ in range(2):
    out = simulate(batch)
batch_times = []
for _ in range(3):
    t = time.perf_counter(); out = simulate(batch); batch_times.append(time.perf_counter() - t)
ds = out.dataset
site_years = ds.sizes["scenario"] * ds.sizes["plant"] * ds.sizes["year"]
ensemble = float("nan")
k = int(sys.argv[3])
try:
    from kruispunt.uncertainty.futures import FutureBuilder
    from kruispunt.uncertainty.run import plan
    from kruispunt.uncertainty.spec import load_spec
except ImportError:
    k = 0
if k:
    del out, batch
    loaded = load_spec()
    p = plan(loaded, method="lhs", n=k, seed=int(sys.argv[1]), batch_size=k, catalogue=cat)
    fb = FutureBuilder(loaded.spec.factors, p.packages, p.catalogue)
    n_pkg = len(p.packages.names)
    runs = [fb.scenario(j, f, p.values[f], int(p.seeds[f])) for f in range(k) for j in range(n_pkg)]
    ens = build_inputs(cat, runs)
    for _ in range(2):
        out = simulate(ens, batch_size=len(runs))
    ens_times = []
    for _ in range(3):
        t = time.perf_counter(); out = simulate(ens, batch_size=len(runs))
        ens_times.append(time.perf_counter() - t)
    ds = out.dataset
    ens_site_years = ds.sizes["scenario"] * ds.sizes["plant"] * ds.sizes["year"]
    ensemble = ens_site_years / float(np.median(ens_times))
print(json.dumps({"load_s": load_s, "simulate_one_s": float(np.median(times)),
                  "site_years_per_s": site_years / float(np.median(batch_times)),
                  "ensemble_site_years_per_s": ensemble}))
"""


def _worktree(rev: str, root: Path) -> Path:
    path = root / rev.replace("/", "_")
    subprocess.run(
        ["git", "worktree", "add", "--detach", str(path), rev], check=True, capture_output=True
    )
    return path


def _timed(cmd: list[str], env: dict[str, str], cwd: Path) -> float:
    t = time.perf_counter()
    subprocess.run(cmd, env=env, cwd=cwd, check=True, capture_output=True)
    return time.perf_counter() - t


def _measure(src: Path, batch: int, seed: int, futures: int, scratch: Path) -> dict[str, float]:
    env = {**os.environ, "PYTHONPATH": str(src), "KRUISPUNT_STORE": str(scratch / "store")}
    probe = subprocess.run(
        [sys.executable, "-c", PROBE, str(seed), str(batch), str(futures)],
        env=env,
        cwd=scratch,
        check=True,
        capture_output=True,
        text=True,
    )
    figures: dict[str, float] = json.loads(probe.stdout.strip().splitlines()[-1])
    figures["version_s"] = _timed([sys.executable, "-m", "kruispunt", "--version"], env, scratch)
    report = scratch / "report.html"
    figures["run_s"] = _timed(
        [sys.executable, "-m", "kruispunt", "run", "--report", str(report)], env, scratch
    )
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("old")
    parser.add_argument("new", nargs="?", default="HEAD")
    parser.add_argument("--batch", type=int, default=400)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seed", type=int, default=12345)
    parser.add_argument(
        "--futures", type=int, default=32, help="futures of the ensemble batch (0: skip it)"
    )
    args = parser.parse_args()
    results: dict[str, list[dict[str, float]]] = {args.old: [], args.new: []}
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        trees = {rev: _worktree(rev, root) for rev in (args.old, args.new)}
        try:
            for _ in range(args.rounds):
                for rev, tree in trees.items():
                    scratch = Path(tempfile.mkdtemp(dir=root))
                    results[rev].append(
                        _measure(tree / "src", args.batch, args.seed, args.futures, scratch)
                    )
        finally:
            for tree in trees.values():
                subprocess.run(["git", "worktree", "remove", "--force", str(tree)], check=False)
    keys = (
        "version_s",
        "load_s",
        "simulate_one_s",
        "site_years_per_s",
        "ensemble_site_years_per_s",
        "run_s",
    )
    print(f"{'median of ' + str(args.rounds):<20}{args.old:>14}{args.new:>14}{'new/old':>10}")
    for key in keys:
        old = statistics.median(r[key] for r in results[args.old])
        new = statistics.median(r[key] for r in results[args.new])
        print(f"{key:<20}{old:>14.4g}{new:>14.4g}{new / old:>10.3f}")
    print(
        json.dumps(
            {"batch": args.batch, "seed": args.seed, "futures": args.futures, "results": results}
        )
    )


if __name__ == "__main__":
    main()
