"""The Zoom emulator behaves like Zoom (docs/zoom-api.md), driven with plain ``requests``."""

from __future__ import annotations

import json
import threading
import tracemalloc
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import quote

import av
import pytest
import requests

from zoomclub.clock import FakeClock
from zoomclub.emulator import (
    DOUBLE_ENCODE_UUID,
    INNER_SLASHES_UUID,
    Fault,
    Segment,
    ZoomEmulator,
    encrypted_token,
    webhook_signature,
)

VTT = "WEBVTT\n\n1\n00:00:01.250 --> 00:00:02.900\nAda Lovelace: Welcome back.\n\n2\n00:00:03.000 --> 00:00:03.500\nHmm.\n"


def token(emu: ZoomEmulator) -> str:
    r = requests.post(
        emu.oauth_url,
        auth=(emu.client_id, emu.client_secret),
        data={"grant_type": "account_credentials", "account_id": emu.account_id},
        timeout=5,
    )
    assert r.status_code == 200, r.text
    return str(r.json()["access_token"])


class Api:
    def __init__(self, emu: ZoomEmulator) -> None:
        self.emu = emu
        self.s = requests.Session()
        self.renew()

    def renew(self) -> None:
        self.s.headers["Authorization"] = f"Bearer {token(self.emu)}"

    def __call__(self, method: str, path: str, **kw: Any) -> requests.Response:
        return self.s.request(method, self.emu.api_url + path, timeout=10, **kw)


@pytest.fixture
def api(zoom_emulator: ZoomEmulator) -> Api:
    return Api(zoom_emulator)


def enc1(uuid: str) -> str:
    return quote(uuid, safe="")


def enc2(uuid: str) -> str:
    return quote(quote(uuid, safe=""), safe="")


def record(emu: ZoomEmulator, **kw: Any) -> Any:
    kw.setdefault("start_time", emu.clock.now() - timedelta(hours=3))
    kw.setdefault("segments", [Segment(0, 3, VTT)])
    return emu.add_recording(**kw)


# -- OAuth ------------------------------------------------------------------------------------------


def test_oauth_success_shape(zoom_emulator: ZoomEmulator) -> None:
    r = requests.post(
        zoom_emulator.oauth_url,
        auth=(zoom_emulator.client_id, zoom_emulator.client_secret),
        data={"grant_type": "account_credentials", "account_id": zoom_emulator.account_id},
    )
    body = r.json()
    assert r.status_code == 200
    assert body["token_type"] == "bearer" and body["expires_in"] == 3599
    assert set(body) == {"access_token", "token_type", "expires_in", "scope", "api_url"}
    assert body["access_token"].count(".") == 2
    assert zoom_emulator.requests[-1].headers["content-type"] == "application/x-www-form-urlencoded"


@pytest.mark.parametrize(
    ("auth", "kw", "error"),
    [
        (("nope", "bad"), {"data": {"grant_type": "account_credentials"}}, "invalid_client"),
        (None, {"data": {"grant_type": "account_credentials"}}, "invalid_client"),
        ("ok", {"json": {"grant_type": "account_credentials"}}, "unsupported_grant_type"),
        ("ok", {"params": {"grant_type": "account_credentials"}}, "unsupported_grant_type"),
        ("ok", {"data": {"grant_type": "client_credentials"}}, "unsupported_grant_type"),
    ],
)
def test_oauth_errors(
    zoom_emulator: ZoomEmulator, auth: Any, kw: dict[str, Any], error: str
) -> None:
    if auth == "ok":
        auth = (zoom_emulator.client_id, zoom_emulator.client_secret)
    for part in ("data", "params", "json"):
        if part in kw:
            kw[part] = {**kw[part], "account_id": zoom_emulator.account_id}
    r = requests.post(zoom_emulator.oauth_url, auth=auth, **kw)
    assert r.status_code == 400
    assert r.json()["error"] == error and r.json()["reason"]


def test_bearer_check_messages(zoom_emulator: ZoomEmulator) -> None:
    url = f"{zoom_emulator.api_url}/users/{zoom_emulator.user_id}"
    cases = [
        ({}, {}, "Requires an access token."),
        ({"Authorization": "Bearer forged"}, {}, "Invalid access token."),
        ({}, {"access_token": token(zoom_emulator)}, "not supported as query parameter string"),
    ]
    for headers, params, message in cases:
        r = requests.get(url, headers=headers, params=params)
        assert r.status_code == 401
        assert r.json()["code"] == 124 and message in r.json()["message"]


def test_token_lifetime_follows_the_emulator_clock() -> None:
    clock = FakeClock()
    with ZoomEmulator(clock=clock, token_ttl_s=60) as emu:
        api = Api(emu)
        assert api("GET", f"/users/{emu.user_id}").status_code == 200
        clock.advance(61)
        r = api("GET", f"/users/{emu.user_id}")
        assert (r.status_code, r.json()) == (
            401,
            {"code": 124, "message": "Access token is expired."},
        )


