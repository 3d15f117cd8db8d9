"""Each named check catches its problem on a broken copy of the embedded data package,
names the file, line and field, and the package is refused whole."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from kruispunt.catalogue.build import rehash_package
from kruispunt.catalogue.checks import check_required_parameters, check_units
from kruispunt.catalogue.load import load_catalogue
from kruispunt.catalogue.paths import default_package_path
from kruispunt.catalogue.raw import read_raw
from kruispunt.errors import DataPackageError, Problem
from tests.catalogue.conftest import drop_row, read_rows, write_rows


def problems_of(path: Path) -> list[Problem]:
    with pytest.raises(DataPackageError) as info:
        load_catalogue(path)
    return info.value.problems


def find(
    problems: list[Problem], check: str, file: str, field: str | None = None, row: int | None = None
) -> Problem:
    for p in problems:
        if (
            p.check == check
            and p.file.endswith(file)
            and (field is None or p.field == field)
            and (row is None or p.row == row)
        ):
            return p
    raise AssertionError(
        f"no {check} problem for {file}/{field}/{row} in:\n" + "\n".join(map(str, problems))
    )


def sole_problem(
    path: Path, check: str, file: str, field: str | None = None, row: int | None = None
) -> Problem:
    """The problem :func:`find` finds in the package at ``path``, which must be refused by
    that check alone."""
    problems = problems_of(path)
    p = find(problems, check, file, field, row)
    assert [q.check for q in problems] == [check], problems
    return p


def test_embedded_package_is_valid() -> None:
    cat = load_catalogue()
    assert len(cat.sites) > 100
    assert len(cat.installations) == 654


def test_missing_table(package_copy: Path) -> None:
    (package_copy / "sites.csv").unlink()
    p = find(problems_of(package_copy), "check_tables_present", "sites.csv")
    assert "missing" in p.message


def test_missing_column(package_copy: Path) -> None:
    path = package_copy / "sites.csv"
    header, rows = read_rows(path)
    header.remove("cluster_id")
    for r in rows:
        del r["cluster_id"]
    write_rows(path, header, rows)
    p = find(problems_of(package_copy), "check_columns", "sites.csv", "cluster_id", 1)
    assert "missing" in p.message


def test_wrong_type(package_copy: Path, edit_cell: Callable[..., int]) -> None:
    line = edit_cell("installation_years", "verified_emissions", "lots")
    p = find(
        problems_of(package_copy),
        "check_types",
        "installation_years.csv",
        "verified_emissions",
        line,
    )
    assert "'lots' is not a finite number" in p.message


@pytest.mark.parametrize("value", ["0", "-5"])
def test_zero_or_negative_capacity(
    package_copy: Path, edit_cell: Callable[..., int], value: str
) -> None:
    line = edit_cell("site_products", "capacity", value)
    p = find(problems_of(package_copy), "check_minimums", "site_products.csv", "capacity", line)
    assert "greater than 0" in p.message


@pytest.mark.parametrize(
    ("table", "field", "kind"),
    [
        ("sites", "cluster_id", "cluster"),
        ("sites", "sector_id", "sector"),
        ("site_products", "product_id", "product"),
        ("site_products", "route_id", "route"),
        ("route_inputs", "carrier_id", "carrier"),
    ],
)
def test_unknown_ids(
    package_copy: Path, edit_cell: Callable[..., int], table: str, field: str, kind: str
) -> None:
    line = edit_cell(table, field, "atlantis")
    p = find(problems_of(package_copy), "check_foreign_keys", f"{table}.csv", field, line)
    assert f"unknown {kind} id 'atlantis'" in p.message


def test_value_without_unit(package_copy: Path, edit_cell: Callable[..., int]) -> None:
    line = edit_cell("route_parameters", "unit", "")
    problems = problems_of(package_copy)
    p = find(problems, "check_required", "route_parameters.csv", "unit", line)
    assert "required" in p.message


def test_value_without_source(package_copy: Path, edit_cell: Callable[..., int]) -> None:
    line = edit_cell("site_products", "capacity_source", "")
    p = find(
        problems_of(package_copy), "check_numeric_sources", "site_products.csv", "capacity", line
    )
    assert "no source" in p.message


def test_source_id_does_not_resolve(package_copy: Path, edit_cell: Callable[..., int]) -> None:
    line = edit_cell("policy", "source", "made_up_source")
    p = find(problems_of(package_copy), "check_foreign_keys", "policy.csv", "source", line)
    assert "made_up_source" in p.message


def test_assumption_without_reason(package_copy: Path, edit_cell: Callable[..., int]) -> None:
    line = edit_cell("sources", "note", "", lambda r: r["kind"] == "assumption")
    find(problems_of(package_copy), "check_source_notes", "sources.csv", "note", line)


def test_duplicate_ids(package_copy: Path) -> None:
    path = package_copy / "clusters.csv"
    header, rows = read_rows(path)
    rows.append(dict(rows[0]))
    write_rows(path, header, rows)
    p = find(
        problems_of(package_copy), "check_unique_keys", "clusters.csv", "cluster_id", len(rows) + 1
    )
    assert "duplicate" in p.message


def test_unit_that_does_not_convert(package_copy: Path, edit_cell: Callable[..., int]) -> None:
    line = edit_cell("route_parameters", "unit", "EUR/MWh", lambda r: r["parameter"] == "lifetime")
    p = find(problems_of(package_copy), "check_units", "route_parameters.csv", "unit", line)
    assert "does not convert" in p.message


def test_unit_that_does_not_parse(package_copy: Path, edit_cell: Callable[..., int]) -> None:
    line = edit_cell("carrier_prices", "unit", "EUR/bananas")
    p = find(problems_of(package_copy), "check_units", "carrier_prices.csv", "unit", line)
    assert "does not parse" in p.message


def test_undeclared_parameter(package_copy: Path, edit_cell: Callable[..., int]) -> None:
    line = edit_cell("infrastructure", "parameter", "warp_capacity")
    find(
        problems_of(package_copy),
        "check_parameters_declared",
        "infrastructure.csv",
        "parameter",
        line,
    )


def test_emission_shares_must_sum_to_one(package_copy: Path, edit_cell: Callable[..., int]) -> None:
    edit_cell("site_products", "emission_share", "0.5", lambda r: r["emission_share"] == "1")
    find(problems_of(package_copy), "check_emission_shares", "site_products.csv", "emission_share")


def test_enum_field(package_copy: Path, edit_cell: Callable[..., int]) -> None:
    line = edit_cell("routes", "family", "magic")
    p = find(problems_of(package_copy), "check_enums", "routes.csv", "family", line)
    assert "allowed" in p.message


def test_all_problems_reported_at_once(package_copy: Path, edit_cell: Callable[..., int]) -> None:
    edit_cell("sites", "cluster_id", "atlantis")
    edit_cell("site_products", "capacity", "-1")
    checks = {p.check for p in problems_of(package_copy)}
    assert {"check_foreign_keys", "check_minimums"} <= checks


def test_cli_validate_broken_copy(package_copy: Path, edit_cell: Callable[..., int]) -> None:
    line = edit_cell("sites", "cluster_id", "atlantis")
    proc = subprocess.run(
        [sys.executable, "-m", "kruispunt", "data", "validate", str(package_copy)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert f"sites.csv, line {line}, field 'cluster_id'" in proc.stderr
    assert proc.stdout == ""


def test_cli_validate_embedded() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "kruispunt", "data", "validate"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert "passes every check" in proc.stdout


def test_commitment_must_name_a_plant(package_copy: Path, edit_cell: Callable[..., int]) -> None:
    line = edit_cell("commitments", "product_id", "ammonia")
    problems = problems_of(package_copy)
    find(problems, "check_commitments", "commitments.csv", "product_id", line)
    find(problems, "check_commitments", "commitments.csv", "route_id", line)


def test_required_parameter_missing(package_copy: Path) -> None:
    path = package_copy / "policy.csv"
    header, rows = read_rows(path)
    kept = [r for r in rows if (r["instrument"], r["parameter"]) != ("eu_ets", "eua_price")]
    assert len(kept) < len(rows)
    write_rows(path, header, kept)
    rehash_package(package_copy)  # an edit made on purpose: only the missing row is wrong
    p = sole_problem(package_copy, "check_required_parameters", "policy.csv", "parameter")
    assert p.row is None
    assert "'eu_ets.eua_price'" in p.message


def test_required_carrier_price_missing(package_copy: Path) -> None:
    path = package_copy / "carrier_prices.csv"
    header, rows = read_rows(path)
    write_rows(path, header, [r for r in rows if r["carrier_id"] != "electricity"])
    p = find(problems_of(package_copy), "check_required_parameters", "carrier_prices.csv")
    assert p.row is None
    assert "'electricity'" in p.message


def test_retrofit_only_route_needs_a_base(package_copy: Path) -> None:
    """ng_dri_eaf_hp_capture is reached only by retrofitting a running gas DRI plant
    (route parameter retrofit_only): without its row in route_retrofits.csv no plant could
    ever start it, and the flag's row is named."""
    drop_row(package_copy, "route_retrofits", "route_id", "ng_dri_eaf_hp_capture")
    _, params = read_rows(package_copy / "route_parameters.csv")
    line = 2 + next(
        i
        for i, r in enumerate(params)
        if (r["route_id"], r["parameter"]) == ("ng_dri_eaf_hp_capture", "retrofit_only")
    )
    p = find(problems_of(package_copy), "check_retrofits", "route_parameters.csv", "value", line)
    assert "'ng_dri_eaf_hp_capture' is retrofit_only" in p.message


