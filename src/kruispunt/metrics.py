"""Named indicators computed from :class:`~kruispunt.results.Results`, each defined once.

Reports, the dashboard, exports and the command line ask these functions for numbers and
never index the result arrays themselves (STYLE habit 11), so an indicator means the same
thing everywhere.

Every function returns a tidy :class:`pandas.DataFrame`: one row per observation, the
labels (``scenario``, the grouping keys, ``year`` ...) as columns, and value columns whose
name ends in their unit (``emissions_mtco2`` is Mt CO2 per year, ``cost_meur`` million euro
per year, ``energy_twh`` TWh per year). ``frame.attrs["units"]`` maps each value column to
its unit. Where units differ between rows (production in tonnes or GJ of the product,
infrastructure in MW, tCO2/yr or GJ/yr), a ``unit`` column says which.

Grouping
--------
``by`` selects how plants are added up: ``None`` (national), ``"cluster"``, ``"sector"``,
``"product"``, ``"site"``, ``"route"`` (the route a plant runs in the year), or a list of
these (``["cluster", "sector"]``). A plant's site, product, cluster and sector are read from
the ``plant`` coordinates ``site``, ``plant_product`` (or ``product``), ``plant_cluster``
(or ``cluster``) and ``sector``.

Descriptive labels
------------------
Read from the coordinates every result carries (:data:`kruispunt.results.RESULT_COORDS`):
carrier units ``carrier_unit`` (``GJ`` for energy, ``t`` for materials), product units
``product_unit``, route families ``route_family`` and cluster names ``cluster_name``.
"""

from __future__ import annotations

import hashlib
import itertools
import math
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
import pandas as pd
import xarray as xr

from kruispunt.errors import KruispuntError, UnitError
from kruispunt.results import Results
from kruispunt.units import conversion_factor
from kruispunt.version import __version__
from kruispunt.vocabulary import FAMILIES, HYDROGEN_LHV_GJ_PER_T, RESOURCE_UNITS, SCENARIO

__all__ = [
    "GROUPINGS",
    "KEY_INDICATORS",
    "KEY_YEARS",
    "cluster_names",
    "costs",
    "deadweight",
    "emissions",
    "emissions_vs_target",
    "energy_demand",
    "euro_year",
    "flow_signs",
    "fullest_pools",
    "government_cash_flow",
    "government_cost",
    "grid_by_cluster",
    "grid_waiting",
    "infrastructure_use",
    "key_indicators",
    "material_use",
    "plant_attribute",
    "pool_summary",
    "premium_paid",
    "production",
    "production_and_imports",
    "route_family_mix",
    "route_mix",
    "run_summary",
    "site_names",
    "site_route_history",
    "site_states",
    "site_table",
    "storage_peak",
    "summary_is_current",
]

By = str | Sequence[str] | None
EmissionKind = Literal["direct", "indirect", "captured", "stored"]

GROUPINGS = ("cluster", "sector", "product", "site", "route")
"""Allowed values of ``by``."""

KEY_YEARS = (2030, 2035, 2040, 2050)
"""Years reported by :func:`key_indicators`."""


_EMISSION_VARS = {
    "direct": "direct_emissions",
    "indirect": "indirect_emissions",
    "captured": "captured_co2",
    "stored": "stored_co2",
}
_COST_ITEMS = {  # item -> (variable, sign)
    "capex": ("capex", 1.0),
    "opex": ("opex", 1.0),
    "energy": ("energy_cost", 1.0),
    "carbon": ("carbon_cost", 1.0),
    "levy": ("co2_levy", 1.0),
    "tax": ("energy_tax", 1.0),
    "network": ("network_tariff", 1.0),
    "obligation": ("obligation_cost", 1.0),
    "subsidies": ("subsidies", -1.0),
}
_T_TO_MT = 1e-6
_EUR_TO_MEUR = 1e-6

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]


# --- labels and grouping ----------------------------------------------------------------------


def plant_attribute(results: Results, key: str) -> npt.NDArray[np.str_]:
    """Label of every plant for ``key`` (``site``, ``product``, ``cluster`` or ``sector``).

    Reads the ``plant`` coordinate ``plant_<key>`` if present, else ``<key>`` when that is a
    coordinate along ``plant``.

    Raises
    ------
    KruispuntError
        If the results carry no such plant coordinate.
    """
    ds = results.dataset
    for name in (f"plant_{key}", key):
        if name in ds.coords and ds[name].dims == ("plant",):
            return np.asarray(ds[name].values).astype(str)
    raise KruispuntError(
        f"results have no plant coordinate for '{key}' (looked for "
        f"'plant_{key}' and '{key}' along the plant dimension)"
    )


def _labels(results: Results, dim: str, coord: str) -> dict[str, str]:
    """Per-label metadata: the coordinate ``coord`` along ``dim`` (required by the result
    contract, :data:`kruispunt.results.RESULT_COORDS`)."""
    ds = results.dataset
    labels = [str(v) for v in ds[dim].values]
    return dict(zip(labels, (str(v) for v in ds[coord].values), strict=True))


def _per_year(unit: str) -> str:
    return unit if "/" in unit else f"{unit}/yr"


def cluster_names(results: Results) -> dict[str, str]:
    """Display name of every cluster id (the ``cluster_name`` coordinate, else the id)."""
    return _labels(results, "cluster", "cluster_name")


def site_names(results: Results) -> dict[str, str]:
    """Display name of every site id (the ``site_name`` coordinate along ``plant``)."""
    ds = results.dataset
    sites = [str(v) for v in ds["site"].values]
    names = [str(v) for v in ds["site_name"].values]
    return dict(zip(sites, names, strict=True))


def flow_signs(results: Results) -> dict[str, int]:
    """Sign of every government cash flow: -1 for an outlay, +1 for revenue (``flow_sign``)."""
    return {k: int(v) for k, v in _labels(results, "flow", "flow_sign").items()}


def euro_year(results: Results) -> int | None:
    """The euro year money in the results is expressed in, when the results record one.

    Read from the result attribute ``euro_year`` (or ``currency_year``). None when the
    results do not state one: the data package's monetary values then keep the euro year of
    their own source (its ``currency_year`` column), not converted to one year.
    """
    for key in ("euro_year", "currency_year"):
        value = results.dataset.attrs.get(key)
        if value is not None and str(value).strip().lstrip("-").isdigit():
            return int(str(value).strip())
    return None


def _normalise_by(by: By, allowed: Sequence[str], metric: str) -> list[str]:
    keys = [] if by is None else [by] if isinstance(by, str) else list(by)
    for key in keys:
        if key not in allowed:
            raise KruispuntError(
                f"unknown grouping '{key}' for {metric}; allowed: "
                f"{', '.join(allowed)} or None (national)"
            )
    if len(set(keys)) != len(keys):
        raise KruispuntError(f"grouping {keys} for {metric} repeats a key")
    return keys


def _categories(results: Results, key: str, labels: npt.NDArray[np.str_]) -> list[str]:
    """Labels of ``key`` in canonical order: the dimension's order where one exists."""
    ds = results.dataset
    present = set(labels.tolist())
    if key in ("cluster", "product") and key in ds.dims:
        ordered = [str(v) for v in ds[key].values if str(v) in present]
        return ordered + sorted(present - set(ordered))
    if key == "sector":
        return list(dict.fromkeys(labels.tolist()))
    return sorted(present)


def _group(results: Results, keys: list[str]) -> tuple[IntArray, pd.DataFrame]:
    """Group index of every (scenario, plant, year) and the labels of each group.

    Returns
    -------
    inverse : ndarray of int, shape (scenario, plant, year)
        Group number of each element.
    labels : DataFrame
        One row per group that occurs anywhere, in canonical order, one column per key.
    """
    ds = results.dataset
    shape = (ds.sizes[SCENARIO], ds.sizes["plant"], ds.sizes["year"])
    code: IntArray = np.zeros((1, shape[1], 1), dtype=np.int64)
    cats: list[npt.NDArray[np.str_]] = []
    for key in keys:
        if key == "route":
            cat = np.asarray(ds["route"].values).astype(str)
            idx = ds["route_index"].transpose(SCENARIO, "plant", "year").values.astype(np.int64)
            if idx.size and (idx.min() < 0 or idx.max() >= cat.size):
                raise KruispuntError("route_index points outside the route coordinate")
        else:
            labels = plant_attribute(results, key)
            cat = np.asarray(_categories(results, key, labels))
            lookup = {v: i for i, v in enumerate(cat.tolist())}
            idx = np.array([lookup[v] for v in labels.tolist()], dtype=np.int64)[None, :, None]
        code = code * cat.size + idx
        cats.append(cat)
    if code.shape[0] == 1 and code.shape[2] == 1:  # plant attributes only: the groups of
        # the plants, the same in every scenario and year (one sort of P codes, not S*P*Y)
        uniq, of_plant = np.unique(code.reshape(-1), return_inverse=True)
        inverse = np.broadcast_to(of_plant.reshape(1, -1, 1), shape)
    else:
        uniq, inverse = np.unique(np.broadcast_to(code, shape), return_inverse=True)
    columns: dict[str, npt.NDArray[np.str_]] = {}
    rest = uniq
    for key, cat in reversed(list(zip(keys, cats, strict=True))):
        columns[key] = cat[rest % cat.size]
        rest = rest // cat.size
    labels_df = pd.DataFrame({k: columns[k] for k in keys})
    return inverse.reshape(shape).astype(np.int64), labels_df


