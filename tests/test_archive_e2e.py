"""The archive pipeline end to end: real HTTP to the Zoom emulator, real media, real storage."""

from __future__ import annotations

import hashlib
import json
import logging
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.archive_helpers import (
    WHEN,
    later,
    qa_lines,
    read_json,
    record,
    run_cli,
    services_for,
    session,
    transcript,
)
from zoomclub.archive.outcome import BoundaryOverride
from zoomclub.archive.pipeline import archive_meeting
from zoomclub.archive.review import approve, list_held, reject
from zoomclub.emulator import Segment
from zoomclub.errors import InputError
from zoomclub.media import probe
from zoomclub.transcript.vtt import parse_vtt

KEY = "2026-01-07-attention-is-all-you-need"


@pytest.fixture(autouse=True)
def _after_the_session(zoom_emulator: Any) -> None:
    """The emulator's clock stands three hours after the session: Zoom has processed it."""
    zoom_emulator.clock.set(WHEN + timedelta(hours=3))


def _files(storage: Any, key: str = KEY) -> dict[str, bytes]:
    return {i.key: storage.get_bytes(i.key) for i in storage.list(f"sessions/{key}/")}


def _check_nothing_after(storage: Any, tmp_path: Path, cut: float) -> None:
    for name in ("video.mp4", "audio.m4a"):
        dest = tmp_path / f"check-{name}"
        storage.download_file(f"sessions/{KEY}/{name}", dest)
        assert probe(dest).end_s <= cut + 0.05, name
    cues = parse_vtt(storage.get_bytes(f"sessions/{KEY}/transcript.vtt")).cues
    assert cues and cues[-1].end_ms <= cut * 1000
    assert not {c.text for c in cues} & set(qa_lines())


def test_clean_session_is_archived_whole(zoom_emulator: Any, tmp_path: Path) -> None:
    clock = zoom_emulator.clock
    s = session(qa_s=0)
    inst = record(zoom_emulator, s.facilitation_s + 5, transcript(s))
    services = services_for(zoom_emulator, tmp_path, clock)
    (o,) = archive_meeting(services, inst.meeting_id)
    assert o.status == "archived", o
    assert o.session == KEY
    doc = read_json(services.storage, f"sessions/{KEY}/session.json")
    assert doc["meeting_uuid"] == inst.uuid and doc["meeting_id"] == inst.meeting_id
    assert doc["start_time"] == "2026-01-07T12:00:00-08:00"
    assert doc["paper"]["title"] == "Attention Is All You Need"
    assert {f["name"] for f in doc["files"]} == {"video.mp4", "audio.m4a", "transcript.vtt"}
    assert doc["boundary"]["source"] == "transcript"
    assert doc["boundary"]["facilitation_end_s"] is None
    assert abs(doc["published_duration_s"] - doc["original_duration_s"]) < 0.5
    for f in doc["files"]:
        info = services.storage.head(f"sessions/{KEY}/{f['name']}")
        assert info is not None and info.size == f["bytes"] and info.sha256 == f["sha256"]
    catalog = read_json(services.storage, "catalog.json")
    assert [c["key"] for c in catalog["sessions"]] == [KEY]
    # the work directory is cleaned after success
    assert not [p for p in (tmp_path / "work").iterdir() if p.is_dir()]


def test_recording_that_ran_into_qa_is_cut_before_it(zoom_emulator: Any, tmp_path: Path) -> None:
    s = session(qa_s=300, seed=2)
    inst = record(zoom_emulator, s.facilitation_s + s.qa_s + 5, transcript(s))
    services = services_for(zoom_emulator, tmp_path, zoom_emulator.clock)
    (o,) = archive_meeting(services, inst.uuid)
    assert o.status == "archived", o
    doc = read_json(services.storage, f"sessions/{KEY}/session.json")
    cut = doc["boundary"]["facilitation_end_s"]
    assert cut is not None and cut <= s.facilitation_s + 0.5
    assert doc["published_duration_s"] <= cut + 0.05
    _check_nothing_after(services.storage, tmp_path, cut)


