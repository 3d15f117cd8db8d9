"""datapackage.json is checked against its own shape, every table against its recorded hash
and row count, every number against its stated bounds; an edited copy can be re-recorded; the
embedded package is loaded once and handed out as copies."""

from __future__ import annotations

import ast
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from kruispunt.catalogue import load as load_module
from kruispunt.catalogue.build import rehash_package
from kruispunt.catalogue.load import load_catalogue
from kruispunt.catalogue.paths import default_package_path
from kruispunt.catalogue.raw import read_raw
from kruispunt.catalogue.schema import table_specs
from kruispunt.errors import DataPackageError, KruispuntError, Problem
from tests.catalogue.conftest import REPO, read_rows, write_rows

SRC = REPO / "src" / "kruispunt"


def problems_of(path: Path) -> list[Problem]:
    with pytest.raises(DataPackageError) as info:
        load_catalogue(path)
    return info.value.problems


def only(problems: list[Problem], check: str) -> list[Problem]:
    return [p for p in problems if p.check == check]


def _descriptor(package: Path) -> dict[str, Any]:
    return json.loads((package / "datapackage.json").read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def _write_descriptor(package: Path, value: object) -> None:
    (package / "datapackage.json").write_text(json.dumps(value), encoding="utf-8")


# --- datapackage.json -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "field", "text"),
    [
        ([], None, "must be a JSON object, not a list"),
        ("text", None, "must be a JSON object, not text"),
        (None, None, "must be a JSON object, not null"),
        ({"name": "x"}, "resources", "must be a non-empty list"),
        ({"name": "x", "resources": []}, "resources", "must be a non-empty list"),
    ],
)
def test_descriptor_that_is_not_a_package(
    package_copy: Path, value: object, field: str | None, text: str
) -> None:
    _write_descriptor(package_copy, value)
    found = only(problems_of(package_copy), "check_descriptor")
    assert any(p.field == field and text in p.message for p in found), found


def test_descriptor_entries_are_checked(package_copy: Path) -> None:
    d = _descriptor(package_copy)
    d["resources"][0]["path"] = "../elsewhere.csv"
    d["resources"][1]["hash"] = "md5:abc"
    d["resources"][2]["rows"] = -3
    d["resources"][3]["schema"]["fields"].reverse()
    d["resources"].append(dict(d["resources"][4]))
    d["resources"].append({"name": "secret_table"})
    d["scenarios"] = {"path": "other.yaml"}
    _write_descriptor(package_copy, d)
    found = {
        (p.field, p.message.split(";")[0])
        for p in only(problems_of(package_copy), "check_descriptor")
    }
    assert ("resources[0].path", "must be 'sources.csv', not '../elsewhere.csv'") in found
    assert ("resources[1].hash", "must be 'sha256:' followed by 64 hexadecimal digits") in found
    assert any(f == "resources[2].rows" for f, _ in found)
    assert any(f == "resources[3].schema.fields" for f, _ in found)
    assert any(f == f"resources[{len(d['resources']) - 2}].name" and "twice" in m for f, m in found)
    assert any(
        f == f"resources[{len(d['resources']) - 1}].name" and "secret_table" in m for f, m in found
    )
    assert any(f == "scenarios" for f, _ in found)


@pytest.mark.parametrize(
    ("content", "text"),
    [
        (b"\xff\xfe{}", "not UTF-8"),
        (b"{" * 100_000, "not valid JSON"),
        (b'{"name": ', "not valid JSON"),
    ],
)
def test_descriptor_that_does_not_read(package_copy: Path, content: bytes, text: str) -> None:
    (package_copy / "datapackage.json").write_bytes(content)
    found = only(problems_of(package_copy), "check_tables_present")
    assert any(p.file.endswith("datapackage.json") and text in p.message for p in found), found


# --- hashes and row counts --------------------------------------------------------------------


def test_an_edited_table_is_refused_until_rehashed(
    package_copy: Path, edit_cell: Callable[..., int]
) -> None:
    edit_cell("sources", "note", "changed by hand")
    (problem,) = only(problems_of(package_copy), "check_hashes")
    assert problem.file.endswith("sources.csv") and problem.row is None
    assert "differs from the hash recorded in datapackage.json" in problem.message
    assert f"kruispunt data rehash {package_copy}" in problem.message
    assert rehash_package(package_copy) == ["sources.csv"]
    assert rehash_package(package_copy) == []
    assert load_catalogue(package_copy).sources["note"].str.contains("changed by hand").any()


