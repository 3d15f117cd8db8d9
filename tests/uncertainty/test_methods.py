"""Sampling, Sobol, Morris and PRIM against analytic or planted answers."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from kruispunt.uncertainty.prim import prim
from kruispunt.uncertainty.robustness import most_robust, regret, robustness_table, satisficing
from kruispunt.uncertainty.sampling import MORRIS_LEVELS, future_count, make_design
from kruispunt.uncertainty.sensitivity import morris_indices, sobol_indices
from kruispunt.uncertainty.spec import Outcome, Target


def ishigami(u: np.ndarray, a: float = 7.0, b: float = 0.1) -> np.ndarray:
    x = -np.pi + 2 * np.pi * u
    return np.sin(x[:, 0]) + a * np.sin(x[:, 1]) ** 2 + b * x[:, 2] ** 4 * np.sin(x[:, 0])


def test_sobol_indices_of_the_ishigami_function_match_the_analytic_values() -> None:
    """Analytic values for a=7, b=0.1 (Ishigami & Homma 1990; Saltelli et al. 2010 §5):
    V = a²/8 + b π⁴/5 + b² π⁸/18 + 1/2; S1 = 0.3139, 0.4424, 0; ST = 0.5576, 0.4424, 0.2437."""
    a, b = 7.0, 0.1
    v = a**2 / 8 + b * np.pi**4 / 5 + b**2 * np.pi**8 / 18 + 0.5
    v1 = 0.5 * (1 + b * np.pi**4 / 5) ** 2
    v2 = a**2 / 8
    v13 = b**2 * np.pi**8 * (1 / 18 - 1 / 50)
    s1 = [v1 / v, v2 / v, 0.0]
    st = [(v1 + v13) / v, v2 / v, v13 / v]
    assert s1 == pytest.approx([0.3139, 0.4424, 0.0], abs=1e-4)
    assert st == pytest.approx([0.5576, 0.4424, 0.2437], abs=1e-4)
    des = make_design("saltelli", 2**13, 3, seed=7)
    assert des.size == future_count("saltelli", 2**13, 3) == 2**13 * 5
    res = sobol_indices(ishigami(des.u), des.block, ["x1", "x2", "x3"], n_boot=50, seed=1)
    assert res["S1"].to_numpy() == pytest.approx(s1, abs=0.03)
    assert res["ST"].to_numpy() == pytest.approx(st, abs=0.03)
    assert (res["ST_conf"] < 0.05).all()


def test_sobol_and_morris_agree_with_salib() -> None:
    """The same design and outputs through SALib 1.6 (``sobol.analyze`` without second
    order, ``morris.analyze``; the ``test`` extra installs it): the point estimates agree to
    rounding. The Sobol outputs are the Ishigami function plus 1,000, an output whose mean
    is large against its spread, as an outcome's emissions are."""
    from SALib.analyze import morris, sobol

    d, names = 3, ["x1", "x2", "x3"]
    problem = {"num_vars": d, "names": names, "bounds": [[0.0, 1.0]] * d}
    des = make_design("saltelli", 1024, d, seed=4)
    y = ishigami(des.u) + 1000.0
    ours = sobol_indices(y, des.block, names, n_boot=2)
    # SALib's layout without second order: per base row j, A_j, AB_1j .. AB_dj, B_j
    fab = np.stack([y[des.block == 2 + i] for i in range(d)], axis=1)
    layout = [y[des.block == 0][:, None], fab, y[des.block == 1][:, None]]
    theirs = sobol.analyze(
        problem, np.concatenate(layout, axis=1).reshape(-1), calc_second_order=False, seed=1
    )
    assert ours["S1"].to_numpy() == pytest.approx(theirs["S1"], rel=1e-9, abs=1e-12)
    assert ours["ST"].to_numpy() == pytest.approx(theirs["ST"], rel=1e-9, abs=1e-12)
    assert abs(ours["S1"].iloc[2]) < 0.01  # analytic 0, also with the output's large mean

    des = make_design("morris", 50, d, seed=2)
    y = ishigami(des.u)
    ours = morris_indices(des.u, y, des.block, names)
    theirs = morris.analyze(problem, des.u, y, num_levels=MORRIS_LEVELS, seed=1)
    for col in ("mu", "mu_star", "sigma"):
        assert ours[col].to_numpy() == pytest.approx(np.asarray(theirs[col]), rel=1e-12), col


def test_morris_ranks_factors_of_known_importance() -> None:
    """y = 10 x1 + 5 x2² + x3 + 0 x4 on [0, 1]: mu* is 10 for x1 (linear: every effect is
    10), 1 for x3, 0 for x4, and between them for x2 (effects 5 (2x + Δ))."""
    des = make_design("morris", 40, 4, seed=3)
    u = des.u
    y = 10 * u[:, 0] + 5 * u[:, 1] ** 2 + u[:, 2]
    res = morris_indices(u, y, des.block, ["x1", "x2", "x3", "x4"]).set_index("factor")
    assert res.loc["x1", "mu_star"] == pytest.approx(10.0)
    assert res.loc["x3", "mu_star"] == pytest.approx(1.0)
    assert res.loc["x4", "mu_star"] == 0.0
    assert res.loc["x1", "sigma"] == pytest.approx(0.0, abs=1e-9)
    order = res["mu_star"].sort_values(ascending=False).index.tolist()
    assert order == ["x1", "x2", "x3", "x4"]


