"""A plant moving its capture from one CO2 store to another keeps its old part in the old store.

Until Dec 2026 a plant held one store: Esso and Shell Pernis, moving from their Porthos
capture to post-combustion capture on Aramis, reserved only their extra capture on Aramis
but booked all of it there, and Aramis was over-booked in 13 of 576 runs of an ensemble
(up to 0.52 Mt over 4.55 Mt). The move now leaves a claim on the old store
(:func:`kruispunt.engine.decide.carry_claims`), filled before the new store takes the rest;
when the old store's life ends the claim applies to the others
(:meth:`Infrastructure.claims_move`), or its part is vented. A grid zone keeps a claim the
same way (the last test).
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from kruispunt.assemble import build_inputs
from kruispunt.catalogue import Catalogue
from kruispunt.engine import simulate as sim
from kruispunt.engine.context import BatchContext
from kruispunt.engine.infrastructure import Infrastructure
from kruispunt.inputs import ModelInputs
from kruispunt.policy.registry import INSTRUMENTS
from kruispunt.scenarios import resolve
from kruispunt.uncertainty.futures import FutureBuilder
from kruispunt.uncertainty.run import plan
from kruispunt.uncertainty.spec import load_spec
from kruispunt.vocabulary import CO2_STORAGE

PERNIS = "shell_pernis/refinery_throughput"


def _audit_plan(cat: Catalogue):  # type: ignore[no-untyped-def]
    """The audit's design: LHS, seed 7, 192 futures over the default specification's factors
    as they were then, the 15 before the RFNBO shortfall cap and the branch profit joined
    (6 Dec 2026; a new factor resamples every future, and the two stay at the data package's
    in these)."""
    loaded = load_spec()
    later = {"rfnbo_shortfall_cap", "branch_profit"}
    factors = [f for f in loaded.spec.factors if f.name not in later]
    assert len(factors) == 15
    spec = loaded.spec.model_copy(update={"factors": factors})
    return plan(replace(loaded, spec=spec), n=192, seed=7, catalogue=cat)


@pytest.fixture(scope="module")
def moved(cat: Catalogue, monkeypatch_module: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    """High ambition in future 76 of the audit's design (LHS, seed 7, 192 futures): Shell
    Pernis and Esso move from Porthos to Aramis. Returns the inputs, outputs, the batch's
    :class:`Infrastructure` and each year's state of claims and held stores."""
    p = _audit_plan(cat)
    builder = FutureBuilder(p.loaded.spec.factors, p.packages, cat)
    j = list(p.packages.names).index("high-ambition")
    f = np.array([76])
    inp = build_inputs(cat, builder.package_batch(j, f, p.values[f], p.seeds[f]))
    made: list[Infrastructure] = []

    class Kept(Infrastructure):
        def __init__(self, ctx: BatchContext) -> None:
            super().__init__(ctx)
            made.append(self)

    monkeypatch_module.setattr(sim, "Infrastructure", Kept)
    seen: dict[int, tuple[np.ndarray, np.ndarray]] = {}

    def observe(view: sim.YearView) -> None:
        seen[view.i] = (view.state.pool[..., CO2_STORAGE].copy(), view.state.claim.copy())

    out = sim.run_batch(inp, observer=observe)
    return inp, out, made[0], seen


@pytest.fixture(scope="module")
def monkeypatch_module():  # type: ignore[no-untyped-def]
    with pytest.MonkeyPatch.context() as mp:
        yield mp


def _pool(inp: ModelInputs, name: str) -> int:
    return list(inp.pools.names).index(f"co2_storage/{name}")


def test_the_old_store_keeps_the_old_part(moved) -> None:  # type: ignore[no-untyped-def]
    """Shell Pernis holds Aramis from 2032 and Porthos keeps a claim of its Porthos route's
    capture; both stores' booked use stays within what is reserved in them, every year."""
    inp, out, infra, seen = moved
    years = list(inp.coords.years)
    p = list(inp.coords.plants).index(PERNIS)
    aramis, porthos = _pool(inp, "aramis"), _pool(inp, "porthos")
    held, claim = seen[years.index(2035)]
    assert held[0, p] == aramis
    assert claim[0, p, porthos] > 0.5e6  # its capture on Porthos at peak [t/yr]
    assert claim[0, p, aramis] == 0.0
    use = np.moveaxis(out.pool_use, 0, -1)[0]  # (Q, Y)
    # Aramis is open (no contract): every booked tonne was reserved
    assert (use[aramis] <= infra.committed[0, aramis] * (1 + 1e-12) + 1e-6).all()
    cap = inp.pools.capacity[0]
    co2 = inp.pools.resource == CO2_STORAGE
    assert (use[co2] <= cap[co2] * (1 + 1e-9) + 1e-6).all()


