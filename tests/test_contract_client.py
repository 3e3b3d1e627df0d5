"""Contract: what the client puts on the wire is what Zoom's published OpenAPI file accepts.

Bodies are taken from the emulator's request log (the bytes the client sent), not from our own
dicts, and come from the app's real body builder (:func:`zoomclub.meetings.plan.meeting_body`).
Query parameters of every recorded call must be declared for that operation, with allowed values.
"""

from __future__ import annotations

import json
import random
import re
from datetime import UTC, date, datetime, timedelta
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from tests.openapi_util import API_SPEC, requires_specs, validate_request
from zoomclub.clock import FakeClock
from zoomclub.emulator import Segment, ZoomEmulator
from zoomclub.meetings.plan import meeting_body
from zoomclub.schedule.service import SessionView
from zoomclub.settings import ClubSettings
from zoomclub.zoom.client import ZoomClient

pytestmark = requires_specs

CREATE = ("POST", "/users/{userId}/meetings")
UPDATE = ("PATCH", "/meetings/{meetingId}")
# Our request paths → Zoom's path templates (``/users/{userId}`` lives in Zoom's Users API file).
TEMPLATES = [
    (re.compile(r"^/v2/users/[^/]+/meetings$"), "/users/{userId}/meetings"),
    (re.compile(r"^/v2/users/[^/]+/recordings$"), "/users/{userId}/recordings"),
    (re.compile(r"^/v2/meetings/[^/]+$"), "/meetings/{meetingId}"),
    (re.compile(r"^/v2/meetings/[^/]+/recordings$"), "/meetings/{meetingId}/recordings"),
    (
        re.compile(r"^/v2/meetings/[^/]+/recordings/[^/]+$"),
        "/meetings/{meetingId}/recordings/{recordingId}",
    ),
    (re.compile(r"^/v2/past_meetings/[^/]+/instances$"), "/past_meetings/{meetingId}/instances"),
]


