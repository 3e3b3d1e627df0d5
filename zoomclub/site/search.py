"""The client-side search index: a small global term index plus one shard per session.

A browser cannot hold 1000 hours of transcript text, so search has two levels:

1. ``search-index.json`` (and ``search-index.js``, the same data assigned to ``window.ZC_INDEX``
   so it loads from ``file://`` where ``fetch()`` is refused) lists every session (key, date,
   title, facilitator) and maps each transcript term to the sessions that say it: session
   numbers as base-36 gaps, or as a bitmap when that is shorter (:func:`encode_postings`). Terms said in more than half of the sessions are listed
   once under ``common`` instead: they cannot narrow a search, only make the index big.
2. ``sessions/<key>/search.js`` holds that session's cues (start ms, speaker, text). The page
   loads the shards of the candidate sessions only (newest first, a page at a time) with a
   ``<script>`` tag, and matches the phrase exactly to link to the moment it was said.

Each session's unique terms are also kept in ``sessions/<key>/search-terms.txt``. Adding a session
appends its terms to the existing index (new sessions take the next ordinals; the page orders
results by date); anything else (a removed or re-transcribed session) recomposes the index from
the term files. Neither path re-reads other transcripts.

Tokens are runs of letters and digits, lowercased: Python's ``[^\\W_]+`` and the browser's
``[\\p{L}\\p{N}]+`` with the ``u`` flag, kept in step by the tests.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from zoomclub.transcript.vtt import Cue

_TOKEN = re.compile(r"[^\W_]+")
COMMON_SHARE = 0.5
MIN_SESSIONS_FOR_COMMON = 8  # below this every term is indexed: small archives stay exact
_DIGITS = "0123456789abcdefghijklmnopqrstuvwxyz"
_BITS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"  # 6 bits per character


def tokens(text: str) -> list[str]:
    return _TOKEN.findall(text.lower())


def _b36(n: int) -> str:
    if n == 0:
        return "0"
    out = []
    while n:
        n, r = divmod(n, 36)
        out.append(_DIGITS[r])
    return "".join(reversed(out))


def encode_postings(ordinals: Sequence[int]) -> str:
    """Ascending session numbers in the shorter of two forms.

    Gaps: comma-separated base-36 gaps ("0,1,1,a" = 0, 1, 2, 12). Bitmap, for terms many sessions
    share: "~" then one character of :data:`_BITS` per six sessions, bit ``b`` of character ``j``
    meaning session ``6j + b`` (trailing empty characters dropped).
    """
    prev = 0
    parts = []
    for n in ordinals:
        parts.append(_b36(n - prev))
        prev = n
    gaps = ",".join(parts)
    if not ordinals or len(gaps) <= ordinals[-1] // 6 + 2:
        return gaps
    words = [0] * (ordinals[-1] // 6 + 1)
    for n in ordinals:
        words[n // 6] |= 1 << (n % 6)
    return "~" + "".join(_BITS[w] for w in words)


def decode_postings(text: str) -> list[int]:
    if text.startswith("~"):
        return [
            6 * j + b for j, ch in enumerate(text[1:]) for b in range(6) if _BITS.index(ch) >> b & 1
        ]
    out, n = [], 0
    for part in text.split(","):
        n += int(part, 36)
        out.append(n)
    return out


def js_literal(value: object) -> str:
    """JSON that is also a safe JavaScript literal (U+2028/2029 escaped)."""
    raw = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return raw.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


SHARD_VERSION = 2
_SHARD_PREFIX = "window.zcShard && window.zcShard("
_SHARD_SUFFIX = ");\n"


@dataclass(frozen=True)
class Shard:
    """One session's searchable text: its term string (for the global index) and its browser file."""

    terms: str  # unique tokens, space-separated, sorted
    script: str  # sessions/<key>/search.js


