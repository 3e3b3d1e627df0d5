"""One contract suite, run over every backend: a local directory, S3 on moto, S3 on rclone.

The contract itself is written in zoomclub/storage/base.py; each test names the clause it checks.
"""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

import pytest
import requests
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.fixtures_s3 import S3Server
from zoomclub.errors import InputError, ObjectNotFound, StorageError
from zoomclub.storage import ObjectInfo, Storage, guess_content_type, open_storage, validate_key
from zoomclub.storage.local import LocalStorage
from zoomclub.storage.s3 import MIN_PART, S3Storage

MiB = 2**20
BIG = 2 * MIN_PART + 12345  # three parts on S3


@pytest.fixture(params=["local", "moto", "rclone"])
def storage(request: pytest.FixtureRequest, tmp_path: Path) -> Storage:
    if request.param == "local":
        local: LocalStorage = request.getfixturevalue("local_storage")
        return local
    monkeypatch: pytest.MonkeyPatch = request.getfixturevalue("monkeypatch")
    server: S3Server = request.getfixturevalue(f"{request.param}_s3")
    for name, value in server.env.items():
        monkeypatch.setenv(name, value)
    return open_storage(
        f"s3://{server.new_bucket()}/club/archive",
        endpoint_url=server.endpoint_url,
        part_size=MIN_PART,
        concurrency=3,
    )


def stats(storage: Storage) -> tuple[int, int]:
    s = storage.stats  # type: ignore[attr-defined]
    return s.uploaded, s.skipped


def make_file(path: Path, size: int, seed: int = 0) -> str:
    """A file of pseudo-random bytes (no two parts alike); returns its sha256."""
    h = hashlib.sha256()
    block = hashlib.sha512(str(seed).encode()).digest() * 16384  # 1 MiB
    with open(path, "wb") as f:
        left = size
        i = 0
        while left:
            chunk = (i.to_bytes(8, "big") + block)[: min(left, MiB)]
            f.write(chunk)
            h.update(chunk)
            left -= len(chunk)
            i += 1
    return h.hexdigest()


# -- round trips and content types -------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "content_type"),
    [
        ("sessions/2026-01-07-a/video.mp4", "video/mp4"),
        ("sessions/2026-01-07-a/audio.m4a", "audio/mp4"),
        ("sessions/2026-01-07-a/transcript.vtt", "text/vtt"),
        ("sessions/2026-01-07-a/session.json", "application/json"),
        ("index.html", "text/html; charset=utf-8"),
    ],
)
def test_put_bytes_round_trip_keeps_content_type_and_sha(
    storage: Storage, key: str, content_type: str
) -> None:
    data = f"content of {key}".encode()
    info = storage.put_bytes(key, data, content_type=content_type)
    sha = hashlib.sha256(data).hexdigest()
    assert info == ObjectInfo(key, len(data), sha, content_type)
    assert storage.get_bytes(key) == data
    assert storage.head(key) == ObjectInfo(key, len(data), sha, content_type)
    assert storage.exists(key)


@pytest.mark.parametrize("size", [0, 1, MIN_PART - 1, MIN_PART, BIG])
def test_put_file_and_download_any_size(storage: Storage, tmp_path: Path, size: int) -> None:
    src = tmp_path / "src.bin"
    sha = make_file(src, size, seed=size)
    info = storage.put_file("sessions/x/video.mp4", src, content_type="video/mp4")
    assert (info.size, info.sha256, info.content_type) == (size, sha, "video/mp4")
    assert storage.head("sessions/x/video.mp4") == info
    dest = tmp_path / "out" / "video.mp4"
    storage.download_file("sessions/x/video.mp4", dest)
    assert dest.read_bytes() == src.read_bytes()
    assert not [p for p in dest.parent.iterdir() if p != dest]  # no temp file left beside it


def test_unicode_and_space_keys(storage: Storage) -> None:
    key = "sessions/2026-01-07-café/notes for members.txt"
    storage.put_bytes(key, b"x", content_type="text/plain")
    assert [i.key for i in storage.list("sessions/")] == [key]
    assert storage.get_bytes(key) == b"x"


# -- idempotency --------------------------------------------------------------------------------


def test_identical_put_uploads_nothing(storage: Storage, tmp_path: Path) -> None:
    src = tmp_path / "v.mp4"
    sha = make_file(src, BIG)
    first = storage.put_file("s/v.mp4", src, content_type="video/mp4")
    assert stats(storage) == (1, 0)
    again = storage.put_file("s/v.mp4", src, content_type="video/mp4")
    assert again == first
    # With the hash given, the file is not even read: a path that no longer exists is fine.
    src.unlink()
    given = storage.put_file("s/v.mp4", src, content_type="video/mp4", sha256=sha.upper())
    assert given.sha256 == sha
    storage.put_bytes("s/a.json", b"{}", content_type="application/json")
    storage.put_bytes("s/a.json", b"{}", content_type="application/json")
    assert stats(storage) == (2, 3)


