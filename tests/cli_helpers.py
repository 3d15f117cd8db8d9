"""Running the ``kruispunt`` command in tests: in a subprocess (the real thing) or in-process
(typer's runner, fast), and checking that a failure is a clean user error."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from typer.testing import CliRunner

ENV = {"COLUMNS": "200", "NO_COLOR": "1", "PYTHONWARNINGS": "error"}


@dataclass(frozen=True)
class Outcome:
    """Exit code and output of one command."""

    code: int
    stdout: str
    stderr: str
    crashed: BaseException | None = None
    """An exception that escaped the command (in-process runs only): always a bug."""


def kruispunt(
    *args: str,
    store: Path | None = None,
    cwd: Path | None = None,
    env: dict[str, str] | None = None,
    timeout: float = 600,
) -> Outcome:
    """``python -m kruispunt ARGS`` in a subprocess."""
    full_env = {**os.environ, **ENV, **(env or {})}
    if store is not None:
        full_env["KRUISPUNT_STORE"] = str(store)
    proc = subprocess.run(
        [sys.executable, "-m", "kruispunt", *args],
        capture_output=True,
        text=True,
        env=full_env,
        cwd=cwd,
        check=False,
        timeout=timeout,
    )
    return Outcome(proc.returncode, proc.stdout, proc.stderr)


def invoke(*args: str, store: Path | None = None) -> Outcome:
    """The same command in this process (typer's runner): much faster, same code paths."""
    from kruispunt.cli import app

    env = {**ENV, "KRUISPUNT_STORE": str(store)} if store is not None else dict(ENV)
    result = CliRunner().invoke(app, list(args), env=env)
    crashed = None
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        crashed = result.exception
    return Outcome(result.exit_code, result.stdout, result.stderr, crashed)


def assert_user_error(outcome: Outcome, *needles: str) -> None:
    """Exit code 2, one ``error:`` message on stderr naming each of ``needles``, no traceback,
    nothing on stdout."""
    detail = f"exit {outcome.code}\nstdout:\n{outcome.stdout}\nstderr:\n{outcome.stderr}"
    assert outcome.crashed is None, f"crashed: {outcome.crashed!r}\n{detail}"
    assert outcome.code == 2, detail
    assert "Traceback" not in outcome.stderr, detail
    assert outcome.stderr.startswith("error: "), detail
    assert sum(line.startswith("error: ") for line in outcome.stderr.splitlines()) == 1, detail
    for needle in needles:
        assert needle in outcome.stderr, f"{needle!r} not in the message\n{detail}"


def snapshot(root: Path) -> dict[str, tuple[int, int, int]]:
    """Every file under ``root`` with its (size, modification time, mode), and every folder
    (whose times change when a temporary file comes and goes, so only its mode counts).
    Empty if ``root`` does not exist.

    SQLite's ``-shm`` file (the shared-memory index of a write-ahead log, which every reader
    updates by design; it holds no data) is left out.
    """
    if not root.exists():
        return {}
    out = {}
    for path in sorted(root.rglob("*")):
        if path.name.endswith("-shm"):
            continue
        info = path.lstat()
        if path.is_dir():
            out[str(path.relative_to(root))] = (0, 0, info.st_mode)
        else:
            out[str(path.relative_to(root))] = (info.st_size, info.st_mtime_ns, info.st_mode)
    return out