def test_row_count_and_scenarios_hash(package_copy: Path) -> None:
    d = _descriptor(package_copy)
    d["resources"][0]["rows"] += 1
    _write_descriptor(package_copy, d)
    with (package_copy / "scenarios.yaml").open("a", encoding="utf-8") as fh:
        fh.write("# a comment\n")
    found = only(problems_of(package_copy), "check_hashes")
    messages = {Path(p.file).name: p.message for p in found}
    assert "rows, but datapackage.json records" in messages["sources.csv"]
    assert "differs from the hash" in messages["scenarios.yaml"]


def test_a_recorded_count_of_zero_rows_is_a_count(package_copy: Path) -> None:
    """0 is a row count datapackage.json may record (check_descriptor takes it); for a table
    that has rows it is the wrong count, refused by check_hashes with both numbers."""
    d = _descriptor(package_copy)
    assert d["resources"][0]["name"] == "sources"
    d["resources"][0]["rows"] = 0
    _write_descriptor(package_copy, d)
    problems = problems_of(package_copy)
    assert only(problems, "check_descriptor") == []
    (found,) = only(problems, "check_hashes")
    n = len(read_raw(package_copy).tables["sources"])
    assert Path(found.file).name == "sources.csv"
    assert found.message.startswith(f"{n:,} rows, but datapackage.json records 0; rebuild")


def test_rehash_refuses_the_embedded_package_and_broken_descriptors(package_copy: Path) -> None:
    with pytest.raises(KruispuntError, match="embedded data package"):
        rehash_package(default_package_path())
    _write_descriptor(package_copy, [])
    with pytest.raises(DataPackageError, match="must be a JSON object"):
        rehash_package(package_copy)


def test_rehash_from_the_command_line(package_copy: Path, edit_cell: Callable[..., int]) -> None:
    from tests.cli_helpers import invoke

    edit_cell("sources", "note", "changed by hand")
    outcome = invoke("data", "rehash", str(package_copy))
    assert outcome.code == 0, outcome
    assert "sources.csv" in outcome.stdout
    validated = invoke("data", "validate", str(package_copy))
    assert validated.code == 0, validated
    assert "passes every check" in validated.stdout


# --- bounds -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("table", "field", "value", "where", "message"),
    [
        ("site_products", "capacity", "1e308", None, "must be at most 1e+09"),
        ("site_products", "emission_share", "1.5", None, "must be at most 1"),
        ("sites", "latitude", "91", None, "must be at most 90"),
        ("installation_years", "year", "99999", None, "must be at most 2,100"),
        ("installations", "installation_id", "9" * 40, None, "must be at most 1e+09"),
        ("route_parameters", "value", "1.5", {"parameter": "capture_rate"}, "between 0 and 1"),
        ("route_parameters", "value", "0", {"parameter": "lifetime"}, "between 1 and 100 yr"),
        ("route_parameters", "value", "2.5", {"parameter": "lead_time"}, "a whole number"),
        ("infrastructure", "value", "0.5", {"parameter": "connected"}, "0 or 1"),
        # out of range and not 0 or 1, or out of range and tiny: the range is what is named
        ("infrastructure", "value", "2", {"parameter": "connected"}, "between 0 and 1"),
        ("route_parameters", "value", "1e-12", {"parameter": "lifetime"}, "between 1 and 100 yr"),
        ("policy", "value", "1e20", {"parameter": "budget"}, "between 0 and 1e+12 EUR"),
        ("policy", "value", "-5", {"parameter": "eua_price"}, "between 0 and 10,000 EUR/tCO2"),
        ("carrier_prices", "value", "1e9", None, "between 0 and 100,000 EUR/t"),
        # more hours than the model's year: the grid need and network tariff are sized on it
        ("site_products", "operating_hours", "8770", None, "must be at most 8,760 h/yr"),
    ],
)
def test_numbers_out_of_their_bounds(
    package_copy: Path,
    edit_cell: Callable[..., int],
    table: str,
    field: str,
    value: str,
    where: dict[str, str] | None,
    message: str,
) -> None:
    def match(row: dict[str, str]) -> bool:
        return where is None or all(row[k] == v for k, v in where.items())

    line = edit_cell(table, field, value, match)
    rehash_package(package_copy)
    found = only(problems_of(package_copy), "check_bounds")
    assert [(Path(p.file).name, p.row, p.field) for p in found] == [(f"{table}.csv", line, field)]
    assert message in found[0].message, found[0].message


