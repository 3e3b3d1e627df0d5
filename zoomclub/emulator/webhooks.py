"""Webhook payloads (recording.completed, recording.transcript_completed, meeting.ended,
endpoint.url_validation) and signed delivery: compact JSON, ``x-zm-request-timestamp`` in seconds,
``x-zm-signature`` over those exact bytes."""

from __future__ import annotations

import logging
import secrets
from typing import TYPE_CHECKING, Any

import requests

from zoomclub.emulator.model import InstanceState, zulu
from zoomclub.emulator.signing import compact_json, webhook_signature

if TYPE_CHECKING:
    from zoomclub.emulator.core import ZoomEmulator

log = logging.getLogger(__name__)

EVENTS = ("recording.completed", "recording.transcript_completed", "meeting.ended")
DELIVERY_TIMEOUT_S = 3.0


def build_payload(
    emu: ZoomEmulator, event: str, inst: InstanceState, download_token: str | None
) -> dict[str, Any]:
    event_ts = int(emu.clock.now().timestamp() * 1000)
    if event == "meeting.ended":
        meeting = emu.meetings.get(inst.meeting_id, {})
        obj: dict[str, Any] = {
            "id": str(inst.meeting_id),
            "uuid": inst.uuid,
            "host_id": emu.user_id,
            "topic": inst.topic,
            "type": int(meeting.get("type", 8)),
            "start_time": zulu(inst.start_time),
            "timezone": meeting.get("timezone", emu.timezone),
            "duration": int(meeting.get("duration", 60)),
            "end_time": zulu(inst.end_time),
        }
        return {
            "event": event,
            "event_ts": event_ts,
            "payload": {"account_id": emu.account_id, "object": obj},
        }
    if event not in EVENTS:
        raise ValueError(f"unknown webhook event {event!r}; one of {', '.join(EVENTS)}")
    # recording.completed carries the media; the audio transcript has its own, later event.
    files = "transcript" if event == "recording.transcript_completed" else "media"
    obj = emu.recording_json(inst, webhook=True, files=files)
    if event == "recording.transcript_completed":
        obj.pop("on_prem", None)
        obj.pop("recording_play_passcode", None)
    return {
        "event": event,
        "event_ts": event_ts,
        "payload": {"account_id": emu.account_id, "object": obj},
        "download_token": download_token,
    }


def url_validation_payload(event_ts: int, plain_token: str | None = None) -> dict[str, Any]:
    return {
        "payload": {"plainToken": plain_token or secrets.token_urlsafe(16)},
        "event_ts": event_ts,
        "event": "endpoint.url_validation",
    }


def signed_request(
    payload: dict[str, Any], secret: str, timestamp: int
) -> tuple[bytes, dict[str, str]]:
    """The exact body bytes and headers Zoom would send."""
    body = compact_json(payload)
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": "Zoom Marketplace/1.0a",
        "x-zm-request-timestamp": str(timestamp),
        "x-zm-signature": webhook_signature(secret, timestamp, body),
    }
    return body, headers


def deliver(url: str, payload: dict[str, Any], secret: str, timestamp: int) -> tuple[int, bytes]:
    """POST one signed delivery; returns (status, body). Network failures answer status 0."""
    body, headers = signed_request(payload, secret, timestamp)
    try:
        resp = requests.post(url, data=body, headers=headers, timeout=DELIVERY_TIMEOUT_S)
    except requests.RequestException as exc:
        log.info("webhook delivery to %s failed: %s", url, exc)
        return 0, str(exc).encode()
    return resp.status_code, resp.content
