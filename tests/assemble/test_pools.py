"""A scenario's infrastructure levers on the pools (:mod:`kruispunt.assemble.pools`)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from kruispunt.assemble import build_inputs
from kruispunt.assemble.pools import NEVER
from kruispunt.catalogue import Catalogue
from kruispunt.scenarios import resolve
from tests.assemble.conftest import beside_current_policy


def test_infrastructure_levers_move_and_scale_only_what_is_not_decided(
    cat: Catalogue, tmp_path: Path
) -> None:
    """Storage 2 years later at half its size, grid x 1.5, hydrogen connections 1 year
    later, against current policy:
    - Aramis (no investment decision): each year's capacity is half of what it had two
      years before (22 Mt/yr from 2037, not 2035) and every access year is 2 later;
    - Porthos and Yara's Northern Lights volume (decided) keep their size and dates;
    - Rotterdam-Moerdijk's 1,800 MW of grid for new load become 2,700 MW;
    - every cluster's hydrogen connection year is 1 later (never stays never)."""
    inp = beside_current_policy(
        cat,
        tmp_path,
        "infrastructure:\n  co2_storage_delay: 2\n  co2_storage_scale: 0.5\n"
        "  grid_capacity_scale: 1.5\n  hydrogen_delay: 1\n",
    )
    cp, x = inp.select([0]).pools, inp.select([1]).pools
    q = {name: i for i, name in enumerate(cp.names)}
    years = list(inp.coords.years)
    aramis = q["co2_storage/aramis"]
    np.testing.assert_allclose(x.capacity[0, aramis, 2:], 0.5 * cp.capacity[0, aramis, :-2])
    assert x.capacity[0, aramis, years.index(2037)] == 11e6
    assert (x.capacity[0, aramis, :2] == 0).all()
    reach = cp.access[0, aramis] < NEVER
    assert reach.any()
    assert (x.access[0, aramis] == np.where(reach, cp.access[0, aramis] + 2, NEVER)).all()
    for decided in ("co2_storage/porthos", "co2_storage/northern_lights_yara"):
        assert (x.capacity[0, q[decided]] == cp.capacity[0, q[decided]]).all()
        assert (x.access[0, q[decided]] == cp.access[0, q[decided]]).all()
    grid = q["grid/rotterdam_moerdijk"]
    assert cp.capacity[0, grid, years.index(2030)] == 1800.0
    assert x.capacity[0, grid, years.index(2030)] == 2700.0
    h2 = cp.hydrogen_year[0]
    assert (h2 == NEVER).any() and (h2 < NEVER).any()
    assert (x.hydrogen_year[0] == np.where(h2 < NEVER, h2 + 1, NEVER)).all()


def test_hydrogen_supply_is_in_gj_at_the_lower_heating_value(cat: Catalogue) -> None:
    """Shell Holland Hydrogen 1: up to 60 t H2 a day, 21,900 t/yr from 2027, x 120 GJ/t =
    2,628,000 GJ/yr; nothing before it runs."""
    inp = build_inputs(cat, resolve(["current-policy"], cat.path))
    q = list(inp.pools.names).index("hydrogen/shell_holland_hydrogen_1")
    years = list(inp.coords.years)
    cap = inp.pools.capacity[0, q]
    assert cap[years.index(2027)] == 21_900 * 120.0
    assert (cap[: years.index(2027)] == 0).all()


def test_a_store_given_by_its_final_size_opens_in_its_start_year() -> None:
    """A store with only a final capacity (10 Mt/yr) and a start year (2030): nothing before
    2030, 10 Mt/yr from 2030 on; its FID (2027) is after the first model year, so it is not
    decided (scenario delays move it)."""
    from types import SimpleNamespace

    import pandas as pd

    from kruispunt.assemble.pools import _storage_pools

    rows = [
        ("c0", "max_capacity", 2025, 10.0, "Mt/yr"),
        ("c0", "start_year", 2025, 2030.0, "yr"),
        ("c0", "access_year", 2025, 2030.0, "yr"),
        ("c0", "fid_year", 2025, 2027.0, "yr"),
    ]
    infra = pd.DataFrame(rows, columns=["cluster_id", "parameter", "year", "value", "unit"])
    infra["kind"], infra["project"] = "co2_storage", "s"
    catalogue = SimpleNamespace(
        infrastructure=infra, storage_contracts=pd.DataFrame({"project": [], "site_id": []})
    )
    tables = SimpleNamespace(catalogue=catalogue, cluster_index={"c0": 0, "c1": 1})
    years = np.arange(2025, 2036)
    (pool,) = _storage_pools(tables, years)  # type: ignore[arg-type]
    assert pool.capacity.tolist() == [0.0] * 5 + [10e6] * 6
    assert pool.access.tolist() == [2030, NEVER]
    assert not pool.decided


def test_the_schema_maximum_reads_as_a_grid_not_limited_by_the_data(
    cat: Catalogue, tmp_path: Path
) -> None:
    """``grid_capacity_new_load`` at the schema's maximum (1e6 MW) is the data's way to write
    "not limited by the data" after a relief year: the pool's room is +inf from that year,
    not a million MW (which the grid chart drew as a capacity line, summed over Cluster 6's
    zones to 3,000,805 MW from 2034 before Dec 2026), and half the grid
    (``grid_capacity_scale``) is still unlimited; a finite figure keeps its value
    (Rotterdam-Moerdijk's 1,800 MW, Zeeland's 3,500 MW)."""
    inp = beside_current_policy(cat, tmp_path, "infrastructure:\n  grid_capacity_scale: 0.5\n")
    pools = inp.pools
    q = {name: i for i, name in enumerate(pools.names)}
    years = list(inp.coords.years)
    for s in (0, 1):  # current policy, half the grid
        chemelot = pools.capacity[s, q["grid/chemelot"]]
        assert (chemelot[: years.index(2034)] == 0).all()
        assert (chemelot[years.index(2034) :] == np.inf).all()
    at = years.index(2040)
    assert pools.capacity[:, q["grid/rotterdam_moerdijk"], at].tolist() == [1800.0, 900.0]
    assert pools.capacity[:, q["grid/zeeland"], at].tolist() == [3500.0, 1750.0]
    grid = pools.capacity[:, [i for i, n in enumerate(pools.names) if n.startswith("grid/")]]
    assert grid[np.isfinite(grid)].max() < 1e6


def test_no_grid_room_at_a_zero_scale(cat: Catalogue, tmp_path: Path) -> None:
    """``grid_capacity_scale: 0`` leaves no room for new load wherever the data give a grid
    figure, the years not limited by the data too (0, not inf x 0 = NaN: the 1e6 MW it
    multiplied before 831e234 gave 0 as well)."""
    inp = beside_current_policy(cat, tmp_path, "infrastructure:\n  grid_capacity_scale: 0\n")
    grid = [i for i, n in enumerate(inp.pools.names) if n.startswith("grid/")]
    assert np.isinf(inp.pools.capacity[0, grid]).any()
    assert (inp.pools.capacity[1, grid] == 0.0).all()
