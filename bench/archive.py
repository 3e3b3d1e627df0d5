"""Benchmark: archive a large recording from the Zoom emulator into a local S3 server.

    python bench/archive.py --workdir /tmp/zc-archive-bench --gb 1
    python bench/archive.py --workdir /tmp/zc-archive-bench --gb 4

One size per invocation, so that the peak RSS read for the child is that run's alone.

For each size it builds (once, kept in --workdir) an hour-long Zoom-like MP4 of about that many
GB (1280x720 H.264 + AAC, one noisy minute stream-copied 60 times), an M4A and a transcript whose
facilitation ends at 45 minutes followed by Q&A. Then, in the same run, against the same emulator
(in this process) and the same `rclone serve s3` (which checks SigV4 signatures):

1. baseline: `curl` downloads the same three files from the emulator's file host, then boto3
   `upload_file` puts them in the bucket (its default multipart settings);
2. `zoomclub archive UUID` as a child process (the real CLI, the real pipeline: download, probe,
   detect, cut, verify, upload, session.json, catalog, site), its peak RSS read from
   ``ru_maxrss`` of the child.

Both phases start after ``sync``, so neither pays for write-back the other (or the media build)
left behind. Prints one JSON object per size and the Zoom API calls the archive made.
"""

from __future__ import annotations

import argparse
import compileall
import json
import os
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import boto3
import requests
from botocore.config import Config

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the repository, for tests/
import zoomclub
from tests.fixtures_s3 import start_rclone
from zoomclub.clock import FakeClock
from zoomclub.demo.script import DemoSession, demo_transcript
from zoomclub.emulator import Segment, ZoomEmulator
from zoomclub.media import ffmpeg_exe

CLUB = "Bench Club"
WHEN = datetime(2026, 1, 7, 20, 0, tzinfo=UTC)
MINUTES = 60


def ffmpeg(*args: str) -> None:
    subprocess.run([ffmpeg_exe(), "-hide_banner", "-loglevel", "error", "-y", *args], check=True)


def build_media(work: Path, gb: float) -> tuple[Path, Path, str]:
    kbps = int(gb * 8e6 / (MINUTES * 60))  # video bitrate giving about `gb` GB per hour
    video = work / f"video-{gb:g}gb.mp4"
    if not video.exists():
        unit = work / f"minute-{kbps}k.mp4"
        if not unit.exists():
            ffmpeg(
                "-f", "lavfi", "-i", "testsrc2=size=1280x720:rate=30,noise=alls=20:allf=t",
                "-f", "lavfi", "-i", "sine=frequency=300:sample_rate=32000",
                "-t", "60", "-c:v", "libx264", "-preset", "ultrafast", "-g", "60",
                "-pix_fmt", "yuv420p", "-b:v", f"{kbps}k", "-maxrate", f"{kbps}k",
                "-bufsize", f"{2 * kbps}k", "-c:a", "aac", "-b:a", "64k", "-ac", "1", str(unit),
            )  # fmt: skip
        listing = work / "copies.ffconcat"
        listing.write_text("ffconcat version 1.0\n" + f"file '{unit.resolve()}'\n" * MINUTES)
        ffmpeg("-f", "concat", "-safe", "0", "-i", str(listing), "-c", "copy", str(video))
    audio = work / "audio-60min.m4a"
    if not audio.exists():
        ffmpeg("-i", str(video), "-vn", "-c:a", "copy", str(audio))
    s = DemoSession("Bench Paper", "https://example.org", "Ada Lovelace", 2700, 900, 11)
    return video, audio, demo_transcript(s)


