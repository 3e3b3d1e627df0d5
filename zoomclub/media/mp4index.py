"""An MP4/M4A's sample tables (the index in its ``moov`` box), read without reading the samples.

Why: planning a cut and verifying its result need every packet's timestamps. Reading them through
the demuxer (PyAV) also reads every payload and makes a Python object per packet: about 10 s per
hour of recording on a 2-core machine. ffmpeg's MP4 demuxer takes those timestamps from these very
tables (``stts`` decode deltas, ``ctts`` composition offsets, shifted by the edit list), so reading
the tables gives the same numbers in a fraction of the time.

Scope: plain (not fragmented) ISO BMFF files whose tracks have at most one edit, at normal rate,
and no negative composition offsets: what Zoom and ffmpeg write. Anything else gives None and the
caller reads the packets through the demuxer. The caller also confirms the tables against the
demuxer where it matters (:func:`agrees`: the first packets, and the packets around the cut or at
the end), so a reading that differs from ffmpeg's in a way not foreseen here is never trusted: it
falls back to reading every packet.
"""

from __future__ import annotations

import struct
import sys
from array import array
from bisect import bisect_left
from collections.abc import Iterator
from dataclasses import dataclass
from fractions import Fraction
from itertools import accumulate
from pathlib import Path
from typing import Any

from zoomclub.media.plan import rescale

_CONTAINERS = frozenset({b"moov", b"trak", b"mdia", b"minf", b"stbl", b"edts"})
_WANTED = frozenset(
    {b"tkhd", b"mdhd", b"elst", b"stts", b"ctts", b"stsz", b"stsc", b"stco", b"co64"}
)
_MAX_MOOV = 256 << 20  # an index bigger than this is not a recording we know how to read
# Samples per track we expand into arrays (an hour of 30 fps video is 108,000; a day of 60 fps
# video plus audio is under 10 million). A damaged or hostile count beyond it must not make us
# allocate gigabytes: such a file is left to the demuxer.
_MAX_SAMPLES = 20_000_000


@dataclass(frozen=True)
class SampleTable:
    """One track's samples in decode order, timestamps as ffmpeg's demuxer gives them."""

    track_id: int
    timescale: int
    dts: array[int]
    pts: array[int]
    duration: array[int]
    data_end: int  # the furthest file offset any sample's bytes reach

    def __len__(self) -> int:
        return len(self.dts)

    def discard(self, i: int) -> bool:
        """Wholly before the edit's start (codec priming): demuxed but not presented."""
        return self.pts[i] + self.duration[i] <= 0

    def end(self) -> int:
        """The latest ``pts + duration`` of any sample (0 when there are none)."""
        return max(map(int.__add__, self.pts, self.duration), default=0)

    def start(self) -> int | None:
        """The earliest presented ``pts`` (None when nothing is presented)."""
        return min(
            (p for p, d in zip(self.pts, self.duration, strict=True) if p + d > 0), default=None
        )


def read_tables(path: Path) -> dict[int, SampleTable] | None:
    """The sample table of every track, by track id; None when the file is outside our scope."""
    try:
        with open(path, "rb") as f:
            moov = _find_moov(f)
    except OSError:
        return None
    if moov is None:
        return None
    try:
        tables = {}
        movie_scale = 0
        for kind, start, end in _boxes(moov, 0, len(moov)):
            if kind == b"mvhd":
                movie_scale = struct.unpack_from(
                    ">I", moov, start + (20 if moov[start] == 1 else 12)
                )[0]
            if kind == b"trak":
                t = _track(moov, start, end, movie_scale)
                if t is None:
                    return None
                tables[t.track_id] = t
        return tables or None
    except (struct.error, ValueError, IndexError, OverflowError):
        return None  # a malformed index: let the demuxer report it


def agrees(
    container: Any,
    stream: Any,
    table: SampleTable,
    at: int,
    until: int | None,
    *,
    first: int = 300,
) -> bool:
    """Whether the demuxer yields exactly the table's packets where it matters.

    Compared: the first ``first`` packets of ``stream``, and after seeking to ``at`` (ticks of the
    stream's time base) every packet from that keyframe on until one decoded after ``until`` or,
    when ``until`` is None, to the end of the file, which must then be the table's end too.
    """
    if not len(table):
        return False
    try:
        got = _read(container, stream, table.dts[0], first, None)
        if not got or not _run_matches(got, table, 0):
            return False
        if len(got) < first and len(got) != len(table):
            return False
        got = _read(container, stream, at, None, until)
        if not got:
            return False
        start = bisect_left(table.dts, got[0][0])
        if not _run_matches(got, table, start):
            return False
        return until is not None or start + len(got) == len(table)
    except Exception:  # any surprise means: do not trust the tables
        return False


