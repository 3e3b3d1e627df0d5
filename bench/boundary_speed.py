"""How long does the boundary decision take for a 2-hour session? (target: < 100 ms)

    python bench/boundary_speed.py [--runs 20]

Builds 2-hour sessions with the labelled-set generator (audio transcript and closed captions) plus
a worst case of one-second cues from alternating speakers, then times parse_vtt and
detect_boundary separately (best and median of N runs, and the worst run).
"""

from __future__ import annotations

import argparse
import importlib.util
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

from zoomclub.transcript.boundary import detect_boundary
from zoomclub.transcript.vtt import Cue, parse_vtt, render_vtt

GEN = Path(__file__).resolve().parent.parent / "tests" / "data" / "boundary" / "generate.py"


def _generator() -> object:
    spec = importlib.util.spec_from_file_location("boundary_generate", GEN)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def _timed(fn: Callable[[], object], runs: int) -> tuple[float, float, float]:
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    return min(times), statistics.median(times), max(times)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=20)
    runs = ap.parse_args().runs
    gen = _generator()
    two_hours = {"club": 4, "minutes": 100, "qa": "long", "overrun": 1.05}
    cases: dict[str, str] = {
        "2 h audio transcript": gen.build(two_hours, 1)[0],  # type: ignore[attr-defined]
        "2 h closed captions": gen.build({**two_hours, "cc": True}, 1)[0],  # type: ignore[attr-defined]
    }
    worst = [
        Cue(i * 1000, i * 1000 + 900, "so what about the baseline then", f"Speaker {i % 7}")
        for i in range(7200)
    ]
    cases["2 h of 1-s cues, 7 speakers"] = render_vtt(worst)
    print(
        f"{'case':32} {'cues':>6} {'parse ms (best/median/worst)':>30} {'decide ms (best/median/worst)':>31}"
    )
    for name, text in cases.items():
        cues = parse_vtt(text).cues
        p = _timed(lambda text=text: parse_vtt(text), runs)
        d = _timed(lambda cues=cues: detect_boundary(cues, facilitation_minutes=100), runs)
        span = (cues[-1].end_ms - cues[0].start_ms) / 3_600_000
        print(
            f"{name:32} {len(cues):6d} {p[0]:9.1f} /{p[1]:7.1f} /{p[2]:7.1f}     "
            f"{d[0]:9.1f} /{d[1]:7.1f} /{d[2]:7.1f}   ({span:.2f} h)"
        )


if __name__ == "__main__":
    main()