def test_bounds_apply_in_canonical_units(package_copy: Path, edit_cell: Callable[..., int]) -> None:
    """2e6 kt/yr is 2e9 t/yr: over the bound, although 2e6 alone is under it."""
    edit_cell("site_products", "unit", "kt/yr", lambda r: r["unit"] == "t/yr")
    line = edit_cell("site_products", "capacity", "2e6", lambda r: r["unit"] == "kt/yr")
    rehash_package(package_copy)
    (problem,) = only(problems_of(package_copy), "check_bounds")
    assert problem.row == line
    assert problem.message.startswith("2e6 kt/yr (= 2e+09 t/yr) is out of range")


def test_tiny_numbers_stop_below_1e_9(package_copy: Path, edit_cell: Callable[..., int]) -> None:
    """'A number other than 0 is at least 1e-9': a capture rate of exactly 1e-9 loads as
    given, one of 9.9e-10 is refused as too small, naming the canonical unit."""
    smr_ccs = {"route_id": "smr_ccs", "parameter": "capture_rate"}

    def match(row: dict[str, str]) -> bool:
        return all(row[k] == v for k, v in smr_ccs.items())

    line = edit_cell("route_parameters", "value", "1e-9", match)
    rehash_package(package_copy)
    rp = load_catalogue(package_copy).route_parameters
    loaded = rp[(rp["route_id"] == "smr_ccs") & (rp["parameter"] == "capture_rate")]
    assert loaded["value"].tolist() == [1e-9]
    edit_cell("route_parameters", "value", "9.9e-10", match)
    rehash_package(package_copy)
    (problem,) = only(problems_of(package_copy), "check_bounds")
    assert (problem.row, problem.field) == (line, "value")
    assert problem.message == "9.9e-10 is too small: give 0 or at least 1e-09 dimensionless"


def test_every_numeric_field_and_parameter_is_bounded() -> None:
    from kruispunt.catalogue.schema import LONG_TABLE_PARAMETER_KEY, parameter_specs, table_specs

    for spec in table_specs().values():
        for f in spec.fields:
            if f.is_numeric and not (spec.name in LONG_TABLE_PARAMETER_KEY and f.name == "value"):
                assert f.maximum, f"{spec.name}.{f.name} has no maximum"
    for table in LONG_TABLE_PARAMETER_KEY:
        for name, p in parameter_specs(table).items():
            assert p.minimum > float("-inf") and p.maximum < float("inf"), (table, name)


# --- one load per process ---------------------------------------------------------------------


def test_the_embedded_package_is_loaded_once_and_handed_out_as_copies() -> None:
    first = load_catalogue()
    first.sites.loc[0, "name"] = "changed"
    first.site_products["capacity"] *= 2
    first.tables["sites"] = first.sites.iloc[:0]
    second = load_catalogue()
    assert second.sites.loc[0, "name"] != "changed"
    assert len(second.sites) > 100
    assert (second.site_products["capacity"] != first.site_products["capacity"]).all()
    values = second.site_products["capacity"].to_numpy()
    with pytest.raises(ValueError, match="read-only"):
        values[0] = -1.0  # shared with the cached copy: pandas makes it read-only


def test_a_given_folder_is_always_read_afresh(
    package_copy: Path, edit_cell: Callable[..., int]
) -> None:
    before = load_catalogue(package_copy)
    edit_cell("sites", "name", "Renamed site")
    rehash_package(package_copy)
    after = load_catalogue(package_copy)
    assert after.sites.loc[0, "name"] == "Renamed site" != before.sites.loc[0, "name"]