def test_stored_co2_adds_up_to_the_stores_use(moved) -> None:  # type: ignore[no-untyped-def]
    """Every tonne a plant stores is booked in one store, split or not."""
    inp, out, _, _ = moved
    co2 = inp.pools.resource == CO2_STORAGE
    stored = out.plant["stored_co2"].sum(axis=2)  # (Y, S)
    booked = out.pool_use[..., co2].sum(axis=-1)  # (Y, S)
    assert stored == pytest.approx(booked, rel=1e-12, abs=1e-6)


def test_the_claim_moves_when_the_old_store_ends(moved) -> None:  # type: ignore[no-untyped-def]
    """Porthos's life ends after 2041: Shell Pernis's claim applies to Aramis, the store it
    holds, and becomes part of what Aramis holds for it (no claim is left from 2043's view
    on; the claims move after the year's choice), and Aramis stays within its reservations."""
    inp, out, infra, seen = moved
    years = list(inp.coords.years)
    p = list(inp.coords.plants).index(PERNIS)
    porthos, aramis = _pool(inp, "porthos"), _pool(inp, "aramis")
    assert seen[years.index(2041)][1][0, p, porthos] > 0.0
    assert (seen[years.index(2043)][1][0, p] == 0.0).all()
    assert out.pool_use[years.index(2042), 0, porthos] == 0.0
    use = out.pool_use[:, 0, aramis]
    assert (use <= infra.committed[0, aramis] * (1 + 1e-12) + 1e-6).all()


def test_a_refused_claim_is_vented(cat: Catalogue) -> None:
    """A claim on a store whose life has ended that no store can take stays where it is, and
    the accounting vents its part: hand case on Shell Pernis in current policy, Aramis full."""
    inp = build_inputs(cat, resolve(["current-policy"]))
    ctx = BatchContext(inp, tuple(INSTRUMENTS))
    infra = Infrastructure(ctx)
    years = list(inp.coords.years)
    i = years.index(2042)
    p = list(inp.coords.plants).index(PERNIS)
    aramis, porthos = _pool(inp, "aramis"), _pool(inp, "porthos")
    assert inp.pools.capacity[0, porthos, i] == 0.0  # Porthos has ended
    claim = np.zeros((1, ctx.P, len(inp.pools.names)))
    claim[0, p, porthos] = 0.9e6
    pool = np.full((1, ctx.P, 4), -1, dtype=np.int64)
    pool[0, p, CO2_STORAGE] = aramis
    closed = np.zeros((1, ctx.P), dtype=bool)
    full = infra.committed.copy()
    none_left = full.copy()
    none_left[0, aramis] = inp.pools.capacity[0, aramis]  # no room left
    infra.committed = none_left
    infra.claims_move(i, closed, pool, claim)
    assert claim[0, p, porthos] == 0.9e6  # refused: kept, vented by the accounting
    infra.committed = full.copy()
    infra.claims_move(i, closed, pool, claim)
    assert (claim[0, p] == 0.0).all()  # served by Aramis, the store it holds: merged
    assert infra.committed[0, aramis, i:] == pytest.approx(full[0, aramis, i:] + 0.9e6, rel=1e-12)
    assert (infra.committed[0, aramis, :i] == full[0, aramis, :i]).all()