def _sum_groups(values: FloatArray, inverse: IntArray, n_groups: int) -> FloatArray:
    """Sum ``values`` (scenario, plant, year) into (scenario, group, year)."""
    S, _, Y = values.shape
    s = np.arange(S)[:, None, None]
    y = np.arange(Y)[None, None, :]
    flat = (s * n_groups + inverse) * Y + y
    out = np.bincount(flat.ravel(), weights=values.ravel(), minlength=S * n_groups * Y)
    return np.asarray(out, dtype=np.float64).reshape(S, n_groups, Y)


def _plant_values(results: Results, var: str) -> FloatArray:
    da = results.dataset[var].transpose(SCENARIO, "plant", "year", ...)
    return np.asarray(da.values, dtype=np.float64)


def _aggregate(
    results: Results, values: FloatArray, keys: list[str]
) -> tuple[pd.DataFrame, FloatArray]:
    """Labels (G rows) and sums (scenario, G, year); national when ``keys`` is empty."""
    if not keys:
        return pd.DataFrame(index=range(1)), values.sum(axis=1)[:, None, :]
    inverse, labels = _group(results, keys)
    return labels, _sum_groups(values, inverse, len(labels))


def _long(
    results: Results,
    labels: pd.DataFrame,
    array: FloatArray,
    columns: dict[str, FloatArray] | None = None,
    *,
    value: str | None = None,
) -> pd.DataFrame:
    """Tidy frame from arrays shaped (scenario, group, year)."""
    ds = results.dataset
    scen = np.asarray(ds[SCENARIO].values).astype(str)
    years = np.asarray(ds["year"].values)
    S, G, Y = array.shape
    out: dict[str, object] = {SCENARIO: np.repeat(scen, G * Y)}
    for col in labels.columns:
        out[col] = np.tile(np.repeat(labels[col].to_numpy(), Y), S)
    out["year"] = np.tile(years, S * G)
    data = dict(columns or {})
    if value is not None:
        data[value] = array
    for name, arr in data.items():
        out[name] = np.asarray(arr, dtype=np.float64).reshape(-1)
    return pd.DataFrame(out)


def _pos(frame: pd.DataFrame, column: str) -> int:
    """Position of ``column`` in ``frame``."""
    return list(frame.columns).index(column)


def _with_units(frame: pd.DataFrame, units: dict[str, str]) -> pd.DataFrame:
    frame.attrs["units"] = dict(units)
    return frame


def _check_year(results: Results, year: int) -> None:
    years = results.dataset["year"].values
    if year not in years:
        raise KruispuntError(
            f"year {year} is not in the results (they cover {int(years.min())}-{int(years.max())})"
        )


# --- emissions --------------------------------------------------------------------------------


def emissions(results: Results, by: By = None, kind: EmissionKind = "direct") -> pd.DataFrame:
    """CO2 emitted, captured or stored per scenario and year, nationally or by group.

    Parameters
    ----------
    results : Results
    by : None, str or list of str
        ``None`` for the national total, or one or more of ``cluster``, ``sector``,
        ``product``, ``site``, ``route``.
    kind : {"direct", "indirect", "captured", "stored"}
        ``direct``: scope-1 emissions after capture; ``indirect``: emissions of the
        electricity used; ``captured``: CO2 captured; ``stored``: CO2 sent to storage.

    Returns
    -------
    DataFrame
        Columns ``scenario``, the ``by`` keys, ``year`` and ``emissions_mtco2``
        (CO2 in the year [MtCO2/yr]).

    Examples
    --------
    >>> from kruispunt.testing import synthetic_results
    >>> df = emissions(synthetic_results(n_plants=3, years=range(2025, 2027)), by="cluster")
    >>> list(df.columns)
    ['scenario', 'cluster', 'year', 'emissions_mtco2']
    """
    if kind not in _EMISSION_VARS:
        raise KruispuntError(
            f"unknown emission kind '{kind}'; allowed: {', '.join(_EMISSION_VARS)}"
        )
    keys = _normalise_by(by, GROUPINGS, "emissions")
    labels, sums = _aggregate(results, _plant_values(results, _EMISSION_VARS[kind]), keys)
    frame = _long(results, labels, sums * _T_TO_MT, value="emissions_mtco2")
    return _with_units(frame, {"emissions_mtco2": "MtCO2/yr"})


def emissions_vs_target(results: Results) -> pd.DataFrame:
    """National direct emissions against the industry emission target, in target years.

    The target (policy ``targets.industry_emissions_target``) covers all industry, not only
    the EU ETS plants the model holds; industry outside the ETS is not modelled, so the
    comparison flatters the plants.

    Returns
    -------
    DataFrame
        One row per scenario and year that has a target (``emission_target`` not NaN):
        ``emissions_mtco2`` (direct emissions [MtCO2/yr]), ``target_mtco2`` [MtCO2/yr],
        ``gap_mtco2`` (emissions minus target; positive means above target [MtCO2/yr]) and
        ``on_target`` (emissions at or below target [bool]).
    """
    nat = emissions(results)
    target = pd.Series(
        results.dataset["emission_target"].values * _T_TO_MT,
        index=results.dataset["year"].values,
        name="target_mtco2",
    )
    target = target.dropna()
    frame = nat[nat["year"].isin(target.index)].copy()
    frame["target_mtco2"] = frame["year"].map(target).astype(np.float64)
    frame["gap_mtco2"] = frame["emissions_mtco2"] - frame["target_mtco2"]
    frame["on_target"] = frame["gap_mtco2"] <= 0.0
    frame = frame.reset_index(drop=True)
    return _with_units(
        frame, {"emissions_mtco2": "MtCO2/yr", "target_mtco2": "MtCO2/yr", "gap_mtco2": "MtCO2/yr"}
    )


# --- production -------------------------------------------------------------------------------


def _product_units(results: Results) -> dict[str, str]:
    units = _labels(results, "product", "product_unit")
    return {p: _per_year(u) for p, u in units.items()}


def production_and_imports(results: Results) -> pd.DataFrame:
    """Demand, domestic production and imports per scenario, product and year.

    Returns
    -------
    DataFrame
        Columns ``scenario``, ``product``, ``year``, ``demand``, ``domestic`` (sum of the
        plants' production), ``imports`` (as the results record them: demand minus domestic
        production, never below 0, so a product made beyond its demand has 0 imports and a
        ``share_kept`` above 1), all in the product's unit given in ``unit`` (``t/yr`` or
        ``GJ/yr``), and ``share_kept`` (domestic production / demand [fraction]; NaN where
        demand is 0).
    """
    ds = results.dataset
    keys = ["product"]
    inverse, labels = _group(results, keys)
    domestic = _sum_groups(_plant_values(results, "production"), inverse, len(labels))
    order = [str(p) for p in ds["product"].values]
    # products without plants still have demand: align everything on the product dimension
    full = np.zeros((ds.sizes[SCENARIO], len(order), ds.sizes["year"]))
    pos = {p: i for i, p in enumerate(order)}
    for g, prod in enumerate(labels["product"]):
        if prod not in pos:
            raise KruispuntError(f"plant product '{prod}' is not in the product dimension")
        full[:, pos[prod], :] = domestic[:, g, :]
    demand = ds["demand"].transpose(SCENARIO, "product", "year").values
    imports = ds["imports"].transpose(SCENARIO, "product", "year").values
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(demand != 0, full / np.where(demand != 0, demand, 1.0), np.nan)
    frame = _long(
        results,
        pd.DataFrame({"product": order}),
        demand,
        {"demand": demand, "domestic": full, "imports": imports, "share_kept": share},
    )
    units = _product_units(results)
    frame.insert(_pos(frame, "year") + 1, "unit", frame["product"].map(units))
    return _with_units(
        frame, {"demand": "unit", "domestic": "unit", "imports": "unit", "share_kept": "fraction"}
    )


