"""The runner lock and job store on a real PostgreSQL server (started here on loopback)."""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from zoomclub.db import make_engine
from zoomclub.scheduler import (
    JOB_MEETINGS,
    PostgresRunnerLock,
    build_scheduler,
    register_jobs,
    runner_lock,
)
from zoomclub.settings import ClubSettings

pytestmark = pytest.mark.skipif(
    shutil.which("initdb") is None or shutil.which("pg_ctl") is None,
    reason="PostgreSQL server binaries (initdb, pg_ctl) are not installed",
)


def _as_pg_user(cmd: list[str]) -> list[str]:
    # PostgreSQL refuses to run as root; drop to an unprivileged user when we are root.
    if os.geteuid() == 0:
        if shutil.which("runuser") is None:
            pytest.skip("running as root without runuser: cannot start PostgreSQL")
        return ["runuser", "-u", "nobody", "--", *cmd]
    return cmd


@pytest.fixture(scope="module")
def pg_url() -> Iterator[str]:
    # Not under pytest's tmp dir: its parents are private to root, the server runs as nobody.
    base = Path(tempfile.mkdtemp(prefix="zoomclub-pg-"))
    if os.geteuid() == 0:
        os.chown(base, pwd.getpwnam("nobody").pw_uid, -1)
    data = base / "data"
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    subprocess.run(
        _as_pg_user(["initdb", "-D", str(data), "-U", "postgres", "--auth=trust", "-E", "UTF8"]),
        check=True,
        capture_output=True,
    )
    opts = f"-p {port} -k {base} -h 127.0.0.1 -c fsync=off"
    subprocess.run(
        _as_pg_user(
            ["pg_ctl", "-D", str(data), "-o", opts, "-l", str(base / "log"), "-w", "start"]
        ),
        check=True,
        capture_output=True,
    )
    try:
        yield f"postgresql+psycopg2://postgres@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run(
            _as_pg_user(["pg_ctl", "-D", str(data), "-m", "immediate", "stop"]), capture_output=True
        )
        shutil.rmtree(base, ignore_errors=True)


def test_advisory_lock_lets_one_runner_in(pg_url: str) -> None:
    pytest.importorskip("psycopg2")
    engine = make_engine(pg_url)
    other = make_engine(pg_url, create=False)
    try:
        first, second = runner_lock(pg_url, engine), runner_lock(pg_url, other)
        assert isinstance(first, PostgresRunnerLock)
        assert first.acquire()
        assert not second.acquire()
        first.release()
        assert second.acquire()
        second.release()
    finally:
        engine.dispose()
        other.dispose()


def test_lock_dies_with_its_connection(pg_url: str) -> None:
    """A runner killed with -9 drops its session, and with it the lock."""
    pytest.importorskip("psycopg2")
    engine = make_engine(pg_url)
    try:
        first = PostgresRunnerLock(engine)
        assert first.acquire()
        first._conn.invalidate()  # the connection is gone, as after kill -9
        assert PostgresRunnerLock(engine).acquire()
    finally:
        engine.dispose()


def test_job_store_on_postgres(pg_url: str) -> None:
    pytest.importorskip("psycopg2")
    engine = make_engine(pg_url)
    club = ClubSettings()
    try:
        for _ in range(2):
            sched = build_scheduler(engine, club)
            sched.start(paused=True)
            register_jobs(sched, club, datetime.now(UTC) + timedelta(days=1))
            ids = sorted(j.id for j in sched.get_jobs())
            sched.shutdown(wait=False)
        assert len(ids) == 3 and JOB_MEETINGS in ids
    finally:
        engine.dispose()
