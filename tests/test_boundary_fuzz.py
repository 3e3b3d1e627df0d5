"""Fuzzing the parser and the detector: only our own error type escapes, and every cut lies within
the recording."""

from __future__ import annotations

import contextlib
import math

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from zoomclub.errors import InputError, TranscriptError
from zoomclub.transcript.boundary import detect_boundary
from zoomclub.transcript.vtt import Cue, parse_vtt, render_vtt

FUZZ = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])

SPEAKERS = [
    None,
    "Ada",
    "Bo Chen",
    "iPhone",
    "Zoom user",
    "李明",
    "Dr. Jane Doe",
    "Note",
    "a b c d e f",
]
TEXTS = [
    "The main claim is that the retriever matters.",
    "Any questions so far?",
    "No? OK, let's keep going.",
    "OK, moving on to the next question.",
    "Let's open it up for questions.",
    "That's all I have, thanks for listening!",
    "I'll stop the recording now.",
    "Hmm.",
    "Note: the paper says so.",
    "Why not just use BM25?",
    "",
    "a --> b",
    "Ünïcödé: ✓",
]
TIMES = st.one_of(
    st.sampled_from(["00:00:01.000", "00:00:01,500", "1:02.5", "00:61:00.000", "99:59:59.999"]),
    st.from_regex(r"\A[0-9:.,]{1,14}\Z"),
)


@st.composite
def vtt_documents(draw: st.DrawFn) -> str:
    lines = [draw(st.sampled_from(["WEBVTT", "WEBVTT - Zoom", "\ufeffWEBVTT", "WEBVT", ""]))]
    for n in range(draw(st.integers(0, 12))):
        lines.append("")
        if draw(st.booleans()):
            lines.append(str(n + 1))
        lines.append(f"{draw(TIMES)} {draw(st.sampled_from(['-->', '->', '--> ']))} {draw(TIMES)}")
        for _ in range(draw(st.integers(0, 2))):
            speaker = draw(st.sampled_from(SPEAKERS))
            text = draw(st.one_of(st.sampled_from(TEXTS), st.text(max_size=30)))
            lines.append(f"{speaker}: {text}" if speaker else text)
    sep = draw(st.sampled_from(["\n", "\r\n", "\r"]))
    return sep.join(lines)


@FUZZ
@given(st.one_of(st.binary(max_size=400), st.text(max_size=400), vtt_documents()))
def test_parse_raises_only_transcript_error(data: bytes | str) -> None:
    try:
        t = parse_vtt(data)
    except TranscriptError as exc:
        assert str(exc) and "\n" not in str(exc)
        return
    assert t.cues
    assert all(0 <= c.start_ms <= c.end_ms and c.text for c in t.cues)
    assert all(a.start_ms <= b.start_ms for a, b in zip(t.cues, t.cues[1:], strict=False))


@FUZZ
@given(vtt_documents(), st.sampled_from(["latin-1", "utf-8", "utf-16"]))
def test_parse_bytes_in_any_encoding(doc: str, encoding: str) -> None:
    with contextlib.suppress(TranscriptError):
        parse_vtt(doc.encode(encoding, errors="replace"))


@st.composite
def sessions(draw: st.DrawFn) -> list[Cue]:
    """Blocks of cues by one speaker: long monologues, quick exchanges, silences, odd cues."""
    cues: list[Cue] = []
    t = draw(st.integers(0, 5000))
    for _ in range(draw(st.integers(0, 12))):
        speaker = draw(st.sampled_from(SPEAKERS))
        for _ in range(draw(st.sampled_from([1, 2, 5, 40]))):
            length = draw(st.integers(0, 16_000))
            text = draw(st.sampled_from(TEXTS))
            cues.append(Cue(t, t + length, text, speaker))
            t += length + draw(st.sampled_from([0, 300, 5_000, 200_000]))
        if draw(st.booleans()):  # an overlapping or backwards cue
            cues.append(Cue(t, max(0, t - draw(st.integers(0, 9000))), "odd", speaker))
    return cues


@FUZZ
@given(
    sessions(),
    st.one_of(
        st.floats(min_value=1, max_value=200),
        st.sampled_from([0.0, -5.0, math.nan, math.inf, 10_000.0]),
    ),
    st.one_of(
        st.none(), st.floats(min_value=0, max_value=20_000), st.sampled_from([-1.0, math.nan])
    ),
    st.lists(st.tuples(st.floats(0, 10_000), st.floats(0, 10_000)), max_size=3),
)
def test_detector_never_crashes_and_stays_within_the_recording(
    cues: list[Cue],
    minutes: float,
    duration: float | None,
    segments: list[tuple[float, float]],
) -> None:
    try:
        d = detect_boundary(
            cues,
            facilitation_minutes=minutes,
            recording_duration_s=duration,
            segment_bounds_s=segments,
        )
    except InputError:
        assert not (0 < minutes < 10_000) or duration is not None
        return
    rec_end = duration if duration is not None else max((c.end_ms for c in cues), default=0) / 1000
    if d.facilitation_end_s is not None:
        assert 0 <= d.facilitation_end_s <= rec_end
    assert 0 <= d.confidence <= 1
    assert isinstance(d.needs_review, bool) and d.reason
    assert set(d.to_json()) == {
        "facilitation_end",
        "needs_review",
        "confidence",
        "reason",
        "evidence",
    }


NAMES = st.sampled_from(["Ada Lovelace", "Bo", "José Ñúñez", "Dr. Jane Doe", "iPhone", "李明"])
WORDS = st.text(
    alphabet=st.characters(whitelist_categories=("L", "N"), whitelist_characters=" ,.?'"),
    min_size=1,
    max_size=40,
).filter(lambda s: s.strip() and ":" not in s)


@FUZZ
@given(
    st.lists(st.tuples(st.integers(0, 10**8), st.integers(0, 60_000), NAMES, WORDS), max_size=30)
)
def test_render_then_parse_round_trips(rows: list[tuple[int, int, str, str]]) -> None:
    cues = sorted(
        (
            Cue(start, start + length, " ".join(text.split()), name)
            for start, length, name, text in rows
        ),
        key=lambda c: c.start_ms,
    )
    if not cues:
        return
    back = parse_vtt(render_vtt(cues)).cues
    assert [(c.start_ms, c.end_ms, c.speaker, c.text) for c in back] == [
        (c.start_ms, c.end_ms, c.speaker, c.text) for c in cues
    ]
