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


def test_serve_refuses_a_bad_address_or_data_folder_before_opening_anything(
    tmp_path: Path,
) -> None:
    """An empty --host listened on every interface (the server's reading of ''), though the
    default is this machine only; a name that does not resolve was the server's own error
    (exit 3) after the store was made; a port another program holds, the same; a --data
    folder that does not exist gave one problem per missing table. Each is now a user error
    naming the option, exit 2, and no store is made (the data is read before it)."""
    from tests.cli_helpers import invoke

    with socket.socket() as held:
        held.bind(("127.0.0.1", 0))
        held.listen(1)
        busy = held.getsockname()[1]
        cases = [
            (["--host", ""], "error: --host is empty; allowed: an address of this machine"),
            (
                ["--host", "999.999.999.999"],
                "error: --host '999.999.999.999' is not an address or name this machine can "
                "resolve",
            ),
            (["--port", str(busy)], f"error: cannot listen on 127.0.0.1 port {busy}: "),
            (
                ["--data", str(tmp_path / "nosuch")],
                f"error: data package folder {tmp_path / 'nosuch'} does not exist",
            ),
        ]
        for args, message in cases:
            store = tmp_path / "store"
            out = invoke("serve", *args, store=store)
            assert out.crashed is None, out.crashed
            assert out.code == 2, (args, out.stdout, out.stderr)
            assert out.stderr.startswith(message), out.stderr
            assert not store.exists(), args