def test_changed_content_or_type_replaces(storage: Storage) -> None:
    storage.put_bytes("s/a.json", b"[1]", content_type="application/json")
    storage.put_bytes("s/a.json", b"[2]", content_type="application/json")
    assert storage.get_bytes("s/a.json") == b"[2]"
    info = storage.put_bytes("s/a.json", b"[2]", content_type="text/plain")
    assert storage.head("s/a.json") == info
    assert info.content_type == "text/plain"
    assert stats(storage) == (3, 0)


def test_wrong_sha_given_stores_nothing(storage: Storage, tmp_path: Path) -> None:
    src = tmp_path / "v.mp4"
    make_file(src, 1000)
    with pytest.raises(StorageError, match="sha256"):
        storage.put_file("s/v.mp4", src, content_type="video/mp4", sha256="0" * 64)
    assert storage.head("s/v.mp4") is None
    with pytest.raises(InputError):
        storage.put_file("s/v.mp4", src, content_type="video/mp4", sha256="not-a-hash")


# -- absent keys, listing, deleting ---------------------------------------------------------


def test_absent_keys(storage: Storage, tmp_path: Path) -> None:
    assert storage.head("nope/x.json") is None
    assert not storage.exists("nope/x.json")
    with pytest.raises(ObjectNotFound):
        storage.get_bytes("nope/x.json")
    with pytest.raises(ObjectNotFound):
        storage.download_file("nope/x.json", tmp_path / "x.json")
    assert not (tmp_path / "x.json").exists()
    storage.delete("nope/x.json")  # idempotent


def test_a_folder_is_not_an_object(storage: Storage, tmp_path: Path) -> None:
    storage.put_bytes("sessions/a/x.json", b"{}", content_type="application/json")
    assert storage.head("sessions/a") is None
    assert not storage.exists("sessions")
    with pytest.raises(ObjectNotFound):
        storage.get_bytes("sessions/a")
    with pytest.raises(ObjectNotFound):
        storage.download_file("sessions/a", tmp_path / "a")
    storage.delete("sessions/a")  # absent as an object: fine, and the object below survives
    assert storage.get_bytes("sessions/a/x.json") == b"{}"


def test_local_object_under_an_object_is_a_clear_error(local_storage: LocalStorage) -> None:
    """A directory cannot be a file too; S3 would allow it, keys from dates and ids never do."""
    local_storage.put_bytes("a", b"x", content_type="text/plain")
    with pytest.raises(StorageError, match="cannot write a/b") as info:
        local_storage.put_bytes("a/b", b"y", content_type="text/plain")
    assert "\n" not in str(info.value)
    assert local_storage.get_bytes("a") == b"x"


def test_list_is_recursive_sorted_and_prefix_filtered(storage: Storage) -> None:
    keys = ["b", "a/z/deep.txt", "a-b", "a0", "a.b", "a/x.json", "ab/c"]
    for k in keys:
        storage.put_bytes(k, k.encode(), content_type="text/plain")
    listed = list(storage.list())
    assert [i.key for i in listed] == sorted(keys)
    assert {i.key: i.size for i in listed} == {k: len(k) for k in keys}
    assert [i.key for i in storage.list("a/")] == ["a/x.json", "a/z/deep.txt"]
    assert [i.key for i in storage.list("a")] == sorted(k for k in keys if k.startswith("a"))
    assert [i.key for i in storage.list("a/z/d")] == ["a/z/deep.txt"]
    assert list(storage.list("zzz/")) == []


def test_delete_removes_only_that_key(storage: Storage) -> None:
    storage.put_bytes("s/a.txt", b"a", content_type="text/plain")
    storage.put_bytes("s/b.txt", b"b", content_type="text/plain")
    storage.delete("s/a.txt")
    storage.delete("s/a.txt")
    assert [i.key for i in storage.list()] == ["s/b.txt"]
    # And a deleted key can be written again (and is an upload, not a skip).
    storage.put_bytes("s/a.txt", b"a", content_type="text/plain")
    assert storage.get_bytes("s/a.txt") == b"a"


# -- keys are never trusted -----------------------------------------------------------------

UNSAFE = [
    "",
    "/abs/key",
    "../escape",
    "a/../../b",
    "a/./b",
    "a//b",
    "a/",
    "a\\b",
    "a\x00b",
    "a\nb",
    "a\x7f",
    ".zc-meta/x",
    "a/.zc-tmp-1-b",
]


