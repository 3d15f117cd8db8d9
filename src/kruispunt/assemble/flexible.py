"""Flexible loads: the yearly carrier mix of routes marked ``flexible_load`` (hybrid boilers).

The route tables give such a route's use per unit of product on each carrier alone
(electricity when on power, natural gas when on gas) and its emission factor on gas. Here the
year's mix is set from the electricity price-duration curve (``electricity_profile.csv``)
and the instruments' paths (:mod:`kruispunt.policy.flexible_load`): the share of the year on
power = the hours of the bands where power is cheaper than gas with its carbon cost.

The engine's route data carry no scenario axis, so the mix is computed once, on the first
row of the inputs (the reference scenario: the data package's prices and instruments) and
holds for every scenario of the run (``docs/model.md``, "Flexible loads").
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import numpy.typing as npt

from kruispunt.assemble.tables import Tables
from kruispunt.inputs import ModelInputs
from kruispunt.policy.flexible_load import (
    gas_heat_cost,
    marginal_carbon_cost,
    power_heat_cost,
    power_share,
    price_ratio,
)

F = npt.NDArray[np.float64]
B = npt.NDArray[np.bool_]


def price_profile(tables: Tables) -> tuple[F, F]:
    """Hours [h/yr] and relative price [-] of each band of the price-duration curve."""
    prof = tables.catalogue.electricity_profile.sort_values("band")
    return (
        prof["hours"].to_numpy(dtype=np.float64),
        prof["relative_price"].to_numpy(dtype=np.float64),
    )


def flexible_power_share(inputs: ModelInputs, flexible: B, hours: F, relative: F) -> tuple[F, F]:
    """Share of each year a flexible route runs on power ``(S, R, Y)`` (0 for the others), and
    the average price of its power relative to the year's average (1 for the others), from
    each scenario's prices and instrument paths. The route's inputs are those of each carrier
    alone (electricity on power, natural gas on gas), its emission factor that on gas."""
    routes = inputs.routes
    ids = inputs.coords.carriers
    e, g = ids.index("electricity"), ids.index("natural_gas")
    price = inputs.markets.price  # (S, C, Y)
    tax = inputs.instruments.get("energy_tax", {}).get("rate")
    tax = np.zeros_like(price) if tax is None else np.asarray(tax, dtype=np.float64)
    levy = inputs.instruments.get("co2_levy", {})
    eua = inputs.markets.eua
    tariff = np.asarray(levy.get("tariff", np.zeros_like(eua)), dtype=np.float64)
    given = np.asarray(levy.get("reference_price", np.full_like(eua, np.nan)), dtype=np.float64)
    carbon = marginal_carbon_cost(eua, tariff, given)  # (S, Y)
    S, Y = eua.shape
    share = np.zeros((S, len(routes.family), Y))
    ratio = np.ones((S, len(routes.family), Y))
    on_power = routes.inputs[:, e]
    if routes.firm_power is not None:  # drawn in every hour: not weighed against gas
        on_power = on_power - routes.firm_power
    for r in np.flatnonzero(flexible):
        gas = gas_heat_cost(
            price[:, g],
            tax[:, g],
            routes.inputs[r, g][None],
            routes.emission_factor[r][None],
            carbon,
        )  # (S, Y)
        power = power_heat_cost(relative, price[:, e], tax[:, e], on_power[r][None])
        share[:, r] = power_share(hours, power, gas)
        ratio[:, r] = price_ratio(hours, relative, power, gas)
    return share, ratio


def apply_flexible_loads(inputs: ModelInputs, flexible: B, hours: F, relative: F) -> ModelInputs:
    """``inputs`` with each flexible route's carrier use and emission factor the yearly mix
    of the reference row (row 0): electricity x share on power, gas and its CO2 x (1 - share);
    its power bought at the average price of its bands
    (:attr:`kruispunt.inputs.Routes.price_weight`); its grid need its rated power
    (:attr:`kruispunt.inputs.Routes.rated_power`). The part of its electricity it draws in
    every hour (:attr:`kruispunt.inputs.Routes.firm_power`, a heat pump beside the boilers)
    is used whole and bought at the yearly average price.
    ``hours`` and ``relative`` describe the price-duration curve (:func:`price_profile`)."""
    if not flexible.any():
        return inputs
    shares, ratios = flexible_power_share(inputs, flexible, hours, relative)
    share, ratio = shares[0], ratios[0]  # (R, Y)
    routes = inputs.routes
    ids = inputs.coords.carriers
    e = ids.index("electricity")
    mix = np.ones_like(routes.inputs)
    mix[:, :] = (1.0 - share)[:, None, :]
    mix[:, e] = share
    use = np.where(flexible[:, None, None], routes.inputs * mix, routes.inputs)
    ef = np.where(flexible[:, None], routes.emission_factor * (1.0 - share), routes.emission_factor)
    rated = np.where(flexible[:, None], routes.inputs[:, e], use[:, e])
    weight = np.ones_like(routes.inputs)
    weight[:, e] = ratio
    firm = routes.firm_power
    if firm is not None:  # the firm part whole at the average price, the rest as above
        on = flexible[:, None] & (firm > 0)  # there the use is at least firm > 0
        flex = share * (routes.inputs[:, e] - firm)
        total = firm + flex
        use[:, e] = np.where(on, total, use[:, e])
        np.divide(firm + flex * ratio, total, out=weight[:, e], where=on)
    new = replace(
        routes,
        inputs=use,
        emission_factor=ef,
        rated_power=rated,
        power_share=share,
        price_weight=weight,
    )
    return replace(inputs, routes=new)
