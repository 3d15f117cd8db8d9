"""The uncertainty specification: uncertain factors, policy packages (levers) and outcomes.

A specification is one strict YAML file (unknown keys fail; every error names the file, the
line and the key). Its parts are different types (STYLE habit 10):

- **factors** are uncertain inputs, each with a distribution, mapped onto one scenario lever
  (:data:`LEVERS`): a carrier price path or multiplier, the EUA path or multiplier, product
  demand, the cost of capital, infrastructure delays and capacities;
- **packages** are the policy levers being compared: default scenario names, scenario files,
  or a base scenario with overrides;
- **outcomes** are scalar indicators of each run, computed through :mod:`kruispunt.metrics`,
  each with a goal (minimise, maximise) and optionally a target;
- **trajectories** are yearly indicators kept for fan charts;
- **sources** are the references that ranges cite; a factor cites sources or names an
  assumption, never neither.

The default specification ships with the package (``kruispunt/data/uncertainty.yaml``).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from kruispunt.errors import KruispuntError
from kruispunt.limits import ENSEMBLE_MAX_FUTURES, ENSEMBLE_MAX_SEED
from kruispunt.safe_yaml import YamlFileError, read_yaml

__all__ = [
    "LEVERS",
    "METRICS",
    "Factor",
    "LoadedSpec",
    "Outcome",
    "Package",
    "SpecError",
    "UncertaintySpec",
    "default_spec_path",
    "load_spec",
]


class SpecError(KruispuntError):
    """An uncertainty specification is invalid."""


Year = Annotated[int, Field(ge=2000, le=2100)]
PathValues = dict[Year, Annotated[float, Field(ge=0)]]

LeverKind = Literal["path", "scale", "value", "delay"]
LEVERS: dict[str, LeverKind] = {
    "eua_price": "path",
    "eua_price_scale": "scale",
    "carrier_prices.<carrier>": "path",
    "carrier_price_scale.<carrier>": "scale",
    "demand_scale.<product>": "scale",
    "demand.refinery_route_scale": "scale",
    "demand.rfnbo_shortfall_cap_scale": "scale",
    "discount_rate": "value",
    "branch_profit_scale": "scale",
    "infrastructure.co2_storage_delay": "delay",
    "infrastructure.hydrogen_delay": "delay",
    "infrastructure.co2_storage_scale": "scale",
    "infrastructure.grid_capacity_scale": "scale",
}
"""Scenario levers a factor may act on, and their kind. ``path``: a ``{year: value}`` path
(the factor's distribution must be ``path``); ``scale``: a multiplier (a package's own
multiplier on the same lever multiplies with it); ``value``: a number; ``delay``: whole
years (distribution ``integer``). Policy levers (subsidies, CBAM, the CO2-heffing, risk
sharing) are not uncertainties: packages set them."""

_DISTRIBUTIONS: dict[LeverKind, tuple[str, ...]] = {
    "path": ("path",),
    "scale": ("uniform", "triangular"),
    "value": ("uniform", "triangular"),
    "delay": ("integer",),
}

METRICS = (
    "emissions",
    "cumulative_emissions",
    "production_retained",
    "government_cost",
    "electricity_demand",
    "ccs_use",
    "grid_waiting",
)
"""Outcome metrics (see :mod:`kruispunt.uncertainty.outcomes` for units and definitions)."""

METRIC_UNITS: dict[str, str] = {
    "emissions": "MtCO2/yr",
    "cumulative_emissions": "MtCO2",
    "production_retained": "fraction",
    "government_cost": "MEUR",
    "electricity_demand": "TWh/yr",
    "ccs_use": "MtCO2/yr",
    "grid_waiting": "MW",
}
"""The unit of each outcome metric (and of a trajectory of it)."""


class _Strict(BaseModel):
    # numbers are finite: an infinite bound or a NaN target is no range and no threshold
    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        use_attribute_docstrings=True,
        allow_inf_nan=False,
        strict=True,
    )


class Source(_Strict):
    """A reference a range rests on."""

    title: str
    """Title of the publication or page."""
    url: str
    """Where it is."""
    date: str
    """Publication date (as given by the source)."""
    note: str = ""
    """What is taken from it."""


class Factor(_Strict):
    """An uncertain input: a distribution mapped onto one scenario lever."""

    name: Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$", max_length=48)]
    """Factor name (lower case, digits, '_')."""
    lever: str
    """Scenario lever the factor sets (see :data:`LEVERS`), e.g. ``carrier_prices.natural_gas``."""
    distribution: Literal["uniform", "triangular", "integer", "path"]
    """``uniform`` (low, high), ``triangular`` (low, mode, high), ``integer`` (each whole
    number from low to high equally likely), ``path`` (a position between the low, central
    and high paths: ``shape`` uniform or triangular around central)."""
    low: float | PathValues
    """Lower bound (a number, or a path for ``path``)."""
    high: float | PathValues
    """Upper bound (a number, or a path for ``path``)."""
    mode: float | None = None
    """Most likely value (``triangular`` only)."""
    central: PathValues | None = None
    """Central path (``path`` only)."""
    shape: Literal["uniform", "triangular"] = "triangular"
    """Distribution of the position between the paths (``path`` only): ``triangular`` makes
    central the most likely, ``uniform`` weighs the whole range alike."""
    unit: str = ""
    """Unit of the values (paths are converted to the carrier's canonical unit)."""
    sources: list[str] = Field(default_factory=list)
    """Keys of the ``sources`` section the range rests on."""
    assumption: str = ""
    """The named assumption behind the range, where no source gives it."""
    description: str = ""
    """What the factor represents."""

    @model_validator(mode="after")
    def _shape_of_bounds(self) -> Factor:
        is_path = self.distribution == "path"
        bounds = (self.low, self.high) if not is_path else (self.low, self.central, self.high)
        if is_path:
            if self.central is None:
                raise ValueError("a 'path' factor needs low, central and high paths")
            if not all(isinstance(b, dict) and b for b in bounds):
                raise ValueError("low, central and high of a 'path' factor must be year paths")
            years = [sorted(b) for b in bounds if isinstance(b, dict)]
            if any(y != years[0] for y in years):
                raise ValueError("low, central and high paths must give the same years")
            low, central, high = (b for b in bounds if isinstance(b, dict))
            for y in years[0]:
                if not low[y] <= central[y] <= high[y]:
                    raise ValueError(
                        f"year {y}: paths must satisfy low <= central <= high "
                        f"(got {low[y]}, {central[y]}, {high[y]})"
                    )
        else:
            if self.central is not None:
                raise ValueError("'central' is for 'path' factors only")
            if not isinstance(self.low, float | int) or not isinstance(self.high, float | int):
                raise ValueError(f"low and high of a '{self.distribution}' factor are numbers")
            if not self.low < self.high:
                raise ValueError(f"low ({self.low}) must be below high ({self.high})")
            if self.distribution == "triangular":
                if self.mode is None or not self.low <= self.mode <= self.high:
                    raise ValueError("a 'triangular' factor needs low <= mode <= high")
            elif self.mode is not None:
                raise ValueError("'mode' is for 'triangular' factors only")
            if self.distribution == "integer" and (
                float(self.low) != int(self.low) or float(self.high) != int(self.high)
            ):
                raise ValueError("low and high of an 'integer' factor are whole numbers")
        if not self.sources and not self.assumption.strip():
            raise ValueError("a factor cites 'sources' or names an 'assumption'")
        return self

    @property
    def lever_kind(self) -> LeverKind:
        return lever_kind(self.lever)

    @property
    def bounds(self) -> tuple[float, float]:
        """Range of the sampled number: the value, or the position (-1 low, 0 central, 1 high)
        for a ``path`` factor."""
        if self.distribution == "path":
            return (-1.0, 1.0)
        return (float(self.low), float(self.high))  # type: ignore[arg-type]


def lever_kind(lever: str) -> LeverKind:
    """Kind of a lever (:data:`LEVERS`); raises ValueError for an unknown lever."""
    if lever in LEVERS:
        return LEVERS[lever]
    head, _, tail = lever.partition(".")
    for pattern, kind in LEVERS.items():
        if pattern.startswith(head + ".<") and tail and re.fullmatch(r"[a-z0-9_]+", tail):
            return kind
    raise ValueError(f"unknown lever '{lever}'; allowed: {', '.join(LEVERS)}")


class Package(_Strict):
    """A policy package: a scenario (default name or file), optionally with overrides."""

    name: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_\-]*$", max_length=64)]
    """Package name as it appears in results."""
    scenario: str
    """Default scenario name (``current-policy`` ...) or a scenario YAML file (relative to
    the specification)."""
    overrides: dict[str, Any] = Field(default_factory=dict)
    """Scenario keys changed on top of ``scenario`` (checked like a scenario file)."""
    description: str = ""


