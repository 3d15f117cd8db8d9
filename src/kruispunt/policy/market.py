"""Product markets: how the price a plant earns moves after the first model year.

Three movements, all relative to the first year (plant revenue is calibrated there):

- the product's price outlook (``price_change``, from a scenario);
- the cost of the inputs the product's published margin is a spread over
  (``indexed_input``, ``margin_scopes.csv``: naphtha for the cracker margin, iron ore and coal
  for the steel spread): the price follows their cost, so the spread, not the price, is what
  holds (:func:`indexed_price_change`);
- the carbon cost passed through into the price of goods outside CBAM: a share of the EUA
  opportunity cost of the product's average emission intensity, as empirical pass-through
  studies measure it (CE Delft and Oeko-Institut for the European Commission, 2015). CBAM
  goods move with their import-parity price instead (:mod:`kruispunt.policy.cbam`);
- for goods outside CBAM where the data set ``energy_pass_through``, the rise of the natural-
  gas price above its first-year level on the gas the product's reference route burns: every
  EU producer buys gas at the same TTF-linked price, and manufacturing firms passed energy-cost
  rises into their prices in full in 2021-22 (Insee Analyses no. 84, 2023), falls less; only
  rises are passed on (:func:`energy_passed_through`);
- for goods outside CBAM where the data set ``allocation_pass_through``, a share of the loss
  of free allocation that every EU producer of the good suffers alike: the product's average
  free allocation per unit lost since the first year, at the year's EUA (what the EU ETS
  module books its plants staying on today's routes: Directive 2003/87/EC Art. 10a, 10b, the
  benchmarks of each allocation period and the shares of allocation left per year),
  :func:`allocation_passed_through`. Allocation follows output
  (Art. 10a(20): the activity-level adjustment), so it lowers the marginal cost of every EU
  producer; its phase-out raises it for all of them, a common cost that moves the price.

The product's first-year price where the data give a sourced margin (``margin``) is the
indexed inputs' cost plus that margin (:meth:`ProductMarket.first_price`); the calibration
sets each plant's revenue from it (:mod:`kruispunt.assemble.calibration`). Where no spread
margin is sourced but an operating margin on sales is (``operating_margin``: the firms that
use process heat or make paper earn one on their food, chemicals or board), a plant's
first-year revenue is its full cost of staying marked up to that margin
(:func:`marked_up`): the heat earns the firm's margin in proportion to its cost.

Both are revenue per unit of product; plants value them over an option's life like any term.
Market revenue is not a government flow; the accounting books nothing.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
from numpy.typing import ArrayLike, NDArray

from kruispunt.policy._validate import fraction as _fraction
from kruispunt.policy.base import Context, Instrument, OptionView, Parameter
from kruispunt.policy.cbam import import_intensity
from kruispunt.policy.ets import EuEts, staying_allocation_per_unit
from kruispunt.vocabulary import SCENARIO

__all__ = [
    "ProductMarket",
    "allocation_passed_through",
    "energy_passed_through",
    "indexed_price_change",
    "marked_up",
    "passed_through",
]

FloatArray = NDArray[np.float64]


def passed_through(
    share: ArrayLike, intensity: ArrayLike, eua: ArrayLike, eua_first: ArrayLike
) -> FloatArray:
    """Change of a product price from carbon-cost pass-through [EUR/product]:
    ``share x intensity x (EUA - EUA in the first year)``.

    Parameters
    ----------
    share : array_like
        Share of the carbon opportunity cost passed into the price, in [0, 1]. [-]
    intensity : array_like
        Emission intensity of the product whose cost is passed through. [tCO2/product]
    eua, eua_first : array_like
        The year's EUA price and the first model year's. [EUR/tCO2]

    Examples
    --------
    Refineries pass through 80-100 % (CE Delft 2015); at 90 %, 0.15 tCO2/t and an EUA up from
    73 to 113 EUR/t, the margin rises by 0.9 x 0.15 x 40 = 5.4 EUR/t:

    >>> round(float(passed_through(0.9, 0.15, 113.0, 73.0)), 6)
    5.4
    """
    s = _fraction("share", share)
    return np.asarray(
        s * np.asarray(intensity, dtype=np.float64) * (np.asarray(eua) - np.asarray(eua_first)),
        dtype=np.float64,
    )


def allocation_passed_through(
    share: ArrayLike, allocation: ArrayLike, eua: ArrayLike, allocation_first: ArrayLike
) -> FloatArray:
    """Change of a product price from passing through the loss of free allocation
    [EUR/product]: ``share x EUA x (allocation_first - allocation)``, the allocation per unit the
    average producer has lost since the first year, valued at the year's EUA.

    Parameters
    ----------
    share : array_like
        Share of that common cost passed into the price, in [0, 1]. [-]
    allocation, allocation_first : array_like
        The product's average free allocation per unit in the year and in the first model
        year. [tCO2/product]
    eua : array_like
        The year's EUA price. [EUR/tCO2]

    Examples
    --------
    A heat plant allocated 0.02 tCO2/GJ in 2025 keeps 0.005 in 2035, when the EUA is 140: it
    has lost 0.015 t/GJ worth 2.10 EUR/GJ; at a pass-through of 0.5 the heat's price rises by
    1.05 EUR/GJ:

    >>> round(float(allocation_passed_through(0.5, 0.005, 140.0, 0.02)), 6)
    1.05
    """
    s = _fraction("share", share)
    lost = np.asarray(allocation_first, np.float64) - np.asarray(allocation, np.float64)
    return np.asarray(s * np.asarray(eua, dtype=np.float64) * lost, dtype=np.float64)


def energy_passed_through(input_per_unit: ArrayLike, price: ArrayLike) -> FloatArray:
    """Change of a product's price from passing on the rise of its energy prices above the
    first year [EUR/product]: ``sum_c input_c x max(price_c(y) - price_c(first year), 0)``.
    Arguments and shapes as :func:`indexed_price_change`, with ``input_per_unit`` the use of
    each carrier whose rises are passed on times the share passed (0: none).

    Examples
    --------
    Heat from a gas boiler burning 1.1 GJ of gas per GJ, gas from 9.5 to 13.2 EUR/GJ and back
    to 6.2: the heat's price rises by 1.1 x 3.7 = 4.07 EUR/GJ, then falls back to its first
    level (a fall below it is not passed on):

    >>> energy_passed_through([[1.1]], [[9.5, 13.2, 6.2]]).round(6).tolist()
    [[0.0, 4.07, 0.0]]
    """
    p = np.asarray(price, dtype=np.float64)
    # max(p - p_first, 0) = max(p, p_first) - p_first: the indexed change of the price held
    # at least at its first level
    return indexed_price_change(input_per_unit, np.maximum(p, p[..., :1]))


def marked_up(cost: ArrayLike, operating_margin: ArrayLike) -> FloatArray:
    """Revenue per unit that earns an operating margin on sales over a full cost [EUR/product]:
    ``cost / (1 - operating_margin)``; a margin at or below zero leaves the cost (a plant that
    runs today covers its cost: revealed viability is the floor), and so does a cost at or
    below zero (free allocation above a plant's needs: there is no cost to earn a margin on).

    Parameters
    ----------
    cost : array_like
        Full cost of staying per unit (energy, carbon, taxes, opex, renewal). [EUR/product]
    operating_margin : array_like
        Operating profit over revenue (EBIT margin), in [0, 1). [-]

    Examples
    --------
    FrieslandCampina's operating margin 2023-2024 averages 2.33 % (75 and 527 MEUR on 13.1 and
    12.9 bn revenue); on heat that costs 10 EUR/GJ the heat earns 10 / (1 - 0.0233):

    >>> round(float(marked_up(10.0, 0.0233)), 4)
    10.2386
    """
    m = np.asarray(operating_margin, dtype=np.float64)
    if np.any(m >= 1.0):
        raise ValueError("operating_margin must be below 1 (a share of revenue)")
    c = np.asarray(cost, dtype=np.float64)
    up = (m > 0.0) & (c > 0.0)
    return np.asarray(np.where(up, c / (1.0 - np.maximum(m, 0.0)), c), dtype=np.float64)


def with_profit(cost: ArrayLike, energy: ArrayLike, profit_ratio: ArrayLike) -> FloatArray:
    """Revenue per unit of a plant whose firm earns an operating profit ``profit_ratio``
    times its energy cost [EUR/product]: ``cost + profit_ratio * energy``; a ratio that is
    not positive (or NaN), or an energy cost at or below zero, leaves the cost.

    Closing the heat of a food or chemicals plant, or a paper mill, ends the firm's operating
    profit on what the plant makes, not a margin on the heat alone: the plant's slack is that
    profit, measured as its branch measures it, against the energy bill.

    Parameters
    ----------
    cost : array_like
        Full cost of staying per unit (energy, carbon, taxes, opex, renewal). [EUR/product]
    energy : array_like
        Energy cost per unit (carriers, energy tax, network tariff). [EUR/product]
    profit_ratio : array_like
        Operating profit over energy cost of the plant's branch. [-]

    Examples
    --------
    Dutch dairy spent 33 % of its operating profit on energy (ABN AMRO on CBS, 2019), a ratio
    of 1 / 0.33; heat whose energy costs 10 EUR/GJ and whose full cost is 12 EUR/GJ earns:

    >>> round(float(with_profit(12.0, 10.0, 1 / 0.33)), 4)
    42.303
    """
    return np.asarray(np.asarray(cost, dtype=np.float64) + branch_profit(energy, profit_ratio))


def branch_profit(energy: ArrayLike, profit_ratio: ArrayLike) -> FloatArray:
    """The profit part of :func:`with_profit` [EUR/product]: ``profit_ratio * energy`` where
    both are above zero, 0 elsewhere (a NaN ratio included).

    >>> branch_profit([10.0, 10.0, -1.0], [2.0, float("nan"), 2.0]).tolist()
    [20.0, 0.0, 0.0]
    """
    k = np.asarray(profit_ratio, dtype=np.float64)
    e = np.asarray(energy, dtype=np.float64)
    return np.asarray(np.where((k > 0.0) & (e > 0.0), k * e, 0.0), dtype=np.float64)


def indexed_price_change(input_per_unit: ArrayLike, price: ArrayLike) -> FloatArray:
    """Change of a product's price from the first year when it follows the cost of its
    indexed inputs [EUR/product]: ``sum_c input_c x (price_c(y) - price_c(first year))``.

    Parameters
    ----------
    input_per_unit : array_like, shape (..., G, C)
        Use of each indexed carrier per unit of product (0: not indexed). [carrier/product]
    price : array_like, shape (..., C, Y)
        Carrier prices over the years, the first year first. [EUR/carrier]

    Returns
    -------
    ndarray, shape (..., G, Y)

    Examples
    --------
    A cracker margin is a spread over naphtha: 57.4 GJ naphtha per t HVC and naphtha from
    11.0 to 12.9 EUR/GJ lift the HVC price by 57.4 x 1.9 = 109.06 EUR/t:

    >>> round(float(indexed_price_change([[57.4]], [[11.0, 12.9]])[0, 1]), 6)
    109.06
    """
    q = np.asarray(input_per_unit, dtype=np.float64)
    p = np.asarray(price, dtype=np.float64)
    change = p - p[..., :1]
    return np.asarray(np.einsum("...gc,...cy->...gy", q, change), dtype=np.float64)


class ProductMarket(Instrument):
    """The product price path each plant earns beyond its first-year revenue."""

    name = "market"
    parameters = (
        Parameter(
            "price_change",
            (SCENARIO, "product", "year"),
            "EUR/product",
            "Change of the product's market price from the first model year (outlook).",
            0.0,
        ),
        Parameter(
            "pass_through",
            (SCENARIO, "product"),
            "1",
            "Share of the carbon opportunity cost passed into the price (goods outside CBAM).",
            0.0,
        ),
        Parameter(
            "allocation_pass_through",
            (SCENARIO, "product"),
            "1",
            "Share of the loss of free allocation (common to the good's EU producers) passed "
            "into the price (goods outside CBAM).",
            0.0,
        ),
        Parameter(
            "indexed_input",
            (SCENARIO, "product", "carrier"),
            "carrier/product",
            "Use per unit of product of the carriers its published margin is a spread over "
            "(the product's reference route); the price follows their cost.",
            0.0,
        ),
        Parameter(
            "energy_input",
            (SCENARIO, "product", "carrier"),
            "carrier/product",
            "Use per unit of product (its reference route) of the carriers whose price rises "
            "above the first year pass into the price, times the share passed (goods outside "
            "CBAM; energy_pass_through of product_markets.csv).",
            0.0,
        ),
        Parameter(
            "margin",
            (SCENARIO, "product"),
            "EUR/product",
            "Sourced through-cycle margin of the product over its indexed inputs (NaN: none; "
            "the plant's revenue is then its full cost of staying).",
            np.nan,
        ),
        Parameter(
            "operating_margin",
            (SCENARIO, "product"),
            "1",
            "Operating margin on sales (EBIT over revenue) earned where no spread margin is "
            "sourced: first-year revenue is the full cost of staying / (1 - margin) (0: none).",
            0.0,
        ),
        Parameter(
            "profit_ratio",
            (SCENARIO, "plant"),
            "1",
            "Operating profit over energy cost of the plant's branch, where its product has "
            "no price or spread margin: first-year revenue is the full cost of staying plus "
            "the ratio times the energy bill, ahead of the product's operating margin (NaN: "
            "none).",
            np.nan,
        ),
    )

    def __init__(self, ctx: Context) -> None:
        super().__init__(ctx)
        inp = ctx.inputs
        products = inp.products
        self.intensity = import_intensity(
            inp.plants.product,
            inp.plants.base_emissions,
            inp.plants.base_production,
            len(products.cbam),
        )  # (G,)
        share = np.where(products.cbam[None, :], 0.0, self.param("pass_through"))
        eua = inp.markets.eua
        carbon = passed_through(
            share[:, :, None], self.intensity[None, :, None], eua[:, None, :], eua[:, None, :1]
        )  # (S, G, Y)
        indexed = indexed_price_change(self.param("indexed_input"), inp.markets.price)
        self.change = self.param("price_change") + indexed + carbon
        energy = np.where(products.cbam[None, :, None], 0.0, self.param("energy_input"))
        if np.any(energy > 0.0):
            self.change = self.change + energy_passed_through(energy, inp.markets.price)
        alloc_share = np.where(products.cbam[None, :], 0.0, self.param("allocation_pass_through"))
        if np.any(alloc_share > 0.0):
            per_unit = self.allocation_per_unit()  # (S, G, Y)
            self.change = self.change + allocation_passed_through(
                alloc_share[:, :, None], per_unit, eua[:, None, :], per_unit[:, :, :1]
            )
        self.active = bool(np.any(self.change != 0.0))

    def allocation_per_unit(self) -> FloatArray:
        """Each product's average free allocation per unit ``(S, G, Y)`` [tCO2/product]: its
        plants' allocation per unit staying on today's routes at an unchanged activity level,
        as the EU ETS module books it (:func:`staying_allocation_per_unit`: the basis with
        the benchmark updates, the share for the plant's carbon-leakage status, the
        correction factor net of conditionality), weighted by base-year production; 0
        without production."""
        inp = self.ctx.inputs
        plants = inp.plants
        G = len(inp.products.cbam)
        try:
            self.ctx.params(EuEts.name)
        except KeyError:  # no EU ETS in the batch: no allocation to lose
            return np.zeros((inp.n_scenarios, G, len(inp.coords.years)))
        per_plant = staying_allocation_per_unit(self.ctx)  # (S, P, Y)
        alloc = per_plant * plants.base_production[None, :, None]  # (S, P, Y) [t/yr]
        production = np.bincount(plants.product, weights=plants.base_production, minlength=G)
        out = np.zeros((alloc.shape[0], G, alloc.shape[2]))
        for g in range(G):
            mine = plants.product == g
            if production[g] > 0:
                out[:, g, :] = alloc[:, mine, :].sum(axis=1) / production[g]
        return out

    def first_price(self) -> FloatArray:
        """Each product's first-year price where the data give a margin ``(S, G)``
        [EUR/product]: the indexed inputs' cost at first-year prices plus the margin; NaN for
        products without one."""
        price = self.ctx.inputs.markets.price[:, :, 0]
        inputs_cost = np.einsum("sgc,sc->sg", self.param("indexed_input"), price)
        return np.asarray(inputs_cost + self.param("margin"), dtype=np.float64)

    def calibrated_revenue(
        self, cost: FloatArray, energy: FloatArray
    ) -> tuple[FloatArray, FloatArray]:
        """Each plant's first-year revenue ``(P,)`` [EUR/product] from its full cost of staying
        ``cost`` and its energy cost ``energy`` ``(P,)`` (first scenario), as a base and the
        branch's profit on top, ``(base, profit)``: the product's first-year price where the
        data give a spread margin, at least the cost (revealed viability); elsewhere the cost
        plus the branch's operating profit over energy cost times the energy cost where the
        plant's branch has one (:func:`with_profit`; ``profit`` that part, 0 elsewhere), else
        the cost marked up to the product's operating margin (:func:`marked_up`; the cost
        itself without one)."""
        product = self.ctx.inputs.plants.product
        price = self.first_price()[0][product]
        margin = self.param("operating_margin")[0][product]
        ratio = self.param("profit_ratio")[0]
        profit = np.where(np.isnan(price), branch_profit(energy, ratio), 0.0)
        has = profit != 0.0  # without a profit (no ratio, no bill) the operating margin
        base = np.where(np.isnan(price), np.where(has, cost, marked_up(cost, margin)), 0.0)
        base = np.where(np.isnan(price), base, np.maximum(price, cost))
        return np.asarray(base, np.float64), np.asarray(profit, np.float64)

    def paths(self) -> dict[str, FloatArray]:
        if not self.active:
            return {}
        product = self.ctx.inputs.routes.product
        return {"price_change": self.ctx.ext(self.change[:, product, :])}

    def unit_cost(self, x: Mapping[str, FloatArray], opt: OptionView) -> FloatArray | float:
        return np.asarray(-x["price_change"], dtype=np.float64) if self.active else 0.0
