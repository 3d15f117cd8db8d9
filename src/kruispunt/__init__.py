"""Kruispunt: an open, plant-level scenario model of the Dutch energy-intensive industry.

The public API is imported on first use (``kruispunt.run`` loads the engine), so that
``kruispunt --version`` and ``--help`` start without pandas or xarray.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from kruispunt.version import __version__

if TYPE_CHECKING:
    from kruispunt.api import run
    from kruispunt.catalogue import Catalogue, load_catalogue
    from kruispunt.playing_field import energy_bill
    from kruispunt.results import Results

__all__ = ["Catalogue", "Results", "__version__", "energy_bill", "load_catalogue", "run"]

_LAZY = {
    "run": "kruispunt.api",
    "Catalogue": "kruispunt.catalogue.load",
    "load_catalogue": "kruispunt.catalogue.load",
    "Results": "kruispunt.results",
    "energy_bill": "kruispunt.playing_field",
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
