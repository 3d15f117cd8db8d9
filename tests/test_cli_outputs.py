"""A command's output files are written whole or not at all, and never over each other or
over a file that is not one of its kind (``cli_results.write_outputs``, ``check_distinct``)."""

from __future__ import annotations

import errno
import stat
from pathlib import Path

import pytest

from kruispunt.cli_results import check_distinct, write_outputs
from kruispunt.errors import KruispuntError
from tests.cli_helpers import assert_user_error, invoke


def _full(path: Path) -> None:
    path.write_text("half", encoding="utf-8")
    raise OSError(errno.ENOSPC, "No space left on device")


def test_outputs_are_written_whole_or_not_at_all(tmp_path: Path) -> None:
    """The second output fails (a full disk) after the first was written: neither target is
    touched, no temporary file is left, and the error names the output. Before, the CSV was
    left truncated and the report's ``.tmp`` behind, with a traceback."""
    csv, report = tmp_path / "out.csv", tmp_path / "sub" / "out.html"
    csv.write_text("a,b\n1,2\n", encoding="utf-8")
    with pytest.raises(KruispuntError, match=r"cannot write report .*out\.html: No space left"):
        write_outputs(
            (csv, "csv", lambda p: p.write_text("x,y\n3,4\n", encoding="utf-8")),
            (report, "report", _full),
        )
    assert csv.read_text("utf-8") == "a,b\n1,2\n" and not report.exists()
    assert sorted(p.name for p in tmp_path.rglob("*") if p.is_file()) == ["out.csv"]
    write_outputs(
        (csv, "csv", lambda p: p.write_text("x,y\n3,4\n", encoding="utf-8")),
        (report, "report", lambda p: p.write_text("<!doctype html>", encoding="utf-8")),
    )
    assert csv.read_text("utf-8") == "x,y\n3,4\n" and report.read_text("utf-8").startswith("<!")
    mode = stat.S_IMODE(report.stat().st_mode)
    assert mode & 0o044 == 0o044, oct(mode)  # a new file's permissions, not a private tmp's
    assert sorted(p.name for p in tmp_path.rglob("*") if p.is_file()) == ["out.csv", "out.html"]


def test_two_outputs_of_one_command_may_not_name_the_same_file(tmp_path: Path) -> None:
    check_distinct((tmp_path / "a.csv", "--csv"), (None, "--report"))
    with pytest.raises(KruispuntError, match="--csv and --report name the same file"):
        check_distinct((tmp_path / "same", "--csv"), (tmp_path / "x" / ".." / "same", "--report"))


@pytest.mark.parametrize("command", ["energy-bill", "compare-instruments"])
def test_csv_and_report_on_one_path_is_refused_before_running(tmp_path: Path, command: str) -> None:
    """The report silently overwrote the CSV (exit 0)."""
    same = tmp_path / "same.out"
    out = invoke(command, "--csv", str(same), "--report", str(same))
    assert_user_error(out, "--csv and --report name the same file")
    assert not same.exists()


@pytest.mark.parametrize("option", ["--csv", "--report"])
def test_a_link_into_a_missing_folder_is_refused_before_running(
    tmp_path: Path, option: str
) -> None:
    """The command-line writers made the folders a dangling link points into (exit 0), where
    ``files.write_file`` refused the same link; every writer now refuses it, making nothing."""
    link = tmp_path / "out.csv"
    link.symlink_to(tmp_path / "gone" / "deeper" / "x.csv")
    out = invoke("energy-bill", option, str(link))
    assert_user_error(out, f"{link} is a link into a folder that does not exist")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.csv"]


def test_green_premium_does_not_replace_a_file_that_is_not_a_table(tmp_path: Path) -> None:
    """``--csv-dir`` replaced any file named as one of its tables (exit 0)."""
    folder = tmp_path / "tables"
    folder.mkdir()
    notes = folder / "export_gap.csv"
    notes.write_text("my notes, not a table\x00", encoding="utf-8")
    out = invoke("green-premium", "--csv-dir", str(folder))
    assert_user_error(out, "export_gap.csv exists and is not a CSV table")
    assert notes.read_text("utf-8") == "my notes, not a table\x00"
    notes.unlink()
    out = invoke("green-premium", "--csv-dir", str(folder), "--report", str(notes))
    assert_user_error(out, "--csv-dir's export_gap.csv and --report name the same file")
    assert not notes.exists()


def test_green_premium_refuses_a_year_outside_a_scenario_s_own_years(tmp_path: Path) -> None:
    """A scenario starting in 2040 asked for 2030 gave empty tables and exit 0."""
    late = tmp_path / "late.yaml"
    late.write_text("name: late\nbase: current-policy\nstart_year: 2040\n", encoding="utf-8")
    out = invoke("green-premium", str(late), "--year", "2030")
    assert_user_error(out, "--year 2030 is outside the years of scenario 'late', 2040-2050")


