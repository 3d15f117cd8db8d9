"""Start-up benchmark (run apart from the tests): ``python benchmarks/bench_startup.py``.

Measures, for one or more source trees side by side (``--src LABEL=PATH``, default: this
checkout), each in fresh processes:

1. ``kruispunt --version`` and ``kruispunt --help``: wall time, and whether pandas/xarray
   were imported;
2. loading the embedded data package: ``load_catalogue()`` the first time in a process
   (import excluded) and the second time;
3. ``kruispunt run`` (current-policy: load, run, store, report, summary) end to end.

Compare an older commit with ``git archive <commit> src | tar -x -C /tmp/old`` and
``--src old=/tmp/old/src --src new=src``. The machine is shared and noisy: the script
reports medians and the processes' own CPU time (``os.wait4``), which noise does not inflate.
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

HERE = Path(__file__).resolve().parent

LOAD = """
import json, sys, time
t0 = time.perf_counter()
from kruispunt.catalogue import load_catalogue
t1 = time.perf_counter()
load_catalogue()
t2 = time.perf_counter()
load_catalogue()
t3 = time.perf_counter()
import kruispunt
print(json.dumps({"import": t1 - t0, "first": t2 - t1, "second": t3 - t2,
                  "file": kruispunt.__file__}))
"""

MODULES = """
import sys
sys.argv = ["kruispunt", *sys.argv[1:]]
from kruispunt.cli import main
try:
    main()
except SystemExit:
    pass
print("HEAVY=" + ",".join(m for m in ("pandas", "xarray") if m in sys.modules), file=sys.stderr)
"""


def _child(args: list[str], src: Path, cwd: Path) -> tuple[float, str, str]:
    """Wall seconds, stdout and stderr of ``python ARGS`` with ``src`` first on the path."""
    env = {**os.environ, "PYTHONPATH": str(src), "KRUISPUNT_STORE": str(cwd / "store")}
    start = time.perf_counter()
    with subprocess.Popen(
        [sys.executable, *args],
        env=env,
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    ) as proc:
        out, err = proc.communicate()
    wall = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"{args} failed in {src}:\n{err}")
    return wall, out, err


def _timed(args: list[str], src: Path, cwd: Path, repeat: int) -> dict[str, float]:
    walls, cpus = [], []
    for _ in range(repeat):
        before = os.times()
        wall, _, _ = _child(args, src, cwd)
        after = os.times()
        walls.append(wall)
        cpus.append(
            (after.children_user - before.children_user)
            + (after.children_system - before.children_system)
        )
    return {"wall": statistics.median(walls), "cpu": statistics.median(cpus)}


def measure(src: Path, repeat: int) -> dict[str, object]:
    with tempfile.TemporaryDirectory() as tmp:
        cwd = Path(tmp)
        out: dict[str, object] = {}
        for name, args in (("--version", ["--version"]), ("--help", ["--help"])):
            out[name] = _timed(["-m", "kruispunt", *args], src, cwd, repeat)
            _, _, err = _child(["-c", MODULES, *args], src, cwd)
            out[f"{name} imports"] = err.strip().split("HEAVY=")[-1] or "neither"
        loads = [json.loads(_child(["-c", LOAD], src, cwd)[1]) for _ in range(repeat)]
        out["file"] = loads[0]["file"]
        for key in ("import", "first", "second"):
            out[f"load_catalogue {key}"] = statistics.median(float(x[key]) for x in loads)
        out["run"] = _timed(["-m", "kruispunt", "run"], src, cwd, max(1, repeat // 2))
        return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--src",
        action="append",
        default=[],
        help="LABEL=PATH of a source tree (the folder holding 'kruispunt'); repeatable",
    )
    parser.add_argument("--repeat", type=int, default=5, help="runs per measurement (median)")
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    args = parser.parse_args()
    trees = dict(s.split("=", 1) for s in args.src) or {"this": str(HERE.parent / "src")}
    results = {label: measure(Path(path).resolve(), args.repeat) for label, path in trees.items()}
    if args.json:
        print(json.dumps(results, indent=1))
        return
    labels = list(results)
    rows = [
        ("kruispunt --version, wall [s]", lambda r: f"{r['--version']['wall']:.2f}"),
        ("kruispunt --version, CPU [s]", lambda r: f"{r['--version']['cpu']:.2f}"),
        ("  imports pandas/xarray", lambda r: str(r["--version imports"])),
        ("kruispunt --help, wall [s]", lambda r: f"{r['--help']['wall']:.2f}"),
        ("  imports pandas/xarray", lambda r: str(r["--help imports"])),
        ("import kruispunt.catalogue [s]", lambda r: f"{r['load_catalogue import']:.3f}"),
        ("load_catalogue(), first [s]", lambda r: f"{r['load_catalogue first']:.3f}"),
        ("load_catalogue(), second [s]", lambda r: f"{r['load_catalogue second']:.4f}"),
        ("kruispunt run, wall [s]", lambda r: f"{r['run']['wall']:.2f}"),
        ("kruispunt run, CPU [s]", lambda r: f"{r['run']['cpu']:.2f}"),
    ]
    width = max(len(r[0]) for r in rows)
    print(f"{'':{width}}  " + "  ".join(f"{lab:>18}" for lab in labels))
    for title, cell in rows:
        print(f"{title:{width}}  " + "  ".join(f"{cell(results[lab]):>18}" for lab in labels))
    for label in labels:
        print(f"{label}: {results[label]['file']}")


if __name__ == "__main__":
    main()
