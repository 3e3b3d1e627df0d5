"""Where the archive lives: a local directory or an S3 bucket, behind one small protocol.

The contract every backend honours is written in :mod:`zoomclub.storage.base`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from zoomclub.errors import ConfigError
from zoomclub.storage.base import (
    ObjectInfo,
    Storage,
    TransferStats,
    guess_content_type,
    validate_key,
)

__all__ = [
    "ObjectInfo",
    "Storage",
    "TransferStats",
    "guess_content_type",
    "open_storage",
    "validate_key",
]


def open_storage(
    url: str,
    *,
    endpoint_url: str | None = None,
    region: str | None = None,
    part_size: int = 16 * 2**20,
    concurrency: int = 4,
    client: Any | None = None,
    content_md5: bool = False,
) -> Storage:
    """Open ``s3://bucket/prefix`` or a local directory (created if missing).

    ``endpoint_url`` selects an S3-compatible server (MinIO, R2, rclone, moto) and path-style
    addressing; ``content_md5`` sends Content-MD5 with every part; ``client`` injects a ready boto3 S3 client instead of building one. No network
    request is made here: call :meth:`Storage.check` to test reachability.
    """
    if url.startswith("s3://"):
        from zoomclub.storage.s3 import S3Storage, parse_s3_url

        bucket, prefix = parse_s3_url(url)
        return S3Storage(
            bucket,
            prefix,
            endpoint_url=endpoint_url,
            region=region,
            part_size=part_size,
            concurrency=concurrency,
            client=client,
            content_md5=content_md5,
        )
    if "://" in url or not url.strip():
        raise ConfigError(f"archive url {url!r}: use s3://bucket/prefix or a local directory path")
    from zoomclub.storage.local import LocalStorage

    return LocalStorage(Path(url))
