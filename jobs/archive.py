"""Scheduled jobs: queue ended sessions for archiving and work the archive queue."""

from __future__ import annotations

from zoomclub.runtime import current
from zoomclub.scheduler import JOB_ARCHIVE, JOB_SESSION_END


def session_ended() -> None:
    rt = current()
    rt.run_job(JOB_SESSION_END, rt.session_ended_job)


def poll() -> None:
    rt = current()
    rt.run_job(JOB_ARCHIVE, rt.archive_job)
