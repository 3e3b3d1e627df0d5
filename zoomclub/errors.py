"""The project's own exception tree.

Every failure that can reach a user is a :class:`ZoomclubError`; the CLI prints its message on one
line and exits with its ``exit_code`` (never a traceback). Errors from requests, boto3, ffmpeg and
the database are translated at the edge with ``raise ... from``.

    ZoomclubError                       base; ``retryable`` says whether trying later may help
    ├── ConfigError                     a setting is missing or wrong (exit 2)
    ├── InputError                      bad user input: arguments, files (exit 2)
    │   └── TranscriptError             a VTT file that cannot be read
    ├── ZoomError                       anything Zoom answered or failed to answer
    │   ├── ZoomAuthError               token endpoint refused us, or a second 401 (permanent)
    │   ├── ZoomNotFound                404 (3001 meeting, 3301 recording, 1001 user)
    │   │   └── RecordingNotReady       404 3301 "still being processed" (retryable)
    │   ├── ZoomRateLimited             429; ``retry_after`` seconds when known (retryable)
    │   ├── ZoomServerError             5xx or a dropped connection (retryable)
    │   ├── ZoomBadResponse             a reply we cannot parse: bad JSON, HTML page (permanent)
    │   └── ZoomRequestError            any other 4xx (permanent)
    ├── DownloadError                   a download ended short, or had the wrong size (retryable)
    ├── StorageError                    the archive store failed (retryable)
    │   └── ObjectNotFound              a key that is not there (permanent)
    ├── MediaError                      ffmpeg/probe failed, or a cut left content past the cut
    ├── WebhookError                    a webhook delivery we refuse (bad signature, stale, ...)
    ├── ArchiveError                    the archive pipeline cannot continue for a session
    └── LockError                       another zoomclub process holds the scheduler lock
"""

from __future__ import annotations


class ZoomclubError(Exception):
    """Base of every error zoomclub raises on purpose."""

    exit_code: int = 1
    retryable: bool = False

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class ConfigError(ZoomclubError):
    exit_code = 2


class InputError(ZoomclubError):
    exit_code = 2


class TranscriptError(InputError):
    """A transcript that cannot be parsed. ``line`` is 1-based when known."""

    def __init__(self, message: str, line: int | None = None) -> None:
        if line is not None:
            message = f"{message} (line {line})"
        super().__init__(message)
        self.line = line


class ZoomError(ZoomclubError):
    """Zoom answered with an error, or did not answer.

    ``status`` is the HTTP status (None when there was no response), ``code`` and ``zoom_message``
    are Zoom's own ``code``/``message`` (or the OAuth ``error``/``reason``) when it sent them.
    """

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        code: int | str | None = None,
        zoom_message: str | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.zoom_message = zoom_message


class ZoomAuthError(ZoomError):
    pass


class ZoomNotFound(ZoomError):
    pass


class RecordingNotReady(ZoomNotFound):
    retryable = True


class ZoomRateLimited(ZoomError):
    retryable = True

    def __init__(self, message: str, *, retry_after: float | None = None, **kw: object) -> None:
        super().__init__(message, **kw)  # type: ignore[arg-type]
        self.retry_after = retry_after


class ZoomServerError(ZoomError):
    retryable = True


class ZoomBadResponse(ZoomError):
    pass


class ZoomRequestError(ZoomError):
    pass


class DownloadError(ZoomclubError):
    retryable = True


class StorageError(ZoomclubError):
    retryable = True


class ObjectNotFound(StorageError):
    retryable = False


class MediaError(ZoomclubError):
    pass


class WebhookError(ZoomclubError):
    """A webhook request we refuse. ``status`` is the HTTP status to answer with."""

    def __init__(self, message: str, status: int = 401) -> None:
        super().__init__(message)
        self.status = status


class ArchiveError(ZoomclubError):
    pass


class LockError(ZoomclubError):
    retryable = True