def _single_plant_site(package: Path) -> str:
    """A site with one plant, whose emission share is therefore 1."""
    _, rows = read_rows(package / "site_products.csv")
    counts: dict[str, int] = {}
    for r in rows:
        counts[r["site_id"]] = counts.get(r["site_id"], 0) + 1
    return next(r["site_id"] for r in rows if counts[r["site_id"]] == 1)


def test_emission_shares_that_miss_1_by_a_thousandth_are_refused(
    package_copy: Path, edit_cell: Callable[..., int]
) -> None:
    """The shares of a site sum to 1 within 1e-6: 0.999 is refused at the site's row."""
    site = _single_plant_site(package_copy)
    line = edit_cell("site_products", "emission_share", "0.999", lambda r: r["site_id"] == site)
    rehash_package(package_copy)
    p = sole_problem(
        package_copy, "check_emission_shares", "site_products.csv", "emission_share", line
    )
    assert p.message == f"shares of site '{site}' sum to 0.999, not 1"


def test_emission_shares_within_a_millionth_of_1_load(
    package_copy: Path, edit_cell: Callable[..., int]
) -> None:
    site = _single_plant_site(package_copy)
    edit_cell("site_products", "emission_share", "0.9999995", lambda r: r["site_id"] == site)
    rehash_package(package_copy)
    plants = load_catalogue(package_copy).site_products
    assert plants.loc[plants["site_id"] == site, "emission_share"].tolist() == [0.9999995]


