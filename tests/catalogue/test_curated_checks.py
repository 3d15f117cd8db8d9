"""The consistency checks beside the curated tables (data/curated/check_*.py) pass, so the
curated inputs cannot drift from their own rules unnoticed."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

CURATED = Path(__file__).resolve().parents[2] / "data" / "curated"


@pytest.mark.parametrize("script", sorted(p.name for p in CURATED.glob("check_*.py")))
def test_curated_check_passes(script: str) -> None:
    done = subprocess.run(
        [sys.executable, str(CURATED / script)], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
