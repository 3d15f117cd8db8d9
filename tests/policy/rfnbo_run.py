"""A run of the engine that keeps its RFNBO market, for the RFNBO tests."""

from __future__ import annotations

from kruispunt.engine.accounting import Outputs
from kruispunt.engine.simulate import YearView, run_batch
from kruispunt.inputs import ModelInputs
from kruispunt.policy.mandates import RfnboMandate


class _Keep:
    """Observer keeping the run's RFNBO market."""

    def __init__(self) -> None:
        self.market: RfnboMandate | None = None

    def __call__(self, view: YearView) -> None:
        if self.market is None:
            for inst in view.valuation.instruments:
                if isinstance(inst, RfnboMandate):
                    self.market = inst


def run_keeping_market(inp: ModelInputs) -> tuple[RfnboMandate, Outputs]:
    """Run ``inp`` in one batch; its RFNBO market (after the last year) and the outputs."""
    keep = _Keep()
    out = run_batch(inp, observer=keep)
    assert keep.market is not None
    return keep.market, out
