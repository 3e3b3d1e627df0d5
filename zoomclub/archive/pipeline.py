"""The archive pipeline (placeholder: the archive issue fills it)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from zoomclub.wiring import Services

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


def archive_meeting(services: Services, ref: int | str, **options: Any) -> list[ArchiveOutcome]:
    """Archive the latest instance of meeting ``ref`` (numeric id) or the instance ``ref`` (UUID).

    Idempotent: an already archived session is reported as such and nothing is uploaded again.
    """
    raise NotImplementedError("the archive pipeline is not built yet")
