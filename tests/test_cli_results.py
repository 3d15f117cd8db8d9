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
        "Electricity use of the routes",
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


def _cells(text: str, label: str) -> list[str]:
    """The cells after the label of the table row starting with ``label``."""
    line = next(x for x in text.splitlines() if x.startswith(f"│ {label}"))
    return [c.strip() for c in line.split("│")[2:-1]]


def test_summary_says_over_or_under_the_target_by_hand() -> None:
    """2030 target 8 Mt: 10 Mt is 2.00 over it, 8 Mt 0.00 under it (on it is not over; once
    shown as -0.00), 6 Mt 2.00 under it."""
    ds = synthetic_results(n_scenarios=3, n_plants=3, years=range(2029, 2032)).dataset
    direct = np.zeros(ds["direct_emissions"].shape)
    direct[:, 0] = np.array([10.0, 8.0, 6.0])[:, None] * 1e6
    target = np.full(ds["emission_target"].shape, np.nan)
    target[list(ds["year"].values).index(2030)] = 8e6
    res = Results(
        ds.assign(
            direct_emissions=(ds["direct_emissions"].dims, direct, {"units": "tCO2/yr"}),
            emission_target=(ds["emission_target"].dims, target, {"units": "tCO2/yr"}),
        )
    )
    console = Console(record=True, width=400)
    print_summary(res, console)
    assert _cells(console.export_text(), "Direct emissions 2030") == [
        "10.00 (target 8.00, 2.00 over the all-industry target)",
        "8.00 (target 8.00, 0.00 under the all-industry target)",
        "6.00 (target 8.00, 2.00 under the all-industry target)",
    ]


def test_summary_rows_show_their_metrics_in_their_order() -> None:
    """Made here before imported, 2030 before 2050, storage use before capacity: each cell is
    the metric of kruispunt.metrics in the place its label gives it."""
    from kruispunt import metrics
    from kruispunt.display import number

    res = synthetic_results(n_plants=6)
    console = Console(record=True, width=400)
    print_summary(res, console, title="Run x")
    text = console.export_text()
    assert text.splitlines()[0].strip() == "Run x"
    ki = metrics.key_indicators(res).set_index("scenario")
    peak = metrics.storage_peak(res).set_index("scenario")
    rows = {
        "Products in t: made here / imported 2050": [
            f"{number(k, 'fraction')} / {number(i, 'fraction')}"
            for k, i in zip(ki["share_kept_2050"], ki["share_imported_2050"], strict=True)
        ],
        "Electricity use of the routes 2030 → 2050": [
            f"{number(a)} → {number(b)}"
            for a, b in zip(ki["electricity_2030_twh"], ki["electricity_2050_twh"], strict=True)
        ],
        "CO2 storage": [
            f"{number(u)} of {number(c)} in {y} ({number(s, 'fraction')})"
            for u, c, y, s in zip(
                peak["peak_use_mtco2"],
                peak["capacity_mtco2"],
                peak["peak_year"],
                peak["utilisation_share"],
                strict=True,
            )
        ],
    }
    for label, expected in rows.items():
        assert _cells(text, label) == expected, label
    # the order shows: no two of the numbers swapped give the same text
    assert (ki["share_kept_2050"] != ki["share_imported_2050"]).all()
    assert (ki["electricity_2030_twh"] != ki["electricity_2050_twh"]).all()
    assert (peak["peak_use_mtco2"] != peak["capacity_mtco2"]).all()


def test_summary_names_the_fullest_grid_and_co2_store() -> None:
    """The pools set by hand in tests/test_metrics.py::hand_pools: the Zeeland grid used 40 of
    its 50 MW in 2027, of the two CO2 stores at half the first in the results' order; in
    green_market no grid has a limit and the one CO2 store with one is unused."""
    from tests.test_metrics import hand_pools

    console = Console(record=True, width=400)
    print_summary(hand_pools(), console)
    text = console.export_text()
    assert _cells(text, "Fullest grid for new load: most of its capacity used (year)") == [
        "Zeeland (North Sea Port / Smart Delta Resources) 80.0% (2027)",
        "none with a limit",
    ]
    assert _cells(text, "Fullest CO2 store: most of its capacity used (year)") == [
        "Rotterdam-Moerdijk 50.0% (2026)",
        "none used",
    ]


