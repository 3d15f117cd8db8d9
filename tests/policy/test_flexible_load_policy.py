"""A hybrid boiler runs on power only in the bands of the price-duration curve where power is
cheaper than gas with its carbon cost (issue 9 point 5, ``policy.flexible_load``).

Hand computation on the data package's curve (``data/curated/electricity_profile.csv``: NL
day-ahead 2025, ten bands of 500-1,000 h, relative prices -0.1628, 0.0266, 0.4976, 0.8452,
0.9699, 1.0518, 1.1581, 1.2758, 1.4744, 2.0464) and the hybrid boiler of
``route_inputs.csv`` in 2025: 1.0101 GJ electricity per GJ of steam on power (DEA 310.1),
1.08108 GJ gas on gas (DEA 311.1c), 0.0594595 tCO2 per GJ of steam on gas.
"""

from __future__ import annotations

import numpy as np
import pytest

from kruispunt.policy.flexible_load import (
    carbon_cost,
    gas_heat_cost,
    marginal_carbon_cost,
    power_heat_cost,
    power_share,
)

HOURS = np.array([500, 500, 1000, 1000, 1000, 1000, 1000, 1000, 1000, 760], dtype=float)
REL = np.array([-0.1628, 0.0266, 0.4976, 0.8452, 0.9699, 1.0518, 1.1581, 1.2758, 1.4744, 2.0464])
POWER_USE, GAS_USE, CO2 = 1.0101, 1.08108, 0.0594595
POWER_PRICE = 86.61 / 3.6  # the 2025 yearly average, 86.61 EUR/MWh, per GJ


def _share(eua: float, tariff: float = 0.0, reference: float = 0.0) -> float:
    gas = gas_heat_cost(10.0, 0.0, GAS_USE, CO2, carbon_cost(eua, tariff, reference))
    power = power_heat_cost(REL, POWER_PRICE, 0.0, POWER_USE)
    return float(power_share(HOURS, power, gas))


def test_runs_on_power_only_in_the_bands_cheaper_than_gas_with_carbon() -> None:
    """Gas 10 EUR/GJ, EUA 80: gas costs 10 x 1.08108 + 80 x 0.0594595 = 15.5676 EUR/GJ of
    steam. Power in band 3: 0.4976 x 24.0583 x 1.0101 = 12.093 (cheaper); band 4: 0.8452 x
    24.0583 x 1.0101 = 20.540 (dearer). So the first three bands, 500 + 500 + 1,000 h:
    2,000 / 8,760 = 0.228311 of the year on power."""
    gas = gas_heat_cost(10.0, 0.0, GAS_USE, CO2, 80.0)
    assert float(gas) == pytest.approx(15.5676, abs=1e-4)
    power = power_heat_cost(REL, POWER_PRICE, 0.0, POWER_USE)
    assert power[2] == pytest.approx(12.093, abs=1e-3)
    assert power[3] == pytest.approx(20.540, abs=1e-3)
    assert _share(80.0) == pytest.approx(2000 / 8760)


def test_a_higher_eua_adds_the_next_band() -> None:
    """EUA 200: gas 10.8108 + 11.8919 = 22.7027 EUR/GJ; band 4 (20.540) now cheaper, band 5
    (0.9699 x 24.0583 x 1.0101 = 23.570) not: 3,000 / 8,760 = 0.342466."""
    assert _share(200.0) == pytest.approx(3000 / 8760)


def test_the_co2_heffing_counts_as_carbon_cost() -> None:
    """EUA 80, CO2-heffing tariff 200 with a reference price of 80: the plant above its
    rights pays 80 + (200 - 80) = 200 per tonne at the margin, as at an EUA of 200."""
    assert float(marginal_carbon_cost([80.0, 80.0], [0.0, 200.0], [np.nan, np.nan])[1]) == 200.0
    assert _share(80.0, tariff=200.0, reference=80.0) == pytest.approx(3000 / 8760)


def test_energy_tax_on_power_shifts_hours_to_gas() -> None:
    """A tax of 5 EUR/GJ on power adds 5 x 1.0101 = 5.05 EUR/GJ of steam in every band:
    band 3 costs 17.14 > 15.5676, so only the first 1,000 h stay on power."""
    gas = gas_heat_cost(10.0, 0.0, GAS_USE, CO2, 80.0)
    power = power_heat_cost(REL, POWER_PRICE, 5.0, POWER_USE)
    assert float(power_share(HOURS, power, gas)) == pytest.approx(1000 / 8760)


def test_shares_move_monotonically_with_the_eua() -> None:
    """The share on power never falls as the EUA rises (0 to 1,000 EUR/t), from the two
    negative-to-cheap bands (1,000 h at EUA 0: gas 10.81 against band 3's 12.09) to the
    whole year."""
    euas = np.linspace(0.0, 1000.0, 201)
    gas = gas_heat_cost(10.0, 0.0, GAS_USE, CO2, euas)
    power = power_heat_cost(REL, np.full_like(euas, POWER_PRICE), 0.0, POWER_USE)
    shares = power_share(HOURS, power, gas)
    assert np.all(np.diff(shares) >= 0.0)
    assert shares[0] == pytest.approx(1000 / 8760)
    assert shares[-1] == pytest.approx(1.0)


def test_a_tie_stays_on_gas() -> None:
    """Power exactly as dear as gas: the boiler stays on gas."""
    assert float(power_share([8760.0], [[12.0]], 12.0)[0]) == 0.0
