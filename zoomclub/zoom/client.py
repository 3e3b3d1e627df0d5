"""The production Zoom client: one HTTP seam with a declared retry policy.

Policy (docs/zoom-api.md §1, §6, §7):

- every request has a timeout;
- 401 code 124 (expired/invalid token): fetch a new token once and repeat; a second 401 is fatal;
- 429: wait ``Retry-After`` (seconds, HTTP-date or ISO date-time) or a capped, jittered backoff,
  for every method (Zoom did not process the request); a wait longer than ``max_wait_s`` is not
  slept but raised as :class:`ZoomRateLimited` so the caller can reschedule;
- 5xx, timeouts and dropped connections: retried only for idempotent methods. A POST that creates
  something is never repeated blindly; :class:`ZoomServerError` tells the caller to look up what
  exists before creating again;
- all sleeping goes through the injected Clock.
"""

from __future__ import annotations

import logging
import random
import threading
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import quote

import requests
from pydantic import BaseModel, ValidationError

from zoomclub import __version__
from zoomclub.clock import Clock, SystemClock
from zoomclub.errors import (
    InputError,
    ZoomAuthError,
    ZoomBadResponse,
    ZoomError,
    ZoomRateLimited,
    ZoomServerError,
)
from zoomclub.zoom.auth import TokenCache, request_token
from zoomclub.zoom.download import download_file
from zoomclub.zoom.http import (
    connection_error,
    describe,
    error_fields,
    error_for,
    expect_object,
    parse_json,
)
from zoomclub.zoom.ids import meeting_id_segment, meeting_ref_segment, user_segment
from zoomclub.zoom.models import Meeting, MeetingSummary, PastInstance, RecordingFile, RecordingSet
from zoomclub.zoom.retry import backoff_delay, is_idempotent, parse_retry_after

log = logging.getLogger(__name__)

M = TypeVar("M", bound=BaseModel)

PAGE_SIZE = 300
#: Zoom silently narrows longer user-recording ranges to one month; 30 days fits every month.
RECORDINGS_WINDOW_DAYS = 30
MEETING_LIST_TYPES = frozenset(
    {"scheduled", "live", "upcoming", "upcoming_meetings", "previous_meetings"}
)
DELETE_ACTIONS = frozenset({"trash", "delete"})


