"""Tests for kruispunt.cli_results: results list/show/delete, compare, export, summary."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import typer
from rich.console import Console
from typer.testing import CliRunner

from kruispunt.cli_results import compare, export, print_summary, results_app
from kruispunt.export import read_export
from kruispunt.results import Results
from kruispunt.store import Store
from kruispunt.testing import synthetic_results
from tests.cli_helpers import assert_user_error, invoke

ENV = {"COLUMNS": "250", "NO_COLOR": "1"}


@pytest.fixture(scope="module")
def app() -> typer.Typer:
    app = typer.Typer()
    app.add_typer(results_app, name="results")
    app.command()(compare)
    app.command("export")(export)
    return app


@pytest.fixture
def stored(tmp_path: Path) -> tuple[Path, str, str]:
    root = tmp_path / "store"
    store = Store(root)
    a = store.save(synthetic_results(n_plants=6, seed=1), name="base")
    b = store.save(synthetic_results(n_plants=6, seed=2), name="policy")
    return root, a, b


def run(app: typer.Typer, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args), env=ENV)
    return result.exit_code, result.output


def test_list_show_delete(app: typer.Typer, stored: tuple[Path, str, str]) -> None:
    root, a, b = stored
    code, out = run(app, "results", "list", "--store", str(root))
    assert code == 0
    assert a in out and b in out and "base" in out
    code, out = run(app, "results", "show", "base", "--store", str(root))
    assert code == 0, out
    assert a in out and "plant_year" in out and "Direct emissions 2030" in out
    code, out = run(app, "results", "delete", a, "--store", str(root), "--yes")
    assert code == 0 and f"deleted {a}" in out
    assert Store(root).list()["run_id"].tolist() == [b]


def test_each_command_reads_the_terminal_width(
    app: typer.Typer, stored: tuple[Path, str, str]
) -> None:
    """A narrow command first (as another test module may run one in this process) does not
    narrow the next one: the console is made per command, not kept from the first."""
    root = stored[0]

    def widest(output: str) -> int:
        return max(len(line) for line in output.splitlines())

    narrow = CliRunner().invoke(
        app, ["results", "list", "--store", str(root)], env={"COLUMNS": "40"}
    )
    assert narrow.exit_code == 0 and widest(narrow.output) <= 40
    code, out = run(app, "results", "list", "--store", str(root))  # COLUMNS 250
    assert code == 0 and widest(out) > 40 and "base" in out


def test_delete_asks_first(app: typer.Typer, stored: tuple[Path, str, str]) -> None:
    root, a, _ = stored
    result = CliRunner().invoke(
        app, ["results", "delete", a, "--store", str(root)], input="n\n", env=ENV
    )
    assert result.exit_code == 1
    assert a in Store(root).list()["run_id"].tolist()


def test_unknown_run_is_a_clear_error(app: typer.Typer, stored: tuple[Path, str, str]) -> None:
    root, a, _ = stored
    for args in (
        ["results", "show", "nope"],
        ["results", "delete", "nope", "--yes"],
        ["export", "nope"],
        ["compare", "nope", a],
    ):
        code, out = run(app, *args, "--store", str(root))
        assert code == 2, (args, out)
        assert "unknown run 'nope'" in out
        assert "Traceback" not in out


def test_export(app: typer.Typer, stored: tuple[Path, str, str], tmp_path: Path) -> None:
    root, a, _ = stored
    target = tmp_path / "out" / "base.csv"
    code, out = run(
        app, "export", "base", "--format", "iamc", "--output", str(target), "--store", str(root)
    )
    assert code == 0, out
    assert set(read_export(target, "iamc")["region"]) >= {"Netherlands"}
    code, out = run(app, "export", a, "-f", "xlsx", "-o", str(tmp_path / "x"), "--store", str(root))
    assert code == 2
    assert "unknown export format 'xlsx'; allowed: iamc, csv, parquet, netcdf" in out
    blocker = tmp_path / "file"
    blocker.write_text("x")
    code, out = run(
        app, "export", a, "-f", "netcdf", "-o", str(blocker / "r.nc"), "--store", str(root)
    )
    assert code == 2 and "cannot write" in out and "Traceback" not in out


def test_compare(app: typer.Typer, stored: tuple[Path, str, str], tmp_path: Path) -> None:
    root, a, b = stored
    report = tmp_path / "cmp.html"
    code, out = run(app, "compare", "base", "policy", "--store", str(root), "--report", str(report))
    assert code == 0, out
    assert "B − A" in out and "Direct emissions 2030" in out
    assert f"A = {a}" in out and f"B = {b}" in out
    text = report.read_text("utf-8")
    assert a in text and b in text  # the header names runs A and B
    assert "(A)" in text and "(B)" in text  # legends carry the run label


def test_print_summary() -> None:
    console = Console(record=True, width=250)
    res = synthetic_results(n_plants=6)
    print_summary(res, console)
    text = console.export_text()
    for row in (
        "Direct emissions 2030",
        "Direct emissions 2050",
        "Products in t: made here / imported 2050",
        "Electricity demand",
        "Hydrogen bought",
        "CO2 storage",
        "Government cash flow",
    ):
        assert row in text, row
    assert "all-industry target" in text  # the target is not only the ETS plants'
    assert "over the all-industry target" in text or "under the all-industry target" in text
    for scenario in res.scenarios:
        assert scenario in text


def test_export_formats_known_before_loading_match_the_exporter() -> None:
    from kruispunt.cli_results import _DEFAULT_SUFFIX
    from kruispunt.export import FORMATS

    assert tuple(_DEFAULT_SUFFIX) == tuple(FORMATS)


def test_export_refuses_an_unknown_format_and_a_file_for_a_folder_format(
    stored: tuple[Path, str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without --output the format names the default file: an unknown one is a clean error,
    not a KeyError. A folder format given an existing file leaves the file as it was."""
    root, _, _ = stored
    monkeypatch.chdir(tmp_path)
    out = invoke("export", "base", "-f", "xml", store=root)
    assert_user_error(out, "unknown export format 'xml'; allowed: iamc, csv, parquet, netcdf")
    notes = tmp_path / "notes.txt"
    notes.write_text("my notes\n", encoding="utf-8")
    out = invoke("export", "base", "-f", "csv", "-o", str(notes), store=root)
    assert_user_error(
        out, f"cannot write export {notes}: it is a file (this format writes a folder of parts)"
    )
    assert notes.read_text("utf-8") == "my notes\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt", "store"]