def test_expire_tokens_and_old_token_invalidation() -> None:
    with ZoomEmulator(clock=FakeClock(), invalidate_old_tokens=True) as emu:
        first = Api(emu)
        second = Api(emu)
        assert first("GET", f"/users/{emu.user_id}").json()["message"] == "Invalid access token."
        assert second("GET", f"/users/{emu.user_id}").status_code == 200
        emu.expire_tokens()
        assert (
            second("GET", f"/users/{emu.user_id}").json()["message"] == "Access token is expired."
        )
        assert Api(emu)("GET", f"/users/{emu.user_id}").status_code == 200


# -- users ----------------------------------------------------------------------------------------


def test_users(api: Api) -> None:
    emu = api.emu
    assert api("GET", f"/users/{emu.user_id}").json()["email"] == emu.user_email
    assert api("GET", f"/users/{emu.user_email.upper()}").json()["id"] == emu.user_id
    for who in ("me", "someone@example.org"):
        r = api("GET", f"/users/{who}")
        assert (r.status_code, r.json()) == (
            404,
            {"code": 1001, "message": f"User does not exist: {who}."},
        )
    assert api("GET", "/users/me/meetings").json()["code"] == 1001


# -- meetings -------------------------------------------------------------------------------------

WEEKLY = {
    "topic": "Paper club",
    "type": 8,
    "start_time": "2026-03-19T18:00:00",
    "timezone": "Europe/Berlin",
    "duration": 60,
    "agenda": "Week 1",
    "recurrence": {"type": 2, "repeat_interval": 1, "weekly_days": "5", "end_times": 3},
    "settings": {"auto_recording": "cloud", "join_before_host": True},
}


def test_create_weekly_meeting_with_occurrences_across_dst(api: Api) -> None:
    r = api("POST", f"/users/{api.emu.user_id}/meetings", json=WEEKLY)
    assert r.status_code == 201
    m = r.json()
    assert 10**10 <= m["id"] < 10**11 and m["uuid"] and m["join_url"].startswith("https://")
    assert m["settings"]["auto_recording"] == "cloud" and m["creation_source"] == "open_api"
    # 18:00 Berlin on Thursdays; Berlin moves to summer time on 2026-03-29.
    assert [o["start_time"] for o in m["occurrences"]] == [
        "2026-03-19T17:00:00Z",
        "2026-03-26T17:00:00Z",
        "2026-04-02T16:00:00Z",
    ]
    first = m["occurrences"][0]
    assert first["occurrence_id"] == str(
        int(datetime(2026, 3, 19, 17, tzinfo=UTC).timestamp() * 1000)
    )
    assert m["start_time"] == "2026-03-19T17:00:00Z"
    assert api.emu.meeting(m["id"]) == m and m["id"] in api.emu.meeting_ids()
    assert api("GET", f"/meetings/{m['id']}").json()["topic"] == "Paper club"


@pytest.mark.parametrize(
    ("patch", "field"),
    [
        ({"topic": "x" * 201}, "topic"),
        ({"agenda": "x" * 2001}, "agenda"),
        ({"type": 5}, "type"),
        ({"start_time": "2026-03-19 18:00"}, "start_time"),
        ({"duration": 0}, "duration"),
        ({"duration": 1441}, "duration"),
        ({"timezone": "Mars/Olympus"}, "timezone"),
    ],
)
def test_create_and_update_validation(api: Api, patch: dict[str, Any], field: str) -> None:
    r = api("POST", f"/users/{api.emu.user_id}/meetings", json={**WEEKLY, **patch})
    assert r.status_code == 400
    body = r.json()
    assert body["code"] == 300 and body["message"] == "Validation Failed."
    assert [e["field"] for e in body["errors"]] == [field]
    mid = api("POST", f"/users/{api.emu.user_id}/meetings", json={"topic": "t"}).json()["id"]
    r = api("PATCH", f"/meetings/{mid}", json=patch)
    assert r.status_code == 400 and r.json()["errors"][0]["field"] == field


def test_malformed_body_is_refused(api: Api) -> None:
    r = api("POST", f"/users/{api.emu.user_id}/meetings", data=b"{not json")
    assert r.status_code == 400 and r.json()["code"] == 300


def test_update_and_delete(api: Api) -> None:
    emu = api.emu
    mid = api("POST", f"/users/{emu.user_id}/meetings", json=WEEKLY).json()["id"]
    r = api(
        "PATCH", f"/meetings/{mid}", json={"topic": "New", "start_time": "2020-01-01T00:00:00Z"}
    )
    assert r.status_code == 204 and r.content == b""
    m = api("GET", f"/meetings/{mid}").json()
    assert m["topic"] == "New" and m["start_time"] == "2026-03-19T17:00:00Z"  # past start ignored
    occ = m["occurrences"][1]["occurrence_id"]
    assert (
        api(
            "PATCH", f"/meetings/{mid}", params={"occurrence_id": occ}, json={"duration": 90}
        ).status_code
        == 204
    )
    assert emu.meeting(mid)["occurrences"][1]["duration"] == 90  # type: ignore[index]
    assert api("DELETE", f"/meetings/{mid}").status_code == 204
    r = api("DELETE", f"/meetings/{mid}")
    assert (r.status_code, r.json()) == (
        404,
        {"code": 3001, "message": f"Meeting does not exist: {mid}."},
    )
    assert api("GET", f"/meetings/{mid}").json()["code"] == 3001
    assert api("PATCH", f"/meetings/{mid}", json={}).status_code == 404
    assert emu.meeting(mid) is None and mid not in emu.meeting_ids()


