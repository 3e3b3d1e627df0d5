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

Errors: empty input, a missing ``WEBVTT`` header, a timing line that cannot be read, a file with
no cues.
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from itertools import pairwise

import webvtt
from webvtt.errors import MalformedCaptionError, MalformedFileError

from zoomclub.errors import TranscriptError

log = logging.getLogger(__name__)

_TS = r"(?:\d{1,10}:)?\d{1,2}:\d{2}[.,]\d{1,3}"
_TIMING = re.compile(rf"^\s*({_TS})\s*-->\s*({_TS})(?:\s.*)?$")
_COMMA_TS = re.compile(r"(\d:\d{2}),(\d{1,3})\b")
_TS_PARTS = re.compile(r"(?:(\d+):)?(\d{1,2}):(\d{2})[.,](\d{1,3})")

# A "Name: " prefix: at most 5 words and 48 characters, no sentence punctuation or digits-only.
_PREFIX = re.compile(r"^([^:?!\n]{1,48}?):\s+(\S.*)$", re.DOTALL)
_MAX_NAME_WORDS = 5
# Words that introduce text rather than name a speaker ("Note: the paper says ...").
_LEAD_INS = frozenset(
    [
        "note",
        "notes",
        "question",
        "questions",
        "answer",
        "answers",
        "example",
        "examples",
        "step",
        "update",
        "warning",
        "caveat",
        "spoiler",
        "tldr",
        "tl;dr",
        "summary",
        "recap",
        "definition",
        "claim",
        "fact",
        "hint",
        "tip",
        "idea",
        "problem",
        "solution",
        "result",
        "results",
        "conclusion",
        "conclusions",
        "premise",
        "thesis",
        "quote",
        "aside",
        "edit",
        "ps",
        "p.s",
        "todo",
        "so",
        "ok",
        "okay",
        "well",
        "yes",
        "no",
        "also",
        "and",
        "but",
        "because",
        "however",
        "first",
        "second",
        "third",
        "finally",
        "next",
        "then",
        "now",
        "here",
        "there",
        "remember",
        "important",
        "key",
        "bonus",
        "reminder",
        "title",
        "abstract",
        "section",
        "figure",
        "table",
        "theorem",
        "lemma",
        "proof",
    ]
)
# Words that names (even "Zoom user", "iPhone de Ana") rarely contain but sentences do.
_FUNCTION_WORDS = frozenset(
    [
        "the",
        "is",
        "are",
        "was",
        "were",
        "a",
        "an",
        "this",
        "that",
        "these",
        "we",
        "i",
        "you",
        "it",
        "they",
        "my",
        "our",
        "what",
        "how",
        "why",
        "which",
    ]
)
_GENERIC = re.compile(
    r"\b(?:iphone|ipad|android|galaxy|pixel|samsung|huawei|xiaomi|zoom user|guest|user|"
    r"conference room|meeting room|room|macbook|laptop|desktop|phone|tablet|call-in)\b",
    re.IGNORECASE,
)
# In a file where most cues are labelled, a prefix is a speaker; in a mostly unlabelled file
# (closed captions) only a prefix that recurs this often is.
_LABELLED_SHARE = 0.5
_UNLABELLED_MIN_REPEATS = 3


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


def _name_like(prefix: str) -> bool:
    name = prefix.strip()
    words = name.split()
    return (
        0 < len(words) <= _MAX_NAME_WORDS
        and name.lower() not in _LEAD_INS
        and any(ch.isalpha() for ch in name)
        and name[0] not in "\"'([{-*#<"
        and not name.endswith((",", ";"))
    )


def _sentence_like(name: str) -> bool:
    return any(w in _FUNCTION_WORDS for w in name.lower().split())


def _split_speakers(texts: list[str]) -> list[tuple[str | None, str]]:
    splits: list[tuple[str, str] | None] = []
    for t in texts:
        m = _PREFIX.match(t)
        splits.append(
            (m.group(1).strip(), m.group(2).strip()) if m and _name_like(m.group(1)) else None
        )
    labelled = sum(1 for s in splits if s is not None)
    counts = Counter(s[0] for s in splits if s is not None)
    mostly_labelled = labelled >= _LABELLED_SHARE * len(texts)
    out: list[tuple[str | None, str]] = []
    for t, s in zip(texts, splits, strict=True):
        if s is None:
            out.append((None, t))
        elif counts[s[0]] >= _UNLABELLED_MIN_REPEATS or (
            mostly_labelled and (counts[s[0]] >= 2 or not _sentence_like(s[0]))
        ):
            out.append(s)
        else:
            out.append((None, t))
    return out


def is_generic_name(speaker: str | None) -> bool:
    """A display name that need not identify one person: a device, "Zoom user", a dial-in number."""
    if not speaker:
        return False
    return bool(_GENERIC.search(speaker)) or sum(ch.isdigit() for ch in speaker) >= 5


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

    speakers = _split_speakers([r[2] for r in raw])
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
