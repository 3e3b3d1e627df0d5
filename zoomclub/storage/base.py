"""The archive store: a small protocol with a written contract, and the helpers both backends share.

Every backend (:class:`~zoomclub.storage.local.LocalStorage`,
:class:`~zoomclub.storage.s3.S3Storage`) honours the same contract, and
``tests/test_storage_contract.py`` runs one suite over all of them.

Keys
    Relative, ``/``-separated paths such as ``sessions/2026-01-07-x/video.mp4``. A key is rejected
    with :class:`~zoomclub.errors.InputError` when it is empty, absolute, has an empty segment
    (``a//b``, trailing ``/``), a ``.`` or ``..`` segment, a backslash, a control character, or a
    segment starting with ``.zc-`` (reserved for the store's own bookkeeping). Keys are built by
    the caller from ids and dates, never from titles, and are never "cleaned up" silently.

Atomic visibility
    An object is visible at its key whole, or not at all; readers never see a partial object,
    whatever kills the writer (including ``kill -9``). Local: a temp file in the target's
    directory, ``fsync``, ``os.replace``, directory ``fsync``. S3: one PUT below ``part_size``;
    above it a multipart upload whose parts go up concurrently, completed only after every part
    succeeded, and aborted on any failure. A writer killed mid-upload leaves only leftovers that
    are invisible to ``head``/``list``/``get`` and that :meth:`Storage.abort_stale_uploads` removes.

Integrity
    The SHA-256 of the content is recorded with the object (S3: ``x-amz-meta-sha256`` plus the
    server-side SHA-256 checksum where the server supports it, and Content-MD5; local: a sidecar
    in the hidden ``.zc-meta`` folder) and checked after the upload: a mismatch raises
    :class:`~zoomclub.errors.StorageError` (retryable; the retry overwrites the object).
    ``put_file(..., sha256=...)`` raises if the file's content does not match the hash given,
    and uploads nothing at all when the key already holds that hash. Downloads verify the hash.
    With concurrent writers to one key the last complete upload wins, whole.

Uploading while the file is written
    ``growing_upload`` returns a :class:`GrowingUpload` where the backend can send a file while
    another process (ffmpeg) still writes it, None otherwise (local: a rename is already
    instant). It is None as well when the key already holds an object. Visibility is as above:
    nothing at the key until ``finish``; an abandoned one is aborted or left for
    ``abort_stale_uploads``. An object put this way has no SHA-256 recorded with it (S3 takes
    metadata only when an upload begins, before the content exists): ``head`` gives ``sha256``
    None for it, and the SHA-256 ``finish`` returns is recorded by the caller (session.json).

Idempotency
    Putting content identical to what the key already holds (same size and SHA-256) uploads
    nothing and returns the existing :class:`ObjectInfo`; the backends' ``stats.skipped`` counts
    it (``stats`` is a :class:`TransferStats`, not part of the protocol). Putting
    different content replaces the object atomically. ``delete`` of an absent key is fine.

Reads
    ``get_bytes``/``download_file`` raise :class:`~zoomclub.errors.ObjectNotFound` for an absent
    key; ``head`` returns ``None``. ``head`` is cheap and includes ``sha256`` and ``content_type``
    for objects this module wrote. ``list(prefix)`` yields every object whose key starts with
    ``prefix`` (a plain string prefix, recursive), sorted by key; its ``sha256`` and
    ``content_type`` are ``None`` (listing never costs a request per object) -- use ``head``.

Errors
    Everything a backend raises is a :class:`~zoomclub.errors.StorageError` (retryable unless it
    is a not-found, a refused credential or a missing bucket) or an ``InputError`` for bad keys.

Memory
    Uploads and downloads stream; memory stays flat whatever the object size. ``get_bytes`` and
    ``put_bytes`` are for small objects (pages, JSON, transcripts).
"""

from __future__ import annotations

import hashlib
import mimetypes
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO, Protocol, runtime_checkable

from zoomclub.errors import InputError

CHUNK = 1024 * 1024
RESERVED_PREFIX = ".zc-"
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")

_CONTENT_TYPES = {
    ".mp4": "video/mp4",
    ".m4a": "audio/mp4",
    ".vtt": "text/vtt",
    ".json": "application/json",
    ".html": "text/html",
    ".css": "text/css",
    ".js": "text/javascript",
    ".txt": "text/plain",
    ".xml": "application/xml",
    ".ics": "text/calendar",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".jpg": "image/jpeg",
}


@dataclass(frozen=True)
class ObjectInfo:
    key: str
    size: int
    sha256: str | None
    content_type: str | None


