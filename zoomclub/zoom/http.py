"""Translating HTTP answers into zoomclub's exception tree (the edge where requests meets us).

Zoom's REST errors are ``{"code": <int>, "message": "..."}``; the token endpoint answers
``{"reason": "...", "error": "<oauth_error>"}``. Either way the caller gets one typed
:class:`~zoomclub.errors.ZoomError` with ``status``, ``code`` and ``zoom_message`` set and a
one-line message. Tokens never appear in messages: only the method and the path are named.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlsplit

import requests

from zoomclub.errors import (
    RecordingNotReady,
    ZoomAuthError,
    ZoomBadResponse,
    ZoomError,
    ZoomNotFound,
    ZoomRateLimited,
    ZoomRequestError,
    ZoomServerError,
)

STILL_PROCESSING = "still being processed"
_MAX_SNIPPET = 200


def describe(method: str, url: str) -> str:
    """``GET /v2/meetings/1`` — the path only, never the query (it may carry a token)."""
    return f"{method.upper()} {urlsplit(url).path}"


def error_fields(resp: requests.Response) -> tuple[int | str | None, str | None]:
    """Zoom's ``code``/``message`` (or OAuth ``error``/``reason``) from an error body, if any."""
    try:
        data = json.loads(resp.content) if resp.content else None
    except ValueError:
        data = None
    if not isinstance(data, dict):
        return None, None
    code = data.get("code", data.get("error"))
    message = data.get("message", data.get("reason"))
    if not isinstance(code, int | str):
        code = None
    return code, (str(message) if message is not None else None)


def error_for(resp: requests.Response, what: str, *, retry_after: float | None = None) -> ZoomError:
    """The typed error for a non-2xx response to ``what`` (see :func:`describe`)."""
    status = resp.status_code
    code, zmsg = error_fields(resp)
    detail = zmsg or (resp.reason or "no message")
    text = f"Zoom {what} failed: HTTP {status}: {detail}" + (
        f" (code {code})" if code is not None else ""
    )
    text = " ".join(text.split())
    kw: dict[str, Any] = {"status": status, "code": code, "zoom_message": zmsg}
    if status == 401:
        return ZoomAuthError(text, **kw)
    if status == 404:
        if str(code) == "3301" and zmsg and STILL_PROCESSING in zmsg.lower():
            return RecordingNotReady(text, **kw)
        return ZoomNotFound(text, **kw)
    if status == 429:
        return ZoomRateLimited(text, retry_after=retry_after, **kw)
    if status >= 500:
        return ZoomServerError(text, **kw)
    if status >= 400:
        return ZoomRequestError(text, **kw)
    return ZoomBadResponse(f"Zoom {what}: unexpected HTTP {status}", **kw)


def parse_json(resp: requests.Response, what: str) -> Any:
    """The JSON body of a 2xx answer; an HTML page or broken JSON is :class:`ZoomBadResponse`."""
    ctype = resp.headers.get("Content-Type", "").lower()
    if "html" in ctype:
        raise ZoomBadResponse(
            f"Zoom {what} answered an HTML page instead of JSON (HTTP {resp.status_code})",
            status=resp.status_code,
        )
    try:
        return json.loads(resp.content)
    except ValueError as exc:  # JSONDecodeError and UnicodeDecodeError are both ValueErrors
        snippet = " ".join(resp.content[:_MAX_SNIPPET].decode("utf-8", "replace").split())
        raise ZoomBadResponse(
            f"Zoom {what} answered malformed JSON (HTTP {resp.status_code}): {snippet!r}",
            status=resp.status_code,
        ) from exc


def expect_object(data: Any, what: str) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise ZoomBadResponse(f"Zoom {what} answered {type(data).__name__}, expected an object")
    return data


def connection_error(exc: requests.RequestException, what: str) -> ZoomServerError:
    kind = "timed out" if isinstance(exc, requests.Timeout) else "lost the connection"
    return ZoomServerError(f"Zoom {what} {kind}: {type(exc).__name__}")