@cache
def spec() -> dict[str, Any]:
    return json.loads(API_SPEC.read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def query_params(method: str, template: str) -> dict[str, dict[str, Any]]:
    item = spec()["paths"][template]
    params = item.get("parameters", []) + item[method.lower()].get("parameters", [])
    return {p["name"]: p.get("schema", {}) for p in params if p.get("in") == "query"}


@pytest.fixture
def client(zoom_emulator: ZoomEmulator) -> ZoomClient:
    emu = zoom_emulator
    return ZoomClient(
        account_id=emu.account_id,
        client_id=emu.client_id,
        client_secret=emu.client_secret,
        api_url=emu.api_url,
        oauth_url=emu.oauth_url,
        clock=emu.clock,
        rng=random.Random(0),
    )


LOCAL_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$")


def validate_meeting_body(method: str, template: str, body: dict[str, Any]) -> None:
    """Validate against Zoom's schema, honouring the local-time form its description allows.

    Zoom's ``start_time`` description accepts ``yyyy-MM-ddTHH:mm:ss`` plus a ``timezone`` (local
    time), but the schema's ``format: date-time`` only knows RFC 3339 with an offset. A local
    start is checked for that exact shape and a valid IANA zone, then validated in its equivalent
    UTC form.
    """
    start = body.get("start_time")
    if isinstance(start, str) and LOCAL_TIME.match(start):
        tz = ZoneInfo(body["timezone"])  # must be present and a real zone
        utc = datetime.fromisoformat(start).replace(tzinfo=tz).astimezone(UTC)
        body = {**body, "start_time": utc.strftime("%Y-%m-%dT%H:%M:%SZ")}
    validate_request(method, template, body)


def sent_bodies(emu: ZoomEmulator, method: str) -> list[Any]:
    out = []
    for r in emu.requests:
        if r.host == "api" and r.method == method:
            ctype = {k.lower(): v for k, v in r.headers.items()}.get("content-type", "")
            assert ctype.startswith("application/json"), ctype
            out.append(json.loads(r.body))
    return out


def sessions(today: date) -> list[SessionView]:
    long_title = "Attention Is All You Need, " * 12
    return [
        SessionView(date=today + timedelta(days=7), uid="a"),  # paper to be announced
        SessionView(
            date=today + timedelta(days=14),
            uid="b",
            paper_title=long_title,
            paper_url="https://arxiv.org/abs/1706.03762",
            facilitator="Ada Lovelace",
            author="Dr. Alan Turing",
            notes="Bring questions. " * 200,
        ),
    ]


@pytest.mark.parametrize(
    "club",
    [
        ClubSettings(),
        ClubSettings(timezone="Europe/Berlin", join_before_host=True, waiting_room=False),
    ],
    ids=["defaults", "berlin"],
)
def test_create_and_update_bodies_match_zoom_schemas(
    zoom_emulator: ZoomEmulator, client: ZoomClient, club: ClubSettings
) -> None:
    emu = zoom_emulator
    assert isinstance(emu.clock, FakeClock)
    views = sessions(emu.clock.now().date())
    created = [client.create_meeting(emu.user_id, meeting_body(v, club)) for v in views]
    for m, v in zip(created, reversed(views), strict=True):
        client.update_meeting(m.id, meeting_body(v, club))
    posts, patches = sent_bodies(emu, "POST"), sent_bodies(emu, "PATCH")
    assert len(posts) == 2 and len(patches) == 2
    for body in posts:
        validate_meeting_body(*CREATE, body)
    for body in patches:
        validate_meeting_body(*UPDATE, body)


def test_recurring_body_matches_zoom_schema(
    zoom_emulator: ZoomEmulator, client: ZoomClient
) -> None:
    emu = zoom_emulator
    body = {
        "topic": "Paper club",
        "type": 8,
        "start_time": "2026-02-05T18:00:00",
        "timezone": "Europe/Berlin",
        "duration": 60,
        "recurrence": {"type": 2, "repeat_interval": 1, "weekly_days": "5", "end_times": 12},
        "settings": {"auto_recording": "cloud"},
    }
    client.create_meeting(emu.user_id, body)
    (sent,) = sent_bodies(emu, "POST")
    assert sent == body
    validate_meeting_body(*CREATE, sent)


def test_validator_rejects_what_zoom_would() -> None:
    """The contract can fail: wrong types and over-long fields are caught."""
    for bad in (
        {"type": "2"},
        {"topic": "x" * 201},
        {"settings": {"auto_recording": "yes"}},
        {"start_time": "2026-02-05 18:00", "timezone": "Europe/Berlin"},
    ):
        with pytest.raises(AssertionError):
            validate_meeting_body(*CREATE, bad)
    with pytest.raises(KeyError):  # a local start time without its zone
        validate_meeting_body(*CREATE, {"start_time": "2026-02-05T18:00:00"})


def test_every_query_parameter_is_declared(zoom_emulator: ZoomEmulator, client: ZoomClient) -> None:
    emu = zoom_emulator
    assert isinstance(emu.clock, FakeClock)
    now = emu.clock.now()
    inst = emu.add_recording(
        start_time=now - timedelta(days=3), segments=[Segment(0, 2)], uuid="/q//r=="
    )
    m = client.create_meeting(emu.user_id, {"topic": "t", "type": 2})
    client.get_meeting(m.id)
    client.update_meeting(m.id, {"agenda": "x"})
    list(client.list_meetings(emu.user_id, type="upcoming"))
    list(client.list_recordings(emu.user_id, now.date() - timedelta(days=45), now.date()))
    client.past_instances(inst.meeting_id)
    rs = client.get_recordings(inst.uuid)
    file_id = next(f.id for f in rs.recording_files if f.id)
    assert file_id
    client.delete_recording_file(inst.uuid, file_id)
    client.delete_recordings(inst.uuid, action="trash")
    client.delete_meeting(m.id)
    seen = set()
    for r in emu.requests:
        if r.host != "api":
            continue
        template = next((t for rx, t in TEMPLATES if rx.match(r.path)), None)
        assert template is not None, f"{r.method} {r.path} is not a Zoom Meetings API path"
        declared = query_params(r.method, template)
        for name, value in r.query.items():
            assert name in declared, f"{r.method} {template}: undeclared query parameter {name}"
            allowed = declared[name].get("enum")
            assert allowed is None or value in allowed, f"{name}={value} not in {allowed}"
            if name == "page_size":
                assert 1 <= int(value) <= declared[name].get("maximum", 300)
        seen.add((r.method, template))
    assert len(seen) == 10
