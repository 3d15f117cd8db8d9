"""Dashboard pages (run apart from the test suite): ``python benchmarks/bench_dashboard.py``.

Seeds a store as the dashboard tests do (``base``: current-policy; ``variants``: no-new-policy
and high-ambition), then, round by round, opens a fresh dashboard on a fresh copy of it and
requests the pages that ``tests/dashboard/test_concurrency.py`` times, in its order, through
the in-process client: each page on its first visit (nothing of the run in memory yet) and
again (cached). Prints the median per page [ms]. Only HTTP is used, so another commit can be
measured the same way (its ``src`` first on ``PYTHONPATH``).

``--during-run`` serves each round's dashboard over real HTTP (uvicorn in a thread) and times
the pages while a run of the three default scenarios keeps a worker's CPU busy (the server's
test hook ``run_delay_s``), as ``tests/dashboard/test_concurrency.py`` does: the figures behind
"pages load in under a second during a run" in ``docs/dashboard.md``.

The machine is shared and noisy: compare ratios within one run.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import tempfile
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path

import kruispunt
from kruispunt.catalogue import load_catalogue
from kruispunt.store import Store

SCENARIOS = ("current-policy", "no-new-policy", "high-ambition")
DELAY_S = 20.0


def pages(other: str) -> list[str]:
    return [
        "/",
        f"/runs/{other}",
        f"/api/runs/{other}/charts/emissions_sector",
        f"/api/runs/{other}/map?scenario=high-ambition",
        f"/runs/{other}/sites/tata_steel_ijmuiden?scenario=high-ambition",
        "/scenarios/new?base=high-ambition",
        f"/compare?a=base&b={other}",
    ]


def one_round(seeded: Path, work: Path, during_run: bool) -> dict[str, tuple[float, float]]:
    """Per page: (first visit, second visit) [s] on a fresh app and store copy."""
    root = work / f"store-{time.monotonic_ns()}"
    shutil.copytree(seeded, root)
    if during_run:
        out = _over_http(root)
    else:
        from fastapi.testclient import TestClient

        from kruispunt.dashboard.app import create_app
        from kruispunt.dashboard.settings import ServeSettings

        with TestClient(create_app(ServeSettings(store=root, workers=1))) as client:
            out = _visits(lambda page: client.get(page).status_code, client.get("/api/runs").json())
    shutil.rmtree(root)
    return out


def _visits(
    get: Callable[[str], int], runs: list[dict[str, str]]
) -> dict[str, tuple[float, float]]:
    other = next(r["run_id"] for r in runs if r["name"] == "variants")
    out: dict[str, tuple[float, float]] = {}
    for page in pages(other):
        times = []
        for _ in range(2):
            start = time.perf_counter()
            status = get(page)
            times.append(time.perf_counter() - start)
            assert status == 200, (page, status)
        out[page.replace(other, "<run>")] = (times[0], times[1])
    return out


def _over_http(root: Path) -> dict[str, tuple[float, float]]:
    from kruispunt.dashboard.live import LiveServer
    from kruispunt.dashboard.settings import ServeSettings

    def get(page: str) -> int:
        with urllib.request.urlopen(server.url + page, timeout=60) as response:
            response.read()
            return int(response.status)

    def job() -> dict[str, str]:
        with urllib.request.urlopen(f"{server.url}/api/jobs/{job_id}", timeout=60) as response:
            return dict(json.loads(response.read()))

    with LiveServer(ServeSettings(store=root, workers=1, run_delay_s=DELAY_S)) as server:
        request = urllib.request.Request(
            f"{server.url}/api/runs",
            data=json.dumps({"scenarios": list(SCENARIOS), "name": "long"}).encode(),
            headers={"content-type": "application/json"},
            method="POST",
        )
        with urllib.request.urlopen(request, timeout=60) as response:
            job_id = json.loads(response.read())["job_id"]
        while job()["stage"] != "working (test delay)":
            time.sleep(0.05)
        with urllib.request.urlopen(f"{server.url}/api/runs", timeout=60) as response:
            out = _visits(get, json.loads(response.read()))
        if job()["stage"] != "working (test delay)":
            raise RuntimeError(f"the pages took longer than the run's {DELAY_S} s delay")
        while job()["status"] not in ("done", "failed"):
            time.sleep(0.2)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument(
        "--during-run",
        action="store_true",
        help="time the pages over HTTP while a run keeps a worker's CPU busy",
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        seeded = work / "seeded"
        store = Store(seeded)
        cat = load_catalogue()
        store.save(kruispunt.run("current-policy", catalogue=cat), name="base")
        store.save(
            kruispunt.run(["no-new-policy", "high-ambition"], catalogue=cat), name="variants"
        )
        rounds = [one_round(seeded, work, args.during_run) for _ in range(args.rounds)]
    during = " during a run" if args.during_run else ""
    print(f"median of {args.rounds} rounds{during} [ms]   first visit   again")
    for page in rounds[0]:
        first = statistics.median(r[page][0] for r in rounds) * 1e3
        again = statistics.median(r[page][1] for r in rounds) * 1e3
        print(f"  {page:58s} {first:8.1f} {again:8.1f}")


if __name__ == "__main__":
    main()
