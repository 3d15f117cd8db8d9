"""A decided capture project on a store under contract (``storage_contracts.csv``) is not
refused when the plant makes more than today: it stores its contract and vents the rest
(:meth:`kruispunt.engine.infrastructure.Infrastructure.fit_contracts`,
:meth:`~kruispunt.engine.infrastructure.Infrastructure.over_contract`)."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from kruispunt.assemble import build_inputs
from kruispunt.catalogue import Catalogue
from kruispunt.engine.simulate import simulate
from kruispunt.scenarios import resolve

YARA_E = "yara_sluiskil/ammonia/ammonia_e"
CONTRACT = 0.8e6  # t/yr, Yara's Northern Lights volume (norlights_yara_2023)


def _run(cat: Catalogue, scale: float):  # type: ignore[no-untyped-def]
    base = resolve(["current-policy"])[0]
    lv = base.levers.model_copy(update={"demand_scale": {"ammonia": scale}})
    inp = build_inputs(cat, [replace(base, levers=lv)])
    return inp, simulate(inp).dataset


@pytest.mark.parametrize("scale", [1.0, 1.08])
def test_yara_stores_its_contract_and_vents_the_rest(cat: Catalogue, scale: float) -> None:
    """Yara Sluiskil's ammonia plant E captures 1.1864 t CO2 per t NH3 on its decided route
    (smr_haber_bosch_ccs from 2026): 0.785 Mt/yr at its base-year output, within the 0.8
    Mt/yr it ships to Northern Lights. With ammonia demand 8 % higher it captures 0.848
    Mt/yr: the project still starts in 2026 (before Dec 2026 it was refused and the plant
    waited for Aramis, in about a fifth of the ensemble's futures); it stores 0.8 Mt/yr and
    the other 0.048 is emitted. The store's use never exceeds its capacity."""
    inp, ds = _run(cat, scale)
    p = list(inp.coords.plants).index(YARA_E)
    years = list(inp.coords.years)
    routes = [str(x) for x in ds["route"].values]
    route = ds["route_index"].values[0, p]
    assert routes[route[years.index(2025)]] == "smr_haber_bosch"
    assert all(routes[route[years.index(y)]] == "smr_haber_bosch_ccs" for y in range(2026, 2031))
    y = years.index(2028)
    captured_all = 1.1864 * float(inp.plants.base_production[p]) * scale
    stored = float(ds["stored_co2"].values[0, p, y])
    emitted = float(ds["direct_emissions"].values[0, p, y])
    if scale == 1.0:
        assert stored == pytest.approx(captured_all, rel=1e-3)
        assert stored < CONTRACT
    else:
        assert stored == pytest.approx(CONTRACT, rel=1e-9)
        # the same plant at base output emits the route's residual; the excess comes on top
        _, ds1 = _run(cat, 1.0)
        residual = float(ds1["direct_emissions"].values[0, p, y]) * scale
        assert emitted == pytest.approx(residual + captured_all - CONTRACT, rel=1e-3)
    use = ds["infra_use"].sel(resource="co2_storage").values[0]
    cap = ds["infra_capacity"].sel(resource="co2_storage").values[0]
    assert (use <= cap * (1 + 1e-12) + 1e-6).all()
    assert np.isfinite(use).all()


def _fake(capacity: list[float], plants: list[list[bool]]):  # type: ignore[no-untyped-def]
    """The pools of an :class:`Infrastructure`, enough for its contract-store methods."""
    from types import SimpleNamespace

    from kruispunt.engine.infrastructure import Infrastructure, contract_stores
    from kruispunt.vocabulary import CO2_STORAGE

    pools = SimpleNamespace(
        resource=np.full(len(capacity), CO2_STORAGE),
        plants=np.array(plants),
        capacity=np.array(capacity, dtype=float)[None, :, None],  # (S=1, Q, Y=1)
    )
    fake = SimpleNamespace(
        ctx=SimpleNamespace(inputs=SimpleNamespace(pools=pools)),
        contract_stores=contract_stores(pools),  # type: ignore[arg-type]
        _ahead={},  # the room-ahead cache (Infrastructure._room_ahead)
    )
    return fake, Infrastructure


def test_over_contract_shares_the_excess_in_proportion() -> None:
    """Two plants on a 1.0 Mt/yr contract store capture 0.9 and 0.3 Mt: one sixth of each is
    vented (0.15 and 0.05); a plant on an open store (every plant may use it: not a
    contract) is never cut, and within the capacity nothing is."""
    fake, infra = _fake([1.0e6, 5.0e6], [[True, True, False], [True, True, True]])
    assert fake.contract_stores == [0]
    held = np.array([[0, 0, 1]])
    over, parts = infra.over_contract(fake, 0, held, np.array([[0.9e6, 0.3e6, 6.0e6]]))
    assert over == pytest.approx(np.array([[0.15e6, 0.05e6, 0.0]]))
    assert parts is None
    assert infra.over_contract(fake, 0, held, np.array([[0.6e6, 0.4e6, 6.0e6]]))[0] is None


def test_over_contract_counts_a_claim_kept_in_the_store() -> None:
    """The third plant holds the open store but its claim keeps 0.3 of its 6.3 Mt in the
    1.0 Mt contract store (a move between stores): with the first plant's 0.9 Mt the store
    holds 1.2, one sixth over, so 0.15 of the first plant's and 0.05 of the claim's part are
    vented, and the claim keeps 0.25."""
    fake, infra = _fake([1.0e6, 5.0e6], [[True, True, True], [True, True, True]])
    fake.contract_stores = [0]
    held = np.array([[0, 1, 1]])
    part = np.array([[0.0, 0.0, 0.3e6]])
    over, parts = infra.over_contract(fake, 0, held, np.array([[0.9e6, 0.0, 6.3e6]]), [(0, part)])
    assert over == pytest.approx(np.array([[0.15e6, 0.0, 0.05e6]]))
    assert parts is not None and parts[0][0] == 0
    assert parts[0][1] == pytest.approx(np.array([[0.0, 0.0, 0.25e6]]))


def test_fit_contracts_measures_the_room_from_the_earliest_start() -> None:
    """A 2.0 Mt/yr contract store (plants 0 and 1) over four years, 1.5 and 1.0 Mt of it
    reserved by earlier grants in years 0 and 1: free 0.5, 1.0, 2.0, 2.0, so the least room
    from year 0 on is 0.5, from year 1 on 1.0, from year 2 on 2.0. Plant 0 claims 0.8 Mt
    from year 1, plant 1 0.8 Mt from year 2: 1.6 against the 1.0 left from their earliest
    start (year 1), so each claim is cut by 1.0 / 1.6 = 0.625 to 0.5 Mt (a billionth less).
    Measured from the latest start (year 2: 2.0) nothing would be cut, from year 0 (0.5)
    each would be 0.25. Plant 2, on the open store, keeps its 3.0 Mt."""
    from types import SimpleNamespace

    fake, infra = _fake([2.0e6, 5.0e6], [[True, True, False], [True, True, True]])
    assert fake.contract_stores == [0]
    pools = fake.ctx.inputs.pools
    pools.capacity = np.repeat(pools.capacity, 4, axis=2)  # (S=1, Q=2, Y=4)
    fake.ctx.S, fake.ctx.Y = 1, 4
    fake.ctx.inputs.coords = SimpleNamespace(years=np.arange(2025, 2029))
    fake.access = np.full((1, 2, 3), 2025)
    fake._last = np.full((1, 2), 4)
    fake.committed = np.zeros((1, 2, 4))
    fake.committed[0, 0, :2] = [1.5e6, 1.0e6]
    fake._room_ahead = lambda q: infra._room_ahead(fake, q)
    claim = np.array([[0.8e6, 0.8e6, 3.0e6]])
    start = np.array([[1, 2, 0]])
    who = np.ones((1, 3), dtype=bool)
    fitted = infra.fit_contracts(fake, claim, start, who)
    assert fitted == pytest.approx(np.array([[0.5e6, 0.5e6, 3.0e6]]), rel=1e-6)
    assert fitted[0, :2].sum() <= 1.0e6
    # plant 1 not a decided project (``who`` False): its claim is left as it is, and plant
    # 0's 0.8 alone fits in the 1.0 from year 1
    alone = infra.fit_contracts(fake, claim, start, np.array([[True, False, True]]))
    assert alone == pytest.approx(np.array([[0.8e6, 0.8e6, 3.0e6]]))


def test_fit_contracts_cuts_a_plant_only_at_the_first_store_it_may_reach() -> None:
    """Store 0 (2.0 Mt/yr) is under contract to plants 0 and 1, store 1 (1.0 Mt/yr) to
    plants 0 and 2, store 2 open. Plant 0 claims 0.8 Mt, plant 1 0.4, plant 2 0.6, all from
    year 0: plant 0 takes store 0, the first it may reach, where 0.8 + 0.4 = 1.2 fits in
    2.0; at store 1 only plant 2's 0.6 is left, which fits in 1.0. Nothing is cut. Counted
    again at store 1, plant 0 and 2 would ask 1.4 and each be cut to 1/1.4 of its claim."""
    from types import SimpleNamespace

    fake, infra = _fake(
        [2.0e6, 1.0e6, 5.0e6], [[True, True, False], [True, False, True], [True, True, True]]
    )
    assert fake.contract_stores == [0, 1]
    fake.ctx.S, fake.ctx.Y = 1, 1
    fake.ctx.inputs.coords = SimpleNamespace(years=np.array([2025]))
    fake.access = np.full((1, 3, 3), 2025)
    fake._last = np.full((1, 3), 1)
    fake.committed = np.zeros((1, 3, 1))
    fake._room_ahead = lambda q: infra._room_ahead(fake, q)
    claim = np.array([[0.8e6, 0.4e6, 0.6e6]])
    start = np.zeros((1, 3), dtype=np.int64)
    fitted = infra.fit_contracts(fake, claim, start, np.ones((1, 3), dtype=bool))
    assert fitted == pytest.approx(claim)
