"""Any scenario file up to the size limit (1 MiB) is refused or accepted within 2 s and 200 MB.

Each file is read in a fresh process, and the child's own CPU time and peak memory are taken
from the kernel (``os.wait4`` in a small launcher process), so a busy machine does not make
the test flaky: CPU time does not grow when other processes compete for the cores. The
scenario stage is measured alone (``kruispunt.scenarios.resolve`` in a subprocess) and
through the command line (``kruispunt run FILE --dry-run``), where an accepted file also
loads the data package and assembles the engine's inputs: that run may take no more than 2 s
of CPU and 64 MB of memory beyond a dry run of a default scenario (since the dry run
assembles the inputs, Dec 2026, it holds about 180 MB itself; the refused files stay under
200 MB).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from kruispunt.limits import YAML_MAX_BYTES

CPU_LIMIT = 2.0
"""Seconds of CPU (user + system) a scenario file may cost."""
MEMORY_LIMIT = 200 * 1024 * 1024
"""Bytes of peak resident memory."""
EXTRA_MEMORY_LIMIT = 64 * 1024 * 1024
"""Bytes of peak resident memory an accepted file may add to a plain dry run's."""
WALL_LIMIT = 30.0
"""Seconds on the clock before the child counts as hung (generous: the machine may be busy)."""


def _fill(head: str, line: str, tail: str = "") -> str:
    """``head``, then ``line`` repeated, then ``tail``: exactly the size limit in bytes."""
    room = YAML_MAX_BYTES - len((head + tail).encode())
    body = line * (room // len(line.encode()))
    text = head + body + tail
    return text + " " * (YAML_MAX_BYTES - len(text.encode()))


def _alias_bomb() -> str:
    lines = ["name: x", "lol:", "  a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    for i in range(1, 9):
        lines.append(f"  a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]")
    return _fill("\n".join(lines) + "\n", "# padding\n")


FILES = {
    "alias_bomb": _alias_bomb(),
    "many_keys": _fill("name: x\n", "unknown_key_0000: 1\n"),
    "many_list_items": _fill("name: x\nroutes_off: [", "ccs, ", "ccs]\n"),
    "deep_flow": _fill("name: x\nlol: ", "[", ""),
    "deep_block": "name: x\n"
    + "".join("  " * i + "k:\n" for i in range(1000))[: YAML_MAX_BYTES - 8],
    "long_string": _fill("name: x\ndescription: '", "x", "'\n"),
    "unicode": _fill("name: x\ndescription: '", "é∑漢", "'\n"),
    "long_key": _fill("name: x\n", "k", ": 1\n"),
    "many_errors_in_a_path": _fill("name: x\neua_price: {", "2030: -1, ", "2031: -1}\n"),
    "valid_with_comments": _fill(
        "name: x\nbase: high-ambition\neua_price: {2025: 80, 2050: 200}\n", "# a comment\n"
    ),
    "too_large_by_one": "name: x\n" + "#" * (YAML_MAX_BYTES - 8) + "\n",
}
ACCEPTED = {"valid_with_comments"}


LAUNCHER = """
import json, os, subprocess, sys, time
start = time.perf_counter()
proc = subprocess.Popen(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
err = proc.stderr.read()
_, status, usage = os.wait4(proc.pid, 0)
print(json.dumps({
    "code": os.waitstatus_to_exitcode(status),
    "cpu": usage.ru_utime + usage.ru_stime,
    "rss": usage.ru_maxrss * (1 if sys.platform == "darwin" else 1024),
    "wall": time.perf_counter() - start,
    "stderr": err.decode(errors="replace"),
}))
"""
"""Runs the measured process and reports its usage. A child's peak memory counts what it
inherited at fork until it exec'd, so it is started from this small launcher, not from the
test process (which holds pandas, the engine and hundreds of MB)."""


def _measure(args: list[str], cwd: Path) -> tuple[int, float, int, float, str]:
    """Exit code, CPU seconds, peak RSS in bytes and wall seconds of a child process."""
    done = subprocess.run(
        [sys.executable, "-c", LAUNCHER, sys.executable, *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "KRUISPUNT_STORE": str(cwd / "store")},
    )
    m = json.loads(done.stdout)
    return int(m["code"]), float(m["cpu"]), int(m["rss"]), float(m["wall"]), str(m["stderr"])


RESOLVE = """
import sys
from kruispunt.scenarios import ScenarioError, resolve
try:
    resolve([sys.argv[1]])
except ScenarioError as exc:
    print(str(exc)[:200], file=sys.stderr)
    sys.exit(2)
"""


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    tmp = tmp_path_factory.mktemp("limits")
    out = {}
    for name, text in FILES.items():
        path = tmp / f"{name}.yaml"
        path.write_text(text, encoding="utf-8")
        out[name] = path
    return out


def test_the_files_are_at_the_limit(files: dict[str, Path]) -> None:
    for name, path in files.items():
        size = path.stat().st_size
        expected = YAML_MAX_BYTES + 1 if name == "too_large_by_one" else YAML_MAX_BYTES
        assert size == expected or (name == "deep_block" and size <= YAML_MAX_BYTES), name


@pytest.mark.parametrize("name", sorted(FILES))
def test_the_scenario_stage_is_bounded(files: dict[str, Path], name: str) -> None:
    code, cpu, rss, wall, stderr = _measure(["-c", RESOLVE, str(files[name])], files[name].parent)
    assert code == (0 if name in ACCEPTED else 2), stderr
    assert "Traceback" not in stderr
    assert cpu < CPU_LIMIT, f"{cpu:.2f} s of CPU"
    assert rss < MEMORY_LIMIT, f"{rss / 2**20:.0f} MB"
    assert wall < WALL_LIMIT, f"{wall:.1f} s on the clock"


@pytest.fixture(scope="module")
def baseline(files: dict[str, Path]) -> tuple[float, int]:
    """CPU seconds and peak memory of ``kruispunt run --dry-run`` of a default scenario (loads
    the data package and assembles the inputs)."""
    tmp = files["alias_bomb"].parent
    code, cpu, rss, _, stderr = _measure(["-m", "kruispunt", "run", "--dry-run"], tmp)
    assert code == 0, stderr
    return cpu, rss


@pytest.mark.parametrize("name", ["alias_bomb", "many_keys", "deep_flow", "valid_with_comments"])
def test_the_command_line_is_bounded(
    files: dict[str, Path], baseline: tuple[float, int], name: str
) -> None:
    path = files[name]
    code, cpu, rss, wall, stderr = _measure(
        ["-m", "kruispunt", "run", str(path), "--dry-run"], path.parent
    )
    assert code == (0 if name in ACCEPTED else 2), stderr
    assert "Traceback" not in stderr
    plain_cpu, plain_rss = baseline
    if name in ACCEPTED:
        assert rss - plain_rss < EXTRA_MEMORY_LIMIT, (
            f"{rss / 2**20:.0f} MB (a plain dry run: {plain_rss / 2**20:.0f} MB)"
        )
    else:
        assert rss < MEMORY_LIMIT, f"{rss / 2**20:.0f} MB"
    extra = cpu - plain_cpu if name in ACCEPTED else cpu
    assert extra < CPU_LIMIT, f"{cpu:.2f} s of CPU (a plain dry run: {plain_cpu:.2f} s)"
    assert wall < WALL_LIMIT, f"{wall:.1f} s on the clock"
    assert not (path.parent / "store").exists()
