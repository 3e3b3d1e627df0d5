"""Shared pieces of the API routes: Zoom's error bodies, lookups, quota answer, pagination."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from zoomclub.emulator.httpserver import Request, Response, json_response
from zoomclub.emulator.model import PAGE_TOKEN_TTL, zulu

if TYPE_CHECKING:
    from zoomclub.emulator.core import ZoomEmulator

QUOTA_MESSAGE = (
    "You have exceeded the daily rate limit ({limit}) of Meeting Create/Update API requests "
    "permitted for this particular user. You may resume these requests at GMT 00:00:00."
)
NO_RECORDING = "There is no recording for this meeting."
PROCESSING = "This recording is still being processed. Please check back later."
LIST_TYPES = ("scheduled", "live", "upcoming", "upcoming_meetings", "previous_meetings")
_ESCAPE = re.compile(r"%[0-9A-Fa-f]{2}")


def error(status: int, code: int, message: str, **extra: Any) -> Response:
    return json_response(status, {"code": code, "message": message, **extra})


def no_content() -> Response:
    return Response(204)


def json_body(req: Request) -> tuple[Any, Response | None]:
    try:
        return json.loads(req.body.decode("utf-8") or "{}"), None
    except (UnicodeDecodeError, json.JSONDecodeError):
        return None, error(400, 300, "Request Body should be a valid JSON object.")


def user_or_404(emu: ZoomEmulator, user: str) -> Response | None:
    user = unquote(user)
    if emu.known_user(user):
        return None
    return error(404, 1001, f"User does not exist: {user}.")


def quota_exceeded(emu: ZoomEmulator) -> Response:
    tomorrow = datetime.combine(
        emu.clock.now().date() + timedelta(days=1), datetime.min.time(), UTC
    )
    return json_response(
        429,
        {"code": 429, "message": QUOTA_MESSAGE.format(limit=emu.daily_meeting_quota)},
        {
            "X-RateLimit-Category": "Light",
            "X-RateLimit-Type": "Daily-limit",
            "X-RateLimit-Limit": str(emu.daily_meeting_quota),
            "X-RateLimit-Remaining": "0",
            "Retry-After": zulu(tomorrow),
        },
    )


def meeting_id_of(raw: str) -> int | None:
    return int(raw) if raw.isdigit() and len(raw) <= 19 else None


def meeting_or_404(emu: ZoomEmulator, raw: str) -> tuple[dict[str, Any] | None, Response | None]:
    mid = meeting_id_of(raw)
    if mid is None or mid not in emu.meetings or mid in emu.deleted_meetings:
        return None, error(404, 3001, f"Meeting does not exist: {unquote(raw)}.")
    return emu.meetings[mid], None


def decode_meeting_ref(raw: str) -> tuple[str, bool]:
    """The meeting id/UUID in a path segment, and whether it was encoded twice.

    Zoom's rule: a UUID that starts with ``/`` or contains ``//`` must be double-encoded; any
    other UUID may be single- or double-encoded.
    """
    once = unquote(raw)
    if _ESCAPE.search(once):
        return unquote(once), True
    return once, False


def paginate(
    emu: ZoomEmulator, key: str, items: list[Any], query: dict[str, str]
) -> tuple[list[Any], str, int, Response | None]:
    try:
        size = int(query.get("page_size", "30"))
    except ValueError:
        return [], "", 0, error(400, 300, "Invalid parameter: page_size.")
    size = max(1, min(size, 300))
    offset = 0
    token = query.get("next_page_token", "")
    now = emu.clock.now()
    if token:
        with emu.lock:
            entry = emu.page_tokens.get(token)
        if entry is None or entry[0] != key or now >= entry[2]:
            return [], "", size, error(400, 300, "The next page token is invalid or expired.")
        offset = entry[1]
    page = items[offset : offset + size]
    next_token = ""
    if offset + size < len(items):
        next_token = emu.new_token(24)
        with emu.lock:
            emu.page_tokens[next_token] = (key, offset + size, now + PAGE_TOKEN_TTL)
    return page, next_token, size, None
