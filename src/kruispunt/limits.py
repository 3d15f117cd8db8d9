"""Limits on every input the command line and the API read. Stated once, documented in
``docs/tutorial.md`` ("Limits"), enforced before any expensive work.

A limit protects the user from a mistake that would otherwise hang or exhaust the machine
(a YAML alias bomb, a file of the wrong kind, a runaway generator) and gives a clear error
instead. Each value is far above what a real input needs: the package's ``scenarios.yaml``
has under 150 YAML nodes and nests five levels deep.
"""

from __future__ import annotations

from typing import Final

YAML_MAX_BYTES: Final = 1_048_576
"""Largest scenario file (and package ``scenarios.yaml``) read: 1 MiB."""

YAML_MAX_DEPTH: Final = 16
"""Deepest nesting of mappings and lists in a YAML file (a scenario needs three)."""

YAML_MAX_NODES: Final = 20_000
"""Most YAML nodes (keys, values, list items) in a file, counting each alias as the nodes it
stands for: an alias bomb is refused after at most this much work, before it expands."""

MAX_ERRORS_SHOWN: Final = 20
"""Most problems listed in one error message; the rest are counted ("... and N more")."""

DATAPACKAGE_JSON_MAX_BYTES: Final = 4_194_304
"""Largest ``datapackage.json`` read: 4 MiB (the embedded one is 70 kB)."""

TABLE_MAX_BYTES: Final = 268_435_456
"""Largest CSV table of a data package read: 256 MiB (the largest embedded one is 300 kB)."""

RUN_NAME_MAX_LENGTH: Final = 100
"""Longest name of a stored run (``kruispunt run --name``)."""

RESERVED_RUN_NAMES: Final = frozenset({"latest"})
"""Names that refer to something else and cannot name a run."""

ENSEMBLE_MAX_FUTURES: Final = 10_000_000
"""Most futures an ensemble draws (``kruispunt explore run --n``, a specification's
``sampling.n``): 10,000 futures x 3 packages take minutes; this many, weeks."""

ENSEMBLE_MAX_SEED: Final = 2**63 - 1
"""Largest root seed of an ensemble (a signed 64-bit integer; the seed is part of its id)."""

ENSEMBLE_MAX_WORKERS: Final = 256
"""Most worker processes of an ensemble on one machine (``--workers``)."""


def size_text(n: int) -> str:
    """Bytes as a short text: ``size_text(1_048_576) == '1 MiB'``.

    Examples
    --------
    >>> size_text(1_048_576), size_text(4_194_304), size_text(1_500)
    ('1 MiB', '4 MiB', '1,500 bytes')
    """
    for unit, factor in (("GiB", 1 << 30), ("MiB", 1 << 20)):
        if n >= factor and n % factor == 0:
            return f"{n // factor} {unit}"
    return f"{n:,} bytes"
