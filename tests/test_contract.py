"""Contract: the emulator's responses and webhook payloads validate against Zoom's OpenAPI files.

Deviations from the strict REST schema that are faithful to observed Zoom (see docs/zoom-api.md
§3.2/§3.3) are applied explicitly by :func:`rest_schema_view`, and a test proves each one is real:
* ``type`` of a recording object: the REST schema says string enum, every observed payload (and the
  webhook schema) uses an integer; the emulator sends the integer.
* ``TIMELINE`` entries: documented by Zoom in prose and in the webhook enum, but missing from the
  REST ``file_type`` enum; the emulator lists them so clients learn to tolerate them.
Error bodies: Zoom's file gives no schema, only the codes per status; the body must be
``{"code","message"}`` and the code one the description lists.
"""

from __future__ import annotations

import copy
from datetime import timedelta
from typing import Any

import pytest
import requests

from tests.openapi_util import (
    requires_specs,
    validate_error_shape,
    validate_request,
    validate_response,
    validate_webhook,
)
from tests.test_emulator import VTT, WEEKLY, Api, enc1, enc2, record
from zoomclub.emulator import DOUBLE_ENCODE_UUID, Segment, ZoomEmulator

pytestmark = requires_specs


def rest_schema_view(obj: dict[str, Any]) -> dict[str, Any]:
    """The recording object with the two documented, faithful deviations undone."""
    out = copy.deepcopy(obj)
    out["type"] = str(out["type"])
    out["recording_files"] = [f for f in out["recording_files"] if f["file_type"] != "TIMELINE"]
    return out


def body_of(r: requests.Response) -> Any:
    return r.json() if r.content else None


def check(r: requests.Response, method: str, template: str) -> Any:
    body = body_of(r)
    validate_response(method, template, r.status_code, body)
    return body


@pytest.fixture
def api(zoom_emulator: ZoomEmulator) -> Api:
    return Api(zoom_emulator)


def test_meeting_endpoints(api: Api) -> None:
    user = api.emu.user_id
    # The spec's start_time is format date-time (RFC 3339, needs an offset), yet Zoom documents and
    # accepts local wall time without ``Z`` plus ``timezone``; validate the UTC spelling.
    with pytest.raises(AssertionError, match="start_time"):
        validate_request("POST", "/users/{userId}/meetings", WEEKLY)
    validate_request(
        "POST", "/users/{userId}/meetings", {**WEEKLY, "start_time": "2026-03-19T17:00:00Z"}
    )
    created = check(
        api("POST", f"/users/{user}/meetings", json=WEEKLY), "POST", "/users/{userId}/meetings"
    )
    mid = created["id"]
    check(api("GET", f"/meetings/{mid}"), "GET", "/meetings/{meetingId}")
    check(
        api("GET", f"/users/{user}/meetings", params={"type": "upcoming", "page_size": 1}),
        "GET",
        "/users/{userId}/meetings",
    )
    patch = {"topic": "Renamed", "agenda": "Week 2", "duration": 45}
    validate_request("PATCH", "/meetings/{meetingId}", patch)
    r = api("PATCH", f"/meetings/{mid}", json=patch)
    assert r.status_code == 204
    check(r, "PATCH", "/meetings/{meetingId}")
    r = api("DELETE", f"/meetings/{mid}")
    assert r.status_code == 204
    check(r, "DELETE", "/meetings/{meetingId}")


def test_meeting_errors(api: Api) -> None:
    user = api.emu.user_id
    cases = [
        (
            "POST",
            "/users/{userId}/meetings",
            "/users/nobody@example.org/meetings",
            {"topic": "x"},
            404,
        ),
        ("POST", "/users/{userId}/meetings", f"/users/{user}/meetings", {"topic": "x" * 201}, 400),
        ("GET", "/users/{userId}/meetings", "/users/nobody@example.org/meetings", None, 404),
        ("GET", "/meetings/{meetingId}", "/meetings/99999999999", None, 404),
        ("PATCH", "/meetings/{meetingId}", "/meetings/99999999999", {"topic": "x"}, 404),
        ("DELETE", "/meetings/{meetingId}", "/meetings/99999999999", None, 404),
    ]
    for method, template, path, body, status in cases:
        r = api(method, path, json=body)
        assert r.status_code == status, (method, path, r.text)
        check(r, method, template)


def test_quota_429_validates() -> None:
    with ZoomEmulator(daily_meeting_quota=1) as emu:
        api = Api(emu)
        assert api("POST", f"/users/{emu.user_id}/meetings", json={"topic": "a"}).status_code == 201
        r = api("POST", f"/users/{emu.user_id}/meetings", json={"topic": "b"})
        assert r.status_code == 429
        check(r, "POST", "/users/{userId}/meetings")


