"""Helpers for the ensemble tests."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import pytest


@contextlib.contextmanager
def local_dask_client(threads: int) -> Iterator[Any]:
    """A client of a one-worker Dask cluster in this process with ``threads`` threads (the
    test is skipped without ``distributed``). ``":0"``: the scheduler's HTTP server on a
    free port (the default 8787 may be taken by another cluster on the machine, and its
    "port in use" warning is an error here)."""
    distributed = pytest.importorskip("distributed")
    with (
        distributed.LocalCluster(
            n_workers=1, threads_per_worker=threads, processes=False, dashboard_address=":0"
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        yield client
