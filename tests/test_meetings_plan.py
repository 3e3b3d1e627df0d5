"""Pure meeting planning: request bodies, recognising our meetings, deciding actions."""

from __future__ import annotations

from datetime import UTC, date, datetime

from hypothesis import given
from hypothesis import strategies as st

from zoomclub.meetings.plan import (
    AGENDA_MAX,
    TOPIC_MAX,
    RemoteMeeting,
    meeting_agenda,
    meeting_body,
    meeting_topic,
    plan_sync,
    session_date_of,
)
from zoomclub.schedule.service import SessionView
from zoomclub.settings import ClubSettings

CLUB = ClubSettings(name="Paper Club", join_before_host=True, waiting_room=False)
DAY = date(2026, 1, 14)


def sv(**kw: object) -> SessionView:
    base: dict[str, object] = {"date": DAY, "uid": "u"}
    base.update(kw)
    return SessionView(**base)  # type: ignore[arg-type]


@given(st.text(max_size=600))
def test_topic_never_exceeds_zoom_limit(title: str) -> None:
    topic = meeting_topic("Paper Club", title)
    assert len(topic) <= TOPIC_MAX
    assert topic.startswith("Paper Club")


@given(st.text(max_size=3000), st.text(max_size=300))
def test_agenda_keeps_marker_first_and_fits(notes: str, title: str) -> None:
    agenda = meeting_agenda(sv(notes=notes, paper_title=title or None))
    assert len(agenda) <= AGENDA_MAX
    assert agenda.startswith("[zoomclub 2026-01-14]\n")


def test_long_title_is_cut_with_an_ellipsis() -> None:
    topic = meeting_topic("Paper Club", "word " * 100)
    assert topic.endswith("…") and len(topic) <= 200


def test_body() -> None:
    body = meeting_body(
        sv(paper_title="Attention", paper_url="https://a.org", facilitator="Ada"), CLUB
    )
    assert body["type"] == 2
    assert body["start_time"] == "2026-01-14T12:00:00"  # local time, with the zone name
    assert body["timezone"] == "America/Los_Angeles"
    assert body["duration"] == 60
    assert body["settings"] == {
        "auto_recording": "cloud",
        "join_before_host": True,
        "waiting_room": False,
    }
    assert "Link: https://a.org" in body["agenda"] and "Facilitator: Ada" in body["agenda"]


def remote(mid: int, day: date = DAY, **kw: object) -> RemoteMeeting:
    base: dict[str, object] = {
        "id": mid,
        "topic": "Paper Club",
        "start_time": datetime(2026, 1, 14, 20, tzinfo=UTC),
        "agenda": f"[zoomclub {day.isoformat()}]\nPaper to be announced.",
    }
    base.update(kw)
    return RemoteMeeting(**base)  # type: ignore[arg-type]


def test_recognises_meetings_by_marker_or_by_topic_and_time() -> None:
    assert session_date_of(remote(1), CLUB) == DAY
    no_marker = remote(2, agenda="edited by hand", topic="Paper Club: X")
    assert session_date_of(no_marker, CLUB) == DAY
    assert session_date_of(remote(3, agenda=None, topic="Standup"), CLUB) is None
    off_time = remote(4, agenda=None, start_time=datetime(2026, 1, 14, 21, tzinfo=UTC))
    assert session_date_of(off_time, CLUB) is None


def test_plan_creates_adopts_and_removes_duplicates() -> None:
    kinds = lambda acts: [(a.kind, a.meeting_id) for a in acts]  # noqa: E731
    assert kinds(plan_sync({DAY: sv()}, [], CLUB, creatable={DAY})) == [("create", None)]
    assert kinds(plan_sync({DAY: sv()}, [], CLUB, creatable=set())) == []
    acts = plan_sync({DAY: sv(sequence=0)}, [remote(7), remote(5)], CLUB, creatable={DAY})
    assert kinds(acts) == [("delete", 7), ("adopt", 5), ("update", 5)]
    acts = plan_sync(
        {DAY: sv(meeting_id=7, synced_sequence=0)}, [remote(7), remote(5)], CLUB, creatable={DAY}
    )
    assert kinds(acts) == [("delete", 5), ("keep", 7)]


def test_plan_updates_on_edit_and_deletes_on_skip() -> None:
    acts = plan_sync(
        {DAY: sv(meeting_id=7, sequence=2, synced_sequence=1)}, [remote(7)], CLUB, creatable=set()
    )
    assert [a.kind for a in acts] == ["update"]
    acts = plan_sync({DAY: sv(meeting_id=7, skipped=True)}, [remote(7)], CLUB, creatable={DAY})
    assert [(a.kind, a.meeting_id) for a in acts] == [("delete", 7), ("forget", None)]
    acts = plan_sync({}, [remote(9)], CLUB, creatable=set())
    assert [(a.kind, a.meeting_id) for a in acts] == [("delete", 9)]
