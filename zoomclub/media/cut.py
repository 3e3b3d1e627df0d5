"""trim and concat: ffmpeg stream copy (no re-encode), verified by reading the result's packets.

Both write to a temporary sibling of ``dest`` and rename it into place only after the result has
been probed and checked, so ``dest`` is either absent/old or complete and verified.
"""

from __future__ import annotations

import logging
import math
import shutil
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Protocol

from zoomclub.errors import MediaError
from zoomclub.media.ffmpeg import atomic_output, run_ffmpeg
from zoomclub.media.info import MediaInfo, open_media, packets, probe, sample_tables, tracks
from zoomclub.media.plan import VERIFY_TOLERANCE_S, CutPlan, CutPlanner, Track, seconds_arg

log = logging.getLogger(__name__)

# Output options shared by trim and concat: copy every packet as is, move the index to the front
# so a browser can start playing before the download ends, keep tags but no chapters (a chapter
# list could name or time the part that was cut away).
_COPY = ["-c", "copy", "-map_metadata", "0", "-map_chapters", "-1"]
_FASTSTART = ["-movflags", "+faststart"]  # a second pass over the file: only for final results
# With an upload following the output (see Follower): the index goes in room reserved at the
# front instead, so everything after that room is written once, in order. The room is sized for
# the worst case per sample ffmpeg can write (stsz 4, stts 8, ctts 8, stss 4, sdtp 1, and a chunk
# of its own: stco/co64 8, stsc 12) plus the headers; unused room stays as a `free` box.
_MOOV_PER_SAMPLE = 45
_MOOV_FIXED = 64 * 1024
_HEAD_SLACK = 4096  # ftyp before the room, and the wide/mdat headers after it


class Follower(Protocol):
    """Something that reads a final output while ffmpeg writes it (an S3 upload: see
    :mod:`zoomclub.storage.s3_stream`). ``start`` says whether it follows this output;
    ``writer_done`` says ffmpeg exited, ``complete`` whether it wrote the whole file (which is
    then final, though not yet verified: the caller still accepts or cancels it)."""

    def start(self, path: Path, stable_from: int) -> bool: ...

    def writer_done(self, *, complete: bool = False) -> None: ...

    def cancel(self) -> None: ...


@dataclass(frozen=True)
class _Output:
    """How a final result (not a scratch part of a join) is written: ``durable`` fsyncs it,
    ``reserve_index`` and ``follower`` as in :func:`_write_final`."""

    durable: bool = True
    reserve_index: bool = False
    follower: Follower | None = None


def plan_trim(src: Path, end_s: float) -> tuple[list[Track], CutPlan, int]:
    """Plan the cut from ``src``'s packets up to the cut (not further); see :mod:`.plan`.

    The packets' timestamps come from the MP4 sample tables when they agree with the demuxer
    around the cut (:func:`~zoomclub.media.info.sample_tables`), else from demuxing.
    Returns the streams, the plan and the file's start time in microseconds.
    """
    with open_media(src) as container:
        wanted = tracks(container)
        if not wanted:
            raise MediaError(f"{src.name}: no audio or video stream")
        start_us = container.start_time
        tables = sample_tables(container, src, wanted, end_s)
    planner = CutPlanner(wanted, end_s)
    if tables is not None:
        for t in wanted:
            table = tables[t.index]
            planner.feed(t.index, table.pts, table.dts, table.duration)
    else:
        with open_media(src) as container:
            for p in packets(container, src, wanted):
                if planner.add(p):
                    break
    return wanted, planner.result(), int(start_us) if start_us is not None else 0


def trim(
    src: Path,
    dest: Path,
    end_s: float,
    *,
    durable: bool = True,
    reserve_index: bool = False,
    follower: Follower | None = None,
) -> MediaInfo:
    """Copy ``src`` to ``dest`` keeping only what is presented before ``end_s`` seconds.

    Stream copy, ``+faststart``, atomic. The result is probed packet by packet and rejected with
    :class:`MediaError` if any stream ends past ``end_s`` or the packets kept are not the ones
    planned; ``dest`` is then left as it was. ``durable=False`` skips the fsync, for a caller that
    never reuses ``dest`` from an earlier run (the archive cuts again on every run).
    ``reserve_index`` writes the index into room reserved at the front instead of moving it
    there afterwards (one pass instead of two; see ``_write_final``); only then can a
    ``follower`` read the output while it is written (see :class:`Follower`).
    """
    return _trim(Path(src), Path(dest), end_s, _Output(durable, reserve_index, follower))


