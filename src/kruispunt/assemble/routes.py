"""Routes: techno-economics of every route over the model years, from the route tables."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from kruispunt.assemble.tables import Tables
from kruispunt.catalogue.checks import route_site_pairs
from kruispunt.catalogue.schema import parameter_specs
from kruispunt.catalogue.series import over_years
from kruispunt.errors import DataAssemblyError
from kruispunt.inputs import Routes
from kruispunt.vocabulary import FAMILY, HYDROGEN_LHV_GJ_PER_T

F = npt.NDArray[np.float64]
I = npt.NDArray[np.int64]  # noqa: E741
B = npt.NDArray[np.bool_]


@dataclass(frozen=True)
class RouteBundle:
    """The routes and what assembly needs to know about them."""

    routes: Routes
    ids: list[str]
    complete: B
    """Routes the model can run (complete data, priced inputs)."""
    sector_cap: F
    """``(R, n_sectors)`` largest share of its band's heat a route may serve at a plant of
    each sector (``max_share_<sector>``, else ``max_share``; NaN: no limit; 0: not open to the
    sector), in the order of ``sectors``."""
    sectors: list[str]
    flexible: B
    """Routes whose carrier mix follows the power price-duration curve (``flexible_load``):
    their inputs are per carrier alone until
    :func:`kruispunt.assemble.flexible.apply_flexible_loads`."""
    site_only: dict[str, frozenset[tuple[str, str]]] = field(default_factory=dict)
    """Routes open only to named sites or units (``route_sites.csv``): route id -> the
    ``(site, unit)`` pairs whose plants may take it, unit ``""`` for every plant of the site;
    routes not named are open to every plant of their product."""

    @property
    def routes_index(self) -> dict[str, int]:
        """Position of each route id."""
        return {r: i for i, r in enumerate(self.ids)}


def _param(tables: Tables, years: npt.NDArray[np.int64], name: str, r_of: dict[str, int]) -> F:
    """A route parameter over the years ``(R, Y)``; NaN where a route does not give it.
    Under step interpolation the first value given also holds before its year."""
    out = np.full((len(r_of), len(years)), np.nan)
    rows = tables.route_param(name)
    if rows is None:
        return out
    interp = parameter_specs("route_parameters")[name].interpolation
    for rid, part in rows.groupby("route_id"):
        vals = over_years(part, years, interp, before=np.nan)
        if interp == "step":
            first = part.sort_values("year")["value"].iloc[0]
            vals = np.where(np.isnan(vals), first, vals)
        out[r_of[str(rid)]] = vals
    return out


def route_parameter(tables: Tables, years: npt.NDArray[np.int64], name: str, ids: list[str]) -> F:
    """A route parameter over the years ``(R, Y)`` for routes ``ids`` in order; NaN where a
    route does not give it (as :func:`build_routes` reads them)."""
    return _param(tables, years, name, {r: k for k, r in enumerate(ids)})


def _inputs_exports(
    tables: Tables, years: npt.NDArray[np.int64], r_of: dict[str, int], fuel_gas_export: F
) -> tuple[F, F]:
    """Each route's carrier inputs ``(R, C, Y)`` and the carriers it exports: its fuel gas
    (``fuel_gas_export``), which earns the natural-gas price."""
    c_of = tables.carrier_index
    inputs = np.zeros((len(r_of), len(c_of), len(years)))
    for (rid, cid), part in tables.catalogue.route_inputs.groupby(["route_id", "carrier_id"]):
        inputs[r_of[str(rid)], c_of[str(cid)]] = over_years(part, years, "linear")
    exports = np.zeros_like(inputs)
    if "natural_gas" in c_of:
        exports[:, c_of["natural_gas"]] = np.nan_to_num(fuel_gas_export, nan=0.0)
    return inputs, exports


def build_routes(tables: Tables, years: npt.NDArray[np.int64]) -> RouteBundle:
    """Every route of the data package over ``years``.

    Rules the data leave to the model (each documented in ``docs/model.md``): a route needs an
    emission factor, and a route that needs investment a capex and a lifetime, or it is left
    out; routes that need no investment and have no lifetime are valued over the data
    package's default economic life; fuel gas a route exports (``fuel_gas_export``) earns
    the natural-gas price (``Routes.exports``; not a use); a route with an electrifiable
    share serves that share of its band's heat and leaves the rest on the product's
    incumbent (gas) route; an import route's output counts as imported unless the data say
    it is processed here.
    """
    cat = tables.catalogue
    routes = cat.routes.set_index("route_id")
    ids = [str(r) for r in routes.index]
    r_of = {r: i for i, r in enumerate(ids)}
    c_of = tables.carrier_index
    g_of = tables.product_index

    def param(name: str) -> F:
        return _param(tables, years, name, r_of)

    family = np.array([FAMILY[f] for f in routes["family"]], dtype=np.int64)
    closure = family == FAMILY["closure"]
    ef = np.where(closure[:, None], 0.0, param("emission_factor"))
    capture = np.nan_to_num(param("capture_rate"), nan=0.0)
    lifetime_p = param("lifetime")[:, 0]
    capex_g = param("capex_greenfield")
    capex_r = param("capex_retrofit")
    capex = np.where(np.isnan(capex_r), capex_g, capex_r)
    needs_capex = ~(closure | (family == FAMILY["incumbent"]) | (family == FAMILY["import"]))
    no_capex = np.isnan(capex).all(axis=1)
    complete = ~np.isnan(ef).any(axis=1) & ~(needs_capex & (no_capex | np.isnan(lifetime_p)))
    complete |= closure
    default_life = tables.policy_scalar("finance.default_economic_life")
    lifetime_p = np.where(np.isnan(lifetime_p) & ~needs_capex, default_life, lifetime_p)
    lifetime = np.where(closure, 1.0, np.nan_to_num(lifetime_p, nan=1.0))
    capex = np.nan_to_num(capex, nan=0.0)
    renewal_p = param("capex_renewal")
    capex_renewal = np.nan_to_num(np.where(np.isnan(renewal_p), capex_g, renewal_p), nan=0.0)
    ef = np.nan_to_num(ef, nan=0.0)
    inputs, exports = _inputs_exports(tables, years, r_of, param("fuel_gas_export"))
    product = np.array([g_of[p] for p in routes["product_id"]], dtype=np.int64)
    sectors = [str(x) for x in cat.sectors["sector_id"]]
    sector_cap = _sector_caps(tables, years, ids, sectors)
    elec = _capped_share(param("electrifiable_share"), _served_share(sector_cap, ids, years))
    _partial_electrification(elec, product, family, inputs, ef, capex, capex_renewal)
    fixed_opex = np.nan_to_num(param("fixed_opex"), nan=0.0)
    variable_opex = np.nan_to_num(param("variable_opex"), nan=0.0)
    retro_pair, retro_capex = retrofits(tables, years, r_of)
    melt = (param("scrap_melt_share"), param("scrap_share"), product)
    scrap_melt(
        *melt, (inputs, ef, capture, capex, capex_renewal, fixed_opex), retro_capex, retro_pair
    )
    share = np.nan_to_num(param("own_electrolysis_share"), nan=0.0)
    own = own_electrolysis(
        share, ids, product, family, g_of, c_of, inputs, fixed_opex, variable_opex, capex
    )
    if retro_pair is not None and retro_capex is not None:
        no_renewal: B = np.asarray((np.isnan(renewal_p) & np.isnan(capex_g)).all(axis=1))
        retrofit_renewal(capex_renewal, no_renewal, retro_pair, retro_capex)
    flexible = np.nan_to_num(param("flexible_load")[:, 0]) > 0.5
    firm = firm_power(param("base_electricity"), flexible, inputs[:, c_of["electricity"]], ids)
    permits = param("new_permits")
    permitted = None if np.isnan(permits).all() else np.nan_to_num(permits, nan=1.0) > 0.5
    domestic_flag = param("domestic_output")[:, 0]
    imports_itself = (family == FAMILY["import"]) & ~(np.nan_to_num(domestic_flag) > 0.5)
    bundle = Routes(
        product=product,
        family=family,
        lifetime=lifetime,
        lead_time=np.nan_to_num(param("lead_time")[:, 0], nan=0).astype(np.int64),
        earliest_year=np.nan_to_num(param("earliest_year")[:, 0], nan=0).astype(np.int64),
        capex=capex,
        capex_renewal=capex_renewal,
        domestic=~closure & ~imports_itself,
        fixed_opex=fixed_opex,
        variable_opex=variable_opex,
        emission_factor=ef,
        capture_rate=capture,
        inputs=inputs,
        exports=exports if exports.any() else None,
        own_hydrogen=own[0] if own is not None else None,
        electrolyser_capex=own[1] if own is not None else None,
        retrofit_pair=retro_pair,
        retrofit_capex=retro_capex,
        retrofit_only=retrofit_only(param("retrofit_only")[:, 0], retro_pair),
        permitted=permitted,
        firm_power=firm,
    )
    return RouteBundle(
        routes=bundle,
        ids=ids,
        complete=complete,
        sector_cap=sector_cap,
        sectors=sectors,
        flexible=flexible,
        site_only=site_limits(tables),
    )


def firm_power(base: F, flexible: B, electricity: F, ids: list[str]) -> F | None:
    """The part of each flexible route's electricity it draws in every hour ``(R, Y)``
    [GJ/product] (route parameter ``base_electricity``, NaN: none): a heat pump beside a
    hybrid boiler runs on its waste heat whatever the boiler burns. None when no route gives
    one.

    Raises
    ------
    DataAssemblyError
        If a route that is not a flexible load gives one, or one exceeds the route's
        electricity on power (its ``route_inputs`` electricity, which includes it).

    Examples
    --------
    >>> firm_power(np.array([[0.2], [np.nan]]), np.array([True, True]),
    ...            np.array([[0.9], [1.0]]), ["a", "b"]).tolist()
    [[0.2], [0.0]]
    """
    given = ~np.isnan(base).all(axis=1)
    if not given.any():
        return None
    for r in np.flatnonzero(given & ~flexible):
        raise DataAssemblyError(
            f"route_parameters.csv: route '{ids[r]}' gives base_electricity but is not a "
            f"flexible load (flexible_load 1); its electricity is drawn in every hour already"
        )
    out = np.nan_to_num(base, nan=0.0)
    for r in np.flatnonzero((out > electricity * (1 + 1e-12)).any(axis=1)):
        raise DataAssemblyError(
            f"route_parameters.csv: route '{ids[r]}' has base_electricity above its "
            f"route_inputs electricity, which includes it"
        )
    return np.asarray(out, dtype=np.float64)


def site_limits(tables: Tables) -> dict[str, frozenset[tuple[str, str]]]:
    """Routes open only to named sites or units (``route_sites.csv``, read by
    :func:`kruispunt.catalogue.checks.route_site_pairs`): route id -> its ``(site, unit)``
    pairs; empty when the table has no rows (every route open to every plant of its
    product)."""
    return route_site_pairs(tables.catalogue.route_sites)


def retrofits(
    tables: Tables, years: npt.NDArray[np.int64], r_of: dict[str, int]
) -> tuple[I | None, F | None]:
    """The retrofit pairs of ``route_retrofits.csv``: ``retrofit_pair`` ``(R, R)`` (row of
    ``retrofit_capex`` where the first route retrofits the second, else -1) and
    ``retrofit_capex`` ``(n, Y)``, the capex each pair adds to the running plant over the
    years (straight lines between given years, flat outside them) [EUR/(product/yr)]; None,
    None when the table has no rows (:attr:`kruispunt.inputs.Routes.retrofit_pair`).

    Examples
    --------
    A route 1 that retrofits route 0 for 5 EUR/(t/yr) in 2025 and 3 in 2035:

    >>> from types import SimpleNamespace
    >>> import pandas as pd
    >>> rows = pd.DataFrame({"route_id": ["b", "b"], "retrofit_of": ["a", "a"],
    ...                      "year": [2025, 2035], "capex_add": [5.0, 3.0]})
    >>> t = SimpleNamespace(catalogue=SimpleNamespace(route_retrofits=rows))
    >>> pair, capex = retrofits(t, np.array([2025, 2030, 2040]), {"a": 0, "b": 1})
    >>> pair.tolist(), capex.tolist()
    ([[-1, -1], [0, -1]], [[5.0, 4.0, 3.0]])
    """
    rows = tables.catalogue.route_retrofits
    if rows.empty:
        return None, None
    pair = np.full((len(r_of), len(r_of)), -1, dtype=np.int64)
    capex: list[F] = []
    for (rid, base), part in rows.groupby(["route_id", "retrofit_of"], sort=True):
        pair[r_of[str(rid)], r_of[str(base)]] = len(capex)
        capex.append(over_years(part.rename(columns={"capex_add": "value"}), years, "linear"))
    return pair, np.array(capex, dtype=np.float64)


def retrofit_only(flag: F, pair: I | None) -> B | None:
    """Routes ``(R,)`` reached only by retrofitting a running plant of a route they retrofit
    (route parameter ``retrofit_only``, where ``route_retrofits.csv`` names a base for them:
    the catalogue check ``check_retrofits`` reports a flag without one); None when no route
    is.

    Examples
    --------
    >>> retrofit_only(np.array([np.nan, 1.0]), np.array([[-1, -1], [0, -1]]))
    array([False,  True])
    >>> retrofit_only(np.array([np.nan, 0.0]), None) is None
    True
    """
    if pair is None:
        return None
    only: B = np.asarray((np.nan_to_num(flag) > 0.5) & (pair >= 0).any(axis=1))
    return only if only.any() else None


def retrofit_renewal(capex_renewal: F, no_figure: B, pair: I, capex: F) -> None:
    """Renewal capex of retrofit routes that carry no renewal figure of their own (in place):
    renewing the plant renews its base route and the retrofit, so it costs the base's renewal
    plus the added capex ``(R, Y)`` [EUR/(product/yr)]. The base is the route the retrofit
    is declared on that is not itself a retrofit (``refinery`` for post-combustion capture,
    not hydrogen-unit capture). Without this, a route priced by its retrofit capex only
    (``capex_retrofit``, e.g. ammonia with capture) renewed for nothing, while staying on
    its base route paid the base's renewal.

    Examples
    --------
    Route 1 retrofits route 0 (renewal 100) for 5; route 2 has its own renewal figure:

    >>> renewal = np.array([[100.0], [0.0], [40.0]])
    >>> pair = np.array([[-1, -1, -1], [0, -1, -1], [1, -1, -1]])
    >>> retrofit_renewal(renewal, np.array([False, True, False]), pair, np.array([[5.0], [7.0]]))
    >>> renewal[:, 0].tolist()
    [100.0, 105.0, 40.0]
    """
    is_retrofit: B = np.asarray((pair >= 0).any(axis=1))
    for r in np.flatnonzero(no_figure & is_retrofit):
        bases = [b for b in np.flatnonzero(pair[r] >= 0) if not is_retrofit[b]]
        if bases:
            b = int(bases[0])
            capex_renewal[r] = capex_renewal[b] + capex[pair[r, b]]


def own_electrolysis(
    share: F,
    ids: list[str],
    product: I,
    family: I,
    g_of: dict[str, int],
    c_of: dict[str, int],
    inputs: F,
    fixed_opex: F,
    variable_opex: F,
    capex: F,
) -> tuple[F, F] | None:
    """Hydrogen a route makes in the plant's own electrolyser (in place).

    ``share`` ``(R, Y)`` (route parameter ``own_electrolysis_share``) of a route's hydrogen
    (carrier ``hydrogen``) is made on site, not bought: it is priced at the electrolyser's
    running cost, not at the hydrogen price. That share leaves the route's hydrogen input and
    its electricity, ``e`` per GJ of hydrogen, is added to the route's electricity (so the
    engine charges it at the scenario's electricity price with its energy tax and network
    tariff, and counts it in the plant's electricity use and grid need); the electrolyser's
    fixed O&M and variable O&M per t of hydrogen are added to the route's, and its capex
    to the route's capex (a plant that chooses the route builds the electrolyser; a decided
    project starts on its date, its capex spent then and sunk after). The electrolyser is
    the data package's electrolysis route (product ``hydrogen``, family
    ``electrification``: DEA 86 AEC 100 MW via PyPSA technology-data), year by year.

    Returns
    -------
    tuple of numpy.ndarray or None
        The own hydrogen ``(R, Y)`` [GJ/product] and the electrolyser's part of the capex
        ``(R, Y)`` [EUR/(product/yr)]; None when no route makes its own hydrogen.

    Raises
    ------
    DataAssemblyError
        When a route gives a share but uses no hydrogen, or the data package has no
        electrolysis route.

    Examples
    --------
    A route using 1.2 GJ of hydrogen per t, all of it own (an electrolyser using 200 GJ of
    electricity per t of hydrogen, fixed O&M 400 EUR/(t/yr)/yr, capex 9,000 EUR/(t/yr)): 0.01 t
    of hydrogen per t makes 2 GJ of electricity, 4 EUR/(t/yr)/yr and 90 EUR/(t/yr):

    >>> import numpy as np
    >>> inp = np.zeros((2, 2, 1))
    >>> inp[0, 1] = 1.2; inp[1, 0] = 200.0  # route 0 uses hydrogen; route 1 is electrolysis
    >>> fo, vo, cx = np.array([[0.0], [400.0]]), np.zeros((2, 1)), np.array([[0.0], [9000.0]])
    >>> h, c = own_electrolysis(np.array([[1.0], [0.0]]), ["refinery", "electrolysis"],
    ...     np.array([0, 1]), np.array([0, FAMILY["electrification"]]),
    ...     {"refinery_throughput": 0, "hydrogen": 1}, {"electricity": 0, "hydrogen": 1},
    ...     inp, fo, vo, cx)
    >>> float(h[0, 0]), round(float(inp[0, 0, 0]), 6), float(inp[0, 1, 0])
    (1.2, 2.0, 0.0)
    >>> round(float(fo[0, 0]), 6), round(float(cx[0, 0]), 6), round(float(c[0, 0]), 6)
    (4.0, 90.0, 90.0)
    """
    if not (share > 0).any():
        return None
    el = np.flatnonzero(
        (product == g_of.get("hydrogen", -1)) & (family == FAMILY["electrification"])
    )
    h2c, elc = c_of.get("hydrogen"), c_of.get("electricity")
    if el.size == 0 or h2c is None or elc is None:
        raise DataAssemblyError(
            "route_parameters.csv: own_electrolysis_share needs an electrolysis route (product "
            "'hydrogen', family 'electrification') and the carriers hydrogen and electricity"
        )
    e = int(el[0])
    own = np.zeros(share.shape)
    part = np.zeros(share.shape)
    for r in np.flatnonzero((share > 0).any(axis=1)):
        if not (inputs[r, h2c] > 0).any():
            raise DataAssemblyError(
                f"route_parameters.csv: route '{ids[r]}' has own_electrolysis_share but uses "
                "no hydrogen (route_inputs.csv, carrier hydrogen)"
            )
        own[r] = share[r] * inputs[r, h2c]  # GJ H2 per unit of product
        t_h2 = own[r] / HYDROGEN_LHV_GJ_PER_T  # t H2 per unit of product
        inputs[r, h2c] -= own[r]
        inputs[r, elc] += t_h2 * inputs[e, elc]
        fixed_opex[r] += t_h2 * fixed_opex[e]
        variable_opex[r] += t_h2 * variable_opex[e]
        part[r] = t_h2 * capex[e]
        capex[r] += part[r]
    return own, part


def _sector_caps(
    tables: Tables, years: npt.NDArray[np.int64], ids: list[str], sectors: list[str]
) -> F:
    """``(R, n_sectors)`` each route's ``max_share`` at plants of each sector: the route's
    ``max_share_<sector>`` where given, else its ``max_share``; NaN where it gives neither
    (no limit). The first year's value (the shares are not given over time)."""
    r_of = {r: i for i, r in enumerate(ids)}
    default = _param(tables, years, "max_share", r_of)[:, 0]
    out = np.repeat(default[:, None], len(sectors), axis=1)
    for j, sector in enumerate(sectors):
        name = f"max_share_{sector}"
        if tables.route_param(name) is None:
            continue
        given = _param(tables, years, name, r_of)[:, 0]
        out[:, j] = np.where(np.isnan(given), out[:, j], given)
    return out


