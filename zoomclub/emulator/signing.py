"""HMAC helpers: webhook signatures (Zoom's ``v0`` scheme), URL-validation tokens, signed file URLs."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from typing import Any


def compact_json(obj: Any) -> bytes:
    """The exact bytes Zoom sends and signs: compact separators, UTF-8, key order kept."""
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def webhook_signature(secret: str, timestamp: int | str, raw_body: bytes) -> str:
    """``x-zm-signature``: ``v0=`` + hex HMAC-SHA256 of ``v0:<timestamp>:<raw body>``."""
    message = b"v0:" + str(timestamp).encode() + b":" + raw_body
    return "v0=" + hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def encrypted_token(secret: str, plain_token: str) -> str:
    """The ``encryptedToken`` an endpoint must answer to ``endpoint.url_validation``."""
    return hmac.new(secret.encode(), plain_token.encode(), hashlib.sha256).hexdigest()


def sign_file(secret: bytes, file_id: str, expires: int) -> str:
    return hmac.new(secret, f"{file_id}:{expires}".encode(), hashlib.sha256).hexdigest()


def check_file_signature(secret: bytes, file_id: str, expires: int, signature: str) -> bool:
    return hmac.compare_digest(sign_file(secret, file_id, expires), signature)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def jwt_like(secret: bytes, claims: dict[str, Any]) -> str:
    """A JWT-shaped opaque token (HS512 like Zoom's); the emulator still looks tokens up by value."""
    header = _b64(compact_json({"alg": "HS512", "v": "2.0", "kid": "emulator"}))
    payload = _b64(compact_json(claims))
    sig = _b64(hmac.new(secret, f"{header}.{payload}".encode(), hashlib.sha512).digest())
    return f"{header}.{payload}.{sig}"
