"""Resumable, verified, atomic download of one recording file.

1. ``GET download_url`` with ``Authorization: Bearer`` (the API token, or the webhook's
   ``download_token``) and redirects *not* followed;
2. follow the 302 to the signed file URL *without* the Authorization header;
3. stream to ``<dest>.part`` in 1 MiB chunks (memory stays flat whatever the size);
4. after a drop, resume with ``Range: bytes=<have>-``; accept the answer only if it is a 206 whose
   ``Content-Range`` starts at ``<have>``, otherwise start again from zero;
5. check the size against ``file_size`` when Zoom gave one, ``os.replace`` onto ``dest``.

A ``.part`` left behind by a killed process is resumed by the next run.

What was written is trusted only as long as it cannot have been torn. A killed process loses
nothing the kernel already has, so on Linux the bytes are not fsynced: ``<dest>.boot`` records
(durably, before any byte is written) the kernel's boot id, and a ``.part`` or ``dest`` found
after the machine restarted (a power cut may have left zeros or a short tail in them) is thrown
away and downloaded again. Where there is no boot id, the data is fsynced before the rename as
before. Fsyncing a gigabyte costs ~0.4 s after its last byte arrives, on the archive's critical
path (docs/benchmarks.md); downloading again after a reboot costs nothing until one happens.

Retries are counted only while no new bytes arrive, so a flaky but progressing transfer
finishes; one that keeps failing raises :class:`~zoomclub.errors.DownloadError`.
"""

from __future__ import annotations

import contextlib
import http.client
import logging
import os
import random
import re
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any
from urllib.parse import urljoin, urlsplit

import requests
import urllib3.exceptions
from tqdm import tqdm

from zoomclub import failpoints
from zoomclub.clock import Clock
from zoomclub.durable import fsync_dir
from zoomclub.errors import DownloadError, ZoomBadResponse, ZoomError, ZoomRateLimited
from zoomclub.zoom.http import error_for
from zoomclub.zoom.models import RecordingFile
from zoomclub.zoom.retry import backoff_delay, parse_retry_after

log = logging.getLogger(__name__)

CHUNK_SIZE = 1 << 20
REDIRECTS = frozenset({301, 302, 303, 307, 308})
_CONTENT_RANGE = re.compile(r"^\s*bytes\s+(\d+)-(\d+)/(\d+|\*)\s*$", re.IGNORECASE)
_STREAM_ERRORS = (
    requests.RequestException,
    urllib3.exceptions.HTTPError,
    http.client.HTTPException,
    ConnectionError,
    TimeoutError,
)

#: ``bearer(None)`` gives the token to use; ``bearer(stale)`` a fresh one after ``stale`` got a 401
#: (or raises ZoomAuthError when there is no other).
BearerSource = Callable[[str | None], str]


class _Retry(Exception):
    """One attempt failed in a way that trying again may fix."""

    def __init__(
        self, reason: str, retry_after: float | None = None, *, restart: bool = False
    ) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry_after = retry_after
        self.restart = restart  # the partial bytes cannot be continued: start from zero


class _Unauthorized(Exception):
    """Zoom refused the bearer token (401); ``error`` is what to raise if a new one fails too."""

    def __init__(self, error: ZoomError) -> None:
        super().__init__(error.message)
        self.error = error


def parse_content_range(value: str | None) -> tuple[int, int, int | None] | None:
    """``bytes 100-199/1000`` → (100, 199, 1000); total None for ``*``; None when unreadable."""
    m = _CONTENT_RANGE.match(value or "")
    if not m:
        return None
    total = None if m.group(3) == "*" else int(m.group(3))
    return int(m.group(1)), int(m.group(2)), total


def part_path(dest: Path) -> Path:
    return dest.with_name(dest.name + ".part")