class Target(_Strict):
    """A threshold an outcome should meet."""

    max: float | None = None
    """The outcome meets the target at or below this value."""
    min: float | None = None
    """The outcome meets the target at or above this value."""
    sources: list[str] = Field(default_factory=list)
    assumption: str = ""

    @model_validator(mode="after")
    def _one_bound(self) -> Target:
        if (self.max is None) == (self.min is None):
            raise ValueError("a target gives exactly one of 'max' or 'min'")
        if not self.sources and not self.assumption.strip():
            raise ValueError("a target cites 'sources' or names an 'assumption'")
        return self

    def met(self, value: float) -> bool:
        return bool(value <= self.max) if self.max is not None else bool(value >= self.min)  # type: ignore[operator]


class Outcome(_Strict):
    """A scalar indicator of every run, computed through :mod:`kruispunt.metrics`."""

    name: Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$", max_length=48)]
    """Outcome name."""
    metric: Literal[
        "emissions",
        "cumulative_emissions",
        "production_retained",
        "government_cost",
        "electricity_demand",
        "ccs_use",
        "grid_waiting",
    ]
    """``emissions`` [MtCO2/yr] in ``year``; ``cumulative_emissions`` [MtCO2] from
    ``from_year`` to ``to_year``; ``production_retained`` [fraction] domestic production of
    ``product`` over its demand in ``year``, relative to that share in the first model
    year; ``government_cost`` [MEUR] subsidy outlays (or, with ``flows: net``, outlays
    minus revenues) from ``from_year`` to ``to_year``; ``electricity_demand`` [TWh/yr] in
    ``year``; ``ccs_use`` [MtCO2/yr] CO2 stored in ``year``; ``grid_waiting`` [MW] new grid
    capacity asked for by the plants waiting for the grid in ``year`` (the national waiting
    list, :func:`kruispunt.metrics.grid_waiting`)."""
    year: Year | None = None
    from_year: Year | None = None
    to_year: Year | None = None
    product: str | None = None
    """Product id (``production_retained`` only)."""
    flows: Literal["outlays", "net"] = "outlays"
    """``government_cost`` only: subsidy outlays, or outlays minus revenues."""
    goal: Literal["minimize", "maximize", "none"] = "none"
    """Which way is better (regret is computed for minimize/maximize)."""
    target: Target | None = None
    """Threshold for the share of futures meeting it, satisficing and scenario discovery."""
    description: str = ""

    @model_validator(mode="after")
    def _parameters(self) -> Outcome:
        needs_year = self.metric in (
            "emissions",
            "production_retained",
            "electricity_demand",
            "ccs_use",
            "grid_waiting",
        )
        if needs_year and self.year is None:
            raise ValueError(f"metric '{self.metric}' needs 'year'")
        if not needs_year and self.year is not None:
            raise ValueError(f"metric '{self.metric}' takes from_year/to_year, not 'year'")
        if not needs_year:
            if self.from_year is None or self.to_year is None:
                raise ValueError(f"metric '{self.metric}' needs 'from_year' and 'to_year'")
            if self.to_year < self.from_year:
                raise ValueError("to_year is before from_year")
        elif self.from_year is not None or self.to_year is not None:
            raise ValueError(f"metric '{self.metric}' takes 'year', not from_year/to_year")
        if (self.metric == "production_retained") != (self.product is not None):
            raise ValueError("'product' is given for metric 'production_retained' only (needed)")
        if self.metric != "government_cost" and self.flows != "outlays":
            raise ValueError("'flows' is for metric 'government_cost' only")
        return self

    @property
    def unit(self) -> str:
        return METRIC_UNITS[self.metric]


