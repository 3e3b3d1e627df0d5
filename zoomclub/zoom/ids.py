"""Meeting ids and instance UUIDs in URL paths.

A numeric meeting id (int64) names a meeting; a UUID (base64-like, may contain ``/``, ``+``, ``=``)
names one instance. Zoom's rule (docs/zoom-api.md §0): a UUID that starts with ``/`` or contains
``//`` is URL-encoded twice, any other UUID once.
"""

from __future__ import annotations

from urllib.parse import quote

from zoomclub.errors import InputError


def is_numeric_ref(ref: int | str) -> bool:
    """True for a meeting number (int or digit string), False for an instance UUID."""
    if isinstance(ref, bool):
        return False
    if isinstance(ref, int):
        return True
    return ref.isascii() and ref.isdigit()


def encode_uuid(uuid: str) -> str:
    """Path segment for an instance UUID, double-encoded where Zoom requires it."""
    if not uuid:
        raise InputError("meeting UUID is empty")
    once = quote(uuid, safe="")
    if uuid.startswith("/") or "//" in uuid:
        return quote(once, safe="")
    return once


def meeting_ref_segment(ref: int | str) -> str:
    """Path segment for ``ref``: a meeting number as digits, otherwise an encoded instance UUID."""
    if isinstance(ref, bool) or not isinstance(ref, int | str):
        raise InputError(f"not a meeting id or UUID: {ref!r}")
    if is_numeric_ref(ref):
        number = int(ref)
        if number <= 0:
            raise InputError(f"not a meeting id: {ref!r}")
        return str(number)
    return encode_uuid(str(ref))


def meeting_id_segment(meeting_id: int) -> str:
    """Path segment for endpoints that only take the meeting number (not a UUID)."""
    if isinstance(meeting_id, bool) or not is_numeric_ref(meeting_id) or int(meeting_id) <= 0:
        raise InputError(f"not a numeric meeting id: {meeting_id!r}")
    return str(int(meeting_id))


def user_segment(user_id: str) -> str:
    """Path segment for a user id or email."""
    if not user_id or not user_id.strip():
        raise InputError("Zoom user id is empty")
    return quote(user_id.strip(), safe="@")