@dataclass
class TransferStats:
    """What a backend actually moved; tests read it to see idempotency and resumption."""

    uploaded: int = 0
    skipped: int = 0
    bytes_uploaded: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def record_upload(self, size: int) -> None:
        with self._lock:
            self.uploaded += 1
            self.bytes_uploaded += size

    def record_skip(self) -> None:
        with self._lock:
            self.skipped += 1


class GrowingUpload(Protocol):
    """An upload that begins while another process is still writing the file (S3 only; see
    :mod:`zoomclub.storage.s3_stream`). The writer calls ``start`` and ``writer_done``
    (``complete=True`` when it wrote the whole file: the rest may then go up at once, though
    nothing is stored before ``finish``); whoever accepts the finished file calls ``finish``
    (None: upload it the ordinary way), and whoever does not, ``abort``."""

    @property
    def active(self) -> bool: ...

    def start(self, path: Path, stable_from: int) -> bool: ...

    def writer_done(self, *, complete: bool = False) -> None: ...

    def finish(self, path: Path) -> ObjectInfo | None: ...

    def abort(self) -> None: ...


@runtime_checkable
class Storage(Protocol):
    """The archive store. The contract is the module docstring above."""

    description: str

    def put_file(
        self, key: str, path: Path, *, content_type: str, sha256: str | None = None
    ) -> ObjectInfo: ...

    def put_bytes(self, key: str, data: bytes, *, content_type: str) -> ObjectInfo: ...

    def growing_upload(self, key: str, *, content_type: str) -> GrowingUpload | None: ...

    def get_bytes(self, key: str) -> bytes: ...

    def download_file(self, key: str, dest: Path) -> None: ...

    def head(self, key: str) -> ObjectInfo | None: ...

    def exists(self, key: str) -> bool: ...

    def list(self, prefix: str = "") -> Iterator[ObjectInfo]: ...

    def delete(self, key: str) -> None: ...

    def url_for(self, key: str, *, expires_s: int | None = None) -> str: ...

    def abort_stale_uploads(self, prefix: str = "", older_than_s: float = 0) -> int: ...

    def check(self) -> None: ...


def validate_key(key: str) -> str:
    """Return ``key`` unchanged if it is a safe relative key, else raise :class:`InputError`."""
    if not isinstance(key, str) or not key:
        raise InputError("storage key must be a non-empty string")
    _check_segments(key, key.split("/"))
    return key


def validate_prefix(prefix: str) -> str:
    """Like :func:`validate_key`, but ``""`` and a trailing ``/`` are allowed (list prefixes)."""
    if prefix == "":
        return prefix
    segments = prefix.split("/")
    if segments[-1] == "":
        segments = segments[:-1]
    _check_segments(prefix, segments)
    return prefix


def _check_segments(key: str, segments: list[str]) -> None:
    if "\\" in key:
        raise InputError(f"unsafe storage key {key!r}: backslash")
    if _CONTROL.search(key):
        raise InputError(f"unsafe storage key {key!r}: control character")
    if key.startswith("/"):
        raise InputError(f"unsafe storage key {key!r}: must be relative")
    for seg in segments:
        if seg == "":
            raise InputError(f"unsafe storage key {key!r}: empty segment")
        if seg in (".", ".."):
            raise InputError(f"unsafe storage key {key!r}: '{seg}' segment")
        if seg.startswith(RESERVED_PREFIX):
            raise InputError(f"unsafe storage key {key!r}: '{RESERVED_PREFIX}' is reserved")


def guess_content_type(key: str) -> str:
    """The Content-Type the archive uses for a key's extension (application/octet-stream if unknown)."""
    suffix = Path(key).suffix.lower()
    if suffix in _CONTENT_TYPES:
        return _CONTENT_TYPES[suffix]
    return mimetypes.guess_type(key)[0] or "application/octet-stream"


def hash_stream(f: BinaryIO, *, limit: int | None = None) -> tuple[str, int]:
    """SHA-256 hex and byte count of ``f`` from its position (up to ``limit`` bytes), streaming."""
    h = hashlib.sha256()
    n = 0
    while limit is None or n < limit:
        want = CHUNK if limit is None else min(CHUNK, limit - n)
        block = f.read(want)
        if not block:
            break
        h.update(block)
        n += len(block)
    return h.hexdigest(), n


def sha256_file(path: Path) -> tuple[str, int]:
    """SHA-256 hex and size of a file, read in 1 MiB blocks."""
    with open(path, "rb") as f:
        return hash_stream(f)


def normalize_sha256(value: str | None) -> str | None:
    """Lower-case a hex SHA-256, or raise :class:`InputError` if it is not one."""
    if value is None:
        return None
    v = value.strip().lower()
    if not re.fullmatch(r"[0-9a-f]{64}", v):
        raise InputError(f"not a hex SHA-256: {value!r}")
    return v
