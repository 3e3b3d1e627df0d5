"""Pure archive planning: segment grouping, file choice, false starts, cut mapping; keys."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from zoomclub.archive import keys as K
from zoomclub.archive.plan import FileRef, map_cut, plan_segments

T0 = datetime(2026, 1, 7, 20, 0, 5, tzinfo=UTC)
PREF = ("shared_screen_with_speaker_view", "active_speaker", "gallery_view")


def ref(i: str, ftype: str, rtype: str | None, start_s: float, dur_s: float) -> FileRef:
    start = T0 + timedelta(seconds=start_s)
    return FileRef(i, ftype, rtype, start, start + timedelta(seconds=dur_s), 100, f"http://x/{i}")


def segment_files(prefix: str, start_s: float, dur_s: float) -> list[FileRef]:
    return [
        ref(prefix + "g", "MP4", "gallery_view", start_s, dur_s),
        ref(prefix + "a", "MP4", "active_speaker", start_s, dur_s),
        ref(prefix + "s", "MP4", "shared_screen_with_speaker_view", start_s, dur_s),
        ref(prefix + "m", "M4A", "audio_only", start_s, dur_s),
        ref(prefix + "t", "TRANSCRIPT", "audio_transcript", start_s, dur_s),
        ref(prefix + "c", "CHAT", "chat_file", start_s, dur_s),
        ref(prefix + "cc", "CC", None, start_s, dur_s),
        ref(prefix + "tl", "TIMELINE", "timeline", start_s, dur_s),
    ]


def test_one_segment_picks_preferred_video_audio_transcript_and_never_chat() -> None:
    plan = plan_segments(segment_files("1", 0, 2700), video_preference=PREF, min_segment_s=30)
    (seg,) = plan.kept
    assert seg.video and seg.video.id == "1s"
    assert seg.audio and seg.audio.id == "1m"
    assert seg.transcript and seg.transcript.id == "1t"
    assert seg.chat is None
    assert {f.file_type for f in seg.files()} == {"MP4", "M4A", "TRANSCRIPT"}


def test_chat_only_when_configured() -> None:
    plan = plan_segments(
        segment_files("1", 0, 2700), video_preference=PREF, min_segment_s=30, include_chat=True
    )
    assert plan.kept[0].chat is not None


def test_preference_falls_back_in_order() -> None:
    files = [f for f in segment_files("1", 0, 600) if f.id != "1s"]
    plan = plan_segments(files, video_preference=PREF, min_segment_s=30)
    assert plan.kept[0].video and plan.kept[0].video.id == "1a"


def test_segments_grouped_and_false_start_dropped() -> None:
    files = (
        segment_files("1", 0, 12) + segment_files("2", 60, 1500) + segment_files("3", 1600, 1400)
    )
    plan = plan_segments(files, video_preference=PREF, min_segment_s=30)
    assert [s.video.id for s in plan.kept if s.video] == ["2s", "3s"]
    assert [s.index for s in plan.kept] == [0, 1]
    assert len(plan.dropped) == 1 and "false start" in plan.dropped[0][1]


def test_single_short_recording_is_not_dropped() -> None:
    plan = plan_segments(segment_files("1", 0, 10), video_preference=PREF, min_segment_s=30)
    assert len(plan.kept) == 1


def test_missing_transcript_detected() -> None:
    files = [f for f in segment_files("1", 0, 600) if f.file_type != "TRANSCRIPT"]
    files += segment_files("2", 700, 600)
    plan = plan_segments(files, video_preference=PREF, min_segment_s=30)
    assert plan.missing_transcript


def test_map_cut() -> None:
    assert [(c.segment, c.end_s) for c in map_cut([100, 200, 50], None)] == [
        (0, None),
        (1, None),
        (2, None),
    ]
    # cut inside the second segment: third vanishes wholly
    assert [(c.segment, c.offset_s, c.end_s) for c in map_cut([100, 200, 50], 150)] == [
        (0, 0.0, None),
        (1, 100.0, 50.0),
    ]
    # cut exactly at a segment boundary: the later segments vanish, none is trimmed to zero
    assert [(c.segment, c.end_s) for c in map_cut([100, 200], 100)] == [(0, None)]
    assert [(c.segment, c.end_s) for c in map_cut([100, 200], 350)] == [(0, None), (1, None)]


@pytest.mark.parametrize(
    "title, slug",
    [
        ("Attention Is All You Need", "attention-is-all-you-need"),
        ("../../etc/passwd", "etc-passwd"),
        ("<script>alert(1)</script>", "script-alert-1-script"),
        ("Straße & Ærø: ünïcode", "strasse-aero-unicode"),
        ("注意力机制", "session"),
        ("", "session"),
        (None, "session"),
        ('a/b\\c:d*e?f"g<h>i|j\x00k', "a-b-c-d-e-f-g-h-i-j-k"),
    ],
)
def test_slugify_is_safe(title: str | None, slug: str) -> None:
    assert K.slugify(title) == slug


def test_slug_bounded_and_key_shape() -> None:
    s = K.slugify("word " * 100)
    assert len(s) <= K.MAX_SLUG and not s.endswith("-")
    key = K.session_key(
        datetime(2026, 1, 8, 3, 0, tzinfo=UTC), "X", ZoneInfo("America/Los_Angeles")
    )
    assert key == "2026-01-07-x"  # the club's local date, not UTC's
    assert K.is_session_key(key)
    assert K.session_key(T0, "X", ZoneInfo("UTC"), n=2).endswith("-2")
    with pytest.raises(ValueError):
        K.object_key("../x", "video.mp4")


def test_title_from_topic() -> None:
    assert K.title_from_topic("Paper Club: Attention", "Paper Club") == "Attention"
    assert K.title_from_topic("Weekly sync", "Paper Club") == "Weekly sync"
    assert K.title_from_topic(None, "Paper Club") is None
