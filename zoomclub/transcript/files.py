"""Reading a transcript file: the thin I/O edge around :func:`~zoomclub.transcript.vtt.parse_vtt`."""

from __future__ import annotations

from pathlib import Path

from zoomclub.errors import TranscriptError
from zoomclub.transcript.vtt import Transcript, parse_vtt

MAX_TRANSCRIPT_BYTES = 64 * 1024 * 1024  # a 10-hour meeting's transcript is a few MB


def read_transcript(path: Path) -> Transcript:
    """Read and parse a VTT file; every failure is a one-line :class:`TranscriptError`."""
    try:
        size = path.stat().st_size
        if size > MAX_TRANSCRIPT_BYTES:
            raise TranscriptError(f"{path}: {size} bytes is too large for a transcript")
        data = path.read_bytes()
    except IsADirectoryError:
        raise TranscriptError(f"{path}: is a directory, not a transcript file") from None
    except OSError as exc:
        raise TranscriptError(f"cannot read {path}: {exc.strerror or exc}") from None
    return parse_vtt(data, source=str(path))
