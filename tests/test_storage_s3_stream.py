"""Uploading a file to S3 while another process still writes it (zoomclub.storage.s3_stream).

A writer thread plays ffmpeg with its index reserved at the front: it leaves the head blank,
appends the rest in order, and fills in the head last. Against both real servers on loopback
(moto, and rclone, which takes parts strictly in order and holds early ones in a bounded buffer).
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, NamedTuple

import pytest

from tests.fixtures_s3 import S3Server
from tests.test_storage_contract import make_file
from tests.test_storage_s3 import FaultyClient, storage_with
from zoomclub.errors import StorageError
from zoomclub.storage.local import LocalStorage
from zoomclub.storage.s3 import MIN_PART, make_s3_client
from zoomclub.storage.s3_stream import S3GrowingUpload

HEAD = 4096  # the region the writer fills in last
SIZE = 7 * MIN_PART + 4321  # eight parts


class Writer:
    """Writes ``src`` to ``dest`` as ffmpeg does with -moov_size: blank head, body in order
    (slowly, so the upload sees it grow), head last. ``pause_at``: stop there until resumed."""

    def __init__(self, src: Path, dest: Path, *, pause_at: int | None = None) -> None:
        self.src, self.dest, self.pause_at = src, dest, pause_at
        self.resume = threading.Event()
        self.paused = threading.Event()
        self.thread = threading.Thread(target=self._run)

    def _run(self) -> None:
        data = self.src.read_bytes()
        with self.dest.open("wb") as f:
            f.write(b"\0" * HEAD)
            for pos in range(HEAD, len(data), 256 * 1024):
                if self.pause_at is not None and pos >= self.pause_at and not self.resume.is_set():
                    f.flush()
                    self.paused.set()
                    self.resume.wait(30)
                f.write(data[pos : pos + 256 * 1024])
                f.flush()
                time.sleep(0.002)
            f.seek(0)
            f.write(data[:HEAD])

    def run(self) -> None:
        self.thread.start()
        self.thread.join()


def _files(tmp_path: Path) -> tuple[Path, Path, str]:
    """The source the writer copies (SIZE bytes), where it writes, and the source's SHA-256."""
    src = tmp_path / "src.mp4"
    return src, tmp_path / "out.mp4", make_file(src, SIZE)


def _wait_for(condition: Callable[[], bool], seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.01)


def _growing(storage: Any, key: str = "s/video.mp4") -> S3GrowingUpload:
    upload = storage.growing_upload(key, content_type="video/mp4")
    assert isinstance(upload, S3GrowingUpload)
    return upload


class Written(NamedTuple):
    client: Any  # the FaultyClient (or subclass) the storage uses
    storage: Any
    src: Path
    out: Path
    sha: str  # the source's SHA-256
    upload: S3GrowingUpload


def _written(server: S3Server, tmp_path: Path, client: Any = None, **storage_kw: Any) -> Written:
    """An upload that followed the whole file while the writer wrote it (the writer is done;
    the upload has not been told)."""
    client = client or FaultyClient(make_s3_client(server.endpoint_url))
    storage = storage_with(server, client, **storage_kw)
    src, out, sha = _files(tmp_path)
    upload = _growing(storage)
    assert upload.start(out, HEAD)
    Writer(src, out).run()
    return Written(client, storage, src, out, sha, upload)


def test_parts_go_up_while_the_file_is_written(s3_server: S3Server, tmp_path: Path) -> None:
    counting = FaultyClient(make_s3_client(s3_server.endpoint_url))
    storage = storage_with(s3_server, counting)
    src, out, sha = _files(tmp_path)
    upload = _growing(storage)
    writer = Writer(src, out, pause_at=5 * MIN_PART + 10)
    assert upload.start(out, HEAD)
    writer.thread.start()
    assert writer.paused.wait(30)
    _wait_for(lambda: len(counting.parts_sent) >= 4)
    # Mid-write: parts 2..5 are whole on disk and sent; nothing is visible at the key.
    assert sorted(counting.parts_sent) == [2, 3, 4, 5]
    assert storage.head("s/video.mp4") is None
    writer.resume.set()
    writer.thread.join()
    upload.writer_done()
    info = upload.finish(out)
    assert info is not None
    assert (info.size, info.sha256, info.content_type) == (SIZE, sha, "video/mp4")
    assert storage.get_bytes("s/video.mp4") == src.read_bytes()
    assert sorted(counting.parts_sent) == list(range(1, 9))  # each part once
    assert counting.aborted == []
    assert storage.stats.uploaded == 1


