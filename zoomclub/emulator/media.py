"""Real, tiny media made with ffmpeg and cached on disk by duration.

MP4 = H.264 (libx264, 160x90, 5 fps) + AAC mono tone; M4A = AAC mono tone. A cache hit costs a
``stat``; a miss runs ffmpeg once (a file lock keeps parallel test processes from racing) and
publishes the result with ``os.replace`` so a half-written file is never served.
"""

from __future__ import annotations

import logging
import os
import subprocess
import tempfile
from pathlib import Path

from filelock import FileLock

log = logging.getLogger(__name__)

VIDEO_SIZE = "160x90"
VIDEO_FPS = 5
CHUNK_S = 60.0


def default_cache_dir() -> Path:
    return Path(tempfile.gettempdir()) / "zoomclub-emulator-media"


def ffmpeg_exe() -> str:
    import imageio_ffmpeg

    return str(imageio_ffmpeg.get_ffmpeg_exe())


def _encode(kind: str, duration_s: float, part: Path) -> None:
    tone = f"sine=frequency=440:beep_factor=4:sample_rate=16000:duration={duration_s:.3f}"
    cmd = [ffmpeg_exe(), "-hide_banner", "-loglevel", "error", "-y"]
    if kind == "video":
        cmd += ["-f", "lavfi", "-i", f"testsrc2=s={VIDEO_SIZE}:r={VIDEO_FPS}"]
    cmd += ["-f", "lavfi", "-i", tone, "-t", f"{duration_s:.3f}"]
    if kind == "video":
        cmd += ["-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p"]
        cmd += ["-b:v", "20k", "-g", str(VIDEO_FPS * 2)]
    cmd += ["-c:a", "aac", "-b:a", "24k", "-ac", "1", "-movflags", "+faststart"]
    cmd += ["-f", "mp4", str(part)]
    log.debug("making %s media of %.3fs", kind, duration_s)
    _run(cmd, part, part)


def _run(cmd: list[str], part: Path, target: Path) -> None:
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        part.unlink(missing_ok=True)
        raise RuntimeError(f"ffmpeg failed making {target.name}: {proc.stderr.strip()[-500:]}")


def _name(kind: str, duration_s: float) -> str:
    return f"{kind}-{duration_s:.3f}s.{'mp4' if kind == 'video' else 'm4a'}"


def media_file(cache_dir: Path, kind: str, duration_s: float) -> Path:
    """Path of a cached ``kind`` ("video" | "audio") file of ``duration_s`` seconds, made if needed."""
    if kind not in ("video", "audio"):
        raise ValueError(f"unknown media kind {kind!r}")
    if duration_s <= 0:
        raise ValueError("duration must be positive")
    cache_dir.mkdir(parents=True, exist_ok=True)
    target = cache_dir / _name(kind, duration_s)
    if target.exists():
        return target
    with FileLock(str(target) + ".lock"):
        if target.exists():
            return target
        part = target.with_suffix(target.suffix + ".part")
        if duration_s <= CHUNK_S:
            _encode(kind, duration_s, part)
        else:
            # Long media (a 45-minute session) by stream-copying a cached one-minute chunk: an
            # encode of the whole length takes about a minute, this takes well under a second.
            chunk = media_file(cache_dir, kind, CHUNK_S)
            listing = target.with_suffix(".concat.txt")
            repeats = int(duration_s // CHUNK_S) + 1
            listing.write_text(f"file '{chunk.name}'\n" * repeats, encoding="utf-8")
            cmd = [ffmpeg_exe(), "-hide_banner", "-loglevel", "error", "-y", "-f", "concat"]
            cmd += ["-safe", "0", "-i", str(listing), "-t", f"{duration_s:.3f}", "-c", "copy"]
            cmd += ["-movflags", "+faststart", "-f", "mp4", str(part)]
            _run(cmd, part, target)
            listing.unlink(missing_ok=True)
        os.replace(part, target)
    return target
