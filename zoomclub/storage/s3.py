"""The archive in an S3 bucket (AWS, or S3-compatible: MinIO, R2, rclone, moto).

Uploads below ``part_size`` are one PUT; larger ones are a multipart upload whose parts go up
concurrently and which is completed only when every part is in, aborted on any failure. Every
upload carries Content-MD5 (checked by every S3 server), the server-side SHA-256 checksum
(``checksums=True``; servers that ignore it lose nothing) and the hex SHA-256 of the whole
content in ``x-amz-meta-sha256``, so :meth:`S3Storage.head` is one cheap request.

Credentials come the standard boto3 way (environment, profile, instance role); this module never
reads them itself. The IAM policy needs s3:GetObject, s3:PutObject, s3:DeleteObject,
s3:ListBucket, s3:ListBucketMultipartUploads and s3:AbortMultipartUpload on the bucket/prefix
(without s3:ListBucket, S3 answers 403 instead of 404 for a missing key). Parts are read from the file as slices, so memory stays flat whatever the size.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import io
import logging
import math
import os
import secrets
import threading
from collections.abc import Iterator
from concurrent.futures import FIRST_EXCEPTION, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, BinaryIO
from urllib.parse import quote

from zoomclub import failpoints
from zoomclub.errors import ConfigError, InputError, ObjectNotFound, StorageError
from zoomclub.storage.base import (
    CHUNK,
    ObjectInfo,
    TransferStats,
    normalize_sha256,
    validate_key,
    validate_prefix,
)

log = logging.getLogger(__name__)

MIN_PART = 5 * 2**20  # S3's floor for every part but the last
MAX_PARTS = 10_000
MAX_PRESIGN_S = 7 * 24 * 3600
_NOT_FOUND = {"NoSuchKey", "NotFound", "404"}
_PERMANENT = {
    "AccessDenied",
    "InvalidAccessKeyId",
    "SignatureDoesNotMatch",
    "NoSuchBucket",
    "InvalidBucketName",
    "AllAccessDisabled",
}
_LOADER: Any = None
_LOADER_LOCK = threading.Lock()
_RETRYABLE = {"SlowDown", "RequestTimeout", "BadDigest", "InternalError", "ServiceUnavailable"}


def parse_s3_url(url: str) -> tuple[str, str]:
    """``s3://bucket/some/prefix`` -> ``("bucket", "some/prefix/")`` (prefix "" for none)."""
    if not url.startswith("s3://"):
        raise ConfigError(f"not an s3:// url: {url!r}")
    bucket, _, prefix = url[len("s3://") :].partition("/")
    if not bucket:
        raise ConfigError(f"archive url {url!r} has no bucket: use s3://bucket/prefix")
    prefix = prefix.strip("/")
    if prefix:
        try:
            validate_prefix(prefix)
        except InputError as exc:
            raise ConfigError(f"archive url {url!r}: {exc}") from None
        prefix += "/"
    return bucket, prefix


def make_s3_client(
    endpoint_url: str | None = None, region: str | None = None, *, max_pool: int = 10
) -> Any:
    """A boto3 S3 client that works with AWS and with S3-compatible servers.

    SigV4, standard retries, path-style addressing when an endpoint is given, and checksums only
    when an operation requires them (the newer botocore default of always sending CRC32 trailers
    breaks MinIO, R2, rclone and older servers; we send our own SHA-256/MD5 instead).
    """
    import boto3
    import botocore.session
    from botocore.config import Config
    from botocore.loaders import create_loader

    config = Config(
        signature_version="s3v4",
        retries={"mode": "standard", "max_attempts": 5},
        s3={
            "addressing_style": "path" if endpoint_url else "auto",
            # Every body carries a signed Content-MD5 and x-amz-checksum-sha256 that the server
            # checks, so hashing it again for the signature (botocore does on http://
            # endpoints) buys nothing.
            "payload_signing_enabled": False,
        },
        request_checksum_calculation="when_required",
        response_checksum_validation="when_required",
        connect_timeout=10,
        read_timeout=120,
        max_pool_connections=max_pool,
    )
    with _LOADER_LOCK:
        global _LOADER
        if _LOADER is None:
            _LOADER = create_loader()
        core = botocore.session.get_session()
        # Share the parsed service models: a fresh loader re-reads ~1 MB of JSON per client.
        core.register_component("data_loader", _LOADER)
    session = boto3.session.Session(botocore_session=core)
    return session.client(
        "s3",
        endpoint_url=endpoint_url,
        region_name=region or ("us-east-1" if endpoint_url else None),
        config=config,
    )