def test_list_meetings_pagination_and_token_expiry(api: Api) -> None:
    emu = api.emu
    ids = {
        api("POST", f"/users/{emu.user_id}/meetings", json={**WEEKLY, "topic": f"m{i}"}).json()[
            "id"
        ]
        for i in range(5)
    }
    seen: list[int] = []
    params: dict[str, Any] = {"page_size": 2, "type": "upcoming"}
    tokens = []
    while True:
        body = api("GET", f"/users/{emu.user_id}/meetings", params=params).json()
        assert body["total_records"] == 5 and len(body["meetings"]) <= 2
        seen += [m["id"] for m in body["meetings"]]
        if not body["next_page_token"]:
            break
        tokens.append(body["next_page_token"])
        params["next_page_token"] = body["next_page_token"]
    assert set(seen) == ids and len(seen) == 5
    assert (
        api("GET", f"/users/{emu.user_id}/meetings", params={"type": "previous_meetings"}).json()[
            "total_records"
        ]
        == 0
    )
    assert (
        api("GET", f"/users/{emu.user_id}/meetings", params={"type": "bogus"}).json()["code"] == 300
    )
    emu.clock.advance(15 * 60 + 1)  # type: ignore[attr-defined]
    r = api(
        "GET",
        f"/users/{emu.user_id}/meetings",
        params={"page_size": 2, "type": "upcoming", "next_page_token": tokens[0]},
    )
    assert (r.status_code, r.json()["code"]) == (400, 300)
    assert "invalid or expired" in r.json()["message"]


def test_daily_create_update_quota_resets_at_utc_midnight() -> None:
    clock = FakeClock(datetime(2026, 1, 7, 23, 30, tzinfo=UTC))
    with ZoomEmulator(clock=clock, daily_meeting_quota=3) as emu:
        api = Api(emu)
        mid = api("POST", f"/users/{emu.user_id}/meetings", json={"topic": "a"}).json()["id"]
        assert api("PATCH", f"/meetings/{mid}", json={"topic": "b"}).status_code == 204
        assert api("POST", f"/users/{emu.user_id}/meetings", json={"topic": "c"}).status_code == 201
        assert emu.create_update_count() == 3
        r = api("PATCH", f"/meetings/{mid}", json={"topic": "d"})
        assert r.status_code == 429
        assert "daily rate limit (3) of Meeting Create/Update" in r.json()["message"]
        assert r.headers["X-RateLimit-Type"] == "Daily-limit"
        assert r.headers["Retry-After"] == "2026-01-08T00:00:00Z"
        assert emu.meeting(mid)["topic"] == "b"  # type: ignore[index]
        clock.advance(1800)
        assert api("PATCH", f"/meetings/{mid}", json={"topic": "d"}).status_code == 204
        assert emu.create_update_count() == 1


# -- recordings -----------------------------------------------------------------------------------


def test_processing_then_ready_then_transcript(api: Api) -> None:
    emu = api.emu
    now = emu.clock.now()
    inst = record(
        emu, ready_at=now + timedelta(minutes=30), transcript_ready_at=now + timedelta(hours=2)
    )
    r = api("GET", f"/meetings/{inst.meeting_id}/recordings")
    assert (r.status_code, r.json()) == (
        404,
        {
            "code": 3301,
            "message": "This recording is still being processed. Please check back later.",
        },
    )
    emu.clock.advance(30 * 60)  # type: ignore[attr-defined]
    types = [
        f["file_type"]
        for f in api("GET", f"/meetings/{inst.meeting_id}/recordings").json()["recording_files"]
    ]
    assert "MP4" in types and "TRANSCRIPT" not in types
    emu.clock.advance(90 * 60)  # type: ignore[attr-defined]
    api.renew()
    files = api("GET", f"/meetings/{inst.meeting_id}/recordings").json()["recording_files"]
    vtt = [f for f in files if f["file_type"] == "TRANSCRIPT"]
    assert (
        len(vtt) == 1
        and vtt[0]["file_extension"] == "VTT"
        and vtt[0]["recording_type"] == "audio_transcript"
    )


