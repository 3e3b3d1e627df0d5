"""`zoomclub schedule` and `zoomclub meeting` as an organizer runs them (the real entry point)."""

from __future__ import annotations

import contextlib
import io
import json
import os
from dataclasses import dataclass
from pathlib import Path

import pytest

from zoomclub.cli import main
from zoomclub.emulator import ZoomEmulator


@dataclass
class Result:
    returncode: int
    stdout: str
    stderr: str


def zc(args: list[str], env: dict[str, str], cwd: Path) -> Result:
    """Run `zoomclub ARGS` through its real entry point, in this process, with ``env``."""
    mp = pytest.MonkeyPatch()
    try:
        for k in [k for k in os.environ if k.startswith("ZOOMCLUB_")]:
            mp.delenv(k)
        for k, v in env.items():
            if k.startswith("ZOOMCLUB_"):
                mp.setenv(k, v)
        mp.chdir(cwd)
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                main(args)
                code = 0
            except SystemExit as exc:
                code = int(exc.code or 0)
        return Result(code, out.getvalue(), err.getvalue())
    finally:
        mp.undo()


def base_env(tmp_path: Path) -> dict[str, str]:
    return {"ZOOMCLUB_DATABASE_URL": f"sqlite:///{tmp_path / 'club.db'}"}


def test_plan_a_term_from_the_command_line(tmp_path: Path) -> None:
    env = base_env(tmp_path)
    plan = tmp_path / "term.csv"
    plan.write_text(
        "date,title,url,facilitator,skip\n"
        "2030-01-09,Attention Is All You Need,https://arxiv.org/abs/1706.03762,Ada,\n"
        "2030-01-16,,,,yes\n"
    )
    out = zc(["schedule", "import", str(plan), "--json"], env, tmp_path)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["added"] == 1
    out = zc(["schedule", "edit", "2030-01-09", "--facilitator", "Grace", "--json"], env, tmp_path)
    assert json.loads(out.stdout)["facilitator"] == "Grace"
    out = zc(
        ["schedule", "list", "--from", "2030-01-09", "--to", "2030-01-23", "--json"], env, tmp_path
    )
    rows = [json.loads(line) for line in out.stdout.splitlines()]
    assert [(r["date"], r["skipped"]) for r in rows] == [
        ("2030-01-09", False),
        ("2030-01-16", True),
        ("2030-01-23", False),
    ]


def test_bad_input_is_one_line_and_exit_2(tmp_path: Path) -> None:
    env = base_env(tmp_path)
    bad = tmp_path / "bad.csv"
    bad.write_text("date,title\nnot-a-date,X\n")
    for args in (
        ["schedule", "import", str(bad)],
        ["schedule", "import", str(tmp_path / "missing.toml")],
        ["schedule", "edit", "2030-02-30", "--title", "x"],
        ["schedule", "remove", "2030-01-09"],
        ["schedule", "add", "--date", "2030-01-09", "--url", "javascript:alert(1)"],
        ["meeting", "create", "--date", "2030-01-09"],  # no Zoom credentials configured
    ):
        out = zc(args, env, tmp_path)
        assert out.returncode == 2, (args, out.stderr)
        assert out.stderr.startswith("zoomclub: error: ") and out.stderr.count("\n") == 1, (
            out.stderr
        )
        assert "Traceback" not in out.stderr


def test_meeting_create_by_hand_is_idempotent(zoom_emulator: ZoomEmulator, tmp_path: Path) -> None:
    env = base_env(tmp_path) | zoom_emulator.env()
    zoom_emulator.clock.set(zoom_emulator.clock.now().replace(year=2029))  # type: ignore[attr-defined]
    first = zc(["meeting", "create", "--date", "2030-01-09", "--json"], env, tmp_path)
    assert first.returncode == 0, first.stderr
    again = zc(["meeting", "create", "--date", "2030-01-09", "--json"], env, tmp_path)
    assert [json.loads(x)["result"] for x in (first.stdout, again.stdout)] == [
        "created",
        "unchanged",
    ]
    assert len(zoom_emulator.meeting_ids()) == 1
