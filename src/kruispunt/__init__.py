"""Kruispunt: an open, plant-level scenario model of the Dutch energy-intensive industry.

The public API is imported on first use (``kruispunt.run`` loads the engine), so that
``kruispunt --version`` and ``--help`` start without pandas or xarray.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from kruispunt.api import GreenPremiums, compare_instruments, export_gap, green_premiums, run
    from kruispunt.catalogue import Catalogue, load_catalogue
    from kruispunt.playing_field import energy_bill
    from kruispunt.results import Results
    from kruispunt.version import __version__

__all__ = [
    "Catalogue",
    "GreenPremiums",
    "Results",
    "__version__",
    "compare_instruments",
    "energy_bill",
    "export_gap",
    "green_premiums",
    "load_catalogue",
    "run",
]

_LAZY = {
    "run": "kruispunt.api",
    "green_premiums": "kruispunt.api",
    "GreenPremiums": "kruispunt.api",
    "export_gap": "kruispunt.api",
    "compare_instruments": "kruispunt.api",
    "Catalogue": "kruispunt.catalogue.load",
    "load_catalogue": "kruispunt.catalogue.load",
    "Results": "kruispunt.results",
    "energy_bill": "kruispunt.playing_field",
    # the version is looked up in the installed metadata (importlib.metadata: about 0.1 s),
    # so that the command's entry (kruispunt.entry) catches a Ctrl-C in that time too
    "__version__": "kruispunt.version",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'kruispunt' has no attribute '{name}'")
    from importlib import import_module

    value = getattr(import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
