"""The SDE++ realisation window: an award refused grid room keeps its award for the window.

The scheme (Besluit SDEK; RVO "Realiseren SDE++", 24 Nov 2020): an awarded project must be in
operation within the realisation period (realisatietermijn) of its category, or the award is
withdrawn and its budget falls free; the budget is committed at the award (the claim, RVO
"Berekening SDE++"). The model's period: ``sde_pp.realisation_years`` (4, an assumption:
``assumption_sde_realisation_years``).

Toy (``kruispunt.testing.toy_inputs``), as ``test_toy.test_sde_round_awards_in_rank_order...``:
EUA 150, gas 10 EUR/GJ, product 260 EUR/t; the e-boiler route costs 274.73 EUR/t, its top
against staying (250 EUR/t) is 24.73 EUR/t; flat correction 150 + 100 = 250 EUR/t, base amount
274.73, base price 2/3 x 250 = 166.67, claim (274.73 - 166.67) x 1 Mt x 15 = 1.62 bn. A myopic
plant, so the whole subsidy counts in its valuation. Its electric load is 1e6 x 10.8 / 3.6 /
8760 = 342.5 MW of new grid load.
"""

from __future__ import annotations

from dataclasses import replace
from typing import ClassVar

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kruispunt.engine.simulate import simulate
from kruispunt.inputs import ModelInputs
from kruispunt.policy.base import Evaluation, Offer
from kruispunt.policy.registry import INSTRUMENTS
from kruispunt.policy.sde import Sde
from kruispunt.results import Results
from kruispunt.testing import TOY_YEARS, toy_inputs
from kruispunt.vocabulary import REASON_CODE

CRF = 0.1 * 1.1**20 / (1.1**20 - 1)
ELEC_FULL = 216.0 + 500.0 * CRF  # 274.73 EUR/t
TOP = ELEC_FULL - 250.0  # 24.73 EUR/t
FLOOR = 2.0 / 3.0 * 250.0
CLAIM = (ELEC_FULL - FLOOR) * 1.0e6 * 15
YEARS = [int(y) for y in TOY_YEARS]


class Recorded(Sde):
    """The SDE++ scheme, recording its ledger at each year's offer (after the held awards are
    settled): year -> (committed, released, claimed, held)."""

    ledgers: ClassVar[list[dict[int, tuple[float, float, float, bool]]]] = []

    def offer(self, ev: Evaluation) -> Offer | None:
        out = super().offer(ev)
        if not self.ledgers or ev.t == 0:
            self.ledgers.append({})
        self.ledgers[-1][ev.year] = (
            float(self.committed[0]),
            float(self.released[0]),
            float(self.claimed[0]),
            bool(self.held[0].any()),
        )
        return out


RECORDED = tuple(Recorded if c is Sde else c for c in INSTRUMENTS)


def _toy(
    realisation: float,
    grid_from: int | None,
    budget: dict[int, float],
    elec_price: object = 20.0,
) -> ModelInputs:
    inp = toy_inputs(
        eua=150.0,
        elec_price=elec_price,
        product_price=260.0,
        sde_budget={**{y: 0.0 for y in YEARS}, **budget},
        sde_max=400.0,
        instruments={
            "sde": {
                "base_price_share": np.array([2.0 / 3.0]),
                "base_price_years": np.array([12.0]),
                "realisation_years": np.array([realisation]),
            }
        },
    )
    cap = inp.pools.capacity.copy()
    relief = 10_000 if grid_from is None else grid_from
    cap[:, 0] = np.where(TOY_YEARS >= relief, 400.0, 0.0)[None, :]
    return replace(inp, pools=replace(inp.pools, capacity=cap))


def _run(inp: ModelInputs) -> tuple[Results, dict[int, tuple[float, float, float, bool]]]:
    Recorded.ledgers.clear()
    res = simulate(inp, instruments=RECORDED)
    return res, Recorded.ledgers[-1]


def _route(res: Results) -> list[str]:
    ds = res.dataset
    return [str(ds["route"].values[i]) for i in ds["route_index"].values[0, 0]]


