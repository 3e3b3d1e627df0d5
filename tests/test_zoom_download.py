"""Downloads over real HTTP: redirect without the token, Range resume, restart, verify, atomic rename."""

from __future__ import annotations

import hashlib
import os
import random
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from zoomclub.clock import FakeClock
from zoomclub.emulator import Fault, Segment, ZoomEmulator
from zoomclub.errors import (
    DownloadError,
    ZoomAuthError,
    ZoomBadResponse,
    ZoomNotFound,
    ZoomRateLimited,
)
from zoomclub.zoom.client import ZoomClient
from zoomclub.zoom.download import CHUNK_SIZE, parse_content_range
from zoomclub.zoom.models import RecordingFile, WebhookEvent

SIZE = 3 * CHUNK_SIZE + 12345  # a few chunks and a ragged tail
VTT = "WEBVTT\n\n1\n00:00:00.500 --> 00:00:01.500\nAda Lovelace: Welcome.\n"


@pytest.fixture(scope="module")
def video(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("media") / "video.mp4"
    path.write_bytes(random.Random(3).randbytes(SIZE))
    return path


@pytest.fixture
def emu(zoom_emulator: ZoomEmulator) -> ZoomEmulator:
    return zoom_emulator


@pytest.fixture
def client(emu: ZoomEmulator) -> ZoomClient:
    return ZoomClient(
        account_id=emu.account_id,
        client_id=emu.client_id,
        client_secret=emu.client_secret,
        api_url=emu.api_url,
        oauth_url=emu.oauth_url,
        timeout=5.0,
        max_retries=3,
        clock=emu.clock,
        rng=random.Random(2),
    )


def clock_of(emu: ZoomEmulator) -> FakeClock:
    assert isinstance(emu.clock, FakeClock)
    return emu.clock


def recorded(emu: ZoomEmulator, video: Path, **kw: Any) -> Any:
    return emu.add_recording(
        start_time=clock_of(emu).now() - timedelta(hours=2),
        segments=[Segment(0, 2, transcript=VTT, video_path=video, video_types=("active_speaker",))],
        **kw,
    )


def mp4_of(client: ZoomClient, ref: int | str) -> RecordingFile:
    return next(f for f in client.get_recordings(ref).recording_files if f.file_type == "MP4")


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def file_requests(emu: ZoomEmulator) -> list[Any]:
    return [r for r in emu.requests if r.host == "files"]


def header(rec: Any, name: str) -> str | None:
    return {k.lower(): v for k, v in rec.headers.items()}.get(name.lower())


def test_parse_content_range() -> None:
    assert parse_content_range("bytes 100-199/1000") == (100, 199, 1000)
    assert parse_content_range("bytes 0-0/*") == (0, 0, None)
    assert parse_content_range("items 1-2/3") is None
    assert parse_content_range(None) is None


def test_download_follows_redirect_without_the_token(
    emu: ZoomEmulator, client: ZoomClient, video: Path, tmp_path: Path
) -> None:
    inst = recorded(emu, video)
    rs = client.get_recordings(inst.uuid)
    calls = client.api_calls
    for f in rs.recording_files:
        dest = tmp_path / f"{f.file_type}.{(f.file_extension or 'bin').lower()}"
        assert client.download(f, dest) == dest
        if f.file_size is not None:
            assert dest.stat().st_size == f.file_size
    assert sha(tmp_path / "MP4.mp4") == sha(video)
    assert client.api_calls == calls  # file requests are not API calls
    assert not list(tmp_path.glob("*.part"))
    web = [r for r in emu.requests if r.host == "web" and r.path.startswith("/rec/")]
    assert web and all((header(r, "authorization") or "").startswith("Bearer ") for r in web)
    assert all(r.status == 302 for r in web)
    files = file_requests(emu)
    assert len(files) == len(rs.recording_files)
    assert all(header(r, "authorization") is None for r in files)


def test_drop_mid_download_resumes_with_range(
    emu: ZoomEmulator, client: ZoomClient, video: Path, tmp_path: Path
) -> None:
    f = mp4_of(client, recorded(emu, video).uuid)
    cut = CHUNK_SIZE + 777
    emu.inject(Fault(host="files", drop_after_bytes=cut))
    dest = client.download(f, tmp_path / "v.mp4")
    assert sha(dest) == sha(video)
    first, second = file_requests(emu)
    assert header(first, "range") is None
    assert header(second, "range") == f"bytes={cut}-" and second.status == 206
    assert len(clock_of(emu).sleeps) == 1


def test_file_host_ignoring_range_restarts_from_zero(
    emu: ZoomEmulator, client: ZoomClient, video: Path, tmp_path: Path
) -> None:
    f = mp4_of(client, recorded(emu, video).uuid)
    emu.files_ignore_range = True
    emu.inject(Fault(host="files", drop_after_bytes=2 * CHUNK_SIZE))
    dest = client.download(f, tmp_path / "v.mp4")
    assert sha(dest) == sha(video)
    second = file_requests(emu)[1]
    assert header(second, "range") == f"bytes={2 * CHUNK_SIZE}-" and second.status == 200


def test_206_at_the_wrong_offset_restarts(
    emu: ZoomEmulator, client: ZoomClient, video: Path, tmp_path: Path
) -> None:
    f = mp4_of(client, recorded(emu, video).uuid)
    emu.inject(Fault(host="files", drop_after_bytes=1000))
    emu.inject(
        Fault(
            host="files", status=206, headers={"Content-Range": f"bytes 0-9/{SIZE}"}, body=b"x" * 10
        )
    )
    dest = client.download(f, tmp_path / "v.mp4")
    assert sha(dest) == sha(video)
    ranges = [header(r, "range") for r in file_requests(emu)]
    assert ranges == [None, "bytes=1000-", None]


def test_leftover_part_from_a_killed_run_is_resumed(
    emu: ZoomEmulator, client: ZoomClient, video: Path, tmp_path: Path
) -> None:
    f = mp4_of(client, recorded(emu, video).uuid)
    dest = tmp_path / "v.mp4"
    have = 2 * CHUNK_SIZE + 5
    (tmp_path / "v.mp4.part").write_bytes(video.read_bytes()[:have])
    client.download(f, dest)
    assert sha(dest) == sha(video)
    (only,) = file_requests(emu)
    assert header(only, "range") == f"bytes={have}-"


def test_complete_dest_is_not_downloaded_again(
    emu: ZoomEmulator, client: ZoomClient, video: Path, tmp_path: Path
) -> None:
    f = mp4_of(client, recorded(emu, video).uuid)
    dest = client.download(f, tmp_path / "v.mp4")
    emu.clear_requests()
    mtime = dest.stat().st_mtime_ns
    assert client.download(f, dest) == dest
    assert emu.requests == [] and dest.stat().st_mtime_ns == mtime
    dest.write_bytes(b"short")  # wrong size: fetched again
    client.download(f, dest)
    assert sha(dest) == sha(video)


def test_download_that_keeps_failing_raises_and_keeps_the_part(
    emu: ZoomEmulator, client: ZoomClient, video: Path, tmp_path: Path
) -> None:
    f = mp4_of(client, recorded(emu, video).uuid)
    emu.inject(Fault(host="files", drop_after_bytes=CHUNK_SIZE))
    emu.inject(Fault(host="files", status=503, times=50))
    with pytest.raises(DownloadError, match="failed 4 times") as ei:
        client.download(f, tmp_path / "v.mp4")
    assert ei.value.retryable and "\n" not in str(ei.value)
    assert not (tmp_path / "v.mp4").exists()
    assert (tmp_path / "v.mp4.part").stat().st_size == CHUNK_SIZE
    assert len(clock_of(emu).sleeps) == 4


def test_size_mismatch_is_a_download_error(
    emu: ZoomEmulator, client: ZoomClient, video: Path, tmp_path: Path
) -> None:
    f = mp4_of(client, recorded(emu, video).uuid)
    wrong = f.model_copy(update={"file_size": SIZE + 1})
    with pytest.raises(DownloadError, match="has 3158073 bytes but Zoom says 3158074"):
        client.download(wrong, tmp_path / "v.mp4")
    assert not (tmp_path / "v.mp4").exists()


def test_expired_api_token_is_refreshed_for_download(
    emu: ZoomEmulator, client: ZoomClient, video: Path, tmp_path: Path
) -> None:
    f = mp4_of(client, recorded(emu, video).uuid)
    emu.expire_tokens()
    dest = client.download(f, tmp_path / "v.mp4")
    assert sha(dest) == sha(video)
    statuses = [r.status for r in emu.requests if r.host == "web" and r.path.startswith("/rec/")]
    assert statuses == [401, 302]


def test_webhook_url_uses_the_download_token(
    emu: ZoomEmulator, client: ZoomClient, video: Path, tmp_path: Path
) -> None:
    inst = recorded(emu, video)
    ev = WebhookEvent.parse(emu.webhook_payload("recording.completed", inst.uuid))
    assert ev.download_token
    f = next(x for x in ev.recording_set().recording_files if x.file_type == "MP4")
    assert f.is_webhook_url
    dest = client.download(f, tmp_path / "v.mp4", download_token=ev.download_token)
    assert sha(dest) == sha(video)
    (web,) = [r for r in emu.requests if r.host == "web" and "webhook_download" in r.path]
    assert header(web, "authorization") == f"Bearer {ev.download_token}"
    # an expired webhook token is not silently swapped for the API token
    clock_of(emu).advance(25 * 3600)
    with pytest.raises(ZoomAuthError, match="download_token"):
        client.download(f, tmp_path / "again.mp4", download_token=ev.download_token)


def test_html_page_instead_of_file(
    emu: ZoomEmulator, client: ZoomClient, video: Path, tmp_path: Path
) -> None:
    f = mp4_of(client, recorded(emu, video).uuid)
    emu.inject(
        Fault(
            host="web",
            path="/rec/download/",
            status=200,
            headers={"Content-Type": "text/html; charset=utf-8"},
            body=b"<html>Only the host can download this recording</html>",
        )
    )
    with pytest.raises(ZoomBadResponse, match="HTML"):
        client.download(f, tmp_path / "v.mp4")
    assert not (tmp_path / "v.mp4").exists()


def test_deleted_file_is_not_found(
    emu: ZoomEmulator, client: ZoomClient, video: Path, tmp_path: Path
) -> None:
    inst = recorded(emu, video)
    f = mp4_of(client, inst.uuid)
    client.delete_recordings(inst.uuid)
    with pytest.raises(ZoomNotFound):
        client.download(f, tmp_path / "v.mp4")


def test_429_on_download_waits_retry_after(
    emu: ZoomEmulator, client: ZoomClient, video: Path, tmp_path: Path
) -> None:
    f = mp4_of(client, recorded(emu, video).uuid)
    emu.inject(Fault(host="web", path="/rec/download/", status=429, headers={"Retry-After": "9"}))
    client.download(f, tmp_path / "v.mp4")
    assert clock_of(emu).sleeps == [9.0]


def test_missing_download_url(client: ZoomClient, tmp_path: Path) -> None:
    with pytest.raises(ZoomBadResponse, match="no download_url"):
        client.download(RecordingFile(file_type="MP4"), tmp_path / "x")


def test_no_progress_bar_without_a_tty(
    emu: ZoomEmulator,
    client: ZoomClient,
    video: Path,
    tmp_path: Path,
    capfd: pytest.CaptureFixture[str],
) -> None:
    f = mp4_of(client, recorded(emu, video).uuid)
    client.download(f, tmp_path / "v.mp4", progress=True)
    assert capfd.readouterr().err == ""


def test_peak_memory_does_not_grow_with_size(
    emu: ZoomEmulator, client: ZoomClient, tmp_path: Path
) -> None:
    """A 64 MiB file must not show up in the heap (tracemalloc counts Python allocations)."""
    import tracemalloc

    big = tmp_path / "big.mp4"
    with open(big, "wb") as fh:
        block = os.urandom(CHUNK_SIZE)
        for _ in range(64):
            fh.write(block)
    inst = emu.add_recording(
        start_time=clock_of(emu).now() - timedelta(hours=2),
        segments=[Segment(0, 2, video_path=big, video_types=("active_speaker",))],
        include_chat=False,
        include_timeline=False,
    )
    f = mp4_of(client, inst.uuid)
    tracemalloc.start()
    try:
        client.download(f, tmp_path / "out.mp4")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert (tmp_path / "out.mp4").stat().st_size == 64 * CHUNK_SIZE
    assert peak < 16 * CHUNK_SIZE, f"peak {peak} bytes"


def test_second_401_on_download_is_an_auth_error(
    emu: ZoomEmulator, client: ZoomClient, video: Path, tmp_path: Path
) -> None:
    f = mp4_of(client, recorded(emu, video).uuid)
    body = {"code": 124, "message": "Invalid access token."}
    emu.inject(Fault(host="web", path="/rec/download/", status=401, body=body, times=2))
    with pytest.raises(ZoomAuthError, match="Invalid access token") as ei:
        client.download(f, tmp_path / "v.mp4")
    assert ei.value.status == 401 and ei.value.code == 124


def test_long_retry_after_on_download_is_raised_not_slept(
    emu: ZoomEmulator, client: ZoomClient, video: Path, tmp_path: Path
) -> None:
    f = mp4_of(client, recorded(emu, video).uuid)
    tomorrow = (clock_of(emu).now() + timedelta(hours=12)).strftime("%Y-%m-%dT%H:%M:%SZ")
    emu.inject(Fault(host="web", status=429, headers={"Retry-After": tomorrow}))
    with pytest.raises(ZoomRateLimited) as ei:
        client.download(f, tmp_path / "v.mp4")
    assert ei.value.retry_after == pytest.approx(12 * 3600, abs=2)
    assert clock_of(emu).sleeps == []


def test_several_drops_with_progress_still_finish(
    emu: ZoomEmulator, client: ZoomClient, video: Path, tmp_path: Path
) -> None:
    """Retries count only while no new bytes arrive: 5 drops > max_retries=3 still succeed."""
    f = mp4_of(client, recorded(emu, video).uuid)
    for cut in (0, 10, CHUNK_SIZE, 5, CHUNK_SIZE + 1):
        emu.inject(Fault(host="files", drop_after_bytes=cut))
    dest = client.download(f, tmp_path / "v.mp4")
    assert sha(dest) == sha(video)
    ranges = [header(r, "range") for r in file_requests(emu)]
    assert ranges[:2] == [None, None] and ranges[2] == "bytes=10-"
    assert len(ranges) == 6


KILL_SCRIPT = """
import json, sys
from pathlib import Path
from zoomclub.zoom.client import ZoomClient
from zoomclub.zoom.models import RecordingFile
args = json.loads(sys.argv[1])
client = ZoomClient(**args["client"])
client.download(RecordingFile.model_validate(args["file"]), Path(args["dest"]))
"""


def test_kill_9_mid_download_then_resume(
    emu: ZoomEmulator, client: ZoomClient, tmp_path: Path
) -> None:
    """A real SIGKILL leaves no dest, only a .part holding a prefix; the next run resumes it."""
    import json
    import signal
    import subprocess
    import sys
    import time

    big = tmp_path / "big.mp4"
    big.write_bytes(random.Random(5).randbytes(48 * CHUNK_SIZE))
    inst = emu.add_recording(
        start_time=clock_of(emu).now() - timedelta(hours=2),
        segments=[Segment(0, 2, video_path=big, video_types=("active_speaker",))],
    )
    f = mp4_of(client, inst.uuid)
    dest = tmp_path / "out" / "v.mp4"
    part = dest.with_name("v.mp4.part")
    # Slow the file host down so the kill lands mid-transfer: answer only after a pause, then cut.
    emu.inject(Fault(host="files", delay_s=0.0, drop_after_bytes=20 * CHUNK_SIZE + 3))
    emu.inject(Fault(host="files", delay_s=30.0))  # the child's resume attempt hangs here
    args = {
        "client": {
            "account_id": emu.account_id,
            "client_id": emu.client_id,
            "client_secret": emu.client_secret,
            "api_url": emu.api_url,
            "oauth_url": emu.oauth_url,
            "timeout": 60.0,
        },
        "file": f.model_dump(mode="json"),
        "dest": str(dest),
    }
    child = subprocess.Popen([sys.executable, "-c", KILL_SCRIPT, json.dumps(args)])
    try:
        deadline = time.monotonic() + 30
        while len([r for r in emu.requests if r.host == "files"]) < 2:
            assert child.poll() is None, "the child finished before it could be killed"
            assert time.monotonic() < deadline, "the child never reached the resume request"
            time.sleep(0.02)
        child.send_signal(signal.SIGKILL)
        child.wait(10)
    finally:
        if child.poll() is None:
            child.kill()
    assert not dest.exists()
    assert part.stat().st_size == 20 * CHUNK_SIZE + 3
    assert part.read_bytes() == big.read_bytes()[: 20 * CHUNK_SIZE + 3]
    client.download(f, dest)
    assert sha(dest) == sha(big) and not part.exists()
    assert header(file_requests(emu)[-1], "range") == f"bytes={20 * CHUNK_SIZE + 3}-"


def test_zoom_serving_the_file_itself_without_redirect(
    emu: ZoomEmulator, client: ZoomClient, video: Path, tmp_path: Path
) -> None:
    f = mp4_of(client, recorded(emu, video).uuid)
    data = b"\x00\x00\x00\x18ftypmp42" + bytes(range(256)) * 10
    emu.inject(
        Fault(
            host="web",
            path="/rec/download/",
            status=200,
            body=data,
            headers={"Content-Type": "video/mp4"},
        )
    )
    dest = client.download(f.model_copy(update={"file_size": len(data)}), tmp_path / "v.mp4")
    assert dest.read_bytes() == data and file_requests(emu) == []


def _boot(monkeypatch: pytest.MonkeyPatch, path: Path, boot: str | None) -> None:
    """Point the download at a boot id file of our own: writing another id into it is what a
    restart of the machine looks like to the next run."""
    from zoomclub.zoom import download

    if boot is None:
        path.unlink(missing_ok=True)
    else:
        path.write_text(boot + "\n")
    monkeypatch.setattr(download, "BOOT_ID_PATH", path)


def test_a_part_from_this_boot_is_resumed_and_one_from_before_a_restart_is_not(
    emu: ZoomEmulator,
    client: ZoomClient,
    video: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    boot_file = tmp_path / "boot_id"
    f = mp4_of(client, recorded(emu, video).uuid)
    dest = tmp_path / "out" / "v.mp4"
    part = dest.with_name("v.mp4.part")
    _boot(monkeypatch, boot_file, "boot-a")
    emu.inject(Fault(host="files", drop_after_bytes=CHUNK_SIZE))
    emu.inject(Fault(host="files", status=503, times=4))  # every retry of this run
    with pytest.raises(DownloadError):
        client.download(f, dest)
    assert part.stat().st_size == CHUNK_SIZE
    assert dest.with_name("v.mp4.boot").read_text() == "boot-a\n"

    # Same boot: the bytes are whole (a killed process loses nothing the kernel has): resumed.
    emu.clear_requests()
    client.download(f, dest)
    assert header(file_requests(emu)[-1], "range") == f"bytes={CHUNK_SIZE}-"
    assert sha(dest) == sha(video)

    # A power cut may leave zeros where the kernel had not written yet; after a restart the
    # saved bytes are not trusted, the whole file and the .part alike.
    torn = bytearray(video.read_bytes()[: 2 * CHUNK_SIZE])
    torn[CHUNK_SIZE:] = bytes(CHUNK_SIZE)
    dest.unlink()
    part.write_bytes(torn)
    _boot(monkeypatch, boot_file, "boot-b")
    emu.clear_requests()
    client.download(f, dest)
    assert [header(r, "range") for r in file_requests(emu)] == [None]
    assert sha(dest) == sha(video) and not part.exists()
    assert dest.with_name("v.mp4.boot").read_text() == "boot-b\n"

    emu.clear_requests()
    client.download(f, dest)  # whole, and from this boot: kept
    assert file_requests(emu) == []
    _boot(monkeypatch, boot_file, "boot-c")
    client.download(f, dest)  # whole, but from before a restart: fetched again
    assert [header(r, "range") for r in file_requests(emu)] == [None]
    assert sha(dest) == sha(video)


def test_without_a_boot_id_nothing_is_marked_and_old_marks_are_not_trusted(
    emu: ZoomEmulator,
    client: ZoomClient,
    video: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    f = mp4_of(client, recorded(emu, video).uuid)
    dest = tmp_path / "v.mp4"
    dest.write_bytes(video.read_bytes())  # whole, but marked as written in some other boot
    dest.with_name("v.mp4.boot").write_text("boot-a\n")
    _boot(monkeypatch, tmp_path / "boot_id", None)
    client.download(f, dest)
    assert [header(r, "range") for r in file_requests(emu)] == [None]
    assert sha(dest) == sha(video)
    assert not dest.with_name("v.mp4.boot").exists()  # fsynced instead: nothing to judge by
    emu.clear_requests()
    client.download(f, dest)  # a file with no mark was fsynced: kept
    assert file_requests(emu) == []