def test_a_part_that_changes_after_it_was_sent_is_never_published(
    s3_server: S3Server, tmp_path: Path
) -> None:
    counting, storage, _, out, _, upload = _written(s3_server, tmp_path)
    _wait_for(lambda: 3 in counting.parts_sent)
    assert 3 in counting.parts_sent
    with out.open("r+b") as f:  # a writer that broke its promise: part 3 rewritten
        f.seek(2 * MIN_PART + 100)
        f.write(b"changed")
    assert upload.finish(out) is None
    assert len(counting.aborted) == 1
    assert storage.head("s/video.mp4") is None
    # The caller's fallback: the ordinary upload of the finished file.
    storage.put_file("s/video.mp4", out, content_type="video/mp4")
    assert storage.get_bytes("s/video.mp4") == out.read_bytes()


def test_a_failed_part_aborts_and_publishes_nothing(s3_server: S3Server, tmp_path: Path) -> None:
    faulty, storage, _, out, _, upload = _written(
        s3_server, tmp_path, FaultyClient(make_s3_client(s3_server.endpoint_url), fail_part=3)
    )
    with pytest.raises(StorageError, match="InternalError"):
        upload.finish(out)
    assert len(faulty.aborted) == 1
    assert storage.head("s/video.mp4") is None
    assert not upload.active


def test_a_cancelled_upload_leaves_nothing(s3_server: S3Server, tmp_path: Path) -> None:
    faulty, storage, _, _, _, upload = _written(s3_server, tmp_path)
    upload.abort()
    assert not upload.active
    assert len(faulty.aborted) == 1
    assert storage.head("s/video.mp4") is None
    upload.abort()  # twice is harmless
    assert len(faulty.aborted) == 1


def test_a_head_region_larger_than_a_part_is_declined(s3_server: S3Server) -> None:
    storage = storage_with(s3_server, make_s3_client(s3_server.endpoint_url))
    upload = _growing(storage)
    assert not upload.start(Path("never-written.mp4"), MIN_PART + 1)
    assert not upload.active


def test_not_offered_where_the_key_already_holds_an_object(
    s3_server: S3Server, tmp_path: Path
) -> None:
    storage = storage_with(s3_server, make_s3_client(s3_server.endpoint_url))
    storage.put_bytes("s/video.mp4", b"there", content_type="video/mp4")
    # put_file decides whether it is the same content; an upload begun before the content
    # exists cannot.
    assert storage.growing_upload("s/video.mp4", content_type="video/mp4") is None
    assert LocalStorage(tmp_path).growing_upload("s/video.mp4", content_type="video/mp4") is None


def test_content_md5_is_sent_on_every_part_when_asked(s3_server: S3Server, tmp_path: Path) -> None:
    seen: list[tuple[int, bool]] = []

    class Recording(FaultyClient):
        def upload_part(self, **kw: Any) -> Any:
            seen.append((kw["PartNumber"], "ContentMD5" in kw))
            return super().upload_part(**kw)

    _, _, _, out, _, upload = _written(
        s3_server, tmp_path, Recording(make_s3_client(s3_server.endpoint_url)), content_md5=True
    )
    info = upload.finish(out)
    assert info is not None
    assert info.sha256 == hashlib.sha256(out.read_bytes()).hexdigest()
    assert sorted(seen) == [(n, True) for n in range(1, 9)]


