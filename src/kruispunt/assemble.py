"""Assemble ModelInputs from a catalogue and resolved scenarios (no file access here).

Every figure comes from the catalogue (sourced data) or from a scenario lever; the rules
that fill gaps the data leave are named constants below, each documented as the project's
assumption and listed in ``docs/model.md``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import cast

import numpy as np
import numpy.typing as npt
import pandas as pd

from kruispunt.catalogue.load import Catalogue
from kruispunt.catalogue.schema import parameter_specs
from kruispunt.catalogue.series import exact_years, over_years
from kruispunt.dims import BASE_YEAR
from kruispunt.dims import years as year_range
from kruispunt.engine.economics import annuity_factor
from kruispunt.errors import KruispuntError
from kruispunt.inputs import FAMILY, NEVER, ModelInputs
from kruispunt.results import RESOURCES
from kruispunt.scenarios import Scenario, ScenarioError, check_ids
from kruispunt.units import conversion_factor

F = npt.NDArray[np.float64]

GAS_MJ_PER_M3 = 31.65
"""Assumption: energy-tax rates per m3 of natural gas are converted at 31.65 MJ/m3 (the Dutch
'm3 aardgasequivalent', Groningen quality, lower heating value)."""
DEFAULT_DISCOUNT_RATE = 0.07
"""Assumption (cited fact): cost of capital of 7 %/yr, as the MPP steel model uses
(source ``mpp_steel``); a scenario may set ``discount_rate``."""
IKC_SECTORS = (
    "steel",
    "chemicals",
    "fertiliser",
    "industrial_gases",
    "paper",
    "non_ferrous",
    "refining",
)
"""Assumption: sectors eligible for indirect cost compensation (electricity-intensive sectors
of the EU state-aid guidelines that appear in the model)."""
DEFAULT_HORIZON = 25.0
"""Assumption: routes without a sourced lifetime that need no investment (today's routes,
imports) are valued over 25 years, a typical economic life of process plant."""


def _param_table(cat: Catalogue, table: str) -> dict[str, pd.DataFrame]:
    df = cat[table]
    key = "parameter" if table != "policy" else None
    if key is None:
        names = df["instrument"].astype(str) + "." + df["parameter"].astype(str)
    else:
        names = df[key].astype(str)
    return {str(name): part for name, part in df.groupby(names.to_numpy(), sort=False)}


def _policy_path(
    policy: dict[str, pd.DataFrame], name: str, years: npt.NDArray[np.int64], before: float = np.nan
) -> F:
    rows = policy.get(name)
    if rows is None:
        return np.full(len(years), np.nan)
    spec = parameter_specs("policy")[name]
    return over_years(rows, years, spec.interpolation, before=before)


def _scenario_path(path: dict[int, float], years: npt.NDArray[np.int64]) -> F:
    xs = sorted(path)
    return np.interp(years.astype(np.float64), xs, [path[x] for x in xs])


def build_inputs(cat: Catalogue, scenarios: Sequence[Scenario]) -> ModelInputs:
    """Labelled arrays for the engine, one scenario row per resolved scenario.

    All scenarios of one call must share start and end years.
    """
    if not scenarios:
        raise ScenarioError("no scenarios given")
    first = scenarios[0].levers
    for sc in scenarios:
        if (sc.levers.start_year, sc.levers.end_year) != (first.start_year, first.end_year):
            raise ScenarioError(
                f"scenario '{sc.name}' has years {sc.levers.start_year}-{sc.levers.end_year}; "
                f"scenarios run together must share years ({first.start_year}-"
                f"{first.end_year})"
            )
    years = year_range(first.start_year, first.end_year)
    Y, S = len(years), len(scenarios)

    products = cat.products.set_index("product_id")
    carriers = cat.carriers.set_index("carrier_id")
    for sc in scenarios:
        check_ids(
            sc,
            carriers=set(carriers.index),
            products=set(products.index),
            routes=set(cat.routes["route_id"].astype(str)),
        )
    product_ids = list(products.index)
    g_of = {p: i for i, p in enumerate(product_ids)}
    carrier_ids = list(carriers.index)
    c_of = {c: i for i, c in enumerate(carrier_ids)}
    clusters = list(cat.clusters["cluster_id"])
    l_of = {c: i for i, c in enumerate(clusters)}

    # ---- routes
    routes = cat.routes.set_index("route_id")
    rp = _param_table(cat, "route_parameters")
    route_ids = list(routes.index)
    R = len(route_ids)
    r_of = {r: i for i, r in enumerate(route_ids)}
    rp_specs = parameter_specs("route_parameters")

    def route_param(name: str, default: float = np.nan) -> F:
        out = np.full((R, Y), default, dtype=float)
        rows = rp.get(name)
        if rows is None:
            return out
        interp = rp_specs[name].interpolation
        for rid, part in rows.groupby("route_id"):
            vals = over_years(part, years, interp, before=np.nan)
            if interp == "step":  # before the first given year the first value holds
                first_val = part.sort_values("year")["value"].iloc[0]
                vals = np.where(np.isnan(vals), first_val, vals)
            out[r_of[str(rid)]] = vals
        return out

    family = np.array([FAMILY[f] for f in routes["family"]], dtype=np.int64)
    closure = family == FAMILY["closure"]
    ef = route_param("emission_factor")
    capture = np.nan_to_num(route_param("capture_rate"), nan=0.0)
    lifetime_p = route_param("lifetime")[:, 0]
    capex_g = route_param("capex_greenfield")
    capex_r = route_param("capex_retrofit")
    capex = np.where(np.isnan(capex_r), capex_g, capex_r)
    fixed = np.nan_to_num(route_param("fixed_opex"), nan=0.0)
    variable = np.nan_to_num(route_param("variable_opex"), nan=0.0)
    earliest_p = route_param("earliest_year")[:, 0]
    lead_p = route_param("lead_time")[:, 0]
    ef = np.where(closure[:, None], 0.0, ef)
    incumbent_family = family == FAMILY["incumbent"]
    no_capex = np.isnan(capex).all(axis=1)
    needs_capex = ~(closure | incumbent_family | (family == FAMILY["import"]))
    complete = ~np.isnan(ef).any(axis=1) & ~(needs_capex & (no_capex | np.isnan(lifetime_p)))
    complete |= closure
    lifetime_p = np.where(np.isnan(lifetime_p) & ~needs_capex, DEFAULT_HORIZON, lifetime_p)
    excluded_routes = [route_ids[i] for i in np.flatnonzero(~complete)]
    lifetime = np.where(closure, 1.0, np.nan_to_num(lifetime_p, nan=1.0))
    capex = np.nan_to_num(capex, nan=0.0)
    renewal_p = route_param("capex_renewal")
    capex_renewal = np.nan_to_num(np.where(np.isnan(renewal_p), capex_g, renewal_p), nan=0.0)
    ef = np.nan_to_num(ef, nan=0.0)
    earliest = np.nan_to_num(earliest_p, nan=0).astype(np.int64)
    lead = np.nan_to_num(lead_p, nan=0).astype(np.int64)

    inputs = np.zeros((R, len(carrier_ids), Y))
    for (rid, cid), part in cat.route_inputs.groupby(["route_id", "carrier_id"]):
        inputs[r_of[str(rid)], c_of[str(cid)]] = over_years(part, years, "linear")
    route_product = np.array([g_of[p] for p in routes["product_id"]], dtype=np.int64)
    # partial electrification of process heat: a route with an electrifiable share serves that
    # share of the band's heat; the rest stays on the product's incumbent (gas) route
    share = route_param("electrifiable_share")
    for r in np.flatnonzero(~np.isnan(share).all(axis=1)):
        inc_r = [
            i
            for i in range(R)
            if route_product[i] == route_product[r] and family[i] == FAMILY["incumbent"]
        ]
        if not inc_r:
            continue
        frac = np.nan_to_num(share[r], nan=0.0)
        inputs[r] = frac[None] * inputs[r] + (1 - frac)[None] * inputs[inc_r[0]]
        ef[r] = frac * ef[r] + (1 - frac) * ef[inc_r[0]]
        capex[r] = capex[r] * frac
        capex_renewal[r] = capex_renewal[r] * frac
    # an import route's output is imported unless the data say it is processed here
    domestic_flag = route_param("domestic_output")[:, 0]
    imports_itself = (family == FAMILY["import"]) & ~(np.nan_to_num(domestic_flag) > 0.5)
    route_domestic = ~closure & ~imports_itself

    # ---- plants
    sp = cat.site_products.merge(
        cat.sites[["site_id", "cluster_id", "sector_id"]], on="site_id", how="left"
    )
    sp = sp.sort_values(["site_id", "product_id"]).reset_index(drop=True)
    P = len(sp)
    inst = cat.installations
    iy = cat.installation_years
    base = iy[iy["year"] == BASE_YEAR].merge(
        inst[["installation_id", "site_id", "included"]], on="installation_id"
    )
    base = base[base["included"]]
    site_em = base.groupby("site_id")["verified_emissions"].sum()
    site_fa = base.groupby("site_id")["free_allocation"].sum()
    share = sp["emission_share"].to_numpy(dtype=float)
    base_emissions = sp["site_id"].map(site_em).fillna(0).to_numpy(dtype=float) * share
    base_fa = sp["site_id"].map(site_fa).fillna(0).to_numpy(dtype=float) * share
    plant_product = sp["product_id"].map(g_of).to_numpy(dtype=np.int64)
    plant_cluster = sp["cluster_id"].map(l_of).to_numpy(dtype=np.int64)
    incumbent = sp["route_id"].map(r_of).to_numpy(dtype=np.int64)
    if not complete[incumbent].all():
        bad = sorted({route_ids[r] for r in incumbent[~complete[incumbent]]})
        raise KruispuntError(f"today's routes lack emission_factor or lifetime: {bad}")
    reinvest = (
        pd.to_numeric(
            sp["site_id"].map(cat.sites.set_index("site_id")["reinvestment_year"]), errors="coerce"
        )
        .fillna(0)
        .to_numpy(dtype=np.int64)
    )

    # ---- scenario paths
    cp = cat.carrier_prices
    price = np.zeros((S, len(carrier_ids), Y))
    for cid, part in cp.groupby("carrier_id"):
        price[:, c_of[str(cid)]] = over_years(part, years, "linear")[None]
    unpriced = [c_of[c] for c in carrier_ids if c not in set(cp["carrier_id"])]
    if unpriced:  # routes that need a carrier without a price cannot be valued: left out
        # today's routes keep running; the unpriced input simply costs nothing in the model
        # (documented gap: it understates their cost and so favours staying)
        # another route is left out only if it uses more of an unpriced input than today's
        # route of its product (then the missing price would bias the comparison)
        today = np.zeros(R, dtype=bool)
        today[incumbent] = True
        ref_use = np.zeros((R, len(unpriced), Y))
        for rr in range(R):
            same = [i for i in np.unique(incumbent) if route_product[i] == route_product[rr]]
            if same:
                ref_use[rr] = inputs[same, :, :][:, unpriced, :].min(axis=0)
        uses = (inputs[:, unpriced, :] > ref_use + 1e-9).any(axis=(1, 2))
        for r in np.flatnonzero(uses & complete & ~closure & ~today):
            excluded_routes.append(route_ids[r])
            complete[r] = False
    options = _options(plant_product, incumbent, route_product, complete)
    policy = _param_table(cat, "policy")
    eua_base = _policy_path(policy, "eu_ets.eua_price", years)
    cbam_path = np.nan_to_num(
        _policy_path(policy, "cbam.free_allocation_factor", years, before=1.0), nan=1.0
    )
    tariff_cur = np.nan_to_num(_policy_path(policy, "co2_heffing.tariff", years), nan=0.0)
    tariff_orig = np.nan_to_num(_policy_path(policy, "co2_heffing.tariff_original", years), nan=0.0)
    rf = np.nan_to_num(_policy_path(policy, "co2_heffing.reduction_factor", years), nan=1.0)
    gas_tax = _policy_path(policy, "energy_tax.gas_rate_bracket_4", years)  # EUR/m3
    elec_tax = _policy_path(policy, "energy_tax.electricity_rate_bracket_4", years)  # EUR/kWh
    tax_thresholds, tax_rates = _tax_brackets(policy, years, carrier_ids)
    tax = np.zeros((len(carrier_ids), Y))
    if "natural_gas" in c_of:
        tax[c_of["natural_gas"]] = np.nan_to_num(gas_tax, nan=0.0) / (GAS_MJ_PER_M3 / 1000.0)
    if "electricity" in c_of:
        tax[c_of["electricity"]] = np.nan_to_num(elec_tax, nan=0.0) / 0.0036  # EUR/kWh->EUR/GJ
    sde_budget = exact_years(
        policy.get("sde_pp.budget", pd.DataFrame({"year": [], "value": []})), years
    )
    ts_cost = np.nan_to_num(_policy_path(policy, "ccs.transport_storage_cost", years), nan=0.0)
    sde_max = np.nan_to_num(_policy_path(policy, "sde_pp.max_subsidy_intensity", years), nan=0.0)
    sde_duration = float(
        np.nan_to_num(_policy_path(policy, "sde_pp.subsidy_duration_max", years)[0], nan=15.0)
    )
    grant_budget = exact_years(
        policy.get("niki.budget", pd.DataFrame({"year": [], "value": []})), years
    )
    ikc_budget = exact_years(
        policy.get("ikc.budget", pd.DataFrame({"year": [], "value": []})), years
    )
    ikc_aid = np.nan_to_num(_policy_path(policy, "ikc.aid_intensity", years), nan=0.0)
    ikc_factor = np.nan_to_num(_policy_path(policy, "ikc.co2_emission_factor", years), nan=0.0)
    target = _policy_path(policy, "targets.industry_emissions_target", years)
    target_rows = policy.get("targets.industry_emissions_target")
    given = set(target_rows["year"].astype(int)) if target_rows is not None else set()
    emission_target = np.where(np.isin(years, list(given)), target, np.nan)
    if target_rows is not None:  # canonical unit of the parameter -> tCO2/yr
        emission_target = emission_target * conversion_factor(
            str(target_rows["unit"].iloc[0]), "t/yr"
        )

    # ---- infrastructure pools
    infra = cat.infrastructure
    pool_names: list[str] = []
    pool_resource: list[int] = []
    pool_host: list[int] = []
    pool_cap_base: list[F] = []
    pool_access_base: list[npt.NDArray[np.int64]] = []
    pool_sites: list[str | None] = []
    storage = infra[infra["kind"] == "co2_storage"]
    for project, part in storage.groupby("project", sort=False):
        cap_rows = part[part["parameter"] == "capacity"]
        if cap_rows.empty:
            cap_rows = part[part["parameter"] == "max_capacity"]
        if cap_rows.empty:
            continue
        host = l_of[str(cap_rows["cluster_id"].iloc[0])]
        to_t = conversion_factor(str(cap_rows["unit"].iloc[0]), "t/yr")
        capacity = over_years(cap_rows, years, "step", before=0.0) * to_t
        starts = part[part["parameter"] == "start_year"]["value"]
        if cap_rows["parameter"].iloc[0] == "max_capacity" and not starts.empty:
            capacity = np.where(years >= int(starts.iloc[0]), capacity, 0.0)
        access = np.full(len(clusters), NEVER, dtype=np.int64)
        for row in part[part["parameter"] == "access_year"].itertuples():
            access[l_of[str(row.cluster_id)]] = int(cast(float, row.value))
        pool_names.append(f"co2_storage/{project}")
        pool_resource.append(RESOURCES.index("co2_storage"))
        pool_host.append(host)
        pool_cap_base.append(capacity)
        pool_access_base.append(access)
        pool_sites.append("yara_sluiskil" if "yara" in str(project) else None)
    grid_rows = infra[(infra["kind"] == "grid") & (infra["parameter"] == "grid_capacity_new_load")]
    grid_known = {str(c): part for c, part in grid_rows.groupby("cluster_id")}
    for cl in clusters:
        for res in ("grid", "hydrogen"):
            access = np.full(len(clusters), NEVER, dtype=np.int64)
            access[l_of[cl]] = 0
            pool_names.append(f"{res}/{cl}")
            pool_resource.append(RESOURCES.index(res))
            pool_host.append(l_of[cl])
            if res == "grid" and cl in grid_known:
                pool_cap_base.append(
                    over_years(
                        grid_known[cl], years, "step", before=float(grid_known[cl]["value"].iloc[0])
                    )
                )
            else:
                pool_cap_base.append(np.full(Y, np.inf))
            pool_access_base.append(access)
            pool_sites.append(None)
    Q = len(pool_names)
    h2_base = np.full(len(clusters), NEVER, dtype=np.int64)
    h2 = infra[(infra["kind"] == "hydrogen") & (infra["project"] == "national_network")]
    for row in h2[h2["parameter"] == "connection_year"].itertuples():
        h2_base[l_of[str(row.cluster_id)]] = int(cast(float, row.value))

    price_ref = price[0].copy()  # the data package's paths, before scenario levers
    # ---- per scenario
    eua = np.zeros((S, Y))
    cbam_factor = np.ones((S, Y))
    fa_factor = np.ones((S, len(product_ids), Y))
    levy = np.zeros((S, Y))
    pool_capacity = np.zeros((S, Q, Y))
    pool_access = np.zeros((S, Q, len(clusters)), dtype=np.int64)
    hydrogen_year = np.zeros((S, len(clusters)), dtype=np.int64)
    discount = np.zeros(S)
    green = np.zeros((S, len(product_ids)))
    mandate = np.zeros((S, len(product_ids)))
    demand = np.ones((S, len(product_ids), Y))
    sde_b = np.zeros((S, Y))
    grant_b = np.zeros((S, Y))
    grant_share = np.zeros(S)
    ccfd_strike = np.full(S, np.nan)
    ccfd_budget = np.zeros(S)
    ccfd_duration = np.zeros(S)
    ikc_on = np.zeros(S)
    route_allowed = np.ones((S, R), dtype=bool)
    commit_route = np.full((S, P), -1, dtype=np.int64)
    commit_year = np.zeros((S, P), dtype=np.int64)
    plant_key = {
        (a, b): i for i, (a, b) in enumerate(zip(sp["site_id"], sp["product_id"], strict=True))
    }
    risk = np.zeros(S)
    grid_ef = np.full((S, Y), np.nan)
    myopic = np.zeros(S, dtype=bool)
    cbam_goods = products["cbam"].to_numpy(dtype=bool)
    for s, sc in enumerate(scenarios):
        lv = sc.levers
        path = _scenario_path(lv.eua_price, years) if lv.eua_price else eua_base
        eua[s] = np.nan_to_num(path, nan=0.0) * lv.eua_price_scale
        for cid, cpath in lv.carrier_prices.items():
            price[s, c_of[cid]] = _scenario_path(cpath, years)
        for cid, scale in lv.carrier_price_scale.items():
            price[s, c_of[cid]] *= scale
        if lv.cbam:
            cbam_factor[s] = cbam_path
            fa_factor[s, cbam_goods] = cbam_path[None]
        levy[s] = {"off": np.zeros(Y), "current": tariff_cur, "original": tariff_orig}[
            lv.co2_heffing
        ]
        infra_lv = lv.infrastructure
        for q in range(Q):
            cap = pool_cap_base[q]
            acc = pool_access_base[q].copy()
            res = RESOURCES[pool_resource[q]]
            if res == "co2_storage":
                if not pool_names[q].endswith("porthos"):
                    cap = np.concatenate([np.zeros(infra_lv.co2_storage_delay), cap])[:Y]
                    acc = np.where(acc < NEVER, acc + infra_lv.co2_storage_delay, acc)
                cap = cap * infra_lv.co2_storage_scale
            elif res == "grid":
                if np.isinf(cap).all() and infra_lv.grid_unknown_capacity == "none":
                    cap = np.zeros(Y)
                elif not np.isinf(cap).all():
                    cap = cap * infra_lv.grid_capacity_scale
            pool_capacity[s, q] = cap
            pool_access[s, q] = acc
        hydrogen_year[s] = np.where(h2_base < NEVER, h2_base + infra_lv.hydrogen_delay, NEVER)
        discount[s] = lv.discount_rate if lv.discount_rate is not None else DEFAULT_DISCOUNT_RATE
        risk[s] = lv.risk_sharing
        myopic[s] = lv.expectations == "myopic"
        for pid, val in lv.green_premium.items():
            green[s, g_of[pid]] = val
        for pid, val in lv.mandate_share.items():
            mandate[s, g_of[pid]] = val
        for pid, val in lv.demand_scale.items():
            demand[s, g_of[pid]] = val
        sub = lv.subsidies
        extra = np.array([sub.sde_extra_budget.get(int(y), 0.0) for y in years])
        sde_b[s] = (sde_budget * sub.sde_budget_scale + extra) * sub.sde
        if lv.grid_emission_factor is not None:
            grid_ef[s] = _scenario_path(lv.grid_emission_factor, years) / 3.6
        grant_b[s] = grant_budget * sub.grant_budget_scale * sub.grants
        grant_share[s] = sub.grant_share
        if sub.ccfd_strike_price is not None:
            ccfd_strike[s] = sub.ccfd_strike_price
        ccfd_budget[s] = sub.ccfd_budget
        ccfd_duration[s] = sub.ccfd_duration
        ikc_on[s] = float(sub.ikc)
        if lv.commitments:
            for row in cat.commitments.itertuples():
                p = plant_key[(str(row.site_id), str(row.product_id))]
                if not complete[r_of[str(row.route_id)]]:
                    raise KruispuntError(
                        f"commitments.csv: {row.site_id}/{row.product_id} is committed to route "
                        f"'{row.route_id}', which the model cannot run (incomplete data or a "
                        f"carrier without a price: {', '.join(excluded_routes)})"
                    )
                commit_route[s, p] = r_of[str(row.route_id)]
                commit_year[s, p] = int(cast(int, row.start_year))
        for item in lv.routes_off:
            route_allowed[s] &= ~((np.array(route_ids) == item) | (family == FAMILY.get(item, -1)))

    # a pool restricted to one site (the Northern Lights contract is Yara's)
    site_arr = sp["site_id"].to_numpy()
    pool_plants = np.ones((Q, P), dtype=bool)
    for q, only in enumerate(pool_sites):
        if only is not None:
            pool_plants[q] = site_arr == only

    # ---- product price: import parity calibrated on the base year
    # share of IKC claims the budgets pay, on base-year claims (what plants can expect)
    is_elec = np.array([c == "electricity" for c in carrier_ids])
    eligible = np.isin(sp["sector_id"].to_numpy(), IKC_SECTORS)
    base_mwh = (inputs[incumbent][:, is_elec, :].sum(axis=1) / 3.6) * sp["production"].to_numpy(
        dtype=float
    )[:, None]  # (P, Y)
    claims = (ikc_aid * ikc_factor)[None, :] * eua * (base_mwh * eligible[:, None]).sum(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        ikc_paid_share = np.where(claims > 0, np.minimum(1.0, ikc_budget[None, :] / claims), 1.0)
    ikc_paid_share = np.where(ikc_budget[None, :] > 0, ikc_paid_share, 0.0) * ikc_on[:, None]
    reference = _Reference(
        price=price_ref,
        tax=tax,
        eua=float(np.nan_to_num(eua_base[0])),
        levy_gap=max(float(tariff_cur[0]) - float(np.nan_to_num(eua_base[0])), 0.0),
        reduction_factor=float(rf[0]),
        ikc_rate=float(ikc_aid[0] * ikc_factor[0] * np.nan_to_num(eua_base[0]))
        * _first_year_ikc_share(ikc_aid, ikc_factor, eua_base, ikc_budget, base_mwh, eligible),
        discount=DEFAULT_DISCOUNT_RATE,
    )
    plant_price = np.broadcast_to(
        _calibrate(
            reference,
            incumbent,
            inputs,
            variable,
            fixed,
            capex_renewal,
            lifetime,
            sp,
            base_emissions,
            base_fa,
            np.isin(sp["sector_id"].to_numpy(), IKC_SECTORS),
            np.array([c == "electricity" for c in carrier_ids]),
        )[None],
        (S, P),
    ).copy()
    uplift, import_intensity = _cbam_uplift(
        eua,
        cbam_factor,
        cbam_goods,
        plant_product,
        base_emissions,
        sp["production"].to_numpy(dtype=float),
        len(product_ids),
    )

    ds = sp["sector_id"].to_numpy()
    attrs = {
        "data_hash": cat.data_hash,
        "excluded_routes": excluded_routes,
        "carrier_units": {str(c): str(u) for c, u in carriers["unit"].items()},
        "cluster_names": dict(
            zip(
                cat.clusters["cluster_id"].astype(str),
                cat.clusters["name"].astype(str),
                strict=True,
            )
        ),
        "unpriced_carriers": [carrier_ids[c] for c in unpriced],
        "product_cbam": cbam_goods.tolist(),
        "import_intensity": import_intensity.tolist(),
        "pool_sites": pool_sites,
    }
    inp = ModelInputs(
        scenarios=tuple(sc.name for sc in scenarios),
        plants=tuple(f"{a}/{b}" for a, b in zip(sp["site_id"], sp["product_id"], strict=True)),
        plant_site=tuple(str(x) for x in sp["site_id"]),
        plant_sector=tuple(str(x) for x in ds),
        routes=tuple(route_ids),
        carriers=tuple(carrier_ids),
        products=tuple(product_ids),
        product_units=tuple(str(u) for u in products["unit"]),
        clusters=tuple(clusters),
        years=years,
        plant_product=plant_product,
        plant_cluster=plant_cluster,
        capacity=sp["capacity"].to_numpy(dtype=float),
        base_production=sp["production"].to_numpy(dtype=float),
        base_emissions=base_emissions,
        base_free_allocation=base_fa,
        incumbent=incumbent,
        reinvestment_year=reinvest,
        ikc_eligible=np.isin(ds, IKC_SECTORS),
        options=options,
        route_product=route_product,
        family=family,
        lifetime=lifetime,
        lead_time=lead,
        earliest_year=earliest,
        capex=capex,
        capex_renewal=capex_renewal,
        route_domestic=route_domestic,
        fixed_opex=fixed,
        variable_opex=variable,
        emission_factor=ef,
        capture_rate=capture,
        route_inputs=inputs,
        carrier_embedded=_embedded(carriers),
        carrier_cbam=_carrier_cbam(carriers, products),
        carrier_is_electricity=np.array([c == "electricity" for c in carrier_ids]),
        carrier_is_hydrogen=np.array([c == "hydrogen" for c in carrier_ids]),
        price=price,
        energy_tax=np.broadcast_to(tax[None], (S, *tax.shape)).copy(),
        tax_thresholds=tax_thresholds,
        tax_rates=tax_rates,
        eua=eua,
        cbam_factor=cbam_factor,
        co2_ts_cost=np.broadcast_to(ts_cost[None], (S, Y)).copy(),
        free_allocation_factor=fa_factor,
        levy_tariff=levy,
        levy_reduction_factor=np.broadcast_to(rf[None], (S, Y)).copy(),
        grid_emission_factor=grid_ef,
        discount_rate=discount,
        risk_sharing=risk,
        myopic=myopic,
        plant_price=plant_price,
        price_uplift=uplift,
        green_premium=green,
        mandate_share=mandate,
        demand_scale=demand,
        sde_budget=sde_b,
        sde_max_per_t=np.broadcast_to(sde_max[None], (S, Y)).copy(),
        sde_duration=np.full(S, sde_duration),
        grant_budget=grant_b,
        grant_share=grant_share,
        ccfd_strike=ccfd_strike,
        ccfd_budget=ccfd_budget,
        ccfd_duration=ccfd_duration,
        ikc_aid_intensity=ikc_aid[None] * ikc_on[:, None],
        ikc_co2_factor=np.broadcast_to(ikc_factor[None], (S, Y)).copy(),
        ikc_budget=np.broadcast_to(ikc_budget[None], (S, Y)).copy(),
        ikc_paid_share=ikc_paid_share,
        pool_names=tuple(pool_names),
        pool_resource=np.array(pool_resource, dtype=np.int64),
        pool_host=np.array(pool_host, dtype=np.int64),
        pool_capacity=pool_capacity,
        pool_access=pool_access,
        pool_plants=pool_plants,
        hydrogen_year=hydrogen_year,
        emission_target=emission_target,
        seeds=np.array([sc.seed for sc in scenarios], dtype=np.int64),
        route_allowed=route_allowed,
        commit_route=commit_route,
        commit_year=commit_year,
        scenario_json=tuple(sc.to_json() for sc in scenarios),
        attrs=attrs,
    )
    return inp


def _options(
    plant_product: npt.NDArray[np.int64],
    incumbent: npt.NDArray[np.int64],
    route_product: npt.NDArray[np.int64],
    complete: npt.NDArray[np.bool_],
) -> npt.NDArray[np.int64]:
    """(P, K) route options per plant: its incumbent first, then the product's other routes."""
    by_product: dict[int, list[int]] = {}
    for r in np.flatnonzero(complete):
        by_product.setdefault(int(route_product[r]), []).append(int(r))
    P = len(plant_product)
    K = max(len(by_product.get(int(g), [])) + 1 for g in plant_product)
    options = np.full((P, K), -1, dtype=np.int64)
    for p in range(P):
        rest = [r for r in by_product.get(int(plant_product[p]), []) if r != incumbent[p]]
        opts = [int(incumbent[p]), *rest]
        options[p, : len(opts)] = opts
    return options


