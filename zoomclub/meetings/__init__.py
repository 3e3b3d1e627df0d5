"""Zoom meetings for scheduled sessions: pure planning (:mod:`.plan`) and the I/O shell (:mod:`.sync`)."""

from __future__ import annotations

from zoomclub.meetings.plan import meeting_body, meeting_topic
from zoomclub.meetings.sync import SyncResult, sync_meetings

__all__ = ["SyncResult", "meeting_body", "meeting_topic", "sync_meetings"]
