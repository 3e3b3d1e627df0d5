"""The :class:`ZoomEmulator`: state, lifecycle and the test-control API (see the package docstring)."""

from __future__ import annotations

import base64
import copy
import logging
import random
import re
import shutil
import tempfile
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import TracebackType
from typing import Any
from zoneinfo import ZoneInfo

from zoomclub.clock import Clock, SystemClock
from zoomclub.emulator import api, web
from zoomclub.emulator.api_meetings import new_meeting_object
from zoomclub.emulator.httpserver import Dispatcher, HostServer, Request, Response
from zoomclub.emulator.media import default_cache_dir, media_file
from zoomclub.emulator.model import (
    Fault,
    FileState,
    InstanceState,
    RecordedInstance,
    RequestRecord,
    Segment,
    zulu,
)
from zoomclub.emulator.recordings import (
    captions_from_transcript,
    chat_text,
    recording_object,
    visible_files,
)
from zoomclub.emulator.signing import jwt_like
from zoomclub.emulator.webhooks import build_payload, deliver
from zoomclub.settings import ZoomSettings

log = logging.getLogger(__name__)

DOWNLOAD_TOKEN_TTL = timedelta(hours=24)
RETRY_SCHEDULE_S = (300.0, 1200.0, 3600.0)
CONTENT_TYPES = {
    "MP4": "video/mp4",
    "M4A": "audio/mp4",
    "VTT": "text/vtt",
    "TXT": "text/plain; charset=utf-8",
    "JSON": "application/json",
}


@dataclass
class _Token:
    expires_at: datetime
    revoked: bool = False
    expired: bool = False


def needs_double_encoding(uuid: str) -> bool:
    """Zoom's rule: a UUID that starts with ``/`` or contains ``//`` is URL-encoded twice."""
    return uuid.startswith("/") or "//" in uuid


