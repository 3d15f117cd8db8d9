"""Exception types that the command line turns into clear messages without a traceback."""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass

from kruispunt.limits import MAX_ERRORS_SHOWN


class KruispuntError(Exception):
    """Base class for errors caused by user input (data, scenario files, arguments)."""


class ResultsTooOld(KruispuntError):
    """Results written by a version of kruispunt before one that added a result variable
    they lack: not damaged, but not readable by this version."""


@dataclass(frozen=True)
class Problem:
    """One problem found in an input file.

    Attributes
    ----------
    check : str
        Name of the check that found it (``check_foreign_keys`` ...).
    file : str
        File the problem is in.
    row : int | None
        Line number in the file (the header is line 1), or None for a whole-file problem.
    field : str | None
        Column name, or None.
    message : str
        What is wrong and what is allowed.
    """

    check: str
    file: str
    row: int | None
    field: str | None
    message: str

    def __str__(self) -> str:
        where = self.file
        if self.row is not None:
            where += f", line {self.row}"
        if self.field is not None:
            where += f", field '{self.field}'"
        return f"{where}: {self.message} [{self.check}]"


class DataPackageError(KruispuntError):
    """A data package failed one or more checks; nothing of it was loaded."""

    def __init__(self, problems: list[Problem], path: str = "") -> None:
        self.problems = problems
        self.path = path
        head = (
            f"data package {path} has {len(problems)} problem(s)"
            if path
            else (f"data package has {len(problems)} problem(s)")
        )
        shown = "\n".join(f"  - {p}" for p in problems[:MAX_ERRORS_SHOWN])
        extra = len(problems) - MAX_ERRORS_SHOWN
        more = f"\n  ... and {extra:,} more" if extra > 0 else ""
        super().__init__(f"{head}:\n{shown}{more}")


class UnitError(KruispuntError):
    """A unit string does not parse or does not convert to the canonical unit."""


class DataAssemblyError(KruispuntError, ValueError):
    """A data package's tables, each valid, do not make model inputs together (a route
    parameter that needs another table's row, a series that crosses another between the
    years it gives); the message names the file, the route and what is allowed."""


def unknown_site(site: str, known: Iterable[str]) -> KruispuntError:
    """The error for a site id that is not among ``known``, with the ids most like it (by
    spelling, or starting with its first word) and where to find them all.

    >>> print(unknown_site("tata", ["tata_steel", "yara"]))
    unknown site 'tata'; did you mean tata_steel? (all site ids: kruispunt data summary --top 2)
    """
    ids = sorted(set(known))
    head = site.split("_")[0]
    close = difflib.get_close_matches(site, ids, n=5, cutoff=0.6)
    close += [s for s in ids if head and s.startswith(head) and s not in close][: 10 - len(close)]
    hint = f"; did you mean {', '.join(close)}?" if close else ""
    return KruispuntError(
        f"unknown site '{site}'{hint} (all site ids: kruispunt data summary --top {len(ids)})"
    )