def production(results: Results, by: By = None) -> pd.DataFrame:
    """Domestic production per scenario, product and year, nationally or by group.

    Parameters
    ----------
    by : None, str or list of str
        Extra grouping keys (``cluster``, ``sector``, ``site``, ``route``); production is
        always split by product, whose units differ.

    Returns
    -------
    DataFrame
        Columns ``scenario``, the ``by`` keys, ``product``, ``year``, ``unit`` (the product's
        unit per year, ``t/yr`` or ``GJ/yr``) and ``production`` (in that unit).
    """
    keys = [k for k in _normalise_by(by, GROUPINGS, "production") if k != "product"]
    labels, sums = _aggregate(results, _plant_values(results, "production"), [*keys, "product"])
    frame = _long(results, labels, sums, value="production")
    frame.insert(_pos(frame, "year") + 1, "unit", frame["product"].map(_product_units(results)))
    return _with_units(frame, {"production": "unit"})


def route_mix(
    results: Results, by: Literal["product", "sector"] | None = "product"
) -> pd.DataFrame:
    """Plants, production and production shares by route, per scenario, product and year.

    Production is never added across products: products are measured in different units
    (tonnes of steel, GJ of heat), so a share of tonnes plus GJ would mean nothing. Every row
    is one route of one product, and its share is taken within that product.

    Parameters
    ----------
    by : {"product", "sector", None}
        ``"product"`` or ``None``: national, per product and route (a route makes one product,
        so both give the same table). ``"sector"``: per sector, product and route.

    Returns
    -------
    DataFrame
        Columns ``scenario``, ``sector`` (with ``by="sector"``), ``product``, ``route``,
        ``route_family`` (when the results carry it), ``year``, ``unit`` (the product's unit
        per year, ``t/yr`` or ``GJ/yr``), ``plants`` (number of plants on the route [-]),
        ``production`` (in ``unit``) and ``share`` (the route's production / the product's
        production, nationally or within the sector [fraction]; NaN when the product is not
        produced there). Closed plants count on their closure route with zero production.
        Plant counts may be added across routes; production and shares only within a product.
    """
    groups = [k for k in _normalise_by(by, ("product", "sector"), "route_mix") if k != "product"]
    keys = [*groups, "product", "route"]
    inverse, labels = _group(results, keys)
    prod = _sum_groups(_plant_values(results, "production"), inverse, len(labels))
    ones = np.ones(inverse.shape, dtype=np.float64)
    plants = _sum_groups(ones, inverse, len(labels))
    frame = _long(results, labels, prod, {"plants": plants, "production": prod})
    frame["plants"] = frame["plants"].astype(np.int64)
    group_cols = [SCENARIO, *groups, "product", "year"]
    total = frame.groupby(group_cols, sort=False)["production"].transform("sum")
    frame["share"] = frame["production"] / total.where(total != 0)
    fam = _labels(results, "route", "route_family")
    frame.insert(_pos(frame, "route") + 1, "route_family", frame["route"].map(fam))
    frame.insert(_pos(frame, "year") + 1, "unit", frame["product"].map(_product_units(results)))
    return _with_units(frame, {"plants": "-", "production": "unit", "share": "fraction"})


def _family_codes(results: Results) -> tuple[list[str], IntArray]:
    """Route families present in the results (vocabulary order first) and the family code of
    every (scenario, plant, year)."""
    ds = results.dataset
    fam_of_route = np.asarray(ds["route_family"].values).astype(str)
    present = list(dict.fromkeys(fam_of_route.tolist()))
    order = [f for f in FAMILIES if f in present] + [f for f in present if f not in FAMILIES]
    code_of_route = np.array([order.index(f) for f in fam_of_route], dtype=np.int64)
    ridx = ds["route_index"].transpose(SCENARIO, "plant", "year").values.astype(np.int64)
    if ridx.size and (ridx.min() < 0 or ridx.max() >= code_of_route.size):
        raise KruispuntError("route_index points outside the route coordinate")
    return order, code_of_route[ridx]


def route_family_mix(
    results: Results, weight: Literal["production", "base_emissions"] = "production"
) -> pd.DataFrame:
    """Route families weighted by plant size, per scenario and year (not a count of plants).

    Parameters
    ----------
    weight : {"production", "base_emissions"}
        ``"production"``: the tonnes each family produces in the year, summed over products
        measured in tonnes (heat products, measured in GJ, are left out; a tonne of refinery
        throughput weighs as much as a tonne of steel). ``"base_emissions"``: each plant
        weighs its direct emissions in the first model year, so the chart shows where the
        first year's emissions have gone (a plant that closes still counts, on ``closure``).

    Returns
    -------
    DataFrame
        Columns ``scenario``, ``route_family``, ``year`` and ``production_mt`` [Mt/yr] or
        ``base_emissions_mtco2`` (first-year direct emissions of the plants on the family
        [MtCO2/yr]).

    Examples
    --------
    >>> from kruispunt.testing import synthetic_results
    >>> res = synthetic_results(n_scenarios=1, n_plants=4, years=range(2025, 2028))
    >>> mix = route_family_mix(res, weight="base_emissions")
    >>> bool(np.allclose(mix.groupby("year")["base_emissions_mtco2"].sum(),
    ...                  emissions(res)["emissions_mtco2"].iloc[0]))
    True
    """
    if weight not in ("production", "base_emissions"):
        raise KruispuntError(
            f"unknown route-mix weight '{weight}'; allowed: production, base_emissions"
        )
    families, codes = _family_codes(results)
    if weight == "production":
        units = _product_units(results)
        in_tonnes = np.array([units.get(p) == "t/yr" for p in plant_attribute(results, "product")])
        values = _plant_values(results, "production") * in_tonnes[None, :, None] * _T_TO_MT
        column, unit = "production_mt", "Mt/yr"
    else:
        direct = _plant_values(results, "direct_emissions")
        values = np.broadcast_to(direct[:, :, :1], direct.shape) * _T_TO_MT
        column, unit = "base_emissions_mtco2", "MtCO2/yr"
    sums = _sum_groups(values, codes, len(families))
    frame = _long(results, pd.DataFrame({"route_family": families}), sums, value=column)
    return _with_units(frame, {column: unit})


# --- energy and infrastructure ----------------------------------------------------------------


def _carrier_units(results: Results) -> dict[str, str]:
    units = _labels(results, "carrier", "carrier_unit")
    return {c: _per_year(u) for c, u in units.items()}


def _energy_factors(results: Results) -> tuple[dict[str, float], dict[str, float]]:
    """Factors to TWh/yr for energy carriers and to kt/yr for materials."""
    energy: dict[str, float] = {}
    mass: dict[str, float] = {}
    for carrier, unit in _carrier_units(results).items():
        try:
            energy[carrier] = conversion_factor(unit, "TWh/yr")
        except UnitError:
            to_kt = conversion_factor(unit, "kt/yr")
            if carrier == "hydrogen":
                energy[carrier] = (
                    to_kt * 1e3 * HYDROGEN_LHV_GJ_PER_T * conversion_factor("GJ/yr", "TWh/yr")
                )
            else:
                mass[carrier] = to_kt
    return energy, mass


def _cross(labels: pd.DataFrame, name: str, values: Sequence[str]) -> pd.DataFrame:
    """Every row of ``labels`` combined with every value (labels-major)."""
    n = len(values)
    out = {c: np.repeat(labels[c].to_numpy(), n) for c in labels.columns}
    out[name] = np.tile(np.asarray(values, dtype=object), len(labels))
    return pd.DataFrame(out)


def _inner_sums(
    results: Results, arrays: list[FloatArray], keys: list[str]
) -> tuple[pd.DataFrame, FloatArray]:
    """Group sums of several (scenario, plant, year) arrays, stacked as (S, G*I, Y)."""
    inverse: IntArray | None = None
    labels = pd.DataFrame(index=range(1))
    if keys:
        inverse, labels = _group(results, keys)
    sums = [
        a.sum(axis=1)[:, None, :] if inverse is None else _sum_groups(a, inverse, len(labels))
        for a in arrays
    ]
    stacked = np.stack(sums, axis=2)  # S, G, I, Y
    S, G, I_, Y = stacked.shape
    return labels, stacked.reshape(S, G * I_, Y)