def signed_urls(emu: ZoomEmulator, uuid: str) -> list[str]:
    tok = requests.post(
        emu.oauth_url,
        data={"grant_type": "account_credentials", "account_id": emu.account_id},
        auth=(emu.client_id, emu.client_secret),
        timeout=30,
    ).json()["access_token"]
    auth = {"Authorization": f"Bearer {tok}"}
    enc = requests.utils.quote(requests.utils.quote(uuid, safe=""), safe="")
    rs = requests.get(f"{emu.api_url}/meetings/{enc}/recordings", headers=auth, timeout=30).json()
    urls = []
    for f in rs["recording_files"]:
        if f["file_type"] in ("MP4", "M4A", "TRANSCRIPT") and (
            f["file_type"] != "MP4" or f["recording_type"] == "shared_screen_with_speaker_view"
        ):
            r = requests.get(f["download_url"], headers=auth, allow_redirects=False, timeout=30)
            urls.append(r.headers["Location"])
    return urls


def run_one(gb: float, work: Path, profile: Path | None = None) -> dict[str, Any]:
    video, audio, vtt = build_media(work, gb)
    run_dir = Path(tempfile.mkdtemp(prefix=f"run-{gb:g}gb-", dir=work))
    access, secret = "AKIA" + secrets.token_hex(8).upper(), secrets.token_urlsafe(30)
    rclone, endpoint = start_rclone(run_dir / "s3", access, secret)
    clock = FakeClock(WHEN + timedelta(hours=3))
    try:
        with ZoomEmulator(clock=clock, media_cache=work / "cache") as emu:
            inst = emu.add_recording(
                topic=f"{CLUB}: Bench Paper",
                start_time=WHEN,
                segments=[
                    Segment(
                        0, MINUTES * 60, transcript=vtt, video_path=video, audio_path=audio,
                        video_types=("shared_screen_with_speaker_view",),
                    )
                ],
            )  # fmt: skip
            s3 = boto3.client(
                "s3", endpoint_url=endpoint, aws_access_key_id=access,
                aws_secret_access_key=secret, region_name="us-east-1",
                config=Config(signature_version="s3v4", s3={"addressing_style": "path"},
                              request_checksum_calculation="when_required"),
            )  # fmt: skip
            s3.create_bucket(Bucket="baseline")
            s3.create_bucket(Bucket="club")

            # 1. baseline: curl download + boto3 upload_file of the same bytes
            dl = run_dir / "baseline"
            dl.mkdir()
            os.sync()  # start each phase with no write-back owed by an earlier one
            t0 = time.perf_counter()
            paths = []
            for i, url in enumerate(signed_urls(emu, inst.uuid)):
                p = dl / f"f{i}"
                subprocess.run(["curl", "-sSf", "-o", str(p), url], check=True)
                paths.append(p)
            t_curl = time.perf_counter() - t0
            t1 = time.perf_counter()
            for p in paths:
                s3.upload_file(str(p), "baseline", p.name)
            t_upload = time.perf_counter() - t1
            moved = sum(p.stat().st_size for p in paths)
            shutil.rmtree(dl)

            # 2. the real CLI
            env = {k: v for k, v in os.environ.items() if not k.startswith("ZOOMCLUB_")}
            env.update(emu.env())
            env.update(
                {
                    "ZOOMCLUB_ARCHIVE__URL": "s3://club/archive",
                    "ZOOMCLUB_ARCHIVE__S3_ENDPOINT_URL": endpoint,
                    "ZOOMCLUB_ARCHIVE__WORK_DIR": str(run_dir / "work"),
                    "ZOOMCLUB_DATABASE_URL": f"sqlite:///{run_dir / 'db.sqlite'}",
                    "ZOOMCLUB_CLUB__NAME": CLUB,
                    "AWS_ACCESS_KEY_ID": access,
                    "AWS_SECRET_ACCESS_KEY": secret,
                    "AWS_DEFAULT_REGION": "us-east-1",
                }
            )
            emu.clear_requests()
            os.sync()
            started = datetime.now(UTC)
            t2 = time.perf_counter()
            out_path, err_path = run_dir / "archive.out", run_dir / "archive.err"
            with out_path.open("w") as out, err_path.open("w") as err:
                child = subprocess.Popen(
                    [
                        sys.executable,
                        *(["-m", "cProfile", "-o", str(profile)] if profile else []),
                        *["-m", "zoomclub", "archive", inst.uuid, "--json"],
                    ],
                    env=env, cwd=run_dir, stdout=out, stderr=err, text=True,
                )  # fmt: skip
                # wait4: this child's own peak RSS (and that of the ffmpeg it waited for), not
                # that of every child the bench ever had (rclone's, from an earlier repeat)
                _, status, usage = os.wait4(child.pid, 0)
            t_archive = time.perf_counter() - t2
            ended = datetime.now(UTC)
            stdout, stderr = out_path.read_text(), err_path.read_text()
            # its log lines, between the moments it started and ended: a timeline of the run
            (run_dir / "archive.log").write_text(
                f"{started.isoformat()} child started\n{stderr}{ended.isoformat()} child ended\n"
            )
            peak_kib = usage.ru_maxrss
            if os.waitstatus_to_exitcode(status) != 0:
                raise RuntimeError(stderr[-3000:])
            outcome = json.loads(stdout.strip().splitlines()[-1])
            api_calls = len([r for r in emu.requests if r.host == "api"])
            downloads = len([r for r in emu.requests if r.host == "web" and "/rec/" in r.path])
    finally:
        rclone.terminate()
        rclone.wait(timeout=10)
        # Keep the logs and the database; the gigabytes in the bucket and work dirs must go, or
        # a --repeat run fills the disk.
        for heavy in ("s3", "work", "baseline"):
            shutil.rmtree(run_dir / heavy, ignore_errors=True)
    baseline = t_curl + t_upload
    return {
        "gb_moved": round(moved / 1e9, 3),
        "video_bytes": video.stat().st_size,
        "baseline_curl_s": round(t_curl, 2),
        "baseline_upload_file_s": round(t_upload, 2),
        "baseline_s": round(baseline, 2),
        "archive_s": round(t_archive, 2),
        "ratio": round(t_archive / baseline, 2),
        "archive_peak_rss_mib": round(peak_kib / 1024, 1),
        "peak_rss_note": "the CLI's own peak RSS or that of an ffmpeg it ran, whichever is larger",
        "status": outcome["status"],
        "published_duration_s": outcome.get("published_duration_s"),
        "zoom_api_calls": api_calls,
        "archive_log": str(run_dir / "archive.log"),
        "file_downloads": downloads,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument(
        "--workdir", type=Path, default=Path(tempfile.gettempdir()) / "zc-archive-bench"
    )
    ap.add_argument("--gb", type=float, default=1.0, help="recording size in GB")
    ap.add_argument(
        "--profile", type=Path, help="write a cProfile of the archive child here (slows it)"
    )
    ap.add_argument(
        "--repeat",
        type=int,
        default=1,
        help="measure N times (each a fresh server, bucket and database) and print the medians",
    )
    args = ap.parse_args()
    args.workdir.mkdir(parents=True, exist_ok=True)
    # Byte-compile zoomclub first, as `pip install` does and as Python itself does on a first
    # run. Without this, where PYTHONDONTWRITEBYTECODE is set (it is on our sandboxes), every
    # run of the CLI compiles all of zoomclub's modules again: about 0.3 s that no installed
    # copy pays.
    compileall.compile_dir(str(Path(zoomclub.__file__).parent), quiet=1)
    ratios, baselines, archives = [], [], []
    for _ in range(args.repeat):
        load = os.getloadavg()[0]
        result = run_one(args.gb, args.workdir, args.profile)
        print(json.dumps({"gb": args.gb, "load_1min": round(load, 2), **result}), flush=True)
        ratios.append(result["ratio"])
        baselines.append(result["baseline_s"])
        archives.append(result["archive_s"])
    if args.repeat > 1:
        summary = {
            "runs": args.repeat,
            "median_baseline_s": statistics.median(baselines),
            "median_archive_s": statistics.median(archives),
            "median_ratio": statistics.median(ratios),
            "ratio_range": [min(ratios), max(ratios)],
            "runs_within_1_5x": sum(r <= 1.5 for r in ratios),
        }
        print(json.dumps(summary), flush=True)


if __name__ == "__main__":
    main()
