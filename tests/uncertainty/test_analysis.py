"""Scenario discovery on a stored ensemble whose outcomes are planted: PRIM bounds the
futures that miss a target and, where a package misses it in most futures, those that meet
it; and six futures written by hand (targets met at the boundary, an undefined outcome, fans,
an unfinished ensemble), a tornado by hand, and saltelli and morris ensembles (which futures
are explored, the bootstrap seed, Morris effects per full factor range)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from kruispunt.catalogue import load_catalogue
from kruispunt.store import ENSEMBLES_DIR, Ensemble
from kruispunt.uncertainty.analysis import Analysis, analyse, tornado
from kruispunt.uncertainty.run import _manifest, plan
from kruispunt.uncertainty.sensitivity import sobol_indices
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
    # the planted edges, within 5 % of each factor's sampled range (a relative tolerance
    # fails an edge near zero: b's is -0.106 on -0.96..0.97)
    lo_a = float(np.quantile(futures[a], 0.75))
    hi_b = float(np.quantile(futures[b], 0.4))
    span_a, span_b = (float(np.ptp(futures[f])) for f in (a, b))
    assert limits.loc[a, "lower"] == pytest.approx(lo_a, abs=0.05 * span_a)
    assert limits.loc[b, "upper"] == pytest.approx(hi_b, abs=0.05 * span_b)


def test_meeting_box_only_where_meeting_is_the_rarer_case(planted) -> None:  # type: ignore[no-untyped-def]
    an, _, a, b = planted
    met = an.prim_met.get(OUTCOME, {})
    assert RARE in met
    assert COMMON not in met  # meets the target in most futures: its misses are the box
    assert set(an.prim[OUTCOME][COMMON].box.restricted) == {a, b}
    assert an.prim[OUTCOME][COMMON].box.density >= 0.9
    # a package that misses the target in every future has no box of either kind
    assert "high-ambition" not in met and "high-ambition" not in an.prim[OUTCOME]


# --- six futures written by hand ------------------------------------------------------------

EMISSIONS = {  # emissions_2030, target at most 29.1 Mt
    "current-policy": [29.1, 30.0, 31.0, 32.0, 28.0, 33.0],  # meets in futures 0 and 4
    "no-new-policy": [28.0, 30.0, 28.0, 30.0, 28.0, 30.0],  # meets in three, misses in three
    "high-ambition": [20.0, 20.0, 20.0, 20.0, 20.0, np.nan],  # undefined in future 5
}
AMMONIA = {  # retained_ammonia_2035, target at least 0.8
    "current-policy": [0.8, 0.7, 0.9, 0.7, 0.7, 0.7],  # meets in futures 0 and 2
    "no-new-policy": [0.9] * 6,
    "high-ambition": [0.9] * 6,
}


def _store(
    root: Path,
    method: str,
    n: int,
    outcome: Callable[[pd.DataFrame, str], dict[str, np.ndarray]],
    batch_size: int,
    batches: list[int] | None = None,
) -> Ensemble:
    """An ensemble of the default specification whose outcomes and 2030 emissions
    trajectory are ``outcome(futures, package)`` (no engine run)."""
    loaded = load_spec()
    p = plan(loaded, method=method, n=n, seed=5, catalogue=load_catalogue(), batch_size=batch_size)  # type: ignore[arg-type]
    futures = p.futures_table()
    ens = Ensemble.open_or_create(root / ENSEMBLES_DIR, p.ensemble_id, _manifest(p), futures)
    for b in batches if batches is not None else range(p.n_batches):
        sl = p.batch_slice(b)
        part = futures.iloc[sl]
        out, traj = [], []
        for pkg in p.packages.names:
            for name, value in outcome(futures, pkg).items():
                out.append(
                    pd.DataFrame(
                        {
                            "future": part["future"],
                            "package": pkg,
                            "outcome": name,
                            "value": value[sl],
                        }
                    )
                )
            traj.append(
                pd.DataFrame(
                    {
                        "future": part["future"],
                        "package": pkg,
                        "metric": "emissions",
                        "year": 2030,
                        "value": part["future"].to_numpy(dtype=float),
                    }
                )
            )
        ens.write_batch(b, pd.concat(out, ignore_index=True), pd.concat(traj, ignore_index=True))
    return ens


def _six(futures: pd.DataFrame, pkg: str) -> dict[str, np.ndarray]:
    return {OUTCOME: np.array(EMISSIONS[pkg]), "retained_ammonia_2035": np.array(AMMONIA[pkg])}


@pytest.fixture(scope="module")
def six(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    return analyse(_store(tmp_path_factory.mktemp("six"), "lhs", 6, _six, batch_size=3))


def test_a_value_at_the_target_meets_it_in_prim_and_the_miss_counts(six) -> None:  # type: ignore[no-untyped-def]
    """current-policy: 29.1 meets "at most 29.1" (future 0) and 0.8 meets "at least 0.8"
    (future 0), so it misses emissions_2030 in 4 futures of 6 (1, 2, 3, 5) and ammonia in 4
    (1, 3, 4, 5). high-ambition's undefined future counts as a miss, and as one of its 6
    futures."""
    misses = six.misses.set_index(["outcome", "package"])
    assert misses.loc[(OUTCOME, RARE), "missed"] == 4
    assert misses.loc[("retained_ammonia_2035", RARE), "missed"] == 4
    assert misses.loc[(OUTCOME, "high-ambition"), "missed"] == 1
    assert (misses["futures"] == 6).all()
    assert six.prim[OUTCOME][RARE].n_cases == 4
    assert six.prim["retained_ammonia_2035"][RARE].n_cases == 4
    assert six.prim[OUTCOME]["high-ambition"].n_cases == 1
    # meets in 2 of 6: PRIM also bounds the meeting futures, 2 cases
    assert six.prim_met[OUTCOME][RARE].n_cases == 2
    assert six.prim_met["retained_ammonia_2035"][RARE].n_cases == 2


def test_an_even_split_gets_no_meeting_box(six) -> None:  # type: ignore[no-untyped-def]
    """no-new-policy meets the 2030 target in 3 futures and misses it in 3: meeting is not
    the rarer case, so only the missing futures get a box."""
    assert six.prim[OUTCOME][COMMON].n_cases == 3
    assert COMMON not in six.prim_met[OUTCOME]


def test_prim_explains_the_first_targeted_outcome_by_default(six) -> None:  # type: ignore[no-untyped-def]
    assert six.prim_outcome == OUTCOME == next(o.name for o in six.spec.outcomes if o.target)
    assert next(iter(six.prim)) == OUTCOME


def test_fans_are_linear_percentiles_of_the_futures(six) -> None:  # type: ignore[no-untyped-def]
    """The planted trajectory value of future i is i: over futures 0..5, numpy's linear rule
    puts percentile q at position q/100 x 5: p5 0.25, p25 1.25, p50 2.5, p75 3.75, p95 4.75."""
    fan = six.fans.set_index("package").loc[RARE]
    assert fan[["p5", "p25", "p50", "p75", "p95"]].tolist() == pytest.approx(
        [0.25, 1.25, 2.5, 3.75, 4.75]
    )


def test_an_unfinished_ensemble_analyses_its_finished_futures(tmp_path: Path) -> None:
    """Batch 0 of 2 (futures 0..2) written: 3 futures are analysed, current-policy misses
    emissions_2030 in futures 1 and 2."""
    an = analyse(_store(tmp_path, "lhs", 6, _six, batch_size=3, batches=[0]))
    assert (an.n_futures, an.n_explore, an.n_design) == (3, 3, 6)
    misses = an.misses.set_index(["outcome", "package"])
    assert misses.loc[(OUTCOME, RARE), ["missed", "futures"]].tolist() == [2, 3]


def test_tornado_by_hand() -> None:
    """Ten futures, y = -2a, the last undefined: nine futures count, and the lowest and
    highest fifth are round(0.2 x 9) = 2 futures each. a: low mean(0, -2) = -1, high
    mean(-14, -16) = -15, swing -14. p ranks futures 5, 6 lowest (y -10, -12) and 2, 3 highest
    (y -4, -6): low -11, high -5, swing +6. z is constant: no swing, both ends the mean -8.
    Sorted by the size of the swing: a, p, z."""
    a = np.arange(10.0)
    x = pd.DataFrame({"z": np.full(10, 5.0), "p": [4.0, 5, 8, 9, 3, 0, 1, 6, 7, 2], "a": a})
    y = pd.Series(-2 * a).where(a < 9)
    t = tornado(x, y)
    assert t["factor"].tolist() == ["a", "p", "z"]
    got = t.set_index("factor")
    assert got.loc["a", ["low", "high", "swing"]].tolist() == [-1.0, -15.0, -14.0]
    assert got.loc["p", ["low", "high", "swing"]].tolist() == [-11.0, -5.0, 6.0]
    assert got.loc["z", ["low", "high", "swing", "mean"]].tolist() == [-8.0, -8.0, 0.0, -8.0]


# --- saltelli and morris ensembles ----------------------------------------------------------


def _steel(futures: pd.DataFrame, pkg: str) -> dict[str, np.ndarray]:
    """emissions_2030 = 10 x steel demand (a uniform factor on 0.7..1.1) for every package."""
    return {OUTCOME: 10 * futures["steel_demand"].to_numpy()}


def test_saltelli_ensemble_explores_blocks_a_and_b_only(tmp_path: Path) -> None:
    """A saltelli design of n = 4 over 17 factors: 4 x 19 = 76 futures, of which blocks A and B
    (8 futures) sample the space evenly: robustness, PRIM and fans use those 8 (the planted
    trajectory value of future i is i, so the median is that of their numbers). The Sobol
    intervals are bootstrapped with the ensemble's root seed (5)."""
    ens = _store(tmp_path, "saltelli", 4, _steel, batch_size=128)
    an = analyse(ens)
    futures = ens.futures()
    even = futures.loc[futures["block"] <= 1, "future"].tolist()
    assert an.n_explore == 8 and an.n_futures == 76
    assert set(an.robustness["n"]) == {8}
    fan = an.fans.set_index("package").loc[RARE]
    assert fan["p50"] == pytest.approx(np.median(even))
    y = 10 * futures["steel_demand"].to_numpy()
    factors = [f.name for f in an.spec.factors]
    want = sobol_indices(y, futures["block"], factors, seed=5)
    got = an.sobol[(an.sobol["package"] == RARE) & (an.sobol["outcome"] == OUTCOME)]
    assert got["S1_conf"].to_numpy() == pytest.approx(want["S1_conf"].to_numpy())


