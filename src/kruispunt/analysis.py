"""Analyses that need more than one run: the deadweight of each support instrument.

The counterfactual of an instrument is the same scenario with that instrument switched off
(:data:`SWITCH_OFF` gives the scenario levers that do it).
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from kruispunt.assemble import build_inputs
from kruispunt.catalogue.load import Catalogue
from kruispunt.engine.simulate import simulate
from kruispunt.errors import KruispuntError
from kruispunt.metrics import deadweight
from kruispunt.scenarios import Scenario

__all__ = ["SWITCH_OFF", "deadweights", "without"]

SWITCH_OFF: dict[str, tuple[str, dict[str, object]]] = {
    "sde": ("sde_outlay", {"sde": False}),
    "ccfd": ("ccfd_outlay", {"ccfd_strike_price": None}),
    "grants": ("grant_outlay", {"grants": False}),
    "ikc": ("ikc_outlay", {"ikc": False}),
}
"""Per support instrument: its government flow and the subsidy levers that switch it off."""


def without(scenario: Scenario, instrument: str) -> Scenario:
    """``scenario`` with ``instrument`` switched off (same name, so results align)."""
    if instrument not in SWITCH_OFF:
        raise KruispuntError(
            f"no counterfactual for '{instrument}'; allowed: {', '.join(SWITCH_OFF)}"
        )
    _, levers = SWITCH_OFF[instrument]
    subsidies = scenario.levers.subsidies.model_copy(update=levers)
    lv = scenario.levers.model_copy(update={"subsidies": subsidies})
    return Scenario(scenario.name, lv, scenario.chain, scenario.origin)


def deadweights(
    catalogue: Catalogue,
    scenarios: Sequence[Scenario],
    instruments: Sequence[str] = tuple(SWITCH_OFF),
) -> pd.DataFrame:
    """Deadweight of each support instrument in each scenario (``metrics.deadweight``), one row
    per scenario and instrument."""
    base = simulate(build_inputs(catalogue, list(scenarios)))
    frames = []
    for name in instruments:
        flow, _ = SWITCH_OFF[name]
        off = simulate(build_inputs(catalogue, [without(sc, name) for sc in scenarios]))
        frames.append(deadweight(base, off, flow).assign(instrument=name))
    return pd.concat(frames, ignore_index=True)
