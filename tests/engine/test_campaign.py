"""Campaigns (``events.csv`` kind ``campaign``): a plant whose asset was renewed for a campaign
that ends in a year starts no other route before that year; it may still close.

Toy plant (:func:`kruispunt.testing.toy_inputs`, 1 Mt/yr, EUA 100 EUR/t, gas_ccs a retrofit
of gas adding 50 EUR/(t/yr), as in ``test_retrofit.py``): gas_ccs (126.87 EUR/t) beats
staying on gas (200 EUR/t) at once, so the free plant moves in 2025.

Real case: Tata Steel IJmuiden's blast furnace 6, relined Apr 2023 - Feb 2024 'for the last
time' to run 'to about 2035' (anp_tata_bf6_2023), 'in 2035 the newly relined blast furnace
and another coke plant follow' (anp_tata_bf_2024); phase 1 of the Green Steel plan (the JLoI
of 29 Sep 2025) replaces BF7 and coke plant 2 only.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from kruispunt.assemble import build_inputs
from kruispunt.catalogue import Catalogue
from kruispunt.engine.context import BatchContext
from kruispunt.engine.simulate import simulate
from kruispunt.engine.valuation import Valuation
from kruispunt.explain import explain
from kruispunt.inputs import ModelInputs
from kruispunt.policy.registry import INSTRUMENTS
from kruispunt.scenarios import resolve
from kruispunt.testing import TOY_YEARS, toy_inputs

GAS, ELEC, CCS = 0, 1, 3
ADD = 50.0
SITE = "tata_steel_ijmuiden/crude_steel"
BF6, BF7 = f"{SITE}/bf6", f"{SITE}/bf7"


def _toy(hold: int, lead_time: int = 0) -> ModelInputs:
    inp = toy_inputs(ccs=True, capex_ccs=800.0, eua=100.0, lead_time=lead_time)
    R, Y = len(inp.coords.routes), len(TOY_YEARS)
    pair = np.full((R, R), -1, dtype=np.int64)
    pair[CCS, GAS] = 0
    routes = replace(inp.routes, retrofit_pair=pair, retrofit_capex=np.full((1, Y), ADD))
    levers = replace(inp.levers, hold_year=np.full((1, 1), hold, dtype=np.int64))
    return replace(inp, routes=routes, levers=levers)


def _path(inp: ModelInputs) -> list[str]:
    ds = simulate(inp).dataset
    return [str(r) for r in ds["route"].values[ds["route_index"].values[0, 0]]]


def test_a_plant_on_a_campaign_switches_in_its_end_year() -> None:
    """Free, the plant takes the retrofit in 2025; on a campaign ending in 2030 it runs gas
    until 2029 and gas_ccs from 2030, the first year the campaign allows."""
    free = _path(_toy(hold=0))
    assert free[0] == "gas_ccs"
    held = _path(_toy(hold=2030))
    years = list(TOY_YEARS)
    assert set(held[: years.index(2030)]) == {"gas"}
    assert held[years.index(2030)] == "gas_ccs"


def test_a_campaign_counts_the_start_year_after_the_lead_time() -> None:
    """With a 3-year lead time a switch decided in 2027 starts in 2030, the campaign's end:
    allowed; the plant runs gas_ccs from 2030 (not 2028, as it would free)."""
    free = _path(_toy(hold=0, lead_time=3))
    assert free.index("gas_ccs") == 3  # decided 2025, runs 2028
    held = _path(_toy(hold=2030, lead_time=3))
    assert held.index("gas_ccs") == list(TOY_YEARS).index(2030)


def feasible_by_route(inp: ModelInputs, year: int) -> dict[int, bool]:
    """Whether each route is a feasible option of the toy plant on gas in ``year``."""
    ctx = BatchContext(inp, tuple(INSTRUMENTS))
    v = Valuation(ctx, [cls(ctx) for cls in INSTRUMENTS])
    cur = np.full((1, 1), GAS, dtype=np.int64)
    ok = v.feasible(list(TOY_YEARS).index(year), cur)[0, 0]
    return {int(r): bool(f) for r, f in zip(v.opt[0], ok, strict=True)}


def test_feasible_under_a_campaign() -> None:
    """Before the campaign's end: the current route and closure only; from it: every option."""
    inp = _toy(hold=2030)
    closure = list(inp.coords.routes).index("widget_closure")
    before, at = feasible_by_route(inp, 2029), feasible_by_route(inp, 2030)
    assert before[GAS] and before[closure]
    assert not before[CCS] and not before[ELEC]
    assert at[GAS] and at[closure] and at[CCS] and at[ELEC]


def test_campaign_event_sets_the_hold_for_bf6_only(cat: Catalogue) -> None:
    """The decided campaign of BF6 (2035) holds BF6 in every scenario that applies events,
    and no other plant; with ``events: none`` nothing is held."""
    base = resolve(["current-policy"])[0]
    none = replace(base, name="none", levers=base.levers.model_copy(update={"events": "none"}))
    inp = build_inputs(cat, [base, none])
    plants = list(inp.coords.plants)
    hold = inp.levers.hold_year
    assert hold[0, plants.index(BF6)] == 2035
    assert np.count_nonzero(hold[0]) == 1
    assert not hold[1].any()