def _trim(src: Path, dest: Path, end_s: float, out: _Output | None) -> MediaInfo:
    """:func:`trim`; ``out=None`` (a scratch part of a join): no fsync, no index at the front."""
    if not (isinstance(end_s, int | float) and math.isfinite(end_s) and end_s > 0):
        raise MediaError(f"cannot cut {src.name} at {end_s!r}: the cut must be a positive time")
    wanted, plan, start_us = plan_trim(src, end_s)
    args = ["-copyts"]
    for t in wanted:
        cut = plan.streams[t.index]
        if cut.kept == 0:
            raise MediaError(
                f"{src.name}: a cut at {end_s:.3f} s leaves no {t.kind} at all; refusing to cut"
            )
        if cut.limit_us is not None:
            if cut.limit_us <= start_us:
                raise MediaError(f"{src.name}: a cut at {end_s:.3f} s is too close to the start")
            args += ["-t", seconds_arg(cut.limit_us - start_us)]
        args += ["-i", str(src)]  # one input per stream: each gets its own limit
    for i, t in enumerate(wanted):
        args += ["-map", f"{i}:{t.index}"]
        clip = plan.streams[t.index].clip_s
        if clip is not None:
            args += [f"-bsf:{i}", _clip_duration(clip)]
    args += _COPY
    what = f"cut {src.name} at {end_s:.3f} s"
    with atomic_output(dest, durable=out is not None and out.durable) as tmp:
        if out is not None:
            samples = sum(plan.streams[t.index].kept for t in wanted)
            _write_final(args, tmp, samples, what, out)
        else:
            run_ffmpeg([*args, "-y", str(tmp)], what)
        info = probe(tmp)
        _verify(
            info,
            src.name,
            end_s=end_s,
            kinds=[t.kind for t in wanted],
            packets=[plan.streams[t.index].kept for t in wanted],
        )
    log.info(
        "cut %s at %.3f s -> %s (ends %s)",
        src.name,
        end_s,
        dest.name,
        ", ".join(f"{s.kind} {s.end_s:.3f} s" for s in info.streams),
    )
    return info


def concat(
    parts: Sequence[tuple[Path, float | None]],
    dest: Path,
    *,
    durable: bool = True,
    reserve_index: bool = False,
    follower: Follower | None = None,
) -> MediaInfo:
    """Join ``parts`` in order by stream copy; each is first cut at its own end when not None.

    The parts must share stream layout and codec parameters (Zoom's segments of one meeting do);
    otherwise MediaError, since a stream copy cannot join them. The result is verified like a
    trim: its streams end within the summed part durations and hold exactly the parts' packets.
    ``durable``, ``reserve_index`` and ``follower`` as for :func:`trim`.
    """
    dest = Path(dest)
    out = _Output(durable, reserve_index, follower)
    if not parts:
        raise MediaError(f"nothing to join into {dest.name}")
    if len(parts) == 1 and parts[0][1] is not None:
        # The usual meeting: one segment, one cut. Cut straight into dest (half the writing).
        return _trim(Path(parts[0][0]), dest, parts[0][1], out)
    dest.parent.mkdir(parents=True, exist_ok=True)
    with _scratch_dir(dest) as work:
        pieces: list[tuple[Path, MediaInfo]] = []
        for i, (path, end_s) in enumerate(parts):
            path = Path(path)
            if end_s is None:
                pieces.append((path, probe(path)))
            else:
                piece = work / f"part{i}{path.suffix}"
                pieces.append((piece, _trim(path, piece, end_s, None)))
        first_path, first = pieces[0]
        for path, info in pieces[1:]:
            _check_joinable(first_path, first, path, info)
        listing = work / "parts.ffconcat"
        listing.write_text(_ffconcat(pieces), encoding="utf-8")
        total = float(sum(Fraction(f"{info.span_s:.6f}") for _, info in pieces))
        # -copyts keeps each part's own timeline (offset by the earlier parts' durations), with
        # the AAC priming packet still flagged as such; without it ffmpeg shifts everything later
        # to make that packet's negative timestamp non-negative, and the priming becomes audible.
        args = ["-copyts", "-f", "concat", "-safe", "0", "-i", str(listing)]
        for s in first.streams:
            args += ["-map", f"0:{s.index}"]
        packets = [sum(p.streams[k].packets for _, p in pieces) for k in range(len(first.streams))]
        with atomic_output(dest, durable=out.durable) as tmp:
            what = f"join {len(pieces)} parts"
            _write_final([*args, *_COPY], tmp, sum(packets), what, out)
            info = probe(tmp)
            _verify(
                info, dest.name, end_s=total, kinds=[s.kind for s in first.streams], packets=packets
            )
    log.info("joined %d parts -> %s (%.3f s)", len(pieces), dest.name, info.duration_s)
    return info