def test_a_scenario_file_can_be_the_reference_by_its_path_or_its_name(tmp_path: Path) -> None:
    """The command compared --reference with the paths given, the comparison with the
    scenarios' names: neither spelling of a file's scenario was accepted."""
    mine = tmp_path / "mine.yaml"
    mine.write_text("name: mine\nbase: no-new-policy\n", encoding="utf-8")
    for ref in (str(mine), "mine"):
        out = invoke("compare-instruments", "current-policy", str(mine), "--reference", ref)
        assert out.code == 0 and out.crashed is None, (ref, out.stderr)
        assert "Packages against mine" in out.stdout
    out = invoke("compare-instruments", "current-policy", str(mine), "--reference", "nowhere")
    assert_user_error(out, f"scenarios compared: current-policy, mine ({mine})")


def test_an_output_keeps_the_format_its_name_gives(tmp_path: Path) -> None:
    """The temporary name ends in the target's, so pandas still reads ``.csv.gz`` as gzip
    (``explain --csv o.csv.gz`` wrote plain text under a .gz name)."""
    import pandas as pd

    frame = pd.DataFrame({"a": [1, 2]})
    target = tmp_path / "o.csv.gz"
    write_outputs((target, "csv", lambda p: frame.to_csv(p, index=False)))
    assert target.read_bytes()[:2] == b"\x1f\x8b"  # gzip's magic number
    pd.testing.assert_frame_equal(pd.read_csv(target), frame)


def test_a_report_page_gets_a_new_file_s_permissions(tmp_path: Path) -> None:
    """Written through a private temporary file, the page kept its mode 0600."""
    import pandas as pd

    from kruispunt.reports.premium import write_premium_report

    page = write_premium_report(
        tmp_path / "p.html", pd.DataFrame(columns=["scenario", "product", "year"])
    )
    assert stat.S_IMODE(page.stat().st_mode) & 0o044 == 0o044
    assert sorted(p.name for p in tmp_path.iterdir()) == ["p.html"]


def test_green_premium_says_when_its_default_years_reach_beyond_a_scenario(
    tmp_path: Path,
) -> None:
    """It blamed a ``--year 2040`` that was never given."""
    short = tmp_path / "short.yaml"
    short.write_text("name: short\nbase: current-policy\nend_year: 2035\n", encoding="utf-8")
    out = invoke("green-premium", str(short))
    assert_user_error(out, "the default year 2040 is outside the years of scenario 'short'")


@pytest.mark.parametrize("given", [False, True], ids=["store-report", "--report"])
def test_a_run_whose_report_cannot_be_written_names_the_report(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, given: bool
) -> None:
    """The report of ``kruispunt run`` is written before the run is committed to the store, and
    the store said "cannot save run in <store>" of any OSError, so a full disk under the
    report blamed the store. Now the error names the report, the run is not stored, and
    nothing is left behind (a one-year scenario keeps the run short)."""
    import kruispunt.reports

    def no_space(*args: object, **kwargs: object) -> Path:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(kruispunt.reports, "write_report", no_space)
    scenario = tmp_path / "late.yaml"
    scenario.write_text("name: late\nbase: current-policy\nstart_year: 2050\n", encoding="utf-8")
    store = tmp_path / "store"
    report = tmp_path / "out" / "late.html"
    args = ["run", str(scenario)] + (["--report", str(report)] if given else [])
    out = invoke(*args, store=store)
    assert_user_error(out, "cannot write report", "No space left on device", "not stored")
    named = str(report) if given else str(store / "reports")
    assert named in out.stderr and f"cannot save run in {store}" not in out.stderr
    assert not report.exists()
    left = [p for p in store.rglob("*") if p.is_file() and p.suffix in {".html", ".parquet"}]
    assert left == [] and not list(store.glob("runs/*"))


def test_green_premium_leaves_no_folder_it_made_when_its_report_fails(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``--csv-dir new/tables`` made the folders before the report was written; when the
    report failed they stayed behind, empty. Now the folders it made go again, and a folder
    that was there before stays."""
    import kruispunt.cli_results

    def failing(*outputs: object) -> None:
        raise KruispuntError("cannot write report x.html: No space left on device")

    monkeypatch.setattr(kruispunt.cli_results, "write_outputs", failing)
    kept = tmp_path / "kept"
    kept.mkdir()
    tables = kept / "new" / "tables"
    out = invoke(
        "green-premium",
        "--year",
        "2030",
        "--csv-dir",
        str(tables),
        "--report",
        str(tmp_path / "x.html"),
    )
    assert_user_error(out, "cannot write report x.html")
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["kept"]
