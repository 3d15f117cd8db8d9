"""kruispunt.explain: the decision of a site, term by term, checked by hand on the toy model."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from kruispunt.engine.economics import annuity_factor
from kruispunt.errors import KruispuntError
from kruispunt.explain import explain
from kruispunt.inputs import ModelInputs
from kruispunt.testing import TOY_YEARS, toy_inputs
from tests.cli_helpers import assert_user_error, invoke


def test_toy_breakdown_by_hand() -> None:
    # EUA 100: gas costs 100 EUR/t of gas + 100 EUR/t of allowances; elec costs 10.8 GJ x 20
    # = 216 EUR/t of power + 500 EUR/(t/yr) x CRF(10 %, 20 yr); revenue 1000 EUR/t; 1 Mt/yr
    e = explain("site0", inputs=toy_inputs(eua=100.0), year=2030)
    rows = e.options.set_index("route")
    gas, elec, close = rows.loc["gas"], rows.loc["elec"], rows.loc["widget_closure"]
    assert gas["revenue"] == pytest.approx(1.0e9)
    assert gas["operating"] == pytest.approx(-100.0e6)
    assert gas["ets"] == pytest.approx(-100.0e6)
    assert gas["value"] == pytest.approx(800.0e6, rel=1e-9)
    capital = 500.0 * float(annuity_factor(0.10, 20.0)) * 1.0e6
    assert elec["operating"] == pytest.approx(-216.0e6)
    assert elec["capital"] == pytest.approx(-capital)
    assert elec["ets"] == pytest.approx(0.0)
    assert elec["value"] == pytest.approx(1.0e9 - 216.0e6 - capital, rel=1e-9)
    assert close["value"] == pytest.approx(0.0, abs=10.0)
    assert close["revenue"] == 0.0
    # the terms add up to each option's value
    terms = list(e.terms)
    np.testing.assert_allclose(e.options[terms].sum(axis=1), e.options["value"], atol=1e-3)
    assert bool(gas["chosen"]) and not bool(elec["chosen"])
    assert gas["reason"].startswith("stays")
    assert "below the chosen option" in elec["reason"]


def test_decision_year_defaults_to_the_switch() -> None:
    # EUA 300 from 2025: the plant electrifies at once; the default year is that decision
    e = explain("site0", inputs=toy_inputs(eua=300.0))
    assert e.year == 2025
    rows = e.options.set_index("route")
    assert bool(rows.loc["elec", "chosen"])
    assert rows.loc["elec", "reason"].startswith("chosen")
    assert e.history.loc[e.history["year"] == 2026, "route"].item() == "elec"


def test_infeasible_options_say_why() -> None:
    e = explain("site0", inputs=toy_inputs(eua=300.0, earliest_elec=2031), year=2026)
    elec = e.options.set_index("route").loc["elec"]
    assert not bool(elec["feasible"])
    assert "available from 2031" in elec["reason"]


def test_an_option_without_a_permit_says_so() -> None:
    """The toy's biomass route pays at an EUA of 300, but no permit is granted for a new
    installation (``Routes.permitted``, route parameter ``new_permits``)."""
    inp = toy_inputs(eua=300.0, bio=True, capex_elec=1e9)
    permitted = np.ones((len(inp.coords.routes), len(TOY_YEARS)), dtype=bool)
    permitted[list(inp.coords.routes).index("bio")] = False
    inp = replace(inp, routes=replace(inp.routes, permitted=permitted))
    bio = explain("site0", inputs=inp, year=2026).options.set_index("route").loc["bio"]
    assert not bool(bio["feasible"])
    assert "no permit for a new installation" in bio["reason"]


def test_an_option_before_the_scenarios_permits_names_the_year() -> None:
    """A scenario granting permits for the biomass route only from 2030 (``permits_from``):
    in 2026 the option is refused with that year, in 2030 it is open (and, paying, chosen)."""
    inp = toy_inputs(eua=300.0, bio=True, capex_elec=1e9)
    own = np.full_like(inp.levers.permits_from, -1)
    own[:, list(inp.coords.routes).index("bio")] = 2030
    inp = replace(inp, levers=replace(inp.levers, permits_from=own))
    early = explain("site0", inputs=inp, year=2026).options.set_index("route").loc["bio"]
    assert not bool(early["feasible"])
    assert "no permit for a new installation before 2030 (permits_from)" in early["reason"]
    late = explain("site0", inputs=inp, year=2030).options.set_index("route").loc["bio"]
    assert bool(late["feasible"]) and "permit" not in late["reason"]  # open, and chosen


def test_unknown_site_and_year_are_named() -> None:
    with pytest.raises(KruispuntError, match="unknown site 'nowhere'"):
        explain("nowhere", inputs=toy_inputs())
    with pytest.raises(KruispuntError, match="outside the model years"):
        explain("site0", inputs=toy_inputs(), year=2070)


def test_cli_explain_prints_the_decision_and_writes_csv(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import subprocess
    import sys

    out = tmp_path / "yara.csv"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "kruispunt",
            "explain",
            "yara_sluiskil",
            "--year",
            "2026",
            "--csv",
            str(out),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert "yara_sluiskil in 2026 (current-policy)" in done.stdout
    assert "smr_haber_bosch_ccs" in done.stdout
    import pandas as pd

    table = pd.read_csv(out)
    # the options' columns, no index column
    assert list(table.columns[:5]) == ["plant", "route", "family", "current", "feasible"]
    assert set(table["route"]) >= {"smr_haber_bosch", "smr_haber_bosch_ccs", "ammonia_closure"}
    # Yara's three ammonia lines (C, D, E) are plants of their own: one choice each
    assert table["plant"].nunique() == 3
    assert (table.groupby("plant")["chosen"].sum() == 1).all()
    bad = subprocess.run(
        [sys.executable, "-m", "kruispunt", "explain", "nowhere"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert bad.returncode == 2
    assert "unknown site 'nowhere'" in bad.stderr and "Traceback" not in bad.stderr


def test_capture_without_a_store_says_from_when_one_could_take_it() -> None:
    """Capture just short of staying (EUA 50) with a store of 5 Mt/yr from 2030: in 2026 the
    option's reason names 2030, the first year a store could take its CO2 (no SDE++ applies
    before: docs/model.md, "support for capture needs a store"); with no store ever, it says
    none can. Staying gives no such note."""

    def toy(store_from: int) -> ModelInputs:
        inp = toy_inputs(ccs=True, eua=50.0, earliest_elec=2100, product_price=200.0)
        cap = inp.pools.capacity.copy()
        cap[:, 1] = np.where(TOY_YEARS >= store_from, 5.0e6, 0.0)[None, :]
        return replace(inp, pools=replace(inp.pools, capacity=cap))

    rows = explain("site0", inputs=toy(2030), year=2026).options.set_index("route")
    assert rows.loc["gas_ccs", "reason"].endswith(
        "(no CO2 store can take the CO2 it would capture before 2030)"
    )
    assert "CO2 store" not in rows.loc["gas", "reason"]
    rows = explain("site0", inputs=toy(10_000), year=2026).options.set_index("route")
    assert rows.loc["gas_ccs", "reason"].endswith(
        "(no CO2 store can take the CO2 it would capture)"
    )


def test_cli_explain_refuses_a_csv_path_that_is_a_folder_before_explaining(tmp_path: Path) -> None:
    """Checked before the site is explained: nothing is printed and nothing is written."""
    out = invoke("explain", "yara_sluiskil", "--csv", str(tmp_path))
    assert_user_error(out, f"cannot write csv {tmp_path}: it is a folder; give a file name")
    assert out.stdout == ""
    assert list(tmp_path.iterdir()) == []


def test_an_option_not_yet_available_counts_its_lead_time() -> None:
    """Electrifying takes 3 years to build and is available from 2030: decided in 2026 it
    would start in 2029, too early; decided in 2027 it starts in 2030 and is feasible."""
    inp = toy_inputs(eua=300.0, earliest_elec=2030, lead_time=3)
    early = explain("site0", inputs=inp, year=2026).options.set_index("route").loc["elec"]
    assert not bool(early["feasible"])
    assert "available from 2030 (start 2029 with lead time)" in early["reason"]
    late = explain("site0", inputs=inp, year=2027).options.set_index("route").loc["elec"]
    assert bool(late["feasible"]) and late["feasibility"] == ""


def test_history_and_campaign_years_end_where_the_scenario_says() -> None:
    """Plants decide for themselves from 2027 (``decisions_from``): in 2026 electrifying is
    history, in 2027 it is open. A plant running its campaign until 2030 (``hold_year``, no
    lead time): an option starting in 2029 waits for it, one starting in 2030 is open."""
    inp = toy_inputs(eua=300.0)
    late = replace(inp, levers=replace(inp.levers, decide_from=np.array([2027])))
    early = explain("site0", inputs=late, year=2026).options.set_index("route").loc["elec"]
    assert early["feasibility"].startswith("history: plants decide for themselves from 2027")
    assert bool(
        explain("site0", inputs=late, year=2027).options.set_index("route").loc["elec", "feasible"]
    )
    held = replace(inp, levers=replace(inp.levers, hold_year=np.array([[2030]])))
    early = explain("site0", inputs=held, year=2029).options.set_index("route").loc["elec"]
    assert early["feasibility"] == "runs its campaign until 2030 (start 2029 with lead time)"
    assert bool(
        explain("site0", inputs=held, year=2030).options.set_index("route").loc["elec", "feasible"]
    )


def test_a_plant_building_its_switch_chooses_nothing() -> None:
    """EUA 300, three years to build: the plant decides on the electric route in 2025 and
    builds it in 2026 and 2027. In 2026 no option is chosen (it is building, running the
    electric route from 2028)."""
    e = explain("site0", inputs=toy_inputs(eua=300.0, lead_time=3), year=2026)
    assert not e.options["chosen"].any()
    assert (e.options["reason"] == "building elec, running from 2028").all()


def test_capture_whose_store_opens_at_its_start_has_no_store_note() -> None:
    """Capture with a 3-year lead time, decided in 2026, starts in 2029; the 5 Mt/yr store
    opens in 2029: the store takes it from its start, so its reason (just short of staying
    at EUA 50) carries no store note, though the store is not open in the decision year."""
    inp = toy_inputs(ccs=True, eua=50.0, earliest_elec=2100, product_price=200.0, lead_time=3)
    cap = inp.pools.capacity.copy()
    cap[:, 1] = np.where(TOY_YEARS >= 2029, 5.0e6, 0.0)[None, :]
    inp = replace(inp, pools=replace(inp.pools, capacity=cap))
    rows = explain("site0", inputs=inp, year=2026).options.set_index("route")
    assert rows.loc["gas_ccs", "reason"].endswith("below the chosen option")
    assert "CO2 store" not in rows.loc["gas_ccs", "reason"]


def test_the_gap_to_the_chosen_option_counts_its_support() -> None:
    """Two toy plants; a label asks 25 % of the 2 Mt use from 2030 (cap 500 EUR/t). In 2027
    the first plant's electric option (725.27 MEUR/yr before support) is chosen with the
    label's 74.73 MEUR/yr: 800.00 with it, as much as gas (800.00). Gas is 0.00 MEUR/yr
    below the chosen option, not 74.73 above it."""
    share = np.where(TOY_YEARS >= 2030, 0.25, 0.0)[None, None, :]
    label = {
        "qualify": np.array([[[0.0, 1.0, 0.0]]]),
        "share": share,
        "use": np.full((1, 1, len(TOY_YEARS)), 2.0e6),
        "cap": np.full((1, 1, len(TOY_YEARS)), 500.0),
    }
    inp = toy_inputs(eua=100.0, n_plants=2, instruments={"green_label": label})
    rows = explain("site0", inputs=inp, year=2027).options
    rows = rows[rows["plant"] == "site0/widget"].set_index("route")
    assert bool(rows.loc["elec", "chosen"])
    assert rows.loc["elec", "value"] == pytest.approx(725.27e6, rel=1e-5)
    assert rows.loc["elec", "reason"] == "chosen: the highest value with green_label support"
    assert float(rows.loc["gas", "reason"].split()[0]) == pytest.approx(0.0, abs=0.01)


def test_closing_an_electric_plant_pays_its_write_off() -> None:
    """EUA 300: the plant electrifies in 2025 for 500 EUR/(t/yr) x 1 Mt = 500 MEUR. In 2030,
    5 of its 20 years gone, the book value is 375 MEUR, written off at CRF(10 %, 20 yr) =
    0.11746: 44.05 MEUR/yr. Closing earns and pays nothing else: its value is -44.05 MEUR/yr,
    all of it the write-off term (leaving for gas pays the same write-off)."""
    e = explain("site0", inputs=toy_inputs(eua=300.0), year=2030)
    rows = e.options.set_index("route")
    writeoff = 375.0e6 * float(annuity_factor(0.10, 20.0))
    assert writeoff == pytest.approx(44.05e6, rel=1e-4)
    close = rows.loc["widget_closure"]
    assert close["writeoff"] == pytest.approx(-writeoff, rel=1e-9)
    assert close["value"] == pytest.approx(-writeoff, rel=1e-6)
    assert rows.loc["gas", "writeoff"] == pytest.approx(-writeoff, rel=1e-9)
    terms = list(e.terms)
    np.testing.assert_allclose(e.options[terms].sum(axis=1), e.options["value"], atol=1e-3)


def test_the_option_to_close_later_adds_to_staying() -> None:
    """Perfect foresight, product price 200 EUR/t, EUA rising from 100 (2025) to 400 (2050):
    staying on gas loses money later, so its option to close then is worth something. The
    ``exit_option`` term adds to the value (positive, 88.8 MEUR/yr in 2026), and the terms
    still add up to each option's value."""
    inp = toy_inputs(eua={2025: 100.0, 2050: 400.0}, myopic=False, product_price=200.0)
    e = explain("site0", inputs=inp, year=2026)
    gas = e.options.set_index("route").loc["gas"]
    assert gas["exit_option"] > 80.0e6
    terms = list(e.terms)
    np.testing.assert_allclose(e.options[terms].sum(axis=1), e.options["value"], atol=1e-3)


