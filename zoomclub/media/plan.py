"""Where to cut a stream copy: a pure function of the packets' timestamps.

ffmpeg cannot split a packet without re-encoding, so a cut keeps whole packets. Given ``-copyts``
and an *input* ``-t T``, ffmpeg's stream copy keeps exactly the packets whose decode timestamp
(in microseconds, rounded like ``av_rescale_q``) is below ``T + start``, ``start`` being the
input's start time. (An *output* ``-t`` would apply one limit to all streams; ``-to`` is the same
limit as an absolute position.) The input option lets each stream have its own limit: the file is
opened once per stream and each input maps one stream.

The limit for a stream comes from the rule we need - nothing presented at or after ``end_s``:

* a packet is *unsafe* when it presents content past ``end_s``: video ``pts + duration > end``;
  audio ``pts + 2 * duration > end``, because an MDCT codec frame (AAC, Opus) is coded from a window
  twice its length, so the last kept audio frame must not carry even a windowed trace of what
  follows (for AAC at 32 kHz that is 32 ms cut early, far less than a spoken word);
* a stream keeps the packets before its first unsafe packet in decode order. That prefix is
  always decodable (a B-frame's references are decoded before it), and because decode order is
  not presentation order it can stop before a few safe B-frames: video is cut early by up to one
  frame plus the reorder depth;
* exception: in a video stream without B-frames, the frame that straddles the cut was captured
  before it and is kept, with its duration shortened so it is shown only until the cut; in a
  variable frame rate recording of still slides one frame can last minutes, and dropping it would
  leave the previous slide on screen for that long;
* the limit is put halfway between the last kept and the first dropped decode timestamp, so a
  start time read slightly differently by ffmpeg than by PyAV cannot move the cut.

Naive ``ffmpeg -c copy -t END`` instead keeps every packet *decoded* before END: the last audio
frame runs past END and, with B-frames, reference frames shown after END are kept.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from itertools import compress, count, islice, repeat
from operator import add, gt, mul, ne

# Tolerance of the verification after a cut: timestamps only differ by rescaling between time
# bases (at worst half a tick of the output's timescale, far below 1 ms for MP4). A correct cut
# has no overshoot at all, so anything beyond this is real content past the cut.
VERIFY_TOLERANCE_S = 0.001


@dataclass(frozen=True)
class Track:
    index: int
    kind: str  # "video" | "audio"
    time_base: Fraction

    @property
    def lookahead(self) -> int:
        """Extra codec frames after a packet that its coded data may describe."""
        return 1 if self.kind == "audio" else 0


@dataclass(frozen=True, slots=True)
class Packet:
    stream: int
    pts: int
    dts: int
    duration: int
    discard: bool = False


@dataclass(frozen=True)
class StreamCut:
    kept: int  # packets kept (a prefix in decode order)
    end: Fraction  # seconds: end of the last kept packet
    limit_us: int | None  # keep packets with dts_us < limit_us; None keeps them all
    clip_s: Fraction | None = None  # the last kept frame's display must end here (see above)


@dataclass(frozen=True)
class CutPlan:
    streams: dict[int, StreamCut]  # by stream index

    @property
    def kept(self) -> dict[int, int]:
        return {i: c.kept for i, c in self.streams.items()}


def to_us(ts: int, time_base: Fraction) -> int:
    """``av_rescale_q(ts, time_base, 1/1000000)`` with AV_ROUND_NEAR_INF (halves away from 0)."""
    return rescale(ts, time_base * 1_000_000)


def rescale(ts: int, factor: Fraction) -> int:
    """``ts * factor`` rounded like libav's ``av_rescale`` (AV_ROUND_NEAR_INF: halves away from 0)."""
    x = ts * factor
    n, d = x.numerator, x.denominator
    q, r = divmod(abs(n), d)
    if 2 * r >= d:
        q += 1
    return q if n >= 0 else -q


def seconds_arg(us: int) -> str:
    """Microseconds as an exact ffmpeg duration argument."""
    sign = "-" if us < 0 else ""
    whole, frac = divmod(abs(us), 1_000_000)
    return f"{sign}{whole}.{frac:06d}"


