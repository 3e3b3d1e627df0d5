"""Zoom fixtures: a started :class:`~zoomclub.emulator.ZoomEmulator` on loopback with a FakeClock."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from zoomclub.clock import FakeClock
from zoomclub.emulator import ZoomEmulator


@pytest.fixture
def fake_clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def zoom_emulator(fake_clock: FakeClock) -> Iterator[ZoomEmulator]:
    """A started emulator whose clock is ``zoom_emulator.clock`` (the ``fake_clock`` fixture)."""
    with ZoomEmulator(clock=fake_clock) as emu:
        yield emu
