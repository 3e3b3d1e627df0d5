"""The Zoom client over real HTTP against the emulator, plus its pure retry policy.

Sleeping goes through the emulator's FakeClock: a test that waits a minute of Retry-After runs in
milliseconds, and the recorded sleeps are the evidence of what the client waited.
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
import requests

from zoomclub.clock import FakeClock
from zoomclub.emulator import Fault, Segment, ZoomEmulator
from zoomclub.errors import (
    InputError,
    RecordingNotReady,
    ZoomAuthError,
    ZoomBadResponse,
    ZoomNotFound,
    ZoomRateLimited,
    ZoomRequestError,
    ZoomServerError,
)
from zoomclub.zoom.client import ZoomClient
from zoomclub.zoom.retry import backoff_delay, is_idempotent, parse_retry_after

NOW = datetime(2026, 1, 7, 12, 0, tzinfo=UTC)


# -- pure: Retry-After and backoff -------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "seconds"),
    [
        ("30", 30.0),
        ("1.5", 1.5),
        ("-3", 0.0),
        ("Wed, 07 Jan 2026 12:01:00 GMT", 60.0),  # HTTP-date
        ("2026-01-07T12:02:00Z", 120.0),  # Zoom's daily-limit form
        ("2026-01-08T00:00:00", 43200.0),  # ISO without offset = UTC
        ("2026-01-07T13:30:00+01:00", 1800.0),
        ("2026-01-06T00:00:00Z", 0.0),  # already past
        ("soon", None),
        ("", None),
        (None, None),
        ("nan", None),
    ],
)
def test_parse_retry_after(header: str | None, seconds: float | None) -> None:
    assert parse_retry_after(header, NOW) == seconds


def test_backoff_is_capped_jittered_and_growing() -> None:
    rng = random.Random(7)
    for attempt in range(12):
        ceiling = min(60.0, 2.0**attempt)
        delays = [backoff_delay(attempt, rng) for _ in range(50)]
        assert all(ceiling / 2 <= d <= ceiling for d in delays)
        if attempt > 1:
            assert len(set(delays)) > 1  # jittered
    assert backoff_delay(10_000, rng) <= 60.0


def test_idempotent_methods() -> None:
    assert all(is_idempotent(m) for m in ("GET", "patch", "DELETE", "PUT"))
    assert not is_idempotent("POST")


# -- over HTTP against the emulator ------------------------------------------------------------


def make_client(emu: ZoomEmulator, **kw: Any) -> ZoomClient:
    opts: dict[str, Any] = {
        "account_id": emu.account_id,
        "client_id": emu.client_id,
        "client_secret": emu.client_secret,
        "api_url": emu.api_url,
        "oauth_url": emu.oauth_url,
        "timeout": 5.0,
        "max_retries": 3,
        "clock": emu.clock,
        "rng": random.Random(1),
    }
    opts.update(kw)
    return ZoomClient(**opts)


@pytest.fixture
def emu(zoom_emulator: ZoomEmulator) -> ZoomEmulator:
    return zoom_emulator


@pytest.fixture
def client(emu: ZoomEmulator) -> ZoomClient:
    return make_client(emu)


def clock_of(emu: ZoomEmulator) -> FakeClock:
    assert isinstance(emu.clock, FakeClock)
    return emu.clock


def api_requests(emu: ZoomEmulator) -> list[Any]:
    return [r for r in emu.requests if r.host == "api"]


def token_requests(emu: ZoomEmulator) -> list[Any]:
    return [r for r in emu.requests if r.host == "web" and r.path.endswith("/oauth/token")]


def weekly_body(emu: ZoomEmulator, topic: str = "Paper club") -> dict[str, Any]:
    start = clock_of(emu).now() + timedelta(days=2)
    return {
        "topic": topic,
        "type": 2,
        "start_time": start.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "timezone": "Europe/Berlin",
        "duration": 60,
        "agenda": "Week 1",
        "settings": {"auto_recording": "cloud", "join_before_host": True, "waiting_room": False},
    }


def add_recording(emu: ZoomEmulator, **kw: Any) -> Any:
    kw.setdefault("start_time", clock_of(emu).now() - timedelta(hours=3))
    kw.setdefault("segments", [Segment(0, 2, transcript=VTT)])
    return emu.add_recording(**kw)


VTT = "WEBVTT\n\n1\n00:00:00.500 --> 00:00:01.500\nAda Lovelace: Welcome.\n"


def test_token_form_body_basic_auth_and_cache(emu: ZoomEmulator, client: ZoomClient) -> None:
    client.get_user(emu.user_id)
    client.get_user(emu.user_email)
    (tok,) = token_requests(emu)
    assert tok.method == "POST"
    assert tok.headers.get("authorization", tok.headers.get("Authorization", "")).startswith(
        "Basic "
    )
    assert b"grant_type=account_credentials" in tok.body
    assert f"account_id={emu.account_id}".encode() in tok.body
    assert "account_id" not in tok.query and "grant_type" not in tok.query
    assert client.api_calls == 2


def test_token_renewed_before_expiry_without_a_401(emu: ZoomEmulator, client: ZoomClient) -> None:
    client.get_user(emu.user_id)
    clock_of(emu).advance(3599 - 60)  # inside the renewal margin
    client.get_user(emu.user_id)
    assert len(token_requests(emu)) == 2
    assert all(r.status == 200 for r in api_requests(emu))


def test_token_expired_mid_run_refreshes_once(emu: ZoomEmulator, client: ZoomClient) -> None:
    client.get_user(emu.user_id)
    emu.expire_tokens()
    user = client.get_user(emu.user_id)
    assert user["id"] == emu.user_id
    assert [r.status for r in api_requests(emu)] == [200, 401, 200]
    assert len(token_requests(emu)) == 2
    assert client.api_calls == 3


def test_second_401_is_fatal_with_zooms_message(emu: ZoomEmulator, client: ZoomClient) -> None:
    emu.inject(
        Fault(
            host="api", status=401, body={"code": 124, "message": "Invalid access token."}, times=2
        )
    )
    with pytest.raises(ZoomAuthError, match="Invalid access token") as ei:
        client.get_user(emu.user_id)
    assert ei.value.status == 401 and ei.value.code == 124
    assert len(token_requests(emu)) == 2


def test_wrong_secret_is_an_auth_error_with_zooms_reason(emu: ZoomEmulator) -> None:
    bad = make_client(emu, client_secret="wrong")
    with pytest.raises(ZoomAuthError, match="Invalid client_id or client_secret") as ei:
        bad.get_user(emu.user_id)
    assert ei.value.code == "invalid_client" and ei.value.status == 400
    assert "wrong" not in str(ei.value) and "\n" not in str(ei.value)
    assert not api_requests(emu)


def test_token_endpoint_5xx_is_retried(emu: ZoomEmulator, client: ZoomClient) -> None:
    emu.inject(Fault(host="web", path="/oauth/token", status=503, body=b"busy"))
    assert client.get_token()
    assert len(clock_of(emu).sleeps) == 1


def _retry_after_forms(now: datetime) -> list[tuple[str | None, float | None]]:
    soon = now + timedelta(seconds=42)
    return [
        ("7", 7.0),
        (soon.strftime("%a, %d %b %Y %H:%M:%S GMT"), 42.0),
        (soon.strftime("%Y-%m-%dT%H:%M:%SZ"), 42.0),
        (None, None),
    ]


@pytest.mark.parametrize("form", range(4))
def test_429_honours_each_retry_after_form(
    emu: ZoomEmulator, client: ZoomClient, form: int
) -> None:
    clock = clock_of(emu)
    header, expected = _retry_after_forms(clock.now())[form]
    headers = {"X-RateLimit-Type": "QPS"} | ({"Retry-After": header} if header else {})
    emu.inject(
        Fault(
            host="api",
            path="/users/",
            status=429,
            headers=headers,
            body={"code": 429, "message": "You have reached the maximum per-second rate limit"},
        )
    )
    client.get_user(emu.user_id)
    (slept,) = clock.sleeps
    if expected is None:
        assert 0.5 <= slept <= 1.0  # first backoff step, jittered
    else:
        assert slept == pytest.approx(expected, abs=1.0)
    assert [r.status for r in api_requests(emu)] == [429, 200]


def test_429_that_keeps_coming_raises_rate_limited(emu: ZoomEmulator, client: ZoomClient) -> None:
    emu.inject(Fault(host="api", status=429, headers={"Retry-After": "2"}, times=10))
    with pytest.raises(ZoomRateLimited) as ei:
        client.get_user(emu.user_id)
    assert ei.value.retry_after == 2.0 and ei.value.retryable
    assert clock_of(emu).sleeps == [2.0, 2.0, 2.0]
    assert len(api_requests(emu)) == 4


def test_daily_quota_429_is_not_slept_through(emu: ZoomEmulator, client: ZoomClient) -> None:
    tomorrow = (clock_of(emu).now() + timedelta(days=1)).strftime("%Y-%m-%dT00:00:00Z")
    emu.inject(
        Fault(
            host="api",
            method="POST",
            status=429,
            headers={"Retry-After": tomorrow, "X-RateLimit-Type": "Daily-limit"},
            body={"code": 429, "message": "You have exceeded the daily rate limit (100)"},
        )
    )
    with pytest.raises(ZoomRateLimited, match="daily rate limit") as ei:
        client.create_meeting(emu.user_id, weekly_body(emu))
    assert ei.value.retry_after is not None and ei.value.retry_after > 3600
    assert clock_of(emu).sleeps == []
    assert emu.meeting_ids() == []


def test_429_on_create_is_retried(emu: ZoomEmulator, client: ZoomClient) -> None:
    emu.inject(Fault(host="api", method="POST", status=429, headers={"Retry-After": "1"}))
    m = client.create_meeting(emu.user_id, weekly_body(emu))
    assert emu.meeting_ids() == [m.id]


def test_5xx_is_retried_for_get(emu: ZoomEmulator, client: ZoomClient) -> None:
    m = client.create_meeting(emu.user_id, weekly_body(emu))
    emu.inject(Fault(host="api", method="GET", status=503, body=b"<html>oops</html>", times=2))
    assert client.get_meeting(m.id).id == m.id
    assert len(clock_of(emu).sleeps) == 2


def test_5xx_on_create_is_not_retried(emu: ZoomEmulator, client: ZoomClient) -> None:
    emu.inject(Fault(host="api", method="POST", status=502, body={"code": 500, "message": "x"}))
    with pytest.raises(ZoomServerError) as ei:
        client.create_meeting(emu.user_id, weekly_body(emu))
    assert ei.value.status == 502 and ei.value.retryable
    assert [r.method for r in api_requests(emu)] == ["POST"]
    assert clock_of(emu).sleeps == []


def test_dropped_connection_retried_for_get_not_for_create(
    emu: ZoomEmulator, client: ZoomClient
) -> None:
    emu.inject(Fault(host="api", method="GET", drop_after_bytes=5))
    assert client.get_user(emu.user_id)["id"] == emu.user_id
    emu.inject(Fault(host="api", method="POST", drop_after_bytes=5))
    with pytest.raises(ZoomServerError, match="look it up"):
        client.create_meeting(emu.user_id, weekly_body(emu))
    assert len([r for r in api_requests(emu) if r.method == "POST"]) == 1


def test_timeout_is_retried_for_get(emu: ZoomEmulator) -> None:
    c = make_client(emu, timeout=0.3)
    c.get_token()
    emu.inject(Fault(host="api", method="GET", delay_s=1.0))
    assert c.get_user(emu.user_id)["id"] == emu.user_id
    assert len(clock_of(emu).sleeps) == 1


def test_5xx_exhausting_retries(emu: ZoomEmulator, client: ZoomClient) -> None:
    emu.inject(Fault(host="api", status=500, times=10))
    with pytest.raises(ZoomServerError, match="HTTP 500"):
        client.get_user(emu.user_id)
    assert len(api_requests(emu)) == 4


def test_malformed_json_and_html_are_bad_responses(emu: ZoomEmulator, client: ZoomClient) -> None:
    emu.inject(Fault(host="api", malformed_json=True))
    with pytest.raises(ZoomBadResponse, match="malformed JSON") as ei:
        client.get_user(emu.user_id)
    assert not ei.value.retryable and "\n" not in str(ei.value)
    emu.inject(
        Fault(
            host="api",
            status=200,
            body=b"<html><body>Sign in</body></html>",
            headers={"Content-Type": "text/html; charset=utf-8"},
        )
    )
    with pytest.raises(ZoomBadResponse, match="HTML"):
        client.get_user(emu.user_id)


def test_not_found_and_request_errors_carry_zoom_code(
    emu: ZoomEmulator, client: ZoomClient
) -> None:
    with pytest.raises(ZoomNotFound) as ei:
        client.get_meeting(98399082887)
    assert ei.value.code == 3001 and "Meeting does not exist" in str(ei.value)
    with pytest.raises(ZoomNotFound) as ei2:
        client.get_user("nobody@example.org")
    assert ei2.value.code == 1001
    with pytest.raises(ZoomRequestError) as ei3:
        client.create_meeting(emu.user_id, {"topic": "x" * 300})
    assert ei3.value.status == 400 and not ei3.value.retryable
    with pytest.raises(InputError):
        client.list_meetings(emu.user_id, type="bogus").__next__()
    assert "\n" not in str(ei.value)


def test_meeting_lifecycle(emu: ZoomEmulator, client: ZoomClient) -> None:
    body = weekly_body(emu)
    created = client.create_meeting(emu.user_id, body)
    assert created.id in emu.meeting_ids() and created.topic == "Paper club"
    assert created.join_url
    got = client.get_meeting(created.id)
    assert got.id == created.id and got.start_time == datetime.fromisoformat(body["start_time"])
    client.update_meeting(created.id, {"agenda": "Week 2: attention"})
    assert client.get_meeting(created.id).agenda == "Week 2: attention"
    assert emu.create_update_count() == 2
    client.delete_meeting(created.id)
    assert emu.meeting(created.id) is None
    with pytest.raises(ZoomNotFound):
        client.delete_meeting(created.id)


def test_delete_one_occurrence(emu: ZoomEmulator, client: ZoomClient) -> None:
    body = weekly_body(emu) | {
        "type": 8,
        "recurrence": {"type": 2, "repeat_interval": 1, "weekly_days": "5", "end_times": 3},
    }
    m = client.create_meeting(emu.user_id, body)
    assert len(m.occurrences) == 3
    occ = m.occurrences[1].occurrence_id
    client.delete_meeting(m.id, occurrence_id=occ)
    last = api_requests(emu)[-1]
    assert last.method == "DELETE" and last.query.get("occurrence_id") == occ
    assert emu.meeting(m.id) is not None


def test_delete_retried_after_lost_answer_is_done(emu: ZoomEmulator, client: ZoomClient) -> None:
    m = client.create_meeting(emu.user_id, weekly_body(emu))
    # The first DELETE is carried out but its answer is lost; the repeat finds nothing to delete.
    emu.inject(Fault(host="api", method="DELETE", drop_after_bytes=0))
    client.delete_meeting(m.id)
    assert emu.meeting(m.id) is None


def test_list_meetings_paginates(emu: ZoomEmulator, client: ZoomClient) -> None:
    ids = {client.create_meeting(emu.user_id, weekly_body(emu, f"club {i}")).id for i in range(5)}
    client.page_size = 2
    emu.clear_requests()
    listed = list(client.list_meetings(emu.user_id, type="upcoming"))
    assert {m.id for m in listed} == ids and len(listed) == 5
    pages = api_requests(emu)
    assert len(pages) == 3
    assert "next_page_token" not in pages[0].query and pages[1].query.get("next_page_token")


def test_get_recordings_by_number_and_by_uuid(emu: ZoomEmulator, client: ZoomClient) -> None:
    clock = clock_of(emu)
    first = add_recording(
        emu, uuid="/ajXp112QmuoKj4854875==", start_time=clock.now() - timedelta(days=7)
    )
    latest = add_recording(emu, meeting_id=first.meeting_id, uuid="Ab/c//d+e==")
    plain = add_recording(
        emu,
        meeting_id=first.meeting_id,
        uuid="aDYlohsHRtCd4ii1uC2+hA==",
        start_time=clock.now() - timedelta(days=14),
    )
    assert client.get_recordings(first.meeting_id).uuid == latest.uuid
    assert client.get_recordings(str(first.meeting_id)).uuid == latest.uuid
    for inst in (first, latest, plain):
        rs = client.get_recordings(inst.uuid)
        assert rs.uuid == inst.uuid and rs.id == first.meeting_id
        assert {f.file_type for f in rs.recording_files} >= {"MP4", "M4A", "TRANSCRIPT"}
        assert len(rs.segments()) == 1
    paths = [r.path for r in api_requests(emu)]
    assert any("%252FajXp112QmuoKj4854875%253D%253D" in p for p in paths)
    assert any("aDYlohsHRtCd4ii1uC2%2BhA%3D%3D" in p for p in paths)


def test_recording_not_ready_then_ready(emu: ZoomEmulator, client: ZoomClient) -> None:
    clock = clock_of(emu)
    inst = add_recording(
        emu,
        start_time=clock.now() - timedelta(minutes=30),
        ready_at=clock.now() + timedelta(minutes=30),
        transcript_ready_at=clock.now() + timedelta(hours=2),
    )
    with pytest.raises(RecordingNotReady) as ei:
        client.get_recordings(inst.meeting_id)
    assert ei.value.retryable and ei.value.code == 3301
    clock.advance(3600)
    types = {f.file_type for f in client.get_recordings(inst.uuid).recording_files}
    assert "MP4" in types and "TRANSCRIPT" not in types
    clock.advance(3600)
    types = {f.file_type for f in client.get_recordings(inst.uuid).recording_files}
    assert "TRANSCRIPT" in types
    with pytest.raises(ZoomNotFound) as ei2:
        client.get_recordings(12345678901)
    assert not isinstance(ei2.value, RecordingNotReady)


def test_list_recordings_in_month_windows_dedupes(emu: ZoomEmulator, client: ZoomClient) -> None:
    clock = clock_of(emu)
    today = clock.now().date()
    start = today - timedelta(days=95)
    made = []
    mid = None
    for days_ago in (90, 60, 31, 30, 29, 1):  # includes instances on window edges
        when = datetime.combine(today - timedelta(days=days_ago), datetime.min.time(), UTC)
        inst = add_recording(emu, meeting_id=mid, start_time=when + timedelta(hours=17))
        mid = inst.meeting_id
        made.append(inst.uuid)
    old = datetime.combine(start - timedelta(days=3), datetime.min.time(), UTC)
    add_recording(emu, meeting_id=mid, start_time=old)  # before the range
    emu.clear_requests()
    listed = [r.uuid for r in client.list_recordings(emu.user_id, start, today)]
    assert sorted(listed) == sorted(made) and len(listed) == len(set(listed))
    windows = [r.query for r in api_requests(emu)]
    assert windows[0]["from"] == start.isoformat() and windows[-1]["to"] == today.isoformat()
    for q in windows:
        span = date.fromisoformat(q["to"]) - date.fromisoformat(q["from"])
        assert timedelta(0) <= span < timedelta(days=30)
    with pytest.raises(InputError):
        next(client.list_recordings(emu.user_id, today, start))


def test_past_instances(emu: ZoomEmulator, client: ZoomClient) -> None:
    clock = clock_of(emu)
    a = add_recording(emu, start_time=clock.now() - timedelta(days=14))
    b = add_recording(emu, meeting_id=a.meeting_id, start_time=clock.now() - timedelta(days=7))
    got = client.past_instances(a.meeting_id)
    assert [p.uuid for p in got] == [a.uuid, b.uuid]
    with pytest.raises(ZoomNotFound):
        client.past_instances(12345678901)


def test_delete_recording_file_and_set(emu: ZoomEmulator, client: ZoomClient) -> None:
    inst = add_recording(emu, uuid="/x//y==")
    rs = client.get_recordings(inst.uuid)
    victim = next(f for f in rs.recording_files if f.file_type == "M4A")
    assert victim.id
    client.delete_recording_file(inst.uuid, victim.id)
    assert victim.id not in {f.id for f in client.get_recordings(inst.uuid).recording_files}
    assert api_requests(emu)[-2].query.get("action") == "trash"
    client.delete_recordings(inst.uuid, action="delete")
    assert api_requests(emu)[-1].query.get("action") == "delete"
    with pytest.raises(ZoomNotFound):
        client.get_recordings(inst.uuid)
    with pytest.raises(InputError):
        client.delete_recordings(inst.uuid, action="shred")


def test_secret_and_token_never_logged(
    emu: ZoomEmulator, client: ZoomClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level("DEBUG")
    emu.inject(Fault(host="api", status=503, times=1))
    client.get_user(emu.user_id)
    emu.expire_tokens()
    client.get_user(emu.user_id)
    token = client.get_token()
    text = caplog.text + repr(client)
    assert emu.client_secret not in text and token not in text
    assert "retry 1/3" in caplog.text


def test_unreachable_host_is_a_server_error_after_retries(emu: ZoomEmulator) -> None:
    import socket

    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    c = make_client(emu, oauth_url=f"http://127.0.0.1:{port}/oauth/token")
    with pytest.raises(ZoomServerError, match="token request lost the connection"):
        c.get_user(emu.user_id)
    assert len(clock_of(emu).sleeps) == 3


def test_token_endpoint_malformed_json(emu: ZoomEmulator, client: ZoomClient) -> None:
    emu.inject(Fault(host="web", path="/oauth/token", malformed_json=True))
    with pytest.raises(ZoomBadResponse, match="token request"):
        client.get_token()


def test_threads_share_one_token(emu: ZoomEmulator, client: ZoomClient) -> None:
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(4) as pool:
        users = list(pool.map(lambda _: client.get_user(emu.user_id), range(8)))
    assert all(u["id"] == emu.user_id for u in users)
    assert len(token_requests(emu)) == 1 and client.api_calls == 8


def test_user_agent_and_injected_session(emu: ZoomEmulator) -> None:
    make_client(emu).get_user(emu.user_id)
    own = requests.Session()
    own.headers["User-Agent"] = "custom/1"
    make_client(emu, session=own).get_user(emu.user_id)
    agents = [{k.lower(): v for k, v in r.headers.items()}["user-agent"] for r in api_requests(emu)]
    assert agents[0].startswith("zoomclub/") and agents[1] == "custom/1"
