"""deploy/ stays true to the code: every setting documented, no made-up names, a valid unit."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel

from zoomclub.settings import ENV_PREFIX, Settings

DEPLOY = Path(__file__).resolve().parent.parent / "deploy"
NAME = re.compile(r"\b(ZOOMCLUB_[A-Z0-9_]+)")
# Read by settings.py itself (the TOML file's path), not a field.
EXTRA_NAMES = {f"{ENV_PREFIX}CONFIG"}


def setting_names() -> set[str]:
    """Every env name Settings accepts, from the model itself (sections nest with ``__``)."""
    names = set(EXTRA_NAMES)
    for name, field in Settings.model_fields.items():
        ann = field.annotation
        if isinstance(ann, type) and issubclass(ann, BaseModel):
            names |= {f"{ENV_PREFIX}{name.upper()}__{sub.upper()}" for sub in ann.model_fields}
        else:
            names.add(f"{ENV_PREFIX}{name.upper()}")
    return names


def example_names() -> set[str]:
    text = (DEPLOY / "zoomclub.env.example").read_text(encoding="utf-8")
    return {
        m.group(1)
        for line in text.splitlines()
        if (m := re.match(r"^#?\s*(ZOOMCLUB_[A-Z0-9_]+)=", line))
    }


def compose() -> dict[str, Any]:
    yaml = pytest.importorskip("yaml", reason="PyYAML is not installed (needed to read compose)")
    data = yaml.safe_load((DEPLOY / "docker-compose.yml").read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def test_names_are_derived_from_the_model() -> None:
    names = setting_names()
    assert {"ZOOMCLUB_ZOOM__ACCOUNT_ID", "ZOOMCLUB_ARCHIVE__URL", "ZOOMCLUB_DATABASE_URL"} <= names
    assert "ZOOMCLUB_CLUB__TIMEZONE" in names and "ZOOMCLUB_ZOOM" not in names


def test_env_example_documents_every_setting_and_nothing_else() -> None:
    documented = example_names()
    assert setting_names() - documented == set(), "settings missing from zoomclub.env.example"
    assert documented - setting_names() == set(), "names in zoomclub.env.example that do not exist"
    text = (DEPLOY / "zoomclub.env.example").read_text(encoding="utf-8")
    for aws in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        assert re.search(rf"^#?\s*{aws}=", text, re.M), aws


def test_env_example_values_are_valid_settings() -> None:
    # The uncommented lines, as a dotenv file, must load (empty credentials are allowed).
    settings = Settings(_env_file=DEPLOY / "zoomclub.env.example")
    assert settings.archive.is_s3
    # No secret is set to an empty string: an empty webhook token would sign with an empty key.
    text = (DEPLOY / "zoomclub.env.example").read_text(encoding="utf-8")
    assert not re.search(r"^ZOOMCLUB_\w*(TOKEN|PASSPHRASE)=\s*$", text, re.M)


def test_env_example_commented_values_are_valid_too(tmp_path: Path) -> None:
    # Uncommenting any documented default or example must give a loadable configuration.
    lines = [
        m.group(1)
        for line in (DEPLOY / "zoomclub.env.example").read_text(encoding="utf-8").splitlines()
        if (m := re.match(r"^#\s*((ZOOMCLUB_[A-Z0-9_]+)=\S.*)$", line))
        and m.group(2) not in EXTRA_NAMES
    ]
    assert len(lines) > 20
    env = tmp_path / "all.env"
    env.write_text("\n".join(lines) + "\n", encoding="utf-8")
    settings = Settings(_env_file=env)
    defaults = Settings(_env_file=None)
    assert settings.archive.video_preference == defaults.archive.video_preference
    assert settings.club.duration_minutes == defaults.club.duration_minutes


def test_compose_uses_only_real_setting_names() -> None:
    data = compose()
    used: set[str] = set()
    for svc in data["services"].values():
        env = svc.get("environment") or {}
        keys = env.keys() if isinstance(env, dict) else [e.split("=", 1)[0] for e in env]
        used |= {k for k in keys if k.startswith(ENV_PREFIX)}
        used |= set(NAME.findall(str(svc.get("command", ""))))
    assert used, "compose sets no zoomclub settings at all?"
    assert used - setting_names() == set()


def test_compose_services() -> None:
    data = compose()
    services = data["services"]
    assert {"zoomclub", "minio", "minio-init", "postgres"} <= set(services)
    app = services["zoomclub"]
    assert app["env_file"] == "zoomclub.env" and app["build"]["dockerfile"] == "deploy/Dockerfile"
    assert app["depends_on"]["minio-init"]["condition"] == "service_completed_successfully"
    assert services["postgres"]["profiles"] == ["postgres"]
    assert "mc mb" in str(services["minio-init"]["command"])
    assert "profiles" not in services["minio"]


def dockerfile_instructions() -> list[tuple[str, str]]:
    text = (DEPLOY / "Dockerfile").read_text(encoding="utf-8").replace("\\\n", " ")
    out = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            word, _, rest = line.partition(" ")
            out.append((word.upper(), rest.strip()))
    return out


def test_dockerfile_runs_as_non_root_with_a_healthcheck() -> None:
    ins = dockerfile_instructions()
    assert ins[0] == ("FROM", "python:3.11-slim")
    users = [rest for word, rest in ins if word == "USER"]
    assert users and users[-1].split(":")[0] not in ("root", "0")
    health = [rest for word, rest in ins if word == "HEALTHCHECK"]
    assert len(health) == 1 and "/healthz" in health[0] and "urllib" in health[0]
    assert "curl" not in health[0]
    assert ins[-1] == ("CMD", '["zoomclub", "run"]')
    assert any(w == "RUN" and "pip install" in r for w, r in ins)


def test_dockerfile_healthcheck_command_is_valid_python() -> None:
    (health,) = [rest for word, rest in dockerfile_instructions() if word == "HEALTHCHECK"]
    code = re.search(r'"-c", "(.*)"\]', health)
    assert code is not None
    compile(code.group(1), "<healthcheck>", "exec")


def unit_lines() -> dict[str, list[str]]:
    keys: dict[str, list[str]] = {}
    for line in (DEPLOY / "zoomclub.service").read_text(encoding="utf-8").splitlines():
        if "=" in line and not line.startswith(("#", "[")):
            k, v = line.split("=", 1)
            keys.setdefault(k.strip(), []).append(v.strip())
    return keys


def test_unit_essentials() -> None:
    u = unit_lines()
    assert u["User"] == ["zoomclub"] and u["Restart"] == ["on-failure"]
    assert u["EnvironmentFile"] == ["/etc/zoomclub/zoomclub.env"]
    assert u["WorkingDirectory"] == ["/var/lib/zoomclub"]
    assert u["ExecStart"] == ["/opt/zoomclub/venv/bin/zoomclub run"]
    assert u["NoNewPrivileges"] == ["yes"] and u["ProtectSystem"] == ["strict"]
    assert 5 <= int(u["RestartSec"][0].rstrip("s")) <= 120


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze not found")
def test_systemd_analyze_verify(tmp_path: Path) -> None:
    # verify insists the ExecStart binary exists; point it at this environment's entry point.
    exe = shutil.which("zoomclub") or sys.executable
    text = (DEPLOY / "zoomclub.service").read_text(encoding="utf-8")
    unit = tmp_path / "zoomclub.service"
    unit.write_text(text.replace("/opt/zoomclub/venv/bin/zoomclub", exe), encoding="utf-8")
    proc = subprocess.run(
        ["systemd-analyze", "verify", str(unit)], capture_output=True, text=True, timeout=60
    )
    problems = [ln for ln in (proc.stdout + proc.stderr).splitlines() if "zoomclub.service" in ln]
    assert proc.returncode == 0 and problems == [], proc.stdout + proc.stderr


def test_dockerignore_lets_the_copied_sources_in() -> None:
    allowed = {
        ln.strip().lstrip("!").rstrip("/")
        for ln in (DEPLOY / "Dockerfile.dockerignore").read_text(encoding="utf-8").splitlines()
        if ln.startswith("!")
    }
    copied = [
        src.rstrip("/")
        for word, rest in dockerfile_instructions()
        if word == "COPY"
        for src in rest.split()[:-1]
    ]
    assert copied and set(copied) <= allowed
