"""The installed package's version (imports nothing else of the package)."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("kruispunt")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0+unknown"

__all__ = ["__version__"]
