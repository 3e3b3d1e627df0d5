"""Read, write, cut and shift Zoom transcripts (WebVTT).

Zoom's audio transcript (``audio_transcript``) has numeric cue ids, ``HH:MM:SS.mmm`` timings and one
text line ``Speaker Name: utterance``; some cues carry no speaker. Closed-caption files (``CC``) have
no ids, no speakers and whole-second timings. Times are kept in integer milliseconds throughout
(webvtt-py's ``start_in_seconds`` truncates to whole seconds).

webvtt-py does the block parsing. Around it we do our own checks, because webvtt-py silently drops
a cue it cannot read: a transcript that loses a Q&A line could let Q&A be published. So a cue that
cannot be read is an error (:class:`~zoomclub.errors.TranscriptError`, with its line number),
never a silent drop. These recoveries are applied and reported in ``Transcript.warnings``:

- a UTF-8 byte-order mark is removed; CRLF and CR line ends are read as LF;
- bytes that are not UTF-8 are decoded as cp1252 (a superset of printable latin-1);
- SRT-style comma timestamps (``00:00:01,500``) are read as ``00:00:01.500``;
- cues with no text are dropped;
- a cue that ends before it starts gets its end set to its start;
- out-of-order cues are re-sorted by start time (stable); overlapping cues are kept as they are.

How a "Name: " prefix is told from text is in :mod:`zoomclub.transcript.speakers`.

Errors: empty input, a missing ``WEBVTT`` header, a timing line that cannot be read, a file with
no cues.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from itertools import pairwise

import webvtt
from webvtt.errors import MalformedCaptionError, MalformedFileError

from zoomclub.errors import TranscriptError
from zoomclub.transcript.speakers import split_speakers

log = logging.getLogger(__name__)

_TS = r"(?:\d{1,10}:)?\d{1,2}:\d{2}[.,]\d{1,3}"
_TIMING = re.compile(rf"^\s*({_TS})\s*-->\s*({_TS})(?:\s.*)?$")
_COMMA_TS = re.compile(r"(\d:\d{2}),(\d{1,3})\b")
_TS_PARTS = re.compile(r"(?:(\d+):)?(\d{1,2}):(\d{2})[.,](\d{1,3})")


@dataclass(frozen=True)
class Cue:
    start_ms: int
    end_ms: int
    text: str  # the utterance without the "Name: " prefix
    speaker: str | None  # None when the cue has no "Name:" prefix (CC files, bare "Hmm.")
    ident: str | None = None


@dataclass
class Transcript:
    cues: list[Cue]
    warnings: list[str] = field(default_factory=list)  # documented recoveries applied


def _decode(data: bytes | str, warnings: list[str]) -> str:
    if isinstance(data, bytes):
        if data.startswith(b"\xef\xbb\xbf"):
            data = data[3:]
            warnings.append("removed a UTF-8 byte-order mark")
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            text = data.decode("cp1252", errors="replace")
            warnings.append("file is not UTF-8; decoded as cp1252/latin-1")
    else:
        text = data
    if text.startswith("\ufeff"):
        text = text[1:]
        if "removed a UTF-8 byte-order mark" not in warnings:
            warnings.append("removed a UTF-8 byte-order mark")
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text


def _ms(ts: str) -> int:
    m = _TS_PARTS.fullmatch(ts.strip())
    if m is None:  # pragma: no cover - guarded by _TIMING
        raise ValueError(ts)
    h, mi, s, frac = m.groups()
    return ((int(h or 0) * 60 + int(mi)) * 60 + int(s)) * 1000 + int(frac.ljust(3, "0"))


def _check_timings(lines: list[str], source: str, warnings: list[str]) -> list[int]:
    """Validate every timing line; return their 1-based line numbers. Fixes comma timestamps."""
    numbers: list[int] = []
    commas = 0
    for i, line in enumerate(lines):
        if "-->" not in line:
            continue
        m = _TIMING.match(line)
        if m is None:
            raise TranscriptError(f"{source}: cannot read cue timing {line.strip()[:60]!r}", i + 1)
        for ts in m.groups():
            _, mi, s, _ = _TS_PARTS.fullmatch(ts).groups()  # type: ignore[union-attr]
            if int(mi) > 59 or int(s) > 59:
                raise TranscriptError(f"{source}: impossible time {ts!r}", i + 1)
        if "," in m.group(1) or "," in m.group(2):
            lines[i] = _COMMA_TS.sub(r"\1.\2", line)
            commas += 1
        numbers.append(i + 1)
    if commas:
        warnings.append(f"read {commas} comma timestamp line(s) as decimal points")
    return numbers


def parse_vtt(data: bytes | str, *, source: str = "transcript") -> Transcript:
    """Parse a Zoom transcript or caption file; raise :class:`TranscriptError` if unreadable."""
    warnings: list[str] = []
    text = _decode(data, warnings)
    if not text.strip():
        raise TranscriptError(f"{source}: empty transcript")
    lines = text.split("\n")
    if not lines[0].startswith("WEBVTT"):
        raise TranscriptError(
            f"{source}: not a WebVTT file (first line must be 'WEBVTT', got {lines[0].strip()[:40]!r})",
            1,
        )
    timing_lines = _check_timings(lines, source, warnings)
    try:
        captions = webvtt.WebVTT.from_string("\n".join(lines)).captions
    except (MalformedFileError, MalformedCaptionError, ValueError) as exc:
        raise TranscriptError(f"{source}: not a readable WebVTT file: {exc}") from None
    if len(captions) != len(timing_lines):
        raise TranscriptError(
            f"{source}: {len(timing_lines) - len(captions)} cue(s) could not be read "
            "(a timing line with no cue block around it?)"
        )
    if not captions:
        raise TranscriptError(f"{source}: no cues in the file")

    raw: list[tuple[int, int, str, str | None, int]] = []
    empty = backwards = 0
    for cap, line_no in zip(captions, timing_lines, strict=True):
        body = " ".join(part.strip() for part in cap.text.split("\n") if part.strip())
        if not body:
            empty += 1
            continue
        start, end = cap.start_time.in_milliseconds(), cap.end_time.in_milliseconds()
        if end < start:
            backwards += 1
            log.debug("%s line %d: cue ends before it starts", source, line_no)
            end = start
        raw.append((start, end, body, cap.identifier, line_no))
    if empty:
        warnings.append(f"dropped {empty} cue(s) with no text")
    if backwards:
        warnings.append(f"{backwards} cue(s) ended before they started; end set to start")
    if not raw:
        raise TranscriptError(f"{source}: no cue has any text")
    if any(b[0] < a[0] for a, b in pairwise(raw)):
        raw.sort(key=lambda r: r[0])
        warnings.append("re-sorted out-of-order cues by start time")

    speakers = split_speakers([r[2] for r in raw])
    if all(s is None for s, _ in speakers):
        warnings.append("no speaker labels (closed-caption style)")
    cues = [
        Cue(start_ms=r[0], end_ms=r[1], text=body, speaker=speaker, ident=r[3])
        for r, (speaker, body) in zip(raw, speakers, strict=True)
    ]
    for w in warnings:
        log.info("%s: %s", source, w)
    return Transcript(cues=cues, warnings=warnings)


def format_ts(ms: int) -> str:
    """``HH:MM:SS.mmm`` (hours at least two digits)."""
    ms = max(0, int(ms))
    h, rest = divmod(ms, 3_600_000)
    m, rest = divmod(rest, 60_000)
    s, milli = divmod(rest, 1000)
    return f"{h:02d}:{m:02d}:{s:02d}.{milli:03d}"


def _one_line(text: str) -> str:
    return " ".join(text.split()).replace("-->", "->")


def render_vtt(cues: Sequence[Cue], *, with_ids: bool = True) -> str:
    """Write cues the way Zoom does: ``N``, timing line, ``Name: text``, blank line.

    Ids are renumbered 1..N. Text is written on one line; ``-->`` inside text becomes ``->`` so
    the output always reads back.
    """
    out = ["WEBVTT", ""]
    for n, cue in enumerate(cues, start=1):
        if with_ids:
            out.append(str(n))
        out.append(f"{format_ts(cue.start_ms)} --> {format_ts(cue.end_ms)}")
        body = _one_line(cue.text)
        out.append(f"{_one_line(cue.speaker)}: {body}" if cue.speaker else body)
        out.append("")
    return "\n".join(out)


def cut_cues(cues: Sequence[Cue], end_ms: int) -> list[Cue]:
    """Keep what is said before ``end_ms``: drop cues starting at/after it, clip a straddling one."""
    return [
        replace(c, end_ms=min(c.end_ms, end_ms)) if c.end_ms > end_ms else c
        for c in cues
        if c.start_ms < end_ms
    ]


def offset_cues(cues: Sequence[Cue], delta_ms: int) -> list[Cue]:
    """Shift cues by ``delta_ms``. Shifting earlier drops cues that end at/before 0 and clips
    a cue straddling 0 to start at 0."""
    out: list[Cue] = []
    for c in cues:
        start, end = c.start_ms + delta_ms, c.end_ms + delta_ms
        if end <= 0 and delta_ms < 0:
            continue
        out.append(replace(c, start_ms=max(0, start), end_ms=max(0, end)))
    return out
