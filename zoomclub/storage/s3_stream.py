"""A multipart upload that starts while another process is still writing the file.

ffmpeg, asked to reserve room for the MP4 index at the front (``-moov_size``), writes the media
data strictly in order after that room and goes back only to fill the room (and the ``mdat``
header beside it) at the very end. Every byte past ``stable_from`` is therefore final the moment
it is on disk, so the parts past the first can go up while the cut is still running. The first
part and the rest go once the writer says it wrote the whole file, while the caller still checks
it; the completion, which makes the object visible, waits for the caller to accept the file.

Nothing is trusted on faith: :meth:`S3GrowingUpload.finish` hashes the finished file once (the
whole SHA-256 and every part's, as :func:`~zoomclub.storage.s3_multipart.plan_file` does for any
upload) and compares each part sent early with the file's bytes now. Any difference, or anything
else unexpected, aborts the multipart upload and returns ``None``: the caller then uploads the
file the ordinary way. Until the upload is completed nothing is visible at the key; a process
killed meanwhile leaves an incomplete upload that ``abort_stale_uploads`` (or the bucket's
lifecycle rule) removes.

The object's SHA-256 is not known when the upload is created, so it cannot go in the
``x-amz-meta-sha256`` header; :class:`~zoomclub.storage.s3.S3Storage` records it beside the
object instead (see its ``_write_sidecar``).
"""

from __future__ import annotations

import hashlib
import logging
import os
import threading
from collections.abc import Iterator
from concurrent.futures import FIRST_EXCEPTION, Future, ThreadPoolExecutor, wait
from pathlib import Path
from typing import Any

from zoomclub.errors import StorageError
from zoomclub.storage.base import ObjectInfo, TransferStats
from zoomclub.storage.s3_client import translate_error, translate_errors
from zoomclub.storage.s3_multipart import MAX_PARTS, FdSlice, abort_upload, put_part

log = logging.getLogger("zoomclub.storage.s3")

POLL_S = 0.02  # how often the follower looks at the file's size
BLOCK = 256 * 1024  # read and hashed at a time
# Parts sent before the first one are held by the server until the first arrives. rclone's
# `serve s3` holds at most 256 MiB of them per upload (--multipart-streaming-buffer-limit) and
# stalls the rest; stay well below that. (AWS, MinIO and R2 take parts in any order.)
EARLY_LIMIT = 192 * 2**20
# What servers answer when a part's bytes do not match the digest sent with them.
DIGEST_REFUSED = {"BadDigest", "InvalidDigest", "XAmzContentChecksumMismatch", "InvalidChecksum"}


