"""Policy packages side by side: what each costs the government, consumers and industry for
the emissions it abates against a reference, what it loses to imports, and what its support
pays for switches that happen anyway.

Every number comes from :mod:`kruispunt.metrics` (STYLE habit 11); the deadweight, which needs
runs with each support instrument switched off, from :func:`kruispunt.analysis.deadweights`.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from kruispunt import metrics
from kruispunt.errors import KruispuntError
from kruispunt.results import Results
from kruispunt.vocabulary import SCENARIO

__all__ = ["SUPPORT_FLOWS", "TARGET_YEAR", "compare_instruments", "cost_per_tonne"]

TARGET_YEAR = 2030
"""The year packages are compared in (or summed up to) unless one is given."""

SUPPORT_FLOWS = (
    "sde_outlay",
    "ccfd_outlay",
    "grant_outlay",
    "ikc_outlay",
    "committed_outlay",
    "committed_plant_outlay",
    "committed_sde_outlay",
)
"""Government outlay flows shown one by one (those a run books)."""


def cost_per_tonne(extra_cost_meur: float, abated_mt: float) -> float:
    """Cost per tonne abated [EUR/tCO2]: extra cost against the reference [MEUR] over the
    emissions abated against it [MtCO2] (NaN when nothing is abated).

    Examples
    --------
    A package that costs 300 MEUR more than the reference and abates 2 Mt: 150 EUR/t.

    >>> cost_per_tonne(300.0, 2.0)
    150.0
    """
    if abated_mt <= 0:
        return float("nan")
    return float(extra_cost_meur / abated_mt)


def _window(frame: pd.DataFrame, value: str, years: Sequence[int], by: Sequence[str]) -> pd.Series:
    part = frame[frame["year"].isin(list(years))]
    return part.groupby(list(by))[value].sum()


def compare_instruments(
    results: Results,
    reference: str = "no-new-policy",
    *,
    year: int = TARGET_YEAR,
    cumulative: bool = True,
    target_mt: float | None = None,
    deadweight: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Compare the packages (scenarios) of ``results`` against ``reference``.

    Parameters
    ----------
    results : Results
        A run holding the packages and the reference scenario.
    reference : str
        Scenario the abatement and the extra costs are measured against.
    year : int
        The target year: costs and emissions of that year only (``cumulative=False``), or
        summed over the model years up to and including it (``cumulative=True``).
    target_mt : float, optional
        Reduction to reach against the reference [MtCO2, in the year or cumulative];
        ``meets_target`` says which packages reach it.
    deadweight : DataFrame, optional
        :func:`kruispunt.analysis.deadweights` of the same scenarios; its payments and
        deadweight per instrument are summed per package.

    Returns
    -------
    DataFrame
        One row per package (the reference included): ``emissions_mt`` and ``abated_mt``
        [MtCO2], ``meets_target``; costs [MEUR, undiscounted, EUR of the euro year]:
        ``government_meur`` (outlays: SDE++, CCfD, grants, IKC, committed money; one
        ``<flow>_meur`` column per support flow), ``government_net_meur`` (outlays less
        revenue: CO2-heffing, energy tax, CBAM), ``consumers_meur`` (green premium buyers
        pay), ``industry_meur`` (capex, opex, energy, carbon, levy, tax, less subsidies and
        premium received); ``extra_<who>_meur`` against the reference, ``extra_total_meur``
        (industry + government net + consumers: transfers between them cancel), and
        ``<who>_eur_per_t`` = extra over abated [EUR/tCO2]; ``imports_mt`` and
        ``leakage_mt`` (imports of products counted in tonnes, and their increase over the
        reference [Mt]); ``support_paid_all_years_meur``, ``deadweight_all_years_meur``
        and ``deadweight_share`` where ``deadweight`` is given (over all model years, as
        :func:`kruispunt.metrics.deadweight` counts them, not over the target window).

    Notes
    -----
    A price relief that lowers what plants pay for energy without a booked government flow
    (the CISAF power-price relief is modelled as a lower electricity price) shows as a lower
    industry cost and no government cost: the comparison understates what such a package
    costs the public purse.
    """
    names = list(results.scenarios)
    if reference not in names:
        raise KruispuntError(
            f"reference scenario '{reference}' is not in the run; scenarios: {', '.join(names)}"
        )
    all_years = [int(y) for y in results.dataset["year"].values]
    if year not in all_years:
        raise KruispuntError(
            f"year {year} is outside the model years {all_years[0]}-{all_years[-1]}"
        )
    years = [y for y in all_years if y <= year] if cumulative else [year]
    by = [SCENARIO]
    em = _window(metrics.emissions(results), "emissions_mtco2", years, by)
    gov = _window(metrics.government_cost(results, "outlays"), "cost_meur", years, by)
    gov_net = _window(metrics.government_cost(results, "net"), "cost_meur", years, by)
    cons = _window(metrics.premium_paid(results), "cost_meur", years, by)
    ind = _window(metrics.costs(results), "cost_meur", years, by) - cons
    flows = metrics.government_cash_flow(results)
    flow_sums = _window(flows, "cash_flow_meur", years, [SCENARIO, "flow"])
    trade = metrics.production_and_imports(results)
    trade = trade[trade["unit"].astype(str).str.startswith("t")]
    imports = _window(trade, "imports", years, by) * 1e-6
    out = pd.DataFrame({SCENARIO: names}).set_index(SCENARIO)
    out["emissions_mt"] = em
    out["abated_mt"] = em[reference] - em
    out["meets_target"] = (
        out["abated_mt"] >= target_mt
        if target_mt is not None
        else pd.Series(np.nan, index=out.index)
    )
    out["government_meur"] = gov
    booked = set(flows["flow"].astype(str))
    for flow in SUPPORT_FLOWS:
        if flow in booked:
            out[f"{flow}_meur"] = [0.0 - float(flow_sums.get((s, flow), 0.0)) for s in names]
    out["government_net_meur"] = gov_net
    out["consumers_meur"] = cons
    out["industry_meur"] = ind
    for who, col in (
        ("government", "government_meur"),
        ("government_net", "government_net_meur"),
        ("consumers", "consumers_meur"),
        ("industry", "industry_meur"),
    ):
        out[f"extra_{who}_meur"] = out[col] - float(out[col][reference])
    out["extra_total_meur"] = (
        out["extra_industry_meur"] + out["extra_government_net_meur"] + out["extra_consumers_meur"]
    )
    abated = out["abated_mt"].to_numpy(dtype=float)
    for who in ("government", "consumers", "industry", "total"):
        extra = out[f"extra_{who}_meur"].to_numpy(dtype=float)
        out[f"{who}_eur_per_t"] = [
            cost_per_tonne(float(e), float(a)) for e, a in zip(extra, abated, strict=True)
        ]
    out["imports_mt"] = imports
    out["leakage_mt"] = imports - imports[reference]
    if deadweight is not None:
        dw = deadweight.groupby(SCENARIO)[["paid_meur", "deadweight_meur"]].sum()
        out["support_paid_all_years_meur"] = dw["paid_meur"]
        out["deadweight_all_years_meur"] = dw["deadweight_meur"]
        with np.errstate(divide="ignore", invalid="ignore"):
            out["deadweight_share"] = np.where(
                out["support_paid_all_years_meur"] > 0,
                out["deadweight_all_years_meur"] / out["support_paid_all_years_meur"],
                np.nan,
            )
    frame = out.reset_index()
    frame.attrs["units"] = {
        c: ("MtCO2" if c in ("emissions_mt", "abated_mt") else "Mt")
        if c.endswith("_mt")
        else "MEUR"
        if c.endswith("_meur")
        else "EUR/tCO2"
        if c.endswith("_per_t")
        else "fraction"
        for c in frame.columns
        if c not in (SCENARIO, "meets_target")
    }
    frame.attrs["window"] = (years[0], years[-1])
    frame.attrs["reference"] = reference
    return frame
