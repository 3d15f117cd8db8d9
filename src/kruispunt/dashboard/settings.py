"""What a dashboard server is started with."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

__all__ = ["DEFAULT_PORT", "ServeSettings"]

DEFAULT_PORT = 8765
"""Port of ``kruispunt serve`` unless ``--port`` says otherwise."""


@dataclass(frozen=True)
class ServeSettings:
    """Options of one dashboard server.

    Attributes
    ----------
    store : Path, optional
        Results store folder (default: ``$KRUISPUNT_STORE`` or the user data folder). Saved
        scenario files live in its ``scenarios/`` folder, reports in ``reports/``.
    data : Path, optional
        Data package folder (default: the embedded package).
    workers : int
        Runs executed at the same time, each in its own process (at least 1); more runs wait
        in a queue. Pages never wait for runs.
    run_delay_s : float
        Testing hook: seconds a run keeps one CPU busy, reporting progress, before the engine
        starts (0 in normal use). Lets a test hold a heavy run "in progress".
    host : str
        The address the server listens on. Requests must name this machine in their ``Host``
        header (``localhost``, ``127.0.0.1``, ``::1`` or this address): another name is a web
        page's DNS-rebinding trick to reach the local server. Listening on every interface
        (``0.0.0.0``, ``::``) accepts any name.
    """

    store: Path | None = None
    data: Path | None = None
    workers: int = 2
    run_delay_s: float = 0.0
    host: str = "127.0.0.1"

    def __post_init__(self) -> None:
        if self.workers < 1:
            raise ValueError(f"workers must be at least 1, got {self.workers}")
        if not 0.0 <= self.run_delay_s <= 3600.0:
            raise ValueError(f"run_delay_s must be within 0..3600 s, got {self.run_delay_s}")

    def allowed_hosts(self) -> frozenset[str] | None:
        """Host names requests may give in their ``Host`` header (lower case, without the
        port); None: any (the server listens on every interface)."""
        host = self.host.strip().strip("[]").lower()
        if host in ("", "0.0.0.0", "::"):
            return None
        return frozenset({"localhost", "127.0.0.1", "::1", host})
