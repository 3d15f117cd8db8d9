"""Bad input to ``kruispunt data build`` (and to ``data validate`` / ``data rehash`` of a
package copy) is a clear message naming the file, line and field, never a traceback, and
nothing is written."""

from __future__ import annotations

import errno
import os
import re
import shutil
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

from kruispunt.catalogue.build import build_package, rehash_package
from kruispunt.catalogue.raw import read_raw
from kruispunt.errors import DataPackageError, KruispuntError, Problem
from tests.catalogue.conftest import REPO, read_rows, write_rows
from tests.cli_helpers import assert_user_error, invoke

RAW = REPO / "data" / "raw"
CURATED = REPO / "data" / "curated"

needs_repo = pytest.mark.skipif(not RAW.is_dir(), reason="needs the repository's data/ folder")


@pytest.fixture
def curated(tmp_path: Path) -> Path:
    """A writable copy of the curated tables."""
    dest = tmp_path / "curated"
    shutil.copytree(CURATED, dest)
    return dest


def _edit_line(path: Path, line: int, edit: Callable[[bytes], bytes]) -> None:
    """Replace line ``line`` (1 = the first) of a file by ``edit`` of it."""
    lines = path.read_bytes().split(b"\n")
    lines[line - 1] = edit(lines[line - 1])
    path.write_bytes(b"\n".join(lines))


def _not_utf8(line: bytes) -> bytes:
    return line.replace(b"a", b"\xe9", 1)


def _extra_field(line: bytes) -> bytes:
    return line + b",extra"


def _first_two_fields(line: bytes) -> bytes:
    return b",".join(line.split(b",")[:2])


def _first_field(value: bytes) -> Callable[[bytes], bytes]:
    return lambda line: value + line[line.index(b",") :]


