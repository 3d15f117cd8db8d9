"""Assemble :class:`~kruispunt.inputs.ModelInputs` from a catalogue and resolved scenarios.

One builder per concern, each returning a typed bundle: :mod:`routes`, :mod:`plants`,
:mod:`markets` (prices and demand), :mod:`instruments` (each policy instrument's
parameters), :mod:`pools` (infrastructure), :mod:`levers` (routes allowed, commitments,
finance) and :mod:`calibration` (plant revenue). No file access here and no instrument
formula: units were made canonical by the catalogue, formulas live in :mod:`kruispunt.policy`.
"""

from kruispunt.assemble.build import build_inputs, reference_scenario

__all__ = ["build_inputs", "reference_scenario"]
