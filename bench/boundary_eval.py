"""Evaluate the Q&A boundary detector on the labelled set in tests/data/boundary/.

    python bench/boundary_eval.py [DIR] [--quiet]

Per case and in total (definitions from issue 4):
  correct       cut within [closing_start - 5 s, first_qa + 0.5 s]; or, when there is no Q&A,
                no cut (or a cut after all speech, which loses nothing)
  leaked        not held, and the cut is later than first_qa + 0.5 s (or no cut while there is Q&A)
  over-trimmed  not held, and the cut is earlier than the window above
  held          needs_review (published nothing)
Exit status 1 when any case leaked.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from zoomclub.transcript.boundary import BoundaryDecision, detect_boundary
from zoomclub.transcript.vtt import parse_vtt

DEFAULT_DIR = Path(__file__).resolve().parent.parent / "tests" / "data" / "boundary"


def classify(d: BoundaryDecision, label: dict, last_speech_s: float) -> str:
    if d.needs_review:
        return "held"
    cut, qa, closing = d.facilitation_end_s, label["first_qa_s"], label["closing_start_s"]
    if qa is None:
        return "correct" if cut is None or cut >= last_speech_s - 0.5 else "over-trimmed"
    if cut is None or cut > qa + 0.5:
        return "leaked"
    if cut < closing - 5:
        return "over-trimmed"
    return "correct"


def evaluate(folder: Path, quiet: bool = False) -> dict[str, int]:
    labels = json.loads((folder / "labels.json").read_text(encoding="utf-8"))
    totals = {"correct": 0, "leaked": 0, "over-trimmed": 0, "held": 0}
    slowest = 0.0
    for name, label in sorted(labels.items()):
        cues = parse_vtt((folder / name).read_bytes(), source=name).cues
        t0 = time.perf_counter()
        d = detect_boundary(cues, facilitation_minutes=label["facilitation_minutes"])
        slowest = max(slowest, time.perf_counter() - t0)
        outcome = classify(d, label, max(c.end_ms for c in cues) / 1000)
        totals[outcome] += 1
        if not quiet or outcome != "correct":
            cut = "none" if d.facilitation_end_s is None else f"{d.facilitation_end_s:8.1f}"
            qa = "none" if label["first_qa_s"] is None else f"{label['first_qa_s']:8.1f}"
            print(
                f"{name:16} {outcome:12} cut={cut:>8} closing={label['closing_start_s']:8.1f} "
                f"first_qa={qa:>8} conf={d.confidence:.2f} {d.reason} | {label['notes']}"
            )
    n = sum(totals.values())
    print(
        f"\n{n} cases: "
        + ", ".join(f"{k} {v} ({100 * v / n:.1f}%)" for k, v in totals.items())
        + f"; slowest decision {slowest * 1000:.1f} ms"
    )
    return totals


def main(argv: list[str]) -> int:
    args = [a for a in argv if not a.startswith("--")]
    totals = evaluate(Path(args[0]) if args else DEFAULT_DIR, quiet="--quiet" in argv)
    return 1 if totals["leaked"] else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