def download_file(
    session: requests.Session,
    file: RecordingFile,
    dest: Path,
    *,
    bearer: BearerSource,
    timeout: float,
    max_retries: int,
    clock: Clock,
    rng: random.Random,
    progress: bool = False,
    max_wait_s: float = 300.0,
) -> Path:
    """Download ``file`` to ``dest``; see the module docstring for the protocol."""
    url = file.download_url
    label = f"{file.file_type or 'file'} {file.id or dest.name}"
    if not url:
        raise ZoomBadResponse(f"recording {label} has no download_url (on-premise recording?)")
    expected = file.file_size
    volatile = _claim_for_this_boot(dest, label)
    if expected is not None and dest.is_file() and dest.stat().st_size == expected:
        log.info("%s already downloaded to %s", label, dest)
        return dest
    dest.parent.mkdir(parents=True, exist_ok=True)
    part = part_path(dest)
    token = bearer(None)
    refreshed = False
    failures = 0
    high_water = _size(part)
    show = progress and sys.stderr.isatty()
    with tqdm(
        total=expected,
        initial=0,
        unit="B",
        unit_scale=True,
        unit_divisor=1024,
        desc=dest.name,
        disable=not show,
        leave=False,
        file=sys.stderr,
    ) as bar:
        while True:
            have = _size(part)
            if expected is not None and have > expected:
                log.warning("%s: partial file is larger than Zoom's size; starting again", label)
                part.unlink()
                have = 0
            if have and have == expected:
                break  # a previous run got every byte but was stopped before the rename
            bar.n = have
            bar.refresh()
            try:
                _attempt(
                    session, url, part, have, expected, token, timeout, clock, bar, label, volatile
                )
            except _Unauthorized as unauthorized:
                if refreshed:
                    raise unauthorized.error from None
                refreshed = True
                token = bearer(token)
                continue
            except _Retry as r:
                if r.restart:
                    part.unlink(missing_ok=True)
                now = _size(part)
                if now > high_water:
                    high_water, failures = now, 0
                else:
                    failures += 1
                if failures > max_retries:
                    raise DownloadError(
                        f"download of {label} failed {failures} times in a row "
                        f"({now} bytes saved in {part.name}): {r.reason}"
                    ) from None
                if r.retry_after is not None and r.retry_after > max_wait_s:
                    raise ZoomRateLimited(
                        f"download of {label}: Zoom asks to wait {r.retry_after:.0f} s ({r.reason})",
                        retry_after=r.retry_after,
                        status=429,
                    ) from None
                delay = r.retry_after if r.retry_after is not None else backoff_delay(failures, rng)
                log.warning("%s: %s at %d bytes; retrying in %.1f s", label, r.reason, now, delay)
                clock.sleep(delay)
                continue
            have = _size(part)
            if expected is None or have == expected:
                break
            if have < expected:  # the stream ended cleanly but early: resume like a drop
                high_water = max(high_water, have)
                failures += 1
                if failures > max_retries:
                    raise DownloadError(
                        f"download of {label} keeps ending short: {have} of {expected} bytes"
                    )
                continue
            part.unlink()
            failures += 1
            if failures > max_retries:
                raise DownloadError(
                    f"download of {label} has {have} bytes but Zoom says {expected}"
                )
    if volatile:
        os.replace(part, dest)  # trusted until the next boot: see _claim_for_this_boot
    else:
        _commit(part, dest)
    log.info("downloaded %s to %s (%d bytes)", label, dest, dest.stat().st_size)
    return dest


