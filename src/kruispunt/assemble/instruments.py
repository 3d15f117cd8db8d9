"""Parameters of every policy instrument per scenario, from the policy table and the levers.

One builder per instrument; each returns the arrays the instrument declares
(:attr:`kruispunt.policy.base.Instrument.parameters`), all with a leading scenario axis. No
instrument formula lives here: only where each parameter comes from.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from kruispunt.assemble.tables import Tables
from kruispunt.errors import KruispuntError
from kruispunt.policy.sde import CARBON, DOMAINS, ENERGY_CARBON, NO_CATEGORY
from kruispunt.scenarios import Scenario

F = npt.NDArray[np.float64]
B = npt.NDArray[np.bool_]
Params = dict[str, npt.NDArray[np.generic]]

TAXED = {"natural_gas": "gas", "electricity": "electricity"}
"""Carriers with energy-tax brackets, and the name of their schedule in the policy table."""


@dataclass(frozen=True)
class BuildContext:
    """What the builders read."""

    tables: Tables
    scenarios: Sequence[Scenario]
    years: npt.NDArray[np.int64]
    ikc_eligible: B
    """``(P,)``"""

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
        rate[c] = np.nan_to_num(tables.policy_path(f"energy_tax.{schedule}_rate_bracket_4", years))
    return {
        "rate": b.per_scenario(rate),
        "thresholds": b.per_scenario(thresholds),
        "bracket_rates": b.per_scenario(brackets),
    }


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
    on = np.array([float(sc.levers.subsidies.ikc) for sc in b.scenarios])
    return {
        "aid_intensity": aid[None] * on[:, None],
        "co2_factor": b.per_scenario(
            np.nan_to_num(tables.policy_path("ikc.co2_emission_factor", years), nan=0.0)
        ),
        "budget": b.per_scenario(tables.policy_flow("ikc.budget", years)),
        "eligible": b.per_scenario(b.ikc_eligible.astype(float)),
    }


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


SDE_STEAM_PRODUCTS = ("paper",)
"""Products other than the process-heat bands whose low-carbon routes are steam boilers (the
paper machine's e-boiler or biomass boiler): SDE++ heat categories."""


def _sde_categories(b: BuildContext) -> tuple[F, F]:
    """Each route's SDE++ correction (index into ``policy.sde.CORRECTIONS``) and ring-fenced
    domain (index into ``policy.sde.DOMAINS``, -1 none), by the scheme's categories (RVO,
    Rijksoverheid 2024; ``docs/model.md``):

    - CCS routes: CO2 capture and storage, correction EUA x CO2 avoided; no domain;
    - electrification of process heat and steam (e-boilers, industrial heat pumps): CO2-arme
      warmte, correction displaced gas + EUA; domain high-temperature heat ("open industriële
      warmtepompen en elektrische boilers");
    - biomass boilers and furnaces for process heat and steam: hernieuwbare warmte, the same
      correction; no domain;
    - electrolysis (hydrogen): correction grey hydrogen's gas + EUA; domain molecules;
    - electric glass melting: electrification in industry (hybrid glass furnaces opened in
      2022), correction displaced gas + EUA; no domain;
    - every other route (e-crackers, hydrogen DRI, imports, recycling ...) is no category.
    """
    routes = b.tables.catalogue.routes
    family = routes["family"].astype(str).to_numpy()
    product = routes["product_id"].astype(str).to_numpy()
    products = b.tables.catalogue.products
    heat_ids = set(products.loc[products["unit"].astype(str) == "GJ", "product_id"].astype(str))
    heat = np.isin(product, [*heat_ids, *SDE_STEAM_PRODUCTS])
    electric = family == "electrification"
    kind = np.full(len(family), NO_CATEGORY, dtype=np.float64)
    domain = np.full(len(family), -1.0)
    kind[family == "ccs"] = CARBON
    energy = (heat & (electric | (family == "circular"))) | (
        electric & np.isin(product, ["hydrogen", "glass"])
    )
    kind[energy] = ENERGY_CARBON
    domain[heat & electric] = DOMAINS.index("high_temperature_heat")
    domain[electric & (product == "hydrogen")] = DOMAINS.index("molecules")
    return b.per_scenario(kind), b.per_scenario(domain)


def _sde(b: BuildContext) -> Params:
    tables, years = b.tables, b.years
    budget = tables.policy_flow("sde_pp.budget", years)
    out = np.zeros((b.S, len(years)))
    scale = np.zeros(b.S)
    for s, sc in enumerate(b.scenarios):
        sub = sc.levers.subsidies
        extra = np.array([sub.sde_extra_budget.get(int(y), 0.0) for y in years])
        out[s] = (budget * sub.sde_budget_scale + extra) * sub.sde
        scale[s] = sub.sde_budget_scale if sub.sde else 0.0
    duration = tables.policy_path("sde_pp.subsidy_duration_max", years)[0]
    if np.isnan(duration):
        raise KruispuntError("policy.csv: the data package lacks sde_pp.subsidy_duration_max")
    max_t = np.nan_to_num(tables.policy_path("sde_pp.max_subsidy_intensity", years), nan=0.0)
    general = np.nan_to_num(
        tables.policy_path("sde_pp.max_subsidy_intensity_general", years), nan=np.inf
    )
    # the reserved domain budgets scale with the announced budgets and hold in extra rounds
    domains = np.stack(
        [
            np.nan_to_num(tables.policy_path(f"sde_pp.domain_budget_{d}", years), nan=0.0)
            for d in DOMAINS
        ]
    )
    ceiling = np.nan_to_num(tables.policy_path("sde_pp.ccs_ceiling", years), nan=np.inf)
    dropped = tables.policy_path("sde_pp.ccs_ceiling_dropped", years)
    ceiling = np.where(np.nan_to_num(dropped, nan=0.0) > 0, np.inf, ceiling)
    kind, domain = _sde_categories(b)
    return {
        "budget": out,
        "max_per_t": b.per_scenario(max_t),
        "max_per_t_general": b.per_scenario(general),
        "domain_budget": domains[None] * scale[:, None, None],
        "correction": kind,
        "domain": domain,
        "base_price_share": np.full(b.S, tables.policy_scalar("sde_pp.base_price_share")),
        "base_price_years": np.full(b.S, tables.policy_scalar("sde_pp.base_price_years")),
        "ccs_ceiling": b.per_scenario(ceiling),
        "duration": np.full(b.S, float(duration)),
    }


def _ccfd(b: BuildContext) -> Params:
    subs = [sc.levers.subsidies for sc in b.scenarios]

    def lever(values: list[float]) -> F:
        return np.array(values, dtype=np.float64)

    return {
        "strike": lever(
            [np.nan if s.ccfd_strike_price is None else s.ccfd_strike_price for s in subs]
        ),
        "budget": lever([s.ccfd_budget for s in subs]),
        "duration": lever([float(s.ccfd_duration) for s in subs]),
        "pay_as_bid": lever([float(s.ccfd_pricing == "pay_as_bid") for s in subs]),
        "markup": lever([s.ccfd_bid_markup for s in subs]),
        "two_sided": lever([float(s.ccfd_two_sided) for s in subs]),
        "indexation": lever([float(s.ccfd_indexation == "energy") for s in subs]),
        "index_cap": lever([s.ccfd_indexation_cap for s in subs]),
        "additionality": lever([float(s.ccfd_additionality) for s in subs]),
        "additionality_threshold": lever([s.ccfd_additionality_threshold for s in subs]),
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
