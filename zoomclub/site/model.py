"""Plain data the site renders, shared between the schedule (producer) and the site (consumer)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime


@dataclass(frozen=True)
class CalendarEntry:
    """One scheduled club session as the calendar feed and upcoming page see it.

    ``uid`` is stable for the life of the session (calendar apps update rather than duplicate);
    ``sequence`` grows with every change; ``cancelled`` marks a skipped week.
    """

    uid: str
    date: date
    start: datetime  # timezone-aware, in the club's time zone
    duration_minutes: int
    paper_title: str | None = None
    paper_url: str | None = None
    facilitator: str | None = None
    author: str | None = None
    notes: str | None = None
    join_url: str | None = None
    cancelled: bool = False
    sequence: int = 0
