"""Cutting recordings without re-encoding: probe with PyAV, trim and join with ffmpeg stream copy.

The public surface is small on purpose; the archive pipeline calls :func:`trim`/:func:`concat` and
reads :class:`MediaInfo`. Times are seconds on the file's own presentation timeline (what a player
shows, edit lists applied), which for a Zoom MP4/M4A starts at 0 with the recording.

Guarantee of :func:`trim`: no packet in the result presents anything at or after ``end_s``, checked
by reading every packet of the result (not the container header). Stream copy cuts between packets,
so the result ends slightly *early*: video by up to one frame plus the B-frame reorder depth (a
frame of a stream without B-frames that was captured before the cut is kept and shown only until
the cut), audio by one to two codec frames. See :mod:`zoomclub.media.plan` for why.
"""

from __future__ import annotations

from zoomclub.media.cut import concat, trim
from zoomclub.media.ffmpeg import ffmpeg_exe
from zoomclub.media.info import MediaInfo, StreamInfo, header_duration, probe

__all__ = [
    "MediaInfo",
    "StreamInfo",
    "concat",
    "ffmpeg_exe",
    "header_duration",
    "probe",
    "trim",
]