def test_the_default_year_is_the_first_decision_of_any_of_the_sites_plants() -> None:
    """explain's default year is the first year any plant of the site decides to switch:
    each switch was decided its lead time before it starts. Two plants, elec taking 3 years
    to build, gas_ccs 1. Both switching in 2030 (elec, gas_ccs): decided 2027 and 2029, so
    2027 (not 2029, the shortest lead's). gas_ccs in 2030 and elec in 2031: decided 2029 and
    2028, so 2028, though the first switch to start is the 2030 one."""
    from kruispunt.explain import _first_decision_index

    inp = toy_inputs(n_plants=2, ccs=True)
    names = list(inp.coords.routes)
    lead = np.zeros(len(names), dtype=np.int64)
    lead[names.index("elec")], lead[names.index("gas_ccs")] = 3, 1
    inp = replace(inp, routes=replace(inp.routes, lead_time=lead))
    years = list(TOY_YEARS)

    def decided(*switches: tuple[int, str, int]) -> int:
        route = np.zeros((len(years), 1, 2), dtype=np.int64)  # gas throughout
        for p, to, year in switches:
            route[years.index(year) :, 0, p] = names.index(to)
        return years[_first_decision_index(inp, route, [0, 1])]

    assert decided((0, "elec", 2030), (1, "gas_ccs", 2030)) == 2027
    assert decided((0, "gas_ccs", 2030), (1, "elec", 2031)) == 2028
    assert decided() == years[0]  # no switch: the first model year


