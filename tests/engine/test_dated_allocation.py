"""Scarce pools check each request against the room in its own years (issue: Tata Steel never
built gas DRI).

A grid declared full until a reinforcement (the Noordzeekanaalgebied: 0 MW for new load from
Oct 2023 until the stepwise relief from 2031, ``infrastructure.csv``) used to check every
request of a year against the room from the *earliest* start among that year's requests. A
heat plant of the cluster asking for a boiler starting in 2029 (Cargill Amsterdam, 14 MW;
Tate & Lyle Koog aan de Zaan, 33 MW) thus made the room 0 MW for Tata's blast furnace 7,
whose gas DRI + EAF would start in 2031, and Tata fell back to whatever started after 2031
with another lead time (capture on the DRP, HBI import). Each request now holds capacity
from its own start to the end of the pool's life and fits when it is at most the smallest
room left in those years (``allocate_first_fit_dated``).
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import kruispunt
from kruispunt.engine.infrastructure import allocate_first_fit_dated
from kruispunt.policy.grants import allocate_first_fit
from kruispunt.vocabulary import REASON_CODE

INF = np.inf


def _alloc(
    prio: list[float], want: list[float], start: list[int], free: list[float], end: int = 99
) -> list[bool]:
    out = allocate_first_fit_dated(
        np.array([prio]),
        np.array([want]),
        np.array([start]),
        np.array([free]),
        np.array([min(end, len(free))]),
        np.ones((1, len(prio)), dtype=bool),
    )
    return [bool(x) for x in out[0]]


def test_a_request_after_the_reinforcement_is_not_held_back_by_an_earlier_one() -> None:
    """Room 0, 0, 100, 100 MW (years 0-3), pool life to the end: 14 MW from year 1 (higher
    priority) finds min(0, 100, 100) = 0 MW and is refused; 90 MW from year 3 finds 100 MW
    and is served. Against the room from the earliest start (year 1: 0 MW) both were
    refused."""
    assert _alloc([2.0, 1.0], [14.0, 90.0], [1, 3], [0.0, 0.0, 100.0, 100.0]) == [False, True]
    old = allocate_first_fit([2.0, 1.0], [14.0, 90.0], 0.0)
    assert old.tolist() == [False, False]


def test_a_later_grant_takes_room_from_an_earlier_request_in_the_years_they_share() -> None:
    """Room 100 MW in years 1-3. 80 MW from year 2 (first in priority) is served and leaves
    100, 20, 20; then 30 MW from year 1 needs min(100, 20, 20) = 20 MW: refused; 20 MW from
    year 1 fits exactly (min 20) and leaves 80, 0, 0."""
    got = _alloc([3.0, 2.0, 1.0], [80.0, 30.0, 20.0], [2, 1, 1], [0.0, 100.0, 100.0, 100.0])
    assert got == [True, False, True]


def test_no_room_after_the_pool_ends() -> None:
    """A pool whose life ends after year 1 (``end`` 2): a request starting in year 2 finds no
    room; one from year 1 finds 50 MW. A pool not limited (+inf room) serves everything."""
    assert _alloc([2.0, 1.0], [10.0, 10.0], [2, 1], [50.0, 50.0, 50.0, 50.0], end=2) == [
        False,
        True,
    ]
    assert _alloc([2.0, 1.0], [1e9, 1e9], [2, 1], [INF, INF, INF, INF]) == [True, True]


@settings(max_examples=60, deadline=None)
@given(
    n=st.integers(1, 6),
    seed=st.integers(0, 10_000),
    s0=st.integers(0, 4),
)
def test_one_start_for_all_requests_is_the_first_fit_of_the_room_from_that_start(
    n: int, seed: int, s0: int
) -> None:
    """With one start, the dated allocation grants what ``allocate_first_fit`` grants on the
    smallest room from that start (bit for bit: a grant lowers every year's room by the
    same amount, so the smallest stays the smallest)."""
    rng = np.random.default_rng(seed)
    prio = rng.integers(0, 4, size=(3, n)).astype(float)  # ties on purpose
    want = rng.uniform(0.0, 60.0, size=(3, n))
    free = rng.uniform(0.0, 150.0, size=(3, 6))
    free[0] = INF  # a scenario whose pool is not limited
    eligible = rng.random((3, n)) < 0.8
    start = np.full((3, n), s0)
    end = np.full(3, 5)  # the pool ends after year 4
    got = allocate_first_fit_dated(prio, want, start, free, end, eligible)
    room = free[:, s0:5].min(axis=1)
    expected = allocate_first_fit(
        np.where(eligible, prio, -np.inf), np.where(eligible, want, 0.0), room, eligible=eligible
    )
    assert (got == expected).all()


@settings(max_examples=60, deadline=None)
@given(
    free=hnp.arrays(np.float64, (2, 5), elements=st.floats(0.0, 100.0)),
    want=hnp.arrays(np.float64, (2, 4), elements=st.floats(0.0, 60.0)),
    start=hnp.arrays(np.int64, (2, 4), elements=st.integers(0, 4)),
)
def test_the_pool_is_never_over_committed(
    free: np.ndarray, want: np.ndarray, start: np.ndarray
) -> None:
    """Whatever the starts, the granted requests fit in every year of their windows."""
    prio = np.arange(4, 0, -1, dtype=float)[None].repeat(2, axis=0)
    got = allocate_first_fit_dated(
        prio, want, start, free, np.full(2, 5), np.ones((2, 4), dtype=bool)
    )
    years = np.arange(5)
    used = (np.where(got, want, 0.0)[..., None] * (years >= start[..., None])).sum(axis=1)
    assert (used <= free + 1e-9).all()


@pytest.fixture(scope="module")
def tata() -> dict[str, list[str]]:
    ds = kruispunt.run(["current-policy"]).dataset.isel(scenario=0)
    names = {v: k for k, v in REASON_CODE.items()}
    out: dict[str, list[str]] = {}
    for unit in ("bf6", "bf7"):
        d = ds.sel(plant=f"tata_steel_ijmuiden/crude_steel/{unit}")
        route = [str(ds.route.values[r]) for r in d["route_index"].values]
        reason = [names.get(int(c), "") for c in d["switch_reason"].values]
        out[unit] = [f"{y}:{r}:{c}" for y, r, c in zip(ds.year.values, route, reason, strict=True)]
    return out


def test_tata_builds_gas_dri_when_the_grid_relief_arrives(tata: dict[str, list[str]]) -> None:
    """Current policy on the real data: blast furnace 7 waits for the Noordzeekanaalgebied
    grid (0 MW for new load until 2031) and switches to gas DRI + EAF in 2031, the first year
    of relief (decided in 2027 with the route's 4-year lead time; `kruispunt explain
    tata_steel_ijmuiden --year 2027`: 897.8 MEUR/yr against blast furnace 634.2). It adds
    the compression of the DRI plant's CO2-removal stream once the plant runs, as the JLoI
    orders it (`ng_dri_eaf_hp_capture`, a retrofit only; decided 2031, running 2035). Blast
    furnace 6 runs the campaign of its 2023-24 reline until 2035 (events.csv
    `tata_bf6_reline_campaign`): it asks for no grid before (no other route can start),
    switches to gas DRI in 2035 (decided 2031) and adds capture in 2039. Until session 8 both
    took gas DRI and capture in one step (bf7 2031, bf6 2035); until session 7 bf6 went with
    bf7 in 2031; before session 4 bf7 took capture on the DRP in 2032 and bf6 imported HBI
    from 2031."""
    row = dict(s.split(":", 1) for s in tata["bf7"])
    assert row["2026"] == "bf_bof:waiting_for_infrastructure"  # would start 2030
    assert row["2030"].startswith("bf_bof:")  # building since 2027
    assert row["2031"] == "ng_dri_eaf:off_cycle_switch"
    assert all(row[str(y)] == "ng_dri_eaf:none" for y in range(2032, 2035))
    assert row["2035"] == "ng_dri_eaf_hp_capture:off_cycle_switch"
    row = dict(s.split(":", 1) for s in tata["bf6"])
    assert row["2026"] == "bf_bof:none"  # nothing to wait for: held by its campaign
    assert all(row[str(y)].startswith("bf_bof:") for y in range(2025, 2035))
    assert row["2035"] == "ng_dri_eaf:off_cycle_switch"
    assert row["2039"] == "ng_dri_eaf_hp_capture:off_cycle_switch"
