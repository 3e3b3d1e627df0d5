"""Pure planning of an archive: which files of a recording set to take, and how a cut maps onto them.

Plain values in, plain values out — no I/O — so every rule here is tested without servers.

Rules:
- Files are grouped into segments (one per stop/start of the cloud recording) by ``recording_start``.
- Per segment: the video by the configured preference of ``recording_type``, the ``audio_only`` M4A,
  the ``audio_transcript`` VTT. Chat files are never taken (the chat carries Q&A) unless configured;
  CC, timeline, summaries, thumbnails and per-participant audio never.
- Segments shorter than ``min_segment_s`` are false starts and dropped.
- Kept segments are joined end to end; a cut at ``t`` on the joined timeline keeps each segment up to
  ``t - offset``, and drops segments that start at or after ``t``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime

SEGMENT_TOLERANCE_S = 2.0


@dataclass(frozen=True)
class FileRef:
    """The parts of a Zoom recording file the archive cares about."""

    id: str
    file_type: str  # MP4, M4A, TRANSCRIPT, CHAT, CC, TIMELINE...
    recording_type: str | None
    start: datetime
    end: datetime
    size: int | None
    download_url: str
    extension: str | None = None


@dataclass(frozen=True)
class Segment:
    index: int
    start: datetime
    end: datetime
    video: FileRef | None = None
    audio: FileRef | None = None
    transcript: FileRef | None = None
    chat: FileRef | None = None

    @property
    def duration_s(self) -> float:
        return max(0.0, (self.end - self.start).total_seconds())

    def files(self) -> list[FileRef]:
        return [f for f in (self.video, self.audio, self.transcript, self.chat) if f is not None]


@dataclass(frozen=True)
class SegmentPlan:
    """Which segments to publish. ``dropped`` carries (segment, reason) for session.json."""

    kept: list[Segment]
    dropped: list[tuple[Segment, str]] = field(default_factory=list)

    @property
    def missing_transcript(self) -> bool:
        return any(s.transcript is None for s in self.kept)

    @property
    def has_media(self) -> bool:
        return any(s.video or s.audio for s in self.kept)


def _video_rank(ref: FileRef, preference: Sequence[str]) -> int:
    try:
        return list(preference).index(ref.recording_type or "")
    except ValueError:
        return len(preference)


def plan_segments(
    files: Sequence[FileRef],
    *,
    video_preference: Sequence[str],
    min_segment_s: float,
    include_chat: bool = False,
) -> SegmentPlan:
    groups: list[list[FileRef]] = []
    for ref in sorted(files, key=lambda f: (f.start, f.id)):
        if groups and abs((ref.start - groups[-1][0].start).total_seconds()) <= SEGMENT_TOLERANCE_S:
            groups[-1].append(ref)
        else:
            groups.append([ref])
    segments: list[Segment] = []
    for refs in groups:
        videos = [f for f in refs if f.file_type.upper() == "MP4"]
        videos.sort(key=lambda f: (_video_rank(f, video_preference), f.id))
        audios = [f for f in refs if f.file_type.upper() == "M4A"]
        transcripts = [
            f
            for f in refs
            if f.file_type.upper() == "TRANSCRIPT"
            and (f.recording_type in (None, "audio_transcript"))
        ]
        chats = [f for f in refs if f.file_type.upper() == "CHAT"]
        media = videos[:1] + audios[:1]
        if not media:
            # A transcript or chat without media of its own: attach to nothing, keep for the record.
            continue
        start = min(f.start for f in media)
        end = max(f.end for f in media)
        segments.append(
            Segment(
                index=len(segments),
                start=start,
                end=end,
                video=videos[0] if videos else None,
                audio=audios[0] if audios else None,
                transcript=transcripts[0] if transcripts else None,
                chat=chats[0] if (chats and include_chat) else None,
            )
        )
    kept: list[Segment] = []
    dropped: list[tuple[Segment, str]] = []
    for seg in segments:
        if seg.duration_s < min_segment_s and len(segments) > 1:
            dropped.append((seg, f"false start: {seg.duration_s:.0f} s < {min_segment_s:.0f} s"))
        else:
            kept.append(replace(seg, index=len(kept)))
    return SegmentPlan(kept=kept, dropped=dropped)


@dataclass(frozen=True)
class SegmentCut:
    """How much of one kept segment to publish: ``end_s`` local to the segment, None = whole."""

    segment: int
    offset_s: float
    end_s: float | None


def offsets(durations: Sequence[float]) -> list[float]:
    """Start of each segment on the joined timeline."""
    out, t = [], 0.0
    for d in durations:
        out.append(t)
        t += d
    return out


def map_cut(durations: Sequence[float], cut_s: float | None) -> list[SegmentCut]:
    """Map a cut on the joined timeline to per-segment cuts; segments at/after the cut vanish."""
    cuts = []
    for i, (off, dur) in enumerate(zip(offsets(durations), durations, strict=True)):
        if cut_s is None or off + dur <= cut_s:
            cuts.append(SegmentCut(i, off, None))
        elif off < cut_s:
            cuts.append(SegmentCut(i, off, cut_s - off))
        # else: wholly after the cut: dropped
    return cuts
