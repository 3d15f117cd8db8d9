"""Maatwerk money for a plant's committed project (issue 9 point 3): Tata Steel's Joint
Letter of Intent (29 Sep 2025, tatasteel_jloi_2025): up to EUR 2 bn for phase 1 (DRI plant and
EAF replacing blast furnace 7), paid 500 MEUR a year 2026-2029 (kruispunt_payment_profile),
status announced.

With the scenario applying announced events the money is blast furnace 7's: received as a
subsidy in its payment years, a government flow per plant (``committed_plant_outlay``) instead
of the national ``committed_outlay``, and in valuation the option of the committed route
(ng_dri_eaf, 40-year life, 7 %) carries what is still to be paid as a grant. Hand figure for
2027: 3 x 500 MEUR left x crf(7 %, 40) = 1.5e9 x 0.0750091 = 112.51 MEUR/yr.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from kruispunt.assemble import build_inputs
from kruispunt.catalogue import Catalogue
from kruispunt.explain import explain
from kruispunt.inputs import ModelInputs
from kruispunt.policy.committed import grant_per_unit
from kruispunt.scenarios import Scenario, resolve

BF7 = "tata_steel_ijmuiden/crude_steel/bf7"


@pytest.fixture(scope="module")
def announced() -> Scenario:
    base = resolve(["current-policy"])[0]
    return replace(
        base, name="announced", levers=base.levers.model_copy(update={"events": "announced"})
    )


@pytest.fixture(scope="module")
def inp(cat: Catalogue, announced: Scenario) -> ModelInputs:
    return build_inputs(cat, [resolve(["current-policy"])[0], announced])


def test_the_money_is_the_plants_in_its_payment_years(inp: ModelInputs) -> None:
    """Announced: 500 MEUR a year 2026-2029 to bf7, 2 bn in all, and as much less in the
    national flow; decided (current policy): nothing for bf7. The commitment's asset is booked
    net of the 2 bn."""
    plants = list(inp.coords.plants)
    p = plants.index(BF7)
    years = list(inp.coords.years)
    committed = inp.instruments["committed"]
    plant = np.asarray(committed["plant_outlay"])
    s_dec, s_ann = (
        inp.coords.scenarios.index("current-policy"),
        inp.coords.scenarios.index("announced"),
    )
    for y in (2026, 2027, 2028, 2029):
        assert plant[s_ann, p, years.index(y)] == pytest.approx(5e8)
    assert plant[s_ann, p].sum() == pytest.approx(2e9)
    assert plant[s_dec, p].sum() == 0.0
    outlay = np.asarray(committed["outlay"])
    # the national flow loses exactly the plant's money in those years (decided rows the same)
    diff = outlay[s_ann] - outlay[s_dec]
    announced_national = diff + plant[s_ann].sum(axis=0)
    assert (announced_national >= -1e-6).all()
    assert inp.levers.commit_grant[s_ann, p] == pytest.approx(2e9)
    assert inp.levers.commit_grant[s_dec, p] == 0.0


def test_grant_in_the_valuation_of_the_committed_route(cat: Catalogue, announced: Scenario) -> None:
    """In 2027 the committed route's option carries 1.5 bn x crf(7 %, 40) = 112.51 MEUR/yr;
    no other option carries anything."""
    crf = 0.07 / (1 - 1.07**-40)
    assert 1.5e9 * crf / 1e6 == pytest.approx(112.5137, rel=1e-5)
    assert float(grant_per_unit(1.5e9, 0.07, 40, 1.0)) == pytest.approx(1.5e9 * crf)
    ex = explain("tata_steel_ijmuiden", announced, 2027, catalogue=cat)
    rows = ex.options[ex.options["plant"] == BF7].set_index("route")
    assert rows.loc["ng_dri_eaf", "committed"] == pytest.approx(1.5e9 * crf, rel=1e-4)  # EUR/yr
    others = rows.drop(index="ng_dri_eaf")["committed"]
    assert (others.abs() < 1e-9).all()