def test_multi_segment_recording_shape(api: Api) -> None:
    emu = api.emu
    start = datetime(2026, 1, 7, 8, 0, tzinfo=UTC)
    inst = emu.add_recording(
        start_time=start,
        segments=[Segment(5, 4, VTT), Segment(20, 3, VTT, video_types=("active_speaker",))],
        include_cc=True,
    )
    rec = api("GET", f"/meetings/{inst.meeting_id}/recordings").json()
    assert (
        rec["uuid"] == inst.uuid and rec["id"] == inst.meeting_id and isinstance(rec["type"], int)
    )
    files = rec["recording_files"]
    assert rec["recording_count"] == len(files)
    assert all(f["meeting_id"] == inst.uuid for f in files)
    by_start: dict[str, list[str]] = {}
    for f in files:
        by_start.setdefault(f["recording_start"], []).append(
            f"{f['file_type']}:{f.get('recording_type')}"
        )
    assert sorted(by_start["2026-01-07T08:00:05Z"]) == sorted(
        [
            "MP4:shared_screen_with_speaker_view",
            "MP4:active_speaker",
            "M4A:audio_only",
            "TRANSCRIPT:audio_transcript",
            "CC:closed_caption",
        ]
    )
    assert sorted(by_start["2026-01-07T08:00:20Z"]) == sorted(
        ["MP4:active_speaker", "M4A:audio_only", "TRANSCRIPT:audio_transcript", "CC:closed_caption"]
    )
    mp4 = next(f for f in files if f["file_type"] == "MP4")
    assert mp4["recording_end"] == "2026-01-07T08:00:09Z"
    assert set(mp4) == {
        "id", "meeting_id", "recording_start", "recording_end", "file_type", "file_extension",
        "file_size", "play_url", "download_url", "status", "recording_type",
    }  # fmt: skip
    chat = next(f for f in files if f["file_type"] == "CHAT")
    assert chat["file_extension"] == "TXT" and chat["recording_type"] == "chat_file"
    timeline = next(f for f in files if f["file_type"] == "TIMELINE")
    assert "id" not in timeline and "file_size" not in timeline  # the 1st instance: bare TIMELINE
    second = record(emu)
    timeline2 = next(
        f
        for f in api("GET", f"/meetings/{enc1(second.uuid)}/recordings").json()["recording_files"]
        if f["file_type"] == "TIMELINE"
    )
    assert timeline2["recording_type"] == "timeline" and timeline2["file_size"] > 0
    assert rec["total_size"] == sum(f.get("file_size", 0) for f in files)


def test_numeric_id_means_latest_instance_and_past_instances(api: Api) -> None:
    emu = api.emu
    now = emu.clock.now()
    old = record(emu, start_time=now - timedelta(days=7))
    new = record(emu, meeting_id=old.meeting_id, start_time=now - timedelta(hours=2))
    assert api("GET", f"/meetings/{old.meeting_id}/recordings").json()["uuid"] == new.uuid
    assert api("GET", f"/meetings/{enc1(old.uuid)}/recordings").json()["uuid"] == old.uuid
    body = api("GET", f"/past_meetings/{old.meeting_id}/instances").json()
    assert [m["uuid"] for m in body["meetings"]] == [old.uuid, new.uuid]
    assert api("GET", "/past_meetings/99999999999/instances").json()["code"] == 3001
    assert api("GET", "/meetings/99999999999/recordings").json() == {
        "code": 3301,
        "message": "There is no recording for this meeting.",
    }


@pytest.mark.parametrize("uuid", [DOUBLE_ENCODE_UUID, INNER_SLASHES_UUID])
def test_uuid_double_encoding_rule(api: Api, uuid: str) -> None:
    inst = record(api.emu, uuid=uuid)
    assert api("GET", f"/meetings/{enc2(uuid)}/recordings").json()["uuid"] == uuid
    r = api("GET", f"/meetings/{enc1(uuid)}/recordings")  # Zoom needs double encoding here
    assert (r.status_code, r.json()["code"]) == (404, 3301)
    assert api.emu.requests[-1].path == f"/v2/meetings/{enc1(uuid)}/recordings"
    assert inst.uuid == uuid


def test_plain_uuid_single_or_double_encoded(api: Api) -> None:
    inst = record(api.emu, uuid="k3+Ab/cD9eFgHiJkLmNoPq==")
    for path in (enc1(inst.uuid), enc2(inst.uuid)):
        assert api("GET", f"/meetings/{path}/recordings").json()["uuid"] == inst.uuid


