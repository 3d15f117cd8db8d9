"""The scenario builder: form fields derived from the scenario schema, field-level errors, and
saved scenario files.

Every field of :class:`kruispunt.schemas.config.ScenarioFile` (nested sections included)
becomes a form field, with its docstring as help text, so a lever added to the schema appears
in the builder without touching this module. A submitted form is validated by that same
pydantic model, the one ``kruispunt run`` uses for a YAML file; each error is attached to the
field it concerns. Ids (carriers, products, routes, the base scenario) are checked against
the data package. The saved file lists only what differs from its base (a scenario restates
nothing else) and is written as YAML to ``<store>/scenarios/<name>.yaml``.

Nothing here imports the web framework.
"""

from __future__ import annotations

import re
import tempfile
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from kruispunt.errors import KruispuntError
from kruispunt.files import write_text
from kruispunt.safe_yaml import YamlFileError, read_yaml_text
from kruispunt.scenarios import (
    Scenario,
    ScenarioError,
    ScenarioLibrary,
    default_library,
    describe_error,
    unknown_ids,
)
from kruispunt.schemas.config import ScenarioFile, year_keys

__all__ = [
    "BuilderError",
    "FieldError",
    "FormField",
    "SavedScenarios",
    "ScenarioIds",
    "form_fields",
    "form_values",
    "id_errors",
    "overrides",
    "parse_form",
    "validate_file",
]

MAX_TEXT = 4000
"""Longest text accepted in one form field [characters], but the description."""

MAX_DESCRIPTION = int(
    next(
        m.max_length
        for m in ScenarioFile.model_fields["description"].metadata
        if getattr(m, "max_length", None) is not None
    )
)
"""Longest description: the scenario file's own limit (10,000 characters)."""

GROUPS: dict[str, str] = {
    "name": "Scenario",
    "description": "Scenario",
    "base": "Scenario",
    "expectations": "Scenario",
    "seed": "Scenario",
    "start_year": "Scenario",
    "end_year": "Scenario",
    "decisions_from": "Scenario",
    "price_set": "Carbon price and prices",
    "eua_price": "Carbon price and prices",
    "eua_price_scale": "Carbon price and prices",
    "cbam": "Carbon price and prices",
    "co2_heffing": "Carbon price and prices",
    "carrier_prices": "Carbon price and prices",
    "carrier_price_scale": "Carbon price and prices",
    "grid_emission_factor": "Carbon price and prices",
    "discount_rate": "Finance",
    "risk_sharing": "Finance",
    "subsidies": "Subsidies: SDE++, CCfDs, IKC, grants",
    "demand_scale": "Markets and mandates",
    "green_premium": "Markets and mandates",
    "mandate_share": "Markets and mandates",
    "demand": "Markets and mandates",
    "commitments": "Routes",
    "routes_off": "Routes",
    "permits_from": "Routes",
    "infrastructure": "Infrastructure dates and capacity",
}
"""Top-level key -> form section (a key not listed goes to "Other levers")."""


@dataclass(frozen=True)
class FormField:
    """One input of the builder form.

    ``kind`` is ``text``, ``textarea``, ``integer``, ``number``, ``optional_number``,
    ``checkbox``, ``select``, ``mapping`` (``key: value`` pairs) or ``list`` (comma-separated).
    """

    key: str
    label: str
    help: str
    kind: str
    group: str
    options: tuple[str, ...] = ()
    minimum: float | None = None
    maximum: float | None = None
    example: str = ""
    optional: bool = False

    @property
    def range_text(self) -> str:
        """The allowed range as the form shows it (``≥ 0 ≤ 1,000,000,000,000``; empty where
        unbounded)."""
        parts = [
            f"{sign} {_number_text(v)}"
            for sign, v in (("≥", self.minimum), ("≤", self.maximum))
            if v is not None
        ]
        return " ".join(parts)


def _number_text(value: float) -> str:
    """A bound as a reader writes it: a whole number in full, with thousands separators from
    100,000 (``1e12`` as ``1,000,000,000,000``; a year as ``2050``), others in their shortest
    form."""
    if not float(value).is_integer():
        return f"{value:g}"
    return f"{value:,.0f}" if abs(value) >= 100_000 else f"{value:.0f}"


