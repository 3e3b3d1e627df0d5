"""The boto3 edge of the S3 backend: building the client, and translating its errors into ours.

boto3 and botocore are imported only inside these functions, so importing the storage package
stays cheap when the archive is a local directory.
"""

from __future__ import annotations

import base64
import contextlib
import threading
from collections.abc import Iterator
from typing import Any

from zoomclub.errors import ObjectNotFound, StorageError

_NOT_FOUND = {"NoSuchKey", "NotFound", "404"}
_PERMANENT = {
    "AccessDenied",
    "InvalidAccessKeyId",
    "SignatureDoesNotMatch",
    "NoSuchBucket",
    "InvalidBucketName",
    "AllAccessDisabled",
}
_LOADER: Any = None
_LOADER_LOCK = threading.Lock()
_RETRYABLE = {"SlowDown", "RequestTimeout", "BadDigest", "InternalError", "ServiceUnavailable"}


def make_s3_client(
    endpoint_url: str | None = None, region: str | None = None, *, max_pool: int = 10
) -> Any:
    """A boto3 S3 client that works with AWS and with S3-compatible servers.

    SigV4, standard retries, path-style addressing when an endpoint is given, and checksums only
    when an operation requires them (the newer botocore default of always sending CRC32 trailers
    breaks MinIO, R2, rclone and older servers; we send our own SHA-256/MD5 instead).
    """
    import boto3
    import botocore.session
    from botocore.config import Config
    from botocore.loaders import create_loader

    config = Config(
        signature_version="s3v4",
        retries={"mode": "standard", "max_attempts": 5},
        s3={
            "addressing_style": "path" if endpoint_url else "auto",
            # Every body carries a signed Content-MD5 and x-amz-checksum-sha256 that the server
            # checks, so hashing it again for the signature (botocore does on http://
            # endpoints) buys nothing.
            "payload_signing_enabled": False,
        },
        request_checksum_calculation="when_required",
        response_checksum_validation="when_required",
        connect_timeout=10,
        read_timeout=120,
        max_pool_connections=max_pool,
    )
    with _LOADER_LOCK:
        global _LOADER
        if _LOADER is None:
            _LOADER = create_loader()
        core = botocore.session.get_session()
        # Share the parsed service models: a fresh loader re-reads ~1 MB of JSON per client.
        core.register_component("data_loader", _LOADER)
    session = boto3.session.Session(botocore_session=core)
    return session.client(
        "s3",
        endpoint_url=endpoint_url,
        region_name=region or ("us-east-1" if endpoint_url else None),
        config=config,
    )


def unquote_etag(etag: str | None) -> str | None:
    return etag.strip('"') if etag else None


def b64(digest: bytes) -> str:
    return base64.b64encode(digest).decode("ascii")


@contextlib.contextmanager
def translate_errors(what: str) -> Iterator[None]:
    """Raise a boto3/botocore error from the block as ours; ``what`` names the operation."""
    try:
        yield
    except StorageError:
        raise
    except Exception as exc:
        if _is_client_error(exc) or _is_botocore_error(exc):
            raise translate_error(exc, what) from exc
        raise


def _is_client_error(exc: BaseException) -> bool:
    from botocore.exceptions import ClientError

    return isinstance(exc, ClientError)


def _is_botocore_error(exc: BaseException) -> bool:
    from botocore.exceptions import BotoCoreError

    return isinstance(exc, BotoCoreError)


def translate_error(exc: BaseException, what: str) -> StorageError:
    """boto3/botocore -> our tree, with a one-line message naming the operation."""
    from botocore.exceptions import ClientError, NoCredentialsError, PartialCredentialsError

    err: StorageError
    if isinstance(exc, ClientError):
        error = exc.response.get("Error", {})
        code = str(error.get("Code", ""))
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        message = error.get("Message") or code or "error"
        if code in _NOT_FOUND:
            return ObjectNotFound(f"cannot {what}: no such object")
        if code == str(status) or not code:  # a HEAD reply has no body to name the error
            hint = (
                " (wrong credentials, or no permission; S3 also answers 403 for a missing key "
                "when s3:ListBucket is not granted)"
                if status in (401, 403)
                else ""
            )
            err = StorageError(f"cannot {what}: HTTP {status} {message}{hint}")
        else:
            err = StorageError(f"cannot {what}: {code} (HTTP {status}): {message}")
        err.code = code  # type: ignore[attr-defined]
        err.retryable = code in _RETRYABLE or (
            code not in _PERMANENT
            and status not in (401, 403)
            and (status is None or status >= 500 or status == 429)
        )
        return err
    if isinstance(exc, NoCredentialsError | PartialCredentialsError):
        err = StorageError(
            f"cannot {what}: no AWS credentials found; set AWS_ACCESS_KEY_ID and "
            "AWS_SECRET_ACCESS_KEY or AWS_PROFILE"
        )
        err.retryable = False
        return err
    return StorageError(f"cannot {what}: {type(exc).__name__}: {exc}")


def is_unsupported(exc: StorageError) -> bool:
    """The server does not implement the operation (rclone has no multipart listing)."""
    code = getattr(exc, "code", "")
    return code in {"NotImplemented", "Unimplemented", "MethodNotAllowed", "501"} or (
        "not implemented" in exc.message.lower() or "unimplemented" in exc.message.lower()
    )
