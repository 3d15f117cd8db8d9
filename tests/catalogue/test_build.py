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