class ZoomEmulator(Dispatcher):
    """A Zoom stand-in on three loopback ports: API, web (OAuth + downloads), file host."""

    def __init__(
        self,
        *,
        clock: Clock | None = None,
        token_ttl_s: int = 3599,
        invalidate_old_tokens: bool = False,
        media_cache: Path | None = None,
        daily_meeting_quota: int = 100,
    ) -> None:
        self.clock: Clock = clock or SystemClock()
        self.token_ttl_s = token_ttl_s
        self.invalidate_old_tokens = invalidate_old_tokens
        self.media_cache = media_cache or default_cache_dir()
        self.daily_meeting_quota = daily_meeting_quota
        self.files_ignore_range = False
        self.account_id = "EmuAcct0Xv3QbSXmY0AbCdA"
        self.client_id = "emuClientId0123456789"
        self.client_secret = "emu-client-secret-0123456789abcdef"  # noqa: S105 (test double)
        self.user_id = "KdYKjnimT4KPd8FFgQt9FQ"
        self.user_email = "club@example.org"
        self.webhook_secret_token = "emu-webhook-secret-token"  # noqa: S105 (test double)
        self.timezone = "America/Los_Angeles"
        self.lock = threading.RLock()
        self.rng = random.Random(20260107)
        self.secret = self.rng.randbytes(32)
        self.tokens: dict[str, _Token] = {}
        self.download_access_tokens: dict[str, datetime] = {}
        self.webhook_tokens: dict[str, tuple[str, datetime]] = {}
        self.meetings: dict[int, dict[str, Any]] = {}
        self.deleted_meetings: set[int] = set()
        self.instances: dict[str, InstanceState] = {}
        self.files_by_token: dict[str, FileState] = {}
        self.files_by_id: dict[str, FileState] = {}
        self.quota: dict[tuple[str, str], int] = {}
        self.page_tokens: dict[str, tuple[str, int, datetime]] = {}
        self._faults: list[Fault] = []
        self._requests: list[RequestRecord] = []
        self._next_meeting_id = 81_234_500_000 + self.rng.randrange(10_000)
        self._seq = 0
        self._servers: dict[str, HostServer] = {}
        self._data_dir = Path(tempfile.mkdtemp(prefix="zoomclub-emulator-"))

    # -- lifecycle ---------------------------------------------------------------------------

    def start(self, *, api_port: int = 0, web_port: int = 0, files_port: int = 0) -> ZoomEmulator:
        """Bind the three hosts on 127.0.0.1 (port 0 = a free port) and serve in threads."""
        if self._servers:
            return self
        ports = {"api": api_port, "web": web_port, "files": files_port}
        try:
            for name, port in ports.items():
                server = HostServer(name, self, port)
                self._servers[name] = server
                server.thread.start()
        except OSError:
            self.stop()
            raise
        log.info(
            "zoom emulator up: api=%s web=%s files=%s", self.api_url, self.web_url, self.files_url
        )
        return self

    def stop(self) -> None:
        stoppers = [threading.Thread(target=s.shutdown) for s in self._servers.values()]
        for t in stoppers:
            t.start()
        for t in stoppers:
            t.join()
        for server in self._servers.values():
            server.server_close()
        self._servers.clear()
        shutil.rmtree(self._data_dir, ignore_errors=True)

    def __enter__(self) -> ZoomEmulator:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def _port(self, name: str) -> int:
        if name not in self._servers:
            raise RuntimeError("the emulator is not started; call start() first")
        return self._servers[name].port

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self._port('api')}/v2"

    @property
    def web_url(self) -> str:
        return f"http://127.0.0.1:{self._port('web')}"

    @property
    def oauth_url(self) -> str:
        return f"{self.web_url}/oauth/token"

    @property
    def files_url(self) -> str:
        return f"http://127.0.0.1:{self._port('files')}"

    def env(self) -> dict[str, str]:
        p = "ZOOMCLUB_ZOOM__"
        return {
            f"{p}ACCOUNT_ID": self.account_id,
            f"{p}CLIENT_ID": self.client_id,
            f"{p}CLIENT_SECRET": self.client_secret,
            f"{p}API_URL": self.api_url,
            f"{p}OAUTH_URL": self.oauth_url,
            f"{p}USER_ID": self.user_id,
            f"{p}WEBHOOK_SECRET_TOKEN": self.webhook_secret_token,
        }

    def zoom_settings(self) -> ZoomSettings:
        """The ``zoom`` settings section pointing at this emulator (what :meth:`env` says)."""
        prefix = "ZOOMCLUB_ZOOM__"
        return ZoomSettings.model_validate(
            {k.removeprefix(prefix).lower(): v for k, v in self.env().items()}
        )

    # -- Dispatcher ----------------------------------------------------------------------------

    def record(self, req: Request) -> RequestRecord:
        rec = RequestRecord(
            req.host, req.method, req.path, dict(req.query), dict(req.headers), req.body
        )
        with self.lock:
            self._requests.append(rec)
        return rec

    def take_fault(self, host: str, method: str, path: str) -> Fault | None:
        with self.lock:
            for fault in self._faults:
                if fault.host not in (None, host):
                    continue
                if fault.method is not None and fault.method.upper() != method:
                    continue
                if not re.search(fault.path, path):
                    continue
                fault.times -= 1
                if fault.times <= 0:
                    self._faults.remove(fault)
                return fault
        return None

    def dispatch(self, req: Request) -> Response:
        if req.host == "api":
            return api.handle(self, req)
        if req.host == "web":
            return web.handle_web(self, req)
        return web.handle_files(self, req)

    # -- test control --------------------------------------------------------------------------

    def inject(self, fault: Fault) -> None:
        with self.lock:
            self._faults.append(copy.copy(fault))

    def expire_tokens(self) -> None:
        with self.lock:
            for tok in self.tokens.values():
                tok.expired = True

    @property
    def requests(self) -> list[RequestRecord]:
        with self.lock:
            return list(self._requests)

    def clear_requests(self) -> None:
        with self.lock:
            self._requests.clear()

    def meeting(self, meeting_id: int) -> dict[str, Any] | None:
        with self.lock:
            m = self.meetings.get(meeting_id)
            return None if m is None or meeting_id in self.deleted_meetings else copy.deepcopy(m)

    def meeting_ids(self) -> list[int]:
        with self.lock:
            return [mid for mid in self.meetings if mid not in self.deleted_meetings]

    def create_update_count(self, user_id: str | None = None) -> int:
        with self.lock:
            return self.quota.get((user_id or self.user_id, self.clock.now().date().isoformat()), 0)

    # -- ids and tokens ----------------------------------------------------------------------------

    def new_uuid(self) -> str:
        while True:
            u = base64.b64encode(self.rng.randbytes(16)).decode()
            if not needs_double_encoding(u):
                return u

    def new_token(self, n: int = 24) -> str:
        return base64.urlsafe_b64encode(self.rng.randbytes(n)).decode().rstrip("=")

    def new_file_id(self) -> str:
        h = self.rng.randbytes(16).hex()
        return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"

    def new_meeting_id(self) -> int:
        with self.lock:
            self._next_meeting_id += self.rng.randrange(1, 5000)
            return self._next_meeting_id

    def issue_token(self) -> str:
        now = self.clock.now()
        with self.lock:
            if self.invalidate_old_tokens:
                for tok in self.tokens.values():
                    tok.revoked = True
            claims = {
                "aud": "https://oauth.zoom.us",
                "uid": self.user_id,
                "ver": 10,
                "iss": f"zm:cid:{self.client_id}",
                "aid": self.account_id,
                "iat": int(now.timestamp()),
                "exp": int(now.timestamp()) + self.token_ttl_s,
                "jti": self.new_token(12),
            }
            token = jwt_like(self.secret, claims)
            self.tokens[token] = _Token(now + timedelta(seconds=self.token_ttl_s))
        return token

    def token_problem(self, token: str | None) -> str | None:
        """None when ``token`` is a live API token, else Zoom's 401 message."""
        if not token:
            return "Requires an access token."
        with self.lock:
            tok = self.tokens.get(token)
            if tok is None or tok.revoked:
                return "Invalid access token."
            if tok.expired or self.clock.now() >= tok.expires_at:
                return "Access token is expired."
        return None

    def known_user(self, user: str) -> bool:
        return user == self.user_id or user.lower() == self.user_email.lower()

    def count_create_update(self, user_id: str) -> bool:
        """Count one create/update for the UTC day; False when the daily quota is used up."""
        key = (user_id, self.clock.now().date().isoformat())
        with self.lock:
            if self.quota.get(key, 0) >= self.daily_meeting_quota:
                return False
            self.quota[key] = self.quota.get(key, 0) + 1
            return True

    # -- recordings ----------------------------------------------------------------------------

    def add_recording(
        self,
        *,
        meeting_id: int | None = None,
        topic: str = "Paper club",
        start_time: datetime,
        segments: Sequence[Segment],
        ready_at: datetime | None = None,
        transcript_ready_at: datetime | None = None,
        uuid: str | None = None,
        include_chat: bool = True,
        include_timeline: bool = True,
        include_cc: bool = False,
    ) -> RecordedInstance:
        if not segments:
            raise ValueError("a recording needs at least one segment")
        if start_time.tzinfo is None:
            raise ValueError("start_time must be timezone-aware")
        start_time = start_time.astimezone(UTC).replace(microsecond=0)
        with self.lock:
            if meeting_id is None or meeting_id not in self.meetings:
                mid = meeting_id if meeting_id is not None else self.new_meeting_id()
                weekday = str(
                    (start_time.astimezone(ZoneInfo(self.timezone)).weekday() + 1) % 7 + 1
                )
                body = {
                    "topic": topic,
                    "type": 8,
                    "start_time": zulu(start_time),
                    "recurrence": {"type": 2, "weekly_days": weekday, "end_times": 12},
                }
                self.meetings[mid] = new_meeting_object(self, mid, body)
            else:
                mid = meeting_id
            if uuid is None:
                uuid = self.new_uuid()
            if uuid in self.instances:
                raise ValueError(f"instance {uuid!r} already exists")
            self._seq += 1
            seq = self._seq
        end_time = max(
            start_time + timedelta(seconds=s.start_offset_s + s.duration_s) for s in segments
        )
        inst = InstanceState(
            meeting_id=mid,
            uuid=uuid,
            topic=topic,
            start_time=start_time,
            end_time=end_time,
            ready_at=ready_at or start_time,
            transcript_ready_at=transcript_ready_at or ready_at or start_time,
            seq=seq,
            password=self.new_token(6)[:8],
            share_token=self.new_token(30),
        )
        for i, seg in enumerate(segments):
            inst.files += self._segment_files(inst, i, seg)
        if include_chat:
            inst.files.append(self._text_file(inst, "CHAT", "TXT", "chat_file", chat_text(inst)))
        if include_timeline:
            bare = seq % 2 == 1  # alternate: odd instances get Zoom's documented id-less TIMELINE
            inst.files.append(self._text_file(inst, "TIMELINE", "JSON", "timeline", "[]\n", bare))
        if include_cc:
            for f in list(inst.files):
                if f.file_type == "TRANSCRIPT":
                    cc = captions_from_transcript(f.path.read_text(encoding="utf-8"))
                    cc_file = self._text_file(inst, "CC", "VTT", "closed_caption", cc)
                    cc_file.start, cc_file.end = (
                        f.start,
                        f.end,
                    )  # live captions: ready with the media
                    inst.files.append(cc_file)
        with self.lock:
            self.instances[uuid] = inst
            for f in inst.files:
                self.files_by_token[f.token] = f
                self.files_by_id[f.id] = f
        return RecordedInstance(meeting_id=mid, uuid=uuid, start_time=start_time)

    def _new_file(
        self,
        inst: InstanceState,
        ftype: str,
        ext: str,
        rtype: str,
        start: datetime,
        end: datetime,
        path: Path,
    ) -> FileState:
        return FileState(
            id=self.new_file_id(),
            instance_uuid=inst.uuid,
            file_type=ftype,
            file_extension=ext,
            recording_type=rtype,
            start=start,
            end=end,
            path=path,
            content_type=CONTENT_TYPES[ext],
            token=self.new_token(48),
            webhook_token=self.new_token(32),
        )

    def _segment_files(self, inst: InstanceState, index: int, seg: Segment) -> list[FileState]:
        start = (inst.start_time + timedelta(seconds=seg.start_offset_s)).replace(microsecond=0)
        end = start + timedelta(seconds=round(seg.duration_s))
        video = seg.video_path or media_file(self.media_cache, "video", seg.duration_s)
        audio = seg.audio_path or media_file(self.media_cache, "audio", seg.duration_s)
        files = [
            self._new_file(inst, "MP4", "MP4", vt, start, end, video) for vt in seg.video_types
        ]
        files.append(self._new_file(inst, "M4A", "M4A", "audio_only", start, end, audio))
        if seg.transcript is not None:
            path = self._data_dir / f"{self.new_token(8)}.vtt"
            path.write_text(seg.transcript, encoding="utf-8")
            f = self._new_file(inst, "TRANSCRIPT", "VTT", "audio_transcript", start, end, path)
            f.is_transcript = True
            files.append(f)
        return files

    def _text_file(
        self, inst: InstanceState, ftype: str, ext: str, rtype: str, text: str, bare: bool = False
    ) -> FileState:
        path = self._data_dir / f"{self.new_token(8)}.{ext.lower()}"
        path.write_text(text, encoding="utf-8")
        f = self._new_file(inst, ftype, ext, rtype, inst.start_time, inst.end_time, path)
        f.bare = bare
        return f

    def instance_for(self, meeting_ref: str) -> InstanceState | None:
        """Numeric id → the latest (by start time) live instance; otherwise the instance UUID."""
        with self.lock:
            if meeting_ref.isdigit():
                cands = [
                    i
                    for i in self.instances.values()
                    if i.meeting_id == int(meeting_ref) and not i.deleted
                ]
                return max(cands, key=lambda i: (i.start_time, i.seq)) if cands else None
            inst = self.instances.get(meeting_ref)
            return inst if inst is not None and not inst.deleted else None

    def recording_json(
        self, inst: InstanceState, *, webhook: bool = False, files: str = "visible"
    ) -> dict[str, Any]:
        """The recording object; ``files``: "visible" (REST now), "media" (everything but the
        audio transcript, as recording.completed carries), "transcript" (TRANSCRIPT and CC)."""
        if files == "transcript":
            chosen = [f for f in inst.files if f.is_transcript and not f.deleted]
        elif files == "media":
            chosen = [f for f in inst.files if f.file_type != "TRANSCRIPT" and not f.deleted]
        else:
            chosen = visible_files(inst, self.clock.now())
        meeting = self.meetings.get(inst.meeting_id, {})
        return recording_object(
            inst,
            meeting,
            chosen,
            web_url=self.web_url,
            account_id=self.account_id,
            host_id=self.user_id,
            host_email=self.user_email,
            webhook=webhook,
        )

    # -- webhooks ------------------------------------------------------------------------------

    def webhook_payload(self, event: str, uuid: str) -> dict[str, Any]:
        with self.lock:
            inst = self.instances.get(uuid)
            if inst is None:
                raise KeyError(f"no recorded instance {uuid!r}")
            token = None
            if event.startswith("recording."):
                now = self.clock.now()
                token = jwt_like(
                    self.secret,
                    {
                        "iss": "https://event.zoom.us",
                        "aud": "https://oauth.zoom.us",
                        "accountId": self.account_id,
                        "mid": uuid,
                        "userId": self.user_id,
                        "exp": int((now + DOWNLOAD_TOKEN_TTL).timestamp()),
                        "jti": self.new_token(8),
                    },
                )
                self.webhook_tokens[token] = (uuid, now + DOWNLOAD_TOKEN_TTL)
        return build_payload(self, event, inst, token)

    def deliver_webhook(
        self,
        url: str,
        payload: dict[str, Any],
        *,
        secret: str | None = None,
        timestamp: int | None = None,
    ) -> tuple[int, bytes]:
        ts = timestamp if timestamp is not None else int(self.clock.now().timestamp())
        return deliver(url, payload, secret or self.webhook_secret_token, ts)

    def deliver_webhook_with_retries(
        self,
        url: str,
        payload: dict[str, Any],
        *,
        schedule: Sequence[float] = RETRY_SCHEDULE_S,
        secret: str | None = None,
    ) -> list[int]:
        """Zoom's retry policy: the first attempt, then one retry after each ``schedule`` gap
        (5, 20, 60 minutes) until an answer is 200 or 204. Waits on the emulator clock (a
        FakeClock advances instantly); each attempt is signed afresh. Returns every status."""
        statuses = []
        for gap in (0.0, *schedule):
            if gap:
                self.clock.sleep(gap)
            status, _ = self.deliver_webhook(url, payload, secret=secret)
            statuses.append(status)
            if status in (200, 204):
                break
        return statuses
