"""A long run never blocks other pages: while one user's run is going, another user's pages
are served at once, not after the run.

The run is made long with the server's test hook ``run_delay_s``: the worker keeps a CPU busy,
reporting progress, for ``DELAY_S`` seconds before the engine starts, so pages are fetched
under load. It runs in a worker process, as every run does. Pages are fetched over real HTTP
from a live server, each timed from request to last byte. A page that waited for the run would
take the rest of the delay; each must come back in under half of it, with the run still going.
How fast the pages are is measured apart from the tests, on a quiet machine:
``python benchmarks/bench_dashboard.py --during-run`` (figures in ``docs/dashboard.md``).
"""

from __future__ import annotations

import json
import time
import urllib.request
from pathlib import Path
from typing import Any

from kruispunt.dashboard.live import LiveServer
from kruispunt.dashboard.settings import ServeSettings

DELAY_S = 4.0
LIMIT_S = DELAY_S / 2


def _get(url: str) -> tuple[int, bytes, float]:
    start = time.perf_counter()
    with urllib.request.urlopen(url, timeout=30) as resp:
        body = resp.read()
        status = resp.status
    return status, body, time.perf_counter() - start


def _post(url: str, payload: dict[str, Any]) -> dict[str, Any]:
    request = urllib.request.Request(
        url,
        data=json.dumps(payload).encode(),
        headers={"content-type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=30) as resp:
        result: dict[str, Any] = json.loads(resp.read())
        return result


def _job(server: LiveServer, job_id: str) -> dict[str, Any]:
    result: dict[str, Any] = json.loads(_get(f"{server.url}/api/jobs/{job_id}")[1])
    return result


def test_pages_are_served_while_a_long_run_keeps_a_cpu_busy(store_root: Path) -> None:
    settings = ServeSettings(store=store_root, workers=1, run_delay_s=DELAY_S)
    with LiveServer(settings) as server:
        runs = json.loads(_get(f"{server.url}/api/runs")[1])
        other = next(r["run_id"] for r in runs if r["name"] == "variants")
        job = _post(
            f"{server.url}/api/runs",
            {"scenarios": ["current-policy", "no-new-policy", "high-ambition"], "name": "long"},
        )
        deadline = time.monotonic() + 60
        while _job(server, job["job_id"])["stage"] != "working (test delay)":
            assert time.monotonic() < deadline, "the long run did not start"
            time.sleep(0.1)
        pages = [
            "/",
            f"/runs/{other}",  # never opened before: loaded from the store now
            f"/api/runs/{other}/charts/emissions_sector",
            f"/api/runs/{other}/map?scenario=high-ambition",
            f"/runs/{other}/sites/tata_steel_ijmuiden?scenario=high-ambition",
            "/scenarios/new?base=high-ambition",
            f"/compare?a=base&b={other}",
            f"/api/jobs/{job['job_id']}",
        ]
        timings = {}
        for page in pages:
            status, body, seconds = _get(server.url + page)
            assert status == 200 and body, page
            timings[page] = seconds
        # not a page: the site page's explanation, which replays one scenario in the server
        explain = f"/runs/{other}/sites/tata_steel_ijmuiden/explain?scenario=high-ambition"
        replay = _get(server.url + explain)[2]
        during = _job(server, job["job_id"])
        print("\npage load times during a long run [s]:")
        for page, seconds in timings.items():
            print(f"  {seconds:6.3f}  {page}")
        print(f"  {replay:6.3f}  {explain} (loaded after the site page; not timed)")
        assert during["status"] == "running", "the pages were not timed during the run"
        slow = {p: round(s, 3) for p, s in timings.items() if s >= LIMIT_S}
        assert not slow, f"pages over {LIMIT_S} s while a run was going: {slow}"
        deadline = time.monotonic() + 120
        while (final := _job(server, job["job_id"]))["status"] not in ("done", "failed"):
            assert time.monotonic() < deadline
            time.sleep(0.2)
        assert final["status"] == "done", final
