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
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from zoomclub.clock import FakeClock
from zoomclub.demo.script import DemoSession, demo_transcript
from zoomclub.settings import ArchiveSettings, ClubSettings, Settings, ZoomSettings
from zoomclub.wiring import Services

log = logging.getLogger(__name__)

CLUB = "Demo Paper Club"
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
        "Scaling Laws for Neural Language Models",
        "https://arxiv.org/abs/2001.08361",
        "Alan Turing",
        2580,
        40,
        3,
    ),
    DemoSession(
        "Chinchilla: Training Compute-Optimal LLMs",
        "https://arxiv.org/abs/2203.15556",
        "Émilie du Châtelet",
        2760,
        30,
        4,
    ),
]


@dataclass
class DemoReport:
    root: Path
    archive: str
    outcomes: list[dict[str, Any]] = field(default_factory=list)
    meetings: list[dict[str, Any]] = field(default_factory=list)
    site: str | None = None


def _wednesdays_before(now: datetime, n: int) -> list[datetime]:
    """The last ``n`` Wednesdays at 20:00 UTC (12:00 in Los Angeles in winter), oldest first."""
    day = now.replace(hour=20, minute=0, second=0, microsecond=0)
    while day.weekday() != 2 or day >= now:
        day -= timedelta(days=1)
    return [day - timedelta(weeks=i) for i in reversed(range(n))]


def run_demo(
    root: Path,
    *,
    archive_url: str | None = None,
    s3_endpoint_url: str | None = None,
    echo: Callable[[str], None] = print,
) -> DemoReport:
    from zoomclub.archive.pipeline import archive_meeting
    from zoomclub.emulator import Segment, ZoomEmulator

    root = root.resolve()
    root.mkdir(parents=True, exist_ok=True)
    clock = FakeClock(datetime.now(UTC).replace(microsecond=0))
    report = DemoReport(root=root, archive=archive_url or str(root / "archive"))
    with ZoomEmulator(clock=clock, media_cache=root / "media-cache") as emu:
        env = emu.env()
        settings = Settings(
            zoom=ZoomSettings(
                account_id=env["ZOOMCLUB_ZOOM__ACCOUNT_ID"],
                client_id=env["ZOOMCLUB_ZOOM__CLIENT_ID"],
                client_secret=env["ZOOMCLUB_ZOOM__CLIENT_SECRET"],
                api_url=env["ZOOMCLUB_ZOOM__API_URL"],
                oauth_url=env["ZOOMCLUB_ZOOM__OAUTH_URL"],
                user_id=env["ZOOMCLUB_ZOOM__USER_ID"],
            ),
            archive=ArchiveSettings(
                url=report.archive, s3_endpoint_url=s3_endpoint_url, work_dir=root / "work"
            ),
            club=ClubSettings(
                name=CLUB, facilitation_minutes=FACILITATION_MIN, duration_minutes=60
            ),
            database_url=f"sqlite:///{root / 'zoomclub.db'}",
        )
        services = Services(settings=settings, clock=clock)
        try:
            echo(f"Zoom emulator on {emu.api_url}; archiving into {report.archive}")
            instances = []
            for when, s in zip(
                _wednesdays_before(clock.now(), len(SESSIONS)), SESSIONS, strict=True
            ):
                vtt = demo_transcript(s)
                length = s.facilitation_s + s.qa_s + 5
                topic = f"{CLUB}: {s.title}"
                if s.seed == 4:  # a false start, then stop/restart in the middle of facilitation
                    from zoomclub.transcript.vtt import cut_cues, offset_cues, parse_vtt, render_vtt

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
                late = clock.now() + timedelta(hours=1) if s.seed == 3 else None
                inst = emu.add_recording(
                    topic=topic, start_time=when, segments=segments, transcript_ready_at=late
                )
                instances.append((s, inst))
            echo(f"Recorded {len(instances)} past sessions in the emulator; archiving...")
            for _s, inst in instances:
                for o in archive_meeting(services, inst.uuid):
                    report.outcomes.append(o.to_json())
                    echo(f"  {o.status:8} {o.session}: {o.reason}")
            pending = [o for o in report.outcomes if o["status"] == "pending"]
            if pending:
                echo("Two hours later, Zoom's late transcript has arrived; archiving again...")
                clock.advance(2 * 3600)
                for o_json in pending:
                    for o in archive_meeting(services, o_json["meeting_uuid"]):
                        report.outcomes.append(o.to_json())
                        echo(f"  {o.status:8} {o.session}: {o.reason}")
            report.site = _build_site(services, echo)
        finally:
            services.close()
    echo("")
    echo(f"Archive: {report.archive}")
    if report.site:
        echo(f"Site:    {report.site}")
    echo(
        f"State:   {root / 'zoomclub.db'}  (try: ZOOMCLUB_DATABASE_URL=sqlite:///{root / 'zoomclub.db'} zoomclub review list)"
    )
    return report


def _build_site(services: Services, echo: Callable[[str], None]) -> str | None:
    try:
        from zoomclub.publish import rebuild_site
    except ImportError:
        return None
    rebuild_site(services, changed=None)
    url = services.storage.url_for("index.html")
    return url
