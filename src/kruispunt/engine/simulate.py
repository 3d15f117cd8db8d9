"""The transition engine: route choice and stock turnover, vectorised over scenarios.

``simulate(inputs)`` runs every scenario of a :class:`~kruispunt.inputs.ModelInputs` in
batches (bounded memory) and returns :class:`~kruispunt.results.Results`. The only Python
loop that depends on the data size is the one over years; everything inside a year is an
array operation over (scenario, plant, option), plus short loops over clusters, resources
and instruments.

Decision logic per year (DESIGN.md §3)
--------------------------------------
1. Pending switches whose construction is finished start.
2. Every plant that is running and not building values each option open to it: its current
   route (stay; at a renewal moment staying costs the route's renewal capex), each other
   route of its product that is available by the time it would start (earliest year, lead
   time, hydrogen connection) and closure (value 0). Value per year = (expected price +
   green premium - expected unit cost) x production, where the unit cost counts energy and
   feedstock at market prices, energy tax, fixed and variable opex, EU ETS cost net of free
   allocation, CBAM on imported intermediates, the CO2-heffing, minus indirect cost
   compensation, plus the capex annuity of a new route and the annuity of writing off the
   current asset's remaining book value.
3. Subsidy rounds, in order SDE++, CCfD, capex grants: plants whose best option becomes a
   subsidised low-carbon option apply; a round awards in rank order within its budget
   (``kruispunt.policy``); plants not awarded fall back to their unsubsidised choice.
4. Scarce infrastructure (grid for new load, CO2 storage, hydrogen) is allocated per cluster
   in order of value gain per unit of capacity; a plant not served takes its next best option
   (up to ``MAX_PASSES`` passes) and the result records that it waited.
5. Switches with a lead time become pending; closures and zero-lead switches take effect now.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar, cast

import numpy as np
import numpy.typing as npt

from kruispunt.engine.economics import annuity_factor, remaining_book_value
from kruispunt.engine.expectations import expected, extend
from kruispunt.inputs import (
    FAMILIES,
    FAMILY,
    GJ_PER_MWH,
    HOURS_PER_YEAR,
    LOW_CARBON_FAMILIES,
    ModelInputs,
)
from kruispunt.policy.ccfd import ccfd_payment
from kruispunt.policy.co2_levy import co2_heffing, dispensation_rights
from kruispunt.policy.energy_tax import bracketed_tax
from kruispunt.policy.ets import ets_cost
from kruispunt.policy.grants import allocate_budget, allocate_first_fit
from kruispunt.policy.ikc import indirect_cost_compensation
from kruispunt.results import GOV_FLOWS, RESOURCES, SWITCH_REASONS, Results

F = npt.NDArray[np.float64]
I = npt.NDArray[np.int64]  # noqa: E741
B = npt.NDArray[np.bool_]
_T = TypeVar("_T", bound=np.generic)

MAX_PASSES = 3
CLOSURE_NOTICE = 1
"""A closure decided in one year takes effect the next (production runs out the year)."""
STAY_BONUS = 1e-6
"""Tie-breaker [EUR/yr per unit of capacity]: equal values keep the current route."""

REASON = {name: code for code, name in enumerate(SWITCH_REASONS)}
"""Code of each switch reason in the ``switch_reason`` result."""
GRID, CO2, H2 = (RESOURCES.index(r) for r in ("grid", "co2_storage", "hydrogen"))
FLOAT_OUTPUTS = (
    "production",
    "direct_emissions",
    "captured_co2",
    "stored_co2",
    "indirect_emissions",
    "electric_load",
    "capex",
    "opex",
    "energy_cost",
    "carbon_cost",
    "co2_levy",
    "energy_tax",
    "subsidies",
    "free_allocation",
)
"""Per scenario, plant and year results the year loop fills (see schemas/results.csv)."""
FLOWS = GOV_FLOWS


@dataclass
class _Route:
    """Per-route yearly unit terms over the extended horizon, shape (S, R, Ye) or (R, Ye)."""

    market: F  # energy + feedstock at market prices [EUR/product]
    tax: F  # energy tax [EUR/product]
    storage: F  # transport and storage of captured CO2 [EUR/product]
    cbam: F  # CBAM on imported intermediates [EUR/product]
    carbon: F  # eua x emitted (after capture) [EUR/product]
    emitted: F  # (R, Ye) [tCO2/product]
    captured: F  # (R, Ye)
    electricity: F  # (R, Ye) [GJ/product]
    hydrogen: F  # (R, Ye) [carrier unit/product]


class _Batch:
    """One batch of scenarios run year by year. Arrays: S scenarios, P plants, K options."""

    def __init__(self, inp: ModelInputs) -> None:
        self.inp = inp
        self.S = len(inp.scenarios)
        self.P = len(inp.plants)
        self.K = inp.n_options
        self.Y = len(inp.years)
        self.horizon = int(np.max(inp.lifetime) + np.max(inp.lead_time) + 1)
        self._precompute()

    # ------------------------------------------------------------------ precomputation
    def _precompute(self) -> None:
        inp, h = self.inp, self.horizon
        ext: Callable[[F], F] = lambda a: extend(a, h)  # noqa: E731
        inputs = ext(inp.route_inputs)  # (R, C, Ye)
        price, tax, eua = ext(inp.price), ext(inp.energy_tax), ext(inp.eua)
        cbam_share = 1.0 - ext(inp.cbam_factor)  # (S, Ye)
        ef, cap = ext(inp.emission_factor), ext(inp.capture_rate)
        emitted, captured = ef * (1.0 - cap), ef * cap
        embedded = (inp.carrier_embedded * inp.carrier_cbam)[None, :, None] * inputs  # (R,C,Ye)
        elec = inputs[:, inp.carrier_is_electricity, :].sum(axis=1)
        hyd = inputs[:, inp.carrier_is_hydrogen, :].sum(axis=1)
        self.route = _Route(
            market=np.einsum("rcy,scy->sry", inputs, price),
            tax=np.einsum("rcy,scy->sry", inputs, tax),
            cbam=embedded.sum(axis=1)[None] * (eua * cbam_share)[:, None, :],
            storage=captured[None] * ext(inp.co2_ts_cost)[:, None, :],
            carbon=emitted[None] * eua[:, None, :],
            emitted=emitted,
            captured=captured,
            electricity=elec,
            hydrogen=hyd,
        )
        self.levy_gap = np.maximum(ext(inp.levy_tariff) - eua, 0.0)  # (S, Ye)
        # rates: low-carbon routes get the risk-sharing reduction
        low = np.isin(inp.family, [FAMILY[f] for f in LOW_CARBON_FAMILIES])
        self.rate_sr = np.maximum(inp.discount_rate[:, None] - inp.risk_sharing[:, None] * low, 0.0)
        self.crf_sr = annuity_factor(self.rate_sr, inp.lifetime[None, :])  # (S, R)
        life = np.maximum(np.round(inp.lifetime).astype(np.int64), 1)
        lead = inp.lead_time.astype(np.int64)
        zero = np.zeros_like(lead)
        rate, my = inp.discount_rate, inp.myopic
        n = self.Y
        r = self.route

        def exp(values: F, start: I = lead) -> F:
            return expected(values, rate, start, life, n, my)

        # expected unit terms of each route when decided in year t (S, R, Y)
        self.e_cost = exp(r.market + r.tax + r.cbam + r.storage + ext(inp.variable_opex)[None])
        self.e_carbon = exp(r.carbon)
        self.e_stay_cost = exp(
            r.market + r.tax + r.cbam + r.storage + ext(inp.variable_opex)[None], zero
        )
        self.e_stay_carbon = exp(r.carbon, zero)
        prod_of_route = inp.route_product
        eua_fa = eua[:, None, :] * ext(inp.free_allocation_factor)  # (S, G, Ye)
        self.e_fa = exp(eua_fa[:, prod_of_route, :])  # (S, R, Y) per unit of base FA ratio
        self.e_stay_fa = exp(eua_fa[:, prod_of_route, :], zero)
        gap_em = self.levy_gap[:, None, :] * emitted[None]
        gap_rf = (self.levy_gap * ext(inp.levy_reduction_factor))[:, None, :] * np.ones(
            (1, len(inp.routes), 1)
        )
        self.e_gap_em, self.e_gap_rf = exp(gap_em), exp(gap_rf)
        self.e_stay_gap_em, self.e_stay_gap_rf = exp(gap_em, zero), exp(gap_rf, zero)
        # plants expect the IKC the budgets pay: claims at the aid rate times the share of them
        # the year's budget covers (zero where no budget is announced)
        ikc_rate = (
            ext(inp.ikc_aid_intensity) * ext(inp.ikc_co2_factor) * eua * ext(inp.ikc_paid_share)
        )  # (S, Ye)
        ikc_unit = ikc_rate[:, None, :] * (r.electricity / GJ_PER_MWH)[None]
        self.e_ikc, self.e_stay_ikc = exp(ikc_unit), exp(ikc_unit, zero)
        strike = np.nan_to_num(inp.ccfd_strike, nan=0.0)
        ccfd_gap = np.maximum(strike[:, None] - eua, 0.0)[:, None, :] * np.ones(
            (1, len(inp.routes), 1)
        )
        self.e_ccfd = exp(ccfd_gap)
        price_ext = ext(inp.price_uplift)[:, prod_of_route, :]  # (S, R, Ye)
        self.e_price = exp(price_ext)
        self.e_stay_price = exp(price_ext, zero)
        new = {
            "cost": self.e_cost,
            "carbon": self.e_carbon,
            "fa": self.e_fa,
            "gap_em": self.e_gap_em,
            "gap_rf": self.e_gap_rf,
            "ikc": self.e_ikc,
            "price": self.e_price,
        }
        stay = {
            "cost": self.e_stay_cost,
            "carbon": self.e_stay_carbon,
            "fa": self.e_stay_fa,
            "gap_em": self.e_stay_gap_em,
            "gap_rf": self.e_stay_gap_rf,
            "ikc": self.e_stay_ikc,
            "price": self.e_stay_price,
        }
        # year-first, contiguous (S, R) slices: one cheap gather per term and year
        year_first = {k: np.ascontiguousarray(np.moveaxis(v, -1, 0)) for k, v in new.items()}
        self.e_new = [{k: v[t] for k, v in year_first.items()} for t in range(self.Y)]
        year_first = {k: np.ascontiguousarray(np.moveaxis(v, -1, 0)) for k, v in stay.items()}
        self.e_stay = [{k: v[t] for k, v in year_first.items()} for t in range(self.Y)]
        # plant constants
        inc = inp.incumbent
        ef0 = inp.emission_factor[inc, 0] * (1.0 - inp.capture_rate[inc, 0])
        with np.errstate(divide="ignore", invalid="ignore"):
            calib = np.where(
                ef0 * inp.base_production > 0, inp.base_emissions / (ef0 * inp.base_production), 1.0
            )
            self.fa_unit = np.where(
                inp.base_production > 0, inp.base_free_allocation / inp.base_production, 0.0
            )
        self.calib = calib
        heat = np.array([u == "GJ" for u in inp.product_units])[inp.plant_product]
        self.heat_plant = heat
        self.opt = np.where(inp.options >= 0, inp.options, inp.incumbent[:, None])  # (P, K)
        self.opt_valid = inp.options >= 0
        self.opt_family = inp.family[self.opt]
        self.opt_closure = self.opt_family == FAMILY["closure"]
        self.opt_low = np.isin(self.opt_family, [FAMILY[f] for f in LOW_CARBON_FAMILIES])
        self.calib_k = np.where(self.opt == inc[:, None], calib[:, None], 1.0)  # (P, K)
        self.cluster_pool = {}
        for res in (GRID, H2):
            pools = np.full(len(inp.clusters), -1, dtype=np.int64)
            for q in np.flatnonzero(inp.pool_resource == res)[::-1]:
                pools[inp.pool_host[q]] = q
            self.cluster_pool[res] = pools

    # ------------------------------------------------------------------ helpers
    def _plant_axis(self, plant_values: npt.NDArray[_T], ndim: int) -> npt.NDArray[_T]:
        """Broadcast a (P,) array against (S, P) or (S, P, K)."""
        return plant_values[None, :] if ndim == 2 else plant_values[None, :, None]

    def _fa_scale(self, route: I, t: int) -> F:
        """Free allocation of heat plants follows their fossil emissions; products keep theirs."""
        em = self.route.emitted[:, t]
        em_inc = self._plant_axis(em[self.inp.incumbent], route.ndim)
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = np.where(em_inc > 0, em[route] / em_inc, 0.0)
        heat = self._plant_axis(self.heat_plant, route.ndim)
        return np.where(heat, np.clip(ratio, 0.0, 1.0), 1.0)

    def _calib(self, route: I) -> F:
        """Emission calibration factor of a plant running ``route`` (incumbent only)."""
        inc = self._plant_axis(self.inp.incumbent, route.ndim)
        return np.where(route == inc, self._plant_axis(self.calib, route.ndim), 1.0)

    # ------------------------------------------------------------------ option values
    def option_values(self, t: int, cur: I, renewal_due: B, book: F) -> tuple[F, F, F, F]:
        """Value [EUR/yr], production [product/yr], abated [tCO2/yr] and capex annuity
        [EUR/yr] of every option, shape (S, P, K)."""
        inp = self.inp
        S, P, K = self.S, self.P, self.K
        g = inp.plant_product
        opt = self.opt  # (P, K)
        is_cur = opt[None] == cur[:, :, None]
        prod = (inp.base_production[None, :] * inp.demand_scale[:, g, t])[:, :, None]  # (S,P,1)
        cap = inp.capacity[None, :, None]
        fa_unit_k = self.fa_unit[:, None] * self._fa_scale(opt[None], t)[0]  # (P, K)
        fa_unit_c = self.fa_unit[None, :] * self._fa_scale(cur, t)  # (S, P)
        calib_c = self._calib(cur)
        elig = inp.ikc_eligible[None, :]

        def unit_cost(x: dict[str, F], idx_k: bool) -> F:
            """Expected unit cost from route terms x[name] (S, R) for all options (S, P, K)
            or for the current route (S, P)."""
            if idx_k:
                take: Callable[[F], F] = lambda a: a[:, opt]  # noqa: E731
                calib, fa_unit, e = self.calib_k[None], fa_unit_k[None], elig[..., None]
            else:
                take = lambda a: np.take_along_axis(a, cur, axis=1)  # noqa: E731
                calib, fa_unit, e = calib_c, fa_unit_c, elig
            carbon = take(x["carbon"])
            unit: F = (
                take(x["cost"]) + carbon * calib - take(x["fa"]) * fa_unit - take(x["ikc"]) * e
            )
            gap_em = take(x["gap_em"])
            if gap_em.any():
                unit = unit + np.maximum(gap_em * calib - take(x["gap_rf"]) * fa_unit, 0.0)
            return unit - take(x["price"])

        # net unit cost (cost - revenue uplift) of switching to each option, and of staying
        net = unit_cost(self.e_new[t], True)
        net = np.where(is_cur, unit_cost(self.e_stay[t], False)[..., None], net)
        low = self.opt_low[None]
        premium = (inp.green_premium * inp.mandate_share)[:, g][:, :, None] * low
        # capital: a new route pays its annuity; staying at a renewal moment pays renewal
        t_start = np.minimum(t + inp.lead_time[opt], self.Y - 1)  # (P, K)
        crf = self.crf_sr[:, opt]  # (S, P, K)
        capex_new = inp.capex[opt, t_start][None] * crf * cap
        capex_renew = inp.capex_renewal[opt, t][None] * crf * cap
        capex_ann = np.where(is_cur, np.where(renewal_due[:, :, None], capex_renew, 0.0), capex_new)
        fixed = inp.fixed_opex[opt, t_start][None] * cap
        # leaving the current asset writes off its book value, annualised over its own life,
        # the same for every option (switch or closure)
        crf_cur = np.take_along_axis(self.crf_sr, cur, axis=1)[:, :, None]
        writeoff = np.where(is_cur, 0.0, book[:, :, None] * crf_cur)
        value = (inp.plant_price[:, :, None] + premium - net) * prod - fixed - capex_ann - writeoff
        # closing is never preferred at equal value: operating (stay or switch) wins ties
        value = np.where(self.opt_closure[None], -writeoff - STAY_BONUS * cap, value)
        value = value + STAY_BONUS * cap * is_cur
        em_cur = (self.route.emitted[cur, t] * calib_c)[:, :, None]
        em_opt = (self.route.emitted[opt, t_start] * self.calib_k)[None]
        abated = np.where(self.opt_closure[None], 0.0, (em_cur - em_opt)) * prod
        return value, np.broadcast_to(prod, (S, P, K)), abated, capex_new

    def feasible(self, t: int, cur: I) -> B:
        """(S, P, K): options that exist and can start in time (earliest year, hydrogen)."""
        inp = self.inp
        year = int(inp.years[t])
        opt = self.opt
        start = year + inp.lead_time[opt]  # (P, K)
        ok = self.opt_valid & (start >= inp.earliest_year[opt])
        needs_h2 = self.route.hydrogen[opt, min(t, self.Y - 1)] > 0
        h2_year = inp.hydrogen_year[:, inp.plant_cluster]  # (S, P)
        h2_ok: B = ~needs_h2[None] | (start[None] >= h2_year[:, :, None])
        is_cur: B = opt[None] == cur[:, :, None]
        allowed: B = inp.route_allowed[:, opt] | self.opt_closure[None]
        return (ok[None] & h2_ok & allowed) | is_cur

    # ------------------------------------------------------------------ subsidy rounds
    def _round(
        self, value: F, best: I, support: F, eligible: B, score: F, amount: F, budget: F, running: B
    ) -> tuple[F, B, I]:
        """One support round: plants that need the support to pick a supported option apply;
        awarded in rank order of ``score`` (ascending) within ``budget`` per scenario.

        Returns the values with the support added for awarded plants, the awarded mask
        (S, P) and the awarded option (S, P)."""
        with_support = np.where(eligible, value + support, value)
        best_with = np.argmax(with_support, axis=-1)
        pick = best_with[..., None]
        chosen_eligible = np.take_along_axis(eligible, pick, -1)[..., 0]
        applies = running & chosen_eligible & (best_with != best)
        if not applies.any():
            return value, applies, best_with
        sc = np.where(applies, np.take_along_axis(score, pick, -1)[..., 0], np.inf)
        am = np.where(applies, np.take_along_axis(amount, pick, -1)[..., 0], 0.0)
        awarded = allocate_budget(sc, am, budget, higher_is_better=False, eligible=applies)
        new_value = np.where(awarded[..., None] & (np.arange(self.K) == pick), with_support, value)
        return new_value, awarded, best_with

    # ------------------------------------------------------------------ the year loop
    def run(self) -> dict[str, F | dict[str, F]]:
        inp = self.inp
        S, P, K, Y = self.S, self.P, self.K, self.Y
        C, _G, _L = len(inp.carriers), len(inp.products), len(inp.clusters)
        years = inp.years
        rows = np.arange(S)[:, None]
        out = {name: np.zeros((S, P, Y)) for name in FLOAT_OUTPUTS}
        out["route_index"] = np.zeros((S, P, Y), dtype=np.int16)
        out["switch_reason"] = np.zeros((S, P, Y), dtype=np.int8)
        energy = np.zeros((S, P, C, Y))
        gov = np.zeros((S, len(FLOWS), Y))
        Q = len(inp.pool_names)
        pool_use = np.zeros((S, Q, Y))
        self.committed = np.zeros((S, Q, Y))
        plant_pool = np.full((S, P, len(RESOURCES)), -1, dtype=np.int64)

        cur = np.broadcast_to(inp.incumbent[None, :], (S, P)).copy()
        pend = np.full((S, P), -1, dtype=np.int64)
        pend_start = np.zeros((S, P), dtype=np.int64)
        pend_reason = np.zeros((S, P), dtype=np.int8)
        pend_grant = np.zeros((S, P))
        closed = np.zeros((S, P), dtype=bool)
        asset_start = np.full((S, P), years[0], dtype=np.int64)
        asset_capex = np.zeros((S, P))  # incumbents: fully depreciated (assumption)
        renewal = np.broadcast_to(
            np.where(inp.reinvestment_year > 0, inp.reinvestment_year, np.iinfo(np.int64).max)[
                None, :
            ],
            (S, P),
        ).copy()
        sde_unit = np.zeros((S, P))
        sde_route = np.full((S, P), -1, dtype=np.int64)
        sde_start = np.zeros((S, P), dtype=np.int64)
        sde_end = np.zeros((S, P), dtype=np.int64)
        ccfd_route = np.full((S, P), -1, dtype=np.int64)
        ccfd_start = np.zeros((S, P), dtype=np.int64)
        ccfd_ref = np.zeros((S, P))  # reference emissions per unit for CCfD payments
        ccfd_end = np.zeros((S, P), dtype=np.int64)
        ccfd_left = np.where(np.isnan(inp.ccfd_strike), 0.0, inp.ccfd_budget).astype(float)

        # projects already decided start on their date; their capacity is reserved first
        committed = inp.commit_route >= 0
        if committed.any():
            r_c = np.where(committed, inp.commit_route, cur)
            start_c = np.clip(inp.commit_year - years[0], 0, Y - 1)
            g0 = inp.plant_product
            peak0 = np.max(inp.demand_scale[:, g0, :], axis=-1) * inp.base_production[None, :]
            demand0, _ = self._resource_demand(0, r_c, cur, peak0, start=start_c)
            refused0, given0 = self._allocate(
                demand0, start_c, np.ones_like(demand0[0]), committed, commit=True
            )
            ok0 = committed & ~refused0
            pend = np.where(ok0, r_c, pend)
            pend_start = np.where(ok0, inp.commit_year, pend_start)
            pend_reason = np.where(ok0, REASON["committed_project"], pend_reason).astype(np.int8)
            plant_pool = np.where(ok0[..., None] & (given0 >= 0), given0, plant_pool)

        for i, year in enumerate(years):
            year = int(year)
            # 1. pending switches start
            starts = (pend >= 0) & (pend_start <= year)
            if starts.any():
                r_new = np.where(starts, pend, cur)
                capex_total = inp.capex[r_new, i] * inp.capacity[None, :]
                out["capex"][..., i] += np.where(starts, capex_total, 0.0)
                gov[:, FLOWS.index("grant_outlay"), i] -= np.where(starts, pend_grant, 0.0).sum(1)
                out["subsidies"][..., i] += np.where(starts, pend_grant, 0.0)
                asset_capex = np.where(starts, capex_total - pend_grant, asset_capex)
                asset_start = np.where(starts, year, asset_start)
                renewal = np.where(
                    starts, year + np.round(inp.lifetime[r_new]).astype(np.int64), renewal
                )
                out["switch_reason"][..., i] = np.where(
                    starts, pend_reason, out["switch_reason"][..., i]
                )
                cur = r_new
                closed |= starts & (inp.family[r_new] == FAMILY["closure"])
                pend = np.where(starts, -1, pend)
                pend_grant = np.where(starts, 0.0, pend_grant)

            # 2. option values of plants that may decide
            running = ~closed & (pend < 0)
            renewal_due = renewal <= year
            life_cur = np.maximum(inp.lifetime[cur], 1.0)
            book = remaining_book_value(asset_capex, life_cur, year - asset_start)
            value, prod, abated, capex_new = self.option_values(i, cur, renewal_due, book)
            feas = self.feasible(i, cur)
            value = np.where(feas, value, -np.inf)
            cur_k = np.argmax(self.opt[None] == cur[:, :, None], axis=-1)
            low = np.isin(self.opt_family, [FAMILY[f] for f in LOW_CARBON_FAMILIES])[None]
            low = low & feas & (abated > 0)
            best = np.argmax(value, axis=-1)

            # 3. support rounds: SDE++, CCfD, capex grants. Each covers a low-carbon option's
            # unprofitable top against the fossil reference (staying), ranked by support per
            # tonne abated; a fully covered option is preferred to staying (ties go to the
            # project). Projects needing more than the round's highest intensity (SDE++) or
            # more than the contract pays (CCfD) are not eligible.
            v_stay = np.take_along_axis(value, cur_k[..., None], -1)
            cap3 = inp.capacity[None, :, None]
            with np.errstate(divide="ignore", invalid="ignore"):
                gap = np.maximum(v_stay - value, 0.0) + STAY_BONUS * cap3
                need_t = np.where(abated > 0, gap / abated, np.inf)
            max_t = inp.sde_max_per_t[:, i][:, None, None]
            sde_ok = low & (need_t <= max_t) & (inp.sde_budget[:, i] > 0)[:, None, None]
            sde_yr = np.where(sde_ok, gap, 0.0)
            value, sde_win, sde_k = self._round(
                value,
                best,
                sde_yr,
                sde_ok,
                need_t,
                sde_yr * inp.sde_duration[:, None, None],
                inp.sde_budget[:, i],
                running,
            )
            best = np.argmax(value, axis=-1)
            # CCfD: pays (strike - EUA) per tonne abated; the budget reserves the worst case
            # (EUA at zero) so that payments can never exceed it
            strike = np.nan_to_num(inp.ccfd_strike, nan=0.0)[:, None, None]
            e_ccfd = self.e_ccfd[:, :, i][:, self.opt] * abated
            ccfd_ok = (
                low
                & (e_ccfd >= gap)
                & (need_t <= strike)
                & (ccfd_left > 0)[:, None, None]
                & ~sde_win[..., None]
            )
            worst = strike * abated * inp.ccfd_duration[:, None, None]
            value, ccfd_win, ccfd_k = self._round(
                value, best, e_ccfd, ccfd_ok, need_t, worst, ccfd_left, running
            )
            best = np.argmax(value, axis=-1)
            grant_yr = inp.grant_share[:, None, None] * capex_new
            grant_ok = low & (grant_yr > 0) & (inp.grant_budget[:, i] > 0)[:, None, None]
            with np.errstate(divide="ignore", invalid="ignore"):
                grant_t = np.where(abated > 0, grant_yr / abated, np.inf)
            crf_opt = self.crf_sr[rows[..., None], self.opt[None]]
            grant_total = np.where(crf_opt > 0, grant_yr / crf_opt, 0.0)
            value, grant_win, grant_k = self._round(
                value,
                best,
                grant_yr,
                grant_ok,
                grant_t,
                grant_total,
                inp.grant_budget[:, i],
                running,
            )

            # 4. scarce infrastructure: pools serve plants in order of value gain per unit
            g = inp.plant_product
            peak = np.max(inp.demand_scale[:, g, i:], axis=-1) * inp.base_production[None, :]
            waited = np.zeros((S, P), dtype=bool)
            for n_pass in range(MAX_PASSES + 1):
                choice = np.argmax(value, axis=-1)
                r_choice = np.take_along_axis(
                    np.broadcast_to(self.opt[None], (S, P, K)), choice[..., None], -1
                )[..., 0]
                switching = running & (choice != cur_k)
                demand, start = self._resource_demand(i, r_choice, cur, peak)
                gain = (
                    np.take_along_axis(value, choice[..., None], -1)
                    - np.take_along_axis(value, cur_k[..., None], -1)
                )[..., 0]
                final = n_pass == MAX_PASSES
                refused, given = self._allocate(demand, start, gain, switching, commit=False)
                if refused.any() and not final:
                    waited |= refused
                    value = np.where(
                        refused[..., None] & (np.arange(K) == choice[..., None]), -np.inf, value
                    )
                    continue
                switching &= ~refused
                waited |= refused
                refused, given = self._allocate(demand, start, gain, switching, commit=True)
                switching &= ~refused
                break
            newly = switching[..., None] & (given >= 0)
            plant_pool = np.where(newly, given, plant_pool)
            # a plant leaving a route that used a pool gives up that claim (kept reserved)
            plant_pool = np.where(
                switching[..., None] & ~newly & (demand.transpose(1, 2, 0) <= 1e-9), -1, plant_pool
            )

            # 5. apply decisions
            fam = inp.family[r_choice]
            lead = inp.lead_time[r_choice]
            closing = switching & (fam == FAMILY["closure"])
            reason = np.where(renewal_due, REASON["reinvestment"], REASON["off_cycle_switch"])
            reason = np.where(fam == FAMILY["import"], REASON["import_intermediate"], reason)
            reason = np.where(closing, REASON["closure"], reason).astype(np.int8)
            lead = np.where(closing, CLOSURE_NOTICE, lead)
            now = switching & (lead <= 0)
            later = switching & ~now
            awarded_sde = switching & sde_win & (sde_k == choice)
            awarded_ccfd = switching & ccfd_win & (ccfd_k == choice)
            awarded_grant = switching & grant_win & (grant_k == choice)
            pick = choice[..., None]
            prod_now = prod[..., 0]
            with np.errstate(divide="ignore", invalid="ignore"):
                unit_sde = np.where(
                    prod_now > 0,
                    np.take_along_axis(sde_yr, pick, -1)[..., 0] / prod_now,
                    0.0,
                )
            start_year = year + np.where(now, 0, lead)
            # support is paid from the start of the new route, for its duration, while the
            # plant runs the route it was awarded for
            sde_unit = np.where(awarded_sde, unit_sde, sde_unit)
            sde_route = np.where(awarded_sde, r_choice, sde_route)
            sde_start = np.where(awarded_sde, start_year, sde_start)
            sde_end = np.where(
                awarded_sde, start_year + inp.sde_duration[:, None].astype(np.int64), sde_end
            )
            em_cur_unit = self.route.emitted[cur, i] * self._calib(cur)
            ccfd_ref = np.where(awarded_ccfd, em_cur_unit, ccfd_ref)
            ccfd_route = np.where(awarded_ccfd, r_choice, ccfd_route)
            ccfd_start = np.where(awarded_ccfd, start_year, ccfd_start)
            ccfd_end = np.where(
                awarded_ccfd, start_year + inp.ccfd_duration[:, None].astype(np.int64), ccfd_end
            )
            ccfd_left = ccfd_left - np.where(
                awarded_ccfd, np.take_along_axis(worst, pick, -1)[..., 0], 0.0
            ).sum(1)
            grant_amount = np.where(
                awarded_grant, np.take_along_axis(grant_total, pick, -1)[..., 0], 0.0
            )
            pend = np.where(later, r_choice, pend)
            pend_start = np.where(later, year + lead, pend_start)
            pend_reason = np.where(later, reason, pend_reason)
            pend_grant = np.where(later, grant_amount, pend_grant)
            if now.any():
                capex_total = np.where(closing, 0.0, inp.capex[r_choice, i] * inp.capacity[None])
                out["capex"][..., i] += np.where(now, capex_total, 0.0)
                out["subsidies"][..., i] += np.where(now, grant_amount, 0.0)
                gov[:, FLOWS.index("grant_outlay"), i] -= np.where(now, grant_amount, 0.0).sum(1)
                asset_capex = np.where(now, capex_total - grant_amount, asset_capex)
                asset_start = np.where(now, year, asset_start)
                renewal = np.where(
                    now, year + np.round(inp.lifetime[r_choice]).astype(np.int64), renewal
                )
                out["switch_reason"][..., i] = np.where(now, reason, out["switch_reason"][..., i])
                cur = np.where(now, r_choice, cur)
                closed |= closing & now
            # staying at a renewal moment: the asset is renewed
            renewing = running & renewal_due & ~switching
            if renewing.any():
                capex_total = inp.capex_renewal[cur, i] * inp.capacity[None]
                out["capex"][..., i] += np.where(renewing, capex_total, 0.0)
                asset_capex = np.where(renewing, capex_total, asset_capex)
                asset_start = np.where(renewing, year, asset_start)
                renewal = np.where(
                    renewing, year + np.round(inp.lifetime[cur]).astype(np.int64), renewal
                )
                out["switch_reason"][..., i] = np.where(
                    renewing, REASON["reinvestment"], out["switch_reason"][..., i]
                )
            out["switch_reason"][..., i] = np.where(
                waited & ~switching & (out["switch_reason"][..., i] == 0),
                REASON["waiting_for_infrastructure"],
                out["switch_reason"][..., i],
            )

            # 6. plants whose storage pool has ended look for another one; else they vent
            vented = self._storage_moves(i, cur, closed, plant_pool)
            # 7. what happened this year
            self._account(
                i,
                year,
                cur,
                closed,
                out,
                energy,
                gov,
                sde_unit * ((sde_start <= year) & (year < sde_end) & (cur == sde_route)),
                ccfd_ref * ((ccfd_start <= year) & (year < ccfd_end) & (cur == ccfd_route)),
                vented,
                plant_pool,
                pool_use,
            )
        return {
            "out": out,
            "energy": energy,
            "gov": gov,
            "pool_use": pool_use,
            "committed": self.committed,
        }

    # ------------------------------------------------------------------ infrastructure
    def _resource_demand(
        self, i: int, r_new: I, r_old: I | None, prod_peak: F, start: I | None = None
    ) -> tuple[F, I]:
        """Extra capacity each plant's choice needs, (3, S, P), and its start-year index
        (default: the decision year plus the route's lead time)."""
        inp = self.inp
        if start is None:
            start = np.minimum(i + inp.lead_time[r_new], self.Y - 1)
        rt = self.route
        demand = np.zeros((len(RESOURCES), *r_new.shape))
        demand[GRID] = rt.electricity[r_new, start] / GJ_PER_MWH / HOURS_PER_YEAR
        demand[CO2] = rt.captured[r_new, start] * self._calib(r_new)
        demand[H2] = rt.hydrogen[r_new, start]
        if r_old is not None:
            demand[GRID] -= rt.electricity[r_old, i] / GJ_PER_MWH / HOURS_PER_YEAR
            demand[CO2] -= rt.captured[r_old, i] * self._calib(r_old)
            demand[H2] -= rt.hydrogen[r_old, i]
        return np.maximum(demand * prod_peak[None], 0.0), start

    def _pool_window(self, q: int, i: I) -> tuple[F, I]:
        """Capacity left in pool ``q`` over its remaining life from year index ``i`` (S,)
        (per scenario), and the index where the pool's life ends (S,)."""
        cap = self.inp.pool_capacity[:, q, :]
        alive = cap > 0
        last = self.Y - np.argmax(alive[:, ::-1], axis=-1)  # one past the last alive year
        last = np.where(alive.any(axis=-1), last, 0)
        idx = np.arange(self.Y)[None, :]
        window = (idx >= i[:, None]) & alive & (idx < last[:, None])
        free = np.where(window, cap - self.committed[:, q, :], np.inf)
        left = np.where(window.any(axis=-1), np.min(free, axis=-1), 0.0)
        return left, last

    def _allocate(
        self, demand: F, start: I, gain: F, mask: B, commit: bool
    ) -> tuple[B, npt.NDArray[np.int64]]:
        """Serve ``demand`` (3, S, P) of the plants in ``mask`` from the pools, first-fit in
        order of ``gain`` per unit of the resource asked for, pools in order. Returns the refused
        plants and the pool given per resource (S, P, 3; -1 none). With ``commit`` the grants
        are reserved in ``self.committed`` from each plant's start until the pool's life ends."""
        inp = self.inp
        S, P = self.S, self.P
        refused = np.zeros((S, P), dtype=bool)
        given = np.full((S, P, len(RESOURCES)), -1, dtype=np.int64)
        start_year = inp.years[start]
        rows = np.arange(S)[:, None]
        for res in range(len(RESOURCES)):
            need = mask & (demand[res] > 1e-9)
            if not need.any():
                continue
            open_ = need.copy()
            for q in np.flatnonzero(inp.pool_resource == res):
                access = inp.pool_access[:, q, :][rows, inp.plant_cluster[None, :]]  # (S, P)
                cand = open_ & (start_year >= access) & inp.pool_plants[q][None, :]
                if not cand.any():
                    continue
                first = np.min(np.where(cand, start, self.Y), axis=1)  # per scenario
                left, last = self._pool_window(int(q), first)
                if np.all(np.isinf(left)):
                    granted = cand
                else:
                    granted = allocate_first_fit(
                        np.where(cand, gain / np.where(cand, demand[res], 1.0), -np.inf),
                        np.where(cand, demand[res], 0.0),
                        np.maximum(left, 0.0),
                        eligible=cand,
                    )
                given[..., res] = np.where(granted, q, given[..., res])
                open_ &= ~granted
                if commit and granted.any() and not np.all(np.isinf(left)):
                    delta = np.zeros((S, self.Y + 1))
                    amount = np.where(granted, demand[res], 0.0)
                    np.add.at(delta, (np.repeat(np.arange(S), P), start.ravel()), amount.ravel())
                    end = np.broadcast_to(last[:, None], (S, P))
                    np.add.at(delta, (np.repeat(np.arange(S), P), end.ravel()), -amount.ravel())
                    self.committed[:, q, :] += np.cumsum(delta, axis=-1)[:, : self.Y]
            refused |= open_
        return refused, given

    # ------------------------------------------------------------------ accounting
    def _storage_moves(self, i: int, cur: I, closed: B, plant_pool: I) -> B:
        """Plants that capture CO2 but whose storage pool has ended (or that have none) apply
        to the other pools; those not served vent their CO2. Returns the venting plants."""
        inp = self.inp
        captured = self.route.captured[cur, i] * self._calib(cur)
        pool = plant_pool[..., CO2]
        s = np.arange(self.S)[:, None]
        ended = (pool < 0) | (inp.pool_capacity[s, np.maximum(pool, 0), i] <= 0)
        need: B = ~closed & (captured > 0) & ended
        if not need.any():
            return np.zeros_like(need)
        g = inp.plant_product
        peak = np.max(inp.demand_scale[:, g, i:], axis=-1) * inp.base_production[None, :]
        demand = np.zeros((len(RESOURCES), self.S, self.P))
        demand[CO2] = captured * peak
        start = np.full((self.S, self.P), i, dtype=np.int64)
        refused, given = self._allocate(demand, start, demand[CO2], need, commit=True)
        plant_pool[..., CO2] = np.where(need & ~refused, given[..., CO2], plant_pool[..., CO2])
        return need & refused

    def _account(
        self,
        i: int,
        year: int,
        cur: I,
        closed: B,
        out: dict[str, F],
        energy: F,
        gov: F,
        sde_unit: F,
        ccfd_ref: F,
        vented: B,
        plant_pool: I,
        pool_use: F,
    ) -> None:
        inp, rt = self.inp, self.route
        g = inp.plant_product
        live = ~closed
        activity = np.where(live, inp.base_production[None, :] * inp.demand_scale[:, g, i], 0.0)
        domestic = activity * inp.route_domestic[cur]
        calib = self._calib(cur)
        captured = np.where(vented, 0.0, rt.captured[cur, i] * calib * activity)
        em = rt.emitted[cur, i] * calib * activity + np.where(
            vented, rt.captured[cur, i] * calib * activity, 0.0
        )
        use = inp.route_inputs[cur, :, i] * activity[..., None]  # (S, P, C)
        energy[..., i] = use
        elec = use[..., inp.carrier_is_electricity].sum(-1)
        h2 = use[..., inp.carrier_is_hydrogen].sum(-1)
        elec_base = rt.electricity[inp.incumbent, i][None, :] * activity
        new_load = np.maximum(elec - elec_base, 0.0) / GJ_PER_MWH / HOURS_PER_YEAR
        s = np.arange(self.S)[:, None]
        for res, amount in ((GRID, new_load), (H2, h2)):
            pools = self.cluster_pool[res][inp.plant_cluster]  # (P,)
            ok = pools >= 0
            if ok.any():
                np.add.at(
                    pool_use[:, :, i],
                    (s, np.broadcast_to(pools[ok][None], (self.S, int(ok.sum())))),
                    amount[:, ok],
                )
        co2_pool = plant_pool[..., CO2]
        has = co2_pool >= 0
        stored = np.where(has, captured, 0.0)
        np.add.at(
            pool_use[:, :, i], (np.broadcast_to(s, has.shape)[has], co2_pool[has]), captured[has]
        )
        eua = inp.eua[:, i][:, None]
        fa = (
            self.fa_unit[None]
            * inp.free_allocation_factor[:, g, i]
            * self._fa_scale(cur, i)
            * activity
        )
        s = np.arange(self.S)[:, None]
        # instruments, each a pure function of kruispunt.policy
        rights = dispensation_rights(
            self.fa_unit[None] * self._fa_scale(cur, i) * activity,
            inp.levy_reduction_factor[:, i][:, None],
        )
        levy = co2_heffing(em, rights, inp.levy_tariff[:, i][:, None], eua)
        sde = sde_unit * activity  # awarded per unit, zero outside the award's window
        ccfd = ccfd_payment(
            np.nan_to_num(inp.ccfd_strike, nan=0.0)[:, None],
            eua,
            np.maximum(ccfd_ref * activity - em, 0.0),
        )
        ikc = indirect_cost_compensation(
            elec / GJ_PER_MWH,
            inp.eua[:, i][:, None],
            inp.ikc_co2_factor[:, i][:, None],
            inp.ikc_aid_intensity[:, i][:, None],
            inp.ikc_eligible[None],
            budget_eur=inp.ikc_budget[:, i],
        )
        cbam = rt.cbam[s, cur, i] * activity
        out["route_index"][..., i] = cur
        out["production"][..., i] = domestic
        out["direct_emissions"][..., i] = em
        out["captured_co2"][..., i] = captured
        out["stored_co2"][..., i] = stored
        out["indirect_emissions"][..., i] = elec * inp.grid_emission_factor[:, i][:, None]
        out["electric_load"][..., i] = elec / GJ_PER_MWH / HOURS_PER_YEAR
        out["opex"][..., i] = (
            np.where(
                live,
                inp.variable_opex[cur, i] * activity + inp.fixed_opex[cur, i] * inp.capacity[None],
                0.0,
            )
            + stored * inp.co2_ts_cost[:, i][:, None]
        )
        out["energy_cost"][..., i] = rt.market[s, cur, i] * activity
        # energy tax by consumption bracket for carriers that have brackets (gas, electricity),
        # per plant as one connection; others at their per-unit rate
        taxed = np.zeros_like(activity)
        for c in range(use.shape[-1]):
            if np.isnan(inp.tax_thresholds[c]).any():
                taxed += use[..., c] * inp.energy_tax[:, c, i][:, None]
            else:
                taxed += bracketed_tax(use[..., c], inp.tax_thresholds[c], inp.tax_rates[c, :, i])
        out["energy_tax"][..., i] = taxed
        out["free_allocation"][..., i] = fa
        out["carbon_cost"][..., i] = ets_cost(em, fa, eua) + cbam
        out["co2_levy"][..., i] = levy
        out["subsidies"][..., i] += sde + ccfd + ikc
        gov[:, FLOWS.index("ikc_outlay"), i] -= ikc.sum(1)
        gov[:, FLOWS.index("sde_outlay"), i] -= sde.sum(1)
        gov[:, FLOWS.index("ccfd_outlay"), i] -= ccfd.sum(1)
        gov[:, FLOWS.index("co2_levy_revenue"), i] += levy.sum(1)
        gov[:, FLOWS.index("energy_tax_revenue"), i] += out["energy_tax"][..., i].sum(1)
        gov[:, FLOWS.index("cbam_revenue"), i] += cbam.sum(1)


DEFAULT_BATCH = 200


def simulate(
    inputs: ModelInputs, batch_size: int = DEFAULT_BATCH, progress: object | None = None
) -> Results:
    """Run every scenario of ``inputs`` and return documented :class:`Results`.

    Parameters
    ----------
    inputs : ModelInputs
        Inputs over S scenarios (an ensemble of one is a single run).
    batch_size : int
        Scenarios per batch; bounds memory. Results do not depend on it.
    progress : callable, optional
        Called as ``progress(n_done, n_total)`` after each batch.
    """
    n = len(inputs.scenarios)
    if n == 0:
        raise ValueError("no scenarios to run")
    parts = []
    for lo in range(0, n, batch_size):
        idx = np.arange(lo, min(lo + batch_size, n))
        batch = inputs.select(idx)
        parts.append((batch, _Batch(batch).run()))
        if callable(progress):
            progress(int(idx[-1]) + 1, n)
    return _to_results(inputs, parts)


def _cat(
    parts: list[tuple[ModelInputs, dict[str, F | dict[str, F]]]], key: str, sub: str | None = None
) -> F:
    if sub is None:
        return np.concatenate([cast(F, p[1][key]) for p in parts], axis=0)
    return np.concatenate([cast(dict[str, F], p[1][key])[sub] for p in parts], axis=0)


def _to_results(
    inp: ModelInputs, parts: list[tuple[ModelInputs, dict[str, F | dict[str, F]]]]
) -> Results:
    import json

    import xarray as xr

    from kruispunt import __version__

    S, P = len(inp.scenarios), len(inp.plants)
    G, L = len(inp.products), len(inp.clusters)
    g = inp.plant_product
    coords = {
        "scenario": list(inp.scenarios),
        "plant": list(inp.plants),
        "year": inp.years,
        "carrier": list(inp.carriers),
        "product": list(inp.products),
        "cluster": list(inp.clusters),
        "resource": list(RESOURCES),
        "flow": list(FLOWS),
        "route": list(inp.routes),
        "site": ("plant", list(inp.plant_site)),
        "plant_product": ("plant", [inp.products[i] for i in g]),
        "plant_cluster": ("plant", [inp.clusters[i] for i in inp.plant_cluster]),
        "sector": ("plant", list(inp.plant_sector)),
    }
    spy = ("scenario", "plant", "year")
    data: dict[str, tuple[tuple[str, ...], npt.NDArray[np.generic]]] = {}
    for name in ("route_index", *FLOAT_OUTPUTS, "switch_reason"):
        data[name] = (spy, _cat(parts, "out", name))
    energy = _cat(parts, "energy")
    data["energy"] = (("scenario", "plant", "year", "carrier"), np.moveaxis(energy, 2, 3))
    # demand and imports per product
    onehot = np.zeros((P, G))
    onehot[np.arange(P), g] = 1.0
    base = np.einsum("p,pg->g", inp.base_production, onehot)
    demand = base[None, :, None] * inp.demand_scale  # (S, G, Y)
    domestic = np.einsum("spy,pg->sgy", cast(F, data["production"][1]), onehot)
    imports = np.maximum(demand - domestic, 0.0)
    data["demand"] = (("scenario", "product", "year"), demand)
    data["imports"] = (("scenario", "product", "year"), imports)
    # infrastructure: pools summed by the cluster that hosts them
    capacity = np.zeros((S, L, len(RESOURCES), len(inp.years)))
    use = np.zeros_like(capacity)
    pool_use = _cat(parts, "pool_use")
    for q in range(len(inp.pool_names)):  # a handful of pools; inf + x stays inf
        capacity[:, inp.pool_host[q], inp.pool_resource[q]] += inp.pool_capacity[:, q]
        use[:, inp.pool_host[q], inp.pool_resource[q]] += pool_use[:, q]
    data["infra_capacity"] = (("scenario", "cluster", "resource", "year"), capacity)
    data["infra_use"] = (("scenario", "cluster", "resource", "year"), use)
    gov = _cat(parts, "gov")
    # CBAM on imported final products, at the Dutch plants' average intensity (as the
    # import-parity uplift in kruispunt.assemble) on the share no longer freely allocated
    intensity = np.asarray(inp.attrs.get("import_intensity", np.zeros(G)), dtype=float)
    cbam_final = (
        imports * intensity[None, :, None] * (inp.eua * (1.0 - inp.cbam_factor))[:, None, :]
    )
    gov[:, FLOWS.index("cbam_revenue"), :] += cbam_final.sum(axis=1)
    data["gov_cash_flow"] = (("scenario", "flow", "year"), gov)
    data["emission_target"] = (("year",), inp.emission_target)
    ds = xr.Dataset({k: xr.Variable(dv[0], dv[1]) for k, dv in data.items()}, coords=coords)
    from kruispunt.results import result_variables

    for name, var in result_variables().items():
        ds[name].attrs["units"] = var.unit
        ds[name].attrs["description"] = var.description
    ds.attrs.update(
        {
            "kruispunt_version": __version__,
            "data_hash": str(inp.attrs.get("data_hash", "")),
            "scenarios": json.dumps(
                dict(zip(inp.scenarios, [json.loads(s) for s in inp.scenario_json], strict=True))
                if inp.scenario_json
                else {},
                sort_keys=True,
            ),
            "seed": json.dumps({s: int(x) for s, x in zip(inp.scenarios, inp.seeds, strict=True)}),
            "created_by": "kruispunt.engine.simulate",
            "switch_reasons": json.dumps(list(SWITCH_REASONS)),
            "product_units": json.dumps(dict(zip(inp.products, inp.product_units, strict=True))),
            "carrier_units": json.dumps(inp.attrs.get("carrier_units", {})),
            "cluster_names": json.dumps(inp.attrs.get("cluster_names", {})),
            "route_families": json.dumps(
                dict(zip(inp.routes, [FAMILIES[f] for f in inp.family], strict=True))
            ),
            "excluded_routes": json.dumps(inp.attrs.get("excluded_routes", [])),
        }
    )
    return Results(ds)
