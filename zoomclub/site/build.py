"""Build the members' site into the archive root, incrementally.

Output (next to the archive's own files, so any static host, S3 website or ``file://`` serves it)::

    index.html  upcoming.html  feed.xml  calendar.ics  search-index.json  search-index.js
    static/site.css  static/site.js
    sessions/<key>/index.html  sessions/<key>/search.js  sessions/<key>/search-terms.txt
    site-state.json       what the last build did (per-session fingerprints, output hashes)

Work per session, cheapest first:

- *keep*: nothing changed (its catalog entry's fingerprint, which covers the transcript's
  SHA-256, matches the last build) and this is an incremental build (``changed`` given).
- *re-render*: a full rebuild (``changed=None``) or new templates: the page is rendered again from
  the cues in the session's own ``search.js`` shard; the VTT is not parsed again.
- *parse*: new, changed, named in ``changed``, or no usable shard: the transcript is parsed, and
  the page, shard and term file are written.

The search index is updated by appending new sessions' terms when only sessions were added, and
recomposed from the ``search-terms.txt`` files otherwise (see :mod:`zoomclub.site.search`).
Pages are written before ``site-state.json``: a build killed half-way leaves the old state, and
the next build redoes what the killed one had not recorded.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections.abc import Collection, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime
from functools import lru_cache
from importlib import resources
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from zoomclub.errors import InputError, ObjectNotFound
from zoomclub.site import feeds, ical, pages, render, search
from zoomclub.site.catalog import Catalog, SessionView, parse_catalog, safe_http_url
from zoomclub.site.model import CalendarEntry
from zoomclub.storage import Storage

log = logging.getLogger(__name__)

STATE_KEY = "site-state.json"
CATALOG_KEY = "catalog.json"
STATE_VERSION = 2
STATIC_FILES = {"site.css": "text/css", "site.js": "text/javascript"}
UPCOMING_LIMIT = 12
WRITERS = 8
BATCH = 64  # sessions whose inputs are held in memory at once


@dataclass
class SiteReport:
    """What a build did. ``written``/``skipped``/``deleted`` are storage keys."""

    sessions: int = 0
    pages_rendered: int = 0
    written: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)
    search_index_bytes: int = 0
    seconds: float = 0.0
    problems: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@lru_cache(maxsize=1)
def _package_files() -> tuple[dict[str, bytes], str, str]:
    """(static files, asset version, template version): hashes make caches and pages follow code."""
    static = {
        name: resources.files("zoomclub.site").joinpath("static", name).read_bytes()
        for name in STATIC_FILES
    }
    asset = hashlib.sha256(b"".join(static[n] for n in sorted(static))).hexdigest()[:10]
    tpl = hashlib.sha256()
    templates = resources.files("zoomclub.site").joinpath("templates")
    for entry in sorted(templates.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".html"):
            tpl.update(entry.name.encode() + entry.read_bytes())
    tpl.update(asset.encode())
    return static, asset, tpl.hexdigest()[:16]


def _load_state(storage: Storage) -> dict[str, Any]:
    try:
        doc = json.loads(storage.get_bytes(STATE_KEY))
    except ObjectNotFound:
        return {}
    except (ValueError, UnicodeDecodeError):
        log.warning("site: %s is unreadable; rebuilding everything", STATE_KEY)
        return {}
    if not isinstance(doc, dict) or doc.get("v") != STATE_VERSION:
        return {}
    if not isinstance(doc.get("sessions"), dict) or not isinstance(doc.get("outputs"), dict):
        return {}
    return doc


def _load_catalog(storage: Storage) -> Catalog:
    try:
        return parse_catalog(storage.get_bytes(CATALOG_KEY))
    except ObjectNotFound:
        log.info("site: no %s yet; building a site with no sessions", CATALOG_KEY)
        return Catalog(club_name=None, sessions=[])


def _normalise_site_url(site_url: str | None) -> str | None:
    if site_url is None or not site_url.strip():
        return None
    url = safe_http_url(site_url)
    if url is None:
        raise InputError(f"site url {site_url!r} must be an absolute http(s) URL")
    return url if url.endswith("/") else url + "/"


class _Writer:
    """Puts objects on a small thread pool (local fsyncs and S3 round trips overlap)."""

    def __init__(self, storage: Storage, report: SiteReport, hashes: dict[str, str], full: bool):
        self.storage = storage
        self.report = report
        self.hashes = hashes  # key -> sha256 of what the last build wrote; updated as we go
        self.full = full
        self.pool = ThreadPoolExecutor(max_workers=WRITERS, thread_name_prefix="site-write")
        self.futures: list[Any] = []

    def put(self, key: str, data: bytes, content_type: str) -> None:
        digest = _sha(data)
        if not self.full and self.hashes.get(key) == digest:
            self.report.skipped.append(key)
            return
        self.hashes[key] = digest
        self.report.written.append(key)
        self.futures.append(
            self.pool.submit(self.storage.put_bytes, key, data, content_type=content_type)
        )

    def delete(self, key: str) -> None:
        self.hashes.pop(key, None)
        self.report.deleted.append(key)
        self.futures.append(self.pool.submit(self.storage.delete, key))

    def flush(self) -> None:
        """Wait for every write; the first failure is raised (a StorageError from the backend)."""
        futures, self.futures = self.futures, []
        try:
            for f in futures:
                f.result()
        finally:
            for f in futures:
                f.cancel()

    def close(self) -> None:
        self.pool.shutdown(wait=True, cancel_futures=True)


def _page_job(
    storage: Storage,
    s: SessionView,
    prev: dict[str, Any],
    same: bool,
    club_name: str,
    asset_version: str,
) -> pages.PageJob:
    """Fetch what the page needs: the cached shard when nothing changed, else the transcript."""
    job = pages.PageJob(session=s, club_name=club_name, asset_version=asset_version)
    if "transcript" not in s.files:
        return job
    if same and prev.get("terms_sha"):
        try:
            return replace(job, shard=storage.get_bytes(f"sessions/{s.key}/search.js"))
        except ObjectNotFound:
            pass
    return _with_vtt(storage, job)


def _with_vtt(storage: Storage, job: pages.PageJob) -> pages.PageJob:
    s = job.session
    vtt = s.files["transcript"]
    try:
        return replace(job, shard=None, vtt=storage.get_bytes(f"sessions/{s.key}/{vtt.name}"))
    except ObjectNotFound:
        problem = f"{s.key}: {vtt.name} is listed in the catalog but missing from the archive"
        return replace(job, shard=None, problem=problem)


def _terms_sha(terms: str | None) -> str | None:
    return None if terms is None else _sha(terms.encode("utf-8"))[:20]


def _index_session(s: SessionView) -> search.IndexSession:
    date = s.start.date().isoformat() if s.start else ""
    return search.IndexSession(s.key, date, s.title, s.facilitator or "")


def build_site(
    storage: Storage,
    *,
    club_name: str,
    timezone: str,
    upcoming: Sequence[CalendarEntry] = (),
    site_url: str | None = None,
    publish_join_link: bool = False,
    changed: Collection[str] | None = None,
    private_link_ttl_s: int | None = None,
    now: datetime | None = None,
) -> SiteReport:
    """Render the site into ``storage``; ``changed`` names sessions to redo (None: every page).

    Raises :class:`InputError` for a bad time zone, site URL or catalog, and
    :class:`~zoomclub.errors.StorageError` when the store fails (nothing is half-recorded: rerun).
    """
    started = time.perf_counter()
    try:
        tz = ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise InputError(
            f"unknown time zone {timezone!r}; use an IANA name like Europe/Berlin"
        ) from None
    if private_link_ttl_s is not None:
        raise InputError(
            "presigned-link sites are not supported: keep the bucket private and serve the site "
            "with `zoomclub run` behind the club passphrase (see zoomclub.site.serve)"
        )
    base_url = _normalise_site_url(site_url)
    now = (now or datetime.now(UTC)).astimezone(tz)
    static, asset_version, template_version = _package_files()
    catalog = _load_catalog(storage)
    state = _load_state(storage)
    rerender_all = changed is None or state.get("templates") != template_version
    redo = set(changed or ())
    old: dict[str, Any] = state.get("sessions", {})
    sessions = [
        replace(s, start=s.start.astimezone(tz) if s.start else None) for s in catalog.sessions
    ]
    report = SiteReport(sessions=len(sessions))
    writer = _Writer(storage, report, dict(state.get("outputs", {})), full=changed is None)
    new_state: dict[str, Any] = {}
    fresh_terms: dict[str, str | None] = {}  # terms of the sessions parsed in this build
    try:
        work: list[tuple[SessionView, dict[str, Any], bool]] = []
        for s in sessions:
            prev: dict[str, Any] = old.get(s.key) or {}
            same = prev.get("fp") == s.fingerprint and s.key not in redo
            if same and not rerender_all:
                new_state[s.key] = prev
            else:
                work.append((s, prev, same))
        renderer = pages.PageRenderer(len(work))
        try:
            for at in range(0, len(work), BATCH):
                batch = work[at : at + BATCH]
                jobs = [
                    _page_job(storage, s, prev, same, club_name, asset_version)
                    for s, prev, same in batch
                ]
                for (s, prev, _), job, result in zip(batch, jobs, renderer.map(jobs), strict=True):
                    if result.needs_vtt:  # the cached shard was unusable
                        result = pages.render_page(_with_vtt(storage, job))
                    _write_page(writer, s, result, report)
                    if result.parsed:
                        fresh_terms[s.key] = result.shard.terms if result.shard else None
                    terms_sha = (
                        _terms_sha(fresh_terms[s.key])
                        if s.key in fresh_terms
                        else prev.get("terms_sha")
                    )
                    new_state[s.key] = {"fp": s.fingerprint, "terms_sha": terms_sha}
        finally:
            renderer.close()
        for key in sorted(set(old) - set(new_state)):
            for name in ("index.html", "search.js", "search-terms.txt"):
                writer.delete(f"sessions/{key}/{name}")
        writer.flush()

        for name, data in static.items():
            writer.put(f"static/{name}", data, STATIC_FILES[name])
        index, order = _search_index(storage, state, sessions, old, new_state, fresh_terms)
        index_json, index_js = search.index_files(index)
        report.search_index_bytes = len(index_json)
        writer.put("search-index.json", index_json, "application/json")
        writer.put("search-index.js", index_js, "text/javascript")
        page = render.render_index(
            sessions,
            club_name=club_name,
            asset_version=asset_version,
            index_version=_sha(index_js)[:10],
        )
        writer.put("index.html", page.encode("utf-8"), "text/html; charset=utf-8")
        _build_schedule(writer, upcoming, club_name, timezone, tz, now, base_url, publish_join_link)
        writer.put(
            "feed.xml",
            feeds.render_feed(sessions, club_name=club_name, site_url=base_url, now=now),
            "application/rss+xml",
        )
        writer.flush()
        record = {
            "v": STATE_VERSION,
            "templates": template_version,
            "built_at": now.isoformat(),
            "sessions": new_state,
            "order": order,
            "outputs": writer.hashes,
        }
        storage.put_bytes(
            STATE_KEY,
            json.dumps(record, ensure_ascii=False, separators=(",", ":")).encode("utf-8"),
            content_type="application/json",
        )
    finally:
        writer.close()
    report.seconds = round(time.perf_counter() - started, 3)
    log.info(
        "site: %d sessions, %d pages rendered, %d written, %d unchanged, %d deleted, "
        "search index %d bytes, %.2fs",
        report.sessions,
        report.pages_rendered,
        len(report.written),
        len(report.skipped),
        len(report.deleted),
        report.search_index_bytes,
        report.seconds,
    )
    return report


def _write_page(
    writer: _Writer, s: SessionView, result: pages.PageResult, report: SiteReport
) -> None:
    writer.put(f"sessions/{s.key}/index.html", result.html, "text/html; charset=utf-8")
    report.pages_rendered += 1
    if result.problem:
        log.warning("site: %s", result.problem)
        report.problems.append(result.problem)
    shard_key, terms_key = f"sessions/{s.key}/search.js", f"sessions/{s.key}/search-terms.txt"
    if result.shard is not None:
        writer.put(shard_key, result.shard.script.encode("utf-8"), "text/javascript")
        writer.put(terms_key, result.shard.terms.encode("utf-8"), "text/plain; charset=utf-8")
    elif result.parsed and shard_key in writer.hashes:
        writer.delete(shard_key)  # the transcript is gone or unreadable now
        writer.delete(terms_key)


def _load_index(storage: Storage) -> dict[str, Any] | None:
    try:
        doc = json.loads(storage.get_bytes("search-index.json"))
    except (ObjectNotFound, ValueError, UnicodeDecodeError):
        return None
    ok = isinstance(doc, dict) and doc.get("v") == 1
    ok = ok and all(
        isinstance(doc.get(k), t)
        for k, t in (("sessions", list), ("common", list), ("terms", dict))
    )
    return doc if ok else None


def _search_index(
    storage: Storage,
    state: dict[str, Any],
    sessions: list[SessionView],
    old: dict[str, Any],
    new_state: dict[str, Any],
    fresh_terms: dict[str, str | None],
) -> tuple[dict[str, Any], list[str]]:
    """(index, ordinal order of keys): appended to when sessions were only added, else recomposed."""
    by_key = {s.key: s for s in sessions}
    order: list[str] = [k for k in state.get("order", []) if isinstance(k, str)]
    unchanged_terms = all(
        k in new_state and new_state[k].get("terms_sha") == old.get(k, {}).get("terms_sha")
        for k in order
    )
    index = _load_index(storage) if order and unchanged_terms else None
    if index is not None and len(index["sessions"]) == len(order):
        added = [s.key for s in reversed(sessions) if s.key not in set(order)]
        new_order = order + added
        search.append_to_index(
            index,
            [_index_session(by_key[k]) for k in new_order],
            {len(order) + i: _terms_for(storage, k, fresh_terms) for i, k in enumerate(added)},
        )
        return index, new_order
    new_order = [s.key for s in reversed(sessions)]  # oldest first: new sessions append
    terms = [
        _terms_for(storage, k, fresh_terms) if new_state[k].get("terms_sha") else None
        for k in new_order
    ]
    return search.compose_index([_index_session(by_key[k]) for k in new_order], terms), new_order


def _terms_for(storage: Storage, key: str, fresh_terms: dict[str, str | None]) -> str | None:
    if key in fresh_terms:
        return fresh_terms[key]
    try:
        return storage.get_bytes(f"sessions/{key}/search-terms.txt").decode("utf-8")
    except ObjectNotFound:
        log.warning("site: %s has no search-terms.txt; its transcript is not searchable", key)
        return None


def _build_schedule(
    writer: _Writer,
    upcoming: Sequence[CalendarEntry],
    club_name: str,
    timezone: str,
    tz: ZoneInfo,
    now: datetime,
    base_url: str | None,
    publish_join_link: bool,
) -> None:
    next_up: list[CalendarEntry] = sorted(
        (
            e
            for e in upcoming
            if e.start.astimezone(tz).timestamp() + e.duration_minutes * 60 >= now.timestamp()
        ),
        key=lambda e: e.start,
    )[:UPCOMING_LIMIT]
    shown: list[CalendarEntry] = [replace(e, start=e.start.astimezone(tz)) for e in next_up]
    page = render.render_upcoming(
        shown,
        club_name=club_name,
        timezone=timezone,
        asset_version=_package_files()[1],
        publish_join_link=publish_join_link,
        site_url=base_url,
    )
    writer.put("upcoming.html", page.encode("utf-8"), "text/html; charset=utf-8")
    writer.put(
        "calendar.ics",
        ical.render_calendar(
            upcoming,
            club_name=club_name,
            timezone=timezone,
            now=now,
            publish_join_link=publish_join_link,
        ),
        "text/calendar; charset=utf-8",
    )
