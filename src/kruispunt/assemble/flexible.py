"""Flexible loads: the yearly carrier mix of routes marked ``flexible_load`` (hybrid boilers).

The route tables give such a route's use per unit of product on each carrier alone
(electricity when on power, natural gas when on gas) and its emission factor on gas. Here the
year's mix is set from the electricity price-duration curve (``electricity_profile.csv``)
and the instruments' paths (:mod:`kruispunt.policy.flexible_load`): the share of the year on
power = the hours of the bands where power is cheaper than gas with its carbon cost.

Each scenario runs its own mix (:class:`kruispunt.inputs.FlexibleMix`, read by the engine
through :class:`kruispunt.engine.context.ScenarioMix`); the route tables keep the mix of the
first row of the inputs (the reference scenario: the data package's prices and
instruments) for readers without a scenario (``docs/model.md``, "Flexible loads").
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import numpy.typing as npt

from kruispunt.assemble.tables import Tables
from kruispunt.inputs import FlexibleMix, ModelInputs
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
    markup = np.asarray(levy.get("reference_markup", np.ones_like(eua)), dtype=np.float64)
    carbon = marginal_carbon_cost(eua, tariff, given, markup)  # (S, Y)
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


def _mixed(inputs: ModelInputs, flexible: B, share: F, ratio: F) -> tuple[F, F, F, F]:
    """The flexible routes' use ``(S, n, C, Y)``, emission factor ``(S, n, Y)``, rated power
    ``(n, Y)`` and price weight ``(S, n, C, Y)`` at the shares on power ``share`` and the
    relative prices of their power ``ratio`` ``(S, R, Y)``: electricity x share on power, the
    other carriers and the CO2 x (1 - share); the part of the electricity drawn in every
    hour (:attr:`kruispunt.inputs.Routes.firm_power`) used whole, at the yearly average price."""
    routes = inputs.routes
    e = inputs.coords.carriers.index("electricity")
    rows = np.flatnonzero(flexible)
    alone = routes.inputs[rows][None]  # (1, n, C, Y): each carrier alone
    sh, ra = share[:, rows][:, :, None, :], ratio[:, rows]  # (S, n, 1, Y), (S, n, Y)
    use = alone * (1.0 - sh)
    use[:, :, e] = alone[:, :, e] * sh[:, :, 0]
    ef = routes.emission_factor[rows][None] * (1.0 - share[:, rows])
    rated = routes.inputs[rows, e]
    weight = np.ones(use.shape)
    weight[:, :, e] = ra
    if routes.firm_power is not None:  # the firm part whole at the average price
        firm = routes.firm_power[rows][None]  # (1, n, Y)
        on = np.broadcast_to(firm > 0, use[:, :, e].shape)  # there the use is at least firm
        flex = share[:, rows] * (alone[:, :, e] - firm)
        total = firm + flex
        use[:, :, e] = np.where(on, total, use[:, :, e])
        np.divide(firm + flex * ra, total, out=weight[:, :, e], where=on)
    return use, ef, rated, weight


def apply_flexible_loads(inputs: ModelInputs, flexible: B, hours: F, relative: F) -> ModelInputs:
    """``inputs`` with each flexible route's carrier use and emission factor its yearly mix:
    electricity x share on power, gas and its CO2 x (1 - share); its power bought at the
    average price of its bands (:attr:`kruispunt.inputs.Routes.price_weight`); its grid need
    its rated power (:attr:`kruispunt.inputs.Routes.rated_power`). The part of its
    electricity it draws in every hour (:attr:`kruispunt.inputs.Routes.firm_power`, a heat
    pump beside the boilers) is used whole and bought at the yearly average price.
    :attr:`kruispunt.inputs.ModelInputs.routes` holds the mix of the reference row (row 0:
    the data package's prices and instruments), :attr:`kruispunt.inputs.ModelInputs.flexible`
    each row's own. ``hours`` and ``relative`` describe the price-duration curve
    (:func:`price_profile`)."""
    if not flexible.any():
        return inputs
    share, ratio = flexible_power_share(inputs, flexible, hours, relative)
    use, ef, rated, weight = _mixed(inputs, flexible, share, ratio)
    routes = inputs.routes
    rows = np.flatnonzero(flexible)
    ref_use, ref_ef = routes.inputs.copy(), routes.emission_factor.copy()
    ref_use[rows], ref_ef[rows] = use[0], ef[0]
    ref_weight = np.ones_like(routes.inputs)
    ref_weight[rows] = weight[0]
    ref_rated = routes.inputs[:, inputs.coords.carriers.index("electricity")].copy()
    ref_rated[rows] = rated
    new = replace(
        routes,
        inputs=ref_use,
        emission_factor=ref_ef,
        rated_power=ref_rated,
        power_share=share[0],
        price_weight=ref_weight,
    )
    mix = FlexibleMix(
        flexible=np.asarray(flexible, dtype=bool),
        share=share[:, rows],
        inputs=use,
        emission_factor=ef,
        price_weight=weight,
    )
    return replace(inputs, routes=new, flexible=mix)
