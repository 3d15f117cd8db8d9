"""Fixtures of the dashboard tests: a results store with real runs and the app. The live
server the tests fetch pages from is :class:`kruispunt.dashboard.live.LiveServer`.

The dashboard needs the ``dashboard`` extra (installed by ``.[test]``); without it the tests of
this folder are not collected.
"""

from __future__ import annotations

import importlib.util
import shutil
import time
from pathlib import Path
from typing import Any

import pytest

import kruispunt
from kruispunt.catalogue import load_catalogue
from kruispunt.store import Store

if importlib.util.find_spec("fastapi") is None:  # without the extra: nothing to collect here
    collect_ignore_glob = ["test_*.py"]

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="session")
def seeded_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store with two real runs: ``base`` (current-policy) and ``variants``
    (no-new-policy and high-ambition)."""
    root = tmp_path_factory.mktemp("seeded-store")
    store = Store(root)
    cat = load_catalogue()
    store.save(kruispunt.run("current-policy", catalogue=cat), name="base")
    store.save(kruispunt.run(["no-new-policy", "high-ambition"], catalogue=cat), name="variants")
    return root


@pytest.fixture(scope="module")
def store_root(seeded_store: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the seeded store for one test module (modules add runs and scenarios)."""
    target = tmp_path_factory.mktemp("store") / "store"
    shutil.copytree(seeded_store, target)
    return target


def wait_for_job(client: Any, job_id: str, timeout: float = 120.0) -> dict[str, Any]:
    """Poll ``/api/jobs/{job_id}`` until the run is done or failed."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job: dict[str, Any] = client.get(f"/api/jobs/{job_id}").json()
        if job["status"] in ("done", "failed"):
            return job
        time.sleep(0.2)
    raise AssertionError(f"job {job_id} did not finish in {timeout} s")


Submitted = list[tuple[list[str], str | None]]
"""The runs an app was asked to start: (scenarios, name) of each."""


@pytest.fixture
def submitted(client: Any, monkeypatch: pytest.MonkeyPatch) -> Submitted:
    """The runs the module's ``client`` app is asked to start, recorded instead of run: each
    gets the queued job ``job-recorded``."""
    from kruispunt.dashboard.jobs import Job

    calls: Submitted = []

    def submit(scenarios: list[str], name: str | None = None) -> Job:
        calls.append((list(scenarios), name))
        return Job("job-recorded", tuple(scenarios), name, "2026-12-05T10:00:00+00:00")

    monkeypatch.setattr(client.app.state.jobs, "submit", submit)
    return calls