def _served_share(sector_cap: F, ids: list[str], years: npt.NDArray[np.int64]) -> F:
    """``(R, Y)`` the share of its band a route serves where a sector cap limits it: the one
    positive cap of the sectors it is open to (NaN: no limit). A route whose open sectors
    have different caps is a data error (split it into one route per cap, as
    ``heat_pump_low`` and ``heat_pump_low_food``)."""
    out = np.full((len(ids), len(years)), np.nan)
    for r in range(len(ids)):
        caps = sector_cap[r]
        open_ = np.unique(caps[caps > 0])
        if open_.size > 1:
            raise DataAssemblyError(
                f"route_parameters.csv: route '{ids[r]}' has different max_share values for "
                f"the sectors it is open to ({', '.join(f'{c:g}' for c in open_)}); give each "
                f"share its own route"
            )
        if open_.size == 1:
            out[r] = open_[0]
    return out


def _capped_share(electrifiable: F, max_share: F) -> F:
    """The share of a band's heat an electrification route serves: its electrifiable share,
    at most its ``max_share`` (a heat pump: the waste heat available); NaN where the route
    gives neither. A route with only a ``max_share`` serves that share."""
    capped = np.fmin(electrifiable, max_share)
    return np.asarray(capped, dtype=np.float64)


def _partial_electrification(
    share: F, product: I, family: I, inputs: F, ef: F, capex: F, capex_renewal: F
) -> None:
    """A route with an electrifiable share serves that share of the band's heat; the rest stays
    on the product's incumbent route (in place)."""
    for r in np.flatnonzero(~np.isnan(share).all(axis=1)):
        incumbents = np.flatnonzero((product == product[r]) & (family == FAMILY["incumbent"]))
        if incumbents.size == 0:
            continue
        inc = int(incumbents[0])
        frac = np.nan_to_num(share[r], nan=0.0)
        inputs[r] = frac[None] * inputs[r] + (1 - frac)[None] * inputs[inc]
        ef[r] = frac * ef[r] + (1 - frac) * ef[inc]
        capex[r] = capex[r] * frac
        capex_renewal[r] = capex_renewal[r] * frac