class Sampling(_Strict):
    """Default sampling of the specification (the command line may override)."""

    method: Literal["lhs", "sobol", "random", "saltelli", "morris"] = "lhs"
    """Design: Latin hypercube, scrambled Sobol sequence, independent draws, a Saltelli
    design for Sobol indices, or Morris trajectories."""
    n: Annotated[int, Field(ge=1, le=ENSEMBLE_MAX_FUTURES)] = 500
    """Futures (``saltelli``: base samples, giving n*(d+2) futures; ``morris``:
    trajectories, giving n*(d+1) futures)."""
    seed: Annotated[int, Field(ge=0, le=ENSEMBLE_MAX_SEED)] = 0
    """Root seed of every draw (0 to 2**63 - 1)."""


Trajectory = Literal["emissions", "electricity_demand", "ccs_use", "grid_waiting"]


class UncertaintySpec(_Strict):
    """An uncertainty specification file."""

    name: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_\-]*$", max_length=64)]
    """Name of the specification."""
    description: str = ""
    sampling: Sampling = Field(default_factory=Sampling)
    """Default design, size and root seed."""
    sources: dict[str, Source] = Field(default_factory=dict)
    """References cited by factors and targets, by key."""
    factors: list[Factor]
    """Uncertain factors (at least one)."""
    packages: list[Package]
    """Policy packages compared in every future (at least one)."""
    outcomes: list[Outcome]
    """Scalar outcomes of every run (at least one)."""
    trajectories: list[Trajectory] = Field(default_factory=lambda: list[Trajectory](["emissions"]))
    """Yearly indicators kept per future and package (fan charts)."""

    @model_validator(mode="after")
    def _consistent(self) -> UncertaintySpec:
        for what, items in (
            ("factor", self.factors),
            ("package", self.packages),
            ("outcome", self.outcomes),
        ):
            if not items:
                raise ValueError(f"at least one {what} is needed")
            names = [i.name for i in items]
            twice = sorted({n for n in names if names.count(n) > 1})
            if twice:
                raise ValueError(f"{what} names must be unique; repeated: {', '.join(twice)}")
        levers = [f.lever for f in self.factors]
        twice = sorted({lv for lv in levers if levers.count(lv) > 1})
        if twice:
            raise ValueError(f"two factors set the same lever: {', '.join(twice)}")
        return self

    def to_json(self) -> str:
        return json.dumps(self.model_dump(mode="json"), sort_keys=True)

    @property
    def hash(self) -> str:
        """SHA-256 of the canonical JSON of the specification (first 16 hex digits)."""
        return hashlib.sha256(self.to_json().encode()).hexdigest()[:16]


