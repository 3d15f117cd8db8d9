"""Indexed access to the catalogue's tables for the builders (read-only)."""

from __future__ import annotations

import copy
from collections.abc import Callable, Hashable
from functools import cached_property
from typing import Any, TypeVar

import numpy as np
import numpy.typing as npt
import pandas as pd

from kruispunt.catalogue.load import Catalogue
from kruispunt.catalogue.schema import parameter_specs
from kruispunt.catalogue.series import exact_years, over_years
from kruispunt.errors import KruispuntError

F = npt.NDArray[np.float64]
T = TypeVar("T")


class Tables:
    """The catalogue with id-to-index maps and long tables split by parameter.

    Read-only: the series it works out from the catalogue (policy paths, scalars, flows and
    what builders keep with :meth:`memo`) are kept by their arguments, and every call gets
    its own copy; an ensemble's batches share one ``Tables`` of their catalogue
    (:meth:`kruispunt.assemble.cache.AssemblyCache.tables`).
    """

    def __init__(self, catalogue: Catalogue) -> None:
        self.catalogue = catalogue
        self._memo: dict[Hashable, Any] = {}

    def memo(self, key: Hashable, compute: Callable[[], T]) -> T:
        """A copy of ``compute()``, a pure function of the catalogue and ``key``, worked out
        the first time ``key`` is asked for."""
        if key not in self._memo:
            self._memo[key] = compute()
        value: T = copy.deepcopy(self._memo[key])
        return value

    @cached_property
    def product_ids(self) -> list[str]:
        return [str(p) for p in self.catalogue.products["product_id"]]

    @cached_property
    def product_index(self) -> dict[str, int]:
        return {p: i for i, p in enumerate(self.product_ids)}

    @cached_property
    def carrier_ids(self) -> list[str]:
        return [str(c) for c in self.catalogue.carriers["carrier_id"]]

    @cached_property
    def carrier_index(self) -> dict[str, int]:
        return {c: i for i, c in enumerate(self.carrier_ids)}

    @cached_property
    def price_follows(self) -> dict[str, tuple[str, float]]:
        """Carriers whose price follows another's: ``{carrier: (followed carrier, ratio)}``
        (``carriers.csv`` ``price_follows``, ``price_ratio``)."""
        df = self.catalogue.carriers
        if "price_follows" not in df.columns:
            return {}
        rows = df[df["price_follows"].notna()]
        return {
            str(c): (str(f), float(r))
            for c, f, r in zip(
                rows["carrier_id"], rows["price_follows"], rows["price_ratio"], strict=True
            )
        }

    @cached_property
    def cbam_good(self) -> dict[str, str]:
        """The CBAM good each imported carrier is (``carriers.csv`` ``cbam_good``):
        ``{carrier: product}``, for the carriers that name one."""
        df = self.catalogue.carriers
        if "cbam_good" not in df.columns:
            return {}
        rows = df[df["cbam_good"].notna()]
        return {str(c): str(g) for c, g in zip(rows["carrier_id"], rows["cbam_good"], strict=True)}

    @cached_property
    def cluster_ids(self) -> list[str]:
        return [str(c) for c in self.catalogue.clusters["cluster_id"]]

    @cached_property
    def cluster_index(self) -> dict[str, int]:
        return {c: i for i, c in enumerate(self.cluster_ids)}

    @cached_property
    def _route_params(self) -> dict[str, pd.DataFrame]:
        df = self.catalogue.route_parameters
        return {str(k): part for k, part in df.groupby(df["parameter"].to_numpy(), sort=False)}

    def route_param(self, name: str) -> pd.DataFrame | None:
        """Rows of one route parameter (all routes)."""
        return self._route_params.get(name)

    def product_market_rows(self, parameter: str) -> list[tuple[int, pd.DataFrame]]:
        """The rows of one ``product_markets.csv`` parameter per product, as (product index,
        rows sorted by year); products the model does not know are skipped, and an absent
        table or parameter gives no rows."""
        markets = self.catalogue.tables.get("product_markets")
        if markets is None or "parameter" not in markets.columns:
            return []
        rows = markets[markets["parameter"].astype(str) == parameter]
        out = []
        for pid, part in rows.groupby("product_id"):
            g = self.product_index.get(str(pid))
            if g is not None:
                out.append((g, part.sort_values("year")))
        return out

    @cached_property
    def _policy(self) -> dict[str, pd.DataFrame]:
        df = self.catalogue.policy
        names = df["instrument"].astype(str) + "." + df["parameter"].astype(str)
        return {str(k): part for k, part in df.groupby(names.to_numpy(), sort=False)}

    def policy_rows(self, name: str) -> pd.DataFrame | None:
        """Rows of one policy parameter ``instrument.parameter``."""
        return self._policy.get(name)

    def policy_path(self, name: str, years: npt.NDArray[np.int64], before: float = np.nan) -> F:
        """A policy parameter over ``years`` by its declared interpolation (NaN if absent)."""
        key = ("policy_path", name, years.tobytes(), float(before))
        return self.memo(key, lambda: self._policy_path(name, years, before))

    def _policy_path(self, name: str, years: npt.NDArray[np.int64], before: float) -> F:
        rows = self._policy.get(name)
        if rows is None:
            return np.full(len(years), np.nan)
        spec = parameter_specs("policy")[name]
        return over_years(rows, years, spec.interpolation, before=before)

    def policy_flow(self, name: str, years: npt.NDArray[np.int64]) -> F:
        """A policy flow (a round's budget) given for exactly some years; 0 in the others."""
        rows = self._policy.get(name)
        if rows is None:
            return np.zeros(len(years))
        return self.memo(("policy_flow", name, years.tobytes()), lambda: exact_years(rows, years))

    def policy_scalar(self, name: str) -> float:
        """A policy parameter with one value; KruispuntError if the package lacks it."""
        rows = self._policy.get(name)
        if rows is None or rows.empty:
            raise KruispuntError(f"policy.csv: the data package lacks '{name}'")
        return self.memo(
            ("policy_scalar", name), lambda: float(rows.sort_values("year")["value"].iloc[0])
        )