def test_list_user_recordings_clamps_range_and_pages(api: Api) -> None:
    emu = api.emu
    now = emu.clock.now()  # 2026-01-07 12:00Z
    insts = [record(emu, start_time=now - timedelta(days=d, hours=1)) for d in (0, 3, 10, 40)]
    record(emu, ready_at=now + timedelta(hours=1))  # still processing: not listed
    body = api(
        "GET", f"/users/{emu.user_id}/recordings", params={"from": "2025-06-01", "to": "2026-01-07"}
    ).json()
    assert (body["from"], body["to"]) == ("2025-12-07", "2026-01-07")
    assert [m["uuid"] for m in body["meetings"]] == [i.uuid for i in insts[:3]]
    p1 = api(
        "GET",
        f"/users/{emu.user_email}/recordings",
        params={"from": "2025-12-20", "to": "2026-01-07", "page_size": 1},
    ).json()
    assert p1["total_records"] == 3 and p1["page_size"] == 1 and p1["next_page_token"]
    p2 = api(
        "GET",
        f"/users/{emu.user_id}/recordings",
        params={
            "from": "2025-12-20",
            "to": "2026-01-07",
            "page_size": 1,
            "next_page_token": p1["next_page_token"],
        },
    ).json()
    assert p2["meetings"][0]["uuid"] == insts[1].uuid
    default = api("GET", f"/users/{emu.user_id}/recordings").json()
    assert (default["from"], default["to"]) == ("2026-01-07", "2026-01-08")
    assert [m["uuid"] for m in default["meetings"]] == [insts[0].uuid]
    only = api(
        "GET",
        f"/users/{emu.user_id}/recordings",
        params={"from": "2025-12-20", "to": "2026-01-07", "meeting_id": insts[1].meeting_id},
    ).json()
    assert [m["uuid"] for m in only["meetings"]] == [insts[1].uuid]


def test_delete_recordings_trash_and_single_file(api: Api) -> None:
    emu = api.emu
    inst = record(emu)
    files = api("GET", f"/meetings/{inst.meeting_id}/recordings").json()["recording_files"]
    m4a = next(f for f in files if f["file_type"] == "M4A")
    assert (
        api(
            "DELETE",
            f"/meetings/{enc1(inst.uuid)}/recordings/{m4a['id']}",
            params={"action": "delete"},
        ).status_code
        == 204
    )
    left = api("GET", f"/meetings/{inst.meeting_id}/recordings").json()["recording_files"]
    assert m4a["id"] not in [f.get("id") for f in left]
    r = api("DELETE", f"/meetings/{enc1(inst.uuid)}/recordings/{m4a['id']}")
    assert (r.status_code, r.json()["code"]) == (404, 3301)
    assert (
        api("DELETE", f"/meetings/{inst.meeting_id}/recordings", params={"action": "burn"}).json()[
            "code"
        ]
        == 300
    )
    assert api("DELETE", f"/meetings/{inst.meeting_id}/recordings").status_code == 204
    assert api("GET", f"/meetings/{inst.meeting_id}/recordings").json()["code"] == 3301
    trash = api("GET", f"/users/{emu.user_id}/recordings", params={"trash": "true"}).json()
    assert [m["uuid"] for m in trash["meetings"]] == [inst.uuid]
    assert api("DELETE", f"/meetings/{inst.meeting_id}/recordings").status_code == 404
    dl = requests.get(files[0]["download_url"], headers=api.s.headers, allow_redirects=False)
    assert dl.status_code == 404


# -- downloads ------------------------------------------------------------------------------------


def _files(api: Api, inst: Any) -> list[dict[str, Any]]:
    return list(api("GET", f"/meetings/{enc1(inst.uuid)}/recordings").json()["recording_files"])


def test_download_redirects_to_signed_file_host_with_range(api: Api) -> None:
    emu = api.emu
    inst = record(emu)
    mp4 = next(f for f in _files(api, inst) if f["file_type"] == "MP4")
    assert requests.get(mp4["download_url"], allow_redirects=False).status_code == 401
    q = requests.get(
        mp4["download_url"], params={"access_token": token(emu)}, allow_redirects=False
    )
    assert q.status_code == 401
    r = api.s.get(mp4["download_url"], allow_redirects=False)
    assert r.status_code == 302
    location = r.headers["Location"]
    assert location.startswith(emu.files_url + "/")
    full = requests.get(location)  # no auth on the file host
    assert full.status_code == 200 and full.headers["Content-Type"] == "video/mp4"
    assert int(full.headers["Content-Length"]) == mp4["file_size"] == len(full.content)
    assert full.headers["Accept-Ranges"] == "bytes"
    part = requests.get(location, headers={"Range": "bytes=100-"})
    assert part.status_code == 206
    assert part.headers["Content-Range"] == f"bytes 100-{mp4['file_size'] - 1}/{mp4['file_size']}"
    assert part.content == full.content[100:]
    tail = requests.get(location, headers={"Range": "bytes=-10"})
    assert tail.content == full.content[-10:]
    bad = requests.get(location, headers={"Range": f"bytes={mp4['file_size']}-"})
    assert bad.status_code == 416 and bad.headers["Content-Range"] == f"bytes */{mp4['file_size']}"
    emu.files_ignore_range = True
    ignored = requests.get(location, headers={"Range": "bytes=100-"})
    assert ignored.status_code == 200 and ignored.content == full.content
    assert requests.head(location).headers["Content-Length"] == str(mp4["file_size"])
    assert requests.get(location.replace("Signature=", "Signature=0")).status_code == 403
    emu.clock.advance(7 * 3600)  # type: ignore[attr-defined]
    assert requests.get(location).status_code == 403  # signed URL expired


