"""The archive in an S3 bucket (AWS, or S3-compatible: MinIO, R2, rclone, moto).

Uploads below ``part_size`` are one PUT; larger ones are a multipart upload whose parts go up
concurrently and which is completed only when every part is in, aborted on any failure. Every
body carries its SHA-256 checksum (``checksums=True``; AWS, MinIO and R2 check it), a single PUT
also Content-MD5, and parts too with ``content_md5=True`` (for servers such as rclone that check
only that). Every object records the hex SHA-256 of its whole content in ``x-amz-meta-sha256``,
so :meth:`S3Storage.head` is one cheap request. The exception
is a file uploaded while it is still being written (:meth:`S3Storage.growing_upload`, see
:mod:`zoomclub.storage.s3_stream`): its SHA-256 is not known when the upload begins, so it is not
in the object's metadata; the caller records the one ``finish`` returns.

Credentials come the standard boto3 way (environment, profile, instance role); this module never
reads them itself. The IAM policy needs s3:GetObject, s3:PutObject, s3:DeleteObject,
s3:ListBucket, s3:ListBucketMultipartUploads and s3:AbortMultipartUpload on the bucket/prefix
(without s3:ListBucket, S3 answers 403 instead of 404 for a missing key). Parts are read from the file as slices, so memory stays flat whatever the size.

The boto3 client and the translation of its errors live in :mod:`zoomclub.storage.s3_client`, the
upload plan and the multipart upload in :mod:`zoomclub.storage.s3_multipart`.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import logging
import os
import secrets
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, BinaryIO
from urllib.parse import quote

from zoomclub.errors import ConfigError, InputError, ObjectNotFound, StorageError
from zoomclub.storage.base import (
    CHUNK,
    ObjectInfo,
    TransferStats,
    normalize_sha256,
    validate_key,
    validate_prefix,
)
from zoomclub.storage.s3_client import (
    b64,
    is_unsupported,
    make_s3_client,
    translate_errors,
    unquote_etag,
)
from zoomclub.storage.s3_multipart import (
    MIN_PART,
    MultipartUpload,
    UploadPlan,
    plan_file,
)
from zoomclub.storage.s3_stream import S3GrowingUpload

log = logging.getLogger(__name__)

MAX_PRESIGN_S = 7 * 24 * 3600


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
        content_md5: bool = False,
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
        # Content-MD5 on parts as well as (or, without checksums, instead of) the SHA-256.
        self.content_md5 = content_md5 or not checksums
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
        plan = plan_file(path, size, self.part_size, md5=self.content_md5)
        if given is not None and plan.sha256 != given:
            raise StorageError(
                f"{path} does not match the sha256 given for {key} "
                f"(expected {given[:12]}…, file has {plan.sha256[:12]}…)"
            )
        if self._same(current, size, plan.sha256, content_type) or self._same_etag(
            current, etag, plan, content_type, path
        ):
            return self._skip(key, current)
        if plan.multipart:
            upload = MultipartUpload(
                self.client,
                self.bucket,
                key,
                self._full(key),
                path,
                plan,
                checksums=self.checksums,
                where=self.description,
            )
            upload.run(content_type, self.concurrency, self.stats)
            # No HEAD afterwards: a completed multipart upload is exactly the parts it lists, each
            # of which the server checked against our digest before accepting it. (On rclone the
            # first HEAD of a new object also costs seconds: it hashes the whole file for an ETag.)
            return ObjectInfo(key, plan.size, plan.sha256, content_type)
        try:
            with self._errors("put", key), open(path, "rb") as f:
                sent = self._put_single(key, f, plan, content_type)
        except OSError as exc:
            raise StorageError(f"cannot read {path}: {exc.strerror or exc}") from exc
        return self._verify(key, plan, content_type, sent)

    def growing_upload(self, key: str, *, content_type: str) -> S3GrowingUpload | None:
        """An upload of a file that is still being written (see :mod:`.s3_stream`).

        None when the key already holds an object: :meth:`put_file` then decides whether it is
        the same content, which an upload started before the content exists cannot.
        """
        validate_key(key)
        if self._head_etag(key)[0] is not None:
            return None
        return S3GrowingUpload(
            self.client,
            self.bucket,
            key,
            self._full(key),
            content_type=content_type,
            part_size=self.part_size,
            concurrency=self.concurrency,
            checksums=self.checksums,
            md5=self.content_md5,
            where=self.description,
            stats=self.stats,
        )

    def put_bytes(self, key: str, data: bytes, *, content_type: str) -> ObjectInfo:
        validate_key(key)
        digest = hashlib.sha256(data)
        plan = UploadPlan(
            size=len(data),
            sha256=digest.hexdigest(),
            part_size=max(len(data), 1),
            part_sha256=(digest.digest(),),
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
        self,
        current: ObjectInfo | None,
        etag: str | None,
        plan: UploadPlan,
        content_type: str,
        path: Path | None = None,
    ) -> bool:
        """For objects whose metadata the server lost (rclone keeps it in memory only)."""
        if current is None or current.sha256 is not None or current.size != plan.size:
            return False
        if current.content_type != content_type or etag is None:
            return False
        if not plan.part_md5:  # the upload would not send MD5s: hash them only for this check
            if path is None:
                return False
            plan = plan_file(path, plan.size, plan.part_size, md5=True)
        return etag == plan.etag()

    def _skip(self, key: str, current: ObjectInfo | None) -> ObjectInfo:
        assert current is not None
        log.info("storage: %s unchanged, not uploaded again", key)
        self.stats.record_skip()
        return current

    def _put_single(
        self, key: str, body: BinaryIO, plan: UploadPlan, content_type: str
    ) -> str | None:
        """One PUT; returns the ETag the server gave it."""
        extra: dict[str, Any] = {}
        if self.checksums:
            extra["ChecksumAlgorithm"] = "SHA256"
            extra["ChecksumSHA256"] = b64(bytes.fromhex(plan.sha256))
        resp = self.client.put_object(
            Bucket=self.bucket,
            Key=self._full(key),
            Body=body,
            ContentLength=plan.size,
            ContentType=content_type,
            ContentMD5=b64(plan.part_md5[0]),
            Metadata={"sha256": plan.sha256},
            **extra,
        )
        self.stats.record_upload(plan.size)
        log.info("storage: put %s (%d bytes)", key, plan.size)
        return unquote_etag(resp.get("ETag"))

    def _verify(
        self, key: str, plan: UploadPlan, content_type: str, sent: str | None
    ) -> ObjectInfo:
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
        return info, unquote_etag(resp.get("ETag"))

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
            # rclone's `serve s3` answers the listing with NoSuchUpload (HTTP 404); a listing
            # cannot legitimately fail that way, so it means the same as NotImplemented.
            if is_unsupported(exc) or getattr(exc, "code", "") == "NoSuchUpload":
                # Said at info level: it is the server's nature, and this runs before every
                # archive (a warning each time would train organizers to ignore warnings).
                log.info(
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

    def _errors(self, what: str, key: str) -> contextlib.AbstractContextManager[None]:
        return translate_errors(f"{what} {key} in {self.description}")


def _aware(t: datetime) -> datetime:
    return t if t.tzinfo else t.replace(tzinfo=UTC)