def test_derivation_without_its_formula(package_copy: Path, edit_cell: Callable[..., int]) -> None:
    """A source of kind derived gives its formula in 'note', as an assumption its reason."""
    line = edit_cell("sources", "note", " ", lambda r: r["source_id"] == "derived_production")
    rehash_package(package_copy)
    p = sole_problem(package_copy, "check_source_notes", "sources.csv", "note", line)
    assert p.message == (
        "source 'derived_production' is of kind 'derived' and must give its reason or formula "
        "in 'note'"
    )


def test_a_field_source_that_is_not_in_sources_csv(package_copy: Path) -> None:
    """EUTL verified emissions and free allocation cite their dataset once, for the field:
    without its row in sources.csv both fields are refused (file and field, no line)."""
    drop_row(package_copy, "sources", "source_id", "eutl_nl")
    found = [p for p in problems_of(package_copy) if p.check == "check_numeric_sources"]
    assert sorted((Path(p.file).name, p.row, p.field, p.message) for p in found) == [
        (
            "installation_years.csv",
            None,
            field,
            "field source 'eutl_nl' is not in sources.csv",
        )
        for field in ("free_allocation", "verified_emissions")
    ]


@pytest.mark.parametrize(
    ("table", "field", "text", "word"),
    [
        ("installation_years", "verified_emissions", "1e400", "a finite number"),
        ("installation_years", "verified_emissions", "-2e308", "a finite number"),
        ("route_parameters", "currency_year", "2020.0", "an integer"),
    ],
)
def test_numbers_beyond_a_float_and_years_with_a_point_are_not_their_type(
    package_copy: Path, edit_cell: Callable[..., int], table: str, field: str, text: str, word: str
) -> None:
    """1e400 reads as infinity and 2020.0 is no integer: refused by the type check, by name."""
    line = edit_cell(table, field, text, lambda r: r[field] != "")
    rehash_package(package_copy)
    p = find(problems_of(package_copy), "check_types", f"{table}.csv", field, line)
    assert p.message == f"'{text}' is not {word}"