def test_a_refused_option_names_the_pool_its_room_and_when_it_would_fit() -> None:
    """Toy plant of 1 Mt/yr: its electric route asks 1e6 t x 10.8 GJ/t / 3.6 GJ/MWh / 8,760 h
    = 342.5 MW of grid from 2025 and is worth more than gas at an EUA of 200; the cluster's
    grid has 100 MW until 2029 and 400 MW from 2030, so the grid refuses it, and the reason
    says how much it asked, what the pool has left and from when the 342.5 MW would fit."""
    inp = toy_inputs(eua=200.0)
    cap = inp.pools.capacity.copy()
    cap[:, 0] = np.where(TOY_YEARS >= 2030, 400.0, 100.0)[None, :]
    inp = replace(inp, pools=replace(inp.pools, capacity=cap))
    rows = explain("site0", inputs=inp, year=2025).options.set_index("route")
    assert rows.loc["elec", "value"] > rows.loc["gas", "value"]
    assert rows.loc["elec", "reason"] == (
        "refused scarce capacity: grid (asks 342.5 MW from 2025; grid/cluster 100.0 MW left, "
        "room for it from 2030): waits"
    )


def test_rixona_waits_for_the_noord_limburg_zone_and_asks_what_it_later_takes() -> None:
    """Current policy on the embedded data: in 2027 Aviko Rixona (Venray) would take a hybrid
    heat pump but TenneT's Noord-Limburg zone has no room until the Boxmeer station (2030).
    The MW the reason says it asks is the zone's load once it runs the pump (the zone's one
    user), read from the run's results."""
    from kruispunt.api import run

    rows = explain("rixona_oostrum", year=2027).options.set_index("route")
    reason = str(rows.loc["heat_pump_hybrid_low_food", "reason"])
    assert reason.startswith("refused scarce capacity: grid (asks ")
    assert "grid/tennet_noord_limburg 0.0 MW left, room for it from 2030" in reason
    asks = float(reason.split("asks ")[1].split(" MW")[0])
    load = run("current-policy").dataset["pool_use"].sel(pool="grid/tennet_noord_limburg")
    assert asks == pytest.approx(float(load.sel(year=2030).item()), abs=0.05)


def test_the_terms_are_those_the_engine_weighed_before_the_years_rounds() -> None:
    """The breakdown is read from the values the year's decisions were made on, not worked
    out again after the year's rounds: the RFNBO obligation's round sets what users expect to
    pay for the next year, so a breakdown made after it put the next year's expectation in
    this year's terms, and the difference showed as support no scheme had awarded (Air
    Liquide Bergen op Zoom in 2034, current policy, until Dec 2026: its obligation term
    -1.66 MEUR/yr, the 2034 round's expectation, where the engine weighed the 2033 round's,
    -2.78, and 1.13 MEUR/yr of "support" on every option that owes). Every option's terms
    add up to its value and none shows support without an award."""
    e = explain("air_liquide_bergen_op_zoom", year=2034)
    rows = e.options.set_index("route")
    np.testing.assert_allclose(rows[list(e.terms)].sum(axis=1), rows["value"], atol=1e-3)
    assert (rows["support"].abs() < 1e-6).all()
    # the 2033 round's expectation (5,465 EUR/t since Dec 2026; 8,838 before), not 2034's
    assert rows.loc["smr_ccs", "rfnbo_mandate"] == pytest.approx(-1.72e6, abs=0.01e6)
