"""Recording objects and ``recording_files[]`` entries in Zoom's shape (REST and webhook flavours)."""

from __future__ import annotations

import math
from datetime import datetime
from typing import Any

from zoomclub.emulator.model import FileState, InstanceState, zulu


def visible_files(inst: InstanceState, now: datetime) -> list[FileState]:
    """Files a listing shows now: not deleted, and transcripts/captions only once they are ready."""
    return [
        f
        for f in inst.files
        if not f.deleted and (not f.is_transcript or now >= inst.transcript_ready_at)
    ]


def file_entry(f: FileState, web_url: str, *, webhook: bool) -> dict[str, Any]:
    download = (
        f"{web_url}/rec/webhook_download/{f.token}/{f.webhook_token}"
        if webhook
        else f"{web_url}/rec/download/{f.token}"
    )
    # Zoom's documented bare TIMELINE/CC shape (no id/status/file_size/recording_type/play_url)
    # is REST-only: the webhook schema requires those fields and a real payload carried them.
    if f.bare and not webhook:
        return {
            "meeting_id": f.instance_uuid,
            "recording_start": zulu(f.start),
            "recording_end": zulu(f.end),
            "file_type": f.file_type,
            "file_extension": f.file_extension,
            "download_url": download,
        }
    entry: dict[str, Any] = {
        "id": f.id,
        "meeting_id": f.instance_uuid,
        "recording_start": zulu(f.start),
        "recording_end": zulu(f.end),
        "file_type": f.file_type,
        "file_extension": f.file_extension,
        "file_size": f.size,
    }
    if f.file_type not in ("TIMELINE", "CHAT"):
        entry["play_url"] = f"{web_url}/rec/play/{f.token}"
    entry["download_url"] = download
    entry["status"] = "completed"
    entry["recording_type"] = f.recording_type
    return entry


def recording_object(
    inst: InstanceState,
    meeting: dict[str, Any],
    files: list[FileState],
    *,
    web_url: str,
    account_id: str,
    host_id: str,
    host_email: str,
    webhook: bool = False,
) -> dict[str, Any]:
    duration = max(1, math.ceil((inst.end_time - inst.start_time).total_seconds() / 60))
    obj: dict[str, Any] = {
        "uuid": inst.uuid,
        "id": inst.meeting_id,
        "account_id": account_id,
        "host_id": host_id,
        "topic": inst.topic,
        "type": int(meeting.get("type", 8)),
        "start_time": zulu(inst.start_time),
        "timezone": meeting.get("timezone", "UTC"),
        "duration": duration,
        "total_size": sum(f.size for f in files if not (f.bare and not webhook)),
        "recording_count": len(files),
        "share_url": f"{web_url}/rec/share/{inst.share_token}",
        "recording_files": [file_entry(f, web_url, webhook=webhook) for f in files],
        "password": inst.password,
        "recording_play_passcode": inst.share_token[:32],
    }
    if webhook:
        obj["host_email"] = host_email
        obj["on_prem"] = False
    return obj


def chat_text(inst: InstanceState) -> str:
    """A Zoom-like chat export: ``HH:MM:SS\\t From  Name : text``."""
    return (
        "00:00:41\t From  Ada Lovelace : Hello everyone\r\n"
        "00:02:05\t From  Alan Turing : Link to the paper?\r\n"
    )


def captions_from_transcript(vtt: str) -> str:
    """A CC file in Zoom's closed-caption style: no cue ids, whole seconds, no speaker names."""
    out = ["WEBVTT", ""]
    lines = vtt.splitlines()
    for i, line in enumerate(lines):
        if "-->" not in line:
            continue
        a, b = (part.strip().split(".")[0] for part in line.split("-->"))
        text = lines[i + 1] if i + 1 < len(lines) else ""
        if ": " in text:
            text = text.split(": ", 1)[1]
        out += [f"{a}.000 --> {b}.000", text, ""]
    return "\n".join(out) + "\n"
