"""Execution backends: where the batches of an ensemble run. Each is a context manager with
one method, ``imap_unordered(fn, tasks)``, yielding results as they finish.

- :class:`Sequential`: in this process, in order;
- :class:`Processes`: a :class:`concurrent.futures.ProcessPoolExecutor` (``spawn``
  start method: no inherited threads or locks); each worker loads the data package once
  (the catalogue is cached per process);
- :class:`Dask`: an existing ``dask.distributed`` cluster (``--scheduler ADDRESS``) or a
  :class:`distributed.Client` given in Python; needs the ``[dask]`` extra.

Backends never hold more than a few tasks in flight (``2 x workers``), so memory stays
bounded by the batch size whatever the ensemble size. What a batch computes does not depend
on the backend: tasks carry their futures' values and seeds.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import threading
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from types import TracebackType
from typing import Any, Protocol, TypeVar

from kruispunt.errors import KruispuntError

T = TypeVar("T")
R = TypeVar("R")


class Backend(Protocol):
    """Where tasks run."""

    workers: int

    def __enter__(self) -> Backend: ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...

    def imap_unordered(self, fn: Callable[[T], R], tasks: Iterable[T]) -> Iterator[R]: ...


class Sequential:
    """Run every task in this process, one after the other."""

    workers = 1

    def __enter__(self) -> Sequential:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def imap_unordered(self, fn: Callable[[T], R], tasks: Iterable[T]) -> Iterator[R]:
        for task in tasks:
            yield fn(task)


class Processes:
    """A pool of worker processes (default: one per core)."""

    def __init__(self, workers: int | None = None) -> None:
        self.workers = workers or os.cpu_count() or 1
        self._pool: ProcessPoolExecutor | None = None

    def __enter__(self) -> Processes:
        # one thread per worker: the pool is the parallelism (no BLAS oversubscription)
        for var in _THREAD_VARS:
            os.environ.setdefault(var, "1")
        self._pool = ProcessPoolExecutor(
            max_workers=self.workers,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_quiet_interrupt,
        )
        return self

    def __exit__(self, exc_type: type[BaseException] | None, *exc: object) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=exc_type is None, cancel_futures=True)
            self._pool = None

    def imap_unordered(self, fn: Callable[[T], R], tasks: Iterable[T]) -> Iterator[R]:
        if self._pool is None:
            raise RuntimeError("use the backend as a context manager")
        pool = self._pool
        pending: set[Future[R]] = set()
        it = iter(tasks)
        limit = 2 * self.workers
        while True:
            while len(pending) < limit:
                task = next(it, _DONE)
                if task is _DONE:
                    break
                pending.add(pool.submit(fn, task))
            if not pending:
                return
            done, pending = wait(pending, return_when=FIRST_COMPLETED)
            for fut in done:
                yield fut.result()


def _quiet_interrupt() -> None:
    """A worker stopped by Ctrl-C (sent to the whole process group) ends without printing a
    traceback: the main process reports the interruption, and its finished batches are kept
    for a resume (a worker writes nothing the main process has not)."""
    signal.signal(signal.SIGINT, _exit_now)


def _exit_now(signum: int, frame: object) -> None:
    os._exit(128 + signum)


_DONE: Any = object()
_THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")
CONNECT_WAIT_S = 60.0
"""Seconds to wait for a Dask scheduler at an address to answer: the client's own timeout
(20 s) does not cover a server that accepts the connection and never answers (a port of
another service), with which the client would wait for ever."""


class Dask:
    """Tasks on a ``dask.distributed`` cluster: a scheduler address or a ``Client``."""

    def __init__(self, scheduler: Any) -> None:
        try:
            import distributed
        except ImportError:
            raise KruispuntError(
                "--scheduler needs dask.distributed: pip install 'kruispunt[dask]'"
            ) from None
        self._distributed = distributed
        self._given = scheduler
        self._client: Any = None
        self._own = False
        self.workers = 1

    def __enter__(self) -> Dask:
        d = self._distributed
        if isinstance(self._given, d.Client):
            self._client = self._given
        else:
            try:
                self._client = self._connect()
            except KruispuntError:  # no answer in time: said so already
                raise
            except OSError as exc:
                raise KruispuntError(
                    f"cannot reach the Dask scheduler at {self._given}: {exc}"
                ) from None
            except (ValueError, TypeError) as exc:  # not an address distributed can parse
                raise KruispuntError(
                    f"--scheduler '{self._given}': not a scheduler address ({exc}); "
                    "expected e.g. tcp://host:8786"
                ) from None
            except Exception as exc:  # something answers there, but not a Dask scheduler
                reason = f"{type(exc).__name__}: {str(exc)[:200]}"
                raise KruispuntError(
                    f"cannot connect to a Dask scheduler at {self._given}: what answers there "
                    f"does not speak its protocol ({reason})"
                ) from None
            self._own = True
        self.workers = max(sum(self._client.nthreads().values()), 1)
        return self

    def _connect(self) -> Any:
        """A client of the scheduler at the given address, made in a thread of its own and
        waited for at most :data:`CONNECT_WAIT_S` (a KruispuntError after that; the daemon
        thread is left to end with the process); the client's error re-raised here."""
        box: dict[str, Any] = {}

        def connect() -> None:
            try:
                box["client"] = self._distributed.Client(self._given, timeout="20s")
            except Exception as exc:  # handed to the caller
                box["error"] = exc

        thread = threading.Thread(target=connect, name="kruispunt-dask-connect", daemon=True)
        thread.start()
        thread.join(CONNECT_WAIT_S)
        if thread.is_alive():
            raise KruispuntError(
                f"no answer from a Dask scheduler at {self._given} within "
                f"{CONNECT_WAIT_S:.0f} s: something accepts connections there but does not "
                "answer as a scheduler (check the address and port: tcp://host:8786)"
            )
        if "error" in box:
            raise box["error"]
        return box["client"]

    def __exit__(self, *exc: object) -> None:
        if self._own and self._client is not None:
            self._client.close()
        self._client = None

    def imap_unordered(self, fn: Callable[[T], R], tasks: Iterable[T]) -> Iterator[R]:
        client = self._client
        if client is None:
            raise RuntimeError("use the backend as a context manager")
        it = iter(tasks)
        limit = 2 * self.workers
        first = [client.submit(fn, t, pure=False) for t in _take(it, limit)]
        if not first:
            return
        queue = self._distributed.as_completed(first)  # type: ignore[no-untyped-call]
        for fut in queue:
            result: R = fut.result()
            fut.release()
            for task in _take(it, 1):
                queue.add(client.submit(fn, task, pure=False))  # type: ignore[no-untyped-call]
            yield result


def _take(it: Iterator[T], n: int) -> list[T]:
    out = []
    for _ in range(n):
        item = next(it, _DONE)
        if item is _DONE:
            break
        out.append(item)
    return out