def test_morris_effects_are_per_full_range_of_the_factor(tmp_path: Path) -> None:
    """emissions_2030 = 10 x steel demand, uniform on 0.7..1.1: moving the factor over its
    whole range (unit-cube step 1) changes the outcome by 10 x 0.4 = 4, so every elementary
    effect of steel demand is 4, and every other factor's 0."""
    an = analyse(_store(tmp_path, "morris", 2, _steel, batch_size=64))
    m = an.morris[(an.morris["package"] == RARE) & (an.morris["outcome"] == OUTCOME)]
    m = m.set_index("factor")
    assert m.loc["steel_demand", "mu_star"] == pytest.approx(4.0)
    assert m.loc["steel_demand", "mu"] == pytest.approx(4.0)
    assert (m.drop(index="steel_demand")["mu_star"] == 0).all()


def test_the_command_prints_each_box_under_its_case(
    planted, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    """``kruispunt explore analyse`` on the planted analysis: the misses of the package that
    mostly meets the target are bounded under "missing", the rare successes of the other
    under "meeting", each with its limits, coverage, density and mass."""
    from tests.cli_helpers import invoke

    an, _, _, _ = planted
    loaded = load_spec()
    p = plan(loaded, n=2, seed=5, catalogue=load_catalogue(), batch_size=2)
    ens = Ensemble.open_or_create(tmp_path, p.ensemble_id, _manifest(p), p.futures_table())
    monkeypatch.setattr("kruispunt.uncertainty.analysis.analyse", lambda _: an)
    out = invoke("explore", "analyse", str(ens.folder), "--report", str(tmp_path / "r.html"))
    assert out.code == 0 and out.crashed is None, out.stderr
    for case, found, pkg in (("missing", an.prim, COMMON), ("meeting", an.prim_met, RARE)):
        res = found[OUTCOME][pkg]
        limits = ", ".join(
            f"{r.factor} in [{r.lower:.3g}, {r.upper:.3g}]" for r in res.limits().itertuples()
        )
        b = res.box
        line = (
            f"PRIM, {pkg} {case} {OUTCOME}: {limits} (coverage {b.coverage:.2f}, density "
            f"{b.density:.2f}, mass {b.mass:.2f})"
        )
        assert line in " ".join(out.stdout.split())
    assert f"PRIM, {COMMON} meeting" not in out.stdout