def test_media_are_real_h264_aac_of_the_segment_duration(api: Api, tmp_path: Path) -> None:
    inst = record(api.emu, segments=[Segment(0, 4)])
    kinds = {}
    for f in _files(api, inst):
        if f["file_type"] not in ("MP4", "M4A"):
            continue
        data = api.s.get(f["download_url"]).content
        path = tmp_path / f"{f['id']}.{f['file_extension'].lower()}"
        path.write_bytes(data)
        with av.open(str(path)) as c:
            codecs = sorted(s.codec_context.name for s in c.streams)
            duration = float(c.duration or 0) / 1_000_000
        kinds[f["file_type"]] = codecs
        assert abs(duration - 4) < 0.3
    assert kinds == {"MP4": ["aac", "h264"], "M4A": ["aac"]}


def test_content_types_and_transcript_bytes(api: Api) -> None:
    inst = record(api.emu)
    got = {}
    for f in _files(api, inst):
        r = api.s.get(f["download_url"])
        got[f["file_type"]] = r.headers["Content-Type"]
        if f["file_type"] == "TRANSCRIPT":
            assert r.text == VTT
    assert got["M4A"] == "audio/mp4" and got["TRANSCRIPT"] == "text/vtt"
    assert got["CHAT"].startswith("text/plain") and got["TIMELINE"] == "application/json"


def test_webhook_download_needs_the_download_token(api: Api) -> None:
    emu = api.emu
    inst = record(emu)
    payload = emu.webhook_payload("recording.completed", inst.uuid)
    f = payload["payload"]["object"]["recording_files"][0]
    assert "/rec/webhook_download/" in f["download_url"]
    dt = payload["download_token"]
    assert (
        requests.get(f["download_url"], headers=api.s.headers, allow_redirects=False).status_code
        == 401
    )
    assert (
        requests.get(
            f["download_url"], headers={"Authorization": f"Bearer {dt}"}, allow_redirects=False
        ).status_code
        == 302
    )
    r = requests.get(f["download_url"], params={"access_token": dt})
    assert r.status_code == 200 and len(r.content) == f["file_size"]
    emu.clock.advance(24 * 3600 + 1)  # type: ignore[attr-defined]
    late = requests.get(f["download_url"], params={"access_token": dt}, allow_redirects=False)
    assert (late.status_code, late.json()["message"]) == (401, "Access token is expired.")


def test_include_fields_download_access_token(api: Api) -> None:
    inst = record(api.emu)
    rec = api(
        "GET",
        f"/meetings/{inst.meeting_id}/recordings",
        params={"include_fields": "download_access_token", "ttl": 60},
    ).json()
    url = rec["recording_files"][0]["download_url"]
    bearer = {"Authorization": f"Bearer {rec['download_access_token']}"}
    assert requests.get(url, headers=bearer, allow_redirects=False).status_code == 302
    api.emu.clock.advance(61)  # type: ignore[attr-defined]
    assert requests.get(url, headers=bearer, allow_redirects=False).status_code == 401


def test_streaming_a_large_file_keeps_memory_flat(api: Api, tmp_path: Path) -> None:
    big = tmp_path / "big.mp4"
    with big.open("wb") as f:
        f.truncate(64 * 1024 * 1024)
    inst = record(
        api.emu, segments=[Segment(0, 2, video_path=big, video_types=("active_speaker",))]
    )
    mp4 = next(f for f in _files(api, inst) if f["file_type"] == "MP4")
    assert mp4["file_size"] == 64 * 1024 * 1024
    tracemalloc.start()
    try:
        with api.s.get(mp4["download_url"], stream=True) as r:
            total = sum(len(c) for c in r.iter_content(256 * 1024))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert total == 64 * 1024 * 1024
    assert peak < 8 * 1024 * 1024, f"peak traced memory {peak} bytes"


# -- faults ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "retry_after", ["7", "Wed, 07 Jan 2026 12:00:07 GMT", "2026-01-08T00:00:00Z", None]
)
def test_injected_429_with_retry_after_variants(api: Api, retry_after: str | None) -> None:
    headers = {"Retry-After": retry_after} if retry_after else {}
    api.emu.inject(
        Fault(host="api", method="GET", path=r"/users/[^/]+$", status=429, headers=headers, times=2)
    )
    for _ in range(2):
        r = api("GET", f"/users/{api.emu.user_id}")
        assert r.status_code == 429 and r.json()["code"] == 429
        assert r.headers.get("Retry-After") == retry_after
    assert api("GET", f"/users/{api.emu.user_id}").status_code == 200


@pytest.mark.parametrize("status", [500, 502, 503])
def test_injected_server_errors(api: Api, status: int) -> None:
    api.emu.inject(Fault(status=status))
    r = api("GET", f"/users/{api.emu.user_id}")
    assert r.status_code == status
    assert api("GET", f"/users/{api.emu.user_id}").status_code == 200


