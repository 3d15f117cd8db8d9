"""Command-line parameters several commands share, declared once (help text and defaults)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from kruispunt.errors import KruispuntError

__all__ = ["DataOption", "StoreOption", "check_data_folder"]

DataOption = Annotated[
    Path | None,
    typer.Option(help="Data package folder (default: embedded).", show_default=False),
]
"""``--data``: a data package folder in place of the embedded one."""

StoreOption = Annotated[
    Path | None,
    typer.Option(
        "--store",
        help="Results store folder (default: $KRUISPUNT_STORE or the user data folder).",
        show_default=False,
    ),
]
"""``--store``: the results store folder."""


def check_data_folder(data: Path | None) -> Path:
    """The data package folder ``--data`` names (the embedded one without it), refused, naming
    it, if it does not exist, is not a folder or holds no ``datapackage.json``."""
    from kruispunt.catalogue.paths import default_package_path

    if data is None:
        return default_package_path()
    if not data.is_dir():
        what = "is not a folder" if data.exists() else "does not exist"
        raise KruispuntError(f"data package folder {data} {what}")
    if not (data / "datapackage.json").is_file():
        raise KruispuntError(
            f"data package folder {data.absolute()} is not a data package (no datapackage.json)"
        )
    return data