GJ_PER_UNIT = {"gas": GAS_MJ_PER_M3 / 1000.0, "electricity": 0.0036}
"""Energy of one taxed unit [GJ]: a m3 of gas (GAS_MJ_PER_M3) and a kWh of electricity."""
TAXED = {"natural_gas": "gas", "electricity": "electricity"}


def _tax_brackets(
    policy: dict[str, pd.DataFrame], years: npt.NDArray[np.int64], carrier_ids: list[str]
) -> tuple[F, F]:
    """Energy-tax brackets of gas and electricity in GJ: thresholds (C, 3) [GJ/yr] and rates
    (C, 4, Y) [EUR/GJ]; a bracket year not given holds the last value given."""
    thresholds = np.full((len(carrier_ids), 3), np.nan)
    rates = np.zeros((len(carrier_ids), 4, len(years)))
    for c, carrier in enumerate(carrier_ids):
        name = TAXED.get(carrier)
        if name is None:
            continue
        gj = GJ_PER_UNIT[name]
        for b in range(3):
            path = _policy_path(policy, f"energy_tax.{name}_threshold_bracket_{b + 1}", years)
            thresholds[c, b] = float(np.nan_to_num(path[0], nan=np.inf)) * gj
        for b in range(4):
            path = _policy_path(policy, f"energy_tax.{name}_rate_bracket_{b + 1}", years)
            rows = policy.get(f"energy_tax.{name}_rate_bracket_{b + 1}")
            first = float(rows.sort_values("year")["value"].iloc[0]) if rows is not None else 0.0
            rates[c, b] = np.where(np.isnan(path), first, path) / gj
    return thresholds, rates