def test_list_shows_each_run_s_fields(stored: tuple[Path, str, str]) -> None:
    """One row per run, oldest first: id, name (blank without one), creation time to the
    second, scenarios, version, data hash to 12 characters."""
    root, a, b = stored
    c = Store(root).save(synthetic_results(n_plants=3, seed=3))  # no name
    out = invoke("results", "list", store=root)
    assert out.code == 0, out
    rows = [[x.strip() for x in line.split("│")[1:-1]] for line in out.stdout.splitlines()]
    rows = [r for r in rows if len(r) == 6]
    expected = []
    for e in Store(root).entries():
        name = "" if e["name"] is None else e["name"]
        created, data = str(e["created"])[:19], str(e["data_hash"])[:12]
        scenarios = ", ".join(e["scenarios"])
        expected.append([e["run_id"], name, created, scenarios, e["kruispunt_version"], data])
    assert [r[0] for r in expected] == [a, b, c]
    assert rows == expected
    assert rows[2][1] == ""


def test_list_of_an_empty_store_and_of_a_missing_one(tmp_path: Path) -> None:
    """A store without runs says so; a $KRUISPUNT_STORE that does not exist is an error (a
    typo), not "no runs yet", and is not created."""
    root = tmp_path / "store"
    Store(root)
    out = invoke("results", "list", store=root)
    assert (out.code, out.stdout) == (0, f"no runs in {root}\n")
    missing = tmp_path / "typo"
    assert_user_error(invoke("results", "list", store=missing), str(missing), "does not exist")
    assert not missing.exists()


def test_show_lists_each_part_with_its_rows_and_bytes(stored: tuple[Path, str, str]) -> None:
    root, a, _ = stored
    out = invoke("results", "show", a, store=root)
    assert out.code == 0, out
    rows = [[x.strip() for x in line.split("│")[1:-1]] for line in out.stdout.splitlines()]
    for part in Store(root).show(a)["parts"]:
        cells = [part["part"], part["file"], f"{part['rows']:,}", f"{part['bytes']:,}"]
        assert cells in rows, part
    assert any(p["rows"] != p["bytes"] for p in Store(root).show(a)["parts"])


def test_show_leaves_the_name_of_an_unnamed_run_blank(tmp_path: Path) -> None:
    """As ``results list`` does; not the word "None"."""
    root = tmp_path / "store"
    run_id = Store(root).save(synthetic_results(n_plants=4, seed=3))
    out = invoke("results", "show", run_id, store=root)
    assert out.code == 0, out
    rows = [[x.strip() for x in line.split("│")[1:-1]] for line in out.stdout.splitlines()]
    assert ["name", ""] in rows
    assert "None" not in out.stdout


def test_delete_keeps_the_run_when_the_question_is_answered_with_enter(
    app: typer.Typer, stored: tuple[Path, str, str]
) -> None:
    """The question's default is no."""
    root, a, _ = stored
    result = CliRunner().invoke(
        app, ["results", "delete", a, "--store", str(root)], input="\n", env=ENV
    )
    assert result.exit_code == 1
    assert f"Delete run {a}? [y/N]" in result.output and "nothing deleted" in result.output
    assert a in Store(root).list()["run_id"].tolist()


