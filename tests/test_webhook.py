"""Webhook signature checks and routing, pure (Zoom's published test vectors included)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from zoomclub.errors import WebhookError
from zoomclub.webhook import encrypted_token, route, signature, verify

NOW = datetime(2023, 11, 14, 22, 13, 20, tzinfo=UTC)  # = 1700000000
SECRET = "zoomclub-test-secret"


@pytest.mark.parametrize(
    ("timestamp", "body", "expected"),
    [
        # seguri/x-zm-signature ZoomWebhookValidatorTest.java (docs/zoom-api.md §5.4), secret "secret"
        (
            "1697204592920",
            b'{"foo": "bar"}',
            "v0=4fbb75111d585a4c58bc193aba49b007ddd7170f9191b0286d9413c1a07a44e8",
        ),
        (
            "1697204592920",
            b'{"foo":"bar"}',
            "v0=f46042d159828f787589618793a3f535b54de02da06ea660545e46c8960b70bf",
        ),
        ("", b"", "v0=48313323faaa3e2551387fedc6a9dbf72f93a6293033e7339e57c844dc1b107d"),
    ],
)
def test_published_vectors(timestamp: str, body: bytes, expected: str) -> None:
    assert signature("secret", timestamp, body) == expected


VALIDATION = b'{"event":"endpoint.url_validation","payload":{"plainToken":"qgg8vlvZRS6UYooatFL8Aw"},"event_ts":1700000000123}'
RECORDING = b'{"event":"recording.completed","event_ts":1700000000123,"payload":{"account_id":"acct_1","object":{"id":81234567890,"uuid":"Ab/c//d+e==","topic":"Paper club"}},"download_token":"tok"}'


def test_self_computed_vectors() -> None:
    assert (
        encrypted_token(SECRET, "qgg8vlvZRS6UYooatFL8Aw")
        == "7f986a5c3c858768afca9dba408c44b4758700769ae8b58ac3b141408ab6785c"
    )
    assert (
        signature(SECRET, "1700000000", VALIDATION)
        == "v0=67bde144b0008e9786c76513b61df7675650093a044f75a99e89046585c537e8"
    )
    assert (
        signature(SECRET, "1700000000", RECORDING)
        == "v0=ec0567b74dc0d30e4908b646405762b344d6f01bbeaa68aa684d1115f5a468cd"
    )


def headers(body: bytes, ts: str = "1700000000", secret: str = SECRET) -> dict[str, str]:
    return {"x-zm-signature": signature(secret, ts, body), "x-zm-request-timestamp": ts}


def test_valid_delivery_passes_and_routes() -> None:
    verify(SECRET, headers(RECORDING), RECORDING, NOW)
    d = route(RECORDING)
    assert (d.kind, d.meeting_id, d.meeting_uuid) == ("archive", 81234567890, "Ab/c//d+e==")
    v = route(VALIDATION)
    assert (v.kind, v.plain_token) == ("validate", "qgg8vlvZRS6UYooatFL8Aw")


def test_header_names_are_case_insensitive() -> None:
    h = {k.upper(): v for k, v in headers(RECORDING).items()}
    verify(SECRET, h, RECORDING, NOW)


@pytest.mark.parametrize(
    ("case", "hdrs", "body"),
    [
        ("wrong secret", headers(RECORDING, secret="not-the-secret"), RECORDING),
        ("modified body", headers(RECORDING), RECORDING.replace(b"81234567890", b"81234567891")),
        ("added whitespace", headers(RECORDING), RECORDING + b" "),
        ("stale timestamp", headers(RECORDING, ts="1699999699"), RECORDING),
        ("future timestamp", headers(RECORDING, ts="1700000301"), RECORDING),
        ("milliseconds timestamp", headers(RECORDING, ts="1700000000123"), RECORDING),
        ("missing signature", {"x-zm-request-timestamp": "1700000000"}, RECORDING),
        ("missing timestamp", {"x-zm-signature": headers(RECORDING)["x-zm-signature"]}, RECORDING),
        ("no headers", {}, RECORDING),
        (
            "garbage signature",
            {"x-zm-signature": "v0=zz", "x-zm-request-timestamp": "1700000000"},
            RECORDING,
        ),
        (
            "non-ascii signature",
            {"x-zm-signature": "v0=é", "x-zm-request-timestamp": "1700000000"},
            RECORDING,
        ),
    ],
)
def test_rejections_never_echo_the_expected_signature(
    case: str, hdrs: dict[str, str], body: bytes
) -> None:
    with pytest.raises(WebhookError) as info:
        verify(SECRET, hdrs, body, NOW)
    assert info.value.status == 401, case
    expected = signature(SECRET, hdrs.get("x-zm-request-timestamp", "1700000000"), body)
    assert expected.removeprefix("v0=") not in str(info.value)


def test_edge_of_the_replay_window_is_accepted() -> None:
    verify(SECRET, headers(RECORDING, ts="1699999700"), RECORDING, NOW)
    verify(SECRET, headers(RECORDING, ts="1700000300"), RECORDING, NOW)


def test_unconfigured_secret_is_a_503() -> None:
    with pytest.raises(WebhookError) as info:
        verify("", headers(RECORDING), RECORDING, NOW)
    assert info.value.status == 503


@pytest.mark.parametrize(
    "body",
    [
        b"not json",
        b"[1,2]",
        b'{"payload":{}}',
        b'{"event":"endpoint.url_validation","payload":{}}',
        b'{"event":"recording.completed","payload":{"object":{}}}',
    ],
)
def test_unreadable_bodies_are_400(body: bytes) -> None:
    with pytest.raises(WebhookError) as info:
        route(body)
    assert info.value.status == 400


def test_other_events_are_ignored_and_transcript_is_routed() -> None:
    ended = json.dumps({"event": "meeting.ended", "payload": {"object": {"id": "1", "uuid": "u"}}})
    assert route(ended.encode()).kind == "ignore"
    tc = {
        "event": "recording.transcript_completed",
        "payload": {"object": {"id": 5, "uuid": "/x//y=="}},
    }
    d = route(json.dumps(tc).encode())
    assert (d.kind, d.meeting_id, d.meeting_uuid) == ("archive", 5, "/x//y==")