@dataclass(frozen=True)
class _Plan:
    """What one upload will send: sizes and the digests computed before anything goes out."""

    size: int
    sha256: str
    part_size: int
    part_md5: tuple[bytes, ...]

    @property
    def multipart(self) -> bool:
        return len(self.part_md5) > 1

    def etag(self) -> str:
        """The ETag S3 gives this content uploaded with this plan (the MD5 scheme)."""
        if not self.multipart:
            return self.part_md5[0].hex()
        return f"{hashlib.md5(b''.join(self.part_md5)).hexdigest()}-{len(self.part_md5)}"  # noqa: S324


class S3Storage:
    """A :class:`~zoomclub.storage.base.Storage` under ``s3://bucket/prefix``."""

    def __init__(
        self,
        bucket: str,
        prefix: str = "",
        *,
        endpoint_url: str | None = None,
        region: str | None = None,
        part_size: int = 16 * 2**20,
        concurrency: int = 4,
        client: Any | None = None,
        checksums: bool = True,
    ) -> None:
        if part_size < MIN_PART:
            raise ConfigError(f"S3 part size must be at least 5 MiB (got {part_size} bytes)")
        if concurrency < 1:
            raise ConfigError(f"upload concurrency must be at least 1 (got {concurrency})")
        if prefix:
            validate_prefix(prefix)
            prefix = prefix.rstrip("/") + "/"
        self.bucket = bucket
        self.prefix = prefix
        self.endpoint_url = endpoint_url.rstrip("/") if endpoint_url else None
        self.part_size = part_size
        self.concurrency = concurrency
        self.checksums = checksums
        self.client = client or make_s3_client(
            self.endpoint_url, region, max_pool=max(10, concurrency + 2)
        )
        where = f"s3://{bucket}/{prefix}".rstrip("/")
        self.description = f"{where} (endpoint {self.endpoint_url})" if endpoint_url else where
        self.stats = TransferStats()

    def __repr__(self) -> str:
        return f"S3Storage({self.description!r})"

    # -- writing -----------------------------------------------------------------------------

    def put_file(
        self, key: str, path: Path, *, content_type: str, sha256: str | None = None
    ) -> ObjectInfo:
        validate_key(key)
        given = normalize_sha256(sha256)
        path = Path(path)
        current, etag = self._head_etag(key)
        if (
            given is not None
            and current is not None
            and current.sha256 == given
            and current.content_type == content_type
        ):
            return self._skip(key, current)  # the hash says it all: the file is not even read
        try:
            size = path.stat().st_size
        except OSError as exc:
            raise StorageError(f"cannot read {path}: {exc.strerror or exc}") from exc
        plan = self._plan_file(path, size)
        if given is not None and plan.sha256 != given:
            raise StorageError(
                f"{path} does not match the sha256 given for {key} "
                f"(expected {given[:12]}…, file has {plan.sha256[:12]}…)"
            )
        if self._same(current, size, plan.sha256, content_type) or self._same_etag(
            current, etag, plan, content_type
        ):
            return self._skip(key, current)
        if plan.multipart:
            sent = self._put_multipart(key, path, plan, content_type)
        else:
            try:
                with self._errors("put", key), open(path, "rb") as f:
                    sent = self._put_single(key, f, plan, content_type)
            except OSError as exc:
                raise StorageError(f"cannot read {path}: {exc.strerror or exc}") from exc
        return self._verify(key, plan, content_type, sent)

    def put_bytes(self, key: str, data: bytes, *, content_type: str) -> ObjectInfo:
        validate_key(key)
        plan = _Plan(
            size=len(data),
            sha256=hashlib.sha256(data).hexdigest(),
            part_size=max(len(data), 1),
            part_md5=(hashlib.md5(data).digest(),),  # noqa: S324
        )
        current, etag = self._head_etag(key)
        if self._same(current, plan.size, plan.sha256, content_type) or self._same_etag(
            current, etag, plan, content_type
        ):
            return self._skip(key, current)
        with self._errors("put", key):
            sent = self._put_single(key, io.BytesIO(data), plan, content_type)
        return self._verify(key, plan, content_type, sent)

    def _same(self, current: ObjectInfo | None, size: int, sha256: str, content_type: str) -> bool:
        return (
            current is not None
            and current.size == size
            and current.sha256 == sha256
            and current.content_type == content_type
        )

    def _same_etag(
        self, current: ObjectInfo | None, etag: str | None, plan: _Plan, content_type: str
    ) -> bool:
        """For objects whose metadata the server lost (rclone keeps it in memory only)."""
        if current is None or current.sha256 is not None or current.size != plan.size:
            return False
        return current.content_type == content_type and etag == plan.etag()

    def _skip(self, key: str, current: ObjectInfo | None) -> ObjectInfo:
        assert current is not None
        log.info("storage: %s unchanged, not uploaded again", key)
        self.stats.record_skip()
        return current

    def _plan_file(self, path: Path, size: int) -> _Plan:
        """Hash the file once: whole SHA-256 and the MD5 of each part we will send."""
        part_size = self.part_size
        if size > part_size * MAX_PARTS:
            part_size = math.ceil(size / MAX_PARTS / 2**20) * 2**20
        whole = hashlib.sha256()
        md5s: list[bytes] = []
        total = 0
        try:
            # hashlib drops the GIL on big blocks: MD5 runs beside SHA-256 on a second core.
            with open(path, "rb") as f, ThreadPoolExecutor(1, thread_name_prefix="md5") as md5:
                while True:
                    part = hashlib.md5()  # noqa: S324 - Content-MD5 is what S3 checks
                    n = 0
                    while n < part_size and (block := f.read(min(CHUNK, part_size - n))):
                        side = md5.submit(part.update, block)
                        whole.update(block)
                        side.result()
                        n += len(block)
                    if n == 0 and md5s:
                        break
                    md5s.append(part.digest())
                    total += n
                    if n < part_size:
                        break
        except OSError as exc:
            raise StorageError(f"cannot read {path}: {exc.strerror or exc}") from exc
        if total != size:
            raise StorageError(f"{path} changed size while being hashed ({size} -> {total} bytes)")
        if size <= self.part_size:
            part_size = max(size, 1)
            md5s = md5s[:1]
        return _Plan(size, whole.hexdigest(), part_size, tuple(md5s))

    def _put_single(self, key: str, body: BinaryIO, plan: _Plan, content_type: str) -> str | None:
        """One PUT; returns the ETag the server gave it."""
        extra: dict[str, Any] = {}
        if self.checksums:
            extra["ChecksumAlgorithm"] = "SHA256"
            extra["ChecksumSHA256"] = _b64(bytes.fromhex(plan.sha256))
        resp = self.client.put_object(
            Bucket=self.bucket,
            Key=self._full(key),
            Body=body,
            ContentLength=plan.size,
            ContentType=content_type,
            ContentMD5=_b64(plan.part_md5[0]),
            Metadata={"sha256": plan.sha256},
            **extra,
        )
        self.stats.record_upload(plan.size)
        log.info("storage: put %s (%d bytes)", key, plan.size)
        return _unquote(resp.get("ETag"))

    def _put_multipart(self, key: str, path: Path, plan: _Plan, content_type: str) -> str | None:
        """Concurrent parts, completed only when all are in; returns the object's ETag."""
        full = self._full(key)
        extra: dict[str, Any] = {"ChecksumAlgorithm": "SHA256"} if self.checksums else {}
        with self._errors("start multipart upload of", key):
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
            len(plan.part_md5),
            plan.part_size,
            upload_id,
        )
        stop = threading.Event()
        try:
            with ThreadPoolExecutor(self.concurrency, thread_name_prefix="s3-part") as pool:
                futures: list[Future[dict[str, Any]]] = [
                    pool.submit(self._upload_part, full, upload_id, path, plan, n, stop)
                    for n in range(1, len(plan.part_md5) + 1)
                ]
                done, _ = wait(futures, return_when=FIRST_EXCEPTION)
                failed = next((f for f in done if f.exception() is not None), None)
                if failed is not None:
                    stop.set()
                    for f in futures:
                        f.cancel()
                    raise failed.exception()  # type: ignore[misc]
            parts = [f.result() for f in futures]
            with self._errors("complete multipart upload of", key):
                done_resp = self.client.complete_multipart_upload(
                    Bucket=self.bucket,
                    Key=full,
                    UploadId=upload_id,
                    MultipartUpload={"Parts": parts},
                )
        except BaseException as exc:
            stop.set()
            self._abort(full, upload_id)
            if isinstance(exc, StorageError | KeyboardInterrupt | SystemExit):
                raise
            raise _translate(exc, f"upload {key} to {self.description}") from exc
        self.stats.record_upload(plan.size)
        log.info("storage: put %s (%d bytes, %d parts)", key, plan.size, len(plan.part_md5))
        return _unquote(done_resp.get("ETag"))

    def _upload_part(
        self,
        full: str,
        upload_id: str,
        path: Path,
        plan: _Plan,
        number: int,
        stop: threading.Event,
    ) -> dict[str, Any]:
        if stop.is_set():
            raise StorageError("upload cancelled")
        offset = (number - 1) * plan.part_size
        length = min(plan.part_size, plan.size - offset)
        with open(path, "rb") as f:
            body = _FileSlice(f, offset, length)
            extra: dict[str, Any] = {}
            entry: dict[str, Any] = {"PartNumber": number}
            if self.checksums:
                digest, _ = _sha256_of(body)
                extra["ChecksumAlgorithm"] = "SHA256"
                extra["ChecksumSHA256"] = entry["ChecksumSHA256"] = _b64(digest)
                body.seek(0)
            with self._errors(f"upload part {number} of", full):
                resp = self.client.upload_part(
                    Bucket=self.bucket,
                    Key=full,
                    UploadId=upload_id,
                    PartNumber=number,
                    Body=body,
                    ContentLength=length,
                    ContentMD5=_b64(plan.part_md5[number - 1]),
                    **extra,
                )
        entry["ETag"] = resp["ETag"]
        failpoints.hit("multipart-part")
        return entry

    def _abort(self, full: str, upload_id: str) -> None:
        try:
            self.client.abort_multipart_upload(Bucket=self.bucket, Key=full, UploadId=upload_id)
            log.warning("storage: aborted multipart upload %s of %s", upload_id, full)
        except Exception as exc:
            # abort_stale_uploads (or the bucket's lifecycle rule) will catch it later.
            log.error(
                "storage: could not abort multipart upload %s of %s: %s", upload_id, full, exc
            )

    def _verify(self, key: str, plan: _Plan, content_type: str, sent: str | None) -> ObjectInfo:
        """Check what the server now holds at ``key`` against what we sent.

        The server has already checked Content-MD5 (and the SHA-256 checksum) of every byte; this
        catches a truncated or mislabelled object. A different object with another ETag than our
        upload's is a concurrent writer's newer version (last writer wins), not a failure. (The
        ETag alone proves nothing: rclone's CompleteMultipartUpload and HEAD ETags differ.)
        Nothing is deleted here: a failed check raises, and the caller's retry overwrites it.
        """
        info, etag = self._head_etag(key)
        if info is None:
            raise StorageError(f"{key} is not visible in {self.description} after upload")
        if info.size == plan.size and info.sha256 in (None, plan.sha256):
            pass  # ours, or identical content
        elif sent and etag and etag != sent:
            log.warning("storage: %s was replaced by another writer right after our upload", key)
        else:
            raise StorageError(
                f"verification of {key} in {self.description} failed: the server holds "
                f"{info.size} bytes, sha256 {info.sha256}; we sent {plan.size}, {plan.sha256}"
            )
        return ObjectInfo(key, plan.size, plan.sha256, content_type)

    # -- reading -----------------------------------------------------------------------------

    def get_bytes(self, key: str) -> bytes:
        validate_key(key)
        with self._errors("get", key):
            resp = self.client.get_object(Bucket=self.bucket, Key=self._full(key))
            data: bytes = resp["Body"].read()
        return data

    def download_file(self, key: str, dest: Path) -> None:
        validate_key(key)
        dest = Path(dest)
        tmp = dest.with_name(f".zc-tmp-{secrets.token_hex(6)}-{dest.name}")
        try:
            dest.parent.mkdir(parents=True, exist_ok=True)
            with self._errors("download", key):
                resp = self.client.get_object(Bucket=self.bucket, Key=self._full(key))
                meta = {k.lower(): v for k, v in (resp.get("Metadata") or {}).items()}
                expected = meta.get("sha256")
                h = hashlib.sha256()
                size = 0
                with open(tmp, "wb") as out:
                    for block in resp["Body"].iter_chunks(CHUNK):
                        h.update(block)
                        out.write(block)
                        size += len(block)
                    out.flush()
                    os.fsync(out.fileno())
            if size != resp.get("ContentLength", size):
                raise StorageError(f"download of {key} ended short ({size} bytes)")
            if expected and h.hexdigest() != expected:
                raise StorageError(f"sha256 mismatch downloading {key} from {self.description}")
            os.replace(tmp, dest)
        except OSError as exc:
            raise StorageError(f"cannot write {dest}: {exc.strerror or exc}") from exc
        finally:
            with contextlib.suppress(OSError):
                tmp.unlink()

    def head(self, key: str) -> ObjectInfo | None:
        validate_key(key)
        return self._head_etag(key)[0]

    def _head_etag(self, key: str) -> tuple[ObjectInfo | None, str | None]:
        """One HEAD: the object's info and its ETag (for the lost-metadata fallback)."""
        try:
            with self._errors("head", key):
                resp: dict[str, Any] = self.client.head_object(
                    Bucket=self.bucket, Key=self._full(key)
                )
        except ObjectNotFound:
            return None, None
        # Metadata names are case-insensitive; rclone returns "Sha256".
        meta = {k.lower(): v for k, v in (resp.get("Metadata") or {}).items()}
        info = ObjectInfo(
            key=key,
            size=int(resp["ContentLength"]),
            sha256=meta.get("sha256"),
            content_type=resp.get("ContentType"),
        )
        return info, _unquote(resp.get("ETag"))

    def exists(self, key: str) -> bool:
        return self.head(key) is not None

    def list(self, prefix: str = "") -> Iterator[ObjectInfo]:
        validate_prefix(prefix)
        found: list[ObjectInfo] = []
        with self._errors("list", prefix or "/"):
            pages = self.client.get_paginator("list_objects_v2").paginate(
                Bucket=self.bucket, Prefix=self.prefix + prefix
            )
            for page in pages:
                for obj in page.get("Contents", []):
                    found.append(
                        ObjectInfo(obj["Key"][len(self.prefix) :], obj["Size"], None, None)
                    )
        # Servers that walk a directory tree (rclone) do not always return S3's byte order.
        found.sort(key=lambda i: i.key)
        yield from found

    # -- housekeeping ------------------------------------------------------------------------

    def delete(self, key: str) -> None:
        validate_key(key)
        # HEAD first: deleting an absent key is then no request at all, and rclone answers a
        # DELETE of a "folder" key with a 500 that botocore would retry for seconds.
        if self._head_etag(key)[0] is None:
            return
        try:
            with self._errors("delete", key):
                self.client.delete_object(Bucket=self.bucket, Key=self._full(key))
        except ObjectNotFound:
            pass

    def url_for(self, key: str, *, expires_s: int | None = None) -> str:
        validate_key(key)
        full = self._full(key)
        if expires_s is not None:
            if not 1 <= expires_s <= MAX_PRESIGN_S:
                raise InputError(f"presigned URL lifetime must be 1..{MAX_PRESIGN_S} s")
            with self._errors("presign", key):
                url: str = self.client.generate_presigned_url(
                    "get_object",
                    Params={"Bucket": self.bucket, "Key": full},
                    ExpiresIn=expires_s,
                )
            return url
        path = quote(full, safe="/~")
        if self.endpoint_url:
            return f"{self.endpoint_url}/{self.bucket}/{path}"
        region = self.client.meta.region_name or "us-east-1"
        if "." in self.bucket:
            return f"https://s3.{region}.amazonaws.com/{self.bucket}/{path}"
        return f"https://{self.bucket}.s3.{region}.amazonaws.com/{path}"

    def abort_stale_uploads(self, prefix: str = "", older_than_s: float = 0) -> int:
        """Abort multipart uploads under ``prefix`` started more than ``older_than_s`` ago.

        Servers that cannot list multipart uploads (rclone's ``serve s3``) expire abandoned ones
        themselves; for those this logs that and returns 0.
        """
        validate_prefix(prefix)
        cutoff = datetime.now(UTC) - timedelta(seconds=older_than_s)
        aborted = 0
        try:
            with self._errors("list multipart uploads under", prefix or "/"):
                pages = self.client.get_paginator("list_multipart_uploads").paginate(
                    Bucket=self.bucket, Prefix=self.prefix + prefix
                )
                stale = [
                    u
                    for page in pages
                    for u in page.get("Uploads", [])
                    if _aware(u["Initiated"]) <= cutoff
                ]
        except StorageError as exc:
            if _unsupported(exc):
                log.warning(
                    "storage: %s cannot list multipart uploads; it must expire them itself",
                    self.description,
                )
                return 0
            raise
        for upload in stale:
            with self._errors("abort multipart upload of", upload["Key"]):
                self.client.abort_multipart_upload(
                    Bucket=self.bucket, Key=upload["Key"], UploadId=upload["UploadId"]
                )
            aborted += 1
            log.info("storage: aborted stale multipart upload of %s", upload["Key"])
        return aborted

    def check(self) -> None:
        try:
            with self._errors("reach bucket", self.bucket):
                self.client.head_bucket(Bucket=self.bucket)
        except ObjectNotFound as exc:
            err = StorageError(f"bucket {self.bucket} does not exist at {self.description}")
            err.retryable = False
            raise err from exc

    # -- internals ---------------------------------------------------------------------------

    def _full(self, key: str) -> str:
        return self.prefix + key

    @contextlib.contextmanager
    def _errors(self, what: str, key: str) -> Iterator[None]:
        try:
            yield
        except StorageError:
            raise
        except Exception as exc:
            if _is_client_error(exc) or _is_botocore_error(exc):
                raise _translate(exc, f"{what} {key} in {self.description}") from exc
            raise