def test_compare_writes_its_report_under_a_default_name(
    stored: tuple[Path, str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without --report: compare-<A>-<B>.html in the current folder, A first. The header
    names run A (solid lines) before run B (dashed)."""
    root, a, b = stored
    monkeypatch.chdir(tmp_path)
    out = invoke("compare", "policy", "base", store=root)
    assert out.code == 0, out
    assert out.stdout.splitlines()[-1] == f"report: compare-{b}-{a}.html"
    text = (tmp_path / f"compare-{b}-{a}.html").read_text("utf-8")
    marks = ["Run A — solid lines", f"<code>{b}</code>", "Run B — dashed lines"]
    marks.append(f"<code>{a}</code>")
    places = [text.index(m) for m in marks]
    assert places == sorted(places)


def test_compare_shows_fractions_in_percent(app: typer.Typer, tmp_path: Path) -> None:
    """A share is labelled [%] and shown as a percentage, its difference in points."""
    from kruispunt import metrics

    root = tmp_path / "store"
    store = Store(root)
    a, b = (store.save(synthetic_results(n_plants=6, seed=s)) for s in (1, 2))
    report = tmp_path / "c.html"
    code, out = run(app, "compare", a, b, "--store", str(root), "--report", str(report))
    assert code == 0, out
    label, unit = metrics.KEY_INDICATORS["share_kept_2050"]
    assert unit == "fraction"
    cells = _cells(out, f"{label} [%]")
    assert cells[0].endswith("%") and cells[2].endswith(" pp")


def test_export_writes_a_default_file_or_folder_per_format(
    stored: tuple[Path, str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without --output: the run id plus a suffix, in the current folder; without --format:
    the IAMC table."""
    root, a, _ = stored
    monkeypatch.chdir(tmp_path)
    out = invoke("export", "base", store=root)
    assert out.stdout == f"exported {a} as iamc: {tmp_path / f'{a}-iamc.csv'}\n", out
    assert set(read_export(tmp_path / f"{a}-iamc.csv", "iamc")["region"]) >= {"Netherlands"}
    for fmt, name in (("csv", f"{a}-csv"), ("parquet", f"{a}-parquet"), ("netcdf", f"{a}.nc")):
        out = invoke("export", "base", "-f", fmt, store=root)
        assert out.stdout == f"exported {a} as {fmt}: {tmp_path / name}\n", out
        assert (tmp_path / name).exists()


def test_export_refuses_an_unknown_format_with_an_output_too(
    stored: tuple[Path, str, str], tmp_path: Path
) -> None:
    """The format is checked before the run is read: a damaged run is not named for it."""
    root, a, _ = stored
    (root / "runs" / a / "plant_year.parquet").unlink()
    target = tmp_path / "run.xlsx"
    out = invoke("export", "base", "-f", "xlsx", "-o", str(target), store=root)
    assert_user_error(out, "unknown export format 'xlsx'; allowed: iamc, csv, parquet, netcdf")
    assert not target.exists()


def test_compare_runs_of_different_years(tmp_path: Path) -> None:
    """Run A of 2029-2031 against run B of 2029-2030: the report's site table is of the last
    year both hold (2030), where it took A's last year, which B does not hold, and failed
    with 'year 2031 is not in the results' naming neither run, after printing the table and
    writing no report. Runs that share no year are refused before anything is printed."""
    root = tmp_path / "store"
    store = Store(root)
    store.save(synthetic_results(n_plants=3, years=range(2029, 2032), seed=1), name="long")
    store.save(synthetic_results(n_plants=3, years=range(2029, 2031), seed=2), name="short")
    store.save(synthetic_results(n_plants=3, years=range(2040, 2042), seed=3), name="late")
    report = tmp_path / "c.html"
    out = invoke("compare", "long", "short", "--report", str(report), store=root)
    assert out.code == 0, out.stderr
    assert report.is_file() and "2030" in report.read_text(encoding="utf-8")
    out = invoke("compare", "short", "late", "--report", str(tmp_path / "d.html"), store=root)
    assert_user_error(out, "(2029-2030)", "(2040-2041)", "share no model year")
    assert out.stdout == "" and not (tmp_path / "d.html").exists()
