"""``catalog.json`` at the archive root: every published session, newest first.

It is replaced atomically (one ``put_bytes``) after each archive; the site renders from it. Updating
reads the previous catalog and replaces one entry, so adding a session costs O(1) storage reads;
:func:`rebuild_catalog` recovers it from the ``session.json`` markers when it is lost.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from zoomclub.archive import keys as K
from zoomclub.errors import ObjectNotFound
from zoomclub.storage.base import Storage

VERSION = 1


def read_catalog(storage: Storage) -> dict[str, Any]:
    try:
        doc = json.loads(storage.get_bytes(K.CATALOG_KEY))
    except ObjectNotFound:
        return {"version": VERSION, "sessions": []}
    if not isinstance(doc, dict) or not isinstance(doc.get("sessions"), list):
        return {"version": VERSION, "sessions": []}
    return doc


def _write(
    storage: Storage, sessions: list[dict[str, Any]], club: dict[str, Any]
) -> dict[str, Any]:
    sessions = sorted(sessions, key=lambda s: (s.get("start_time") or "", s["key"]), reverse=True)
    latest = max((s.get("archived_at") or "" for s in sessions), default="")
    doc = {
        "version": VERSION,
        # The newest archive time, not "now": rewriting an unchanged catalog yields identical bytes.
        "updated_at": latest or datetime.now(UTC).isoformat(timespec="seconds"),
        "club": club,
        "sessions": sessions,
    }
    body = json.dumps(doc, indent=1, ensure_ascii=False, sort_keys=True).encode() + b"\n"
    storage.put_bytes(K.CATALOG_KEY, body, content_type="application/json")
    return doc


def update_catalog(
    storage: Storage, session: dict[str, Any], *, club: dict[str, Any]
) -> dict[str, Any]:
    current = read_catalog(storage)
    others = [s for s in current["sessions"] if s.get("key") != session["key"]]
    return _write(storage, [*others, session], club)


def remove_from_catalog(storage: Storage, key: str, *, club: dict[str, Any]) -> dict[str, Any]:
    current = read_catalog(storage)
    return _write(storage, [s for s in current["sessions"] if s.get("key") != key], club)


def rebuild_catalog(storage: Storage, *, club: dict[str, Any]) -> dict[str, Any]:
    sessions = []
    for info in storage.list(K.SESSIONS_PREFIX):
        if info.key.endswith("/" + K.MARKER):
            sessions.append(json.loads(storage.get_bytes(info.key)))
    return _write(storage, sessions, club)
