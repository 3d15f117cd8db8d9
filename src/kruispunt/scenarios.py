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
from typing import Any

import yaml
from pydantic import ValidationError

from kruispunt.errors import KruispuntError
from kruispunt.schemas.config import ScenarioFile


class ScenarioError(KruispuntError):
    """A scenario file or name is invalid."""


# --- YAML with line numbers -------------------------------------------------------------


class _UniqueKeyLoader(yaml.SafeLoader):
    pass


def _construct_mapping(loader: yaml.SafeLoader, node: yaml.MappingNode) -> dict[Any, Any]:
    seen: dict[Any, int] = {}
    for key_node, _ in node.value:
        key = loader.construct_object(key_node)
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None,
                None,
                f"duplicate key '{key}' (first on line {seen[key]})",
                key_node.start_mark,
            )
        seen[key] = key_node.start_mark.line + 1
    return loader.construct_mapping(node)


_UniqueKeyLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def _key_lines(node: yaml.Node, prefix: tuple[Any, ...] = ()) -> dict[tuple[Any, ...], int]:
    """Line (1-based) of every key path in a composed YAML document."""
    lines: dict[tuple[Any, ...], int] = {}
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            key = key_node.value
            for candidate in (key, _as_int(key)):
                lines[(*prefix, candidate)] = key_node.start_mark.line + 1
            lines.update(_key_lines(value_node, (*prefix, key)))
            if _as_int(key) != key:
                lines.update(_key_lines(value_node, (*prefix, _as_int(key))))
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            lines[(*prefix, i)] = item.start_mark.line + 1
            lines.update(_key_lines(item, (*prefix, i)))
    return lines


def _as_int(key: Any) -> Any:
    try:
        return int(key)
    except (TypeError, ValueError):
        return key