def test_past_the_early_window_parts_are_hashed_while_written_and_sent_after(
    s3_server: S3Server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from zoomclub.storage import s3_stream

    monkeypatch.setattr(s3_stream, "EARLY_LIMIT", 2 * MIN_PART)  # parts 2 and 3 go early
    counting = FaultyClient(make_s3_client(s3_server.endpoint_url))
    storage = storage_with(s3_server, counting)
    src, out, sha = _files(tmp_path)
    upload = _growing(storage)
    writer = Writer(src, out, pause_at=6 * MIN_PART + 10)
    assert upload.start(out, HEAD)
    writer.thread.start()
    assert writer.paused.wait(30)
    _wait_for(lambda: len(upload._hashed) >= 3)
    assert sorted(counting.parts_sent) == [2, 3]  # the window, and no more
    assert sorted(upload._hashed) == [4, 5, 6]  # hashed as soon as they were whole
    writer.resume.set()
    writer.thread.join()
    info = upload.finish(out)
    assert info is not None and info.sha256 == sha
    assert storage.get_bytes("s/video.mp4") == src.read_bytes()
    assert sorted(counting.parts_sent) == list(range(1, 9))


def test_an_output_the_archive_does_not_accept_never_reaches_its_key(
    s3_server: S3Server, tmp_path: Path
) -> None:
    """The archive's uploader: a video followed while written, then refused (its cut failed a
    check, say): leaving the block aborts the upload, and the key stays empty."""
    from zoomclub.archive.produce import Uploader

    counting = FaultyClient(make_s3_client(s3_server.endpoint_url))
    storage = storage_with(s3_server, counting)
    src, out, _ = _files(tmp_path)
    with pytest.raises(RuntimeError, match="refused"), Uploader(storage, "2026-01-07-x") as up:
        upload = up.follow("video.mp4")
        assert upload is not None and upload.start(out, HEAD)
        Writer(src, out).run()
        upload.writer_done()
        assert counting.parts_sent  # parts went up while it was written
        raise RuntimeError("refused")
    assert counting.aborted
    assert storage.head("sessions/2026-01-07-x/video.mp4") is None
    assert not storage.client.list_multipart_uploads(Bucket=storage.bucket).get("Uploads")


def test_a_part_changed_after_it_was_hashed_is_refused_and_sent_whole_instead(
    rclone_s3: S3Server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A part past the early window is hashed while written and sent later; if the writer changed
    it in between, a server that checks the digest (rclone checks Content-MD5) refuses it, and
    the file then goes up the ordinary way."""
    from zoomclub.storage import s3_stream

    for name, value in rclone_s3.env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setattr(s3_stream, "EARLY_LIMIT", MIN_PART)  # only part 2 goes early
    counting, storage, _, out, _, upload = _written(rclone_s3, tmp_path, content_md5=True)
    _wait_for(lambda: 5 in upload._hashed)
    assert 5 in upload._hashed and 5 not in counting.parts_sent
    with out.open("r+b") as f:  # the writer broke its promise after part 5 was hashed
        f.seek(4 * MIN_PART + 100)
        f.write(b"changed")
    assert upload.finish(out) is None
    assert counting.aborted
    assert storage.head("s/video.mp4") is None
    storage.put_file("s/video.mp4", out, content_type="video/mp4")
    assert storage.get_bytes("s/video.mp4") == out.read_bytes()


def test_a_complete_writer_has_the_rest_sent_before_finish_makes_it_visible(
    s3_server: S3Server, tmp_path: Path
) -> None:
    # Once the writer says the file is complete, part 1 and every part not sent yet go up while
    # the caller still checks the file; only finish() completes the upload.
    counting, storage, src, out, sha, upload = _written(s3_server, tmp_path)
    upload.writer_done(complete=True)
    _wait_for(lambda: len(counting.parts_sent) == 8)
    assert sorted(counting.parts_sent) == list(range(1, 9))
    assert storage.head("s/video.mp4") is None  # sent, not stored
    renamed = out.with_name("video.mp4")
    out.rename(renamed)  # the caller's atomic rename does not change the file
    info = upload.finish(renamed)
    assert info is not None and (info.size, info.sha256) == (SIZE, sha)
    assert storage.get_bytes("s/video.mp4") == src.read_bytes()
    assert sorted(counting.parts_sent) == list(range(1, 9))  # each part once
    assert counting.aborted == []


def test_a_complete_file_the_caller_refuses_is_thrown_away_with_everything_sent(
    s3_server: S3Server, tmp_path: Path
) -> None:
    counting, storage, _, _, _, upload = _written(s3_server, tmp_path)
    upload.writer_done(complete=True)
    upload.abort()  # its check failed: nothing of it may be stored
    assert len(counting.aborted) == 1
    assert storage.head("s/video.mp4") is None
    assert not storage.client.list_multipart_uploads(Bucket=storage.bucket).get("Uploads")


def test_finishing_with_another_file_than_the_one_written_sends_it_whole_instead(
    s3_server: S3Server, tmp_path: Path
) -> None:
    counting, storage, _, _, _, upload = _written(s3_server, tmp_path)
    upload.writer_done(complete=True)
    other = tmp_path / "other.mp4"
    make_file(other, SIZE)
    assert upload.finish(other) is None  # not the file whose parts went up
    assert len(counting.aborted) == 1
    assert storage.head("s/video.mp4") is None
