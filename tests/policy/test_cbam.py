"""Tests for kruispunt.policy.cbam: certificates as Regulation (EU) 2023/956 Art. 22 and 31
and Implementing Regulation (EU) 2025/2620 write them.

Worked examples W5 and W6 are in the project's research notes
(``research/law/worked_examples.md``).
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import numpy.typing as npt
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kruispunt.engine.accounting import YearRecord
from kruispunt.engine.context import BatchContext
from kruispunt.inputs import ModelInputs
from kruispunt.policy.base import Booking
from kruispunt.policy.cbam import Cbam, cbam_certificates, cbam_charge, default_value
from kruispunt.policy.ets import EuEts
from kruispunt.testing import TOY_YEARS, toy_inputs
from kruispunt.vocabulary import FAMILY

FAST = settings(max_examples=50, deadline=None)
Y = len(TOY_YEARS)


def test_w5a_certificates_with_the_free_allocation_adjustment() -> None:
    """Worked example W5(a) (published example, cbamreports.com, secondary): Reg. (EU)
    2023/956 Art. 22 and 31, IR 2025/2620 FAA = CBAM factor x CSCF x benchmark: embedded
    1.2 t/t, CBAM benchmark 1 t/t, CBAM factor 2026 97.5 % -> 1.2 - 1 x 0.975 = 0.225 t/t,
    about 19 % of the embedded emissions."""
    out = float(cbam_certificates(1.2, 1.0, 0.975))
    assert out == pytest.approx(0.225)
    assert out / 1.2 == pytest.approx(0.1875)


def test_w5b_ammonia_import_in_2026() -> None:
    """Worked example W5(b) (law example): 1,000 t ammonia imported in 2026, embedded 2.0 t/t
    (fixture), CBAM benchmark 1.522 t/t (IR 2025/2620 Annex point 5.3, secondary), CSCF 1:
    1,000 x (2.0 - 0.975 x 1.522) = 516.05 certificates; at the Q1-2026 price 75.36 EUR/t
    (Art. 21) 38,889.53 EUR. The model's earlier form, 1,000 x 2.0 x (1 - 0.975) = 50
    certificates (3,768 EUR), was ten times lower."""
    certificates = float(cbam_certificates(2.0 * 1000, 1.522 * 1000, 0.975, 1.0))
    assert certificates == pytest.approx(516.05)
    assert float(cbam_charge(2000.0, 1522.0, 75.36, 0.975)) == pytest.approx(38_889.528)
    assert 2000.0 * (1 - 0.975) * 75.36 == pytest.approx(3_768.0)


def test_w5c_carbon_price_paid_abroad_never_below_zero() -> None:
    """Worked example W5(c): Art. 9 deducts the carbon price effectively paid in the country
    of origin (net of rebates), never below zero. 2 t/t embedded, no adjustment left (factor
    0), EUA 80: 2 x 80 - 2 x 30 = 100 EUR/t; a price of 100 EUR/t paid abroad -> 0."""
    out = cbam_charge(2.0, 1.0, 80.0, 0.0, carbon_price_paid_eur_per_t=[30.0, 100.0])
    np.testing.assert_allclose(out, [100.0, 0.0])


def test_w6_default_value_markups() -> None:
    """Worked example W6 (law example on a published annex row): IR 2025/2621 Annex I, 'other
    countries', grey clinker (CN 2523 10 00), total 1.410 t/t: printed 1.551 (2026), 1.692
    (2027), 1.833 (2028+), i.e. mark-ups of 10/20/30 %; grey Portland cement 1.440 -> 1.584 /
    1.728 / 1.872."""
    np.testing.assert_allclose(default_value(1.41, [0.1, 0.2, 0.3]), [1.551, 1.692, 1.833])
    np.testing.assert_allclose(default_value(1.44, [0.1, 0.2, 0.3]), [1.584, 1.728, 1.872])


def test_w6_markup_path_of_the_package(package_inputs: ModelInputs) -> None:
    """The data package's mark-ups (IR 2025/2621 as quoted): 0 before 2026, then 10 %, 20 %,
    30 % held."""
    inp = package_inputs
    markup = inp.instruments["cbam"]["default_markup"][0]
    years = list(inp.coords.years)
    got = [markup[years.index(y)] for y in (2025, 2026, 2027, 2028, 2035)]
    np.testing.assert_allclose(got, [0.0, 0.1, 0.2, 0.3, 0.3])
    active = inp.instruments["cbam"]["active"][0]
    assert active[years.index(2025)] == 0.0
    assert active[years.index(2026)] == 1.0


def test_imported_grey_ammonia_deducts_the_ammonia_benchmark(package_inputs: ModelInputs) -> None:
    """Art. 31: the certificates for an imported good are reduced by the free allocation an EU
    producer of it gets. The grey-ammonia import carrier had no benchmark of its own, so it
    paid on all 2.1384 t/t (171.5 EUR/t in 2026); it is ammonia (carriers.csv cbam_good), so
    it deducts the ammonia benchmark, 1.522 t/t: (2.1384 - 0.975 x 1.522) x EUA."""
    inp = package_inputs
    years = list(inp.coords.years)
    c = list(inp.coords.carriers).index("ammonia_import_grey")
    g = list(inp.coords.products).index("ammonia")
    cb = inp.instruments["cbam"]
    assert np.isnan(cb["carrier_benchmark"][0, c]).all()  # no row of its own
    assert inp.carriers.good[c] == g
    module = Cbam(BatchContext(inp, (EuEts, Cbam)))
    bench = module.benchmark_c[0, c]
    np.testing.assert_allclose(bench, cb["benchmark"][0, g])
    assert bench[years.index(2026)] == pytest.approx(1.522)
    t = years.index(2026)
    eua = inp.markets.eua[0, t]
    factor = inp.instruments["ets"]["cbam_factor"][0, t]
    embedded = inp.carriers.embedded[c]
    assert (embedded, factor) == (pytest.approx(2.1384), pytest.approx(0.975))
    charge = cbam_charge(embedded, bench[t], eua, factor, inp.instruments["ets"]["cscf"][0, t])
    assert charge == pytest.approx((2.1384 - 0.975 * 1.522) * eua)
    assert charge == pytest.approx(52.50, abs=0.01)  # EUR2025/t at the 2026 EUA, 80.22


def _toy_cbam(
    *,
    import_route: bool = False,
    export_share: float = 0.0,
    embedded: float = 0.0,
    good: int = -1,
    own_benchmark: float = float("nan"),
) -> tuple[Cbam, BatchContext, ModelInputs]:
    """The toy model made a CBAM good, EUA 100 EUR/t, CBAM factor 0.5 from 2026; 'elec'
    becomes an import route (its output imported, 1 t of a CBAM intermediate per t) when
    ``import_route``. The plant's base-year intensity is 1 t/t (the imports' intensity) and
    its allocation 0.6 t/t (the CBAM benchmark's fallback). ``good`` names the product the
    intermediate is as a CBAM good (-1: none); ``own_benchmark`` is its own benchmark row."""
    inp = toy_inputs(eua=100.0, base_free_allocation=0.6e6)
    factor = np.where(TOY_YEARS >= 2026, 0.5, 1.0)[None]
    ets = {"cbam_factor": factor}
    cbam: dict[str, npt.NDArray[np.float64]] = {
        "active": (TOY_YEARS >= 2026).astype(float)[None],
        "export_share": np.array([[export_share]]),
        "carrier_benchmark": np.array([[[np.nan], [own_benchmark]]]) * np.ones(len(TOY_YEARS)),
    }
    routes = inp.routes
    carriers = replace(
        inp.carriers,
        embedded=np.array([0.0, embedded]),
        cbam=np.array([False, True]),
        good=np.array([-1, good]),
    )
    if import_route:
        family = routes.family.copy()
        family[1] = FAMILY["import"]
        domestic = routes.domestic.copy()
        domestic[1] = False
        inputs = routes.inputs.copy()
        inputs[1, 1] = 1.0  # one t of the intermediate per t
        routes = replace(routes, family=family, domestic=domestic, inputs=inputs)
    inp = replace(
        inp,
        routes=routes,
        carriers=carriers,
        products=replace(inp.products, cbam=np.array([True])),
        instruments={**inp.instruments, "ets": ets, "cbam": cbam},
    )
    ctx = BatchContext(inp, (EuEts, Cbam))
    return Cbam(ctx), ctx, inp


def _record(inp: ModelInputs, i: int, route: int, activity: float) -> YearRecord:
    domestic = bool(inp.routes.domestic[route])
    use = inp.routes.inputs[route, :, i][None, None, :] * activity
    return YearRecord(
        i=i,
        year=int(TOY_YEARS[i]),
        route=np.array([[route]]),
        calib=np.ones((1, 1)),
        activity=np.array([[activity]]),
        production=np.array([[activity if domestic else 0.0]]),
        emissions=np.zeros((1, 1)),
        use=use,
        started=np.zeros((1, 1), dtype=bool),
        stored=np.zeros((1, 1)),
    )


def test_imports_through_an_intermediate_route_are_not_charged_twice() -> None:
    """Issue 14 point 4: CBAM on an imported intermediate and on the final imports that fill
    demand must not count the same tonnes twice. Toy: demand 1 Mt; the plant imports its
    output through a route that buys 1 t of a CBAM intermediate (2 t/t embedded) per t.
    Charge per t of intermediate = (2 - 0.5 x 0) x 100 = 200 EUR (no benchmark for it); the
    product's own imports are zero because the route supplies the demand. When the plant
    closes, the product's imports (1 Mt at 1 t/t, benchmark 0.6) pay (1 - 0.5 x 0.6) x 100 =
    70 EUR/t."""
    cbam, _, inp = _toy_cbam(import_route=True, embedded=2.0)
    i26 = list(TOY_YEARS).index(2026)
    booked = cbam.account(_record(inp, i26, 1, 1.0e6))
    assert float(booked.plant["carbon_cost"][0, 0]) == pytest.approx(200.0e6)
    assert _cbam_total(booked) == pytest.approx(200.0e6)
    assert float(booked.gov["cbam_import_revenue"][0]) == 0.0
    closed = cbam.account(_record(inp, i26, 2, 0.0))
    assert float(closed.gov["cbam_import_revenue"][0]) == pytest.approx(70.0e6)
    assert _cbam_total(closed) == pytest.approx(70.0e6)
    # before CBAM starts (2025) nothing is charged
    assert _cbam_total(cbam.account(_record(inp, 0, 1, 1.0e6))) == 0.0


@pytest.mark.parametrize(
    ("good", "own", "charge"),
    [
        (-1, float("nan"), 200.0),  # no good, no row: (2 - 0.5 x 0) x 100
        (0, float("nan"), 170.0),  # the good's benchmark, here its fallback 0.6 t/t
        (0, 1.0, 150.0),  # a row of its own wins over the good's: (2 - 0.5 x 1) x 100
        (-1, 1.0, 150.0),
    ],
)
def test_an_imported_good_deducts_its_benchmark_or_its_fallback(
    good: int, own: float, charge: float
) -> None:
    """Art. 31 on an intermediate imported as a CBAM good: its charge deducts the good's
    benchmark, and where the good has none, the fallback the good's own imports use (the
    plants' base-year allocation per unit, 0.6 t/t); without a good or a row, no deduction.
    Toy: 1 Mt imported at 2 t/t embedded, EUA 100, CBAM factor 0.5 in 2026."""
    cbam, _, inp = _toy_cbam(import_route=True, embedded=2.0, good=good, own_benchmark=own)
    i26 = list(TOY_YEARS).index(2026)
    booked = cbam.account(_record(inp, i26, 1, 1.0e6))
    assert float(booked.plant["carbon_cost"][0, 0]) == pytest.approx(charge * 1.0e6)


def _cbam_total(booked: Booking) -> float:
    """Government CBAM revenue of scenario 0: the plants' (per plant) and on imports."""
    return float(np.sum(booked.gov["cbam_revenue"][0]) + booked.gov["cbam_import_revenue"][0])


def test_parity_uplift_only_on_output_sold_in_the_eu() -> None:
    """Reg. (EU) 2023/956 has no export adjustment: the import-parity price rises by the
    charge on imports, (1 - 0.5 x 0.6) x 100 = 70 EUR/t in 2026, on the share sold in the EU
    only (70 % sold in the EU -> 49 EUR/t)."""
    i26 = list(TOY_YEARS).index(2026)
    for share, uplift in ((0.0, 70.0), (0.3, 49.0)):
        cbam, _, _ = _toy_cbam(export_share=share)
        parity = cbam.paths()["parity"]
        assert float(parity[0, 0, i26]) == pytest.approx(-uplift)
        assert float(parity[0, 0, 0]) == 0.0


@pytest.mark.parametrize(
    ("embedded", "benchmark", "price", "factor", "paid"),
    [
        (-1.0, 1.0, 80.0, 0.5, 0.0),
        (1.0, -1.0, 80.0, 0.5, 0.0),
        (1.0, 1.0, -80.0, 0.5, 0.0),
        (1.0, 1.0, 80.0, 1.5, 0.0),
        (1.0, 1.0, 80.0, 0.5, -1.0),
    ],
)
def test_cbam_charge_rejects_invalid_input(
    embedded: float, benchmark: float, price: float, factor: float, paid: float
) -> None:
    with pytest.raises(ValueError):
        cbam_charge(embedded, benchmark, price, factor, carbon_price_paid_eur_per_t=paid)


@FAST
@given(
    embedded=st.floats(0.0, 10.0),
    benchmark=st.floats(0.0, 10.0),
    price=st.floats(0.0, 500.0),
    factor=st.floats(0.0, 1.0),
    lower=st.floats(0.0, 1.0),
)
def test_cbam_charge_bounded_and_falls_with_factor(
    embedded: float, benchmark: float, price: float, factor: float, lower: float
) -> None:
    charge = float(cbam_charge(embedded, benchmark, price, factor))
    assert 0.0 <= charge <= embedded * price * (1 + 1e-12)
    assert float(cbam_charge(embedded, benchmark, price, factor * lower)) >= charge * (1 - 1e-12)


def test_cbam_certificates_apply_the_cross_sectoral_correction() -> None:
    # 1.2 t/t embedded against the 1 t/t benchmark kept at 0.975 x 0.9: 1.2 - 0.8775 = 0.3225
    assert float(cbam_certificates(1.2, 1.0, 0.975, cscf=0.9)) == pytest.approx(0.3225)


def test_a_carbon_price_paid_abroad_is_deducted_per_tonne_embedded() -> None:
    # W5(b) with 10 EUR/t paid at origin (Art. 9): 516.05 certificates x 75.36 = 38,889.53,
    # less 10 EUR on each of the 2,000 t embedded (not on the certificates): 18,889.53
    got = float(cbam_charge(2000.0, 1522.0, 75.36, 0.975, carbon_price_paid_eur_per_t=10.0))
    assert got == pytest.approx(38_889.528 - 20_000.0, abs=0.01)


def test_supply_above_demand_pays_no_import_charge() -> None:
    """Imports are what domestic supply leaves of demand, never below zero: at 1.3 Mt
    supplied against 1 Mt of demand there are no imports and no charge on them (not a
    refund); at 0.4 Mt, 0.6 Mt of imports pay (1 - 0.5 x 0.6) x 100 = 70 EUR/t."""
    cbam, _, inp = _toy_cbam()
    i26 = list(TOY_YEARS).index(2026)
    over = cbam.account(_record(inp, i26, 0, 1.3e6))
    assert float(over.gov["cbam_import_revenue"][0]) == 0.0
    under = cbam.account(_record(inp, i26, 0, 0.4e6))
    assert float(under.gov["cbam_import_revenue"][0]) == pytest.approx(0.6e6 * 70.0)
