"""Benchmark: cut a ~1 GB, hour-long MP4 by stream copy, and compare with copying the file.

    python bench/media_trim.py --workdir /tmp/zoomclub-bench [--minutes 60] [--cut 2700]

Builds (once, kept in --workdir) a Zoom-like recording: 1280x720 H.264 at 30 fps with B-frames
plus 32 kHz mono AAC, by encoding one noisy minute at ~2.2 Mbit/s and joining copies of it by
stream copy. Then times, with a warm page cache and best of --repeat runs: ``cp``, ``probe`` of
the whole file, ``trim`` at --cut seconds (split into planning, and the total with ffmpeg,
verification and fsync), and ``concat`` of the file's two halves. Peak RSS of this process and of
the ffmpeg children are printed too, to show that memory does not follow file size.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from zoomclub.media import concat, ffmpeg_exe, probe, trim
from zoomclub.media.cut import plan_trim


def ffmpeg(*args: str) -> None:
    subprocess.run([ffmpeg_exe(), "-hide_banner", "-loglevel", "error", "-y", *args], check=True)


def build_source(work: Path, minutes: int) -> Path:
    src = work / f"meeting-{minutes}min.mp4"
    if src.exists():
        return src
    unit = work / "one-minute.mp4"
    if not unit.exists():
        ffmpeg(
            "-f", "lavfi", "-i", "testsrc2=size=1280x720:rate=30,noise=alls=12:allf=t",
            "-f", "lavfi", "-i", "sine=frequency=300:sample_rate=32000",
            "-t", "60", "-c:v", "libx264", "-preset", "ultrafast", "-bf", "2", "-g", "60",
            "-pix_fmt", "yuv420p", "-b:v", "2200k", "-maxrate", "2400k", "-bufsize", "4400k",
            "-c:a", "aac", "-b:a", "64k", "-ac", "1", str(unit),
        )  # fmt: skip
    listing = work / "copies.ffconcat"
    listing.write_text(
        "ffconcat version 1.0\n" + f"file '{unit.resolve()}'\n" * minutes, encoding="utf-8"
    )
    ffmpeg("-f", "concat", "-safe", "0", "-i", str(listing), "-c", "copy", str(src))
    return src


def best_of(n: int, fn: Callable[[], Any]) -> tuple[float, Any]:
    best, result = float("inf"), None
    for _ in range(n):
        t0 = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - t0)
    return best, result


def rss_mib(who: int) -> float:
    return resource.getrusage(who).ru_maxrss / 1024  # ru_maxrss is KiB on Linux


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--workdir", type=Path, default=Path("/tmp/zoomclub-bench"))
    ap.add_argument("--minutes", type=int, default=60)
    ap.add_argument("--cut", type=float, default=2700.0, help="cut point, seconds")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--measure", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args()
    work = args.workdir
    work.mkdir(parents=True, exist_ok=True)
    if args.measure is None:
        # Build here, measure in a fresh process: its RUSAGE_CHILDREN then covers only the
        # ffmpeg runs of trim/concat (and cp/cat), not the x264 encode that made the source.
        t0 = time.perf_counter()
        src = build_source(work, args.minutes)
        print(f"source ready in {time.perf_counter() - t0:.1f} s: {src}", file=sys.stderr)
        argv = [sys.executable, __file__, *sys.argv[1:], "--measure", str(src)]
        raise SystemExit(subprocess.run(argv, check=False).returncode)
    src = args.measure
    size = src.stat().st_size
    rss_start = rss_mib(resource.RUSAGE_SELF)
    subprocess.run(["cat", str(src)], stdout=subprocess.DEVNULL, check=True)  # warm the cache

    copy_dest, cut_dest, joined = work / "copy.mp4", work / "cut.mp4", work / "joined.mp4"
    cp_s, _ = best_of(args.repeat, lambda: subprocess.run(["cp", str(src), str(copy_dest)]))
    copy_dest.unlink()
    probe_s, info = best_of(args.repeat, lambda: probe(src))
    plan_s, _ = best_of(args.repeat, lambda: plan_trim(src, args.cut))
    trim_s, cut = best_of(args.repeat, lambda: trim(src, cut_dest, args.cut))
    half = info.duration_s / 2
    concat_s, joined_info = best_of(1, lambda: concat([(src, half), (src, half)], joined))

    report = {
        "source": {
            "bytes": size,
            "duration_s": round(info.duration_s, 3),
            "packets": {s.kind: s.packets for s in info.streams},
        },
        "cut_at_s": args.cut,
        "cut_ends_s": {s.kind: round(s.end_s, 3) for s in cut.streams},
        "cut_bytes": cut_dest.stat().st_size,
        "cp_s": round(cp_s, 2),
        "probe_whole_file_s": round(probe_s, 2),
        "trim_plan_s": round(plan_s, 2),
        "trim_total_s": round(trim_s, 2),
        "trim_vs_cp": round(trim_s / cp_s, 2),
        "concat_two_halves_s": round(concat_s, 2),
        "concat_duration_s": round(joined_info.duration_s, 3),
        "peak_rss_mib": {
            "python_before": round(rss_start, 1),
            "python_after": round(rss_mib(resource.RUSAGE_SELF), 1),
            "ffmpeg_children": round(rss_mib(resource.RUSAGE_CHILDREN), 1),
        },
        "python": sys.version.split()[0],
    }
    print(json.dumps(report, indent=2))
    for p in (cut_dest, joined):
        p.unlink(missing_ok=True)


if __name__ == "__main__":
    main()
