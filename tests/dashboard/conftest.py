"""Fixtures of the dashboard tests: a results store with real runs, the app, a live server.

The dashboard needs the ``dashboard`` extra (installed by ``.[test]``); without it the tests of
this folder are not collected.
"""

from __future__ import annotations

import importlib.util
import shutil
import socket
import threading
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


class LiveServer:
    """The dashboard served by uvicorn in a thread, on a free port of 127.0.0.1."""

    def __init__(self, settings: Any) -> None:
        import uvicorn

        from kruispunt.dashboard.app import create_app

        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = int(sock.getsockname()[1])
        self.app = create_app(settings)
        config = uvicorn.Config(
            self.app, host="127.0.0.1", port=self.port, log_level="warning", lifespan="on"
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.url = f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> LiveServer:
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("the dashboard server did not start")
            time.sleep(0.05)
        return self

    def __exit__(self, *exc: Any) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=60)


def wait_for_job(client: Any, job_id: str, timeout: float = 120.0) -> dict[str, Any]:
    """Poll ``/api/jobs/{job_id}`` until the run is done or failed."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job: dict[str, Any] = client.get(f"/api/jobs/{job_id}").json()
        if job["status"] in ("done", "failed"):
            return job
        time.sleep(0.2)
    raise AssertionError(f"job {job_id} did not finish in {timeout} s")
