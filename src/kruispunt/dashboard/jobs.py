"""Background runs: a process pool, a job record per run, progress from the workers.

Every run goes to a :class:`concurrent.futures.ProcessPoolExecutor` (``spawn`` start method:
no fork of a threaded web server); at most ``workers`` runs execute at the same time and the
others wait in its queue. Workers send ``(job_id, stage, fraction)`` messages through a queue;
a thread of the server reads them into the job records, which pages and the API read. Job
records live in memory: they describe runs of this server's lifetime, while finished runs are
in the results store for good.

Nothing here imports the web framework.
"""

from __future__ import annotations

import functools
import multiprocessing
import queue as queue_module
import threading
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from kruispunt.dashboard import worker
from kruispunt.dashboard.settings import ServeSettings
from kruispunt.store import new_run_id

__all__ = ["Job", "JobManager", "Status"]

Status = Literal["queued", "running", "done", "failed"]
KEEP = 500
"""Finished jobs remembered (the oldest are forgotten; their runs stay in the store)."""


@dataclass(frozen=True)
class Job:
    """A run asked for through the dashboard.

    Attributes
    ----------
    job_id : str
    scenarios : tuple of str
        Scenario names (defaults or saved files).
    name : str, optional
        Name the stored run gets.
    created : str
        When it was asked for (ISO 8601, UTC).
    status : {"queued", "running", "done", "failed"}
    stage : str
        What the worker is doing ("simulating" ...).
    progress : float
        Fraction done, 0 to 1. [-]
    run_id : str, optional
        The stored run, once done.
    error : str, optional
        Why it failed, for the user.
    """

    job_id: str
    scenarios: tuple[str, ...]
    name: str | None
    created: str
    status: Status = "queued"
    stage: str = "waiting for a worker"
    progress: float = 0.0
    run_id: str | None = None
    error: str | None = None


class JobManager:
    """Submit runs to a process pool and follow them.

    Parameters
    ----------
    settings : ServeSettings
    store_root : Path
        The results store the workers save into.
    scenario_dir : Path
        Folder of saved scenario files.
    """

    def __init__(self, settings: ServeSettings, store_root: Path, scenario_dir: Path) -> None:
        self.settings = settings
        self.store_root = store_root
        self.scenario_dir = scenario_dir
        self._ctx = multiprocessing.get_context("spawn")
        self._jobs: dict[str, Job] = {}
        self._lock = threading.Lock()
        self._pool: ProcessPoolExecutor | None = None
        self._queue: Any = None
        self._stop = threading.Event()
        self._reader: threading.Thread | None = None

    def start(self) -> ProcessPoolExecutor:
        """The pool, started (with its progress reader) if it is not running."""
        with self._lock:
            if self._pool is None:
                self._queue = self._ctx.Queue()
                self._stop = threading.Event()
                self._reader = threading.Thread(
                    target=self._read,
                    args=(self._queue, self._stop),
                    name="kruispunt-progress",
                    daemon=True,
                )
                self._reader.start()
                self._pool = self._new_pool()
            return self._pool

    def _new_pool(self) -> ProcessPoolExecutor:
        return ProcessPoolExecutor(
            max_workers=self.settings.workers,
            mp_context=self._ctx,
            initializer=worker.init,
            initargs=(self._queue,),
        )

    def _update(self, job_id: str, **changes: Any) -> None:
        with self._lock:
            job = self._jobs.get(job_id)
            if job is not None and job.status not in ("done", "failed"):
                self._jobs[job_id] = replace(job, **changes)

    def _read(self, queue: Any, stop: threading.Event) -> None:
        while not stop.is_set():
            try:
                message = queue.get(timeout=0.2)
            except queue_module.Empty:
                continue
            except (EOFError, OSError):  # pragma: no cover - the queue closed under us
                return
            if message is None:
                return
            job_id, stage, fraction = message
            self._update(job_id, status="running", stage=str(stage), progress=float(fraction))

    def _finished(self, job_id: str, future: Future[worker.RunOutcome]) -> None:
        try:
            outcome = future.result()
        except Exception as exc:  # the worker process died (killed, out of memory)
            outcome = {"ok": False, "error": f"the worker process stopped: {exc!r}"}
        with self._lock:
            job = self._jobs[job_id]
            if outcome.get("ok"):
                self._jobs[job_id] = replace(
                    job, status="done", stage="done", progress=1.0, run_id=outcome["run_id"]
                )
            else:
                self._jobs[job_id] = replace(
                    job, status="failed", stage="failed", error=str(outcome.get("error"))
                )

    def warm_up(self) -> None:
        """Start the worker processes now, so the first run does not wait for them."""
        pool = self.start()
        for _ in range(self.settings.workers):
            pool.submit(_nothing)

    def submit(self, scenarios: list[str], name: str | None = None) -> Job:
        """Queue a run of ``scenarios`` (already checked by the caller) and return its job."""
        job = Job(
            job_id="job-" + new_run_id(),
            scenarios=tuple(scenarios),
            name=name,
            created=datetime.now(UTC).isoformat(timespec="seconds"),
        )
        with self._lock:
            self._jobs[job.job_id] = job
            finished = [j for j in self._jobs.values() if j.status in ("done", "failed")]
            for old in sorted(finished, key=lambda j: j.job_id)[: max(0, len(finished) - KEEP)]:
                del self._jobs[old.job_id]
        args = (
            job.job_id,
            list(scenarios),
            name,
            str(self.store_root),
            None if self.settings.data is None else str(self.settings.data),
            str(self.scenario_dir),
            self.settings.run_delay_s,
        )
        pool = self.start()
        try:
            future = pool.submit(worker.run_job, *args)
        except BrokenProcessPool:  # a worker died (killed, out of memory): start afresh
            with self._lock:
                self._pool = pool = self._new_pool()
            future = pool.submit(worker.run_job, *args)
        future.add_done_callback(functools.partial(self._finished, job.job_id))
        return job

    def get(self, job_id: str) -> Job | None:
        with self._lock:
            return self._jobs.get(job_id)

    def list(self) -> list[Job]:
        """Jobs of this server, newest first."""
        with self._lock:
            return sorted(self._jobs.values(), key=lambda j: j.job_id, reverse=True)

    def close(self) -> None:
        """Stop the pool (running runs finish, and so may the one or two queued runs the
        pool has already handed to its workers; the others are cancelled) and the reader,
        and let go of the progress queue: its locks are named semaphores (the ``spawn``
        context), unlinked when the queue is freed, so that none is left for the resource
        tracker to clean up (and warn about) when the server stops."""
        with self._lock:
            pool, queue, reader, stop = self._pool, self._queue, self._reader, self._stop
            self._pool, self._queue, self._reader = None, None, None
        if pool is None:
            return
        pool.shutdown(wait=True, cancel_futures=True)
        stop.set()
        if reader is not None:
            reader.join(timeout=2.0)
        queue.close()
        queue.join_thread()


def _nothing() -> None:
    """A task that only makes the pool start a worker."""