def _carrier_frame(
    results: Results,
    factors: dict[str, float],
    carrier: str | Sequence[str] | None,
    by: By,
    value: str,
    metric: str,
) -> pd.DataFrame:
    keys = _normalise_by(by, GROUPINGS, metric)
    wanted = (
        list(factors)
        if carrier is None
        else [carrier]
        if isinstance(carrier, str)
        else list(carrier)
    )
    for c in wanted:
        if c not in factors:
            raise KruispuntError(
                f"unknown carrier '{c}' for {metric}; allowed: {', '.join(factors) or '(none)'}"
            )
    ds = results.dataset
    energy = ds["energy"].transpose(SCENARIO, "plant", "year", "carrier").values
    carriers = [str(c) for c in ds["carrier"].values]
    arrays = [
        np.asarray(energy[..., carriers.index(c)], dtype=np.float64) * factors[c] for c in wanted
    ]
    if not arrays:
        cols = [SCENARIO, *keys, "carrier", "year", value]
        return pd.DataFrame({c: pd.Series(dtype=object) for c in cols})
    labels, sums = _inner_sums(results, arrays, keys)
    return _long(results, _cross(labels, "carrier", wanted), sums, value=value)


def energy_demand(
    results: Results, carrier: str | Sequence[str] | None = None, by: By = None
) -> pd.DataFrame:
    """Final energy use per carrier, scenario and year, nationally or by group.

    Parameters
    ----------
    carrier : str, list of str or None
        Carriers to report (default: every energy carrier, including ``electricity`` and
        ``hydrogen``). Material feedstocks (carriers in tonnes) are in :func:`material_use`.
    by : None, str or list of str
        As in :func:`emissions`.

    Returns
    -------
    DataFrame
        Columns ``scenario``, the ``by`` keys, ``carrier``, ``year`` and ``energy_twh``
        (energy used in the year [TWh/yr]; hydrogen reported in tonnes is converted with its
        lower heating value, :data:`HYDROGEN_LHV_GJ_PER_T`).
    """
    factors, _ = _energy_factors(results)
    frame = _carrier_frame(results, factors, carrier, by, "energy_twh", "energy_demand")
    return _with_units(frame, {"energy_twh": "TWh/yr"})


def material_use(
    results: Results, carrier: str | Sequence[str] | None = None, by: By = None
) -> pd.DataFrame:
    """Use of material feedstocks (carriers measured in tonnes) per scenario and year.

    Returns
    -------
    DataFrame
        Columns ``scenario``, the ``by`` keys, ``carrier``, ``year`` and ``mass_kt``
        [kt/yr].
    """
    _, factors = _energy_factors(results)
    frame = _carrier_frame(results, factors, carrier, by, "mass_kt", "material_use")
    return _with_units(frame, {"mass_kt": "kt/yr"})


def infrastructure_use(
    results: Results,
    by: Literal["cluster", "pool"] | Sequence[Literal["cluster", "pool"]] | None = "cluster",
) -> pd.DataFrame:
    """Use of scarce infrastructure against its capacity.

    Parameters
    ----------
    by : {"cluster", "pool", None}
        Per cluster, per pool (each CO2 storage project, each cluster's grid for new load
        and each of its grid zones, each hydrogen project, each biomass supply; with its
        cluster, so ``["cluster", "pool"]`` is the same), or added up over clusters
        (national).

    Returns
    -------
    DataFrame
        Columns ``scenario``, ``pool`` (per pool: ``"<resource>/<name>"``), ``cluster``
        (per cluster; per pool, the cluster the pool adds to), ``resource`` (``grid``,
        ``co2_storage``, ``hydrogen``, ``biomass``), ``year``, ``use`` and ``capacity`` in
        ``unit`` (grid: MW of new load; co2_storage: tCO2/yr; hydrogen, biomass: GJ/yr; the
        national biomass supply is reported under Cluster 6; a cluster's grid sums its own
        pool and its grid zones', ``inf`` once one of them is not limited by the data: per
        pool, each zone's own), ``headroom`` (capacity minus use, same unit) and
        ``utilisation_share`` (use / capacity [fraction]; NaN where capacity is 0).
    """
    keys = _normalise_by(by, ("cluster", "pool"), "infrastructure_use")
    ds = results.dataset
    if "pool" in keys:  # a pool lies in one cluster: by pool is by cluster and pool
        use = ds["pool_use"].transpose(SCENARIO, "pool", "year")
        cap = ds["pool_capacity"].transpose(SCENARIO, "pool", "year")
        labels = ["pool", "cluster", "resource"]
    else:
        use = ds["infra_use"].transpose(SCENARIO, "cluster", "resource", "year")
        cap = ds["infra_capacity"].transpose(SCENARIO, "cluster", "resource", "year")
        if not keys:
            use, cap = use.sum("cluster"), cap.sum("cluster")
        labels = [*keys, "resource"]
    frame = xr.Dataset({"use": use, "capacity": cap}).to_dataframe()[["use", "capacity"]]
    frame = frame.reset_index()
    if "pool" in keys:  # each pool's cluster and resource, from its coordinates
        for col in ("cluster", "resource"):
            of = ds[f"pool_{col}"].to_series()
            frame[col] = frame["pool"].map(of)
    keep = [SCENARIO, *labels, "year", "use", "capacity"]
    frame = frame[keep].copy()
    for col in (SCENARIO, *labels):
        frame[col] = frame[col].astype(str).to_numpy()
    frame.insert(
        keep.index("year") + 1, "unit", frame["resource"].map(RESOURCE_UNITS).fillna("resource")
    )
    frame["headroom"] = frame["capacity"] - frame["use"]
    frame["utilisation_share"] = frame["use"] / frame["capacity"].where(frame["capacity"] != 0)
    return _with_units(
        frame,
        {"use": "unit", "capacity": "unit", "headroom": "unit", "utilisation_share": "fraction"},
    )


_WAITING_MW = 1e-9
"""A plant waits for the grid where its ``grid_waiting`` is above this [MW] (rounding)."""


def grid_waiting(results: Results) -> pd.DataFrame:
    """The national grid waiting list: plants waiting for infrastructure whose refused
    option needs new grid capacity, and the capacity they asked for (:func:`grid_by_cluster`
    per cluster).

    Returns
    -------
    DataFrame
        One row per scenario and year: ``waiting_plants`` [plants] and ``waiting_mw`` [MW].

    Examples
    --------
    >>> from kruispunt.testing import synthetic_results
    >>> grid_waiting(synthetic_results(n_plants=3, years=range(2025, 2027))).columns.tolist()
    ['scenario', 'year', 'waiting_plants', 'waiting_mw']
    """
    ds = results.dataset
    waiting = ds["grid_waiting"].transpose(SCENARIO, "plant", "year").values
    scen = [str(s) for s in ds[SCENARIO].values]
    years = [int(y) for y in ds["year"].values]
    frame = pd.DataFrame(
        {
            SCENARIO: np.repeat(scen, len(years)),
            "year": np.tile(years, len(scen)),
            "waiting_plants": (waiting > _WAITING_MW).sum(axis=1).reshape(-1).astype(np.int64),
            "waiting_mw": waiting.sum(axis=1).reshape(-1),
        }
    )
    return _with_units(frame, {"waiting_plants": "plants", "waiting_mw": "MW"})


