"""`zoomclub boundary`: in-process through click, and as a subprocess for exit codes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from zoomclub.cli import cli

DATA = Path(__file__).parent / "data" / "boundary"
LABELS = json.loads((DATA / "labels.json").read_text(encoding="utf-8"))
ROOT = Path(__file__).resolve().parent.parent


def _case(want_qa: bool) -> tuple[Path, dict]:
    for name, label in sorted(LABELS.items()):
        if (label["first_qa_s"] is not None) == want_qa and "-cc" not in name:
            return DATA / name, label
    raise AssertionError("labelled set lacks such a case")


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ZOOMCLUB_")}
    env["PYTHONPATH"] = str(ROOT)
    return subprocess.run(
        [sys.executable, "-m", "zoomclub", "boundary", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_json_is_exactly_one_object_with_the_cut() -> None:
    path, label = _case(want_qa=True)
    minutes = str(label["facilitation_minutes"])
    result = CliRunner().invoke(
        cli, ["boundary", str(path), "--json", "--facilitation-minutes", minutes]
    )
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert list(payload) == ["facilitation_end", "needs_review", "confidence", "reason", "evidence"]
    assert payload["needs_review"] is False
    assert label["closing_start_s"] - 5 <= payload["facilitation_end"] <= label["first_qa_s"] + 0.5


def test_text_output_for_a_recording_without_qa() -> None:
    path, label = _case(want_qa=False)
    result = CliRunner().invoke(
        cli, ["boundary", str(path), "--facilitation-minutes", str(label["facilitation_minutes"])]
    )
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("no Q&A in this recording: keep it whole")
    assert "  - presenters:" in result.stdout


def test_a_hold_is_an_answer_exit_0(tmp_path: Path) -> None:
    vtt = tmp_path / "chat.vtt"
    vtt.write_text("WEBVTT\n\n1\n00:00:01.000 --> 00:00:03.000\nAda: Hi, can you hear me?\n")
    result = CliRunner().invoke(
        cli, ["boundary", str(vtt), "--json", "--facilitation-minutes", "45"]
    )
    assert result.exit_code == 0
    assert json.loads(result.stdout)["needs_review"] is True
    text = CliRunner().invoke(cli, ["boundary", str(vtt), "--facilitation-minutes", "45"])
    assert text.stdout.startswith("HOLD for an organizer")


def test_recoveries_are_warned_on_stderr(tmp_path: Path) -> None:
    vtt = tmp_path / "crlf.vtt"
    vtt.write_bytes(b"\xef\xbb\xbfWEBVTT\r\n\r\n00:00:01,000 --> 00:00:03,000\r\nAda: Hi\r\n")
    result = CliRunner().invoke(
        cli, ["boundary", str(vtt), "--json", "--facilitation-minutes", "45"]
    )
    assert result.exit_code == 0
    json.loads(result.stdout)  # stdout stays one JSON object
    assert "warning" in result.stderr and "comma timestamp" in result.stderr


def test_default_minutes_come_from_settings(tmp_path: Path) -> None:
    path, _ = _case(want_qa=True)
    proc = run(str(path), "--json", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    evidence = json.loads(proc.stdout)["evidence"]
    assert any(e.endswith("of 45 expected min") for e in evidence), evidence  # settings default


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "cannot read"),
        (b"", "empty transcript"),
        (b"hello\n", "not a WebVTT file"),
        (b"WEBVTT\n\n00:00:aa.000 --> 00:00:02.000\nAda: hi\n", "cannot read cue timing"),
    ],
)
def test_unreadable_input_exits_2_with_one_line(
    tmp_path: Path, content: bytes | None, message: str
) -> None:
    vtt = tmp_path / "t.vtt"
    if content is not None:
        vtt.write_bytes(content)
    proc = run(str(vtt), "--json", "--facilitation-minutes", "45", cwd=tmp_path)
    assert proc.returncode == 2
    assert proc.stdout == ""
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("zoomclub: error:") and message in lines[0]
    assert "Traceback" not in proc.stderr


def test_help_names_the_options() -> None:
    result = CliRunner().invoke(cli, ["boundary", "--help"])
    assert result.exit_code == 0
    assert "--json" in result.stdout and "--facilitation-minutes" in result.stdout
