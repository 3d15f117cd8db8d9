"""Where the embedded data package is (no pandas needed to ask)."""

from __future__ import annotations

from importlib import resources
from pathlib import Path


def default_package_path() -> Path:
    """Folder of the data package shipped inside the Python package."""
    return Path(str(resources.files("kruispunt.data").joinpath("package")))
