"""Helpers for the assembly tests."""

from __future__ import annotations

from pathlib import Path

from kruispunt.assemble import build_inputs
from kruispunt.catalogue import Catalogue
from kruispunt.inputs import ModelInputs
from kruispunt.scenarios import resolve


def beside_current_policy(cat: Catalogue, tmp_path: Path, levers: str) -> ModelInputs:
    """Inputs of current policy (scenario 0) and of current policy with ``levers`` (YAML
    lines of a scenario file, scenario 1)."""
    path = tmp_path / "x.yaml"
    path.write_text(f"name: x\nbase: current-policy\n{levers}", encoding="utf-8")
    return build_inputs(cat, resolve(["current-policy", str(path)], cat.path))