def grid_by_cluster(results: Results) -> pd.DataFrame:
    """Electricity, peak load and the grid waiting list per cluster, against the grid's
    capacity for new load.

    Returns
    -------
    DataFrame
        One row per scenario, cluster and year: ``electricity_twh`` (electricity used
        [TWh/yr]), ``peak_mw`` (sum of the plants' peak loads, ``peak_load`` [MW]: use
        over the plant's hours a year, a flexible boiler its rated power), ``new_load_mw``
        (the use of the cluster's grid pools: peak load above today's routes' [MW]),
        ``capacity_mw`` (the grid's capacity for new load [MW], the cluster's own and its
        grid zones' summed; ``inf``: not limited by the data, for the cluster or one of its
        zones; each pool apart:
        :func:`infrastructure_use` by ``"pool"``), ``waiting_plants`` (plants waiting for
        infrastructure whose refused option needs new grid capacity) and ``waiting_mw`` (the
        capacity they asked for [MW]).
    """
    ds = results.dataset
    cluster = ds["plant_cluster"]
    elec = ds["energy"].sel(carrier="electricity") * conversion_factor(
        _carrier_units(results)["electricity"], "TWh/yr"
    )
    waiting = ds["grid_waiting"]
    data = xr.Dataset(
        {
            "electricity_twh": elec.groupby(cluster).sum(),
            "peak_mw": ds["peak_load"].groupby(cluster).sum(),
            "waiting_plants": (waiting > _WAITING_MW).groupby(cluster).sum(),
            "waiting_mw": waiting.groupby(cluster).sum(),
        }
    ).rename({"plant_cluster": "cluster"})
    grid = list(ds["resource"].values).index("grid")
    infra = xr.Dataset(
        {
            "new_load_mw": ds["infra_use"].isel(resource=grid, drop=True),
            "capacity_mw": ds["infra_capacity"].isel(resource=grid, drop=True),
        }
    )
    data = data.reindex(cluster=infra["cluster"].values, fill_value=0).merge(infra)
    cols = [
        "electricity_twh",
        "peak_mw",
        "new_load_mw",
        "capacity_mw",
        "waiting_plants",
        "waiting_mw",
    ]
    frame = data[cols].to_dataframe().reset_index()
    frame = frame[[SCENARIO, "cluster", "year", *cols]].copy()
    for col in (SCENARIO, "cluster"):
        frame[col] = frame[col].astype(str).to_numpy()
    frame["waiting_plants"] = frame["waiting_plants"].astype(np.int64)
    return _with_units(
        frame,
        {
            "electricity_twh": "TWh/yr",
            "peak_mw": "MW",
            "new_load_mw": "MW",
            "capacity_mw": "MW",
            "waiting_plants": "plants",
            "waiting_mw": "MW",
        },
    )


POOL_SUMMARY_YEARS = (2030, 2040, 2050)
"""Years whose capacity :func:`pool_summary` reports."""


def pool_summary(results: Results) -> pd.DataFrame:
    """Each pool of scarce capacity in a row: its capacity in :data:`POOL_SUMMARY_YEARS`, its
    highest use and the most of its capacity used.

    Returns
    -------
    DataFrame
        One row per scenario and pool (the results' order): ``pool``, ``cluster`` (the
        cluster it adds to), ``resource``, ``unit`` (that of :func:`infrastructure_use`),
        ``capacity_<y>`` (``inf``: not limited by the data; NaN where the year is not
        modelled), ``peak_use`` (its highest yearly use) and ``peak_year`` (the first year
        it reaches it; ``<NA>``: never used), ``max_utilisation_share`` (the highest use /
        capacity over the years with a finite capacity above zero [fraction]; NaN: none)
        and ``max_utilisation_year`` (the first year of that share).
    """
    frame = infrastructure_use(results, by="pool")
    years = set(frame["year"])
    rows = []
    for (scenario, pool), g in frame.groupby([SCENARIO, "pool"], sort=False):
        year = g["year"].to_numpy(np.int64)
        use = g["use"].to_numpy(np.float64)
        cap = g["capacity"].to_numpy(np.float64)
        row: dict[str, object] = {
            SCENARIO: scenario,
            "pool": pool,
            "cluster": g["cluster"].iloc[0],
            "resource": g["resource"].iloc[0],
            "unit": g["unit"].iloc[0],
        }
        for y in POOL_SUMMARY_YEARS:
            row[f"capacity_{y}"] = float(cap[year == y][0]) if y in years else math.nan
        used = bool((use > 0).any())
        row["peak_use"] = float(use.max()) if used else 0.0
        row["peak_year"] = int(year[int(np.argmax(use))]) if used else None
        room = np.isfinite(cap) & (cap > 0)
        share = np.where(room, use / np.where(room, cap, 1.0), -1.0)
        best = int(np.argmax(share))
        found = bool(room.any())
        row["max_utilisation_share"] = float(share[best]) if found else math.nan
        row["max_utilisation_year"] = int(year[best]) if found else None
        rows.append(row)
    columns = [SCENARIO, "pool", "cluster", "resource", "unit"]
    columns += [f"capacity_{y}" for y in POOL_SUMMARY_YEARS]
    columns += ["peak_use", "peak_year", "max_utilisation_share", "max_utilisation_year"]
    out = pd.DataFrame(rows, columns=columns)
    for col in ("peak_year", "max_utilisation_year"):
        out[col] = out[col].astype("Int64")
    units = {f"capacity_{y}": "unit" for y in POOL_SUMMARY_YEARS}
    units |= {"peak_use": "unit", "max_utilisation_share": "fraction"}
    return _with_units(out, units)


def fullest_pools(results: Results) -> pd.DataFrame:
    """Per scenario and resource, the pool that used the most of its capacity
    (:func:`pool_summary`'s ``max_utilisation_share``; of equal shares, the first in the
    results' order).

    Returns
    -------
    DataFrame
        One row per scenario and resource with a pool of finite capacity above zero in some
        year: ``scenario``, ``resource``, ``pool``, ``cluster``, ``max_utilisation_share``
        [fraction] and ``max_utilisation_year``.
    """
    summary = pool_summary(results)
    summary = summary[summary["max_utilisation_share"].notna()]
    cols = [SCENARIO, "resource", "pool", "cluster", "max_utilisation_share"]
    cols.append("max_utilisation_year")
    if summary.empty:
        return pd.DataFrame(columns=cols)
    # idxmax keeps the first of equal shares
    best = summary.groupby([SCENARIO, "resource"], sort=False)["max_utilisation_share"].idxmax()
    return summary.loc[best.to_numpy(), cols].reset_index(drop=True)


def storage_peak(results: Results) -> pd.DataFrame:
    """The year of highest national CO2 storage use, with the capacity of that same year.

    The peak year is the first year in which use reaches its highest value (values within a
    relative 1e-9 of the highest count as equal, so rounding noise does not move the year).

    Returns
    -------
    DataFrame
        One row per scenario: ``peak_year`` (``<NA>`` when nothing is stored), ``peak_use_mtco2``
        and ``capacity_mtco2`` (use and capacity in the peak year [MtCO2/yr]; capacity may be
        ``inf``, unlimited) and ``utilisation_share`` (their ratio [fraction]; NaN where the
        capacity is 0).
    """
    infra = infrastructure_use(results, by=None)
    ccs = infra[infra["resource"] == "co2_storage"]
    rows = []
    for name in [str(s) for s in results.dataset[SCENARIO].values]:
        sel = ccs[ccs[SCENARIO] == name]
        use = sel["use"].to_numpy(np.float64)
        row: dict[str, object] = {
            SCENARIO: name,
            "peak_year": None,
            "peak_use_mtco2": 0.0,
            "capacity_mtco2": math.nan,
            "utilisation_share": math.nan,
        }
        if use.size and float(use.max()) > 0:
            top = float(use.max())
            i = int(np.flatnonzero(np.isclose(use, top, rtol=1e-9, atol=0.0))[0])
            row["peak_year"] = int(sel["year"].iloc[i])
            row["peak_use_mtco2"] = float(use[i]) * _T_TO_MT
            row["capacity_mtco2"] = float(sel["capacity"].iloc[i]) * _T_TO_MT
            row["utilisation_share"] = float(sel["utilisation_share"].iloc[i])
        rows.append(row)
    frame = pd.DataFrame(rows, columns=list(rows[0]) if rows else None)
    frame["peak_year"] = frame["peak_year"].astype("Int64")
    return _with_units(
        frame,
        {
            "peak_use_mtco2": "MtCO2/yr",
            "capacity_mtco2": "MtCO2/yr",
            "utilisation_share": "fraction",
        },
    )


# --- money ------------------------------------------------------------------------------------


def government_cash_flow(results: Results) -> pd.DataFrame:
    """Government cash flow per scenario, flow and year.

    Returns
    -------
    DataFrame
        Columns ``scenario``, ``flow`` (``sde_outlay``, ``ccfd_outlay``, ``ikc_outlay``,
        ``grant_outlay``, ``co2_levy_revenue``, ``energy_tax_revenue``, ``cbam_revenue``),
        ``year``, ``cash_flow_meur`` (positive: revenue to government; negative: outlay
        [MEUR/yr]) and ``cumulative_meur`` (running sum over years per scenario and flow
        [MEUR]).
    """
    ds = results.dataset
    gov = ds["gov_cash_flow"].transpose(SCENARIO, "flow", "year").values * _EUR_TO_MEUR
    labels = pd.DataFrame({"flow": np.asarray(ds["flow"].values).astype(str)})
    frame = _long(
        results, labels, gov, {"cash_flow_meur": gov, "cumulative_meur": np.cumsum(gov, axis=2)}
    )
    return _with_units(frame, {"cash_flow_meur": "MEUR/yr", "cumulative_meur": "MEUR"})


