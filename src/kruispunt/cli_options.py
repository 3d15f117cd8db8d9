"""Command-line parameters several commands share, declared once (help text and defaults)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

__all__ = ["DataOption", "StoreOption"]

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
