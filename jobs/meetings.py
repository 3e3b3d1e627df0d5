"""Scheduled job: make Zoom's meetings match the schedule (create, update, delete)."""

from __future__ import annotations

from zoomclub.runtime import current
from zoomclub.scheduler import JOB_MEETINGS


def sync() -> None:
    rt = current()
    rt.run_job(JOB_MEETINGS, rt.meetings_job)