def test_a_unit_of_100_characters_is_read_and_one_of_101_is_too_long() -> None:
    raw = read_raw(default_package_path())
    df = raw.tables["carrier_prices"]
    unit = str(df.at[0, "unit"])
    df.at[0, "unit"] = unit.rjust(100)
    assert check_units(raw) == []
    df.at[0, "unit"] = unit.rjust(101)
    assert [(p.row, p.field, p.message) for p in check_units(raw)] == [
        (2, "unit", "unit is too long (more than 100 characters)")
    ]


@pytest.mark.parametrize(
    ("base", "message"),
    [
        (
            "naphtha_steam_cracker",
            "route 'bf_bof_ccs' makes 'crude_steel', its base 'naphtha_steam_cracker' makes 'hvc'",
        ),
        ("bf_bof_ccs", "route 'bf_bof_ccs' is declared a retrofit of itself"),
    ],
)
def test_a_retrofit_keeps_its_plant(
    package_copy: Path, edit_cell: Callable[..., int], base: str, message: str
) -> None:
    """A retrofit changes a running plant of the same product; a route is not its own base."""
    line = edit_cell(
        "route_retrofits", "retrofit_of", base, lambda r: r["route_id"] == "bf_bof_ccs"
    )
    rehash_package(package_copy)
    problems = problems_of(package_copy)
    p = find(problems, "check_retrofits", "route_retrofits.csv", "retrofit_of", line)
    assert p.message == message
    assert {q.check for q in problems} == {"check_retrofits"}


REQUIRED = (
    ("policy", "eu_ets.eua_price"),
    ("policy", "cbam.free_allocation_factor"),
    ("policy", "co2_heffing.tariff"),
    ("policy", "co2_heffing.reduction_factor"),
    ("policy", "energy_tax.gas_rate_bracket_4"),
    ("policy", "energy_tax.electricity_rate_bracket_4"),
    ("policy", "targets.industry_emissions_target"),
    ("policy", "ccs.transport_storage_cost"),
    ("policy", "sde_pp.budget"),
    ("policy", "ikc.budget"),
    ("policy", "ikc.aid_intensity"),
    ("policy", "ikc.co2_emission_factor"),
    ("carrier_prices", "natural_gas"),
    ("carrier_prices", "electricity"),
)
"""The figures docs/data-package.md says the model cannot run without, written out here (not
read from REQUIRED_PARAMETERS, so that an entry dropped there is noticed)."""