def test_late_transcript_pending_then_archived(zoom_emulator: Any, tmp_path: Path) -> None:
    clock = zoom_emulator.clock
    s = session()
    inst = zoom_emulator.add_recording(
        topic="Test Club: Attention Is All You Need",
        start_time=WHEN,
        segments=[Segment(0, s.facilitation_s + 5, transcript=transcript(s))],
        transcript_ready_at=clock.now() + later(1),
    )
    services = services_for(zoom_emulator, tmp_path, clock)
    (o,) = archive_meeting(services, inst.uuid)
    assert o.status == "pending" and "transcript" in o.reason
    assert services.storage.head(f"sessions/{KEY}/session.json") is None
    assert not list(services.storage.list("sessions/"))
    clock.advance(2 * 3600)
    (o,) = archive_meeting(services, inst.uuid)
    assert o.status == "archived"


def test_transcript_that_never_comes_is_held(zoom_emulator: Any, tmp_path: Path) -> None:
    clock = zoom_emulator.clock
    s = session()
    inst = zoom_emulator.add_recording(
        topic="Test Club: Attention Is All You Need",
        start_time=clock.now() - later(1),
        segments=[Segment(0, s.facilitation_s + 5, transcript=transcript(s))],
        transcript_ready_at=clock.now() + later(1000),
    )
    services = services_for(zoom_emulator, tmp_path, clock, transcript_deadline_hours=24)
    uuid = inst.uuid
    assert archive_meeting(services, uuid)[0].status == "pending"
    clock.advance(25 * 3600)
    (o,) = archive_meeting(services, uuid)
    assert o.status == "held" and "never arrived" in o.reason
    assert not list(services.storage.list("sessions/"))
    held = list_held(services)
    assert [h["session"] for h in held] == [o.session]
    # an organizer can still publish it, without transcript, at a cut they choose
    out = approve(services, o.session or "", BoundaryOverride(120.0))
    assert out.status == "archived"
    doc = read_json(services.storage, f"sessions/{o.session}/session.json")
    assert doc["boundary"]["source"] == "organizer"
    assert "transcript.vtt" not in {f["name"] for f in doc["files"]}
    assert doc["published_duration_s"] <= 120.05


def test_two_segments_and_false_start_are_joined(zoom_emulator: Any, tmp_path: Path) -> None:
    s = session(qa_s=300, seed=4)
    from zoomclub.transcript.vtt import cut_cues, offset_cues, render_vtt

    cues = parse_vtt(transcript(s)).cues
    half = 1_500_000
    first = render_vtt(cut_cues(cues, half))
    second = render_vtt(offset_cues([c for c in cues if c.start_ms >= half], -half))
    length = s.facilitation_s + s.qa_s + 5
    inst = zoom_emulator.add_recording(
        topic="Test Club: Attention Is All You Need",
        start_time=WHEN,
        segments=[
            Segment(0, 8),
            Segment(30, half / 1000, transcript=first),
            Segment(30 + half / 1000 + 45, length - half / 1000, transcript=second),
        ],
    )
    services = services_for(zoom_emulator, tmp_path, zoom_emulator.clock)
    (o,) = archive_meeting(services, inst.uuid)
    assert o.status == "archived", o
    doc = read_json(services.storage, f"sessions/{KEY}/session.json")
    assert doc["segments"]["kept"] == 2 and len(doc["segments"]["dropped"]) == 1
    assert abs(doc["original_duration_s"] - length) < 1.0
    cut = doc["boundary"]["facilitation_end_s"]
    assert cut is not None and half / 1000 < cut <= s.facilitation_s + 0.5
    _check_nothing_after(services.storage, tmp_path, cut)
    # the transcript timeline continues across the join
    cues_out = parse_vtt(services.storage.get_bytes(f"sessions/{KEY}/transcript.vtt")).cues
    starts = [c.start_ms for c in cues_out]
    assert starts == sorted(starts) and max(starts) > half


def test_rerun_uploads_nothing_and_makes_few_calls(zoom_emulator: Any, tmp_path: Path) -> None:
    s = session(qa_s=300)
    inst = record(zoom_emulator, s.facilitation_s + s.qa_s, transcript(s))
    services = services_for(zoom_emulator, tmp_path, zoom_emulator.clock)
    zoom_emulator.clear_requests()
    assert archive_meeting(services, inst.uuid)[0].status == "archived"
    api = [r for r in zoom_emulator.requests if r.host == "api"]
    downloads = [r for r in zoom_emulator.requests if r.host == "web" and "/rec/" in r.path]
    assert len(api) <= 4 and len(downloads) == 3
    before = _files(services.storage)
    zoom_emulator.clear_requests()
    (o,) = archive_meeting(services, inst.uuid)
    assert o.status == "archived" and o.detail.get("unchanged")
    assert not [r for r in zoom_emulator.requests if r.host in ("web", "files")]
    assert _files(services.storage) == before


