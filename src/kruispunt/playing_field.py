"""The level playing field: a site's energy bill in the Netherlands against Belgium, Germany and
France for the same consumption.

For a site's base-year grid electricity and natural gas (today's routes at base-year
production), the bill per country and component in a model year:

- ``commodity``: the model's carrier price (the scenario's price path) plus the country's
  differential (``country_energy_costs.csv``; the same wholesale price where no differential
  was found, a named assumption);
- ``energy_tax``: in NL the energy tax of the model's instrument (Wbm art. 59 brackets, after
  the exemptions of art. 64 the model applies to the site's routes and plants); abroad the
  sourced rate for large industrial users (DE Stromsteuer after StromStG para. 9b, BE special
  excise, FR reduced accise CIBS L.312-64/65; gas: DE Energiesteuer para. 2(3) after the same
  exempt shares as NL, BE and FR not found);
- ``network``: in NL the model's network tariff at the site's connection level
  (:mod:`kruispunt.policy.network_tariff`); abroad the NL tariff times the country's share
  (Aurora for VNO-NCW: up to 80 % lower; StromNEV para. 19(2) for German band-load users);
- ``relief`` (negative, NL only): the scenario's relief levers, the state's share of the
  network tariff and CISAF power-price relief;
- ``compensation`` (negative): indirect cost compensation per MWh of the NL IKC formula
  (aid intensity x CO2 factor x EUA of the year before x eligible electricity; the budget cut
  is not applied), abroad times the country's share.

Commodity, tax and compensation of the neighbours are as sourced in the table; where a
component was not found it is NaN and left out of the total (the table says which). The
published total cost per MWh of a large user per country (E-Bridge for EZK, 2024) is given
beside the model's figure as a check.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import numpy.typing as npt
import pandas as pd

from kruispunt.assemble import build_inputs
from kruispunt.catalogue import Catalogue, load_catalogue
from kruispunt.errors import KruispuntError, unknown_site
from kruispunt.inputs import ModelInputs
from kruispunt.policy.cisaf import cisaf_relief_per_mwh
from kruispunt.policy.energy_tax import bracketed_tax, complexes, plant_taxable_share
from kruispunt.policy.ikc import previous_year_price
from kruispunt.policy.network_tariff import BAND_MIN_HOURS, part_year_factor
from kruispunt.scenarios import Scenario, resolve
from kruispunt.vocabulary import GJ_PER_MWH

__all__ = [
    "BILL_YEAR",
    "COMPONENTS",
    "COUNTRIES",
    "energy_bill",
    "energy_bills",
    "neighbour_value",
]

COUNTRIES = ("NL", "BE", "DE", "FR")
COMPONENTS = ("commodity", "energy_tax", "network", "compensation", "relief")
CARRIERS = ("electricity", "natural_gas")
BILL_YEAR = 2025
"""The year of prices and rates an energy bill is drawn up for unless one is given."""
FloatArray = npt.NDArray[np.float64]


def neighbour_value(
    table: pd.DataFrame, country: str, carrier: str, component: str, year: int
) -> float:
    """The table's value for a country, carrier and component in ``year``: the row of the
    latest year up to ``year`` (held), else the earliest row; NaN if there is none.

    Examples
    --------
    >>> t = pd.DataFrame({"country": ["DE", "DE"], "carrier": ["electricity"] * 2,
    ...     "component": ["energy_tax"] * 2, "year": [2024, 2030], "value": [0.5, 2.0]})
    >>> neighbour_value(t, "DE", "electricity", "energy_tax", 2027)
    0.5
    >>> neighbour_value(t, "DE", "electricity", "energy_tax", 2020)
    0.5
    >>> import math; math.isnan(neighbour_value(t, "FR", "electricity", "energy_tax", 2027))
    True
    """
    rows = table[
        (table["country"] == country)
        & (table["carrier"] == carrier)
        & (table["component"] == component)
    ].sort_values("year")
    if rows.empty:
        return float("nan")
    upto = rows[rows["year"].astype(int) <= year]
    pick = upto.iloc[-1] if len(upto) else rows.iloc[0]
    return float(pick["value"])


def _site_plants(inputs: ModelInputs, site: str) -> list[int]:
    plants = [p for p, s in enumerate(inputs.coords.plant_site) if s == site]
    if not plants:
        raise unknown_site(site, inputs.coords.plant_site)
    return plants


def _relief(
    inputs: ModelInputs, plants: list[int], mwh: FloatArray, rate: FloatArray, price: float, t: int
) -> float:
    """The scenario's NL relief levers on the plants' electricity in year index ``t`` [EUR/yr]:
    the state's share of the network tariff (and the band-load rule above its threshold) and
    CISAF relief for eligible plants (:mod:`kruispunt.policy.network_tariff`,
    :mod:`kruispunt.policy.cisaf`)."""
    relief = inputs.instruments.get("network_tariff_relief", {})
    share = float(relief["share"][0, t]) if "share" in relief else 0.0
    band = float(relief["band_share"][0]) if "band_share" in relief else 1.0
    band_min = float(relief["band_min_mwh"][0]) if "band_min_mwh" in relief else 0.0
    hours_ok = inputs.plants.load_hours()[plants] >= BAND_MIN_HOURS
    kept = (1.0 - share) * np.where((mwh > band_min) & hours_ok, band, 1.0)
    total = float((mwh * rate * (1.0 - kept)).sum())
    cisaf = inputs.instruments.get("cisaf", {})
    if "price_share" in cisaf:
        per_mwh = float(
            cisaf_relief_per_mwh(
                price,
                cisaf["price_share"][0, t],
                cisaf["consumption_share"][0, t],
                cisaf["floor"][0, t],
            )
        )
        eligible = np.asarray(cisaf["eligible"][0, plants]) > 0.5
        total += float((mwh * per_mwh * eligible).sum())
    return total


def energy_bills(
    inputs: ModelInputs, table: pd.DataFrame, sites: list[str], year: int
) -> pd.DataFrame:
    """The energy bill of each site per country, carrier and component in ``year`` for the
    first scenario of ``inputs``.

    Returns
    -------
    pandas.DataFrame
        Columns site, country, carrier, component, mwh (the site's consumption), eur_per_mwh,
        meur (per year); one row per site, country, carrier and component, plus a
        ``reference_total`` row per country for electricity where the table gives one
        (eur_per_mwh only).
    """
    years = [int(y) for y in inputs.coords.years]
    if year not in years:
        raise KruispuntError(f"year {year} is outside the model years {years[0]}-{years[-1]}")
    t = years.index(year)
    carriers = list(inputs.coords.carriers)
    idx = {c: carriers.index(c) for c in CARRIERS}
    route = inputs.plants.incumbent
    base = inputs.plants.base_production
    tax = inputs.instruments["energy_tax"]
    tariff = inputs.instruments["network_tariff"]
    ikc = inputs.instruments["ikc"]
    eua_prev = previous_year_price(inputs.markets.eua)[0, t]
    rows: list[dict[str, object]] = []
    for site in sites:
        plants = _site_plants(inputs, site)
        for carrier, c in idx.items():
            use_gj = inputs.routes.inputs[route[plants], c, t] * base[plants]  # per plant
            if carrier == "electricity":  # the baseline where the route data carry less
                baseline = np.asarray(tariff["baseline_mwh"][0, plants]) * GJ_PER_MWH
                use_gj = np.maximum(use_gj, baseline)
            mwh = float(use_gj.sum() / GJ_PER_MWH)
            price = float(inputs.markets.price[0, c, t]) * GJ_PER_MWH  # EUR/MWh
            exempt = tax["exempt"][0, route[plants], c] if "exempt" in tax else 0.0
            taxable = use_gj * (1 - exempt) * plant_taxable_share(tax, t)[0, plants, c]
            thresholds = np.asarray(tax["thresholds"][0, c], dtype=np.float64)
            if np.isnan(thresholds).any():
                nl_tax = float((taxable * tax["rate"][0, c, t]).sum())
            else:
                rates = np.asarray(tax["bracket_rates"][0, c, :, t], dtype=np.float64)
                # the brackets per complex (a site's units of one product together)
                complex_of = complexes([inputs.coords.plants[p] for p in plants])
                per_complex = np.bincount(complex_of, weights=taxable)
                nl_tax = float(sum(bracketed_tax(u, thresholds, rates) for u in per_complex))
            taxable_share = float(taxable.sum() / use_gj.sum()) if use_gj.sum() > 0 else 0.0
            nl = {
                "commodity": price * mwh,
                "energy_tax": nl_tax,
                "network": 0.0,
                "compensation": 0.0,
                "relief": 0.0,
            }
            if carrier == "electricity":
                ehv = np.asarray(tariff["ehv"][0, plants]) > 0.5
                rate = np.where(ehv, tariff["rate"][0, 0, t], tariff["rate"][0, 1, t])
                # a plant running part of the year pays more per MWh (its campaign's kW)
                rate = rate * part_year_factor(inputs.plants.load_hours()[plants])
                nl["network"] = float((rate * use_gj / GJ_PER_MWH).sum())
                eligible = np.asarray(ikc["eligible"][0, plants]) > 0.5
                aid = float(ikc["aid_intensity"][0, t]) * float(ikc["co2_factor"][0, t])
                nl["compensation"] = -float(
                    (aid * eua_prev * np.asarray(ikc["baseline_mwh"][0, plants]) * eligible).sum()
                )
                nl["relief"] = -_relief(inputs, plants, use_gj / GJ_PER_MWH, rate, price, t)
            for country in COUNTRIES:
                for comp in COMPONENTS:
                    if country == "NL":
                        value = nl[comp]
                    elif comp == "relief":
                        value = 0.0  # the NL levers; abroad in the other components
                    elif comp == "commodity":
                        diff = neighbour_value(
                            table, country, carrier, "commodity_differential", year
                        )
                        value = nl[comp] + np.nan_to_num(diff) * mwh
                    elif comp == "energy_tax":
                        rate_c = neighbour_value(table, country, carrier, "energy_tax", year)
                        value = rate_c * mwh * (taxable_share if carrier == "natural_gas" else 1.0)
                    elif comp == "network":
                        share = neighbour_value(
                            table, country, carrier, "network_share_of_nl", year
                        )
                        value = nl[comp] * share if carrier == "electricity" else 0.0
                    else:
                        share = neighbour_value(
                            table, country, carrier, "compensation_share_of_nl", year
                        )
                        value = nl[comp] * share if carrier == "electricity" else 0.0
                    rows.append(
                        {
                            "site": site,
                            "country": country,
                            "carrier": carrier,
                            "component": comp,
                            "mwh": mwh,
                            "eur_per_mwh": value / mwh if mwh > 0 else float("nan"),
                            "meur": value / 1e6,
                        }
                    )
        for country in COUNTRIES:
            ref = neighbour_value(table, country, "electricity", "reference_total", year)
            if np.isfinite(ref):
                rows.append(
                    {
                        "site": site,
                        "country": country,
                        "carrier": "electricity",
                        "component": "reference_total",
                        "mwh": float("nan"),
                        "eur_per_mwh": ref,
                        "meur": float("nan"),
                    }
                )
    return pd.DataFrame(rows)


def energy_bill(
    sites: str | list[str] | None = None,
    scenario: str | Scenario = "current-policy",
    year: int = BILL_YEAR,
    *,
    top: int = 5,
    catalogue: Catalogue | None = None,
    data: Path | str | None = None,
) -> pd.DataFrame:
    """The NL against BE/DE/FR energy bill of sites (default: the ``top`` sites by base-year
    emissions) in ``year`` of ``scenario``; see :func:`energy_bills`.

    Examples
    --------
    >>> import kruispunt
    >>> kruispunt.energy_bill("tata_steel_ijmuiden", year=2030)  # doctest: +SKIP
    """
    cat = catalogue if catalogue is not None else load_catalogue(data)
    resolved = [scenario] if isinstance(scenario, Scenario) else resolve([scenario], cat.path)
    inputs = build_inputs(cat, resolved)
    if sites is None:
        emissions = pd.Series(inputs.plants.base_emissions, index=list(inputs.coords.plant_site))
        chosen = emissions.groupby(level=0).sum().sort_values(ascending=False).index[:top]
        site_list = [str(s) for s in chosen]
    else:
        site_list = [sites] if isinstance(sites, str) else list(sites)
    table = cat.tables.get("country_energy_costs")
    if table is None:
        raise KruispuntError("the data package has no country_energy_costs table")
    return energy_bills(inputs, table, site_list, year)


def bill_table(bills: pd.DataFrame) -> pd.DataFrame:
    """Per site and country: electricity use [GWh] and its bill per component [EUR/MWh], gas
    use [GWh] and its energy tax [EUR/MWh], the whole bill [MEUR/yr] and its gap to NL
    [MEUR/yr]; the published reference per MWh of electricity beside it. A component the table
    does not give for a country (``not_found``) takes the NL figure in the bill, so that it
    adds no gap."""
    main = bills[bills["component"].isin(COMPONENTS)]
    keys = ["site", "country"]
    elec = main[main["carrier"] == "electricity"].pivot_table(
        index=keys, columns="component", values="eur_per_mwh", aggfunc="sum"
    )
    out = pd.DataFrame(index=elec.index)
    out["elec_gwh"] = main[main["carrier"] == "electricity"].groupby(keys)["mwh"].first() / 1e3
    for comp in COMPONENTS:
        out[f"elec_{comp}"] = elec[comp]
    out["elec_total"] = elec[list(COMPONENTS)].sum(axis=1)
    gas = main[main["carrier"] == "natural_gas"]
    out["gas_gwh"] = gas.groupby(keys)["mwh"].first() / 1e3
    out["gas_tax"] = gas[gas["component"] == "energy_tax"].set_index(keys)["eur_per_mwh"]
    # a component not found for a country takes the NL figure, so that it adds no gap
    nl_meur = main[main["country"] == "NL"].set_index(["site", "carrier", "component"])["meur"]
    lookup = pd.MultiIndex.from_frame(main[["site", "carrier", "component"]])
    filled = main["meur"].fillna(pd.Series(nl_meur.reindex(lookup).to_numpy(), main.index))
    out["bill_meur"] = filled.groupby([main["site"], main["country"]]).sum()
    missing = main[main["meur"].isna()]
    out["not_found"] = (
        (
            (missing["carrier"] + "/" + missing["component"])
            .groupby([missing["site"], missing["country"]])
            .agg(", ".join)
        )
        .reindex(out.index)
        .fillna("")
    )
    nl = out.xs("NL", level="country")["bill_meur"]
    out["gap_to_nl_meur"] = out["bill_meur"] - nl.reindex(out.index.get_level_values(0)).to_numpy()
    ref = bills[bills["component"] == "reference_total"].set_index(keys)["eur_per_mwh"]
    out["reference_elec_total"] = ref.reindex(out.index)
    order = {c: i for i, c in enumerate(COUNTRIES)}
    ranked = sorted(out.index, key=lambda ix: (ix[0], order.get(ix[1], 9)))
    return out.loc[ranked]
