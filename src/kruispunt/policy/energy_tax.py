"""Energy tax (energiebelasting): a progressive tax by consumption bracket, with the
exemptions of the law.

Each unit of yearly taxable consumption per connection is taxed at the rate of the bracket
it falls in, like an income tax: the first units at the first rate, the units between the
first and second threshold at the second rate, and so on (Wet belastingen op
milieugrondslag, Wbm, art. 59; the rates indexed each year, art. 90). The bracket thresholds
and rates (natural gas per m3, electricity per kWh) come from the data package; hydrogen has
its own flat rate from 2026 (Belastingplan 2025), equal to the business electricity rate of
the top bracket.

Exempt quantities are not taxable and do not count towards the brackets (Wbm art. 64):
gas for electricity generation up to a cap per kWh (art. 64(1)(a): 0.2808 Nm3 in 2025,
0.2635 from 2026; for installations up to 20 MWe 0.1670 and from 2026 0.1498 per kWh not fed
into the grid, art. 64(2)), the cap of each year (:func:`plant_taxable_share`); gas for
metallurgical and mineralogical processes and electricity for chemical reduction and
electrolytic and metallurgical processes (art. 64(4)); and gas used other than as fuel
(feedstock) or in dual use (Directive 2003/96/EC art. 2(4)(b)). The tax falls on gas
supplied through a connection (art. 50): a plant's own residual gas is outside it.

The brackets run over a connection's yearly use, and the connections of one complex (the
real estate one user runs as a unit, a factory site with its buildings and yards) count as
one: their combined use goes through the brackets once (the *complexbepaling*; the suppliers
who levy the tax cluster a user's connections on one WOZ object). The model's plants are
complexes of their own, except the units of one site's product (``site/product/unit``): one
installation of one operator, split for its units' fates (:func:`complexes`), whose use goes
through the brackets together. Plants of one site that make different products are not
clustered: on the model's sites they are often other operators (Chemelot's park, the CHPs
that utilities run on a chemical site).

Both the yearly accounting and the valuation of a plant's options tax the plant's taxable use
through the brackets: the valuation per unit of product at the average rate of that tax on
the option's use (a plant runs a route whole), not at the rate of its last unit, with the
other units of its complex at their use of the year before.

References
----------
Wet belastingen op milieugrondslag, art. 50, 59, 64 and 90; Council Directive 2003/96/EC,
art. 2(4)(b); Belastingplan 2025 (hydrogen rate). The complex rule as the suppliers apply it:
Essent, "Clustering van aansluitingen",
https://www.essent.nl/content/grootzakelijk/klantenservice/vraagantwoord/eb/clustering.html;
A-Energie, "Complexbepaling", https://aenergie.nl/dossiers/complexbepaling/ (both undated,
read 1 Dec 2026).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
from numpy.typing import ArrayLike, NDArray

from kruispunt.policy.base import (
    Booking,
    Context,
    Flow,
    Instrument,
    OptionView,
    Parameter,
    YearState,
    alike_in_scenarios,
    choose_term,
    once_if_alike,
)
from kruispunt.vocabulary import SCENARIO

__all__ = [
    "EnergyTax",
    "bracket_index",
    "bracketed_tax",
    "chp_exempt_gas",
    "chp_exempt_share",
    "complexes",
    "plant_taxable_share",
    "taxable_use",
]

FloatArray = NDArray[np.float64]


def plant_taxable_share(params: Mapping[str, ArrayLike], i: int) -> FloatArray:
    """The taxable share of each plant's use of each carrier in year index ``i`` after the
    plant's own exemptions ``(S, P, C)``: its sector's rules (``plant_exempt``) and the gas its
    site's power plants burn (``chp_share``) as far as the year's cap of the electricity-
    generation exemption covers it (``chp_cover``, Wbm art. 64(1)(a)); missing parameters
    exempt nothing.

    Examples
    --------
    A plant whose site's CHPs burn 40 % of its gas, 0.796 of which the 2026 cap covers:

    >>> params = {"plant_exempt": [[[0.0]]], "chp_share": [[[0.4]]], "chp_cover": [[0.848, 0.796]]}
    >>> round(float(plant_taxable_share(params, 1)[0, 0, 0]), 4)
    0.6816
    """
    exempt = np.asarray(params.get("plant_exempt", 0.0), dtype=np.float64)
    chp = np.asarray(params.get("chp_share", 0.0), dtype=np.float64)
    cover = np.asarray(params.get("chp_cover", np.zeros((1, i + 1))), dtype=np.float64)
    return taxable_use(1.0, exempt, chp * cover[:, i, None, None])


def bracketed_tax(consumption: ArrayLike, thresholds: ArrayLike, rates: ArrayLike) -> FloatArray:
    """Progressive tax on yearly consumption.

    With thresholds ``c_1 <= ... <= c_k`` and rates ``p_0 .. p_k``, the tax is
    ``sum_i p_i * clip(consumption - c_i, 0, c_{i+1} - c_i)`` with ``c_0 = 0``
    and ``c_{k+1} = inf``.

    Parameters
    ----------
    consumption : array_like
        Yearly consumption per connection (taxpayer), non-negative, any shape
        ``S``. [m3/yr] or [kWh/yr]
    thresholds : array_like
        Bracket upper bounds, shape ``(..., k)``, non-negative and
        non-decreasing along the last axis; leading axes broadcast against
        ``S`` (e.g. ``(scenario, 1, k)`` for consumption of shape
        ``(scenario, plant)``). Same unit as ``consumption``.
    rates : array_like
        Rate per bracket, shape ``(..., k + 1)``, non-negative; broadcasts like
        ``thresholds``. [EUR/m3] or [EUR/kWh]

    Returns
    -------
    numpy.ndarray
        Tax per year, shape ``S`` broadcast with the leading axes of the
        schedule. [EUR/yr]

    Raises
    ------
    ValueError
        If consumption, a threshold or a rate is negative or NaN, thresholds
        decrease, or ``rates`` does not have one more entry than ``thresholds``.

    Examples
    --------
    Brackets 0-100, 100-1000, above 1000 at 0.5, 0.2 and 0.1 per unit:

    >>> # 100 * 0.5 + 900 * 0.2 + 500 * 0.1 = 280
    >>> float(bracketed_tax(1500.0, [100.0, 1000.0], [0.5, 0.2, 0.1]))
    280.0
    >>> bracketed_tax([0.0, 50.0], [100.0, 1000.0], [0.5, 0.2, 0.1])
    array([ 0., 25.])
    """
    amount = np.asarray(consumption, dtype=np.float64)
    if not np.all(amount >= 0.0):
        raise ValueError("consumption must be non-negative and not NaN")
    upper_bounds = np.atleast_1d(np.asarray(thresholds, dtype=np.float64))
    prices = np.atleast_1d(np.asarray(rates, dtype=np.float64))
    if prices.shape[-1] != upper_bounds.shape[-1] + 1:
        raise ValueError(
            f"rates must have one entry more than thresholds along the last axis, "
            f"got {prices.shape[-1]} rates and {upper_bounds.shape[-1]} thresholds"
        )
    if not np.all(upper_bounds >= 0.0):
        raise ValueError("thresholds must be non-negative and not NaN")
    if not np.all(np.diff(upper_bounds, axis=-1) >= 0.0):
        raise ValueError("thresholds must be non-decreasing along the last axis")
    if not np.all(prices >= 0.0):
        raise ValueError("rates must be non-negative and not NaN")
    return _bracketed(amount, upper_bounds, prices)


def _bracketed(amount: FloatArray, upper_bounds: FloatArray, prices: FloatArray) -> FloatArray:
    """:func:`bracketed_tax` on arguments already checked (the yearly booking: schedules
    checked once per batch, use checked in the year)."""
    lead = upper_bounds.shape[:-1]
    lower = np.concatenate([np.zeros((*lead, 1)), upper_bounds], axis=-1)
    upper = np.concatenate([upper_bounds, np.full((*lead, 1), np.inf)], axis=-1)
    in_bracket = np.clip(amount[..., np.newaxis] - lower, 0.0, upper - lower)
    return np.asarray(np.sum(in_bracket * prices, axis=-1), dtype=np.float64)


def taxable_use(use: ArrayLike, *exempt_shares: ArrayLike) -> FloatArray:
    """The taxable part of a carrier's use after exemptions (Wbm art. 64): ``use`` times
    ``(1 - share)`` for each exempt share (a route's feedstock share, a plant's CHP share...).

    Parameters
    ----------
    use : array_like
        Use of the carrier, non-negative. [carrier/yr]
    *exempt_shares : array_like
        Exempt shares in [0, 1], each broadcasting against ``use``. [-]

    Returns
    -------
    numpy.ndarray
        Taxable use. [carrier/yr]

    Raises
    ------
    ValueError
        If ``use`` is negative or a share is outside [0, 1] or NaN.

    Examples
    --------
    Gas for ammonia of which 69 % is feedstock (non-fuel use, taxable quantity nil):

    >>> round(float(taxable_use(1000.0, 0.69)), 6)
    310.0
    """
    out = np.asarray(use, dtype=np.float64)
    if not np.all(out >= 0.0):
        raise ValueError("use must be non-negative and not NaN")
    for share in exempt_shares:
        s = np.asarray(share, dtype=np.float64)
        if not np.all((s >= 0.0) & (s <= 1.0)):
            raise ValueError("exempt shares must be in [0, 1] and not NaN")
        out = out * (1.0 - s)
    return np.asarray(out, dtype=np.float64)


def chp_exempt_gas(
    gas: ArrayLike,
    kwh_generated: ArrayLike,
    cap_per_kwh: ArrayLike = 0.2808,
    kwh_not_fed_in: ArrayLike = 0.0,
    cap_not_fed_in: ArrayLike = 0.1670,
) -> FloatArray:
    """Gas exempt as used for electricity generation (Wbm art. 64(1)(a) and (2)).

    ``min(gas, cap_per_kwh * kwh_generated + cap_not_fed_in * kwh_not_fed_in)``: an
    installation above 20 MWe passes all its output as ``kwh_generated`` (0.2808 Nm3 per kWh);
    one up to 20 MWe passes the electricity fed into the grid as ``kwh_generated`` and the
    rest as ``kwh_not_fed_in`` (0.1670 Nm3 per kWh). Gas in Nm3 of 35.17 MJ (art. 64(3)).

    Parameters
    ----------
    gas : array_like
        Gas the installation burns, non-negative. [Nm3/yr]
    kwh_generated : array_like
        Electricity generated (fed into the grid, for small installations). [kWh/yr]
    cap_per_kwh, cap_not_fed_in : array_like
        Exempt gas per kWh. [Nm3/kWh]
    kwh_not_fed_in : array_like
        Electricity of a small installation used on site. [kWh/yr]

    Returns
    -------
    numpy.ndarray
        Exempt gas. [Nm3/yr]

    Examples
    --------
    100 GWh from 30 million Nm3: 100e6 x 0.2808 = 28.08 million Nm3 exempt.

    >>> float(chp_exempt_gas(30e6, 100e6))
    28080000.0
    """
    total = np.asarray(gas, dtype=np.float64)
    kwh = np.asarray(kwh_generated, dtype=np.float64)
    own = np.asarray(kwh_not_fed_in, dtype=np.float64)
    if not (np.all(total >= 0.0) and np.all(kwh >= 0.0) and np.all(own >= 0.0)):
        raise ValueError("gas and electricity must be non-negative and not NaN")
    cap = np.asarray(cap_per_kwh, dtype=np.float64) * kwh
    cap = cap + np.asarray(cap_not_fed_in, dtype=np.float64) * own
    return np.asarray(np.minimum(total, cap), dtype=np.float64)


def chp_exempt_share(
    electrical_efficiency: ArrayLike,
    cap_per_kwh: ArrayLike = 0.2808,
    calorific_mj_per_m3: ArrayLike = 35.17,
) -> FloatArray:
    """Share of a CHP's gas that :func:`chp_exempt_gas` exempts, from its electrical
    efficiency: ``min(1, cap_per_kwh * calorific_mj_per_m3 * efficiency / 3.6 MJ/kWh)``.

    At 0.2808 Nm3 of 35.17 MJ per kWh the cap is 9.876 MJ of gas per kWh, so all the gas is
    exempt from an electrical efficiency of 36.45 %.

    Examples
    --------
    >>> round(float(chp_exempt_share(0.30)), 4)  # 0.2808 x 35.17 x 0.30 / 3.6
    0.823
    >>> float(chp_exempt_share(0.40))
    1.0
    """
    eff = np.asarray(electrical_efficiency, dtype=np.float64)
    if not np.all((eff >= 0.0) & (eff <= 1.0)):
        raise ValueError("electrical_efficiency must be in [0, 1] and not NaN")
    gas_per_kwh = np.asarray(cap_per_kwh, dtype=np.float64) * np.asarray(calorific_mj_per_m3)
    return np.asarray(np.minimum(1.0, gas_per_kwh * eff / 3.6), dtype=np.float64)


def complexes(plant_ids: Sequence[str]) -> NDArray[np.intp]:
    """The complex of each plant, whose connections go through the energy tax brackets
    together: the units of one site's product (ids ``site/product/unit``) share one, every
    other plant (``site/product``) is one of its own. Numbered in order of first appearance.

    Examples
    --------
    >>> complexes(["a/steel/bf6", "a/steel/bf7", "a/heat", "b/steel"])
    array([0, 0, 1, 2])
    """
    number: dict[str, int] = {}
    out = [number.setdefault("/".join(pid.split("/")[:2]), len(number)) for pid in plant_ids]
    return np.asarray(out, dtype=np.intp)


class Complexes:
    """Sums over the complexes of :func:`complexes` that hold more than one plant."""

    def __init__(self, plant_ids: Sequence[str]) -> None:
        group = complexes(plant_ids)
        shared = np.flatnonzero(np.bincount(group)[group] > 1)
        self.order = shared[np.argsort(group[shared], kind="stable")]
        """Plants in a complex of several, complex by complex."""
        g = group[self.order]
        new = np.ones(g.size, dtype=bool)
        new[1:] = g[1:] != g[:-1]
        self.starts = np.flatnonzero(new)
        """Position in :attr:`order` where each shared complex begins."""
        self.of = np.cumsum(new) - 1
        """Shared complex of each plant of :attr:`order`."""

    @property
    def any(self) -> bool:
        """Whether some complex holds more than one plant."""
        return bool(self.order.size)

    def totals(self, use: FloatArray) -> FloatArray:
        """Each plant's complex total of ``use`` ``(S, P)`` (a copy; a plant alone in its
        complex keeps its own)."""
        out = np.array(use, dtype=np.float64)
        if self.order.size:
            sums = np.add.reduceat(use[:, self.order], self.starts, axis=1)
            out[:, self.order] = sums[:, self.of]
        return out


def bracket_index(consumption: ArrayLike, thresholds: ArrayLike) -> NDArray[np.int64]:
    """Index of the bracket a yearly consumption falls in (0 = first): the number of
    thresholds it exceeds. ``thresholds`` has its brackets on the last axis and broadcasts
    against ``consumption`` with that axis added.

    Examples
    --------
    >>> bracket_index([0.0, 100.0, 150.0, 5000.0], [100.0, 1000.0])
    array([0, 0, 1, 2])
    """
    amount = np.asarray(consumption, dtype=np.float64)
    upper = np.asarray(thresholds, dtype=np.float64)
    return np.asarray(np.sum(amount[..., np.newaxis] > upper, axis=-1), dtype=np.int64)


class EnergyTax(Instrument):
    """Energy tax on the carriers plants use, after the exemptions of the law.

    A route's use of a carrier is taxable after the route's exempt share (feedstock, dual use,
    metallurgical, mineralogical and electrolytic processes: ``exempt``) and the plant's (a
    plant-level rule: the CHP share of its gas, the mineralogical or metallurgical furnaces of
    its sector: ``plant_exempt``). The yearly accounting applies :func:`bracketed_tax` to each
    complex's taxable use of the carriers that have brackets (:func:`complexes`), shared over
    its plants by their use, and the flat rate to the others. Valuation charges each option the
    same bracketed tax: per unit of product, the average rate of the bracketed tax of the
    plant's taxable use on that option (at base-year production, over the option's window),
    ``tax(T) / T`` for use ``T``, on the taxable share, so that the valued tax times base-year
    production is the tax the accounting books on that use (a route is run whole, so the
    option's tax is its total, not its last unit's). It is the term at the rate of the bracket
    ``T`` falls in plus the lower brackets' excess over that rate per unit of use (paths
    ``c<c>_b<k>`` and ``g<c>_b<k>``, :meth:`unit_cost`). For a plant in a complex of several,
    ``T`` is the complex's: the option's use plus the other units' taxable use in the year
    before (in the first year, their first year's output on today's routes). The plant's own
    exemptions are those of the year (:func:`plant_taxable_share`: the CHP exemption's cap
    changed in 2026): the accounting takes each year's, valuation the decision year's over the
    option's window (the same from 2026 on).
    """

    name = "energy_tax"
    bills_energy = True
    parameters = (
        Parameter(
            "rate",
            (SCENARIO, "carrier", "year"),
            "EUR/carrier",
            "Flat rate per unit of a carrier without brackets (with brackets: the top rate).",
            0.0,
        ),
        Parameter(
            "thresholds",
            (SCENARIO, "carrier", 3),
            "carrier/yr",
            "Upper bounds of the first three brackets (NaN: the carrier has no brackets).",
            float("nan"),
        ),
        Parameter(
            "bracket_rates",
            (SCENARIO, "carrier", 4, "year"),
            "EUR/carrier",
            "Rate of each of the four brackets.",
            0.0,
        ),
        Parameter(
            "exempt",
            (SCENARIO, "route", "carrier"),
            "1",
            "Share of the route's use of the carrier the law exempts.",
            0.0,
        ),
        Parameter(
            "plant_exempt",
            (SCENARIO, "plant", "carrier"),
            "1",
            "Share of the plant's use of the carrier the law exempts by its sector's rules.",
            0.0,
        ),
        Parameter(
            "chp_share",
            (SCENARIO, "plant", "carrier"),
            "1",
            "Share of the plant's use of the carrier its site's power plants burn, exempt "
            "within the electricity-generation cap (Wbm art. 64(1)(a)): chp_cover of it.",
            0.0,
        ),
        Parameter(
            "chp_cover",
            (SCENARIO, "year"),
            "1",
            "Share of the power plants' gas within the cap of art. 64(1)(a) in each year.",
            0.0,
        ),
    )
    flows = (Flow("energy_tax_revenue", 1, "Energy tax paid by the plants."),)

    def __init__(self, ctx: Context) -> None:
        super().__init__(ctx)
        no_brackets = np.asarray(np.isnan(self.param("thresholds")).any(axis=(0, 2)), dtype=bool)
        self.flat = no_brackets
        """Carriers taxed at their flat rate."""
        self.bracketed = np.flatnonzero(~no_brackets)
        """Carriers taxed by consumption bracket (each complex one connection)."""
        self.exempt = self.param("exempt")  # (S, R, C)
        cover = self.param("chp_cover")  # (S, Y)
        eras: dict[bytes, int] = {}
        self._era = [
            eras.setdefault(cover[:, i].tobytes(), len(eras)) for i in range(cover.shape[1])
        ]
        """The years of one cap of the CHP exemption (the cap changed in 2026), numbered:
        the plants' taxable shares are worked out once for each (:meth:`plant_keep`)."""
        self._plant_keeps: dict[int, FloatArray] = {}
        self.taxed_flat = np.flatnonzero(self.flat & (self.param("rate") > 0).any(axis=(0, 2)))
        """Carriers with a flat rate above zero in some scenario and year."""
        self._kept_slots: dict[tuple[int, bool, int, bytes], FloatArray] = {}
        """:meth:`_kept` of each carrier and list of slots."""
        # the taxable parts (1 - share) once per batch, the shares checked here
        self._route_keep = taxable_use(1.0, self.exempt)  # (S, R, C)
        for i in range(cover.shape[1]):
            self.plant_keep(i)
        self._thresholds_alike = {
            int(c): alike_in_scenarios(self.param("thresholds")[:, c]) for c in self.bracketed
        }
        """Bracketed carriers whose thresholds are the same in every scenario."""
        rates = np.moveaxis(self.param("bracket_rates"), -1, 1)  # (S, Y, C, 4)
        for c in self.bracketed:  # the schedules checked once, not in every year's booking
            bracketed_tax(
                np.zeros(rates.shape[:2]), self.param("thresholds")[:, None, c], rates[:, :, c]
            )
        self.complexes = Complexes(ctx.inputs.coords.plants)
        """The plants whose connections go through the brackets together."""
        self._others: dict[int, FloatArray] = {}
        """For each bracketed carrier, the taxable use ``(S, P)`` [carrier/yr] of the other
        plants of each plant's complex, in the year last booked (first: the first year's
        output on today's routes); only where some complex holds several plants."""
        if self.complexes.any:
            inp = ctx.inputs
            route = inp.plants.incumbent
            output = ctx.output(0)  # the first year's output on today's routes
            for c in self.bracketed:
                own = (
                    inp.routes.inputs[route, c, 0]
                    * output
                    * self._route_keep[:, route, c]
                    * self.plant_keep(0)[:, :, c]
                )
                self._others[int(c)] = self.complexes.totals(own) - own

    def plant_keep(self, i: int) -> FloatArray:
        """The taxable share of each plant's use of each carrier in year ``i`` after its own
        exemptions ``(S, P, C)`` (:func:`plant_taxable_share`), once per cap of the CHP
        exemption."""
        era = self._era[i]
        keep = self._plant_keeps.get(era)
        if keep is None:
            own = {k: self.param(k) for k in ("plant_exempt", "chp_share", "chp_cover")}
            keep = self._plant_keeps[era] = plant_taxable_share(own, i)
        return keep

    def _taxed_use(self, c: int, exempt: FloatArray | None = None) -> FloatArray:
        """Use of carrier ``c`` per unit of product of every route after the route's
        exemption ``(S, R, Ye)`` [carrier/product] (``exempt``: the route's exempt shares of
        ``c`` ``(S, R)``, by default the parameter's)."""
        share = self.exempt[:, :, c] if exempt is None else exempt
        return np.asarray(
            self.ctx.route.mix.use(self.ctx.route.inputs, c) * (1.0 - share)[..., None],
            dtype=np.float64,
        )

    def _carrier_path(self, use: FloatArray, rate: FloatArray) -> FloatArray:
        """Tax per unit of product on a carrier's taxed ``use`` (:meth:`_taxed_use`) at
        ``rate`` ``(S, Ye)`` ``(S, R, Ye)``."""
        return np.asarray(use * self.ctx.ext(rate)[:, None, :], dtype=np.float64)

    def _carrier_paths(self, c: int, rates: Sequence[FloatArray]) -> list[FloatArray]:
        """:meth:`_carrier_path` of carrier ``c`` at each of ``rates`` ``(S, Y)``: each worked
        out once where the routes' exemptions and the rate are the same in every scenario
        (:func:`once_if_alike`), the taxed use once for every rate otherwise."""
        exempt = self.exempt[:, :, c]
        use: list[FloatArray] = []

        def path(ex: FloatArray, rate: FloatArray) -> FloatArray:
            if ex is not exempt:  # the first scenario's row
                return self._carrier_path(self._taxed_use(c, ex), rate)
            if not use:
                use.append(self._taxed_use(c))
            return self._carrier_path(use[0], rate)

        return [once_if_alike(path, exempt, rate) for rate in rates]

    def paths(self) -> dict[str, FloatArray]:
        rate = self.param("rate")
        out = {f"c{c}": self._carrier_paths(int(c), [rate[:, c]])[0] for c in self.taxed_flat}
        rates = self.param("bracket_rates")
        for c in self.bracketed:
            n = rates.shape[2]
            each = self._carrier_paths(int(c), [rates[:, c, k] for k in range(n)])
            out.update((f"c{c}_b{k}", path) for k, path in enumerate(each))
            out.update((f"g{c}_b{j}", self._lower_brackets(int(c), each, j)) for j in range(1, n))
            # the taxed use itself, whose expectation over an option's window sets the
            # bracket (:meth:`unit_cost`)
            out[f"u{c}"] = self._carrier_paths(int(c), [np.ones_like(rates[:, c, 0])])[0]
        return out

    def unit_cost(self, x: Mapping[str, FloatArray], opt: OptionView) -> FloatArray:
        route = np.asarray(opt.route)
        S = self.exempt.shape[0]
        route_s = np.broadcast_to(route, (S, *route.shape[1:]))
        cost = np.zeros(route_s.shape)
        for c in self.taxed_flat:
            keep = self._kept(int(c), opt)
            cost += x[f"c{c}"] * keep
        if self.bracketed.size == 0:
            return cost
        thresholds = self.param("thresholds")
        lead = (S,) + (1,) * (route_s.ndim - 1)
        n = thresholds.shape[-1]
        for c in self.bracketed:
            keep = self._kept(int(c), opt)
            kept_base = self._kept(int(c), opt, base=True)
            # the plant's expected taxable use on the option, over the same window as the
            # rates (the route's use after its exemption, per unit, times the plant's share
            # and base-year production): the use of the years the option runs, not of the
            # decision year (a route whose use falls over time, an e-boiler serving more of
            # its band, is valued on the use of its window whatever the year it is valued in)
            taxable = np.broadcast_to(x[f"u{c}"] * kept_base, route_s.shape)
            if self._others:  # with the other units of its complex
                taxable = taxable + np.asarray(opt.plant(self._others[int(c)]), np.float64)
            # the bracket it falls in, j (the last threshold it is above) ...
            bracket = self._bracket(int(c), taxable, lead)
            # ... and the average rate of its bracketed tax: the term at bracket j's rate
            # plus the lower brackets' excess over it per unit of use (_lower_brackets),
            # nothing in the first bracket
            marginal = choose_term(x, tuple(f"c{c}_b{k}" for k in range(n + 1)), bracket)
            lower = choose_term(x, (f"g{c}_b1", *(f"g{c}_b{j}" for j in range(1, n + 1))), bracket)
            with np.errstate(divide="ignore", invalid="ignore"):  # no use: the first bracket
                np.divide(lower, taxable, out=lower)
            np.add(marginal, lower, out=marginal, where=bracket > 0)
            marginal *= keep
            cost += marginal
        return cost

    def _bracket(self, c: int, taxable: FloatArray, lead: tuple[int, ...]) -> NDArray[np.intp]:
        """The bracket of carrier ``c`` each taxable use falls in, the number of thresholds
        it is above (:func:`bracket_index`): with the same thresholds in every scenario one
        search of them, otherwise one comparison per threshold."""
        thresholds = self.param("thresholds")[:, c]  # (S, k)
        if self._thresholds_alike[c]:
            return np.asarray(np.searchsorted(thresholds[0], taxable, side="left"), np.intp)
        bracket = np.zeros(taxable.shape, dtype=np.intp)
        for k in range(thresholds.shape[-1]):
            above = taxable > thresholds[:, k].reshape(lead)
            np.copyto(bracket, k + 1, where=above)
        return bracket

    def _lower_brackets(self, c: int, each: Sequence[FloatArray], j: int) -> FloatArray:
        """The tax of carrier ``c``'s brackets below bracket ``j`` in excess of bracket
        ``j``'s rate: ``sum_{k<j} w_k (P_k - P_j)`` with ``w_k`` the width of bracket ``k``
        (the thresholds the accounting uses) and ``P_k`` the path at bracket ``k``'s rate
        (``each``) [EUR/product x carrier/yr].

        A plant whose taxable use ``T`` falls in bracket ``j`` pays ``sum_{k<j} w_k p_k +
        (T - c_j) p_j`` (:func:`bracketed_tax`), ``T`` times ``p_j + sum_{k<j} w_k (p_k -
        p_j) / T``: per unit of product, the expected term at bracket ``j``'s rate plus this
        path's expectation over ``T`` (:meth:`unit_cost`). The expectations are linear, so
        this is the shares of the use in each bracket times each bracket's expected term;
        one term more to gather per option rather than one per bracket. A threshold of inf
        (no bracket above it) gives that bracket no width."""
        thresholds = self.param("thresholds")[:, c]  # (S, k)
        edges = np.concatenate([np.zeros((thresholds.shape[0], 1)), thresholds], axis=-1)
        widths = np.diff(edges, axis=-1)[:, :j]
        widths = np.where(np.isfinite(widths), widths, 0.0)

        def excess(w: FloatArray, *paths: FloatArray) -> FloatArray:
            top = paths[j]
            out = np.zeros(top.shape)
            for k in range(j):
                out += w[:, k, None, None] * (paths[k] - top)
            return out

        return once_if_alike(excess, widths, *each)

    def _kept(self, c: int, opt: OptionView, base: bool = False) -> FloatArray:
        """The share of carrier ``c`` each option's plant pays tax on, after its own
        exemption [-] (``base``: times the plant's base-year production [product/yr]); for a
        flat list of slots (the same every year of a batch) worked out once per batch."""
        era = self._era[opt.t]
        key = (c, base, era, opt.plants.tobytes()) if opt.plants is not None else None
        kept = self._kept_slots.get(key) if key is not None else None
        if kept is None:
            kept = np.asarray(opt.plant(self.plant_keep(opt.t)[:, :, c]), dtype=np.float64)
            if base:
                production = self.ctx.inputs.plants.base_production
                kept = kept * np.asarray(opt.plant(production), dtype=np.float64)
            if key is not None:
                self._kept_slots[key] = kept
        return kept

    def account(self, st: YearState) -> Booking:
        i = st.i
        thresholds = self.param("thresholds")  # (S, C, 3)
        rates = self.param("bracket_rates")[..., i]  # (S, C, 4)
        if not np.all(st.use >= 0.0):
            raise ValueError("use must be non-negative and not NaN")
        # taxable_use(use, route's exempt share, plant's exempt share), term by term
        S, R, C = self._route_keep.shape
        # each plant's route's taxable shares, gathered (route indices are valid: "clip"
        # changes none and needs no copy), times the use, then the plant's share
        at = np.arange(S)[:, None] * R + st.route
        taxable = np.take(self._route_keep.reshape(S * R, C), at, axis=0, mode="clip")
        np.multiply(st.use, taxable, out=taxable)  # (S, P, C)
        taxable *= self.plant_keep(i)
        flat = np.where(self.flat[None], self.param("rate")[:, :, i], 0.0)  # (S, C)
        taxed = np.einsum("spc,sc->sp", taxable, flat)
        for c in self.bracketed:  # plants that use none pay 0 (the schedules: __init__)
            own = taxable[..., c]
            if self._others:  # each complex's use through the brackets, shared by use
                total = self.complexes.totals(own)
                self._others[int(c)] = total - own
            else:
                total = own
            s, p = np.nonzero(own)
            if s.size:
                tax = _bracketed(total[s, p], thresholds[s, c], rates[s, c])
                if self._others:  # a plant alone in its complex: x / x = 1 exactly
                    tax *= own[s, p] / total[s, p]
                taxed[s, p] += tax
        return Booking(plant={"energy_tax": taxed}, gov={"energy_tax_revenue": taxed})