def _attempt(
    session: requests.Session,
    url: str,
    part: Path,
    have: int,
    expected: int | None,
    token: str,
    timeout: float,
    clock: Clock,
    bar: Any,
    label: str,
    volatile: bool = False,
) -> None:
    """One request pair; appends to ``part``. Raises _Retry/_Unauthorized or a permanent error."""
    headers = {"Accept-Encoding": "identity"}
    if have:
        headers["Range"] = f"bytes={have}-"
    try:
        first = session.get(
            url,
            headers={**headers, "Authorization": f"Bearer {token}"},
            allow_redirects=False,
            stream=True,
            timeout=timeout,
        )
    except requests.RequestException as exc:
        raise _Retry(f"no answer from Zoom ({type(exc).__name__})") from exc
    resp = first
    if first.status_code in REDIRECTS:
        location = first.headers.get("Location")
        first.close()
        if not location:
            raise ZoomBadResponse(f"download of {label}: redirect without a Location")
        target = urljoin(url, location)
        log.debug("%s: redirected to %s", label, urlsplit(target).netloc)
        try:
            # A fresh header set: the signed URL needs no token and must not receive ours.
            resp = session.get(target, headers=headers, stream=True, timeout=timeout)
        except requests.RequestException as exc:
            raise _Retry(f"no answer from the file host ({type(exc).__name__})") from exc
    with contextlib.closing(resp):
        _check_status(resp, have, first is resp, clock, label)
        _check_total(resp, expected, label)
        if resp.status_code == 416:
            return
        resume = have > 0 and resp.status_code == 206
        if have and not resume:
            log.warning("%s: file host ignored Range; downloading from the start", label)
            bar.n = 0
        _stream(resp, part, "ab" if resume else "wb", bar, label, volatile)


def _check_status(
    resp: requests.Response, have: int, from_zoom: bool, clock: Clock, label: str
) -> None:
    status = resp.status_code
    what = f"download of {label}"
    if status == 401 and from_zoom:
        raise _Unauthorized(error_for(resp, what))
    if status == 429:
        retry_after = parse_retry_after(resp.headers.get("Retry-After"), clock.now())
        raise _Retry("rate limited (429)", retry_after)
    if status >= 500 or status in (408, 425):
        raise _Retry(f"HTTP {status}")
    if status == 403 and not from_zoom:  # the signed URL expired: ask Zoom for a new one
        raise _Retry("the signed file URL was refused (403)")
    if status == 416:
        if have and _server_total(resp) == have:
            return  # we already hold every byte the host has; the size check decides
        raise _Retry("range not satisfiable (416)", restart=True)
    if status == 206:
        got = parse_content_range(resp.headers.get("Content-Range"))
        if got is None or got[0] != have:
            raise _Retry(
                f"206 with Content-Range {resp.headers.get('Content-Range')!r}, wanted {have}-",
                restart=True,
            )
        return
    if status == 200:
        if "html" in resp.headers.get("Content-Type", "").lower():
            raise ZoomBadResponse(
                f"{what}: Zoom answered an HTML page instead of the file "
                "(no permission to download this recording?)",
                status=status,
            )
        return
    raise error_for(resp, what)


def _server_total(resp: requests.Response) -> int | None:
    """The whole file's size as the server declares it, when it does."""
    if resp.status_code in (206, 416):
        value = resp.headers.get("Content-Range", "")
        m = re.match(r"^\s*bytes\s+(?:\d+-\d+|\*)/(\d+)\s*$", value, re.IGNORECASE)
        return int(m.group(1)) if m else None
    length = resp.headers.get("Content-Length")
    return int(length) if length and length.isdigit() else None


def _check_total(resp: requests.Response, expected: int | None, label: str) -> None:
    """Fail before streaming gigabytes when the host's size cannot match Zoom's ``file_size``."""
    total = _server_total(resp)
    if total is not None and expected is not None and total != expected:
        raise DownloadError(
            f"download of {label}: the file host has {total} bytes but Zoom says {expected}"
        )


def _stream(
    resp: requests.Response, part: Path, mode: str, bar: Any, label: str, volatile: bool = False
) -> None:
    try:
        fh: IO[bytes] = open(part, mode)  # noqa: SIM115 - closed below, also on errors
    except OSError as exc:
        raise DownloadError(f"cannot write {part}: {exc.strerror}") from exc
    with fh, _WriteBack(fh, enabled=not volatile) as writeback:
        try:
            for chunk in resp.raw.stream(CHUNK_SIZE, decode_content=False):
                try:
                    fh.write(chunk)
                except OSError as exc:
                    raise DownloadError(f"cannot write {part}: {exc.strerror}") from exc
                writeback.wrote(len(chunk))
                bar.update(len(chunk))
                failpoints.hit("download-chunk")
        except _STREAM_ERRORS as exc:
            fh.flush()
            raise _Retry(f"connection lost ({type(exc).__name__})") from exc