def test_designs_are_pure_functions_of_seed_and_index() -> None:
    for method in ("lhs", "sobol", "random", "saltelli", "morris"):
        a = make_design(method, 16, 3, seed=5)  # type: ignore[arg-type]
        b = make_design(method, 16, 3, seed=5)  # type: ignore[arg-type]
        assert np.array_equal(a.u, b.u)
        assert not np.array_equal(a.u, make_design(method, 16, 3, seed=6).u)  # type: ignore[arg-type]
    # independent draws: future i does not depend on how many futures there are
    small, big = make_design("random", 4, 3, seed=9), make_design("random", 10, 3, seed=9)
    assert np.array_equal(small.u, big.u[:4])
    # Latin hypercube: each of n strata of every factor holds exactly one future
    lhs = make_design("lhs", 50, 4, seed=2)
    for j in range(4):
        assert sorted(np.floor(lhs.u[:, j] * 50).astype(int)) == list(range(50))


def test_prim_recovers_a_planted_box() -> None:
    rng = np.random.default_rng(42)
    x = pd.DataFrame(rng.random((3000, 5)), columns=["a", "b", "c", "d", "e"])
    x["delay"] = rng.integers(0, 5, 3000).astype(float)  # a discrete factor
    inside = (x["a"] > 0.6) & (x["b"] < 0.35) & (x["delay"] >= 2)
    noise = rng.random(3000) < 0.01  # 1 % of labels flipped
    y = inside ^ noise
    res = prim(x, y)
    box = res.box
    assert set(box.restricted) == {"a", "b", "delay"}
    lim = res.limits().set_index("factor")
    assert lim.loc["a", "lower"] == pytest.approx(0.6, abs=0.03)
    assert lim.loc["b", "upper"] == pytest.approx(0.35, abs=0.03)
    assert lim.loc["delay", "lower"] == 2
    assert box.coverage > 0.8 and box.density > 0.9
    assert (lim["qp_value"] < 1e-6).all()
    traj = res.trajectory()
    assert traj["coverage"].iloc[0] == 1.0 and traj["density"].iloc[0] == pytest.approx(y.mean())
    assert traj["mass"].is_monotonic_decreasing or traj["mass"].iloc[-1] < traj["mass"].iloc[0]


def test_prim_quasi_p_value_by_hand() -> None:
    """Six futures, the last three cases: the box a >= 3 holds 3 futures, all cases, against
    a share of 3/6 with the restriction dropped, so its quasi-p-value is the chance of at
    least 3 hits in 3 draws at 1/2: 1/8."""
    x = pd.DataFrame({"a": np.arange(6.0)})
    y = np.array([False, False, False, True, True, True])
    lim = prim(x, y, max_qp=1.0).limits().set_index("factor")
    assert 2.0 < lim.loc["a", "lower"] <= 3.0 and lim.loc["a", "upper"] == 5.0  # futures 3-5
    assert lim.loc["a", "qp_value"] == pytest.approx(0.125, rel=1e-12)
    # kept only where it is at most max_qp: at 0.05 the restriction is dropped
    assert prim(x, y, max_qp=0.05).box.restricted == ()


def test_prim_pasting_only_widens_and_densifies_the_peeled_boxes() -> None:
    """Each pasted box holds its peeled box, with at least its coverage and density; on this
    noisy planted box pasting makes some box strictly denser."""
    rng = np.random.default_rng(6)
    x = pd.DataFrame(rng.random((300, 3)), columns=["a", "b", "c"])
    y = ((x["a"] > 0.5) & (x["b"] < 0.4)) ^ (rng.random(300) < 0.05)
    pasted, peeled = prim(x, y, alpha=0.1), prim(x, y, alpha=0.1, paste=False)
    assert len(pasted.boxes) == len(peeled.boxes)  # one peeling trajectory
    denser = 0
    for p, q in zip(pasted.boxes, peeled.boxes, strict=True):
        assert np.all(p.lower <= q.lower) and np.all(p.upper >= q.upper)
        assert p.coverage >= q.coverage and p.density >= q.density - 1e-12
        denser += p.density > q.density + 1e-12
    assert denser > 0
    assert pasted.box.density > peeled.box.density


def _two_packages(outcome: str, values: list[float]) -> pd.DataFrame:
    """Outcome values of packages a and b in futures 0, 1 and 2 (a, b of each in turn)."""
    return pd.DataFrame(
        {"future": [0, 0, 1, 1, 2, 2], "package": ["a", "b"] * 3, "outcome": [outcome] * 6}
    ).assign(value=values)


