"""kill -9 at several points of `zoomclub archive`, then run again: the archive ends byte-identical
to an uninterrupted run, and nothing partial was ever visible at a published key."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.archive_helpers import CLUB, WHEN, session, transcript
from zoomclub.emulator import Segment


@pytest.fixture(autouse=True)
def _after_the_session(zoom_emulator: Any) -> None:
    """The emulator's clock stands three hours after the session: Zoom has processed it."""
    zoom_emulator.clock.set(WHEN + timedelta(hours=3))


LOCAL_FAILPOINTS = [
    "download-chunk",  # during a download: a .part file with some bytes
    "after-first-download",
    "after-cut-video",  # during the cut: video done, audio not yet
    "after-upload-audio.m4a",
    "before-marker",  # every file uploaded, session.json not yet
]
S3_FAILPOINTS = ["multipart-part", "before-marker"]  # mid multipart upload; before the marker


def _env(
    emu: Any, root: Path, archive_url: str, extra: dict[str, str] | None = None
) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ZOOMCLUB_")}
    env.update(emu.env())
    env.update(
        {
            "ZOOMCLUB_ARCHIVE__URL": archive_url,
            "ZOOMCLUB_ARCHIVE__WORK_DIR": str(root / "work"),
            "ZOOMCLUB_DATABASE_URL": f"sqlite:///{root / 'db.sqlite'}",
            "ZOOMCLUB_CLUB__NAME": CLUB,
            "ZOOMCLUB_CLUB__FACILITATION_MINUTES": "45",
            "ZOOMCLUB_CLUB__DURATION_MINUTES": "60",
        }
    )
    env.update(extra or {})
    return env


def _archive(env: dict[str, str], uuid: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "zoomclub", "archive", uuid, "--json"],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
    )


def _snapshot(archive: Path) -> dict[str, bytes]:
    out = {}
    # The published archive: sessions and the catalog (the site is rebuilt from them).
    paths = [*sorted((archive / "sessions").rglob("*")), archive / "catalog.json"]
    for p in paths:
        if p.is_file() and not p.name.startswith("."):
            data = p.read_bytes()
            if p.name in ("session.json", "catalog.json"):
                data = _without_times(json.loads(data))
            out[str(p.relative_to(archive))] = data
    return out


def _without_times(doc: Any) -> bytes:
    # archived_at/updated_at are wall-clock times of two separate processes: compare the rest.
    def scrub(o: Any) -> Any:
        if isinstance(o, dict):
            return {k: scrub(v) for k, v in o.items() if k not in ("archived_at", "updated_at")}
        if isinstance(o, list):
            return [scrub(v) for v in o]
        return o

    return json.dumps(scrub(doc), sort_keys=True).encode()


@pytest.fixture
def recorded(zoom_emulator: Any) -> str:
    s = session(qa_s=300, seed=7)
    inst = zoom_emulator.add_recording(
        topic=f"{CLUB}: Attention Is All You Need",
        start_time=WHEN,
        segments=[Segment(0, s.facilitation_s + s.qa_s, transcript=transcript(s))],
    )
    return str(inst.uuid)


def _snapshot_s3(server: Any, bucket: str, prefix: str) -> dict[str, bytes]:
    out = {}
    pages = server.client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix)
    for page in pages:
        for obj in page.get("Contents", []):
            rel = obj["Key"].removeprefix(prefix)
            if not (rel.startswith("sessions/") or rel == "catalog.json"):
                continue
            data = server.client.get_object(Bucket=bucket, Key=obj["Key"])["Body"].read()
            if rel.endswith(("session.json", "catalog.json")):
                data = _without_times(json.loads(data))
            out[rel] = data
    return out


def _baseline(emu: Any, uuid: str, tmp_path: Path) -> dict[str, bytes]:
    base = tmp_path / "baseline"
    base.mkdir()
    proc = _archive(_env(emu, base, str(base / "archive")), uuid, base)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout.splitlines()[-1])["status"] == "archived"
    expected = _snapshot(base / "archive")
    assert any(k.endswith("video.mp4") for k in expected)
    return expected


def _kill_then_resume(
    env: dict[str, str], uuid: str, root: Path, point: str, visible: Any, expected: dict[str, bytes]
) -> None:
    killed = _archive({**env, "ZOOMCLUB_FAILPOINT": point}, uuid, root)
    assert killed.returncode == -signal.SIGKILL, (point, killed.stderr)
    seen = visible()
    # Nothing is published before the marker, and whatever is visible at a key is whole: it is
    # byte for byte the object an uninterrupted run publishes there.
    assert not [k for k in seen if k.endswith("session.json")], point
    for key, data in seen.items():
        assert data == expected.get(key), (point, key)
    resumed = _archive(env, uuid, root)
    assert resumed.returncode == 0, (point, resumed.stderr)
    assert json.loads(resumed.stdout.splitlines()[-1])["status"] == "archived"
    assert visible() == expected, point


def test_kill_at_every_failpoint_then_resume(
    zoom_emulator: Any, recorded: str, tmp_path: Path
) -> None:
    expected = _baseline(zoom_emulator, recorded, tmp_path)
    for point in LOCAL_FAILPOINTS:
        root = tmp_path / point
        root.mkdir()
        archive = root / "archive"
        env = _env(zoom_emulator, root, str(archive))
        _kill_then_resume(env, recorded, root, point, lambda a=archive: _snapshot(a), expected)


def test_kill_mid_multipart_upload_to_s3(
    zoom_emulator: Any, recorded: str, tmp_path: Path, rclone_s3: Any
) -> None:
    expected = _baseline(zoom_emulator, recorded, tmp_path)
    assert max(len(v) for v in expected.values()) > 8 * 2**20  # the video goes up in parts
    for point in S3_FAILPOINTS:
        bucket = rclone_s3.new_bucket()
        root = tmp_path / point
        root.mkdir()
        env = _env(
            zoom_emulator,
            root,
            f"s3://{bucket}/club",
            {
                **rclone_s3.env,
                "ZOOMCLUB_ARCHIVE__S3_ENDPOINT_URL": rclone_s3.endpoint_url,
                "ZOOMCLUB_ARCHIVE__MULTIPART_PART_MIB": "8",
            },
        )
        _kill_then_resume(
            env,
            recorded,
            root,
            point,
            lambda b=bucket: _snapshot_s3(rclone_s3, b, "club/"),
            expected,
        )
