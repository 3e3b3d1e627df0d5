"""The directory fsync that makes a rename survive a power cut, shared by every writer here."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path


def fsync_dir(path: Path) -> None:
    """fsync the directory ``path`` after a rename into it. Best effort: some systems cannot open
    or fsync a directory, and the rename itself is atomic either way."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:
        return
    try:
        with contextlib.suppress(OSError):
            os.fsync(fd)
    finally:
        os.close(fd)
