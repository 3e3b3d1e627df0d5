"""API routes for meetings, past instances and the user object."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from zoomclub.emulator.api_common import (
    LIST_TYPES,
    error,
    json_body,
    meeting_id_of,
    meeting_or_404,
    no_content,
    paginate,
    quota_exceeded,
    user_or_404,
)
from zoomclub.emulator.httpserver import Request, Response, json_response
from zoomclub.emulator.meetings import occurrences, start_utc, validate_body
from zoomclub.emulator.model import zulu

if TYPE_CHECKING:
    from zoomclub.emulator.core import ZoomEmulator

DEFAULT_SETTINGS: dict[str, Any] = {
    "host_video": False,
    "participant_video": False,
    "join_before_host": False,
    "jbh_time": 0,
    "mute_upon_entry": False,
    "approval_type": 2,
    "audio": "voip",
    "auto_recording": "none",
    "waiting_room": False,
    "meeting_authentication": False,
    "alternative_hosts": "",
}


def new_meeting_object(
    emu: ZoomEmulator, mid: int, body: dict[str, Any], *, allow_past: bool = True
) -> dict[str, Any]:
    now = emu.clock.now().replace(microsecond=0)
    tz = body.get("timezone") or emu.timezone
    mtype = body.get("type", 2)
    password = body.get("password") or emu.new_token(6)[:6]
    m: dict[str, Any] = {
        "uuid": emu.new_uuid(),
        "id": mid,
        "host_id": emu.user_id,
        "host_email": emu.user_email,
        "assistant_id": "",
        "topic": body.get("topic") or "Zoom Meeting",
        "type": mtype,
        "status": "waiting",
        "timezone": tz,
        "created_at": zulu(now),
        "start_url": f"https://us05web.zoom.us/s/{mid}?zak={emu.new_token(48)}",
        "join_url": f"https://us05web.zoom.us/j/{mid}?pwd={emu.new_token(24)}",
        "password": password,
        "h323_password": str(emu.rng.randrange(100000, 999999)),
        "pstn_password": str(emu.rng.randrange(100000, 999999)),
        "encrypted_password": emu.new_token(24),
        "pre_schedule": False,
        "settings": {**DEFAULT_SETTINGS, **(body.get("settings") or {})},
        "creation_source": "open_api",
    }
    if body.get("agenda"):
        m["agenda"] = body["agenda"]
    if mtype != 3:
        start = start_utc(body["start_time"], tz) if body.get("start_time") else now
        if start < now and not allow_past:
            start = now
        m["start_time"] = zulu(start)
        m["duration"] = body.get("duration", 60)
    if mtype == 8:
        _set_recurrence(m, body.get("recurrence") or {"type": 1, "repeat_interval": 1})
    return m


def _set_recurrence(m: dict[str, Any], rec: dict[str, Any]) -> None:
    m["recurrence"] = {"repeat_interval": 1, **rec}
    if "end_times" not in rec and "end_date_time" not in rec:
        m["recurrence"]["end_times"] = 1
    start = start_utc(m["start_time"], "UTC")
    occ = occurrences(start, m["timezone"], m["recurrence"], int(m.get("duration", 60)))
    m["occurrences"] = occ
    if occ:
        m["start_time"] = occ[0]["start_time"]


def valid_meeting_body(req: Request) -> tuple[Any, Response | None]:
    """A create/update body parsed and validated: (body, None) or (None, Zoom's error answer)."""
    body, bad = json_body(req)
    if bad:
        return None, bad
    errors = validate_body(body)
    if errors:
        return None, error(400, 300, "Validation Failed.", errors=errors)
    return body, None


def create_meeting(emu: ZoomEmulator, req: Request, args: list[str]) -> Response:
    missing = user_or_404(emu, args[0])
    if missing:
        return missing
    body, bad = valid_meeting_body(req)
    if bad:
        return bad
    if body.get("type", 2) == 8 and not isinstance(body.get("recurrence"), dict):
        return error(
            400,
            300,
            "Validation Failed.",
            errors=[{"field": "recurrence", "message": "Required for type 8."}],
        )
    if not emu.count_create_update(emu.user_id):
        return quota_exceeded(emu)
    mid = emu.new_meeting_id()
    m = new_meeting_object(emu, mid, body, allow_past=False)
    with emu.lock:
        emu.meetings[mid] = m
    return json_response(201, m)


def _public_meeting(emu: ZoomEmulator, m: dict[str, Any], query: dict[str, str]) -> dict[str, Any]:
    out = json.loads(json.dumps(m))
    if "occurrences" in out:
        now = emu.clock.now()
        if query.get("show_previous_occurrences", "false").lower() != "true":
            out["occurrences"] = [
                o for o in out["occurrences"] if start_utc(o["start_time"], "UTC") >= now
            ] or out["occurrences"][-1:]
        occ_id = query.get("occurrence_id")
        if occ_id:
            hit = [o for o in m["occurrences"] if o["occurrence_id"] == occ_id]
            if hit:
                out["start_time"], out["duration"] = hit[0]["start_time"], hit[0]["duration"]
    return out


def get_meeting(emu: ZoomEmulator, req: Request, args: list[str]) -> Response:
    m, missing = meeting_or_404(emu, args[0])
    if missing:
        return missing
    assert m is not None
    occ_id = req.query.get("occurrence_id")
    if occ_id and not any(o["occurrence_id"] == occ_id for o in m.get("occurrences", [])):
        return error(400, 300, "Invalid parameter: occurrence_id.")
    with emu.lock:
        return json_response(200, _public_meeting(emu, m, req.query))


def update_meeting(emu: ZoomEmulator, req: Request, args: list[str]) -> Response:
    m, missing = meeting_or_404(emu, args[0])
    if missing:
        return missing
    assert m is not None
    body, bad = valid_meeting_body(req)
    if bad:
        return bad
    occ_id = req.query.get("occurrence_id")
    if occ_id and not any(o["occurrence_id"] == occ_id for o in m.get("occurrences", [])):
        return error(400, 300, "Invalid parameter: occurrence_id.")
    if not emu.count_create_update(emu.user_id):
        return quota_exceeded(emu)
    now = emu.clock.now()
    with emu.lock:
        if occ_id:
            occ = next(o for o in m["occurrences"] if o["occurrence_id"] == occ_id)
            if body.get("start_time"):
                start = start_utc(body["start_time"], body.get("timezone") or m["timezone"])
                if start >= now:
                    occ["start_time"] = zulu(start)
            if "duration" in body:
                occ["duration"] = body["duration"]
            if "agenda" in body:
                m["agenda"] = body["agenda"]
            return no_content()
        for key in ("topic", "agenda", "duration", "timezone", "password", "type"):
            if key in body:
                m[key] = body[key]
        if "settings" in body:
            m["settings"] = {**m["settings"], **body["settings"]}
        if body.get("start_time"):
            start = start_utc(body["start_time"], m["timezone"])
            if start >= now:  # Zoom ignores a start time in the past
                m["start_time"] = zulu(start)
        if m.get("type") == 8:
            rec = body.get("recurrence") or m.get("recurrence") or {"type": 1}
            _set_recurrence(m, rec)
        else:
            m.pop("recurrence", None)
            m.pop("occurrences", None)
    return no_content()


def delete_meeting(emu: ZoomEmulator, req: Request, args: list[str]) -> Response:
    m, missing = meeting_or_404(emu, args[0])
    if missing:
        return missing
    assert m is not None
    occ_id = req.query.get("occurrence_id")
    with emu.lock:
        if occ_id:
            hit = [o for o in m.get("occurrences", []) if o["occurrence_id"] == occ_id]
            if not hit:
                return error(400, 300, "Invalid parameter: occurrence_id.")
            hit[0]["status"] = "deleted"
        else:
            emu.deleted_meetings.add(int(m["id"]))
    return no_content()


def _list_item(m: dict[str, Any]) -> dict[str, Any]:
    item: dict[str, Any] = {k: m[k] for k in ("uuid", "id", "host_id", "topic", "type") if k in m}
    for k in ("start_time", "duration", "timezone", "created_at", "join_url"):
        if k in m:
            item[k] = m[k]
    if m.get("agenda"):
        item["agenda"] = m["agenda"][:250]
    return item


def _meeting_end(m: dict[str, Any]) -> datetime | None:
    starts = [o["start_time"] for o in m.get("occurrences", []) if o["status"] == "available"]
    starts = starts or ([m["start_time"]] if "start_time" in m else [])
    if not starts:
        return None
    return max(start_utc(s, "UTC") for s in starts) + timedelta(minutes=int(m.get("duration", 60)))


def list_meetings(emu: ZoomEmulator, req: Request, args: list[str]) -> Response:
    missing = user_or_404(emu, args[0])
    if missing:
        return missing
    kind = req.query.get("type", "scheduled")
    if kind not in LIST_TYPES:
        return error(400, 300, "Invalid parameter: type.")
    now = emu.clock.now()
    with emu.lock:
        meetings = [m for mid, m in emu.meetings.items() if mid not in emu.deleted_meetings]
        selected = []
        for m in meetings:
            end = _meeting_end(m)
            if kind == "live":
                continue
            if kind in ("upcoming", "upcoming_meetings") and end is not None and end < now:
                continue
            if kind == "previous_meetings" and (end is None or end >= now):
                continue
            selected.append(_list_item(m))
    page, next_token, size, bad = paginate(emu, f"meetings:{kind}", selected, req.query)
    if bad:
        return bad
    return json_response(
        200,
        {
            "page_size": size,
            "total_records": len(selected),
            "next_page_token": next_token,
            "meetings": page,
        },
    )


def past_instances(emu: ZoomEmulator, req: Request, args: list[str]) -> Response:
    mid = meeting_id_of(args[0])
    now = emu.clock.now()
    with emu.lock:
        known = mid is not None and (
            mid in emu.meetings or any(i.meeting_id == mid for i in emu.instances.values())
        )
        if not known:
            return error(404, 3001, f"Meeting does not exist: {unquote(args[0])}.")
        insts = sorted(
            (i for i in emu.instances.values() if i.meeting_id == mid and i.end_time <= now),
            key=lambda i: i.start_time,
        )
    return json_response(
        200, {"meetings": [{"uuid": i.uuid, "start_time": zulu(i.start_time)} for i in insts]}
    )


def get_user(emu: ZoomEmulator, req: Request, args: list[str]) -> Response:
    missing = user_or_404(emu, args[0])
    if missing:
        return missing
    return json_response(
        200,
        {
            "id": emu.user_id,
            "first_name": "Paper",
            "last_name": "Club",
            "display_name": "Paper Club",
            "email": emu.user_email,
            "type": 2,
            "role_name": "Owner",
            "pmi": 5551234567,
            "use_pmi": False,
            "personal_meeting_url": "https://us05web.zoom.us/j/5551234567",
            "timezone": emu.timezone,
            "verified": 1,
            "dept": "",
            "created_at": "2024-01-02T10:00:00Z",
            "last_login_time": zulu(emu.clock.now()),
            "language": "en-US",
            "status": "active",
            "role_id": "0",
            "account_id": emu.account_id,
            "account_number": 123456789,
            "cluster": "us05",
            "user_created_at": "2024-01-02T10:00:00Z",
        },
    )