# --- loading with line numbers ----------------------------------------------------------------


@dataclass(frozen=True)
class LoadedSpec:
    """A validated specification with where it came from (for messages naming lines)."""

    spec: UncertaintySpec
    path: Path
    lines: Mapping[tuple[Any, ...], int] = field(default_factory=dict)

    def where(self, *key: Any) -> str:
        """``"<file>, line <n>"`` for the deepest known prefix of ``key``."""
        for n in range(len(key), 0, -1):
            line = self.lines.get(tuple(key[:n]))
            if line is not None:
                return f"{self.path}, line {line}"
        return str(self.path)

    def error(self, key: Sequence[Any], message: str) -> SpecError:
        dotted = ".".join(str(k) for k in key)
        return SpecError(f"{self.where(*key)}: key '{dotted}': {message}")


def describe_error(error: Mapping[str, Any]) -> str:
    kind = error["type"]
    if kind == "extra_forbidden":
        return "unknown key"
    if kind == "missing":
        return "required key is missing"
    if kind == "value_error":
        return str(error["msg"]).removeprefix("Value error, ")
    if kind == "literal_error":
        return str(error["msg"]).lower()
    return f"{error['msg']} (got {error.get('input')!r})"


def _allowed(loc: Sequence[Any]) -> list[str]:
    model: Any = UncertaintySpec
    for part in loc:
        if isinstance(part, int):
            continue
        fld = model.model_fields.get(part)
        if fld is None:
            break
        ann = fld.annotation
        inner = getattr(ann, "__args__", ())
        nested = [a for a in (ann, *inner) if isinstance(a, type) and issubclass(a, BaseModel)]
        if not nested:
            break
        model = nested[0]
    return sorted(model.model_fields)


_SCALAR_TYPES = frozenset({"float_type", "float_parsing", "int_type", "int_parsing"})