def scrap_melt(
    melt: F,
    scrap_share: F,
    product: I,
    arrays: tuple[F, F, F, F, F, F],
    retro_capex: F | None,
    retro_pair: I | None,
) -> None:
    """Routes with a ``scrap_melt_share`` make that share of their output by melting scrap in
    their furnace instead of from their own iron (in place): per unit of product, that share
    takes the product's all-scrap route (``scrap_share`` 1, for steel the scrap EAF) and the
    rest the route's own figures, for inputs, emission factor, capex, renewal and fixed opex.
    The captured CO2 (``capture_rate`` x emission factor) is the route's own part only, so the
    capture rate is restated on the blended factor; the capex a retrofit to such a route adds
    (``route_retrofits.csv``, a compressor or capture unit on the iron-making part) is scaled
    to the route's own part. ``arrays`` = (inputs ``(R, C, Y)``, emission factor, capture rate,
    capex, renewal capex, fixed opex, each ``(R, Y)``).

    Examples
    --------
    Route 0 (2 t/t CO2, capex 100, half captured) melts 25 % scrap in route 1 (0.2 t/t, capex
    20): factor 0.75 x 2 + 0.25 x 0.2 = 1.55, capex 80, captured 0.75 x 1 = 0.75 t/t:

    >>> ef = np.array([[2.0], [0.2]]); cap = np.array([[0.5], [0.0]])
    >>> capex = np.array([[100.0], [20.0]]); inputs = np.zeros((2, 1, 1))
    >>> scrap_melt(np.array([[0.25], [np.nan]]), np.array([[np.nan], [1.0]]),
    ...            np.array([0, 0]), (inputs, ef, cap, capex, capex.copy(), capex.copy()),
    ...            None, None)
    >>> round(float(ef[0, 0]), 4), float(capex[0, 0]), round(float(cap[0, 0] * ef[0, 0]), 4)
    (1.55, 80.0, 0.75)
    """
    inputs, ef, capture, capex, capex_renewal, fixed_opex = arrays
    all_scrap = np.nan_to_num(scrap_share).max(axis=1) >= 1.0
    for r in np.flatnonzero(np.nan_to_num(melt).max(axis=1) > 0):
        donors = np.flatnonzero(all_scrap & (product == product[r]))
        if donors.size == 0:
            continue
        d = int(donors[0])
        w = np.nan_to_num(melt[r], nan=0.0)
        captured = capture[r] * ef[r] * (1 - w)
        inputs[r] = (1 - w)[None] * inputs[r] + w[None] * inputs[d]
        ef[r] = (1 - w) * ef[r] + w * ef[d]
        capture[r] = np.divide(captured, ef[r], out=np.zeros_like(captured), where=ef[r] > 0)
        for a in (capex, capex_renewal, fixed_opex):
            a[r] = (1 - w) * a[r] + w * a[d]
        if retro_capex is not None and retro_pair is not None:
            for k in retro_pair[r][retro_pair[r] >= 0]:
                retro_capex[k] = retro_capex[k] * (1 - w)


