"""Flexible loads on the power price-duration curve: a hybrid boiler's hours on electricity.

A hybrid boiler is an electric boiler beside the gas boiler; in each band of the year's
electricity price-duration curve (``electricity_profile.csv``) it raises its heat on
whichever carrier has the lower marginal cost per GJ of heat:

    power, band b:  (relative_price_b x yearly power price + energy tax on power)
                    x electricity per GJ of heat on power
    gas:            (gas price + energy tax on gas) x gas per GJ of heat on gas
                    + carbon cost per tCO2 x CO2 per GJ of heat on gas

The carbon cost per tonne is what a plant pays at the margin for one more tonne: the EUA
price (Directive 2003/87/EC art. 12: one allowance per tonne) plus the CO2-heffing's price
gap max(tariff - reference price, 0) (Wet belastingen op milieugrondslag, hoofdstuk VIB,
art. 71h-71s, the tariff less the ETS price in art. 71p;
:func:`kruispunt.policy.co2_levy.co2_heffing`) for a plant above its dispensation rights.
Free allocation does not enter: it is set by historical activity, not by the fuel burnt
this hour. The energy tax is the top bracket's marginal rate (Wbm
art. 59), the rate of a large connection.

The share of the year on power is the hours of the bands where power is cheaper over all
hours; the year's carrier use and emissions per GJ of heat follow from it. Ties go to gas
(the boiler already runs on it).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from kruispunt.policy.co2_levy import co2_heffing, reference_price

FloatArray = NDArray[np.float64]


def carbon_cost(eua: ArrayLike, tariff: ArrayLike, reference: ArrayLike) -> FloatArray:
    """Cost of one more tonne of CO2 at the margin [EUR/tCO2]: the EUA price plus the
    CO2-heffing's price gap (a plant above its dispensation rights; art. 71p Wbm).

    Examples
    --------
    >>> carbon_cost([80.0, 90.0], [0.0, 127.0], [80.0, 80.0])
    array([ 80., 137.])
    """
    gap = co2_heffing(1.0, 0.0, tariff, reference)
    return np.asarray(np.asarray(eua, dtype=np.float64) + gap, dtype=np.float64)


def marginal_carbon_cost(
    eua: ArrayLike, tariff: ArrayLike, given_reference: ArrayLike, markup: ArrayLike = 1.0
) -> FloatArray:
    """:func:`carbon_cost` with the CO2-heffing's reference price taken as the law's
    (:func:`kruispunt.policy.co2_levy.reference_price`: given, else the December future read
    from the EUA path with ``markup``); last axis = years."""
    return carbon_cost(eua, tariff, reference_price(eua, given_reference, markup))


def gas_heat_cost(
    gas_price: ArrayLike, gas_tax: ArrayLike, gas_use: ArrayLike, co2: ArrayLike, carbon: ArrayLike
) -> FloatArray:
    """Marginal cost of a GJ of heat on gas [EUR/GJ heat]: (price + tax) [EUR/GJ gas] x gas
    per GJ of heat [GJ/GJ] + carbon cost [EUR/tCO2] x CO2 per GJ of heat [tCO2/GJ].

    Examples
    --------
    >>> round(float(gas_heat_cost(10.0, 1.0, 1.1, 0.06, 80.0)), 6)
    16.9
    """
    g = np.asarray(gas_price, dtype=np.float64) + np.asarray(gas_tax, dtype=np.float64)
    return np.asarray(g * np.asarray(gas_use) + np.asarray(carbon) * np.asarray(co2), np.float64)


def power_heat_cost(
    relative_price: ArrayLike, power_price: ArrayLike, power_tax: ArrayLike, power_use: ArrayLike
) -> FloatArray:
    """Marginal cost of a GJ of heat on power in each band [EUR/GJ heat], bands on a new last
    axis: (relative price x yearly price + tax) [EUR/GJ power] x power per GJ of heat."""
    rel = np.asarray(relative_price, dtype=np.float64)
    price = np.asarray(power_price, dtype=np.float64)[..., None]
    tax = np.asarray(power_tax, dtype=np.float64)[..., None]
    use = np.asarray(power_use, dtype=np.float64)[..., None]
    return np.asarray((rel * price + tax) * use, dtype=np.float64)


def power_share(hours: ArrayLike, power_cost: ArrayLike, gas_cost: ArrayLike) -> FloatArray:
    """Share of the year a hybrid boiler runs on power [-]: the hours of the bands whose cost
    on power (last axis = bands) is below the cost on gas, over all hours.

    Examples
    --------
    Bands of 500, 500 and 7,760 h at 2, 10 and 20 EUR/GJ of heat; gas at 12 EUR/GJ:

    >>> float(power_share([500.0, 500.0, 7760.0], [2.0, 10.0, 20.0], 12.0))
    0.1141552511415525
    """
    h = np.asarray(hours, dtype=np.float64)
    cheaper = np.asarray(power_cost) < np.asarray(gas_cost, dtype=np.float64)[..., None]
    return np.asarray((cheaper * h).sum(axis=-1) / h.sum(), dtype=np.float64)


def price_ratio(
    hours: ArrayLike, relative_price: ArrayLike, power_cost: ArrayLike, gas_cost: ArrayLike
) -> FloatArray:
    """Average price a hybrid boiler pays for its power, relative to the year's average
    price [-]: the hours-weighted relative price of the bands it runs on power (1 where it
    never does).

    Examples
    --------
    The 500 h at -0.1628 and 500 h at 0.0266 of the 2025 curve: (-81.4 + 13.3) / 1,000:

    >>> p = price_ratio([500.0, 500.0, 7760.0], [-0.1628, 0.0266, 1.1], [0.0, 1.0, 9.0], 5.0)
    >>> round(float(p), 6)
    -0.0681
    """
    h = np.asarray(hours, dtype=np.float64)
    rel = np.asarray(relative_price, dtype=np.float64)
    cheaper = np.asarray(power_cost) < np.asarray(gas_cost, dtype=np.float64)[..., None]
    on = (cheaper * h).sum(axis=-1)
    paid = (cheaper * h * rel).sum(axis=-1)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.asarray(np.where(on > 0, paid / np.where(on > 0, on, 1.0), 1.0), np.float64)
