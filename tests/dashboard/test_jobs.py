"""Background runs: a worker process runs, stores and reports; a failure is said plainly."""

from __future__ import annotations

import multiprocessing
import queue
import threading
import time
from concurrent.futures import Future
from concurrent.futures.process import BrokenProcessPool
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from kruispunt.dashboard import jobs as jobs_module
from kruispunt.dashboard import worker
from kruispunt.dashboard.jobs import Job, JobManager
from kruispunt.dashboard.settings import ServeSettings
from kruispunt.store import Store

CREATED = "2026-12-05T10:00:00+00:00"


def _wait(jobs: JobManager, job: Job, timeout: float = 120.0) -> Job:
    deadline = time.monotonic() + timeout
    while True:
        current = jobs.get(job.job_id)
        assert current is not None
        if current.status in ("done", "failed"):
            return current
        assert time.monotonic() < deadline, current
        time.sleep(0.1)


def _manager(root: Path, *known: Job, **settings: Any) -> JobManager:
    """A manager whose pool is not started, knowing the jobs ``known``."""
    jobs = JobManager(ServeSettings(store=root, workers=1, **settings), root, root / "scenarios")
    jobs._jobs.update({j.job_id: j for j in known})
    return jobs


class _Pool:
    """Stands in for the process pool: records what is submitted, runs nothing."""

    def __init__(self) -> None:
        self.calls: list[tuple[Any, tuple[Any, ...]]] = []

    def submit(self, fn: Any, *args: Any) -> Future[Any]:
        self.calls.append((fn, args))
        return Future()


def test_worker_returns_the_users_error_not_a_traceback(tmp_path: Path) -> None:
    outcome = worker.run_job("job-x", ["nope"], None, str(tmp_path / "store"), None, str(tmp_path))
    assert outcome["ok"] is False
    assert outcome["error"].startswith("unknown scenario 'nope'; known scenarios: ")
    assert "Traceback" not in outcome["error"]