def test_regret_and_share_meeting_of_an_outcome_to_maximise_by_hand() -> None:
    """Share of production kept, to maximise with a target of at least 0.8 (as the default
    specification's retained-production outcomes): two packages, three futures."""
    out = _two_packages("kept", [0.8, 0.9, 0.9, 0.6, 0.7, 0.8])
    o = Outcome(
        name="kept",
        metric="production_retained",
        product="ammonia",
        year=2035,
        goal="maximize",
        target=Target(min=0.8, assumption="test"),
    )
    # best per future 0.9, 0.9, 0.8: a falls short by 0.1, 0, 0.1; b by 0, 0.3, 0
    r = regret(out.pivot(index="future", columns="package", values="value"), "maximize")
    np.testing.assert_allclose(r["a"], [0.1, 0.0, 0.1])
    np.testing.assert_allclose(r["b"], [0.0, 0.3, 0.0])
    t = robustness_table(out, [o]).set_index("package")
    # a value exactly at the target meets it: a meets in futures 0 and 1, b in 0 and 2
    assert t.loc["a", "share_meeting"] == pytest.approx(2 / 3)
    assert t.loc["b", "share_meeting"] == pytest.approx(2 / 3)
    assert t.loc["a", "target"] == 0.8
    # 90th percentile of the regrets (numpy's linear rule, position 1.8 of 0..2):
    # a [0, 0.1, 0.1] -> 0.1; b [0, 0, 0.3] -> 0 + 0.8 x 0.3 = 0.24
    assert t.loc["a", "regret_p90"] == pytest.approx(0.1)
    assert t.loc["b", "regret_p90"] == pytest.approx(0.24)
    assert t.loc["b", "regret_max"] == pytest.approx(0.3)


def test_regret_share_meeting_and_satisficing_by_hand() -> None:
    """Two packages, three futures; emissions to minimise with a target of 10."""
    out = _two_packages("e", [8.0, 9.0, 12.0, 10.0, 9.0, 11.0])
    o = Outcome(
        name="e",
        metric="emissions",
        year=2030,
        goal="minimize",
        target=Target(max=10.0, assumption="test"),
    )
    r = regret(out.pivot(index="future", columns="package", values="value"), "minimize")
    assert r["a"].tolist() == [0.0, 2.0, 0.0] and r["b"].tolist() == [1.0, 0.0, 2.0]
    t = robustness_table(out, [o]).set_index("package")
    assert t.loc["a", "share_meeting"] == pytest.approx(2 / 3)
    assert t.loc["b", "share_meeting"] == pytest.approx(2 / 3)
    assert t.loc["a", "regret_max"] == 2.0 and t.loc["a", "regret_mean"] == pytest.approx(2 / 3)
    assert t.loc["b", "regret_mean"] == pytest.approx(1.0)
    best = most_robust(robustness_table(out, [o]), [o])
    assert best["package"].tolist() == ["a"]  # same share, lower 90th-percentile regret
    sat = satisficing(out, [o]).set_index("package")
    assert sat.loc["a", "share_all_targets"] == pytest.approx(2 / 3)


def test_sobol_intervals_are_normal_quantiles_of_one_seeded_bootstrap() -> None:
    """The half-widths are z x the bootstrap's standard deviation, z = Φ⁻¹(1/2 + c/2):
    1.959964 at 95 %, 1.644854 at 90 %. With the same seed the resamples are the same, so
    the 95 % interval is 1.959964 / 1.644854 = 1.19157 times the 90 % one; the same seed
    gives the same intervals, another seed others."""
    des = make_design("saltelli", 64, 3, seed=3)
    y = ishigami(des.u)

    def run(confidence: float, seed: int) -> pd.DataFrame:
        return sobol_indices(
            y, des.block, ["a", "b", "c"], n_boot=40, seed=seed, confidence=confidence
        )

    wide, narrow = run(0.95, 1), run(0.90, 1)
    for col in ("S1_conf", "ST_conf"):
        ratio = wide[col].to_numpy() / narrow[col].to_numpy()
        assert ratio == pytest.approx(np.full(3, 1.959964 / 1.644854), rel=1e-6)
    pd.testing.assert_frame_equal(run(0.95, 1), wide)
    assert not np.allclose(run(0.95, 2)["S1_conf"], wide["S1_conf"])


def test_morris_mu_keeps_the_sign_that_mu_star_drops() -> None:
    """y = -3 x1 + 2 x2: every effect of x1 is -3 and of x2 +2, so mu = -3 and 2, mu* = 3
    and 2."""
    des = make_design("morris", 6, 2, seed=8)
    y = -3 * des.u[:, 0] + 2 * des.u[:, 1]
    res = morris_indices(des.u, y, des.block, ["x1", "x2"]).set_index("factor")
    assert res["mu"].tolist() == pytest.approx([-3.0, 2.0])
    assert res["mu_star"].tolist() == pytest.approx([3.0, 2.0])
    assert res["n"].tolist() == [6, 6]
