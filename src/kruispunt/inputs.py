"""ModelInputs: everything the engine needs, as labelled NumPy arrays in canonical units.

Built by :func:`kruispunt.assemble.build_inputs` from a catalogue and resolved scenarios;
the engine reads nothing else. ``ModelInputs`` is composed of typed bundles, one per concern
(each built by one module of :mod:`kruispunt.assemble`). Array shapes use these letters:

``S`` scenarios, ``P`` plants (site x product), ``K`` route options per plant, ``R`` routes,
``C`` carriers, ``G`` products, ``L`` clusters, ``Q`` capacity pools, ``Y`` model years.

Units: money EUR of 2025 (:attr:`ModelInputs.euro_year`; the catalogue converted every
monetary value from its source's euro year), mass t, energy GJ,
product quantities in the product's unit (t, or GJ of heat), time yr.

Batching: every field listed in a bundle's ``SCENARIO_FIELDS`` has a leading scenario axis,
and so does every instrument parameter (``instruments[name][param]``); :meth:`select` and
:meth:`concat` slice and join those.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from typing import Any, ClassVar

import numpy as np
import numpy.typing as npt

from kruispunt.units import EURO_YEAR
from kruispunt.vocabulary import HOURS_PER_YEAR

F = npt.NDArray[np.float64]
I = npt.NDArray[np.int64]  # noqa: E741
B = npt.NDArray[np.bool_]


@dataclass(frozen=True)
class Coords:
    """Labels of every axis."""

    scenarios: tuple[str, ...]
    plants: tuple[str, ...]
    """``"<site_id>/<product_id>"``."""
    plant_site: tuple[str, ...]
    plant_sector: tuple[str, ...]
    routes: tuple[str, ...]
    carriers: tuple[str, ...]
    carrier_units: tuple[str, ...]
    carrier_uses: tuple[str, ...]
    """``energy``, ``feedstock`` (non-energy use) or ``material``."""
    products: tuple[str, ...]
    product_units: tuple[str, ...]
    clusters: tuple[str, ...]
    cluster_names: tuple[str, ...]
    years: I
    site_names: tuple[str, ...] = ()
    """Name of each plant's site (empty: the site ids)."""

    SCENARIO_FIELDS: ClassVar[tuple[str, ...]] = ()


@dataclass(frozen=True)
class Routes:
    """Techno-economics of every route, ``[R]`` or ``[R, Y]``."""

    product: I
    family: I
    """Index into :data:`kruispunt.vocabulary.FAMILIES`."""
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
    domestic: B
    """Whether the route's output counts as domestic production of its product (False for
    closure and for importing the product itself)."""
    fixed_opex: F
    """[R, Y] [EUR/(product/yr)/yr]"""
    variable_opex: F
    """[R, Y] [EUR/product], excluding energy and feedstock."""
    emission_factor: F
    """[R, Y] direct emissions before capture [tCO2/product]."""
    capture_rate: F
    """[R, Y] share of direct emissions captured [-]."""
    inputs: F
    """[R, C, Y] input per unit of product [carrier/product]."""
    exports: F | None = None
    """[R, C, Y] carrier a route exports per unit of product, sold at the carrier's market
    price (the freed fuel gas of an electric cracker) [carrier/product]; not a use (no tax,
    no energy demand). None: nothing exported."""
    excluded: tuple[str, ...] = ()
    """Routes of the data package left out (incomplete data or an unpriced input)."""
    rated_power: F | None = None
    """[R, Y] electricity the route draws at full load per unit of annual product, the
    grid capacity it needs [GJ/product] (None: its electricity input; a flexible load: its
    use on power alone, the rated power of its electric boiler)."""
    power_share: F | None = None
    """[R, Y] share of the year a flexible load runs on power (None or 0: not flexible)."""
    firm_power: F | None = None
    """[R, Y] the part of a flexible load's rated power it draws in every hour, on power or
    on gas (a heat pump beside a hybrid boiler, route parameter ``base_electricity``)
    [GJ/product]: a flat load within it, charged as one (None: none)."""
    price_weight: F | None = None
    """[R, C, Y] price a route pays per unit of each carrier relative to the market's yearly
    average (a flexible load buys its power in the cheapest hours); None: 1."""
    own_hydrogen: F | None = None
    """[R, Y] hydrogen the plant makes in its own electrolyser per unit of product [GJ/product]
    (route parameter ``own_electrolysis_share``): not bought, its electricity is in
    ``inputs``; it counts as hydrogen use (supply pool, RFNBO obligation). None: none."""
    electrolyser_capex: F | None = None
    """[R, Y] the part of ``capex`` that is the own electrolyser [EUR/(product/yr)]: not paid
    again by a plant whose current route already makes as much hydrogen in its own
    electrolyser (the electrolyser is kept). None: none."""
    retrofit_pair: I | None = None
    """[R, R] row of :attr:`retrofit_capex` where the route (first index) is a retrofit of
    the base route (second index) on the same physical plant (``route_retrofits.csv``),
    else -1: a plant on the base that moves to the route keeps its asset (vintage, renewal
    year, book value) and pays only the added capex. None: no route is a retrofit."""
    retrofit_capex: F | None = None
    """[n, Y] capex added to the running plant by each retrofit pair of
    :attr:`retrofit_pair` [EUR/(product/yr)]."""
    retrofit_only: B | None = None
    """[R] route reached only by retrofitting a running plant of a route it retrofits
    (:attr:`retrofit_pair`), never built in one step from another route (route parameter
    ``retrofit_only``: capture on Tata Steel's gas DRI plant, added after it starts on gas).
    None: none."""
    permitted: B | None = None
    """[R, Y] whether a plant may decide in the year to build the route new (route parameter
    ``new_permits``: no permit for new solid-biomass combustion since the nitrogen rulings);
    a plant already running it keeps it. None: every route in every year."""

    SCENARIO_FIELDS: ClassVar[tuple[str, ...]] = ()


