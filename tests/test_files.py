"""Whole-file writes (kruispunt.files) and the CLI's outputs written through them."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from kruispunt.cli_results import write_outputs
from kruispunt.errors import KruispuntError
from kruispunt.files import new_file_mode, output_target, write_text


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


def test_a_dangling_link_into_a_missing_folder_makes_no_folders(tmp_path: Path) -> None:
    """A plain output path gets its folder made; a link is the user's pointer, and one into a
    folder that does not exist is refused, naming both, rather than making that folder."""
    link = tmp_path / "out.csv"
    link.symlink_to(tmp_path / "gone" / "deeper" / "made.csv")
    with pytest.raises(FileNotFoundError) as caught:
        write_text(link, "a,b\n")
    assert str(link) in str(caught.value) and caught.value.filename == str(
        tmp_path / "gone" / "deeper"
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.csv"]
    write_text(tmp_path / "new" / "plain.csv", "a,b\n")  # a plain path still gets its folder
    assert (tmp_path / "new" / "plain.csv").read_text("utf-8") == "a,b\n"


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


def test_a_file_keeps_its_permissions_and_a_new_one_gets_a_new_file_s(tmp_path: Path) -> None:
    """Writing over a private (0600) output made it 0644."""
    private = tmp_path / "private.html"
    private.write_text("old", "utf-8")
    private.chmod(0o600)
    write_text(private, "new")
    assert stat.S_IMODE(private.stat().st_mode) == 0o600
    fresh = tmp_path / "fresh.html"
    write_text(fresh, "new")
    assert stat.S_IMODE(fresh.stat().st_mode) == new_file_mode()


def test_a_writer_s_own_folder_replaces_a_link_rather_than_write_through_it(
    tmp_path: Path,
) -> None:
    """Saved scenarios are the dashboard's own files: a link planted among them must not
    make a save write elsewhere."""
    elsewhere = tmp_path / "elsewhere.yaml"
    elsewhere.write_text("theirs", "utf-8")
    saved = tmp_path / "scenarios" / "mine.yaml"
    saved.parent.mkdir()
    saved.symlink_to(elsewhere)
    write_text(saved, "ours", through_links=False)
    assert not saved.is_symlink() and saved.read_text("utf-8") == "ours"
    assert elsewhere.read_text("utf-8") == "theirs"


def test_an_output_check_looks_through_the_link(tmp_path: Path) -> None:
    """--dry-run passed a link to a folder, or into a folder that cannot be written, and the
    real run failed after computing."""
    from kruispunt.cli_results import check_output_file

    folder = tmp_path / "a-folder"
    folder.mkdir()
    link = tmp_path / "report.html"
    link.symlink_to(folder)
    with pytest.raises(KruispuntError, match="it is a folder"):
        check_output_file(link, "report")
    plain = tmp_path / "plain.html"
    assert check_output_file(plain, "report") == plain  # the path given is returned


def test_an_output_check_of_a_link_into_a_locked_folder_names_it(tmp_path: Path) -> None:
    from kruispunt.cli_results import check_output_file

    locked = tmp_path / "locked"
    locked.mkdir()
    (locked / "r.html").write_text("<!doctype html>", "utf-8")
    locked.chmod(0o500)
    try:
        if os.access(locked, os.W_OK):
            pytest.skip("running as a user who may write anywhere")
        other = tmp_path / "r.html"
        other.symlink_to(locked / "r.html")
        with pytest.raises(KruispuntError, match="not writable"):
            check_output_file(other, "report")
    finally:
        locked.chmod(0o700)