def _read(
    container: Any, stream: Any, at: int, count: int | None, until: int | None
) -> list[tuple[int, int, int, bool]]:
    container.seek(at, stream=stream, backward=True, any_frame=False)
    out: list[tuple[int, int, int, bool]] = []
    for pkt in container.demux(stream):
        if pkt.size == 0 and pkt.pts is None and pkt.dts is None:
            break  # end of stream
        if pkt.is_corrupt:
            raise ValueError("corrupt packet")
        out.append((pkt.dts, pkt.pts, pkt.duration or 0, bool(pkt.is_discard)))
        if (count is not None and len(out) >= count) or (until is not None and pkt.dts > until):
            break
    return out


def _run_matches(got: list[tuple[int, int, int, bool]], table: SampleTable, first: int) -> bool:
    if first + len(got) > len(table):
        return False
    for k, (dts, pts, dur, discard) in enumerate(got):
        i = first + k
        if (dts, pts, dur, discard) != (
            table.dts[i],
            table.pts[i],
            table.duration[i],
            table.discard(i),
        ):
            return False
    return True


# --- parsing --------------------------------------------------------------------------------------


def _find_moov(f: Any) -> bytes | None:
    f.seek(0, 2)
    size = f.tell()
    pos = 0
    moov = None
    while pos + 8 <= size:
        f.seek(pos)
        head = f.read(16)
        box, kind = struct.unpack_from(">I4s", head)
        hdr = 8
        if box == 1:
            if len(head) < 16:
                return None
            box, hdr = struct.unpack_from(">Q", head, 8)[0], 16
        elif box == 0:
            box = size - pos
        if box < hdr or not kind.isalnum():
            return None  # not an ISO BMFF box structure
        if kind == b"moof":
            return None  # fragmented: timestamps live in each fragment
        if kind == b"moov":
            if moov is not None or box - hdr > _MAX_MOOV:
                return None
            f.seek(pos + hdr)
            moov = f.read(box - hdr)
            if len(moov) != box - hdr:
                return None
        pos += box
    return moov


def _boxes(buf: bytes, start: int, end: int) -> Iterator[tuple[bytes, int, int]]:
    i = start
    while i + 8 <= end:
        size, kind = struct.unpack_from(">I4s", buf, i)
        hdr = 8
        if size == 1:
            size, hdr = struct.unpack_from(">Q", buf, i + 8)[0], 16
        elif size == 0:
            size = end - i
        if size < hdr or i + size > end:
            raise ValueError("box overruns its parent")
        yield kind, i + hdr, i + size
        i += size


def _collect(buf: bytes, start: int, end: int, found: dict[bytes, tuple[int, int]]) -> bool:
    for kind, a, b in _boxes(buf, start, end):
        if kind in _CONTAINERS:
            if not _collect(buf, a, b, found):
                return False
        elif kind in _WANTED:
            if kind in found:
                return False  # two of a table we expect once: not a layout we know
            found[kind] = (a, b)
    return True


def _u32s(buf: bytes, start: int, n: int) -> array[int]:
    a = array("I")
    if a.itemsize != 4:  # pragma: no cover - every platform we run on
        a = array("L")
    a.frombytes(buf[start : start + 4 * n])
    if len(a) != n:
        raise ValueError("table shorter than its count")
    if sys.byteorder == "little":
        a.byteswap()
    return a