@dataclass(frozen=True)
class Plants:
    """Every plant ``[P]``: a product made at a site."""

    product: I
    cluster: I
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
    options: I
    """[P, K] route indices open to the plant (-1: padding); option 0 is the incumbent."""
    operating_hours: F | None = None
    """Hours a year the plant runs at its load [h/yr] (a sugar factory's beet campaign):
    its grid connection and network tariff are sized for its production over these hours
    (:meth:`load_hours`). None: every plant all year (8,760 h)."""

    SCENARIO_FIELDS: ClassVar[tuple[str, ...]] = ()

    def load_hours(self) -> F:
        """Hours a year each plant runs ``(P,)`` [h/yr]: :attr:`operating_hours`, 8,760
        where not given."""
        if self.operating_hours is None:
            return np.full(len(self.capacity), HOURS_PER_YEAR)
        return np.asarray(self.operating_hours, dtype=np.float64)


@dataclass(frozen=True)
class Carriers:
    """Carrier attributes ``[C]``."""

    is_electricity: B
    is_hydrogen: B
    is_biomass: B
    """Carriers drawn from the biomass supply (solid biomass)."""
    embedded: F
    """Embedded emissions of an imported material, charged by CBAM [tCO2/carrier] (0 for
    energy carriers)."""
    cbam: B
    """Whether the carrier is a CBAM good when imported."""
    good: I
    """Index of the product an imported carrier is as a CBAM good (``carriers.csv``
    ``cbam_good``), whose CBAM benchmark adjusts its charge; -1 for none."""

    SCENARIO_FIELDS: ClassVar[tuple[str, ...]] = ()


@dataclass(frozen=True)
class Products:
    """Product attributes ``[G]``."""

    cbam: B
    """Whether the product is a CBAM good (free allocation phased out 2026-2034)."""
    heat: B
    """Whether the product is process heat (measured in GJ)."""

    SCENARIO_FIELDS: ClassVar[tuple[str, ...]] = ()


@dataclass(frozen=True)
class Markets:
    """Market paths per scenario."""

    price: F
    """[S, C, Y] carrier price [EUR/carrier]."""
    eua: F
    """[S, Y] EU ETS allowance price [EUR/tCO2]."""
    co2_ts_cost: F
    """[S, Y] cost of transporting and storing captured CO2 [EUR/tCO2]."""
    grid_emission_factor: F
    """[S, Y] emissions of grid electricity [tCO2/GJ] (NaN: not computed)."""
    demand_scale: F
    """[S, G, Y] demand relative to base-year production [-]."""
    plant_price: F
    """[S, P] revenue per unit of each plant's product in the first model year
    [EUR/product] (calibrated: see :mod:`kruispunt.assemble.calibration`)."""

    SCENARIO_FIELDS: ClassVar[tuple[str, ...]] = (
        "price",
        "eua",
        "co2_ts_cost",
        "grid_emission_factor",
        "demand_scale",
        "plant_price",
    )


@dataclass(frozen=True)
class Finance:
    """Cost of capital and expectations per scenario."""

    discount_rate: F
    """[S] cost of capital of the incumbent risk class [1/yr]."""
    risk_sharing: F
    """[S] reduction of the cost of capital of low-carbon routes [1/yr]."""
    myopic: B
    """[S] True: plants expect today's values to hold."""

    SCENARIO_FIELDS: ClassVar[tuple[str, ...]] = ("discount_rate", "risk_sharing", "myopic")