def test_award_refused_room_starts_when_the_grid_comes_and_is_paid() -> None:
    """Awarded in 2025, refused grid room in 2025 and 2026 (0 MW), room from 2027 (400 MW >
    342.5): the held award starts in 2027 on its 2025 terms and is paid 24.73 EUR/t x 1 Mt a
    year for 15 years (2027-2041). Its claim stays committed in 2026-2027 and becomes the
    contract's in 2027; nothing is released."""
    res, ledger = _run(_toy(4.0, 2027, {2025: CLAIM * (1 + 1e-6)}))
    names = _route(res)
    assert names[: YEARS.index(2027)] == ["gas", "gas"]
    assert set(names[YEARS.index(2027) : YEARS.index(2027) + 20]) == {"elec"}
    reason = res.dataset["switch_reason"].values[0, 0]
    assert reason[0] == reason[1] == REASON_CODE["waiting_for_infrastructure"]
    outlay = -res.dataset["gov_cash_flow"].sel(flow="sde_outlay").values[0]
    assert (outlay[:2] == 0.0).all()
    np.testing.assert_allclose(outlay[2:17], TOP * 1.0e6, rtol=1e-6)
    assert (outlay[17:] == 0.0).all()
    assert ledger[2026] == pytest.approx((CLAIM, 0.0, 0.0, True), rel=1e-6)
    committed, released, claimed, held = ledger[2028]
    assert (committed, released, held) == (pytest.approx(0.0, abs=1e-3), 0.0, False)
    assert claimed == pytest.approx(CLAIM, rel=1e-6)
    assert outlay.sum() <= claimed


def test_a_held_award_is_taken_up_when_the_plant_builds_its_project_unaided() -> None:
    """Awarded in 2025, refused grid room in 2025-2026; from 2027 power costs 15 EUR/GJ
    instead of 20, so the e-boiler (10.8 x 15 + 58.73 = 220.73 EUR/t) beats gas (250) without
    support. The plant builds what it was awarded for within the realisation period, so the
    award is its contract (Besluit SDEK: the subsidy is granted for the installation in
    operation in time): paid on its 2025 terms, base 274.73 less the correction 250 (power is
    no part of it) = 24.73 EUR/t x 1 Mt a year for 15 years (2027-2041), its claim the
    contract's, nothing released. Before, an award whose support did not decide the switch
    lapsed when the plant left the route it held the award on (2 plants under current policy:
    Cargill Botlek and Evos Europoort)."""
    cheaper = {2025: 20.0, 2026: 20.0, 2027: 15.0, 2050: 15.0}
    res, ledger = _run(_toy(4.0, 2027, {2025: CLAIM * (1 + 1e-6)}, elec_price=cheaper))
    names = _route(res)
    assert names[: YEARS.index(2027)] == ["gas", "gas"]
    assert set(names[YEARS.index(2027) :]) == {"elec"}
    outlay = -res.dataset["gov_cash_flow"].sel(flow="sde_outlay").values[0]
    assert (outlay[:2] == 0.0).all()
    np.testing.assert_allclose(outlay[2:17], TOP * 1.0e6, rtol=1e-6)
    assert (outlay[17:] == 0.0).all()
    committed, released, claimed, held = ledger[2028]
    assert (committed, released, held) == (pytest.approx(0.0, abs=1e-3), 0.0, False)
    assert claimed == pytest.approx(CLAIM, rel=1e-6)


def test_without_a_window_the_award_lapses_at_once() -> None:
    """The same plant with a realisation period of 0 (the model before the window): the award
    lapses when the plant is refused room in 2025; the grid in 2027 finds no award (no round
    after 2025) and the plant stays on gas. The claim is released in 2026."""
    res, ledger = _run(_toy(0.0, 2027, {2025: CLAIM * (1 + 1e-6)}))
    assert set(_route(res)) == {"gas"}
    assert res.dataset["gov_cash_flow"].sel(flow="sde_outlay").values.sum() == 0.0
    assert ledger[2026] == pytest.approx((0.0, CLAIM, 0.0, False), rel=1e-6)


def test_award_lapses_after_the_window_and_its_budget_is_released() -> None:
    """No grid room ever: the 2025 award is held through 2029 (2025 + 4; the e-boiler has no
    lead time, so it could still start in 2029) and lapses at the 2030 round: its claim of
    1.62 bn is released and nothing is paid."""
    res, ledger = _run(_toy(4.0, None, {2025: CLAIM * (1 + 1e-6)}))
    assert set(_route(res)) == {"gas"}
    assert res.dataset["gov_cash_flow"].sel(flow="sde_outlay").values.sum() == 0.0
    for year in range(2026, 2030):
        assert ledger[year] == pytest.approx((CLAIM, 0.0, 0.0, True), rel=1e-6)
    assert ledger[2030] == pytest.approx((0.0, CLAIM, 0.0, False), rel=1e-6)
    assert ledger[2040] == ledger[2030]