class _WriteBack:
    """Pushes what has been written to disk while the download goes on, on a helper thread.

    The final fsync before the rename then has little left to write, instead of a whole
    recording (about 0.4-1.5 s per GB on our machine, all of it after the last byte arrived).
    Durability is unchanged: :func:`_commit` still fsyncs before renaming. A failed early sync
    is only logged; the final fsync reports the error that matters.
    """

    EVERY = 64 << 20

    def __init__(self, fh: IO[bytes], *, enabled: bool = True) -> None:
        self.fh = fh
        self.enabled = enabled  # not when nothing is fsynced at all (_claim_for_this_boot)
        self.pending = 0
        self.thread: threading.Thread | None = None

    def __enter__(self) -> _WriteBack:
        return self

    def wrote(self, n: int) -> None:
        if not self.enabled:
            return
        self.pending += n
        if self.pending < self.EVERY or (self.thread is not None and self.thread.is_alive()):
            return
        self.pending = 0
        self.fh.flush()
        self.thread = threading.Thread(
            target=self._sync, args=(self.fh.fileno(),), name="download-writeback", daemon=True
        )
        self.thread.start()

    @staticmethod
    def _sync(fd: int) -> None:
        try:
            getattr(os, "fdatasync", os.fsync)(fd)  # no fdatasync on macOS
        except OSError as exc:
            log.debug("early write-back failed (the final fsync will tell): %s", exc)

    def __exit__(self, *exc: object) -> None:
        if self.thread is not None:
            self.thread.join()  # before the file is closed under it


#: Where Linux tells which boot this is; a power cut or a crash of the machine changes it.
BOOT_ID_PATH = Path("/proc/sys/kernel/random/boot_id")


def boot_id() -> str | None:
    """This boot's id, or None where the system has none (then downloads are fsynced)."""
    try:
        return BOOT_ID_PATH.read_text(encoding="ascii").strip() or None
    except (OSError, UnicodeDecodeError):
        return None


def _claim_for_this_boot(dest: Path, label: str) -> bool:
    """Throw away ``dest`` and its ``.part`` when written before the machine last restarted, and
    mark them as this boot's. True when they need no fsync (there is a boot id to mark them with).

    The mark is written and fsynced, with its directory, before any byte of the file, so a file
    that survived a power cut always has a mark to be judged by. Files without one were written
    by a version that fsynced them, and are kept.
    """
    mark, part, current = dest.with_name(dest.name + ".boot"), part_path(dest), boot_id()
    try:
        written_in = mark.read_text(encoding="ascii").strip()
    except FileNotFoundError:
        written_in = None
    except (OSError, UnicodeDecodeError):
        written_in = ""  # unreadable: judged like a mark of another boot
    if written_in is not None and written_in != current:
        if dest.exists() or part.exists():
            log.warning(
                "%s: the bytes saved before this machine restarted may be torn; downloading again",
                label,
            )
        for stale in (dest, part, mark):
            stale.unlink(missing_ok=True)
    if current is None:
        return False
    if written_in != current:
        dest.parent.mkdir(parents=True, exist_ok=True)
        try:
            with open(mark, "w", encoding="ascii") as fh:
                fh.write(current + "\n")
                fh.flush()
                os.fsync(fh.fileno())
        except OSError as exc:
            raise DownloadError(f"cannot write {mark}: {exc.strerror}") from exc
        fsync_dir(dest.parent)
    return True


def _commit(part: Path, dest: Path) -> None:
    """fsync the data, rename over ``dest``, fsync the directory: kill -9 leaves old or new."""
    with open(part, "rb+") as fh:
        os.fsync(fh.fileno())
    os.replace(part, dest)
    fsync_dir(dest.parent)


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except FileNotFoundError:
        return 0
