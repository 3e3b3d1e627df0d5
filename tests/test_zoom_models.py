"""Models tolerate Zoom's variants (docs/zoom-api.md §3.2, §3.3, §5); UUIDs are encoded per Zoom's rule."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from urllib.parse import unquote

import pytest
from hypothesis import given
from hypothesis import strategies as st

from zoomclub.errors import InputError, WebhookError
from zoomclub.zoom.ids import encode_uuid, is_numeric_ref, meeting_ref_segment, user_segment
from zoomclub.zoom.models import (
    Meeting,
    MeetingSummary,
    PastInstance,
    RecordingFile,
    RecordingSet,
    WebhookEvent,
)

UUID = "Ab/c//d+e=="

REST_SET = {
    "uuid": UUID,
    "id": 81234567890,
    "account_id": "acct_1",
    "topic": "Paper club",
    "type": "8",  # REST schema says string
    "start_time": "2025-01-09T17:00:12Z",
    "duration": 61,
    "total_size": 156000000,
    "recording_count": 3,
    "share_url": "https://us05web.zoom.us/rec/share/Xy.Z",
    "some_future_field": {"x": 1},
    "recording_files": [
        {
            "id": "7c1e",
            "meeting_id": UUID,
            "recording_start": "2025-01-09T17:00:20Z",
            "recording_end": "2025-01-09T17:30:05Z",
            "file_type": "MP4",
            "file_extension": "MP4",
            "file_size": 150000000.0,  # REST: "number"
            "play_url": "https://us05web.zoom.us/rec/play/aa",
            "download_url": "https://us05web.zoom.us/rec/download/aa",
            "status": "completed",
            "recording_type": "shared_screen_with_speaker_view",
        },
        {
            "id": "9d2f",
            "meeting_id": UUID,
            "recording_start": "2025-01-09T17:00:20Z",
            "recording_end": "2025-01-09T17:30:05Z",
            "file_type": "M4A",
            "file_extension": "M4A",
            "file_size": 5900000,
            "download_url": "https://us05web.zoom.us/rec/download/bb",
            "status": "completed",
            "recording_type": "audio_only",
        },
        # second segment, listed first on purpose
        {
            "id": "0a3b",
            "meeting_id": UUID,
            "recording_start": "2025-01-09T17:40:00Z",
            "recording_end": "2025-01-09T18:01:05Z",
            "file_type": "TRANSCRIPT",
            "file_extension": "VTT",
            "file_size": 48211,
            "download_url": "https://us05web.zoom.us/rec/download/cc",
            "status": "completed",
            "recording_type": "audio_transcript",
        },
        # CC and TIMELINE per the doc rule: no id, status, file_size, recording_type
        {
            "meeting_id": UUID,
            "recording_start": "2025-01-09T17:40:00Z",
            "recording_end": "2025-01-09T18:01:05Z",
            "file_type": "CC",
            "file_extension": "VTT",
            "download_url": "https://us05web.zoom.us/rec/download/dd",
        },
        {"file_type": "TIMELINE", "download_url": "https://us05web.zoom.us/rec/download/ee"},
    ],
}


def test_rest_recording_set_with_variants() -> None:
    rs = RecordingSet.model_validate(REST_SET)
    assert rs.type == 8 and rs.id == 81234567890 and rs.uuid == UUID
    assert rs.start_time == datetime(2025, 1, 9, 17, 0, 12, tzinfo=UTC)
    mp4, _, vtt, cc, timeline = rs.recording_files
    assert mp4.file_size == 150000000 and isinstance(mp4.file_size, int)
    assert cc.id is None and cc.file_size is None and cc.status is None and cc.completed
    assert timeline.recording_start is None
    assert vtt.file_type == "TRANSCRIPT"
    assert rs.model_extra == {"some_future_field": {"x": 1}}
    # segments: grouped by recording_start, in time order; the unplaceable TIMELINE is left out
    segs = rs.segments()
    assert [[f.file_type for f in s] for s in segs] == [["MP4", "M4A"], ["TRANSCRIPT", "CC"]]
    assert not any(f.is_webhook_url for f in rs.recording_files)


def test_observed_timeline_entry_with_all_fields_and_webhook_url() -> None:
    f = RecordingFile.model_validate(
        {
            "id": "t1",
            "meeting_id": UUID,
            "recording_start": "2023-11-02T10:00:00Z",
            "recording_end": "2023-11-02T10:30:00Z",
            "file_type": "TIMELINE",
            "file_extension": "JSON",
            "file_size": 812,
            "status": "processing",
            "recording_type": "timeline",
            "download_url": "https://us06web.zoom.us/rec/webhook_download/aa/bb",
        }
    )
    assert f.is_webhook_url and f.file_size == 812 and not f.completed


def test_meeting_and_summary_accept_string_ids_and_empty_strings() -> None:
    m = Meeting.model_validate(
        {
            "id": "81234567890",
            "uuid": "p3Kd0wqvS5uW2b9kF1Yx4A==",
            "topic": "Paper club",
            "type": 8,
            "start_time": "",
            "timezone": "Europe/Berlin",
            "duration": 60,
            "join_url": "https://us05web.zoom.us/j/81234567890?pwd=Zm9v",
            "occurrences": [
                {"occurrence_id": 1736442000000, "start_time": "2025-01-09T17:00:00Z"},
            ],
            "settings": {"auto_recording": "cloud"},
        }
    )
    assert m.id == 81234567890 and m.start_time is None
    assert m.occurrences[0].occurrence_id == "1736442000000"
    s = MeetingSummary.model_validate({"id": 1, "type": "2", "start_time": "2025-01-09T17:00:00"})
    assert s.type == 2 and s.start_time == datetime(2025, 1, 9, 17, tzinfo=UTC)


def test_past_instance() -> None:
    p = PastInstance.model_validate({"uuid": UUID, "start_time": "2025-01-09T17:00:12Z"})
    assert p.uuid == UUID


def test_missing_required_field_fails() -> None:
    with pytest.raises(ValueError):
        RecordingSet.model_validate({"id": 1})


def _webhook(event: str = "recording.completed") -> dict[str, object]:
    obj = {
        **REST_SET,
        "type": 8,
        "recording_files": [
            {**REST_SET["recording_files"][0], "download_url": "https://x/rec/webhook_download/a/b"}  # type: ignore[index]
        ],
    }
    return {
        "event": event,
        "event_ts": 1736445900123,
        "download_token": "eyJhbGciOiJIUzUxMiJ9.e30.sig",
        "payload": {"account_id": "acct_1", "object": obj},
    }


def test_webhook_recording_set() -> None:
    ev = WebhookEvent.parse(json.dumps(_webhook()).encode())
    assert ev.is_recording_event and ev.download_token and ev.event_ts == 1736445900123
    rs = ev.recording_set()
    assert rs.id == 81234567890 and rs.recording_files[0].is_webhook_url


def test_meeting_ended_string_id_is_not_a_recording_event() -> None:
    ev = WebhookEvent.parse(
        {"event": "meeting.ended", "event_ts": 1, "payload": {"object": {"id": "81234567890"}}}
    )
    assert ev.object["id"] == "81234567890" and not ev.is_recording_event
    with pytest.raises(WebhookError):
        ev.recording_set()


@pytest.mark.parametrize(
    "raw", [b"not json", b"[1,2]", b'{"payload": {}}', b"\xff\xfe", b'{"event": "x", "payload": 3}']
)
def test_webhook_bad_bodies_are_webhook_errors(raw: bytes) -> None:
    with pytest.raises(WebhookError) as ei:
        WebhookEvent.parse(raw)
    assert ei.value.status == 400 and "\n" not in str(ei.value)


def test_webhook_recording_event_without_object() -> None:
    ev = WebhookEvent.parse({"event": "recording.completed", "payload": {"object": {"id": 1}}})
    with pytest.raises(WebhookError, match="uuid"):
        ev.recording_set()


# -- ids --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("uuid", "encoded"),
    [
        ("aDYlohsHRtCd4ii1uC2+hA==", "aDYlohsHRtCd4ii1uC2%2BhA%3D%3D"),
        ("/ajXp112QmuoKj4854875==", "%252FajXp112QmuoKj4854875%253D%253D"),  # Zoom's own example
        ("ab//cd==", "ab%252F%252Fcd%253D%253D"),
        ("ab/cd==", "ab%2Fcd%3D%3D"),
    ],
)
def test_encode_uuid(uuid: str, encoded: str) -> None:
    assert encode_uuid(uuid) == encoded


@given(
    st.text(
        alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=", min_size=1
    )
)
def test_encode_uuid_round_trips(uuid: str) -> None:
    enc = encode_uuid(uuid)
    assert "/" not in enc and "+" not in enc and "=" not in enc
    double = uuid.startswith("/") or "//" in uuid
    assert (unquote(unquote(enc)) if double else unquote(enc)) == uuid


def test_meeting_refs() -> None:
    assert meeting_ref_segment(81234567890) == "81234567890"
    assert meeting_ref_segment("81234567890") == "81234567890"
    assert meeting_ref_segment(UUID) == "Ab%252Fc%252F%252Fd%252Be%253D%253D"
    assert is_numeric_ref(5) and not is_numeric_ref(UUID) and not is_numeric_ref(True)
    assert user_segment("club@example.org") == "club@example.org"
    assert user_segment("a/b") == "a%2Fb"
    for bad in ("", 0, True):
        with pytest.raises(InputError):
            meeting_ref_segment(bad)  # type: ignore[arg-type]
    with pytest.raises(InputError):
        user_segment(" ")