def test_a_lead_time_shortens_the_window() -> None:
    """With 3 years' construction the project must be decided by 2029 - 3 = 2026 to be in
    operation by the end of the window; grid room is asked for the start year, and the grid
    has room from 2030 only. Decided in 2025 or 2026 (start 2028, 2029) it is refused; the
    award lapses at the 2027 round (2027 + 3 > 2029) and the plant stays on gas. With a
    5-year window (to 2030) it is decided in 2027 and runs from 2030."""

    def run(window: float) -> tuple[Results, dict[int, tuple[float, float, float, bool]]]:
        inp = _toy(window, 2030, {2025: CLAIM * (1 + 1e-6)})
        lead = inp.routes.lead_time.copy()
        lead[1] = 3
        return _run(replace(inp, routes=replace(inp.routes, lead_time=lead)))

    res, ledger = run(4.0)
    assert set(_route(res)) == {"gas"}
    assert ledger[2026][3] is True
    assert ledger[2027] == pytest.approx((0.0, CLAIM, 0.0, False), rel=1e-6)
    res, ledger = run(5.0)
    names = _route(res)
    assert names.index("elec") == YEARS.index(2030)
    assert ledger[2028][2] == pytest.approx(CLAIM, rel=1e-6)


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    derandomize=True,
)
@given(
    caps=st.lists(st.sampled_from([0.5e6, 1.0e6, 2.0e6]), min_size=3, max_size=3),
    grid=st.lists(st.sampled_from([0.0, 400.0, 900.0, 2000.0]), min_size=6, max_size=6),
    budgets=st.lists(st.sampled_from([0.0, 1.0e9, 2.0e9, 5.0e9]), min_size=3, max_size=3),
    window=st.integers(0, 5),
)
def test_commitments_never_exceed_the_budgets(
    caps: list[float], grid: list[float], budgets: list[float], window: int
) -> None:
    """Whatever the grid's room and the rounds' budgets: in every year the claims of the
    contracts, of the held awards and of the lapsed ones together never exceed the budgets of
    the rounds so far (every claim was awarded within its round's budget and a held award
    claims nothing more), and the payments never exceed the contracts' claims."""
    rounds = dict(zip((2025, 2026, 2028), budgets, strict=True))
    inp = toy_inputs(
        n_plants=3,
        capacity=np.array(caps),
        eua=150.0,
        product_price=260.0,
        sde_budget={
            **{y: 0.0 for y in YEARS},
            2025: budgets[0],
            2026: budgets[1],
            2028: budgets[2],
        },
        sde_max=400.0,
        instruments={
            "sde": {
                "base_price_share": np.array([2.0 / 3.0]),
                "base_price_years": np.array([12.0]),
                "realisation_years": np.array([float(window)]),
            }
        },
    )
    cap = inp.pools.capacity.copy()
    cap[:, 0] = np.repeat(np.array(grid), [1, 1, 1, 1, 1, len(YEARS) - 5])[None, :]
    res, ledger = _run(replace(inp, pools=replace(inp.pools, capacity=cap)))
    for year, (committed, released, claimed, _) in ledger.items():
        spent = sum(b for y, b in rounds.items() if y < year)
        assert committed >= -1e-3 and released >= 0.0
        assert committed + released + claimed <= spent * (1 + 1e-9) + 1e-3
    outlay = -res.dataset["gov_cash_flow"].sel(flow="sde_outlay").values[0]
    assert outlay.sum() <= max(c for _, _, c, _ in ledger.values()) * (1 + 1e-9) + 1e-3


