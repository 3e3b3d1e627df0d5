"""What is in a media file, from its packets' timestamps (PyAV; there is no ffprobe).

:func:`probe` looks at every packet of every audio/video stream, not at the container header,
because a header can claim a duration the packets do not have: an honest check of a cut must look
at the packets themselves. For an MP4/M4A it reads their timestamps from the sample tables, which
is where ffmpeg's demuxer takes them from (:mod:`.mp4index`), after checking that the demuxer
yields exactly those packets at the start and through the end of the file; for anything else, or
when that check fails, it demuxes every packet (payloads read and dropped at once: flat memory).
"""

from __future__ import annotations

import hashlib
import logging
import math
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any, Literal

import av

from zoomclub.errors import MediaError
from zoomclub.media.mp4index import SampleTable, agrees, read_tables
from zoomclub.media.plan import Packet, Track

log = logging.getLogger(__name__)

Kind = Literal["video", "audio"]


@dataclass(frozen=True)
class StreamInfo:
    """One audio or video stream. ``end_s`` is the latest ``pts + duration`` of any packet."""

    index: int
    kind: Kind
    codec: str
    end_s: float
    start_s: float = 0.0
    packets: int = 0
    width: int | None = None
    height: int | None = None
    sample_rate: int | None = None
    channels: int | None = None
    config: str = ""  # short digest of the codec's extradata (SPS/PPS, AudioSpecificConfig)

    def compatible(self, other: StreamInfo) -> bool:
        """Whether packets of ``other`` can follow ours in one stream without re-encoding."""
        return (self.kind, self.codec, self.width, self.height, self.sample_rate, self.config) == (
            other.kind,
            other.codec,
            other.width,
            other.height,
            other.sample_rate,
            other.config,
        ) and self.channels == other.channels


@dataclass(frozen=True)
class MediaInfo:
    duration_s: float  # max over streams of the last packet's end
    streams: tuple[StreamInfo, ...]

    @property
    def end_s(self) -> float:
        return max((s.end_s for s in self.streams), default=0.0)

    @property
    def start_s(self) -> float:
        """Earliest presented packet (0 for Zoom's files; codec priming is not presented)."""
        return min((s.start_s for s in self.streams if s.packets), default=0.0)

    @property
    def span_s(self) -> float:
        """How long the file plays: where a following part starts when files are joined."""
        return self.end_s - self.start_s

    def kinds(self) -> tuple[str, ...]:
        return tuple(s.kind for s in self.streams)


@contextmanager
def open_media(path: Path) -> Iterator[Any]:
    """Open ``path`` for demuxing; any PyAV/FFmpeg failure becomes a one-line MediaError."""
    if not path.is_file():
        raise MediaError(f"{path}: no such media file")
    try:
        container = av.open(str(path), mode="r")
    except (av.error.FFmpegError, OSError, UnicodeDecodeError) as exc:
        raise MediaError(f"{path.name}: not a readable media file ({_reason(exc)})") from exc
    try:
        yield container
    except av.error.FFmpegError as exc:
        raise MediaError(f"{path.name}: cannot read media ({_reason(exc)})") from exc
    finally:
        container.close()


def tracks(container: Any) -> list[Track]:
    """The audio and video streams we handle; subtitles/data streams are ignored (never copied)."""
    out = []
    for s in container.streams:
        if s.type in ("video", "audio"):
            out.append(Track(index=s.index, kind=s.type, time_base=Fraction(s.time_base)))
    return out


def packets(container: Any, path: Path, wanted: list[Track]) -> Iterator[Packet]:
    """Every packet of ``wanted`` streams in file order, as plain values."""
    streams = [container.streams[t.index] for t in wanted]
    if not streams:
        return
    for pkt in container.demux(streams):
        if pkt.size == 0 and pkt.pts is None and pkt.dts is None:
            continue  # PyAV's end-of-stream flush marker
        if pkt.is_corrupt:
            raise MediaError(f"{path.name}: corrupt packet at {_seconds(pkt)} (truncated file?)")
        pts = pkt.pts if pkt.pts is not None else pkt.dts
        dts = pkt.dts if pkt.dts is not None else pkt.pts
        if pts is None or dts is None:
            raise MediaError(f"{path.name}: a packet without timestamps; cannot cut safely")
        yield Packet(
            stream=pkt.stream.index,
            pts=pts,
            dts=dts,
            duration=pkt.duration or 0,
            discard=bool(pkt.is_discard),
        )


def header_duration(path: Path) -> float:
    """The duration the container's header declares: cheap, for planning a timeline only.

    Never use it to verify a cut (that is :func:`probe`'s job, which reads the packets).
    """
    path = Path(path)
    with open_media(path) as container:
        if container.duration is None:
            raise MediaError(f"{path.name}: the container declares no duration")
        return float(container.duration) / 1_000_000


