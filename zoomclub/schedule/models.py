"""Tables of the run-unattended feature: the schedule, the Zoom quota ledger, the archive queue and
the last result of each scheduled job.

They all live here because :func:`zoomclub.db.make_engine` imports this module to create them.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, Boolean, Date, DateTime, Float, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from zoomclub.db import Base


class ClubSession(Base):
    """One scheduled club session (or a skipped week when ``skipped``).

    ``sequence`` grows with every edit; ``synced_sequence`` is the sequence last pushed to Zoom, so
    the meeting job knows the Zoom meeting needs an update. ``uid`` never changes (calendar feeds).
    """

    __tablename__ = "club_sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    date: Mapped[date] = mapped_column(Date, unique=True, index=True)
    uid: Mapped[str] = mapped_column(String(100), unique=True)
    paper_title: Mapped[str | None] = mapped_column(Text)
    paper_url: Mapped[str | None] = mapped_column(Text)
    facilitator: Mapped[str | None] = mapped_column(Text)
    author: Mapped[str | None] = mapped_column(Text)
    notes: Mapped[str | None] = mapped_column(Text)
    skipped: Mapped[bool] = mapped_column(Boolean, default=False)
    sequence: Mapped[int] = mapped_column(Integer, default=0)
    meeting_id: Mapped[int | None] = mapped_column(BigInteger)
    join_url: Mapped[str | None] = mapped_column(Text)
    synced_sequence: Mapped[int | None] = mapped_column(Integer)
    updated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class QuotaUsage(Base):
    """Meeting create/update calls spent per host user and UTC day (Zoom allows 100)."""

    __tablename__ = "zoom_quota_usage"

    user_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    used: Mapped[int] = mapped_column(Integer, default=0)


class ArchiveJob(Base):
    """One queued archive request; ``ref`` is a meeting id or an instance UUID.

    ``state``: queued → done | held | failed | expired. ``deadline_at`` ends polling loudly.
    """

    __tablename__ = "archive_queue"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ref: Mapped[str] = mapped_column(String(200), unique=True, index=True)
    source: Mapped[str] = mapped_column(String(40))
    state: Mapped[str] = mapped_column(String(20), default="queued", index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    deadline_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_status: Mapped[str | None] = mapped_column(String(20))
    last_reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class JobRun(Base):
    """The last run of each scheduled job, for /healthz."""

    __tablename__ = "job_runs"

    job: Mapped[str] = mapped_column(String(100), primary_key=True)
    result: Mapped[str] = mapped_column(String(40))
    detail: Mapped[str | None] = mapped_column(Text)
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    duration_s: Mapped[float] = mapped_column(Float)
