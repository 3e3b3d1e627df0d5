"""API routes for cloud recordings: get, list (range clamp), delete (trash/delete)."""

from __future__ import annotations

import calendar
from datetime import UTC, date, timedelta
from typing import TYPE_CHECKING
from urllib.parse import unquote

from zoomclub.emulator.api_common import (
    NO_RECORDING,
    PROCESSING,
    decode_meeting_ref,
    error,
    no_content,
    paginate,
    user_or_404,
)
from zoomclub.emulator.httpserver import Request, Response, json_response
from zoomclub.emulator.model import InstanceState

if TYPE_CHECKING:
    from zoomclub.emulator.core import ZoomEmulator


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
    missing = user_or_404(emu, args[0])
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
    page, next_token, size, bad = paginate(emu, key, objs, req.query)
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
