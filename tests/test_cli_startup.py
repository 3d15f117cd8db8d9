"""`kruispunt --version` and `--help` start fast: they import neither pandas nor xarray."""

from __future__ import annotations

import subprocess
import sys

import pytest

PROBE = """
import sys
sys.argv = ["kruispunt", *sys.argv[1:]]
from kruispunt.cli import main
try:
    main()
except SystemExit:
    pass
heavy = [m for m in ("pandas", "xarray", "pyarrow", "pint", "duckdb") if m in sys.modules]
print("HEAVY:" + ",".join(heavy))
"""


@pytest.mark.parametrize(
    "args", [["--version"], ["--help"], ["run", "--help"], ["results", "--help"], []]
)
def test_version_and_help_import_no_pandas(args: list[str]) -> None:
    proc = subprocess.run(
        [sys.executable, "-c", PROBE, *args], capture_output=True, text=True, check=False
    )
    assert proc.returncode == 0, proc.stderr
    assert "HEAVY:\n" in proc.stdout, proc.stdout
    if args == ["--version"]:
        assert proc.stdout.startswith("kruispunt ")


def test_importing_the_package_is_light() -> None:
    code = "import kruispunt, sys; print(kruispunt.__version__, 'pandas' in sys.modules)"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert proc.stdout.split()[1] == "False"
    code = "import kruispunt; print(kruispunt.run.__module__, kruispunt.Results.__name__)"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert proc.stdout.split() == ["kruispunt.api", "Results"]


def test_version_prints_the_version_and_exits_0() -> None:
    import kruispunt
    from tests.cli_helpers import invoke

    out = invoke("--version")
    assert (out.code, out.stdout, out.stderr) == (0, f"kruispunt {kruispunt.__version__}\n", "")


INTERRUPT_WHILE_IMPORTING = """
import builtins, sys
sys.argv = ["kruispunt", "run", "--dry-run"]
real_import = builtins.__import__
def interrupted(name, *args, **kwargs):
    if name == "kruispunt.cli":  # as a Ctrl-C landing while the command line is imported
        raise KeyboardInterrupt
    return real_import(name, *args, **kwargs)
builtins.__import__ = interrupted
from kruispunt.entry import main
main()
"""


def test_ctrl_c_while_the_command_line_is_imported_says_interrupted() -> None:
    proc = subprocess.run(
        [sys.executable, "-c", INTERRUPT_WHILE_IMPORTING],
        capture_output=True,
        text=True,
        check=False,
    )
    assert (proc.returncode, proc.stderr) == (130, "interrupted\n")
    assert proc.stdout == ""


def test_importing_the_package_does_not_look_up_its_version() -> None:
    # the lookup (importlib.metadata) happens on first use of __version__, inside the
    # entry's handler when the command runs
    code = "import kruispunt, sys; print('importlib.metadata' in sys.modules)"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert proc.stdout.split() == ["False"]
