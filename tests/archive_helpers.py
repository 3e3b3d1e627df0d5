"""Helpers for archive tests: services wired to the emulator, demo-style transcripts, readers."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from zoomclub.clock import FakeClock
from zoomclub.demo.script import QA, DemoSession, demo_transcript
from zoomclub.settings import ArchiveSettings, ClubSettings, Settings
from zoomclub.wiring import Services

CLUB = "Test Club"
WHEN = datetime(2026, 1, 7, 20, 0, tzinfo=UTC)  # a Wednesday, 12:00 in Los Angeles


def settings_for(
    emu: Any, tmp: Path, *, archive_url: str | None = None, **archive: Any
) -> Settings:
    return Settings(
        zoom=emu.zoom_settings(),
        archive=ArchiveSettings(
            url=archive_url or str(tmp / "archive"), work_dir=tmp / "work", **archive
        ),
        club=ClubSettings(name=CLUB, facilitation_minutes=45, duration_minutes=60),
        database_url=f"sqlite:///{tmp / 'zoomclub.db'}",
    )


def services_for(emu: Any, tmp: Path, clock: FakeClock, **kw: Any) -> Services:
    return Services(settings=settings_for(emu, tmp, **kw), clock=clock)


def session(facilitation_s: int = 2650, qa_s: int = 0, seed: int = 1) -> DemoSession:
    return DemoSession(
        "Attention Is All You Need",
        "https://arxiv.org/abs/1706.03762",
        "Ada Lovelace",
        facilitation_s,
        qa_s,
        seed,
    )


def transcript(s: DemoSession) -> str:
    return demo_transcript(s)


def read_json(storage: Any, key: str) -> dict[str, Any]:
    return json.loads(storage.get_bytes(key))


def qa_lines() -> list[str]:
    return list(QA)


def later(hours: float) -> timedelta:
    return timedelta(hours=hours)


def record(emu: Any, length_s: float, vtt: str, **kw: Any) -> Any:
    """One club session recorded in one segment, as Zoom holds it after the meeting."""
    from zoomclub.emulator import Segment

    return emu.add_recording(
        topic=f"{CLUB}: Attention Is All You Need",
        start_time=WHEN,
        segments=[Segment(0, length_s, transcript=vtt)],
        **kw,
    )


def run_cli(cwd: Path, env: dict[str, str], *args: str) -> Any:
    """`zoomclub ARGS` as a subprocess with only the given ZOOMCLUB_* settings."""
    import os
    import subprocess
    import sys

    base = {k: v for k, v in os.environ.items() if not k.startswith("ZOOMCLUB_")}
    return subprocess.run(
        [sys.executable, "-m", "zoomclub", *args],
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=120,
        cwd=cwd,
    )