class _FileSlice:
    """A seekable read-only window onto an open file: one part's bytes, never in memory."""

    def __init__(self, f: BinaryIO, offset: int, length: int) -> None:
        self._f = f
        self._offset = offset
        self._length = length
        self._pos = 0
        f.seek(offset)

    def read(self, size: int = -1) -> bytes:
        left = self._length - self._pos
        if left <= 0:
            return b""
        if size is None or size < 0 or size > left:
            size = left
        self._f.seek(self._offset + self._pos)
        data = self._f.read(size)
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


def _sha256_of(body: _FileSlice) -> tuple[bytes, int]:
    h = hashlib.sha256()
    n = 0
    while block := body.read(CHUNK):
        h.update(block)
        n += len(block)
    return h.digest(), n


def _unquote(etag: str | None) -> str | None:
    return etag.strip('"') if etag else None


def _b64(digest: bytes) -> str:
    return base64.b64encode(digest).decode("ascii")


def _aware(t: datetime) -> datetime:
    return t if t.tzinfo else t.replace(tzinfo=UTC)


def _is_client_error(exc: BaseException) -> bool:
    from botocore.exceptions import ClientError

    return isinstance(exc, ClientError)


def _is_botocore_error(exc: BaseException) -> bool:
    from botocore.exceptions import BotoCoreError

    return isinstance(exc, BotoCoreError)


