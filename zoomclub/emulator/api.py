"""The REST API host (``api.zoom.us/v2``): routes, bearer check, quota, pagination, Zoom's errors."""

from __future__ import annotations

import calendar
import json
import re
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from zoomclub.emulator.httpserver import Request, Response, json_response
from zoomclub.emulator.meetings import occurrences, start_utc, validate_body
from zoomclub.emulator.model import InstanceState, zulu

if TYPE_CHECKING:
    from zoomclub.emulator.core import ZoomEmulator

QUOTA_MESSAGE = (
    "You have exceeded the daily rate limit ({limit}) of Meeting Create/Update API requests "
    "permitted for this particular user. You may resume these requests at GMT 00:00:00."
)
NO_RECORDING = "There is no recording for this meeting."
PROCESSING = "This recording is still being processed. Please check back later."
LIST_TYPES = ("scheduled", "live", "upcoming", "upcoming_meetings", "previous_meetings")
_ESCAPE = re.compile(r"%[0-9A-Fa-f]{2}")


def error(status: int, code: int, message: str, **extra: Any) -> Response:
    return json_response(status, {"code": code, "message": message, **extra})


def no_content() -> Response:
    return Response(204)


Route = Callable[["ZoomEmulator", Request, list[str]], Response]


def handle(emu: ZoomEmulator, req: Request) -> Response:
    auth = req.headers.get("authorization", "")
    token = auth[7:].strip() if auth[:7].lower() == "bearer " else None
    if token is None and "access_token" in req.query:
        return error(
            401,
            124,
            "Invalid access token, this access token is not supported as query parameter string.",
        )
    problem = emu.token_problem(token)
    if problem:
        return error(401, 124, problem)
    if not req.path.startswith("/v2/"):
        return error(404, 404, "Not Found")
    parts = req.path[len("/v2/") :].split("/")
    for pattern, method, route, label in ROUTES:
        if (
            method == req.method
            and len(pattern) == len(parts)
            and all(p.startswith("{") or p == s for p, s in zip(pattern, parts, strict=True))
        ):
            args = [s for p, s in zip(pattern, parts, strict=True) if p.startswith("{")]
            resp = route(emu, req, args)
            resp.headers.setdefault(
                "x-zm-trackingid", f"v=2.0;clid=us05;rid=WEB_{emu.new_token(8)}"
            )
            resp.headers.setdefault("X-RateLimit-Category", label)
            return resp
    return error(404, 404, f"No handler for {req.method} {req.path}")


# -- helpers ---------------------------------------------------------------------------------------


def _json_body(req: Request) -> tuple[Any, Response | None]:
    try:
        return json.loads(req.body.decode("utf-8") or "{}"), None
    except (UnicodeDecodeError, json.JSONDecodeError):
        return None, error(400, 300, "Request Body should be a valid JSON object.")


def _user_or_404(emu: ZoomEmulator, user: str) -> Response | None:
    user = unquote(user)
    if emu.known_user(user):
        return None
    return error(404, 1001, f"User does not exist: {user}.")


def _quota_exceeded(emu: ZoomEmulator) -> Response:
    tomorrow = datetime.combine(
        emu.clock.now().date() + timedelta(days=1), datetime.min.time(), UTC
    )
    return json_response(
        429,
        {"code": 429, "message": QUOTA_MESSAGE.format(limit=emu.daily_meeting_quota)},
        {
            "X-RateLimit-Category": "Light",
            "X-RateLimit-Type": "Daily-limit",
            "X-RateLimit-Limit": str(emu.daily_meeting_quota),
            "X-RateLimit-Remaining": "0",
            "Retry-After": zulu(tomorrow),
        },
    )


def _meeting_id(raw: str) -> int | None:
    return int(raw) if raw.isdigit() and len(raw) <= 19 else None


def _meeting_or_404(emu: ZoomEmulator, raw: str) -> tuple[dict[str, Any] | None, Response | None]:
    mid = _meeting_id(raw)
    if mid is None or mid not in emu.meetings or mid in emu.deleted_meetings:
        return None, error(404, 3001, f"Meeting does not exist: {unquote(raw)}.")
    return emu.meetings[mid], None


def decode_meeting_ref(raw: str) -> tuple[str, bool]:
    """The meeting id/UUID in a path segment, and whether it was encoded twice.

    Zoom's rule: a UUID that starts with ``/`` or contains ``//`` must be double-encoded; any
    other UUID may be single- or double-encoded.
    """
    once = unquote(raw)
    if _ESCAPE.search(once):
        return unquote(once), True
    return once, False


