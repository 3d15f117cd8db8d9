"""Writing a file whole or not at all: a temporary file beside the target, given the
permissions the target should have, then renamed over it. Used by every writer of outputs
(reports, exports, scenario files, CLI tables); the store's Parquet parts have their own
(``store._write_table_atomic``).

An output path that is a symbolic link is written through (the file it points to is replaced
and the link kept), as writing it in place would; a file that exists keeps its permissions,
a new one gets a new file's."""

from __future__ import annotations

import contextlib
import errno
import os
import stat
import tempfile
from collections.abc import Callable
from pathlib import Path

__all__ = [
    "mode_for",
    "move_into_place",
    "new_file_mode",
    "output_target",
    "temporary_beside",
    "write_file",
    "write_text",
]


def nearest_existing(path: Path) -> Path:
    """``path`` or its nearest parent that exists, or that is a symbolic link whatever it
    points to: a link that leads nowhere (to a missing target, or round in a loop) stops
    the search, since the folders below it cannot be made (:func:`not_a_folder` says why)."""
    while not (path.exists() or path.is_symlink()) and path != path.parent:
        path = path.parent
    return path


def not_a_folder(path: Path) -> str:
    """Why ``path`` (:func:`nearest_existing`'s answer, not a folder) cannot hold what is to
    be written below it: a file, or a link that leads nowhere."""
    if path.is_symlink() and not path.exists():
        try:
            target = os.readlink(path)
        except OSError:
            target = "?"
        return f"{path} is a link that leads nowhere (to '{target}', missing or a loop)"
    return f"{path} is not a folder"


def new_file_mode() -> int:
    """The permissions a new file gets here: ``0o666`` less the umask (e.g. 0o644)."""
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


def mode_for(target: Path, *, through_links: bool = True) -> int:
    """The permissions a file written over ``target`` gets: those of the regular file there
    (writing it in place keeps them: a private 0600 report stays private), else a new
    file's (:func:`new_file_mode`)."""
    try:
        st = os.stat(target, follow_symlinks=through_links)
    except OSError:
        return new_file_mode()
    return stat.S_IMODE(st.st_mode) if stat.S_ISREG(st.st_mode) else new_file_mode()


def output_target(path: Path | str) -> Path:
    """The file a write to ``path`` should replace: ``path`` itself (``~`` expanded), or,
    for a symbolic link, the file it points to, so the link stays and what it points to is
    written, as writing through it in place would (a link replaced by a file would leave
    the file it pointed to stale). A link into a folder that does not exist raises
    FileNotFoundError (an OSError) naming it: its folders are not made."""
    path = Path(path).expanduser()
    if not path.is_symlink():
        return path
    real = Path(os.path.realpath(path))
    if not real.parent.is_dir():
        # a dangling link into a folder that does not exist: no folders made for it
        raise FileNotFoundError(
            errno.ENOENT, f"{path} is a link into a folder that does not exist", str(real.parent)
        )
    return real


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


def move_into_place(tmp: Path, target: Path, *, through_links: bool = True) -> None:
    """Give the written temporary file ``tmp`` the permissions ``target`` should have
    (:func:`mode_for`) and rename it over ``target`` (the file to replace: a link already
    resolved by :func:`output_target` where it is written through). Raises OSError."""
    tmp.chmod(mode_for(target, through_links=through_links))
    os.replace(tmp, target)


def write_file(
    target: Path | str, write: Callable[[Path], object], *, through_links: bool = True
) -> Path:
    """Write ``target`` whole or not at all: ``write`` writes the content to the temporary
    file it is given, beside the file to replace, which then takes its place with
    :func:`mode_for`'s permissions. On an error or an interruption the temporary file is
    removed and the target left as it was. With ``through_links`` (the default) a link is
    written through (:func:`output_target`); without, a link is replaced by the file (for
    a folder whose files are the writer's own, such as saved scenarios). Returns ``target``
    (``~`` expanded). Raises OSError."""
    given = Path(target).expanduser()
    real = output_target(given) if through_links else given
    tmp = temporary_beside(real)
    try:
        write(tmp)
        move_into_place(tmp, real, through_links=through_links)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    return given


def write_text(target: Path | str, text: str, *, through_links: bool = True) -> Path:
    """Write ``text`` (UTF-8) to ``target`` whole or not at all (:func:`write_file`).
    Raises OSError."""
    return write_file(
        target, lambda tmp: tmp.write_text(text, encoding="utf-8"), through_links=through_links
    )