def _first_year_ikc_share(
    aid: F, factor: F, eua: F, budget: F, base_mwh: F, eligible: npt.NDArray[np.bool_]
) -> float:
    """Share of base-year IKC claims the data package's first-year budget pays."""
    claims = float(aid[0] * factor[0] * np.nan_to_num(eua[0]) * (base_mwh[:, 0] * eligible).sum())
    if budget[0] <= 0:
        return 0.0
    return 1.0 if claims <= 0 else min(1.0, float(budget[0]) / claims)


def _embedded(carriers: pd.DataFrame) -> F:
    """Embedded emissions of imported materials [tCO2/t] (their emission_factor)."""
    is_material = carriers["unit"].astype(str) == "t"
    return np.where(is_material, carriers["emission_factor"].fillna(0.0), 0.0).astype(float)


def _carrier_cbam(carriers: pd.DataFrame, products: pd.DataFrame) -> npt.NDArray[np.bool_]:
    """Imported intermediates that are CBAM goods (iron/steel, fertiliser, hydrogen)."""
    ids = carriers.index.astype(str)
    cbam_words = ("hbi", "dri", "pig_iron", "ammonia", "hydrogen_import", "steel")
    return np.array([any(w in c for w in cbam_words) and c != "hydrogen" for c in ids])