def sample_tables(
    container: Any, path: Path, wanted: list[Track], at_s: float | None, window_s: float = 3.0
) -> dict[int, SampleTable] | None:
    """Each wanted stream's sample table (by stream index), when they can be trusted here.

    Trusted means: the file is an MP4 whose tables :mod:`.mp4index` understands, and the demuxer
    yields exactly the tables' packets at the start, and from ``at_s - window_s`` through
    ``at_s + window_s`` (or, when ``at_s`` is None, through the last packet of the file). None
    otherwise: the caller then reads every packet. The container is left at an arbitrary position.
    """
    tables = read_tables(path)
    if tables is None:
        return None
    out = {}
    for t in wanted:
        st = container.streams[t.index]
        table = tables.get(st.id)
        if table is None or Fraction(1, table.timescale) != t.time_base:
            return None
        if at_s is None:
            at, until = table.dts[-1], None
        else:
            at = math.floor((at_s - window_s) / t.time_base)
            until = math.ceil((at_s + window_s) / t.time_base)
        if not agrees(container, st, table, at, until):
            log.info(
                "%s: the %s's sample table and its packets differ; reading every packet",
                path.name,
                t.kind,
            )
            return None
        out[t.index] = table
    return out


def probe(path: Path) -> MediaInfo:
    """Every audio/video packet's timing in ``path``; MediaError if unreadable or empty.

    From the MP4 sample tables when :func:`sample_tables` trusts them, else by demuxing.
    """
    path = Path(path)
    with open_media(path) as container:
        wanted = tracks(container)
        if not wanted:
            raise MediaError(f"{path.name}: no audio or video stream")
        tables = sample_tables(container, path, wanted, None)
        if tables is not None:
            size = path.stat().st_size
            for t in wanted:
                if tables[t.index].data_end > size:
                    raise MediaError(
                        f"{path.name}: the {t.kind}'s packets run past the end of the file "
                        "(truncated file?)"
                    )
            infos = tuple(
                _stream_info(
                    container.streams[t.index],
                    t,
                    tables[t.index].start() or 0,
                    tables[t.index].end(),
                    len(tables[t.index]),
                )
                for t in wanted
            )
            return _media_info(path, infos)
    return probe_packets(path)


def probe_packets(path: Path) -> MediaInfo:
    """:func:`probe` by demuxing every packet (what it falls back to; also a reference in tests)."""
    path = Path(path)
    with open_media(path) as container:
        wanted = tracks(container)
        if not wanted:
            raise MediaError(f"{path.name}: no audio or video stream")
        tb = {t.index: t.time_base for t in wanted}
        end: dict[int, int] = {}
        start: dict[int, int] = {}
        count: dict[int, int] = dict.fromkeys(tb, 0)
        for p in packets(container, path, wanted):
            count[p.stream] += 1
            e = p.pts + p.duration
            if p.stream not in end or e > end[p.stream]:
                end[p.stream] = e
            if not p.discard and (p.stream not in start or p.pts < start[p.stream]):
                start[p.stream] = p.pts
        for t in wanted:
            indexed = container.streams[t.index].frames or 0  # from the index (MP4 stsz)
            if count[t.index] < indexed:
                raise MediaError(
                    f"{path.name}: the {t.kind} stops after {count[t.index]} of its {indexed} "
                    "packets (truncated file?)"
                )
        infos = tuple(
            _stream_info(
                container.streams[t.index],
                t,
                start.get(t.index, 0),
                end.get(t.index, 0),
                count[t.index],
            )
            for t in wanted
        )
    return _media_info(path, infos)


def _media_info(path: Path, infos: tuple[StreamInfo, ...]) -> MediaInfo:
    if not any(s.packets for s in infos):
        raise MediaError(f"{path.name}: no audio or video packets (empty or truncated file)")
    return MediaInfo(duration_s=max(s.end_s for s in infos), streams=infos)


def _stream_info(s: Any, t: Track, start: int, end: int, n: int) -> StreamInfo:
    """``start``/``end``: the earliest presented pts and the latest pts + duration, in ticks."""
    cc = s.codec_context
    if cc is None:  # libav found the stream but no decoder parameters for it (a damaged header)
        raise MediaError(f"the {t.kind} stream has no codec parameters (damaged file?)")
    extradata = bytes(cc.extradata or b"")
    return StreamInfo(
        index=t.index,
        kind="video" if t.kind == "video" else "audio",
        codec=cc.name or "unknown",
        end_s=float(end * t.time_base),
        start_s=float(start * t.time_base),
        packets=n,
        width=cc.width if t.kind == "video" else None,
        height=cc.height if t.kind == "video" else None,
        sample_rate=cc.sample_rate if t.kind == "audio" else None,
        channels=cc.channels if t.kind == "audio" else None,
        config=hashlib.sha256(extradata).hexdigest()[:16] if extradata else "",
    )


def _seconds(pkt: Any) -> str:
    ts = pkt.pts if pkt.pts is not None else pkt.dts
    return "unknown time" if ts is None else f"{float(ts * pkt.time_base):.3f} s"


def _reason(exc: BaseException) -> str:
    msg = getattr(exc, "strerror", None) or str(exc)
    return str(msg).splitlines()[0] if msg else type(exc).__name__