def test_lost_database_does_not_publish_twice(zoom_emulator: Any, tmp_path: Path) -> None:
    s = session()
    inst = record(zoom_emulator, s.facilitation_s + 5, transcript(s))
    services = services_for(zoom_emulator, tmp_path, zoom_emulator.clock)
    assert archive_meeting(services, inst.uuid)[0].status == "archived"
    before = _files(services.storage)
    services.close()
    (tmp_path / "zoomclub.db").unlink()
    services = services_for(zoom_emulator, tmp_path, zoom_emulator.clock)
    (o,) = archive_meeting(services, inst.uuid)
    assert o.status == "archived" and o.session == KEY and o.detail.get("unchanged")
    assert _files(services.storage) == before
    assert [c["key"] for c in read_json(services.storage, "catalog.json")["sessions"]] == [KEY]


def test_organizer_boundary_and_no_trim(zoom_emulator: Any, tmp_path: Path) -> None:
    s = session(qa_s=300)
    inst = record(zoom_emulator, s.facilitation_s + s.qa_s, transcript(s))
    services = services_for(zoom_emulator, tmp_path, zoom_emulator.clock)
    (o,) = archive_meeting(services, inst.uuid, override=BoundaryOverride(1000.0))
    assert o.status == "archived"
    doc = read_json(services.storage, f"sessions/{KEY}/session.json")
    assert doc["boundary"] == {
        "facilitation_end_s": 1000.0,
        "source": "organizer",
        "confidence": 1.0,
        "reason": "set by an organizer",
    }
    _check_nothing_after(services.storage, tmp_path, 1000.0)


def test_hostile_topic_cannot_change_keys(zoom_emulator: Any, tmp_path: Path) -> None:
    s = session()
    inst = zoom_emulator.add_recording(
        topic='Test Club: ../../<script>alert("x")</script>',
        start_time=WHEN,
        segments=[Segment(0, s.facilitation_s + 5, transcript=transcript(s))],
    )
    services = services_for(zoom_emulator, tmp_path, zoom_emulator.clock)
    (o,) = archive_meeting(services, inst.uuid)
    assert o.session == "2026-01-07-script-alert-x-script"
    archive = tmp_path / "archive"
    assert all(archive in p.resolve().parents for p in archive.rglob("*"))
    doc = json.loads((archive / "sessions" / o.session / "session.json").read_text())
    assert doc["topic"].startswith("Test Club: ../../<script>")


def test_review_reject_and_errors(zoom_emulator: Any, tmp_path: Path) -> None:
    services = services_for(zoom_emulator, tmp_path, zoom_emulator.clock)
    with pytest.raises(InputError):
        reject(services, "2026-01-07-nothing")


def test_archive_into_s3(
    zoom_emulator: Any, tmp_path: Path, s3_server: Any, caplog: pytest.LogCaptureFixture
) -> None:
    """The same pipeline into a real S3 server (moto, and rclone which checks SigV4)."""
    caplog.set_level(logging.INFO, logger="zoomclub.storage.s3")
    s = session(qa_s=300, seed=2)
    inst = record(zoom_emulator, s.facilitation_s + s.qa_s, transcript(s))
    bucket = s3_server.new_bucket()
    services = services_for(
        zoom_emulator,
        tmp_path,
        zoom_emulator.clock,
        archive_url=f"s3://{bucket}/club",
        s3_endpoint_url=s3_server.endpoint_url,
    )
    (o,) = archive_meeting(services, inst.uuid)
    assert o.status == "archived", o
    doc = read_json(services.storage, f"sessions/{KEY}/session.json")
    _check_nothing_after(services.storage, tmp_path, doc["boundary"]["facilitation_end_s"])
    head = s3_server.client.head_object(Bucket=bucket, Key=f"club/sessions/{KEY}/video.mp4")
    assert head["ContentType"] == "video/mp4"
    # The video went up while ffmpeg wrote it; what session.json records is what is stored.
    assert "video.mp4 while it is written" in caplog.text
    assert "changed after it was sent" not in caplog.text
    video = s3_server.client.get_object(Bucket=bucket, Key=f"club/sessions/{KEY}/video.mp4")
    data = video["Body"].read()
    (entry,) = [f for f in doc["files"] if f["name"] == "video.mp4"]
    assert (entry["bytes"], entry["sha256"]) == (len(data), hashlib.sha256(data).hexdigest())
    (again,) = archive_meeting(services, inst.uuid)
    assert again.detail.get("unchanged")


