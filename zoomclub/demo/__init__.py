"""`zoomclub demo`: the real pipeline against the built-in Zoom emulator, on embedded defaults.

The emulator holds a short club history — a clean session, one whose recording ran into the Q&A,
one whose transcript arrives late, one recorded in two segments (plus a false start) — and the demo
archives it with the same code the server runs, then builds the site. Sessions are shortened
(facilitation of a few minutes) so the whole demo runs in well under two minutes.

Time inside the demo is an injected clock: "the transcript arrives an hour later" is a clock
advance, not a wait.
"""

from __future__ import annotations

import logging
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from zoomclub.clock import FakeClock
from zoomclub.demo.script import DemoSession, demo_transcript
from zoomclub.settings import ArchiveSettings, ClubSettings, Settings, ZoomSettings
from zoomclub.wiring import Services

log = logging.getLogger(__name__)

CLUB = "Demo Paper Club"
TZ = "America/Los_Angeles"
FACILITATION_MIN = 45

SESSIONS = [
    DemoSession(
        "Attention Is All You Need", "https://arxiv.org/abs/1706.03762", "Ada Lovelace", 2650, 0, 1
    ),
    DemoSession(
        "Dense Passage Retrieval for Open-Domain Question Answering",
        "https://arxiv.org/abs/2004.04906",
        "Grace Hopper",
        2720,
        600,
        2,
    ),
    DemoSession(
        "Chinchilla: Training Compute-Optimal LLMs",
        "https://arxiv.org/abs/2203.15556",
        "Émilie du Châtelet",
        2760,
        30,
        4,
    ),
    DemoSession(
        "Scaling Laws for Neural Language Models",
        "https://arxiv.org/abs/2001.08361",
        "Alan Turing",
        2580,
        40,
        3,
    ),
]
UPCOMING = [
    (
        "Language Models are Few-Shot Learners",
        "https://arxiv.org/abs/2005.14165",
        "Katherine Johnson",
    ),
    None,  # a holiday: skipped week
    (
        "LoRA: Low-Rank Adaptation of Large Language Models",
        "https://arxiv.org/abs/2106.09685",
        "Hedy Lamarr",
    ),
    (None, None, "Mary Somerville"),  # paper not chosen yet: still gets its meeting
]


@dataclass
class DemoReport:
    root: Path
    archive: str
    outcomes: list[dict[str, Any]] = field(default_factory=list)
    meetings: list[dict[str, Any]] = field(default_factory=list)
    site: str | None = None


def _last_wednesday_session(now: datetime) -> datetime:
    """The most recent Wednesday 12:00 in Los Angeles that has already started."""
    la = ZoneInfo(TZ)
    day = now.astimezone(la).date()
    while True:
        start = datetime.combine(day, time(12, 0), la)
        if day.weekday() == 2 and start <= now:
            return start
        day -= timedelta(days=1)


def _fresh(root: Path) -> None:
    """A demo run starts from nothing (the media cache is kept: it only saves ffmpeg time)."""
    for name in ("archive", "work"):
        shutil.rmtree(root / name, ignore_errors=True)
    (root / "zoomclub.db").unlink(missing_ok=True)


def run_demo(
    root: Path,
    *,
    archive_url: str | None = None,
    s3_endpoint_url: str | None = None,
    echo: Callable[[str], None] = print,
) -> DemoReport:
    from zoomclub.archive.pipeline import archive_meeting
    from zoomclub.emulator import ZoomEmulator

    root = root.resolve()
    root.mkdir(parents=True, exist_ok=True)
    _fresh(root)
    # Demo time: three hours after the latest club session started (it has just been recorded).
    last = _last_wednesday_session(datetime.now(UTC))
    clock = FakeClock((last + timedelta(hours=3)).astimezone(UTC))
    report = DemoReport(root=root, archive=archive_url or str(root / "archive"))
    with ZoomEmulator(clock=clock, media_cache=root / "media-cache") as emu:
        services = Services(
            settings=_settings(emu.zoom_settings(), root, report.archive, s3_endpoint_url),
            clock=clock,
        )
        try:
            echo(f"Zoom emulator on {emu.api_url}; archive: {report.archive}")
            starts = [last - timedelta(weeks=i) for i in reversed(range(len(SESSIONS)))]
            _plan_schedule(services, starts, echo)
            report.meetings = _create_meetings(services, echo)
            instances = [
                _record(emu, services, when, s) for when, s in zip(starts, SESSIONS, strict=True)
            ]
            echo(f"Zoom recorded the last {len(instances)} sessions; archiving them...")
            pending = []
            for inst in instances:
                for o in archive_meeting(services, inst.uuid):
                    report.outcomes.append(o.to_json())
                    echo(f"  {o.status:8} {o.session}: {o.reason}")
                    if o.status == "pending":
                        pending.append(inst.uuid)
            if pending:
                echo("Two hours later Zoom's late transcript has arrived; archiving again...")
                clock.advance(2 * 3600)
                for uuid in pending:
                    for o in archive_meeting(services, uuid):
                        report.outcomes.append(o.to_json())
                        echo(f"  {o.status:8} {o.session}: {o.reason}")
            report.site = _build_site(services)
        finally:
            services.close()
    echo("")
    echo(f"Archive: {report.archive}")
    if report.site:
        echo(f"Site:    {report.site}")
    db = root / "zoomclub.db"
    echo(f"State:   {db}")
    echo(f"         ZOOMCLUB_DATABASE_URL=sqlite:///{db} zoomclub schedule list")
    return report


