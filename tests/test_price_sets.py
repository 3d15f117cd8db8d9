"""The price-set lever: a scenario takes the central, low or high price outlook of the data
package for every carrier and the EUA (issue 8, point 1); money is in euro of 2025."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from kruispunt import metrics
from kruispunt.assemble import build_inputs
from kruispunt.catalogue import Catalogue
from kruispunt.engine.simulate import simulate
from kruispunt.inputs import ModelInputs
from kruispunt.scenarios import Scenario, ScenarioError, resolve

CPI_2024 = 96.8054
CPI_2030 = 100 * 1.02**5
"""Consumer price index, 2025 = 100 (deflators.csv: CBS for 2024, 2 %/yr after 2025)."""
MBTU_PER_MWH = 3.412142


def _with(base: Scenario, name: str, **levers: object) -> Scenario:
    lv = base.levers.model_copy(update={"name": name, **levers})
    return Scenario(name=name, levers=lv, chain=(name,), origin="test")


@pytest.fixture(scope="module")
def inputs(cat: Catalogue) -> ModelInputs:
    base = resolve(["current-policy"])[0]
    return build_inputs(
        cat,
        [
            _with(base, "central", price_set="central"),
            _with(base, "low", price_set="low"),
            _with(base, "high", price_set="high"),
            _with(base, "high-own-eua", price_set="high", eua_price={2025: 50.0}),
        ],
    )


def _price(inp: ModelInputs, carrier: str, year: int) -> list[float]:
    c = inp.coords.carriers.index(carrier)
    y = int(np.flatnonzero(inp.coords.years == year)[0])
    return [float(v) for v in inp.markets.price[:, c, y]]


def _eua(inp: ModelInputs, year: int) -> list[float]:
    y = int(np.flatnonzero(inp.coords.years == year)[0])
    return [float(v) for v in inp.markets.eua[:, y]]


def test_each_set_takes_its_own_eua_path_in_euro_of_2025(inputs: ModelInputs) -> None:
    """EUA 2030: central = TYNDP 2024 113.4 EUR2021/t x 100 / 82.0747 (CBS CPI 2021);
    low = the Dec-2030 future of 83 EUR/t (CemNet, 4 Mar 2026), nominal: / 1.02^5;
    high = Veyt's 160 EUR/t (2023), nominal: / 1.02^5. A scenario's own path overrides."""
    central, low, high, own = _eua(inputs, 2030)
    assert central == pytest.approx(113.4 * 100 / 82.0747, rel=1e-6)  # 138.17
    assert low == pytest.approx(83 * 100 / CPI_2030, rel=1e-6)  # 75.18
    assert high == pytest.approx(160 * 100 / CPI_2030, rel=1e-6)  # 144.92
    assert own == 50.0
    # 2025 is the realised NL auction average in every set
    assert _eua(inputs, 2025)[:3] == pytest.approx([73.37] * 3)


def test_the_low_eua_set_follows_the_futures_curve_of_4_march_2026(inputs: ModelInputs) -> None:
    """Low set 2027-2029 = the Dec-27, Dec-28 and Dec-29 futures of 4 Mar 2026 (72.83, 75.09,
    77.70 EUR/t nominal; HEG Daily Energy Market Report), deflated at 2 %/yr from 2025, not the
    line between the Dec-26 (71) and Dec-30 (83) quotes, which would give 74, 77 and 80
    nominal. The central set's 2027 is the midpoint of that low value and the analysts' poll
    (107.29 EUR2027/t)."""
    for year, nominal in ((2027, 72.83), (2028, 75.09), (2029, 77.70)):
        low = _eua(inputs, year)[1]
        assert low == pytest.approx(nominal / 1.02 ** (year - 2025), rel=1e-6)
        straight = 71 + (83 - 71) * (year - 2026) / 4  # the line the curve replaced
        assert low < straight / 1.02 ** (year - 2025) - 1.0
    central, low, high = _eua(inputs, 2027)[:3]
    assert high == pytest.approx(107.29 / 1.02**2, rel=1e-6)  # 103.12
    assert central == pytest.approx(86.56, abs=0.005)  # the data row, rounded to the cent
    assert central == pytest.approx((low + high) / 2, abs=0.005)


def test_each_set_takes_its_own_carrier_paths(inputs: ModelInputs) -> None:
    """Natural gas 2035 (IEA WEO-2025, EU import price, USD of 2024): STEPS 6.5, Net Zero 4.2,
    Current Policies 9.1 USD/MBtu, x 3.412142 MBtu/MWh / 1.0824 USD/EUR (ECB 2024 mean), in
    euro of 2025 x 100 / 96.8054 (CBS CPI 2024), per GJ / 3.6."""
    central, low, high, _ = _price(inputs, "natural_gas", 2035)
    per_gj = MBTU_PER_MWH / 1.0824 * 100 / CPI_2024 / 3.6
    assert central == pytest.approx(6.5 * per_gj, rel=1e-5)  # 5.88 EUR/GJ = 21.2 EUR/MWh
    assert low == pytest.approx(4.2 * per_gj, rel=1e-5)  # 13.7 EUR/MWh
    assert high == pytest.approx(9.1 * per_gj, rel=1e-5)  # 29.6 EUR/MWh


def test_a_carrier_without_a_low_or_high_path_takes_its_central_one(
    inputs: ModelInputs,
) -> None:
    """Iron ore has one source (MPP, DR-grade pellets, 97.73 EUR2020/t): every set gets it,
    in euro of 2025 x 100 / 79.9169 (CBS CPI 2020)."""
    prices = _price(inputs, "iron_ore", 2040)
    assert prices == pytest.approx([97.73 * 100 / 79.9169] * 4, rel=1e-6)


def test_coking_coal_prices_the_blast_furnace(inputs: ModelInputs) -> None:
    """Coal (the BF-BOF chain) is premium hard coking coal: DISR REQ Dec 2025, 187 USD/t in
    2025 / 1.13 USD/EUR / 28.2 GJ/t = 5.868 EUR/GJ (21.1 EUR/MWh), not steam coal (6.4 EUR2021/MWh
    before)."""
    assert _price(inputs, "coal", 2025) == pytest.approx([187 / 1.13 / 28.2] * 4, rel=1e-5)


def test_scrap_has_a_price(inputs: ModelInputs) -> None:
    """Benelux HMS 1/2 80:20, 313 EUR/t in 2024 (SteelRadar) = 323.3 EUR2025/t; low from 2026
    the German yard price of May 2025, 260 EUR/t."""
    central, low, high, _ = _price(inputs, "scrap", 2030)
    assert central == pytest.approx(313 * 100 / CPI_2024, rel=1e-6)
    assert low == pytest.approx(260.0)
    assert high == pytest.approx(337.5 * 100 / CPI_2024, rel=1e-6)
    assert "scrap" not in inputs.attrs["unpriced_carriers"]


def test_bought_heat_follows_the_gas_price_a_scenario_sets(cat: Catalogue) -> None:
    """Bought heat is priced at the gas it replaces, gas / 0.925 (carriers.csv price_follows,
    derived_heat_price): in every price set, and where a scenario sets or scales the gas price
    (an ensemble's sampled gas path) it moves with it; a scenario's own heat path wins, and
    its own heat scale applies on top."""
    base = resolve(["current-policy"])[0]
    gas_path = {2025: 30.0, 2030: 40.0}  # EUR/GJ, the carrier's unit
    inp = build_inputs(
        cat,
        [
            _with(base, "central"),
            _with(base, "high", price_set="high"),
            _with(base, "own-gas", carrier_prices={"natural_gas": gas_path}),
            _with(base, "gas-scale", carrier_price_scale={"natural_gas": 2.0, "heat": 0.5}),
            _with(
                base,
                "own-heat",
                carrier_prices={"natural_gas": gas_path, "heat": {2025: 10.0}},
            ),
        ],
    )
    heat = np.array([_price(inp, "heat", y) for y in (2025, 2028, 2030, 2040)])
    gas = np.array([_price(inp, "natural_gas", y) for y in (2025, 2028, 2030, 2040)])
    ratio = heat / gas
    assert ratio[:, :3] == pytest.approx(np.full((4, 3), 1 / 0.925), rel=1e-3)  # sets: rounded
    assert ratio[:, 2] == pytest.approx(np.full(4, 1 / 0.925), rel=1e-12)
    assert heat[2, 2] == pytest.approx(40.0 / 0.925, rel=1e-12)  # 43.24 EUR/GJ in 2030
    assert ratio[:, 3] == pytest.approx(np.full(4, 0.5 / 0.925), rel=1e-12)
    assert gas[:, 3] == pytest.approx(2.0 * gas[:, 0], rel=1e-12)
    assert heat[:, 4] == pytest.approx(np.full(4, 10.0), rel=1e-12)


def test_a_scenario_file_names_its_price_set(tmp_path: Path) -> None:
    good = tmp_path / "high.yaml"
    good.write_text("name: high-prices\nbase: current-policy\nprice_set: high\n")
    (sc,) = resolve([str(good)])
    assert sc.levers.price_set == "high"
    assert resolve(["current-policy"])[0].levers.price_set == "central"
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: medium-prices\nprice_set: medium\n")
    with pytest.raises(ScenarioError) as info:
        resolve([str(bad)])
    message = str(info.value)
    assert "line 2" in message and "price_set" in message and "'central'" in message


def test_results_state_their_euro_year(cat: Catalogue) -> None:
    res = simulate(build_inputs(cat, resolve(["no-new-policy"])))
    assert res.provenance["euro_year"] == 2025
    assert metrics.euro_year(res) == 2025
