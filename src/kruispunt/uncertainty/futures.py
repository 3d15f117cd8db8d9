"""From a future (one sampled value per factor) and a package to a resolved scenario.

A factor sets one scenario lever (:data:`kruispunt.uncertainty.spec.LEVERS`):

- ``path`` levers (``eua_price``, ``carrier_prices.<carrier>``) get the path at the sampled
  position between the low, central and high paths, converted to the lever's unit;
- ``scale`` levers multiply with the package's own multiplier on the same lever (a future
  with 20 % dearer electricity and a package with 25 % relief give 0.8 x 1.2);
- ``delay`` levers add to the package's delay;
- ``value`` levers (``discount_rate``) and ``path`` levers the package sets itself are a
  conflict: the package and the factor cannot both decide them.

Conflicts and unknown ids are found when the packages are resolved, before any run, and
reported with the file, line and key.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
from pydantic import ValidationError

from kruispunt.catalogue.load import Catalogue
from kruispunt.errors import KruispuntError
from kruispunt.scenarios import (
    Scenario,
    ScenarioError,
    ScenarioLibrary,
    catalogue_ids,
    default_library,
    id_problems,
    merge_levers,
)
from kruispunt.schemas.config import ScenarioFile
from kruispunt.uncertainty.spec import Factor, LoadedSpec, PathValues
from kruispunt.units import conversion_factor
from kruispunt.vocabulary import SCENARIO

F = npt.NDArray[np.float64]


@dataclass(frozen=True)
class Packages:
    """The packages of a specification, resolved into scenarios (in spec order)."""

    names: tuple[str, ...]
    scenarios: tuple[Scenario, ...]


def resolve_packages(loaded: LoadedSpec, catalogue: Catalogue) -> Packages:
    """Resolve every package and check it against the factors and the data package.

    Raises
    ------
    SpecError
        Naming file, line and key: an unknown scenario or id, a bad override, or a factor
        and a package setting the same non-multiplier lever.
    """
    spec = loaded.spec
    library: ScenarioLibrary = default_library(catalogue.path)
    ids = catalogue_ids(catalogue)
    out = []
    for i, pkg in enumerate(spec.packages):
        try:
            ref = pkg.scenario
            if ref.endswith((".yaml", ".yml")):
                file = Path(ref)
                if not file.is_absolute():
                    file = loaded.path.parent / file
                ref = library.add_file(file)
            base = library.resolve(ref)
        except ScenarioError as exc:
            raise loaded.error(("packages", i, SCENARIO), str(exc)) from None
        raw = base.levers.model_dump()
        raw.update({"name": pkg.name, "base": None})
        raw = merge_levers(raw, pkg.overrides)  # as a scenario file on its base
        try:
            levers = ScenarioFile.model_validate(raw)
        except ValidationError as exc:
            first = exc.errors()[0]
            key = ".".join(str(x) for x in first["loc"])
            raise loaded.error(
                ("packages", i, "overrides", *first["loc"]),
                f"override '{key}': {first['msg']}",
            ) from None
        scenario = Scenario(
            name=pkg.name,
            levers=levers,
            chain=(pkg.name, *base.chain),
            origin=str(loaded.path),
        )
        for j, f in enumerate(spec.factors):
            conflict = _conflict(f, levers)
            if conflict:
                raise loaded.error(("factors", j, "lever"), f"{conflict} (package '{pkg.name}')")
        # the ids the package names (routes, carriers, products), checked here rather than in
        # a worker's first batch, so that a bad one stops the run before the store is written
        for problem in id_problems(scenario, **ids):
            key = str(problem.field or "")
            where = (
                ("overrides", *key.split("."))
                if key.split(".")[0] in pkg.overrides
                else (SCENARIO,)
            )
            raise loaded.error(("packages", i, *where), problem.message)
        out.append(scenario)
    _check_ids(loaded, catalogue)
    _check_ranges(loaded, catalogue, out)
    _check_years(loaded, out)
    return Packages(tuple(p.name for p in spec.packages), tuple(out))


def _check_ranges(loaded: LoadedSpec, catalogue: Catalogue, scenarios: list[Scenario]) -> None:
    """Every factor at each end of its range (and its mode) must give each package a valid
    scenario (a discount rate within the scenario's limits, a demand scale not below 0, a
    delay within the allowed years): found here, before the store is written, rather than
    in the batch whose future draws it. Factors set different levers and the scenario's
    limits are bounds on one lever each, so the ends of each range are what can break."""
    raws = [sc.levers.model_dump() for sc in scenarios]  # each package's levers, dumped once
    for i, f in enumerate(loaded.spec.factors):
        unit = _path_factor(f, catalogue) if f.distribution == "path" else 1.0
        ends: list[tuple[str, float]] = [("low", f.bounds[0]), ("high", f.bounds[1])]
        if f.mode is not None:
            ends.append(("mode", float(f.mode)))
        for sc, raw in zip(scenarios, raws, strict=True):
            for key, value in ends:
                trial = copy.deepcopy(raw)
                _apply(trial, f, value, unit)
                try:
                    ScenarioFile.model_validate(trial)
                except ValidationError as exc:
                    first = exc.errors()[0]
                    lever = ".".join(str(x) for x in first["loc"])
                    shown = f"the {key} path" if f.distribution == "path" else f"{value:g}"
                    raise loaded.error(
                        ("factors", i, key),
                        f"at its {key} ({shown}) the factor gives package '{sc.name}' "
                        f"{lever}: {first['msg']}",
                    ) from None


def _check_years(loaded: LoadedSpec, scenarios: list[Scenario]) -> None:
    """An outcome's years must be years every package runs: a year outside them has no
    value (every future NaN, or a sum over no years), which no comparison can use."""
    for i, o in enumerate(loaded.spec.outcomes):
        for key in ("year", "from_year", "to_year"):
            year = getattr(o, key)
            if year is None:
                continue
            for sc in scenarios:
                first, last = sc.levers.start_year, sc.levers.end_year
                if not first <= year <= last:
                    raise loaded.error(
                        ("outcomes", i, key),
                        f"{key} {year} is outside the years package '{sc.name}' runs "
                        f"({first}-{last})",
                    )


def _conflict(f: Factor, levers: ScenarioFile) -> str:
    head, _, item = f.lever.partition(".")
    if f.lever == "eua_price" and levers.eua_price is not None:
        return "the package sets its own eua_price path; a factor cannot replace it"
    if head == "carrier_prices" and item in levers.carrier_prices:
        return f"the package sets its own carrier_prices.{item} path; a factor cannot replace it"
    if f.lever == "discount_rate" and levers.discount_rate is not None:
        return "the package sets its own discount_rate; a factor cannot replace it"
    return ""


def _check_ids(loaded: LoadedSpec, catalogue: Catalogue) -> None:
    ids = catalogue_ids(catalogue)
    carriers, products = ids["carriers"], ids["products"]
    for i, f in enumerate(loaded.spec.factors):
        head, _, item = f.lever.partition(".")
        known = {"carrier_prices": carriers, "carrier_price_scale": carriers}.get(head)
        known = products if head == "demand_scale" else known
        if known is not None and item not in known:
            raise loaded.error(
                ("factors", i, "lever"),
                f"unknown id '{item}' in lever '{f.lever}'; allowed: {', '.join(sorted(known))}",
            )
        if f.distribution == "path":
            try:
                _path_factor(f, catalogue)
            except KruispuntError as exc:
                raise loaded.error(("factors", i, "unit"), str(exc)) from None
    for i, o in enumerate(loaded.spec.outcomes):
        if o.product is not None and o.product not in products:
            raise loaded.error(
                ("outcomes", i, "product"),
                f"unknown product '{o.product}'; allowed: {', '.join(sorted(products))}",
            )


def _path_factor(f: Factor, catalogue: Catalogue) -> float:
    """Factor from the factor's unit to the lever's unit."""
    head, _, item = f.lever.partition(".")
    if head == "eua_price":
        target = "EUR/tCO2"
    else:
        ids = catalogue.carriers["carrier_id"].astype(str)
        units = dict(zip(ids, catalogue.carriers["unit"].astype(str), strict=True))
        target = f"EUR/{units[item]}"
    if not f.unit:
        raise KruispuntError(f"a path factor states its 'unit' (the lever's unit is {target})")
    try:
        return conversion_factor(f.unit, target)
    except KruispuntError as exc:
        raise KruispuntError(f"unit '{f.unit}' does not convert to {target}: {exc}") from None


def path_at(f: Factor, position: float, to_lever: float = 1.0) -> PathValues:
    """The path at ``position`` (-1 low, 0 central, +1 high), in the lever's unit.

    Examples
    --------
    >>> f = Factor(name="p", lever="eua_price", distribution="path", unit="EUR/tCO2",
    ...            low={2030: 60.0}, central={2030: 100.0}, high={2030: 200.0}, assumption="x")
    >>> path_at(f, -0.5), path_at(f, 0.5)
    ({2030: 80.0}, {2030: 150.0})
    """
    low, central, high = f.low, f.central, f.high
    assert isinstance(low, dict) and isinstance(high, dict) and central is not None
    if position >= 0:
        return {y: (central[y] + position * (high[y] - central[y])) * to_lever for y in central}
    return {y: (central[y] + position * (central[y] - low[y])) * to_lever for y in central}


class FutureBuilder:
    """Builds the scenario of every (future, package): the package's levers with the
    future's factor values applied."""

    def __init__(
        self,
        factors: Sequence[Factor],
        packages: Packages,
        catalogue: Catalogue,
    ) -> None:
        self.factors = tuple(factors)
        self.packages = packages
        self._raw = [sc.levers.model_dump() for sc in packages.scenarios]
        self._unit = [
            _path_factor(f, catalogue) if f.distribution == "path" else 1.0 for f in self.factors
        ]

    def scenario(self, package: int, future: int, values: F, seed: int) -> Scenario:
        """Scenario of package ``package`` (index) in future ``future`` with ``values``."""
        base = self.packages.scenarios[package]
        raw = copy.deepcopy(self._raw[package])
        for f, value, unit in zip(self.factors, values, self._unit, strict=True):
            _apply(raw, f, float(value), unit)
        name = f"{base.name}-f{future:07d}"
        raw.update({"name": name, "base": None, "seed": seed})
        levers = ScenarioFile.model_validate(raw)
        return Scenario(name=name, levers=levers, chain=(name, *base.chain), origin=base.origin)

    def batch(
        self,
        futures: Sequence[int] | npt.NDArray[np.int64],
        values: F,
        seeds: Sequence[int] | npt.NDArray[np.int64],
    ) -> list[Scenario]:
        """The scenarios of every package in each of ``futures`` (future by future, packages
        in their order), future ``futures[k]`` with ``values[k]`` and ``seeds[k]``."""
        return [
            self.scenario(p, int(f), values[k], int(seeds[k]))
            for k, f in enumerate(futures)
            for p in range(len(self.packages.names))
        ]

    def package_batch(
        self,
        package: int,
        futures: Sequence[int] | npt.NDArray[np.int64],
        values: F,
        seeds: Sequence[int] | npt.NDArray[np.int64],
    ) -> list[Scenario]:
        """The scenarios of package ``package`` (its index) in each of ``futures``, future
        ``futures[k]`` with ``values[k]`` and ``seeds[k]``: what :meth:`batch` gives for
        that package, in the order of the futures."""
        return [
            self.scenario(package, int(f), values[k], int(seeds[k])) for k, f in enumerate(futures)
        ]


