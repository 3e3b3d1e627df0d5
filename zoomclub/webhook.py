"""Zoom webhook checks, pure: signature over the raw body, replay window, URL validation, routing.

``x-zm-signature = "v0=" + hex(HMAC-SHA256(secret, "v0:" + x-zm-request-timestamp + ":" + body))``
over the exact bytes received (docs/zoom-api.md §5.2). Rejections say what is wrong with the
request, never what the expected signature would have been.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from zoomclub.errors import WebhookError
from zoomclub.zoom.models import RECORDING_EVENTS, WebhookEvent

MAX_SKEW_S = 300
MAX_BODY_BYTES = 1024 * 1024


def signature(secret: str, timestamp: str, body: bytes) -> str:
    """Zoom's ``v0=<hex>`` signature of ``body`` sent at ``timestamp``."""
    message = b"v0:" + timestamp.encode("ascii") + b":" + body
    return "v0=" + hmac.new(secret.encode("utf-8"), message, hashlib.sha256).hexdigest()


def encrypted_token(secret: str, plain_token: str) -> str:
    """The ``encryptedToken`` answer to an ``endpoint.url_validation`` challenge."""
    return hmac.new(secret.encode("utf-8"), plain_token.encode("utf-8"), hashlib.sha256).hexdigest()


def _header(headers: Mapping[str, str], name: str) -> str | None:
    for key, value in headers.items():
        if key.lower() == name:
            return value
    return None


def verify(
    secret: str,
    headers: Mapping[str, str],
    body: bytes,
    now: datetime,
    *,
    max_skew_s: int = MAX_SKEW_S,
) -> None:
    """Raise :class:`WebhookError` (401) unless the request is signed with ``secret`` and fresh."""
    if not secret:
        raise WebhookError("webhook secret token is not configured", status=503)
    sig = _header(headers, "x-zm-signature")
    ts = _header(headers, "x-zm-request-timestamp")
    if not sig or not ts:
        raise WebhookError("missing x-zm-signature or x-zm-request-timestamp header")
    ts = ts.strip()
    if not ts.isdigit() or len(ts) > 12:
        raise WebhookError("x-zm-request-timestamp is not a unix time in seconds")
    if abs(now.timestamp() - int(ts)) > max_skew_s:
        raise WebhookError("x-zm-request-timestamp is more than 5 minutes off")
    expected = signature(secret, ts, body)
    if not hmac.compare_digest(expected.encode("ascii"), sig.strip().encode("utf-8", "replace")):
        raise WebhookError("x-zm-signature does not match")


@dataclass(frozen=True)
class Delivery:
    """What a verified delivery asks of us: ``kind`` in validate | archive | ignore."""

    kind: str
    event: str
    plain_token: str | None = None
    meeting_id: int | None = None
    meeting_uuid: str | None = None


def route(body: bytes) -> Delivery:
    """Parse a verified body and say what to do; unreadable bodies raise WebhookError (400)."""
    ev = WebhookEvent.parse(body)
    if ev.event == "endpoint.url_validation":
        token = ev.payload.get("plainToken")
        if not isinstance(token, str) or not token:
            raise WebhookError("endpoint.url_validation without payload.plainToken", status=400)
        return Delivery("validate", ev.event, plain_token=token)
    if ev.event in RECORDING_EVENTS:
        obj = ev.object
        raw_id, uuid = obj.get("id"), obj.get("uuid")
        mid = int(raw_id) if isinstance(raw_id, int | str) and str(raw_id).isdigit() else None
        if mid is None and not (isinstance(uuid, str) and uuid):
            raise WebhookError(f"{ev.event} without payload.object id or uuid", status=400)
        return Delivery(
            "archive",
            ev.event,
            meeting_id=mid,
            meeting_uuid=uuid if isinstance(uuid, str) else None,
        )
    return Delivery("ignore", ev.event)
