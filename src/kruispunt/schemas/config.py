"""Frozen, strict models of a scenario file. Unknown keys fail; field docs become the reference.

A scenario is a named set of *overrides* of the data package's values (the base): it restates
nothing else. ``base`` names another scenario whose overrides it starts from.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

Year = Annotated[int, Field(ge=2000, le=2100)]
NonNegative = Annotated[float, Field(ge=0)]
Share = Annotated[float, Field(ge=0, le=1)]
Scale = Annotated[float, Field(ge=0, le=100)]
Path = dict[Year, NonNegative]
"""A time path: {year: value}; straight lines between years, flat before/after."""


class _Strict(BaseModel):
    model_config = ConfigDict(
        extra="forbid", frozen=True, strict=False, use_attribute_docstrings=True
    )


class InfrastructureLevers(_Strict):
    """Infrastructure timing and capacity."""

    co2_storage_delay: Annotated[int, Field(ge=0, le=30)] = 0
    """Years by which every CO2 storage project after Porthos starts later than announced."""
    co2_storage_scale: Scale = 1.0
    """Multiplier on every CO2 storage project's capacity."""
    hydrogen_delay: Annotated[int, Field(ge=0, le=30)] = 0
    """Years by which every cluster's hydrogen-network connection comes later than announced."""
    grid_capacity_scale: Scale = 1.0
    """Multiplier on grid capacity for new electric load where the data package gives one."""
    grid_unknown_capacity: Literal["unconstrained", "none"] = "unconstrained"
    """What a cluster without a sourced grid figure gets: no limit, or no new load at all."""


class SubsidyLevers(_Strict):
    """Subsidy instruments (budgets come from the data package, scaled here)."""

    sde: bool = True
    """SDE++ operating subsidy rounds."""
    sde_budget_scale: Scale = 1.0
    """Multiplier on the SDE++ round budgets."""
    sde_extra_budget: dict[Year, NonNegative] = Field(default_factory=dict)
    """Budgets of SDE++ rounds beyond the announced ones, per round year [EUR]."""
    ikc: bool = True
    """Indirect cost compensation for electricity-intensive sectors."""
    grants: bool = True
    """Capex grants (NIKI/VEKI/OWE-like) with their budgets."""
    grant_budget_scale: Scale = 1.0
    """Multiplier on capex grant budgets."""
    grant_share: Share = 0.0
    """Share of a project's capex that a grant pays (0: grants off in effect)."""
    ccfd_strike_price: NonNegative | None = None
    """Carbon contract for difference strike price [EUR/tCO2]; None: no CCfDs."""
    ccfd_budget: NonNegative = 0.0
    """Total CCfD budget [EUR] over the contract duration."""
    ccfd_duration: Annotated[int, Field(ge=1, le=30)] = 15
    """CCfD duration [yr]."""


class ScenarioFile(_Strict):
    """A scenario file: a name, an optional base scenario, and the overrides it makes."""

    name: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_\-]*$", max_length=64)]
    """Scenario name (lower case, digits, '-' and '_')."""
    description: str = ""
    """What the scenario represents and why (cite sources of any figure)."""
    base: str | None = None
    """Name of the scenario whose overrides this one starts from (None: the data package)."""
    expectations: Literal["perfect_foresight", "myopic"] = "perfect_foresight"
    """How plants value the future: announced paths known (perfect foresight) or today's
    prices held (myopic)."""
    seed: Annotated[int, Field(ge=0)] = 0
    """Seed of every random draw of the run; recorded with the results."""
    start_year: Year = 2025
    """First model year."""
    end_year: Year = 2050
    """Last model year."""
    discount_rate: Annotated[float, Field(ge=0, le=0.3)] | None = None
    """Cost of capital of the incumbent risk class [fraction/yr]; None: the project's
    assumption of 7 %/yr, the MPP steel model's rate
    (``kruispunt.assemble.DEFAULT_DISCOUNT_RATE``)."""
    risk_sharing: Annotated[float, Field(ge=0, le=0.1)] = 0.0
    """Reduction of the cost of capital of transition routes by government risk sharing
    [fraction/yr]."""
    eua_price: Path | None = None
    """EU ETS allowance price path [EUR/tCO2]; None: the data package path."""
    eua_price_scale: Scale = 1.0
    """Multiplier on the EUA path."""
    cbam: bool = True
    """CBAM and the phase-out of free allocation for CBAM goods (2026-2034)."""
    co2_heffing: Literal["off", "current", "original"] = "current"
    """Dutch CO2-heffing: off, the current tariff path (BP2026), or the original indexed path."""
    grid_emission_factor: Path | None = None
    """Emissions of grid electricity [tCO2/MWh] for indirect emissions; None: not computed
    (the data package has no sourced path)."""
    carrier_prices: dict[str, Path] = Field(default_factory=dict)
    """Price path overrides per carrier id [EUR per carrier unit]."""
    carrier_price_scale: dict[str, Scale] = Field(default_factory=dict)
    """Multipliers on carrier price paths, per carrier id."""
    commitments: bool = True
    """Keep the projects already decided (the data package's commitments table, e.g. the
    Porthos capture projects from 2026)."""
    routes_off: list[str] = Field(default_factory=list)
    """Route ids or route families (electrification, ccs, hydrogen, import, circular,
    efficiency) that plants may not switch to in this scenario."""
    demand_scale: dict[str, Scale] = Field(default_factory=dict)
    """Multipliers on domestic demand per product id (base: base-year production)."""
    green_premium: dict[str, NonNegative] = Field(default_factory=dict)
    """Premium paid for low-carbon product under mandates/procurement [EUR per product unit]."""
    mandate_share: dict[str, Share] = Field(default_factory=dict)
    """Share of low-carbon output that earns the green premium, per product id."""
    subsidies: SubsidyLevers = Field(default_factory=SubsidyLevers)
    """Subsidy instruments."""
    infrastructure: InfrastructureLevers = Field(default_factory=InfrastructureLevers)
    """Infrastructure timing and capacity."""

    @field_validator("end_year")
    @classmethod
    def _years_ordered(cls, end: int, info: object) -> int:
        data = getattr(info, "data", {})
        start = data.get("start_year", 2025)
        if end < start:
            raise ValueError(f"end_year {end} is before start_year {start}")
        return end