def _apply(raw: dict[str, Any], f: Factor, value: float, unit: float) -> None:
    head, _, item = f.lever.partition(".")
    kind = f.lever_kind
    if kind == "path":
        path = path_at(f, value, unit)
        if head == "eua_price":
            raw["eua_price"] = path
        else:
            raw["carrier_prices"] = {**raw["carrier_prices"], item: path}
    elif kind == "scale":
        if not item:
            raw[head] = raw[head] * value
        elif head == "infrastructure":
            raw[head] = {**raw[head], item: raw[head][item] * value}
        else:
            raw[head] = {**raw[head], item: raw[head].get(item, 1.0) * value}
    elif kind == "delay":
        raw[head] = {**raw[head], item: raw[head][item] + round(value)}
    else:  # value
        raw[f.lever] = value


def future_seed(root: int, future: int) -> int:
    """The seed recorded with future ``future``: the first word of
    ``SeedSequence([root, future])`` (deterministic, independent of batching).

    Examples
    --------
    >>> future_seed(1, 0) == future_seed(1, 0) != future_seed(1, 1)
    True
    """
    return int(np.random.SeedSequence([root, future]).generate_state(1, dtype=np.uint32)[0])


__all__ = ["FutureBuilder", "Packages", "future_seed", "path_at", "resolve_packages"]
