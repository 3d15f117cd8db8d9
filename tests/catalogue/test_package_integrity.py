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
from kruispunt.errors import DataPackageError, KruispuntError, Problem
from tests.catalogue.conftest import REPO

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
        ("policy", "value", "1e20", {"parameter": "budget"}, "between 0 and 1e+12 EUR"),
        ("policy", "value", "-5", {"parameter": "eua_price"}, "between 0 and 10,000 EUR/tCO2"),
        ("carrier_prices", "value", "1e9", None, "between 0 and 100,000 EUR/t"),
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