def test_recording_endpoints(api: Api) -> None:
    emu = api.emu
    inst = record(
        emu, uuid=DOUBLE_ENCODE_UUID, segments=[Segment(0, 3, VTT), Segment(10, 2)], include_cc=True
    )
    record(emu, meeting_id=inst.meeting_id, start_time=emu.clock.now() - timedelta(hours=1))
    rec = api("GET", f"/meetings/{enc2(inst.uuid)}/recordings").json()
    validate_response("GET", "/meetings/{meetingId}/recordings", 200, rest_schema_view(rec))
    listing = api("GET", f"/users/{emu.user_id}/recordings", params={"page_size": 1}).json()
    view = dict(listing, meetings=[rest_schema_view(m) for m in listing["meetings"]])
    validate_response("GET", "/users/{userId}/recordings", 200, view)
    check(
        api("GET", f"/past_meetings/{inst.meeting_id}/instances"),
        "GET",
        "/past_meetings/{meetingId}/instances",
    )
    file_id = next(f["id"] for f in rec["recording_files"] if f["file_type"] == "M4A")
    r = api("DELETE", f"/meetings/{enc2(inst.uuid)}/recordings/{file_id}")
    assert r.status_code == 204
    check(r, "DELETE", "/meetings/{meetingId}/recordings/{recordingId}")
    r = api("DELETE", f"/meetings/{enc2(inst.uuid)}/recordings", params={"action": "trash"})
    assert r.status_code == 204
    check(r, "DELETE", "/meetings/{meetingId}/recordings")


def test_deviations_are_real(api: Api) -> None:
    inst = record(api.emu)
    rec = api("GET", f"/meetings/{enc1(inst.uuid)}/recordings").json()
    with pytest.raises(AssertionError, match="at type"):
        validate_response("GET", "/meetings/{meetingId}/recordings", 200, rec)
    rec["type"] = str(rec["type"])
    with pytest.raises(AssertionError, match="TIMELINE"):
        validate_response("GET", "/meetings/{meetingId}/recordings", 200, rec)


def test_recording_errors(api: Api) -> None:
    emu = api.emu
    now = emu.clock.now()
    processing = record(emu, ready_at=now + timedelta(hours=1))
    cases = [
        (
            "GET",
            "/meetings/{meetingId}/recordings",
            f"/meetings/{processing.meeting_id}/recordings",
            404,
        ),
        ("GET", "/meetings/{meetingId}/recordings", "/meetings/99999999999/recordings", 404),
        ("DELETE", "/meetings/{meetingId}/recordings", "/meetings/99999999999/recordings", 404),
        (
            "DELETE",
            "/meetings/{meetingId}/recordings/{recordingId}",
            f"/meetings/{enc1(processing.uuid)}/recordings/x",
            400,
        ),
        ("GET", "/users/{userId}/recordings", "/users/nobody@example.org/recordings", 404),
        (
            "GET",
            "/past_meetings/{meetingId}/instances",
            "/past_meetings/99999999999/instances",
            404,
        ),
    ]
    for method, template, path, status in cases:
        r = api(method, path)
        assert r.status_code == status, (method, path, r.text)
        check(r, method, template)
    r = requests.get(f"{emu.api_url}/users/{emu.user_id}/recordings")
    assert r.status_code == 401
    check(r, "GET", "/users/{userId}/recordings")


def test_every_api_error_has_zoom_shape(api: Api) -> None:
    for path in ("/meetings/abc", "/users/me", "/nope"):
        validate_error_shape(api("GET", path).json())
    validate_error_shape(
        requests.get(f"{api.emu.api_url}/meetings/1", headers={"Authorization": "Bearer x"}).json()
    )


@pytest.mark.parametrize(
    "event", ["recording.completed", "recording.transcript_completed", "meeting.ended"]
)
@pytest.mark.parametrize("include_cc", [False, True])
def test_webhook_payloads_validate(
    zoom_emulator: ZoomEmulator, event: str, include_cc: bool
) -> None:
    for _ in range(2):  # odd and even instances differ in their TIMELINE shape
        inst = record(zoom_emulator, include_cc=include_cc, uuid=None)
        validate_webhook(event, zoom_emulator.webhook_payload(event, inst.uuid))


def test_validator_rejects_a_broken_webhook(zoom_emulator: ZoomEmulator) -> None:
    inst = record(zoom_emulator)
    payload = zoom_emulator.webhook_payload("recording.completed", inst.uuid)
    del payload["payload"]["object"]["recording_files"][0]["download_url"]
    with pytest.raises(AssertionError, match="download_url"):
        validate_webhook("recording.completed", payload)