@pytest.fixture(scope="module")
def tata_history(cat: Catalogue) -> dict[str, list[tuple[int, str]]]:
    inp = build_inputs(cat, resolve(["current-policy"]))
    ds = simulate(inp).dataset.isel(scenario=0)
    plants = [str(p) for p in ds["plant"].values]
    out = {}
    for unit in (BF6, BF7):
        p = plants.index(unit)
        names = ds["route"].values[ds["route_index"].values[p]]
        out[unit] = [(int(y), str(r)) for y, r in zip(ds["year"].values, names, strict=True)]
    return out


def _first_switch(path: list[tuple[int, str]]) -> tuple[int, str]:
    return next((y, r) for y, r in path if r != "bf_bof")


def test_tata_follows_the_announced_phase_sequence(
    tata_history: dict[str, list[tuple[int, str]]],
) -> None:
    """Current policy against Tata's announced sequence: phase 1 (BF7, a gas DRI plant and an
    EAF, 'as soon as 2030', steeltimes_tata_2024) first; BF6 'around 2035' (phase 2). The
    model's BF7 starts gas DRI in 2031 (Noordzeekanaalgebied grid from 2031); BF6 runs on its
    blast furnace until 2034 and moves no earlier than 2035, after BF7."""
    y7, r7 = _first_switch(tata_history[BF7])
    y6, _ = _first_switch(tata_history[BF6])
    assert r7.startswith("ng_dri_eaf")
    assert 2030 <= y7 <= 2031
    assert y6 >= 2035
    assert y6 > y7


def test_tata_adds_capture_to_its_gas_dri_only_after_it_runs(
    tata_history: dict[str, list[tuple[int, str]]], cat: Catalogue
) -> None:
    """The JLoI's order (29 Sep 2025, tatasteel_jloi_2025): the DRP and EAF start on natural
    gas (-5.4 Mt), CCS on the DRP comes afterwards (-0.6 Mt), then biomethane or hydrogen.
    Capture on the gas DRI plant (ng_dri_eaf_hp_capture) is reached only by retrofitting a
    running gas DRI plant (route parameter retrofit_only): both blast furnaces go to gas DRI
    first, and capture starts no earlier than the year after the DRI plant starts plus the
    retrofit's lead time, nor before the North Sea Canal area reaches Aramis (2031,
    infrastructure.csv; Aramis not before the end of 2030, energeia_aramis_2025). Current
    policy: BF7 gas DRI 2031 (grid relief), capture from 2035 (decided 2031, 4-year lead
    time); BF6 gas DRI 2035 (end of its campaign), capture from 2039. Until session 8 both
    took gas DRI and capture in one step (BF7 2031, BF6 2035)."""
    infra = cat.infrastructure
    aramis = int(
        infra[
            (infra["cluster_id"] == "noordzeekanaalgebied")
            & (infra["kind"] == "co2_storage")
            & (infra["parameter"] == "access_year")
        ]["value"].iloc[0]
    )
    assert aramis == 2031
    lead = int(cat.route_parameters.set_index(["route_id", "parameter"]).loc[
        ("ng_dri_eaf_hp_capture", "lead_time"), "value"
    ])  # fmt: skip
    starts = {}
    for unit in (BF7, BF6):
        path = tata_history[unit]
        y_dri, r_dri = _first_switch(path)
        assert r_dri == "ng_dri_eaf"  # gas DRI without capture first
        y_cap = next(y for y, r in path if r == "ng_dri_eaf_hp_capture")
        assert y_cap >= max(aramis, y_dri + lead)
        assert all(r == "ng_dri_eaf" for y, r in path if y_dri <= y < y_cap)
        starts[unit] = (y_dri, y_cap)
    assert starts == {BF7: (2031, 2035), BF6: (2035, 2039)}


def test_explain_names_the_campaign(cat: Catalogue) -> None:
    """In 2027 (a start in 2031 with the 4-year lead time) every route but BF6's own and
    closure is 'not possible: runs its campaign until 2035'."""
    ex = explain("tata_steel_ijmuiden", resolve(["current-policy"])[0], 2027, catalogue=cat)
    rows = ex.options[ex.options["plant"] == BF6].set_index("route")
    assert rows.loc["ng_dri_eaf_hp_capture", "reason"].startswith(
        "not possible: runs its campaign until 2035"
    )
    assert not rows.loc["ng_dri_eaf_hp_capture", "feasible"]
    assert rows.loc["crude_steel_closure", "feasible"]
    assert rows.loc["bf_bof", "feasible"]
    # BF7, free of a campaign: capture on a gas DRI plant only once it runs (JLoI order)
    rows = ex.options[ex.options["plant"] == BF7].set_index("route")
    assert rows.loc["ng_dri_eaf_hp_capture", "reason"] == (
        "not possible: only added to a running ng_dri_eaf (retrofit)"
    )
    assert bool(rows.loc["ng_dri_eaf", "chosen"])
