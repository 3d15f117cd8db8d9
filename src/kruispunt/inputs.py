"""ModelInputs: everything the engine needs, as labelled NumPy arrays in canonical units.

Built by :func:`kruispunt.assemble.build_inputs` from a catalogue and resolved scenarios;
the engine reads nothing else. Array shapes use these letters:

``S`` scenarios, ``P`` plants (site x product), ``K`` route options per plant, ``R`` routes,
``C`` carriers, ``G`` products, ``L`` clusters, ``Y`` model years.

Units: money EUR (the currency year of the sources; no deflation), mass t, energy GJ,
product quantities in the product's unit (t, or GJ of heat), time yr.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from typing import Any

import numpy as np
import numpy.typing as npt
import xarray as xr

from kruispunt import dims

F = npt.NDArray[np.float64]
I = npt.NDArray[np.int64]  # noqa: E741
B = npt.NDArray[np.bool_]

FAMILIES = (
    "incumbent",
    "efficiency",
    "electrification",
    "ccs",
    "hydrogen",
    "import",
    "circular",
    "closure",
)
"""Route families; ``family`` arrays hold indices into this tuple."""
FAMILY = {name: i for i, name in enumerate(FAMILIES)}
LOW_CARBON_FAMILIES = ("electrification", "ccs", "hydrogen", "circular")
NEVER = 10_000
"""A year that never comes (no access, no connection)."""

GJ_PER_MWH = 3.6
HOURS_PER_YEAR = 8760.0


@dataclass(frozen=True)
class ModelInputs:
    """Inputs of a run over ``S`` scenarios. Every array is in canonical units.

    Coordinates
    -----------
    scenarios, plants, plant_site, plant_product, plant_cluster, plant_sector, routes,
    carriers, products, clusters, years : label arrays.
    """

    # coordinates
    scenarios: tuple[str, ...]
    plants: tuple[str, ...]
    plant_site: tuple[str, ...]
    plant_sector: tuple[str, ...]
    routes: tuple[str, ...]
    carriers: tuple[str, ...]
    products: tuple[str, ...]
    product_units: tuple[str, ...]
    clusters: tuple[str, ...]
    years: I

    # plants [P]
    plant_product: I
    """Product index of each plant."""
    plant_cluster: I
    """Cluster index of each plant."""
    capacity: F
    """Production capacity [product/yr]."""
    base_production: F
    """Base-year production [product/yr]."""
    base_emissions: F
    """Base-year verified emissions attributed to the plant [tCO2/yr]."""
    base_free_allocation: F
    """Base-year free allocation attributed to the plant [tCO2/yr]."""
    incumbent: I
    """Route index of today's route."""
    reinvestment_year: I
    """Year the current asset must be renewed (0: not known)."""
    ikc_eligible: B
    """Whether the plant's sector is eligible for indirect cost compensation."""
    options: I
    """[P, K] route indices open to the plant (-1: padding); option 0 is the incumbent."""

    # routes [R] and [R, Y]
    route_product: I
    family: I
    lifetime: F
    """[yr]"""
    lead_time: I
    """[yr]"""
    earliest_year: I
    capex: F
    """[R, Y] investment to switch an existing plant to the route, per unit of annual capacity
    [EUR/(product/yr)] (retrofit cost where the data give one, else greenfield)."""
    capex_renewal: F
    """[R, Y] investment to renew the route's own asset at the end of its life
    [EUR/(product/yr)]."""
    route_domestic: B
    """[R] whether the route's output counts as domestic production of its product (False for
    closure and for importing the product itself)."""
    fixed_opex: F
    """[R, Y] [EUR/(product/yr)/yr]"""
    variable_opex: F
    """[R, Y] [EUR/product], excluding energy and feedstock."""
    emission_factor: F
    """[R, Y] direct emissions before capture [tCO2/product]."""
    capture_rate: F
    """[R, Y] share of direct emissions captured [-]."""
    route_inputs: F
    """[R, C, Y] input per unit of product [carrier/product]."""

    # carriers [C]
    carrier_embedded: F
    """Embedded emissions of imported intermediates, charged by CBAM [tCO2/carrier]."""
    carrier_cbam: B
    """Whether the carrier is a CBAM good."""
    carrier_is_electricity: B
    carrier_is_hydrogen: B

    # scenario paths
    price: F
    """[S, C, Y] carrier price [EUR/carrier]."""
    energy_tax: F
    """[S, C, Y] marginal energy tax per unit of carrier for a large user (top bracket), used
    to value options [EUR/carrier]."""
    tax_thresholds: F
    """[C, 3] upper bounds of the energy-tax brackets [carrier/yr] (NaN: no brackets)."""
    tax_rates: F
    """[C, 4, Y] energy-tax rate per bracket [EUR/carrier], for the yearly accounting."""
    eua: F
    """[S, Y] EU ETS allowance price [EUR/tCO2]."""
    cbam_factor: F
    """[S, Y] free-allocation factor of CBAM goods; CBAM charges the rest [-]."""
    co2_ts_cost: F
    """[S, Y] cost of transporting and storing captured CO2 [EUR/tCO2]."""
    free_allocation_factor: F
    """[S, G, Y] factor on base free allocation per unit of product (CBAM phase-out,
    benchmark decline) [-]."""
    levy_tariff: F
    """[S, Y] CO2-heffing tariff [EUR/tCO2] (0: off)."""
    levy_reduction_factor: F
    """[S, Y] dispensation rights per unit of base free allocation [-]."""
    grid_emission_factor: F
    """[S, Y] emissions of grid electricity [tCO2/GJ]."""
    discount_rate: F
    """[S] cost of capital of the incumbent risk class [1/yr]."""
    risk_sharing: F
    """[S] reduction of the cost of capital of low-carbon routes [1/yr]."""
    myopic: B
    """[S] True: plants expect today's values to hold."""
    plant_price: F
    """[S, P] revenue per unit of each plant's product in the first model year
    [EUR/product] (calibrated: see ``kruispunt.assemble``)."""
    price_uplift: F
    """[S, G, Y] change of the import-parity price from the first model year, e.g. CBAM on
    imports as free allocation is phased out [EUR/product]."""
    green_premium: F
    """[S, G] premium for low-carbon product [EUR/product]."""
    mandate_share: F
    """[S, G] share of low-carbon output that earns the premium [-]."""
    demand_scale: F
    """[S, G, Y] demand relative to base-year production [-]."""
    sde_budget: F
    """[S, Y] SDE++ round budget [EUR] (0: no round)."""
    sde_max_per_t: F
    """[S, Y] highest subsidy intensity of the round [EUR/tCO2]."""
    sde_duration: F
    """[S] subsidy duration [yr]."""
    grant_budget: F
    """[S, Y] capex grant budget [EUR]."""
    grant_share: F
    """[S] share of capex a grant pays [-]."""
    ccfd_strike: F
    """[S] CCfD strike price [EUR/tCO2] (NaN: none)."""
    ccfd_budget: F
    """[S] CCfD budget over the contract [EUR]."""
    ccfd_duration: F
    """[S] [yr]"""
    ikc_aid_intensity: F
    """[S, Y] share of indirect costs compensated [-] (0: off)."""
    ikc_co2_factor: F
    """[S, Y] CO2 intensity of power used for IKC [tCO2/MWh]."""
    ikc_budget: F
    """[S, Y] IKC budget [EUR] (inf: no cap)."""
    ikc_paid_share: F
    """[S, Y] share of base-year IKC claims the year's budget covers (what plants expect)."""
    pool_names: tuple[str, ...]
    """Capacity pools, ``"<resource>/<name>"``: grid per cluster, each CO2 storage project,
    hydrogen supply per cluster."""
    pool_resource: I
    """[Q] index into RESOURCES."""
    pool_host: I
    """[Q] cluster the pool is reported under (where the project is)."""
    pool_capacity: F
    """[S, Q, Y] capacity: grid for new load [MW], CO2 storage [tCO2/yr], hydrogen
    [carrier/yr]; inf where unconstrained."""
    pool_access: I
    """[S, Q, L] first year plants of a cluster may use the pool (a large number: never)."""
    pool_plants: B
    """[Q, P] plants that may use the pool at all (a contract may name one site)."""
    hydrogen_year: I
    """[S, L] first year the cluster is connected to the hydrogen network."""
    emission_target: F
    """[Y] national industry emission target [tCO2/yr] (NaN: none)."""
    seeds: I
    """[S] seed of each scenario."""
    route_allowed: B
    """[S, R] routes plants may switch to in each scenario (today's routes always run)."""
    commit_route: I
    """[S, P] route a plant has already decided to switch to (-1: none)."""
    commit_year: I
    """[S, P] first year the committed route runs."""
    scenario_json: tuple[str, ...] = ()
    """Resolved scenario of each run, as JSON (provenance)."""
    attrs: dict[str, Any] = field(default_factory=dict)

    @property
    def n_options(self) -> int:
        return int(self.options.shape[1])

    def select(self, index: npt.ArrayLike) -> ModelInputs:
        """The inputs of a subset of scenarios (by position)."""
        idx = np.atleast_1d(np.asarray(index))
        changes: dict[str, Any] = {"scenarios": tuple(self.scenarios[i] for i in idx)}
        if self.scenario_json:
            changes["scenario_json"] = tuple(self.scenario_json[i] for i in idx)
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, np.ndarray) and f.name in SCENARIO_ARRAYS:
                changes[f.name] = value[idx]
        return replace(self, **changes)

    def concat(self, others: list[ModelInputs]) -> ModelInputs:
        """Inputs of several batches joined along the scenario axis."""
        allin = [self, *others]
        changes: dict[str, Any] = {
            "scenarios": tuple(s for x in allin for s in x.scenarios),
            "scenario_json": tuple(s for x in allin for s in x.scenario_json),
        }
        for name in SCENARIO_ARRAYS:
            changes[name] = np.concatenate([getattr(x, name) for x in allin], axis=0)
        return replace(self, **changes)

    def to_dataset(self) -> xr.Dataset:
        """The scenario-dependent paths as a labelled dataset (for inspection)."""
        coords = {
            dims.SCENARIO: list(self.scenarios),
            dims.YEAR: self.years,
            dims.CARRIER: list(self.carriers),
            dims.PRODUCT: list(self.products),
        }
        ds = xr.Dataset(coords=coords)
        ds["price"] = ((dims.SCENARIO, dims.CARRIER, dims.YEAR), self.price)
        ds["eua"] = ((dims.SCENARIO, dims.YEAR), self.eua)
        ds["price_uplift"] = ((dims.SCENARIO, dims.PRODUCT, dims.YEAR), self.price_uplift)
        ds["free_allocation_factor"] = (
            (dims.SCENARIO, dims.PRODUCT, dims.YEAR),
            self.free_allocation_factor,
        )
        return ds


SCENARIO_ARRAYS = (
    "price",
    "energy_tax",
    "eua",
    "cbam_factor",
    "free_allocation_factor",
    "levy_tariff",
    "levy_reduction_factor",
    "grid_emission_factor",
    "discount_rate",
    "risk_sharing",
    "myopic",
    "plant_price",
    "price_uplift",
    "green_premium",
    "mandate_share",
    "demand_scale",
    "sde_budget",
    "sde_max_per_t",
    "sde_duration",
    "grant_budget",
    "grant_share",
    "ccfd_strike",
    "ccfd_budget",
    "ccfd_duration",
    "ikc_aid_intensity",
    "ikc_co2_factor",
    "ikc_budget",
    "ikc_paid_share",
    "pool_capacity",
    "pool_access",
    "hydrogen_year",
    "seeds",
    "route_allowed",
    "co2_ts_cost",
    "commit_route",
    "commit_year",
)
"""Arrays with a leading scenario axis (``tests/engine/test_inputs.py`` checks the list is
complete: a missing name would break batching)."""