_LITERAL = re.compile(r"``(.+?)``")
"""A literal in a docstring (``name``): shown as its text in the form's help."""


@dataclass(frozen=True)
class FieldError:
    """A problem with one field: ``loc`` is the path of keys in the scenario file."""

    loc: tuple[str | int, ...]
    message: str

    @property
    def key(self) -> str:
        """The form field the problem belongs to (dotted path of field names)."""
        fields = {f.key for f in form_fields()}
        parts = [str(p) for p in self.loc]
        for n in range(len(parts), 0, -1):
            candidate = ".".join(parts[:n])
            if candidate in fields:
                return candidate
        return parts[0] if parts else ""


class BuilderError(KruispuntError):
    """A scenario that does not validate; ``errors`` name each field."""

    def __init__(self, errors: list[FieldError]) -> None:
        self.errors = errors
        super().__init__(
            "; ".join(f"{'.'.join(str(p) for p in e.loc)}: {e.message}" for e in errors)
        )


# --- fields from the schema -------------------------------------------------------------------


def _kind(prop: Mapping[str, Any]) -> tuple[str, tuple[str, ...], float | None, float | None]:
    if "anyOf" in prop:
        types = [p for p in prop["anyOf"] if p.get("type") != "null"]
        if len(types) == 1 and types[0].get("type") in ("number", "integer"):
            inner = types[0]
            return "optional_number", (), inner.get("minimum"), inner.get("maximum")
        if len(types) == 1 and types[0].get("type") == "object":
            return "mapping", (), None, None
        return "text", (), None, None
    if "enum" in prop:
        return "select", tuple(str(v) for v in prop["enum"]), None, None
    kind = prop.get("type")
    if kind == "boolean":
        return "checkbox", (), None, None
    if kind == "integer":
        return "integer", (), prop.get("minimum"), prop.get("maximum")
    if kind == "number":
        return "number", (), prop.get("minimum"), prop.get("maximum")
    if kind == "object":
        return "mapping", (), None, None
    if kind == "array":
        return "list", (), None, None
    return "text", (), None, None


_EXAMPLES = {
    "eua_price": "2025: 73.37, 2030: 120, 2050: 200",
    "grid_emission_factor": "2025: 0.3, 2040: 0",
    "carrier_prices": "natural_gas: {2025: 10, 2030: 9}",
    "carrier_price_scale": "electricity: 0.75",
    "demand_scale": "crude_steel: 0.9",
    "green_premium": "crude_steel: 150",
    "mandate_share": "crude_steel: 0.2",
    "subsidies.sde_extra_budget": "2027: 8.0e+9, 2028: 8.0e+9",
    "demand.procurement": "crude_steel: 0.1, clinker: 0.3",
    "demand.labels": "glass: {share: 0.1, premium_cap: 100}",
    "routes_off": "ccs, hydrogen",
    "permits_from": "biomass_boiler_low: 2030",
}


def _fields_of(
    schema: Mapping[str, Any], defs: Mapping[str, Any], prefix: str, group: str | None
) -> list[FormField]:
    out: list[FormField] = []
    for name, prop in schema["properties"].items():
        key = f"{prefix}{name}"
        section = group or GROUPS.get(name, "Other levers")
        if "$ref" in prop:
            sub = defs[prop["$ref"].split("/")[-1]]
            out += _fields_of(sub, defs, f"{key}.", section)
            continue
        kind, options, lo, hi = _kind(prop)
        optional = any(p.get("type") == "null" for p in prop.get("anyOf", []))
        if name == "description":
            kind = "textarea"
        out.append(
            FormField(
                key=key,
                label=name.replace("_", " "),
                help=_LITERAL.sub(r"\1", " ".join(str(prop.get("description", "")).split())),
                kind=kind,
                group=section,
                options=options,
                minimum=lo,
                maximum=hi,
                example=_EXAMPLES.get(key, ""),
                optional=optional,
            )
        )
    return out


_FIELDS: list[FormField] | None = None


def form_fields() -> list[FormField]:
    """Every field of the scenario schema, in schema order, nested sections flattened."""
    global _FIELDS
    if _FIELDS is None:
        schema = ScenarioFile.model_json_schema()
        _FIELDS = _fields_of(schema, schema.get("$defs", {}), "", None)
    return list(_FIELDS)


