"""How every command reports a user error: one message on stderr, exit code 2, no traceback."""

from __future__ import annotations

import sys
from collections.abc import Callable
from functools import wraps
from typing import ParamSpec, TypeVar

import typer

from kruispunt.errors import KruispuntError

P = ParamSpec("P")
R = TypeVar("R")

EXIT_USAGE = 2
"""Every user error: bad arguments, scenario files, data packages, run ids, formats, paths."""


def user_errors(func: Callable[P, R]) -> Callable[P, R]:
    """Turn a :class:`KruispuntError` into ``error: ...`` on stderr and exit code 2; so too
    an operating-system error on a path the user gave that the command's own checks did not
    foresee (a name longer than the file system allows, a loop of symbolic links), naming
    the path and the system's reason."""

    @wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return func(*args, **kwargs)
        except KruispuntError as exc:
            print(f"error: {exc}", file=sys.stderr)
            raise typer.Exit(EXIT_USAGE) from None
        except OSError as exc:
            if exc.filename is None:  # not about a path: a defect, shown whole
                raise
            reason = exc.strerror or type(exc).__name__
            print(f"error: cannot use the path '{exc.filename}': {reason}", file=sys.stderr)
            raise typer.Exit(EXIT_USAGE) from None

    return wrapper
