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
from kruispunt.catalogue.checks import check_currency_years, check_minimums
from kruispunt.catalogue.load import load_catalogue
from kruispunt.catalogue.paths import default_package_path
from kruispunt.catalogue.raw import read_raw
from kruispunt.units import EURO_YEAR, conversion_factor
from tests.catalogue.conftest import read_rows, write_rows
from tests.catalogue.test_checks import find, problems_of, sole_problem

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


def _index_rows() -> dict[int, float]:
    """deflators.csv of the embedded package as written: year -> index."""
    _, rows = read_rows(default_package_path() / "deflators.csv")
    return {int(r["year"]): float(r["value"]) for r in rows}


def test_money_fields_of_wide_tables_are_converted_too() -> None:
    """A money field with a unit of its own is deflated like a long table's value: the new
    dwelling of 493,000 EUR of 2024 (CBS) and Aramis' SDE++ payment of 446,666,667 EUR of 2023
    are 493,000 x 100 / 96.8054 and 446,666,667 x 100 / 93.7129 euro of 2025; a price
    adder given in euro of 2025 stays as it is."""
    index = _index_rows()
    assert (index[2023], index[2024], index[2025]) == (93.7129, 96.8054, 100.0)
    cat = load_catalogue()
    dwelling = cat.end_products.set_index("end_product_id").loc["dwelling"]
    assert (dwelling["price_original"], dwelling["currency_year"]) == (493_000.0, 2024)
    assert dwelling["price"] == pytest.approx(493_000 * 100 / 96.8054, rel=1e-12)
    assert dwelling["price"] == pytest.approx(509_269.1, abs=0.1)
    assert dwelling["euro_year"] == EURO_YEAR
    ev = cat.events
    aramis = ev[(ev["event_id"] == "aramis_ccs_sde_2022") & ev["public_money"].notna()]
    assert (aramis["currency_year"] == 2023).all() and len(aramis) > 1
    assert (aramis["public_money_original"] == 446_666_667.0).all()
    assert aramis["public_money"].to_numpy() == pytest.approx(446_666_667 * 100 / 93.7129)
    assert (aramis["euro_year"] == EURO_YEAR).all()
    pellets = cat.biomass_supply.set_index("step").loc[2]
    assert (pellets["price_adder"], pellets["currency_year"]) == (4.4841, 2025)


def test_a_year_whose_index_is_0_does_not_cover_its_money() -> None:
    """An index of 0 cannot convert (it would divide by 0): besides the bound on the index
    itself, the money rows of that year are named as not covered."""
    raw = read_raw(default_package_path())
    deflators = raw.tables["deflators"]
    deflators.loc[deflators["year"] == "2020", "value"] = "0"
    minimums = [p for p in check_minimums(raw) if p.file.endswith("deflators.csv")]
    assert [(p.row, p.field) for p in minimums] == [(7, "value")]
    rp = raw.tables["route_parameters"]
    of_2020 = {
        int(i) + 2
        for i in rp.index[(rp["currency_year"] == "2020") & rp["unit"].str.startswith("EUR")]
    }
    assert of_2020
    found = [p for p in check_currency_years(raw) if p.file.endswith("route_parameters.csv")]
    assert {p.row for p in found} == of_2020
    assert all(
        p.message.startswith("currency year 2020 is outside the deflator table") for p in found
    )


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
    p = sole_problem(
        package_copy, "check_currency_years", "carrier_prices.csv", "currency_year", line
    )
    assert "currency year 2014 is outside the deflator table" in p.message
    assert "2015-2050" in p.message


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
