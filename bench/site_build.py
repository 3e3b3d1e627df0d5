"""Benchmark the site build on a synthetic archive of N one-hour sessions (local storage).

    python bench/site_build.py --sessions 1000 --dir /tmp/zc-site-bench

Generates (once; reused when --dir already holds it) N sessions with ~1 hour of transcript each
(~900 cues, ~9,000 words drawn from a Zipf distribution over a 40,000-word vocabulary plus
per-session topic words), then times: a cold build (--cold, or when there is no site yet), a
full rebuild, adding one session
(incremental), a no-change rebuild and removing it again; wall and CPU seconds. Prints JSON.
"""

from __future__ import annotations

import argparse
import gzip
import itertools
import json
import os
import random
import string
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from zoomclub.site.build import build_site
from zoomclub.storage import Storage, open_storage

TZ = "America/Los_Angeles"
SPEAKERS = ["Ada Lovelace", "Alan Turing", "Grace Hopper", "Claude Shannon", "Dr. Barbara Liskov"]


def vocabulary(rng: random.Random, n: int) -> list[str]:
    words: set[str] = set()
    while len(words) < n:
        words.add("".join(rng.choices(string.ascii_lowercase, k=rng.choice([3, 4, 5, 6, 7, 8, 9]))))
    return sorted(words, key=lambda w: rng.random())


def transcript(rng: random.Random, vocab: list[str], weights: list[float], topic: list[str]) -> str:
    out = ["WEBVTT", ""]
    t = 0.0
    n = 0
    while t < 3600:
        n += 1
        words = rng.choices(vocab, cum_weights=weights, k=rng.randint(4, 18))
        if rng.random() < 0.3:
            words[rng.randrange(len(words))] = rng.choice(topic)
        dur = len(words) * 0.4
        speaker = rng.choice(SPEAKERS)
        out += [
            str(n),
            f"{ts(t)} --> {ts(t + dur)}",
            f"{speaker}: {' '.join(words).capitalize()}.",
            "",
        ]
        t += dur + rng.uniform(0.1, 1.5)
    return "\n".join(out)


def ts(sec: float) -> str:
    ms = round(sec * 1000)
    h, rest = divmod(ms, 3_600_000)
    m, rest = divmod(rest, 60_000)
    s, milli = divmod(rest, 1000)
    return f"{h:02d}:{m:02d}:{s:02d}.{milli:03d}"


def entry(i: int, start: datetime, rng: random.Random, vtt_bytes: int) -> dict[str, Any]:
    key = f"{start:%Y-%m-%d}-paper-{i:04d}"
    return {
        "key": key,
        "meeting_id": 80000000000 + i,
        "meeting_uuid": f"uuid{i}==",
        "topic": "Paper Club",
        "start_time": start.isoformat(),
        "paper": {
            "title": f"Paper number {i}: on {rng.choice(['attention', 'diffusion', 'RL'])}",
            "url": f"https://arxiv.org/abs/{2000 + i}.00001",
        },
        "facilitator": rng.choice(SPEAKERS),
        "files": [
            {
                "name": "video.mp4",
                "kind": "video",
                "bytes": 600_000_000,
                "sha256": "0" * 64,
                "duration_s": 2700.0,
            },
            {
                "name": "audio.m4a",
                "kind": "audio",
                "bytes": 40_000_000,
                "sha256": "0" * 64,
                "duration_s": 2700.0,
            },
            {
                "name": "transcript.vtt",
                "kind": "transcript",
                "bytes": vtt_bytes,
                "sha256": "0" * 64,
                "duration_s": 3600.0,
            },
        ],
        "boundary": {
            "facilitation_end_s": 2700.0,
            "source": "marker",
            "confidence": 1.0,
            "reason": "bench",
        },
        "original_duration_s": 3600.0,
        "published_duration_s": 2700.0,
        "archived_at": start.isoformat(),
        "zoomclub_version": "bench",
    }


def write_catalog(storage: Storage, entries: list[dict[str, Any]]) -> None:
    doc = {
        "version": 1,
        "updated_at": datetime.now(UTC).isoformat(),
        "club": {"name": "Bench Club", "timezone": TZ},
        "sessions": entries,
    }
    storage.put_bytes("catalog.json", json.dumps(doc).encode(), content_type="application/json")


