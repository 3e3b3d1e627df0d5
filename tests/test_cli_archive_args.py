"""`--boundary` parsing: the organizer's cut is exact or refused with one line."""

from __future__ import annotations

import pytest

from zoomclub.cli.archive import override_from, parse_hms
from zoomclub.errors import InputError


@pytest.mark.parametrize(
    "text, seconds",
    [("00:44:10", 2650.0), ("44:10", 2650.0), ("1:02:03.5", 3723.5), ("2650", 2650.0)],
)
def test_parse_hms(text: str, seconds: float) -> None:
    assert parse_hms(text) == seconds


@pytest.mark.parametrize("text", ["nan", "inf", "-inf", "44:70", "abc", "", "-5", "1:2:3:4"])
def test_bad_boundaries_are_refused(text: str) -> None:
    with pytest.raises(InputError):
        override_from(text or " ", False)


def test_boundary_and_no_trim_exclusive() -> None:
    with pytest.raises(InputError):
        override_from("00:10:00", True)
    assert override_from(None, True) is not None and override_from(None, True).end_s is None  # type: ignore[union-attr]
    assert override_from(None, False) is None


def test_override_refuses_non_finite_cuts_at_the_library_level() -> None:
    from zoomclub.archive.outcome import BoundaryOverride

    for bad in (float("nan"), float("inf"), 0.0, -1.0):
        with pytest.raises(InputError):
            BoundaryOverride(bad)
    assert BoundaryOverride(None).end_s is None
