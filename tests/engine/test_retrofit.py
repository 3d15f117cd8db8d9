"""Retrofit routes (``route_retrofits.csv``): a route that adds a unit to the running plant of
another route (capture, compression, electric drives) keeps that plant's asset and pays the
added capex only.

Toy plant (:func:`kruispunt.testing.toy_inputs`, 1 Mt/yr, 10 %, 20-yr lives, myopic, EUA 100
EUR/t): gas 10 GJ gas/t x 10 EUR/GJ + 1 tCO2/t x 100 = 200 EUR/t; gas_ccs 11 GJ x 10 + 0.11
tCO2/t x 100 = 121 EUR/t; elec 10.8 GJ x 20 = 216 EUR/t. With gas_ccs as a new plant (800
EUR/(t/yr)) it costs 121 + 800 x 0.117460 = 214.97 EUR/t, more than staying; as a retrofit of
gas adding 50 EUR/(t/yr) it costs 121 + 50 x 0.117460 = 126.87 EUR/t.

Real case: Tata Steel IJmuiden and the State, Joint Letter of Intent of 29 Sep 2025
(tatasteel_jloi_2025): a gas DRI plant and an EAF replace BF7 from about 2030, capture on the
DRI plant later. The compression of the DRI plant's CO2-removal stream adds MIDDEN TC0480's
17.3 EUR2020/(tCO2/yr) x 0.294 tCO2/t = 5.086 EUR2020/(t/yr) to the running plant.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import numpy as np
import pytest

from kruispunt.assemble import build_inputs
from kruispunt.catalogue import Catalogue
from kruispunt.engine.context import BatchContext
from kruispunt.engine.simulate import YearView, run_batch, simulate
from kruispunt.engine.state import PlantState
from kruispunt.engine.valuation import Valuation, retrofit_capex
from kruispunt.explain import explain
from kruispunt.inputs import ModelInputs
from kruispunt.policy.registry import INSTRUMENTS
from kruispunt.scenarios import resolve
from kruispunt.testing import TOY_YEARS, toy_inputs

CRF = 0.1 * 1.1**20 / (1.1**20 - 1)  # 0.117459...
CAP = 1.0e6
ADD = 50.0
"""Added capex of the toy retrofit [EUR/(t/yr)]."""
GAS, ELEC, CCS = 0, 1, 3
BF7 = "tata_steel_ijmuiden/crude_steel/bf7"


def _toy(
    retrofit: bool = True, reinvestment: int = 2040, all_minus_one: bool = False
) -> ModelInputs:
    inp = toy_inputs(ccs=True, capex_ccs=800.0, eua=100.0)
    R, Y = len(inp.coords.routes), len(TOY_YEARS)
    plants = replace(inp.plants, reinvestment_year=np.array([reinvestment], dtype=np.int64))
    if not retrofit:
        return replace(inp, plants=plants)
    pair = np.full((R, R), -1, dtype=np.int64)
    if not all_minus_one:
        pair[CCS, GAS] = 0
    routes = replace(inp.routes, retrofit_pair=pair, retrofit_capex=np.full((1, Y), ADD))
    return replace(inp, routes=routes, plants=plants)


def _values(inp: ModelInputs, book: float) -> dict[str, np.ndarray]:
    ctx = BatchContext(inp, tuple(INSTRUMENTS))
    v = Valuation(ctx, [cls(ctx) for cls in INSTRUMENTS])
    st = PlantState.initial(inp)
    st.asset_capex = np.full_like(st.asset_capex, book)
    ov = v.option_values(0, st, breakdown=True)
    k = {int(r): j for j, r in enumerate(v.opt[0])}
    return {
        name: np.array([ov.terms[name][0, 0, k[r]] for r in (GAS, ELEC, CCS)])
        for name in ("capital", "writeoff")
    } | {"value": np.array([ov.value[0, 0, k[r]] for r in (GAS, ELEC, CCS)])}


def test_retrofit_option_pays_the_added_capex_and_writes_nothing_off() -> None:
    """A plant on gas with a 400 MEUR asset on its books in 2025 (age 0): the retrofit to
    gas_ccs pays 50 x 0.117460 x 1 Mt = 5.873 MEUR/yr and writes nothing off; the full
    switch to elec pays 500 x 0.117460 = 58.73 MEUR/yr and writes off 400 x 0.117460 = 46.98
    MEUR/yr. Without the retrofit row gas_ccs pays 800 x 0.117460 = 93.97 MEUR/yr plus the
    write-off. Value of gas_ccs over staying: (200 - 121) x 1 Mt - 5.873 = 73.13 MEUR/yr
    (retrofit), 79 - 93.97 - 46.98 = -61.95 MEUR/yr (new plant)."""
    book = 400.0 * CAP
    r = _values(_toy(), book)
    assert r["capital"][2] == pytest.approx(ADD * CRF * CAP, rel=1e-12)
    assert r["writeoff"][2] == 0.0
    assert r["capital"][1] == pytest.approx(500.0 * CRF * CAP, rel=1e-12)
    assert r["writeoff"][1] == pytest.approx(book * CRF, rel=1e-12)
    assert r["value"][2] - r["value"][0] == pytest.approx(79.0e6 - ADD * CRF * CAP, abs=10.0)
    full = _values(_toy(retrofit=False), book)
    assert full["capital"][2] == pytest.approx(800.0 * CRF * CAP, rel=1e-12)
    assert full["writeoff"][2] == pytest.approx(book * CRF, rel=1e-12)
    assert full["value"][2] - full["value"][0] == pytest.approx(
        79.0e6 - 800.0 * CRF * CAP - book * CRF, abs=10.0
    )
    # the other options are the same with or without the row
    assert np.array_equal(r["value"][:2], full["value"][:2])


def test_retrofit_at_a_due_renewal_pays_the_base_renewal_too() -> None:
    """Where the asset's renewal falls due by the retrofit's start, the retrofit renews the
    base as staying would and adds its unit: capex_renewal(gas) + 50; here the toy gas
    route's renewal costs 300 EUR/(t/yr), so 350."""
    inp = _toy(reinvestment=2025)
    renewal = inp.routes.capex_renewal.copy()
    renewal[GAS] = 300.0
    inp = replace(inp, routes=replace(inp.routes, capex_renewal=renewal))
    paid = retrofit_capex(
        inp.routes, np.array([GAS, GAS, ELEC]), np.array([CCS, CCS, CCS]), 0,
        np.array([True, False, True]),
    )  # fmt: skip
    assert paid is not None
    assert paid[:2].tolist() == [350.0, ADD]
    assert np.isnan(paid[2])  # elec -> gas_ccs is no retrofit
    assert retrofit_capex(toy_inputs(ccs=True).routes, np.array([GAS]), np.array([CCS]), 0,
                          np.array([False])) is None  # fmt: skip


