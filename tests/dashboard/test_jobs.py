"""Background runs: a worker process runs, stores and reports; a failure is said plainly."""

from __future__ import annotations

import time
from pathlib import Path

from kruispunt.dashboard import worker
from kruispunt.dashboard.jobs import Job, JobManager
from kruispunt.dashboard.settings import ServeSettings
from kruispunt.store import Store


def _wait(jobs: JobManager, job: Job, timeout: float = 120.0) -> Job:
    deadline = time.monotonic() + timeout
    while True:
        current = jobs.get(job.job_id)
        assert current is not None
        if current.status in ("done", "failed"):
            return current
        assert time.monotonic() < deadline, current
        time.sleep(0.1)


def test_worker_returns_the_users_error_not_a_traceback(tmp_path: Path) -> None:
    outcome = worker.run_job("job-x", ["nope"], None, str(tmp_path / "store"), None, str(tmp_path))
    assert outcome["ok"] is False
    assert "unknown scenario 'nope'" in outcome["error"]
    assert "Traceback" not in outcome["error"]


def test_runs_in_a_worker_process_store_and_report(tmp_path: Path) -> None:
    root = tmp_path / "store"
    jobs = JobManager(ServeSettings(store=root, workers=1), root, root / "scenarios")
    try:
        good = jobs.submit(["no-new-policy"], name="from-a-job")
        bad = jobs.submit(["nope"])
        assert jobs.get(bad.job_id) is not None
        done, failed = _wait(jobs, good), _wait(jobs, bad)
    finally:
        jobs.close()
    assert done.status == "done" and done.progress == 1.0 and done.run_id
    store = Store(root)
    assert store.resolve("from-a-job") == done.run_id
    assert store.load(done.run_id).scenarios == ["no-new-policy"]
    report = root / "reports" / f"{done.run_id}.html"
    assert done.run_id in report.read_text("utf-8")
    assert failed.status == "failed" and failed.run_id is None
    assert failed.error is not None and "unknown scenario 'nope'" in failed.error
    assert [j.job_id for j in jobs.list()] == [bad.job_id, good.job_id]  # newest first