def _discussion_only() -> str:
    """A recording with no presentation at all: many voices, short turns. The detector cannot
    find where facilitation ends, so the session must be held, not guessed."""
    from zoomclub.transcript.vtt import Cue, render_vtt

    names = ["Ana", "Bo", "Chen", "Dara", "Eli"]
    cues = []
    t = 2000
    for i in range(700):
        cues.append(
            Cue(t, t + 3000, f"Point number {i} about the paper?", names[i % 5], str(i + 1))
        )
        t += 3800
    return render_vtt(cues)


def test_uncertain_cut_is_held_then_reviewed(zoom_emulator: Any, tmp_path: Path) -> None:
    inst = record(zoom_emulator, 2700, _discussion_only())
    services = services_for(zoom_emulator, tmp_path, zoom_emulator.clock)
    (o,) = archive_meeting(services, inst.uuid)
    assert o.status == "held", o
    assert not list(services.storage.list("sessions/"))  # held material is never published
    (again,) = archive_meeting(services, inst.uuid)  # a rerun does not publish it either
    assert again.status == "held" and not list(services.storage.list("sessions/"))
    (held,) = list_held(services)
    assert held["session"] == KEY and held["reason"] and held["evidence"]

    env = {"ZOOMCLUB_DATABASE_URL": services.settings.database_url}
    proc = run_cli(tmp_path, env, "review", "list", "--json")
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout.splitlines()[0])["session"] == KEY

    with pytest.raises(InputError):
        approve(services, KEY, None)  # no proposal: the organizer must say where
    out = approve(services, KEY, BoundaryOverride(600.0))
    assert out.status == "archived"
    doc = read_json(services.storage, f"sessions/{KEY}/session.json")
    assert doc["boundary"]["source"] == "organizer"
    _check_nothing_after(services.storage, tmp_path, 600.0)
    assert list_held(services) == []


def test_reject_discards_a_held_session(zoom_emulator: Any, tmp_path: Path) -> None:
    inst = record(zoom_emulator, 2700, _discussion_only())
    services = services_for(zoom_emulator, tmp_path, zoom_emulator.clock)
    assert archive_meeting(services, inst.uuid)[0].status == "held"
    reject(services, KEY)
    (o,) = archive_meeting(services, inst.uuid)
    assert o.status == "skipped" and "rejected" in o.reason
    assert not list(services.storage.list("sessions/"))
    with pytest.raises(InputError):
        reject(services, KEY)  # not held any more


def test_zoom_faults_during_an_archive_end_in_the_same_result(
    zoom_emulator: Any, tmp_path: Path
) -> None:
    """429 (each Retry-After form), 5xx, a dropped download and an expired token along the way:
    the archive ends archived and byte-identical to an undisturbed run."""
    from zoomclub.emulator import Fault

    s = session(qa_s=300, seed=2)
    inst = record(zoom_emulator, s.facilitation_s + s.qa_s, transcript(s))
    clean = services_for(zoom_emulator, tmp_path / "clean", zoom_emulator.clock)
    assert archive_meeting(clean, inst.uuid)[0].status == "archived"
    expected = _files(clean.storage)

    faulty = services_for(zoom_emulator, tmp_path / "faulty", zoom_emulator.clock)
    faulty.zoom.get_token()
    zoom_emulator.clear_requests()
    zoom_emulator.expire_tokens()  # the cached token is dead: refresh once and go on
    zoom_emulator.inject(
        Fault(host="api", path="/recordings", status=429, headers={"Retry-After": "2"})
    )
    zoom_emulator.inject(
        Fault(
            host="api",
            path="/recordings",
            status=429,
            headers={"Retry-After": "Wed, 07 Jan 2026 23:00:05 GMT"},
        )
    )
    zoom_emulator.inject(Fault(host="api", path="/recordings", status=429))  # no Retry-After
    zoom_emulator.inject(Fault(host="api", path="/recordings", status=503))
    zoom_emulator.inject(Fault(host="web", path="/rec/download/", status=502))
    zoom_emulator.inject(Fault(host="files", drop_after_bytes=3 * 2**20))  # mid video
    zoom_emulator.inject(
        Fault(host="files", status=429, headers={"Retry-After": "2026-01-07T23:00:09Z"})
    )
    (o,) = archive_meeting(faulty, inst.uuid)
    assert o.status == "archived", o
    got = _files(faulty.storage)
    assert got.keys() == expected.keys()
    for key in expected:
        if key.endswith("session.json"):
            continue
        assert got[key] == expected[key], key
    statuses = [r.status for r in zoom_emulator.requests]
    assert statuses.count(429) == 4 and 503 in statuses and 502 in statuses and 401 in statuses