def test_plant_takes_the_retrofit_when_it_pays() -> None:
    """At 214.97 EUR/t as a new plant gas_ccs loses to staying (200 EUR/t); as a retrofit
    (126.87 EUR/t) it wins at once: the plant moves in 2025 and spends 50 EUR/(t/yr) x 1
    Mt/yr = 50 MEUR, the added capex only (not 800 MEUR)."""
    full = simulate(_toy(retrofit=False)).dataset
    names = full["route"].values[full["route_index"].values[0, 0]]
    assert set(names.tolist()) == {"gas"}
    ds = simulate(_toy()).dataset
    names = ds["route"].values[ds["route_index"].values[0, 0]]
    assert names[0] == "gas_ccs"
    assert ds["capex"].values[0, 0, 0] == pytest.approx(ADD * CAP)
    assert ds["direct_emissions"].values[0, 0, 1] == pytest.approx(0.11 * CAP)


def test_state_after_a_retrofit_keeps_the_asset() -> None:
    """After the 2025 retrofit the plant keeps its asset: vintage 2025 (the initial asset's),
    renewal 2040 (its reinvestment year, not 2025 + 20), book value 0 + 50 MEUR; in 2040 it
    renews gas_ccs. A full switch (no row) resets the renewal to 2045. With a due renewal
    (reinvestment 2025) the retrofit renews the asset: renewal 2045."""
    seen: dict[str, list[tuple[int, int, float]]] = {}

    def watch(key: str) -> Callable[[YearView], None]:
        def observe(view: YearView) -> None:
            st = view.state
            seen.setdefault(key, []).append(
                (int(st.renewal[0, 0]), int(st.asset_start[0, 0]), float(st.asset_capex[0, 0]))
            )

        return observe

    run_batch(_toy(), observer=watch("retrofit"))
    renewal, start, capex = seen["retrofit"][1]  # the state seen in 2026
    assert (renewal, start, capex) == (2040, 2025, ADD * CAP)
    # the 2040 renewal is paid and moves the renewal on by the route's life
    assert seen["retrofit"][2041 - 2025][:2] == (2060, 2040)
    inp = _toy(retrofit=False)
    inp = replace(inp, routes=replace(inp.routes, capex=inp.routes.capex * 0.1))  # 80: it pays
    run_batch(inp, observer=watch("full"))
    assert seen["full"][1][:2] == (2045, 2025)
    run_batch(_toy(reinvestment=2025), observer=watch("due"))
    assert seen["due"][1][:2] == (2045, 2025)


