"""Frozen, strict models of a scenario file. Unknown keys fail; field docs become the reference.

A scenario is a named set of *overrides* of the data package's values (the base): it restates
nothing else. ``base`` names another scenario whose overrides it starts from.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

Year = Annotated[int, Field(ge=2000, le=2100)]
NonNegative = Annotated[float, Field(ge=0)]
Share = Annotated[float, Field(ge=0, le=1)]
Scale = Annotated[float, Field(ge=0, le=100)]
Path = dict[Year, NonNegative]
"""A time path: {year: value}; straight lines between years, flat before/after."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=False)


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
    """Cost of capital of the incumbent risk class [fraction/yr]; None: the data package."""
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
