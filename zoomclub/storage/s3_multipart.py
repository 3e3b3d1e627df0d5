"""Multipart uploads to S3: the upload plan (sizes and digests, hashed once before anything goes
out) and the upload itself, whose parts go up concurrently as slices of the file and which is
completed only when every part is in, aborted on any failure.
"""

from __future__ import annotations

import hashlib
import logging
import math
import os
import threading
from concurrent.futures import FIRST_EXCEPTION, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from zoomclub import failpoints
from zoomclub.errors import StorageError
from zoomclub.storage.base import CHUNK, TransferStats
from zoomclub.storage.s3_client import b64, translate_error, translate_errors

# One logger for the whole S3 backend, so its lines read the same as before this module existed.
log = logging.getLogger("zoomclub.storage.s3")

MIN_PART = 5 * 2**20  # S3's floor for every part but the last
MAX_PARTS = 10_000


@dataclass(frozen=True)
class UploadPlan:
    """What one upload will send: sizes and the digests computed before anything goes out.

    ``part_sha256`` has one digest per part (the x-amz-checksum-sha256 of each). ``part_md5`` has
    one per part when Content-MD5 is sent (single PUTs, and servers without SHA-256 checksums);
    it is empty otherwise (``plan_file(..., md5=True)`` computes it when an ETag must be predicted).
    """

    size: int
    sha256: str
    part_size: int
    part_sha256: tuple[bytes, ...]
    part_md5: tuple[bytes, ...] = ()

    @property
    def parts(self) -> int:
        return len(self.part_sha256)

    @property
    def multipart(self) -> bool:
        return self.parts > 1

    def etag(self) -> str:
        """The ETag S3 gives this content uploaded with this plan (the MD5 scheme; needs
        ``part_md5``)."""
        md5s = self.part_md5
        if not self.multipart:
            return md5s[0].hex()
        return f"{hashlib.md5(b''.join(md5s)).hexdigest()}-{len(md5s)}"  # noqa: S324


def plan_file(path: Path, size: int, part_size: int, *, md5: bool) -> UploadPlan:
    """Hash the file once: its whole SHA-256, and each part's SHA-256 (and MD5 when ``md5``).

    ``part_size`` is the storage's: a file up to that size goes up in one PUT, which always gets
    its MD5 (Content-MD5 costs nothing on small bodies). hashlib drops the GIL on big blocks, so
    the per-part digests run on a second core beside the whole-file one: on 2 cores this pass
    takes about as long as one SHA-256 of the file, and the upload itself hashes nothing.
    """
    single = size <= part_size
    if size > part_size * MAX_PARTS:
        part_size = math.ceil(size / MAX_PARTS / 2**20) * 2**20
    if single:
        part_size = max(size, 1)
    want_md5 = md5 or single
    whole = hashlib.sha256()
    shas: list[bytes] = []
    md5s: list[bytes] = []
    total = 0
    try:
        with open(path, "rb") as f, ThreadPoolExecutor(1, thread_name_prefix="hash") as side:
            while True:
                part = hashlib.sha256()
                pmd5 = hashlib.md5() if want_md5 else None  # noqa: S324 - Content-MD5 is MD5
                n = 0
                while n < part_size and (block := f.read(min(CHUNK, part_size - n))):
                    done = side.submit(_update, part, pmd5, block)
                    whole.update(block)
                    done.result()
                    n += len(block)
                if n == 0 and shas:
                    break
                shas.append(part.digest())
                if pmd5 is not None:
                    md5s.append(pmd5.digest())
                total += n
                if n < part_size:
                    break
    except OSError as exc:
        raise StorageError(f"cannot read {path}: {exc.strerror or exc}") from exc
    if total != size:
        raise StorageError(f"{path} changed size while being hashed ({size} -> {total} bytes)")
    return UploadPlan(size, whole.hexdigest(), part_size, tuple(shas), tuple(md5s))


def _update(sha: Any, md5: Any, block: bytes) -> None:
    sha.update(block)
    if md5 is not None:
        md5.update(block)