def _only(inp: ModelInputs, base: int) -> ModelInputs:
    """The toy with gas_ccs reached only by retrofitting a running ``base`` plant."""
    R, Y = len(inp.coords.routes), len(TOY_YEARS)
    pair = np.full((R, R), -1, dtype=np.int64)
    pair[CCS, base] = 0
    only = np.zeros(R, dtype=bool)
    only[CCS] = True
    routes = replace(
        inp.routes, retrofit_pair=pair, retrofit_capex=np.full((1, Y), ADD), retrofit_only=only
    )
    return replace(inp, routes=routes)


def test_a_retrofit_only_route_starts_only_from_its_base() -> None:
    """gas_ccs built new for 80 EUR/(t/yr) (the toy's 800 x 0.1) costs 121 + 80 x 0.117460 =
    130.40 EUR/t against 200 on gas: the gas plant moves in 2025. Declared reached only by
    retrofitting a running elec plant, it is closed to the gas plant, which stays on gas
    (elec at 216 EUR/t does not pay); declared on gas, the gas plant takes it as before."""
    base = _toy(retrofit=False)
    cheap = replace(base, routes=replace(base.routes, capex=base.routes.capex * 0.1))
    names = simulate(cheap).dataset["route"].values
    moved = names[simulate(cheap).dataset["route_index"].values[0, 0]]
    assert moved[0] == "gas_ccs"
    ds = simulate(_only(cheap, ELEC)).dataset
    assert set(names[ds["route_index"].values[0, 0]].tolist()) == {"gas"}
    ds = simulate(_only(cheap, GAS)).dataset
    assert names[ds["route_index"].values[0, 0]][0] == "gas_ccs"
    assert ds["capex"].values[0, 0, 0] == pytest.approx(ADD * CAP)  # the retrofit's capex


def test_no_retrofit_pair_changes_nothing() -> None:
    """A pair table with no pair (every entry -1) gives the bits of no table at all."""
    a = simulate(_toy(retrofit=False)).dataset
    b = simulate(_toy(all_minus_one=True)).dataset
    for name in ("route_index", "capex", "direct_emissions", "switch_reason"):
        assert np.array_equal(a[name].values, b[name].values)