def costs(results: Results, by: By = None) -> pd.DataFrame:
    """Costs borne by industry per scenario, item and year, nationally or by group.

    Items: ``capex`` (investment spent in the year), ``opex``, ``energy`` (energy and
    feedstock purchases excluding taxes), ``carbon`` (EU ETS net of free allocation, and
    CBAM on imported intermediates), ``levy`` (Dutch CO2-heffing), ``tax`` (energy tax and
    network tariffs) and ``subsidies`` (received; entered with a negative sign so that the
    items add up to the net cost).

    Returns
    -------
    DataFrame
        Columns ``scenario``, the ``by`` keys, ``item``, ``year`` and ``cost_meur``
        [MEUR/yr].
    """
    keys = _normalise_by(by, GROUPINGS, "costs")
    arrays = [
        _plant_values(results, var) * sign * _EUR_TO_MEUR for var, sign in _COST_ITEMS.values()
    ]
    labels, sums = _inner_sums(results, arrays, keys)
    frame = _long(results, _cross(labels, "item", list(_COST_ITEMS)), sums, value="cost_meur")
    return _with_units(frame, {"cost_meur": "MEUR/yr"})


# --- tables -----------------------------------------------------------------------------------


def site_table(results: Results, year: int) -> pd.DataFrame:
    """One row per scenario and site in ``year``: what the site runs, emits, uses and costs.

    Returns
    -------
    DataFrame
        Columns ``scenario``, ``site``, ``cluster``, ``sector`` (sectors of its plants,
        comma-separated), ``products``, ``routes`` (routes run in the year), ``producing``
        (any plant produces [bool]), ``direct_emissions_ktco2``, ``captured_ktco2``,
        ``indirect_emissions_ktco2`` [ktCO2/yr], ``electricity_gwh``, ``hydrogen_gwh``
        [GWh/yr], ``capex_cumulative_meur`` (investment up to and including the year [MEUR]),
        ``subsidies_meur`` [MEUR/yr] and ``net_cost_meur`` (sum of the :func:`costs` items in
        the year [MEUR/yr]).
    """
    _check_year(results, year)
    ds = results.dataset
    yi = int(np.flatnonzero(ds["year"].values == year)[0])
    inverse, labels = _group(results, ["site"])
    G = len(labels)

    def at_year(values: FloatArray) -> FloatArray:
        return _sum_groups(values, inverse, G)[:, :, yi]

    cols: dict[str, FloatArray] = {
        "direct_emissions_ktco2": at_year(_plant_values(results, "direct_emissions")) / 1e3,
        "captured_ktco2": at_year(_plant_values(results, "captured_co2")) / 1e3,
        "indirect_emissions_ktco2": at_year(_plant_values(results, "indirect_emissions")) / 1e3,
    }
    energy, _ = _energy_factors(results)
    carriers = [str(c) for c in ds["carrier"].values]
    e = ds["energy"].transpose(SCENARIO, "plant", "year", "carrier").values
    for carrier in ("electricity", "hydrogen"):
        if carrier in carriers and carrier in energy:
            vals = np.asarray(e[..., carriers.index(carrier)], dtype=np.float64)
            cols[f"{carrier}_gwh"] = at_year(vals) * energy[carrier] * 1e3
        else:
            cols[f"{carrier}_gwh"] = np.full((ds.sizes[SCENARIO], G), np.nan)
    capex = _sum_groups(_plant_values(results, "capex"), inverse, G)
    cols["capex_cumulative_meur"] = np.cumsum(capex, axis=2)[:, :, yi] * _EUR_TO_MEUR
    cols["subsidies_meur"] = at_year(_plant_values(results, "subsidies")) * _EUR_TO_MEUR
    net = sum(at_year(_plant_values(results, v)) * sign for v, sign in _COST_ITEMS.values())
    cols["net_cost_meur"] = np.asarray(net) * _EUR_TO_MEUR

    # text columns, from the plants of each site (in plant order, each value once)
    group = inverse[0, :, 0]  # the site of each plant
    members = np.split(np.argsort(group, kind="stable"), np.cumsum(np.bincount(group))[:-1])

    def joined(values: npt.NDArray[Any]) -> list[str]:
        return [", ".join(dict.fromkeys(values[idx].tolist())) for idx in members]

    route_names = np.asarray(ds["route"].values).astype(str)
    ridx = ds["route_index"].transpose(SCENARIO, "plant", "year").values[:, :, yi]
    prod = _plant_values(results, "production")[:, :, yi]
    scen = np.asarray(ds[SCENARIO].values).astype(str)
    order = [str(v) for v in labels["site"]]
    text = {
        column: joined(plant_attribute(results, key))
        for column, key in (("cluster", "cluster"), ("sector", "sector"), ("products", "product"))
    }
    parts = []
    for s, name in enumerate(scen):
        producing = np.bincount(group, weights=(prod[s] > 0).astype(np.float64), minlength=G)
        part = pd.DataFrame(
            {
                SCENARIO: name,
                "site": order,
                **text,
                "routes": joined(route_names[ridx[s]]),
                "producing": producing > 0,
                **{k: np.asarray(v[s], dtype=np.float64) for k, v in cols.items()},
            }
        )
        parts.append(part)
    frame = pd.concat(parts, ignore_index=True)
    return _with_units(
        frame,
        {
            "direct_emissions_ktco2": "ktCO2/yr",
            "captured_ktco2": "ktCO2/yr",
            "indirect_emissions_ktco2": "ktCO2/yr",
            "electricity_gwh": "GWh/yr",
            "hydrogen_gwh": "GWh/yr",
            "capex_cumulative_meur": "MEUR",
            "subsidies_meur": "MEUR/yr",
            "net_cost_meur": "MEUR/yr",
        },
    )


def site_states(results: Results) -> pd.DataFrame:
    """Per scenario, site and year: the site's main route, its emissions and its size.

    A site's main plant is its plant with the highest direct emissions in the first model
    year (the first plant listed when they tie); the site's route and route family are that
    plant's. Used by the site map.

    Returns
    -------
    DataFrame
        Columns ``scenario``, ``site``, ``site_name``, ``cluster``, ``year``, ``route`` and
        ``route_family`` (of the main plant), ``routes`` (routes of all its plants,
        comma-separated), ``producing`` (any plant produces [bool]),
        ``direct_emissions_ktco2`` (the site's direct emissions in the year [ktCO2/yr]) and
        ``base_emissions_ktco2`` (its direct emissions in the first model year [ktCO2/yr]).
    """
    ds = results.dataset
    site = plant_attribute(results, "site")
    names = site_names(results)
    cluster = plant_attribute(results, "cluster")
    route_names = np.asarray(ds["route"].values).astype(str)
    families = np.asarray(ds["route_family"].values).astype(str)
    ridx = ds["route_index"].transpose(SCENARIO, "plant", "year").values.astype(np.int64)
    direct = _plant_values(results, "direct_emissions")
    producing = _plant_values(results, "production") > 0
    scen = np.asarray(ds[SCENARIO].values).astype(str)
    years = np.asarray(ds["year"].values).astype(np.int64)
    order = list(dict.fromkeys(site.tolist()))
    members = [np.flatnonzero(site == s) for s in order]
    Y = years.size
    cols: dict[str, list[Any]] = {k: [] for k in ("main", "routes", "producing", "direct", "base")}
    for si in range(scen.size):
        for idx in members:
            main = idx[int(np.argmax(direct[si, idx, 0]))]
            cols["main"].append(ridx[si, main])
            routes_each = route_names[ridx[si][idx]]  # plants x years
            cols["routes"].append(
                routes_each[0]
                if idx.size == 1
                else [", ".join(dict.fromkeys(c)) for c in routes_each.T]
            )
            cols["producing"].append(producing[si, idx].any(axis=0))
            cols["direct"].append(direct[si, idx].sum(axis=0))
            cols["base"].append(np.full(Y, direct[si, idx, 0].sum()))
    G = len(order)
    main_route = np.concatenate(cols["main"])
    first_plant = np.array([idx[0] for idx in members])
    frame = pd.DataFrame(
        {
            SCENARIO: np.repeat(scen, G * Y),
            "site": np.tile(np.repeat(np.asarray(order), Y), scen.size),
            "site_name": np.tile(np.repeat(np.asarray([names[s] for s in order]), Y), scen.size),
            "cluster": np.tile(np.repeat(cluster[first_plant], Y), scen.size),
            "year": np.tile(years, scen.size * G),
            "route": route_names[main_route],
            "route_family": families[main_route],
            "routes": np.concatenate([np.asarray(r, dtype=object) for r in cols["routes"]]),
            "producing": np.concatenate(cols["producing"]),
            "direct_emissions_ktco2": np.concatenate(cols["direct"]) * 1e-3,
            "base_emissions_ktco2": np.concatenate(cols["base"]) * 1e-3,
        }
    )
    return _with_units(
        frame, {"direct_emissions_ktco2": "ktCO2/yr", "base_emissions_ktco2": "ktCO2/yr"}
    )