def _paginate(
    emu: ZoomEmulator, key: str, items: list[Any], query: dict[str, str]
) -> tuple[list[Any], str, int, Response | None]:
    try:
        size = int(query.get("page_size", "30"))
    except ValueError:
        return [], "", 0, error(400, 300, "Invalid parameter: page_size.")
    size = max(1, min(size, 300))
    offset = 0
    token = query.get("next_page_token", "")
    now = emu.clock.now()
    if token:
        with emu.lock:
            entry = emu.page_tokens.get(token)
        if entry is None or entry[0] != key or now >= entry[2]:
            return [], "", size, error(400, 300, "The next page token is invalid or expired.")
        offset = entry[1]
    page = items[offset : offset + size]
    next_token = ""
    if offset + size < len(items):
        next_token = emu.new_token(24)
        with emu.lock:
            emu.page_tokens[next_token] = (key, offset + size, now + timedelta(minutes=15))
    return page, next_token, size, None


# -- meetings --------------------------------------------------------------------------------------

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


def create_meeting(emu: ZoomEmulator, req: Request, args: list[str]) -> Response:
    missing = _user_or_404(emu, args[0])
    if missing:
        return missing
    body, bad = _json_body(req)
    if bad:
        return bad
    errors = validate_body(body)
    if errors:
        return error(400, 300, "Validation Failed.", errors=errors)
    if body.get("type", 2) == 8 and not isinstance(body.get("recurrence"), dict):
        return error(
            400,
            300,
            "Validation Failed.",
            errors=[{"field": "recurrence", "message": "Required for type 8."}],
        )
    if not emu.count_create_update(emu.user_id):
        return _quota_exceeded(emu)
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
    m, missing = _meeting_or_404(emu, args[0])
    if missing:
        return missing
    assert m is not None
    occ_id = req.query.get("occurrence_id")
    if occ_id and not any(o["occurrence_id"] == occ_id for o in m.get("occurrences", [])):
        return error(400, 300, "Invalid parameter: occurrence_id.")
    with emu.lock:
        return json_response(200, _public_meeting(emu, m, req.query))


def update_meeting(emu: ZoomEmulator, req: Request, args: list[str]) -> Response:
    m, missing = _meeting_or_404(emu, args[0])
    if missing:
        return missing
    assert m is not None
    body, bad = _json_body(req)
    if bad:
        return bad
    errors = validate_body(body)
    if errors:
        return error(400, 300, "Validation Failed.", errors=errors)
    occ_id = req.query.get("occurrence_id")
    if occ_id and not any(o["occurrence_id"] == occ_id for o in m.get("occurrences", [])):
        return error(400, 300, "Invalid parameter: occurrence_id.")
    if not emu.count_create_update(emu.user_id):
        return _quota_exceeded(emu)
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
    m, missing = _meeting_or_404(emu, args[0])
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
    missing = _user_or_404(emu, args[0])
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
    page, next_token, size, bad = _paginate(emu, f"meetings:{kind}", selected, req.query)
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
    mid = _meeting_id(args[0])
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
    missing = _user_or_404(emu, args[0])
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


# -- recordings ------------------------------------------------------------------------------------


def _instance_or_404(
    emu: ZoomEmulator, raw: str, *, ready: bool = True
) -> tuple[InstanceState | None, Response | None]:
    ref, twice = decode_meeting_ref(raw)
    inst = None
    if ref.isdigit() or twice or not (ref.startswith("/") or "//" in ref):
        inst = emu.instance_for(ref)
    if inst is None or inst.trashed:
        return None, error(404, 3301, NO_RECORDING)
    if ready and emu.clock.now() < inst.ready_at:
        return None, error(404, 3301, PROCESSING)
    return inst, None


def get_recordings(emu: ZoomEmulator, req: Request, args: list[str]) -> Response:
    inst, missing = _instance_or_404(emu, args[0])
    if missing:
        return missing
    assert inst is not None
    with emu.lock:
        obj = emu.recording_json(inst)
        if "download_access_token" in req.query.get("include_fields", ""):
            try:
                ttl = int(req.query.get("ttl", "86400"))
            except ValueError:
                return error(400, 300, "Invalid parameter: ttl.")
            tok = emu.new_token(48)
            emu.download_access_tokens[tok] = emu.clock.now() + timedelta(
                seconds=max(0, min(ttl, 604800))
            )
            obj["download_access_token"] = tok
    return json_response(200, obj)