class _StreamPlanner:
    # Per packet only integer work (this runs once per packet of an hour-long file): the cut is
    # turned into the last allowed tick of this stream's time base once, up front.
    def __init__(self, track: Track, end: Fraction) -> None:
        self.track = track
        self.max_tick = math.floor(end / track.time_base)  # x * tb <= end  <=>  x <= max_tick
        self.factor = 1 + track.lookahead
        self.kept = 0
        self.last_end: int | None = None
        self.last_dts: int | None = None
        self.limit_us: int | None = None
        self.done = False
        self.reordered = False  # seen a packet shown at another time than it is decoded
        self.clipped = False

    def add(self, p: Packet) -> None:
        self.add_raw(p.pts, p.dts, p.duration)

    def add_raw(self, pts: int, dts: int, duration: int) -> None:
        """:meth:`add` without a Packet (the hot loop over an hour of packets)."""
        if self.done:
            return
        self.reordered = self.reordered or pts != dts
        if self.clipped or pts + duration * self.factor > self.max_tick:
            if not self.clipped and self._clippable(pts):
                self._keep(pts, dts, duration, clip=True)
                return
            self.done = True
            tb = self.track.time_base
            dts_us = to_us(dts, tb)
            last = dts_us - 1 if self.last_dts is None else to_us(self.last_dts, tb)
            self.limit_us = last + (dts_us - last + 1) // 2  # in (last, dts_us]
            return
        self._keep(pts, dts, duration, clip=False)

    def skip_safe(self, pts: Sequence[int], dts: Sequence[int], dur: Sequence[int]) -> int:
        """Keep, as :meth:`add_raw` would one by one, the leading packets that end before the cut;
        return how many. Only C-level iteration: an hour of packets takes milliseconds instead of
        a Python call per packet, on the path between the download and the cut's start."""
        if self.done or self.clipped or self.kept:
            return 0
        ends = map(add, pts, map(mul, dur, repeat(self.factor)))
        n = next(compress(count(), map(gt, ends, repeat(self.max_tick))), len(pts))
        if n == 0:
            return 0
        self.kept = n
        self.last_dts = dts[n - 1]
        self.last_end = max(map(add, islice(pts, n), islice(dur, n)))
        self.reordered = any(map(ne, islice(pts, n), islice(dts, n)))
        return n

    def _clippable(self, pts: int) -> bool:
        # A video frame captured before the cut but shown past it (a still slide in a variable
        # frame rate recording can last minutes) is kept and its display time ends at the cut.
        # Only without B-frames: then it is the last packet in decode order too, the one whose
        # duration the MP4 muxer writes; with reordering its duration is the next dts' delta.
        return self.track.kind == "video" and not self.reordered and pts < self.max_tick

    def _keep(self, pts: int, dts: int, duration: int, *, clip: bool) -> None:
        self.kept += 1
        self.last_dts = dts
        end = self.max_tick if clip else pts + duration
        self.clipped = self.clipped or clip
        if self.last_end is None or end > self.last_end:
            self.last_end = end

    def result(self) -> StreamCut:
        end = self.last_end * self.track.time_base if self.last_end is not None else Fraction(0)
        clip = self.max_tick * self.track.time_base if self.clipped else None
        return StreamCut(kept=self.kept, end=end, limit_us=self.limit_us, clip_s=clip)


class CutPlanner:
    """Feed packets in file order with :meth:`add` until it returns True (or the file ends).

    Only counters are kept per stream, so memory is flat however long the recording.
    """

    def __init__(self, tracks: list[Track], end_s: float) -> None:
        end = Fraction(end_s)
        self._s = {t.index: _StreamPlanner(t, end) for t in tracks}

    def add(self, p: Packet) -> bool:
        st = self._s.get(p.stream)
        if st is not None:
            st.add(p)
        return self.done

    @property
    def done(self) -> bool:
        return all(st.done for st in self._s.values())

    def feed(self, index: int, pts: Sequence[int], dts: Sequence[int], dur: Sequence[int]) -> None:
        """All of one stream's packets in decode order, as parallel sequences of ints (stops
        reading them once the stream's cut is found)."""
        if not len(pts) == len(dts) == len(dur):
            raise ValueError("feed() needs as many dts and durations as pts")
        st = self._s[index]
        start = st.skip_safe(pts, dts, dur)
        add_one = st.add_raw
        for p, d, n in zip(
            islice(pts, start, None),
            islice(dts, start, None),
            islice(dur, start, None),
            strict=True,
        ):
            add_one(p, d, n)
            if st.done:
                break

    def result(self) -> CutPlan:
        return CutPlan(streams={i: st.result() for i, st in self._s.items()})


def plan_cut(tracks: list[Track], packets: list[Packet], end_s: float) -> CutPlan:
    """The plan for ``packets`` (in file order) cut at ``end_s``; see the module docstring."""
    planner = CutPlanner(tracks, end_s)
    for p in packets:
        if planner.add(p):
            break
    return planner.result()
