"""The backends run every task, with as many in flight as there are workers
(:mod:`kruispunt.uncertainty.backends`)."""

from __future__ import annotations

import multiprocessing
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest

from kruispunt.errors import KruispuntError
from kruispunt.uncertainty.backends import Dask, Processes
from tests.uncertainty.conftest import local_dask_client


def _square_together(task: tuple[int, Any]) -> int:
    """Wait until a second task is running too (the barrier of two), then square."""
    x, barrier = task
    barrier.wait()
    return x * x


def _square(x: int) -> int:
    return x * x


def test_processes_run_two_tasks_at_once_and_return_every_result() -> None:
    """Two workers, four tasks that each wait for a second one to be running: they pass
    only if the pool keeps both workers busy (one task at a time would time out)."""
    with multiprocessing.get_context("spawn").Manager() as manager:
        barrier = manager.Barrier(2, timeout=60)
        with Processes(2) as be:
            got = sorted(be.imap_unordered(_square_together, [(x, barrier) for x in range(4)]))
    assert got == [0, 1, 4, 9]


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
@pytest.mark.filterwarnings("ignore::ResourceWarning")
def test_dask_keeps_submitting_beyond_its_first_tasks() -> None:
    """One worker thread: two tasks go first (twice the threads), each result makes room
    for the next, and all seven come back."""
    with local_dask_client(threads=1) as client, Dask(client) as be:
        assert be.workers == 1
        got = sorted(be.imap_unordered(_square, range(7)))
    assert got == [0, 1, 4, 9, 16, 25, 36]


def _counted(n: int, pulled: list[int]) -> Iterator[int]:
    """Tasks 0 .. n-1, noting in ``pulled[0]`` how many the backend has taken so far."""
    for x in range(n):
        pulled[0] += 1
        yield x


def test_processes_take_twice_their_workers_in_tasks_before_the_first_result() -> None:
    """One worker: two tasks in flight when the first result comes back, then never more than
    two ahead of the results yielded (memory stays bounded by the batch size)."""
    pulled = [0]
    ahead = []
    with Processes(1) as be:
        for k, _ in enumerate(be.imap_unordered(_square, _counted(6, pulled))):
            ahead.append(pulled[0] - k)
    assert ahead[0] == 2 and max(ahead) <= 2 and len(ahead) == 6


def test_processes_default_to_every_core_with_one_thread_each(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The pool is the parallelism: its workers get one BLAS/OpenMP thread each (a value the
    user set is kept); outside its ``with`` block the backend runs nothing."""
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("MKL_NUM_THREADS", "3")
    be = Processes()
    assert be.workers == (os.cpu_count() or 1)
    with pytest.raises(RuntimeError, match="use the backend as a context manager"):
        next(be.imap_unordered(_square, [1]))
    with Processes(1) as one:
        assert list(one.imap_unordered(_square, [3])) == [9]
    assert (os.environ["OMP_NUM_THREADS"], os.environ["OPENBLAS_NUM_THREADS"]) == ("1", "1")
    assert os.environ["MKL_NUM_THREADS"] == "3"


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
@pytest.mark.filterwarnings("ignore::ResourceWarning")
def test_dask_counts_threads_keeps_twice_in_flight_and_closes_only_its_own_client() -> None:
    """One worker of two threads: two workers' worth of tasks; four in flight at first, one
    more submitted as each result comes back (so the k-th result is yielded with 5 + k
    taken). A client given is left open; one made from an address is closed."""
    with local_dask_client(threads=2) as client:
        pulled = [0]
        taken = []
        with Dask(client) as be:
            assert be.workers == 2
            for _ in be.imap_unordered(_square, _counted(9, pulled)):
                taken.append(pulled[0])
        assert taken == [5, 6, 7, 8, 9, 9, 9, 9, 9]
        assert client.status == "running"
        with Dask(client.scheduler.address) as own:
            made = own._client
            assert sorted(own.imap_unordered(_square, range(3))) == [0, 1, 4]
        assert made.status == "closed" and client.status == "running"


def test_dask_without_distributed_says_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "distributed", None)  # import distributed: ImportError
    with pytest.raises(KruispuntError) as exc:
        Dask("tcp://localhost:8786")
    assert str(exc.value) == "--scheduler needs dask.distributed: pip install 'kruispunt[dask]'"


def _server(answer: bytes | None) -> tuple[socket.socket, threading.Thread]:
    """A TCP server on a free local port that, for each connection, sends ``answer`` and
    closes (an HTTP server's refusal), or, with None, accepts and never answers."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    held: list[socket.socket] = []

    def serve() -> None:
        while True:
            try:
                conn, _ = server.accept()
            except OSError:  # the server closed: the test is over
                return
            if answer is None:
                held.append(conn)
            else:
                conn.sendall(answer)
                conn.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    return server, thread


_TRY_SCHEDULER = """
import sys
from kruispunt.errors import KruispuntError
from kruispunt.uncertainty import backends
backends.CONNECT_WAIT_S = 3.0
try:
    with backends.Dask(sys.argv[1]):
        pass
except KruispuntError as exc:
    print(exc)
"""


def test_an_address_where_no_scheduler_answers_is_a_user_error() -> None:
    """--scheduler on a port of another service: one that answers in another protocol gave
    the client's MemoryError (it read the reply's bytes as a frame length of exabytes), one
    that never answers left the client waiting for ever despite its own 20 s timeout; both
    are a KruispuntError naming the address, the second after CONNECT_WAIT_S (3 s here).
    In a process of its own: a client that never connected stays the process's default
    scheduler (the export's netCDF writer then asked it for its work)."""
    pytest.importorskip("distributed")
    talker, _ = _server(b"HTTP/1.0 400 Bad Request\r\n\r\n" * 20)
    silent, _ = _server(None)
    try:
        said = []
        for server in (talker, silent):
            address = f"tcp://127.0.0.1:{server.getsockname()[1]}"
            start = time.monotonic()
            proc = subprocess.run(
                [sys.executable, "-c", _TRY_SCHEDULER, address],
                capture_output=True,
                text=True,
                timeout=120,
                check=False,
            )
            assert time.monotonic() - start < 60  # a guard against the hang
            assert proc.returncode == 0 and "Traceback" not in proc.stderr, proc.stderr
            said.append((address, proc.stdout.strip()))
        (address, message), (quiet, waited) = said
        assert message.startswith(
            f"cannot connect to a Dask scheduler at {address}: what answers there does not "
            "speak its protocol ("
        )
        assert waited.startswith(f"no answer from a Dask scheduler at {quiet} within 3 s")
    finally:
        talker.close()
        silent.close()
