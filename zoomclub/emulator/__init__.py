"""A faithful Zoom emulator: real HTTP on loopback for the demo and every test.

Three hosts, each a ``ThreadingHTTPServer`` on an ephemeral 127.0.0.1 port:

* ``api``   stands for ``https://api.zoom.us/v2`` (REST, Bearer tokens only);
* ``web``   stands for ``https://zoom.us``: ``/oauth/token``, ``/rec/download/<t>``,
  ``/rec/webhook_download/<a>/<b>`` (both answer 302 to the file host);
* ``files`` a CDN-like host serving signed, auth-free URLs with single-range support.

Behaviour follows /work/shared/docs/zoom-api.md. Where Zoom's behaviour is UNCONFIRMED, these are
the emulator's choices:

* ``me`` as userId answers 404 ``{"code":1001,"message":"User does not exist: me."}`` (S2S tokens
  do not support ``me``). Users are accepted by id or (case-insensitive) email.
* OAuth parameters are read from the form body only; sent in the query string they are ignored,
  which yields 400 ``unsupported_grant_type`` (as a 2024-25 forum report describes). A wrong
  ``account_id`` answers 400 ``{"reason":"Invalid account_id","error":"invalid_request"}``.
* Tokens are valid ``token_ttl_s`` by the emulator clock; earlier tokens stay valid unless
  ``invalidate_old_tokens`` (the 2022 behaviour), then they answer "Invalid access token.".
* UUID paths: unquoted once, and again if the result still holds ``%XX`` escapes. A UUID that
  starts with ``/`` or contains ``//`` is found ONLY when double-encoded (a single-encoded one
  answers 404 3301), so a client that skips Zoom's double-encoding rule fails like it would live.
  Generated UUIDs never need double encoding; pass ``uuid=`` (e.g. :data:`DOUBLE_ENCODE_UUID`)
  to exercise it.
* ``GET /meetings/{id}/recordings`` with a numeric id → latest instance by start time (even while
  it is processing: 404 3301 "still being processed" until ``ready_at``). TRANSCRIPT entries
  appear only from ``transcript_ready_at`` and their downloads 404 before that; CC (live
  captions) comes with the media.
* Files: per segment one MP4 per ``video_types`` entry, one M4A (audio_only) and, with a
  transcript, one TRANSCRIPT (VTT); CHAT (TXT) and TIMELINE (JSON) span the whole instance.
  Media are real H.264+AAC / AAC made by ffmpeg and cached by duration (:mod:`.media`).
* TIMELINE entries alternate: odd-numbered recorded instances (1st, 3rd, ...) carry Zoom's
  documented bare shape (no id/status/file_size/recording_type/play_url), even ones the observed
  full shape; webhook payloads always carry the full shape (their schema requires ``id``).
* Webhooks: ``recording.completed`` lists the media without the audio transcript (whose
  ``recording_type`` its schema does not allow); ``recording.transcript_completed`` lists only
  TRANSCRIPT; ``meeting.ended`` has a string ``id`` and no operator fields (its schema forbids
  them). ``deliver_webhook_with_retries`` follows Zoom's 5/20/60-minute retries on the
  emulator clock until a 200/204.
* ``type`` in recording objects is an int (as in webhooks and every observed payload), though the
  REST schema says string; TIMELINE entries appear in REST listings though the REST ``file_type``
  enum omits them (Zoom documents them in prose). tests/test_contract.py records both deviations.
* ``/rec/download`` accepts only ``Authorization: Bearer`` (API token or an ``include_fields=
  download_access_token`` token); ``?access_token=`` is refused like on the API.
  ``/rec/webhook_download`` accepts only that instance's webhook ``download_token`` (24 h), as
  Bearer or ``?access_token=``. Both answer 302 to ``files_url/file/<id>/<name>?Expires=&Signature=``
  (HMAC-SHA256, 6 h by the emulator clock). The file host answers ``video/mp4``, ``audio/mp4``,
  ``text/vtt``, ``text/plain``, ``application/json``; ``Accept-Ranges: bytes``; one range →
  206 + ``Content-Range``; unsatisfiable → 416; ``files_ignore_range`` → always 200 + full body.
* Quota: create + update per host user per UTC day (emulator clock); the request over the quota
  answers 429 with ``X-RateLimit-Type: Daily-limit`` and ``Retry-After`` = next 00:00Z (ISO).
  Only requests that pass validation count.
* ``GET /users/{id}/recordings``: ``from`` defaults to today, ``to`` to tomorrow (UTC); ``from``
  earlier than one calendar month before ``to`` is narrowed silently; processing instances are
  not listed; ``trash=true`` lists trashed instances.
* ``next_page_token`` lives 15 minutes (emulator clock) and is bound to its query.
* Unknown API paths answer 404 ``{"code":404,"message":"No handler ..."}``; injected 502/503
  faults answer an HTML page like a gateway would.
* ``emu.requests`` paths are raw (still percent-encoded) and start with ``/v2`` on the API host.
"""

from zoomclub.emulator.core import ZoomEmulator, needs_double_encoding
from zoomclub.emulator.model import Fault, RecordedInstance, RequestRecord, Segment
from zoomclub.emulator.signing import encrypted_token, webhook_signature
from zoomclub.emulator.webhooks import signed_request, url_validation_payload

DOUBLE_ENCODE_UUID = "/ajXp112QmuoKj4854875=="
"""A UUID that starts with ``/``: Zoom requires it URL-encoded twice in paths."""
INNER_SLASHES_UUID = "Ab/c//d+eFgHiJkLmNoPqR=="
"""A UUID that contains ``//`` (and ``+``): also double-encoded."""

__all__ = [
    "DOUBLE_ENCODE_UUID",
    "INNER_SLASHES_UUID",
    "Fault",
    "RecordedInstance",
    "RequestRecord",
    "Segment",
    "ZoomEmulator",
    "encrypted_token",
    "needs_double_encoding",
    "signed_request",
    "url_validation_payload",
    "webhook_signature",
]
