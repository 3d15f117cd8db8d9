"""The Dutch crackers' calibration (SITES.md rule U4) and the electric-compressor route against
the incumbent: the same energy-tax treatment of the steam gas (Wet belastingen op
milieugrondslag art. 50; art. 64(4) exempts no compressor electricity), the cracker's renewal
inside the route's capex, and the loss of free allocation passed through like other goods
outside CBAM. Hand computations from the route rows (MIDDEN TC0261, TC0432) and the package's
CPI (deflators.csv)."""

from __future__ import annotations

import pytest

from kruispunt.catalogue import Catalogue
from kruispunt.explain import explain
from kruispunt.inputs import ModelInputs

CPI_2017 = 75.6068
CPI_2019 = 78.8914
"""CBS CPI, 2025 = 100 (deflators.csv, cbs_cpi_83131ned)."""


def test_steam_gas_exempt_on_both_routes_power_taxed_on_both(inp: ModelInputs) -> None:
    """Wbm art. 50 taxes natural gas supplied through a connection; the crackers' steam is
    raised from their own residual gas (MIDDEN TC0405), on the incumbent and with electric
    compressors alike. Art. 64(4) exempts electricity only for chemical reduction and
    electrolytic and metallurgical processes, so the compressors' power is taxed on both."""
    et = inp.instruments["energy_tax"]
    routes, carriers = inp.coords.routes, inp.coords.carriers
    gas, elec = carriers.index("natural_gas"), carriers.index("electricity")
    ex = et["exempt"][0]
    for route in ("naphtha_steam_cracker", "cracker_e_compressors"):
        assert ex[routes.index(route), gas] == 1.0, route
        assert ex[routes.index(route), elec] == 0.0, route


def test_e_compressors_pay_tax_on_their_electricity_only(cat: Catalogue) -> None:
    """Shell Moerdijk in 2030 (current policy, 1.853 Mt/yr): both routes use far more than
    10 GWh (36,000 GJ) of power a year and nothing taxable of their gas, so each pays the
    bracketed tax of its power: the top rate (0.00310 EUR/kWh of 2026, Wbm art. 59(1)(c);
    / 1.02 in euro of 2025, 0.84423 EUR/GJ) on all of it plus the lower brackets' excess at
    2026's rates in euro of 2025 (0.09161, 0.06671 and 0.03735 EUR/kWh, / 1.02), 36 x
    24.94825 + 144 x 18.16721 + 35,820 x 10.17157 - 36,000 x 0.84423 = 337,468 EUR/yr, the
    same for both. Steam cracker: 0.587 GJ/t x 1.853e6 t x 0.84423 + 337,468 = 1,255,742
    EUR/yr; the e-compressors pay 3,871,880 more, the top rate on their extra 2.47507 GJ/t
    (3.06207 - 0.587). With the 2025 top rate held in 2026 (0.00321 EUR/kWh, 0.89167 EUR/GJ,
    until 6 December 2026) the cracker paid 1,305,639 and the e-compressors 4,089,455 more;
    with the 2025 rates of brackets 2 and 3 held as well the cracker paid 1,326,314; on the
    2024 rates above 10,000 kWh (held until December 2026:
    top rate 0.53946 EUR/GJ) these were 977,267 and 2,474,114. Until December 2026 (the marginal
    rate) the ratio was the electricity per t, 5.2165; before that the e-compressors' 2.45
    GJ/t of steam gas was taxed as well (19.44 against 1.14 MEUR/yr in 2037)."""
    ex = explain("shell_moerdijk", "current-policy", 2030, catalogue=cat)
    rows = ex.options[ex.options["plant"] == "shell_moerdijk/hvc"].set_index("route")
    cracker = -rows.loc["naphtha_steam_cracker", "energy_tax"]
    compressors = -rows.loc["cracker_e_compressors", "energy_tax"]
    assert cracker == pytest.approx(1_255_742.0, rel=1e-4)
    assert compressors - cracker == pytest.approx(3_871_880.0, rel=1e-4)


def test_switch_renews_the_cracker(cat: Catalogue, inp: ModelInputs) -> None:
    """The electric compressors serve the cracker: the route's capex is the cracker's renewal
    (TC0261: 417 EUR2017 per t HVC/yr) plus the compressors (TC0432: 483 kEUR2019 per kt
    ethylene/yr / 1.9636 = 245.979 EUR2019 = 235.738 EUR2017), so switching at the cracker's
    renewal cannot skip it; the whole cracker's O&M (20.9 EUR2017) stays with the compressors'
    (9.65 / 1.9636 = 4.91449 EUR2019 = 4.7099 EUR2017). In EUR2025 (x 100 / 75.6068): capex
    863.33, of which 311.79 the compressors; fixed opex 33.872."""
    rt = inp.routes
    r = inp.coords.routes.index
    e, inc = r("cracker_e_compressors"), r("naphtha_steam_cracker")
    to_2025 = 100 / CPI_2017
    compressors = 245.979 * CPI_2017 / CPI_2019  # 483 / 1.96358 (TC0432 outputs per ethylene)
    assert compressors == pytest.approx(235.738, abs=1e-3)
    assert rt.capex[inc, 0] == pytest.approx(417 * to_2025, rel=1e-9)
    assert rt.capex_renewal[inc, 0] == pytest.approx(417 * to_2025, rel=1e-9)
    assert rt.capex[e, 0] == pytest.approx((417 + compressors) * to_2025, rel=1e-6)
    assert rt.capex[e, 0] == pytest.approx(863.33, abs=0.01)
    assert rt.capex[e, 0] - rt.capex_renewal[inc, 0] == pytest.approx(311.79, abs=0.01)
    assert rt.capex_renewal[e, 0] == pytest.approx(rt.capex[e, 0])
    assert rt.fixed_opex[e, 0] == pytest.approx(33.872, abs=1e-3)
    assert rt.fixed_opex[e, 0] - rt.fixed_opex[inc, 0] == pytest.approx(
        4.91449 * 100 / CPI_2019, rel=1e-4
    )
    assert rt.lifetime[e] == rt.lifetime[inc] == 25


def test_hvc_passes_through_its_lost_allocation(inp: ModelInputs) -> None:
    """HVC is outside CBAM, so like glass, paper and process heat it passes the loss of free
    allocation common to its EU producers into its price at its carbon pass-through share 0.5
    (assumption_allocation_pass_through, assumption_pass_through_chemicals)."""
    market = inp.instruments["market"]
    g = inp.coords.products.index("hvc")
    assert market["allocation_pass_through"][0, g] == pytest.approx(0.5)
    assert market["pass_through"][0, g] == pytest.approx(0.5)