def test_unsafe_keys_are_refused_everywhere(storage: Storage, tmp_path: Path) -> None:
    src = tmp_path / "f"
    src.write_bytes(b"x")
    calls: list[Callable[[str], object]] = [
        lambda k: storage.put_bytes(k, b"x", content_type="text/plain"),
        lambda k: storage.put_file(k, src, content_type="text/plain"),
        storage.get_bytes,
        lambda k: storage.download_file(k, tmp_path / "d"),
        storage.head,
        storage.exists,
        storage.delete,
        storage.url_for,
    ]
    for key in UNSAFE:
        for call in calls:
            with pytest.raises(InputError, match="storage key"):
                call(key)
    assert list(storage.list()) == []


def test_unsafe_list_prefix_refused(storage: Storage) -> None:
    for prefix in ["../", "/x", "a//", "a\\"]:
        with pytest.raises(InputError):
            list(storage.list(prefix))


# -- urls and health --------------------------------------------------------------------------


def test_url_for(storage: Storage) -> None:
    storage.put_bytes("s/page one.html", b"<p>hi</p>", content_type="text/html")
    if isinstance(storage, LocalStorage):
        assert Path(storage.url_for("s/page one.html")).read_bytes() == b"<p>hi</p>"
        return
    public = storage.url_for("s/page one.html")
    assert public.endswith("/club/archive/s/page%20one.html")
    signed = storage.url_for("s/page one.html", expires_s=300)
    r = requests.get(signed, timeout=10)
    assert r.status_code == 200
    assert r.content == b"<p>hi</p>"
    assert r.headers["Content-Type"].startswith("text/html")
    with pytest.raises(InputError):
        storage.url_for("s/page one.html", expires_s=8 * 24 * 3600)


def test_check_passes_on_a_healthy_store(storage: Storage) -> None:
    storage.check()


# -- atomicity under concurrency and kill -9 ---------------------------------------------------


def test_concurrent_writers_leave_one_whole_version(storage: Storage, tmp_path: Path) -> None:
    paths = []
    for i in range(3):
        p = tmp_path / f"v{i}.mp4"
        make_file(p, MIN_PART + 1000 * i, seed=i)
        paths.append(p)
    errors: list[BaseException] = []

    def put(p: Path) -> None:
        try:
            storage.put_file("s/v.mp4", p, content_type="video/mp4")
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=put, args=(p,)) for p in paths]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    dest = tmp_path / "got.mp4"
    storage.download_file("s/v.mp4", dest)
    assert dest.read_bytes() in [p.read_bytes() for p in paths]


KILL_CHILD = textwrap.dedent(
    """
    import os, sys, time
    from pathlib import Path
    from zoomclub.storage import open_storage

    kind, url, endpoint, src, ready, sha = sys.argv[1:7]

    class StallOnPart3:
        # Wraps the real boto3 client; parts 1-2 go up, part 3 hangs until we are killed.
        def __init__(self, real):
            self._real = real
        def __getattr__(self, name):
            return getattr(self._real, name)
        def upload_part(self, **kw):
            if kw["PartNumber"] >= 3:
                Path(ready).write_text("stalled")
                time.sleep(600)
            return self._real.upload_part(**kw)

    if kind == "local":
        store = open_storage(url)
        store.put_file("s/v.mp4", Path(src), content_type="video/mp4", sha256=sha)
    else:
        from zoomclub.storage.s3 import make_s3_client
        client = StallOnPart3(make_s3_client(endpoint))
        store = open_storage(url, endpoint_url=endpoint, part_size=5 * 2**20, concurrency=1,
                             client=client)
        store.put_file("s/v.mp4", Path(src), content_type="video/mp4")
    """
)


def _wait_for(predicate: object, proc: subprocess.Popen[bytes], what: str) -> None:
    deadline = time.monotonic() + 30
    while not predicate():  # type: ignore[operator]
        if proc.poll() is not None:
            raise AssertionError(f"writer exited before {what}: {proc.stderr.read()!r}")  # type: ignore[union-attr]
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.02)  # watching another process; there is no clock to inject