def build_shard(key: str, cues: Iterable[Cue]) -> Shard:
    speakers: dict[str, int] = {}
    rows: list[list[object]] = []
    seen: set[str] = set()
    for cue in cues:
        seen.update(tokens(cue.text))
        sp = -1
        if cue.speaker:
            sp = speakers.setdefault(cue.speaker, len(speakers))
        rows.append([cue.start_ms, sp, cue.text])
    data = {"v": SHARD_VERSION, "key": key, "speakers": list(speakers), "cues": rows}
    script = f"{_SHARD_PREFIX}{js_literal(data)}{_SHARD_SUFFIX}"
    return Shard(terms=" ".join(sorted(seen)), script=script)


def read_shard(script: bytes) -> list[tuple[int, str | None, str]] | None:
    """(start ms, speaker, text) lines back from a ``search.js`` this module wrote (None: not one)."""
    text = script.decode("utf-8", "replace")
    if not text.startswith(_SHARD_PREFIX) or not text.endswith(_SHARD_SUFFIX):
        return None
    try:
        data = json.loads(text[len(_SHARD_PREFIX) : -len(_SHARD_SUFFIX)])
        if data.get("v") != SHARD_VERSION:
            return None
        speakers: list[str | None] = [*data["speakers"], None]  # index -1 is "no speaker"
        return [(int(ms), speakers[sp], str(t)) for ms, sp, t in data["cues"]]
    except (ValueError, KeyError, TypeError, IndexError):
        return None


@dataclass(frozen=True)
class IndexSession:
    key: str
    date: str  # YYYY-MM-DD in the club's time zone, or ""
    title: str
    facilitator: str


def compose_index(
    sessions: Sequence[IndexSession], terms: Sequence[str | None]
) -> dict[str, object]:
    """The global index; ``terms[i]`` is session i's term string (None: no transcript)."""
    postings: dict[str, list[int]] = {}
    with_text = 0
    for i, term_str in enumerate(terms):
        if not term_str:
            continue
        with_text += 1
        for t in term_str.split(" "):
            lst = postings.get(t)
            if lst is None:
                postings[t] = [i]
            else:
                lst.append(i)
    limit = with_text * COMMON_SHARE if with_text >= MIN_SESSIONS_FOR_COMMON else float("inf")
    common = sorted(t for t, lst in postings.items() if len(lst) > limit)
    common_set = set(common)
    encoded = {
        t: encode_postings(lst) for t, lst in sorted(postings.items()) if t not in common_set
    }
    return {
        "v": 1,
        "sessions": [_session_row(s) for s in sessions],
        "common": common,
        "terms": encoded,
    }


def _session_row(s: IndexSession) -> list[str]:
    return [s.key, s.date, s.title, s.facilitator]


def append_to_index(
    index: dict[str, Any], sessions: Sequence[IndexSession], new_terms: dict[int, str | None]
) -> None:
    """Add sessions at new ordinals (``new_terms``: ordinal -> term string) to a composed index.

    ``sessions`` is the full, updated session list (titles may have changed); postings of existing
    sessions are kept as they are, so only the new sessions' terms are touched.
    """
    index["sessions"] = [_session_row(s) for s in sessions]
    common: set[str] = set(index["common"])
    terms: dict[str, str] = index["terms"]
    for ordinal in sorted(new_terms):
        term_str = new_terms[ordinal]
        if not term_str:
            continue
        for t in term_str.split(" "):
            if t in common:
                continue
            terms[t] = _append(terms.get(t), ordinal)


def _append(current: str | None, ordinal: int) -> str:
    """``current`` postings plus ``ordinal`` (greater than all of them), without a full decode."""
    if current is None:
        return _b36(ordinal)
    j, bit = divmod(ordinal, 6)
    if current.startswith("~"):
        chars = current[1:].ljust(j + 1, _BITS[0])
        merged = _BITS[_BITS.index(chars[j]) | 1 << bit]
        return "~" + chars[:j] + merged + chars[j + 1 :]
    last = sum(int(p, 36) for p in current.split(","))
    gaps = current + "," + _b36(ordinal - last)
    return gaps if len(gaps) <= j + 2 else encode_postings([*decode_postings(current), ordinal])


def index_files(index: dict[str, object]) -> tuple[bytes, bytes]:
    """(search-index.json, search-index.js) bytes."""
    literal = js_literal(index)
    return literal.encode("utf-8"), f"window.ZC_INDEX = {literal};\n".encode()