@dataclass(frozen=True)
class Pools:
    """Scarce capacity: grid per cluster, each CO2 storage project, hydrogen per cluster, and
    the biomass supply (a cluster's own, then the national one)."""

    names: tuple[str, ...]
    """``"<resource>/<name>"``."""
    resource: I
    """[Q] index into :data:`kruispunt.vocabulary.RESOURCES`."""
    host: I
    """[Q] cluster the pool is reported under (where the project is; a national pool under
    :data:`kruispunt.assemble.pools.NATIONAL_HOST`)."""
    capacity: F
    """[S, Q, Y] capacity: grid for new load [MW], CO2 storage [tCO2/yr], hydrogen
    [carrier/yr]; inf where unconstrained."""
    access: I
    """[S, Q, L] first year plants of a cluster may use the pool (a large number: never)."""
    plants: B
    """[Q, P] plants that may use the pool at all (a contract may name one site)."""
    hydrogen_year: I
    """[S, L] first year the cluster is connected to the hydrogen network."""
    step_quantity: F
    """[S, Q, N] the pool's supply curve: quantity of each price step, cheapest first
    [resource unit/yr]; one step of ``inf`` for a pool without price steps."""
    step_price: F
    """[S, Q, N] price of each step on top of the carrier's market price [EUR/carrier];
    every user of a pool pays the price of the highest step the year's use reaches."""

    SCENARIO_FIELDS: ClassVar[tuple[str, ...]] = (
        "capacity",
        "access",
        "hydrogen_year",
        "step_quantity",
        "step_price",
    )


@dataclass(frozen=True)
class Levers:
    """Scenario levers that act on the plants directly."""

    route_allowed: B
    """[S, R] routes plants may switch to in each scenario (today's routes always run)."""
    commit_route: I
    """[S, P] route a plant has already decided to switch to (-1: none)."""
    commit_year: I
    """[S, P] first year the committed route runs."""
    follow_route: I
    """[S, P] route a plant has decided to switch to after its committed one (-1: none):
    a second decided project of the same plant in a later year (no plant of the data has one
    since Dec 2026: Shell Pernis's Porthos capture and Holland Hydrogen 1 start together in
    2027, one route)."""
    follow_year: I
    """[S, P] first year the follow-up route runs."""
    hold_year: I
    """[S, P] first year a new route may start (events of kind ``campaign``: the plant's
    asset was renewed for a campaign ending then; 0: no campaign). Closure stays open."""
    decide_from: I
    """[S] first year plants decide for themselves (scenario ``decisions_from``; before it
    only the current route, the events and the commitments run; 0: from the first year)."""
    commit_grant: F
    """[S, P] public money agreed for a plant's committed project (maatwerk rows of the events
    the scenario applies, for a plant with a committed route) [EUR]: its asset is booked net
    of it."""
    seeds: I
    """[S] seed of each scenario."""
    availability: F
    """[S, P, Y] share of each plant's base output it can run in the year (events: 0 while
    idled, a capacity change scales it) [-]."""
    permits_from: I
    """[S, R] first year a plant may decide to build the route new (scenario ``permits_from``:
    none before, a permit from then on), in place of :attr:`Routes.permitted`; -1: the data
    package's path. Read through :func:`permitted`."""

    SCENARIO_FIELDS: ClassVar[tuple[str, ...]] = (
        "route_allowed",
        "commit_route",
        "commit_year",
        "follow_route",
        "follow_year",
        "hold_year",
        "decide_from",
        "commit_grant",
        "seeds",
        "availability",
        "permits_from",
    )


@dataclass(frozen=True)
class FlexibleMix:
    """Each scenario's yearly mix of the flexible loads (routes marked ``flexible_load``:
    hybrid boilers) over their ``n`` routes, ``[S, n, ...]``: set from the scenario's own
    prices and instrument paths (:mod:`kruispunt.assemble.flexible`). :class:`Routes` holds
    the mix at the data package's reference prices and instruments, for readers without a
    scenario (validation, the SDE++ category's reference installation)."""

    flexible: B
    """[R] whether each route is a flexible load (the ``n`` routes below, in route order)."""
    share: F
    """[S, n, Y] share of the year the route runs on power [-]."""
    inputs: F
    """[S, n, C, Y] input per unit of product, in the scenario's mix [carrier/product]."""
    emission_factor: F
    """[S, n, Y] direct emissions before capture, in the scenario's mix [tCO2/product]."""
    price_weight: F
    """[S, n, C, Y] price the route pays per unit of each carrier relative to the market's
    yearly average (:attr:`Routes.price_weight`) [-]."""

    SCENARIO_FIELDS: ClassVar[tuple[str, ...]] = (
        "share",
        "inputs",
        "emission_factor",
        "price_weight",
    )

    @property
    def routes(self) -> I:
        """[n] index of each flexible route."""
        return np.flatnonzero(self.flexible).astype(np.int64)


