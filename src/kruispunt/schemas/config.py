"""Frozen, strict models of a scenario file. Unknown keys fail; field docs become the reference.

A scenario is a named set of *overrides* of the data package's values (the base): it restates
nothing else. ``base`` names another scenario whose overrides it starts from.

Types are strict: a number written in quotes (``'0.05'``) is text and refused, ``true`` and
``false`` are not numbers, and every number is finite and within the bounds stated here (they
are wide physical bounds: they catch typos such as ``1e308`` or a missing decimal point, not
opinions). The years a run covers are those the data package's price and policy paths cover.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from typing import Annotated, Any, Final, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator

from kruispunt.limits import YAML_MAX_BYTES, YAML_MAX_DEPTH, YAML_MAX_NODES, size_text
from kruispunt.vocabulary import FIRST_MODEL_YEAR, LAST_MODEL_YEAR

FIRST_YEAR: Final = FIRST_MODEL_YEAR
"""First year a run may start: the data package's price and policy paths begin in 2025 (the
engine fails for earlier years, e.g. 2020)."""
LAST_YEAR: Final = LAST_MODEL_YEAR
"""Last year a run may end: the data package's paths end in 2050; later years would only
repeat 2050."""
SEED_MAX: Final = 2**32 - 1
"""Largest seed: an unsigned 32-bit integer."""
MONEY_MAX: Final = 1e12
"""Largest amount of money [EUR] a budget may hold: 1,000 bn EUR (Dutch GDP is about that)."""
NAME_PATTERN: Final = r"^[a-z0-9][a-z0-9_\-]*$"
ID_MAX_LENGTH: Final = 64
MAX_ITEMS: Final = 1000
"""Most entries of a mapping of ids (carriers, products) or of a list (``routes_off``)."""

TINY: Final = 1e-9
"""Smallest non-zero number a scenario may give: anything smaller is rounding noise or a typo
(and, e.g. as an EUA price of 1e-307, overflows the model's divisions)."""


def _zero_or_not_tiny(value: float) -> float:
    if 0 < abs(value) < TINY:
        raise ValueError(f"value {value!r} is too small: give 0 or at least {TINY:g}")
    return value


NOT_TINY = AfterValidator(_zero_or_not_tiny)

PATH_YEARS = (2000, 2100)
"""First and last year a path may name [yr]."""
Year = Annotated[int, Field(ge=PATH_YEARS[0], le=PATH_YEARS[1])]
"""A year in a path; paths may start before and end after the run."""
RunYear = Annotated[int, Field(ge=FIRST_YEAR, le=LAST_YEAR)]
NonNegative = Annotated[float, Field(ge=0), NOT_TINY]
Share = Annotated[float, Field(ge=0, le=1), NOT_TINY]
Scale = Annotated[float, Field(ge=0, le=100), NOT_TINY]
Money = Annotated[float, Field(ge=0, le=MONEY_MAX), NOT_TINY]
Id = Annotated[str, Field(min_length=1, max_length=ID_MAX_LENGTH)]
Name = Annotated[str, Field(pattern=NAME_PATTERN, max_length=ID_MAX_LENGTH)]


EuaPath = Annotated[
    dict[Year, Annotated[float, Field(ge=0, le=10_000), NOT_TINY]],
    Field(min_length=1, max_length=101),
]
"""EUA price path [EUR/tCO2]: {year: value}, at most 10,000 EUR/tCO2, at least one year."""
EmissionFactorPath = Annotated[
    dict[Year, Annotated[float, Field(ge=0, le=2), NOT_TINY]], Field(min_length=1, max_length=101)
]
"""Grid emission factor path [tCO2/MWh], at most 2 tCO2/MWh (lignite is about 1.1)."""
CarrierPricePath = Annotated[
    dict[Year, Annotated[float, Field(ge=0, le=100_000), NOT_TINY]],
    Field(min_length=1, max_length=101),
]
"""Carrier price path [EUR per carrier unit: EUR/MWh, EUR/t], at most 100,000."""
Path = EuaPath
"""A time path: {year: value}; straight lines between years, flat before/after."""


class _Strict(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        strict=True,
        allow_inf_nan=False,
        use_attribute_docstrings=True,
    )


class InfrastructureLevers(_Strict):
    """Infrastructure timing and capacity."""

    co2_storage_delay: Annotated[int, Field(ge=0, le=30)] = 0
    """Years by which every CO2 storage project not decided before the first model year starts
    later than announced (Porthos and Yara's Northern Lights contract keep their dates)."""
    co2_storage_scale: Scale = 1.0
    """Multiplier on the capacity of every CO2 storage project not decided before the first
    model year (Porthos and Yara's Northern Lights contract keep theirs)."""
    hydrogen_delay: Annotated[int, Field(ge=0, le=30)] = 0
    """Years by which every cluster's hydrogen-network connection, and every hydrogen supply
    project without a final investment decision (one awarded public production support, or
    a plan where announced events apply), comes later than announced."""
    grid_capacity_scale: Scale = 1.0
    """Multiplier on grid capacity for new electric load where the data package gives one."""
    grid_unknown_capacity: Literal["unconstrained", "none"] = "unconstrained"
    """What a cluster without a sourced grid figure gets: no limit, or no new load at all."""
    biomass_supply_scale: Scale = 1.0
    """Multiplier on every step of the biomass supply (``biomass_supply.csv``): 0 leaves no
    biomass for new claims; below 1, for instance, the power plants keeping part of the
    pellets they co-fire (steps 2-12); above 1, imports growing beyond 2022's."""


class SubsidyLevers(_Strict):
    """Subsidy instruments (budgets come from the data package, scaled here)."""

    sde: bool = True
    """SDE++ operating subsidy rounds."""
    sde_budget_scale: Scale = 1.0
    """Multiplier on the budgets of the announced SDE++ rounds (the data package's); the
    budgets of ``sde_extra_budget``, given in euros, are added unscaled."""
    sde_extra_budget: Annotated[dict[Year, Money], Field(max_length=101)] = Field(
        default_factory=dict
    )
    """Budgets of SDE++ rounds beyond the announced ones, per round year [EUR], each at most
    1e12; not scaled by ``sde_budget_scale``."""
    ikc: bool = True
    """Indirect cost compensation for electricity-intensive sectors."""
    ikc_new_sectors: bool = False
    """Apply in the Dutch IKC the sectors added to the EU list from 2026 (C/2026/196, e.g.
    organic basic chemicals) at ``ikc.aid_intensity_new_sectors``; whether the Dutch scheme
    takes them on was not found, so the default is off."""
    grants: bool = True
    """Capex grants (NIKI/VEKI/OWE-like) with their budgets."""
    grant_budget_scale: Scale = 1.0
    """Multiplier on capex grant budgets."""
    grant_share: Share = 0.0
    """Share of a project's capex that a grant pays (0: grants off in effect)."""
    ccfd_strike_price: Annotated[float, Field(ge=0, le=10_000), NOT_TINY] | None = None
    """Carbon contract for difference strike price [EUR/tCO2], at most 10,000: the strike of
    every contract (``ccfd_pricing: uniform``) or the highest bid accepted (``pay_as_bid``);
    None: no CCfDs."""
    ccfd_budget: Money = 0.0
    """Total CCfD budget [EUR] over the contract duration, at most 1e12; each award reserves
    its worst case (EUA at zero, highest strike) from it."""
    ccfd_duration: Annotated[int, Field(ge=1, le=30)] = 15
    """CCfD duration [yr] (German Klimaschutzverträge: 15)."""
    ccfd_pricing: Literal["uniform", "pay_as_bid"] = "uniform"
    """How a CCfD's strike is set: one strike for all (``uniform``), or each award's own bid,
    the expected EUA plus its need per tonne (``pay_as_bid``, as the German
    Klimaschutzverträge and the EU's competitive bidding)."""
    ccfd_bid_markup: Share = 0.0
    """Pay-as-bid: share a bidder adds to its need per tonne (0-1)."""
    ccfd_two_sided: bool = False
    """Two-sided CCfDs: the plant pays the difference back when the EUA is above the
    strike."""
    ccfd_indexation: Literal["none", "energy"] = "none"
    """Energy-price indexation of the strike (``energy``): it moves with the prices of the
    carriers the switch uses more or less of, against the prices expected at the award."""
    ccfd_indexation_cap: Annotated[float, Field(ge=0, le=10), NOT_TINY] = 0.5
    """Highest rise of an indexed strike as a share of the strike at the award (0-10); the
    budget reserves it."""
    ccfd_additionality: bool = False
    """Additionality test: no CCfD for an option that needs at most
    ``ccfd_additionality_threshold`` per tonne, or for a plant whose best option without the
    contract is already a low-carbon switch."""
    ccfd_additionality_threshold: Annotated[float, Field(ge=0, le=1_000), NOT_TINY] = 1.0
    """Need per tonne [EUR/tCO2] at or below which an option counts as not additional (0 to
    1,000)."""
    network_tariff_relief: Share = 0.0
    """Share of every plant's electricity network tariff the state pays (0-1; 0: none), e.g.
    0.8 for Aurora's 'tariffs at the neighbours' level' (``kruispunt.policy.network_tariff``)."""
    network_tariff_band_reduction: bool = False
    """The German band-load rule (StromNEV para. 19(2)) in the Netherlands, paid by the state:
    a plant above 10 GWh a year at 7,000/7,500/8,000 full-load hours pays 20/15/10 % of the
    tariff."""
    cisaf_start: Annotated[int, Field(ge=2025, le=2030)] | None = None
    """First year of CISAF electricity price relief for plants of the IKC sectors (None: no
    relief); it runs ``cisaf.max_years`` (3) years, not beyond the framework's end (2030)."""
    cisaf_price_share: Share = 0.5
    """CISAF cut as a share of the wholesale price (the framework's maximum: 0.5)."""
    cisaf_consumption_share: Share = 0.5
    """Share of a plant's consumption CISAF covers (the framework's maximum: 0.5)."""


class LabelLever(_Strict):
    """A label for one product: the share of buyers who pay for it and their cap."""

    share: Share
    """Share of the product's domestic use whose buyers pay a premium for it [-]."""
    premium_cap: Annotated[float, Field(ge=0, le=100_000), NOT_TINY]
    """Most those buyers pay over the grey product [EUR per product unit], at most 100,000."""


class DemandLevers(_Strict):
    """Demand-side instruments: mandates, green public procurement and labels, each a market
    that clears on its required volume (``kruispunt.policy.clearing``)."""

    rfnbo: Literal["nl_obligation", "red3", "none"] = "nl_obligation"
    """RFNBO obligation on industrial hydrogen: the Dutch obligation on industrial users as
    announced in the Green Growth package of April 2025 (4 % in 2030, policy sheet
    rfnbo.nl_obligation_share), the full RED III Art. 22a target placed on industry (42 % in
    2030, 60 % in 2035), or none."""
    refinery_route: Literal["hbe_price", "none"] = "hbe_price"
    """The transport obligation's refinery route (RED III Art. 25(1), in NL with the
    correction factor 1.0 of April 2025): a refinery's renewable hydrogen earns transport
    units, valued at the HBE price per GJ (``hbe_price``, policy sheet
    refinery_route.unit_price, a proxy: the price of the units from 2026 was not found, nor
    the limit the ministry means to put on the route), or nothing (``none``)."""
    refinery_route_scale: Annotated[float, Field(ge=0, le=10), NOT_TINY] = 1.0
    """Multiplier on the value of the refinery route's units (0-10; 1: the HBE proxy): the
    uncertainty of their price, from the HBE price to what an RFNBO costs over grey
    hydrogen."""
    rfnbo_shortfall_cap_scale: Annotated[float, Field(ge=0, le=10), NOT_TINY] = 1.0
    """Multiplier on the most an obligated user pays over grey hydrogen per tonne of RFNBO
    it falls short (0-10; 1: policy sheet rfnbo.shortfall_cap, an assumption: no penalty or
    buy-out of the Dutch obligation was found): the uncertainty of how hard the obligation
    binds."""
    procurement: Annotated[dict[Id, Share], Field(max_length=MAX_ITEMS)] = Field(
        default_factory=dict
    )
    """Public share of each product's domestic use bought low-carbon under green public
    procurement (MKI-scored), per product id; empty: none (minimum MKI requirements from
    2027 are decided, their thresholds are not)."""
    procurement_start_year: RunYear | None = None
    """First year of green public procurement; None: the year minimum MKI requirements become
    mandatory (policy sheet mki.mandatory_start_year, 2027)."""
    mki_shadow_price: Annotated[float, Field(ge=0, le=10_000), NOT_TINY] | None = None
    """Shadow price of climate change in the MKI [EUR/tCO2]; None: the policy sheet's
    mki.shadow_price_climate."""
    labels: Annotated[dict[Id, LabelLever], Field(max_length=MAX_ITEMS)] = Field(
        default_factory=dict
    )
    """Labels per product id: the share of buyers willing to pay and their premium cap; empty:
    none (no sourced figures)."""


_BIDI_CONTROLS: Final = frozenset(map(chr, [*range(0x202A, 0x202F), *range(0x2066, 0x206A)]))
"""Embeddings, overrides and isolates, which reorder the text around them when shown."""


def _plain_text(text: str) -> str:
    """Text without control characters but line breaks and tabs (a NUL; a next-line U+0085
    or line separator U+2028 that YAML turns into another break when the file is read back),
    lone surrogates, or bidirectional controls (a right-to-left override turns the text after
    it around when shown). Joiners and other format characters that scripts and emoji need
    are kept."""
    for i, ch in enumerate(text):
        cat = unicodedata.category(ch)
        if (
            (cat == "Cc" and ch not in "\n\r\t")
            or cat in ("Cs", "Zl", "Zp")
            or ch in _BIDI_CONTROLS
        ):
            raise ValueError(
                f"holds a control or format character (U+{ord(ch):04X}) at position {i + 1}; "
                "use plain text (line breaks and tabs are fine)"
            )
    return text


class ScenarioFile(_Strict):
    """A scenario file: a name, an optional base scenario, and the overrides it makes."""

    name: Name
    """Scenario name (lower case, digits, '-' and '_')."""
    description: Annotated[str, Field(max_length=10_000), AfterValidator(_plain_text)] = ""
    """What the scenario represents and why (cite sources of any figure); at most 10,000
    characters of text: line breaks and tabs, no other control characters and no
    bidirectional controls."""
    base: Name | None = None
    """Name of the scenario whose overrides this one starts from (None: the data package)."""
    expectations: Literal["perfect_foresight", "myopic"] = "perfect_foresight"
    """How plants value the future: announced paths known (perfect foresight) or today's
    prices held (myopic)."""
    seed: Annotated[int, Field(ge=0, le=SEED_MAX)] = 0
    """Seed of every random draw of the run (0 to 4,294,967,295); recorded with the results."""
    start_year: RunYear = FIRST_YEAR
    """First model year (2025-2050: the years of the data package's price and policy paths)."""
    end_year: RunYear = LAST_YEAR
    """Last model year (2025-2050, not before ``start_year``)."""
    decisions_from: RunYear | None = None
    """First year in which plants decide for themselves (switch route, close); in the years
    before it they only follow what the events to date and the commitments record, as history
    (a switch they decide in that year starts after its lead time). None: from the first model
    year. The data package's events were searched to early 2026 (``docs/model.md``)."""
    discount_rate: Annotated[float, Field(ge=0, le=0.3), NOT_TINY] | None = None
    """Cost of capital of the incumbent risk class [fraction/yr]; None: the data package's
    rate, 7 %/yr, the MPP steel model's (policy sheet ``finance.discount_rate``)."""
    branch_profit_scale: Annotated[float, Field(ge=0, le=10), NOT_TINY] = 1.0
    """Multiplier on the operating profit over energy cost of the plants' branches (0-10; 1:
    ``branch_profits.csv``, ABN AMRO on CBS for 2019): the slack of a plant whose product has
    no market price (process heat, paper, glass) before it closes."""
    risk_sharing: Annotated[float, Field(ge=0, le=0.1), NOT_TINY] = 0.0
    """Reduction of the cost of capital of transition routes by government risk sharing
    [fraction/yr]."""
    price_set: Literal["central", "low", "high"] = "central"
    """Which of the data package's price outlooks the scenario takes, for every carrier and the
    EUA: ``central``, ``low`` or ``high`` (the spread of published outlooks, see
    ``data/curated/PRICES.md``); a carrier without a low or high path takes its central one.
    ``eua_price`` and ``carrier_prices`` below override the chosen set."""
    eua_price: EuaPath | None = None
    """EU ETS allowance price path [EUR2025/tCO2], each value at most 10,000; None: the data
    package path of the chosen ``price_set``."""
    eua_price_scale: Scale = 1.0
    """Multiplier on the EUA path."""
    cbam: bool = True
    """CBAM and the phase-out of free allocation for CBAM goods (2026-2034)."""
    ets_rules: Literal["current_law", "proposal_2026"] = "current_law"
    """EU ETS free-allocation and CBAM rules: the Directive as in force (free allocation for
    sectors at risk of carbon leakage until 2030, then falling with the cap to zero in 2039,
    a named assumption), or Proposal COM(2026) 616 as a sensitivity (slower CBAM phase-out to
    2038, allocation until 2040, cap reduction factor 3.7 % from 2031 and 1.7 % from 2036)."""
    ets_after_2030: Literal["falls_with_cap", "ends", "held"] = "falls_with_cap"
    """Free allocation after the last year the ETS rules give it to sectors at risk of carbon
    leakage (2030; 2040 under the proposal): falling with the cap to zero in the cap's zero
    year (2039, the model's named assumption), ending at once (the Directive's letter: no
    basis after 2030), or held at its last level (the model's rule before issue 14, a
    sensitivity)."""
    ets_audit_conditionality: bool = False
    """Withhold 20 % of free allocation from 2026 (Directive 2003/87/EC Art. 10a(1): energy-audit
    recommendations not implemented). Off by default: the model has no data on which
    installations implement their audit measures and assumes all do."""
    co2_heffing: Literal["off", "current", "original"] = "current"
    """Dutch CO2-heffing: off, the current tariff path (BP2026), or the original indexed path."""
    grid_emission_factor: EmissionFactorPath | None = None
    """Emissions of grid electricity [tCO2/MWh] for indirect emissions, each value at most 2;
    None: not computed (the data package has no sourced path)."""
    carrier_prices: Annotated[dict[Id, CarrierPricePath], Field(max_length=MAX_ITEMS)] = Field(
        default_factory=dict
    )
    """Price path overrides per carrier id [EUR2025 per carrier unit], each value at most
    100,000."""
    carrier_price_scale: Annotated[dict[Id, Scale], Field(max_length=MAX_ITEMS)] = Field(
        default_factory=dict
    )
    """Multipliers on carrier price paths, per carrier id."""
    network_tariffs: bool = True
    """Charge the electricity network tariffs of TenneT's EHV/HV grids by connection level
    (``kruispunt.policy.network_tariff``); off: the model before they were added."""
    flexible_transport_right: Literal["time_bound", "firm"] = "time_bound"
    """The transport right a flexible load (hybrid boiler) holds, which sets the share of the
    kW network tariff it pays on its rated power: time_bound (TenneT's time-bound right, the
    kW-contracted half waived: the data package's ``network_tariff.flexible_kw_share``) or
    firm (the whole kW tariff)."""
    commitments: bool = True
    """Keep the projects already decided (the data package's commitments table, e.g. the
    Porthos capture projects from 2027)."""
    events: Literal["decided", "announced", "none"] = "decided"
    """Which events to date (the data package's events table) apply: closures, idling and
    restarts, capacity changes, route changes and campaigns that are decided; also those
    only announced (e.g. Tata Steel's plan for a gas-based DRI plant), with the hydrogen
    supply projects that have neither a final investment decision nor a public award
    (Eneco's electrolyser, HyCC's H2Next, Air Liquide and TotalEnergies in Zeeland); or
    none."""
    routes_off: Annotated[list[Id], Field(max_length=MAX_ITEMS)] = Field(default_factory=list)
    """Route ids or route families (electrification, ccs, hydrogen, import, circular,
    efficiency) that plants may not switch to in this scenario."""
    permits_from: Annotated[dict[Id, RunYear], Field(max_length=MAX_ITEMS)] = Field(
        default_factory=dict
    )
    """First year a plant may decide to build a new installation of each route id or route
    family (2025-2050), in place of the data package's ``new_permits`` path: none before it,
    from it on a permit is granted. ``{biomass_boiler_low: 2030}`` tests a way through the
    nitrogen rulings that stop new solid-biomass boilers (the letter's faster permitting and
    temporary admission of nitrogen deposition); a plant already running a route keeps it.
    A route id wins over its family."""
    demand_scale: Annotated[dict[Id, Scale], Field(max_length=MAX_ITEMS)] = Field(
        default_factory=dict
    )
    """Multipliers on domestic demand per product id (base: base-year production)."""
    green_premium: Annotated[
        dict[Id, Annotated[float, Field(ge=0, le=100_000), NOT_TINY]], Field(max_length=MAX_ITEMS)
    ] = Field(default_factory=dict)
    """Premium paid for low-carbon product under mandates/procurement [EUR per product unit],
    at most 100,000."""
    mandate_share: Annotated[dict[Id, Share], Field(max_length=MAX_ITEMS)] = Field(
        default_factory=dict
    )
    """Share of low-carbon output that earns the green premium, per product id."""
    subsidies: SubsidyLevers = Field(default_factory=SubsidyLevers)
    """Subsidy instruments."""
    demand: DemandLevers = Field(default_factory=DemandLevers)
    """Demand-side instruments (mandates, procurement, labels)."""
    infrastructure: InfrastructureLevers = Field(default_factory=InfrastructureLevers)
    """Infrastructure timing and capacity."""

    @field_validator("end_year")
    @classmethod
    def _years_ordered(cls, end: int, info: object) -> int:
        data = getattr(info, "data", {})
        start = data.get("start_year", FIRST_YEAR)
        if end < start:
            raise ValueError(f"end_year {end} is before start_year {start}")
        return end

    @field_validator("decisions_from")
    @classmethod
    def _decisions_in_run(cls, year: int | None, info: object) -> int | None:
        data = getattr(info, "data", {})
        end = data.get("end_year", LAST_YEAR)
        if year is not None and year > end:
            raise ValueError(
                f"decisions_from {year} is after end_year {end}: plants would decide in no "
                "year of the run"
            )
        return year


def _number_text(value: float) -> str:
    """``2025`` -> ``2025``; ``10000`` -> ``10,000``; ``1e12`` -> ``1e+12``."""
    if float(value).is_integer() and abs(value) < 1e10:
        return f"{int(value):,}" if abs(value) >= 10_000 else str(int(value))
    return f"{value:g}"


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
        text = "{key: " + _type_text(schema.get("additionalProperties", {}), defs) + "}"
        if schema.get("minProperties"):
            text += ", not empty"
        return text
    if kind == "array":
        return "list of " + _type_text(schema.get("items", {}), defs)
    bounds = []
    for key, sign in (
        ("minimum", ">="),
        ("exclusiveMinimum", ">"),
        ("maximum", "<="),
        ("exclusiveMaximum", "<"),
    ):
        if key in schema:
            bounds.append(f"{sign} {_number_text(schema[key])}")
    if "pattern" in schema:
        bounds.append(f"matching `{schema['pattern']}`")
    if "maxLength" in schema:
        bounds.append(f"at most {schema['maxLength']:,} characters")
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
            empty = "`[]`" if prop.get("type") == "array" else "`{}`"
            default = (
                "required"
                if name in required
                else (f"`{prop['default']!r}`" if "default" in prop else empty)
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
        "Types are strict: a number in quotes (`'0.05'`) is text and is refused, `true`/`false`",
        "are not numbers, `.inf` and `.nan` are refused, and every number must lie within the",
        "bounds in the table (wide physical bounds that catch typos such as `1e308`); a number",
        f"other than 0 must be at least {TINY:g}. Numbers may be written with an exponent",
        "(`3e9`, `1.5e+9`). An empty path (`eua_price: {}`) is refused: leave the key out to keep",
        f"the base's path. A run covers years {FIRST_YEAR}-{LAST_YEAR},",
        "the years of the data package's price and policy paths; a path may name years from",
        f"{PATH_YEARS[0]} to {PATH_YEARS[1]} (those outside the run shape its line between the "
        "years given). Money is in euro of 2025,",
        "the model's euro year (the data package's values are converted to it when loaded).",
        "A scenario file may be at",
        f"most {size_text(YAML_MAX_BYTES)} and {YAML_MAX_DEPTH} levels deep, with at most "
        f"{YAML_MAX_NODES:,} YAML nodes counting aliases",
        "as what they stand for (see *Limits* in the [tutorial](tutorial.md#limits)).",
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


_WHOLE = re.compile(r"-?[0-9]+")
"""A whole number written in ASCII digits (``str.isdigit`` also takes ``²`` and other
scripts' digits, which ``int`` does not read)."""


def year_keys(value: Any) -> Any:
    """JSON keys are text: a mapping whose keys are all whole numbers (a time path such as
    ``{"2030": 90}``) gets integer keys, as the same mapping read from a YAML file has."""
    if isinstance(value, Mapping):
        keys = list(value)
        if keys and all(isinstance(k, str) and _WHOLE.fullmatch(k.strip()) for k in keys):
            return {int(k): year_keys(v) for k, v in value.items()}
        return {k: year_keys(v) for k, v in value.items()}
    if isinstance(value, list):
        return [year_keys(v) for v in value]
    return value
