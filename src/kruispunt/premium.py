"""Green premiums: what a low-carbon tonne costs more than a grey one, and what that adds to
the price of the things people buy.

Three analyses on top of the engine's own valuation (STYLE habit 9: the cost formulas exist
once, in the instruments and :mod:`kruispunt.engine.valuation`; nothing is re-derived here):

- :func:`levelised_costs` and :func:`green_premium`: the levelised cost of every route open to
  every plant in every year, split into energy, capex, carbon, taxes, support and other, and
  its premium over the plant's grey reference route (the incumbent);
- :func:`product_premium`: per product and year, each plant's cheapest low-carbon premium and
  the national production-weighted figure; :func:`end_product_premium`: that premium carried
  into end products (a car, a dwelling, a tonne of wheat ...) through their material content
  (data package tables ``end_products`` and ``end_product_materials``);
- :func:`export_gap`: the carbon cost that CBAM does not cover on the output a CBAM good's
  producers export outside the EU, as free allocation phases out 2026-2034 (Regulation (EU)
  2023/956 Art. 1; Directive 2003/87/EC Art. 10a(1a)).

Money is in euro of the data package's euro year (EUR2025); costs are per unit of product
(t for materials, GJ for process heat).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Literal

import numpy as np
import numpy.typing as npt
import pandas as pd

from kruispunt.engine.context import BatchContext
from kruispunt.engine.expectations import expected_many
from kruispunt.engine.valuation import OPERATING, OptionView, Valuation, retrofit_capex
from kruispunt.errors import KruispuntError
from kruispunt.inputs import ModelInputs, Routes
from kruispunt.policy.base import Instrument
from kruispunt.policy.cbam import Cbam
from kruispunt.policy.ets import EuEts, free_allocation
from kruispunt.policy.registry import INSTRUMENTS
from kruispunt.results import Results
from kruispunt.vocabulary import FAMILIES, SCENARIO

__all__ = [
    "COMPONENTS",
    "PREMIUM_COLUMNS",
    "REVENUE_PATHS",
    "TERM_COMPONENT",
    "end_product_premium",
    "export_gap",
    "export_gap_cost",
    "green_premium",
    "levelised_costs",
    "pass_through_share",
    "product_premium",
]

F = npt.NDArray[np.float64]
B = npt.NDArray[np.bool_]

COMPONENTS = ("energy", "capex", "carbon", "taxes", "support", "other")
"""Parts of a levelised cost [EUR/product]; they add up to ``levelised_cost``."""

PREMIUM_COLUMNS = (
    SCENARIO,
    "product",
    "year",
    "cheapest_route",
    "premium",
    *(f"premium_{k}" for k in COMPONENTS),
    "premium_ex_carbon",
)
"""Columns of the per-product premium table as the command and the report show it."""

TERM_COMPONENT: dict[str, str] = {
    "ets": "carbon",
    "cbam": "carbon",
    "co2_levy": "carbon",
    "energy_tax": "taxes",
    "ikc": "support",
    "green_premium": "support",
    "sde": "support",
    "ccfd": "support",
    "grants": "support",
    "committed": "support",
}
"""Component each instrument's valuation term counts in; an instrument not listed counts in
``other``."""

REVENUE_PATHS: dict[str, tuple[str, ...] | None] = {
    "market": None,
    "green_premium": None,
    "cbam": ("parity",),
}
"""Instrument terms that are revenue, not cost, left out of levelised costs (``None``: the
whole instrument): the change of the product's price (``market``), the premium buyers pay
under demand-side instruments (``green_premium``: the premium is what is being measured) and
CBAM's import-parity uplift of the product price (``cbam`` ``parity``; CBAM on imported
intermediates stays a carbon cost). Each is the same for every route of a product or would
make the premium circular."""


def export_gap_cost(
    allocation_full: npt.ArrayLike,
    cbam_factor: npt.ArrayLike,
    eua: npt.ArrayLike,
    export_share: npt.ArrayLike,
) -> F:
    """Carbon cost on exported output that CBAM does not offset [EUR/yr].

    ``allocation_full x (1 - cbam_factor) x eua x export_share``: the free allowances a CBAM
    good loses to the phase-out (Directive 2003/87/EC Art. 10a(1a): the CBAM factor, 97.5 %
    in 2026 to 0 in 2034), valued at the EUA price, on the share of output sold outside the
    EU, where no CBAM certificate lifts the competitors' price (Regulation (EU) 2023/956
    applies to imports only).

    Parameters
    ----------
    allocation_full : array_like
        Free allocation the plant would get without the CBAM phase-out (CBAM factor 1)
        [tCO2/yr].
    cbam_factor : array_like
        Share of free allocation CBAM goods keep in the year, in [0, 1] [-].
    eua : array_like
        EUA price [EUR/tCO2].
    export_share : array_like
        Share of the output exported outside the EU, in [0, 1] [-].

    Examples
    --------
    A plant with 1 Mt of allowances before the phase-out, in 2030 (CBAM factor 0.515) at
    80 EUR/t, exporting 20 % outside the EU: 1e6 x 0.485 x 80 x 0.2 = 7.76 MEUR/yr.

    >>> float(export_gap_cost(1e6, 0.515, 80.0, 0.2))
    7760000.0
    """
    full = np.asarray(allocation_full, dtype=np.float64)
    return np.asarray(
        full
        * (1.0 - np.asarray(cbam_factor, dtype=np.float64))
        * np.asarray(eua, dtype=np.float64)
        * np.asarray(export_share, dtype=np.float64),
        dtype=np.float64,
    )


def pass_through_share(premium: npt.ArrayLike, amount: npt.ArrayLike, price: npt.ArrayLike) -> F:
    """Share of an end product's price that a material's green premium adds [-].

    ``premium x amount / price``: the premium per tonne of material times the tonnes in one
    end product, over the end product's price, assuming the whole premium is passed on.

    Examples
    --------
    Steel at a premium of 200 EUR/t, 0.9 t in a car of 48,118 EUR: 180 / 48,118 = 0.374 %.

    >>> round(float(pass_through_share(200.0, 0.9, 48118.0)) * 100, 3)
    0.374
    """
    return np.asarray(
        np.asarray(premium, dtype=np.float64)
        * np.asarray(amount, dtype=np.float64)
        / np.asarray(price, dtype=np.float64),
        dtype=np.float64,
    )


def _energy_expected(ctx: BatchContext, valuation: Valuation) -> F:
    """Expected energy and feedstock cost per unit of every route from each year over its
    life (the window valuation uses for staying), ``(Y, S, R)`` [EUR/product]: the part of
    the operating term bought at market prices."""
    inp = ctx.inputs
    rt = ctx.route
    path = rt.mix.path(rt.inputs, rt.mix.inputs, ctx.ext(inp.markets.price))
    zero = np.zeros_like(ctx.life)
    (e,) = expected_many(
        path, inp.finance.discount_rate, [(zero, ctx.life)], ctx.Y, inp.finance.myopic
    )
    return np.ascontiguousarray(np.moveaxis(e, -1, 0))


def levelised_costs(
    inputs: ModelInputs,
    instruments: Sequence[type[Instrument]] = INSTRUMENTS,
    reference_capex: Literal["sunk", "renewal"] = "sunk",
) -> pd.DataFrame:
    """Levelised cost of every route open to every plant in every year, term by term.

    The cost of running a route from year *y* over its life, per unit of product, as the
    engine values it (:class:`kruispunt.engine.valuation.Valuation`): the expected operating
    cost (energy and feedstock at market prices, CO2 transport and storage, variable opex)
    and each instrument's expected unit cost over the route's life from *y*
    (:meth:`~kruispunt.policy.base.Instrument.unit_cost`, the scenario's carbon costs
    included), plus fixed opex and the capital annuity per unit of the plant's output in *y*.
    Every route other than the plant's grey reference (its incumbent) pays the annuity of
    the investment the engine charges for switching to it (``capex``: a new plant, or, for a
    route declared a retrofit of the reference in ``route_retrofits.csv``, the added capex
    only, plus the reference's renewal with ``reference_capex="renewal"``). The reference
    pays no capital by default (``reference_capex="sunk"``: the plant exists, as the engine
    values staying between reinvestment moments), or the annuity of its renewal
    (``"renewal"``: as at a reinvestment moment; the data package's renewal cost, or its
    greenfield cost where no renewal cost is given). Support awarded in rounds (SDE++, CCfD,
    grants) is not in these terms: it depends on the round, not the route. Revenue terms
    (:data:`REVENUE_PATHS`) are left out.

    Parameters
    ----------
    inputs : ModelInputs
        The scenarios' inputs (:func:`kruispunt.assemble.build_inputs`).
    instruments : sequence of Instrument classes
        The instruments valued (default: the registry's).
    reference_capex : {"sunk", "renewal"}
        Capital of the grey reference route.

    Returns
    -------
    DataFrame
        One row per scenario, plant, route and year: ``scenario``, ``plant``, ``site``,
        ``product``, ``year``, ``route``, ``family``, ``low_carbon``, ``reference`` (the
        incumbent), ``available`` (the route's earliest year, hydrogen connection and the
        scenario allow it in *y*), ``production`` [product/yr], one column per
        :data:`COMPONENTS` and ``levelised_cost`` [EUR/product].
    """
    if reference_capex not in ("sunk", "renewal"):
        raise KruispuntError(f"unknown reference_capex '{reference_capex}'; allowed: sunk, renewal")
    classes = tuple(instruments)
    ctx = BatchContext(inputs, classes)
    active = [cls(ctx) for cls in classes]
    val = Valuation(ctx, active)
    inp = inputs
    routes = inp.routes
    c = inp.coords
    opt = val.opt  # (P, K)
    energy_e = _energy_expected(ctx, val)
    cap = inp.plants.capacity[None, :, None]
    inc = inp.plants.incumbent
    is_ref = opt == inc[:, None]
    keep = val.opt_valid & ~val.opt_closure  # (P, K)
    h2_year = inp.pools.hydrogen_year[:, inp.plants.cluster]  # (S, P)
    frames = []
    for t in range(ctx.Y):
        year = int(c.years[t])
        view = OptionView(t, opt[None], val.calib_k)
        parts = {k: np.zeros((ctx.S, *opt.shape)) for k in COMPONENTS}
        energy = energy_e[t][:, opt]
        parts["energy"] = energy
        parts["other"] = val.stay_over_life(("", OPERATING), t)[:, opt] - energy
        for inst in val.valued:
            revenue = REVENUE_PATHS.get(inst.name, ())
            if revenue is None:
                continue
            x: Mapping[str, F] = {
                term: np.zeros(energy.shape)
                if term in revenue
                else val.stay_over_life((inst.name, term), t)[:, opt]
                for term in val.terms_of[inst.name]
            }
            cost = np.broadcast_to(inst.unit_cost(x, view), energy.shape)
            parts[TERM_COMPONENT.get(inst.name, "other")] = (
                parts[TERM_COMPONENT.get(inst.name, "other")] + cost
            )
        prod = ctx.output(t)[:, :, None]  # (S, P, 1)
        with np.errstate(divide="ignore", invalid="ignore"):
            per_cap = np.where(prod > 0, cap / prod, np.nan)
        ref_capex = routes.capex_renewal[opt, t] if reference_capex == "renewal" else 0.0
        new_capex = routes.capex[opt, t]
        # a retrofit of the reference keeps its plant: the added capex (plus the reference's
        # renewal when the reference pays its renewal), as the engine charges it
        retro = retrofit_capex(
            routes, inc[:, None], opt, t, np.asarray(reference_capex == "renewal")
        )
        if retro is not None:
            new_capex = np.where(np.isnan(retro), new_capex, retro)
        capex = np.where(is_ref, ref_capex, new_capex)[None]
        parts["capex"] = capex * val.crf_k * per_cap
        parts["other"] = parts["other"] + routes.fixed_opex[opt, t][None] * per_cap
        total: F = np.sum([parts[k] for k in COMPONENTS], axis=0)
        needs_h2 = ctx.route.hydrogen[opt, t] > 0  # (P, K)
        buildable = (routes.earliest_year[opt] <= year)[None]  # (1, P, K): and a permit
        permitted = inp.permitted(t)  # for a new one (1|S, R)
        if permitted is not None:
            buildable = buildable & permitted[:, opt]
        available = (
            buildable
            & (~needs_h2[None] | (h2_year[:, :, None] <= year))
            & (inp.levers.route_allowed[:, opt] | is_ref[None])
            & _from_reference(routes, opt, inc)[None]
        )
        s_idx, p_idx, k_idx = np.nonzero(np.broadcast_to(keep[None], total.shape))
        r_idx = opt[p_idx, k_idx]
        frame = pd.DataFrame(
            {
                SCENARIO: np.asarray(c.scenarios)[s_idx],
                "plant": np.asarray(c.plants)[p_idx],
                "site": np.asarray(c.plant_site)[p_idx],
                "product": np.asarray(c.products)[inp.plants.product[p_idx]],
                "year": year,
                "route": np.asarray(c.routes)[r_idx],
                "family": np.asarray(FAMILIES)[routes.family[r_idx]],
                "low_carbon": ctx.low_carbon[r_idx],
                "reference": is_ref[p_idx, k_idx],
                "available": available[s_idx, p_idx, k_idx],
                "production": np.broadcast_to(prod, total.shape)[s_idx, p_idx, k_idx],
                **{k: parts[k][s_idx, p_idx, k_idx] for k in COMPONENTS},
                "levelised_cost": total[s_idx, p_idx, k_idx],
            }
        )
        frames.append(frame)
    out = pd.concat(frames, ignore_index=True)
    out.attrs["units"] = {
        **{k: "EUR/product" for k in (*COMPONENTS, "levelised_cost")},
        "production": "product/yr",
    }
    return out


def green_premium(costs: pd.DataFrame) -> pd.DataFrame:
    """Green premium of every low-carbon route against the plant's grey reference.

    Parameters
    ----------
    costs : DataFrame
        :func:`levelised_costs`.

    Returns
    -------
    DataFrame
        One row per scenario, plant, low-carbon route and year (the reference route itself
        left out): the labels of ``costs``, the route's ``levelised_cost`` and the
        reference's ``reference_cost`` [EUR/product], ``premium`` (their difference) and one
        ``premium_<component>`` per :data:`COMPONENTS` [EUR/product]. A negative premium: the
        low-carbon route is the cheaper one.
    """
    keys = [SCENARIO, "plant", "year"]
    ref = costs[costs["reference"]].set_index(keys)
    low = costs[costs["low_carbon"] & ~costs["reference"]].copy()
    base = ref.reindex(pd.MultiIndex.from_frame(low[keys]))
    low["reference_route"] = base["route"].to_numpy()
    low["reference_cost"] = base["levelised_cost"].to_numpy()
    low["premium"] = low["levelised_cost"] - low["reference_cost"]
    for k in COMPONENTS:
        low[f"premium_{k}"] = low[k].to_numpy() - base[k].to_numpy()
    out = low.drop(columns=["reference", "low_carbon"]).reset_index(drop=True)
    out.attrs["units"] = {
        **{f"premium_{k}": "EUR/product" for k in COMPONENTS},
        "premium": "EUR/product",
        "levelised_cost": "EUR/product",
        "reference_cost": "EUR/product",
    }
    return out


def product_premium(
    premiums: pd.DataFrame, by: str = "product", routes: Sequence[str] | None = None
) -> pd.DataFrame:
    """Per plant, the premium of its cheapest available low-carbon route; per ``by`` (product,
    or ``site``), the production-weighted average of those plants' premiums.

    Parameters
    ----------
    premiums : DataFrame
        :func:`green_premium`.
    by : {"product", "site"}
        Grouping of the weighted average (sites group by site and product).
    routes : sequence of str, optional
        Only these low-carbon routes (e.g. ``["h2_dri_eaf"]`` for primary steel without
        scrap); default: every low-carbon route.

    Returns
    -------
    DataFrame
        ``scenario``, the grouping (``product``; or ``site`` and ``product``), ``year``,
        ``premium`` [EUR/product, production-weighted], ``premium_<component>``,
        ``premium_ex_carbon`` (the premium without the carbon items: what it would be without
        carbon pricing) [EUR/product], ``production`` [product/yr, the plants that have a
        low-carbon option], ``plants``
        (their number) and ``cheapest_route`` (the most common cheapest route).
    """
    if by not in ("product", "site"):
        raise KruispuntError(f"unknown grouping '{by}'; allowed: product, site")
    avail = premiums[premiums["available"] & premiums["premium"].notna()]
    if routes is not None:
        avail = avail[avail["route"].isin(list(routes))]
    if avail.empty:
        return pd.DataFrame(columns=[SCENARIO, by, "year", "premium"])
    idx = avail.groupby([SCENARIO, "plant", "year"])["premium"].idxmin()
    best = avail.loc[idx.to_numpy()]
    groups = (
        [SCENARIO, "product", "year"] if by == "product" else [SCENARIO, "site", "product", "year"]
    )
    cols = ["premium", *(f"premium_{k}" for k in COMPONENTS)]
    rows = []
    for key, part in best.groupby(groups, sort=True):
        w = part["production"].to_numpy(dtype=float)
        weights = w if w.sum() > 0 else np.ones(len(part))
        row: dict[str, object] = dict(
            zip(groups, key if isinstance(key, tuple) else (key,), strict=True)
        )
        avg = {c: float(np.average(part[c].to_numpy(dtype=float), weights=weights)) for c in cols}
        row.update(avg)
        row["premium_ex_carbon"] = avg["premium"] - avg["premium_carbon"]
        row["production"] = float(w.sum())
        row["plants"] = len(part)
        row["cheapest_route"] = str(part["route"].mode().iloc[0])
        rows.append(row)
    out = pd.DataFrame(rows)
    out.attrs["units"] = {
        **{c: "EUR/product" for c in (*cols, "premium_ex_carbon")},
        "production": "product/yr",
    }
    return out


def end_product_premium(
    by_product: pd.DataFrame,
    end_products: pd.DataFrame,
    materials: pd.DataFrame,
    value: str = "premium",
) -> pd.DataFrame:
    """The green premium of each end product's materials, in euro and as a share of its price.

    Parameters
    ----------
    by_product : DataFrame
        :func:`product_premium` by product.
    end_products : DataFrame
        The data package's ``end_products`` table (``end_product_id``, ``name``, ``unit``,
        ``price`` [EUR of the euro year per end product]).
    materials : DataFrame
        ``end_product_materials`` (``end_product_id``, ``product_id``, ``amount`` [t of the
        product per end product]).
    value : str
        Column of ``by_product`` carried through (``premium``, or ``premium_ex_carbon``).

    Returns
    -------
    DataFrame
        Per scenario, end product, product and year: ``amount``, ``premium`` [EUR/t],
        ``premium_eur`` (per end product), ``price`` [EUR], ``share`` [-]; and one row per
        end product with ``product`` = ``total`` (the sum over its materials that have a
        premium; materials the Netherlands does not make, or whose premium is unknown, are
        left out and listed in ``missing``).
    """
    prem = {
        (str(a), str(b), int(c)): float(v)
        for a, b, c, v in zip(
            by_product[SCENARIO],
            by_product["product"],
            by_product["year"],
            by_product[value],
            strict=True,
        )
    }
    rows = []
    scenarios = sorted(by_product[SCENARIO].unique())
    years = sorted(by_product["year"].unique())
    prices = dict(
        zip(end_products["end_product_id"].astype(str), end_products["price"], strict=True)
    )
    names = dict(zip(end_products["end_product_id"].astype(str), end_products["name"], strict=True))
    for ep, mats in materials.groupby("end_product_id", sort=True):
        if str(ep) not in prices:
            raise KruispuntError(f"end_product_materials: unknown end product '{ep}'")
        price = float(prices[str(ep)])
        name = str(names[str(ep)])
        for s in scenarios:
            for y in years:
                total = 0.0
                missing = []
                for m in mats.itertuples():
                    p = prem.get((str(s), str(m.product_id), int(y)), float("nan"))
                    amount = float(m.amount)  # type: ignore[arg-type]
                    if np.isnan(p):
                        missing.append(str(m.product_id))
                        continue
                    eur = p * amount
                    total += eur
                    rows.append(
                        {
                            SCENARIO: s,
                            "end_product": ep,
                            "name": name,
                            "product": m.product_id,
                            "year": y,
                            "amount": amount,
                            "premium": p,
                            "premium_eur": eur,
                            "price": price,
                            "share": float(pass_through_share(p, amount, price)),
                            "missing": "",
                        }
                    )
                rows.append(
                    {
                        SCENARIO: s,
                        "end_product": ep,
                        "name": name,
                        "product": "total",
                        "year": y,
                        "amount": float("nan"),
                        "premium": float("nan"),
                        "premium_eur": total,
                        "price": price,
                        "share": total / price,
                        "missing": ";".join(missing),
                    }
                )
    out = pd.DataFrame(rows)
    out.attrs["units"] = {
        "amount": "t/end product",
        "premium": "EUR/t",
        "premium_eur": "EUR/end product",
        "price": "EUR/end product",
        "share": "fraction",
    }
    return out


def export_gap(inputs: ModelInputs, results: Results) -> pd.DataFrame:
    """Cost exposure of CBAM goods' exports outside the EU as free allocation phases out.

    Per plant making a CBAM good (``products.cbam``) and year: its free allocation at CBAM
    factor 1 (the route it runs in the results, its production, the sector's carbon-leakage
    factor, the cross-sectoral correction and the conditionality, through
    :func:`kruispunt.policy.ets.free_allocation`), the allowances the phase-out removes,
    and :func:`export_gap_cost` on the product's ``export_share_extra_eu``
    (``product_markets``; the CBAM instrument's ``export_share``). The activity-level
    adjustment of Art. 10a(20) is approximated by the year's production.

    Returns
    -------
    DataFrame
        ``scenario``, ``plant``, ``site``, ``product``, ``year``, ``export_share`` [-],
        ``cbam_factor`` [-], ``eua`` [EUR/tCO2], ``allocation_full`` and ``allocation_lost``
        [tCO2/yr], ``exposure_meur`` [MEUR/yr].
    """
    ctx = BatchContext(inputs, (EuEts, Cbam))
    ets = EuEts(ctx)
    inp = inputs
    c = inp.coords
    if list(results.scenarios) != list(c.scenarios):
        raise KruispuntError("export_gap: the results and the inputs need the same scenarios")
    ds = results.dataset
    route = ds["route_index"].transpose(SCENARIO, "plant", "year").values.astype(np.int64)
    prod = ds["production"].transpose(SCENARIO, "plant", "year").values
    cbam_p = inp.products.cbam[inp.plants.product]
    share = np.asarray(ctx.params("cbam")["export_share"], dtype=np.float64)  # (S, G)
    p = ctx.params("ets")
    cbam_factor = np.asarray(p["cbam_factor"], dtype=np.float64)  # (S, Y)
    cscf = np.asarray(p["cscf"], dtype=np.float64)
    cond = np.asarray(p["conditionality"], dtype=np.float64)
    eua = inp.markets.eua  # (S, Y)
    plants = np.nonzero(cbam_p)[0]
    frames = []
    for i, year in enumerate(c.years):
        basis = ets.basis.of(route[:, :, i], i)  # (S, P)
        full = free_allocation(
            basis * prod[:, :, i],
            1.0,
            ets.share_cl[:, i][:, None],
            np.ones_like(basis, dtype=bool),
            cscf=cscf[:, i][:, None],
            conditionality=cond[:, i][:, None],
        )
        lost = full * (1.0 - cbam_factor[:, i][:, None])
        ex = share[:, inp.plants.product]  # (S, P)
        cost = export_gap_cost(full, cbam_factor[:, i][:, None], eua[:, i][:, None], ex)
        for s in range(len(c.scenarios)):
            frames.append(
                pd.DataFrame(
                    {
                        SCENARIO: c.scenarios[s],
                        "plant": np.asarray(c.plants)[plants],
                        "site": np.asarray(c.plant_site)[plants],
                        "product": np.asarray(c.products)[inp.plants.product[plants]],
                        "year": int(year),
                        "export_share": ex[s, plants],
                        "cbam_factor": float(cbam_factor[s, i]),
                        "eua": float(eua[s, i]),
                        "allocation_full": full[s, plants],
                        "allocation_lost": lost[s, plants],
                        "exposure_meur": cost[s, plants] * 1e-6,
                    }
                )
            )
    out = pd.concat(frames, ignore_index=True)
    out.attrs["units"] = {
        "export_share": "fraction",
        "cbam_factor": "fraction",
        "eua": "EUR/tCO2",
        "allocation_full": "tCO2/yr",
        "allocation_lost": "tCO2/yr",
        "exposure_meur": "MEUR/yr",
    }
    return out


def exposure_years(gap: pd.DataFrame) -> pd.DataFrame:
    """The rows of :func:`export_gap` from the first to the last year in which any plant
    loses allowances to the phase-out (none when no year does).

    The phase-out ends in 2034, but the exposure does not: from then on a CBAM good gets no
    free allocation at all, so it loses all it would have had, until the free allocation it
    would get without CBAM itself runs out.

    >>> lost = [0, 1, 0, 2, 0]
    >>> gap = pd.DataFrame({"year": [2025, 2026, 2034, 2038, 2039], "allocation_lost": lost})
    >>> exposure_years(gap)["year"].tolist()
    [2026, 2034, 2038]
    """
    years = gap.loc[gap["allocation_lost"] > 0, "year"]
    if years.empty:
        return gap.iloc[:0]
    return gap[gap["year"].between(years.min(), years.max())]


def _from_reference(routes: Routes, opt: npt.NDArray[np.int64], inc: npt.NDArray[np.int64]) -> B:
    """``(P, K)``: options a plant can reach from its reference route ``inc`` ``(P,)``: all
    but a route reached only by retrofitting a running base (``Routes.retrofit_only``) whose
    base is not the reference (capture on a gas DRI plant is not open to a blast furnace)."""
    only, pair = routes.retrofit_only, routes.retrofit_pair
    if only is None or pair is None:
        return np.ones(opt.shape, dtype=np.bool_)
    return np.asarray(~only[opt] | (pair[opt, inc[:, None]] >= 0) | (opt == inc[:, None]))
