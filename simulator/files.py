"""Writing a file the user named, without replacing what the name points to.

A file is written next to its target and renamed over it, so a reader never sees half of
it; a rename replaces the directory entry itself, so it is done only where that entry is
a regular file or nothing yet. A device (``/dev/null``), a FIFO, a directory or a
symbolic link is refused with a message that says what it is: renaming over it would put
a regular file in its place. (The standard library has no such check, hence this
module.)
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from pathlib import Path


class UnsafeTarget(Exception):
    """The path names something other than a regular file or a new file."""


_KINDS = (
    (stat.S_ISLNK, "a symbolic link; give the path of the file itself"),
    (stat.S_ISDIR, "a folder; give a file name"),
    (stat.S_ISCHR, "a device, not a file; to print to the screen, use -o -"),
    (stat.S_ISBLK, "a device, not a file"),
    (stat.S_ISFIFO, "a named pipe, not a file; to pipe the output, use -o -"),
    (stat.S_ISSOCK, "a socket, not a file"),
)


def check_target(path: Path) -> int | None:
    """Raise UnsafeTarget unless ``path`` is a regular file (its permission bits are
    returned) or does not exist yet (None)."""
    try:
        mode = os.lstat(path).st_mode
    except OSError:
        return None  # (missing, or unreadable: the write itself says why)
    if stat.S_ISREG(mode):
        return stat.S_IMODE(mode)
    for test, what in _KINDS:
        if test(mode):
            raise UnsafeTarget(f"{path} is {what}")
    raise UnsafeTarget(f"{path} is not a regular file")


def write_text(path: Path, text: str) -> None:
    """Write ``text`` (UTF-8) to ``path`` all at once: a new file, or a regular file that
    is replaced. Raises UnsafeTarget for anything else, OSError when writing fails."""
    write_bytes(path, text.encode("utf-8"))


def write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` all at once, as ``write_text`` does."""
    mode = check_target(path)
    if mode is None:  # a new file gets what open() would give it
        umask = os.umask(0o022)
        os.umask(umask)
        mode = 0o666 & ~umask
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.fchmod(fd, mode)  # (mkstemp makes it private)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        check_target(path)  # (again, just before the rename: the shortest window)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
