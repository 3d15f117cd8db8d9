"""docs/tutorial.md as a user types it: every ``kruispunt`` command of its console blocks
exits 0, every Python block runs, every scenario file it shows is valid, and the outputs and
results it quotes are what the model gives.

The tutorial's placeholders are filled in: the run-id prefix ``20250612T1015`` names a run the
test made (a copy of it for ``results delete``), ``PATH`` a copy of the embedded data package,
``path/to/store`` the test's store. ``kruispunt data build`` is the one command not run: it
rebuilds the package inside the repository (``tests/catalogue/test_build.py`` builds it into a
temporary folder and compares the bytes)."""

from __future__ import annotations

import re
import shlex
import shutil
from pathlib import Path

import numpy as np
import pytest

import kruispunt
from kruispunt import metrics
from kruispunt.catalogue.load import default_package_path
from kruispunt.store import Store
from tests.cli_helpers import invoke

TUTORIAL = Path(__file__).resolve().parents[1] / "docs" / "tutorial.md"
RUN_PREFIX = "20250612T1015"
NOT_RUN = {("data", "build"): "rebuilds the package in the repository"}


def _blocks(kind: str) -> list[str]:
    return re.findall(rf"```{kind}\n(.*?)```", TUTORIAL.read_text(encoding="utf-8"), re.S)


def _console() -> list[tuple[list[str], list[str]]]:
    """Each ``$ kruispunt ...`` line of the console blocks (its words after ``kruispunt``,
    a trailing ``# comment`` dropped) with the output lines the tutorial prints under it."""
    commands: list[tuple[list[str], list[str]]] = []
    for block in _blocks("console"):
        for line in block.splitlines():
            if line.startswith("$ "):
                words = shlex.split(line[2:], comments=True)
                assert words[0] == "kruispunt", line
                commands.append((words[1:], []))
            elif line.strip():
                commands[-1][1].append(line)
    return commands


def _scenario_files(folder: Path) -> list[Path]:
    """The YAML blocks headed ``# <file>.yaml``, written to ``folder``."""
    files = []
    for block in _blocks("yaml"):
        first, _, rest = block.partition("\n")
        assert first.startswith("# ") and first.endswith(".yaml"), first
        path = folder / first[2:]
        path.write_text(rest, encoding="utf-8")
        files.append(path)
    return files


def _pattern(printed: str) -> re.Pattern[str]:
    """A printed line as a pattern: ``...`` stands for anything, a 12-digit hex hash for any
    hash (the data package's changes with the data)."""
    parts = [re.escape(p) for p in printed.split("...")]
    text = ".*".join(parts)
    return re.compile(re.sub(r"[0-9a-f]{12}", "[0-9a-f]{12}", text))


def test_the_tutorial_parses_into_commands_files_and_code() -> None:
    """The extraction the test below relies on finds what the tutorial holds (so that a
    changed fence or prompt cannot make the tutorial test pass on nothing)."""
    commands = [words[:2] for words, _ in _console()]
    assert ["run", "current-policy"] in commands
    assert ["export", "latest"] in commands and ["explain", "shell_pernis"] in commands
    assert len(commands) == 19
    assert len(_blocks("yaml")) == 3
    assert len(_blocks("python")) == 3


def test_every_command_and_code_block_of_the_tutorial_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    store_path = tmp_path / "store"
    monkeypatch.setenv("KRUISPUNT_STORE", str(store_path))
    for path in _scenario_files(tmp_path):  # each file the tutorial shows is a valid scenario
        out = invoke("run", "current-policy", str(path), "--dry-run", store=store_path)
        assert out.code == 0 and out.crashed is None, (path.name, out.stdout, out.stderr)
    package = tmp_path / "package-copy"
    shutil.copytree(default_package_path(), package)
    first: str | None = None
    ran = 0
    for words, printed in _console():
        if tuple(words[:2]) in NOT_RUN:
            continue
        args = [_fill(w, store_path, package, first, words) for w in words]
        out = invoke(*args, store=store_path)
        assert out.code == 0 and out.crashed is None, (args, out.stdout, out.stderr)
        ran += 1
        if first is None and words[0] == "run":
            first = Store(store_path, readonly=True).list()["run_id"].iloc[0]
        if "--dry-run" in words:  # the one output the tutorial quotes whole
            assert printed and all(_pattern(p).fullmatch(out.stdout.strip()) for p in printed)
    assert ran == len(_console()) - 1
    assert (tmp_path / "compare.html").is_file() and (tmp_path / "bill.csv").is_file()
    assert (tmp_path / "run.nc").is_file() and (tmp_path / "run-parquet").is_dir()
    namespace: dict[str, object] = {}
    for block in _blocks("python"):
        code = compile(block.replace("path/to/store", str(store_path)), str(TUTORIAL), "exec")
        exec(code, namespace)
    assert (tmp_path / "report.html").is_file() and (tmp_path / "kruispunt-iamc.csv").is_file()


def _fill(word: str, store: Path, package: Path, first: str | None, words: list[str]) -> str:
    """A placeholder of the tutorial replaced: ``PATH`` by the package's copy, the run-id
    prefix by the first run (for ``results delete``, by a copy of it saved to be deleted)."""
    if word == "PATH":
        return str(package)
    if word == RUN_PREFIX:
        assert first is not None, "the tutorial names a run before it makes one"
        if words[:2] == ["results", "delete"]:
            writable = Store(store)
            return writable.save(writable.load(first), name="to-delete")
        return first
    return word


def test_the_refinery_route_claims_of_the_tutorial_hold(tmp_path: Path) -> None:
    """The tutorial: "At four times the proxy Shell Pernis keeps its electrolyser's hydrogen
    to 2050 (at the proxy it leaves it in 2048)"."""
    (path,) = [p for p in _scenario_files(tmp_path) if p.name == "refinery-route-x4.yaml"]
    res = kruispunt.run(["current-policy", str(path)])
    history = metrics.site_route_history(res, "shell_pernis")
    on_green = history["route"].str.endswith("_green_h2")
    years = {
        scenario: history.loc[on_green & (history["scenario"] == scenario), "year"].to_numpy()
        for scenario in ("current-policy", "refinery-route-x4")
    }
    left = re.search(r"at the proxy it leaves it in (\d{4})", TUTORIAL.read_text(encoding="utf-8"))
    assert left is not None
    assert years["current-policy"].max() + 1 == int(left.group(1)) == 2048
    assert years["refinery-route-x4"].max() == 2050
    # ... and from the same year, without a gap
    assert years["refinery-route-x4"].min() == years["current-policy"].min()
    assert np.all(np.diff(years["refinery-route-x4"]) == 1)
