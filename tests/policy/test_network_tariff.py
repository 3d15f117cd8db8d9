"""Network tariffs by connection level, their relief, and CISAF power-price relief: the pure
formulas by hand, and the instruments on the toy model (valued, accounted, booked)."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from kruispunt.assemble import build_inputs
from kruispunt.catalogue.load import load_catalogue
from kruispunt.engine.simulate import simulate
from kruispunt.inputs import ModelInputs
from kruispunt.policy.cisaf import cisaf_relief_per_mwh
from kruispunt.policy.network_tariff import (
    band_load_share,
    network_tariff_cost,
    part_year_factor,
    tariff_per_mwh,
)
from kruispunt.scenarios import resolve
from kruispunt.testing import TOY_YEARS, toy_inputs

Y = len(TOY_YEARS)


def test_tariff_per_mwh_and_yearly_cost_by_hand() -> None:
    """TenneT's TAVT is per kW (Regeling tariefdragers art. 1(b)): a flat 8,000 h load of
    1,847.55 GWh (Tata Steel IJmuiden's IKC baseline, ikc_baselines.csv) has a
    1,847,550 / 8,000 = 230.94 MW peak; at the 2025 EHV level of the data package,
    85.7 x 0.92 = 78.844 EUR/kW, it pays 230,943.75 kW x 78.844 = 18,208,528 EUR a year,
    9.8555 EUR/MWh."""
    assert float(tariff_per_mwh(78.844, 8000.0)) == pytest.approx(9.8555)
    cost = float(network_tariff_cost(1_847_550.0, 78.844, 8000.0))
    assert cost == pytest.approx(230_943.75 * 78.844)
    assert cost == pytest.approx(1_847_550.0 * 9.8555)
    # a per-kWh part (regional grids) adds use x rate: 1,000 MWh x 1,000 x 0.002 = 2,000 EUR
    assert float(network_tariff_cost(1000.0, 0.0, 8000.0, 0.002)) == pytest.approx(2000.0)
    with pytest.raises(ValueError, match="full_load_hours"):
        tariff_per_mwh(80.0, 0.0)
    with pytest.raises(ValueError, match="mwh"):
        network_tariff_cost(-1.0, 80.0, 8000.0)


def test_band_load_share_follows_stromnev_19_2() -> None:
    """StromNEV para. 19(2): above 10 GWh/yr, at least 20 / 15 / 10 % of the published charge
    at 7,000 / 7,500 / 8,000 full-load hours; below 10 GWh or 7,000 h, all of it."""
    got = band_load_share([6999.0, 7000.0, 7499.0, 7500.0, 8000.0, 8760.0], 11.0)
    np.testing.assert_allclose(got, [1.0, 0.2, 0.2, 0.15, 0.1, 0.1])
    np.testing.assert_allclose(band_load_share(8000.0, [10.0, 10.1]), [1.0, 0.1])


def test_part_year_factor_by_hand() -> None:
    """Half the kW tariff on the kW contracted (the load while running), half on each
    month's maximum (paid in the months it runs): a plant running 4,380 h pays 0.5 x 2 +
    0.5 = 1.5 times the all-year rate per MWh; a beet campaign of 3,240 h 0.5 x 2.7037 + 0.5
    = 1.8519; all year 1 exactly."""
    np.testing.assert_allclose(part_year_factor([4380.0, 3240.0]), [1.5, 1.851852], rtol=1e-6)
    assert part_year_factor(8760.0) == 1.0
    for bad in (0.0, -1.0, 8761.0):
        with pytest.raises(ValueError, match=r"hours must be in \(0, 8760\]"):
            part_year_factor(bad)


def _campaign(inp: ModelInputs, hours: float = 4380.0) -> ModelInputs:
    return replace(inp, plants=replace(inp.plants, operating_hours=np.array([hours])))


def test_a_plant_running_half_the_year_pays_half_as_much_again_and_may_stay() -> None:
    """The toy plant on power at 10 EUR/MWh pays 30 MEUR a year running all year; running
    4,380 h a year (the same 3 TWh) 1.5 x 30 = 45 MEUR. Electrifying then needs 174.73 + 45
    = 219.73 EUR/t of EUA: at 215 the all-year plant electrifies (204.73), the half-year
    plant stays on gas."""
    on = simulate(_campaign(toy_inputs(eua=300.0, instruments=_tariff(10.0)))).dataset
    assert (on["route_index"].values[0, 0] == 1).all()
    np.testing.assert_allclose(on["network_tariff"].values[0, 0], 45.0e6)
    all_year = simulate(toy_inputs(eua=215.0, instruments=_tariff(10.0))).dataset
    assert (all_year["route_index"].values[0, 0] == 1).all()
    half = simulate(_campaign(toy_inputs(eua=215.0, instruments=_tariff(10.0)))).dataset
    assert (half["route_index"].values[0, 0] == 0).all()


def test_relief_follows_a_part_year_plant_s_tariff_and_the_band_rule_its_hours() -> None:
    """Half of every tariff paid by the state: 0.5 x 45 = 22.5 MEUR for the half-year plant.
    The band-load rule needs 7,000 full-load hours: the half-year plant (4,380 h) gets none
    of it, where the all-year plant gets 27 MEUR (see above)."""
    half = simulate(_campaign(toy_inputs(eua=300.0, instruments=_tariff(10.0, share=0.5))))
    np.testing.assert_allclose(half.dataset["subsidies"].values[0, 0], 22.5e6)
    band = simulate(_campaign(toy_inputs(eua=300.0, instruments=_tariff(10.0, band=0.1))))
    assert (band.dataset["route_index"].values[0, 0] == 1).all()
    np.testing.assert_allclose(band.dataset["subsidies"].values, 0.0)
    at_7000 = simulate(
        _campaign(toy_inputs(eua=300.0, instruments=_tariff(10.0, band=0.1)), 7000.0)
    ).dataset
    # 7,000 h qualify: the rule leaves 10 % of the tariff, 30 x (0.5 x 8760 / 7000 + 0.5)
    paid = 30.0e6 * (0.5 * 8760.0 / 7000.0 + 0.5)
    np.testing.assert_allclose(at_7000["network_tariff"].values[0, 0], paid)
    np.testing.assert_allclose(at_7000["subsidies"].values[0, 0], 0.9 * paid)


def test_cisaf_relief_by_hand() -> None:
    """CISAF section 4.5 (PwC Legal summary): at most 50 % of the wholesale price, on at most
    half the consumption, not below 50 EUR/MWh. At 72 EUR/MWh: the relieved price is
    max(50, 36) = 50, relief 22 per MWh covered, 11 per MWh consumed; at 150: max(50, 75) =
    75, 75 covered, 37.5 consumed; at 50 or below: none."""
    np.testing.assert_allclose(cisaf_relief_per_mwh([72.0, 150.0, 50.0, 30.0]), [11, 37.5, 0, 0])
    # a smaller scheme: 30 % cut on 40 % of consumption at 150: 45 x 0.4 = 18
    assert float(cisaf_relief_per_mwh(150.0, 0.3, 0.4)) == pytest.approx(18.0)
    with pytest.raises(ValueError, match="price_share"):
        cisaf_relief_per_mwh(100.0, 1.5)


def _tariff(
    rate_hv: float, share: float = 0.0, band: float = 1.0, band_min_mwh: float = 1.0e4
) -> dict[str, dict[str, np.ndarray]]:
    rate = np.zeros((1, 2, Y))
    rate[:, 1] = rate_hv
    return {
        "network_tariff": {"rate": rate, "ehv": np.zeros((1, 1))},
        "network_tariff_relief": {
            "share": np.full((1, Y), share),
            "band_share": np.full(1, band),
            "band_min_mwh": np.full(1, band_min_mwh),
        },
    }


def test_tariff_is_booked_and_changes_the_route_choice() -> None:
    """Toy plant (testing.toy_inputs): electrifying needs 174.73 EUR/t at EUA 100 (216 EUR/t
    of power + capex annuity 58.73 - 100 EUR/t of gas). At EUA 200 it electrifies; a network
    tariff of 10 EUR/MWh on its 3 MWh/t adds 30 EUR/t (204.73 > 200) and it stays on gas."""
    free = simulate(toy_inputs(eua=200.0)).dataset
    assert (free["route_index"].values[0, 0] == 1).all()
    np.testing.assert_allclose(free["network_tariff"].values, 0.0)
    taxed = simulate(toy_inputs(eua=200.0, instruments=_tariff(10.0))).dataset
    assert (taxed["route_index"].values[0, 0] == 0).all()
    # on electricity (EUA 300) the plant pays 1e6 t x 3 MWh/t x 10 EUR/MWh = 30 MEUR a year,
    # to the grid operator: no government flow
    on = simulate(toy_inputs(eua=300.0, instruments=_tariff(10.0))).dataset
    assert (on["route_index"].values[0, 0] == 1).all()
    np.testing.assert_allclose(on["network_tariff"].values[0, 0], 30.0e6)
    assert "network_tariff_relief_outlay" in on["flow"].values
    np.testing.assert_allclose(on["gov_cash_flow"].sel(flow="network_tariff_relief_outlay"), 0.0)


def test_relief_paid_by_the_state_restores_the_switch_and_is_booked() -> None:
    """Half the tariff paid by the state: 15 EUR/t back (189.73 < 200), the plant electrifies
    again; the state pays 0.5 x 30 MEUR = 15 MEUR a year as a subsidy and an outlay. The
    band-load rule (10 % left to the plant) pays 0.9 x 30 = 27 MEUR."""
    half = simulate(toy_inputs(eua=200.0, instruments=_tariff(10.0, share=0.5))).dataset
    assert (half["route_index"].values[0, 0] == 1).all()
    np.testing.assert_allclose(half["network_tariff"].values[0, 0], 30.0e6)
    np.testing.assert_allclose(half["subsidies"].values[0, 0], 15.0e6)
    outlay = half["gov_cash_flow"].sel(flow="network_tariff_relief_outlay").values[0]
    np.testing.assert_allclose(outlay, -15.0e6)
    band = simulate(toy_inputs(eua=300.0, instruments=_tariff(10.0, band=0.1))).dataset
    np.testing.assert_allclose(band["subsidies"].values[0, 0], 27.0e6)


def test_band_rule_counts_the_option_s_own_electricity() -> None:
    """The toy plant uses no power on gas; on the elec route 3 TWh a year. The band-load rule
    (10 % left) above 10 GWh makes electrifying pay at EUA 200 (30 - 27 = 3 EUR/t of tariff);
    with a threshold above 3 TWh the plant never qualifies and stays on gas."""
    qualifies = simulate(toy_inputs(eua=200.0, instruments=_tariff(10.0, band=0.1))).dataset
    assert (qualifies["route_index"].values[0, 0] == 1).all()
    never = _tariff(10.0, band=0.1, band_min_mwh=3.1e6)
    res = simulate(toy_inputs(eua=200.0, instruments=never)).dataset
    assert (res["route_index"].values[0, 0] == 0).all()
    np.testing.assert_allclose(res["subsidies"].values, 0.0)


def test_cisaf_relief_is_valued_in_the_granted_years_and_booked() -> None:
    """Power at 20 EUR/GJ = 72 EUR/MWh: CISAF relief 11 EUR per MWh consumed (see above),
    33 EUR/t on the elec route. At EUA 150 the plant needs 174.73 and stays on gas; with the
    relief granted in every year it needs 141.73 and electrifies; the state pays
    3e6 MWh x 11 = 33 MEUR a year."""
    base = simulate(toy_inputs(eua=150.0)).dataset
    assert (base["route_index"].values[0, 0] == 0).all()
    granted = {
        "cisaf": {
            "price_share": np.full((1, Y), 0.5),
            "consumption_share": np.full((1, Y), 0.5),
            "floor": np.full((1, Y), 50.0),
            "eligible": np.ones((1, 1)),
        }
    }
    res = simulate(toy_inputs(eua=150.0, instruments=granted)).dataset
    assert (res["route_index"].values[0, 0] == 1).all()
    np.testing.assert_allclose(res["subsidies"].values[0, 0], 33.0e6)
    np.testing.assert_allclose(res["gov_cash_flow"].sel(flow="cisaf_outlay").values[0], -33.0e6)
    # not eligible: no relief, no switch
    granted["cisaf"]["eligible"] = np.zeros((1, 1))
    none = simulate(toy_inputs(eua=150.0, instruments=granted)).dataset
    assert (none["route_index"].values[0, 0] == 0).all()
    np.testing.assert_allclose(none["gov_cash_flow"].sel(flow="cisaf_outlay"), 0.0)


def test_a_firm_transport_right_doubles_a_hybrid_s_tariff() -> None:
    """Lever ``flexible_transport_right``: on TenneT's time-bound right (the default) a
    hybrid boiler pays the data package's ``network_tariff.flexible_kw_share`` (0.5) of the
    kW tariff on its rated power, on a firm right all of it. In the data package's current
    policy and its firm-right copy, every plant that runs a hybrid boiler in the same year
    and at the same output in both pays twice the tariff on the firm right; a plant on any
    other route pays the same; fewer plants take a hybrid on the firm right. With a heat pump
    beside the hybrid (its firm part charged whole on either right) the tariff rises by
    rated / (firm + 0.5 x (rated - firm))."""
    cat = load_catalogue(None)
    base = resolve(["current-policy"], cat.path)[0]
    firm = replace(
        base,
        name="firm",
        levers=base.levers.model_copy(update={"flexible_transport_right": "firm"}),
    )
    inp = build_inputs(cat, [base, firm])
    np.testing.assert_array_equal(inp.instruments["network_tariff"]["flexible_kw_share"], [0.5, 1])
    ds = simulate(inp).dataset
    routes = [str(r) for r in ds["route"].values]
    hybrid = routes.index("hybrid_boiler_low")
    pumped = [routes.index(f"heat_pump_hybrid_low{s}") for s in ("", "_food")]
    r = ds["route_index"].values  # (S, P, Y)
    out = ds["production"].values
    paid = ds["network_tariff"].values
    same = (r[0] == r[1]) & np.isclose(out[0], out[1]) & (out[0] > 0)
    on_hybrid = same & (r[0] == hybrid)
    assert on_hybrid.sum() >= 2  # plant-years
    # dearer on a firm right: fewer plant-years on a hybrid boiler (with or without a pump)
    family = np.isin(r, [hybrid, *pumped])
    assert family[1].sum() < family[0].sum()
    np.testing.assert_allclose(paid[1][on_hybrid], 2.0 * paid[0][on_hybrid], rtol=1e-12)
    assert (paid[0][on_hybrid] > 0).all()
    # with a heat pump beside it, only the boilers' part of the rating is doubled
    on_pumped = same & np.isin(r[0], pumped)
    assert on_pumped.sum() >= 10
    assert inp.routes.firm_power is not None and inp.routes.rated_power is not None
    year = np.broadcast_to(np.arange(r.shape[2]), r.shape[1:])
    firm = inp.routes.firm_power[r[0], year][on_pumped]
    rated = inp.routes.rated_power[r[0], year][on_pumped]
    ratio = rated / (firm + 0.5 * (rated - firm))
    assert (ratio > 1.0).all() and (ratio < 2.0).all()
    np.testing.assert_allclose(paid[1][on_pumped], ratio * paid[0][on_pumped], rtol=1e-12)
    other = same & ~family[0]
    np.testing.assert_allclose(paid[1][other], paid[0][other], rtol=1e-12)