def _union_branch_fits(error: Mapping[str, Any], others: int) -> bool:
    """Of the errors of a union's branches at one key (a number or a path of years), keep
    those of the branch the value is written as: a mapping's, or a number's. ``others``:
    how many errors are at that key or within it."""
    if others < 2:
        return True
    kind = str(error["type"])
    if isinstance(error.get("input"), dict):
        return kind not in _SCALAR_TYPES
    return kind != "dict_type"


def _message(exc: ValidationError, path: Path, lines: Mapping[tuple[Any, ...], int]) -> str:
    parts = []

    def key_of(error: Mapping[str, Any]) -> tuple[Any, ...]:
        # drop pydantic's union-member labels ("float", "dict[int,...]") from the location
        return tuple(
            x
            for x in error["loc"]
            if isinstance(x, int) or ("[" not in x and x not in ("float", "int", "function-after"))
        )

    errors = exc.errors()
    keys = [key_of(e) for e in errors]
    for error, loc in zip(errors, keys, strict=True):
        # the errors at this key and within it (a path's bad entry is one level down)
        near = sum(k[: len(loc)] == loc for k in keys)
        if not _union_branch_fits(error, near):
            continue
        line = None
        for n in range(len(loc), 0, -1):
            line = lines.get(loc[:n])
            if line is not None:
                break
        at = f"{path}, line {line}" if line else str(path)
        key = ".".join(str(x) for x in loc) or "(top level)"
        msg = describe_error(error)
        if error["type"] == "extra_forbidden":
            msg += f"; allowed keys: {', '.join(_allowed(loc[:-1]))}"
        parts.append(f"{at}: key '{key}': {msg}")
    return "\n".join(dict.fromkeys(parts))


def default_spec_path() -> Path:
    """The default specification shipped with the package."""
    return Path(str(resources.files("kruispunt.data").joinpath("uncertainty.yaml")))


def load_spec(path: Path | str | None = None) -> LoadedSpec:
    """Read and validate a specification (default: :func:`default_spec_path`).

    Raises
    ------
    SpecError
        Naming the file, the line and the key of every problem.
    """
    file = Path(path) if path is not None else default_spec_path()
    if not file.is_file():
        what = (
            "is a folder, not a specification file"
            if file.is_dir()
            else "is not a regular file"
            if file.exists()
            else "uncertainty specification not found"
        )
        raise SpecError(f"{file}: {what}")
    # size, encoding, aliases and nesting within limits, duplicate keys refused, each key's line
    try:
        data, lines = read_yaml(file, "uncertainty specification")
    except YamlFileError as exc:
        raise SpecError(str(exc)) from None
    if not isinstance(data, dict):
        raise SpecError(f"{file}: expected a mapping of keys (name, factors, packages, outcomes)")
    try:
        spec = UncertaintySpec.model_validate(data)
    except ValidationError as exc:
        raise SpecError(_message(exc, file, lines)) from None
    loaded = LoadedSpec(spec, file, lines)
    _check_references(loaded)
    return loaded


def _unknown_source(spec: UncertaintySpec, key: str) -> str:
    """The message for a source key the specification's ``sources`` do not define."""
    return f"unknown source '{key}'; known: {', '.join(sorted(spec.sources)) or 'none'}"


def _check_references(loaded: LoadedSpec) -> None:
    spec = loaded.spec
    for i, f in enumerate(spec.factors):
        try:
            kind = lever_kind(f.lever)
        except ValueError as exc:
            raise loaded.error(("factors", i, "lever"), str(exc)) from None
        if f.distribution not in _DISTRIBUTIONS[kind]:
            raise loaded.error(
                ("factors", i, "distribution"),
                f"lever '{f.lever}' ({kind}) takes distribution "
                f"{' or '.join(_DISTRIBUTIONS[kind])}, not '{f.distribution}'",
            )
        for j, key in enumerate(f.sources):
            if key not in spec.sources:
                raise loaded.error(("factors", i, "sources", j), _unknown_source(spec, key))
    for i, o in enumerate(spec.outcomes):
        if o.target is not None:
            for j, key in enumerate(o.target.sources):
                if key not in spec.sources:
                    raise loaded.error(
                        ("outcomes", i, "target", "sources", j), _unknown_source(spec, key)
                    )