@pytest.mark.parametrize(("table", "key"), REQUIRED)
def test_each_figure_the_model_needs_is_required(table: str, key: str) -> None:
    raw = read_raw(default_package_path())
    df = raw.tables[table]
    keys = df["instrument"] + "." + df["parameter"] if table == "policy" else df["carrier_id"]
    assert (keys == key).any()
    raw.tables[table] = df[keys != key].reset_index(drop=True)
    what = "required parameter" if table == "policy" else "required price of carrier"
    field = "parameter" if table == "policy" else "carrier_id"
    assert [
        (Path(p.file).name, p.row, p.field, p.message) for p in check_required_parameters(raw)
    ] == [
        (f"{table}.csv", None, field, f"{what} '{key}' is missing: the model cannot run without it")
    ]


def _site_line(package: Path, site: str) -> int:
    _, rows = read_rows(package / "sites.csv")
    return 2 + next(i for i, r in enumerate(rows) if r["site_id"] == site)


def test_a_site_idle_in_the_base_year_needs_its_idling(package_copy: Path) -> None:
    """Asfaltnu Zwijndrecht emitted 1 t in 2022 against 2,477, 1,312 and 3,100 t in
    2019-2021 (mean 2,296.33 t; EUTL 203212): without its idling row the package is refused
    at the site's row, with both figures; an idling dated after the base year does not stop
    it there, nor one a restart in the base year ends."""
    header, rows = read_rows(package_copy / "events.csv")
    drop_row(package_copy, "events", "event_id", "asfaltnu_zwijndrecht_idling_2022")
    line = _site_line(package_copy, "asfaltnu_zwijndrecht")
    p = sole_problem(package_copy, "check_idle_base_year", "sites.csv", "site_id", line)
    assert p.message == (
        "site 'asfaltnu_zwijndrecht' emitted 1 t in 2022, under 1% of its mean of 2296.33 t "
        "over 2019-2021: it did not run in the base year; record an idling or closure in "
        "events.csv in or before 2022"
    )
    moved = [dict(r) for r in rows]
    for r in moved:
        if r["event_id"] == "asfaltnu_zwijndrecht_idling_2022":
            r["year"] = "2023"
    write_rows(package_copy / "events.csv", header, moved)
    rehash_package(package_copy)
    sole_problem(package_copy, "check_idle_base_year", "sites.csv", "site_id", line)
    # idle from 2021 but restarted in 2022: running in the base year by the events, which
    # its emissions contradict
    for r in moved:
        if r["event_id"] == "asfaltnu_zwijndrecht_idling_2022":
            r["year"] = "2021"
    restart = dict(next(r for r in moved if r["event_id"] == "asfaltnu_zwijndrecht_idling_2022"))
    restart.update(event_id="asfaltnu_zwijndrecht_restart_2022", kind="restart", year="2022")
    write_rows(package_copy / "events.csv", header, [*moved, restart])
    rehash_package(package_copy)
    sole_problem(package_copy, "check_idle_base_year", "sites.csv", "site_id", line)


def test_a_site_that_ran_in_the_base_year_needs_no_event(package_copy: Path) -> None:
    """Raising Asfaltnu's 2022 emissions to 23 t (1.0 % of its 2019-2021 mean) and dropping
    its idling row loads: the rule is a share under 1 %, not any fall."""
    drop_row(package_copy, "events", "event_id", "asfaltnu_zwijndrecht_idling_2022")
    years = package_copy / "installation_years.csv"
    y_header, y_rows = read_rows(years)
    for r in y_rows:
        if (r["installation_id"], r["year"]) == ("203212", "2022"):
            r["verified_emissions"] = "23"
    write_rows(years, y_header, y_rows)
    rehash_package(package_copy)
    load_catalogue(package_copy)
