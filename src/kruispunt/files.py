"""Writing a file whole or not at all: a temporary file beside the target, given a new file's
permissions, then renamed over it. Used by every writer of text outputs (reports, scenario
files, CLI tables); the store's Parquet parts have their own (``store._write_table_atomic``)."""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

__all__ = ["new_file_mode", "output_target", "temporary_beside", "write_text"]


def new_file_mode() -> int:
    """The permissions a new file gets here: ``0o666`` less the umask (e.g. 0o644)."""
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


def output_target(path: Path | str) -> Path:
    """The file a write to ``path`` should replace: ``path`` itself (``~`` expanded), or,
    for a symbolic link, the file it points to, so the link stays and what it points to is
    written, as writing through it in place would (a link replaced by a file would leave
    the file it pointed to stale)."""
    path = Path(path).expanduser()
    return Path(os.path.realpath(path)) if path.is_symlink() else path


def _open_beside(target: Path) -> tuple[int, Path]:
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=".", suffix=f"-{target.name}", dir=target.parent)
    return fd, Path(name)


def temporary_beside(target: Path) -> Path:
    """A new empty hidden file in ``target``'s folder (made if missing) whose name ends in
    ``target``'s, so its extensions (``.csv.gz``) still say the format. Raises OSError."""
    fd, path = _open_beside(target)
    os.close(fd)
    return path


def write_text(target: Path | str, text: str) -> Path:
    """Write ``text`` (UTF-8) to ``target`` (through it, if it is a link: :func:`output_target`)
    whole or not at all, with a new file's permissions; on an error or an interruption the
    temporary file is removed and the target left as it was. Returns ``target``.
    Raises OSError."""
    given = Path(target).expanduser()
    target = output_target(given)
    fd, tmp = _open_beside(target)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        tmp.chmod(new_file_mode())
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    return given