def _action(req: Request) -> str | None:
    action = req.query.get("action", "trash")
    return action if action in ("trash", "delete") else None


def delete_recordings(emu: ZoomEmulator, req: Request, args: list[str]) -> Response:
    action = _action(req)
    if action is None:
        return error(400, 300, "Invalid parameter: action.")
    ref, _ = decode_meeting_ref(args[0])
    with emu.lock:
        inst = emu.instance_for(ref) if ref.isdigit() else emu.instances.get(ref)
        if inst is None or inst.deleted or (inst.trashed and action == "trash"):
            return error(404, 3301, NO_RECORDING)
        if emu.clock.now() < inst.ready_at:
            return error(400, 3303, "You can not delete an uncompleted meeting.")
        if action == "trash":
            inst.trashed = True
        else:
            inst.deleted = True
    return no_content()


def delete_recording_file(emu: ZoomEmulator, req: Request, args: list[str]) -> Response:
    action = _action(req)
    if action is None:
        return error(400, 300, "Invalid parameter: action.")
    inst, missing = _instance_or_404(emu, args[0], ready=False)
    if missing:
        return missing
    assert inst is not None
    if emu.clock.now() < inst.ready_at:
        return error(400, 3303, "You can not delete an uncompleted meeting.")
    file_id = unquote(args[1])
    with emu.lock:
        hit = [f for f in inst.files if f.id == file_id and not f.deleted and not f.bare]
        if not hit:
            return error(404, 3301, "This recording does not exist.")
        hit[0].deleted = True
    return no_content()


def _month_before(d: date) -> date:
    year, month = (d.year, d.month - 1) if d.month > 1 else (d.year - 1, 12)
    return date(year, month, min(d.day, calendar.monthrange(year, month)[1]))


def list_recordings(emu: ZoomEmulator, req: Request, args: list[str]) -> Response:
    missing = _user_or_404(emu, args[0])
    if missing:
        return missing
    now = emu.clock.now()
    today = now.astimezone(UTC).date()
    try:
        to = date.fromisoformat(req.query["to"]) if req.query.get("to") else None
        frm = date.fromisoformat(req.query["from"]) if req.query.get("from") else None
    except ValueError:
        return error(400, 300, "Invalid parameter: from/to must be yyyy-mm-dd.")
    if to is None:
        to = today + timedelta(days=1) if frm is None else today
    if frm is None:
        frm = today
    frm = max(frm, _month_before(to))  # Zoom narrows silently and echoes the effective range
    trash = req.query.get("trash", "false").lower() == "true"
    mid = req.query.get("meeting_id")
    with emu.lock:
        insts = [
            i
            for i in emu.instances.values()
            if not i.deleted
            and i.trashed == trash
            and now >= i.ready_at
            and (trash or frm <= i.start_time.date() <= to)
            and (mid is None or str(i.meeting_id) == mid)
        ]
        insts.sort(key=lambda i: (i.start_time, i.seq), reverse=True)
        objs = [emu.recording_json(i) for i in insts]
    key = f"recordings:{frm}:{to}:{trash}:{mid}"
    page, next_token, size, bad = _paginate(emu, key, objs, req.query)
    if bad:
        return bad
    return json_response(
        200,
        {
            "from": frm.isoformat(),
            "to": to.isoformat(),
            "page_count": max(1, -(-len(objs) // size)),
            "page_size": size,
            "total_records": len(objs),
            "next_page_token": next_token,
            "meetings": page,
        },
    )


ROUTES: list[tuple[list[str], str, Route, str]] = [
    (["users", "{u}"], "GET", get_user, "Light"),
    (["users", "{u}", "meetings"], "POST", create_meeting, "Light"),
    (["users", "{u}", "meetings"], "GET", list_meetings, "Medium"),
    (["users", "{u}", "recordings"], "GET", list_recordings, "Medium"),
    (["meetings", "{m}"], "GET", get_meeting, "Light"),
    (["meetings", "{m}"], "PATCH", update_meeting, "Light"),
    (["meetings", "{m}"], "DELETE", delete_meeting, "Light"),
    (["meetings", "{m}", "recordings"], "GET", get_recordings, "Light"),
    (["meetings", "{m}", "recordings"], "DELETE", delete_recordings, "Light"),
    (["meetings", "{m}", "recordings", "{r}"], "DELETE", delete_recording_file, "Light"),
    (["past_meetings", "{m}", "instances"], "GET", past_instances, "Medium"),
]