def test_a_contract_keeps_the_plant_on_its_route_when_the_term_is_shorter_than_the_life() -> None:
    """A plant that looks ahead (not myopic) values the subsidy for the term only (15 of the
    e-boiler's 20 years), as it values a running contract
    (:func:`~kruispunt.policy.base.remaining_share`): the base amount covers the 24.73
    EUR/t top over the life within the term, top / share with share = (1 - 1.1^-15) /
    (1 - 1.1^-20) = 0.8935. Paid (274.73 - 250) / 0.8935 = 27.68 EUR/t for 15 years, and
    the plant stays on the e-boiler (before, the round counted the subsidy for the whole
    life, so a started contract was worth less than at the award and two hybrid boilers
    went back to gas in the year they started)."""
    d = 1 / 1.1
    share = (1 - d**15) / (1 - d**20)
    inp = _toy(4.0, 2025, {2025: 1e12})
    inp = replace(inp, finance=replace(inp.finance, myopic=np.array([False])))
    res, ledger = _run(inp)
    names = _route(res)
    assert set(names[:20]) == {"elec"}
    outlay = -res.dataset["gov_cash_flow"].sel(flow="sde_outlay").values[0]
    np.testing.assert_allclose(outlay[:15], TOP / share * 1.0e6, rtol=1e-6)
    assert (outlay[15:] == 0.0).all()
    claim = (250.0 + TOP / share - FLOOR) * 1.0e6 * 15
    assert ledger[2026][2] == pytest.approx(claim, rel=1e-6)


def _ccs_toy(store_from: int | None, needs_store: float = 1.0) -> ModelInputs:
    """A plant whose capture route (``gas_ccs``) is just short of staying on gas at EUA 50
    (150.7 against 150 EUR/t), with one SDE++ round in 2025 and a store of 5 Mt/yr from
    ``store_from`` (None: never); capture needs a store to apply (``capture_needs_store``,
    the data package's 1) unless ``needs_store`` is 0."""
    inp = toy_inputs(
        ccs=True,
        eua=50.0,
        earliest_elec=2100,
        product_price=200.0,
        sde_budget={**{y: 0.0 for y in YEARS}, 2025: 5.0e9},
        sde_max=400.0,
        instruments={
            "sde": {
                "base_price_share": np.array([2.0 / 3.0]),
                "base_price_years": np.array([12.0]),
                "realisation_years": np.array([4.0]),
                "capture_needs_store": np.array([needs_store]),
            }
        },
    )
    cap = inp.pools.capacity.copy()
    cap[:, 1] = np.where(TOY_YEARS >= (store_from or 10_000), 5.0e6, 0.0)[None, :]
    return replace(inp, pools=replace(inp.pools, capacity=cap))


def test_capture_with_a_store_in_the_window_is_awarded_and_waits_for_it() -> None:
    """The store opens in 2028, within the 2025 award's window (to 2029): the award is held
    while the plant waits for the store and the project runs from 2028 with its contract."""
    res, ledger = _run(_ccs_toy(2028))
    names = _route(res)
    assert names.index("gas_ccs") == YEARS.index(2028)
    reason = res.dataset["switch_reason"].values[0, 0]
    assert (reason[:3] == REASON_CODE["waiting_for_infrastructure"]).all()
    assert ledger[2026][3] is True  # held
    assert res.dataset["gov_cash_flow"].sel(flow="sde_outlay").values.sum() < 0.0


@pytest.mark.parametrize("store_from", [2032, None])
def test_capture_without_a_store_in_the_window_is_not_awarded(store_from: int | None) -> None:
    """A store from 2032 (after the window, 2029) or none: capture does not apply, as an
    applicant without a transport and storage contract for its years does not (Porthos's
    customers applied on theirs). No award is held and none lapses: nothing is committed or
    released, nothing paid. Before, the award was made, held for the window and released."""
    res, ledger = _run(_ccs_toy(store_from))
    assert set(_route(res)) == {"gas"}
    assert all(v == (0.0, 0.0, 0.0, False) for v in ledger.values())
    assert res.dataset["gov_cash_flow"].sel(flow="sde_outlay").values.sum() == 0.0


def test_without_the_condition_the_award_is_held_and_lapses() -> None:
    """``capture_needs_store`` 0 (the model before the condition): the store from 2032 does
    not stop the 2025 award; it is held through the window (to 2029), lapses at the 2030
    round and its claim is released; the plant stays on gas and nothing is paid."""
    res, ledger = _run(_ccs_toy(2032, needs_store=0.0))
    assert set(_route(res)) == {"gas"}
    committed, released, claimed, held = ledger[2026]
    assert held and committed > 0.0 and released == 0.0 and claimed == 0.0
    assert ledger[2030][:2] == (0.0, committed)
    assert res.dataset["gov_cash_flow"].sel(flow="sde_outlay").values.sum() == 0.0