def _translate(exc: BaseException, what: str) -> StorageError:
    """boto3/botocore -> our tree, with a one-line message naming the operation."""
    from botocore.exceptions import ClientError, NoCredentialsError, PartialCredentialsError

    err: StorageError
    if isinstance(exc, ClientError):
        error = exc.response.get("Error", {})
        code = str(error.get("Code", ""))
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        message = error.get("Message") or code or "error"
        if code in _NOT_FOUND:
            return ObjectNotFound(f"cannot {what}: no such object")
        if code == str(status) or not code:  # a HEAD reply has no body to name the error
            hint = (
                " (wrong credentials, or no permission; S3 also answers 403 for a missing key "
                "when s3:ListBucket is not granted)"
                if status in (401, 403)
                else ""
            )
            err = StorageError(f"cannot {what}: HTTP {status} {message}{hint}")
        else:
            err = StorageError(f"cannot {what}: {code} (HTTP {status}): {message}")
        err.code = code  # type: ignore[attr-defined]
        err.retryable = code in _RETRYABLE or (
            code not in _PERMANENT
            and status not in (401, 403)
            and (status is None or status >= 500 or status == 429)
        )
        return err
    if isinstance(exc, NoCredentialsError | PartialCredentialsError):
        err = StorageError(
            f"cannot {what}: no AWS credentials found; set AWS_ACCESS_KEY_ID and "
            "AWS_SECRET_ACCESS_KEY or AWS_PROFILE"
        )
        err.retryable = False
        return err
    return StorageError(f"cannot {what}: {type(exc).__name__}: {exc}")


def _unsupported(exc: StorageError) -> bool:
    code = getattr(exc, "code", "")
    return code in {"NotImplemented", "Unimplemented", "MethodNotAllowed", "501"} or (
        "not implemented" in exc.message.lower() or "unimplemented" in exc.message.lower()
    )
