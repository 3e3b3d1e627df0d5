"""Archive state in the database: one row per recorded session (meeting instance), plus its attempts.

Status moves ``pending`` → ``archived``, or ``pending`` → ``held`` → (``archived`` | ``rejected``).
The storage's ``session.json`` is the commit marker for what is published; this table is the
organizer's view and the memory of decisions (boundary, key) so that a resumed run repeats them.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, ForeignKey, Integer, String, Text, select
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from zoomclub.db import Base

PENDING, ARCHIVED, HELD, REJECTED = "pending", "archived", "held", "rejected"


class ArchiveRecord(Base):
    __tablename__ = "archive_sessions"

    meeting_uuid: Mapped[str] = mapped_column(String(128), primary_key=True)
    meeting_id: Mapped[int | None] = mapped_column(Integer, index=True)
    key: Mapped[str] = mapped_column(String(128), unique=True)
    topic: Mapped[str | None] = mapped_column(Text)
    start_time: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    status: Mapped[str] = mapped_column(String(16), default=PENDING, index=True)
    reason: Mapped[str] = mapped_column(Text, default="")
    # The detector's (or organizer's) decision, as written to session.json's "boundary".
    boundary: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    evidence: Mapped[list[str] | None] = mapped_column(JSON)
    archived_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    first_seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    attempts: Mapped[list[ArchiveAttempt]] = relationship(
        back_populates="record", order_by="ArchiveAttempt.id", cascade="all, delete-orphan"
    )


class ArchiveAttempt(Base):
    __tablename__ = "archive_attempts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    meeting_uuid: Mapped[str] = mapped_column(
        ForeignKey("archive_sessions.meeting_uuid"), index=True
    )
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    result: Mapped[str] = mapped_column(String(16))
    detail: Mapped[str] = mapped_column(Text, default="")

    record: Mapped[ArchiveRecord] = relationship(back_populates="attempts")


def get_record(db: Session, meeting_uuid: str) -> ArchiveRecord | None:
    return db.get(ArchiveRecord, meeting_uuid)


def find_by_key(db: Session, key: str) -> ArchiveRecord | None:
    return db.scalars(select(ArchiveRecord).where(ArchiveRecord.key == key)).first()


def keys_in_use(db: Session, prefix: str) -> set[str]:
    rows = db.scalars(select(ArchiveRecord.key).where(ArchiveRecord.key.startswith(prefix)))
    return set(rows)


def held_records(db: Session) -> list[ArchiveRecord]:
    return list(
        db.scalars(
            select(ArchiveRecord)
            .where(ArchiveRecord.status == HELD)
            .order_by(ArchiveRecord.start_time)
        )
    )
