"""How every command reports a user error: one message on stderr, an exit code, no traceback."""

from __future__ import annotations

import sys
from collections.abc import Callable
from functools import wraps
from typing import ParamSpec, TypeVar

import typer

from kruispunt.errors import DataPackageError, KruispuntError

P = ParamSpec("P")
R = TypeVar("R")

EXIT_INVALID_DATA = 1
"""A data package failed its checks."""
EXIT_USAGE = 2
"""Bad arguments, scenario files, run ids or formats."""


def user_errors(func: Callable[P, R]) -> Callable[P, R]:
    """Turn a :class:`KruispuntError` into ``error: ...`` on stderr and a non-zero exit."""

    @wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return func(*args, **kwargs)
        except DataPackageError as exc:
            print(f"error: {exc}", file=sys.stderr)
            raise typer.Exit(EXIT_INVALID_DATA) from None
        except KruispuntError as exc:
            print(f"error: {exc}", file=sys.stderr)
            raise typer.Exit(EXIT_USAGE) from None

    return wrapper