# --- form values ------------------------------------------------------------------------------


def _get(data: Mapping[str, Any], key: str) -> Any:
    value: Any = data
    for part in key.split("."):
        value = value.get(part) if isinstance(value, Mapping) else None
    return value


def _text(value: Any) -> str:
    if isinstance(value, Mapping):
        return ", ".join(f"{k}: {_flow(v)}" for k, v in value.items())
    return _flow(value)


def _flow(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{k}: {_flow(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list | tuple):
        return ", ".join(_flow(v) for v in value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value)) if abs(value) < 1e6 else f"{value:.6g}"
    return str(value)


def form_values(levers: Mapping[str, Any]) -> dict[str, str | bool]:
    """Form values showing ``levers`` (a scenario's resolved levers as JSON-like data)."""
    out: dict[str, str | bool] = {}
    for f in form_fields():
        value = _get(levers, f.key)
        out[f.key] = bool(value) if f.kind == "checkbox" else _text(value)
    return out


def _parse_mapping(text: str, where: str) -> Any:
    """A mapping field's text, read within the limits of a scenario file (aliases expanded
    and nesting counted before anything is built: :func:`kruispunt.safe_yaml.read_yaml_text`)."""
    if not text.strip():
        return {}
    data = read_yaml_text("{" + text + "}", where)
    if not isinstance(data, dict) or any(v is None for v in data.values()):
        raise ValueError("not a mapping of keys to values")
    # YAML 1.1 reads 8e+09 as text: numbers are numbers for the strict schema
    return {k: _number(v) if isinstance(v, str) else v for k, v in data.items()}


def parse_form(form: Mapping[str, str]) -> tuple[dict[str, Any], list[FieldError]]:
    """A scenario file's raw data from submitted form text, and the fields that did not parse.

    Values are left for the schema to validate (``"abc"`` for a number stays text, so the
    error says what a number must be); only the shapes of mappings and lists are parsed here.
    """
    raw: dict[str, Any] = {}
    errors: list[FieldError] = []
    for f in form_fields():
        text = form.get(f.key)
        loc = tuple(f.key.split("."))
        limit = MAX_DESCRIPTION if f.key == "description" else MAX_TEXT
        if text is not None and len(text) > limit:
            errors.append(FieldError(loc, f"too long ({len(text)} characters; at most {limit})"))
            continue
        value: Any
        if f.kind == "checkbox":
            value = text is not None and text not in ("", "false", "off", "0")
        elif text is None:
            continue
        elif f.kind == "optional_number":
            value = _number(text.strip()) if text.strip() else None
        elif f.kind == "mapping":
            try:
                value = None if f.optional and not text.strip() else _parse_mapping(text, f.key)
            except (YamlFileError, ValueError) as exc:
                example = f", e.g. {f.example}" if f.example else ""
                hint = f"write key: value pairs separated by commas{example}"
                # a limit passed (nesting, aliases) says which; malformed text gets the hint
                if isinstance(exc, YamlFileError) and not exc.message.startswith("malformed"):
                    hint = f"{exc.message}; {hint}"
                elif "duplicate key" in str(exc):  # say which key
                    found = str(exc).split("duplicate key", 1)[1].split(";")[0].split("\n")[0]
                    hint = f"duplicate key{found.rstrip(' .:')}; {hint}"
                errors.append(FieldError(loc, hint))
                continue
        elif f.kind == "list":
            value = [p.strip() for p in text.replace("\n", ",").split(",") if p.strip()]
        elif f.kind in ("integer", "number"):
            value = _number(text.strip())
        elif f.key == "base":
            value = text.strip() or None
        else:
            value = text
        target = raw
        for part in loc[:-1]:
            target = target.setdefault(part, {})
        target[loc[-1]] = value
    return raw, errors


def _number(text: str) -> Any:
    """Form text as the number it writes (the schema is strict: it takes numbers, not text);
    text that is no number stays text, so the schema's message says what is allowed. Only
    plain ASCII numbers: Python would also read other scripts' digits and ``1_000``."""
    if not text.isascii() or "_" in text:
        return text
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            continue
    return text


def pattern_message(error: Mapping[str, Any]) -> str | None:
    """A pattern the schema sets (only a scenario's name has one) said in words, as scenario
    files say it (:func:`~kruispunt.scenarios.describe_error`), not as the regular
    expression; None for other errors."""
    if error.get("type") != "string_pattern_mismatch":
        return None
    return describe_error(error)


def _pydantic_errors(exc: ValidationError) -> list[FieldError]:
    out = []
    for e in exc.errors():
        loc = tuple(x for x in e["loc"] if not (isinstance(x, str) and "[" in x))
        message = str(e["msg"])
        if e["type"] == "extra_forbidden":
            message = "unknown key"
        elif (said := pattern_message(e)) is not None:
            message = said
        elif "input" in e and e["type"] not in ("missing",):
            shown = repr(e["input"])
            message += f" (got {shown[:60]}{'…' if len(shown) > 60 else ''})"
        out.append(FieldError(tuple(str(x) if isinstance(x, str) else x for x in loc), message))
    return out


# --- ids and saved files ----------------------------------------------------------------------


@dataclass(frozen=True)
class ScenarioIds:
    """Ids of the data package a scenario may name."""

    carriers: frozenset[str]
    products: frozenset[str]
    routes: frozenset[str]


def id_errors(file: ScenarioFile, ids: ScenarioIds) -> list[FieldError]:
    """Unknown carriers, products and routes named by ``file`` (the checks ``kruispunt run``
    makes, :func:`kruispunt.scenarios.unknown_ids`, each attached to its key), and empty time
    paths (a path needs a year)."""
    errors = [
        FieldError(loc, message)
        for loc, message in unknown_ids(
            file, carriers=set(ids.carriers), products=set(ids.products), routes=set(ids.routes)
        )
    ]
    paths: list[tuple[tuple[str | int, ...], Any]] = [
        (("eua_price",), file.eua_price),
        (("grid_emission_factor",), file.grid_emission_factor),
        *((("carrier_prices", c), p) for c, p in file.carrier_prices.items()),
    ]
    for loc, path in paths:
        if path is not None and not path:
            errors.append(FieldError(loc, "a time path needs at least one year: value pair"))
    return errors


class SavedScenarios:
    """The default scenarios of a data package plus the scenario files saved in a folder.

    Parameters
    ----------
    package : Path
        Data package folder (its ``scenarios.yaml`` holds the defaults).
    folder : Path
        Where saved scenario files live (``<store>/scenarios``).
    ids : ScenarioIds
        Ids the scenarios may name.
    """

    def __init__(self, package: Path, folder: Path, ids: ScenarioIds) -> None:
        self.package = package
        self.folder = folder
        self.ids = ids
        self.defaults = frozenset(default_library(package).names)
        self._saving = threading.Lock()
        """Held from checking a file against the saved ones to writing it: two saves at once
        (a scenario and the base it builds on) could each pass the check against the other's
        old file, and leave a pair that does not resolve."""

    def library(self) -> tuple[ScenarioLibrary, dict[str, str]]:
        """Defaults plus every saved file that reads and resolves; files that fail (a file
        that does not read, or a scenario its base chain no longer fits: a base saved since
        with other years) are listed with why, and left out so that the others still list."""
        lib = default_library(self.package, takes_files=False)
        broken: dict[str, str] = {}
        added: list[tuple[Path, str]] = []
        if self.folder.is_dir():
            for path in sorted(self.folder.glob("*.yaml")):
                try:
                    added.append((path, lib.add_file(path)))
                except ScenarioError as exc:
                    broken[path.name] = str(exc)
        unresolved: dict[str, str] = {}
        for path, name in added:
            try:
                lib.resolve(name)
            except ScenarioError as exc:
                unresolved[path.name] = str(exc)
        if unresolved:
            broken.update(unresolved)
            lib = default_library(self.package, takes_files=False)
            for path, _ in added:
                if path.name not in unresolved:
                    lib.add_file(path)
        return lib, broken

    def resolve(self, name: str) -> Scenario:
        """A default or saved scenario, resolved (raises :class:`ScenarioError`)."""
        lib, _ = self.library()
        return lib.resolve(name)

    def path(self, name: str) -> Path:
        return self.folder / f"{name}.yaml"

    def save(self, file: ScenarioFile) -> Path:
        """Validate ``file`` against the package and the other scenarios, then write it.

        The file holds the fields given (set), not only those that differ from the schema's
        defaults: a lever set back to its default (a CCfD without strike price, no risk
        sharing) overrides its base's value.

        Raises
        ------
        BuilderError
            Naming each field at fault (an unknown id, a default's name, a base that does not
            exist or loops, a change that would break a saved scenario built on this one).
        """
        errors = id_errors(file, self.ids)
        if file.name in self.defaults:
            errors.append(
                FieldError(("name",), f"'{file.name}' is a default scenario's name; choose another")
            )
        if errors:
            raise BuilderError(errors)
        data = file.model_dump(mode="python", exclude_unset=True)
        unset = {"name"} | {k for k in ("base", "description") if data.get(k) is None}
        data = {"name": file.name, **{k: v for k, v in data.items() if k not in unset}}
        text = yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=96)
        with self._saving:
            return self._check_and_write(file.name, text)

    def _check_and_write(self, name: str, text: str) -> Path:
        """:meth:`save`'s checks against the saved files, then the write (under the lock)."""
        before = set(self.library()[0].names) - self.defaults - {name}
        target = self.path(name)
        # the library the file will live in: defaults and the other saved files
        probe = default_library(self.package, takes_files=False)
        others = sorted(self.folder.glob("*.yaml")) if self.folder.is_dir() else []
        for path in others:
            if path.name != target.name:
                try:
                    probe.add_file(path)
                except ScenarioError:
                    continue  # a broken file elsewhere does not stop this one
        with tempfile.TemporaryDirectory() as tmp:
            trial = Path(tmp) / target.name
            trial.write_text(text, encoding="utf-8")
            try:
                probe.add_file(trial)
            except ScenarioError as exc:
                message = str(exc).replace(str(trial), target.name)
                raise BuilderError([FieldError(("name",), message)]) from None
            try:
                probe.resolve(name)
            except ScenarioError as exc:
                message = str(exc).replace(str(trial), target.name)
                raise BuilderError([FieldError(("base",), message)]) from None
            # the saved scenarios built on this one must still resolve with it
            for other in sorted(before):
                try:
                    probe.resolve(other)
                except ScenarioError as exc:
                    message = str(exc).replace(str(trial), target.name)
                    raise BuilderError(
                        [
                            FieldError(
                                ("name",),
                                f"saving '{name}' like this would break the saved "
                                f"scenario '{other}', which builds on it: {message}",
                            )
                        ]
                    ) from None
        try:
            write_text(target, text, through_links=False)  # the folder's files are ours
        except OSError as exc:
            raise KruispuntError(f"cannot save {target}: {exc.strerror or exc}") from None
        return target


