""".env.example lists every setting (core/config.py and core/*/config.py), each under a comment,
and nothing that is not one; it loads as settings."""

from __future__ import annotations

import re
from pathlib import Path

from pydantic_settings import BaseSettings

from core.accounts.config import AccountsSettings
from core.config import Settings

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / ".env.example"
SETTINGS: tuple[type[BaseSettings], ...] = (Settings, AccountsSettings)
LINE = re.compile(r"^(?:# )?([A-Z][A-Z0-9_]*)=")


def _documented() -> dict[str, bool]:
    """Each NAME= (or commented # NAME=) line, and whether prose describes it: a comment line in
    its block (the lines above it up to a blank line or a section rule; NAME=a, NAME=b may share one)."""
    names: dict[str, bool] = {}
    lines = EXAMPLE.read_text().splitlines()
    for i, line in enumerate(lines):
        match = LINE.match(line)
        if not match:
            continue
        block = i
        while block > 0 and lines[block - 1].strip() and not lines[block - 1].startswith("# ----"):
            block -= 1
        prose = any(line.startswith("#") and not LINE.match(line) for line in lines[block:i])
        names[match.group(1)] = names.get(match.group(1), False) or prose
    return names


def _settings_names() -> set[str]:
    return {name.upper() for cls in SETTINGS for name in cls.model_fields}


def _secret_names() -> set[str]:
    return {name.upper() for name, field in Settings.model_fields.items() if "SecretStr" in str(field.annotation)}


def test_every_setting_is_in_env_example_with_a_comment() -> None:
    documented = _documented()
    missing = sorted(_settings_names() - set(documented))
    assert not missing, f"add these settings to .env.example (with a comment line): {missing}"
    bare = sorted(name for name, commented in documented.items() if not commented)
    assert not bare, f"these .env.example lines have no comment: {bare}"


def test_env_example_names_only_settings_and_secret_files() -> None:
    known = _settings_names() | {f"{name}_FILE" for name in _secret_names()}
    stale = sorted(set(_documented()) - known)
    assert not stale, f".env.example lists what no setting reads: {stale}"


def test_secrets_have_no_value_in_env_example() -> None:
    """Secrets go in files (X_FILE): no secret is given a value in the example."""
    for line in EXAMPLE.read_text().splitlines():
        match = LINE.match(line)
        if match and match.group(1) in _secret_names() and not line.startswith("#"):
            raise AssertionError(f"{match.group(1)} has a value in .env.example: use {match.group(1)}_FILE")


def test_env_example_loads_as_settings(monkeypatch: object) -> None:
    settings = Settings(_env_file=EXAMPLE)  # type: ignore[call-arg]
    accounts = AccountsSettings(_env_file=EXAMPLE)  # type: ignore[call-arg]
    assert settings.webhook_url == "https://koxx.example.com" and settings.admin_ids == []
    assert accounts.risk_hold_hours == 24