def test_dry_run_prints_the_plan_and_writes_nothing(zoom_emulator: Any, tmp_path: Path) -> None:
    s = session(qa_s=300)
    inst = record(zoom_emulator, s.facilitation_s + s.qa_s, transcript(s))
    services = services_for(zoom_emulator, tmp_path, zoom_emulator.clock)
    (o,) = archive_meeting(services, inst.uuid, dry_run=True)
    assert o.status == "pending" and "dry run" in o.reason
    plan = o.detail["plan"]
    assert plan["destination"] == [
        f"sessions/{KEY}/video.mp4",
        f"sessions/{KEY}/audio.m4a",
        f"sessions/{KEY}/transcript.vtt",
        f"sessions/{KEY}/session.json",
    ]
    types = {f["type"] for seg in plan["segments"] for f in seg["files"]}
    assert types == {"MP4", "M4A", "TRANSCRIPT"}  # never the chat
    assert not (tmp_path / "archive").exists() or not list((tmp_path / "archive").rglob("*"))
    assert not [r for r in zoom_emulator.requests if r.host == "files"]  # nothing downloaded
    from zoomclub.archive.review import list_held

    assert list_held(services) == []
    (real,) = archive_meeting(services, inst.uuid)
    assert real.status == "archived" and real.session == KEY


def test_backfill_a_date_range_skips_other_meetings(zoom_emulator: Any, tmp_path: Path) -> None:
    from datetime import timedelta as td

    from zoomclub.archive.pipeline import archive_range

    s = session()
    week1 = record(zoom_emulator, s.facilitation_s + 5, transcript(s))
    zoom_emulator.add_recording(
        topic="Test Club: Attention Is All You Need",
        start_time=WHEN + td(weeks=1),
        segments=[Segment(0, s.facilitation_s + 5, transcript=transcript(s))],
    )
    zoom_emulator.add_recording(
        topic="1:1 with my manager",  # the host's private meeting: never archived by default
        start_time=WHEN + td(days=2),
        segments=[Segment(0, 600, transcript=transcript(s))],
    )
    zoom_emulator.clock.set(WHEN + td(weeks=1, hours=3))
    services = services_for(zoom_emulator, tmp_path, zoom_emulator.clock)
    outcomes = archive_range(services, WHEN.date() - td(days=1), (WHEN + td(weeks=1)).date())
    by_status = sorted((o.status, o.session or o.reason) for o in outcomes)
    assert [st for st, _ in by_status] == ["archived", "archived", "skipped"], by_status
    assert {o.session for o in outcomes if o.status == "archived"} == {
        KEY,
        "2026-01-14-attention-is-all-you-need",
    }
    assert any(o.meeting_uuid == week1.uuid for o in outcomes)
    catalog = read_json(services.storage, "catalog.json")
    assert [c["key"] for c in catalog["sessions"]] == [
        "2026-01-14-attention-is-all-you-need",
        KEY,
    ]


def test_unknown_meeting_is_pending_then_cli_reports_one_line(
    zoom_emulator: Any, tmp_path: Path
) -> None:
    services = services_for(zoom_emulator, tmp_path, zoom_emulator.clock)
    (o,) = archive_meeting(services, 81299999999)
    assert o.status == "pending" and "no recording" in o.reason  # Zoom: 404 3301
    env = {
        **zoom_emulator.env(),
        "ZOOMCLUB_DATABASE_URL": services.settings.database_url,
        "ZOOMCLUB_ARCHIVE__WORK_DIR": str(tmp_path / "work"),
    }
    proc = run_cli(tmp_path, env, "archive", "81299999999", "--json")
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["status"] == "pending"
    proc = run_cli(tmp_path, env, "archive", "--boundary", "99:99", "123")
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert proc.stderr.strip().count("\n") == 0 and "--boundary" in proc.stderr


