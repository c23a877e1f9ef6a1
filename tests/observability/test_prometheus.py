"""deploy/prometheus: the alert rules are valid and do what their unit tests say
(`promtool check rules`, `promtool test rules`), the scrape config is valid, and each alert
tells the operator where the runbook says what to do."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PROMETHEUS = ROOT / "deploy" / "prometheus"
ALERTS = {"KoxxScannerBehind", "KoxxWithdrawalStuck", "KoxxOutboxGrowing", "KoxxHotWalletLow",
          "KoxxHotWalletAboveShare", "KoxxLedgerAuditFailing", "KoxxErrorRate"}  # fmt: skip

needs_promtool = pytest.mark.skipif(
    shutil.which("promtool") is None, reason="promtool missing (Debian: apt-get install prometheus; .ci/run does)"
)


def promtool(*args: str) -> str:
    result = subprocess.run(["promtool", *args], cwd=PROMETHEUS, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout + result.stderr


@needs_promtool
def test_rules_are_valid_and_pass_their_unit_tests() -> None:
    assert "SUCCESS: 9 rules found" in promtool("check", "rules", "alerts.yml")
    assert "SUCCESS" in promtool("test", "rules", "alerts_test.yml")


@needs_promtool
def test_the_scrape_config_is_valid() -> None:
    assert "valid prometheus config file" in promtool("check", "config", "prometheus.yml")


def alert_blocks() -> dict[str, list[str]]:
    """Each alert's rule text(s), by name (an alert may have a warning and a critical rule)."""
    text = (PROMETHEUS / "alerts.yml").read_text()
    blocks: dict[str, list[str]] = {}
    for block in re.split(r"\n\s*- alert: ", text)[1:]:
        name, _, body = block.partition("\n")
        blocks.setdefault(name.strip(), []).append(body)
    return blocks


def test_every_alert_is_there_and_names_its_runbook_section() -> None:
    blocks = alert_blocks()
    assert set(blocks) == ALERTS
    for name, bodies in blocks.items():
        for body in bodies:
            assert "summary:" in body and "description:" in body, name
            assert re.search(r"docs/runbook\.md#[a-z0-9-]+", body), name
            assert re.search(r"severity: (critical|warning)", body), name
    tested = set(re.findall(r"alertname: (\w+)", (PROMETHEUS / "alerts_test.yml").read_text()))
    assert tested == ALERTS  # each alert has a unit test
