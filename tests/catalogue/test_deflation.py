"""One euro year: the catalogue converts every monetary value once, at load, from its
currency year to euro of 2025 with the CBS consumer price index, and refuses a currency year
the deflator table does not cover (issue 8, point 2)."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

from kruispunt.catalogue.build import rehash_package
from kruispunt.catalogue.load import load_catalogue
from kruispunt.units import EURO_YEAR, conversion_factor
from tests.catalogue.conftest import read_rows, write_rows
from tests.catalogue.test_checks import find, problems_of

CBS_CPI_CHANGE = {2021: 0.027, 2022: 0.100, 2023: 0.038, 2024: 0.033, 2025: 0.033}
"""Annual change of the CBS consumer price index (StatLine 83131NED; 2025 from the CBS press
release of 13 January 2026)."""


def test_a_2020_euro_value_is_converted_to_euro_of_2025_by_hand() -> None:
    """MPP's EAF capex of 210 EUR2020 per t/yr (route_parameters.csv) in EUR2025: the 2020
    price level grows by the CBS CPI changes of 2021-2025, 2.7, 10.0, 3.8, 3.3 and 3.3 %:
    210 x 1.027 x 1.100 x 1.038 x 1.033 x 1.033 = 262.77."""
    growth = 1.0
    for change in CBS_CPI_CHANGE.values():
        growth *= 1 + change
    assert growth == pytest.approx(1.25130, abs=1e-5)
    cat = load_catalogue()
    rp = cat.route_parameters
    row = rp[(rp["route_id"] == "hbi_import_eaf") & (rp["parameter"] == "capex_greenfield")]
    assert len(row) == 1
    r = row.iloc[0]
    assert r["value_original"] == 210.0
    assert r["currency_year"] == 2020
    assert r["euro_year"] == EURO_YEAR == 2025
    assert r["value"] == pytest.approx(210 * growth, rel=1e-6)
    assert r["value"] == pytest.approx(262.77, abs=0.01)
    assert cat.euro_year == 2025


def test_a_nominal_future_quote_is_deflated_at_two_percent() -> None:
    """The Dec-2030 EUA future of about 83 EUR/t (CemNet, 4 Mar 2026) is nominal 2030 money:
    83 / 1.02^5 = 75.18 euro of 2025 (deflators.csv continues at 2 %/yr after 2025)."""
    pol = load_catalogue().policy
    row = pol[
        (pol["instrument"] == "eu_ets")
        & (pol["parameter"] == "eua_price_low")
        & (pol["year"] == 2030)
    ].iloc[0]
    assert (row["value_original"], row["currency_year"]) == (83.0, 2030)
    assert row["value"] == pytest.approx(83 / 1.02**5, rel=1e-6)


def test_values_that_are_not_money_are_not_converted() -> None:
    cat = load_catalogue()
    rp = cat.route_parameters
    life = rp[rp["parameter"] == "lifetime"]
    assert (life["value"] == life["value_original"]).all()
    assert life["euro_year"].isna().all()
    pm = cat.product_markets
    share = pm[pm["parameter"] == "carbon_pass_through"]
    assert (share["value"] == share["value_original"]).all() and share["euro_year"].isna().all()
    deflators = cat.deflators.set_index("year")["value"]
    assert deflators[2025] == 100.0
    assert deflators[2020] == pytest.approx(79.9169)


def test_every_money_row_of_the_package_is_in_euro_of_2025() -> None:
    cat = load_catalogue()
    for name in ("route_parameters", "carrier_prices", "policy", "product_markets"):
        df = cat[name]
        money = df["euro_year"].notna()
        assert money.any(), name
        assert (df.loc[money, "euro_year"] == 2025).all(), name
        index = cat.deflators.set_index("year")["value"]
        part = df.loc[money]
        factor = 100.0 / part["currency_year"].astype(int).map(index)
        units = [
            conversion_factor(str(a), str(b))
            for a, b in zip(part["unit_original"], part["unit"], strict=True)
        ]
        expected = part["value_original"] * units * factor
        pd.testing.assert_series_equal(part["value"], expected, check_names=False, rtol=1e-9)


def _set_currency_year(package: Path, table: str, value: str, where: Callable[..., bool]) -> int:
    path = package / f"{table}.csv"
    header, rows = read_rows(path)
    index = next(i for i, r in enumerate(rows) if where(r))
    rows[index]["currency_year"] = value
    write_rows(path, header, rows)
    rehash_package(package)  # an edit made on purpose: only the currency year is wrong
    return index + 2


def test_a_currency_year_outside_the_deflator_table_is_refused(package_copy: Path) -> None:
    line = _set_currency_year(
        package_copy,
        "carrier_prices",
        "2014",
        lambda r: r["carrier_id"] == "natural_gas" and r["price_set"] == "central",
    )
    problems = problems_of(package_copy)
    p = find(problems, "check_currency_years", "carrier_prices.csv", "currency_year", line)
    assert "currency year 2014 is outside the deflator table" in p.message
    assert "2015-2050" in p.message
    assert [q.check for q in problems] == ["check_currency_years"]


def test_money_without_a_currency_year_is_refused(package_copy: Path) -> None:
    line = _set_currency_year(
        package_copy, "product_markets", "", lambda r: r["parameter"] == "margin"
    )
    p = find(problems_of(package_copy), "check_currency_years", "product_markets.csv")
    assert (p.row, p.field) == (line, "currency_year")
    assert "without a currency year" in p.message


def test_the_deflator_table_must_hold_the_euro_year(package_copy: Path) -> None:
    path = package_copy / "deflators.csv"
    header, rows = read_rows(path)
    write_rows(path, header, [r for r in rows if r["year"] != "2025"])
    rehash_package(package_copy)
    p = find(problems_of(package_copy), "check_currency_years", "deflators.csv", "year")
    assert "euro year 2025" in p.message


def test_cli_names_file_line_and_field_and_exits_2(package_copy: Path) -> None:
    line = _set_currency_year(
        package_copy, "route_parameters", "2013", lambda r: r["unit"].startswith("EUR")
    )
    proc = subprocess.run(
        [sys.executable, "-m", "kruispunt", "data", "validate", str(package_copy)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert f"route_parameters.csv, line {line}, field 'currency_year'" in proc.stderr
    assert "currency year 2013 is outside the deflator table" in proc.stderr
