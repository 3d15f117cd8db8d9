"""A CO2 store's indication to an applicant: the first year from an option's start in which a
store the plant may use has room for the CO2 it would capture (``Infrastructure.storage_from``).

Toy (``kruispunt.testing.toy_inputs`` with ``ccs``): one plant of 1 Mt/yr; ``gas_ccs`` captures
90 % of 1.1 tCO2/t, so it asks a store for 0.99 Mt/yr; ``gas`` captures nothing.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from kruispunt.engine.context import BatchContext
from kruispunt.engine.infrastructure import Infrastructure
from kruispunt.policy.registry import INSTRUMENTS
from kruispunt.testing import TOY_YEARS, toy_inputs
from kruispunt.vocabulary import NEVER

YEARS = [int(y) for y in TOY_YEARS]
OPT = np.array([[0, 1, 2, 3]])  # gas, elec, closure, gas_ccs
GAS, CCS = 0, 3


def _infra(store: list[float] | float, access: int = 0, lead: int = 0) -> Infrastructure:
    inp = toy_inputs(ccs=True, lead_time=lead)
    cap = inp.pools.capacity.copy()
    cap[:, 1] = np.broadcast_to(np.asarray(store, dtype=float), (len(YEARS),))[None, :]
    acc = inp.pools.access.copy()
    acc[:, 1] = access
    pools = replace(inp.pools, capacity=cap, access=acc)
    return Infrastructure(BatchContext(replace(inp, pools=pools), tuple(INSTRUMENTS)))


def _first(infra: Infrastructure, i: int = 0, cur: int = GAS) -> list[int]:
    return [int(v) for v in infra.storage_from(i, OPT, np.array([[cur]]))[0, 0]]


def _path(year: int, value: float) -> list[float]:
    return [value if y >= year else 0.0 for y in YEARS]


def test_an_open_store_with_room_takes_capture_from_its_start() -> None:
    """5 Mt/yr from 2025: capture from 2025; the options that capture nothing get their own
    start (2025)."""
    assert _first(_infra(5.0e6)) == [2025, 2025, 2025, 2025]


def test_a_store_opening_later_gives_its_first_year() -> None:
    """A store of 5 Mt/yr from 2031 (0 before, a year of no room): capture from 2031. Decided
    in 2033 (year index 8), capture from 2033. A lead time of 3 years, decided in 2025: the
    option starts in 2028 and the store takes it from 2031."""
    infra = _infra(_path(2031, 5.0e6))
    assert _first(infra)[CCS] == 2031
    assert _first(infra, i=YEARS.index(2033))[CCS] == 2033
    assert _first(_infra(_path(2031, 5.0e6), lead=3))[CCS] == 2031
    assert _first(_infra(_path(2031, 5.0e6), lead=3))[GAS] == 2025  # gas has no lead: toy


def test_room_is_the_least_over_the_rest_of_the_stores_life() -> None:
    """0.5 Mt/yr to 2029, then 2 Mt/yr: 0.99 Mt/yr fits only from 2030. With 1.5 of the 2 Mt
    reserved from 2035 on, 0.5 Mt is left from 2035 and the room from any year before is at
    most that: no year fits (NEVER). A store of exactly 0.99 Mt/yr fits."""
    path = [0.5e6 if y < 2030 else 2.0e6 for y in YEARS]
    infra = _infra(path)
    assert _first(infra)[CCS] == 2030
    reserved = infra.committed.copy()
    reserved[0, 1, YEARS.index(2035) :] = 1.5e6
    infra.committed = reserved
    assert _first(infra)[CCS] == NEVER
    assert _first(_infra(0.99e6))[CCS] == 2025


def test_access_of_the_plants_cluster_and_the_stores_end() -> None:
    """Access for the plant's cluster from 2033: capture from 2033 though the store has room
    from 2025. A store whose life ends in 2040 (no capacity after) takes it from 2025: room is
    looked at to the end of the store's life, not beyond, as ``allocate`` reserves it."""
    assert _first(_infra(5.0e6, access=2033))[CCS] == 2033
    assert _first(_infra([5.0e6 if y < 2040 else 0.0 for y in YEARS]))[CCS] == 2025


def test_a_plant_already_capturing_asks_only_for_more() -> None:
    """On ``gas_ccs`` already, staying on it asks for nothing more: its start year, whatever
    the store's room (none here)."""
    assert _first(_infra(0.0), cur=CCS)[CCS] == 2025


def test_a_store_under_contract_gives_no_year_to_a_plant_outside_it() -> None:
    """Two toy plants; the 5 Mt/yr store is under contract to plant 0 only: plant 0's capture
    can go there from 2025, plant 1's never (NEVER)."""
    inp = toy_inputs(ccs=True, n_plants=2)
    cap = inp.pools.capacity.copy()
    cap[:, 1] = 5.0e6
    plants = inp.pools.plants.copy()
    plants[1] = [True, False]
    pools = replace(inp.pools, capacity=cap, plants=plants)
    infra = Infrastructure(BatchContext(replace(inp, pools=pools), tuple(INSTRUMENTS)))
    first = infra.storage_from(0, np.tile(OPT, (2, 1)), np.array([[GAS, GAS]]))
    assert int(first[0, 0, CCS]) == 2025
    assert int(first[0, 1, CCS]) == NEVER


def test_a_calibrated_plant_asks_for_the_new_routes_own_capture() -> None:
    """A toy gas plant with verified emissions of 2 Mt/yr (twice the route's 1 t/t: its
    calibration is 2, on its own route only). gas_ccs asks a store for its own 0.99 Mt/yr,
    so a 1.5 Mt/yr store takes it from 2025 (at twice, 1.98 Mt, it never would)."""
    inp = toy_inputs(ccs=True)
    cap = inp.pools.capacity.copy()
    cap[:, 1] = 1.5e6
    plants = replace(inp.plants, base_emissions=np.array([2.0e6]))
    pools = replace(inp.pools, capacity=cap)
    infra = Infrastructure(
        BatchContext(replace(inp, plants=plants, pools=pools), tuple(INSTRUMENTS))
    )
    assert infra.ctx.calib[0] == 2.0
    assert _first(infra)[CCS] == 2025
