"""The Zoom REST client: OAuth, meetings, cloud recordings, resumable downloads, typed models."""

from zoomclub.zoom.models import (
    Meeting,
    MeetingSummary,
    PastInstance,
    RecordingFile,
    RecordingSet,
    WebhookEvent,
)

__all__ = [
    "Meeting",
    "MeetingSummary",
    "PastInstance",
    "RecordingFile",
    "RecordingSet",
    "WebhookEvent",
]
