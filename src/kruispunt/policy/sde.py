"""SDE++: operating subsidy for the unprofitable top, allocated in budgeted rounds.

The scheme as it pays (Besluit stimulering duurzame energieproductie en klimaattransitie,
Besluit SDEK; RVO "Berekening SDE++" and "Kenmerken SDE++"):

- **Subsidy per unit of output** in a year = base amount (basisbedrag, or the lower amount
  applied for, fixed for the term) minus the year's correction amount (correctiebedrag: the
  market value of what the technique yields, set every year), where the correction amount
  never counts below the base price (basisprijs / basisenergieprijs / basisbroeikasgasbedrag,
  also fixed for the term). So the subsidy lies between 0 and ``base amount - base price``
  (:func:`sde_subsidy_per_unit`), and is paid on the production up to the eligible volume for
  the term of 12 or 15 years (:func:`sde_payment`).
- **Budget claim**: an award claims the maximum it can ever pay, ``(base amount - base
  price) x eligible yearly volume x term`` (RVO, "Berekening SDE++": "maximale SDE++-bijdrage";
  Rijksoverheid on the 2022 round: "de maximale subsidie over de gehele looptijd"),
  :func:`sde_budget_claim`. Payments can never exceed the claims awarded.
- **Base price**: two thirds of the long-term price expectation, the unweighted mean of the
  market index over the next 12 years (ECN, "SDE+ basisprijzen": "als marktindex 2/3e van de
  langetermijnverwachting", the method PBL continues) - :func:`sde_base_price`.
- **Ranking**: applications are ranked by subsidy intensity, ``(base amount - long-term
  price) / CO2 avoided per unit`` [EUR/tCO2] (:func:`sde_intensity`; RVO: "De rangschikking
  ... wordt bepaald door de subsidiebehoefte per ton CO2"). A round opens in phases whose
  maximum intensity rises (2025: 75 ... 400 EUR/t); when every applicant applies in the first
  phase that admits its intensity, the phases award in the order of intensity, so the round is
  one ranking up to the last phase's ceiling. Awards go in strict rank order while the budget
  lasts (:func:`allocate_round`).
- **Ring-fenced domains (hekjes, from 2023)**: a minimum budget is reserved for each of three
  domains (low-temperature heat, high-temperature heat incl. e-boilers and industrial heat
  pumps, molecules), 1 bn EUR each in 2024; within them the highest intensity is 400 EUR/t,
  outside 300 EUR/t (2023). Applications of a domain compete first for its reserved budget,
  those not served then compete in the rest of the round's budget up to the general ceiling
  (:func:`allocate_domains`). The ceiling on subsidised CCS (Klimaatakkoord 7.2 Mt/yr, raised
  to 9.7 Mt/yr in 2021) was dropped in 2023 with the hekjes.

The model's reading where the rules leave the plant's numbers open (``docs/model.md``):

- an awarded option's **base amount** = its expected unprofitable top per unit at award plus
  its expected correction amount (:func:`sde_base_amount`): the cost price of the technique,
  so that the expected subsidy covers the top exactly;
- **correction amount** per unit of product (:func:`sde_correction`): CCS, the EUA times the
  emissions avoided per unit against the reference route (the market value of the
  allowances the capture saves, the minister's answer of 8 Feb 2021: "Bij CCS is dit laatste
  de ETS-prijs voor CO2"); heat
  (e-boilers, heat pumps, biomass) and hydrogen (electrolysis), the market value of the energy
  and feedstock the option no longer uses of its product's reference route (the fossil
  incumbent: the gas boiler's gas, grey hydrogen's gas; SDE++ sets the correction for a
  category's reference installation, not per plant) plus the EUA times the emissions the
  route avoids per unit against that reference route;
- routes that are no SDE++ category (e-crackers, hydrogen DRI, imports ...) are not eligible.

Budgets, ceilings, domains and the base-price rule come from the data package.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from kruispunt.policy._validate import nonnegative as _nonnegative
from kruispunt.policy.base import (
    Booking,
    Context,
    Evaluation,
    Flow,
    Offer,
    Parameter,
    SupportScheme,
    YearState,
    expected_at,
    remaining_share,
)
from kruispunt.policy.grants import allocate_budget
from kruispunt.vocabulary import FAMILY, LOW_CARBON_FAMILIES, SCENARIO

__all__ = [
    "CORRECTIONS",
    "DOMAINS",
    "Sde",
    "allocate_domains",
    "allocate_round",
    "sde_base_amount",
    "sde_base_price",
    "sde_budget_claim",
    "sde_correction",
    "sde_intensity",
    "sde_payment",
    "sde_subsidy_per_unit",
]

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]
IntArray = NDArray[np.int64]

CORRECTIONS = ("none", "carbon", "energy_carbon")
"""How a route's correction amount is set: ``none`` (no SDE++ category: not eligible),
``carbon`` (EUA x avoided emissions: CCS), ``energy_carbon`` (displaced energy and feedstock at
market prices plus EUA x avoided emissions: heat, hydrogen)."""
NO_CATEGORY, CARBON, ENERGY_CARBON = 0, 1, 2
DOMAINS = ("low_temperature_heat", "high_temperature_heat", "molecules")
"""The ring-fenced domains (hekjes) of a round since 2023."""
HELD_TERMS = ("base", "floor", "avoided", "volume", "kind", "claim")
"""The terms of an award fixed at the award (:class:`Sde` keeps them while it is held)."""


def sde_subsidy_per_unit(
    base_amount: ArrayLike, correction_amount: ArrayLike, base_price: ArrayLike
) -> FloatArray:
    """Subsidy per unit of output in one year.

    ``clip(base_amount - max(correction_amount, base_price), 0, base_amount - base_price)``
    (Besluit SDEK: basisbedrag minus correctiebedrag, the correctiebedrag not below the
    basisprijs; RVO, "Berekening SDE++").

    Parameters
    ----------
    base_amount : array_like
        Basisbedrag (or the lower amount applied for): cost price of the technique, fixed in
        the contract. [EUR/t] (or EUR/kWh, EUR/GJ: any output unit, used consistently)
    correction_amount : array_like
        Correctiebedrag: market value of the output in the year (energy price,
        avoided ETS cost). May be any finite value. [EUR/t]
    base_price : array_like
        Basisprijs: floor under the correction amount, non-negative and not
        above ``base_amount``. [EUR/t]

    Returns
    -------
    numpy.ndarray
        Subsidy per unit of output, in ``[0, base_amount - base_price]``. [EUR/t]

    Raises
    ------
    ValueError
        If ``base_price`` is negative, ``base_amount < base_price``, or any
        input is NaN.

    Examples
    --------
    >>> float(sde_subsidy_per_unit(120.0, 70.0, 50.0))
    50.0
    >>> sde_subsidy_per_unit(120.0, [30.0, 130.0], 50.0)
    array([70.,  0.])
    """
    base = np.asarray(base_amount, dtype=np.float64)
    correction = np.asarray(correction_amount, dtype=np.float64)
    floor = _nonnegative("base_price", base_price)
    if np.any(np.isnan(base)) or np.any(np.isnan(correction)):
        raise ValueError("base_amount and correction_amount must not be NaN")
    if not np.all(base >= floor):
        raise ValueError("base_amount must not be below base_price")
    return np.asarray(
        np.clip(base - np.maximum(correction, floor), 0.0, base - floor), dtype=np.float64
    )


def sde_payment(
    subsidy_per_unit: ArrayLike,
    production: ArrayLike,
    max_eligible_production: ArrayLike | None = None,
) -> FloatArray:
    """Yearly SDE++ payment: subsidy per unit times eligible production.

    The contract caps the subsidised volume per year (subsidiabele productie);
    output above the cap earns nothing.

    Parameters
    ----------
    subsidy_per_unit : array_like
        From :func:`sde_subsidy_per_unit`, non-negative. [EUR/t]
    production : array_like
        Output in the year, non-negative. [t/yr]
    max_eligible_production : array_like, optional
        Subsidised volume cap per year, non-negative. Default: no cap. [t/yr]

    Returns
    -------
    numpy.ndarray
        Payment. [EUR/yr]

    Examples
    --------
    >>> float(sde_payment(50.0, 1.2e6, 1.0e6))
    50000000.0
    >>> sde_payment(50.0, [0.5e6, 2.0e6])
    array([2.5e+07, 1.0e+08])
    """
    per_unit = _nonnegative("subsidy_per_unit", subsidy_per_unit)
    volume = _nonnegative("production", production)
    if max_eligible_production is not None:
        volume = np.minimum(
            volume, _nonnegative("max_eligible_production", max_eligible_production)
        )
    return np.asarray(per_unit * volume, dtype=np.float64)


def sde_budget_claim(
    base_amount: ArrayLike, base_price: ArrayLike, eligible_volume: ArrayLike, years: ArrayLike
) -> FloatArray:
    """What an award claims from the round's budget: the most it can ever pay.

    ``(base_amount - base_price) x eligible_volume x years`` (RVO, "Berekening SDE++":
    maximale SDE++-bijdrage = (basisbedrag of aanvraagbedrag - basisenergieprijs of
    basisbroeikasgasbedrag) x vollasturen x vermogen x looptijd).

    Parameters
    ----------
    base_amount : array_like
        Basisbedrag or the amount applied for. [EUR/unit]
    base_price : array_like
        Basisprijs, non-negative and not above ``base_amount``. [EUR/unit]
    eligible_volume : array_like
        Largest yearly production that is subsidised (full-load hours x capacity),
        non-negative. [unit/yr]
    years : array_like
        Term of the subsidy, non-negative. [yr]

    Returns
    -------
    numpy.ndarray
        Maximum subsidy over the term. [EUR]

    Examples
    --------
    W10(b): bid 0.11 EUR/kWh, base price 0.026, 100,000 kWh/yr, 15 years:

    >>> round(float(sde_budget_claim(0.11, 0.026, 1.0e5, 15)), 6)
    126000.0
    """
    base = np.asarray(base_amount, dtype=np.float64)
    floor = _nonnegative("base_price", base_price)
    if np.any(np.isnan(base)) or not np.all(base >= floor):
        raise ValueError("base_amount must not be NaN or below base_price")
    volume = _nonnegative("eligible_volume", eligible_volume)
    term = _nonnegative("years", years)
    return np.asarray((base - floor) * volume * term, dtype=np.float64)


def sde_correction(
    eua: ArrayLike,
    avoided_per_unit: ArrayLike,
    displaced_per_unit: ArrayLike | None = None,
    prices: ArrayLike | None = None,
) -> FloatArray:
    """Correction amount per unit of output: the market value of what the technique yields.

    ``eua x avoided_per_unit + sum_c displaced_per_unit[c] x prices[c]``. CCS passes no
    displaced energy (its market value is the EUA on the CO2 it avoids); heat and hydrogen
    pass the energy and feedstock of today's route they displace (the gas of the boiler or of
    grey hydrogen) with their market prices.

    Parameters
    ----------
    eua : array_like
        EUA price of the year. [EUR/tCO2]
    avoided_per_unit : array_like
        Emissions avoided per unit of output. [tCO2/unit]
    displaced_per_unit : array_like, optional
        Carriers displaced per unit of output, last axis the carriers, non-negative.
        [carrier unit/unit]
    prices : array_like, optional
        Market prices of those carriers, last axis the carriers (broadcasts with
        ``displaced_per_unit``). [EUR/carrier unit]

    Returns
    -------
    numpy.ndarray
        Correction amount. [EUR/unit]

    Examples
    --------
    A gas boiler (1.11 GJ gas and 0.0622 tCO2 per GJ of heat) displaced by an e-boiler, gas at
    10 EUR/GJ and EUA at 80 EUR/t: 0.0622 x 80 + 1.11 x 10 = 16.076 EUR/GJ:

    >>> round(float(sde_correction(80.0, 0.0622, [1.11], [10.0])), 6)
    16.076
    """
    value = np.asarray(eua, dtype=np.float64) * np.asarray(avoided_per_unit, dtype=np.float64)
    if displaced_per_unit is None:
        return np.asarray(value, dtype=np.float64)
    if prices is None:
        raise ValueError("prices are needed with displaced_per_unit")
    displaced = _nonnegative("displaced_per_unit", displaced_per_unit)
    energy = np.sum(displaced * np.asarray(prices, dtype=np.float64), axis=-1)
    return np.asarray(value + energy, dtype=np.float64)


def sde_base_price(long_term_price: ArrayLike, share: ArrayLike) -> FloatArray:
    """Base price (basisprijs): a share of the long-term price expectation, floored at 0.

    ECN (SDE+ basisprijzen): the base price is computed as the correction amount is, with
    two thirds of the long-term expectation (the unweighted mean of the next 12 years) as the
    market index.

    Examples
    --------
    >>> round(float(sde_base_price(90.0, 2.0 / 3.0)), 9)
    60.0
    """
    ltp = np.asarray(long_term_price, dtype=np.float64)
    if np.any(np.isnan(ltp)):
        raise ValueError("long_term_price must not be NaN")
    return np.asarray(np.maximum(ltp, 0.0) * _nonnegative("share", share), dtype=np.float64)


def sde_base_amount(
    unprofitable_top: ArrayLike, expected_correction: ArrayLike, base_price: ArrayLike
) -> FloatArray:
    """The model's base amount of an application: expected top plus expected correction.

    ``max(unprofitable_top + expected_correction, base_price)``: the cost price of the
    technique per unit, so that the expected subsidy ``base - expected correction`` covers
    the unprofitable top; never below the base price (the scheme requires basisbedrag >=
    basisprijs).

    Examples
    --------
    >>> float(sde_base_amount(24.73, 250.0, 166.0))
    274.73
    """
    top = _nonnegative("unprofitable_top", unprofitable_top)
    floor = _nonnegative("base_price", base_price)
    return np.asarray(
        np.maximum(top + np.asarray(expected_correction, dtype=np.float64), floor),
        dtype=np.float64,
    )


def sde_intensity(
    base_amount: ArrayLike, long_term_price: ArrayLike, avoided_per_unit: ArrayLike
) -> FloatArray:
    """Subsidy intensity, the ranking score: ``(base - long-term price) / CO2 avoided``.

    Not below zero; ``inf`` where nothing is avoided. [EUR/tCO2]

    Examples
    --------
    >>> sde_intensity([274.73, 100.0], [250.0, 120.0], [1.0, 0.5])
    array([24.73,  0.  ])
    >>> float(sde_intensity(100.0, 50.0, 0.0))
    inf
    """
    base = np.asarray(base_amount, dtype=np.float64)
    ltp = np.asarray(long_term_price, dtype=np.float64)
    avoided = _nonnegative("avoided_per_unit", avoided_per_unit)
    with np.errstate(divide="ignore", invalid="ignore"):
        per_t = np.where(avoided > 0, np.maximum(base - ltp, 0.0) / avoided, np.inf)
    return np.asarray(per_t, dtype=np.float64)


def allocate_round(
    subsidy_per_t_co2: ArrayLike,
    requested_eur: ArrayLike,
    budget_eur: ArrayLike,
    max_per_t: ArrayLike | None = None,
) -> NDArray[np.bool_]:
    """Award an SDE++ round: cheapest subsidy per tonne first, within the budget.

    Rule: applications above ``max_per_t`` are ineligible. The rest are ranked by
    subsidy intensity ascending (ties: lower index first) and awarded in that
    order while the cumulative requested amount fits the budget. The first
    application that does not fit closes the round: it and every application
    ranked behind it are rejected, even smaller ones that would still fit (strict
    rank order, as SDE++ does). The last axis lists the applications; leading
    axes (scenario first) are independent rounds, each with its own budget. See
    :mod:`kruispunt.policy.grants`.

    Parameters
    ----------
    subsidy_per_t_co2 : array_like
        Subsidy intensity per application, shape ``(..., n)``; NaN raises.
        [EUR/tCO2]
    requested_eur : array_like
        Maximum subsidy over the contract (the budget claim), non-negative. [EUR]
    budget_eur : array_like
        Round budget per scenario, broadcasting against the leading axes. [EUR]
    max_per_t : array_like, optional
        Ceiling on the subsidy intensity per round (the highest phase of the
        round); broadcasts against the leading axes, like ``budget_eur``.
        Default: no ceiling. [EUR/tCO2]

    Returns
    -------
    numpy.ndarray of bool
        Awarded mask, shape ``leading + (n,)``.

    Examples
    --------
    Intensities 120, 60, 300 (ceiling 250) rank applications 1, 0; 3e8 + 5e8
    exceeds 7e8, so only application 1 is awarded:

    >>> allocate_round([120.0, 60.0, 300.0], [5e8, 3e8, 1e8], 7e8, max_per_t=250.0)
    array([False,  True, False])
    >>> allocate_round([120.0, 60.0, 300.0], [5e8, 3e8, 1e8], 8e8, max_per_t=250.0)
    array([ True,  True, False])
    """
    intensity = np.asarray(subsidy_per_t_co2, dtype=np.float64)
    eligible: NDArray[np.bool_] | None = None
    if max_per_t is not None:
        ceiling = np.asarray(max_per_t, dtype=np.float64)
        if np.any(np.isnan(ceiling)):
            raise ValueError("max_per_t must not be NaN")
        # One ceiling per round: shape of the leading axes, applied to the whole row.
        eligible = intensity <= ceiling[..., np.newaxis]
    return allocate_budget(
        intensity, requested_eur, budget_eur, higher_is_better=False, eligible=eligible
    )


def allocate_domains(
    intensity: ArrayLike,
    claim: ArrayLike,
    budget: ArrayLike,
    domain: ArrayLike,
    domain_budget: ArrayLike,
    max_per_t: ArrayLike,
    max_per_t_general: ArrayLike | None = None,
    eligible: ArrayLike | None = None,
) -> BoolArray:
    """Award a round with ring-fenced domains (hekjes): each domain's reserved budget first.

    For each domain ``d`` in turn, its applications (``domain == d``) up to ``max_per_t``
    are awarded in strict rank order (:func:`allocate_round`) within ``min(domain_budget[d],
    budget left)``. Then every application not yet awarded - of any domain, or of none - up
    to the general ceiling ``min(max_per_t, max_per_t_general)`` competes in strict rank order
    for what is left of ``budget``. A domain's reserved budget is a minimum for the domain:
    what it leaves unused returns to the round. The total awarded never exceeds ``budget``.

    Parameters
    ----------
    intensity : array_like
        Subsidy intensity, shape ``(..., n)``. [EUR/tCO2]
    claim : array_like
        Budget claim of each application, non-negative. [EUR]
    budget : array_like
        The round's total budget per leading index. [EUR]
    domain : array_like of int
        Domain of each application (``-1``: none), shape ``(..., n)``.
    domain_budget : array_like
        Reserved budget per domain, shape ``(..., D)``. [EUR]
    max_per_t : array_like
        Highest intensity within the domains (the last phase). [EUR/tCO2]
    max_per_t_general : array_like, optional
        Highest intensity outside the domains (default: ``max_per_t``). [EUR/tCO2]
    eligible : array_like of bool, optional
        Applications taking part (default: all).

    Returns
    -------
    numpy.ndarray of bool
        Awarded mask, shape ``(..., n)``.

    Examples
    --------
    Budget 10, ceilings 400 within the domain and 300 outside. Applications (intensity,
    claim, domain): (350, 3, 0), (100, 5, none), (200, 6, 0), (250, 2, none). Domain 0
    reserves 4: its best, 200, claims 6 > 4 and closes it; the general ranking (up to 300)
    takes 100 (5), then 200 (5 + 6 > 10) closes the round. Reserving 6 instead: the domain
    takes 200 (6), then 350 (6 + 3 > 6) closes it; 4 is left and 100 (5) does not fit:

    >>> allocate_domains([350.0, 100.0, 200.0, 250.0], [3.0, 5.0, 6.0, 2.0], 10.0,
    ...                  [0, -1, 0, -1], [4.0], 400.0, 300.0)
    array([False,  True, False, False])
    >>> allocate_domains([350.0, 100.0, 200.0, 250.0], [3.0, 5.0, 6.0, 2.0], 10.0,
    ...                  [0, -1, 0, -1], [6.0], 400.0, 300.0)
    array([False, False,  True, False])
    """
    score = np.asarray(intensity, dtype=np.float64)
    amounts = _nonnegative("claim", claim)
    score, amounts = np.broadcast_arrays(score, amounts)
    dom = np.broadcast_to(np.asarray(domain, dtype=np.int64), score.shape)
    ok = (
        np.ones(score.shape, dtype=np.bool_)
        if eligible is None
        else np.broadcast_to(np.asarray(eligible, dtype=np.bool_), score.shape)
    )
    lead = score.shape[:-1]
    left = np.array(np.broadcast_to(_nonnegative("budget", budget), lead), dtype=np.float64)
    reserved = _nonnegative("domain_budget", domain_budget)
    ceiling = np.broadcast_to(np.asarray(max_per_t, dtype=np.float64), lead)
    general = (
        ceiling
        if max_per_t_general is None
        else np.minimum(ceiling, np.asarray(max_per_t_general, dtype=np.float64))
    )
    won = np.zeros(score.shape, dtype=np.bool_)
    for d in range(reserved.shape[-1]):
        sel = ok & (dom == d) & (score <= ceiling[..., None])
        if not sel.any():
            continue
        pool = np.minimum(np.broadcast_to(reserved[..., d], lead), left)
        got = allocate_budget(score, amounts, pool, higher_is_better=False, eligible=sel)
        won |= got
        left = left - np.where(got, amounts, 0.0).sum(axis=-1)
    rest = ok & ~won & (score <= general[..., None])
    won |= allocate_budget(
        score, amounts, np.maximum(left, 0.0), higher_is_better=False, eligible=rest
    )
    return won


class Sde(SupportScheme):
    """SDE++ rounds: an operating subsidy for the unprofitable top of low-carbon options.

    In a year with a round, every plant whose best option becomes an SDE++ category's option
    with the subsidy applies, with the base amount that covers its expected unprofitable top
    (:func:`sde_base_amount`), the base price of its category's correction
    (:func:`sde_base_price`) and its subsidy intensity (:func:`sde_intensity`). The round is
    awarded by :func:`allocate_domains` (ring-fenced domains first, then the rest of the
    budget, each in strict rank order), every award claiming :func:`sde_budget_claim`. Awarded
    plants are paid :func:`sde_payment` of :func:`sde_subsidy_per_unit` on the year's
    correction amount (:func:`sde_correction`) from the start of the route, for the term, up
    to the volume awarded, while they run the route they were awarded for; so the payments
    never exceed the claims. Categories whose CCS tonnes exceed the year's CCS ceiling are
    not awarded (the ceiling was dropped in 2023).
    """

    name = "sde"
    parameters = (
        Parameter("budget", (SCENARIO, "year"), "EUR", "Round budget (0: no round).", 0.0),
        Parameter(
            "max_per_t",
            (SCENARIO, "year"),
            "EUR/tCO2",
            "Highest subsidy intensity of the round (its last phase; within the ring-fenced "
            "domains where the round has them).",
            0.0,
        ),
        Parameter(
            "max_per_t_general",
            (SCENARIO, "year"),
            "EUR/tCO2",
            "Highest subsidy intensity outside the ring-fenced domains (inf: max_per_t).",
            np.inf,
        ),
        Parameter(
            "domain_budget",
            (SCENARIO, len(DOMAINS), "year"),
            "EUR",
            "Budget reserved within the round for each ring-fenced domain (DOMAINS).",
            0.0,
        ),
        Parameter(
            "correction",
            (SCENARIO, "route"),
            "1",
            "Correction of each route (index into CORRECTIONS; 0: no SDE++ category); NaN: "
            "'carbon' for CCS routes, 'energy_carbon' for the other low-carbon routes.",
            np.nan,
        ),
        Parameter(
            "domain",
            (SCENARIO, "route"),
            "1",
            "Ring-fenced domain of each route (index into DOMAINS; -1: none).",
            -1.0,
        ),
        Parameter(
            "base_price_share",
            (SCENARIO,),
            "1",
            "Base price as a share of the long-term price expectation.",
            0.0,
        ),
        Parameter(
            "base_price_years",
            (SCENARIO,),
            "yr",
            "Years over which the long-term price is the unweighted mean.",
            12.0,
        ),
        Parameter(
            "ccs_ceiling",
            (SCENARIO, "year"),
            "tCO2/yr",
            "Ceiling on the CO2 avoided by running CCS contracts (inf: none).",
            np.inf,
        ),
        Parameter("duration", (SCENARIO,), "yr", "Subsidy duration.", 15.0),
        Parameter(
            "capture_needs_store",
            (SCENARIO,),
            "1/0",
            "Whether an option that captures more CO2 applies only if a store the plant may "
            "use can take it on from its start or within the realisation period "
            "(Evaluation.storage_from); 0: capture applies without one.",
            0.0,
        ),
        Parameter(
            "realisation_years",
            (SCENARIO,),
            "yr",
            "Realisation period: an awarded project must be in operation within this many "
            "years of its award, or the award lapses (0: it lapses if it does not start in "
            "its award year); the data package's period plus the ontheffing a held award "
            "gets (sde_pp.realisation_years + sde_pp.realisation_extension_years).",
            0.0,
        ),
    )
    flows = (Flow("sde_outlay", -1, "SDE++ subsidy paid."),)

    def __init__(self, ctx: Context) -> None:
        super().__init__(ctx)
        S, P = self.param("budget").shape[0], len(ctx.inputs.plants.product)
        given = self.param("correction")
        family = ctx.inputs.routes.family
        low_carbon = np.isin(family, [FAMILY[f] for f in LOW_CARBON_FAMILIES])
        derived = np.where(
            family == FAMILY["ccs"], CARBON, np.where(low_carbon, ENERGY_CARBON, NO_CATEGORY)
        )
        self.kind = np.where(np.isnan(given), derived[None, :], given).astype(np.int64)
        self.domain = np.round(self.param("domain")).astype(np.int64)
        self.correction: FloatArray | None = None
        """Correction amount of every route in every year ``(S, R, Ye)`` [EUR/product]
        (:meth:`_corrections`); None in a batch without a round."""
        if (self.param("budget") > 0).any():
            self.correction = self._corrections()
        self.base = np.zeros((S, P))
        self.floor = np.zeros((S, P))
        self.avoided = np.zeros((S, P))  # tCO2 the plant avoids per unit [tCO2/product]
        self.volume = np.zeros((S, P))  # eligible yearly production [product/yr]
        self.ccs = np.zeros((S, P), dtype=bool)
        self.route = np.full((S, P), -1, dtype=np.int64)
        self.start = np.zeros((S, P), dtype=np.int64)
        self.end = np.zeros((S, P), dtype=np.int64)
        self.claimed = np.zeros(S)
        """Sum of the budget claims of the contracts (awards whose project started) [EUR]:
        payments never exceed it."""
        self.realisation = np.round(self.param("realisation_years")).astype(np.int64)
        self.held = np.zeros((S, P), dtype=bool)
        """Awards whose project has not started yet, within their realisation period."""
        self.held_route = np.full((S, P), -1, dtype=np.int64)
        self.held_from = np.full((S, P), -1, dtype=np.int64)
        """Route the plant ran at its award: the award lapses if the plant leaves it."""
        self.held_until = np.zeros((S, P), dtype=np.int64)
        """Last year a held award's project may start (award year + realisation period)."""
        self.held_terms = {key: np.zeros((S, P)) for key in HELD_TERMS}
        self.committed = np.zeros(S)
        """Budget committed to held awards (their claims) [EUR]."""
        self.released = np.zeros(S)
        """Budget of awards that lapsed unstarted, released [EUR]."""
        self._new = np.zeros((S, P), dtype=bool)
        """This round's new awards (held if their project does not start this year)."""
        self._new_route = np.full((S, P), -1, dtype=np.int64)
        self._new_from = np.full((S, P), -1, dtype=np.int64)
        self._new_terms = {key: np.zeros((S, P)) for key in HELD_TERMS}
        self._year = 0
        self._routes: IntArray | None = None
        self._current = np.full((S, P), -1, dtype=np.int64)
        self._o: dict[str, FloatArray] = {}
        self._t = 0
        self._cum: FloatArray | None = None
        """Cumulative sum of :attr:`correction` over the horizon (the long-term prices)."""

    def _corrections(self) -> FloatArray:
        """:func:`sde_correction` of every route against its product's reference route (the
        first ``incumbent`` route of the product: the gas boiler, grey hydrogen's reformer),
        year by year: SDE++ sets the correction for a category's reference installation, not
        for each plant. Returns the correction ``(S, R, Ye)`` [EUR/product] (CCS: the EUA on
        the CO2 avoided; heat and hydrogen: also the energy and feedstock of the reference
        route the route no longer uses, at market prices; no category: 0)."""
        ctx = self.ctx
        routes = ctx.inputs.routes
        R = len(routes.family)
        ref = np.arange(R)
        for r in range(R):
            same = np.flatnonzero(
                (routes.product == routes.product[r]) & (routes.family == FAMILY["incumbent"])
            )
            ref[r] = same[0] if len(same) else r
        emitted = ctx.route.emitted  # (R, Ye)
        avoided = np.maximum(emitted[ref] - emitted, 0.0)
        eua = ctx.ext(ctx.inputs.markets.eua)[:, None, :]  # (S, 1, Ye)
        carbon = sde_correction(eua, avoided[None])
        inputs = ctx.route.inputs  # (R, C, Ye)
        displaced = np.maximum(inputs[ref] - inputs, 0.0)
        # the energy term of sde_correction, summed over the carriers as an einsum
        energy = np.einsum("rcy,scy->sry", displaced, ctx.ext(ctx.inputs.markets.price))
        kind = self.kind[..., None]
        value = np.where(
            kind == CARBON, carbon, np.where(kind == ENERGY_CARBON, carbon + energy, 0)
        )
        return np.asarray(value, dtype=np.float64)

    def paths(self) -> dict[str, FloatArray]:
        return {} if self.correction is None else {"correction": self.correction}

    def _settle(self, ev: Evaluation) -> None:
        """Before the year's round: last round's awards whose project did not start are held
        for the realisation period (their claims stay committed); held awards lapse, their
        claims released, when the project can no longer be in operation by the end of the
        period (decision year + the route's lead time after it) or the plant left the route
        it ran at the award (Besluit SDEK: the subsidy is granted for a production
        installation to be in operation within the period the Regeling sets per category;
        an award not realised in time is withdrawn and its budget falls free)."""
        if self._new.any():
            new = self._new
            self.held |= new
            self.held_route = np.where(new, self._new_route, self.held_route)
            self.held_from = np.where(new, self._new_from, self.held_from)
            self.held_until = np.where(new, self._year + self.realisation[:, None], self.held_until)
            for key in HELD_TERMS:
                self.held_terms[key] = np.where(new, self._new_terms[key], self.held_terms[key])
            self.committed = self.committed + np.where(new, self._new_terms["claim"], 0.0).sum(1)
            self._new = np.zeros_like(new)
        if not self.held.any():
            return
        lead = self.ctx.inputs.routes.lead_time.astype(np.int64)[np.maximum(self.held_route, 0)]
        lapse = self.held & ((ev.year + lead > self.held_until) | (ev.current != self.held_from))
        if lapse.any():
            claim = np.where(lapse, self.held_terms["claim"], 0.0).sum(axis=1)
            self.committed = self.committed - claim
            self.released = self.released + claim
            self.held &= ~lapse
            self.held_route = np.where(lapse, -1, self.held_route)

    def _held_offer(self, ev: Evaluation) -> tuple[BoolArray, FloatArray]:
        """The option of each held award ``(S, P, K)`` (its route, if still feasible) and the
        support its fixed terms give there [EUR/yr]: base amount and base price as awarded,
        the option's expected correction now, on the production up to the awarded volume."""
        at_k = self.held[..., None] & (ev.routes == self.held_route[..., None]) & ev.low_carbon
        support = np.zeros(at_k.shape)
        if at_k.any():
            at = np.nonzero(at_k)
            hp = (at[0], at[1])
            expected = expected_at(ev, self.name, "correction", at)
            base, floor = self.held_terms["base"][hp], self.held_terms["floor"][hp]
            per_unit = sde_subsidy_per_unit(base, expected, np.minimum(floor, base))
            volume = np.minimum(ev.production[at], self.held_terms["volume"][hp])
            support[at] = per_unit * volume * self._term_share(at[0], ev.routes[at])
        return at_k, support

    def _term_share(self, s: IntArray, route: IntArray) -> FloatArray:
        """Share of an option's valuation window a contract starting with it fills, for the
        options ``(s, route)`` (flat): the discounted value of the subsidy term over that of
        the route's life (:func:`kruispunt.policy.base.remaining_share` of the whole term);
        1 for a myopic plant and where the term covers the life."""
        inp = self.ctx.inputs
        life = np.maximum(np.round(inp.routes.lifetime[route]).astype(np.int64), 1)
        term = np.round(self.param("duration")).astype(np.int64)[s]
        rate = np.asarray(inp.finance.discount_rate, dtype=np.float64)[s]
        # one option per row: the term (as the years a new contract has left) and the life
        share = remaining_share(term[:, None], life[:, None], rate, inp.finance.myopic[s])[:, 0]
        return np.asarray(np.maximum(share, 1e-9), dtype=np.float64)

    def offer(self, ev: Evaluation) -> Offer | None:
        t = ev.t
        self._settle(ev)
        self._year = ev.year
        self._routes = ev.routes
        self._current = ev.current
        budget = self.param("budget")[:, t]
        if not (budget > 0).any() and not self.held.any():
            return None
        ctx = self.ctx
        S = budget.shape[0]
        shape = ev.value.shape
        routes = ev.routes
        rows = np.arange(S)[:, None, None]
        kind = self.kind[rows, routes]
        domain = self.domain[rows, routes]
        prod = ev.production
        # the candidates: low-carbon options of a category in a scenario with a round, of
        # plants that hold no award; every other option is not eligible (the terms below
        # are worked out on these only)
        fresh = (budget > 0)[:, None, None] & ~self.held[..., None]
        # an installation the plant already has (a retrofit that adds nothing) is no new
        # production installation: no SDE++ for it
        at = np.nonzero(ev.supportable & ev.installs & (kind != NO_CATEGORY) & fresh)
        needs_store = self.param("capture_needs_store") > 0.5  # (S,)
        if at[0].size and needs_store.any() and ev.storage_from is not None:
            # capture applies only with a store that can take its CO2 on from its start or
            # within the realisation period (as Porthos's customers applied on their
            # transport and storage contracts): else the award could only lapse
            years = ctx.inputs.coords.years
            lead = ctx.inputs.routes.lead_time.astype(np.int64)[routes[at]]
            own = years[np.minimum(t + lead, len(years) - 1)]
            latest = np.maximum(own, ev.year + self.realisation[at[0]])
            keep = ~needs_store[at[0]] | (ev.storage_from[at] <= latest)
            at = (at[0][keep], at[1][keep], at[2][keep])
        s = at[0]
        prod_c = prod[at]
        with np.errstate(divide="ignore", invalid="ignore"):
            avoided = np.where(prod_c > 0, np.maximum(ev.abated[at], 0.0) / prod_c, 0.0)
            top = np.where(prod_c > 0, ev.gap[at] / prod_c, 0.0)
        # the option's expected correction (as every valuation term: over its life from its
        # start) and the long-term price (its unweighted mean over the base-price years from
        # the start); the intensity divides by the CO2 the plant avoids against its route now
        assert self.correction is not None
        route_c = routes[at]
        lead = ctx.inputs.routes.lead_time.astype(np.int64)
        start = t + lead[route_c]
        years = np.round(self.param("base_price_years")).astype(np.int64)
        expected = expected_at(ev, self.name, "correction", at)
        long_term = self._long_term(s, route_c, start, years[s])
        floor = sde_base_price(long_term, self.param("base_price_share")[s])
        # the subsidy runs for the term, not the option's whole life: the base amount covers
        # the top over the life within the term (the share of the valuation window the
        # contract fills, as a running contract is valued: SupportScheme.kept_value)
        share = self._term_share(s, route_c)
        base = sde_base_amount(top / share, expected, floor)
        per_unit = sde_subsidy_per_unit(base, expected, floor)
        intensity = sde_intensity(base, long_term, avoided)
        ceiling = self.param("max_per_t")[s, t]
        general = np.minimum(ceiling, self.param("max_per_t_general")[s, t])
        ok = intensity <= np.where(domain[at] >= 0, ceiling, general)
        claim = sde_budget_claim(base, floor, prod_c, self.param("duration")[s])

        def dense(values: FloatArray, fill: float = 0.0) -> FloatArray:
            out = np.zeros(shape) if fill == 0.0 else np.full(shape, fill)  # zeros: untouched
            out[at] = values
            return out

        eligible = np.zeros(shape, dtype=bool)
        eligible[at] = ok
        self._o = {
            "base": dense(base),
            "floor": dense(floor),
            "avoided": dense(avoided),
            "kind": kind.astype(np.float64),
            "domain": domain.astype(np.float64),
            "claim": dense(claim),
            "volume": np.asarray(prod, dtype=np.float64),
        }
        self._t = t
        support = dense(np.where(ok, per_unit * prod_c * share, 0.0))
        score = dense(np.where(ok, intensity, np.inf), np.inf)
        held_k = None
        if self.held.any():
            # a held award needs no new round: its option carries the award's support, ranks
            # first and claims nothing more (its claim is committed); the plant takes it up
            # when it picks that option, even where the support is 0 now (Offer.held)
            held_k, held_support = self._held_offer(ev)
            eligible |= held_k
            support = np.where(held_k, held_support, support)
            score = np.where(held_k, 0.0, score)
        return Offer(
            support=support,
            eligible=eligible,
            score=score,
            claim=dense(np.where(ok, claim, 0.0)),
            budget=budget,
            held=held_k,
        )

    def _long_term(
        self, s: IntArray, route: IntArray, start: IntArray, years: IntArray
    ) -> FloatArray:
        """Unweighted mean of the correction at the options ``(s, route)`` (flat) over
        ``[start, start + years)`` in steps of the horizon (held at its last value beyond
        it); the cumulative sum over the horizon is kept for the batch."""
        path = self.correction
        assert path is not None
        if self._cum is None:
            self._cum = np.concatenate(
                [np.zeros((*path.shape[:-1], 1)), np.cumsum(path, axis=-1)], axis=-1
            )
        cum = self._cum
        n = path.shape[-1]
        a = np.minimum(start, n - 1)
        span = np.maximum(years, 1)
        b = np.minimum(a + span, n)
        total = cum[s, route, b] - cum[s, route, a]
        extra = (a + span) - b
        return np.asarray((total + extra * path[s, route, -1]) / span, dtype=np.float64)

    def _at(self, key: str, pick: IntArray) -> FloatArray:
        return np.take_along_axis(self._o[key], pick[..., None], -1)[..., 0]

    def allocate(
        self,
        score: FloatArray,
        claim: FloatArray,
        budget: FloatArray,
        applies: BoolArray,
        pick: IntArray,
    ) -> BoolArray:
        t = self._t
        domain = self._at("domain", pick).astype(np.int64)
        ok = applies.copy()
        ceiling = self.param("ccs_ceiling")[:, t]
        if np.isfinite(ceiling).any():
            # CCS tonnes: ranked by intensity, only those that fit the ceiling left may win
            ccs = applies & (self._at("kind", pick) == CARBON)
            year = int(self.ctx.inputs.coords.years[t])
            running = self.ccs & (self.end > year)
            room = ceiling - (self.avoided * self.volume * running).sum(axis=1)
            tonnes = self._at("avoided", pick) * self._at("volume", pick)
            fits = allocate_budget(
                score, tonnes, np.maximum(room, 0.0), higher_is_better=False, eligible=ccs
            )
            ok &= ~ccs | fits
        held = applies & self.held  # a held award's plant is eligible for its option only
        ok &= ~self.held
        if not ok.any():
            return held
        won = allocate_domains(
            score,
            np.where(ok, claim, 0.0),
            budget,
            domain,
            self.param("domain_budget")[:, :, t],
            self.param("max_per_t")[:, t],
            self.param("max_per_t_general")[:, t],
            eligible=ok,
        )
        # the new awards, held from next year if their project does not start this year
        assert self._routes is not None
        self._new = won
        self._new_route = np.where(
            won, np.take_along_axis(self._routes, pick[..., None], -1)[..., 0], -1
        )
        self._new_from = self._current
        for key in HELD_TERMS:
            self._new_terms[key] = np.where(won, self._at(key, pick), 0.0)
        return won | held

    def award(self, ev: Evaluation, won: BoolArray, pick: IntArray, start_year: IntArray) -> None:
        """Contracts for the awarded plants whose project starts: this round's new awards on
        the terms of their application, held awards on the terms they were awarded (their
        committed claim becomes the contract's)."""
        route = np.take_along_axis(ev.routes, pick[..., None], -1)[..., 0]
        held = won & self.held

        def term(key: str) -> FloatArray:
            new = self._at(key, pick) if self._o else np.zeros(won.shape)
            return np.asarray(np.where(held, self.held_terms[key], new), dtype=np.float64)

        kind = term("kind").astype(np.int64)
        self.base = np.where(won, term("base"), self.base)
        self.floor = np.where(won, term("floor"), self.floor)
        self.avoided = np.where(won, term("avoided"), self.avoided)
        self.volume = np.where(won, term("volume"), self.volume)
        self.ccs = np.where(won, kind == CARBON, self.ccs)
        self.route = np.where(won, route, self.route)
        self.start = np.where(won, start_year, self.start)
        duration = np.round(self.param("duration")).astype(np.int64)[:, None]
        self.end = np.where(won, start_year + duration, self.end)
        claim = term("claim")
        self.claimed = self.claimed + np.where(won, claim, 0.0).sum(axis=1)
        if held.any():
            self.committed = self.committed - np.where(held, claim, 0.0).sum(axis=1)
            self.held &= ~held
            self.held_route = np.where(held, -1, self.held_route)
        self._new &= ~won
        return None

    def _unit(self, i: int) -> FloatArray:
        """Each contract's subsidy per unit in year index ``i`` ``(S, P)`` [EUR/product]."""
        if self.correction is None:
            return np.zeros(self.base.shape)
        rows = np.arange(self.route.shape[0])[:, None]
        correction = self.correction[rows, np.maximum(self.route, 0), i]
        return sde_subsidy_per_unit(self.base, correction, self.floor)

    def _unit_at(self, i: int, at: tuple[IntArray, IntArray]) -> FloatArray:
        """:meth:`_unit` of the contracts at the plants ``at`` (scenario, plant indices)."""
        if self.correction is None:
            return np.zeros(len(at[0]))
        correction = self.correction[at[0], np.maximum(self.route[at], 0), i]
        return sde_subsidy_per_unit(self.base[at], correction, self.floor[at])

    def contract_value(self, t: int, route: IntArray, production: FloatArray) -> FloatArray | None:
        if not (self.route >= 0).any():
            return None
        volume = self.volume

        def paid(i: int, at: tuple[IntArray, IntArray]) -> FloatArray:
            return sde_payment(self._unit_at(i, at), production[at], volume[at])

        return self.kept_value(t, route, self.route, self.start, self.end, paid)

    def account(self, st: YearState) -> Booking:
        if not (self.route >= 0).any():
            return Booking()
        active = (self.start <= st.year) & (st.year < self.end) & (st.route == self.route)
        paid = sde_payment(self._unit(st.i) * active, st.activity, self.volume)
        return Booking(plant={"subsidies": paid}, gov={"sde_outlay": -paid})