def _type_text(schema: dict[str, Any], defs: dict[str, Any]) -> str:
    """Readable type of a JSON-schema node: 'number >= 0', '{year: number >= 0}', ..."""
    if "$ref" in schema:
        return "mapping (see below)"
    if "anyOf" in schema:
        parts = [_type_text(s, defs) for s in schema["anyOf"]]
        return " or ".join(p if p != "null" else "null" for p in parts)
    if "enum" in schema:
        return "one of " + ", ".join(f"`{v}`" for v in schema["enum"])
    if "const" in schema:
        return f"`{schema['const']}`"
    kind: str = schema.get("type", "any")
    if kind == "object":
        return "{key: " + _type_text(schema.get("additionalProperties", {}), defs) + "}"
    bounds = []
    for key, sign in (
        ("minimum", ">="),
        ("exclusiveMinimum", ">"),
        ("maximum", "<="),
        ("exclusiveMaximum", "<"),
    ):
        if key in schema:
            bounds.append(f"{sign} {schema[key]}")
    if "pattern" in schema:
        bounds.append(f"matching `{schema['pattern']}`")
    word = {
        "number": "number",
        "integer": "integer",
        "string": "text",
        "boolean": "true/false",
        "null": "null",
    }.get(kind, kind)
    return word + (" " + ", ".join(bounds) if bounds else "")


def reference_markdown() -> str:
    """The scenario-file reference, generated from the schema (field docs included)."""
    schema = ScenarioFile.model_json_schema()
    defs = schema.get("$defs", {})

    def table(node: dict[str, Any], prefix: str) -> list[str]:
        rows = ["| key | type | default | meaning |", "|---|---|---|---|"]
        nested = []
        required = set(node.get("required", []))
        for name, prop in node["properties"].items():
            if "$ref" in prop:
                nested.append((name, defs[prop["$ref"].split("/")[-1]]))
            default = (
                "required"
                if name in required
                else (f"`{prop['default']!r}`" if "default" in prop else "`{}`")
            )
            if "$ref" in prop:
                default = ""
            text = " ".join(str(prop.get("description", "")).split())
            rows.append(f"| `{prefix}{name}` | {_type_text(prop, defs)} | {default} | {text} |")
        for name, sub in nested:
            rows += [
                "",
                f"### `{prefix}{name}`",
                "",
                " ".join(sub.get("description", "").split()),
                "",
                *table(sub, f"{prefix}{name}."),
            ]
        return rows

    head = [
        "# Scenario file reference",
        "",
        "Generated from `kruispunt/schemas/config.py`; do not edit by hand "
        "(`python -m kruispunt.schemas.config > docs/scenarios.md`).",
        "",
        "A scenario file is YAML holding one scenario. Unknown keys, wrong types and values out",
        "of range are errors that name the file, the line and the key. A scenario names a `base`",
        "and lists only what it changes; paths are `{year: value}` mappings, linear between the",
        "years given and flat outside them. Sections (`subsidies`, `infrastructure`, ...) merge",
        "key by key with the base, but a path replaces the base's path whole: it is never merged",
        "year by year. Default scenarios: `current-policy`, `no-new-policy`, `high-ambition`",
        "(see `scenarios.yaml` in the data package); a scenario file cannot reuse their names.",
        "",
        "```yaml",
        "name: my-variant",
        "base: current-policy",
        "description: Current policy with a higher EUA path and CCfDs.",
        "eua_price: {2025: 73.37, 2030: 120, 2050: 200}",
        "subsidies:",
        "  ccfd_strike_price: 120",
        "  ccfd_budget: 3.0e+9",
        "```",
        "",
        "## Keys",
        "",
    ]
    return "\n".join([*head, *table(schema, "")]) + "\n"


def main() -> None:  # pragma: no cover
    print(reference_markdown(), end="")


if __name__ == "__main__":  # pragma: no cover
    main()