def exclude_unpriced(bundle: RouteBundle, incumbent: I, priced: B) -> list[str]:
    """Leave out routes that use more of an unpriced carrier than today's route of their
    product (the missing price would bias the comparison); today's routes keep running, the
    unpriced input costing nothing (a documented gap). Updates ``bundle.complete``; returns
    the ids left out for every reason."""
    routes = bundle.routes
    complete = bundle.complete
    unpriced = np.flatnonzero(~priced)
    R = len(bundle.ids)
    if unpriced.size:
        today = np.zeros(R, dtype=bool)
        today[incumbent] = True
        ref = np.zeros((R, unpriced.size, routes.inputs.shape[-1]))
        used_today = np.unique(incumbent)
        for r in range(R):
            same = used_today[routes.product[used_today] == routes.product[r]]
            if same.size:
                ref[r] = routes.inputs[same][:, unpriced, :].min(axis=0)
        uses = (routes.inputs[:, unpriced, :] > ref + 1e-9).any(axis=(1, 2))
        closure = routes.family == FAMILY["closure"]
        complete &= ~(uses & ~closure & ~today)
    return [bundle.ids[r] for r in np.flatnonzero(~complete)]


def within_scrap_limit(tables: Tables, rb: RouteBundle, years: npt.NDArray[np.int64]) -> B:
    """``(R,)``: routes whose share of scrap in the metallic charge (route parameter
    ``scrap_share``, highest over the years) stays within their product's
    ``max_scrap_share`` (``product_markets.csv``, lowest over the years); routes or products
    without the figure are not limited. A whole-plant route is either within the limit or
    not offered at all: the scrap-based EAF (all scrap) cannot make Tata Steel's flat,
    automotive-grade steel, whose plan raises scrap to 30 % of the charge by 2030."""
    share = np.nan_to_num(_param(tables, years, "scrap_share", rb.routes_index), nan=0.0)
    out = np.ones(len(rb.ids), dtype=bool)
    for g, part in tables.product_market_rows("max_scrap_share"):
        limit = over_years(part, years, "step", before=float(part["value"].iloc[0]))
        mine = rb.routes.product == g
        out &= ~(mine & (share.max(axis=1) > float(np.min(limit)) + 1e-12))
    return out


