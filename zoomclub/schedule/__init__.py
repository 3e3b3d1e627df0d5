"""The club schedule: sessions (date, paper, facilitator), skipped weeks, and the calendar they make."""

from __future__ import annotations

from zoomclub.schedule.service import calendar_entries

__all__ = ["calendar_entries"]
