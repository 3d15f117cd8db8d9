"""Scenario discovery on a stored ensemble whose outcomes are planted: PRIM bounds the
futures that miss a target and, where a package misses it in most futures, those that meet
it."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from kruispunt.catalogue import load_catalogue
from kruispunt.store import ENSEMBLES_DIR, Ensemble
from kruispunt.uncertainty.analysis import Analysis, analyse
from kruispunt.uncertainty.run import _manifest, plan
from kruispunt.uncertainty.spec import load_spec

N = 400
OUTCOME = "emissions_2030"
RARE = "current-policy"  # meets the 2030 target only in the planted box
COMMON = "no-new-policy"  # misses it only in the planted box


@pytest.fixture(scope="module")
def planted(tmp_path_factory: pytest.TempPathFactory) -> tuple[Analysis, pd.DataFrame, str, str]:
    loaded = load_spec()
    p = plan(loaded, n=N, seed=5, catalogue=load_catalogue(), batch_size=N)
    futures = p.futures_table()
    a, b = (f.name for f in loaded.spec.factors[:2])
    # the box: the top quarter of factor a's unit range and the lowest 40 % of factor b's
    inside = (futures[f"u_{a}"] > 0.75) & (futures[f"u_{b}"] < 0.4)
    target = next(o.target for o in loaded.spec.outcomes if o.name == OUTCOME)
    assert target is not None and target.max is not None
    meet, miss = target.max - 5.0, target.max + 5.0
    rows = []
    for pkg in p.packages.names:
        for o in loaded.spec.outcomes:
            if o.name != OUTCOME:
                value = np.zeros(N)
            elif pkg == RARE:
                value = np.where(inside, meet, miss)
            elif pkg == COMMON:
                value = np.where(inside, miss, meet)
            else:
                value = np.full(N, miss)  # misses everywhere: no box either way
            rows.append(
                pd.DataFrame(
                    {"future": futures["future"], "package": pkg, "outcome": o.name, "value": value}
                )
            )
    root = Path(tmp_path_factory.mktemp("store")) / ENSEMBLES_DIR
    ens = Ensemble.open_or_create(root, p.ensemble_id, _manifest(p), futures)
    ens.write_batch(0, pd.concat(rows, ignore_index=True))
    return analyse(ens, prim_outcome=OUTCOME), futures, a, b


def test_meeting_box_recovers_the_planted_box(planted) -> None:  # type: ignore[no-untyped-def]
    an, futures, a, b = planted
    res = an.prim_met[OUTCOME][RARE]
    box = res.box
    assert set(box.restricted) == {a, b}
    # the planted futures are about 10 % of all; the box holds nearly all of them, nearly alone
    assert res.n_cases == int(((futures[f"u_{a}"] > 0.75) & (futures[f"u_{b}"] < 0.4)).sum())
    assert box.coverage >= 0.9 and box.density >= 0.9
    limits = res.limits().set_index("factor")
    lo_a = float(np.quantile(futures[a], 0.75))
    hi_b = float(np.quantile(futures[b], 0.4))
    assert limits.loc[a, "lower"] == pytest.approx(lo_a, rel=0.1)
    assert limits.loc[b, "upper"] == pytest.approx(hi_b, rel=0.1)


def test_meeting_box_only_where_meeting_is_the_rarer_case(planted) -> None:  # type: ignore[no-untyped-def]
    an, _, a, b = planted
    met = an.prim_met.get(OUTCOME, {})
    assert RARE in met
    assert COMMON not in met  # meets the target in most futures: its misses are the box
    assert set(an.prim[OUTCOME][COMMON].box.restricted) == {a, b}
    assert an.prim[OUTCOME][COMMON].box.density >= 0.9
    # a package that misses the target in every future has no box of either kind
    assert "high-ambition" not in met and "high-ambition" not in an.prim[OUTCOME]