def _track(buf: bytes, start: int, end: int, movie_scale: int) -> SampleTable | None:
    box: dict[bytes, tuple[int, int]] = {}
    if not _collect(buf, start, end, box):
        return None
    if not {b"tkhd", b"mdhd", b"stts", b"stsz", b"stsc"} <= box.keys():
        return None
    if b"stco" not in box and b"co64" not in box:
        return None
    a = box[b"tkhd"][0]
    track_id = struct.unpack_from(">I", buf, a + (20 if buf[a] == 1 else 12))[0]
    a = box[b"mdhd"][0]
    timescale = struct.unpack_from(">I", buf, a + (20 if buf[a] == 1 else 12))[0]
    if timescale <= 0:
        return None

    shift = _edit_shift(buf, box.get(b"elst"), movie_scale, timescale)
    if shift is None:
        return None

    # sizes (and how many samples there are)
    a = box[b"stsz"][0]
    fixed, n = struct.unpack_from(">II", buf, a + 4)
    if n > _MAX_SAMPLES:
        return None
    sizes = _u32s(buf, a + 12, n) if fixed == 0 else None

    # decode times and durations
    a = box[b"stts"][0]
    pairs = _u32s(buf, a + 8, 2 * struct.unpack_from(">I", buf, a + 4)[0])
    if sum(pairs[0::2]) != n:
        return None  # checked before expanding: a damaged count could ask for billions
    dts: array[int] = array("q")
    duration: array[int] = array("q")
    t = shift
    for count, delta in zip(pairs[0::2], pairs[1::2], strict=True):
        if delta:
            dts.extend(range(t, t + count * delta, delta))
        else:
            dts.extend([t] * count)
        duration.extend([delta] * count)
        t += count * delta
    if len(dts) != n:
        return None

    # presentation times
    if b"ctts" in box:
        a = box[b"ctts"][0]
        pairs = _u32s(buf, a + 8, 2 * struct.unpack_from(">I", buf, a + 4)[0])
        if sum(pairs[0::2]) != n:
            return None
        offsets: list[int] = []
        for count, off in zip(pairs[0::2], pairs[1::2], strict=True):
            if off >= 1 << 31:
                return None  # negative composition offsets: ffmpeg shifts decode times then
            offsets.extend([off] * count)
        if len(offsets) != n:
            return None
        pts = array("q", map(int.__add__, dts, offsets))
    else:
        pts = array("q", dts)

    data_end = _data_end(buf, box, n, fixed, sizes)
    if data_end is None:
        return None
    return SampleTable(track_id, timescale, dts, pts, duration, data_end)


def _edit_shift(
    buf: bytes, elst: tuple[int, int] | None, movie_scale: int, timescale: int
) -> int | None:
    """What the edit list adds to the track's own times, in its timescale.

    Understood: empty edits (a delayed start, in the movie's timescale) followed by one plain edit
    starting at ``media_time``; anything else (several pieces, other rates) gives None.
    """
    if elst is None:
        return 0
    a = elst[0]
    version, count = buf[a], struct.unpack_from(">I", buf, a + 4)[0]
    fmt = ">QqhH" if version == 1 else ">IihH"
    size = struct.calcsize(fmt)
    delay = 0
    for k in range(count):
        duration, media_time, rate, rate_frac = struct.unpack_from(fmt, buf, a + 8 + k * size)
        if media_time == -1 and k < count - 1:
            delay += duration
            continue
        if k != count - 1 or media_time < 0 or rate != 1 or rate_frac != 0:
            return None
        if delay and movie_scale <= 0:
            return None
        offset = rescale(delay, Fraction(timescale, movie_scale)) if delay else 0
        return offset - int(media_time)
    return 0


def _data_end(
    buf: bytes, box: dict[bytes, tuple[int, int]], n: int, fixed: int, sizes: array[int] | None
) -> int | None:
    """The furthest byte any sample occupies, from the chunk offsets and samples per chunk."""
    if b"co64" in box:
        a = box[b"co64"][0]
        count = struct.unpack_from(">I", buf, a + 4)[0]
        chunk_offsets: Any = struct.unpack_from(f">{count}Q", buf, a + 8)
    else:
        a = box[b"stco"][0]
        chunk_offsets = _u32s(buf, a + 8, struct.unpack_from(">I", buf, a + 4)[0])
    a = box[b"stsc"][0]
    runs = _u32s(buf, a + 8, 3 * struct.unpack_from(">I", buf, a + 4)[0])
    firsts, per_chunk = runs[0::3], runs[1::3]
    # bytes before each sample: one cumulative pass, then each chunk's size is a subtraction
    before = array("q", [0])
    if sizes is not None:
        before.extend(accumulate(sizes))
    end = 0
    s = 0
    chunks = len(chunk_offsets)
    if chunks > n:
        return None  # every chunk holds at least one sample
    for r, (first, per) in enumerate(zip(firsts, per_chunk, strict=True)):
        last = firsts[r + 1] - 1 if r + 1 < len(firsts) else chunks
        if first < 1 or last > chunks or last < first - 1 or per < 1:
            return None
        if s + per * (last - first + 1) > n:
            return None
        count = last - first + 1
        if per == 1 and sizes is not None and count > 0:  # one sample per chunk: no sums needed
            end = max(
                end, max(map(int.__add__, chunk_offsets[first - 1 : last], sizes[s : s + count]))
            )
            s += count
            continue
        for c in range(first - 1, last):
            size = per * fixed if sizes is None else before[s + per] - before[s]
            end = max(end, chunk_offsets[c] + size)
            s += per
    if s != n:
        return None  # samples and chunks disagree: not a table we would trust
    return end
