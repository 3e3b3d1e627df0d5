"""Docs and CLI are contracts: every command has --help and appears in the README; the README's
two commands are the ones CI and users run."""

from __future__ import annotations

import re
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from zoomclub.cli import cli

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def _sub(group: click.Group, name: str) -> click.Command:
    """A subcommand, through the group's lookup (the top-level group loads its modules lazily)."""
    cmd = group.get_command(click.Context(group), name)
    assert cmd is not None, name
    return cmd


def _commands(group: click.Group, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    out = []
    for name in sorted(group.list_commands(click.Context(group))):
        cmd = _sub(group, name)
        path = (*prefix, name)
        out.append(path)
        if isinstance(cmd, click.Group):
            out.extend(_commands(cmd, path))
    return out


ALL = _commands(cli)


def test_there_are_commands() -> None:
    assert {"demo", "archive", "boundary", "review", "schedule", "run", "site"} <= {
        c[0] for c in ALL
    }


@pytest.mark.parametrize("path", ALL, ids=lambda p: " ".join(p))
def test_every_command_has_help(path: tuple[str, ...]) -> None:
    result = CliRunner().invoke(cli, [*path, "--help"])
    assert result.exit_code == 0, result.output
    assert "Usage:" in result.output
    cmd: click.Command = cli
    for name in path:
        assert isinstance(cmd, click.Group)
        cmd = _sub(cmd, name)
    assert (cmd.help or "").strip(), f"{' '.join(path)} has no help text"


@pytest.mark.parametrize("path", ALL, ids=lambda p: " ".join(p))
def test_every_command_is_in_the_readme(path: tuple[str, ...]) -> None:
    top = f"zoomclub {path[0]}"
    assert top in README, f"README does not mention `{top}`"
    if len(path) == 2:
        # subcommands are listed as "zoomclub group a / b / c" or "zoomclub group a"
        row = [line for line in README.splitlines() if top in line]
        assert any(re.search(rf"\b{re.escape(path[1])}\b", line) for line in row), path


def test_version() -> None:
    result = CliRunner().invoke(cli, ["--version"])
    assert result.exit_code == 0 and re.search(r"\d+\.\d+\.\d+", result.output)


def test_readme_starts_with_the_two_commands_and_ci_runs_the_test_one() -> None:
    block = re.search(r"```sh\n(.*?)```", README, re.S)
    assert block is not None
    lines = [ln.split("#")[0].strip() for ln in block.group(1).strip().splitlines()]
    assert len(lines) == 2
    assert lines[0].endswith("zoomclub demo")
    test_command = lines[1]
    assert "pytest" in test_command
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert test_command in [ln.strip() for ln in ci.splitlines()]
    # the first code block comes before any other section
    assert README.index("```sh") < README.index("\n## ")