def test_real_retrofit_pairs(cat: Catalogue, inp: ModelInputs) -> None:
    """The data package's pairs reach the inputs in EUR2025: gas DRI + compression of its
    CO2-removal stream adds TC0480 17.3 EUR2020/(tCO2/yr) x 0.294 tCO2/t = 5.086 EUR2020 x
    CPI 100 / 79.9169 = 6.364 EUR2025/(t/yr) per t of DRI steel, x 0.730479 (the share not
    melted from scrap, derived_dri_scrap_charge) = 4.649 per t of output; the cracker's
    post-combustion capture, TC0262 30 EUR2019/(t HVC/yr). Every pair is a route of the same
    product."""
    rt = inp.routes
    assert rt.retrofit_pair is not None and rt.retrofit_capex is not None
    r = {name: i for i, name in enumerate(inp.coords.routes)}
    row = rt.retrofit_pair[r["ng_dri_eaf_hp_capture"], r["ng_dri_eaf"]]
    assert row >= 0
    # the compressor serves the DRI part only: 73.0479 % of the output (30 % scrap charge)
    assert rt.retrofit_capex[row, 0] == pytest.approx(
        5.086 * (1 - 0.269521) * 100.0 / 79.9169, rel=1e-4
    )
    assert rt.retrofit_pair[r["ng_dri_eaf"], r["ng_dri_eaf_hp_capture"]] == -1
    assert rt.retrofit_pair[r["cracker_ccs_postcomb"], r["naphtha_steam_cracker"]] >= 0
    # hydrogen in the hydrogen-ready gas DRI shaft (Tata JLoI's later step): MPP gives both
    # the same greenfield capex, so the switch adds nothing and writes nothing off
    for base_route in ("ng_dri_eaf", "ng_dri_eaf_hp_capture"):
        row = rt.retrofit_pair[r["h2_dri_eaf"], r[base_route]]
        assert row >= 0 and np.all(rt.retrofit_capex[row] == 0.0)
    # post-combustion capture added to Shell Pernis's Porthos + HH1 configuration
    row = rt.retrofit_pair[r["refinery_ccs_postcomb_hh1"], r["refinery_ccs_h2units_green_h2"]]
    assert rt.retrofit_capex[row, 0] == pytest.approx(
        rt.retrofit_capex[
            rt.retrofit_pair[r["refinery_ccs_postcomb"], r["refinery_ccs_h2units"]], 0
        ]
    )
    new, base = np.nonzero(rt.retrofit_pair >= 0)
    assert np.array_equal(rt.product[new], rt.product[base])
    assert len(new) == len(cat.route_retrofits.groupby(["route_id", "retrofit_of"]))


def test_tata_bf7_adds_capture_to_its_committed_gas_dri(cat: Catalogue) -> None:
    """With the announced events BF7 starts gas DRI + EAF in 2030 (JLoI, committed project);
    in 2030 compressing the DRI plant's CO2-removal stream is a retrofit: capital 5.086
    EUR2020/(t/yr) x 0.730479 (the DRI part; 30 % scrap charge) x 100/79.9169 (CPI) x BF7's
    capacity x crf(7 %, 40), no write-off, while every option that is not a retrofit of
    ng_dri_eaf writes off the plant just built (hydrogen in the same shaft furnace is one,
    adding nothing).
    BF7 takes it: running from 2034 (lead time 4)."""
    base = resolve(["current-policy"])[0]
    announced = replace(
        base, name="announced", levers=base.levers.model_copy(update={"events": "announced"})
    )
    ex = explain("tata_steel_ijmuiden", announced, 2030, catalogue=cat)
    rows = ex.options[ex.options["plant"] == BF7].set_index("route")
    inp = build_inputs(cat, [announced])
    cap = float(inp.plants.capacity[list(inp.coords.plants).index(BF7)])
    crf = 0.07 / (1 - 1.07**-40)
    hand = 5.086 * (1 - 0.269521) * 100.0 / 79.9169 * cap * crf  # the DRI part's compressor
    assert -rows.loc["ng_dri_eaf_hp_capture", "capital"] == pytest.approx(hand, rel=1e-4)
    assert rows.loc["ng_dri_eaf_hp_capture", "writeoff"] == 0.0
    assert rows.loc["ng_dri_eaf_ccs", "writeoff"] == 0.0  # a retrofit too
    assert rows.loc["h2_dri_eaf", "writeoff"] == 0.0  # hydrogen in the same shaft: too
    assert rows.loc["h2_dri_eaf", "capital"] == 0.0  # MPP: the same capex as gas DRI
    # the DRI-EAF just built (566 EUR2020/(t/yr) with its 30 % scrap melt) is written off
    assert (rows.loc[["bf_bof_ccs", "hbi_import_eaf"], "writeoff"] < -5e7).all()
    assert bool(rows.loc["ng_dri_eaf_hp_capture", "chosen"])
    hist = ex.history[ex.history["plant"] == BF7].set_index("year")["route"]
    assert hist[2033] == "ng_dri_eaf"
    assert hist[2034] == "ng_dri_eaf_hp_capture"


