"""S3-only behaviour: client configuration, failures mid-upload, tampering, credentials, memory.

Everything runs against real S3 servers on loopback (moto and ``rclone serve s3``); faults are
injected by wrapping the real boto3 client, never by patching zoomclub.
"""

from __future__ import annotations

import base64
import hashlib
import socket
import tracemalloc
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.fixtures_s3 import S3Server
from tests.test_storage_contract import BIG, make_file
from zoomclub.errors import ObjectNotFound, StorageError
from zoomclub.storage import open_storage
from zoomclub.storage.s3 import MIN_PART, S3Storage, make_s3_client, parse_s3_url


class FaultyClient:
    """The real boto3 client, except that chosen part uploads fail or arrive corrupted."""

    def __init__(self, real: Any, *, fail_part: int | None = None, corrupt_part: int | None = None):
        self._real = real
        self.fail_part = fail_part
        self.corrupt_part = corrupt_part
        self.parts_sent: list[int] = []
        self.aborted: list[str] = []

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real, name)

    def upload_part(self, **kw: Any) -> Any:
        n = kw["PartNumber"]
        if n == self.fail_part:
            raise ClientError(
                {"Error": {"Code": "InternalError", "Message": "injected failure"}}, "UploadPart"
            )
        if n == self.corrupt_part:
            data = bytearray(kw["Body"].read())
            data[len(data) // 2] ^= 0xFF  # one flipped bit pattern "in transit"
            kw["Body"] = bytes(data)
        self.parts_sent.append(n)
        return self._real.upload_part(**kw)

    def abort_multipart_upload(self, **kw: Any) -> Any:
        self.aborted.append(kw["UploadId"])
        return self._real.abort_multipart_upload(**kw)


def storage_with(server: S3Server, client: Any, bucket: str | None = None, **kw: Any) -> S3Storage:
    return S3Storage(
        bucket or server.new_bucket(),
        "arch",
        endpoint_url=server.endpoint_url,
        part_size=MIN_PART,
        concurrency=2,
        client=client,
        **kw,
    )


def test_client_config_suits_s3_compatible_servers() -> None:
    client = make_s3_client("http://127.0.0.1:9000", None, max_pool=12)
    cfg = client.meta.config
    assert cfg.signature_version == "s3v4"
    assert cfg.s3["addressing_style"] == "path"
    assert cfg.s3["payload_signing_enabled"] is False  # Content-MD5 + SHA-256 are signed instead
    assert cfg.retries["mode"] == "standard"
    assert cfg.request_checksum_calculation == "when_required"
    assert cfg.response_checksum_validation == "when_required"
    assert cfg.max_pool_connections == 12
    assert client.meta.region_name == "us-east-1"
    assert client.meta.endpoint_url == "http://127.0.0.1:9000"
    aws = make_s3_client(None, "eu-central-1")
    assert aws.meta.config.s3["addressing_style"] == "auto"
    assert aws.meta.region_name == "eu-central-1"


def test_parse_s3_url() -> None:
    assert parse_s3_url("s3://b") == ("b", "")
    assert parse_s3_url("s3://b/") == ("b", "")
    assert parse_s3_url("s3://b/club/archive/") == ("b", "club/archive/")


def test_public_urls_on_aws_need_no_request() -> None:
    s = S3Storage("club-archive", "x", region="eu-west-1")
    assert s.url_for("a b/c.mp4") == "https://club-archive.s3.eu-west-1.amazonaws.com/x/a%20b/c.mp4"
    dotted = S3Storage("club.example.org", region="eu-west-1")
    assert dotted.url_for("c.mp4") == "https://s3.eu-west-1.amazonaws.com/club.example.org/c.mp4"


def test_server_side_sha256_checksum_is_stored(s3_server: S3Server) -> None:
    s = S3Storage(s3_server.new_bucket(), "a", endpoint_url=s3_server.endpoint_url)
    data = b"checksummed"
    s.put_bytes("x.txt", data, content_type="text/plain")
    raw = s3_server.client.head_object(Bucket=s.bucket, Key="a/x.txt", ChecksumMode="ENABLED")
    assert (
        raw["Metadata"].get("sha256", raw["Metadata"].get("Sha256"))
        == hashlib.sha256(data).hexdigest()
    )
    if s3_server.name == "moto":  # rclone accepts the header but does not keep it
        assert raw["ChecksumSHA256"] == base64.b64encode(hashlib.sha256(data).digest()).decode()


def test_failed_part_aborts_upload_and_keeps_old_version(
    s3_server: S3Server, tmp_path: Path
) -> None:
    faulty = FaultyClient(make_s3_client(s3_server.endpoint_url), fail_part=2)
    s = storage_with(s3_server, faulty)
    s.put_bytes("v.mp4", b"old", content_type="video/mp4")
    src = tmp_path / "v.mp4"
    make_file(src, BIG)
    with pytest.raises(StorageError, match="InternalError") as info:
        s.put_file("v.mp4", src, content_type="video/mp4")
    assert info.value.retryable
    assert "\n" not in str(info.value)
    assert len(faulty.aborted) == 1
    assert s.get_bytes("v.mp4") == b"old"
    assert s.client.list_multipart_uploads(Bucket=s.bucket).get("Uploads", []) == []
    assert s.stats.uploaded == 1  # only the small "old" put


def test_part_corrupted_in_transit_is_refused_by_the_server(
    rclone_s3: S3Server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """rclone accepts x-amz-checksum-sha256 without checking it, so it is given Content-MD5 too
    (``content_md5=True``, setting ``archive.s3_content_md5``), which it checks. moto checks
    neither; AWS, MinIO and R2 check the SHA-256."""
    for name, value in rclone_s3.env.items():
        monkeypatch.setenv(name, value)
    faulty = FaultyClient(make_s3_client(rclone_s3.endpoint_url), corrupt_part=2)
    s = storage_with(rclone_s3, faulty, content_md5=True)
    src = tmp_path / "v.mp4"
    make_file(src, BIG)
    with pytest.raises(StorageError):
        s.put_file("v.mp4", src, content_type="video/mp4")
    assert s.head("v.mp4") is None
    assert len(faulty.aborted) == 1


def test_download_refuses_content_that_does_not_match_its_sha(
    s3_server: S3Server, tmp_path: Path
) -> None:
    s = S3Storage(s3_server.new_bucket(), endpoint_url=s3_server.endpoint_url)
    # Written behind our back, claiming another content's hash.
    s3_server.client.put_object(
        Bucket=s.bucket,
        Key="v.mp4",
        Body=b"tampered",
        Metadata={"sha256": hashlib.sha256(b"original").hexdigest()},
    )
    dest = tmp_path / "v.mp4"
    with pytest.raises(StorageError, match="sha256 mismatch"):
        s.download_file("v.mp4", dest)
    assert not dest.exists()
    assert list(tmp_path.iterdir()) == []


def test_content_without_our_metadata_is_recognised_by_etag(s3_server: S3Server) -> None:
    """rclone keeps metadata in memory only: after a restart the sha256 is gone, the ETag is not."""
    s = S3Storage(s3_server.new_bucket(), endpoint_url=s3_server.endpoint_url)
    s3_server.client.put_object(
        Bucket=s.bucket,
        Key="t.vtt",
        Body=b"WEBVTT\n",
        ContentType="text/vtt",
    )
    info = s.put_bytes("t.vtt", b"WEBVTT\n", content_type="text/vtt")
    assert s.stats.skipped == 1 and s.stats.uploaded == 0
    assert info.size == 7
    s.put_bytes("t.vtt", b"WEBVTT\n\n", content_type="text/vtt")
    assert s.stats.uploaded == 1


def test_missing_bucket(s3_server: S3Server) -> None:
    s = open_storage("s3://no-such-bucket-zc", endpoint_url=s3_server.endpoint_url)
    with pytest.raises(StorageError, match="does not exist") as info:
        s.check()
    assert not info.value.retryable
    with pytest.raises(StorageError) as got:
        s.get_bytes("x.json")
    assert not isinstance(got.value, ObjectNotFound)  # a missing bucket is not a missing key
    assert not got.value.retryable


def test_wrong_secret_is_a_permanent_one_line_error(
    rclone_s3: S3Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in rclone_s3.env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "not-the-secret")
    s = open_storage(f"s3://{rclone_s3.new_bucket()}", endpoint_url=rclone_s3.endpoint_url)
    for call in (
        s.check,
        lambda: s.get_bytes("x"),
        lambda: s.put_bytes("x", b"x", content_type="a/b"),
    ):
        with pytest.raises(StorageError, match=r"SignatureDoesNotMatch|HTTP 403") as info:
            call()
        assert not info.value.retryable
        assert "\n" not in str(info.value)
        assert "not-the-secret" not in str(info.value)


def test_no_credentials_is_a_clear_error(
    moto_s3: S3Server, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    s = open_storage("s3://whatever", endpoint_url=moto_s3.endpoint_url)
    with pytest.raises(StorageError, match="no AWS credentials") as info:
        s.check()
    assert not info.value.retryable


def test_unreachable_endpoint_is_retryable(monkeypatch: pytest.MonkeyPatch) -> None:
    from botocore.config import Config

    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    endpoint = f"http://127.0.0.1:{port}"
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAEXAMPLE")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "secret")
    import boto3

    once = boto3.session.Session().client(
        "s3",
        endpoint_url=endpoint,
        region_name="us-east-1",
        config=Config(retries={"max_attempts": 1, "mode": "standard"}, connect_timeout=2),
    )
    s = S3Storage("bkt", endpoint_url=endpoint, client=once)
    with pytest.raises(StorageError, match="Could not connect") as info:
        s.check()
    assert info.value.retryable


def test_upload_and_download_memory_stays_flat(
    rclone_s3: S3Server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """rclone runs in its own process, so tracemalloc sees only our side of the transfer."""
    for name, value in rclone_s3.env.items():
        monkeypatch.setenv(name, value)
    size = 48 * 2**20
    src = tmp_path / "big.mp4"
    make_file(src, size)
    s = storage_with(rclone_s3, make_s3_client(rclone_s3.endpoint_url))
    tracemalloc.start()
    try:
        s.put_file("big.mp4", src, content_type="video/mp4")
        _, up_peak = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        s.download_file("big.mp4", tmp_path / "back.mp4")
        _, down_peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert (tmp_path / "back.mp4").stat().st_size == size
    # Parts are file slices read 1 MiB at a time; a buffered part would be 5 MiB each.
    assert up_peak < 6 * 2**20, up_peak
    assert down_peak < 4 * 2**20, down_peak


@pytest.mark.parametrize("content_md5", [False, True])
def test_parts_carry_their_sha256_and_md5_only_when_asked(
    moto_s3: S3Server, tmp_path: Path, content_md5: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in moto_s3.env.items():
        monkeypatch.setenv(name, value)
    client = make_s3_client(moto_s3.endpoint_url)
    sent: list[dict[str, str]] = []
    client.meta.events.register(
        "before-send.s3.UploadPart", lambda request, **_: sent.append(dict(request.headers))
    )
    s = storage_with(moto_s3, client, content_md5=content_md5)
    src = tmp_path / "v.mp4"
    make_file(src, BIG)
    data = src.read_bytes()
    s.put_file("v.mp4", src, content_type="video/mp4")
    assert len(sent) >= 2
    for headers in sent:
        assert "x-amz-checksum-sha256" in {k.lower() for k in headers}
        assert ("Content-MD5" in headers) is content_md5
    first = data[:MIN_PART]
    digests = {_text(h.get("x-amz-checksum-sha256")) for h in sent}
    assert base64.b64encode(hashlib.sha256(first).digest()).decode() in digests
    assert s.get_bytes("v.mp4") == data


def _text(value: str | bytes | None) -> str | None:
    return value.decode() if isinstance(value, bytes) else value


def test_a_server_that_cannot_list_uploads_is_not_an_error(
    rclone_s3: S3Server, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """rclone answers ListMultipartUploads with NoSuchUpload; the clean-up before every archive
    must neither fail nor warn about it each time."""
    for name, value in rclone_s3.env.items():
        monkeypatch.setenv(name, value)
    s = storage_with(rclone_s3, make_s3_client(rclone_s3.endpoint_url))
    with caplog.at_level("INFO", logger="zoomclub.storage.s3"):
        assert s.abort_stale_uploads("sessions/", older_than_s=3600) == 0
    assert [r.levelname for r in caplog.records] == ["INFO"]
    assert "cannot list multipart uploads" in caplog.records[0].getMessage()


def test_multipart_content_without_our_metadata_is_recognised_by_etag(
    moto_s3: S3Server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The same for a multipart object: our plan sends no MD5s, so they are computed for the
    check, and the object's md5-of-md5s ETag says it is the same content (nothing uploaded)."""
    for name, value in moto_s3.env.items():
        monkeypatch.setenv(name, value)
    s = storage_with(moto_s3, make_s3_client(moto_s3.endpoint_url))
    src = tmp_path / "v.mp4"
    make_file(src, BIG)
    data = src.read_bytes()
    key = "arch/v.mp4"
    upload = s.client.create_multipart_upload(Bucket=s.bucket, Key=key, ContentType="video/mp4")
    parts = []
    for n, at in enumerate(range(0, len(data), MIN_PART), start=1):
        resp = s.client.upload_part(
            Bucket=s.bucket,
            Key=key,
            UploadId=upload["UploadId"],
            PartNumber=n,
            Body=data[at : at + MIN_PART],
        )
        parts.append({"PartNumber": n, "ETag": resp["ETag"]})
    assert len(parts) >= 2
    s.client.complete_multipart_upload(
        Bucket=s.bucket, Key=key, UploadId=upload["UploadId"], MultipartUpload={"Parts": parts}
    )
    assert s.head("v.mp4").sha256 is None  # type: ignore[union-attr]
    s.put_file("v.mp4", src, content_type="video/mp4")
    assert s.stats.skipped == 1 and s.stats.uploaded == 0
