"""What the club schedule knows about a recorded instance: paper, facilitator, invited author.

A recording is matched to a scheduled session by its Zoom meeting id, else by its start date in the
club's time zone (for meetings created by hand or before zoomclub managed the schedule).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from zoomclub.schedule.models import ClubSession


def schedule_info_for(
    db: Session, *, meeting_id: int | None, start: datetime, tz: ZoneInfo
) -> dict[str, Any] | None:
    row = None
    if meeting_id is not None:
        row = db.scalars(select(ClubSession).where(ClubSession.meeting_id == meeting_id)).first()
    if row is None:
        day = start.astimezone(tz).date()
        row = db.scalars(select(ClubSession).where(ClubSession.date == day)).first()
    if row is None or row.skipped:
        return None
    return {
        "paper_title": row.paper_title,
        "paper_url": row.paper_url,
        "facilitator": row.facilitator,
        "author": row.author,
    }


def is_club_meeting_id(db: Session, meeting_id: int | None) -> bool:
    if meeting_id is None:
        return False
    found = db.scalars(select(ClubSession.id).where(ClubSession.meeting_id == meeting_id)).first()
    return found is not None
