"""Fuzzing the results store: faults (a deleted, cut short or overwritten part, manifest or
catalogue, edited catalogue rows, stray folders) followed by every read command.

Each read command must end in exit 0 or a clean exit 2 and leave the store exactly as it was;
``kruispunt results repair`` must then succeed, keep every run the faults did not touch, and
leave a store whose every listed run can be shown and exported.
"""

from __future__ import annotations

import contextlib
import json
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import event, given
from hypothesis import strategies as st

from kruispunt.store import Store
from kruispunt.testing import synthetic_results
from tests.cli_helpers import assert_user_error, invoke, snapshot
from tests.fuzz.profiles import fuzz


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[str]]:
    root = tmp_path_factory.mktemp("template") / "store"
    store = Store(root)
    ids = [store.save(synthetic_results(n_plants=3, seed=i), name=f"run{i}") for i in range(2)]
    return root, ids


json_values = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=8)),
    lambda children: st.one_of(
        st.lists(children, max_size=3), st.dictionaries(st.text(max_size=6), children, max_size=3)
    ),
    max_leaves=5,
)
SQL = [
    "DELETE FROM runs WHERE rowid = (SELECT min(rowid) FROM runs)",
    "UPDATE runs SET scenarios = 'not json'",
    "UPDATE runs SET provenance = '{'",
    "UPDATE runs SET size_bytes = -1",
    "UPDATE runs SET name = 'two\nlines'",
    "UPDATE runs SET run_id = run_id || 'x' WHERE rowid = 1",
    "INSERT INTO runs VALUES ('20990101T000000000000Z-deadbeef', NULL, 'x', '[]', NULL, NULL,"
    " NULL, '{}', 'complete', 0)",
    "DROP TABLE runs",
    "ALTER TABLE runs RENAME COLUMN seed TO sead",
]
CRASH = """
import os, sqlite3, sys
con = sqlite3.connect(sys.argv[1], isolation_level=None)
con.execute("UPDATE runs SET name = 'renamed by a writer that died'")
os._exit(0)
"""
fault = st.one_of(
    st.tuples(st.just("crashed_writer")),
    st.tuples(st.just("delete"), st.integers(0, 10**6)),
    st.tuples(st.just("truncate"), st.integers(0, 10**6), st.floats(0, 1)),
    st.tuples(
        st.just("overwrite"),
        st.integers(0, 10**6),
        st.floats(0, 1),
        st.binary(min_size=1, max_size=64),
    ),
    st.tuples(
        st.just("manifest"),
        st.integers(0, 1),
        st.sampled_from(
            ["parts", "dims", "variables", "attrs", "format_version", "run_id", "part_format"]
        ),
        json_values,
    ),
    st.tuples(st.just("sql"), st.sampled_from(SQL)),
    st.tuples(st.just("rmdir"), st.integers(0, 1)),
    st.tuples(st.just("stray"), st.sampled_from(["dir", "file", "manifest-only"])),
)


def _apply(root: Path, ids: list[str], op: tuple[Any, ...]) -> set[str]:
    """Apply a fault; return the runs it touched."""
    files = sorted(p for p in root.rglob("*") if p.is_file())
    kind = op[0]
    if kind in ("delete", "truncate", "overwrite") and files:
        path = files[op[1] % len(files)]
        if kind == "delete":
            path.unlink()
        elif kind == "truncate":
            path.write_bytes(path.read_bytes()[: int(path.stat().st_size * op[2])])
        else:
            data = bytearray(path.read_bytes())
            at = int(len(data) * op[2])
            data[at : at + len(op[3])] = op[3]
            path.write_bytes(bytes(data))
        return {i for i in ids if i in path.parts} or (
            {*ids} if path.name.startswith("catalogue") else set()
        )
    if kind == "manifest":
        path = root / "runs" / ids[op[1]] / "manifest.json"
        if path.is_file():
            data = json.loads(path.read_text())
            data[op[2]] = op[3]
            path.write_text(json.dumps(data))
        return {ids[op[1]]}
    if kind == "sql":
        try:
            with contextlib.closing(sqlite3.connect(root / "catalogue.sqlite")) as con, con:
                con.execute(op[1])
        except sqlite3.Error:
            pass
        return set(ids)
    if kind == "crashed_writer":  # a writer killed mid-transaction leaves -wal and -shm behind
        subprocess.run([sys.executable, "-c", CRASH, str(root / "catalogue.sqlite")], check=True)
        return set()
    if kind == "rmdir":
        shutil.rmtree(root / "runs" / ids[op[1]], ignore_errors=True)
        return {ids[op[1]]}
    stray = root / "runs" / "stray"
    if op[1] == "dir":
        stray.mkdir(exist_ok=True)
    elif op[1] == "file":
        stray.with_suffix(".txt").write_text("x")
    else:
        stray.mkdir(exist_ok=True)
        (stray / "manifest.json").write_text("{}")
    return set()


def _commands(root: Path, ids: list[str], out: Path) -> list[list[str]]:
    a, b = ids
    prefix = a[:-1]
    return [
        ["results", "list"],
        ["results", "show", a],
        ["results", "show", prefix],
        ["results", "show", "latest"],
        ["export", "run1", "-f", "parquet", "-o", str(out / "b-parquet")],
        ["export", b, "-o", str(out / "b.csv")],
    ]


@fuzz(8)
@given(faults=st.lists(fault, min_size=1, max_size=3))
def test_store_faults(
    tmp_path_factory: Any, template: tuple[Path, list[str]], faults: list[tuple[Any, ...]]
) -> None:
    tmp = tmp_path_factory.mktemp("store")
    root = tmp / "store"
    shutil.copytree(template[0], root)
    ids = template[1]
    touched: set[str] = set()
    for op in faults:
        touched |= _apply(root, ids, op)
    out = tmp / "out"
    out.mkdir()
    before = snapshot(root)
    codes = []
    for args in _commands(root, ids, out):
        outcome = invoke(*args, "--store", str(root))
        if outcome.code != 0:
            assert_user_error(outcome)
        codes.append(outcome.code)
        assert snapshot(root) == before, args  # read commands change nothing
    event("all read commands worked" if not any(codes) else "some refused")

    repaired = invoke("results", "repair", "--store", str(root))
    assert repaired.code == 0 and repaired.crashed is None, repaired
    listed = [e["run_id"] for e in Store(root, readonly=True).entries()]
    assert set(ids) - touched <= set(listed), "repair lost a run the faults did not touch"
    assert set(listed) <= set(ids)
    for run_id in listed:
        outcome = invoke("results", "show", run_id, "--store", str(root))
        assert outcome.code == 0, outcome


@fuzz(5)
@given(faults=st.lists(fault, min_size=1, max_size=2))
def test_write_commands_on_a_faulty_store(
    tmp_path_factory: Any, template: tuple[Path, list[str]], faults: list[tuple[Any, ...]]
) -> None:
    """``delete`` and ``run --dry-run`` on a damaged store: 0 or a clean 2, never a crash."""
    tmp = tmp_path_factory.mktemp("store")
    root = tmp / "store"
    shutil.copytree(template[0], root)
    for op in faults:
        _apply(root, template[1], op)
    for args in (["run", "--dry-run"], ["results", "delete", template[1][0], "--yes"]):
        outcome = invoke(*args, "--store", str(root))
        if outcome.code != 0:
            assert_user_error(outcome)
