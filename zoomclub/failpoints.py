"""Named failpoints for crash tests: ``ZOOMCLUB_FAILPOINT=<name>`` makes the process kill itself
with SIGKILL (a real ``kill -9``, no cleanup, no finally blocks) when it reaches that point.

The kill tests run the CLI as a subprocess with a failpoint set, then run it again and compare the
archive byte for byte. Without the variable this is a dictionary lookup and nothing else.
"""

from __future__ import annotations

import os
import signal

ENV = "ZOOMCLUB_FAILPOINT"


def hit(name: str) -> None:
    if os.environ.get(ENV) == name:
        os.kill(os.getpid(), signal.SIGKILL)
