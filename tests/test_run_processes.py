"""Two real `zoomclub run` processes on one database against the emulator: one meeting, one runner."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import IO

import pytest
import requests

from zoomclub.emulator import ZoomEmulator
from zoomclub.settings import WEEKDAYS


def wait_for(
    predicate: object,
    timeout: float,
    what: str,
    alive: list[subprocess.Popen[bytes]] | None = None,
) -> None:
    """Poll a real subprocess's effect (real time: the processes run on the system clock)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():  # type: ignore[operator]
            return
        for p in alive or []:
            if p.poll() is not None:
                raise AssertionError(f"zoomclub run exited with {p.returncode} before {what}")
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def start(env: dict[str, str], log: Path) -> tuple[subprocess.Popen[bytes], IO[bytes]]:
    out = log.open("wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "zoomclub", "run", "--standby-retry", "0.2"],
        env=env,
        stdout=out,
        stderr=subprocess.STDOUT,
        cwd=log.parent,
    )
    return proc, out


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_two_runners_on_one_database_create_one_meeting(
    zoom_emulator: ZoomEmulator, tmp_path: Path
) -> None:
    now = datetime.now(UTC)
    zoom_emulator.clock.set(now)  # type: ignore[attr-defined]
    tomorrow = (now + timedelta(days=1)).astimezone(UTC).date()
    ports = [free_port(), free_port()]
    base = {k: v for k, v in os.environ.items() if not k.startswith("ZOOMCLUB_")}
    base.update(zoom_emulator.env())
    base.update(
        {
            "ZOOMCLUB_DATABASE_URL": f"sqlite:///{tmp_path / 'club.db'}",
            "ZOOMCLUB_ARCHIVE__URL": str(tmp_path / "archive"),
            "ZOOMCLUB_ARCHIVE__WORK_DIR": str(tmp_path / "work"),
            "ZOOMCLUB_CLUB__TIMEZONE": "UTC",
            "ZOOMCLUB_CLUB__WEEKDAY": WEEKDAYS[tomorrow.weekday()],
            "ZOOMCLUB_CLUB__START_TIME": "23:00",
            "ZOOMCLUB_CLUB__CREATE_DAYS_AHEAD": "3",
            "ZOOMCLUB_SERVER__HOST": "127.0.0.1",
            "ZOOMCLUB_LOG_LEVEL": "INFO",
        }
    )
    procs = []
    try:
        for i, port in enumerate(ports):
            env = dict(base, ZOOMCLUB_SERVER__PORT=str(port))
            procs.append(start(env, tmp_path / f"run{i}.log"))
        logs = [tmp_path / "run0.log", tmp_path / "run1.log"]

        def standing_by() -> list[int]:
            return [i for i, p in enumerate(logs) if "standing by" in p.read_text(errors="replace")]

        wait_for(
            lambda: len(zoom_emulator.meeting_ids()) == 1 and standing_by(),
            60,
            "one meeting and a standby",
            alive=[p for p, _ in procs],
        )
        (waiting,) = standing_by()
        active = 1 - waiting
        health = requests.get(f"http://127.0.0.1:{ports[active]}/healthz", timeout=5)
        assert health.status_code == 200, health.text
        wait_for(
            lambda: health_jobs(ports[active]).get("meetings-sync") == "ok",
            30,
            "a recorded job run",
        )

        # The active runner stops (SIGTERM); the other takes over and still creates nothing new.
        procs[active][0].send_signal(signal.SIGTERM)
        assert procs[active][0].wait(30) == 0
        wait_for(lambda: "took over" in logs[waiting].read_text(errors="replace"), 30, "takeover")
        wait_for(
            lambda: health_jobs(ports[waiting]).get("meetings-sync") == "ok",
            30,
            "a sync after takeover",
        )
        procs[waiting][0].send_signal(signal.SIGTERM)
        assert procs[waiting][0].wait(30) == 0
        creates = [
            r for r in zoom_emulator.requests if r.method == "POST" and r.path.endswith("/meetings")
        ]
        assert len(creates) == 1
        assert len(zoom_emulator.meeting_ids()) == 1
        text = logs[0].read_text() + logs[1].read_text()
        assert zoom_emulator.client_secret not in text
        assert "Traceback" not in text
    finally:
        for proc, out in procs:
            if proc.poll() is None:
                proc.kill()
                proc.wait(10)
            out.close()


def health_jobs(port: int) -> dict[str, str]:
    try:
        body = requests.get(f"http://127.0.0.1:{port}/healthz", timeout=5).json()
    except (requests.RequestException, ValueError):
        return {}
    return {k: v["result"] for k, v in body.get("jobs", {}).items()}


def test_run_without_zoom_credentials_fails_at_start(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ZOOMCLUB_")}
    env["ZOOMCLUB_DATABASE_URL"] = f"sqlite:///{tmp_path / 'club.db'}"
    out = subprocess.run(
        [sys.executable, "-m", "zoomclub", "run"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 2
    assert out.stderr.startswith("zoomclub: error: Zoom credentials are not configured")


@pytest.mark.parametrize("sig", [signal.SIGTERM])
def test_standby_runner_stops_on_sigterm(tmp_path: Path, sig: int) -> None:
    from filelock import FileLock

    db = tmp_path / "club.db"
    lock = FileLock(str(tmp_path / "club.runner.lock"))
    lock.acquire()
    env = {k: v for k, v in os.environ.items() if not k.startswith("ZOOMCLUB_")}
    env["ZOOMCLUB_DATABASE_URL"] = f"sqlite:///{db}"
    env["ZOOMCLUB_SERVER__PORT"] = str(free_port())
    for name in ("ACCOUNT_ID", "CLIENT_ID", "CLIENT_SECRET", "USER_ID"):
        env[f"ZOOMCLUB_ZOOM__{name}"] = "not-contacted-while-standing-by"
    proc, out = start(env, tmp_path / "standby.log")
    try:
        log = tmp_path / "standby.log"
        wait_for(lambda: "standing by" in log.read_text(errors="replace"), 30, "standby")
        proc.send_signal(sig)
        assert proc.wait(15) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)
        out.close()
        lock.release()