class S3GrowingUpload:
    """Parts 2.. of a file still being written go up as soon as they are whole on disk."""

    def __init__(
        self,
        client: Any,
        bucket: str,
        key: str,
        full: str,
        *,
        content_type: str,
        part_size: int,
        concurrency: int,
        checksums: bool,
        md5: bool,
        where: str,
        stats: TransferStats,
    ) -> None:
        self.client, self.bucket, self.key, self.full = client, bucket, key, full
        self.content_type = content_type
        self.part_size = part_size
        self.checksums, self.md5, self.where, self.stats = checksums, md5, where, stats
        self.upload_id: str | None = None
        self._pool = ThreadPoolExecutor(concurrency, thread_name_prefix="s3-part")
        self._sent: dict[int, tuple[bytes, bytes | None, Future[dict[str, Any]]]] = {}
        self._hashed: dict[int, tuple[bytes, bytes | None]] = {}  # whole on disk, not sent yet
        self._stop = threading.Event()  # the writer is done (or we give up): stop following
        self._abort = threading.Event()  # parts not yet sent are not sent
        self._follower: threading.Thread | None = None
        self._fd: int | None = None
        self._error: BaseException | None = None
        # The rest of the file, sent once the writer has written all of it (see writer_done).
        self._rest_pool = ThreadPoolExecutor(1, thread_name_prefix="s3-rest")
        self._rest: Future[tuple[int, str, list[dict[str, Any]]] | None] | None = None

    # -- the writer's side ---------------------------------------------------------------------

    def start(self, path: Path, stable_from: int) -> bool:
        """Begin following ``path`` (created by the writer any moment now).

        ``stable_from``: bytes from this offset on are never rewritten. False, and nothing
        started, when that region does not fit in the first part.
        """
        if stable_from > self.part_size:
            return False
        extra: dict[str, Any] = {"ChecksumAlgorithm": "SHA256"} if self.checksums else {}
        with translate_errors(f"start multipart upload of {self.key} in {self.where}"):
            self.upload_id = self.client.create_multipart_upload(
                Bucket=self.bucket, Key=self.full, ContentType=self.content_type, **extra
            )["UploadId"]
        log.info(
            "storage: multipart upload of %s while it is written: parts of %d bytes, id %s",
            self.key,
            self.part_size,
            self.upload_id,
        )
        self._follower = threading.Thread(
            target=self._follow, args=(Path(path),), name="s3-follow", daemon=True
        )
        self._follower.start()
        return True

    def writer_done(self, *, complete: bool = False) -> None:
        """The writer exited: send no further part early.

        ``complete``: it wrote the whole file, so what has not gone up yet (part 1 among it) is
        sent now, while the caller verifies the file. Nothing becomes visible before
        :meth:`finish` completes the upload; :meth:`abort` throws all of it away.
        """
        self._stop.set()
        if self._follower is not None:
            self._follower.join()
        if complete and self._rest is None and self.active and self._fd is not None:
            self._rest = self._rest_pool.submit(self._send_rest, self._fd)

    def _follow(self, path: Path) -> None:
        try:
            while self._fd is None:
                try:
                    self._fd = os.open(path, os.O_RDONLY)
                except FileNotFoundError:
                    if self._stop.wait(POLL_S):
                        return
            number = 2
            last_early = 1 + EARLY_LIMIT // self.part_size
            while number < MAX_PARTS and not self._abort.is_set():
                end = number * self.part_size
                # Strictly more than the part: the writer has moved past it, so it is whole.
                if os.fstat(self._fd).st_size > end:
                    self._take(number, send=number <= last_early)
                    number += 1
                elif self._stop.wait(POLL_S):
                    return
        except BaseException as exc:  # reported by finish(); the upload is then aborted
            self._error = exc

    def _take(self, number: int, *, send: bool) -> None:
        """Hash a part that is whole on disk and, within the early window, send it.

        Parts past the window are only hashed now, on the core ffmpeg leaves free; they are sent
        from the finished file later. Their bytes are read again then, so if the writer had
        changed them meanwhile the digest would no longer match and a server that checks it
        would refuse the part (:meth:`finish` then returns None: the file goes up whole). One
        that checks no digest stores the finished file's bytes, which are the right ones.
        """
        assert self._fd is not None
        offset = (number - 1) * self.part_size
        digest, mdigest = self._digests(self._fd, offset, self.part_size)
        if send:
            future = self._pool.submit(self._put_part, self._fd, number, offset, digest, mdigest)
            self._sent[number] = (digest, mdigest, future)
        else:
            self._hashed[number] = (digest, mdigest)

    def _digests(self, fd: int, offset: int, length: int) -> tuple[bytes, bytes | None]:
        """SHA-256 (and MD5 when Content-MD5 is sent) of ``length`` bytes at ``offset``."""
        sha = hashlib.sha256()
        md5 = hashlib.md5() if self.md5 else None  # noqa: S324 - Content-MD5 is MD5
        for block in _blocks(fd, offset, offset + length, self.key):
            sha.update(block)
            if md5 is not None:
                md5.update(block)
        return sha.digest(), md5.digest() if md5 is not None else None

    # -- the caller's side ---------------------------------------------------------------------

    @property
    def active(self) -> bool:
        """Started, and neither aborted nor finished: :meth:`finish` can complete it."""
        return self.upload_id is not None and not self._abort.is_set()

    def finish(self, path: Path) -> ObjectInfo | None:
        """Complete the upload with ``path`` (the writer's finished file, perhaps renamed).

        Returns what is now stored, or None when the parts sent or hashed while the file was
        written cannot be used (the upload is then aborted and the caller uploads the file the
        ordinary way). Storage errors while sending parts are raised, after aborting.
        """
        self.writer_done()
        try:
            sent = self._rest_sent(Path(path))
            if sent is None:
                self.abort()
                return None
            size, sha256, listed = sent
            with translate_errors(f"complete multipart upload of {self.key} in {self.where}"):
                self.client.complete_multipart_upload(
                    Bucket=self.bucket,
                    Key=self.full,
                    UploadId=self.upload_id,
                    MultipartUpload={"Parts": listed},
                )
        except BaseException as exc:
            self.abort()
            if getattr(exc, "code", None) in DIGEST_REFUSED:
                # A part hashed while the file was written no longer matched it when sent: the
                # writer broke its promise. Nothing was stored; the caller sends the file whole.
                log.warning("storage: %s: the server refused a part's digest (%s)", self.key, exc)
                return None
            if isinstance(exc, StorageError | KeyboardInterrupt | SystemExit):
                raise
            raise translate_error(exc, f"upload {self.key} to {self.where}") from exc
        self.upload_id = None  # completed: nothing left to abort
        self._close()
        self.stats.record_upload(size)
        log.info(
            "storage: put %s (%d bytes, %d parts, %d of them while it was written)",
            self.key,
            size,
            len(listed),
            len(self._sent),
        )
        return ObjectInfo(self.key, size, sha256, self.content_type)

    def _rest_sent(self, path: Path) -> tuple[int, str, list[dict[str, Any]]] | None:
        """:meth:`_send_rest`'s answer: from the run :meth:`writer_done` began, or from one now."""
        if self._rest is not None:
            if not _same_file(self._fd, path):
                log.warning(
                    "storage: %s is not the file that was written; uploading it whole", path
                )
                return None
            return self._rest.result()
        try:
            f = open(path, "rb")  # noqa: SIM115 - closed below, after the last part is sent
        except OSError as exc:
            raise StorageError(f"cannot read {path}: {exc.strerror or exc}") from exc
        with f:
            return self._send_rest(f.fileno())

    def _send_rest(self, fd: int) -> tuple[int, str, list[dict[str, Any]]] | None:
        """Send every part not sent yet (with the digest taken while it was written, or hashed
        now) while one pass computes the file's SHA-256 and re-checks the parts sent early.

        Returns the size, the SHA-256 and the parts to list, or None when an early part no
        longer matches the file.
        """
        size = os.fstat(fd).st_size
        if self._error is not None:
            raise self._error
        parts = max(1, -(-size // self.part_size))
        taken = [*self._sent, *self._hashed]
        if parts > MAX_PARTS or any(n * self.part_size > size for n in taken):
            return None
        # Part 1 on a thread of its own: a server that holds early parts until part 1 arrives
        # (rclone) may be stalling every worker of the pool.
        with ThreadPoolExecutor(1, thread_name_prefix="s3-part-1") as head:
            try:
                late = []
                for n in range(1, parts + 1):
                    if n in self._sent:
                        continue
                    sha, md5 = self._hashed.get(n) or (None, None)
                    offset = (n - 1) * self.part_size
                    length = min(self.part_size, size - offset)
                    pool = head if n == 1 else self._pool
                    late.append(pool.submit(self._put_part, fd, n, offset, sha, md5, length))
                sha256 = self._hash_and_check(fd, size)
                if sha256 is None:
                    return None
                futures = [*(s[2] for s in self._sent.values()), *late]
                done, _ = wait(futures, return_when=FIRST_EXCEPTION)
                failed = next((f for f in done if f.exception() is not None), None)
                if failed is not None:
                    raise failed.exception()  # type: ignore[misc]
            except BaseException:
                self._abort_upload()  # parts still in flight then fail at once
                raise
        return size, sha256, sorted((f.result() for f in futures), key=lambda p: p["PartNumber"])

    def _hash_and_check(self, fd: int, size: int) -> str | None:
        """The file's SHA-256, or None if a part sent early no longer matches the file."""
        whole = hashlib.sha256()
        ps = self.part_size
        pos = 0
        while pos < size:
            if self._abort.is_set():
                raise StorageError("upload cancelled")
            number = pos // ps + 1
            early = self._sent.get(number)
            part = hashlib.sha256() if early is not None else None
            end = min(size, number * ps)
            for block in _blocks(fd, pos, end, self.key):
                whole.update(block)
                if part is not None:
                    part.update(block)
            pos = end
            if early is not None and part is not None and part.digest() != early[0]:
                log.warning(
                    "storage: part %d of %s changed after it was sent; uploading it again whole",
                    number,
                    self.key,
                )
                return None
        return whole.hexdigest()

    def abort(self) -> None:
        """Give up: stop following, abort the multipart upload, cancel what is queued."""
        self._abort.set()
        self.writer_done()
        # First: parts still in flight then fail at once (no such upload) instead of retrying.
        self._abort_upload()
        self._pool.shutdown(wait=True, cancel_futures=True)
        if self._rest is not None:
            wait([self._rest])  # it reads the file: let it stop before the file is closed
        self._close()

    def _abort_upload(self) -> None:
        if self.upload_id is None:
            return
        upload_id, self.upload_id = self.upload_id, None
        abort_upload(self.client, self.bucket, self.full, upload_id)

    def _close(self) -> None:
        self._pool.shutdown(wait=True)
        self._rest_pool.shutdown(wait=True)
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None

    def _put_part(
        self,
        fd: int,
        number: int,
        offset: int,
        sha: bytes | None,
        md5: bytes | None,
        length: int | None = None,
    ) -> dict[str, Any]:
        if self._abort.is_set():
            raise StorageError("upload cancelled")
        length = self.part_size if length is None else length
        if sha is None:  # a late part: the file is final, hash it right before sending it
            sha, md5 = self._digests(fd, offset, length)
        upload_id = self.upload_id
        if upload_id is None:  # aborted meanwhile
            raise StorageError("upload cancelled")
        return put_part(
            self.client,
            self.bucket,
            self.full,
            upload_id,
            number,
            FdSlice(fd, offset, length),
            sha256=sha if self.checksums else None,
            md5=md5,
            where=self.where,
        )


def _same_file(fd: int | None, path: Path) -> bool:
    """Whether ``path`` is (still, perhaps renamed) the file open at ``fd``, at the same size."""
    if fd is None:
        return False
    try:
        a, b = os.fstat(fd), os.stat(path)
    except OSError:
        return False
    return (a.st_dev, a.st_ino, a.st_size) == (b.st_dev, b.st_ino, b.st_size)


def _blocks(fd: int, start: int, end: int, key: str) -> Iterator[memoryview]:
    """The bytes from ``start`` to ``end`` in blocks read into one reused buffer. Several threads
    hash at once here, each keeping what it allocates in its own malloc arena: small blocks keep
    that small (hashlib is as fast on 256 KiB as on 1 MiB)."""
    buf = bytearray(BLOCK)
    view = memoryview(buf)
    pos = start
    while pos < end:
        want = min(BLOCK, end - pos)
        n = os.preadv(fd, [view[:want]], pos)
        if n <= 0:
            raise StorageError(f"{key}: the file shrank while being uploaded")
        yield view[:n]
        pos += n
