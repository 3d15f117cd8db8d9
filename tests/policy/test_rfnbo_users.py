"""What the RFNBO obligation costs its users.

Each obligated installation owes the obligation's share of its own hydrogen use (Wet
jaarverplichting hernieuwbare brandstoffen van niet-biologische oorsprong in de industrie, as
Dentons and World Law Group describe the bill: per installation above 0.1 kt a year, a share
of its annual use, tradable units; users not yet on the hydrogen network have a temporary
exemption). It pays the year's premium on the units it owes beyond the renewable hydrogen it
took itself; the units the year's supply cannot give are paid at the cap, to the state.
Hand-computed cases of the two functions, the exemption in a run, the option values' term,
and the money balance is in ``tests/policy/test_clearing.py``.
"""

from __future__ import annotations

import numpy as np
import pytest

import kruispunt
from kruispunt.catalogue import Catalogue
from kruispunt.engine.context import BatchContext
from kruispunt.engine.valuation import OptionView
from kruispunt.inputs import ModelInputs
from kruispunt.policy.mandates import RfnboMandate, obligation_cost, shortfall_paid
from kruispunt.scenarios import Scenario, resolve


def test_obligation_cost_hand_computed() -> None:
    """At the 9,000 EUR/t cap: an ammonia line making 661,920.9 t NH3 at 0.178 t H2/t owes 4 %
    of its 117,821.9 t of hydrogen, 4,712.9 t, and pays 42.42 MEUR; one that took 6,000 t
    itself, more than it owes, sells the 1,287.1 t over (a negative cost); at a premium of 0
    nobody pays."""
    owed = np.array([[0.04 * 661_920.9 * 0.178, 0.04 * 661_920.9 * 0.178]])
    took = np.array([[0.0, 6_000.0]])
    got = obligation_cost([9_000.0], owed, took)
    assert owed[0, 0] == pytest.approx(4_712.88, abs=0.01)
    assert got[0, 0] == pytest.approx(42_415_900.0, rel=1e-5)
    assert got[0, 1] == pytest.approx(-9_000.0 * (6_000.0 - 4_712.88), abs=100.0)
    assert (obligation_cost([0.0], owed, took) == 0.0).all()


def test_shortfall_paid_hand_computed() -> None:
    """16,832.5 t required in 2030, 9,930.3 t taken by users, nothing sold by plants: 6,902.2 t
    short at 9,000 EUR/t, 62.12 MEUR; nothing when the supply covers the requirement."""
    got = shortfall_paid(
        [9_000.0, 6_000.0], [16_832.5, 16_832.5], [0.0, 7_000.0], [9_930.3, 9_832.5]
    )
    assert got[0] == pytest.approx(9_000.0 * 6_902.2)
    assert got[1] == 0.0


@pytest.mark.parametrize(
    ("premium", "owed", "took"),
    [
        ([np.nan], [[1.0]], [[0.0]]),
        ([-1.0], [[1.0]], [[0.0]]),
        ([1.0], [[-1.0]], [[0.0]]),
        ([1.0], [[1.0]], [[np.nan]]),
        ([1.0, 2.0], [[1.0]], [[0.0]]),
    ],
)
def test_obligation_cost_refuses_bad_input(premium: list, owed: list, took: list) -> None:
    with pytest.raises(ValueError, match=r"premium|owed"):
        obligation_cost(premium, owed, took)


def test_a_user_off_the_hydrogen_network_owes_nothing(cat: Catalogue) -> None:
    """Current policy with the cap at half its 9,000 EUR/t, below the users' own need for
    renewable hydrogen taken in part (6,656.85 EUR/t in 2030), so they take none and pay the
    cap on all they owe (at the data's cap they take what they owe and pay no premium, Dec
    2026): Chemelot is on the hydrogen network from 2033 (infrastructure.csv), so OCI's two
    ammonia lines owe nothing in 2030-2032 and pay from 2033; Yara Sluiskil (connected from
    2030) pays from 2030. Nobody pays before 2030 (no share before it is sourced)."""
    (base,) = resolve(["current-policy"], cat.path)
    demand = base.levers.demand.model_copy(update={"rfnbo_shortfall_cap_scale": 0.5})
    lv = base.levers.model_copy(update={"name": "half-cap", "demand": demand})
    half = Scenario(name="half-cap", levers=lv, chain=base.chain, origin="test")
    ds = kruispunt.run([half], catalogue=cat).dataset
    cost = ds["obligation_cost"].isel(scenario=0)
    oci = cost.sel(plant="chemelot/ammonia/oci_afa2")
    yara = cost.sel(plant="yara_sluiskil/ammonia/ammonia_e")
    assert (oci.sel(year=slice(2030, 2032)) == 0.0).all()
    assert oci.sel(year=2033) > 0.0
    assert yara.sel(year=2030) > 0.0
    assert (cost.sel(year=slice(2025, 2029)) == 0.0).all()
    took = ds["hydrogen_bought"].isel(scenario=0).sel(year=2030)
    assert float(took.sum()) == 0.0


def test_an_option_expects_the_premium_on_what_it_owes(inp: ModelInputs) -> None:
    """The term of the option values: the units owed per unit of output over the option's
    window times the latest round's premium, 0 for a plant whose cluster is not on the
    hydrogen network within the round's lookahead (the exemption). An ammonia route owing
    4 % of 0.178 t H2 per t NH3 at 9,000 EUR/t: 64.08 EUR/t NH3 at Yara Sluiskil (connected
    2030) in the decision year 2027 (index 2), 0 at Chemelot (2033) in 2027 and 64.08 in
    2030; nothing before any round has cleared a premium."""
    market = RfnboMandate(BatchContext(inp, (RfnboMandate,)))
    plants = list(inp.coords.plants)
    yara = plants.index("yara_sluiskil/ammonia/ammonia_e")
    oci = plants.index("chemelot/ammonia/oci_afa2")
    route = inp.plants.incumbent[[yara, oci]][None].astype(np.int64)
    owed = np.full((1, 2), 0.04 * 0.178)
    view = OptionView(2, route, np.ones((1, 2)), plants=np.array([yara, oci]))
    assert market.unit_cost({"owed": owed}, view) == 0.0
    market.expect = np.array([9_000.0])
    got = np.asarray(market.unit_cost({"owed": owed}, view))
    assert got[0].tolist() == pytest.approx([64.08, 0.0])
    later = OptionView(5, route, np.ones((1, 2)), plants=np.array([yara, oci]))
    assert np.asarray(market.unit_cost({"owed": owed}, later))[0].tolist() == pytest.approx(
        [64.08, 64.08]
    )
