"""What an archive run reports for each session, and an organizer's decision about the cut."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Literal

from zoomclub.errors import InputError

Status = Literal["archived", "held", "pending", "skipped", "failed"]


@dataclass
class ArchiveOutcome:
    """What happened to one recorded session (one meeting instance)."""

    status: Status
    session: str | None  # the archive key, e.g. "2026-01-07-attention-is-all-you-need"
    meeting_id: int | None
    meeting_uuid: str | None
    reason: str = ""
    detail: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "session": self.session,
            "meeting_id": self.meeting_id,
            "meeting_uuid": self.meeting_uuid,
            "reason": self.reason,
            **self.detail,
        }


@dataclass(frozen=True)
class BoundaryOverride:
    """An organizer's decision: cut at ``end_s``, or keep everything (``end_s`` None)."""

    end_s: float | None

    def __post_init__(self) -> None:
        if self.end_s is not None and not (math.isfinite(self.end_s) and self.end_s > 0):
            raise InputError(f"a cut must be a positive number of seconds, not {self.end_s!r}")

    def as_boundary(self) -> dict[str, Any]:
        return {
            "facilitation_end_s": self.end_s,
            "source": "organizer",
            "confidence": 1.0,
            "reason": "set by an organizer" + ("" if self.end_s is not None else " (no trim)"),
        }


def as_int(value: Any) -> int | None:
    try:
        return int(value) if value is not None else None
    except (TypeError, ValueError):
        return None


def with_status(base: ArchiveOutcome, status: Status, reason: str, **detail: Any) -> ArchiveOutcome:
    return ArchiveOutcome(status, base.session, base.meeting_id, base.meeting_uuid, reason, detail)


def outcome_for_ref(status: Status, ref: int | str, reason: str) -> ArchiveOutcome:
    mid = as_int(ref) if str(ref).isdigit() else None
    return ArchiveOutcome(status, None, mid, None if mid else str(ref), reason)