def test_a_netcdf_export_replaces_the_earlier_one(
    stored: tuple[Path, str, str], tmp_path: Path
) -> None:
    root, a, _ = stored
    target = tmp_path / "run.nc"
    for _ in range(2):
        out = invoke("export", "base", "-f", "netcdf", "-o", str(target), store=root)
        assert out.code == 0, out.stderr
        assert out.stdout == f"exported {a} as netcdf: {target}\n"
    assert target.is_file()


def test_compare_refuses_a_report_path_that_is_a_folder_before_comparing(
    stored: tuple[Path, str, str], tmp_path: Path
) -> None:
    """Checked before the runs are loaded: no table is printed and nothing is written."""
    root, _, _ = stored
    folder = tmp_path / "reports"
    folder.mkdir()
    out = invoke("compare", "base", "policy", "--report", str(folder), store=root)
    assert_user_error(out, f"cannot write report {folder}: it is a folder; give a file name")
    assert out.stdout == ""
    assert list(folder.iterdir()) == []


def _emitting(by_scenario: list[float]) -> Results:
    """Two scenarios, 2029-2031; plant 0 emits ``by_scenario`` Mt a year, the others
    nothing."""
    ds = synthetic_results(n_scenarios=2, n_plants=3, years=range(2029, 2032)).dataset
    direct = np.zeros(ds["direct_emissions"].shape)
    direct[:, 0] = np.asarray(by_scenario)[:, None] * 1e6
    return Results(
        ds.assign(direct_emissions=(ds["direct_emissions"].dims, direct, {"units": "tCO2/yr"}))
    )


def _compared_2030(app: typer.Typer, root: Path, tmp_path: Path) -> str:
    """``compare a b``'s output, whose 2030 emissions are 10 against 12 Mt (+2.00) and 8
    against 5 Mt (-3.00)."""
    code, out = run(
        app, "compare", "a", "b", "--store", str(root), "--report", str(tmp_path / "c.html")
    )
    assert code == 0, out
    line = next(x for x in out.splitlines() if "Direct emissions 2030" in x)
    cells = [c.strip() for c in line.split("│")[2:-1]]
    assert cells == ["10.00", "12.00", "+2.00", "8.00", "5.00", "-3.00"]
    return out


def test_compare_shows_b_minus_a_per_scenario(app: typer.Typer, tmp_path: Path) -> None:
    """Run A emits 10 Mt (reference) and 8 Mt (green_market) in 2030, run B 12 and 5 Mt:
    B − A is +2.00 and -3.00, each scenario against its own."""
    root = tmp_path / "store"
    store = Store(root)
    store.save(_emitting([10.0, 8.0]), name="a")
    store.save(_emitting([12.0, 5.0]), name="b")
    _compared_2030(app, root, tmp_path)


def test_compare_pairs_scenarios_of_the_same_name_whatever_their_order(
    app: typer.Typer, tmp_path: Path
) -> None:
    """Run B holds the same two scenarios as A in the other order (green_market 5 Mt, then
    reference 12 Mt): each is compared with its namesake, +2.00 and -3.00 as above, not the
    first with the first (12 - 8 and 5 - 10)."""
    root = tmp_path / "store"
    store = Store(root)
    store.save(_emitting([10.0, 8.0]), name="a")
    b = _emitting([12.0, 5.0])
    store.save(Results(b.dataset.isel(scenario=[1, 0])), name="b")
    assert list(store.load("b").scenarios)[::-1] == list(store.load("a").scenarios)
    out = _compared_2030(app, root, tmp_path)
    head = next(x for x in out.splitlines() if "A: " in x)
    names = [c.strip() for c in head.split("┃")[2:-1]]
    assert names[0] == names[1].replace("B:", "A:") and names[3] == names[4].replace("B:", "A:")
