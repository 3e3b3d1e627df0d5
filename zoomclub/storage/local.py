"""The archive in a local directory: atomic, fsync'd writes and a SHA-256 sidecar per object.

Layout under the root::

    sessions/2026-01-07-x/video.mp4                 the object itself
    .zc-meta/sessions/2026-01-07-x/video.mp4.json   {"sha256", "content_type", "size", "ino", ...}
    sessions/2026-01-07-x/.zc-tmp-<hex>-video.mp4   a write in progress (or a killed writer's)

The sidecar records the inode, size and mtime of the file it describes; one that does not match
(a crash between the two renames, someone editing the file by hand) is ignored and the hash is
recomputed, so a stale sidecar can never vouch for the wrong content. Unlike S3, a key cannot be
both an object and a "folder" (``a`` and ``a/b``); keys built from dates and ids never collide so.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import logging
import os
import secrets
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, BinaryIO

from zoomclub.durable import fsync_dir
from zoomclub.errors import ObjectNotFound, StorageError
from zoomclub.storage.base import (
    CHUNK,
    RESERVED_PREFIX,
    GrowingUpload,
    ObjectInfo,
    TransferStats,
    guess_content_type,
    normalize_sha256,
    sha256_file,
    validate_key,
    validate_prefix,
)

log = logging.getLogger(__name__)

META_DIR = RESERVED_PREFIX + "meta"
TMP_PREFIX = RESERVED_PREFIX + "tmp-"


class LocalStorage:
    """A :class:`~zoomclub.storage.base.Storage` in a directory (created if missing)."""

    def __init__(self, root: Path | str) -> None:
        self.root = Path(root).expanduser().resolve()
        try:
            self.root.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StorageError(f"cannot create archive directory {self.root}: {_why(exc)}") from exc
        self.description = str(self.root)
        self.stats = TransferStats()

    def __repr__(self) -> str:
        return f"LocalStorage({self.description!r})"

    # -- writing -----------------------------------------------------------------------------

    def put_file(
        self, key: str, path: Path, *, content_type: str, sha256: str | None = None
    ) -> ObjectInfo:
        validate_key(key)
        expected = normalize_sha256(sha256)
        path = Path(path)
        size: int | None = None
        try:
            if expected is None:
                expected, size = sha256_file(path)
            elif path.is_file():
                size = path.stat().st_size
        except OSError as exc:
            raise StorageError(f"cannot read {path}: {_why(exc)}") from exc
        existing = self._unchanged(key, expected, size, content_type)
        if existing is not None:
            return existing
        try:
            with open(path, "rb") as src:
                return self._write(key, src, expected, content_type)
        except OSError as exc:
            raise StorageError(f"cannot read {path}: {_why(exc)}") from exc

    def growing_upload(self, key: str, *, content_type: str) -> GrowingUpload | None:
        """Never: the finished file is renamed into place at once (see the Storage contract)."""
        validate_key(key)
        return None

    def put_bytes(self, key: str, data: bytes, *, content_type: str) -> ObjectInfo:
        validate_key(key)
        digest = hashlib.sha256(data).hexdigest()
        existing = self._unchanged(key, digest, len(data), content_type)
        if existing is not None:
            return existing
        return self._write(key, io.BytesIO(data), digest, content_type)

    def _unchanged(
        self, key: str, sha256: str, size: int | None, content_type: str
    ) -> ObjectInfo | None:
        """The current object if it already holds this content (``size`` None: a pipe, say)."""
        current = self.head(key)
        if current is None or current.sha256 != sha256 or current.content_type != content_type:
            return None
        if size is not None and size != current.size:
            return None
        log.info("storage: %s unchanged (sha256 %s), not written again", key, sha256[:12])
        self.stats.record_skip()
        return current

    def _write(self, key: str, src: BinaryIO, expected: str, content_type: str) -> ObjectInfo:
        dest = self._path(key)
        tmp: Path | None = None
        try:
            dest.parent.mkdir(parents=True, exist_ok=True)
            tmp, fd = _open_temp(dest)
            h = hashlib.sha256()
            size = 0
            with os.fdopen(fd, "wb") as out:
                while block := src.read(CHUNK):
                    h.update(block)
                    out.write(block)
                    size += len(block)
                out.flush()
                os.fsync(out.fileno())
            if h.hexdigest() != expected:
                raise StorageError(
                    f"sha256 mismatch writing {key}: expected {expected}, read {h.hexdigest()} "
                    "(did the file change while it was being archived?)"
                )
            st = os.stat(tmp)
            self._write_meta(key, st, expected, content_type)
            os.replace(tmp, dest)
            tmp = None
            fsync_dir(dest.parent)
        except OSError as exc:
            raise StorageError(f"cannot write {key} under {self.root}: {_why(exc)}") from exc
        finally:
            if tmp is not None:
                with contextlib.suppress(OSError):
                    tmp.unlink()
        self.stats.record_upload(size)
        log.info("storage: wrote %s (%d bytes)", key, size)
        return ObjectInfo(key=key, size=size, sha256=expected, content_type=content_type)

    # -- reading -----------------------------------------------------------------------------

    def get_bytes(self, key: str) -> bytes:
        validate_key(key)
        try:
            return self._path(key).read_bytes()
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError) as exc:
            raise ObjectNotFound(f"no object {key} in {self.root}") from exc
        except OSError as exc:
            raise StorageError(f"cannot read {key} under {self.root}: {_why(exc)}") from exc

    def download_file(self, key: str, dest: Path) -> None:
        validate_key(key)
        info = self.head(key)
        if info is None:
            raise ObjectNotFound(f"no object {key} in {self.root}")
        dest = Path(dest)
        tmp: Path | None = None
        try:
            dest.parent.mkdir(parents=True, exist_ok=True)
            tmp, fd = _open_temp(dest)
            h = hashlib.sha256()
            with open(self._path(key), "rb") as src, os.fdopen(fd, "wb") as out:
                while block := src.read(CHUNK):
                    h.update(block)
                    out.write(block)
                out.flush()
                os.fsync(out.fileno())
            if info.sha256 is not None and h.hexdigest() != info.sha256:
                raise StorageError(f"sha256 mismatch downloading {key}: the object changed")
            os.replace(tmp, dest)
            tmp = None
        except FileNotFoundError as exc:
            raise ObjectNotFound(f"no object {key} in {self.root}") from exc
        except OSError as exc:
            raise StorageError(f"cannot download {key} to {dest}: {_why(exc)}") from exc
        finally:
            if tmp is not None:
                with contextlib.suppress(OSError):
                    tmp.unlink()

    def head(self, key: str) -> ObjectInfo | None:
        validate_key(key)
        path = self._path(key)
        try:
            st = path.stat()
        except (FileNotFoundError, NotADirectoryError):
            return None
        except OSError as exc:
            raise StorageError(f"cannot stat {key} under {self.root}: {_why(exc)}") from exc
        if not path.is_file():
            return None
        meta = self._read_meta(key)
        if meta is not None and _meta_matches(meta, st):
            return ObjectInfo(key, st.st_size, meta["sha256"], meta.get("content_type"))
        # No sidecar, or one describing another version of the file: recompute, then repair.
        content_type = meta.get("content_type") if meta else None
        content_type = content_type or guess_content_type(key)
        try:
            digest, _ = sha256_file(path)
            st = path.stat()
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise StorageError(f"cannot read {key} under {self.root}: {_why(exc)}") from exc
        log.warning("storage: %s had no valid sidecar; sha256 recomputed", key)
        with contextlib.suppress(OSError):
            self._write_meta(key, st, digest, content_type)
        return ObjectInfo(key, st.st_size, digest, content_type)

    def exists(self, key: str) -> bool:
        validate_key(key)
        return self._path(key).is_file()

    def list(self, prefix: str = "") -> Iterator[ObjectInfo]:
        validate_prefix(prefix)
        start = self.root / prefix.rpartition("/")[0] if "/" in prefix else self.root
        found: list[ObjectInfo] = []
        for dirpath, dirnames, filenames in os.walk(start):
            dirnames[:] = [d for d in dirnames if not d.startswith(RESERVED_PREFIX)]
            rel = Path(dirpath).relative_to(self.root).as_posix()
            base = "" if rel == "." else rel + "/"
            for name in filenames:
                key = base + name
                if name.startswith(RESERVED_PREFIX) or not key.startswith(prefix):
                    continue
                try:
                    size = os.stat(os.path.join(dirpath, name)).st_size
                except FileNotFoundError:
                    continue  # deleted while we walked
                found.append(ObjectInfo(key, size, None, None))
        found.sort(key=lambda i: i.key)
        yield from found

    # -- housekeeping ------------------------------------------------------------------------

    def delete(self, key: str) -> None:
        validate_key(key)
        if self._path(key).is_dir():
            return  # a "folder" is not an object
        for p in (self._path(key), self._meta_path(key)):
            try:
                p.unlink()
            except (FileNotFoundError, NotADirectoryError):
                pass
            except OSError as exc:
                raise StorageError(f"cannot delete {key} under {self.root}: {_why(exc)}") from exc

    def url_for(self, key: str, *, expires_s: int | None = None) -> str:
        """The absolute file path (``expires_s`` has no meaning for a directory)."""
        validate_key(key)
        return str(self._path(key))

    def abort_stale_uploads(self, prefix: str = "", older_than_s: float = 0) -> int:
        """Remove temp files of interrupted writes not touched for ``older_than_s`` seconds.

        Careful with 0 while another process may be writing: its temp file would go too.
        """
        validate_prefix(prefix)
        cutoff = time.time() - older_than_s
        removed = 0
        for tree in (self.root, self.root / META_DIR):
            for dirpath, dirnames, filenames in os.walk(tree):
                if tree == self.root:
                    dirnames[:] = [d for d in dirnames if d != META_DIR]
                rel = Path(dirpath).relative_to(tree).as_posix()
                base = "" if rel == "." else rel + "/"
                for name in filenames:
                    if not name.startswith(TMP_PREFIX):
                        continue
                    would_be = base + name[len(TMP_PREFIX) :].partition("-")[2]
                    if not would_be.startswith(prefix):
                        continue
                    p = Path(dirpath, name)
                    try:
                        if p.stat().st_mtime <= cutoff:
                            p.unlink()
                            removed += 1
                            log.info("storage: removed stale temp file %s", p)
                    except FileNotFoundError:
                        continue
                    except OSError as exc:
                        raise StorageError(f"cannot remove {p}: {_why(exc)}") from exc
        return removed

    def check(self) -> None:
        if not self.root.is_dir():
            raise StorageError(f"archive directory {self.root} does not exist")
        if not os.access(self.root, os.W_OK | os.X_OK):
            raise StorageError(f"archive directory {self.root} is not writable")

    # -- internals ---------------------------------------------------------------------------

    def _path(self, key: str) -> Path:
        return self.root.joinpath(*key.split("/"))

    def _meta_path(self, key: str) -> Path:
        return self.root.joinpath(META_DIR, *key.split("/")).with_name(
            key.rsplit("/", 1)[-1] + ".json"
        )

    def _read_meta(self, key: str) -> dict[str, Any] | None:
        try:
            meta = json.loads(self._meta_path(key).read_text("utf-8"))
        except (OSError, ValueError):
            return None
        return meta if isinstance(meta, dict) and isinstance(meta.get("sha256"), str) else None

    def _write_meta(self, key: str, st: os.stat_result, sha256: str, content_type: str) -> None:
        path = self._meta_path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        body = {
            "sha256": sha256,
            "content_type": content_type,
            "size": st.st_size,
            "ino": st.st_ino,
            "mtime_ns": st.st_mtime_ns,
        }
        tmp, fd = _open_temp(path)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as out:
                json.dump(body, out)
            os.replace(tmp, path)
        except BaseException:
            with contextlib.suppress(OSError):
                tmp.unlink()
            raise


def _meta_matches(meta: dict[str, Any], st: os.stat_result) -> bool:
    return (
        meta.get("size") == st.st_size
        and meta.get("ino") == st.st_ino
        and meta.get("mtime_ns") == st.st_mtime_ns
    )


def _open_temp(dest: Path) -> tuple[Path, int]:
    """A new temp file beside ``dest`` (same directory, so ``os.replace`` is atomic)."""
    tmp = dest.with_name(f"{TMP_PREFIX}{secrets.token_hex(6)}-{dest.name}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    return tmp, fd


def _why(exc: OSError) -> str:
    return exc.strerror or str(exc)
