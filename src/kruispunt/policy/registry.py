"""The registry of policy instruments the engine runs, in the order it runs them.

Price instruments add terms to every option's value and book the year's cash flows; support
schemes (subclasses of :class:`~kruispunt.policy.base.SupportScheme`) also run their rounds
in this order each year (SDE++ before CCfD before capex grants). Adding an instrument is a
module with one :class:`~kruispunt.policy.base.Instrument` subclass and a line here; a run
can also be given its own list (``simulate(inputs, instruments=[...])``).
"""

from __future__ import annotations

from collections.abc import Sequence

from kruispunt.policy.base import Flow, Instrument
from kruispunt.policy.cbam import Cbam
from kruispunt.policy.ccfd import Ccfd
from kruispunt.policy.cisaf import Cisaf
from kruispunt.policy.co2_levy import Co2Heffing
from kruispunt.policy.committed import CommittedSupport
from kruispunt.policy.energy_tax import EnergyTax
from kruispunt.policy.ets import EuEts
from kruispunt.policy.grants import CapexGrant
from kruispunt.policy.greenmarket import GreenPremium
from kruispunt.policy.ikc import IndirectCostCompensation
from kruispunt.policy.labels import GreenLabel
from kruispunt.policy.mandates import RfnboMandate
from kruispunt.policy.market import ProductMarket
from kruispunt.policy.network_tariff import NetworkTariff, NetworkTariffRelief
from kruispunt.policy.procurement import GreenProcurement
from kruispunt.policy.refinery_route import RefineryRoute
from kruispunt.policy.sde import Sde

__all__ = ["INSTRUMENTS", "flows", "instrument_names"]

INSTRUMENTS: tuple[type[Instrument], ...] = (
    ProductMarket,
    EnergyTax,
    EuEts,
    Cbam,
    Co2Heffing,
    IndirectCostCompensation,
    NetworkTariff,
    NetworkTariffRelief,
    Cisaf,
    GreenPremium,
    RfnboMandate,
    RefineryRoute,
    GreenProcurement,
    GreenLabel,
    Sde,
    Ccfd,
    CapexGrant,
    CommittedSupport,
)
"""The instruments of a default run."""


def instrument_names(instruments: Sequence[type[Instrument]] = INSTRUMENTS) -> list[str]:
    """Names of the instruments, in order; raises ValueError on a duplicate."""
    names = [cls.name for cls in instruments]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes or "" in names:
        raise ValueError(f"instrument names must be unique and non-empty: {dupes or names}")
    return names


def flows(instruments: Sequence[type[Instrument]] = INSTRUMENTS) -> list[Flow]:
    """Government cash flows the instruments book, in order; raises ValueError if two
    instruments book a flow of the same name."""
    out: list[Flow] = []
    for cls in instruments:
        for flow in cls.flows:
            if any(f.name == flow.name for f in out):
                raise ValueError(f"two instruments book the flow '{flow.name}'")
            out.append(flow)
    return out