@dataclass(frozen=True)
class MultipartUpload:
    """One file going up to ``bucket`` as the object ``full`` in a multipart upload."""

    client: Any
    bucket: str
    key: str  # as the storage's caller named it, for messages
    full: str  # with the storage's prefix: the object's key in the bucket
    path: Path
    plan: UploadPlan
    checksums: bool
    where: str  # the storage's description, for messages

    def run(self, content_type: str, concurrency: int, stats: TransferStats) -> None:
        """Concurrent parts, completed only when all are in."""
        key, full, plan = self.key, self.full, self.plan
        extra: dict[str, Any] = {"ChecksumAlgorithm": "SHA256"} if self.checksums else {}
        with translate_errors(f"start multipart upload of {key} in {self.where}"):
            upload_id = self.client.create_multipart_upload(
                Bucket=self.bucket,
                Key=full,
                ContentType=content_type,
                Metadata={"sha256": plan.sha256},
                **extra,
            )["UploadId"]
        log.info(
            "storage: multipart upload of %s: %d parts of %d bytes, id %s",
            key,
            plan.parts,
            plan.part_size,
            upload_id,
        )
        stop = threading.Event()
        try:
            with ThreadPoolExecutor(concurrency, thread_name_prefix="s3-part") as pool:
                futures: list[Future[dict[str, Any]]] = [
                    pool.submit(self._upload_part, upload_id, n, stop)
                    for n in range(1, plan.parts + 1)
                ]
                done, _ = wait(futures, return_when=FIRST_EXCEPTION)
                failed = next((f for f in done if f.exception() is not None), None)
                if failed is not None:
                    stop.set()
                    for f in futures:
                        f.cancel()
                    raise failed.exception()  # type: ignore[misc]
            parts = [f.result() for f in futures]
            with translate_errors(f"complete multipart upload of {key} in {self.where}"):
                self.client.complete_multipart_upload(
                    Bucket=self.bucket,
                    Key=full,
                    UploadId=upload_id,
                    MultipartUpload={"Parts": parts},
                )
        except BaseException as exc:
            stop.set()
            self._abort(upload_id)
            if isinstance(exc, StorageError | KeyboardInterrupt | SystemExit):
                raise
            raise translate_error(exc, f"upload {key} to {self.where}") from exc
        stats.record_upload(plan.size)
        log.info("storage: put %s (%d bytes, %d parts)", key, plan.size, plan.parts)

    def _upload_part(self, upload_id: str, number: int, stop: threading.Event) -> dict[str, Any]:
        if stop.is_set():
            raise StorageError("upload cancelled")
        full, plan = self.full, self.plan
        offset = (number - 1) * plan.part_size
        length = min(plan.part_size, plan.size - offset)
        with open(self.path, "rb") as f:
            return put_part(
                self.client,
                self.bucket,
                full,
                upload_id,
                number,
                FdSlice(f.fileno(), offset, length),
                sha256=plan.part_sha256[number - 1] if self.checksums else None,
                md5=plan.part_md5[number - 1] if plan.part_md5 else None,
                where=self.where,
            )

    def _abort(self, upload_id: str) -> None:
        abort_upload(self.client, self.bucket, self.full, upload_id)


def put_part(
    client: Any,
    bucket: str,
    full: str,
    upload_id: str,
    number: int,
    body: FdSlice,
    *,
    sha256: bytes | None,
    md5: bytes | None,
    where: str,
) -> dict[str, Any]:
    """Send one part; returns its entry for CompleteMultipartUpload. ``sha256``: the server
    checks every byte against it; ``md5``: Content-MD5, for servers that check only that."""
    entry: dict[str, Any] = {"PartNumber": number}
    extra: dict[str, Any] = {}
    if sha256 is not None:
        extra["ChecksumAlgorithm"] = "SHA256"
        extra["ChecksumSHA256"] = entry["ChecksumSHA256"] = b64(sha256)
    if md5 is not None:
        extra["ContentMD5"] = b64(md5)
    with translate_errors(f"upload part {number} of {full} in {where}"):
        resp = client.upload_part(
            Bucket=bucket,
            Key=full,
            UploadId=upload_id,
            PartNumber=number,
            Body=body,
            ContentLength=body.length,
            **extra,
        )
    entry["ETag"] = resp["ETag"]
    failpoints.hit("multipart-part")
    return entry


def abort_upload(client: Any, bucket: str, full: str, upload_id: str) -> None:
    """Abort a multipart upload; a failure is only logged: abort_stale_uploads (or the bucket's
    lifecycle rule) catches it later."""
    try:
        client.abort_multipart_upload(Bucket=bucket, Key=full, UploadId=upload_id)
        log.warning("storage: aborted multipart upload %s of %s", upload_id, full)
    except Exception as exc:
        log.error("storage: could not abort multipart upload %s of %s: %s", upload_id, full, exc)


class FdSlice:
    """A seekable read-only window onto a file descriptor, read with ``pread`` (so any number of
    threads can share the descriptor): one part's bytes, never in memory."""

    def __init__(self, fd: int, offset: int, length: int) -> None:
        self._fd, self._offset, self._length, self._pos = fd, offset, length, 0

    @property
    def length(self) -> int:
        return self._length

    def read(self, size: int | None = -1) -> bytes:
        left = self._length - self._pos
        if left <= 0:
            return b""
        if size is None or size < 0 or size > left:
            size = left
        data = os.pread(self._fd, size, self._offset + self._pos)
        self._pos += len(data)
        return data

    def seek(self, offset: int, whence: int = 0) -> int:
        base = {0: 0, 1: self._pos, 2: self._length}[whence]
        self._pos = max(0, min(self._length, base + offset))
        return self._pos

    def tell(self) -> int:
        return self._pos

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True
