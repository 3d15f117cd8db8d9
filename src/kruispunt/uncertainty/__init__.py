"""Ensembles over deep uncertainty: specification, sampling, execution and analysis.

Uncertain factors, policy packages (levers) and outcomes are different types
(:mod:`~kruispunt.uncertainty.spec`); designs are drawn from an explicit root seed
(:mod:`~kruispunt.uncertainty.sampling`); batches run on a backend
(:mod:`~kruispunt.uncertainty.backends`) and stream to the store
(:mod:`~kruispunt.uncertainty.run`); robustness, scenario discovery (PRIM) and global
sensitivity read the stored outcomes (:mod:`~kruispunt.uncertainty.robustness`,
:mod:`~kruispunt.uncertainty.prim`, :mod:`~kruispunt.uncertainty.sensitivity`).
See ``docs/robustness.md``.
"""
