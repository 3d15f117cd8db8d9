"""The main job: `kruispunt run` end to end, and bad scenario input."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from kruispunt.store import Store


def kruispunt(*args: str, store: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "KRUISPUNT_STORE": str(store), "COLUMNS": "120"}
    return subprocess.run(
        [sys.executable, "-m", "kruispunt", *args],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )


def test_run_default_stores_reports_and_summarises(tmp_path: Path) -> None:
    store = tmp_path / "store"
    proc = kruispunt("run", store=store)
    assert proc.returncode == 0, proc.stderr
    assert "Direct emissions 2030" in proc.stdout
    assert "current-policy" in proc.stdout
    runs = Store(store).list()
    assert len(runs) == 1
    run_id = runs["run_id"].iloc[0]
    report = store / "reports" / f"{run_id}.html"
    assert report.is_file() and report.stat().st_size > 100_000
    assert f"report: {report}" in proc.stdout.replace("\n", "")
    stored = Store(store).load(run_id)
    assert stored.scenarios == ["current-policy"]


BAD = {
    "unknown_key": (
        "name: x\nbase: current-policy\neua_prise: {2030: 90}\n",
        "line 3",
        "'eua_prise': unknown key",
    ),
    "wrong_type": ("name: x\ncbam: perhaps\n", "line 2", "'cbam'"),
    "negative_price": (
        "name: x\ncarrier_prices:\n  natural_gas: {2030: -1}\n",
        "line 3",
        "greater than or equal to 0",
    ),
    "year_out_of_range": ("name: x\neua_price: {1990: 40}\n", "line 2", "2000"),
    "malformed_yaml": ("name: x\neua_price: [2030: 40\n", "line", "malformed YAML"),
    "unknown_carrier": (
        "name: x\ncarrier_price_scale: {unobtainium: 2}\n",
        "scenario.yaml",
        "unknown id 'unobtainium'",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_scenario_file_exits_2_and_stores_nothing(tmp_path: Path, case: str) -> None:
    text, where, what = BAD[case]
    scenario = tmp_path / "scenario.yaml"
    scenario.write_text(text, encoding="utf-8")
    store = tmp_path / "store"
    proc = kruispunt("run", str(scenario), store=store)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr
    assert str(scenario) in proc.stderr and where in proc.stderr and what in proc.stderr
    assert not store.exists() or Store(store).list().empty


def test_unknown_scenario_name_exits_2(tmp_path: Path) -> None:
    store = tmp_path / "store"
    proc = kruispunt("run", "business-as-usual", store=store)
    assert proc.returncode == 2
    assert "unknown scenario 'business-as-usual'" in proc.stderr
    assert "current-policy" in proc.stderr
    assert not store.exists() or Store(store).list().empty


def test_bad_cli_argument_exits_2(tmp_path: Path) -> None:
    proc = kruispunt("data", "summary", "--top", "0", store=tmp_path)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
