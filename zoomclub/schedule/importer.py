"""Read a term's plan from TOML or CSV and apply it to the schedule (all rows or none).

TOML::

    [[session]]
    date = 2026-01-07            # or "2026-01-07"
    title = "Attention Is All You Need"
    url = "https://arxiv.org/abs/1706.03762"
    facilitator = "Ada"
    author = "Ashish Vaswani"     # optional invited author
    notes = "..."
    skip = true                  # a holiday: no meeting that week

CSV: a header row with the same names (``paper_title``/``paper_url`` are accepted too).
"""

from __future__ import annotations

import csv
import io
import tomllib
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from zoomclub.errors import InputError
from zoomclub.schedule import service
from zoomclub.schedule.dates import parse_date
from zoomclub.settings import ClubSettings

ALIASES = {
    "date": "date",
    "title": "paper_title",
    "paper_title": "paper_title",
    "paper": "paper_title",
    "url": "paper_url",
    "paper_url": "paper_url",
    "link": "paper_url",
    "facilitator": "facilitator",
    "author": "author",
    "invited_author": "author",
    "notes": "notes",
    "skip": "skip",
    "skipped": "skip",
}
TRUE = {"1", "true", "yes", "y", "x", "skip"}
FALSE = {"", "0", "false", "no", "n"}


@dataclass(frozen=True)
class PlanRow:
    day: date
    skip: bool = False
    fields: dict[str, str | None] = field(default_factory=dict)


def _row(raw: dict[str, Any], where: str) -> PlanRow:
    out: dict[str, Any] = {}
    for key, value in raw.items():
        name = ALIASES.get(str(key).strip().lower())
        if name is None:
            raise InputError(
                f"{where}: unknown column {key!r} (known: {', '.join(sorted(set(ALIASES)))})"
            )
        out[name] = value
    if "date" not in out or out["date"] in (None, ""):
        raise InputError(f"{where}: missing date")
    d = out.pop("date")
    if isinstance(d, datetime):
        d = d.date()
    if not isinstance(d, date):
        try:
            d = parse_date(str(d))
        except ValueError as exc:
            raise InputError(f"{where}: {exc}") from None
    skip = out.pop("skip", False)
    if isinstance(skip, str):
        if skip.strip().lower() in TRUE:
            skip = True
        elif skip.strip().lower() in FALSE:
            skip = False
        else:
            raise InputError(f"{where}: skip must be true/false, got {skip!r}")
    fields: dict[str, str | None] = {}
    for k, v in out.items():
        if v is not None and not isinstance(v, str):
            raise InputError(f"{where}: {k} must be text")
        fields[k] = v
    return PlanRow(day=d, skip=bool(skip), fields=fields)


def parse_plan(text: str, fmt: str) -> list[PlanRow]:
    """Parse ``text`` as ``"toml"`` or ``"csv"``; errors name the row."""
    rows: list[PlanRow] = []
    if fmt == "toml":
        try:
            doc = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise InputError(f"not valid TOML: {exc}") from None
        items = doc.get("session", doc.get("sessions"))
        if not isinstance(items, list):
            raise InputError("TOML plan: expected [[session]] tables")
        for i, item in enumerate(items, 1):
            if not isinstance(item, dict):
                raise InputError(f"session {i}: expected a table")
            rows.append(_row(item, f"session {i}"))
    elif fmt == "csv":
        reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
        for item in reader:
            if not any((v or "").strip() for v in item.values() if isinstance(v, str)):
                continue
            if None in item:
                raise InputError(f"line {reader.line_num}: more cells than header columns")
            rows.append(_row(dict(item), f"line {reader.line_num}"))
    else:
        raise InputError(f"unknown plan format {fmt!r}: use .toml or .csv")
    seen: set[date] = set()
    for r in rows:
        if r.day in seen:
            raise InputError(f"{r.day}: listed twice in the plan")
        seen.add(r.day)
    return rows


def read_plan(path: Path) -> list[PlanRow]:
    fmt = path.suffix.lower().lstrip(".")
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise InputError(f"{path}: not UTF-8 text") from None
    return parse_plan(text, fmt)


def apply_plan(
    db: Session, rows: list[PlanRow], club: ClubSettings, now: datetime
) -> dict[str, int]:
    """Upsert every row (the caller's transaction makes it all-or-nothing); counts by action."""
    counts = {"added": 0, "updated": 0, "skipped": 0, "unchanged": 0}
    for r in rows:
        existing = service.get_row(db, r.day)
        if r.skip:
            if existing is not None and existing.skipped:
                counts["unchanged"] += 1
            else:
                service.skip_week(db, r.day, club, now)
                counts["skipped"] += 1
        elif existing is None:
            service.add_session(db, r.day, club, now, **r.fields)
            counts["added"] += 1
        else:
            current = service.view(existing)
            changed = {k: v for k, v in r.fields.items() if (v or None) != getattr(current, k)}
            if changed or existing.skipped:
                service.edit_session(db, r.day, club, now, changed)
                counts["updated"] += 1
            else:
                counts["unchanged"] += 1
    return counts
