"""The dashboard served by uvicorn in a background thread, for tests and benchmarks.

:class:`LiveServer` serves the app on a free port of 127.0.0.1 for as long as its ``with``
block lasts, so pages can be fetched over real HTTP (a browser, ``urllib``) while the caller
goes on. ``kruispunt serve`` does not use it: it runs uvicorn in the foreground.
"""

from __future__ import annotations

import socket
import threading
import time
from types import TracebackType

from kruispunt.dashboard.settings import ServeSettings


class LiveServer:
    """The dashboard of ``settings`` served in a daemon thread; ``url`` is its address."""

    def __init__(self, settings: ServeSettings) -> None:
        import uvicorn

        from kruispunt.dashboard.app import create_app

        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = int(sock.getsockname()[1])
        self.app = create_app(settings)
        config = uvicorn.Config(
            self.app, host="127.0.0.1", port=self.port, log_level="warning", lifespan="on"
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.url = f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> LiveServer:
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("the dashboard server did not start")
            time.sleep(0.05)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=60)