def test_fault_matching_by_host_method_and_path(api: Api) -> None:
    api.emu.inject(Fault(host="web", status=503))
    api.emu.inject(Fault(method="DELETE", status=500))
    assert api("GET", f"/users/{api.emu.user_id}").status_code == 200
    assert api("DELETE", "/meetings/1").status_code == 500
    bad = requests.post(api.emu.oauth_url, data={})
    assert bad.status_code == 503


def test_malformed_json(api: Api) -> None:
    api.emu.inject(Fault(path="/recordings$", malformed_json=True))
    inst = record(api.emu)
    r = api("GET", f"/meetings/{inst.meeting_id}/recordings")
    assert r.status_code == 200
    with pytest.raises(json.JSONDecodeError):
        json.loads(r.text)


def test_dropped_connection_after_n_bytes(api: Api) -> None:
    inst = record(api.emu)
    mp4 = next(f for f in _files(api, inst) if f["file_type"] == "MP4")
    api.emu.inject(Fault(host="files", drop_after_bytes=1000))
    with pytest.raises(requests.exceptions.ChunkedEncodingError):
        api.s.get(mp4["download_url"]).content  # noqa: B018
    assert api.emu.requests[-1].status == 200
    assert len(api.s.get(mp4["download_url"]).content) == mp4["file_size"]


def test_request_log(api: Api) -> None:
    api.emu.clear_requests()
    api("POST", f"/users/{api.emu.user_id}/meetings", params={"x": "1"}, json={"topic": "log"})
    (rec,) = api.emu.requests
    assert (rec.host, rec.method, rec.path, rec.status) == (
        "api",
        "POST",
        f"/v2/users/{api.emu.user_id}/meetings",
        201,
    )
    assert rec.query == {"x": "1"} and json.loads(rec.body) == {"topic": "log"}
    assert rec.headers["authorization"].startswith("Bearer ")


# -- webhooks -------------------------------------------------------------------------------------


class _Sink(BaseHTTPRequestHandler):
    received: list[tuple[dict[str, str], bytes]]
    answer: Any = None

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.received.append(({k.lower(): v for k, v in self.headers.items()}, body))
        out = b""
        msg = json.loads(body)
        if msg["event"] == "endpoint.url_validation":
            plain = msg["payload"]["plainToken"]
            out = json.dumps(
                {
                    "plainToken": plain,
                    "encryptedToken": encrypted_token("emu-webhook-secret-token", plain),
                }
            ).encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(out)))
        self.end_headers()
        self.wfile.write(out)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def sink() -> Iterator[tuple[str, list[tuple[dict[str, str], bytes]]]]:
    received: list[tuple[dict[str, str], bytes]] = []
    handler = type("Sink", (_Sink,), {"received": received})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    t = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    t.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/zoom/webhook", received
    server.shutdown()
    server.server_close()


def test_webhook_signature_vectors() -> None:
    # published vectors (seguri/x-zm-signature) and docs/zoom-api.md §5.4
    assert webhook_signature("secret", "1697204592920", b'{"foo":"bar"}') == (
        "v0=f46042d159828f787589618793a3f535b54de02da06ea660545e46c8960b70bf"
    )
    assert webhook_signature("secret", "", b"") == (
        "v0=48313323faaa3e2551387fedc6a9dbf72f93a6293033e7339e57c844dc1b107d"
    )
    assert encrypted_token("zoomclub-test-secret", "qgg8vlvZRS6UYooatFL8Aw") == (
        "7f986a5c3c858768afca9dba408c44b4758700769ae8b58ac3b141408ab6785c"
    )


def test_deliver_signed_compact_webhooks(zoom_emulator: ZoomEmulator, sink: Any) -> None:
    url, received = sink
    emu = zoom_emulator
    inst = record(emu, topic="Über Attention")
    for event in ("meeting.ended", "recording.completed", "recording.transcript_completed"):
        payload = emu.webhook_payload(event, inst.uuid)
        status, _ = emu.deliver_webhook(url, payload)
        assert status == 200
    assert len(received) == 3
    for headers, body in received:
        ts = headers["x-zm-request-timestamp"]
        assert ts == str(int(emu.clock.now().timestamp())) and len(ts) == 10
        assert headers["x-zm-signature"] == webhook_signature(emu.webhook_secret_token, ts, body)
        assert (
            body == json.dumps(json.loads(body), separators=(",", ":"), ensure_ascii=False).encode()
        )
        assert "Über".encode() in body
    ended, completed, transcript = (json.loads(b) for _, b in received)
    assert (
        ended["payload"]["object"]["id"] == str(inst.meeting_id) and "download_token" not in ended
    )
    assert completed["payload"]["object"]["id"] == inst.meeting_id and completed["download_token"]
    assert completed["event_ts"] == int(emu.clock.now().timestamp() * 1000)
    assert [f["file_type"] for f in transcript["payload"]["object"]["recording_files"]] == [
        "TRANSCRIPT"
    ]
    status, _ = emu.deliver_webhook(url, {"event": "x"}, secret="other", timestamp=1700000000)
    assert received[-1][0]["x-zm-signature"] == webhook_signature(
        "other", 1700000000, b'{"event":"x"}'
    )


