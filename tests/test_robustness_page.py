"""docs/robustness.md's figures of the default ensemble are written by docs/make_robustness.py
(a minute's run, not part of the suite): its block is checked by hand on a planted ensemble,
and the page's block against the default specification it claims to show."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path
from types import ModuleType

import numpy as np
import pandas as pd
import pytest

from kruispunt.catalogue import load_catalogue
from kruispunt.store import ENSEMBLES_DIR, Ensemble
from kruispunt.uncertainty.analysis import analyse
from kruispunt.uncertainty.run import _manifest, plan
from kruispunt.uncertainty.spec import load_spec

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "docs" / "make_robustness.py"
REPOSITORY_ONLY = pytest.mark.skipif(not SCRIPT.exists(), reason="repository only")


def _script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("make_robustness", SCRIPT)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@REPOSITORY_ONLY
def test_the_block_gives_each_outcome_s_median_range_and_share_by_hand(tmp_path: Path) -> None:
    """Twenty futures whose 2030 emissions are 20, 22, ..., 58 Mt under every package: the
    median is 39, the 5-95 % range 21.9-56.1 (linear: 20 + 2 x 0.95 and 20 + 2 x 18.05),
    29.1 is met in 5 futures of 20 (20..28) and 35.7 in 8 (20..34); the other outcomes
    are 0."""
    make = _script()
    loaded = load_spec()
    n = 20
    p = plan(loaded, n=n, seed=3, catalogue=load_catalogue(), batch_size=n)
    futures = p.futures_table()
    emissions = 20.0 + 2.0 * np.arange(n)
    rows = [
        pd.DataFrame(
            {
                "future": futures["future"],
                "package": pkg,
                "outcome": o.name,
                "value": emissions if o.name.startswith("emissions_2030") else np.zeros(n),
            }
        )
        for pkg in p.packages.names
        for o in loaded.spec.outcomes
    ]
    ens = Ensemble.open_or_create(tmp_path / ENSEMBLES_DIR, p.ensemble_id, _manifest(p), futures)
    ens.write_batch(0, pd.concat(rows, ignore_index=True))
    text = make.block(analyse(ens), "the command")
    three = " | ".join(["39.0 (21.9-56.1)"] * 3)
    assert f"| emissions_2030 [MtCO2/yr] | {three} |" in text
    assert "| ... futures at most 29.1 | 25.0 % | 25.0 % | 25.0 % |" in text
    assert "| ... futures at most 35.7 | 40.0 % | 40.0 % | 40.0 % |" in text
    assert f"Ensemble `{p.ensemble_id}`: {n} futures x 3 packages (`the command`)" in text
    assert "missing emissions_2030 (15 of 20 futures)" in text
    assert "| government_cost [MEUR] | 0 (0-0) | 0 (0-0) | 0 (0-0) |" in text


@REPOSITORY_ONLY
def test_the_block_is_replaced_between_its_markers_and_the_id_alone_is_no_change() -> None:
    make = _script()
    page = f"head\n{make.BEGIN}\nEnsemble `a-1`: old\n{make.END}\ntail\n"
    new = make.replace_block(page, "Ensemble `b-2`: old")
    assert new == f"head\n{make.BEGIN}\nEnsemble `b-2`: old\n{make.END}\ntail\n"
    assert make._figures(new) == make._figures(page)
    assert make._figures(make.replace_block(page, "Ensemble `a-1`: new")) != make._figures(page)
    with pytest.raises(SystemExit, match="needs one"):
        make.replace_block(page + make.BEGIN, "x")


@REPOSITORY_ONLY
def test_the_page_shows_every_outcome_of_the_default_specification() -> None:
    """An outcome added to (or renamed in) the specification leaves the page stale: its
    table must be written again."""
    make = _script()
    page = (ROOT / "docs" / "robustness.md").read_text("utf-8")
    inside = page.split(make.BEGIN, 1)[1].split(make.END, 1)[0]
    shown = re.findall(r"^\| (\w+) \[[^\]]+\] \|", inside, flags=re.MULTILINE)
    assert shown == [o.name for o in load_spec().spec.outcomes]
    assert re.search(rf"`: {make.N} futures x 3 packages", inside)
    assert f"--n {make.N} --seed {make.SEED}" in inside
