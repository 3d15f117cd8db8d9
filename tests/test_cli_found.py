"""Every bad input that issue 10 found, as a real ``kruispunt`` subprocess.

Each case must exit 2 with one message that names the file, line or field, print no
traceback, and leave the results store exactly as it was (or not create one). The commands
run in parallel, a few at a time, in one fixture; each case is then its own test.
"""

from __future__ import annotations

import contextlib
import csv
import json
import os
import shutil
import sqlite3
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from kruispunt.catalogue.build import rehash_package
from kruispunt.catalogue.paths import default_package_path
from kruispunt.store import Store
from kruispunt.testing import synthetic_results
from tests.cli_helpers import Outcome, assert_user_error, invoke, kruispunt, snapshot


@dataclass
class Case:
    args: list[str]
    needles: tuple[str, ...]
    store: Path
    """The store the command uses: it must be left as it was (or not exist)."""
    subprocess: bool = True
    """Run as a real subprocess; variants of a case run in-process (typer's runner)."""
    more: Callable[[Outcome], None] | None = None
    outcome: Outcome | None = None
    before: dict[str, tuple[int, int, int]] = field(default_factory=dict)
    after: dict[str, tuple[int, int, int]] = field(default_factory=dict)


def _alias_bomb(levels: int = 9) -> str:
    lines = ["name: bomb", "lol:", "  a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    for i in range(1, levels):
        refs = ", ".join([f"*a{i - 1}"] * 9)
        lines.append(f"  a{i}: &a{i} [{refs}]")
    return "\n".join(lines) + "\n"


def _package_copy(root: Path, name: str) -> Path:
    dest = root / name
    shutil.copytree(default_package_path(), dest)
    return dest


def _set_cell(package: Path, table: str, column: str, value: str, row: int = 0) -> int:
    """Set one cell; return its CSV line (the header is line 1)."""
    path = package / f"{table}.csv"
    with path.open(newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        header, rows = list(reader.fieldnames or []), list(reader)
    rows[row][column] = value
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=header, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return row + 2


def _stored(root: Path, names: tuple[str, ...] = ("base", "policy")) -> list[str]:
    store = Store(root)
    return [store.save(synthetic_results(n_plants=4, seed=i), name=n) for i, n in enumerate(names)]


Builder = Callable[[Path], Case]
BUILDERS: dict[str, Builder] = {}
"""Each case by name: a function that prepares it in its own folder."""


def _scenario(name: str, text: str | bytes, *needles: str) -> None:
    def build(tmp: Path) -> Case:
        path = tmp / f"{name}.yaml"
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(text, encoding="utf-8")
        return Case(["run", str(path)], (str(path), *needles), tmp / "store")

    BUILDERS[name] = build


IN_PROCESS = {
    "latin1",
    "utf16_without_bom",
    "nesting_500_block",
    "start_year_2020",
    "start_year_2024",
    "end_year_2100",
    "eua_nan",
    "keys_under_the_size_limit",
    "unknown_keys_capped",
    "recursive_alias",
    "complex_key",
    "name_spaces",
    "descriptor_without_resources_validate",
    "descriptor_without_resources_run",
    "scenarios_broken_run",
    "scenarios_missing_run",
    "capacity_1e308_run",
    "edited_csv_run",
    "row_removed_run",
    "corrupt_catalogue_export",
    "corrupt_catalogue_compare",
    "corrupt_catalogue_run",
    "deleted_catalogue_run",
    "part_compare",
    "row_removed_validate",
    "descriptor_list_run",
}
"""Variants of a found case: checked in-process (fast); the case itself runs as a subprocess."""


# --- scenario files -------------------------------------------------------------------------

_scenario("alias_bomb", _alias_bomb(), "line 7", "too many YAML nodes", "alias")
_scenario("binary", b"name: x\n\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "line 4", "NUL bytes")
_scenario("latin1", "name: x\ndescription: café\n".encode("latin-1"), "line 2", "not UTF-8")
_scenario("utf16", "name: x\n".encode("utf-16"), "UTF-16")
_scenario("utf16_without_bom", "name: x\n".encode("utf-16-le"), "line 1", "UTF-16")
_scenario("nesting_5000_flow", "name: x\nlol: " + "[" * 5000 + "]" * 5000 + "\n", "line 2")
_scenario(
    "nesting_500_block",
    "name: x\n" + "".join("  " * i + f"k{i}:\n" for i in range(500)),
    "nested too deeply",
)
_scenario("seed_2_70", f"name: x\nseed: {2**70}\n", "line 2", "'seed'", "4294967295")
for _year in (2000, 2020, 2024):
    _scenario(
        f"start_year_{_year}", f"name: x\nstart_year: {_year}\n", "line 2", "'start_year'", "2025"
    )
_scenario("end_year_2100", "name: x\nend_year: 2100\n", "line 2", "'end_year'", "2050")
_scenario("eua_1e308", "name: x\neua_price: {2030: 1.0e+308}\n", "'eua_price.2030'", "10000")
_scenario("eua_inf", "name: x\neua_price:\n  2030: .inf\n", "line 3", "not a finite number")
_scenario("eua_nan", "name: x\neua_price:\n  2030: .nan\n", "line 3", "not a finite number")
_scenario(
    "keys_400000",
    "name: x\n" + "".join(f"unknown_{i}: {i}\n" for i in range(400_000)),
    "too large",
    "1 MiB",
)
_scenario(
    "keys_under_the_size_limit",
    "name: x\n" + "".join(f"k{i}: 1\n" for i in range(100_000)),
    "too many YAML nodes",
)
_scenario(
    "unknown_keys_capped",
    "name: x\n" + "".join(f"unknown_{i}: {i}\n" for i in range(500)),
    "line 2",
    "'unknown_0': unknown key",
    "... and 480 more",
)
_scenario(
    "quoted_number", "name: x\nrisk_sharing: '0.05'\n", "line 2", "'risk_sharing'", "without quotes"
)
_scenario("empty_path", "name: x\neua_price: {}\n", "line 2", "'eua_price'", "must not be empty")
for _value in ("true", "false"):
    _scenario(
        f"risk_sharing_{_value}",
        f"name: x\nrisk_sharing: {_value}\n",
        "line 2",
        "'risk_sharing'",
        "not numbers",
    )
_scenario("recursive_alias", "name: x\nlol: &a [1, *a]\n", "line 2", "recursive")
_scenario("complex_key", "name: x\n? [a, b]\n: 1\n", "line 2", "plain value")


# --- run: names and report paths, checked before any work ------------------------------------


def _case(name: str) -> Callable[[Builder], Builder]:
    def register(build: Builder) -> Builder:
        BUILDERS[name] = build
        return build

    return register


@_case("report_under_a_file")
def _report_under_a_file(tmp: Path) -> Case:
    blocker = tmp / "a-file"
    blocker.write_text("x", encoding="utf-8")
    return Case(
        ["run", "--report", str(blocker / "report.html")],
        ("cannot write report", str(blocker)),
        tmp / "store",
    )


@_case("report_is_a_folder")
def _report_is_a_folder(tmp: Path) -> Case:
    return Case(["run", "--report", str(tmp)], ("cannot write report", "is a folder"), tmp / "s")


for _label, _name in (("latest", "latest"), ("empty", ""), ("spaces", "   ")):
    BUILDERS[f"name_{_label}"] = lambda tmp, n=_name: Case(
        ["run", "--name", n], ("run name",), tmp / "store"
    )


@_case("report_write_fails_after_the_run")
def _report_write_fails(tmp: Path) -> Case:
    """The run is computed, but its report cannot be written: nothing is stored."""
    root = tmp / "store"
    _stored(root)
    if os.geteuid() == 0:  # root may write anywhere: the write itself fails, after the run
        return Case(
            ["run", "--store", str(root), "--report", "/proc/version"],
            ("cannot write report /proc/version",),
            root,
        )
    locked = tmp / "locked"
    locked.mkdir()
    locked.chmod(0o555)
    return Case(
        ["run", "--store", str(root), "--report", str(locked / "r.html")],
        ("cannot write report", "not writable"),
        root,
    )


@_case("ambiguous_prefix")
def _ambiguous_prefix(tmp: Path) -> Case:
    root = tmp / "store"
    a, b = _stored(root)
    prefix = a[: next(i for i, (x, y) in enumerate(zip(a, b, strict=True)) if x != y)]
    return Case(
        ["results", "show", prefix, "--store", str(root)],
        (f"run id prefix '{prefix}' matches 2 runs", a, b),
        root,
    )


# --- data packages ----------------------------------------------------------------------------


def _package(name: str, edit: Callable[[Path], tuple[str, ...]]) -> None:
    """Two cases: ``data validate`` and ``run --data`` of a package copy edited by ``edit``."""

    def build(command: str) -> Builder:
        def case(tmp: Path) -> Case:
            pkg = _package_copy(tmp, "package")
            needles = edit(pkg)
            args = (
                ["data", "validate", str(pkg)]
                if command == "validate"
                else ["run", "--data", str(pkg)]
            )
            return Case(args, needles, tmp / "store")

        return case

    BUILDERS[f"{name}_validate"] = build("validate")
    BUILDERS[f"{name}_run"] = build("run")


def _descriptor_list(pkg: Path) -> tuple[str, ...]:
    (pkg / "datapackage.json").write_text("[]\n", encoding="utf-8")
    return ("datapackage.json", "must be a JSON object, not a list")


def _descriptor_without_resources(pkg: Path) -> tuple[str, ...]:
    (pkg / "datapackage.json").write_text(json.dumps({"name": "x"}), encoding="utf-8")
    return ("datapackage.json", "field 'resources'", "non-empty list")


def _scenarios_broken(pkg: Path) -> tuple[str, ...]:
    (pkg / "scenarios.yaml").write_text("scenarios:\n  - name: [oops\n", encoding="utf-8")
    rehash_package(pkg)
    return ("scenarios.yaml", "line 3", "malformed YAML")


def _scenarios_missing(pkg: Path) -> tuple[str, ...]:
    (pkg / "scenarios.yaml").unlink()
    return ("scenarios.yaml", "not found")


def _capacity_1e308(pkg: Path) -> tuple[str, ...]:
    line = _set_cell(pkg, "site_products", "capacity", "1e308")
    rehash_package(pkg)
    return (f"site_products.csv, line {line}, field 'capacity'", "out of range", "1e+09")


def _edited_csv(pkg: Path) -> tuple[str, ...]:
    _set_cell(pkg, "sources", "note", "edited by hand")
    return ("sources.csv", "differs from the hash", "data rehash")


def _row_removed(pkg: Path) -> tuple[str, ...]:
    rows = (pkg / "installation_years.csv").read_text(encoding="utf-8").splitlines()
    (pkg / "installation_years.csv").write_text("\n".join(rows[:-1]) + "\n", encoding="utf-8")
    return ("installation_years.csv", "6,539 rows", "records 6,540")


def _base_electricity_row(pkg: Path, route: str, year: str, value: str) -> int:
    """Append a base_electricity row to route_parameters.csv; return its CSV line."""
    path = pkg / "route_parameters.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    lines.append(f"{route},base_electricity,{year},{value},GJ/GJ,,derived_heat_pump_hybrid,edit")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    rehash_package(pkg)
    return len(lines)


def _base_electricity_flat_load(pkg: Path) -> tuple[str, ...]:
    line = _base_electricity_row(pkg, "gas_boiler_low", "2025", "0.1")
    return (f"route_parameters.csv, line {line}, field 'value'", "not a flexible load")


@_case("base_electricity_between_years")
def _base_electricity_between_years(tmp: Path) -> Case:
    """Above the route's electricity in a year route_inputs.csv does not give: found when the
    series are interpolated (the assembly), with the same clean message."""
    pkg = _package_copy(tmp, "package")
    _base_electricity_row(pkg, "heat_pump_hybrid_low", "2035", "0.9")
    return Case(
        ["run", "--data", str(pkg)],
        ("route_parameters.csv", "'heat_pump_hybrid_low'", "base_electricity above"),
        tmp / "store",
    )


_package("descriptor_list", _descriptor_list)
_package("descriptor_without_resources", _descriptor_without_resources)
_package("scenarios_broken", _scenarios_broken)
_package("scenarios_missing", _scenarios_missing)
_package("capacity_1e308", _capacity_1e308)
_package("edited_csv", _edited_csv)
_package("row_removed", _row_removed)
_package("base_electricity_flat_load", _base_electricity_flat_load)


# --- results store ----------------------------------------------------------------------------


@_case("list_missing_store")
def _list_missing_store(tmp: Path) -> Case:
    typo = tmp / "typo"
    return Case(["results", "list", "--store", str(typo)], (str(typo), "does not exist"), typo)


def _corrupt_catalogue(command: str) -> Builder:
    def build(tmp: Path) -> Case:
        root = tmp / "store"
        a, b = _stored(root)
        (root / "catalogue.sqlite").write_bytes(os.urandom(4096))
        args = {
            "list": ["results", "list"],
            "show": ["results", "show", a],
            "export": ["export", a, "-o", str(tmp / "never.csv")],
            "compare": ["compare", a, b, "--report", str(tmp / "never.html")],
            "run": ["run", "--dry-run"],
        }[command]
        return Case(
            [*args, "--store", str(root)],
            ("catalogue.sqlite is damaged", "kruispunt results repair"),
            root,
        )

    return build


for _command in ("list", "show", "export", "compare", "run"):
    BUILDERS[f"corrupt_catalogue_{_command}"] = _corrupt_catalogue(_command)


def _deleted_catalogue(command: str) -> Builder:
    def build(tmp: Path) -> Case:
        root = tmp / "store"
        _stored(root)
        (root / "catalogue.sqlite").unlink()
        args = ["results", "list"] if command == "list" else ["run", "--dry-run"]
        return Case(
            [*args, "--store", str(root)], ("no run catalogue", "kruispunt results repair"), root
        )

    return build


for _command in ("list", "run"):
    BUILDERS[f"deleted_catalogue_{_command}"] = _deleted_catalogue(_command)


def _damaged_part(command: str) -> Builder:
    def build(tmp: Path) -> Case:
        root = tmp / "store"
        a, b = _stored(root)
        (root / "runs" / a / "plant_year.parquet").unlink()
        (root / "runs" / b / "product_year.parquet").write_bytes(b"not parquet at all")
        args, needles = {
            "show_deleted": (["results", "show", a], (f"run {a} is damaged", "plant_year.parquet")),
            "export_corrupt": (
                ["export", b, "-o", str(tmp / "never.csv")],
                (f"run {b} is damaged", "product_year.parquet"),
            ),
            "compare": (
                ["compare", a, b, "--report", str(tmp / "n.html")],
                (f"run {a} is damaged", "kruispunt results repair"),
            ),
        }[command]
        return Case([*args, "--store", str(root)], needles, root)

    return build


for _command in ("show_deleted", "export_corrupt", "compare"):
    BUILDERS[f"part_{_command}"] = _damaged_part(_command)


@pytest.fixture(scope="module")
def found(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Case]:
    tmp = tmp_path_factory.mktemp("found")
    cases = {}
    for name, build in BUILDERS.items():
        folder = tmp / name
        folder.mkdir()
        cases[name] = build(folder)
        cases[name].subprocess = name not in IN_PROCESS
        cases[name].before = snapshot(cases[name].store)
    default_store = tmp / "default-store"

    def run(case: Case) -> Outcome:
        return kruispunt(*case.args, store=default_store, cwd=tmp)

    real = [c for c in cases.values() if c.subprocess]
    with ThreadPoolExecutor(max_workers=max(2, os.cpu_count() or 2)) as pool:
        for case, outcome in zip(real, pool.map(run, real), strict=True):
            case.outcome = outcome
    for case in cases.values():  # after the subprocesses: the runner changes os.environ
        if not case.subprocess:
            case.outcome = invoke(*case.args, store=default_store)
        case.after = snapshot(case.store)
    assert not default_store.exists()
    return cases


@pytest.mark.parametrize("name", sorted(BUILDERS))
def test_found_case_is_a_clean_user_error(found: dict[str, Case], name: str) -> None:
    case = found[name]
    assert case.outcome is not None
    assert_user_error(case.outcome, *case.needles)
    assert case.after == case.before, "the store changed"
    if case.more is not None:
        case.more(case.outcome)


def test_a_damaged_catalogue_is_repaired(tmp_path: Path) -> None:
    root = tmp_path / "store"
    ids = _stored(root, ("a", "b", "c"))
    (root / "catalogue.sqlite").write_bytes(b"SQLite format 3\x00" + os.urandom(2000))
    (root / "runs" / ids[1] / "manifest.json").write_text("{", encoding="utf-8")
    repaired = kruispunt("results", "repair", "--store", str(root))
    assert repaired.code == 0, repaired.stderr
    assert f"set aside {ids[1]}" in repaired.stdout
    assert "rebuilt the run catalogue: 2 run(s); 1 set aside" in repaired.stdout
    assert (root / "broken" / ids[1] / "manifest.json").is_file()
    listed = kruispunt("results", "list", "--store", str(root))
    assert listed.code == 0, listed.stderr
    assert ids[0] in listed.stdout and ids[2] in listed.stdout and ids[1] not in listed.stdout
    with contextlib.closing(sqlite3.connect(root / "catalogue.sqlite")) as con:
        names = [r[0] for r in con.execute("SELECT name FROM runs ORDER BY run_id")]
    assert names == ["a", "c"]