class ZoomClient:
    """Zoom REST API over Server-to-Server OAuth. Thread-safe; build one per process."""

    #: Longest Retry-After we are willing to sleep through inside one call.
    max_wait_s: float = 300.0
    #: Items per page on listings (Zoom's maximum).
    page_size: int = PAGE_SIZE

    def __init__(
        self,
        *,
        account_id: str,
        client_id: str,
        client_secret: str,
        api_url: str,
        oauth_url: str,
        timeout: float = 30.0,
        max_retries: int = 5,
        clock: Clock | None = None,
        session: requests.Session | None = None,
        rng: random.Random | None = None,
    ) -> None:
        self._account_id = account_id
        self._client_id = client_id
        self._client_secret = client_secret
        self.api_url = api_url.rstrip("/")
        self.oauth_url = oauth_url
        self.timeout = timeout
        self.max_retries = max_retries
        self.clock: Clock = clock or SystemClock()
        self.rng = rng or random.Random()
        if session is None:
            session = requests.Session()
            session.headers["User-Agent"] = f"zoomclub/{__version__}"
        self.session = session
        self._tokens = TokenCache(self.clock)
        self._count_lock = threading.Lock()
        self._api_calls = 0

    def __repr__(self) -> str:  # never show the secret
        return f"ZoomClient(api_url={self.api_url!r}, account_id={self._account_id!r})"

    @property
    def api_calls(self) -> int:
        """REST API requests sent so far (retries included; token and file requests excluded)."""
        return self._api_calls

    # -- auth ---------------------------------------------------------------------------------

    def get_token(self, *, refresh: bool = False) -> str:
        """A valid access token, from the cache unless it is about to expire or ``refresh``."""
        with self._tokens.lock:
            cached = None if refresh else self._tokens.get()
            if cached is not None:
                return cached
            attempt = 0
            while True:
                try:
                    value, expires_in = request_token(
                        self.session,
                        oauth_url=self.oauth_url,
                        account_id=self._account_id,
                        client_id=self._client_id,
                        client_secret=self._client_secret,
                        timeout=self.timeout,
                    )
                except (ZoomServerError, ZoomRateLimited) as exc:
                    # Asking for a token twice is harmless, so any transient failure is retried.
                    delay = self._retry_delay(attempt, getattr(exc, "retry_after", None))
                    if delay is None:
                        raise
                    self._pause(exc, attempt, delay)
                    attempt += 1
                    continue
                self._tokens.store(value, expires_in)
                return value

    def _refresh_after_401(self, stale: str) -> str:
        with self._tokens.lock:
            self._tokens.invalidate(stale)
            return self.get_token()

    # -- the one request loop -----------------------------------------------------------------

    def _retry_delay(self, attempt: int, retry_after: float | None) -> float | None:
        """Seconds to sleep before retry ``attempt + 1``, or None when we must give up."""
        if attempt >= self.max_retries:
            return None
        if retry_after is not None:
            return retry_after if retry_after <= self.max_wait_s else None
        return backoff_delay(attempt, self.rng)

    def _pause(self, err: ZoomError, attempt: int, delay: float) -> None:
        log.warning("%s; retry %d/%d in %.1f s", err.message, attempt + 1, self.max_retries, delay)
        self.clock.sleep(delay)

    def _call(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        json_body: dict[str, Any] | None = None,
        idempotent: bool | None = None,
        absent_ok_after_retry: bool = False,
    ) -> requests.Response:
        """Send one API request under the retry policy; a 2xx response or a typed ZoomError.

        ``absent_ok_after_retry``: a DELETE that was repeated after a lost answer may find the
        thing already gone; that 404 means success (the first attempt did the work).
        """
        method = method.upper()
        url = self.api_url + path
        what = describe(method, url)
        may_repeat = is_idempotent(method) if idempotent is None else idempotent
        attempt = 0
        refreshed = False
        retried_unknown = False
        token = self.get_token()
        while True:
            with self._count_lock:
                self._api_calls += 1
            try:
                resp = self.session.request(
                    method,
                    url,
                    params=params,
                    json=json_body,
                    headers={"Authorization": f"Bearer {token}", "Accept": "application/json"},
                    timeout=self.timeout,
                    allow_redirects=False,
                )
            except requests.RequestException as exc:
                conn_err = connection_error(exc, what)
                if not may_repeat:
                    raise ZoomServerError(
                        f"{conn_err.message}; not repeated because a {method} may have created "
                        "something: look it up before trying again"
                    ) from exc
                delay = self._retry_delay(attempt, None)
                if delay is None:
                    raise conn_err from exc
                self._pause(conn_err, attempt, delay)
                attempt += 1
                retried_unknown = True
                continue

            status = resp.status_code
            if 200 <= status < 300:
                return resp
            if status == 401:
                code, _ = error_fields(resp)
                if not refreshed and code in (124, "124", None):
                    log.info("Zoom token rejected (%s); fetching a new one", code)
                    refreshed = True
                    token = self._refresh_after_401(token)
                    continue
                raise error_for(resp, what)
            if status == 429:
                retry_after = parse_retry_after(resp.headers.get("Retry-After"), self.clock.now())
                rate_err = error_for(resp, what, retry_after=retry_after)
                delay = self._retry_delay(attempt, retry_after)
                if delay is None:
                    raise rate_err
                self._pause(rate_err, attempt, delay)
                attempt += 1
                continue
            if status >= 500:
                err = error_for(resp, what)
                delay = self._retry_delay(attempt, None) if may_repeat else None
                if delay is None:
                    raise err
                self._pause(err, attempt, delay)
                attempt += 1
                retried_unknown = True
                continue
            if status == 404 and absent_ok_after_retry and retried_unknown:
                log.info("%s: already gone after a retried request; treating as done", what)
                return resp
            raise error_for(resp, what)

    def _json(self, method: str, path: str, **kw: Any) -> dict[str, Any]:
        resp = self._call(method, path, **kw)
        what = describe(method, self.api_url + path)
        return expect_object(parse_json(resp, what), what)

    def _model(self, model: type[M], data: Any, what: str) -> M:
        try:
            return model.model_validate(data)
        except ValidationError as exc:
            err = exc.errors()[0]
            loc = ".".join(str(p) for p in err.get("loc", ())) or "body"
            raise ZoomBadResponse(
                f"Zoom {what}: unexpected {model.__name__} shape at {loc}: {err.get('msg')}"
            ) from exc

    def _pages(self, path: str, key: str, params: dict[str, Any]) -> Iterator[dict[str, Any]]:
        """Follow ``next_page_token`` until it is empty or absent."""
        params = {**params, "page_size": self.page_size}
        seen_tokens: set[str] = set()
        while True:
            data = self._json("GET", path, params=params)
            items = data.get(key) or []
            if not isinstance(items, list):
                raise ZoomBadResponse(f"Zoom GET {path}: {key!r} is not a list")
            yield from (i for i in items if isinstance(i, dict))
            nxt = data.get("next_page_token")
            if not nxt or not isinstance(nxt, str):
                return
            if nxt in seen_tokens:  # a server that loops would otherwise keep us here forever
                raise ZoomBadResponse(f"Zoom GET {path} repeated next_page_token")
            seen_tokens.add(nxt)
            params = {**params, "next_page_token": nxt}

    # -- users and meetings -------------------------------------------------------------------

    def get_user(self, user_id: str) -> dict[str, Any]:
        return self._json("GET", f"/users/{user_segment(user_id)}")

    def create_meeting(self, user_id: str, body: dict[str, Any]) -> Meeting:
        """Create a meeting. Never repeated after a 5xx or lost connection (see module doc)."""
        path = f"/users/{user_segment(user_id)}/meetings"
        data = self._json("POST", path, json_body=body, idempotent=False)
        meeting = self._model(Meeting, data, f"POST {path}")
        log.info("created Zoom meeting %s (%s)", meeting.id, meeting.topic)
        return meeting

    def get_meeting(self, meeting_id: int) -> Meeting:
        path = f"/meetings/{meeting_id_segment(meeting_id)}"
        return self._model(Meeting, self._json("GET", path), f"GET {path}")

    def update_meeting(self, meeting_id: int, body: dict[str, Any]) -> None:
        self._call("PATCH", f"/meetings/{meeting_id_segment(meeting_id)}", json_body=body)

    def delete_meeting(self, meeting_id: int, *, occurrence_id: str | None = None) -> None:
        params = {"occurrence_id": occurrence_id} if occurrence_id else None
        self._call(
            "DELETE",
            f"/meetings/{meeting_id_segment(meeting_id)}",
            params=params,
            absent_ok_after_retry=True,
        )

    def list_meetings(self, user_id: str, *, type: str = "upcoming") -> Iterator[MeetingSummary]:
        if type not in MEETING_LIST_TYPES:
            raise InputError(
                f"unknown meeting list type {type!r}; use one of {sorted(MEETING_LIST_TYPES)}"
            )
        path = f"/users/{user_segment(user_id)}/meetings"
        for item in self._pages(path, "meetings", {"type": type}):
            yield self._model(MeetingSummary, item, f"GET {path}")

    def past_instances(self, meeting_id: int) -> list[PastInstance]:
        """Ended instances, oldest first, each UUID once."""
        path = f"/past_meetings/{meeting_id_segment(meeting_id)}/instances"
        data = self._json("GET", path)
        items = data.get("meetings") or []
        if not isinstance(items, list):
            raise ZoomBadResponse(f"Zoom GET {path}: 'meetings' is not a list")
        found: dict[str, PastInstance] = {}
        for item in items:
            inst = self._model(PastInstance, item, f"GET {path}")
            found.setdefault(inst.uuid, inst)
        return sorted(found.values(), key=lambda i: (i.start_time is None, i.start_time))

    # -- recordings ---------------------------------------------------------------------------

    def get_recordings(self, ref: int | str) -> RecordingSet:
        """Recording files of one instance: a meeting number means its latest instance.

        Raises :class:`RecordingNotReady` while Zoom is still processing.
        """
        path = f"/meetings/{meeting_ref_segment(ref)}/recordings"
        return self._model(RecordingSet, self._json("GET", path), f"GET {path}")

    def list_recordings(self, user_id: str, start: date, end: date) -> Iterator[RecordingSet]:
        """Every recorded instance of the user from ``start`` to ``end`` (inclusive, UTC days).

        Asked in windows of at most 30 days (Zoom silently clamps longer ranges); consecutive
        windows share their edge day, and each instance is yielded once.
        """
        if end < start:
            raise InputError(f"recording range ends ({end}) before it starts ({start})")
        path = f"/users/{user_segment(user_id)}/recordings"
        seen: set[str] = set()
        lo = start
        while True:
            hi = min(lo + timedelta(days=RECORDINGS_WINDOW_DAYS - 1), end)
            params = {"from": lo.isoformat(), "to": hi.isoformat()}
            for item in self._pages(path, "meetings", params):
                rec = self._model(RecordingSet, item, f"GET {path}")
                if rec.uuid not in seen:
                    seen.add(rec.uuid)
                    yield rec
            if hi >= end:
                return
            lo = hi

    def delete_recordings(self, ref: int | str, *, action: str = "trash") -> None:
        """Move all files of an instance to the trash (or ``action="delete"``: permanently)."""
        self._call(
            "DELETE",
            f"/meetings/{meeting_ref_segment(ref)}/recordings",
            params={"action": _delete_action(action)},
            absent_ok_after_retry=True,
        )

    def delete_recording_file(self, ref: int | str, file_id: str, *, action: str = "trash") -> None:
        if not file_id:
            raise InputError("recording file id is empty")
        self._call(
            "DELETE",
            f"/meetings/{meeting_ref_segment(ref)}/recordings/{quote(file_id, safe='')}",
            params={"action": _delete_action(action)},
            absent_ok_after_retry=True,
        )

    # -- files --------------------------------------------------------------------------------

    def download(
        self,
        file: RecordingFile,
        dest: Path,
        *,
        download_token: str | None = None,
        progress: bool = False,
    ) -> Path:
        """Download ``file`` to ``dest`` (atomically, resumably; see :mod:`zoomclub.zoom.download`).

        ``download_token``: the webhook's token, for ``/rec/webhook_download/`` URLs.
        """

        def bearer(stale: str | None) -> str:
            if download_token is not None:
                if stale is not None:
                    raise ZoomAuthError(
                        "Zoom refused the webhook download_token (expired after 24 h?); "
                        "fetch the recording through the API instead",
                        status=401,
                    )
                return download_token
            return self._refresh_after_401(stale) if stale is not None else self.get_token()

        return download_file(
            self.session,
            file,
            Path(dest),
            bearer=bearer,
            timeout=self.timeout,
            max_retries=self.max_retries,
            clock=self.clock,
            rng=self.rng,
            progress=progress,
            max_wait_s=self.max_wait_s,
        )


def _delete_action(action: str) -> str:
    if action not in DELETE_ACTIONS:
        raise InputError(f"unknown delete action {action!r}; use 'trash' or 'delete'")
    return action