def test_organizer_corrects_a_published_cut(zoom_emulator: Any, tmp_path: Path) -> None:
    s = session(qa_s=300, seed=2)
    inst = record(zoom_emulator, s.facilitation_s + s.qa_s, transcript(s))
    services = services_for(zoom_emulator, tmp_path, zoom_emulator.clock)
    assert archive_meeting(services, inst.uuid)[0].status == "archived"
    first = read_json(services.storage, f"sessions/{KEY}/session.json")
    assert first["boundary"]["source"] == "transcript"
    # The organizer wants it to end earlier (say, a member spoke during the last section).
    (o,) = archive_meeting(services, inst.uuid, override=BoundaryOverride(1800.0))
    assert o.status == "archived" and not o.detail.get("unchanged")
    doc = read_json(services.storage, f"sessions/{KEY}/session.json")
    assert doc["boundary"]["source"] == "organizer"
    assert doc["boundary"]["facilitation_end_s"] == 1800.0
    _check_nothing_after(services.storage, tmp_path, 1800.0)
    entry = read_json(services.storage, "catalog.json")["sessions"][0]
    assert entry["boundary"]["facilitation_end_s"] == 1800.0
    # the same correction again changes nothing
    (again,) = archive_meeting(services, inst.uuid, override=BoundaryOverride(1800.0))
    assert again.detail.get("unchanged")


def test_unreadable_transcript_is_held_not_failed(zoom_emulator: Any, tmp_path: Path) -> None:
    garbage = "WEBVTT\n\n1\n00:00:01.000 --> garbage\nAda: hello\n"
    inst = record(zoom_emulator, 2700, garbage)
    services = services_for(zoom_emulator, tmp_path, zoom_emulator.clock)
    (o,) = archive_meeting(services, inst.uuid)
    assert o.status == "held" and "cannot be read" in o.reason and "line" in o.reason
    assert not list(services.storage.list("sessions/"))
    out = approve(services, KEY, BoundaryOverride(1200.0))
    assert out.status == "archived"
    doc = read_json(services.storage, f"sessions/{KEY}/session.json")
    assert {f["name"] for f in doc["files"]} == {"video.mp4", "audio.m4a"}


def test_audio_only_recording(zoom_emulator: Any, tmp_path: Path) -> None:
    s = session(qa_s=300, seed=2)
    inst = zoom_emulator.add_recording(
        topic="Test Club: Attention Is All You Need",
        start_time=WHEN,
        segments=[Segment(0, s.facilitation_s + s.qa_s, transcript=transcript(s), video_types=())],
    )
    services = services_for(zoom_emulator, tmp_path, zoom_emulator.clock)
    (o,) = archive_meeting(services, inst.uuid)
    assert o.status == "archived", o
    doc = read_json(services.storage, f"sessions/{KEY}/session.json")
    assert {f["name"] for f in doc["files"]} == {"audio.m4a", "transcript.vtt"}
    cut = doc["boundary"]["facilitation_end_s"]
    dest = tmp_path / "a.m4a"
    services.storage.download_file(f"sessions/{KEY}/audio.m4a", dest)
    assert cut is not None and probe(dest).end_s <= cut + 0.05
    assert (tmp_path / "archive" / "sessions" / KEY / "index.html").is_file()  # the page renders


def test_two_instances_on_one_day_keep_their_keys_after_a_lost_database(
    zoom_emulator: Any, tmp_path: Path
) -> None:
    """The host ended the meeting and started it again: two instances, same date and title."""
    from datetime import timedelta as td

    s = session()
    first = record(zoom_emulator, s.facilitation_s + 5, transcript(s))
    second = zoom_emulator.add_recording(
        meeting_id=first.meeting_id,
        topic="Test Club: Attention Is All You Need",
        start_time=WHEN + td(minutes=70),
        segments=[Segment(0, s.facilitation_s + 5, transcript=transcript(s))],
    )
    services = services_for(zoom_emulator, tmp_path, zoom_emulator.clock)
    assert archive_meeting(services, first.uuid)[0].session == KEY
    assert archive_meeting(services, second.uuid)[0].session == f"{KEY}-2"
    before = _files(services.storage, f"{KEY}-2")
    services.close()
    (tmp_path / "zoomclub.db").unlink()
    services = services_for(zoom_emulator, tmp_path, zoom_emulator.clock)
    (o,) = archive_meeting(services, second.uuid)  # found by its marker, not given a new key
    assert o.session == f"{KEY}-2" and o.detail.get("unchanged")
    assert _files(services.storage, f"{KEY}-2") == before
    keys = [c["key"] for c in read_json(services.storage, "catalog.json")["sessions"]]
    assert sorted(keys) == [KEY, f"{KEY}-2"]
