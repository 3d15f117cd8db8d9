"""Scenarios: named overrides of the data package, resolved into frozen objects.

A scenario file (YAML) holds one scenario; the data package ships the default scenarios in
``scenarios.yaml`` (a list). ``base`` chains are resolved by merging overrides, so a scenario
restates only what it changes. Every error names the file, the line and the key, and what is
allowed.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, get_args, get_origin

from pydantic import ValidationError

from kruispunt.errors import KruispuntError, Problem
from kruispunt.limits import MAX_ERRORS_SHOWN
from kruispunt.safe_yaml import KeyLines, YamlFileError, read_yaml
from kruispunt.schemas.config import ScenarioFile
from kruispunt.vocabulary import SWITCHABLE_FAMILIES

CHECK = "check_scenarios"
"""Name under which scenario problems are reported with a data package's problems."""


class ScenarioError(KruispuntError):
    """A scenario file or name is invalid.

    ``problems`` lists each problem with its file, line and key (at most
    :data:`~kruispunt.limits.MAX_ERRORS_SHOWN` of them are spelled out in the message).
    """

    def __init__(self, message: str | None = None, problems: Sequence[Problem] = ()) -> None:
        self.problems = list(problems)
        super().__init__(message if message is not None else _format(self.problems))


def _problem(where: str, line: int | None, key: str | None, message: str) -> Problem:
    return Problem(CHECK, where, line, key, message)


def _format(problems: Sequence[Problem]) -> str:
    lines = []
    for p in problems[:MAX_ERRORS_SHOWN]:
        at = f"{p.file}, line {p.row}" if p.row is not None else p.file
        key = f"key '{p.field}': " if p.field is not None else ""
        lines.append(f"{at}: {key}{p.message}")
    if len(problems) > MAX_ERRORS_SHOWN:
        lines.append(f"... and {len(problems) - MAX_ERRORS_SHOWN:,} more")
    return "\n".join(lines)


def _read(path: Path) -> tuple[Any, KeyLines]:
    try:
        return read_yaml(path, "scenario file")
    except YamlFileError as exc:
        raise ScenarioError(problems=[_problem(exc.file, exc.line, None, exc.message)]) from None


# --- messages ----------------------------------------------------------------------------------

_EXPECTED = {
    "float_type": "a number",
    "int_type": "a whole number",
    "bool_type": "true or false",
    "string_type": "text",
    "dict_type": "a mapping of keys to values",
    "model_type": "a mapping of keys to values",
    "model_attributes_type": "a mapping of keys to values",
    "list_type": "a list",
}
_BOUNDS = {
    "greater_than_equal": ("ge", "greater than or equal to"),
    "less_than_equal": ("le", "less than or equal to"),
    "greater_than": ("gt", "greater than"),
    "less_than": ("lt", "less than"),
}