def test_writer_killed_mid_upload_leaves_old_version_and_cleanable_leftovers(
    storage: Storage, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    old = tmp_path / "old.mp4"
    make_file(old, 1000, seed=1)
    storage.put_file("s/v.mp4", old, content_type="video/mp4")
    ready = tmp_path / "ready"
    env = dict(os.environ)
    if isinstance(storage, LocalStorage):
        # The writer reads from a pipe we feed by hand, so we can kill it mid-copy.
        src = tmp_path / "fifo"
        os.mkfifo(src)
        args = ["local", str(storage.root), "", str(src), str(ready), "ab" * 32]
    else:
        assert isinstance(storage, S3Storage)
        src = tmp_path / "new.mp4"
        make_file(src, 4 * MIN_PART, seed=2)
        url = f"s3://{storage.bucket}/{storage.prefix}"
        args = ["s3", url, storage.endpoint_url or "", str(src), str(ready), ""]
    proc = subprocess.Popen(
        [sys.executable, "-c", KILL_CHILD, *args],
        env=env,
        stderr=subprocess.PIPE,
        cwd=Path(__file__).resolve().parent.parent,
    )
    try:
        if isinstance(storage, LocalStorage):
            with open(src, "wb") as pipe:
                pipe.write(os.urandom(3 * MiB))
                pipe.flush()
                temp_dir = storage.root / "s"

                def copying() -> bool:
                    return any(
                        p.name.startswith(".zc-tmp-") and p.stat().st_size >= MiB
                        for p in temp_dir.iterdir()
                    )

                _wait_for(copying, proc, "the copy to start")
                proc.send_signal(signal.SIGKILL)
                proc.wait()
        else:
            _wait_for(ready.exists, proc, "part 3")
            proc.send_signal(signal.SIGKILL)
            proc.wait()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    # Nothing of the new version is visible; the old one is intact.
    assert storage.get_bytes("s/v.mp4") == old.read_bytes()
    assert [i.key for i in storage.list()] == ["s/v.mp4"]
    # The leftovers are found and cleaned, once.
    if request.node.callspec.params["storage"] != "moto":  # moto reports Initiated as 2010
        assert storage.abort_stale_uploads(older_than_s=3600) == 0  # too recent to be stale
    assert storage.abort_stale_uploads("other/") == 0
    assert storage.abort_stale_uploads("s/") == 1
    assert storage.abort_stale_uploads() == 0
    assert storage.get_bytes("s/v.mp4") == old.read_bytes()
    if isinstance(storage, LocalStorage):
        assert not [p for p in storage.root.rglob("*") if p.name.startswith(".zc-tmp-")]
    else:
        assert isinstance(storage, S3Storage)
        left = storage.client.list_multipart_uploads(Bucket=storage.bucket)
        assert left.get("Uploads", []) == []


# -- opening ----------------------------------------------------------------------------------


def test_open_storage_local_creates_directory(tmp_path: Path) -> None:
    store = open_storage(str(tmp_path / "a" / "b"))
    assert isinstance(store, LocalStorage)
    assert (tmp_path / "a" / "b").is_dir()
    assert store.description == str((tmp_path / "a" / "b").resolve())


def test_open_storage_s3_description_and_prefix() -> None:
    store = open_storage("s3://my-bucket/club/archive/", endpoint_url="http://127.0.0.1:9/")
    assert isinstance(store, S3Storage)
    assert (store.bucket, store.prefix) == ("my-bucket", "club/archive/")
    assert store.description == "s3://my-bucket/club/archive (endpoint http://127.0.0.1:9)"
    assert open_storage("s3://my-bucket").description == "s3://my-bucket"


@pytest.mark.parametrize("url", ["ftp://x/y", "s3://", "s3://bucket/../x", "  "])
def test_open_storage_refuses_bad_urls(url: str) -> None:
    from zoomclub.errors import ConfigError

    with pytest.raises(ConfigError):
        open_storage(url)


# -- key validation, as a property ----------------------------------------------------------


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("ab./\\-_ é\x00\n\x1f")), max_size=12))
def test_an_accepted_key_stays_inside_the_archive(key: str) -> None:
    root = Path("/srv/archive")
    try:
        validate_key(key)
    except InputError:
        return
    segments = key.split("/")
    assert all(s not in ("", ".", "..") for s in segments)
    assert not any(c in key for c in "\\\x00\n\x1f")
    resolved = Path(os.path.normpath(root.joinpath(*segments)))
    assert resolved.is_relative_to(root) and resolved != root


def test_local_transfers_stream(local_storage: LocalStorage, tmp_path: Path) -> None:
    src = tmp_path / "big.mp4"
    make_file(src, 32 * MiB)
    tracemalloc.start()
    try:
        local_storage.put_file("s/big.mp4", src, content_type="video/mp4")
        local_storage.download_file("s/big.mp4", tmp_path / "back.mp4")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert (tmp_path / "back.mp4").stat().st_size == 32 * MiB
    assert peak < 4 * MiB, peak


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        ("s/video.mp4", "video/mp4"),
        ("s/audio.M4A", "audio/mp4"),
        ("s/transcript.vtt", "text/vtt"),
        ("s/session.json", "application/json"),
        ("index.html", "text/html"),
        ("feed.xml", "application/xml"),
        ("club.ics", "text/calendar"),
        ("s/blob", "application/octet-stream"),
    ],
)
def test_guess_content_type(key: str, expected: str) -> None:
    assert guess_content_type(key) == expected