@needs_repo
@pytest.mark.parametrize(
    ("file", "line", "edit", "message"),
    [
        (
            "carriers.csv",
            4,
            _not_utf8,
            "{path}, line 4: not UTF-8 text (byte 0xe9 cannot be decoded); save the file as UTF-8",
        ),
        (
            "sources/core.csv",
            7,
            _not_utf8,
            "{path}, line 7: not UTF-8 text (byte 0xe9 cannot be decoded); save the file as UTF-8",
        ),
        (
            "carriers.csv",
            5,
            _extra_field,
            "{path}, line 5: 14 fields, but the header has 13; a cell that holds a comma must be "
            'quoted ("a, b")',
        ),
        (
            "sources/core.csv",
            4,
            _extra_field,
            "{path}, line 4: 9 fields, but the header has 8; a cell that holds a comma must be "
            'quoted ("a, b")',
        ),
        (  # was "unit 'tCO2/' does not parse (AssertionError)", from another table's unit
            "products.csv",
            3,
            _first_two_fields,
            "{path}, line 3: 2 fields, but the header has 6 (this row has none for sector_id, "
            "unit, cbam, description); write an empty cell for a value left out (one comma "
            "each)",
        ),
        (  # passed: pandas keeps it in the cell, tools reading the table as text cut it there
            "carriers.csv",
            4,
            lambda line: line.replace(b"a", b"\x00", 1),
            "{path}, line 4: holds a NUL character (byte 0x00), which no cell of a table may "
            "hold; remove it",
        ),
        (  # a header renamed: was a KeyError from the derivation of the plants' production
            "products.csv",
            1,
            lambda line: line.replace(b"product_id", b"id", 1).replace(b"unit", b"units", 1),
            "{path}: columns missing: product_id, unit (the header reads: id, name, sector_id, "
            "units, cbam, description)",
        ),
        (
            "routes.csv",
            1,
            lambda line: line.replace(b"route_id", b"route", 1),
            "{path}: columns missing: route_id (the header reads: route, product_id, name, "
            "family, description)",
        ),
        (  # a table the build does not compute with: was "table route_inputs: columns
            # missing: value", naming the table, not the file
            "route_inputs.csv",
            1,
            lambda line: line.replace(b",value,", b",valu,", 1),
            "{path}: columns missing: value (the header reads: route_id, carrier_id, year, valu, "
            "unit, source, note)",
        ),
        (
            "installation_sites.csv",
            3,
            _first_field(b"12ab"),
            "{path}, line 3, field 'installation_id': '12ab' is not an installation id; allowed: "
            "the installation's EUTL id, a whole number (digits 0-9)",
        ),
        (
            "installation_sites.csv",
            4,
            _first_field(b"1"),
            "{path}, line 4, field 'installation_id': installation 1 has a row already; "
            "allowed: one row per installation",
        ),
    ],
)
def test_a_curated_table_that_does_not_read_is_named(
    tmp_path: Path,
    curated: Path,
    file: str,
    line: int,
    edit: Callable[[bytes], bytes],
    message: str,
) -> None:
    """Once a traceback (UnicodeDecodeError, pandas' ParserError, ValueError of int())."""
    path = curated / file
    _edit_line(path, line, edit)
    with pytest.raises(KruispuntError) as info:
        build_package(RAW, curated, tmp_path / "package")
    assert type(info.value) is KruispuntError
    assert str(info.value) == message.format(path=path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["curated"]


def _extra_field_everywhere(path: Path) -> None:
    """One more field in every row than the header names (pandas read the first column as
    the index and shifted every other one, silently)."""
    lines = path.read_bytes().split(b"\n")
    path.write_bytes(b"\n".join([lines[0], *(ln + b",x" if ln else ln for ln in lines[1:])]))


@needs_repo
def test_every_row_one_field_too_many_is_named(tmp_path: Path, curated: Path) -> None:
    path = curated / "carriers.csv"
    _extra_field_everywhere(path)
    with pytest.raises(KruispuntError) as info:
        build_package(RAW, curated, tmp_path / "package")
    assert str(info.value) == (
        f"{path}, line 2: 14 fields, but the header has 13; a cell that holds a comma must be "
        'quoted ("a, b")'
    )


@needs_repo
def test_a_whitespace_only_line_is_left_out_as_pandas_does(tmp_path: Path, curated: Path) -> None:
    """A line of spaces between rows was refused as a row of one field."""
    path = curated / "carriers.csv"
    _edit_line(path, 3, lambda line: line + b"\n   ")
    build_package(RAW, curated, tmp_path / "package")
    built = pd.read_csv(tmp_path / "package" / "carriers.csv")
    assert len(built) == len(pd.read_csv(CURATED / "carriers.csv"))


@needs_repo
def test_an_empty_curated_table_is_named(tmp_path: Path, curated: Path) -> None:
    (curated / "carriers.csv").write_bytes(b"")
    with pytest.raises(KruispuntError, match=r"carriers\.csv: the file is empty; a table starts"):
        build_package(RAW, curated, tmp_path / "package")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["curated"]


@needs_repo
def test_a_curated_table_that_does_not_read_from_the_command_line(
    tmp_path: Path, curated: Path
) -> None:
    path = curated / "carriers.csv"
    _edit_line(path, 5, _extra_field)
    out = invoke(
        "data", "build", "--raw", str(RAW), "--curated", str(curated), "--out", str(tmp_path / "p")
    )
    assert_user_error(out, f"{path}, line 5: 14 fields, but the header has 13")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["curated"]


@needs_repo
def test_a_full_disk_while_writing_is_a_message_and_the_old_package_stays(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "package"
    build_package(RAW, CURATED, out)
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    written: list[str] = []

    def to_csv(self: pd.DataFrame, path: Path, *args: object, **kwargs: object) -> None:
        written.append(Path(path).name)
        if len(written) == 3:
            raise OSError(errno.ENOSPC, "No space left on device", str(path))
        Path(path).write_text("half\n", encoding="utf-8")

    monkeypatch.setattr(pd.DataFrame, "to_csv", to_csv)
    with pytest.raises(KruispuntError) as info:
        build_package(RAW, CURATED, out)
    assert str(info.value) == f"cannot write the data package {out}: No space left on device"
    assert len(written) == 3
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["package"]


@needs_repo
def test_a_failed_move_into_place_puts_the_old_package_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "package"
    build_package(RAW, CURATED, out)
    before = {p.name: p.read_bytes() for p in out.iterdir()}

    def rename(self: Path, target: Path) -> Path:
        raise OSError(errno.EIO, "Input/output error")

    monkeypatch.setattr(Path, "rename", rename)
    with pytest.raises(KruispuntError) as info:
        build_package(RAW, CURATED, out)
    assert str(info.value) == f"cannot write the data package {out}: Input/output error"
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["package"]


@needs_repo
def test_a_problem_of_the_built_package_names_the_curated_line(
    tmp_path: Path, curated: Path
) -> None:
    """A duplicate id on line 19 of curated/carriers.csv was reported on line 3 of the
    built (sorted) table, in the deleted temporary folder."""
    path = curated / "carriers.csv"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    path.write_text("".join(lines) + lines[1], encoding="utf-8")
    carrier = lines[1].split(",")[0]
    with pytest.raises(DataPackageError) as info:
        build_package(RAW, curated, tmp_path / "package")
    assert info.value.problems == [
        Problem(
            "check_unique_keys",
            str(path),
            len(lines) + 1,
            "carrier_id",
            f"duplicate id (carrier_id={carrier})",
        )
    ]
    assert ".build-" not in str(info.value)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["curated"]


@needs_repo
@pytest.mark.parametrize(
    ("hours", "source", "said"),
    [
        ("0", "oogtv_cosun_campaign_2025", "0"),
        ("8770", "oogtv_cosun_campaign_2025", "at most 8,760 h/yr"),
        ("a campaign", "oogtv_cosun_campaign_2025", "a campaign"),
        ("3240", "", "column 'operating_hours_source' is empty"),
    ],
)
def test_operating_hours_out_of_range_or_without_source_name_the_curated_line(
    tmp_path: Path, curated: Path, hours: str, source: str, said: str
) -> None:
    """A plant's operating hours must be a number above 0 and at most 8,760 (all year: the
    model's year, over which the grid need and network tariff are sized), with a source:
    anything else names the curated line and field, and nothing is written."""
    path = curated / "site_products.csv"
    header, rows = read_rows(path)
    at = next(i for i, r in enumerate(rows) if r["site_id"] == "cosun_dinteloord")
    rows[at]["operating_hours"], rows[at]["operating_hours_source"] = hours, source
    write_rows(path, header, rows)
    with pytest.raises(DataPackageError) as info:
        build_package(RAW, curated, tmp_path / "package")
    problems = info.value.problems
    assert [(p.file, p.row, p.field) for p in problems] == [(str(path), at + 2, "operating_hours")]
    assert said in problems[0].message
    assert sorted(p.name for p in tmp_path.iterdir()) == ["curated"]


def _derived_plant(rows: list[dict[str, str]]) -> int:
    """The position of the first plant whose production the build derives (empty)."""
    return next(i for i, r in enumerate(rows) if r["production"] == "")


def _emission_factor_row(rows: list[dict[str, str]]) -> int:
    """The position of the gas boiler's first emission factor in route_parameters."""
    return next(
        i
        for i, r in enumerate(rows)
        if r["route_id"] == "gas_boiler_low" and r["parameter"] == "emission_factor"
    )


@needs_repo
@pytest.mark.parametrize(
    ("file", "pick", "cells", "field", "said"),
    [
        (
            "route_parameters.csv",
            _emission_factor_row,
            {"year": "abc"},
            "year",
            "'abc' is not allowed; allowed: a year of four digits",
        ),
        (
            "route_parameters.csv",
            _emission_factor_row,
            {"value": "abc"},
            "value",
            "'abc' is not allowed; allowed: a finite number",
        ),
        (
            "route_parameters.csv",
            _emission_factor_row,
            {"value": "inf"},
            "value",
            "'inf' is not allowed; allowed: a finite number",
        ),
        (
            "route_parameters.csv",
            _emission_factor_row,
            {"route_id": "no_such_route"},
            "route_id",
            "'no_such_route' is not allowed; allowed: a route_id of routes.csv",
        ),
        (
            "route_parameters.csv",
            _emission_factor_row,
            {"unit": "bananas"},
            "unit",
            "'bananas' is not allowed; allowed: a unit that converts to 'tCO2/GJ' (unit 'bananas' "
            "does not parse",
        ),
        (
            "site_products.csv",
            _derived_plant,
            {"emission_share": "abc"},
            "emission_share",
            "'abc' is not allowed; allowed: a finite number",
        ),
        (
            "site_products.csv",
            _derived_plant,
            {"product_id": "no_such_product"},
            "product_id",
            "'no_such_product' is not allowed; allowed: a product_id of products.csv",
        ),
        (
            "site_products.csv",
            _derived_plant,
            {"unit": "t/yr"},
            "unit",
            "'t/yr' is not allowed; allowed: a unit that converts to 'GJ/yr' (unit 't/yr' does not "
            "convert to 'GJ/yr'",
        ),
    ],
    ids=["ef-year", "ef-value", "ef-inf", "ef-route", "ef-unit", "share", "product", "unit"],
)
def test_a_cell_the_production_fill_reads_is_named(
    tmp_path: Path,
    curated: Path,
    file: str,
    pick: Callable[[list[dict[str, str]]], int],
    cells: dict[str, str],
    field: str,
    said: str,
) -> None:
    """The build derives a plant's production from its site's verified emissions before the
    package's checks run: a bad cell it reads there (a year or value that is no number, an
    unknown route or product, a unit that does not convert) gave a ValueError or KeyError
    traceback, or a unit error naming no file. Now the file, line and field, and nothing is
    written."""
    path = curated / file
    header, rows = read_rows(path)
    at = pick(rows)
    rows[at].update(cells)
    write_rows(path, header, rows)
    with pytest.raises(KruispuntError) as info:
        build_package(RAW, curated, tmp_path / "package")
    assert str(info.value).startswith(f"{path}, line {at + 2}, field '{field}': ")
    assert said in str(info.value)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["curated"]


@needs_repo
def test_a_failed_build_takes_away_the_folders_it_made(tmp_path: Path, curated: Path) -> None:
    """A build into folders that did not exist, failing the package's checks, left them
    behind empty; now it leaves the file system as it found it, while a folder that was
    there stays."""
    path = curated / "site_products.csv"
    header, rows = read_rows(path)
    rows[0]["emission_share"] = "-1"
    write_rows(path, header, rows)
    (tmp_path / "there").mkdir()
    with pytest.raises(DataPackageError):
        build_package(RAW, curated, tmp_path / "there" / "new" / "deeper" / "package")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["curated", "there"]
    assert not any((tmp_path / "there").iterdir())


@needs_repo
def test_a_production_with_operating_hours_is_a_number(tmp_path: Path, curated: Path) -> None:
    """A plant with operating hours derives its capacity from its production: a production
    that is no number is named (was a ValueError traceback)."""
    path = curated / "site_products.csv"
    header, rows = read_rows(path)
    at = _derived_plant(rows)
    rows[at]["production"], rows[at]["production_source"] = "abc", "eutl_nl"
    rows[at]["operating_hours"], rows[at]["operating_hours_source"] = "3000", "eutl_nl"
    write_rows(path, header, rows)
    with pytest.raises(KruispuntError, match="field 'production': 'abc' is not allowed"):
        build_package(RAW, curated, tmp_path / "package")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["curated"]


@needs_repo
def test_a_curated_line_counts_a_cell_of_several_lines(tmp_path: Path, curated: Path) -> None:
    """The line is where the row starts in the curated file, after notes of several lines."""
    path = curated / "installation_sites.csv"
    header, rows = read_rows(path)
    rows[0]["note"] = "first line\nsecond line"
    rows[30]["site_id"] = "atlantis"
    write_rows(path, header, rows)
    with pytest.raises(DataPackageError) as info:
        build_package(RAW, curated, tmp_path / "package")
    fk = [p for p in info.value.problems if p.check == "check_foreign_keys"]
    assert [(p.file, p.row, p.field) for p in fk] == [(str(path), 33, "site_id")]
    assert "unknown site id 'atlantis'" in fk[0].message


@needs_repo
def test_a_value_the_build_made_is_named_with_its_row(tmp_path: Path, curated: Path) -> None:
    """Where the build made the value (a table of raw data, a derived cell, its own files),
    the problem names the built table, what it is built from and the row's key."""
    pkg = tmp_path / "built"
    build_package(RAW, CURATED, pkg)
    _, years = read_rows(pkg / "installation_years.csv")
    _, plants = read_rows(pkg / "site_products.csv")
    derived = next(
        i for i, p in enumerate(plants) if p["production_source"] == "derived_production"
    )
    _, curated_plants = read_rows(curated / "site_products.csv")
    key = ("site_id", "product_id", "unit_id")
    source_line = 2 + next(
        i for i, p in enumerate(curated_plants) if all(p[k] == plants[derived][k] for k in key)
    )
    seen: list[Path] = []

    def check(folder: Path) -> list[Problem]:
        seen.append(folder)
        return [
            Problem("x", str(folder / "installation_years.csv"), 2, "verified_emissions", "m1"),
            Problem("x", str(folder / "site_products.csv"), derived + 2, "production", "m2"),
            Problem("x", str(folder / "site_products.csv"), derived + 2, "site_id", "m3"),
            Problem("x", str(folder / "scenarios.yaml"), 3, None, f"m4 {folder / 'a'}"),
            Problem("x", str(folder / "datapackage.json"), None, None, "m5"),
            Problem("x", str(folder / "sources.csv"), None, None, "m6"),
        ]

    with pytest.raises(DataPackageError) as info:
        build_package(RAW, curated, tmp_path / "package", extra_checks=(check,))
    plant = plants[derived]
    plant_key = ", ".join(f"{k} '{plant[k]}'" for k in key)
    assert info.value.problems == [
        Problem(
            "x",
            f"installation_years.csv (built from {RAW}), row with installation_id "
            f"'{years[0]['installation_id']}', year '{years[0]['year']}'",
            None,
            "verified_emissions",
            "m1",
        ),
        Problem(
            "x",
            f"site_products.csv (built from {curated / 'site_products.csv'}, line "
            f"{source_line}), row with {plant_key}",
            None,
            "production",
            "m2",
        ),
        Problem("x", str(curated / "site_products.csv"), source_line, "site_id", "m3"),
        Problem("x", str(curated / "scenarios.yaml"), 3, None, "m4 the built package/a"),
        Problem("x", "datapackage.json (written by the build)", None, None, "m5"),
        Problem(
            "x",
            f"sources.csv (built from {curated / 'sources'}{os.sep}*.csv and the build)",
            None,
            None,
            "m6",
        ),
    ]
    assert str(seen[0]) not in str(info.value)


def test_a_package_table_that_is_not_utf8_names_its_line(package_copy: Path) -> None:
    """pandas said "can't decode byte 0xe9 in position 3", an offset in a chunk it read."""
    path = package_copy / "sites.csv"
    _edit_line(path, 41, _not_utf8)
    raw = read_raw(package_copy)
    assert raw.problems == [
        Problem(
            "check_tables_present",
            str(path),
            41,
            None,
            "not UTF-8 text (byte 0xe9 cannot be decoded)",
        )
    ]
    assert "sites" not in raw.tables


def test_rehash_refuses_a_missing_table(package_copy: Path) -> None:
    """It skipped a table the descriptor lists, and said nothing changed."""
    descriptor = (package_copy / "datapackage.json").read_bytes()
    (package_copy / "products.csv").unlink()
    with pytest.raises(DataPackageError) as info:
        rehash_package(package_copy)
    assert [(p.file, p.message) for p in info.value.problems] == [
        (
            str(package_copy / "products.csv"),
            "table 'products' is missing, but datapackage.json lists it: put its file back "
            "(rehash records the hashes of the tables there are; it removes no table)",
        )
    ]
    assert (package_copy / "datapackage.json").read_bytes() == descriptor
    out = invoke("data", "rehash", str(package_copy))
    assert_user_error(out, "table 'products' is missing")


@needs_repo
def test_a_repeated_key_in_a_curated_table_is_named(curated: Path, tmp_path: Path) -> None:
    """A product given twice reached the production fill before any check: its unit came
    out as a pandas Series ("unit 'tCO2/product_id ... Name: unit' does not parse"), with
    no file or line."""
    path = curated / "products.csv"
    lines = path.read_bytes().split(b"\n")
    lines.insert(3, lines[1])  # line 2 again, as line 4
    path.write_bytes(b"\n".join(lines))
    said = f"{path}, line 4: the row with product_id 'crude_steel' is there already"
    with pytest.raises(KruispuntError, match=re.escape(said)):
        build_package(RAW, curated, tmp_path / "p")
    assert not (tmp_path / "p").exists()


@needs_repo
def test_an_out_folder_under_a_file_and_a_raw_folder_that_is_a_file_are_named(
    tmp_path: Path,
) -> None:
    """``--out afile/sub`` failed after the build's work with 'File exists'; ``--raw afile``
    said 'folder not found' of a file that exists. Both are named before any work."""
    afile = tmp_path / "afile"
    afile.write_text("x", encoding="utf-8")
    out = invoke(
        "data", "build", "--raw", str(RAW), "--curated", str(CURATED), "--out", f"{afile}/sub"
    )
    assert_user_error(out, f"--out {afile}/sub: {afile} is not a folder")
    out = invoke(
        "data",
        "build",
        "--raw",
        str(afile),
        "--curated",
        str(CURATED),
        "--out",
        str(tmp_path / "p"),
    )
    assert_user_error(out, f"not a folder: {afile} (run from the repository root")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["afile"]


@pytest.fixture
def raw(tmp_path: Path) -> Path:
    """A writable copy of the raw inputs the build reads (the EUTL export and the NACE map)."""
    dest = tmp_path / "raw"
    for sub in ("eutl_nl_cedricr", "eutl_nl_nace_jabrell"):
        shutil.copytree(RAW / sub, dest / sub)
    return dest


EUTL = Path("eutl_nl_cedricr") / "installations-NL.csv"
NACE = Path("eutl_nl_nace_jabrell") / "installation_nace_NL.csv"


def _set_cell(path: Path, row: int, column: str, value: str) -> None:
    """Set ``column`` of data row ``row`` (1 = the first after the header) of a raw CSV."""
    df = pd.read_csv(path, dtype=str, keep_default_na=False, na_filter=False)
    df.loc[row - 1, column] = value
    df.to_csv(path, index=False)


def _tata_row(path: Path) -> int:
    """The data row (1 = the first after the header) of Tata Steel IJmuiden's installation."""
    df = pd.read_csv(path, dtype=str, keep_default_na=False, na_filter=False)
    return int((df["InstallationOrAircraftOperatorID"] == "144").to_numpy().argmax()) + 1


@needs_repo
@pytest.mark.parametrize(
    ("file", "damage", "said"),
    [
        (
            EUTL,
            lambda p: _set_cell(p, 1, "MainActivityTypeCode", "abc"),
            "data row 1, column MainActivityTypeCode: 'abc' is not a whole number",
        ),
        (
            EUTL,
            lambda p: _set_cell(p, 11, "MainActivityTypeCode", ""),
            "data row 11, column MainActivityTypeCode: '' is not a whole number",
        ),
        (
            EUTL,
            lambda p: _set_cell(p, 11, "InstallationOrAircraftOperatorID", "x12"),
            "data row 11, column InstallationOrAircraftOperatorID: 'x12' is not a whole number",
        ),
        (
            EUTL,
            lambda p: _edit_line(
                p, 1, lambda h: h.replace(b",VerifiedEmissions_2022,", b",VerifiedEmissionsX2022,")
            ),
            "columns missing: VerifiedEmissions_2022",
        ),
        (EUTL, lambda p: p.write_bytes(b""), "the file is empty"),
        (NACE, lambda p: p.write_bytes(b""), "the file is empty"),
        (
            NACE,
            lambda p: _edit_line(p, 1, lambda h: h.replace(b"id,", b"ident,", 1)),
            "columns missing: id",
        ),
        (NACE, lambda p: p.write_bytes(b"\xff\xfe" + p.read_bytes()), "line 1: not UTF-8 text"),
        (NACE, lambda p: _set_cell(p, 3, "id", "NL_x"), "data row 3, column id: 'NL_x'"),
        (
            EUTL,
            lambda p: _set_cell(p, 1, "MainActivityTypeCode", "9" * 20),
            f"data row 1, column MainActivityTypeCode: '{'9' * 20}' is not a whole number of "
            "at most 18 digits",
        ),
        (
            EUTL,
            lambda p: _set_cell(p, _tata_row(p), "VerifiedEmissions_2022", "9" * 20),
            "column VerifiedEmissions_2022 has values that are not numbers of at most 15 digits",
        ),
        (
            EUTL,
            lambda p: _set_cell(p, _tata_row(p), "VerifiedEmissions_2022", "1" + "0" * 19),
            "column VerifiedEmissions_2022 has values that are not numbers of at most 15 digits",
        ),
        (
            NACE,
            lambda p: _set_cell(p, 1, "id", "NL_" + "9" * 20),
            f"data row 1, column id: 'NL_{'9' * 20}'",
        ),
    ],
    ids=[
        "activity-text",
        "activity-empty",
        "id-text",
        "year-column",
        "eutl-empty",
        "nace-empty",
        "nace-column",
        "nace-not-utf8",
        "nace-id",
        "activity-20-digits",
        "emissions-20-digits",
        "emissions-wrap-int64",
        "nace-id-20-digits",
    ],
)
def test_a_broken_raw_input_is_named_not_a_traceback(
    raw: Path, tmp_path: Path, file: Path, damage: Callable[[Path], None], said: str
) -> None:
    """A broken cell, column or file of the raw EUTL export or the NACE map gave a pandas or
    Python traceback (ValueError of ``int('abc')``, KeyError of a renamed year column,
    EmptyDataError, UnicodeDecodeError, OverflowError of a 20-digit number; 10^19 t wrapped
    to a negative production unseen): now a message naming the file, the data row and the
    column, a non-zero exit, and no package written."""
    damage(raw / file)
    out = invoke(
        "data",
        "build",
        "--raw",
        str(raw),
        "--curated",
        str(CURATED),
        "--out",
        str(tmp_path / "p"),
    )
    assert_user_error(out, said)
    assert str(raw / file) in out.stderr
    assert not (tmp_path / "p").exists()