def test_url_validation_round_trip(zoom_emulator: ZoomEmulator, sink: Any) -> None:
    from zoomclub.emulator.webhooks import url_validation_payload

    url, received = sink
    payload = url_validation_payload(1654503849680, "qgg8vlvZRS6UYooatFL8Aw")
    status, body = zoom_emulator.deliver_webhook(url, payload)
    assert status == 200
    assert json.loads(body)["encryptedToken"] == encrypted_token(
        zoom_emulator.webhook_secret_token, "qgg8vlvZRS6UYooatFL8Aw"
    )
    assert "x-zm-signature" in received[0][0]


# -- CLI ------------------------------------------------------------------------------------------


def test_cli_serves_in_the_foreground_until_interrupted() -> None:
    import signal
    import subprocess
    import sys

    proc = subprocess.Popen(
        [sys.executable, "-m", "zoomclub", "emulator", "--json", "--sample"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        env = json.loads(proc.stdout.readline())
        assert env["ZOOMCLUB_ZOOM__API_URL"].startswith("http://127.0.0.1:")
        r = requests.post(
            env["ZOOMCLUB_ZOOM__OAUTH_URL"],
            auth=(env["ZOOMCLUB_ZOOM__CLIENT_ID"], env["ZOOMCLUB_ZOOM__CLIENT_SECRET"]),
            data={
                "grant_type": "account_credentials",
                "account_id": env["ZOOMCLUB_ZOOM__ACCOUNT_ID"],
            },
            timeout=5,
        )
        headers = {"Authorization": f"Bearer {r.json()['access_token']}"}
        user = env["ZOOMCLUB_ZOOM__USER_ID"]
        listing = requests.get(
            f"{env['ZOOMCLUB_ZOOM__API_URL']}/users/{user}/recordings", headers=headers, timeout=5
        ).json()
        assert listing["total_records"] == 1
    finally:
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=10)
    assert proc.returncode == 0, err
    assert "# stopped" in err


def test_delay_fault_makes_a_client_time_out(api: Api) -> None:
    api.emu.inject(Fault(host="api", delay_s=0.5))
    with pytest.raises(requests.exceptions.ReadTimeout):
        api.s.get(f"{api.emu.api_url}/users/{api.emu.user_id}", timeout=0.1)
    assert api("GET", f"/users/{api.emu.user_id}").status_code == 200


def test_webhook_retries_follow_zoom_schedule(
    zoom_emulator: ZoomEmulator, fake_clock: FakeClock
) -> None:
    statuses = iter([500, 503, 204])
    seen: list[tuple[float, str]] = []

    class Flaky(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers["Content-Length"]))
            seen.append((fake_clock.monotonic(), self.headers["x-zm-request-timestamp"]))
            self.send_response(next(statuses))
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Flaky)
    threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    try:
        inst = record(zoom_emulator)
        payload = zoom_emulator.webhook_payload("recording.completed", inst.uuid)
        url = f"http://127.0.0.1:{server.server_address[1]}/hook"
        assert zoom_emulator.deliver_webhook_with_retries(url, payload) == [500, 503, 204]
    finally:
        server.shutdown()
        server.server_close()
    assert [t - seen[0][0] for t, _ in seen] == [0, 300, 1500]
    assert fake_clock.sleeps == [300, 1200]
    assert int(seen[2][1]) - int(seen[0][1]) == 1500  # each attempt signed at its own time


_B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"


def test_any_uuid_is_found_when_encoded_by_zoom_rule() -> None:
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    from zoomclub.emulator import needs_double_encoding

    with ZoomEmulator(clock=FakeClock()) as emu:
        api = Api(emu)

        @settings(max_examples=10, deadline=None, suppress_health_check=list(HealthCheck))
        @given(st.text(alphabet=_B64, min_size=20, max_size=22))
        def check(body: str) -> None:
            uuid = body + "=="
            if uuid in emu.instances:
                return
            record(emu, uuid=uuid, include_chat=False, include_timeline=False)
            path = enc2(uuid) if needs_double_encoding(uuid) else enc1(uuid)
            assert api("GET", f"/meetings/{path}/recordings").json()["uuid"] == uuid
            assert api("GET", f"/meetings/{enc2(uuid)}/recordings").json()["uuid"] == uuid

        check()


def test_decode_meeting_ref_inverts_both_encodings() -> None:
    from hypothesis import given, settings
    from hypothesis import strategies as st

    from zoomclub.emulator.api_common import decode_meeting_ref

    @settings(max_examples=300, deadline=None)
    @given(st.text(alphabet=_B64 + "=", min_size=1, max_size=30))
    def check(uuid: str) -> None:
        assert decode_meeting_ref(enc2(uuid)) == (uuid, uuid != enc1(uuid))
        assert decode_meeting_ref(enc1(uuid))[0] == uuid

    check()
