"""`kruispunt data summary`, `data rehash` and `data build` from the command line."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from kruispunt.catalogue import Catalogue
from kruispunt.catalogue.load import default_package_path
from tests.catalogue.conftest import REPO
from tests.cli_helpers import assert_user_error, invoke


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


def _top_sites(stdout: str, cell: int = 1) -> list[str]:
    """The site names (``cell`` 0: the ids) of the summary's top-sites table (its rows have
    six cells)."""
    rows = [[c.strip() for c in line.split("│")[1:-1]] for line in stdout.splitlines()]
    return [r[cell] for r in rows if len(r) == 6]


@pytest.mark.parametrize("top", [None, 3])
def test_summary_lists_the_biggest_sites(cat: Catalogue, top: int | None) -> None:
    """Fifteen sites by default, else --top of them: the biggest by base-year emissions."""
    from kruispunt.catalogue.summary import base_year_summary

    out = invoke("data", "summary", *([] if top is None else ["--top", str(top)]))
    assert out.code == 0, out
    n = 15 if top is None else top
    assert f"Top {n} sites" in out.stdout
    sites = base_year_summary(cat).sites.head(n)
    assert _top_sites(out.stdout) == list(sites["name"])
    assert _top_sites(out.stdout, cell=0) == list(sites.index)  # the ids the commands take


@pytest.mark.parametrize("kind", ["missing", "file"])
def test_summary_of_a_folder_that_is_not_there_says_so(tmp_path: Path, kind: str) -> None:
    """One message, as the other commands give, not the 34 missing tables of a package."""
    path = tmp_path / "package"
    if kind == "file":
        path.write_text("", encoding="utf-8")
    what = "does not exist" if kind == "missing" else "is not a folder"
    out = invoke("data", "summary", "--path", str(path))
    assert_user_error(out, f"data package folder {path} {what}")
    assert out.stderr.count("\n") == 1


def test_rehash_of_an_unedited_copy_changes_nothing(package_copy: Path) -> None:
    out = invoke("data", "rehash", str(package_copy))
    assert out.code == 0, out
    descriptor = package_copy / "datapackage.json"
    assert out.stdout == f"recorded hashes and row counts in {descriptor}: nothing changed\n"


def test_build_reads_data_raw_and_data_curated_into_the_embedded_package(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Run from the repository root without options: both input folders must exist; the
    package goes to src/kruispunt/data/package (the build itself is stubbed here)."""
    import kruispunt.catalogue.build

    calls: list[tuple[Path, Path, Path]] = []

    def build(raw: Path, curated: Path, out: Path, **kwargs: object) -> dict[str, int]:
        calls.append((raw, curated, out))
        return {"sites": 1}

    monkeypatch.setattr(kruispunt.catalogue.build, "build_package", build)
    monkeypatch.chdir(tmp_path)
    (tmp_path / "data" / "raw").mkdir(parents=True)
    assert_user_error(invoke("data", "build"), "folder not found: data/curated")
    (tmp_path / "data" / "curated").mkdir()
    out = invoke("data", "build")
    assert out.code == 0, out
    package = Path("src/kruispunt/data/package")
    assert calls == [(Path("data/raw"), Path("data/curated"), package)]
    assert out.stdout == f"built {package}: sites 1\n"
