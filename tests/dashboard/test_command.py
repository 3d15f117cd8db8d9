"""``kruispunt serve`` from the command line, and the CLI without the web framework."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path


def test_cli_does_not_import_the_web_framework() -> None:
    """``pip install . && kruispunt run`` needs no dashboard extra: the CLI imports it only
    when ``serve`` runs."""
    code = (
        "import sys, kruispunt.cli; "
        "bad = [m for m in ('fastapi', 'uvicorn', 'jinja2', 'starlette') if m in sys.modules]; "
        "assert not bad, bad"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_serve_starts_on_localhost(tmp_path: Path) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {**os.environ, "KRUISPUNT_STORE": str(tmp_path / "store")}
    proc = subprocess.Popen(
        [sys.executable, "-m", "kruispunt", "serve", "--port", str(port), "--workers", "1"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as resp:
                    body = resp.read().decode()
                break
            except OSError:
                assert proc.poll() is None, proc.communicate()
                assert time.monotonic() < deadline, "kruispunt serve did not answer"
                time.sleep(0.3)
        assert "Kruispunt dashboard" in body and "No runs stored yet" in body
    finally:
        proc.terminate()
        out, err = proc.communicate(timeout=30)
    assert f"http://127.0.0.1:{port}/" in out
    assert "Traceback" not in err
    # stopped (SIGTERM), it lets go of its worker pool's queue: no named semaphore is left
    # for the resource tracker to clean up and warn about
    assert "leaked semaphore" not in err


def test_serve_reports_a_bad_store_without_a_traceback(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    proc = subprocess.run(
        [sys.executable, "-m", "kruispunt", "serve", "--store", str(blocker / "store")],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 2
    assert "cannot create results store" in proc.stderr and "Traceback" not in proc.stderr