_BUNDLES = (Routes, Plants, Carriers, Products, Markets, Finance, Pools, Levers, FlexibleMix)
Params = dict[str, dict[str, npt.NDArray[Any]]]
"""Instrument parameters: ``params[instrument][parameter]``, each with a leading scenario
axis."""


def _select(bundle: Any, idx: npt.NDArray[np.intp]) -> Any:
    changes: dict[str, Any] = {name: getattr(bundle, name)[idx] for name in bundle.SCENARIO_FIELDS}
    return replace(bundle, **changes)


def _concat(bundles: list[Any]) -> Any:
    first = bundles[0]
    changes: dict[str, Any] = {
        name: np.concatenate([getattr(b, name) for b in bundles], axis=0)
        for name in first.SCENARIO_FIELDS
    }
    return replace(first, **changes)


@dataclass(frozen=True)
class ModelInputs:
    """Inputs of a run over ``S`` scenarios, in canonical units, composed of bundles."""

    coords: Coords
    routes: Routes
    plants: Plants
    carriers: Carriers
    products: Products
    markets: Markets
    finance: Finance
    pools: Pools
    levers: Levers
    instruments: Params
    """Parameters of each policy instrument (``kruispunt.policy``), by instrument name."""
    emission_target: F
    """[Y] national industry emission target [tCO2/yr] (NaN: none)."""
    scenario_json: tuple[str, ...] = ()
    """Resolved scenario of each run, as JSON (provenance)."""
    data_hash: str = ""
    euro_year: int = EURO_YEAR
    """Euro year of every monetary input (and so of every monetary result)."""
    attrs: dict[str, Any] = field(default_factory=dict)
    flexible: FlexibleMix | None = None
    """Each scenario's mix of the flexible loads (None: no flexible load, or every scenario
    at the mix :attr:`routes` holds)."""

    @property
    def n_scenarios(self) -> int:
        return len(self.coords.scenarios)

    def permitted(self, t: int) -> B | None:
        """Whether a plant may decide in year index ``t`` to build each route new ``(S, R)``,
        or ``(1, R)`` when no scenario sets its own ``permits_from`` (the data package's
        ``new_permits`` path, :attr:`Routes.permitted`, alike in every scenario); None: every
        route is permitted."""
        data = self.routes.permitted
        base = None if data is None else data[:, t][None]
        own = self.levers.permits_from >= 0
        if not own.any():
            return base
        year = int(self.coords.years[t])
        mine = year >= self.levers.permits_from
        return np.where(own, mine, True if base is None else base)

    @property
    def n_options(self) -> int:
        return int(self.plants.options.shape[1])

    def select(self, index: npt.ArrayLike) -> ModelInputs:
        """The inputs of a subset of scenarios (by position)."""
        idx = np.atleast_1d(np.asarray(index, dtype=np.intp))
        coords = replace(self.coords, scenarios=tuple(self.coords.scenarios[i] for i in idx))
        changes: dict[str, Any] = {"coords": coords}
        if self.scenario_json:
            changes["scenario_json"] = tuple(self.scenario_json[i] for i in idx)
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, _BUNDLES):
                changes[f.name] = _select(value, idx)
        changes["instruments"] = {
            name: {k: v[idx] for k, v in params.items()}
            for name, params in self.instruments.items()
        }
        return replace(self, **changes)

    def concat(self, others: list[ModelInputs]) -> ModelInputs:
        """Inputs of several batches joined along the scenario axis."""
        allin = [self, *others]
        coords = replace(self.coords, scenarios=tuple(s for x in allin for s in x.coords.scenarios))
        changes: dict[str, Any] = {
            "coords": coords,
            "scenario_json": tuple(s for x in allin for s in x.scenario_json),
        }
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, _BUNDLES):
                changes[f.name] = _concat([getattr(x, f.name) for x in allin])
        changes["instruments"] = {
            name: {
                k: np.concatenate([x.instruments[name][k] for x in allin], axis=0) for k in params
            }
            for name, params in self.instruments.items()
        }
        return replace(self, **changes)

    def check(self) -> None:
        """Raise ValueError if a scenario array does not lead with ``S`` rows."""
        S = self.n_scenarios
        for f in fields(self):
            value = getattr(self, f.name)
            for name in getattr(value, "SCENARIO_FIELDS", ()):
                arr = getattr(value, name)
                if arr.shape[:1] != (S,):
                    raise ValueError(f"{f.name}.{name} has shape {arr.shape}; expected ({S}, ...)")
        for inst, params in self.instruments.items():
            for name, arr in params.items():
                if arr.shape[:1] != (S,):
                    raise ValueError(
                        f"instruments[{inst!r}][{name!r}] has shape {arr.shape}; expected "
                        f"({S}, ...)"
                    )