def test_a_rebuilt_embedded_package_is_loaded_again(
    package_copy: Path, edit_cell: Callable[..., int], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(load_module, "default_package_path", lambda: package_copy)
    before = load_catalogue()
    edit_cell("sites", "name", "Renamed site")
    rehash_package(package_copy)
    assert load_catalogue().sites.loc[0, "name"] == "Renamed site" != before.sites.loc[0, "name"]


def test_the_data_hash_covers_the_tables_the_descriptor_and_the_scenarios(
    package_copy: Path,
) -> None:
    """A run records the package's data hash: it changes with the default scenarios as with
    a table, and not with a file the package does not read."""
    before = load_module.data_hash(package_copy)
    assert len(before) == 64
    (package_copy / "notes.txt").write_text("not part of the package\n", encoding="utf-8")
    assert load_module.data_hash(package_copy) == before
    with (package_copy / "scenarios.yaml").open("a", encoding="utf-8") as fh:
        fh.write("# a comment\n")
    after_scenarios = load_module.data_hash(package_copy)
    assert after_scenarios != before
    with (package_copy / "datapackage.json").open("a", encoding="utf-8") as fh:
        fh.write("\n")
    assert load_module.data_hash(package_copy) != after_scenarios


def test_wide_tables_keep_only_their_fields_in_canonical_units() -> None:
    """Only long tables (and money fields, see test_deflation.py) keep an original value:
    a wide table with a unit column holds its fields, converted. Yara's Northern Lights
    contract of 0.8 Mt/yr is 800,000 t/yr."""
    cat = load_catalogue()
    for name in ("site_products", "storage_contracts", "carriers"):
        assert list(cat[name].columns) == [f.name for f in table_specs()[name].fields], name
    sc = cat.storage_contracts.set_index(["project", "site_id"])
    row = sc.loc[("northern_lights_yara", "yara_sluiskil")]
    assert (row["capacity"], row["unit"]) == (pytest.approx(800_000.0), "t/yr")
    _, rows = read_rows(default_package_path() / "storage_contracts.csv")
    (given,) = [r for r in rows if r["project"] == "northern_lights_yara"]
    assert (given["capacity"], given["unit"]) == ("0.8", "Mt/yr")


# --- one-way imports --------------------------------------------------------------------------

ABOVE_THE_CATALOGUE = (
    "kruispunt.scenarios",
    "kruispunt.assemble",
    "kruispunt.inputs",
    "kruispunt.engine",
    "kruispunt.policy",
    "kruispunt.results",
    "kruispunt.metrics",
    "kruispunt.store",
    "kruispunt.reports",
    "kruispunt.export",
    "kruispunt.cli",
    "kruispunt.api",
)


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    out: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            out.add(node.module)
        elif isinstance(node, ast.Import):
            out.update(alias.name for alias in node.names)
    return out


def test_the_catalogue_imports_nothing_above_it() -> None:
    """DESIGN.md §5: data package -> catalogue -> scenario -> inputs -> ... one way only."""
    for path in sorted((SRC / "catalogue").rglob("*.py")):
        bad = {m for m in _imports(path) if m.startswith(ABOVE_THE_CATALOGUE)}
        assert not bad, f"{path.relative_to(SRC)} imports {sorted(bad)}"


def test_scenarios_import_nothing_above_them() -> None:
    above = tuple(m for m in ABOVE_THE_CATALOGUE if m != "kruispunt.scenarios")
    bad = {m for m in _imports(SRC / "scenarios.py") if m.startswith(above)}
    assert not bad, bad


def test_route_families_follow_the_engine_and_the_data_package() -> None:
    from kruispunt.catalogue.schema import table_specs
    from kruispunt.vocabulary import FAMILIES, SWITCHABLE_FAMILIES

    switchable = tuple(f for f in FAMILIES if f not in ("incumbent", "closure"))
    assert SWITCHABLE_FAMILIES == switchable
    assert set(table_specs()["routes"].field("family").enum) == set(FAMILIES)


def test_energy_tax_thresholds_rise_from_bracket_to_bracket(
    package_copy: Path, edit_cell: Callable[..., int]
) -> None:
    """The engine cannot tax by brackets whose limits fall (found by the fuzzing suite)."""
    line = edit_cell(
        "policy",
        "value",
        "1e12",
        lambda r: r["parameter"] == "gas_threshold_bracket_1" and r["year"] == "2025",
    )
    rehash_package(package_copy)
    found = only(problems_of(package_copy), "check_energy_tax_brackets")
    assert len(found) == 1
    assert found[0].message.startswith("gas threshold of bracket 2 (")
    assert "is below that of bracket 1 (" in found[0].message
    assert f", line {line}) in 2025: thresholds must not fall" in found[0].message


def test_every_energy_tax_bracket_has_its_threshold(package_copy: Path) -> None:
    from tests.catalogue.conftest import read_rows, write_rows

    path = package_copy / "policy.csv"
    header, rows = read_rows(path)
    write_rows(path, header, [r for r in rows if r["parameter"] != "gas_threshold_bracket_2"])
    rehash_package(package_copy)
    (found,) = only(problems_of(package_copy), "check_energy_tax_brackets")
    assert found.field == "parameter" and found.row is None
    assert found.message.startswith("energy_tax.gas_threshold_bracket_2 is missing")


def _policy_rows(package: Path) -> tuple[Path, list[str], list[dict[str, str]]]:
    path = package / "policy.csv"
    header, rows = read_rows(path)
    return path, header, rows


def test_equal_thresholds_of_two_brackets_do_not_fall(package_copy: Path) -> None:
    """Thresholds 'must not fall': gas bracket 2 ending where bracket 1 ends (170,000 m3_ae a
    year in every year) is a bracket of no width, not a fall, and loads."""
    from tests.catalogue.conftest import write_rows

    path, header, rows = _policy_rows(package_copy)
    changed = 0
    for r in rows:
        if (r["instrument"], r["parameter"]) == ("energy_tax", "gas_threshold_bracket_2"):
            r["value"], r["unit"] = "170000", "m3_ae/yr"
            changed += 1
    assert changed == 5  # 2021-2025
    write_rows(path, header, rows)
    rehash_package(package_copy)
    pol = load_catalogue(package_copy).policy
    held = pol[pol["parameter"].isin(["gas_threshold_bracket_1", "gas_threshold_bracket_2"])]
    assert held["value"].nunique() == 1


@pytest.mark.parametrize(
    ("removed", "n"),
    [("gas_threshold_bracket_3", 4), ("gas_rate_bracket_4", 4)],
)
def test_the_highest_bracket_needs_its_rate_and_the_one_below_its_threshold(
    package_copy: Path, removed: str, n: int
) -> None:
    """Gas has 4 brackets: thresholds 1-3 and rates 1-4. Without the last threshold the rate
    of bracket 4 still says there are 4 brackets; without the last rate the threshold of
    bracket 3 still says so. Either gap is named."""
    path, header, rows = _policy_rows(package_copy)
    write_rows(path, header, [r for r in rows if r["parameter"] != removed])
    rehash_package(package_copy)
    (found,) = only(problems_of(package_copy), "check_energy_tax_brackets")
    assert (found.field, found.row) == ("parameter", None)
    assert found.message.startswith(
        f"energy_tax.{removed} is missing: gas has {n} brackets, each needs its rate"
    )


def test_every_table_is_described_once_in_the_docs_with_its_key() -> None:
    """docs/data-package.md describes each table of the embedded package in one row of its
    table list, whose key column is the table's primary key: a table added, renamed or
    re-keyed without its row (or left there twice) fails here."""
    rows: dict[str, list[str]] = {}
    for line in (REPO / "docs" / "data-package.md").read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if line.startswith("| `") and len(cells) >= 3:
            name = cells[0].strip("`")
            rows.setdefault(name, []).append(cells[1].replace("`", ""))
    resources = _descriptor(default_package_path())["resources"]
    assert sorted(rows) == sorted(r["name"] for r in resources)
    for r in resources:
        assert rows[r["name"]] == [", ".join(r["schema"]["primaryKey"])], r["name"]


@pytest.mark.parametrize(
    ("where", "edit", "message"),
    [
        # one field more in the first row: pandas read the first column as an index and the
        # check of its cells failed on a route id as a line number (a traceback)
        (1, lambda line: line + ",zzz", "9 fields, but the header has 8; a cell that holds"),
        (5, lambda line: line + ",zzz", "9 fields, but the header has 8; a cell that holds"),
        # a row cut short: pandas filled it with empty cells, read as wrong data
        (3, lambda line: line.split(",")[0], "1 fields, but the header has 8 (this row has none"),
    ],
)
def test_a_row_with_the_wrong_number_of_fields_is_named_by_its_line(
    package_copy: Path, where: int, edit: Callable[[str], str], message: str
) -> None:
    """carrier_prices.csv of a built package with a row of one field more (the first data
    row, or a later one) or one cut short: a problem of the file naming the row's line and
    what is wrong, and the table is not read (the same message as a curated file's,
    tests/catalogue/test_build_errors.py)."""
    path = package_copy / "carrier_prices.csv"
    lines = path.read_text(encoding="utf-8").split("\n")
    lines[where] = edit(lines[where])
    path.write_text("\n".join(lines), encoding="utf-8")
    raw = read_raw(package_copy)
    assert "carrier_prices" not in raw.tables
    found = [p for p in raw.problems if p.file == str(path)]
    assert len(found) == 1, raw.problems
    assert found[0].row == where + 1
    assert found[0].message.startswith(message)
    problems = problems_of(package_copy)  # the checks run on without the table, no crash
    assert any(p.file == str(path) and p.row == where + 1 for p in problems)


def test_a_nul_character_in_a_table_is_named_by_its_line(package_copy: Path) -> None:
    """A NUL byte inside a note of a built package passed ``data validate``: pandas keeps it
    in the cell, and tools that read the table as text cut the cell there."""
    path = package_copy / "carriers.csv"
    lines = path.read_text(encoding="utf-8").split("\n")
    lines[3] = lines[3] + "\x00"
    path.write_text("\n".join(lines), encoding="utf-8")
    raw = read_raw(package_copy)
    assert "carriers" not in raw.tables
    [found] = [p for p in raw.problems if p.file == str(path)]
    assert (found.row, found.message) == (
        4,
        "holds a NUL character (byte 0x00), which no cell of a table may hold; remove it",
    )