def _shown(value: Any, limit: int = 60) -> str:
    """``repr`` of an input, cut to ``limit`` characters."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _numeric(text: str) -> bool:
    """Whether ``text`` reads as a number (a value written in quotes), not a word."""
    try:
        float(text)
    except ValueError:
        return False
    return True


def describe_error(error: Mapping[str, Any]) -> str:
    """One pydantic error of a scenario-like file in words: what was given and what is
    allowed (shared by scenario files, specifications and the dashboard's forms)."""
    kind = error["type"]
    ctx = error.get("ctx") or {}
    value = error.get("input")
    got = _shown(value)
    if kind == "extra_forbidden":
        return "unknown key"
    if kind == "missing":
        return "key is required"
    if kind == "literal_error":
        hint = (
            " (YAML reads unquoted yes/no/on/off as true/false: put the value in quotes)"
            if isinstance(value, bool)
            else ""
        )
        return f"{error['msg'].lower()}, got {got}{hint}"
    if kind in _BOUNDS:
        bounds = ", ".join(f"{dict(_BOUNDS.values()).get(k, k)} {v}" for k, v in ctx.items())
        return f"value {got} is out of range (must be {bounds})"
    if kind in _EXPECTED:
        hint = ""
        if isinstance(value, str) and kind in ("float_type", "int_type") and _numeric(value):
            hint = " (a value in quotes is text: write the number without quotes)"
        elif isinstance(value, bool) and kind in ("float_type", "int_type"):
            hint = " (true and false are not numbers)"
        elif isinstance(value, float) and kind == "int_type":
            hint = " (no decimals)"
        return f"expected {_EXPECTED[kind]}, got {got}{hint}"
    if kind == "value_error":
        return str(error["msg"]).removeprefix("Value error, ")
    if kind == "finite_number":
        return f"value {got} is not a finite number (.inf and .nan are not allowed)"
    if kind == "too_short":
        if isinstance(value, Mapping):
            return (
                "must not be empty (a path needs at least one {year: value}; leave the key "
                "out to keep the base's value)"
            )
        return "must not be empty"
    if kind == "too_long":
        return f"too many entries (at most {ctx.get('max_length')})"
    if kind == "string_too_long":
        return f"text is too long (at most {ctx.get('max_length'):,} characters)"
    if kind == "string_too_short":
        return "must not be empty"
    if kind == "string_pattern_mismatch":
        return (
            f"{got} is not allowed (lower case letters, digits, '-' and '_', starting "
            "with a letter or digit)"
        )
    return f"{error['msg']} (got {got})"


def _validation_problems(
    exc: ValidationError, where: str, lines: Mapping[tuple[Any, ...], int], prefix: tuple[Any, ...]
) -> list[Problem]:
    problems = []
    for error in exc.errors():
        raw_loc = tuple(error["loc"])
        on_key = bool(raw_loc) and raw_loc[-1] == "[key]"
        loc = tuple(x for x in raw_loc if not (isinstance(x, str) and "[" in x))
        line = None
        for n in range(len(loc), 0, -1):
            line = lines.get((*prefix, *loc[:n]))
            if line is not None:
                break
        if line is None:
            line = lines.get(prefix)
        key = ".".join(str(x) for x in loc) or "(top level)"
        message = describe_error(error)
        if on_key:
            message = "the key itself: " + message
        if error["type"] == "extra_forbidden":
            allowed = _allowed_keys(loc[:-1])
            message += f"; allowed keys: {', '.join(allowed)}"
        problems.append(_problem(where, line, key, message))
    return problems


def _allowed_keys(loc: Sequence[Any]) -> list[str]:
    """The keys the mapping at ``loc`` takes: the fields of the section it names, stepping
    over the id of a mapping of ids to sections (``demand.labels.<product>``)."""
    model: Any = ScenarioFile
    parts = list(loc)
    while parts:
        part = parts.pop(0)
        field = model.model_fields.get(part) if hasattr(model, "model_fields") else None
        kind = field.annotation if field is not None else None
        if get_origin(kind) is dict and parts:
            parts.pop(0)  # the id: on to the section it maps to
            kind = get_args(kind)[1]
        if kind is None or not hasattr(kind, "model_fields"):
            return sorted(model.model_fields) if hasattr(model, "model_fields") else []
        model = kind
    return sorted(model.model_fields)


# --- resolution ------------------------------------------------------------------------


@dataclass(frozen=True)
class Scenario:
    """A resolved, frozen scenario: every lever set, with the chain it came from."""

    name: str
    levers: ScenarioFile
    chain: tuple[str, ...]
    origin: str

    @property
    def seed(self) -> int:
        return self.levers.seed

    def to_dict(self) -> dict[str, Any]:
        """Every lever (resolved) plus the chain and origin: stored with the results."""
        return {
            "levers": self.levers.model_dump(mode="json"),
            "chain": list(self.chain),
            "origin": self.origin,
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), sort_keys=True)


