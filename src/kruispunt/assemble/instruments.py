"""Parameters of every policy instrument per scenario, from the policy table and the levers.

One builder per instrument; each returns the arrays the instrument declares
(:attr:`kruispunt.policy.base.Instrument.parameters`), all with a leading scenario axis. No
instrument formula lives here: only where each parameter comes from.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cached_property, partial, wraps
from typing import Any, TypeVar, cast

import numpy as np
import numpy.typing as npt

from kruispunt.assemble.activities import PlantActivities, plant_activities
from kruispunt.assemble.levers import applied_events, named_plants, plant_money
from kruispunt.assemble.plants import PlantBundle
from kruispunt.assemble.routes import RouteBundle, route_parameter
from kruispunt.assemble.tables import Tables
from kruispunt.errors import KruispuntError
from kruispunt.policy.energy_tax import chp_exempt_share
from kruispunt.policy.network_tariff import LEVELS, band_load_share, tariff_per_mwh
from kruispunt.policy.refinery_route import refinery_credit
from kruispunt.policy.sde import CARBON, DOMAINS, ENERGY_CARBON, NO_CATEGORY
from kruispunt.scenarios import Scenario
from kruispunt.vocabulary import (
    BASE_YEAR,
    FAMILY,
    GJ_PER_MWH,
    HOURS_PER_YEAR,
    HYDROGEN_LHV_GJ_PER_T,
    LOW_CARBON_FAMILIES,
)

F = npt.NDArray[np.float64]
B = npt.NDArray[np.bool_]
I = npt.NDArray[np.int64]  # noqa: E741
Params = dict[str, npt.NDArray[np.generic]]
T = TypeVar("T")

TAXED = {"natural_gas": "gas", "electricity": "electricity"}
"""Carriers with energy-tax brackets, and the name of their schedule in the policy table."""
HYDROGEN = "hydrogen"
"""The carrier with its own flat energy-tax rate from 2026 (``energy_tax.hydrogen_own_rate``)."""


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
        return self.kept("plant_activities", lambda: plant_activities(self.tables, self.pb.table))

    def kept(self, name: str, compute: Callable[[], T]) -> T:
        """``compute()``, a pure function of the data package and the model years (the
        routes and plants follow from these), worked out once per catalogue and years and
        copied out (:meth:`Tables.memo`): the same for every batch of an ensemble."""
        return self.tables.memo((name, self.years.tobytes()), compute)

    @property
    def S(self) -> int:
        return len(self.scenarios)

    def per_scenario(self, values: F) -> F:
        """The same values for every scenario."""
        return np.broadcast_to(values[None], (self.S, *values.shape)).copy()


def _of_data(f: Callable[[BuildContext], T]) -> Callable[[BuildContext], T]:
    """``f``, a pure function of the data package and the model years that reads no
    scenario, worked out once per catalogue and years (:meth:`BuildContext.kept`)."""

    @wraps(f)
    def kept(b: BuildContext) -> T:
        return b.kept(f.__name__, partial(f, b))

    return kept


def _energy_tax(b: BuildContext) -> Params:
    """The energy-tax schedules and exemptions, the same in every scenario."""
    return {k: b.per_scenario(v) for k, v in _energy_tax_base(b).items()}


@_of_data
def _energy_tax_base(b: BuildContext) -> dict[str, F]:
    """:func:`_energy_tax` of one scenario."""
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
    exempt, plant_exempt, chp_share = _tax_exemptions(b)
    return {
        "rate": rate,
        "thresholds": thresholds,
        "bracket_rates": brackets,
        "exempt": exempt,
        "plant_exempt": plant_exempt,
        "chp_share": chp_share,
        "chp_cover": _chp_cover(b) if chp_share.any() else np.zeros(Y),
    }


def _tax_exemptions(b: BuildContext) -> tuple[F, F, F]:
    """Exempt shares of each route's carriers ``(R, C)`` and of each plant's ``(P, C)``, and
    the share of each plant's carrier its site's power plants burn ``(P, C)``.

    Rows of ``tax_exemptions.csv`` for every plant (``nace`` = ``any``) exempt a share of the
    carrier on the route. Rows for plants of a NACE division or class exempt the carrier for
    the plants whose activity matches and that make the route's product, on every route of
    that product (e.g. the gas an electrified kiln plant still burns). The electricity-
    generation exemption (Wbm art. 64(1)(a)) exempts the gas the site's power plants burn
    (their share of the site's base-year emissions, the third array) up to a cap per kWh
    that the law changes from year to year (:func:`_chp_cover`): it is not in the plant's
    exempt shares but applied by the instrument in each year.
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
    chp_share = np.zeros((P, C))
    gas = tables.carrier_index.get("natural_gas")
    if gas is not None:
        chp_share[:, gas] = b.activities.power_share
    return exempt, plant_exempt, chp_share


def _chp_cover(b: BuildContext) -> F:
    """Share of the gas a site's power plants burn that the electricity-generation exemption
    covers in each year ``(Y,)`` (Wbm art. 64(1)(a)): gas up to ``chp_gas_per_kwh`` per kWh
    generated (0.2808 Nm3 in 2025, 0.2635 from 2026), which at the CHPs' electrical
    efficiency is ``min(1, cap x calorific value x efficiency / 3.6 MJ/kWh)`` of their gas
    (0.848 in 2025, 0.796 from 2026 at 35.17 MJ/Nm3 and 30.9 %)."""
    tables = b.tables
    cap = tables.policy_path("energy_tax.chp_gas_per_kwh", b.years)
    if np.isnan(cap).any():
        raise KruispuntError(
            "policy.csv: energy_tax.chp_gas_per_kwh has no value for the model's first year "
            f"{int(b.years[0])}"
        )
    mj_per_m3 = tables.policy_scalar("energy_tax.chp_reference_calorific_value")
    efficiency = tables.policy_scalar("energy_tax.chp_electrical_efficiency")
    return chp_exempt_share(efficiency, cap, mj_per_m3)


def _path(b: BuildContext, name: str, missing: float, before: float = np.nan) -> F:
    """A policy parameter over the model years, ``missing`` where the data give none."""
    return np.nan_to_num(b.tables.policy_path(name, b.years, before=before), nan=missing)


def _scalar(b: BuildContext, name: str) -> float:
    return b.tables.policy_scalar(name)


def _benchmark_value(b: BuildContext) -> dict[tuple[str, int], float]:
    """ETS benchmark values by (benchmark, period) [tCO2/t of benchmark product]."""
    df = b.tables.catalogue.ets_benchmarks
    out: dict[tuple[str, int], float] = {}
    rows = zip(
        df["benchmark_id"].astype(str),
        df["period"].astype(int),
        df["value"].to_numpy(dtype=float),
        df["unit"].astype(str),
        strict=True,
    )
    for i, (bm, period, value, unit) in enumerate(rows):
        if unit != "tCO2/t":
            raise KruispuntError(
                f"ets_benchmarks.csv row {i + 2} [unit]: {unit!r}; expected 'tCO2/t'"
            )
        out[(bm, int(period))] = float(value)
    return out


@_of_data
def _route_benchmarks(b: BuildContext) -> tuple[F, F]:
    """Benchmark allocation per unit of each route's product ``(R, Y)`` in each model year's
    allocation period (the latest period that has begun; the 2026-30 values hold after 2030)
    and ``(R,)`` in the base year's period; NaN for routes without a mapping or a value."""
    value = _benchmark_value(b)
    periods = sorted({p for _, p in value})
    known = {bm for bm, _ in value}
    r_of = {r: i for i, r in enumerate(b.rb.ids)}
    R = len(r_of)
    years = [*(int(y) for y in b.years), BASE_YEAR]
    out = np.full((R, len(years)), np.nan)
    ra = b.tables.catalogue.route_allocation
    for i, row in enumerate(ra.itertuples()):
        where = f"route_allocation.csv row {i + 2}"
        if str(row.benchmark_id) not in known:
            raise KruispuntError(
                f"{where} [benchmark_id]: {row.benchmark_id!r} has no row in ets_benchmarks.csv"
            )
        if str(row.unit) != "t/t":
            raise KruispuntError(f"{where} [unit]: {row.unit!r}; expected 't/t'")
    for route_id, rows in ra.groupby("route_id"):
        r = r_of[str(route_id)]
        for t, year in enumerate(years):
            period = max((p for p in periods if p <= year), default=None)
            terms = [
                amount * value.get((bm, period or 0), np.nan)
                for bm, amount in zip(
                    rows["benchmark_id"].astype(str),
                    rows["amount"].to_numpy(dtype=float),
                    strict=True,
                )
            ]
            out[r, t] = float(np.sum(terms))
    return out[:, :-1], out[:, -1]


@_of_data
def _route_groups(b: BuildContext) -> F:
    """Today's routes and their capture variants (family ccs) with the same benchmark
    sub-installations (same rows in route_allocation.csv) share a group id ``(R,)``: a capture
    retrofit keeps the plant's other sub-installations. Other routes get NaN (a group of
    their own): a change of process or feedstock does not."""
    ra = b.tables.catalogue.route_allocation
    out = np.full(len(b.rb.ids), np.nan)
    seen: dict[tuple[tuple[str, float], ...], int] = {}
    r_of = {r: i for i, r in enumerate(b.rb.ids)}
    family = b.rb.routes.family
    kept = {FAMILY["incumbent"], FAMILY["ccs"]}
    for route_id, rows in ra.groupby("route_id"):
        if int(family[r_of[str(route_id)]]) not in kept:
            continue
        key = tuple(
            sorted(
                zip(
                    rows["benchmark_id"].astype(str),
                    rows["amount"].to_numpy(dtype=float),
                    strict=True,
                )
            )
        )
        out[r_of[str(route_id)]] = seen.setdefault(key, len(seen))
    return out


@_of_data
def _carbon_leakage(b: BuildContext) -> F:
    """Whether each plant is at risk of carbon leakage ``(P,)`` (1/0).

    The list of Delegated Decision (EU) 2019/708 names activities (NACE classes), not
    sectors: a plant is at risk if one of its activities is (:mod:`activities`), each
    activity with the status of its own row ``eu_ets.carbon_leakage_nace_<class>`` where
    there is one and its sector's ``eu_ets.carbon_leakage_<sector>`` otherwise (the asphalt
    plants, NACE 23.99, are at risk in a sector that is not; the breweries are not in one
    that is)."""
    sectors = b.pb.table["sector_id"].astype(str).tolist()
    status = {}
    for sector in sorted(set(sectors)):
        name = f"eu_ets.carbon_leakage_{sector}"
        if b.tables.policy_rows(name) is None:
            raise KruispuntError(
                f"policy.csv: no row for '{name}' (the carbon-leakage status of sector "
                f"'{sector}', sectors.csv)"
            )
        status[sector] = _scalar(b, name)
    of_class: dict[str, float] = {}
    for codes in b.activities.nace:
        for code in codes:
            name = f"eu_ets.carbon_leakage_nace_{code.replace('.', '')}"
            if code not in of_class and b.tables.policy_rows(name) is not None:
                of_class[code] = _scalar(b, name)
    return np.array(
        [
            max((of_class.get(c, status[sector]) for c in codes), default=status[sector])
            for sector, codes in zip(sectors, b.activities.nace, strict=True)
        ],
        dtype=float,
    )


def _ets(b: BuildContext) -> Params:
    """EU ETS free allocation (Directive 2003/87/EC Art. 10a, 10b): factors per scenario and
    year, and the benchmark allocation of every route."""
    years = b.years
    law = _path(b, "cbam.free_allocation_factor", 1.0, before=1.0)
    proposed = _path(b, "cbam.free_allocation_factor_proposed", 1.0, before=1.0)
    lrf = _path(b, "eu_ets.cap_lrf", 0.0)
    lrf_proposed = np.where(years > 2030, _path(b, "eu_ets.cap_lrf_proposed", np.nan), lrf)
    end_law = _scalar(b, "eu_ets.cl_allocation_end_year")
    end_proposed = _scalar(b, "eu_ets.cl_allocation_end_year_proposed")
    audit = _path(b, "eu_ets.audit_conditionality_share", 0.0)
    S, Y = b.S, len(years)
    cbam, lrf_s, end, cond = np.ones((S, Y)), np.zeros((S, Y)), np.zeros(S), np.zeros((S, Y))
    follows, reference = np.ones(S), np.full(S, end_law)
    for s, sc in enumerate(b.scenarios):
        lv = sc.levers
        proposal = lv.ets_rules == "proposal_2026"
        if lv.cbam:
            cbam[s] = proposed if proposal else law
        lrf_s[s] = np.where(np.isnan(lrf_proposed), lrf, lrf_proposed) if proposal else lrf
        end[s] = end_proposed if proposal else end_law
        cond[s] = audit if lv.ets_audit_conditionality else 0.0
        follows[s] = float(lv.ets_after_2030 != "ends")
        if lv.ets_after_2030 == "held":
            reference[s], end[s] = 9999.0, 9999.0
    non_cl = _path(b, "eu_ets.free_allocation_share_non_cl", 1.0)
    cscf = _path(b, "eu_ets.cross_sectoral_correction_factor", 1.0)
    at_risk = _carbon_leakage(b)
    base_year = np.array([BASE_YEAR])
    base_non_cl = np.nan_to_num(
        b.tables.policy_path("eu_ets.free_allocation_share_non_cl", base_year), nan=1.0
    )[0]
    base_cscf = np.nan_to_num(
        b.tables.policy_path("eu_ets.cross_sectoral_correction_factor", base_year), nan=1.0
    )[0]
    route_bm, route_bm_base = _route_benchmarks(b)
    return {
        "cbam_factor": cbam,
        "carbon_leakage": b.per_scenario(at_risk),
        "non_cl_share": b.per_scenario(non_cl),
        "cl_end_year": end,
        "follows_cap": follows,
        "lrf": lrf_s,
        "cap_reference_year": reference,
        "cap_zero_year": np.full(S, _scalar(b, "eu_ets.cap_zero_year")),
        "cscf": b.per_scenario(cscf),
        "conditionality": cond,
        "route_benchmark": b.per_scenario(route_bm),
        "route_benchmark_base": b.per_scenario(route_bm_base),
        "route_group": b.per_scenario(_route_groups(b)),
        "base_factor": b.per_scenario(np.where(at_risk > 0.5, 1.0, base_non_cl) * base_cscf),
        "activity_threshold": np.full(S, _scalar(b, "eu_ets.activity_threshold")),
        "activity_step": np.full(S, _scalar(b, "eu_ets.activity_adjustment_step")),
        "heat_source_neutral": b.per_scenario(
            (years >= _scalar(b, "eu_ets.heat_source_neutral_year")).astype(float)
        ),
        "route_bought_heat": b.per_scenario(_bought_heat(b)),
        "fallback_update": b.per_scenario(_path(b, "eu_ets.fallback_benchmark_update", 1.0)),
    }


def _bought_heat(b: BuildContext) -> F:
    """Whether each route gets its heat from outside the installation ``(R,)`` (1/0): it
    buys the carrier ``heat`` (a steam network's), which is not heat the installation
    produces and earns no heat-benchmark allocation at the buyer. A named simplification:
    the FAR counts heat imported from an ETS installation at the buyer, and the Botlek
    network's steam comes from AVR's incinerator (outside the ETS) and Cabot's carbon-black
    plant (inside), in a split not published (docs/model.md, bought steam)."""
    c = b.tables.carrier_index.get("heat")
    if c is None:
        return np.zeros(len(b.rb.ids))
    return (b.rb.routes.inputs[:, c, :] > 0).any(axis=1).astype(float)


@_of_data
def _export_share(b: BuildContext) -> F:
    """Share of each product's output sold outside the EU ``(G,)``, one figure for every
    year: the product markets table's ``export_share_extra_eu`` where it exists (its latest
    row, should a product have several), else the data package's default."""
    default = _scalar(b, "cbam.export_share_extra_eu_default")
    out = np.full(len(b.tables.product_ids), default)
    for g, part in b.tables.product_market_rows("export_share_extra_eu"):
        out[g] = float(part["value"].iloc[-1])
    return out


def _cbam(b: BuildContext) -> Params:
    """CBAM (Regulation (EU) 2023/956): when it applies, benchmarks, default values and the
    share of output sold in the EU."""
    years = b.years
    start = _scalar(b, "cbam.start_year")
    active = np.stack([(years >= start) & sc.levers.cbam for sc in b.scenarios]).astype(float)
    route_bm, _ = _route_benchmarks(b)
    routes = b.rb.routes
    G, C = len(b.tables.product_ids), len(b.tables.carrier_ids)
    bench = np.full((G, len(years)), np.nan)
    for pid, g in b.tables.product_index.items():
        name = f"cbam.benchmark_{pid}"
        if b.tables.policy_rows(name) is not None:
            bench[g] = _path(b, name, np.nan, before=_scalar(b, name))
            continue
        today = np.flatnonzero((routes.product == g) & (routes.family == FAMILY["incumbent"]))
        mapped = [r for r in today if not np.isnan(route_bm[r]).all()]
        if len(mapped) == 1:
            bench[g] = route_bm[mapped[0]]
    carrier_bm = np.full((C, len(years)), np.nan)
    carrier_default = np.full(C, np.nan)
    for cid, c in b.tables.carrier_index.items():
        # a carrier without a row of its own takes the benchmark of the good it is
        # (carriers.csv cbam_good), fallback included, in the CBAM module (Art. 31)
        if b.tables.policy_rows(f"cbam.benchmark_{cid}") is not None:
            carrier_bm[c] = _path(b, f"cbam.benchmark_{cid}", np.nan)
        if b.tables.policy_rows(f"cbam.default_value_{cid}") is not None:
            carrier_default[c] = _scalar(b, f"cbam.default_value_{cid}")
    return {
        "active": active,
        "benchmark": b.per_scenario(bench),
        "carrier_benchmark": b.per_scenario(carrier_bm),
        "carrier_default": b.per_scenario(carrier_default),
        "default_markup": b.per_scenario(_path(b, "cbam.default_value_markup", 0.0)),
        "export_share": b.per_scenario(_export_share(b)),
    }


def _co2_levy(b: BuildContext) -> Params:
    """CO2-heffing industrie: tariff path, reduction factor and set-off order per scenario
    lever, the ETS reference price of the years the data give it (NaN elsewhere: the previous
    year's EUA) and the number of earlier years surplus rights can be set off against."""
    tables, years = b.tables, b.years
    paths = {
        "off": np.zeros(len(years)),
        "current": np.nan_to_num(tables.policy_path("co2_heffing.tariff", years), nan=0.0),
        "original": np.nan_to_num(
            tables.policy_path("co2_heffing.tariff_original", years), nan=0.0
        ),
    }
    # the reduction factor and the set-off order of the law each tariff path belongs to: the
    # law as in force from 2026 (one factor, 1.023; the highest tariff set off first), or the
    # law before Belastingplan 2026 (1.213 in 2023 less 0.078 a year; the oldest first)
    factor = tables.policy_path("co2_heffing.reduction_factor", years)
    factors = {
        "off": factor,
        "current": factor,
        "original": tables.policy_path("co2_heffing.reduction_factor_original", years),
    }
    by_tariff = np.nan_to_num(
        tables.policy_path("co2_heffing.set_off_highest_tariff_first", years), nan=0.0
    )
    orders = {"off": by_tariff, "current": by_tariff, "original": np.zeros(len(years))}
    levers = [sc.levers.co2_heffing for sc in b.scenarios]
    tariff = np.stack([paths[lever] for lever in levers])
    rf = np.nan_to_num(np.stack([factors[lever] for lever in levers]), nan=1.0)
    periods = tables.policy_path("co2_heffing.set_off_periods", years)
    reference = np.full(len(years), np.nan)
    rows = tables.policy_rows("co2_heffing.ets_reference_price")
    if rows is not None:
        given = np.isin(years, rows["year"].astype(int).to_numpy())
        reference = np.where(
            given, tables.policy_flow("co2_heffing.ets_reference_price", years), np.nan
        )
    neutral = (years >= _scalar(b, "co2_heffing.heat_source_neutral_year")).astype(float)
    # no row: the EUA of the autumn before, uncarried
    markup = np.nan_to_num(tables.policy_path("co2_heffing.reference_markup", years), nan=1.0)
    return {
        "tariff": tariff,
        "reduction_factor": rf,
        "reference_price": b.per_scenario(reference),
        "reference_markup": b.per_scenario(markup),
        "heat_source_neutral": b.per_scenario(neutral),
        "set_off_by_tariff": np.stack([orders[lever] for lever in levers]),
        # no row: every earlier year, as the model did before December 2026
        "set_off_periods": b.per_scenario(np.nan_to_num(periods, nan=float(len(years)))),
    }


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


@_of_data
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


@_of_data
def _ikc_baseline_mwh(b: BuildContext) -> F:
    """Eligible electricity of each plant ``(P,)`` [MWh/yr]: the fall-back benchmark (0.8)
    times its baseline consumption, which is the ``ikc_baselines.csv`` figure where given,
    else today's route's electricity at base-year production, else the sector's electricity
    intensity (``ikc_sectors.csv``) times base-year production of a product counted in t.
    No product benchmarks are in the data, so the benchmark form is not used."""
    fallback = b.tables.policy_scalar("ikc.fallback_factor")
    return np.asarray(fallback * _baseline_consumption_mwh(b), dtype=np.float64)


@_of_data
def _baseline_consumption_mwh(b: BuildContext) -> F:
    """Each plant's baseline grid electricity ``(P,)`` [MWh/yr]: the ``ikc_baselines.csv``
    figure where given, else today's route's electricity at base-year production, else the
    sector's electricity intensity (``ikc_sectors.csv``) times base-year production of a
    product counted in t."""
    tables, plants, routes = b.tables, b.pb.plants, b.rb.routes
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
    return np.asarray(consumption, dtype=np.float64)


def _network_tariff(b: BuildContext) -> Params:
    """Tariff per MWh at each connection level (``network_tariff.kw_year_<level>`` over
    ``network_tariff.full_load_hours``) and each plant's level: EHV where its site's base-year
    grid peak (the sum of its plants' baseline electricity over the full-load hours, a plant
    that runs part of the year over that share of them) is at least
    ``network_tariff.ehv_min_peak_mw`` (a named assumption), else HV; the share of the
    kW tariff a flexible load pays on its rated power (lever ``flexible_transport_right``:
    ``network_tariff.flexible_kw_share`` on the time-bound right, 1 on a firm one)."""
    tables, years = b.tables, b.years
    hours = tables.policy_scalar("network_tariff.full_load_hours")
    rate = np.zeros((len(LEVELS), len(years)))
    for k, level in enumerate(LEVELS):
        path = np.nan_to_num(tables.policy_path(f"network_tariff.kw_year_{level}", years))
        rate[k] = tariff_per_mwh(path, hours)
    on = np.array([float(sc.levers.network_tariffs) for sc in b.scenarios])
    site = b.pb.table["site_id"].astype(str).to_numpy()
    mwh = _baseline_consumption_mwh(b)
    # a plant that runs part of the year draws its electricity over its own hours: its
    # peak is 8,760 / those hours times an all-year plant's of the same use
    at_peak = mwh * (HOURS_PER_YEAR / b.pb.plants.load_hours())
    site_mw = {s: float(at_peak[site == s].sum()) / hours for s in np.unique(site)}
    threshold = tables.policy_scalar("network_tariff.ehv_min_peak_mw")
    ehv = np.array([site_mw[s] >= threshold for s in site], dtype=float)
    time_bound = tables.policy_scalar("network_tariff.flexible_kw_share")
    return {
        "rate": rate[None] * on[:, None, None],
        "ehv": b.per_scenario(ehv),
        "baseline_mwh": b.per_scenario(mwh),
        "flexible_kw_share": np.array(
            [
                1.0 if sc.levers.flexible_transport_right == "firm" else time_bound
                for sc in b.scenarios
            ]
        ),
    }


def _network_tariff_relief(b: BuildContext) -> Params:
    """The relief levers: the state's share of every tariff, and with the band-load rule the
    share a band-load user keeps paying at the full-load hours
    (:func:`kruispunt.policy.network_tariff.band_load_share`) above its least offtake."""
    tables, years = b.tables, b.years
    subs = [sc.levers.subsidies for sc in b.scenarios]
    share = np.array([sub.network_tariff_relief for sub in subs])
    hours = tables.policy_scalar("network_tariff.full_load_hours")
    min_gwh = tables.policy_scalar("network_tariff.band_min_gwh")
    band = band_load_share(
        hours,
        np.inf,
        min_gwh,
        shares=tuple(
            tables.policy_scalar(f"network_tariff.band_share_{h}h") for h in (7000, 7500, 8000)
        ),
    )
    on = np.array([sub.network_tariff_band_reduction for sub in subs], dtype=bool)
    return {
        "share": np.broadcast_to(share[:, None], (b.S, len(years))).copy(),
        "band_share": np.where(on, float(band), 1.0),
        "band_min_mwh": np.full(b.S, min_gwh * 1000.0),
    }


def _cisaf(b: BuildContext) -> Params:
    """CISAF relief in the years a scenario grants it: from ``cisaf_start`` for
    ``cisaf.max_years`` years, not beyond ``cisaf.framework_end_year``, capped at the
    framework's maxima (``cisaf.max_price_relief_share``, ``cisaf.max_consumption_share``),
    with its price floor; eligible: the plants of the IKC sectors (a named assumption: the
    CISAF list of sectors was not read)."""
    tables, years = b.tables, b.years
    max_years = tables.policy_scalar("cisaf.max_years")
    end = tables.policy_scalar("cisaf.framework_end_year")
    max_price = tables.policy_scalar("cisaf.max_price_relief_share")
    max_cons = tables.policy_scalar("cisaf.max_consumption_share")
    floor = tables.policy_scalar("cisaf.price_floor")
    price_share = np.zeros((b.S, len(years)))
    cons = np.zeros((b.S, len(years)))
    for s, sc in enumerate(b.scenarios):
        sub = sc.levers.subsidies
        if sub.cisaf_start is None:
            continue
        window = (years >= sub.cisaf_start) & (years < sub.cisaf_start + max_years)
        window &= years <= end
        price_share[s, window] = min(sub.cisaf_price_share, max_price)
        cons[s] = min(sub.cisaf_consumption_share, max_cons)
    existing, new, _ = _ikc_eligible(b)
    return {
        "price_share": price_share,
        "consumption_share": cons,
        "floor": np.full((b.S, len(years)), floor),
        "eligible": b.per_scenario((existing | new).astype(float)),
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


RFNBO_SHARE = {"nl_obligation": "rfnbo.nl_obligation_share", "red3": "rfnbo.industry_share_target"}
"""Policy sheet path of each RFNBO obligation lever (``demand.rfnbo``)."""
RFNBO_OUTSIDE_INDUSTRY = ("refinery_throughput",)
"""Products whose hydrogen is outside the industry RFNBO target: RED III Art. 22a(1) leaves
hydrogen used as an intermediate product for conventional transport fuels out of it (a
refinery's hydrotreating; European Commission guidance C/2025/2983), and renewable hydrogen
used so counts towards the transport targets (Art. 25, the refinery route,
:mod:`kruispunt.policy.refinery_route`)."""


def _outside_industry(b: BuildContext) -> npt.NDArray[np.bool_]:
    """``(R,)``: the routes of the products in :data:`RFNBO_OUTSIDE_INDUSTRY`."""
    g_of = b.tables.product_index
    return np.isin(b.rb.routes.product, [g_of[p] for p in RFNBO_OUTSIDE_INDUSTRY if p in g_of])


def _domestic_use(b: BuildContext, s: int) -> F:
    """Domestic use of every product per year ``(G, Y)`` [product/yr]: base-year production
    times the scenario's demand scale (a named simplification: imports and exports of the
    products are not in the data package, so use is taken as domestic production)."""
    g_of = b.tables.product_index
    base = np.zeros(len(g_of))
    np.add.at(base, b.pb.plants.product, b.pb.plants.base_production)
    scale = np.ones((len(g_of), len(b.years)))
    for pid, val in b.scenarios[s].levers.demand_scale.items():
        scale[g_of[pid]] = val
    return base[:, None] * scale


def _qualifying_routes(b: BuildContext) -> F:
    """``(G, R)``: 1 where a route is a low-carbon route of the product (families
    ``LOW_CARBON_FAMILIES`` and efficiency: both save CO2 against the grey route; imports do
    not qualify, they are not made in NL)."""
    routes = b.rb.routes
    G, R = len(b.tables.product_index), len(b.rb.ids)
    fam = [FAMILY[f] for f in (*LOW_CARBON_FAMILIES, "efficiency")]
    out = np.zeros((G, R))
    ok = np.isin(routes.family, fam)
    out[routes.product[ok], np.flatnonzero(ok)] = 1.0
    return out


@_of_data
def _reformer_hydrogen(b: BuildContext) -> F:
    """Hydrogen each route makes in its own reformers ``(R,)`` [t H2/t product] (0 where
    none), in the first model year."""
    ids = b.rb.ids
    return np.nan_to_num(route_parameter(b.tables, b.years, "reformer_hydrogen", ids)[:, 0])


def _rfnbo_mandate(b: BuildContext) -> Params:
    """The RFNBO obligation (``demand.rfnbo``): the required tonnes of renewable hydrogen per
    year, the share of the policy sheet (NL obligation or RED III Art. 22a target, 0 before
    its first year, held after its last) times the obligated installations' hydrogen use in
    the base year (each route's ``reformer_hydrogen`` and qualifying hydrogen at the plants'
    base-year production: the share applies to each installation's own use; the instrument
    follows each year's output), capped at ``rfnbo.shortfall_cap`` times
    ``demand.rfnbo_shortfall_cap_scale``; ``rfnbo.partial_share`` of it may be met by users
    taking renewable hydrogen for part of their use (:class:`kruispunt.policy.mandates.
    RfnboMandate`'s divisible market supply). Qualifying: the electrolysis route's output (routes of
    product hydrogen, family electrification), the network hydrogen (renewable, carrier
    ``hydrogen``) of every route that uses it and the hydrogen a route makes in the plant's
    own electrolyser (route parameter ``own_electrolysis_share``,
    :attr:`kruispunt.inputs.Routes.own_hydrogen`), in tonnes, except on the routes of
    :data:`RFNBO_OUTSIDE_INDUSTRY` (refineries: their RFNBO counts towards transport, Art.
    25(1)). Buyers: the plants whose route makes grey hydrogen in its own reformers (route
    parameter ``reformer_hydrogen``, t H2 per unit of output; refineries' reformers left
    out, they are not obligated), where what users take in part is booked."""
    tables, years, routes = b.tables, b.years, b.rb.routes
    G, R, Y = len(tables.product_index), len(b.rb.ids), len(years)
    h2 = tables.product_index.get("hydrogen")
    share = np.zeros((b.S, G, Y))
    base = np.zeros((b.S, G, Y))
    cap = np.full((b.S, G, Y), np.inf)
    qualify = np.zeros((b.S, G, R))
    partial = np.zeros((b.S, G, Y))
    # the grey hydrogen a route makes in its own reformers: what users replace with the
    # renewable hydrogen they take for part of their use
    grey_r = _reformer_hydrogen(b)
    # refineries are not obligated and their renewable hydrogen does not count (Art. 22a(1))
    outside = _outside_industry(b)
    grey_r[outside] = 0.0
    grey = np.repeat(grey_r[None], b.S, axis=0)
    params = {
        "qualify": qualify,
        "share": share,
        "use": base,
        "cap": cap,
        "partial_share": partial,
        "reformer_hydrogen": grey,
    }  # filled in place below, for the scenarios whose lever sets an obligation
    if h2 is None:
        return params
    c = tables.carrier_index.get("hydrogen")
    q = np.zeros(R)
    if c is not None:
        q += routes.inputs[:, c, 0] / HYDROGEN_LHV_GJ_PER_T
    if routes.own_hydrogen is not None:  # made in the plant's own electrolyser (RFNBO too)
        q += routes.own_hydrogen[:, 0] / HYDROGEN_LHV_GJ_PER_T
    q[(routes.product == h2) & (routes.family == FAMILY["electrification"])] = 1.0
    q[outside] = 0.0
    # each obligated installation owes the share of its own hydrogen use (what it makes in
    # its own reformers and the renewable hydrogen it buys or makes; refineries none): the
    # base year's here, each year's from the year's output in the instrument
    plants = b.pb.plants
    use = np.full(Y, float(((grey_r + q)[plants.incumbent] * plants.base_production).sum()))
    limit = tables.policy_path("rfnbo.shortfall_cap", years)
    limit = np.where(np.isnan(limit), tables.policy_scalar("rfnbo.shortfall_cap"), limit)
    # the obligation is met with tradable units: users may take RFNBO for part of their use
    part = np.nan_to_num(tables.policy_path("rfnbo.partial_share", years, before=0.0))
    for s, sc in enumerate(b.scenarios):
        lever = sc.levers.demand.rfnbo
        if lever == "none":
            continue
        share[s, h2] = np.nan_to_num(tables.policy_path(RFNBO_SHARE[lever], years, before=0.0))
        base[s, h2] = use
        cap[s, h2] = limit * sc.levers.demand.rfnbo_shortfall_cap_scale
        qualify[s, h2] = q
        partial[s, h2] = part
    return params


def _refinery_route(b: BuildContext) -> Params:
    """The refinery route (``demand.refinery_route``): the credit per tonne of renewable
    hydrogen a refinery uses (:func:`kruispunt.policy.refinery_route.refinery_credit` of
    ``refinery_route.unit_price`` and ``refinery_route.correction_factor``, 0 before the
    price path's first year, held after its last, times ``demand.refinery_route_scale``) in
    the scenarios that set it; qualifying:
    the routes of the products in :data:`RFNBO_OUTSIDE_INDUSTRY` (their renewable hydrogen
    counts towards transport, RED III Art. 25(1))."""
    tables, years = b.tables, b.years
    credit = np.zeros((b.S, len(years)))
    outside = _outside_industry(b).astype(float)
    on = [s for s, sc in enumerate(b.scenarios) if sc.levers.demand.refinery_route != "none"]
    if on:
        price = np.nan_to_num(tables.policy_path("refinery_route.unit_price", years, before=0.0))
        factor = tables.policy_scalar("refinery_route.correction_factor")
        for s in on:
            scale = b.scenarios[s].levers.demand.refinery_route_scale
            credit[s] = refinery_credit(price, factor) * scale
    return {"credit": credit, "qualify": b.per_scenario(outside)}


def _green_procurement(b: BuildContext) -> Params:
    """Green public procurement (``demand.procurement``): the public share of each product's
    domestic use from the start year (``mki.mandatory_start_year`` unless the scenario sets
    one), each supplier paid at most the MKI shadow price (``mki.shadow_price_climate``)
    times the CO2 it saves."""
    tables, years = b.tables, b.years
    G, R, Y = len(tables.product_index), len(b.rb.ids), len(years)
    share = np.zeros((b.S, G, Y))
    base = np.zeros((b.S, G, Y))
    qualify = np.zeros((b.S, G, R))
    shadow = np.zeros((b.S, Y))
    qual = _qualifying_routes(b)
    price = tables.policy_path("mki.shadow_price_climate", years)
    price = np.where(np.isnan(price), tables.policy_scalar("mki.shadow_price_climate"), price)
    for s, sc in enumerate(b.scenarios):
        lv = sc.levers.demand
        if not lv.procurement:
            continue
        start = lv.procurement_start_year or int(tables.policy_scalar("mki.mandatory_start_year"))
        use = _domestic_use(b, s)
        for pid, part in lv.procurement.items():
            g = tables.product_index[pid]
            share[s, g] = np.where(years >= start, part, 0.0)
            base[s, g] = use[g]
            qualify[s, g] = qual[g]
        shadow[s] = price if lv.mki_shadow_price is None else lv.mki_shadow_price
    return {"qualify": qualify, "share": share, "use": base, "shadow_price": shadow}


def _green_label(b: BuildContext) -> Params:
    """Labels (``demand.labels``): the willing buyers' share of each product's domestic use,
    the premium capped at their willingness to pay."""
    tables, years = b.tables, b.years
    G, R, Y = len(tables.product_index), len(b.rb.ids), len(years)
    share = np.zeros((b.S, G, Y))
    base = np.zeros((b.S, G, Y))
    cap = np.full((b.S, G, Y), np.inf)
    qualify = np.zeros((b.S, G, R))
    qual = _qualifying_routes(b)
    for s, sc in enumerate(b.scenarios):
        use = _domestic_use(b, s)
        for pid, label in sc.levers.demand.labels.items():
            g = tables.product_index[pid]
            share[s, g] = label.share
            base[s, g] = use[g]
            cap[s, g] = label.premium_cap
            qualify[s, g] = qual[g]
    return {"qualify": qualify, "share": share, "use": base, "cap": cap}


SDE_STEAM_PRODUCTS = ("paper",)
"""Products other than the process-heat bands whose low-carbon routes are steam boilers (the
paper machine's e-boiler or biomass boiler): SDE++ heat categories."""


def _sde_excluded(b: BuildContext, route_ids: npt.NDArray[Any]) -> npt.NDArray[np.bool_]:
    """Routes the data mark ``sde_eligible`` 0 in some year (``route_parameters.csv``): no
    new SDE++ project on them. The biomass boiler of the low-temperature band: no new subsidy
    for heat of at most 100 C from woody biomass since 22 April 2022 (Rijksoverheid); the
    band (below 200 C) also holds steam of 100-200 C, which stays a category, but no split is
    sourced, so the whole band is excluded. A route's categories hold in every round, so a
    route that loses eligibility in a later year loses it from the first model year."""
    rows = b.tables.route_param("sde_eligible")
    if rows is None:
        return np.zeros(len(route_ids), dtype=bool)
    off = rows.loc[rows["value"].astype(float) == 0, "route_id"].astype(str)
    return np.isin(route_ids, off.to_numpy())


def _sde_categories(b: BuildContext) -> tuple[F, F]:
    """Each route's SDE++ correction (index into ``policy.sde.CORRECTIONS``) and ring-fenced
    domain (index into ``policy.sde.DOMAINS``, -1 none), by the scheme's categories (RVO,
    Rijksoverheid 2024; ``docs/model.md``):

    - CCS routes: CO2 capture and storage, correction EUA x CO2 avoided; no domain;
    - electrification of process heat and steam (e-boilers, industrial heat pumps): CO2-arme
      warmte, correction displaced gas + EUA; domain high-temperature heat ("open industriële
      warmtepompen en elektrische boilers");
    - biomass boilers and furnaces for process heat and steam: hernieuwbare warmte, the same
      correction; no domain; none for low-temperature heat (no new subsidy since April 2022,
      :func:`_sde_excluded`);
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
    kind[_sde_excluded(b, routes["route_id"].astype(str).to_numpy())] = NO_CATEGORY
    domain[heat & electric] = DOMAINS.index("high_temperature_heat")
    domain[electric & (product == "hydrogen")] = DOMAINS.index("molecules")
    return b.per_scenario(kind), b.per_scenario(domain)


def _sde(b: BuildContext) -> Params:
    tables, years = b.tables, b.years
    # a round opens in the autumn of its year and is decided the next: the round of year Y
    # awards in decision year Y + lag (its budget row and the scenario's extra rounds are
    # keyed by the round's year)
    lag = int(tables.policy_scalar("sde_pp.award_lag"))
    rounds = years - lag
    budget = tables.policy_flow("sde_pp.budget", rounds)
    out = np.zeros((b.S, len(years)))
    scale = np.zeros(b.S)
    for s, sc in enumerate(b.scenarios):
        sub = sc.levers.subsidies
        extra = np.array([sub.sde_extra_budget.get(int(y), 0.0) for y in rounds])
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
        "capture_needs_store": np.full(b.S, tables.policy_scalar("sde_pp.capture_needs_store")),
        # the realisation period plus the one-year ontheffing (Besluit SDE(K) art. 62 lid 3)
        # that a held award (refused grid, biomass or storage room) is granted
        "realisation_years": np.full(
            b.S,
            np.nan_to_num(tables.policy_path("sde_pp.realisation_years", years)[0])
            + np.nan_to_num(tables.policy_path("sde_pp.realisation_extension_years", years)[0]),
        ),
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


def _reference_routes(b: BuildContext) -> I:
    """Each product's reference route ``(G,)``: today's route of most of its base-year
    output (-1 for products no plant makes)."""
    plants = b.pb.plants
    G, R = len(b.tables.product_ids), len(b.rb.ids)
    out = np.full(G, -1, dtype=np.int64)
    for g in range(G):
        mine = plants.product == g
        if mine.any():
            made = np.bincount(
                plants.incumbent[mine], weights=plants.base_production[mine], minlength=R
            )
            out[g] = int(np.argmax(made))
    return out


def _market(b: BuildContext) -> Params:
    """:func:`_market_base` and :func:`_profit_ratio`, the same in every scenario."""
    base = {**_market_base(b), "profit_ratio": _profit_ratio(b)}
    return {k: b.per_scenario(v) for k, v in base.items()}


@_of_data
def _profit_ratio(b: BuildContext) -> F:
    """Each plant's branch operating profit over energy cost ``(P,)`` [-]
    (``branch_profits.csv``): the row whose NACE code is the longest start of one of the
    plant's activity codes (the lower ratio where two rows match as long); NaN for a plant
    no row matches, and for a plant whose product has a market price or a spread margin in
    ``product_markets.csv`` (ammonia, hydrogen, methanol, HVC, steel, refining: the price,
    not the branch, sets what it earns)."""
    out = np.full(len(b.pb.table), np.nan)
    rows = b.tables.catalogue.tables.get("branch_profits")
    if rows is None or rows.empty:
        return out
    markets = b.tables.catalogue.tables.get("product_markets")
    priced: set[str] = set()
    if markets is not None:
        has = markets["parameter"].astype(str).isin(["price", "margin"])
        priced = set(markets.loc[has, "product_id"].astype(str))
    own = ~b.pb.table["product_id"].astype(str).isin(priced).to_numpy()
    pairs = zip(rows["nace"].astype(str), rows["profit_to_energy_cost"].astype(float), strict=True)
    # shorter codes first, and of equal length the higher ratio first: each later row that
    # matches overwrites, so the longest match wins, and of those the lower ratio
    for code, ratio in sorted(pairs, key=lambda nr: (len(nr[0]), -nr[1])):
        out[own & b.activities.matches(code)] = ratio
    return out


@_of_data
def _market_base(b: BuildContext) -> dict[str, F]:
    """Product markets (``product_markets.csv``, ``margin_scopes.csv``): the inputs each
    product's margin is a spread over, per unit on its reference route; the margin, the mean
    of the sourced yearly margins in euro of 2025 (a through-cycle figure); the carbon-cost
    pass-through and the pass-through of lost free allocation (their latest rows); the gas
    each product's reference route burns per unit times the share of gas-price rises passed
    on (``energy_pass_through``, its latest row); the operating margin on sales, the mean of
    its sourced years."""
    tables = b.tables
    cat = tables.catalogue
    G, C = len(tables.product_ids), len(tables.carrier_ids)
    ref = _reference_routes(b)
    indexed = np.zeros((G, C))
    scopes = cat.tables.get("margin_scopes")
    if scopes is not None:
        for i, (pid, cid) in enumerate(
            zip(scopes["product_id"].astype(str), scopes["carrier_id"].astype(str), strict=True)
        ):
            g, c = tables.product_index[pid], tables.carrier_index[cid]
            if ref[g] < 0:
                raise KruispuntError(
                    f"margin_scopes.csv row {i + 2} [product_id]: no plant makes '{pid}'"
                )
            indexed[g, c] = b.rb.routes.inputs[ref[g], c, 0]
    margin = np.full(G, np.nan)
    pass_through = np.zeros(G)
    operating = np.zeros(G)
    allocation = np.zeros(G)
    energy = np.zeros((G, C))
    gas = tables.carrier_index.get("natural_gas")
    units = cat.products["unit"].astype(str).tolist()
    markets = cat.tables.get("product_markets")
    if markets is not None:
        for (pid, par), part in markets.groupby(["product_id", "parameter"]):  # type: ignore[assignment]
            g = tables.product_index[str(pid)]
            if par == "margin":
                expected_unit = f"EUR/{units[g]}"
                bad = part[part["unit"].astype(str) != expected_unit]
                if len(bad):
                    raise KruispuntError(
                        f"product_markets.csv row {int(bad.index[0]) + 2} [unit]: "
                        f"'{bad['unit'].iloc[0]}'; a margin of '{pid}' is in {expected_unit}"
                    )
                margin[g] = float(part["value"].astype(float).mean())
            elif par == "carbon_pass_through":
                pass_through[g] = float(part.sort_values("year")["value"].iloc[-1])
            elif par == "allocation_pass_through":
                allocation[g] = float(part.sort_values("year")["value"].iloc[-1])
            elif par == "operating_margin":
                operating[g] = float(part["value"].astype(float).mean())
            elif par == "energy_pass_through" and gas is not None and ref[g] >= 0:
                share = float(part.sort_values("year")["value"].iloc[-1])
                energy[g, gas] = share * b.rb.routes.inputs[ref[g], gas, 0]
    return {
        "indexed_input": indexed,
        "energy_input": energy,
        "margin": margin,
        "pass_through": pass_through,
        "operating_margin": operating,
        "allocation_pass_through": allocation,
    }


def _committed(b: BuildContext) -> Params:
    """Public money committed to date per scenario and year [EUR]: the payment rows of
    ``events.csv`` whose status the scenario's ``events`` lever applies (decided; also
    announced with ``announced``; none with ``none``), in euro of 2025. Money that names a
    modelled plant (a maatwerk agreement: Tata Steel's JLoI) is that plant's
    (``plant_outlay``, per plant and year, :func:`kruispunt.assemble.levers.plant_money`),
    tied to the route the plant is committed to (``route``); the rest is ``outlay``."""
    years = b.years
    P = len(b.pb.table)
    out = np.zeros((b.S, len(years)))
    plant = np.zeros((b.S, P, len(years)))
    events = b.tables.catalogue.tables.get("events")
    if events is None or "public_money" not in events.columns:
        return {"outlay": out, "plant_outlay": plant}
    paid = events[events["public_money"].notna()]

    def money(lever: str) -> tuple[F, F]:
        """The money of one ``events`` lever: in all ``(Y,)`` and the plants' ``(P, Y)``."""
        rows = applied_events(paid, lever)
        total = np.zeros(len(years))
        per_year = rows.groupby(rows["year"].astype(int))["public_money"].sum()
        for year, amount in zip(per_year.index.to_numpy(), per_year.to_numpy(), strict=True):
            total[years == int(year)] = float(amount)
        return total, plant_money(rows, b.pb, years)

    for lever in {sc.levers.events for sc in b.scenarios}:
        total, by_plant = b.kept(f"committed:{lever}", partial(money, lever))
        on = [s for s, sc in enumerate(b.scenarios) if sc.levers.events == lever]
        out[on] = total
        plant[on] = by_plant
    out -= plant.sum(axis=1)  # the plants' money is booked with them
    return {"outlay": np.maximum(out, 0.0), "plant_outlay": plant, **_committed_sde(b, events)}


def committed_sde_awards(events: Any) -> dict[str, str]:
    """SDE++ awards to date that name their parties: ``event_id`` -> the prefix of their terms
    in policy.csv (``<prefix>_base_amount``, ``_max_total``, ``_volume``), read from the
    ``sde_terms`` column of ``events.csv`` (the rows of the award, in file order); paid by the
    SDE++ rule (:func:`kruispunt.policy.committed.committed_sde_payment`). A new committed
    award is added as data: its rows in ``events.csv`` with ``sde_terms`` and its terms in
    ``policy.csv``.

    Examples
    --------
    >>> import pandas as pd
    >>> committed_sde_awards(pd.DataFrame({"event_id": ["a", "p", "p"],
    ...                                    "sde_terms": [None, "sde_pp.p", "sde_pp.p"]}))
    {'p': 'sde_pp.p'}
    """
    if events is None or "sde_terms" not in events.columns:
        return {}
    rows = events[events["sde_terms"].notna() & (events["sde_terms"].astype(str) != "")]
    out: dict[str, str] = {}
    for event_id, prefix in zip(
        rows["event_id"].astype(str), rows["sde_terms"].astype(str), strict=True
    ):
        if out.setdefault(event_id, prefix) != prefix:
            raise KruispuntError(
                f"events.csv: event '{event_id}', field sde_terms: one prefix per award, "
                f"found '{out[event_id]}' and '{prefix}'"
            )
    return out


def _committed_sde(b: BuildContext, events: Any) -> Params:
    """The SDE++ awards to date each plant is a party of, per scenario whose ``events`` lever
    applies the award's rows: the award (index into :func:`committed_sde_awards`), its base
    amount, its base price, its years and its eligible volume. The base price is what the
    award's maximum over the term leaves below the base amount (Besluit SDEK; RVO
    "Berekening SDE++": maximum = (basisbedrag - basisprijs) x volume x term, solved for the
    basisprijs); the term is ``sde_pp.subsidy_duration_max`` from the parties' start year."""
    names = ("sde_award", "sde_base", "sde_floor", "sde_start", "sde_end", "sde_volume")
    P = len(b.pb.table)
    out: Params = {name: np.zeros((b.S, P)) for name in names}
    tables = b.tables

    def of_lever(lever: str) -> tuple[F, ...]:
        """The rows ``(P,)`` of one ``events`` lever, in the order of ``names``."""
        award, base, floor = np.full(P, -1.0), np.zeros(P), np.zeros(P)
        start, end, volume = np.zeros(P), np.zeros(P), np.zeros(P)
        term = tables.policy_path("sde_pp.subsidy_duration_max", b.years)[0]
        for a, (event_id, prefix) in enumerate(committed_sde_awards(events).items()):
            if tables.policy_rows(f"{prefix}_base_amount") is None:
                continue
            amount = tables.policy_scalar(f"{prefix}_base_amount")
            total = tables.policy_scalar(f"{prefix}_max_total")
            yearly = tables.policy_scalar(f"{prefix}_volume")
            price = max(amount - total / (yearly * term), 0.0)
            rows = events[events["event_id"] == event_id]
            for row in applied_events(rows, lever).itertuples():
                hit = named_plants(b.pb, row)
                year = int(cast(int, row.year))
                award[hit] = a
                base[hit], floor[hit], volume[hit] = amount, price, yearly
                start[hit], end[hit] = year, year + term
        return award, base, floor, start, end, volume

    for lever in {sc.levers.events for sc in b.scenarios}:
        on = [s for s, sc in enumerate(b.scenarios) if sc.levers.events == lever]
        rows = b.kept(f"committed_sde:{lever}", partial(of_lever, lever))
        for name, row in zip(names, rows, strict=True):
            out[name][on] = row
    return out


BUILDERS: dict[str, Callable[[BuildContext], Params]] = {
    "market": _market,
    "committed": _committed,
    "energy_tax": _energy_tax,
    "ets": _ets,
    "cbam": _cbam,
    "co2_levy": _co2_levy,
    "ikc": _ikc,
    "green_premium": _green_premium,
    "rfnbo_mandate": _rfnbo_mandate,
    "refinery_route": _refinery_route,
    "green_procurement": _green_procurement,
    "green_label": _green_label,
    "sde": _sde,
    "ccfd": _ccfd,
    "grants": _grants,
    "network_tariff": _network_tariff,
    "network_tariff_relief": _network_tariff_relief,
    "cisaf": _cisaf,
}
"""Where each instrument's parameters come from (instruments without a builder read only the
inputs' bundles and other instruments' parameters)."""


def build_instruments(b: BuildContext) -> dict[str, Params]:
    """The parameters of every instrument that has a builder."""
    return {name: build(b) for name, build in BUILDERS.items()}