def _read_yaml(path: Path) -> tuple[Any, dict[tuple[Any, ...], int]]:
    if not path.is_file():
        raise ScenarioError(f"{path}: scenario file not found")
    text = path.read_text(encoding="utf-8")
    try:
        node = yaml.compose(text, Loader=_UniqueKeyLoader)
        data = yaml.load(text, Loader=_UniqueKeyLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = f", line {mark.line + 1}" if mark is not None else ""
        raise ScenarioError(f"{path}{line}: malformed YAML: {exc.problem or exc}") from None
    except yaml.YAMLError as exc:
        raise ScenarioError(f"{path}: malformed YAML: {exc}") from None
    return data, (_key_lines(node) if node is not None else {})


def _describe(error: Mapping[str, Any]) -> str:
    kind = error["type"]
    ctx = error.get("ctx") or {}
    if kind == "extra_forbidden":
        return "unknown key"
    if kind == "literal_error":
        return f"{error['msg'].lower()}"
    if kind in ("greater_than_equal", "less_than_equal", "greater_than", "less_than"):
        words = {
            "ge": "greater than or equal to",
            "le": "less than or equal to",
            "gt": "greater than",
            "lt": "less than",
        }
        bounds = ", ".join(f"{words.get(k, k)} {v}" for k, v in ctx.items())
        return f"value {error.get('input')!r} is out of range (must be {bounds})"
    return f"{error['msg']} (got {error.get('input')!r})"


def _validation_message(
    exc: ValidationError, where: str, lines: Mapping[tuple[Any, ...], int], prefix: tuple[Any, ...]
) -> str:
    parts = []
    for error in exc.errors():
        loc = tuple(x for x in error["loc"] if not (isinstance(x, str) and "[" in x))
        line = None
        for n in range(len(loc), 0, -1):
            line = lines.get((*prefix, *loc[:n]))
            if line is not None:
                break
        key = ".".join(str(x) for x in loc) or "(top level)"
        at = f"{where}, line {line}" if line else where
        message = _describe(error)
        if error["type"] == "extra_forbidden":
            allowed = _allowed_keys(loc[:-1])
            message += f"; allowed keys: {', '.join(allowed)}"
        parts.append(f"{at}: key '{key}': {message}")
    return "\n".join(parts)


def _allowed_keys(loc: Sequence[Any]) -> list[str]:
    model: Any = ScenarioFile
    for part in loc:
        field = model.model_fields.get(part) if hasattr(model, "model_fields") else None
        if field is None or not hasattr(field.annotation, "model_fields"):
            return sorted(model.model_fields) if hasattr(model, "model_fields") else []
        model = field.annotation
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


def _merge(base: dict[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
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
            out[key] = _merge(dict(current), value)
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
    """Known scenarios (the package defaults plus any files given) and their resolution."""

    def __init__(self) -> None:
        self._entries: dict[str, _Entry] = {}

    def add_defaults(self, path: Path) -> None:
        data, lines = _read_yaml(path)
        if not isinstance(data, dict) or not isinstance(data.get("scenarios"), list):
            raise ScenarioError(f"{path}: expected a mapping with a list under 'scenarios'")
        for i, item in enumerate(data["scenarios"]):
            self._add(item, str(path), lines, ("scenarios", i), default=True)

    def add_file(self, path: Path) -> str:
        data, lines = _read_yaml(path)
        return self._add(data, str(path), lines, ())

    def _add(
        self,
        raw: Any,
        where: str,
        lines: dict[tuple[Any, ...], int],
        prefix: tuple[Any, ...],
        *,
        default: bool = False,
    ) -> str:
        if not isinstance(raw, dict):
            line = lines.get(prefix)
            at = f"{where}, line {line}" if line else where
            raise ScenarioError(f"{at}: a scenario must be a mapping of keys to values")
        try:
            ScenarioFile.model_validate(raw)
        except ValidationError as exc:
            raise ScenarioError(_validation_message(exc, where, lines, prefix)) from None
        name = raw["name"]
        known = self._entries.get(name)
        if known is not None:
            line = lines.get((*prefix, "name"))
            at = f"{where}, line {line}" if line else where
            if known.default:
                raise ScenarioError(
                    f"{at}: key 'name': name '{name}' is already a default scenario; "
                    "choose another name"
                )
            if known.where == where:
                raise ScenarioError(f"{where}: scenario file is given twice")
            raise ScenarioError(
                f"{at}: key 'name': name '{name}' is already used by {known.where}; "
                "choose another name"
            )
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
                raise ScenarioError(
                    f"scenario '{name}': base chain loops: {' -> '.join([*chain, current])}"
                )
            if current not in self._entries:
                known = ", ".join(self.names)
                what = (
                    "unknown scenario"
                    if not chain
                    else (
                        f"scenario '{chain[-1]}' ({self._entries[chain[-1]].where}) "
                        "has unknown base"
                    )
                )
                raise ScenarioError(f"{what} '{current}'; known scenarios: {known}")
            chain.append(current)
            current = self._entries[current].raw.get("base")
        merged: dict[str, Any] = {}
        for link in reversed(chain):
            merged = _merge(merged, self._entries[link].raw)
        merged["name"] = name
        merged["base"] = self._entries[name].raw.get("base")
        entry = self._entries[name]
        try:
            levers = ScenarioFile.model_validate(merged)
        except ValidationError as exc:  # pragma: no cover - each link validated on add
            raise ScenarioError(
                _validation_message(exc, entry.where, entry.lines, entry.prefix)
            ) from None
        return Scenario(name=name, levers=levers, chain=tuple(chain), origin=entry.where)


def check_ids(
    scenario: Scenario, *, carriers: set[str], products: set[str], routes: set[str] | None = None
) -> None:
    """Ids a scenario names (carriers, products, routes) must exist in the data package."""
    lv = scenario.levers
    if routes is not None:
        from kruispunt.vocabulary import FAMILIES

        allowed = routes | (set(FAMILIES) - {"incumbent", "closure"})
        for item in lv.routes_off:
            if item not in allowed:
                raise ScenarioError(
                    f"{scenario.origin}: scenario '{scenario.name}', key 'routes_off': unknown "
                    f"route or family '{item}'; allowed: route ids or one of "
                    f"{', '.join(sorted(set(FAMILIES) - {'incumbent', 'closure'}))}"
                )
    for key, known in (
        ("carrier_prices", carriers),
        ("carrier_price_scale", carriers),
        ("demand_scale", products),
        ("green_premium", products),
        ("mandate_share", products),
    ):
        for item in getattr(lv, key):
            if item not in known:
                raise ScenarioError(
                    f"{scenario.origin}: scenario '{scenario.name}', key '{key}.{item}': unknown "
                    f"id '{item}'; allowed: {', '.join(sorted(known))}"
                )


def default_library(package_path: Path | None = None) -> ScenarioLibrary:
    """The data package's default scenarios (``scenarios.yaml``)."""
    from kruispunt.catalogue.load import default_package_path

    folder = package_path if package_path is not None else default_package_path()
    library = ScenarioLibrary()
    library.add_defaults(Path(folder) / "scenarios.yaml")
    return library


def resolve(names_or_files: Sequence[str], package_path: Path | None = None) -> list[Scenario]:
    """Resolve scenario names (package defaults) and YAML files into scenarios."""
    library = default_library(package_path)
    names: list[str] = []
    for item in names_or_files:
        if item.endswith((".yaml", ".yml")) or Path(item).is_file():
            name = library.add_file(Path(item))
        else:
            name = item
        if name in names:
            raise ScenarioError(
                f"scenario '{name}' is given twice; each scenario can be run only once"
            )
        names.append(name)
    return [library.resolve(n) for n in names]
