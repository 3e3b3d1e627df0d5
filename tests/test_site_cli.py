"""`zoomclub site build` end to end: the real command, settings from the environment, real DB."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import icalendar

from tests.test_site_data import standard_archive


def run(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    full_env = {
        **os.environ,
        "ZOOMCLUB_ARCHIVE__URL": str(tmp_path / "archive"),
        "ZOOMCLUB_DATABASE_URL": f"sqlite:///{tmp_path / 'zoomclub.db'}",
        "ZOOMCLUB_CLUB__NAME": "Tuesday Papers",
        "ZOOMCLUB_CLUB__TIMEZONE": "Europe/Berlin",
        "ZOOMCLUB_CLUB__WEEKDAY": "wednesday",
        "ZOOMCLUB_LOG_LEVEL": "WARNING",
        **env,
    }
    full_env.pop("ZOOMCLUB_CONFIG", None)  # no zoomclub.toml from the developer's environment
    return subprocess.run(
        [sys.executable, "-m", "zoomclub", *args],
        cwd=tmp_path,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_site_build_renders_the_archive_and_the_schedule(tmp_path: Path) -> None:
    standard_archive(tmp_path / "archive")
    day = (datetime.now(UTC) + timedelta(days=8)).date()
    day += timedelta(days=(2 - day.weekday()) % 7)  # a Wednesday
    added = run(
        tmp_path,
        "schedule", "add", "--date", day.isoformat(), "--title", "Mamba", "--facilitator", "Grace",
    )  # fmt: skip
    assert added.returncode == 0, added.stderr
    done = run(tmp_path, "site", "build", "--json")
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["sessions"] == 3 and report["pages_rendered"] == 3
    site = tmp_path / "archive"
    assert "Tuesday Papers" in (site / "index.html").read_text()
    assert "Mamba" in (site / "upcoming.html").read_text()
    cal = icalendar.Calendar.from_ical((site / "calendar.ics").read_bytes())
    assert any("Mamba" in str(e["SUMMARY"]) for e in cal.walk("VEVENT"))

    again = run(tmp_path, "site", "build", "--session", "2026-01-07-attention")
    assert again.returncode == 0, again.stderr
    assert "1 pages rendered" in again.stdout


def test_site_build_bad_setting_is_one_line(tmp_path: Path) -> None:
    done = run(tmp_path, "site", "build", ZOOMCLUB_CLUB__SITE_URL="javascript:alert(1)")
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert "ZOOMCLUB_CLUB__SITE_URL: must be the site's absolute http(s) URL" in done.stderr


def test_site_serve_needs_a_passphrase(tmp_path: Path) -> None:
    done = run(tmp_path, "site", "serve")
    assert done.returncode == 2
    assert "ZOOMCLUB_SERVER__SITE_PASSPHRASE" in done.stderr
    assert "Traceback" not in done.stderr
