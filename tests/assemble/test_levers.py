"""A scenario's route levers (:mod:`kruispunt.assemble.levers`)."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd

from kruispunt.assemble import build_inputs
from kruispunt.assemble.levers import _events_rows, plant_money
from kruispunt.assemble.plants import PlantBundle
from kruispunt.catalogue import Catalogue
from kruispunt.scenarios import resolve
from kruispunt.vocabulary import FAMILY


def test_a_route_s_own_permit_year_wins_over_its_family_s(cat: Catalogue, tmp_path: Path) -> None:
    """Permits for electrification from 2035, for the low-temperature e-boiler from 2028
    (listed before its family, so the order of the file does not decide): the e-boiler gets
    2028, every other electrification route 2035, other routes keep the data's (-1)."""
    path = tmp_path / "p.yaml"
    path.write_text(
        "name: p\nbase: current-policy\npermits_from: {eboiler_low: 2028, electrification: 2035}\n",
        encoding="utf-8",
    )
    inp = build_inputs(cat, resolve([str(path)], cat.path))
    routes = list(inp.coords.routes)
    got = inp.levers.permits_from[0]
    elec = inp.routes.family == FAMILY["electrification"]
    assert got[routes.index("eboiler_low")] == 2028
    others = [r for r in range(len(routes)) if elec[r] and routes[r] != "eboiler_low"]
    assert others and all(got[r] == 2035 for r in others)
    assert (got[~elec] == -1).all()


def _toy_plants(sites: list[str], products: list[str], base: list[float]) -> PlantBundle:
    """Plants of the given sites and products (one unit each) with the given base-year
    production; only what the events read."""
    table = pd.DataFrame({"site_id": sites, "product_id": products, "unit_id": "main"})
    plants = SimpleNamespace(base_production=np.array(base), capacity=np.array(base))
    return PlantBundle(plants=plants, table=table)  # type: ignore[arg-type]


def _money_events(*rows: tuple[str, str | None, int, float]) -> pd.DataFrame:
    """Decided maatwerk rows ``(site, product or None, year, public money)``, no unit."""
    return pd.DataFrame(
        {
            "site_id": [r[0] for r in rows],
            "product_id": [r[1] for r in rows],
            "unit_id": None,
            "year": [r[2] for r in rows],
            "kind": "maatwerk",
            "route_id": None,
            "value": np.nan,
            "public_money": [r[3] for r in rows],
            "status": "decided",
        }
    )


def test_site_wide_money_is_split_over_the_site_s_plants_by_base_production() -> None:
    """100 MEUR of maatwerk in 2026 for site s as a whole (no product, no unit): its two
    plants made 3 and 1 (base year), so they get 100 x 3/4 = 75 and 100 x 1/4 = 25 MEUR in
    2026 (not 50 each), nothing in 2025; the plant of site t gets nothing."""
    pb = _toy_plants(["s", "s", "t"], ["a", "b", "a"], [3.0, 1.0, 5.0])
    paid = plant_money(_money_events(("s", None, 2026, 100e6)), pb, np.array([2025, 2026]))
    np.testing.assert_allclose(paid, [[0.0, 75e6], [0.0, 25e6], [0.0, 0.0]])


def test_money_for_a_plant_without_a_committed_route_is_no_committed_grant() -> None:
    """Site s: plant a is committed to route r (from 2027), plant b to none. Maatwerk of
    100 MEUR for a and 40 MEUR for b, both paid in 2026: a's committed project carries a
    grant of 100 MEUR; b has no project to cover, so its grant is 0 (not 40)."""
    pb = _toy_plants(["s", "s"], ["a", "b"], [1.0, 1.0])
    events = _money_events(("s", "a", 2026, 100e6), ("s", "b", 2026, 40e6))
    years = np.array([2025, 2026, 2027])
    rows = _events_rows(
        events, "decided", pb, {"r": 0}, years, np.array([0, -1]), np.array([2027, 0])
    )
    grant = rows[-1]
    np.testing.assert_allclose(grant, [100e6, 0.0])
