"""The embedded data package is rebuilt byte for byte from the vendored raw data."""

from __future__ import annotations

from pathlib import Path

import pytest

from kruispunt.catalogue.build import build_package
from kruispunt.catalogue.load import default_package_path
from kruispunt.errors import KruispuntError
from tests.catalogue.conftest import REPO

RAW = REPO / "data" / "raw"
CURATED = REPO / "data" / "curated"

needs_repo = pytest.mark.skipif(not RAW.is_dir(), reason="needs the repository's data/ folder")


@needs_repo
def test_rebuild_is_byte_identical(tmp_path: Path) -> None:
    out = tmp_path / "package"
    build_package(RAW, CURATED, out)
    shipped = default_package_path()
    names = sorted(p.name for p in shipped.iterdir() if p.is_file())
    assert names == sorted(p.name for p in out.iterdir())
    for name in names:
        assert (out / name).read_bytes() == (shipped / name).read_bytes(), name


@needs_repo
def test_failed_build_leaves_previous_package(tmp_path: Path) -> None:
    out = tmp_path / "package"
    build_package(RAW, CURATED, out)
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    broken = tmp_path / "curated"
    import shutil

    shutil.copytree(CURATED, broken)
    (broken / "sites.csv").write_text(
        (broken / "sites.csv")
        .read_text()
        .replace(",chemelot,,chemicals,", ",atlantis,,chemicals,"),
        encoding="utf-8",
    )
    with pytest.raises(KruispuntError, match="atlantis"):
        build_package(RAW, broken, out)
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    assert not list(tmp_path.glob(".build-*"))


@needs_repo
def test_every_stationary_installation_is_mapped_once(tmp_path: Path) -> None:
    broken = tmp_path / "curated"
    import shutil

    shutil.copytree(CURATED, broken)
    lines = (broken / "installation_sites.csv").read_text().splitlines()
    (broken / "installation_sites.csv").write_text("\n".join(lines[:-1]) + "\n")
    with pytest.raises(KruispuntError, match="without a row"):
        build_package(RAW, broken, tmp_path / "out")


@pytest.mark.parametrize("kind", ["foreign folder", "file"])
def test_build_refuses_an_out_that_is_not_a_data_package(tmp_path: Path, kind: str) -> None:
    """The build replaces its output folder whole: a folder of the user's (once deleted
    with everything in it), or a file (once a traceback, the file renamed aside), is refused
    before any work, and left as it was."""
    out = tmp_path / "mydocs"
    if kind == "file":
        out.write_text("precious\n", encoding="utf-8")
    else:
        (out / "sub").mkdir(parents=True)
        (out / "thesis.tex").write_text("precious\n", encoding="utf-8")
    before = sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*"))
    with pytest.raises(KruispuntError, match=r"--out .*mydocs exists and is not a"):
        build_package(tmp_path / "no-raw", tmp_path / "no-curated", out)
    assert sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*")) == before


@needs_repo
def test_rebuild_replaces_a_package_and_leaves_its_neighbours(tmp_path: Path) -> None:
    """A package folder is replaced; a folder named ``<out>.old`` beside it (once deleted by
    the swap) is not touched."""
    out = tmp_path / "package"
    build_package(RAW, CURATED, out)
    (tmp_path / "package.old").mkdir()
    (tmp_path / "package.old" / "keep.txt").write_text("mine\n", encoding="utf-8")
    (out / "sites.csv").write_text("edited\n", encoding="utf-8")
    build_package(RAW, CURATED, out)
    assert (out / "sites.csv").read_bytes() == (default_package_path() / "sites.csv").read_bytes()
    assert (tmp_path / "package.old" / "keep.txt").read_text(encoding="utf-8") == "mine\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["package", "package.old"]
