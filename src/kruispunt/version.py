"""The installed package's version and a fingerprint of its code (imports nothing else of
the package)."""

import hashlib
from functools import cache
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

try:
    __version__ = version("kruispunt")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0+unknown"


@cache
def code_hash() -> str:
    """SHA-256 of the package's Python sources (each file's path within the package and its
    bytes, in path order): results made by different code get different hashes even where
    the version number is the same (a source checkout between releases, an edited install).
    Worked out once per process."""
    root = Path(__file__).resolve().parent
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*.py")):
        digest.update(path.relative_to(root).as_posix().encode())
        digest.update(b"\0")
        digest.update(path.read_bytes())
        digest.update(b"\0")
    return digest.hexdigest()


__all__ = ["__version__", "code_hash"]
