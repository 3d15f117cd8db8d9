"""Table and field specifications, read from ``kruispunt/schemas/*.csv``.

The schema files are the single declaration of every table, field, unit and parameter: the
checks, the loader, the ``datapackage.json`` writer and the docs all read them.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import resources

LONG_TABLE_PARAMETER_KEY = {
    "route_parameters": ("parameter",),
    "route_inputs": (),
    "carrier_prices": (),
    "policy": ("instrument", "parameter"),
    "infrastructure": ("parameter",),
    "product_markets": ("parameter",),
}
"""How a long table's row names its parameter in ``schemas/<table>.csv``.

An empty tuple means the table has a single parameter called ``value``.
"""


@dataclass(frozen=True)
class FieldSpec:
    """One column of a table.

    ``unit`` is a unit string, ``unit:<column>`` (the unit is in that column of the row) or empty.
    ``source`` is ``row:<column>`` (a source id in that column of the row), ``field:<id>`` (one
    source for the whole column) or empty. ``minimum`` is a number (inclusive) or ``>number``;
    ``maximum`` an inclusive upper bound in the field's canonical unit (empty: none).
    """

    table: str
    name: str
    type: str
    required: bool
    unit: str
    source: str
    references: str
    minimum: str
    maximum: str
    enum: tuple[str, ...]
    description: str

    @property
    def is_numeric(self) -> bool:
        return self.type in ("number", "integer")


@dataclass(frozen=True)
class TableSpec:
    name: str
    primary_key: tuple[str, ...]
    kind: str
    description: str
    fields: tuple[FieldSpec, ...]

    @property
    def file(self) -> str:
        return f"{self.name}.csv"

    def field(self, name: str) -> FieldSpec:
        for f in self.fields:
            if f.name == name:
                return f
        raise KeyError(name)


@dataclass(frozen=True)
class ParameterSpec:
    """A parameter of a long table: canonical unit (may hold ``product``/``carrier``), its
    type (``float``, ``int`` or ``bool``) and inclusive bounds in the canonical unit."""

    name: str
    unit: str
    dtype: str
    interpolation: str
    description: str
    minimum: float = float("-inf")
    maximum: float = float("inf")


def _read_schema_csv(name: str) -> list[dict[str, str]]:
    text = resources.files("kruispunt.schemas").joinpath(name).read_text(encoding="utf-8")
    return list(csv.DictReader(text.splitlines()))


@lru_cache(maxsize=1)
def table_specs() -> dict[str, TableSpec]:
    """All tables of the data package, in dependency order."""
    fields: dict[str, list[FieldSpec]] = {}
    for row in _read_schema_csv("fields.csv"):
        fields.setdefault(row["table"], []).append(
            FieldSpec(
                table=row["table"],
                name=row["field"],
                type=row["type"],
                required=row["required"] == "true",
                unit=row["unit"],
                source=row["source"],
                references=row["references"],
                minimum=row["minimum"],
                maximum=row["maximum"],
                enum=tuple(row["enum"].split("|")) if row["enum"] else (),
                description=row["description"],
            )
        )
    specs: dict[str, TableSpec] = {}
    for row in _read_schema_csv("tables.csv"):
        specs[row["table"]] = TableSpec(
            name=row["table"],
            primary_key=tuple(row["primary_key"].split(";")),
            kind=row["kind"],
            description=row["description"],
            fields=tuple(fields[row["table"]]),
        )
    return specs


@cache
def parameter_specs(table: str) -> dict[str, ParameterSpec]:
    """Declared parameters of a long table, keyed as rows name them."""
    out: dict[str, ParameterSpec] = {}
    for row in _read_schema_csv(f"{table}.csv"):
        out[row["parameter"]] = ParameterSpec(
            name=row["parameter"],
            unit=row["unit"],
            dtype=row["dtype"],
            interpolation=row["interpolation"],
            description=row["description"],
            minimum=float(row["minimum"]) if row.get("minimum") else float("-inf"),
            maximum=float(row["maximum"]) if row.get("maximum") else float("inf"),
        )
    return out


def parameter_key(table: str, row: dict[str, str]) -> str:
    """The name under which a long-table row's parameter is declared."""
    cols = LONG_TABLE_PARAMETER_KEY[table]
    if not cols:
        return "value"
    return ".".join(row[c] for c in cols)