@dataclass(frozen=True)
class _Reference:
    """First-year conditions of the data package (policy in force), for calibration."""

    price: F  # (C, Y)
    tax: F  # (C, Y)
    eua: float
    levy_gap: float
    reduction_factor: float
    ikc_rate: float  # EUR per MWh of electricity for eligible plants
    discount: float


def _calibrate(
    ref: _Reference,
    incumbent: npt.NDArray[np.int64],
    inputs: F,
    variable: F,
    fixed: F,
    capex_renewal: F,
    lifetime: F,
    sp: pd.DataFrame,
    base_emissions: F,
    base_fa: F,
    ikc_eligible: npt.NDArray[np.bool_],
    is_electricity: npt.NDArray[np.bool_],
) -> F:
    """Revenue per unit of each plant [EUR/product], shape (P,).

    Assumption (revealed viability): every plant that operates in the base year covers its
    full cost of staying under the first model year's conditions as the data package gives
    them (prices, taxes, EU ETS net of its own free allocation, CO2-heffing, IKC) plus the
    annuity of renewing its route. Its revenue per unit is set to that cost and held constant
    in real terms, so that decisions respond to changes from today (in every scenario alike)
    rather than to unobserved differences between plants."""
    prod = sp["production"].to_numpy(dtype=float)
    cap_ratio = np.where(
        prod > 0, sp["capacity"].to_numpy(dtype=float) / np.maximum(prod, 1e-12), 1.0
    )
    inc, t0 = incumbent, 0
    energy = inputs[inc, :, t0] @ (ref.price[:, t0] + ref.tax[:, t0])
    opex = variable[inc, t0] + fixed[inc, t0] * cap_ratio
    capital = (
        capex_renewal[inc, t0]
        * annuity_factor(ref.discount, np.maximum(lifetime[inc], 1.0))
        * cap_ratio
    )
    with np.errstate(divide="ignore", invalid="ignore"):
        em_unit = np.where(prod > 0, base_emissions / prod, 0.0)
        fa_unit = np.where(prod > 0, base_fa / prod, 0.0)
    carbon = ref.eua * (em_unit - fa_unit)
    levy = ref.levy_gap * np.maximum(em_unit - fa_unit * ref.reduction_factor, 0.0)
    elec_mwh = inputs[inc][:, is_electricity, t0].sum(axis=1) / 3.6
    ikc = ref.ikc_rate * elec_mwh * ikc_eligible
    return np.asarray(energy + opex + capital + carbon + levy - ikc, dtype=np.float64)


def _cbam_uplift(
    eua: F,
    cbam_factor: F,
    cbam_goods: npt.NDArray[np.bool_],
    plant_product: npt.NDArray[np.int64],
    base_emissions: F,
    prod: F,
    n_products: int,
) -> tuple[F, F]:
    """Rise of the import-parity price of CBAM goods (S, G, Y) [EUR/product]: imports pay
    CBAM on the Dutch plants' average intensity (G,) [tCO2/product] for the share no longer
    freely allocated. Returns both."""
    S, Y = eua.shape
    uplift = np.zeros((S, n_products, Y))
    intensities = np.zeros(n_products)
    with np.errstate(divide="ignore", invalid="ignore"):
        em_unit = np.where(prod > 0, base_emissions / prod, 0.0)
    for g in np.flatnonzero(cbam_goods):
        mask = plant_product == g
        if not mask.any() or prod[mask].sum() <= 0:
            continue
        intensity = float((em_unit[mask] * prod[mask]).sum() / prod[mask].sum())
        intensities[g] = intensity
        uplift[:, g, :] = intensity * eua * (1.0 - cbam_factor)
    return uplift, intensities
