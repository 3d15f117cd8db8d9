"""A scenario's route levers (:mod:`kruispunt.assemble.levers`)."""

from __future__ import annotations

from pathlib import Path

from kruispunt.assemble import build_inputs
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
