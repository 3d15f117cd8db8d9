"""`kruispunt data summary` and `kruispunt data build` from the command line."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from kruispunt.catalogue.load import default_package_path
from tests.catalogue.conftest import REPO


def kruispunt(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COLUMNS": "120"}
    return subprocess.run(
        [sys.executable, "-m", "kruispunt", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd,
        check=False,
    )


def test_summary_prints_the_exact_national_total() -> None:
    proc = kruispunt("data", "summary", "--top", "9")
    assert proc.returncode == 0, proc.stderr
    assert "45,233,941 t" in proc.stdout
    assert "Tata Steel IJmuiden" in proc.stdout
    assert "excluded_power 22.040 Mt" in proc.stdout


@pytest.mark.skipif(not (REPO / "data" / "raw").is_dir(), reason="needs the repository's data/")
def test_build_command_reproduces_the_package(tmp_path: Path) -> None:
    out = tmp_path / "package"
    proc = kruispunt("data", "build", "--out", str(out), cwd=REPO)
    assert proc.returncode == 0, proc.stderr
    for shipped in default_package_path().iterdir():
        assert (out / shipped.name).read_bytes() == shipped.read_bytes(), shipped.name


def test_build_outside_the_repository_says_what_to_do(tmp_path: Path) -> None:
    proc = kruispunt("data", "build", cwd=tmp_path)
    assert proc.returncode == 2
    assert "folder not found: data/raw" in proc.stderr
    assert "Traceback" not in proc.stderr
