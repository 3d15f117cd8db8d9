"""Parts of assembly that do not depend on the scenarios, kept between ``build_inputs`` calls.

An ensemble assembles one batch of futures after another on the same data package; the route
techno-economics (:func:`kruispunt.assemble.routes.build_routes`) and the routes' ETS benchmark
allocation depend only on the data package and the model years, so a worker computes them
once. The cache holds one catalogue: it is emptied when another catalogue object is given, and
the catalogue must not be changed in place while the cache is in use. Every call gets its own
deep copy, so nothing a build does to its arrays reaches the next build.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

from kruispunt.assemble.tables import Tables
from kruispunt.catalogue.load import Catalogue

T = TypeVar("T")


class AssemblyCache:
    """Scenario-independent results of assembly for one catalogue, by key."""

    def __init__(self) -> None:
        self._catalogue: object | None = None
        self._store: dict[Hashable, Any] = {}
        self._tables: Tables | None = None

    def get(self, catalogue: object, key: Hashable, compute: Callable[[], T]) -> T:
        """A copy of ``compute()`` for ``key`` on ``catalogue``, computed the first time."""
        self._use(catalogue)
        if key not in self._store:
            self._store[key] = compute()
        value: T = copy.deepcopy(self._store[key])
        return value

    def tables(self, catalogue: Catalogue) -> Tables:
        """The one :class:`~kruispunt.assemble.tables.Tables` of ``catalogue`` (read-only; the
        series it works out are kept in it and copied out)."""
        self._use(catalogue)
        if self._tables is None:
            self._tables = Tables(catalogue)
        return self._tables

    def _use(self, catalogue: object) -> None:
        if self._catalogue is not catalogue:
            self._catalogue = catalogue
            self._store.clear()
            self._tables = None