def test_a_bug_in_a_run_is_named_with_its_exception(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(data: object) -> None:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr("kruispunt.catalogue.load_catalogue", broken)
    outcome = worker.run_job("job-x", ["nope"], None, str(tmp_path / "store"), None, str(tmp_path))
    assert outcome == {
        "ok": False,
        "error": "the run failed unexpectedly: RuntimeError: disk on fire",
    }


def test_progress_is_sent_per_stage_at_most_every_tenth_of_a_second(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A new stage is sent at once, the same stage again only 0.1 s after its last message,
    a fraction of 1 always; fractions are clipped to 0..1; each job is throttled apart."""
    sent: queue.Queue[tuple[str, str, float]] = queue.Queue()
    monkeypatch.setattr(worker, "_QUEUE", sent)
    monkeypatch.setattr(worker, "_LAST", {})
    clock = iter([0.0, 0.05, 0.05, 0.2, 0.21, 0.22, 0.5, 0.5])
    monkeypatch.setattr(worker.time, "monotonic", lambda: next(clock))
    for job, stage, fraction in [
        ("j1", "a", 0.1),
        ("j1", "a", 0.2),  # 0.05 s after the last: not sent
        ("j1", "b", 0.3),
        ("j1", "b", 0.4),  # 0.15 s after the last b
        ("j1", "b", 1.0),  # throttled, but the end of the stage
        ("j1", "b", 1.5),
        ("j1", "c", -0.2),
        ("j2", "a", 0.1),
    ]:
        worker._report(job, stage, fraction)
    assert [sent.get_nowait() for _ in range(sent.qsize())] == [
        ("j1", "a", 0.1),
        ("j1", "b", 0.3),
        ("j1", "b", 0.4),
        ("j1", "b", 1.0),
        ("j1", "b", 1.0),
        ("j1", "c", 0.0),
        ("j2", "a", 0.1),
    ]


def test_a_run_in_process_reports_its_stages_stores_and_writes_the_report(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every stage in order, the engine's batches from 0.3 to 0.7, 1.0 at the end; the run is
    stored under its name with both scenarios; the report's title names them."""
    sent: queue.Queue[tuple[str, str, float]] = queue.Queue()
    monkeypatch.setattr(worker, "_QUEUE", sent)
    monkeypatch.setattr(worker, "_LAST", {})
    monkeypatch.setattr(worker, "REPORT_EVERY_S", 0.0)  # every message, however fast
    root = tmp_path / "store"
    scenarios = ["no-new-policy", "high-ambition"]
    outcome = worker.run_job("job-in", scenarios, "both", str(root), None, str(tmp_path))
    assert outcome["ok"] is True, outcome
    messages = [sent.get_nowait() for _ in range(sent.qsize())]
    assert {job for job, _, _ in messages} == {"job-in"}
    stages = [stage for _, stage, _ in messages]
    assert list(dict.fromkeys(stages)) == [
        "loading the data package",
        "resolving scenarios",
        "building inputs",
        "simulating",
        "storing the results",
        "writing the report",
        "done",
    ]
    fractions = [fraction for _, _, fraction in messages]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0
    simulating = [fraction for _, stage, fraction in messages if stage == "simulating"]
    assert simulating[0] == 0.3 and simulating[-1] == pytest.approx(0.7)  # after the last batch
    assert "job-in" not in worker._LAST  # forgotten once the run is over
    store = Store(root)
    assert store.resolve("both") == outcome["run_id"]
    assert store.load(outcome["run_id"]).scenarios == scenarios
    report = store.report_path(outcome["run_id"]).read_text("utf-8")
    assert "Kruispunt results: no-new-policy, high-ambition" in report


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


def test_a_run_is_queued_with_the_servers_settings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    jobs = _manager(tmp_path, data=tmp_path / "data", run_delay_s=2.5)
    pool = _Pool()
    monkeypatch.setattr(jobs, "start", lambda: pool)
    job = jobs.submit(["current-policy", "high-ambition"], "two")
    assert job == Job(job.job_id, ("current-policy", "high-ambition"), "two", job.created)
    assert (job.status, job.stage, job.progress) == ("queued", "waiting for a worker", 0.0)
    assert job.job_id.startswith("job-") and job.created.endswith("+00:00")
    args = (
        job.job_id,
        ["current-policy", "high-ambition"],
        "two",
        str(tmp_path),
        str(tmp_path / "data"),
        str(tmp_path / "scenarios"),
        2.5,
    )
    assert pool.calls == [(worker.run_job, args)]
    assert jobs.get(job.job_id) == job


def test_the_oldest_finished_jobs_are_forgotten(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With room for 2 finished jobs, a new one makes the oldest of 3 go (a running job,
    older still, stays)."""
    monkeypatch.setattr(jobs_module, "KEEP", 2)
    old = [
        Job("job-0001", ("current-policy",), None, CREATED, status="running"),
        Job("job-0002", ("current-policy",), None, CREATED, status="done", run_id="r2"),
        Job("job-0003", ("current-policy",), None, CREATED, status="failed", error="e"),
        Job("job-0004", ("current-policy",), None, CREATED, status="done", run_id="r4"),
    ]
    jobs = _manager(tmp_path, *old)
    monkeypatch.setattr(jobs, "start", _Pool)
    new = jobs.submit(["current-policy"])
    assert [j.job_id for j in jobs.list()] == [new.job_id, "job-0004", "job-0003", "job-0001"]


def test_progress_messages_update_a_job_until_it_has_finished(tmp_path: Path) -> None:
    """A message makes a job running at the worker's stage and fraction; one that comes
    after the run finished or failed changes nothing; one of an unknown job is dropped."""
    new = Job("job-1", ("current-policy",), None, CREATED)
    done = replace(new, job_id="job-2", status="done", stage="done", progress=1.0, run_id="r")
    failed = replace(new, job_id="job-3", status="failed", stage="failed", error="boom")
    jobs = _manager(tmp_path, new, done, failed)
    messages: queue.Queue[Any] = queue.Queue()
    for job_id in ("job-1", "job-2", "job-3", "job-4"):
        messages.put((job_id, "simulating", 0.5))
    messages.put(None)  # the end: the reader returns
    jobs._read(messages, threading.Event())
    assert jobs.get("job-1") == replace(new, status="running", stage="simulating", progress=0.5)
    assert jobs.get("job-2") == done and jobs.get("job-3") == failed
    assert jobs.get("job-4") is None


def test_a_finished_run_gives_its_job_the_run_or_the_error(tmp_path: Path) -> None:
    a, b, c = (Job(f"job-{x}", ("current-policy",), None, CREATED) for x in "abc")
    jobs = _manager(tmp_path, a, b, c)
    outcomes: list[Future[worker.RunOutcome]] = [Future(), Future(), Future()]
    outcomes[0].set_result({"ok": True, "run_id": "run-1"})
    outcomes[1].set_result({"ok": False, "error": "unknown scenario 'x'"})
    outcomes[2].set_exception(BrokenProcessPool("killed"))
    for job, future in zip((a, b, c), outcomes, strict=True):
        jobs._finished(job.job_id, future)
    assert jobs.get("job-a") == replace(
        a, status="done", stage="done", progress=1.0, run_id="run-1"
    )
    assert jobs.get("job-b") == replace(
        b, status="failed", stage="failed", error="unknown scenario 'x'"
    )
    assert jobs.get("job-c") == replace(
        c,
        status="failed",
        stage="failed",
        error="the worker process stopped: BrokenProcessPool('killed')",
    )


def test_a_run_after_a_worker_was_killed_goes_to_a_new_pool(tmp_path: Path) -> None:
    """A worker killed mid-run (out of memory, say) fails its run with a plain message; the
    next run is not refused by the broken pool but runs in a new one."""
    root = tmp_path / "store"
    jobs = JobManager(
        ServeSettings(store=root, workers=1, run_delay_s=60.0), root, root / "scenarios"
    )
    before = set(multiprocessing.active_children())
    try:
        long = jobs.submit(["current-policy"])
        deadline = time.monotonic() + 60
        while (current := jobs.get(long.job_id)) is not None and current.progress < 0.1:
            assert time.monotonic() < deadline, current
            time.sleep(0.1)
        (process,) = set(multiprocessing.active_children()) - before  # the pool's worker
        process.kill()
        killed = _wait(jobs, long)
        after = _wait(jobs, jobs.submit(["nope"]))
    finally:
        jobs.close()
    assert killed.status == "failed" and killed.error is not None
    assert killed.error.startswith("the worker process stopped: BrokenProcessPool(")
    assert after.status == "failed" and after.error is not None
    assert after.error.startswith("unknown scenario 'nope'")
