"""Running the ffmpeg binary shipped by imageio-ffmpeg, with failures as one-line MediaErrors."""

from __future__ import annotations

import logging
import os
import subprocess
from collections import deque
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from functools import cache
from pathlib import Path

from zoomclub.durable import fsync_dir
from zoomclub.errors import MediaError

log = logging.getLogger(__name__)


@cache
def ffmpeg_exe() -> str:
    """Path of the ffmpeg binary (imageio-ffmpeg's, or ``$IMAGEIO_FFMPEG_EXE``)."""
    try:
        import imageio_ffmpeg

        return str(imageio_ffmpeg.get_ffmpeg_exe())
    except (ImportError, RuntimeError) as exc:
        raise MediaError(f"ffmpeg is not available: {exc}") from exc


def run_ffmpeg(args: Sequence[str], what: str) -> None:
    """Run ``ffmpeg args``; on failure raise MediaError with ffmpeg's last stderr line.

    stderr is read line by line into a short ring buffer, so a chatty run cannot fill memory.
    """
    cmd = [ffmpeg_exe(), "-hide_banner", "-nostdin", "-nostats", "-loglevel", "error", *args]
    log.debug("ffmpeg %s: %s", what, " ".join(cmd))
    tail: deque[str] = deque(maxlen=20)
    try:
        proc = subprocess.Popen(
            cmd,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            errors="replace",
        )
    except OSError as exc:
        raise MediaError(f"cannot start ffmpeg for {what}: {exc}") from exc
    try:
        assert proc.stderr is not None
        for line in proc.stderr:
            if line.strip():
                tail.append(line.strip())
        rc = proc.wait()
    except BaseException:
        proc.kill()
        proc.wait()
        raise
    if rc != 0:
        last = tail[-1] if tail else f"exit status {rc}"
        raise MediaError(f"ffmpeg could not {what}: {last}")
    for line in tail:
        log.warning("ffmpeg (%s): %s", what, line)


def part_path(dest: Path) -> Path:
    """The temporary sibling a result is written to before it replaces ``dest``.

    Deterministic, so a run killed with -9 leaves one stale file that the next run overwrites,
    and it keeps ``dest``'s suffix because ffmpeg picks the container format from it.
    """
    return dest.with_name(f".{dest.stem}.part{dest.suffix}")


@contextmanager
def atomic_output(dest: Path, *, durable: bool = True) -> Iterator[Path]:
    """Yield a temp path next to ``dest``; on success fsync it and rename it over ``dest``.

    On any failure the temp file is removed and ``dest`` is untouched (never a partial dest).
    ``durable=False`` skips the fsyncs, for scratch files that are deleted right after use.
    """
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = part_path(dest)
    tmp.unlink(missing_ok=True)
    try:
        yield tmp
        if durable:
            _fsync(tmp)
        os.replace(tmp, dest)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    if durable:
        fsync_dir(dest.parent)


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
