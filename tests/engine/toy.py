"""Tiny hand-checkable ModelInputs: one product, one or more plants, a few routes."""

from __future__ import annotations

from typing import Any

import numpy as np

from kruispunt.inputs import FAMILY, ModelInputs

YEARS = np.arange(2025, 2051)


def path(values: Any, years: np.ndarray = YEARS) -> np.ndarray:
    """A path over the model years from a scalar, a list or {year: value} (linear)."""
    if isinstance(values, dict):
        xs = sorted(values)
        return np.interp(years, xs, [values[x] for x in xs])
    arr = np.asarray(values, dtype=float)
    return np.broadcast_to(arr, years.shape).astype(float).copy()


def toy_inputs(
    *,
    n_scenarios: int = 1,
    n_plants: int = 1,
    eua: Any = 0.0,
    gas_price: Any = 10.0,
    elec_price: Any = 20.0,
    product_price: float = 1000.0,
    capex_elec: float = 500.0,
    lifetime: float = 20.0,
    lead_time: int = 0,
    earliest_elec: int = 2025,
    discount_rate: float = 0.10,
    myopic: bool = True,
    base_free_allocation: float = 0.0,
    sde_budget: Any = 0.0,
    sde_max: Any = 0.0,
    grid_capacity: float = np.inf,
    capacity: float | np.ndarray = 1.0e6,
    ccs: bool = False,
    co2_capacity: float = np.inf,
    **overrides: Any,
) -> ModelInputs:
    """One product 'widget' [t]; routes gas (incumbent, 1 tCO2/t, 10 GJ gas/t), elec (0 tCO2/t,
    3 MWh/t = 10.8 GJ/t) and, if ``ccs``, gas_ccs (90 % capture, 11 GJ gas/t); closure."""
    S, P = n_scenarios, n_plants
    Y = len(YEARS)
    routes = ["gas", "elec", "widget_closure"] + (["gas_ccs"] if ccs else [])
    R = len(routes)
    fam = [FAMILY["incumbent"], FAMILY["electrification"], FAMILY["closure"]] + (
        [FAMILY["ccs"]] if ccs else []
    )
    carriers = ("natural_gas", "electricity")
    inputs = np.zeros((R, 2, Y))
    inputs[0, 0] = 10.0
    inputs[1, 1] = 10.8
    ef = np.zeros((R, Y))
    ef[0] = 1.0
    capture = np.zeros((R, Y))
    capex = np.zeros((R, Y))
    capex[1] = capex_elec
    if ccs:
        inputs[3, 0] = 11.0
        ef[3] = 1.1
        capture[3] = 0.9
        capex[3] = overrides.pop("capex_ccs", 300.0)
    cap = np.broadcast_to(np.asarray(capacity, dtype=float), (P,)).copy()
    price = np.zeros((S, 2, Y))
    price[:, 0] = path(gas_price)
    price[:, 1] = path(elec_price)
    pool_capacity = np.zeros((S, 3, Y))
    pool_capacity[:, 0, :] = grid_capacity
    pool_capacity[:, 1, :] = path(co2_capacity)
    pool_capacity[:, 2, :] = np.inf
    kwargs: dict[str, Any] = dict(
        scenarios=tuple(f"s{i}" for i in range(S)),
        plants=tuple(f"site{p}/widget" for p in range(P)),
        plant_site=tuple(f"site{p}" for p in range(P)),
        plant_sector=("chemicals",) * P,
        routes=tuple(routes),
        carriers=carriers,
        products=("widget",),
        product_units=("t",),
        clusters=("cluster",),
        years=YEARS,
        plant_product=np.zeros(P, dtype=np.int64),
        plant_cluster=np.zeros(P, dtype=np.int64),
        capacity=cap,
        base_production=cap.copy(),
        base_emissions=cap.copy() * 1.0,
        base_free_allocation=np.full(P, base_free_allocation),
        incumbent=np.zeros(P, dtype=np.int64),
        reinvestment_year=np.zeros(P, dtype=np.int64),
        ikc_eligible=np.zeros(P, dtype=bool),
        options=np.tile(np.arange(R, dtype=np.int64), (P, 1)),
        route_product=np.zeros(R, dtype=np.int64),
        family=np.array(fam, dtype=np.int64),
        lifetime=np.full(R, lifetime),
        lead_time=np.full(R, lead_time, dtype=np.int64) * (np.array(fam) != FAMILY["incumbent"]),
        earliest_year=np.array(
            [2000, earliest_elec, 2000] + ([2025] if ccs else []), dtype=np.int64
        ),
        capex=capex,
        capex_renewal=capex.copy(),
        fixed_opex=np.zeros((R, Y)),
        variable_opex=np.zeros((R, Y)),
        emission_factor=ef,
        capture_rate=capture,
        route_inputs=inputs,
        route_domestic=np.array([f != FAMILY["closure"] for f in fam]),
        carrier_embedded=np.zeros(2),
        carrier_cbam=np.zeros(2, dtype=bool),
        carrier_is_electricity=np.array([False, True]),
        carrier_is_hydrogen=np.array([False, False]),
        price=price,
        energy_tax=np.zeros((S, 2, Y)),
        tax_thresholds=np.full((2, 3), np.nan),
        tax_rates=np.zeros((2, 4, Y)),
        eua=np.tile(path(eua), (S, 1)),
        cbam_factor=np.ones((S, Y)),
        co2_ts_cost=np.zeros((S, Y)),
        free_allocation_factor=np.ones((S, 1, Y)),
        levy_tariff=np.zeros((S, Y)),
        levy_reduction_factor=np.ones((S, Y)),
        grid_emission_factor=np.zeros((S, Y)),
        discount_rate=np.full(S, discount_rate),
        risk_sharing=np.zeros(S),
        myopic=np.full(S, myopic),
        plant_price=np.full((S, P), float(product_price)),
        price_uplift=np.zeros((S, 1, Y)),
        green_premium=np.zeros((S, 1)),
        mandate_share=np.zeros((S, 1)),
        demand_scale=np.ones((S, 1, Y)),
        sde_budget=np.tile(path(sde_budget), (S, 1)),
        sde_max_per_t=np.tile(path(sde_max), (S, 1)),
        sde_duration=np.full(S, 15.0),
        grant_budget=np.zeros((S, Y)),
        grant_share=np.zeros(S),
        ccfd_strike=np.full(S, np.nan),
        ccfd_budget=np.zeros(S),
        ccfd_duration=np.full(S, 15.0),
        ikc_aid_intensity=np.zeros((S, Y)),
        ikc_co2_factor=np.zeros((S, Y)),
        ikc_budget=np.full((S, Y), np.inf),
        ikc_paid_share=np.ones((S, Y)),
        pool_names=("grid/cluster", "co2_storage/store", "hydrogen/cluster"),
        pool_resource=np.array([0, 1, 2]),
        pool_host=np.zeros(3, dtype=np.int64),
        pool_capacity=pool_capacity,
        pool_access=np.zeros((S, 3, 1), dtype=np.int64),
        pool_plants=np.ones((3, P), dtype=bool),
        hydrogen_year=np.full((S, 1), 2000, dtype=np.int64),
        emission_target=np.full(Y, np.nan),
        seeds=np.zeros(S, dtype=np.int64),
        route_allowed=np.ones((S, R), dtype=bool),
        commit_route=np.full((S, P), -1, dtype=np.int64),
        commit_year=np.zeros((S, P), dtype=np.int64),
    )
    kwargs.update(overrides)
    return ModelInputs(**kwargs)
