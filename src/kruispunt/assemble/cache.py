"""Parts of assembly that do not depend on the scenarios, kept between ``build_inputs`` calls.

An ensemble assembles one batch of futures after another on the same data package; the route
techno-economics (:func:`kruispunt.assemble.routes.build_routes`) and the routes' ETS benchmark
allocation depend only on the data package and the model years, so a worker computes them
once. The cache holds one catalogue: it is emptied when another catalogue object is given, and
the catalogue must not be changed in place while the cache is in use. Every call gets its own
deep copy, so nothing a build does to its arrays reaches the next build.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import TypeVar

from kruispunt.assemble.tables import Tables
from kruispunt.catalogue.load import Catalogue

T = TypeVar("T")


class AssemblyCache:
    """Scenario-independent results of assembly for one catalogue, by key: kept in the
    catalogue's one :class:`~kruispunt.assemble.tables.Tables` (:meth:`Tables.memo`), which a
    new catalogue replaces."""

    def __init__(self) -> None:
        self._tables: Tables | None = None

    def get(self, catalogue: Catalogue, key: Hashable, compute: Callable[[], T]) -> T:
        """A copy of ``compute()`` for ``key`` on ``catalogue``, computed the first time."""
        return self.tables(catalogue).memo(key, compute)

    def tables(self, catalogue: Catalogue) -> Tables:
        """The one :class:`~kruispunt.assemble.tables.Tables` of ``catalogue`` (read-only; the
        series it works out are kept in it and copied out)."""
        if self._tables is None or self._tables.catalogue is not catalogue:
            self._tables = Tables(catalogue)
        return self._tables