def _is_time_path(value: Any) -> bool:
    """A mapping of years to values (``{2025: 80, 2030: 120}``): keys are (whole) numbers."""
    if not isinstance(value, Mapping) or not value:
        return False
    return all(
        (isinstance(k, int) and not isinstance(k, bool))
        or (isinstance(k, str) and k.strip().lstrip("+-").isdigit())
        for k in value
    )


def merge_levers(base: dict[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    """``override`` on top of ``base``: sections merge key by key, values replace.

    A time path (a mapping of years, e.g. ``eua_price``, ``grid_emission_factor``, a carrier's
    path in ``carrier_prices``, ``subsidies.sde_extra_budget``) is a value: the child's path
    replaces the base's whole, it is never merged year by year.
    """
    out = dict(base)
    for key, value in override.items():
        current = out.get(key)
        if (
            isinstance(value, Mapping)
            and isinstance(current, Mapping)
            and not _is_time_path(value)
            and not _is_time_path(current)
        ):
            out[key] = merge_levers(dict(current), value)
        else:
            out[key] = value
    return out


@dataclass(frozen=True)
class _Entry:
    raw: dict[str, Any]
    where: str
    lines: dict[tuple[Any, ...], int]
    prefix: tuple[Any, ...]
    default: bool


class ScenarioLibrary:
    """Known scenarios (the package defaults plus any files given) and their resolution.

    ``takes_files``: whether whoever names a scenario could give a file instead (the command
    line), so that an unknown name's message says so; a web form cannot."""

    def __init__(self, takes_files: bool = True) -> None:
        self._entries: dict[str, _Entry] = {}
        self.takes_files = takes_files

    def add_defaults(self, path: Path) -> None:
        """Add the scenarios of a data package's ``scenarios.yaml``."""
        data, lines = _read(path)
        where = str(path)
        if not isinstance(data, dict) or not isinstance(data.get("scenarios"), list):
            raise ScenarioError(
                problems=[
                    _problem(where, None, None, "expected a mapping with a list under 'scenarios'")
                ]
            )
        unknown = [k for k in data if k != "scenarios"]
        if unknown:
            raise ScenarioError(
                problems=[
                    _problem(where, lines.get((k,)), str(k), "unknown key; allowed keys: scenarios")
                    for k in unknown
                ]
            )
        for i, item in enumerate(data["scenarios"]):
            self._add(item, where, lines, ("scenarios", i), default=True)

    def add_file(self, path: Path) -> str:
        """Add the scenario of a scenario file; return its name."""
        data, lines = _read(path)
        return self._add(data, str(path), lines, ())

    def _add(
        self,
        raw: Any,
        where: str,
        lines: KeyLines,
        prefix: tuple[Any, ...],
        *,
        default: bool = False,
    ) -> str:
        if not isinstance(raw, dict):
            raise ScenarioError(
                problems=[
                    _problem(
                        where,
                        lines.get(prefix),
                        None,
                        f"a scenario must be a mapping of keys to values, got {_shown(raw)}",
                    )
                ]
            )
        try:
            ScenarioFile.model_validate(raw)
        except ValidationError as exc:
            raise ScenarioError(problems=_validation_problems(exc, where, lines, prefix)) from None
        name = raw["name"]
        known = self._entries.get(name)
        if known is not None:
            line = lines.get((*prefix, "name"))
            if known.default:
                message = f"name '{name}' is already a default scenario; choose another name"
            elif known.where == where:
                raise ScenarioError(f"{where}: scenario file is given twice")
            else:
                message = f"name '{name}' is already used by {known.where}; choose another name"
            raise ScenarioError(problems=[_problem(where, line, "name", message)])
        self._entries[name] = _Entry(raw, where, lines, prefix, default)
        return str(name)

    @property
    def names(self) -> list[str]:
        return sorted(self._entries)

    def resolve(self, name: str) -> Scenario:
        """Resolve ``name`` through its ``base`` chain into a frozen :class:`Scenario`."""
        chain: list[str] = []
        current: str | None = name
        while current is not None:
            if current in chain:
                entry = self._entries[name]
                raise ScenarioError(
                    problems=[
                        _problem(
                            entry.where,
                            entry.lines.get((*entry.prefix, "base")),
                            "base",
                            f"scenario '{name}': base chain loops: "
                            f"{' -> '.join([*chain, current])}",
                        )
                    ]
                )
            if current not in self._entries:
                known = ", ".join(self.names)
                if not chain:
                    raise ScenarioError(
                        f"unknown scenario {_shown(current)}; known scenarios: {known}"
                        + (FILE_HINT if self.takes_files else "")
                    )
                entry = self._entries[chain[-1]]
                raise ScenarioError(
                    problems=[
                        _problem(
                            entry.where,
                            entry.lines.get((*entry.prefix, "base")),
                            "base",
                            f"scenario '{chain[-1]}' has unknown base '{current}'; "
                            f"known scenarios: {known}",
                        )
                    ]
                )
            chain.append(current)
            current = self._entries[current].raw.get("base")
        merged: dict[str, Any] = {}
        for link in reversed(chain):
            merged = merge_levers(merged, self._entries[link].raw)
        merged["name"] = name
        merged["base"] = self._entries[name].raw.get("base")
        entry = self._entries[name]
        try:
            levers = ScenarioFile.model_validate(merged)
        except ValidationError as exc:  # e.g. start_year from one link, end_year from another
            raise ScenarioError(
                problems=_validation_problems(exc, entry.where, entry.lines, entry.prefix)
            ) from None
        return Scenario(name=name, levers=levers, chain=tuple(chain), origin=entry.where)


def unknown_ids(
    levers: ScenarioFile, *, carriers: set[str], products: set[str], routes: set[str] | None = None
) -> list[tuple[tuple[str | int, ...], str]]:
    """Ids a scenario file names that the data package lacks, each as ``(location, message)``:
    the location is the key path in the file (``("routes_off", 0)``, ``("permits_from",
    "teleport")``, ``("demand", "procurement", "steel")``), the message says what is allowed.
    Route ids (``routes_off``, ``permits_from``) are checked only when ``routes`` is given;
    a route family (:data:`kruispunt.vocabulary.SWITCHABLE_FAMILIES`) is allowed there too.
    The one rule behind :func:`id_problems` (files, ``kruispunt run``) and the dashboard
    builder's form errors."""
    found: list[tuple[tuple[str | int, ...], str]] = []
    if routes is not None:
        families = ", ".join(sorted(SWITCHABLE_FAMILIES))
        named: list[tuple[tuple[str | int, ...], str]] = [
            *((("routes_off", i), item) for i, item in enumerate(levers.routes_off)),
            *((("permits_from", item), item) for item in levers.permits_from),
        ]
        for loc, item in named:
            if item not in routes and item not in SWITCHABLE_FAMILIES:
                found.append(
                    (
                        loc,
                        f"unknown route or family {_shown(item)}; allowed: route ids or one "
                        f"of {families}",
                    )
                )
    keyed: list[tuple[tuple[str, ...], Any, set[str]]] = [
        (("demand", "procurement"), levers.demand.procurement, products),
        (("demand", "labels"), levers.demand.labels, products),
        (("carrier_prices",), levers.carrier_prices, carriers),
        (("carrier_price_scale",), levers.carrier_price_scale, carriers),
        (("demand_scale",), levers.demand_scale, products),
        (("green_premium",), levers.green_premium, products),
        (("mandate_share",), levers.mandate_share, products),
    ]
    for key, items, known in keyed:
        for item in items:
            if item not in known:
                found.append(
                    (
                        (*key, item),
                        f"unknown id {_shown(item)}; allowed: {', '.join(sorted(known))}",
                    )
                )
    return found


def id_problems(
    scenario: Scenario, *, carriers: set[str], products: set[str], routes: set[str] | None = None
) -> list[Problem]:
    """Ids a scenario names (carriers, products, routes) that the data package lacks
    (:func:`unknown_ids`), each with the file and its key (``routes_off`` without the
    item's position)."""
    where = f"scenario '{scenario.name}'"
    return [
        _problem(
            scenario.origin,
            None,
            ".".join(str(part) for part in loc if not isinstance(part, int)),
            f"{where}: {message}",
        )
        for loc, message in unknown_ids(
            scenario.levers, carriers=carriers, products=products, routes=routes
        )
    ]


def catalogue_ids(catalogue: Any) -> dict[str, set[str]]:
    """The ids a scenario may name, from a data package's catalogue: ``carriers``,
    ``products`` and ``routes`` (route ids; :func:`id_problems` adds the families), the
    keywords of :func:`id_problems` and :func:`check_ids`."""
    return {
        "carriers": set(catalogue.carriers["carrier_id"].astype(str)),
        "products": set(catalogue.products["product_id"].astype(str)),
        "routes": set(catalogue.routes["route_id"].astype(str)),
    }


def check_ids(
    scenario: Scenario, *, carriers: set[str], products: set[str], routes: set[str] | None = None
) -> None:
    """Ids a scenario names (carriers, products, routes) must exist in the data package.

    Raises
    ------
    ScenarioError
        Listing each unknown id with the file, the scenario and the key.
    """
    problems = id_problems(scenario, carriers=carriers, products=products, routes=routes)
    if problems:
        raise ScenarioError(problems=problems)


def default_library(package_path: Path | None = None, takes_files: bool = True) -> ScenarioLibrary:
    """The data package's default scenarios (``scenarios.yaml``); ``takes_files`` as for
    :class:`ScenarioLibrary`."""
    from kruispunt.catalogue.paths import default_package_path

    folder = package_path if package_path is not None else default_package_path()
    library = ScenarioLibrary(takes_files)
    library.add_defaults(Path(folder) / "scenarios.yaml")
    return library


FILE_HINT = " (or give the path of a .yaml scenario file)"
"""What an unknown scenario's message adds where a file could be given instead (a web form
cannot give a path: the dashboard's library leaves it out)."""


def _is_file_argument(item: str) -> bool:
    if item.endswith((".yaml", ".yml")):
        return True
    try:
        return Path(item).is_file()
    except (OSError, ValueError):
        return False


def _is_folder(item: str) -> bool:
    try:
        return Path(item).is_dir()
    except (OSError, ValueError):
        return False


def resolve(names_or_files: Sequence[str], package_path: Path | None = None) -> list[Scenario]:
    """Resolve scenario names (package defaults) and YAML files into scenarios."""
    library = default_library(package_path)
    names: list[str] = []
    for item in names_or_files:
        if not item.strip():
            raise ScenarioError(
                "an empty scenario argument: give a scenario name or a .yaml scenario file"
            )
        if item not in library.names and _is_folder(item):
            raise ScenarioError(
                f"{item} is a folder, not a scenario: give a scenario name or a .yaml scenario file"
            )
        name = library.add_file(Path(item)) if _is_file_argument(item) else item
        if name in names:
            raise ScenarioError(
                f"scenario '{name}' is given twice; each scenario can be run only once"
            )
        names.append(name)
    return [library.resolve(n) for n in names]


def package_problems(
    package_path: Path,
    *,
    carriers: set[str] | None = None,
    products: set[str] | None = None,
    routes: set[str] | None = None,
) -> list[Problem]:
    """Problems of a data package's default scenarios (``scenarios.yaml``).

    The file reads within the limits, every scenario validates, every ``base`` chain
    resolves and, where the package's ids are given, every id a scenario names exists.
    Empty when all is well.
    """
    file = str(Path(package_path) / "scenarios.yaml")
    try:
        library = default_library(Path(package_path))
        resolved = [library.resolve(name) for name in library.names]
    except ScenarioError as exc:
        return exc.problems or [_problem(file, None, None, str(exc))]
    problems: list[Problem] = []
    if carriers is not None and products is not None:
        for scenario in resolved:
            problems += id_problems(scenario, carriers=carriers, products=products, routes=routes)
    return problems