def _settings(zoom: ZoomSettings, root: Path, archive: str, endpoint: str | None) -> Settings:
    return Settings(
        zoom=zoom,
        archive=ArchiveSettings(url=archive, s3_endpoint_url=endpoint, work_dir=root / "work"),
        club=ClubSettings(
            name=CLUB, timezone=TZ, facilitation_minutes=FACILITATION_MIN, duration_minutes=60
        ),
        database_url=f"sqlite:///{root / 'zoomclub.db'}",
    )


def _plan_schedule(services: Services, past: list[datetime], echo: Callable[[str], None]) -> None:
    from zoomclub.db import transaction
    from zoomclub.schedule.service import add_session, skip_week

    club = services.settings.club
    now = services.clock.now()
    with transaction(services.db) as db:
        for when, s in zip(past, SESSIONS, strict=True):
            add_session(
                db,
                when.date(),
                club,
                now,
                paper_title=s.title,
                paper_url=s.url,
                facilitator=s.facilitator,
            )
        for i, plan in enumerate(UPCOMING, start=1):
            day = past[-1].date() + timedelta(weeks=i)
            if plan is None:
                add_session(db, day, club, now)
                skip_week(db, day, club, now)
            else:
                title, url, who = plan
                add_session(db, day, club, now, paper_title=title, paper_url=url, facilitator=who)
    echo(f"Schedule: {len(past)} past and {len(UPCOMING)} upcoming weeks (one skipped)")


def _create_meetings(services: Services, echo: Callable[[str], None]) -> list[dict[str, Any]]:
    from zoomclub.meetings.sync import sync_meetings

    results = sync_meetings(
        services.db,
        services.zoom,
        services.zoom_user_id,
        services.settings.club,
        services.clock.now(),
    )
    for r in results:
        echo(f"  meeting {r.result:8} {r.day}: {r.meeting_id or ''} {r.reason}")
    return [r.to_json() for r in results]


def _record(emu: Any, services: Services, when: datetime, s: DemoSession) -> Any:
    """What Zoom holds after the session: its cloud recording, made to the session's script."""
    from zoomclub.emulator import Segment
    from zoomclub.transcript.vtt import cut_cues, offset_cues, parse_vtt, render_vtt

    vtt = demo_transcript(s)
    length = s.facilitation_s + s.qa_s + 5
    if s.seed == 4:  # a false start, then a stop/restart in the middle of facilitation
        cues = parse_vtt(vtt).cues
        half = 1_500_000
        first = render_vtt(cut_cues(cues, half))
        second = render_vtt(offset_cues([c for c in cues if c.start_ms >= half], -half))
        segments = [
            Segment(0, 8),
            Segment(30, half / 1000, transcript=first),
            Segment(30 + half / 1000 + 45, length - half / 1000, transcript=second),
        ]
    else:
        segments = [Segment(0, length, transcript=vtt)]
    now = services.clock.now()
    late = now + timedelta(hours=1) if s.seed == 3 else None
    return emu.add_recording(
        topic=f"{CLUB}: {s.title}",
        start_time=when.astimezone(UTC),
        segments=segments,
        transcript_ready_at=late,
    )


def _build_site(services: Services) -> str:
    from zoomclub.site.publish import publish_site

    publish_site(services, changed=None)
    return services.storage.url_for("index.html")
