"""``kruispunt serve``: start the dashboard on this machine.

Imports the web framework only when the command runs, so ``kruispunt`` without the
``dashboard`` extra still works and says what to install.
"""

from __future__ import annotations

import socket
from typing import Annotated

import typer

from kruispunt.cli_errors import user_errors
from kruispunt.cli_options import DataOption, StoreOption, check_data_folder
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
    if data is not None:
        check_data_folder(data)
    _check_address(host, port)
    app = create_app(ServeSettings(store=store, data=data, workers=workers, host=host))
    print(f"Kruispunt dashboard: http://{host}:{port}/  (Ctrl+C to stop)", flush=True)
    uvicorn.run(app, host=host, port=port, log_level="warning")


def _check_address(host: str, port: int) -> None:
    """``--host`` names an address of this machine the dashboard can listen on at ``port``:
    not empty (the server would take that for every interface, while the default is this
    machine only), a name or address that resolves, and a port free there; checked before
    the store and the data are opened."""
    if not host.strip():
        raise KruispuntError(
            "--host is empty; allowed: an address of this machine (127.0.0.1, the default, "
            "for this machine only; 0.0.0.0 for every interface, on purpose)"
        )
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise KruispuntError(
            f"--host '{host}' is not an address or name this machine can resolve ({exc}); "
            "allowed: an address of this machine, e.g. 127.0.0.1"
        ) from None
    family, kind, proto, _, address = infos[0]
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError as exc:
            raise KruispuntError(
                f"cannot listen on {host} port {port}: {exc.strerror or exc} (another "
                "program may use the port: pass --port; or the address is not this machine's)"
            ) from None