def generate(storage: Storage, n: int, seed: int = 7) -> tuple[list[dict[str, Any]], Any]:
    rng = random.Random(seed)
    vocab = vocabulary(rng, 40_000)
    weights = list(itertools.accumulate(1.0 / (r + 1) ** 1.07 for r in range(len(vocab))))
    first = datetime(2007, 1, 3, 12, 0, tzinfo=UTC)
    entries = []
    for i in range(n):
        topic = rng.sample(vocab[5000:], 40)
        text = transcript(rng, vocab, weights, topic).encode()
        e = entry(i, first + timedelta(weeks=i), rng, len(text))
        storage.put_bytes(f"sessions/{e['key']}/transcript.vtt", text, content_type="text/vtt")
        entries.append(e)
    entries.reverse()
    write_catalog(storage, entries)
    return entries, (rng, vocab, weights)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sessions", type=int, default=1000)
    ap.add_argument("--dir", type=Path, default=Path("/tmp/zc-site-bench"))
    ap.add_argument("--cold", action="store_true", help="also time a build with no previous state")
    args = ap.parse_args()
    root = args.dir
    storage = open_storage(str(root))
    marker = root / f".generated-{args.sessions}"
    t0 = time.perf_counter()
    if not marker.exists():
        (root / "site-state.json").unlink(missing_ok=True)
        generate(storage, args.sessions)
        marker.touch()
    gen_s = time.perf_counter() - t0
    catalog = json.loads(storage.get_bytes("catalog.json"))
    entries = [e for e in catalog["sessions"] if not e["key"].startswith("2099")]
    write_catalog(storage, entries)
    kw: dict[str, Any] = {
        "club_name": "Bench Club",
        "timezone": TZ,
        "site_url": "https://club.example/",
    }
    timings: dict[str, Any] = {"load_before": os.getloadavg()[0]}

    def timed(name: str, **more: Any) -> Any:
        wall, cpu = time.perf_counter(), time.process_time()
        report = build_site(storage, **kw, **more)
        timings[f"{name}_wall_s"] = round(time.perf_counter() - wall, 2)
        timings[f"{name}_cpu_s"] = round(time.process_time() - cpu, 2)
        return report

    if args.cold or not (root / "site-state.json").exists():
        (root / "site-state.json").unlink(missing_ok=True)
        timed("cold_build")  # parses every VTT
    first = timed("full_rebuild")  # changed=None: every page re-rendered (from the shards)
    # add one session, as the archive pipeline would, and rebuild incrementally
    rng = random.Random(99)
    vocab = list(json.loads(storage.get_bytes("search-index.json"))["terms"])[:5000] or ["x"]
    text = transcript(
        rng, vocab, list(itertools.accumulate([1.0] * len(vocab))), vocab[:40]
    ).encode()
    new = entry(99999, datetime(2099, 1, 7, 20, 0, tzinfo=UTC), rng, len(text))
    new["key"] = "2099-01-07-new-session"
    storage.put_bytes(f"sessions/{new['key']}/transcript.vtt", text, content_type="text/vtt")
    write_catalog(storage, [new, *entries])
    inc = timed("add_one_session", changed=[new["key"]])
    timed("no_change", changed=[])
    write_catalog(storage, entries)  # leave the archive as generated for the next run
    final = timed("remove_one_session", changed=[])  # recomposes the index from the term files
    timings["load_after"] = os.getloadavg()[0]
    vtt_total = sum(p.stat().st_size for p in root.glob("sessions/*/transcript.vtt"))
    print(
        json.dumps(
            {
                "sessions": first.sessions,
                "transcript_bytes_total": vtt_total,
                "generate_s": round(gen_s, 1),
                **timings,
                "add_one_written": sorted(inc.written),
                "add_one_pages_rendered": inc.pages_rendered,
                "search_index_bytes_after_append": inc.search_index_bytes,
                "search_index_bytes": final.search_index_bytes,
                "search_index_gzip6_bytes": len(
                    gzip.compress((root / "search-index.json").read_bytes(), 6)
                ),
                "index_html_bytes": (root / "index.html").stat().st_size,
                "session_page_bytes_avg": round(
                    sum(p.stat().st_size for p in root.glob("sessions/*/index.html"))
                    / max(1, first.sessions)
                ),
                "search_shard_bytes_avg": round(
                    sum(p.stat().st_size for p in root.glob("sessions/*/search.js"))
                    / max(1, first.sessions)
                ),
            },
            indent=1,
        )
    )


if __name__ == "__main__":
    main()
