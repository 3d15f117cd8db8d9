"""The model's vocabulary: dimension names, route families, scarce resources, switch reasons
and unit constants. Every other module takes these names from here.

Arrays align by label, never by position; a dimension name is always one of the constants
below, so ``"scenario"`` is written once, here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:  # numpy is imported where years are made: importing the names needs nothing
    import numpy as np
    import numpy.typing as npt

# --- dimensions -----------------------------------------------------------------------------

SCENARIO: Final = "scenario"
PLANT: Final = "plant"
SITE: Final = "site"
ROUTE: Final = "route"
YEAR: Final = "year"
CARRIER: Final = "carrier"
PRODUCT: Final = "product"
CLUSTER: Final = "cluster"
SECTOR: Final = "sector"
RESOURCE: Final = "resource"
POOL: Final = "pool"
FLOW: Final = "flow"
REASON: Final = "reason"
DRAW: Final = "draw"

BASE_YEAR: Final = 2022
"""Last year of verified EU ETS emissions in the data package; the model's base year."""
FIRST_MODEL_YEAR: Final = 2025
LAST_MODEL_YEAR: Final = 2050


def years(start: int = FIRST_MODEL_YEAR, stop: int = LAST_MODEL_YEAR) -> npt.NDArray[np.int64]:
    """Integer year coordinate from ``start`` to ``stop`` inclusive.

    Examples
    --------
    >>> years(2025, 2027).tolist()
    [2025, 2026, 2027]
    """
    import numpy as np

    if stop < start:
        raise ValueError(f"year range is empty: {start}..{stop}")
    return np.arange(start, stop + 1, dtype=np.int64)


# --- routes ---------------------------------------------------------------------------------

FAMILIES: Final = (
    "incumbent",
    "efficiency",
    "electrification",
    "ccs",
    "hydrogen",
    "import",
    "circular",
    "closure",
)
"""Route families; ``family`` arrays hold indices into this tuple."""
FAMILY: Final = {name: i for i, name in enumerate(FAMILIES)}
LOW_CARBON_FAMILIES: Final = ("electrification", "ccs", "hydrogen", "circular")
"""Families that count as low-carbon (eligible for support, risk sharing, green premiums)."""
SWITCHABLE_FAMILIES: Final = tuple(f for f in FAMILIES if f not in ("incumbent", "closure"))
"""Families a scenario may switch off (``routes_off``)."""

# --- scarce resources -----------------------------------------------------------------------

DECIDED_PROJECT_YEARS: Final = 15
"""Years a plant stays on a decided project (commitments, decided route changes) from its
start before it decides again (``assumption_decided_project_term``: the 15-year SDE++ term of
the Porthos capture projects, porthos_sde_2021; a plant does not walk away from a contracted
project it has just built)."""
HYDROGEN_LHV_GJ_PER_T: Final = 120.0
"""Lower heating value of hydrogen [GJ/t] (119.96 MJ/kg, e.g. IEA, *The Future of Hydrogen*,
2019, Annex: units and conversion factors); converts hydrogen in tonnes to energy."""
RESOURCES: Final = ("grid", "co2_storage", "hydrogen", "biomass")
"""Scarce resources allocated per pool: grid for new load, CO2 storage, hydrogen, and the
biomass supply (national, and a cluster's own where the data give one)."""
RESOURCE_UNITS: Final = {
    "grid": "MW",
    "co2_storage": "tCO2/yr",
    "hydrogen": "GJ/yr",
    "biomass": "GJ/yr",
}
GRID, CO2_STORAGE, HYDROGEN, BIOMASS = 0, 1, 2, 3
"""Positions of the resources in :data:`RESOURCES`."""

# --- decisions ------------------------------------------------------------------------------

SWITCH_REASONS: Final = (
    "none",
    "reinvestment",
    "off_cycle_switch",
    "closure",
    "import_intermediate",
    "waiting_for_infrastructure",
    "committed_project",
)
"""Why a plant's route changed in a year (the ``switch_reason`` result holds indices)."""
REASON_CODE: Final = {name: code for code, name in enumerate(SWITCH_REASONS)}

NEVER: Final = 10_000
"""A year that never comes (no access, no connection)."""

# --- units ----------------------------------------------------------------------------------

GJ_PER_MWH: Final = 3.6
"""Energy: 1 MWh = 3.6 GJ (exact)."""
HOURS_PER_YEAR: Final = 8760.0
"""Hours in a (non-leap) year; converts yearly energy to average load."""
