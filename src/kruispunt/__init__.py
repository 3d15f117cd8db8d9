"""Kruispunt: an open, plant-level scenario model of the Dutch energy-intensive industry."""

from importlib.metadata import PackageNotFoundError, version

from kruispunt.api import run
from kruispunt.catalogue import Catalogue, load_catalogue
from kruispunt.results import Results

try:
    __version__ = version("kruispunt")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0+unknown"

__all__ = ["Catalogue", "Results", "__version__", "load_catalogue", "run"]
