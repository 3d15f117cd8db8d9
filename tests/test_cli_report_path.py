"""A report path printed to a pipe stays on one line (issue 13), the summary's storage line
reports one year, and which paths an output may write or replace."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from kruispunt.store import Store
from kruispunt.testing import synthetic_results


def _kruispunt(*args: str, store: Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    # a narrow terminal width: rich would wrap a long path at 40 columns
    env = {**os.environ, "KRUISPUNT_STORE": str(store), "COLUMNS": "40"}
    return subprocess.run(
        [sys.executable, "-m", "kruispunt", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd,
        check=False,
    )


def test_run_prints_the_report_path_on_its_own_line(tmp_path: Path) -> None:
    store = tmp_path / "a-rather-long-folder-name-for-the-results-store"
    proc = _kruispunt("run", store=store, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    run_id = Store(store).list()["run_id"].iloc[0]
    report = store / "reports" / f"{run_id}.html"
    lines = proc.stdout.splitlines()
    assert f"report: {report}" in lines
    assert f"stored as {run_id} in {store}" in lines
    assert any("CO2 storage" in line for line in lines)
    text = report.read_text("utf-8")
    assert run_id in text  # the report's header names the run


def test_compare_prints_the_report_path_on_its_own_line(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from kruispunt.cli import app

    store = tmp_path / "store"
    st = Store(store)
    a = st.save(synthetic_results(n_plants=6, seed=1))
    b = st.save(synthetic_results(n_plants=6, seed=2))
    target = tmp_path / "some-long-folder-name-for-reports" / "comparison-of-two-runs.html"
    result = CliRunner().invoke(
        app,
        ["compare", a, b, "--report", str(target), "--store", str(store)],
        env={"COLUMNS": "40"},
    )
    assert result.exit_code == 0, result.output
    assert f"report: {target}" in result.output.splitlines()
    text = target.read_text("utf-8")
    assert a in text and b in text
    assert "Run A — solid lines" in text


def test_a_report_or_table_does_not_replace_a_file_of_another_kind(tmp_path: Path) -> None:
    """``--report`` and ``--csv`` once overwrote whatever file they were given (a log, a
    document); an earlier report or table is still replaced."""
    from kruispunt.cli_results import check_output_file
    from kruispunt.errors import KruispuntError

    log = tmp_path / "run.err"
    log.write_text("Traceback of something else\n", encoding="utf-8")
    for what in ("report", "csv"):
        try:
            check_output_file(log, what)
        except KruispuntError as exc:
            assert "exists and is not" in str(exc), exc
        else:
            raise AssertionError(f"{what} would replace {log}")
    page = tmp_path / "old.html"
    page.write_text("<!DOCTYPE html>\n<html></html>\n", encoding="utf-8")
    table = tmp_path / "old.csv"
    table.write_text("site,value\na,1\n", encoding="utf-8")
    assert check_output_file(page, "report") == page
    assert check_output_file(table, "csv") == table
    store = tmp_path / "store"
    proc = _kruispunt("run", "--report", str(log), store=store, cwd=tmp_path)
    assert proc.returncode == 2 and "exists and is not an HTML page" in proc.stderr, proc.stderr
    assert log.read_text(encoding="utf-8") == "Traceback of something else\n"


@pytest.mark.parametrize(
    ("what", "content", "replaced"),
    [
        ("report", b"", True),  # an empty file is anything
        ("csv", b"  \n", True),
        ("report", b"<html><body></body></html>\n", True),
        ("report", b"\n  <!doctype html>\n<html></html>\n", True),
        ("report", b"%PDF-1.7 <html>", False),
        ("csv", "\ufeffsite,value\na,1\n".encode(), True),  # a byte-order mark (Excel's)
        ("csv", b"a,b\x00c\n", False),  # binary with a comma
        ("csv", b"\x89PNG\r\n\x1a\n,\xff\xfe", False),  # not UTF-8
        ("csv", b"just some notes\n", False),
    ],
)
def test_which_existing_files_an_output_replaces(
    tmp_path: Path, what: str, content: bytes, replaced: bool
) -> None:
    """An output replaces an earlier one of its kind, judged from the file's first bytes."""
    from kruispunt.cli_results import check_output_file
    from kruispunt.errors import KruispuntError

    path = tmp_path / "existing"
    path.write_bytes(content)
    if replaced:
        assert check_output_file(path, what) == path
    else:
        kind = {"report": "an HTML page", "csv": "a CSV table"}[what]
        with pytest.raises(KruispuntError, match=f"the file exists and is not {kind}"):
            check_output_file(path, what)
    assert path.read_bytes() == content


def test_an_output_path_is_checked_as_the_user_means_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``~`` is the home folder; a folder is refused with an example file name in it; a
    socket (no regular file) is refused for every output."""
    import socket

    from kruispunt.cli_results import check_output_file
    from kruispunt.errors import KruispuntError

    monkeypatch.setenv("HOME", str(tmp_path))
    assert check_output_file(Path("~/r.html"), "report") == tmp_path / "r.html"
    for what, example in (("report", "report.html"), ("csv", "out"), ("export", "out")):
        message = f"cannot write {what} {tmp_path}: it is a folder; give a file name "
        with pytest.raises(KruispuntError) as info:
            check_output_file(tmp_path, what)
        assert str(info.value) == message + f"(e.g. {tmp_path / example})"
    path = tmp_path / "s.sock"
    with socket.socket(socket.AF_UNIX) as sock:
        sock.bind(str(path))
        for what in ("report", "csv", "export"):
            with pytest.raises(KruispuntError) as info:
                check_output_file(path, what)
            assert str(info.value) == f"cannot write {what} {path}: it is not a regular file"


@pytest.mark.parametrize("link_to", ["missing", "self"])
@pytest.mark.parametrize(
    ("args", "start"),
    [
        (["run", "--dry-run", "--report", "{link}/r.html"], "cannot write report {link}/r.html"),
        (["run", "--dry-run", "--store", "{link}/s"], "cannot create results store at {link}/s"),
        (["run", "--dry-run", "--store", "{link}"], "cannot create results store at {link}"),
        (
            ["explore", "run", "--n", "2", "--workers", "1", "--report", "{link}/x.html"],
            "cannot write report {link}/x.html",
        ),
    ],
)
def test_a_folder_that_is_a_link_to_nowhere_is_refused_before_any_work(
    tmp_path: Path, args: list[str], start: str, link_to: str
) -> None:
    """An output under a symbolic link to a missing folder, or to itself: the dry run said
    OK, the run ran and then failed on 'File exists' (blaming the store), an ensemble was
    computed and left in the store. Now refused up front, naming the link, nothing
    written."""
    from tests.cli_helpers import invoke

    link = tmp_path / "link"
    os.symlink(tmp_path / "nowhere" if link_to == "missing" else link, link)
    store = tmp_path / "store"
    out = invoke(*(a.format(link=link) for a in args), store=store)
    assert out.crashed is None, out.crashed
    assert out.code == 2, out.stdout + out.stderr
    want = f"error: {start.format(link=link)}: {link} is a link that leads nowhere"
    assert out.stderr.startswith(want), out.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["link"]
