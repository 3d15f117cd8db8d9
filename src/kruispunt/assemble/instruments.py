"""Parameters of every policy instrument per scenario, from the policy table and the levers.

One builder per instrument; each returns the arrays the instrument declares
(:attr:`kruispunt.policy.base.Instrument.parameters`), all with a leading scenario axis. No
instrument formula lives here: only where each parameter comes from.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import numpy.typing as npt

from kruispunt.assemble.activities import PlantActivities, plant_activities
from kruispunt.assemble.plants import PlantBundle
from kruispunt.assemble.routes import RouteBundle
from kruispunt.assemble.tables import Tables
from kruispunt.errors import KruispuntError
from kruispunt.scenarios import Scenario
from kruispunt.vocabulary import GJ_PER_MWH

F = npt.NDArray[np.float64]
B = npt.NDArray[np.bool_]
Params = dict[str, npt.NDArray[np.generic]]

TAXED = {"natural_gas": "gas", "electricity": "electricity"}
"""Carriers with energy-tax brackets, and the name of their schedule in the policy table."""
HYDROGEN = "hydrogen"
"""The carrier with its own flat energy-tax rate from 2026 (``energy_tax.hydrogen_own_rate``)."""
MJ_PER_KWH = 3.6


@dataclass(frozen=True)
class BuildContext:
    """What the builders read."""

    tables: Tables
    scenarios: Sequence[Scenario]
    years: npt.NDArray[np.int64]
    pb: PlantBundle
    """The plants (base-year production, today's route) and their table (site, product)."""
    rb: RouteBundle
    """The routes (inputs, product) and their ids."""

    @cached_property
    def activities(self) -> PlantActivities:
        """Each plant's activity codes and power-plant share."""
        return plant_activities(self.tables, self.pb.table)

    @property
    def S(self) -> int:
        return len(self.scenarios)

    def per_scenario(self, values: F) -> F:
        """The same values for every scenario."""
        return np.broadcast_to(values[None], (self.S, *values.shape)).copy()


def _energy_tax(b: BuildContext) -> Params:
    tables, years = b.tables, b.years
    C, Y = len(tables.carrier_ids), len(years)
    rate = np.zeros((C, Y))
    thresholds = np.full((C, 3), np.nan)
    brackets = np.zeros((C, 4, Y))
    for carrier, schedule in TAXED.items():
        c = tables.carrier_index.get(carrier)
        if c is None:
            continue
        for k in range(3):
            path = tables.policy_path(f"energy_tax.{schedule}_threshold_bracket_{k + 1}", years)
            thresholds[c, k] = float(np.nan_to_num(path[0], nan=np.inf))
        for k in range(4):
            name = f"energy_tax.{schedule}_rate_bracket_{k + 1}"
            path = tables.policy_path(name, years)
            rows = tables.policy_rows(name)
            first = float(rows.sort_values("year")["value"].iloc[0]) if rows is not None else 0.0
            brackets[c, k] = np.where(np.isnan(path), first, path)
        rate[c] = brackets[c, 3]
    h = tables.carrier_index.get(HYDROGEN)
    if h is not None:
        # Belastingplan 2025: hydrogen is taxed as natural gas until 2026, then at its own rate,
        # equal to the business electricity rate of the top bracket (per GJ)
        own = np.nan_to_num(tables.policy_path("energy_tax.hydrogen_own_rate", years)) > 0.5
        gas, elec = (tables.carrier_index.get(k) for k in TAXED)
        as_gas = brackets[gas, 3] if gas is not None else np.zeros(Y)
        as_elec = brackets[elec, 3] if elec is not None else np.zeros(Y)
        rate[h] = np.where(own, as_elec, as_gas)
    exempt, plant_exempt = _tax_exemptions(b)
    return {
        "rate": b.per_scenario(rate),
        "thresholds": b.per_scenario(thresholds),
        "bracket_rates": b.per_scenario(brackets),
        "exempt": b.per_scenario(exempt),
        "plant_exempt": b.per_scenario(plant_exempt),
    }


def _tax_exemptions(b: BuildContext) -> tuple[F, F]:
    """Exempt shares of each route's carriers ``(R, C)`` and of each plant's ``(P, C)``.

    Rows of ``tax_exemptions.csv`` for every plant (``nace`` = ``any``) exempt a share of the
    carrier on the route. Rows for plants of a NACE division or class exempt the carrier for
    the plants whose activity matches and that make the route's product, on every route of
    that product (e.g. the gas an electrified kiln plant still burns). The electricity-
    generation exemption (Wbm art. 64(1)(a)) exempts gas up to ``chp_gas_per_kwh`` per kWh:
    at the CHPs' electrical efficiency, the share
    ``min(1, cap x calorific value x efficiency / 3.6 MJ/kWh)`` of the gas the site's power
    plants burn (their share of the site's base-year emissions).
    """
    tables, routes, plants = b.tables, b.rb.routes, b.pb.plants
    rid = {r: i for i, r in enumerate(b.rb.ids)}
    R, C, P = len(rid), len(tables.carrier_ids), len(plants.product)
    exempt = np.zeros((R, C))
    plant_exempt = np.zeros((P, C))
    rows = tables.catalogue.tax_exemptions
    products = plants.product
    for route, carrier, nace, share in zip(
        rows["route_id"].astype(str),
        rows["carrier_id"].astype(str),
        rows["nace"].astype(str),
        rows["exempt_share"].astype(float),
        strict=True,
    ):
        r, c = rid[route], tables.carrier_index[carrier]
        if nace == "any":
            exempt[r, c] = share
            continue
        hit = b.activities.matches(nace) & (products == routes.product[r])
        plant_exempt[hit, c] = 1.0 - (1.0 - plant_exempt[hit, c]) * (1.0 - share)
    gas = tables.carrier_index.get("natural_gas")
    if gas is not None:
        cap = tables.policy_scalar("energy_tax.chp_gas_per_kwh")
        mj_per_m3 = tables.policy_scalar("energy_tax.chp_reference_calorific_value")
        efficiency = tables.policy_scalar("energy_tax.chp_electrical_efficiency")
        covered = min(1.0, cap * mj_per_m3 * efficiency / MJ_PER_KWH)
        chp = b.activities.power_share * covered
        plant_exempt[:, gas] = 1.0 - (1.0 - plant_exempt[:, gas]) * (1.0 - chp)
    return exempt, plant_exempt


def _ets(b: BuildContext) -> Params:
    path = b.tables.policy_path("cbam.free_allocation_factor", b.years, before=1.0)
    phase_out = np.nan_to_num(path, nan=1.0)
    factor = np.ones((b.S, len(b.years)))
    for s, sc in enumerate(b.scenarios):
        if sc.levers.cbam:
            factor[s] = phase_out
    return {"cbam_factor": factor}


def _co2_levy(b: BuildContext) -> Params:
    tables, years = b.tables, b.years
    paths = {
        "off": np.zeros(len(years)),
        "current": np.nan_to_num(tables.policy_path("co2_heffing.tariff", years), nan=0.0),
        "original": np.nan_to_num(
            tables.policy_path("co2_heffing.tariff_original", years), nan=0.0
        ),
    }
    rf = np.nan_to_num(tables.policy_path("co2_heffing.reduction_factor", years), nan=1.0)
    tariff = np.stack([paths[sc.levers.co2_heffing] for sc in b.scenarios])
    return {"tariff": tariff, "reduction_factor": b.per_scenario(rf)}


def _ikc(b: BuildContext) -> Params:
    tables, years = b.tables, b.years
    aid = np.nan_to_num(tables.policy_path("ikc.aid_intensity", years), nan=0.0)
    aid_new = np.nan_to_num(tables.policy_path("ikc.aid_intensity_new_sectors", years), nan=0.0)
    subs = [sc.levers.subsidies for sc in b.scenarios]
    on = np.array([float(sub.ikc) for sub in subs])
    new_on = np.array([float(sub.ikc and sub.ikc_new_sectors) for sub in subs])
    existing, new, unverified = _ikc_eligible(b)
    eligible_new = new[None] & (~unverified[None] | (new_on[:, None] > 0))
    return {
        "aid_intensity": aid[None] * on[:, None],
        "aid_intensity_new": aid_new[None] * on[:, None],
        "co2_factor": b.per_scenario(
            np.nan_to_num(tables.policy_path("ikc.co2_emission_factor", years), nan=0.0)
        ),
        "budget": b.per_scenario(tables.policy_flow("ikc.budget", years)),
        "eligible": b.per_scenario(existing.astype(float)),
        "eligible_new": eligible_new.astype(float),
        "baseline_mwh": b.per_scenario(_ikc_baseline_mwh(b)),
    }


def _ikc_eligible(b: BuildContext) -> tuple[B, B, B]:
    """``(P,)`` plants in a listed sector the Dutch scheme applies (``nl`` yes) of the 2021
    list, of the 2026 additions, and those whose sector's application is unverified.

    A plant is in a sector when one of its activity codes is a listed class
    (``ikc_sectors.csv``, scope ``sector``; subsectors are listed at product level, which the
    plants do not resolve). The existing list wins where a plant matches both."""
    rows = b.tables.catalogue.ikc_sectors
    rows = rows[rows["scope"].astype(str) == "sector"]
    P = len(b.pb.plants.product)
    existing, new, unverified = (np.zeros(P, dtype=bool) for _ in range(3))
    for nace, group, nl in zip(
        rows["nace"].astype(str), rows["aid_group"].astype(str), rows["nl"].astype(str), strict=True
    ):
        if nl == "no":
            continue
        hit = np.array([nace in codes for codes in b.activities.nace], dtype=bool)
        if group == "existing":
            existing |= hit
        else:
            new |= hit
            if nl == "unverified":
                unverified |= hit
    return existing, new & ~existing, unverified & ~existing


def _ikc_baseline_mwh(b: BuildContext) -> F:
    """Eligible electricity of each plant ``(P,)`` [MWh/yr]: the fall-back benchmark (0.8)
    times its baseline consumption, which is the ``ikc_baselines.csv`` figure where given,
    else today's route's electricity at base-year production, else the sector's electricity
    intensity (``ikc_sectors.csv``) times base-year production of a product counted in t.
    No product benchmarks are in the data, so the benchmark form is not used."""
    tables, plants, routes = b.tables, b.pb.plants, b.rb.routes
    fallback = tables.policy_scalar("ikc.fallback_factor")
    elec = tables.carrier_index.get("electricity")
    inc = plants.incumbent
    per_unit = routes.inputs[inc, elec, 0] / GJ_PER_MWH if elec is not None else np.zeros(len(inc))
    consumption = per_unit * plants.base_production
    cat = tables.catalogue
    sectors = cat.ikc_sectors
    intensity = dict(
        zip(
            sectors["nace"].astype(str), sectors["electricity_intensity"].astype(float), strict=True
        )
    )
    in_t = cat.products["unit"].astype(str).to_numpy() == "t"
    for p, codes in enumerate(b.activities.nace):
        known = [intensity[c] for c in codes if c in intensity and np.isfinite(intensity[c])]
        if consumption[p] <= 0 and known and in_t[plants.product[p]]:
            consumption[p] = max(known) * plants.base_production[p]
    table = b.pb.table
    plant_key = table["site_id"].astype(str) + "/" + table["product_id"].astype(str)
    rows = cat.ikc_baselines
    for site, product, mwh in zip(
        rows["site_id"].astype(str),
        rows["product_id"].astype(str),
        rows["electricity"],
        strict=True,
    ):
        if np.isfinite(mwh):  # a site's figure is split over its units by base-year output
            units = np.flatnonzero(plant_key.to_numpy() == f"{site}/{product}")
            out = plants.base_production[units]
            share = out / out.sum() if out.sum() > 0 else np.full(len(units), 1 / len(units))
            consumption[units] = float(mwh) * share
    return np.asarray(fallback * consumption, dtype=np.float64)


def _green_premium(b: BuildContext) -> Params:
    g_of = b.tables.product_index
    premium = np.zeros((b.S, len(g_of)))
    share = np.zeros((b.S, len(g_of)))
    for s, sc in enumerate(b.scenarios):
        for pid, val in sc.levers.green_premium.items():
            premium[s, g_of[pid]] = val
        for pid, val in sc.levers.mandate_share.items():
            share[s, g_of[pid]] = val
    return {"premium": premium, "share": share}


def _sde(b: BuildContext) -> Params:
    tables, years = b.tables, b.years
    budget = tables.policy_flow("sde_pp.budget", years)
    out = np.zeros((b.S, len(years)))
    for s, sc in enumerate(b.scenarios):
        sub = sc.levers.subsidies
        extra = np.array([sub.sde_extra_budget.get(int(y), 0.0) for y in years])
        out[s] = (budget * sub.sde_budget_scale + extra) * sub.sde
    duration = tables.policy_path("sde_pp.subsidy_duration_max", years)[0]
    if np.isnan(duration):
        raise KruispuntError("policy.csv: the data package lacks sde_pp.subsidy_duration_max")
    max_t = np.nan_to_num(tables.policy_path("sde_pp.max_subsidy_intensity", years), nan=0.0)
    return {
        "budget": out,
        "max_per_t": b.per_scenario(max_t),
        "duration": np.full(b.S, float(duration)),
    }


def _ccfd(b: BuildContext) -> Params:
    subs = [sc.levers.subsidies for sc in b.scenarios]
    return {
        "strike": np.array(
            [np.nan if s.ccfd_strike_price is None else s.ccfd_strike_price for s in subs]
        ),
        "budget": np.array([s.ccfd_budget for s in subs]),
        "duration": np.array([float(s.ccfd_duration) for s in subs]),
    }


def _grants(b: BuildContext) -> Params:
    budget = b.tables.policy_flow("niki.budget", b.years)
    subs = [sc.levers.subsidies for sc in b.scenarios]
    return {
        "budget": np.stack([budget * s.grant_budget_scale * s.grants for s in subs]),
        "share": np.array([s.grant_share for s in subs]),
    }


BUILDERS: dict[str, Callable[[BuildContext], Params]] = {
    "energy_tax": _energy_tax,
    "ets": _ets,
    "co2_levy": _co2_levy,
    "ikc": _ikc,
    "green_premium": _green_premium,
    "sde": _sde,
    "ccfd": _ccfd,
    "grants": _grants,
}
"""Where each instrument's parameters come from (instruments without a builder, e.g. CBAM,
read only the inputs' bundles and other instruments' parameters)."""


def build_instruments(b: BuildContext) -> dict[str, Params]:
    """The parameters of every instrument that has a builder."""
    return {name: build(b) for name, build in BUILDERS.items()}
