"""The ``kruispunt`` command's entry point.

Importing the command line (typer, rich and the commands' modules) takes about a third of a
second; a Ctrl-C in that time would otherwise end in Python's own traceback, before
:func:`kruispunt.cli.main` has its handler. The import is done here, inside one.
"""

from __future__ import annotations

import sys


def main() -> None:
    """Run the ``kruispunt`` command; a Ctrl-C while it starts says so and exits 130."""
    try:
        from kruispunt.cli import main as run_command
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        sys.exit(130)
    run_command()
