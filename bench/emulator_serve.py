"""Benchmark: the Zoom emulator's file host serving a large recording (memory must stay flat).

Runs the emulator in a child process, downloads a sparse file of --size-mib through
/rec/download -> 302 -> file host (full GET, then a ranged second half), and samples the child's
VmRSS while bytes flow. Usage:

    python bench/emulator_serve.py --size-mib 1024
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import requests


def _serve(path: str, q: Any, stop: Any) -> None:
    from zoomclub.emulator import Segment, ZoomEmulator

    with ZoomEmulator() as emu:
        inst = emu.add_recording(
            start_time=datetime.now(UTC) - timedelta(hours=2),
            segments=[Segment(0, 60, video_path=Path(path), video_types=("active_speaker",))],
            include_chat=False,
            include_timeline=False,
        )
        q.put((emu.env(), emu.oauth_url, inst.meeting_id))
        stop.wait()


def _rss_kib(pid: int, key: str = "VmRSS") -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1])
    return 0


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--size-mib", type=int, default=1024)
    args = ap.parse_args()
    size = args.size_mib * 1024 * 1024
    with tempfile.TemporaryDirectory() as tmp:
        big = Path(tmp) / "big.mp4"
        with big.open("wb") as f:
            f.truncate(size)
        q: Any = mp.Queue()
        stop = mp.Event()
        proc = mp.Process(target=_serve, args=(str(big), q, stop))
        proc.start()
        env, oauth_url, meeting_id = q.get(timeout=60)
        assert proc.pid is not None
        tok = requests.post(
            oauth_url,
            auth=(env["ZOOMCLUB_ZOOM__CLIENT_ID"], env["ZOOMCLUB_ZOOM__CLIENT_SECRET"]),
            data={
                "grant_type": "account_credentials",
                "account_id": env["ZOOMCLUB_ZOOM__ACCOUNT_ID"],
            },
            timeout=10,
        ).json()["access_token"]
        h = {"Authorization": f"Bearer {tok}"}
        rec = requests.get(
            f"{env['ZOOMCLUB_ZOOM__API_URL']}/meetings/{meeting_id}/recordings",
            headers=h,
            timeout=10,
        ).json()
        url = next(f["download_url"] for f in rec["recording_files"] if f["file_type"] == "MP4")
        rss_before = _rss_kib(proc.pid)
        samples: list[int] = []
        done = threading.Event()

        def sample() -> None:
            while not done.is_set():
                samples.append(_rss_kib(proc.pid))
                time.sleep(0.05)

        sampler = threading.Thread(target=sample)
        sampler.start()
        t0 = time.perf_counter()
        got = 0
        with requests.get(url, headers=h, stream=True, timeout=30) as r:
            for chunk in r.iter_content(1024 * 1024):
                got += len(chunk)
        t_full = time.perf_counter() - t0
        loc = requests.get(url, headers=h, allow_redirects=False, timeout=10).headers["Location"]
        t1 = time.perf_counter()
        half = size // 2
        got_range = 0
        with requests.get(loc, headers={"Range": f"bytes={half}-"}, stream=True, timeout=30) as r:
            assert r.status_code == 206, r.status_code
            for chunk in r.iter_content(1024 * 1024):
                got_range += len(chunk)
        t_range = time.perf_counter() - t1
        done.set()
        sampler.join()
        hwm = _rss_kib(proc.pid, "VmHWM")
        stop.set()
        proc.join(10)
        assert got == size and got_range == size - half
        print(f"file size            {args.size_mib} MiB")
        print(f"full GET             {t_full:.2f} s  ({args.size_mib / t_full:.0f} MiB/s)")
        print(f"ranged 2nd half      {t_range:.2f} s  ({args.size_mib / 2 / t_range:.0f} MiB/s)")
        print(f"server RSS before    {rss_before / 1024:.1f} MiB")
        print(f"server RSS max seen  {max(samples) / 1024:.1f} MiB  ({len(samples)} samples)")
        print(f"server VmHWM         {hwm / 1024:.1f} MiB")


if __name__ == "__main__":
    main()
