"""Read-only access to the versioned input data package.

Names are imported on first use, so ``import kruispunt.catalogue.schema`` (or asking for
:func:`default_package_path`) does not import pandas.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from kruispunt.catalogue.paths import default_package_path

if TYPE_CHECKING:
    from kruispunt.catalogue.load import Catalogue, load_catalogue

__all__ = ["Catalogue", "default_package_path", "load_catalogue"]


def __getattr__(name: str) -> Any:
    if name in ("Catalogue", "load_catalogue"):
        from kruispunt.catalogue import load

        return getattr(load, name)
    raise AttributeError(f"module 'kruispunt.catalogue' has no attribute '{name}'")
