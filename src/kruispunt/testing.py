"""Test helpers: a small synthetic :class:`~kruispunt.results.Results` and exact assertions.

:func:`synthetic_results` builds results that honour the result contract
(``kruispunt/schemas/results.csv``) and its accounting identities without running the
engine, so metrics, the store, exports and reports can be tested on their own. The numbers
are invented: they have realistic orders of magnitude but are not data and must never be
quoted.

Identities that hold in every synthetic result
----------------------------------------------
- ``imports == demand - domestic production`` per scenario, product and year;
- ``direct_emissions == gross emissions - captured_co2`` and ``stored_co2 == captured_co2``;
- ``infra_use <= infra_capacity`` for every cluster, resource and year;
- one pool per resource and cluster (``"<resource>/<cluster>"``), its ``pool_capacity`` and
  ``pool_use`` that cluster's ``infra_capacity`` and ``infra_use``;
- ``electric_load == energy[electricity] / 3.6 / 8760`` (GJ/yr to MW);
- hydrogen ``infra_use == energy[hydrogen]`` summed over the cluster's plants (both GJ/yr),
  and biomass ``infra_use == energy[biomass]`` likewise;
- the government's subsidy outlays (``sde``, ``ccfd``, ``ikc``, ``grant``) add up to minus
  the plants' ``subsidies``; ``co2_levy_revenue`` and ``energy_tax_revenue`` equal the sums
  of ``co2_levy`` and ``energy_tax`` over plants;
- a closed plant produces nothing and uses no energy.

Optional coordinates
--------------------
Besides the contract, synthetic results carry the descriptive coordinates that
:mod:`kruispunt.metrics` and :mod:`kruispunt.export` use when present:
``plant_product``, ``plant_cluster``, ``site`` and ``sector`` on ``plant`` (``product`` and
``cluster`` are dimension names, so a plant's product and cluster cannot be coordinates of
those names), ``route_family`` and ``route_product`` on ``route``, ``carrier_unit`` on
``carrier``, ``product_unit`` on ``product`` and ``cluster_name`` on ``cluster``.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence

import numpy as np
import numpy.typing as npt
import xarray as xr

from kruispunt.assemble.pools import supply_capacity
from kruispunt.inputs import ModelInputs
from kruispunt.policy.registry import flows as registry_flows
from kruispunt.results import Results, result_variables
from kruispunt.version import __version__
from kruispunt.vocabulary import RESOURCES, SCENARIO, SWITCH_REASONS

__all__ = ["TOY_YEARS", "assert_results_equal", "path", "synthetic_results", "toy_inputs"]

FloatArray = npt.NDArray[np.float64]

# Synthetic, invented values (orders of magnitude only). product -> (sector, unit, cbam,
# typical plant capacity [unit/yr], fuel intensity [GJ/unit], process CO2 [tCO2/unit]).
_PRODUCTS: dict[str, tuple[str, str, bool, float, float, float]] = {
    "crude_steel": ("steel", "t", True, 7.0e6, 18.0, 0.3),
    "ammonia": ("fertiliser", "t", True, 1.0e6, 30.0, 1.2),
    "hvc": ("chemicals", "t", False, 1.0e6, 15.0, 0.1),
    "refinery_throughput": ("refining", "t", False, 1.0e7, 2.5, 0.02),
    "clinker": ("cement_lime", "t", True, 1.0e6, 3.5, 0.52),
    "process_heat_low": ("other_industry", "GJ", False, 5.0e6, 1.1, 0.0),
    "hydrogen": ("industrial_gases", "t", True, 2.0e5, 165.0, 0.0),
    "methanol": ("chemicals", "t", False, 9.0e5, 12.0, 0.3),
    "glass": ("glass", "t", False, 3.0e5, 6.0, 0.15),
    "paper": ("paper", "t", False, 3.0e5, 7.0, 0.0),
    "chlorine": ("chemicals", "t", False, 6.0e5, 2.0, 0.0),
    "ceramics": ("ceramics", "t", False, 2.0e5, 2.5, 0.05),
}
_CLUSTERS = {
    "rotterdam_moerdijk": "Rotterdam-Moerdijk",
    "noordzeekanaalgebied": "Noordzeekanaalgebied",
    "zeeland": "Zeeland (North Sea Port / Smart Delta Resources)",
    "chemelot": "Chemelot",
    "noord_nederland": "Noord-Nederland",
    "cluster6": "Cluster 6 (dispersed sites)",
}
_CARRIERS = {  # carrier -> (unit, emission factor [tCO2/unit], price [EUR/unit])
    "electricity": ("GJ/yr", 0.0, 20.0),
    "natural_gas": ("GJ/yr", 0.0561, 10.0),
    "coal": ("GJ/yr", 0.0946, 4.0),
    "hydrogen": ("GJ/yr", 0.0, 30.0),
    "biomass": ("GJ/yr", 0.0, 8.0),
    "iron_ore": ("t/yr", 0.0, 100.0),
}
_FAMILIES = ("incumbent", "electrification", "ccs", "hydrogen", "closure")
_CAPEX = {
    "incumbent": 0.0,
    "electrification": 400.0,
    "ccs": 300.0,
    "hydrogen": 600.0,
    "closure": 0.0,
}  # EUR per unit of annual capacity
_SCENARIO_NAMES = ("reference", "green_market", "ccs_first", "electrify", "import_more")
_CAPTURE_RATE = 0.9


def synthetic_results(
    n_scenarios: int = 2,
    n_plants: int = 12,
    years: Iterable[int] = range(2025, 2051),
    seed: int = 0,
) -> Results:
    """Build a small, internally consistent synthetic result.

    Parameters
    ----------
    n_scenarios : int
        Number of scenarios (leading ``scenario`` dimension). [-]
    n_plants : int
        Number of plants (``"<site>/<product>"``); sites host up to two plants. [-]
    years : iterable of int
        Model years, increasing. [yr]
    seed : int
        Seed of the :class:`numpy.random.Generator`; recorded in ``attrs["seed"]``. The same
        arguments give identical results, bit for bit.

    Returns
    -------
    Results
        Every variable of ``schemas/results.csv`` with its dims and ``attrs["units"]``, the
        optional descriptive coordinates listed in the module docstring, and provenance
        attributes ``kruispunt_version``, ``data_hash``, ``scenarios`` (JSON), ``seed`` and
        ``created_by``.

    Examples
    --------
    >>> res = synthetic_results(n_scenarios=1, n_plants=3, years=range(2025, 2028))
    >>> dict(res.dataset.sizes)["plant"]
    3
    """
    yrs = np.asarray(list(years), dtype=np.int64)
    if n_scenarios < 1 or n_plants < 1 or yrs.size == 0:
        raise ValueError("synthetic_results needs at least one scenario, plant and year")
    if np.any(np.diff(yrs) <= 0):
        raise ValueError("years must be strictly increasing")
    rng = np.random.default_rng(seed)
    S, P, Y = n_scenarios, n_plants, yrs.size

    # --- plants, sites, routes -------------------------------------------------------------
    product_ids = list(_PRODUCTS)
    cluster_ids = list(_CLUSTERS)
    plant_product = np.array([product_ids[i % len(product_ids)] for i in range(P)])
    plant_cluster = np.array([cluster_ids[(i * 5) % len(cluster_ids)] for i in range(P)])
    # two consecutive plants in the same cluster share a site now and then
    site_no = np.zeros(P, dtype=np.int64)
    for i in range(1, P):
        shared = plant_cluster[i] == plant_cluster[i - 1] and rng.random() < 0.5
        site_no[i] = site_no[i - 1] if shared else site_no[i - 1] + 1
    plant_site = np.array([f"site_{n + 1:03d}" for n in site_no])
    # the sector is the plant's (a shared site can host plants of two sectors)
    plant_sector = np.array([_PRODUCTS[p][0] for p in plant_product])
    plant_ids = np.array([f"{s}/{p}" for s, p in zip(plant_site, plant_product, strict=True)])
    if len(set(plant_ids)) != P:  # a site never makes the same product twice
        raise AssertionError("duplicate plant ids")  # pragma: no cover

    products = [p for p in product_ids if p in set(plant_product)]
    routes = [f"{p}_{f}" for p in products for f in _FAMILIES]
    route_family = np.array([f for _ in products for f in _FAMILIES])
    route_product = np.array([p for p in products for _ in _FAMILIES])
    route_of = {r: i for i, r in enumerate(routes)}

    capacity = np.array([_PRODUCTS[p][3] for p in plant_product]) * rng.uniform(0.3, 1.2, P)
    utilisation = rng.uniform(0.75, 0.95, P)
    fuel_int = np.array([_PRODUCTS[p][4] for p in plant_product])
    proc_co2 = np.array([_PRODUCTS[p][5] for p in plant_product])
    elec_int = fuel_int * rng.uniform(0.05, 0.15, P)

    # --- route choice: each plant may switch once, to one family, in one year -------------
    family_idx = np.zeros((S, P, Y), dtype=np.int64)  # index into _FAMILIES
    switch = np.zeros((S, P, Y), dtype=np.int8)
    target_family = rng.choice(np.arange(1, len(_FAMILIES)), size=(S, P), p=[0.35, 0.3, 0.2, 0.15])
    switches = rng.random((S, P)) < 0.8
    switch_at = rng.integers(1, max(Y, 2), size=(S, P))  # position in years
    reasons = {
        "closure": SWITCH_REASONS.index("closure"),
        "other": SWITCH_REASONS.index("reinvestment"),
    }
    for s in range(S):
        for p in range(P):
            if switches[s, p] and Y > 1:
                k = switch_at[s, p]
                family_idx[s, p, k:] = target_family[s, p]
                fam = _FAMILIES[target_family[s, p]]
                switch[s, p, k] = reasons["closure" if fam == "closure" else "other"]
    families = np.array(_FAMILIES)[family_idx]
    route_index = np.empty((S, P, Y), dtype=np.int16)
    for p in range(P):
        for f_i, fam in enumerate(_FAMILIES):
            route_index[:, p, :][family_idx[:, p, :] == f_i] = route_of[f"{plant_product[p]}_{fam}"]

    open_ = families != "closure"
    production = np.where(open_, (capacity * utilisation)[None, :, None], 0.0)

    # --- energy by carrier [GJ/yr; iron_ore t/yr] ------------------------------------------
    carriers = list(_CARRIERS)
    energy = np.zeros((S, P, Y, len(carriers)))
    c = {name: i for i, name in enumerate(carriers)}
    fuel = fuel_int[None, :, None] * production
    elec = elec_int[None, :, None] * production
    is_steel = (plant_product == "crude_steel")[None, :, None]
    inc, ele = families == "incumbent", families == "electrification"
    ccs, h2 = families == "ccs", families == "hydrogen"
    energy[..., c["electricity"]] = (
        elec + np.where(ele, 0.6 * fuel, 0.0) + np.where(ccs, 0.05 * fuel, 0.0)
    )
    fossil = np.where(inc, fuel, 0.0) + np.where(ccs, 1.1 * fuel, 0.0)
    energy[..., c["coal"]] = np.where(is_steel, 0.8 * fossil, 0.0)
    energy[..., c["natural_gas"]] = np.where(is_steel, 0.2 * fossil, 0.95 * fossil)
    energy[..., c["biomass"]] = np.where(is_steel, 0.0, 0.05 * fossil)
    energy[..., c["hydrogen"]] = np.where(h2, 0.9 * fuel, 0.0)
    energy[..., c["iron_ore"]] = np.where(is_steel, 1.5 * production, 0.0)

    ef = np.array([_CARRIERS[k][1] for k in carriers])
    combustion = np.einsum("spyc,c->spy", energy, ef)
    process = np.where(families == "hydrogen", 0.2, 1.0) * proc_co2[None, :, None] * production
    gross = combustion + process
    captured = np.where(ccs, _CAPTURE_RATE * gross, 0.0)
    direct = gross - captured
    stored = captured.copy()
    elec_mwh = energy[..., c["electricity"]] / 3.6
    electric_load = energy[..., c["electricity"]] / 3.6 / 8760.0
    grid_ef = np.clip(0.35 * (2040 - yrs) / 15.0, 0.0, 0.35)  # tCO2/MWh
    indirect = elec_mwh * grid_ef[None, None, :]

    # --- money [EUR/yr] -------------------------------------------------------------------
    t = (yrs - yrs[0]).astype(np.float64)
    eua = 80.0 + 5.0 * t  # EUR/tCO2
    scen_factor = rng.uniform(0.9, 1.1, S)[:, None, None]
    capex = np.zeros((S, P, Y))
    for f_i, fam in enumerate(_FAMILIES):
        capex += (
            np.where((switch > 0) & (family_idx == f_i), _CAPEX[fam], 0.0) * capacity[None, :, None]
        )
    opex = np.where(open_, 20.0, 0.0) * production * scen_factor
    prices = np.array([_CARRIERS[k][2] for k in carriers])
    energy_cost = np.einsum("spyc,c->spy", energy, prices)
    bench = 0.8 * (gross[:, :, :1] / np.where(production[:, :, :1] > 0, production[:, :, :1], 1.0))
    phase = np.clip(1.0 - t / 15.0, 0.0, 1.0)
    free_allocation = bench * production * phase[None, None, :]
    carbon_cost = (direct - free_allocation) * eua[None, None, :]
    co2_levy = np.maximum(direct - 1.2 * free_allocation, 0.0) * 20.0
    energy_tax = elec_mwh * 5.0 + energy[..., c["natural_gas"]] * 0.5
    since = np.cumsum(switch > 0, axis=2) > 0
    subsidies = np.where(since & (ele | ccs | h2), 50.0, 0.0) * production * scen_factor

    # --- products, infrastructure, government ----------------------------------------------
    prod_idx = np.array([products.index(p) for p in plant_product])
    onehot_prod = (prod_idx[:, None] == np.arange(len(products))[None, :]).astype(np.float64)
    domestic = np.einsum("spy,pk->sky", production, onehot_prod)
    demand = np.repeat(domestic[:, :, :1], Y, axis=2) * rng.uniform(1.0, 1.1, (S, 1, 1))
    imports = demand - domestic

    clus_idx = np.array([cluster_ids.index(k) for k in plant_cluster])
    onehot_clus = (clus_idx[:, None] == np.arange(len(cluster_ids))[None, :]).astype(np.float64)

    def by_cluster(a: FloatArray) -> FloatArray:
        return np.asarray(np.einsum("spy,pk->sky", a, onehot_clus), dtype=np.float64)

    load = by_cluster(electric_load)
    use = np.zeros((S, len(cluster_ids), len(RESOURCES), Y))
    use[:, :, RESOURCES.index("grid"), :] = np.maximum(load - load[:, :, :1], 0.0)
    use[:, :, RESOURCES.index("co2_storage"), :] = by_cluster(stored)
    # hydrogen infrastructure in the hydrogen carrier's unit, GJ/yr (as the engine records it)
    use[:, :, RESOURCES.index("hydrogen"), :] = by_cluster(energy[..., c["hydrogen"]])
    use[:, :, RESOURCES.index("biomass"), :] = by_cluster(energy[..., c["biomass"]])
    headroom = rng.uniform(1.05, 1.6, (S, len(cluster_ids), 3, 1))
    # the biomass supply's headroom is fixed (no draw: the values above keep their seed)
    headroom = np.concatenate([headroom, np.full((S, len(cluster_ids), 1, 1), 1.3)], axis=2)
    floor = np.array([50.0, 2.5e5, 1.2e6, 1.0e6])[None, None, :, None]
    capacity_infra = np.maximum.accumulate(use, axis=3) * headroom + floor
    # one pool per resource and cluster ("<resource>/<cluster>"), resource by resource
    pool_names = [f"{r}/{k}" for r in RESOURCES for k in cluster_ids]
    pool_capacity = capacity_infra.transpose(0, 2, 1, 3).reshape(S, len(pool_names), Y)
    pool_use = use.transpose(0, 2, 1, 3).reshape(S, len(pool_names), Y)

    flow_list = registry_flows()
    gov_flows = [f.name for f in flow_list]
    plant_flows = np.zeros((S, P, len(gov_flows), Y))
    for flow, share in (
        ("sde_outlay", 0.5),
        ("ccfd_outlay", 0.2),
        ("ikc_outlay", 0.1),
        ("grant_outlay", 0.2),
    ):
        plant_flows[:, :, gov_flows.index(flow), :] = -share * subsidies
    plant_flows[:, :, gov_flows.index("co2_levy_revenue"), :] = co2_levy
    plant_flows[:, :, gov_flows.index("energy_tax_revenue"), :] = energy_tax
    gov = plant_flows.sum(axis=1)
    cbam = np.array([_PRODUCTS[p][2] for p in products], dtype=np.float64)
    gov[:, gov_flows.index("cbam_import_revenue"), :] = (
        np.einsum("sky,k->sy", np.maximum(imports, 0.0), cbam) * 0.1 * eua[None, :]
    )

    national0 = direct[0, :, 0].sum()
    target = np.full(Y, np.nan)
    for year, frac in ((2030, 0.55), (2050, 0.0)):
        target[yrs == year] = frac * national0

    # --- assemble ---------------------------------------------------------------------------
    names = [
        _SCENARIO_NAMES[i % len(_SCENARIO_NAMES)] + ("" if i < len(_SCENARIO_NAMES) else f"_{i}")
        for i in range(S)
    ]
    spy = (SCENARIO, "plant", "year")
    data: dict[str, tuple[tuple[str, ...], npt.NDArray[np.generic]]] = {
        "route_index": (spy, route_index),
        "production": (spy, production),
        "direct_emissions": (spy, direct),
        "captured_co2": (spy, captured),
        "stored_co2": (spy, stored),
        "indirect_emissions": (spy, indirect),
        "energy": ((SCENARIO, "plant", "year", "carrier"), energy),
        "electric_load": (spy, electric_load),
        "peak_load": (spy, electric_load),
        "grid_waiting": (spy, np.zeros_like(electric_load)),
        "capex": (spy, capex),
        "opex": (spy, opex),
        "energy_cost": (spy, energy_cost),
        "hydrogen_bought": (spy, np.zeros((S, P, Y))),
        "carbon_cost": (spy, carbon_cost),
        "co2_levy": (spy, co2_levy),
        "energy_tax": (spy, energy_tax),
        "subsidies": (spy, subsidies),
        "free_allocation": (spy, free_allocation),
        "premium_revenue": (spy, np.zeros((S, P, Y))),
        "network_tariff": (spy, np.zeros((S, P, Y))),
        "obligation_cost": (spy, np.zeros((S, P, Y))),
        "switch_reason": (spy, switch),
        "demand": ((SCENARIO, "product", "year"), demand),
        "imports": ((SCENARIO, "product", "year"), imports),
        "infra_capacity": ((SCENARIO, "cluster", "resource", "year"), capacity_infra),
        "infra_use": ((SCENARIO, "cluster", "resource", "year"), use),
        "pool_capacity": ((SCENARIO, "pool", "year"), pool_capacity),
        "pool_use": ((SCENARIO, "pool", "year"), pool_use),
        "gov_cash_flow": ((SCENARIO, "flow", "year"), gov),
        "plant_flows": ((SCENARIO, "plant", "flow", "year"), plant_flows),
        "emission_target": (("year",), target),
    }
    decl = result_variables()
    variables = {}
    for name, var in decl.items():
        dims, values = data[name]
        attrs: dict[str, object] = {"units": var.unit}
        variables[name] = xr.Variable(dims, values.astype(var.dtype), attrs)
    coords = {
        SCENARIO: (SCENARIO, np.array(names)),
        "plant": ("plant", plant_ids),
        "site": ("plant", plant_site),
        "plant_product": ("plant", plant_product),
        "plant_cluster": ("plant", plant_cluster),
        "sector": ("plant", plant_sector),
        "site_name": ("plant", np.array([f"Site {n + 1:03d}" for n in site_no])),
        "year": ("year", yrs),
        "carrier": ("carrier", np.array(carriers)),
        "carrier_unit": ("carrier", np.array([_CARRIERS[k][0] for k in carriers])),
        "carrier_use": (
            "carrier",
            np.array(["material" if _CARRIERS[k][0] == "t/yr" else "energy" for k in carriers]),
        ),
        "product": ("product", np.array(products)),
        "product_unit": ("product", np.array([f"{_PRODUCTS[p][1]}/yr" for p in products])),
        "cluster": ("cluster", np.array(cluster_ids)),
        "cluster_name": ("cluster", np.array([_CLUSTERS[k] for k in cluster_ids])),
        "resource": ("resource", np.array(RESOURCES)),
        "pool": ("pool", np.array(pool_names)),
        "pool_resource": ("pool", np.array([r for r in RESOURCES for _ in cluster_ids])),
        "pool_cluster": ("pool", np.array([k for _ in RESOURCES for k in cluster_ids])),
        "flow": ("flow", np.array(gov_flows)),
        "flow_sign": ("flow", np.array([f.sign for f in flow_list])),
        "route": ("route", np.array(routes)),
        "route_family": ("route", route_family),
        "route_product": ("route", route_product),
        "route_excluded": ("route", np.zeros(len(routes), dtype=bool)),
        "reason": ("reason", np.array(SWITCH_REASONS)),
    }
    scenarios = {
        n: {
            "name": n,
            "description": "synthetic scenario (invented numbers)",
            "eua_price_eur_per_t": {"2025": 80.0, "2050": 80.0 + 5.0 * 25},
            "capex_factor": float(scen_factor[i, 0, 0]),
        }
        for i, n in enumerate(names)
    }
    fingerprint = json.dumps([seed, S, P, yrs.tolist()]).encode()
    attrs = {
        "kruispunt_version": __version__,
        "data_hash": "synthetic-" + hashlib.sha256(fingerprint).hexdigest()[:16],
        "scenarios": json.dumps(scenarios, sort_keys=True),
        "seed": int(seed),
        "created_by": "kruispunt.testing.synthetic_results",
    }
    return Results(xr.Dataset(variables, coords=coords, attrs=attrs))


def _kind(dtype: np.dtype[np.generic]) -> str:
    """Dtype with every string representation (``<U``, ``object`` of str) reported as 'str'."""
    return "str" if dtype.kind in "UOST" else str(dtype)


def assert_results_equal(a: Results, b: Results) -> None:
    """Assert two results are identical: values, dims, coords, dtypes and attrs, exactly.

    NaN equals NaN. String coordinates compare by value whether they are stored as fixed-width
    (``<U``) or object arrays; every other dtype must match exactly (``int16`` is not
    ``int64``).

    Raises
    ------
    AssertionError
        Naming the first variable or attribute that differs.
    """
    da, db = a.dataset, b.dataset
    xr.testing.assert_identical(da, db)
    for name in list(da.variables):
        ka, kb = _kind(da[name].dtype), _kind(db[name].dtype)
        if ka != kb:
            raise AssertionError(f"dtype of {name} differs: {da[name].dtype} != {db[name].dtype}")
        if da[name].dims != db[name].dims:
            raise AssertionError(f"dims of {name} differ: {da[name].dims} != {db[name].dims}")
    if list(da.attrs) != list(db.attrs) and set(da.attrs) != set(db.attrs):
        raise AssertionError(f"attribute keys differ: {sorted(da.attrs)} != {sorted(db.attrs)}")
    for key, value in da.attrs.items():
        other = db.attrs[key]
        if type(value) is not type(other) and not (
            isinstance(value, int | np.integer) and isinstance(other, int | np.integer)
        ):
            raise AssertionError(
                f"attribute {key!r} changed type: {type(value).__name__} -> {type(other).__name__}"
            )


# --- a tiny hand-checkable model ------------------------------------------------------------

TOY_YEARS = np.arange(2025, 2051)
"""Model years of :func:`toy_inputs`."""


def path(values: object, years: npt.NDArray[np.int64] = TOY_YEARS) -> FloatArray:
    """A path over the model years from a scalar, a list or ``{year: value}`` (linear)."""
    if isinstance(values, dict):
        xs = sorted(values)
        return np.asarray(np.interp(years, xs, [values[x] for x in xs]), dtype=np.float64)
    arr = np.asarray(values, dtype=np.float64)
    return np.broadcast_to(arr, years.shape).astype(np.float64).copy()


def toy_inputs(
    *,
    n_scenarios: int = 1,
    n_plants: int = 1,
    eua: object = 0.0,
    gas_price: object = 10.0,
    elec_price: object = 20.0,
    product_price: float = 1000.0,
    capex_elec: float = 500.0,
    capex_ccs: float = 300.0,
    lifetime: float = 20.0,
    lead_time: int = 0,
    earliest_elec: int = 2025,
    discount_rate: float = 0.10,
    myopic: bool = True,
    base_free_allocation: float = 0.0,
    sde_budget: object = 0.0,
    sde_max: object = 0.0,
    grid_capacity: float = np.inf,
    capacity: float | FloatArray = 1.0e6,
    ccs: bool = False,
    co2_capacity: object = np.inf,
    instruments: dict[str, dict[str, npt.NDArray[np.generic]]] | None = None,
    bio: bool = False,
    capex_bio: float = 100.0,
    biomass_price: object = 5.0,
    biomass_supply: Sequence[tuple[float, float]] = ((np.inf, 0.0),),
    biomass_opens: Sequence[int] | None = None,
) -> ModelInputs:
    """A tiny :class:`~kruispunt.inputs.ModelInputs` to check the engine by hand; a test states
    only what it varies.

    One product ``widget`` [t] made by ``n_plants`` plants of ``capacity`` each, in one
    cluster. Routes: ``gas`` (today's, 1 tCO2/t, 10 GJ gas/t), ``elec`` (0 tCO2/t, 3 MWh/t =
    10.8 GJ electricity/t, capex ``capex_elec`` EUR/(t/yr)), closure and, with ``ccs``,
    ``gas_ccs`` (11 GJ gas/t, 1.1 tCO2/t of which 90 % captured, capex ``capex_ccs``) and,
    with ``bio``, ``bio`` (10 GJ biomass/t at ``biomass_price`` EUR/GJ, 0 tCO2/t, capex
    ``capex_bio``). Revenue ``product_price`` EUR/t; no taxes, no opex. Pools: grid
    (``grid_capacity`` MW), one CO2 store (``co2_capacity`` tCO2/yr, a path allowed),
    hydrogen (unlimited) and the national biomass supply, ``biomass_supply`` steps of
    (quantity [GJ/yr], price on top of the biomass price [EUR/GJ]), cheapest first, each
    open from its year in ``biomass_opens`` (default: every year).
    ``instruments`` gives instrument parameters (each with a leading scenario axis); those
    not given take their declared defaults (SDE++ from ``sde_budget`` and ``sde_max``).

    Examples
    --------
    >>> inp = toy_inputs(eua=100.0)
    >>> inp.coords.routes, float(inp.markets.eua[0, 0])
    (('gas', 'elec', 'widget_closure'), 100.0)
    """
    from kruispunt import inputs as mi
    from kruispunt.vocabulary import FAMILY

    S, P, Y = n_scenarios, n_plants, len(TOY_YEARS)
    names = ["gas", "elec", "widget_closure"] + (["gas_ccs"] if ccs else [])
    fam = [FAMILY["incumbent"], FAMILY["electrification"], FAMILY["closure"]]
    fam += [FAMILY["ccs"]] if ccs else []
    earliest = [2000, earliest_elec, 2000] + ([2025] if ccs else [])
    if bio:
        names, fam, earliest = [*names, "bio"], [*fam, FAMILY["circular"]], [*earliest, 2000]
    carriers = ("natural_gas", "electricity") + (("biomass",) if bio else ())
    R, C = len(names), len(carriers)
    route_inputs = np.zeros((R, C, Y))
    route_inputs[0, 0], route_inputs[1, 1] = 10.0, 10.8
    ef, capture, capex = np.zeros((R, Y)), np.zeros((R, Y)), np.zeros((R, Y))
    ef[0], capex[1] = 1.0, capex_elec
    if ccs:
        route_inputs[3, 0], ef[3], capture[3], capex[3] = 11.0, 1.1, 0.9, capex_ccs
    if bio:
        route_inputs[R - 1, 2], capex[R - 1] = 10.0, capex_bio
    cap = np.broadcast_to(np.asarray(capacity, dtype=np.float64), (P,)).copy()
    price = np.zeros((S, C, Y))
    price[:, 0], price[:, 1] = path(gas_price), path(elec_price)
    if bio:
        price[:, 2] = path(biomass_price)
    steps = np.array([q for q, _ in biomass_supply], dtype=np.float64)
    step_quantity = np.full((S, 4, len(steps)), 0.0)
    step_quantity[:, :, 0] = np.inf
    step_quantity[:, 3] = steps
    step_price = np.zeros((S, 4, len(steps)))
    step_price[:, 3] = [p for _, p in biomass_supply]
    opens = np.searchsorted(TOY_YEARS, biomass_opens if biomass_opens is not None else 0)
    pool_capacity = np.zeros((S, 4, Y))
    pool_capacity[:, 0], pool_capacity[:, 1], pool_capacity[:, 2], pool_capacity[:, 3] = (
        grid_capacity,
        path(co2_capacity),
        np.inf,
        supply_capacity(steps, np.broadcast_to(opens, steps.shape).astype(np.int64), Y),
    )
    family = np.array(fam, dtype=np.int64)
    params: dict[str, dict[str, npt.NDArray[np.generic]]] = {
        "sde": {
            "budget": np.tile(path(sde_budget), (S, 1)),
            "max_per_t": np.tile(path(sde_max), (S, 1)),
        }
    }
    for name, given in (instruments or {}).items():
        params.setdefault(name, {}).update(given)
    return ModelInputs(
        coords=mi.Coords(
            scenarios=tuple(f"s{i}" for i in range(S)),
            plants=tuple(f"site{p}/widget" for p in range(P)),
            plant_site=tuple(f"site{p}" for p in range(P)),
            plant_sector=("chemicals",) * P,
            routes=tuple(names),
            carriers=carriers,
            carrier_units=("GJ",) * C,
            carrier_uses=("energy",) * C,
            products=("widget",),
            product_units=("t",),
            clusters=("cluster",),
            cluster_names=("Cluster",),
            years=TOY_YEARS,
        ),
        routes=mi.Routes(
            product=np.zeros(R, dtype=np.int64),
            family=family,
            lifetime=np.full(R, lifetime),
            lead_time=np.full(R, lead_time, dtype=np.int64) * (family != FAMILY["incumbent"]),
            earliest_year=np.array(earliest, dtype=np.int64),
            capex=capex,
            capex_renewal=capex.copy(),
            domestic=family != FAMILY["closure"],
            fixed_opex=np.zeros((R, Y)),
            variable_opex=np.zeros((R, Y)),
            emission_factor=ef,
            capture_rate=capture,
            inputs=route_inputs,
        ),
        plants=mi.Plants(
            product=np.zeros(P, dtype=np.int64),
            cluster=np.zeros(P, dtype=np.int64),
            capacity=cap,
            base_production=cap.copy(),
            base_emissions=cap.copy(),
            base_free_allocation=np.full(P, base_free_allocation),
            incumbent=np.zeros(P, dtype=np.int64),
            reinvestment_year=np.zeros(P, dtype=np.int64),
            options=np.tile(np.arange(R, dtype=np.int64), (P, 1)),
        ),
        carriers=mi.Carriers(
            is_electricity=np.array([c == "electricity" for c in carriers]),
            is_hydrogen=np.zeros(C, dtype=bool),
            is_biomass=np.array([c == "biomass" for c in carriers]),
            embedded=np.zeros(C),
            cbam=np.zeros(C, dtype=bool),
            good=np.full(C, -1, dtype=np.int64),
        ),
        products=mi.Products(cbam=np.zeros(1, dtype=bool), heat=np.zeros(1, dtype=bool)),
        markets=mi.Markets(
            price=price,
            eua=np.tile(path(eua), (S, 1)),
            co2_ts_cost=np.zeros((S, Y)),
            grid_emission_factor=np.zeros((S, Y)),
            demand_scale=np.ones((S, 1, Y)),
            plant_price=np.full((S, P), float(product_price)),
        ),
        finance=mi.Finance(
            discount_rate=np.full(S, discount_rate),
            risk_sharing=np.zeros(S),
            myopic=np.full(S, myopic),
        ),
        pools=mi.Pools(
            names=("grid/cluster", "co2_storage/store", "hydrogen/cluster", "biomass/national"),
            resource=np.array([0, 1, 2, 3], dtype=np.int64),
            host=np.zeros(4, dtype=np.int64),
            capacity=pool_capacity,
            access=np.zeros((S, 4, 1), dtype=np.int64),
            plants=np.ones((4, P), dtype=bool),
            hydrogen_year=np.full((S, 1), 2000, dtype=np.int64),
            step_quantity=step_quantity,
            step_price=step_price,
        ),
        levers=mi.Levers(
            route_allowed=np.ones((S, R), dtype=bool),
            commit_route=np.full((S, P), -1, dtype=np.int64),
            commit_year=np.zeros((S, P), dtype=np.int64),
            follow_route=np.full((S, P), -1, dtype=np.int64),
            follow_year=np.zeros((S, P), dtype=np.int64),
            hold_year=np.zeros((S, P), dtype=np.int64),
            decide_from=np.zeros(S, dtype=np.int64),
            commit_grant=np.zeros((S, P)),
            seeds=np.zeros(S, dtype=np.int64),
            availability=np.ones((S, P, Y)),
            permits_from=np.full((S, R), -1, dtype=np.int64),
        ),
        instruments=params,
        emission_target=np.full(Y, np.nan),
    )
