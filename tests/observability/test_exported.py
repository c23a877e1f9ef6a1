"""What the operator's dashboards and alerts read is really served: the marketplace runs
(webhooks, the Telegram stand-in, the local TRON node), handles a few updates and runs the jobs
that refresh the gauges; then its /metrics page is read. Every metric the issue names, every
metric a Grafana panel queries and every metric an alert rule reads is on it, with the values
that match what happened."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
from prometheus_client.parser import text_string_to_metric_families

from core.money import MICRO
from core.wallet import gauges
from core.wallet.addressbook import deposit_address
from core.wallet.report import liabilities
from tests.e2e.harness import Market, running_market
from tests.observability.promql import metric_names, served

ROOT = Path(__file__).resolve().parents[2]
DASHBOARD = ROOT / "deploy" / "grafana" / "dashboards" / "koxx.json"
ALERTS = ROOT / "deploy" / "prometheus" / "alerts.yml"
# The list (docs/observability.md describes each; the runbook names them).
REQUIRED = {
    "koxx_updates_total", "koxx_update_seconds_bucket", "koxx_outbox_backlog", "koxx_outbox_oldest_age_seconds",
    "koxx_notifier_sends_total", "koxx_notifier_429_total", "koxx_notifier_giveups_total", "koxx_scanner_lag_blocks",
    "koxx_scanner_lag_seconds", "koxx_deposits_detected_total", "koxx_deposits_credited_total", "koxx_withdrawals",
    "koxx_withdrawals_oldest_age_seconds", "koxx_hot_balance", "koxx_cold_balance", "koxx_liabilities",
    "koxx_ledger_audit_ok", "koxx_ledger_audit_last_run_timestamp", "koxx_db_pool_in_use", "koxx_db_pool_size",
    "koxx_job_runs_total", "koxx_job_failures_total", "koxx_errors_total",
}  # fmt: skip


@pytest.fixture
async def market(database_url: str, tmp_path: Path) -> AsyncIterator[Market]:
    async with running_market(database_url, tmp_path, webhook=True) as running:
        yield running


def samples(page: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    return {
        (s.name, frozenset(s.labels.items())): s.value
        for family in text_string_to_metric_families(page)
        for s in family.samples
    }


def value(found: dict[tuple[str, frozenset[tuple[str, str]]], float], name: str, **labels: str) -> float | None:
    return found.get((name, frozenset(labels.items())))


def panel_queries() -> list[str]:
    dashboard = json.loads(DASHBOARD.read_text())
    queries = [target["expr"] for panel in dashboard["panels"] for target in panel["targets"]]
    assert all(panel["targets"] for panel in dashboard["panels"])
    return queries


async def test_every_metric_the_dashboard_and_alerts_read_is_served(market: Market) -> None:
    runtime = market.runtime
    assert runtime.web_url and runtime.wallet and runtime.tron_node and runtime.settings.webhook_secret
    bob = await market.newcomer("Bob", lang="en")  # through the stand-in's webhook deliveries
    update = {"update_id": 990_001, "message": {"message_id": 9001, "date": 1_700_000_000, "text": "/help",
              "chat": {"id": bob.id, "type": "private"}, "from": {"id": bob.id, "is_bot": False, "first_name": "Bob"}}}  # fmt: skip
    headers = {"X-Telegram-Bot-Api-Secret-Token": runtime.settings.webhook_secret.get_secret_value(),
               "X-Request-ID": "0123456789abcdef0123456789abcdef"}  # fmt: skip
    async with aiohttp.ClientSession() as http:
        async with http.get(f"{runtime.web_url}/metrics") as resp:
            before = samples(await resp.text())
        for _ in range(2):  # Telegram re-delivers: the second is a duplicate
            async with http.post(f"{runtime.web_url}/webhook/traders", json=update, headers=headers) as resp:
                assert resp.status == 200
                assert resp.headers["X-Request-ID"] == headers["X-Request-ID"]

        factory = market.session_factory
        node = runtime.tron_node.node
        async with factory() as session, session.begin():
            address = await deposit_address(session, bob.id, runtime.wallet.config.xpub)
        await runtime.wallet.scan(factory)  # the scanner watches from the head it first saw
        node.send_usdt("bob-exchange", address, 5 * MICRO)
        node.mine(1)
        await runtime.wallet.scan(factory)
        node.mine(runtime.settings.confirmations)
        await runtime.wallet.scan(factory)
        await gauges.refresh(factory)
        assert await gauges.audit_ledger(factory)
        await gauges.wallet_balances(runtime.wallet.node, runtime.wallet.config)
        async with factory() as session:
            owed = await liabilities(session)

        async with http.get(f"{runtime.web_url}/metrics") as resp:
            assert resp.status == 200
            page = await resp.text()

    names = served(page)
    assert REQUIRED <= names, REQUIRED - names
    for query in panel_queries():
        assert metric_names(query) and metric_names(query) <= names, query
    in_rules = metric_names(re.sub(r"#.*", "", ALERTS.read_text()))
    assert in_rules and in_rules <= names, in_rules - names

    found = samples(page)

    def grew(name: str, **labels: str) -> float:
        return (value(found, name, **labels) or 0) - (value(before, name, **labels) or 0)

    handled = {dict(labels)["handler"] for (name, labels) in found if name == "koxx_updates_total"
               and ("outcome", "ok") in labels}  # fmt: skip
    assert any(h.startswith("bot.handlers.") for h in handled), handled
    assert grew("koxx_updates_total", handler="none", outcome="duplicate") == 1
    assert grew("koxx_update_seconds_count") >= 2
    assert grew("koxx_deposits_detected_total", asset="USDT") == 1
    assert grew("koxx_deposits_credited_total", asset="USDT") == 1
    assert value(found, "koxx_scanner_lag_blocks") == 0  # caught up with the block just mined
    lag = value(found, "koxx_scanner_lag_seconds")
    assert lag is not None and 0 <= lag < 3600  # chain time, not a timestamp
    for state in ("awaiting_approval", "approved", "signed", "broadcast"):
        assert value(found, "koxx_withdrawals", state=state) is not None
    assert value(found, "koxx_ledger_audit_ok") == 1
    assert (value(found, "koxx_ledger_audit_last_run_timestamp") or 0) > 1.7e9
    assert value(found, "koxx_hot_balance", asset="USDT") == 50_000 * MICRO  # the stand-in's funding
    assert value(found, "koxx_liabilities", asset="USDT") == owed[next(a for a in owed if str(a) == "USDT")]
    assert (value(found, "koxx_db_pool_size") or 0) > 0
