"""The README's first command: `zoomclub demo` runs the real pipeline on embedded defaults."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path


def test_demo_runs_the_whole_story(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ZOOMCLUB_")}
    proc = subprocess.run(
        [sys.executable, "-m", "zoomclub", "demo", "--dir", str(tmp_path / "d"), "--json"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout.strip().splitlines()[-1])
    final = {o["session"]: o["status"] for o in report["outcomes"]}
    assert len(final) == 4 and set(final.values()) == {"archived"}, report["outcomes"]
    statuses = [o["status"] for o in report["outcomes"]]
    assert "pending" in statuses  # the late transcript was waited for, not skipped
    archive = Path(report["archive"])
    catalog = json.loads((archive / "catalog.json").read_text())
    assert len(catalog["sessions"]) == 4
    qa = next(s for s in catalog["sessions"] if "dense-passage" in s["key"])
    assert qa["boundary"]["facilitation_end_s"] < qa["original_duration_s"] - 500
    two = next(s for s in catalog["sessions"] if "chinchilla" in s["key"])
    assert two["segments"]["kept"] == 2 and two["segments"]["dropped"]
    assert (archive / "index.html").is_file()
    assert any(m["result"] == "created" for m in report["meetings"])