def _write_final(args: list[str], tmp: Path, samples: int, what: str, out: _Output) -> None:
    """Run ffmpeg for a final result, its index at the front either way.

    ``+faststart`` writes the index at the end and then rewrites the whole file to move it to
    the front. With ``reserve_index`` ffmpeg instead leaves room for it at the front and fills
    it in at the end: one pass, and everything after the room is written once, in order, so a
    follower can read it as it comes. If that fails (the room was too small, say) the follower
    is cancelled and the output is written again with ``+faststart``: a wrong estimate costs
    time, never the result. Which layout a file gets depends only on its input, so a run that
    resumes produces the same bytes as one that was never interrupted.
    """
    follower = out.follower
    if out.reserve_index:
        reserve = _MOOV_FIXED + samples * _MOOV_PER_SAMPLE
        if follower is not None and not follower.start(tmp, reserve + _HEAD_SLACK):
            follower = None  # it declined: nobody reads along
        complete = False
        try:
            run_ffmpeg([*args, "-moov_size", str(reserve), "-y", str(tmp)], what)
            complete = True
            return
        except MediaError as exc:
            if follower is not None:
                follower.cancel()
            log.warning("%s with room for the index failed (%s); trying +faststart", what, exc)
        finally:
            if follower is not None:
                follower.writer_done(complete=complete)
    run_ffmpeg([*args, *_FASTSTART, "-y", str(tmp)], what)


def _clip_duration(end: Fraction) -> str:
    """A ``setts`` filter shortening a packet shown past ``end`` to end there (in the MP4 the
    last sample's duration is the last packet's)."""
    e = seconds_arg(math.floor(end * 1_000_000))
    return f"setts=duration='if(gt((PTS+DURATION)*TB\\,{e})\\,floor({e}/TB)-PTS\\,DURATION)'"


@contextmanager
def _scratch_dir(dest: Path) -> Iterator[Path]:
    """A fixed scratch directory beside ``dest``: a run killed with -9 leaves one, the next reuses
    it (emptied first), and it is removed whatever happens."""
    work = dest.with_name(f".{dest.name}.parts")
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    try:
        yield work
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _ffconcat(pieces: list[tuple[Path, MediaInfo]]) -> str:
    lines = ["ffconcat version 1.0"]
    for path, info in pieces:
        quoted = str(path.resolve()).replace("'", "'\\''")
        lines.append(f"file '{quoted}'")
        # The next part starts where this one's packets end; say so rather than let the demuxer
        # trust a container header. (The demuxer shifts each part to start at its offset.)
        lines.append(f"duration {info.span_s:.6f}")
    return "\n".join(lines) + "\n"


def _check_joinable(a_path: Path, a: MediaInfo, b_path: Path, b: MediaInfo) -> None:
    layout_a = [(s.index, s.kind) for s in a.streams]
    layout_b = [(s.index, s.kind) for s in b.streams]
    if layout_a != layout_b:
        raise MediaError(
            f"cannot join {b_path.name} to {a_path.name}: different streams "
            f"({'+'.join(a.kinds())} vs {'+'.join(b.kinds())})"
        )
    for sa, sb in zip(a.streams, b.streams, strict=True):
        if not sa.compatible(sb):
            raise MediaError(
                f"cannot join {b_path.name} to {a_path.name} without re-encoding: the {sa.kind} "
                f"differs ({_describe(sa)} vs {_describe(sb)})"
            )


def _describe(s: object) -> str:
    fields = ("codec", "width", "height", "sample_rate", "channels", "config")
    return " ".join(str(getattr(s, f)) for f in fields if getattr(s, f) not in (None, ""))


def _verify(
    info: MediaInfo, name: str, *, end_s: float, kinds: list[str], packets: list[int]
) -> None:
    """The result must have the planned streams and packets, and nothing past ``end_s``."""
    if list(info.kinds()) != kinds:
        raise MediaError(
            f"{name}: result has streams {'+'.join(info.kinds())}, expected {'+'.join(kinds)}"
        )
    for s, want in zip(info.streams, packets, strict=True):
        if s.end_s > end_s + VERIFY_TOLERANCE_S:
            raise MediaError(
                f"{name}: the {s.kind} still ends at {s.end_s:.3f} s, past the cut at "
                f"{end_s:.3f} s; not keeping it"
            )
        if s.packets != want:
            raise MediaError(
                f"{name}: the {s.kind} has {s.packets} packets where {want} were planned; "
                "not keeping it"
            )
