"""Whole-file writes (kruispunt.files) and the CLI's outputs written through them."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from kruispunt.cli_results import write_outputs
from kruispunt.errors import KruispuntError
from kruispunt.files import output_target, write_text


def test_a_link_is_written_through_and_kept(tmp_path: Path) -> None:
    """An output path that is a symbolic link (``latest.html`` pointing to this week's report)
    was replaced by a plain file, leaving the file it pointed to stale."""
    real = tmp_path / "reports" / "week49.html"
    real.parent.mkdir()
    real.write_text("old", "utf-8")
    link = tmp_path / "latest.html"
    link.symlink_to(os.path.relpath(real, tmp_path))
    assert write_text(link, "new") == link
    assert link.is_symlink() and real.read_text("utf-8") == "new"
    assert sorted(p.name for p in real.parent.iterdir()) == ["week49.html"]  # no temporary left


def test_a_dangling_link_makes_the_file_it_names(tmp_path: Path) -> None:
    link = tmp_path / "out.csv"
    link.symlink_to(tmp_path / "made.csv")
    assert output_target(link) == tmp_path / "made.csv"
    write_text(link, "a,b\n")
    assert link.is_symlink() and (tmp_path / "made.csv").read_text("utf-8") == "a,b\n"


def test_outputs_are_written_through_links_both_or_neither(tmp_path: Path) -> None:
    real = tmp_path / "table.csv"
    real.write_text("old", "utf-8")
    link = tmp_path / "link.csv"
    link.symlink_to(real)
    other = tmp_path / "report.html"

    def failing(path: Path) -> None:
        raise OSError(28, "No space left on device")

    with pytest.raises(KruispuntError, match=r"cannot write report .*No space left"):
        write_outputs(
            (link, "table", lambda p: p.write_text("new", "utf-8")), (other, "report", failing)
        )
    assert link.is_symlink() and real.read_text("utf-8") == "old" and not other.exists()
    write_outputs((link, "table", lambda p: p.write_text("new", "utf-8")))
    assert link.is_symlink() and real.read_text("utf-8") == "new"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["link.csv", "table.csv"]


@pytest.mark.parametrize("first_existed", [True, False])
def test_a_failed_second_rename_puts_the_first_output_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, first_existed: bool
) -> None:
    """The outputs were written whole but replaced one by one: a rename failing after the
    first left the first output new and the second old."""
    table, report = tmp_path / "table.csv", tmp_path / "report.html"
    if first_existed:
        table.write_text("old table", "utf-8")
    report.write_text("old report", "utf-8")
    real = os.replace
    calls: list[Path] = []

    def second_fails(src: object, dst: object) -> None:
        calls.append(Path(str(dst)))
        if Path(str(dst)) == report:
            raise OSError(5, "Input/output error")
        real(src, dst)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "replace", second_fails)
    with pytest.raises(KruispuntError, match=r"cannot write report .*Input/output error"):
        write_outputs(
            (table, "table", lambda p: p.write_text("new table", "utf-8")),
            (report, "report", lambda p: p.write_text("new report", "utf-8")),
        )
    assert calls[:2] == [table, report]
    assert (table.read_text("utf-8") if table.exists() else None) == (
        "old table" if first_existed else None
    )
    assert report.read_text("utf-8") == "old report"
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        ["table.csv", "report.html"] if first_existed else ["report.html"]
    )
