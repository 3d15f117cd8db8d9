"""The Porthos SDE++ award paid by the SDE++ rule (support-trace).

Sources: the award (SDE++ 2020 round, Kamerbrief 8 Jun 2021; porthosco2.nl 9 Jun 2021,
porthosco2_sde_reservation_2021): at most EUR 2.1 bn over 15 years, 2.5 Mt CO2/yr, for Air
Liquide, Air Products, ExxonMobil and Shell; "De overheid betaalt jaarlijks alleen het
daadwerkelijke verschil tussen ETS en de kostprijs van CCS ... Komt de ETS-prijs boven de
kosten voor CCS, dan stopt de subsidie." The cost, taken as the base amount: about 80 EUR/t
(Havenbedrijf Rotterdam in de Volkskrant 2022, volkskrant_porthos_2022). The rule: subsidy =
basisbedrag - max(correctiebedrag, basisprijs) (Besluit SDEK; RVO "Berekening SDE++"); for CCS
the correctiebedrag is the EUA (the minister, 8 Feb 2021).

Hand figures, euro of 2021: base price = 80 - 2,100 M / (2.5 Mt x 15 yr) = 80 - 56 = 24 EUR/t;
in euro of 2025 (deflator 2021 -> 2025 = 1.218402...): 97.47 and 29.24 EUR/t. The award pays
from Porthos's first full year, 2027 (injection aimed for autumn 2026, porthos_wells_2026).
Central EUA 2027 86.56 EUR2025/t: 97.47 - 86.56 = 10.91 EUR/t on the CO2 the four parties
capture; central EUA 2029 112.90 and 2030 138.17 > 97.47: nothing.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from tests.policy.conftest import one_plant_year

import kruispunt
from kruispunt.assemble import build_inputs
from kruispunt.catalogue import Catalogue
from kruispunt.engine.context import BatchContext
from kruispunt.policy.committed import CommittedSupport, committed_sde_payment
from kruispunt.scenarios import Scenario, resolve
from kruispunt.testing import TOY_YEARS, toy_inputs

PARTIES = (
    "air_liquide_botlek/hydrogen/smr2",
    "air_products_botlekweg/hydrogen",
    "esso_botlek/refinery_throughput",
    "shell_pernis/refinery_throughput",
)


def test_payment_by_hand() -> None:
    """EUR of 2021: base 80, base price 24, 2 Mt captured of 2.5 Mt eligible. EUA 50: 30 EUR/t,
    60 MEUR; EUA 10: floored at the base price, 56 EUR/t (the award's maximum per tonne,
    2.1 bn / 37.5 Mt); EUA 90: nothing. 3 Mt captured: paid on 2.5 Mt, pro rata."""
    base, floor = [[80.0, 80.0]], [[24.0, 24.0]]
    award, vol = [[0, 0]], [[2.5e6, 2.5e6]]
    two = [[1.5e6, 0.5e6]]
    assert committed_sde_payment(base, floor, [[50.0]], two, award, vol).sum() == pytest.approx(
        60e6
    )
    assert committed_sde_payment(base, floor, [[10.0]], two, award, vol).sum() == pytest.approx(
        56.0 * 2e6
    )
    assert committed_sde_payment(base, floor, [[90.0]], two, award, vol).sum() == 0.0
    three = committed_sde_payment(base, floor, [[50.0]], [[2e6, 1e6]], award, vol)
    assert three[0] == pytest.approx([30.0 * 2.5e6 * 2 / 3, 30.0 * 2.5e6 / 3])
    # a plant of no award is paid nothing, whatever it captures
    none = committed_sde_payment(base, floor, [[50.0]], two, [[-1, 0]], vol)
    assert none[0] == pytest.approx([0.0, 30.0 * 0.5e6])


def test_porthos_paid_by_the_rule(cat: Catalogue) -> None:
    """Central prices: nothing in 2026, before Porthos; 2027 pays (97.47 - EUA) per tonne the
    four parties capture (ExxonMobil's refinery among them since its 2027 capture is an
    event), received by them as a subsidy; from 2029 the EUA is above the base amount and
    nothing is paid; no payment after the 15-year term (2042). Low prices (EUA 70-85): it pays
    every year of the term, never more than the 2.1 bn maximum."""
    res = kruispunt.run(["current-policy"], catalogue=cat).dataset.isel(scenario=0)
    cpi = cat.deflators.set_index("year")["value"]
    d = cpi[2025] / cpi[2021]
    base = 80.0 * d
    floor = (80.0 - 2.1e9 / (2.5e6 * 15)) * d
    assert floor == pytest.approx(24.0 * d)
    plants = list(res.plant.values)
    idx = [plants.index(p) for p in PARTIES]
    gov = -res["gov_cash_flow"].sel(flow="committed_sde_outlay")
    inp = build_inputs(cat, resolve(["current-policy"]))
    years = list(inp.coords.years)
    assert float(gov.sel(year=2026)) == 0.0
    e2027 = float(inp.markets.eua[0, years.index(2027)])
    captured = res["captured_co2"].sel(year=2027).values[idx]
    assert captured.sum() > 1e6
    expected = max(base - max(e2027, floor), 0.0) * captured.sum()
    assert float(gov.sel(year=2027)) == pytest.approx(expected, rel=1e-9)
    assert expected == pytest.approx((97.47 - 86.56) * captured.sum(), rel=1e-3)
    for y in (2030, 2035, 2040, 2041, 2042, 2050):
        assert float(inp.markets.eua[0, years.index(y)]) > base
        assert float(gov.sel(year=y)) == 0.0
    # the parties receive it: their subsidies include it in 2027
    assert res["subsidies"].sel(year=2027).values[idx].sum() >= expected * (1 - 1e-9)


def test_porthos_low_prices_pays_the_term_only(cat: Catalogue) -> None:
    """Low price set (EUA 70.0 in 2027 rising to 85.35 from 2033, below the 97.47 base amount):
    the award pays over its term, 2027-2041, nothing before Porthos (2026) and nothing from
    2042; the total stays below the maximum."""
    base_sc = resolve(["current-policy"])[0]
    low = base_sc.levers.model_copy(update={"price_set": "low"})
    sc = Scenario(name="low", levers=low, chain=base_sc.chain, origin="x")
    res = kruispunt.run([sc], catalogue=cat).dataset.isel(scenario=0)
    gov = -res["gov_cash_flow"].sel(flow="committed_sde_outlay").to_series()
    assert gov.loc[2026] == 0
    assert (gov.loc[2027:2041] > 0).all()
    assert (gov.loc[2042:] == 0).all()
    cpi = cat.deflators.set_index("year")["value"]
    assert gov.sum() < 2.1e9 * cpi[2025] / cpi[2021]
    assert np.isfinite(gov.to_numpy()).all()


def test_award_pays_the_granted_installation_only(cat: Catalogue) -> None:
    """A party is paid on at most what its committed capture route captures at the year's
    output (the installation the award was granted for): in high-ambition at low prices, 2040,
    the payment is (97.47 - EUA) x sum over the parties of min(captured, emission factor x
    capture rate of the committed route x output)."""
    base_sc = resolve(["high-ambition"])[0]
    low = base_sc.levers.model_copy(update={"price_set": "low"})
    sc = Scenario(name="low", levers=low, chain=base_sc.chain, origin="x")
    res = kruispunt.run([sc], catalogue=cat).dataset.isel(scenario=0)
    inp = build_inputs(cat, [sc])
    years = list(inp.coords.years)
    i = years.index(2040)
    plants = list(res.plant.values)
    idx = [plants.index(p) for p in PARTIES]
    commit = inp.levers.commit_route[0, idx]
    routes = inp.routes
    per_unit = routes.emission_factor[commit, i] * routes.capture_rate[commit, i]
    captured = res["captured_co2"].sel(year=2040).values[idx]
    granted = np.minimum(captured, per_unit * res["production"].sel(year=2040).values[idx])
    cpi = cat.deflators.set_index("year")["value"]
    base = 80.0 * cpi[2025] / cpi[2021]
    per_t = base - float(inp.markets.eua[0, i])
    assert per_t > 0
    paid = -float(res["gov_cash_flow"].sel(flow="committed_sde_outlay", year=2040))
    assert paid == pytest.approx(per_t * granted.sum(), rel=1e-9)
    # the cap is exercised: in 2040 ExxonMobil's refinery runs post-combustion capture (from
    # 2034 here), capturing beyond its committed hydrogen-units route, and is paid on the
    # committed route's capture only
    assert granted.sum() < captured.sum() * (1 - 1e-6)


def test_the_committed_awards_are_read_from_events(cat: Catalogue) -> None:
    """The Porthos award and the prefix of its terms come from events.csv (column sde_terms
    on the award's rows), no longer from a mapping in the code; the nine default runs are
    bit-identical to those of the code mapping (compare.py, this change alone)."""
    from kruispunt.assemble.instruments import committed_sde_awards

    events = cat.tables["events"]
    assert committed_sde_awards(events) == {"porthos_sde_2020": "sde_pp.porthos"}
    rows = events[events["event_id"] == "porthos_sde_2020"]
    assert (rows["sde_terms"] == "sde_pp.porthos").all()
    assert events.loc[events["event_id"] != "porthos_sde_2020", "sde_terms"].isna().all()


def test_an_award_with_two_prefixes_is_refused() -> None:
    """One prefix per award: a second one on the same event names the file, row and field."""
    import pandas as pd

    from kruispunt.assemble.instruments import committed_sde_awards
    from kruispunt.errors import KruispuntError

    events = pd.DataFrame(
        {"event_id": ["p", "p"], "sde_terms": ["sde_pp.a", "sde_pp.b"]}, index=[0, 1]
    )
    with pytest.raises(KruispuntError, match=r"events\.csv: event 'p', field sde_terms"):
        committed_sde_awards(events)


def test_maatwerk_and_award_add_up_for_one_plant() -> None:
    """A toy plant (EUA 80) with 5 MEUR of maatwerk money in 2026 that is also a party to an
    award (base 90, base price 30 EUR/t, 2025-2040, 1 Mt eligible) and stores 0.5 Mt: it
    receives 5 MEUR + (90 - 80) x 0.5 Mt = 10 MEUR of subsidy, booked as 5 MEUR of
    committed_plant_outlay and 5 MEUR of committed_sde_outlay."""
    outlay = np.zeros((1, 1, len(TOY_YEARS)))
    outlay[0, 0, 1] = 5e6
    given = {
        "plant_outlay": outlay,
        **{
            k: np.full((1, 1), v)
            for k, v in (
                ("sde_award", 0.0),
                ("sde_base", 90.0),
                ("sde_floor", 30.0),
                ("sde_start", 2025.0),
                ("sde_end", 2040.0),
                ("sde_volume", 1e6),
            )
        },
    }
    inp = toy_inputs(eua=80.0, instruments={"committed": given})
    assert (inp.levers.commit_route < 0).all()  # no committed route: paid on what it stores
    committed = CommittedSupport(BatchContext(inp, (CommittedSupport,)))
    record = replace(one_plant_year(1, 0, 1e6, 1e6), stored=np.full((1, 1), 0.5e6))
    booking = committed.account(record)
    assert float(booking.plant["subsidies"][0, 0]) == pytest.approx(10e6)
    assert float(booking.gov["committed_plant_outlay"][0, 0]) == pytest.approx(-5e6)
    assert float(booking.gov["committed_sde_outlay"][0, 0]) == pytest.approx(-5e6)
