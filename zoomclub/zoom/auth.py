"""Server-to-Server OAuth: fetch an account token and keep it until shortly before it expires.

``POST <oauth_url>`` with a form body ``grant_type=account_credentials&account_id=...`` and HTTP
Basic auth (client id/secret); never in the query string (docs/zoom-api.md §1). There is no
refresh token: a new token is simply requested again.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass

import requests

from zoomclub.clock import Clock
from zoomclub.errors import ZoomAuthError, ZoomBadResponse
from zoomclub.zoom.http import connection_error, error_for, expect_object, parse_json

log = logging.getLogger(__name__)

#: Renew this long before Zoom's expiry, so a token never dies in the middle of a call.
EXPIRY_MARGIN_S = 120.0


@dataclass(frozen=True)
class Token:
    value: str
    expires_at: float  # Clock.monotonic() seconds


class TokenCache:
    """The current token; ``get`` returns None when there is none or it is about to expire."""

    def __init__(self, clock: Clock, margin_s: float = EXPIRY_MARGIN_S) -> None:
        self._clock = clock
        self._margin = margin_s
        self._token: Token | None = None
        self.lock = threading.RLock()

    def get(self) -> str | None:
        tok = self._token
        if tok is None or self._clock.monotonic() >= tok.expires_at:
            return None
        return tok.value

    def store(self, value: str, expires_in: float) -> None:
        # Short-lived tokens (tests) keep at least half their life instead of a negative one.
        margin = min(self._margin, expires_in / 2)
        self._token = Token(value, self._clock.monotonic() + expires_in - margin)

    def invalidate(self, value: str) -> None:
        """Forget ``value`` (if another thread has not already replaced it)."""
        if self._token is not None and self._token.value == value:
            self._token = None


def request_token(
    session: requests.Session,
    *,
    oauth_url: str,
    account_id: str,
    client_id: str,
    client_secret: str,
    timeout: float,
) -> tuple[str, float]:
    """One token request: ``(access_token, expires_in_seconds)`` or a typed ZoomError."""
    what = "token request"
    try:
        resp = session.post(
            oauth_url,
            data={"grant_type": "account_credentials", "account_id": account_id},
            auth=(client_id, client_secret),
            headers={"Accept": "application/json"},
            timeout=timeout,
            allow_redirects=False,
        )
    except requests.RequestException as exc:
        raise connection_error(exc, what) from exc
    if resp.status_code in (400, 401, 403):
        err = error_for(resp, what)
        reason = err.zoom_message or f"HTTP {resp.status_code}"
        raise ZoomAuthError(
            f"Zoom refused the OAuth credentials: {reason}"
            + (f" ({err.code})" if err.code is not None else "")
            + " — check the Server-to-Server OAuth app's account id, client id and secret",
            status=resp.status_code,
            code=err.code,
            zoom_message=err.zoom_message,
        )
    if resp.status_code != 200:
        raise error_for(resp, what)
    data = expect_object(parse_json(resp, what), what)
    token = data.get("access_token")
    if not isinstance(token, str) or not token:
        raise ZoomBadResponse("Zoom token response has no access_token", status=200)
    try:
        expires_in = float(data.get("expires_in", 3599))
    except (TypeError, ValueError) as exc:
        raise ZoomBadResponse("Zoom token response has a non-numeric expires_in") from exc
    log.debug("obtained a Zoom access token valid for %.0f s", expires_in)
    return token, expires_in
