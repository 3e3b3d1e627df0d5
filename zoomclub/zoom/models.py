"""Typed views of Zoom's JSON: meetings, recording sets and files, past instances, webhook events.

Zoom is inconsistent across endpoints and over time (see docs/zoom-api.md §3.2, §3.3, §5), so the
models are lenient by design: unknown fields are kept, ids and ``type`` accept ints or digit strings,
empty strings count as absent, ``CC``/``TIMELINE`` entries may lack ``id``/``file_size``/``status``,
and naive date-times (Zoom's responses are UTC) are read as UTC.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError

from zoomclub.errors import WebhookError

RECORDING_EVENTS = frozenset({"recording.completed", "recording.transcript_completed"})


def _empty_to_none(value: Any) -> Any:
    if isinstance(value, str) and not value.strip():
        return None
    return value


def _utc(value: Any) -> Any:
    value = _empty_to_none(value)
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if isinstance(value, datetime) and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


OptDatetime = Annotated[datetime | None, BeforeValidator(_utc)]
OptInt = Annotated[int | None, BeforeValidator(_empty_to_none)]
OptStr = Annotated[str | None, BeforeValidator(_empty_to_none)]


class ZoomModel(BaseModel):
    """Base: keep unknown fields, accept numbers where Zoom sometimes sends strings and back."""

    model_config = ConfigDict(extra="allow", coerce_numbers_to_str=True, populate_by_name=True)


class Occurrence(ZoomModel):
    occurrence_id: str
    start_time: OptDatetime = None
    duration: OptInt = None
    status: OptStr = None


class Meeting(ZoomModel):
    """A scheduled meeting as answered by create/get (``GET /meetings/{id}``)."""

    id: int
    uuid: OptStr = None
    host_id: OptStr = None
    host_email: OptStr = None
    topic: str = ""
    type: OptInt = None
    status: OptStr = None
    start_time: OptDatetime = None
    duration: OptInt = None
    timezone: OptStr = None
    agenda: OptStr = None
    created_at: OptDatetime = None
    start_url: OptStr = None
    join_url: OptStr = None
    password: OptStr = None
    recurrence: dict[str, Any] | None = None
    occurrences: list[Occurrence] = Field(default_factory=list)
    settings: dict[str, Any] = Field(default_factory=dict)


class MeetingSummary(ZoomModel):
    """One entry of ``GET /users/{userId}/meetings``."""

    id: int
    uuid: OptStr = None
    host_id: OptStr = None
    topic: str = ""
    type: OptInt = None
    start_time: OptDatetime = None
    duration: OptInt = None
    timezone: OptStr = None
    agenda: OptStr = None
    created_at: OptDatetime = None
    join_url: OptStr = None


class RecordingFile(ZoomModel):
    """One ``recording_files[]`` entry. ``meeting_id`` is the instance UUID, not the number."""

    id: OptStr = None
    meeting_id: OptStr = None
    recording_start: OptDatetime = None
    recording_end: OptDatetime = None
    file_type: OptStr = None
    file_extension: OptStr = None
    file_size: OptInt = None
    download_url: OptStr = None
    play_url: OptStr = None
    status: OptStr = None
    recording_type: OptStr = None
    file_name: OptStr = None

    @property
    def is_webhook_url(self) -> bool:
        """True for ``/rec/webhook_download/`` URLs, which want the webhook's download_token."""
        return bool(self.download_url and "/rec/webhook_download/" in self.download_url)

    @property
    def completed(self) -> bool:
        """Whether the file is ready; entries without a status (CC, TIMELINE) count as ready."""
        return self.status is None or self.status == "completed"


class RecordingSet(ZoomModel):
    """All files of one meeting instance (``GET /meetings/{id}/recordings`` or a webhook object)."""

    uuid: str
    id: int
    topic: str = ""
    type: OptInt = None
    start_time: OptDatetime = None
    duration: OptInt = None
    timezone: OptStr = None
    host_id: OptStr = None
    account_id: OptStr = None
    total_size: OptInt = None
    recording_count: OptInt = None
    share_url: OptStr = None
    download_access_token: OptStr = None
    recording_files: list[RecordingFile] = Field(default_factory=list)
    participant_audio_files: list[RecordingFile] = Field(default_factory=list)

    def segments(self) -> list[list[RecordingFile]]:
        """Files grouped by ``recording_start`` (one group per stop/start segment), in time order.

        Files without a ``recording_start`` cannot be placed in time and are left out; they stay in
        ``recording_files``.
        """
        groups: dict[datetime, list[RecordingFile]] = {}
        for f in self.recording_files:
            if f.recording_start is not None:
                groups.setdefault(f.recording_start, []).append(f)
        return [groups[k] for k in sorted(groups)]


class PastInstance(ZoomModel):
    """One ended instance from ``GET /past_meetings/{id}/instances``."""

    uuid: str
    start_time: OptDatetime = None


class WebhookEvent(ZoomModel):
    """A webhook delivery: ``event``, ``event_ts`` (epoch ms), ``payload`` and maybe a download token."""

    event: str
    event_ts: OptInt = None
    download_token: OptStr = None
    payload: dict[str, Any] = Field(default_factory=dict)

    @classmethod
    def parse(cls, raw: bytes | str | Mapping[str, Any]) -> WebhookEvent:
        """Parse a delivery body; anything unreadable is a :class:`WebhookError` (HTTP 400)."""
        try:
            data = json.loads(raw) if isinstance(raw, bytes | str) else dict(raw)
        except (ValueError, UnicodeDecodeError) as exc:
            raise WebhookError("webhook body is not valid JSON", status=400) from exc
        if not isinstance(data, dict):
            raise WebhookError("webhook body is not a JSON object", status=400)
        try:
            return cls.model_validate(data)
        except ValidationError as exc:
            raise WebhookError(
                f"webhook body is not a Zoom event: {_first_error(exc)}", 400
            ) from exc

    @property
    def object(self) -> dict[str, Any]:
        obj = self.payload.get("object")
        return obj if isinstance(obj, dict) else {}

    @property
    def is_recording_event(self) -> bool:
        return self.event in RECORDING_EVENTS

    def recording_set(self) -> RecordingSet:
        """The recording set carried by a ``recording.*`` event (webhook download URLs inside)."""
        if not self.is_recording_event:
            raise WebhookError(f"{self.event!r} is not a recording event", status=400)
        try:
            return RecordingSet.model_validate(self.object)
        except ValidationError as exc:
            raise WebhookError(
                f"{self.event} payload has no usable recording object: {_first_error(exc)}", 400
            ) from exc


def _first_error(exc: ValidationError) -> str:
    err = exc.errors()[0]
    loc = ".".join(str(p) for p in err.get("loc", ())) or "body"
    return f"{loc}: {err.get('msg', 'invalid')}"
