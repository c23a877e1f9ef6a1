"""The systemd units of deploy/systemd: valid for systemd (``systemd-analyze verify``, no unknown
key), every secret passed as a credential file to the *_FILE variable core/config.py reads, and
the signing secrets only in the worker's unit."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from core.config import SIGNING_SECRETS, Settings

UNITS = Path(__file__).resolve().parents[2] / "deploy" / "systemd"
SECRETS = {name for name, field in Settings.model_fields.items() if "SecretStr" in str(field.annotation)}


def _credentials(unit: str) -> dict[str, str]:
    """Setting name (lower case) -> credential name, from the unit's Environment=X_FILE=%d/name."""
    text = (UNITS / unit).read_text()
    loaded = set(re.findall(r"^LoadCredential=([a-z_]+):/etc/koxx/credentials/\S+$", text, re.MULTILINE))
    given = dict(re.findall(r"^Environment=([A-Z_]+)_FILE=%d/([a-z_]+)$", text, re.MULTILINE))
    assert set(given.values()) == loaded, f"{unit}: each LoadCredential is read by one *_FILE variable"
    return {name.lower(): credential for name, credential in given.items()}


def test_secrets_reach_the_app_as_credential_files() -> None:
    web, worker = _credentials("koxx-web@.service"), _credentials("koxx-worker.service")
    assert set(web) <= SECRETS and set(worker) <= SECRETS
    assert not set(web) & set(SIGNING_SECRETS), "the web role never holds a key"
    assert set(SIGNING_SECRETS) | {"key_passphrase"} <= set(worker)
    assert {"bot_token", "admin_bot_token", "database_url", "redis_url", "totp_key", "documents_key"} <= set(web)
    assert "webhook_secret" in web


def test_units_read_the_environment_file_and_bind_the_worker_port() -> None:
    web = (UNITS / "koxx-web@.service").read_text()
    assert "Environment=WEB_PORT=%i" in web and "ExecStart=/opt/koxx/.venv/bin/koxx --role web" in web
    worker = (UNITS / "koxx-worker.service").read_text()
    assert "ExecStart=/opt/koxx/.venv/bin/koxx --role worker" in worker
    for text in (web, worker):
        assert "EnvironmentFile=/etc/koxx/koxx.env" in text and "KillSignal=SIGTERM" in text


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze is not installed")
def test_systemd_analyze_verifies_the_units(tmp_path: Path) -> None:
    hardening = (UNITS / "koxx-hardening.conf").read_text().replace("[Service]\n", "")
    for source, name in (("koxx-web@.service", "koxx-web@8101.service"), ("koxx-worker.service", "koxx-worker.service")):
        text = (UNITS / source).read_text().replace("/opt/koxx/.venv/bin/koxx", "/bin/true")
        text = text.replace("[Install]", hardening + "\n[Install]")  # as the drop-in adds it
        (tmp_path / name).write_text(text)
    result = subprocess.run(
        ["systemd-analyze", "verify", "--man=no", str(tmp_path / "koxx-web@8101.service"),
         str(tmp_path / "koxx-worker.service")],
        capture_output=True, text=True,
    )  # fmt: skip
    assert result.returncode == 0 and not result.stderr.strip() and not result.stdout.strip(), result.stderr