def site_route_history(results: Results, site: str) -> pd.DataFrame:
    """The plants of one site, year by year: route, family, production, emissions, why.

    Parameters
    ----------
    site : str
        A site id (the ``site`` coordinate).

    Returns
    -------
    DataFrame
        Columns ``scenario``, ``plant``, ``product``, ``year``, ``route``, ``route_family``,
        ``unit`` (the product's unit per year), ``production`` (in ``unit``),
        ``direct_emissions_ktco2`` [ktCO2/yr] and ``switch_reason`` (why the route changed in
        the year; ``none`` when it did not).

    Raises
    ------
    KruispuntError
        If the results have no such site.
    """
    ds = results.dataset
    sites = plant_attribute(results, "site")
    idx = np.flatnonzero(sites == site)
    if idx.size == 0:
        raise KruispuntError(f"unknown site '{site}'; the results hold {len(set(sites))} sites")
    route_names = np.asarray(ds["route"].values).astype(str)
    families = np.asarray(ds["route_family"].values).astype(str)
    reasons = np.asarray(ds["reason"].values).astype(str)
    ridx = ds["route_index"].transpose(SCENARIO, "plant", "year").values.astype(np.int64)
    why = ds["switch_reason"].transpose(SCENARIO, "plant", "year").values.astype(np.int64)
    prod = _plant_values(results, "production")
    direct = _plant_values(results, "direct_emissions")
    plants = np.asarray(ds["plant"].values).astype(str)
    product = plant_attribute(results, "product")
    units = _product_units(results)
    years = np.asarray(ds["year"].values).astype(np.int64)
    parts = []
    for si, name in enumerate(np.asarray(ds[SCENARIO].values).astype(str)):
        for p in idx:
            parts.append(
                pd.DataFrame(
                    {
                        SCENARIO: name,
                        "plant": plants[p],
                        "product": product[p],
                        "year": years,
                        "route": route_names[ridx[si, p]],
                        "route_family": families[ridx[si, p]],
                        "unit": units.get(product[p], ""),
                        "production": prod[si, p],
                        "direct_emissions_ktco2": direct[si, p] * 1e-3,
                        "switch_reason": reasons[why[si, p]],
                    }
                )
            )
    frame = pd.concat(parts, ignore_index=True)
    return _with_units(frame, {"production": "unit", "direct_emissions_ktco2": "ktCO2/yr"})


def _key_indicator_table() -> dict[str, tuple[str, str]]:
    table: dict[str, tuple[str, str]] = {}
    for y in KEY_YEARS:
        table[f"emissions_{y}_mtco2"] = (f"Direct emissions {y}", "MtCO2/yr")
        table[f"target_{y}_mtco2"] = (
            f"Industry target {y} (all industry, not only ETS)",
            "MtCO2/yr",
        )
        table[f"gap_{y}_mtco2"] = (
            f"Above the all-industry target {y} (ETS plants' emissions minus target)",
            "MtCO2/yr",
        )
    for y in (2030, 2050):
        table[f"share_kept_{y}"] = (
            f"Material demand produced domestically {y} (tonnes, all products in t)",
            "fraction",
        )
        table[f"share_imported_{y}"] = (f"Material demand imported {y} (tonnes)", "fraction")
    for y in (2030, 2050):
        table[f"electricity_{y}_twh"] = (
            f"Electricity use of the routes {y} (not the sites' other processes)",
            "TWh/yr",
        )
        table[f"hydrogen_{y}_twh"] = (
            f"Hydrogen bought {y} (a plant's own electrolyser's output not included)",
            "TWh/yr",
        )
    table["ccs_peak_stored_mtco2"] = ("CO2 storage use, peak year", "MtCO2/yr")
    table["ccs_capacity_at_peak_mtco2"] = ("CO2 storage capacity in that year", "MtCO2/yr")
    table["ccs_peak_utilisation"] = (
        "CO2 storage utilisation, highest in any year (may differ from the peak-use year)",
        "fraction",
    )
    table["gov_cash_flow_cumulative_meur"] = ("Government cash flow, cumulative", "MEUR")
    return table


KEY_INDICATORS: dict[str, tuple[str, str]] = _key_indicator_table()
"""Column of :func:`key_indicators` -> (label, unit), in display order."""


def key_indicators(results: Results) -> pd.DataFrame:
    """Headline numbers, one row per scenario (see :data:`KEY_INDICATORS` for labels).

    Returns
    -------
    DataFrame
        Column ``scenario`` and, per :data:`KEY_INDICATORS`:

        - ``emissions_<y>_mtco2``, ``target_<y>_mtco2``, ``gap_<y>_mtco2`` for y in
          :data:`KEY_YEARS`: national direct emissions of the modelled (EU ETS) plants, the
          industry target and emissions minus target [MtCO2/yr] (NaN where the year is not
          modelled or has no target). The target covers all industry, not only the EU ETS
          plants the model holds: industry outside the ETS (not modelled) counts against the
          same target, so the gap flatters the plants;
        - ``share_kept_<y>`` / ``share_imported_<y>`` for 2030 and 2050: domestic production /
          demand and imports / demand, in tonnes summed over all products measured in t (heat
          products in GJ are left out) [fraction]; products are weighted by their tonnage, so
          a large product (crude steel, refinery throughput) weighs more than a small one;
          a product made beyond its demand has no imports (they are never below 0), so the
          two shares may add up to more than 1;
        - ``electricity_<y>_twh`` / ``hydrogen_<y>_twh`` for 2030 and 2050 [TWh/yr];
        - ``ccs_peak_stored_mtco2``: highest national use of CO2 storage over the years,
          ``ccs_capacity_at_peak_mtco2``: the national storage capacity in that same year
          (:func:`storage_peak`) [MtCO2/yr], ``ccs_peak_utilisation``: highest yearly use /
          capacity in any year, which may be another year [fraction];
        - ``gov_cash_flow_cumulative_meur``: government cash flow summed over flows and
          years [MEUR] (positive: net revenue).
    """
    ds = results.dataset
    scen = [str(s) for s in ds[SCENARIO].values]
    years = set(int(y) for y in ds["year"].values)
    out = pd.DataFrame({SCENARIO: scen})

    def pick(frame: pd.DataFrame, col: str, year: int) -> list[float]:
        if year not in years:
            return [math.nan] * len(scen)
        sel = frame[frame["year"] == year].set_index(SCENARIO)[col]
        return [float(sel.get(s, math.nan)) for s in scen]

    nat = emissions(results)
    target = pd.Series(ds["emission_target"].values * _T_TO_MT, index=ds["year"].values)
    for y in KEY_YEARS:
        out[f"emissions_{y}_mtco2"] = pick(nat, "emissions_mtco2", y)
        t = float(target.get(y, math.nan)) if y in years else math.nan
        out[f"target_{y}_mtco2"] = t
        out[f"gap_{y}_mtco2"] = out[f"emissions_{y}_mtco2"] - t
    pi = production_and_imports(results)
    # products measured in tonnes add up; heat products (GJ) are left out of this share
    tonnes = pi[pi["unit"].eq("t/yr")]
    sums = tonnes.groupby([SCENARIO, "year"], sort=False)[["demand", "domestic", "imports"]].sum()
    with np.errstate(divide="ignore", invalid="ignore"):
        sums["share_kept"] = sums["domestic"] / sums["demand"].where(sums["demand"] != 0)
        sums["share_imported"] = sums["imports"] / sums["demand"].where(sums["demand"] != 0)
    means = sums.reset_index()
    for y in (2030, 2050):
        out[f"share_kept_{y}"] = pick(means, "share_kept", y)
        out[f"share_imported_{y}"] = pick(means, "share_imported", y)
    factors, _ = _energy_factors(results)
    for y in (2030, 2050):
        for carrier in ("electricity", "hydrogen"):
            col = f"{carrier}_{y}_twh"
            if carrier in factors:
                out[col] = pick(energy_demand(results, carrier=carrier), "energy_twh", y)
            else:
                out[col] = math.nan
    infra = infrastructure_use(results, by=None)
    ccs = infra[infra["resource"] == "co2_storage"]
    peak = storage_peak(results)
    stored = dict(zip(peak[SCENARIO], peak["peak_use_mtco2"].astype(np.float64), strict=True))
    cap = dict(zip(peak[SCENARIO], peak["capacity_mtco2"].astype(np.float64), strict=True))
    out["ccs_peak_stored_mtco2"] = [float(stored[s]) for s in scen]
    out["ccs_capacity_at_peak_mtco2"] = [float(cap[s]) for s in scen]
    out["ccs_peak_utilisation"] = [
        float(ccs.loc[ccs[SCENARIO] == s, "utilisation_share"].max()) for s in scen
    ]
    gov = ds["gov_cash_flow"].sum(["flow", "year"]).values * _EUR_TO_MEUR
    out["gov_cash_flow_cumulative_meur"] = np.asarray(gov, dtype=np.float64)
    out = out[[SCENARIO, *KEY_INDICATORS]]
    return _with_units(out, {k: unit for k, (_, unit) in KEY_INDICATORS.items()})