def options(
    product_of_plant: I,
    incumbent: I,
    route_product: I,
    complete: B,
    open_to: B | None = None,
) -> I:
    """``(P, K)`` route options per plant: its incumbent first, then the product's other
    complete routes open to it (``open_to`` ``(P, R)``: a route whose ``max_share`` for the
    plant's sector is 0 is not); -1 pads, as few columns as the plant with the most options
    needs (every option array of the engine is ``(S, P, K)``: a column of padding only is
    work for nothing)."""
    by_product: dict[int, list[int]] = {}
    for r in np.flatnonzero(complete):
        by_product.setdefault(int(route_product[r]), []).append(int(r))
    P = len(product_of_plant)
    K = max(len(by_product.get(int(g), [])) + 1 for g in product_of_plant)
    out = np.full((P, K), -1, dtype=np.int64)
    widest = 1
    for p in range(P):
        rest = [
            r
            for r in by_product.get(int(product_of_plant[p]), [])
            if r != incumbent[p] and (open_to is None or open_to[p, r])
        ]
        opts = [int(incumbent[p]), *rest]
        out[p, : len(opts)] = opts
        widest = max(widest, len(opts))
    return out[:, :widest].copy()


def open_to_plants(
    bundle: RouteBundle,
    plant_sectors: list[str],
    plant_sites: list[str],
    plant_units: list[str] | None = None,
) -> B:
    """``(P, R)`` whether each route is open to each plant: not when the route's
    ``max_share`` for the plant's sector is 0 (another route serves that sector), nor when
    the route is open only to named sites or units (``route_sites.csv``) and the plant
    (``plant_sites`` and ``plant_units``, in plant order like ``plant_sectors``; no units: a
    row naming a unit opens the route to no plant) is not one of them."""
    j = {s: i for i, s in enumerate(bundle.sectors)}
    idx = np.array([j[s] for s in plant_sectors], dtype=np.int64)
    cap = bundle.sector_cap[:, idx].T  # (P, R)
    out = np.asarray(~(cap <= 0.0), dtype=np.bool_)
    sites = np.asarray(plant_sites, dtype=object)
    units = np.asarray(plant_units if plant_units is not None else [""] * len(sites), dtype=object)
    for rid, named in bundle.site_only.items():
        allowed = np.zeros(len(sites), dtype=np.bool_)
        for site, unit in named:
            here = sites == site
            allowed |= here if not unit else here & (units == unit)
        out[:, bundle.routes_index[rid]] &= allowed
    return out
