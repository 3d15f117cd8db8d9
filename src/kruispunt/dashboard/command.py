"""``kruispunt serve``: start the dashboard on this machine.

Imports the web framework only when the command runs, so ``kruispunt`` without the
``dashboard`` extra still works and says what to install.
"""

from __future__ import annotations

from typing import Annotated

import typer

from kruispunt.cli_errors import user_errors
from kruispunt.cli_options import DataOption, StoreOption
from kruispunt.dashboard.settings import DEFAULT_PORT, ServeSettings
from kruispunt.errors import KruispuntError

__all__ = ["serve"]


@user_errors
def serve(
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port to listen on.")] = DEFAULT_PORT,
    host: Annotated[
        str,
        typer.Option(help="Address to listen on (default: this machine only)."),
    ] = "127.0.0.1",
    store: StoreOption = None,
    data: DataOption = None,
    workers: Annotated[
        int, typer.Option(min=1, max=32, help="Runs executed at the same time.")
    ] = 2,
) -> None:
    """Start the web dashboard: build scenarios, run them, explore and compare results."""
    try:
        import uvicorn

        from kruispunt.dashboard.app import create_app
    except ImportError as exc:
        raise KruispuntError(
            f"the dashboard needs its extra ({exc.name} is missing): "
            "pip install 'kruispunt[dashboard]'"
        ) from None
    app = create_app(ServeSettings(store=store, data=data, workers=workers, host=host))
    print(f"Kruispunt dashboard: http://{host}:{port}/  (Ctrl+C to stop)", flush=True)
    uvicorn.run(app, host=host, port=port, log_level="warning")
