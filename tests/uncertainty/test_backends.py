"""The backends run every task, with as many in flight as there are workers
(:mod:`kruispunt.uncertainty.backends`)."""

from __future__ import annotations

import multiprocessing
from typing import Any

import pytest

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
