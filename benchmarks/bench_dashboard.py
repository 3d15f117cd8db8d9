"""Dashboard pages (run apart from the test suite): ``python benchmarks/bench_dashboard.py``.

Seeds a store as the dashboard tests do (``base``: current-policy; ``variants``: no-new-policy
and high-ambition), then, round by round, opens a fresh dashboard on a fresh copy of it and
requests the pages that ``tests/dashboard/test_concurrency.py`` times, in its order, through
the in-process client: each page on its first visit (nothing of the run in memory yet) and
again (cached). Prints the median per page [ms]. Only HTTP is used, so another commit can be
measured the same way (its ``src`` first on ``PYTHONPATH``).

The machine is shared and noisy: compare ratios within one run.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
import time
from pathlib import Path

import kruispunt
from kruispunt.catalogue import load_catalogue
from kruispunt.store import Store


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


def one_round(seeded: Path, work: Path) -> dict[str, tuple[float, float]]:
    """Per page: (first visit, second visit) [s] on a fresh app and store copy."""
    from fastapi.testclient import TestClient

    from kruispunt.dashboard.app import create_app
    from kruispunt.dashboard.settings import ServeSettings

    root = work / f"store-{time.monotonic_ns()}"
    shutil.copytree(seeded, root)
    out: dict[str, tuple[float, float]] = {}
    with TestClient(create_app(ServeSettings(store=root, workers=1))) as client:
        runs = client.get("/api/runs").json()
        other = next(r["run_id"] for r in runs if r["name"] == "variants")
        for page in pages(other):
            times = []
            for _ in range(2):
                start = time.perf_counter()
                response = client.get(page)
                times.append(time.perf_counter() - start)
                assert response.status_code == 200, (page, response.status_code)
            out[page.replace(other, "<run>")] = (times[0], times[1])
    shutil.rmtree(root)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
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
        rounds = [one_round(seeded, work) for _ in range(args.rounds)]
    print(f"median of {args.rounds} rounds [ms]   first visit   again")
    for page in rounds[0]:
        first = statistics.median(r[page][0] for r in rounds) * 1e3
        again = statistics.median(r[page][1] for r in rounds) * 1e3
        print(f"  {page:58s} {first:8.1f} {again:8.1f}")


if __name__ == "__main__":
    main()