def test_the_accounting_vents_a_claim_left_on_an_ended_store(
    moved, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    """With no store to move to (claims never move), Shell Pernis's claim stays on Porthos
    after its life ends: from 2042 the plant vents exactly its claim's part, and stores the
    rest in Aramis."""
    inp, out, _, seen = moved
    years = list(inp.coords.years)
    p = list(inp.coords.plants).index(PERNIS)
    porthos = _pool(inp, "porthos")
    claim = seen[years.index(2041)][1][0, p, porthos]
    monkeypatch.setattr(Infrastructure, "claims_move", lambda *args: None)
    kept = sim.run_batch(inp)
    i = years.index(2042)
    for name, sign in (("direct_emissions", 1.0), ("stored_co2", -1.0)):
        moved_on = out.plant[name][i, 0, p]
        assert kept.plant[name][i, 0, p] - moved_on == pytest.approx(sign * claim, rel=1e-9)
    assert kept.pool_use[i, 0, porthos] == 0.0


def test_a_grid_claim_keeps_the_old_zone_s_part(
    cat: Catalogue, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Current policy, future 89 of the audit's design: Nutricia Haps holds the Noord-Brabant
    zone for its heat pump (2028) and, moving to a hybrid one (running 2034), is served its
    extra load by Cluster 6's pool. (Future 3 until the network tariffs from 2027 grew from
    2025's level, future 2 until heat from electricity earned the heat benchmark's
    allocation from 2026, future 17 until the 2026 energy-tax rates of electricity
    brackets 2-3, future 125 until the rates of every 2026 bracket, then future 29 until the
    central power price from 2030 became Prognos's outlook (6 Dec 2026): in those the plant
    no longer moves; of the 192, futures 89, 95, 96 and 162 keep load in the zone now, 89
    with this plant's story.) The zone keeps the
    heat pump's part: without grid claims (before Dec 2026) all its new load went to
    Cluster 6's pool, and the zone's booked use is lower by what Cluster 6's is higher, to
    the rounding."""
    from kruispunt.engine import decide

    p = _audit_plan(cat)
    builder = FutureBuilder(p.loaded.spec.factors, p.packages, cat)
    j = list(p.packages.names).index("current-policy")
    f = np.array([89])
    inp = build_inputs(cat, builder.package_batch(j, f, p.values[f], p.seeds[f]))
    names = list(inp.pools.names)
    zone, cluster = names.index("grid/tennet_noord_brabant"), names.index("grid/cluster6")
    late = [list(inp.coords.years).index(y) for y in range(2034, 2051)]
    split = sim.run_batch(inp).pool_use[late, 0]
    monkeypatch.setattr(decide, "CLAIMED", (CO2_STORAGE,))
    whole = sim.run_batch(inp).pool_use[late, 0]
    moved = split[:, zone] - whole[:, zone]
    assert (moved > 0.1).all()  # MW kept in the zone, every year
    assert whole[:, cluster] - split[:, cluster] == pytest.approx(moved, rel=1e-9)


def test_claims_fill_in_the_pools_order_each_up_to_its_claim() -> None:
    """A plant capturing 0.6 Mt with claims of 0.3 Mt on store 0 and 0.5 Mt on store 1:
    store 0 keeps 0.3, store 1 the 0.3 left (not its whole 0.5), the store it holds nothing;
    capturing 1.0 Mt, 0.3 and 0.5 (0.2 left for the store it holds)."""
    claims = [(0, np.array([[0.3e6]])), (1, np.array([[0.5e6]]))]
    parts = Infrastructure.claim_parts_of(claims, np.array([[0.6e6]]))
    assert [q for q, _ in parts] == [0, 1]
    assert [float(p[0, 0]) for _, p in parts] == pytest.approx([0.3e6, 0.3e6])
    parts = Infrastructure.claim_parts_of(claims, np.array([[1.0e6]]))
    assert [float(p[0, 0]) for _, p in parts] == pytest.approx([0.3e6, 0.5e6])


def _toy_store(store: list[float], availability: float = 1.0) -> Infrastructure:
    """The toy with capture (gas_ccs captures 0.99 t/t) and a CO2 store of ``store`` t/yr per
    year; the plant's availability ``availability`` in 2025, 1 after."""

    from kruispunt.testing import toy_inputs

    inp = toy_inputs(ccs=True)
    cap = inp.pools.capacity.copy()
    cap[:, 1] = np.asarray(store)[None, :]
    avail = inp.levers.availability.copy()
    avail[..., 0] = availability
    inp = replace(inp, pools=replace(inp.pools, capacity=cap))
    inp = replace(inp, levers=replace(inp.levers, availability=avail))
    return Infrastructure(BatchContext(inp, tuple(INSTRUMENTS)))


def test_a_plant_without_a_store_reserves_its_peak_capture() -> None:
    """A toy plant on gas_ccs holding no store, at half availability in 2025 (0.5 Mt) and full
    after (1 Mt): it applies to the 5 Mt/yr store for its peak capture, 0.99 t/t x 1 Mt =
    0.99 Mt/yr, reserved from 2025 (not its 0.495 Mt of 2025), and holds the store."""
    from kruispunt.testing import TOY_YEARS

    infra = _toy_store([5.0e6] * len(TOY_YEARS), availability=0.5)
    pool = np.full((1, 1, 4), -1, dtype=np.int64)
    closed = np.zeros((1, 1), dtype=bool)
    vent = infra.storage_moves(0, np.array([[3]]), closed, pool)
    assert not vent.any() and pool[0, 0, CO2_STORAGE] == 1
    assert infra.committed[0, 1] == pytest.approx(np.full(len(TOY_YEARS), 0.99e6))
    assert infra.held[0, 0, 1] == pytest.approx(0.99e6)


def test_a_plant_whose_store_has_ended_vents_when_no_store_has_room() -> None:
    """The toy's only store holds 5 Mt/yr until 2029 and ends in 2030. A gas_ccs plant holding
    it keeps it in 2029 (nothing to apply for, nothing vented); in 2030 its store has ended,
    it applies, no store can take its 0.99 Mt and it vents."""
    from kruispunt.testing import TOY_YEARS

    years = list(TOY_YEARS)
    infra = _toy_store([5.0e6 if y < 2030 else 0.0 for y in years])
    pool = np.full((1, 1, 4), -1, dtype=np.int64)
    pool[0, 0, CO2_STORAGE] = 1
    closed = np.zeros((1, 1), dtype=bool)
    ccs = np.array([[3]])
    assert not infra.storage_moves(years.index(2029), ccs, closed, pool).any()
    assert infra.storage_moves(years.index(2030), ccs, closed, pool).tolist() == [[True]]
    assert pool[0, 0, CO2_STORAGE] == 1