# --- a run's summary, stored with it ----------------------------------------------------------

SUMMARY_FORMAT = "kruispunt-run-summary"


@lru_cache(maxsize=1)
def _definitions() -> str:
    """Fingerprint of the code behind :func:`run_summary`: this module's source and the
    package version. A summary made by other code is stale (an indicator may have changed)."""
    source = Path(__file__).read_bytes()
    return hashlib.sha256(source + __version__.encode()).hexdigest()[:16]


def run_summary(results: Results) -> dict[str, Any]:
    """The headline numbers of a run, JSON-safe: what a listing or a comparison of runs shows
    without reading the run itself.

    The results store writes it next to every run it saves (``summary.json``), so the
    dashboard shows and compares runs' key indicators without loading their results.

    Returns
    -------
    dict
        ``format``; ``definitions``, the fingerprint of the code that computed it (see
        :func:`summary_is_current`); ``scenarios``; ``years``; ``euro_year``
        (:func:`euro_year`); and ``key_indicators``: each column of :data:`KEY_INDICATORS`
        -> one value per scenario, in the column's unit (NaN where not defined).

    Examples
    --------
    >>> from kruispunt.testing import synthetic_results
    >>> summary = run_summary(synthetic_results(n_plants=3, years=range(2025, 2027)))
    >>> summary["scenarios"], summary["years"]
    (['reference', 'green_market'], [2025, 2026])
    """
    ki = key_indicators(results)
    return {
        "format": SUMMARY_FORMAT,
        "definitions": _definitions(),
        "scenarios": [str(s) for s in ki[SCENARIO]],
        "years": [int(y) for y in results.dataset["year"].values],
        "euro_year": euro_year(results),
        "key_indicators": {c: [float(v) for v in ki[c]] for c in KEY_INDICATORS},
    }


def summary_is_current(summary: Any, scenarios: Sequence[str] | None = None) -> bool:
    """Whether ``summary`` (as stored, possibly None) was made by :func:`run_summary` of this
    very code, so it can stand in for computing it again: of the right shape (its years a
    rising list of whole numbers, its scenarios distinct names, one value per scenario), and,
    with ``scenarios`` (the run's), of that run. A summary edited by hand is worked out again
    rather than trusted."""
    if not (
        isinstance(summary, dict)
        and summary.get("format") == SUMMARY_FORMAT
        and summary.get("definitions") == _definitions()
    ):
        return False
    names, years, values = (summary.get(k) for k in ("scenarios", "years", "key_indicators"))
    if not (isinstance(names, list) and names and all(isinstance(n, str) for n in names)):
        return False
    if len(set(names)) != len(names) or (scenarios is not None and names != list(scenarios)):
        return False
    whole = isinstance(years, list) and all(
        isinstance(y, int) and not isinstance(y, bool) for y in years
    )
    if not (whole and years and all(a < b for a, b in itertools.pairwise(years))):
        return False
    return isinstance(values, dict) and all(
        isinstance(values.get(c), list) and len(values[c]) == len(names) for c in KEY_INDICATORS
    )


# --- robustness views -------------------------------------------------------------------------


def government_cost(results: Results, flows: Literal["outlays", "net"] = "outlays") -> pd.DataFrame:
    """Cost to government per scenario and year: its outlays, or outlays minus revenues.

    Outlays are the cash-flow items with ``flow_sign`` -1 (SDE++, CCfD, IKC, grants);
    revenues those with +1 (CO2-heffing, energy tax, CBAM).

    Parameters
    ----------
    flows : {"outlays", "net"}
        ``outlays``: the outlays only; ``net``: outlays minus revenues (negative when the
        government takes in more than it pays).

    Returns
    -------
    DataFrame
        Columns ``scenario``, ``year``, ``cost_meur`` [MEUR/yr] (positive: a cost).
    """
    if flows not in ("outlays", "net"):
        raise KruispuntError(f"unknown flows '{flows}'; allowed: outlays, net")
    ds = results.dataset
    gov = ds["gov_cash_flow"].transpose(SCENARIO, "flow", "year").values * _EUR_TO_MEUR
    sign = np.asarray(ds["flow_sign"].values)
    keep = sign < 0 if flows == "outlays" else np.ones(sign.shape, dtype=bool)
    cost = -gov[:, keep, :].sum(axis=1)
    frame = _long(results, pd.DataFrame(index=[0]), cost[:, None, :], value="cost_meur")
    return _with_units(frame, {"cost_meur": "MEUR/yr"})


def deadweight(with_: Results, without: Results, flow: str) -> pd.DataFrame:
    """Deadweight of an instrument: the support it pays for switches that also happen without
    it.

    A payment of ``flow`` to a plant in a year counts as deadweight when, in the run without
    the instrument (``without``: the same scenario with the instrument switched off), the
    plant runs the same route in that year.

    Returns
    -------
    DataFrame
        Per scenario: ``paid_meur`` (the instrument's payments to plants over all years
        [MEUR]), ``deadweight_meur`` and ``deadweight_share`` [fraction; NaN without
        payments].
    """
    a, b = with_.dataset, without.dataset
    if flow not in set(a["flow"].values.astype(str)):
        raise KruispuntError(f"unknown flow '{flow}'; allowed: {', '.join(a['flow'].values)}")
    if list(a[SCENARIO].values) != list(b[SCENARIO].values):
        raise KruispuntError("the runs with and without the instrument need the same scenarios")
    paid = -a["plant_flows"].sel(flow=flow).transpose(SCENARIO, "plant", "year").values
    same = a["route_index"].values == b["route_index"].values
    total = paid.sum(axis=(1, 2))
    dead = np.where(same, paid, 0.0).sum(axis=(1, 2))
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(total != 0, dead / total, np.nan)
    frame = pd.DataFrame(
        {
            SCENARIO: a[SCENARIO].values.astype(str),
            "paid_meur": total * _EUR_TO_MEUR,
            "deadweight_meur": dead * _EUR_TO_MEUR,
            "deadweight_share": share,
        }
    )
    return _with_units(
        frame, {"paid_meur": "MEUR", "deadweight_meur": "MEUR", "deadweight_share": "fraction"}
    )


def premium_paid(results: Results) -> pd.DataFrame:
    """Green premium buyers pay to low-carbon producers per scenario and year: the plants'
    ``premium_revenue`` under mandates, procurement or labels, and the transport units of the
    refinery route (a cost to consumers or to the fuel suppliers, not to the government).

    Returns
    -------
    DataFrame
        Columns ``scenario``, ``year``, ``cost_meur`` [MEUR/yr].
    """
    paid = _plant_values(results, "premium_revenue").sum(axis=1) * _EUR_TO_MEUR
    frame = _long(results, pd.DataFrame(index=[0]), paid[:, None, :], value="cost_meur")
    return _with_units(frame, {"cost_meur": "MEUR/yr"})