def overrides(full: ScenarioFile, base: ScenarioFile | None) -> dict[str, Any]:
    """What ``full`` changes relative to ``base``: the keys of a scenario file that restates
    nothing else (sections compared key by key)."""
    mine = full.model_dump(mode="json")
    theirs = (base or ScenarioFile(name=full.name)).model_dump(mode="json")
    out: dict[str, Any] = {}
    for key, value in mine.items():
        if key in ("name", "base", "description"):
            continue
        other = theirs.get(key)
        if (
            isinstance(value, dict)
            and isinstance(other, dict)
            and key in ("subsidies", "infrastructure", "demand")
        ):
            changed = {k: v for k, v in value.items() if other.get(k) != v}
            if changed:
                out[key] = changed
        elif value != other:
            out[key] = value
    return out


def validate_file(
    raw: Mapping[str, Any], saved: SavedScenarios
) -> tuple[ScenarioFile, list[FieldError]]:
    """Validate form data: the schema first, then what it changes against its base.

    Returns the scenario file to save (its overrides of the base only) or the errors.
    """
    try:
        full = ScenarioFile.model_validate(year_keys(raw))
    except ValidationError as exc:
        return ScenarioFile(name="invalid"), _pydantic_errors(exc)
    base: ScenarioFile | None = None
    if full.base is not None:
        try:
            base = saved.resolve(full.base).levers
        except ScenarioError as exc:
            return full, [FieldError(("base",), str(exc))]
    changes = overrides(full, base)
    file = ScenarioFile.model_validate(
        year_keys(
            {"name": full.name, "description": full.description, "base": full.base, **changes}
        )
    )
    return file, id_errors(file, saved.ids)