def test_a_retrofit_without_a_renewal_figure_renews_its_base_and_the_retrofit(
    inp: ModelInputs,
) -> None:
    """Ammonia with capture is priced by its retrofit capex only (NPC 2019, 111.701 EUR2019
    per t/yr): renewing it renews the SMR + Haber-Bosch plant too, so its renewal is the base
    route's plus the added capex (was 0: a plant on the capture route renewed for nothing
    while staying on the base route paid 1,772 EUR/(t/yr) in 2030). Post-combustion capture
    at a refinery renews on the refinery (no renewal figure), not on hydrogen-unit capture."""
    ids = list(inp.coords.routes)
    rt = inp.routes
    assert rt.retrofit_pair is not None and rt.retrofit_capex is not None
    for route, base in (
        ("smr_haber_bosch_ccs", "smr_haber_bosch"),
        ("refinery_ccs_postcomb", "refinery"),
    ):
        r, b = ids.index(route), ids.index(base)
        added = rt.retrofit_capex[rt.retrofit_pair[r, b]]
        assert added.min() > 0
        np.testing.assert_allclose(rt.capex_renewal[r], rt.capex_renewal[b] + added, rtol=1e-12)
    amm = ids.index("smr_haber_bosch_ccs")
    assert rt.capex_renewal[amm, 5] > 1_700.0  # 2030: the base's 1,772 plus the capture
    # a route with its own renewal figure keeps it (the blast furnace with capture)
    bf = ids.index("bf_bof_ccs")
    assert (
        rt.capex_renewal[bf, 0]
        != rt.capex_renewal[ids.index("bf_bof"), 0]
        + (rt.retrofit_capex[rt.retrofit_pair[bf, ids.index("bf_bof")], 0])
    )


def test_levelised_cost_of_a_retrofit_pays_the_added_capex() -> None:
    """The green premium prices a retrofit as the engine charges it: the toy's capture
    route, declared a retrofit of the gas route, pays 50 x CRF per t (800 x CRF without the
    pair); against a renewing reference it pays the reference's renewal too."""
    from kruispunt.premium import levelised_costs

    def capex(inp: ModelInputs, reference: str = "sunk") -> float:
        costs = levelised_costs(inp, reference_capex=reference)  # type: ignore[arg-type]
        row = costs[(costs["route"] == "gas_ccs") & (costs["year"] == 2030)]
        return float(row["capex"].iloc[0])

    assert capex(_toy()) == pytest.approx(ADD * CRF)
    assert capex(_toy(retrofit=False)) == pytest.approx(800.0 * CRF)
    inp = _toy()
    renewal = float(inp.routes.capex_renewal[GAS, 5])
    assert capex(inp, "renewal") == pytest.approx((renewal + ADD) * CRF)


def test_a_plant_bound_to_a_decided_project_moves_on_only_by_a_retrofit() -> None:
    """A plant on gas bound to a decided project (``locked``) may take gas_ccs, a retrofit of
    gas that emits less (1.1 x 10 % = 0.11 tCO2/t), but neither elec (0 tCO2/t, not a
    retrofit: it would leave the plant just built) nor closure; unbound, all three."""
    inp = _toy()
    ctx = BatchContext(inp, tuple(INSTRUMENTS))
    v = Valuation(ctx, [cls(ctx) for cls in INSTRUMENTS])
    cur = np.full((1, 1), GAS, dtype=np.int64)
    k = {int(r): j for j, r in enumerate(v.opt[0])}
    closure = list(inp.coords.routes).index("widget_closure")
    bound = v.feasible(0, cur, np.ones((1, 1), dtype=bool))[0, 0]
    free = v.feasible(0, cur, np.zeros((1, 1), dtype=bool))[0, 0]
    assert bound[k[GAS]] and bound[k[CCS]]
    assert not bound[k[ELEC]] and not bound[k[closure]]
    assert free[k[ELEC]] and free[k[CCS]] and free[k[closure]]
    # without any retrofit pair a bound plant stays where it is
    plain = _toy(retrofit=False)
    ctx = BatchContext(plain, tuple(INSTRUMENTS))
    v = Valuation(ctx, [cls(ctx) for cls in INSTRUMENTS])
    bound = v.feasible(0, cur, np.ones((1, 1), dtype=bool))[0, 0]
    assert bound.sum() == (v.opt[0] == GAS).sum()
