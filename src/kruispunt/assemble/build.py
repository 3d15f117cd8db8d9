"""``build_inputs``: the builders in order, and the reference scenario used to calibrate."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import numpy as np
import numpy.typing as npt

from kruispunt.assemble.cache import AssemblyCache
from kruispunt.assemble.calibration import revenue_parts
from kruispunt.assemble.flexible import apply_flexible_loads, price_profile
from kruispunt.assemble.instruments import BuildContext, build_instruments
from kruispunt.assemble.levers import build_finance, build_levers
from kruispunt.assemble.markets import build_markets, carrier_prices
from kruispunt.assemble.plants import PlantBundle, build_plants
from kruispunt.assemble.pools import build_pools
from kruispunt.assemble.routes import (
    RouteBundle,
    build_routes,
    exclude_unpriced,
    open_to_plants,
    options,
    within_scrap_limit,
)
from kruispunt.assemble.tables import Tables
from kruispunt.catalogue.load import Catalogue
from kruispunt.inputs import Carriers, Coords, ModelInputs, Plants, Products
from kruispunt.scenarios import Scenario, ScenarioError, catalogue_ids, check_ids
from kruispunt.schemas.config import ScenarioFile
from kruispunt.units import conversion_factor
from kruispunt.vocabulary import years as year_range

F = npt.NDArray[np.float64]

REFERENCE = "reference"


def reference_scenario(start_year: int, end_year: int) -> Scenario:
    """The data package's own conditions, as plants saw them in the first model year: no
    lever changed, expectations myopic. Plant revenue is calibrated on it."""
    levers = ScenarioFile(
        name=REFERENCE, start_year=start_year, end_year=end_year, expectations="myopic"
    )
    return Scenario(name=REFERENCE, levers=levers, chain=(REFERENCE,), origin="data package")


def _check(cat: Catalogue, scenarios: Sequence[Scenario]) -> npt.NDArray[np.int64]:
    if not scenarios:
        raise ScenarioError("no scenarios given")
    first = scenarios[0].levers
    ids = catalogue_ids(cat)
    for sc in scenarios:
        if (sc.levers.start_year, sc.levers.end_year) != (first.start_year, first.end_year):
            raise ScenarioError(
                f"scenario '{sc.name}' has years {sc.levers.start_year}-{sc.levers.end_year}; "
                f"scenarios run together must share years ({first.start_year}-"
                f"{first.end_year})"
            )
        check_ids(sc, **ids)
    return year_range(first.start_year, first.end_year)


def _carriers(cat: Catalogue, tables: Tables) -> Carriers:
    ids = cat.carriers["carrier_id"].astype(str)
    goods = tables.cbam_good
    good = [tables.product_index[goods[c]] if c in goods else -1 for c in ids]
    material = cat.carriers["unit"].astype(str) == "t"
    embedded = np.where(material, cat.carriers["emission_factor"].fillna(0.0), 0.0)
    return Carriers(
        is_electricity=(ids == "electricity").to_numpy(),
        is_hydrogen=(ids == "hydrogen").to_numpy(),
        # the supply of biomass_supply.csv is solid biomass, the carrier 'biomass' [GJ]
        is_biomass=(ids == "biomass").to_numpy(),
        embedded=embedded.astype(float),
        cbam=cat.carriers["cbam"].to_numpy(dtype=bool),
        good=np.array(good, dtype=np.int64),
    )


def _target(tables: Tables, years: npt.NDArray[np.int64]) -> F:
    """The industry emission target in the years the data give one [tCO2/yr], NaN elsewhere."""
    name = "targets.industry_emissions_target"
    rows = tables.policy_rows(name)
    if rows is None:
        return np.full(len(years), np.nan)
    given = np.isin(years, rows["year"].astype(int).to_numpy())
    factor = conversion_factor(str(rows["unit"].iloc[0]), "t/yr")
    return np.where(given, tables.policy_path(name, years), np.nan) * factor


def _routes_and_plants(
    tables: Tables, years: npt.NDArray[np.int64]
) -> tuple[RouteBundle, PlantBundle, Plants, npt.NDArray[np.bool_], list[str]]:
    """The routes, the plants and their options, which carriers have a price and which
    routes are left out for an unpriced carrier: the data package's alone, whatever the
    scenarios."""
    rb = build_routes(tables, years)
    pb = build_plants(tables, rb)
    _, priced = carrier_prices(tables, years)
    excluded = exclude_unpriced(rb, pb.plants.incumbent, priced)
    plants = replace(
        pb.plants,
        options=options(
            pb.plants.product,
            pb.plants.incumbent,
            rb.routes.product,
            rb.complete & within_scrap_limit(tables, rb, years),
            open_to=open_to_plants(
                rb,
                pb.table["sector_id"].astype(str).tolist(),
                pb.table["site_id"].astype(str).tolist(),
                pb.table["unit_id"].astype(str).tolist(),
            ),
        ),
    )
    return rb, pb, plants, priced, excluded


def build_inputs(
    cat: Catalogue, scenarios: Sequence[Scenario], cache: AssemblyCache | None = None
) -> ModelInputs:
    """Labelled arrays for the engine, one scenario row per resolved scenario; plant revenue
    calibrated on the reference scenario (:func:`reference_scenario`).

    All scenarios of one call must share start and end years. ``cache`` keeps the parts that
    do not depend on the scenarios between calls on the same, unchanged catalogue (the
    batches of an ensemble); the inputs are the same with or without it.
    """
    years = _check(cat, scenarios)
    tables = Tables(cat) if cache is None else cache.tables(cat)
    if cache is None:
        rb, pb, plants, priced, excluded = _routes_and_plants(tables, years)
    else:
        key = ("routes_and_plants", years.tobytes())
        rb, pb, plants, priced, excluded = cache.get(
            cat, key, lambda: _routes_and_plants(tables, years)
        )
    all_scenarios = [reference_scenario(int(years[0]), int(years[-1])), *scenarios]
    b = BuildContext(tables, all_scenarios, years, pb, rb)
    products = cat.products
    clusters = cat.clusters
    inputs = ModelInputs(
        coords=Coords(
            scenarios=tuple(sc.name for sc in all_scenarios),
            plants=tuple(pb.table["label"].astype(str)),
            plant_site=tuple(pb.table["site_id"].astype(str)),
            plant_sector=tuple(pb.table["sector_id"].astype(str)),
            routes=tuple(rb.ids),
            carriers=tuple(tables.carrier_ids),
            carrier_units=tuple(cat.carriers["unit"].astype(str)),
            carrier_uses=tuple(cat.carriers["use"].astype(str)),
            products=tuple(tables.product_ids),
            product_units=tuple(products["unit"].astype(str)),
            clusters=tuple(tables.cluster_ids),
            cluster_names=tuple(clusters["short_name"].astype(str)),
            years=years,
            site_names=tuple(pb.table["name"].astype(str)),
        ),
        routes=replace(rb.routes, excluded=tuple(excluded)),
        plants=plants,
        carriers=_carriers(cat, tables),
        products=Products(
            cbam=products["cbam"].to_numpy(dtype=bool),
            heat=(products["unit"].astype(str) == "GJ").to_numpy(),
        ),
        markets=build_markets(tables, all_scenarios, years, len(pb.table)),
        finance=build_finance(tables, all_scenarios),
        pools=build_pools(tables, all_scenarios, years, list(pb.table["site_id"].astype(str))),
        levers=build_levers(tables, all_scenarios, rb, pb, years),
        instruments=build_instruments(b),
        emission_target=_target(tables, years),
        scenario_json=tuple(sc.to_json() for sc in all_scenarios),
        data_hash=cat.data_hash,
        euro_year=cat.euro_year,
        attrs={
            "unpriced_carriers": [
                c for c, ok in zip(tables.carrier_ids, priced, strict=True) if not ok
            ]
        },
    )
    inputs = apply_flexible_loads(inputs, rb.flexible, *price_profile(tables))
    base, profit = revenue_parts(inputs.select([0]))
    runs = inputs.select(np.arange(1, len(all_scenarios)))
    scale = np.array([sc.levers.branch_profit_scale for sc in scenarios])[:, None]
    price = base[None] + scale * profit[None]  # the branch's profit scaled per scenario
    markets = replace(
        runs.markets,
        plant_price=np.broadcast_to(price, runs.markets.plant_price.shape).copy(),
    )
    return replace(runs, markets=markets)
