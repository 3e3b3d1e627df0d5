"""Benchmark: download a large recording through the emulator and report peak RSS and throughput.

The emulator runs in a child process so the parent's peak RSS (``ru_maxrss``) is the client's
alone. The parent reads its baseline RSS right before the download; the target is a peak under
100 MB whatever the file size.

    python bench/download.py --size-mb 1024 [--drop-at-mb 300] [--keep]
"""

from __future__ import annotations

import argparse
import hashlib
import multiprocessing as mp
import os
import resource
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from multiprocessing.connection import Connection
from pathlib import Path

CHUNK = 1 << 20


def make_file(path: Path, size_mb: int) -> str:
    """Write ``size_mb`` MiB of incompressible bytes; return their sha256."""
    digest = hashlib.sha256()
    block = os.urandom(CHUNK)
    with open(path, "wb") as fh:
        for i in range(size_mb):
            piece = i.to_bytes(8, "big") + block[8:]  # every MiB differs
            digest.update(piece)
            fh.write(piece)
    return digest.hexdigest()


def serve(conn: Connection, video: str, drop_at: int | None) -> None:
    from zoomclub.emulator import Fault, Segment, ZoomEmulator

    with ZoomEmulator() as emu:
        inst = emu.add_recording(
            start_time=datetime.now(UTC) - timedelta(hours=2),
            segments=[Segment(0, 60, video_path=Path(video), video_types=("active_speaker",))],
            include_chat=False,
            include_timeline=False,
        )
        if drop_at is not None:
            emu.inject(Fault(host="files", drop_after_bytes=drop_at))
        conn.send(
            {
                "account_id": emu.account_id,
                "client_id": emu.client_id,
                "client_secret": emu.client_secret,
                "api_url": emu.api_url,
                "oauth_url": emu.oauth_url,
                "uuid": inst.uuid,
            }
        )
        conn.recv()  # wait until the parent is done
        ranges = [r.headers.get("range") for r in emu.requests if r.host == "files"]
        conn.send(ranges)


def rss_now_kib() -> int:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(CHUNK):
            digest.update(block)
    return digest.hexdigest()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--size-mb", type=int, default=1024, help="file size in MiB (default 1024)")
    ap.add_argument("--drop-at-mb", type=float, default=None, help="cut the connection once here")
    ap.add_argument("--dir", type=Path, default=None, help="work directory (default: a temp dir)")
    ap.add_argument("--keep", action="store_true", help="keep the files")
    args = ap.parse_args()

    work = args.dir or Path(tempfile.mkdtemp(prefix="zoomclub-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    src, dest = work / "source.mp4", work / "downloaded.mp4"
    t0 = time.perf_counter()
    want = make_file(src, args.size_mb)
    print(f"made {args.size_mb} MiB source in {time.perf_counter() - t0:.1f} s", flush=True)

    drop_at = int(args.drop_at_mb * CHUNK) if args.drop_at_mb is not None else None
    ctx = mp.get_context("spawn")
    parent, child = ctx.Pipe()
    proc = ctx.Process(target=serve, args=(child, str(src), drop_at), daemon=True)
    proc.start()
    info = parent.recv()

    from zoomclub.zoom.client import ZoomClient

    uuid = info.pop("uuid")
    client = ZoomClient(**info, timeout=60.0)
    files = client.get_recordings(uuid).recording_files
    mp4 = next(f for f in files if f.file_type == "MP4")
    base_kib = rss_now_kib()
    t1 = time.perf_counter()
    client.download(mp4, dest, progress=sys.stderr.isatty())
    elapsed = time.perf_counter() - t1
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    parent.send("done")
    ranges = parent.recv()
    proc.join(10)

    ok = dest.stat().st_size == args.size_mb * CHUNK and sha256(dest) == want
    mib = args.size_mb
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs")
    print(f"file: {mib} MiB, verified sha256: {ok}")
    print(f"file-host requests (Range headers): {ranges}")
    print(f"download time: {elapsed:.2f} s, throughput: {mib / elapsed:.0f} MiB/s")
    print(f"RSS before download: {base_kib / 1024:.1f} MiB")
    print(f"peak RSS (ru_maxrss, whole process life): {peak_kib / 1024:.1f} MiB")
    print(f"peak RSS target < 100 MB: {'met' if peak_kib * 1024 < 100e6 else 'MISSED'}")
    if not args.keep and args.dir is None:
        for p in (src, dest):
            p.unlink(missing_ok=True)
        work.rmdir()
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
