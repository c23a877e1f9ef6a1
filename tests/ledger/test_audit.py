"""The audit passes on an honest ledger and catches rows changed behind the ledger's back,
both as a function and as the CLI (`python -m core.ledger audit`)."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

from sqlalchemy import text

from core.ledger import AccountRef, Posting, Purpose, audit, post_entry, transfer
from core.money import Asset

ROOT = Path(__file__).resolve().parents[2]


async def run_cli(url: str, *args: str) -> tuple[int, str]:
    env = {**os.environ, "DATABASE_URL": url}
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "core.ledger",
        *args,
        cwd=ROOT,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    out, _ = await proc.communicate()
    return proc.returncode or 0, out.decode()


async def some_business(factory) -> None:
    async with factory() as s, s.begin():
        for user in (1, 2):
            await transfer(
                s,
                kind="deposit",
                key=f"dep:{user}",
                src=AccountRef.platform(Purpose.DEPOSITS),
                dst=AccountRef.user(user),
                asset=Asset.USDT,
                amount=1_000,
            )
        await transfer(
            s,
            kind="trade_lock",
            key="lock:1",
            src=AccountRef.user(1),
            dst=AccountRef.trade_escrow(1, 1),
            asset=Asset.USDT,
            amount=600,
        )
        await post_entry(
            s,
            kind="trade_release",
            key="release:1",
            ref="trade:1",
            postings=[
                Posting(AccountRef.trade_escrow(1, 1), Asset.USDT, -600),
                Posting(AccountRef.user(2), Asset.USDT, 590),
                Posting(AccountRef.platform(Purpose.FEES), Asset.USDT, 10),
            ],
        )


async def test_an_honest_ledger_passes(private_factory, private_url):
    async with private_factory() as s:
        empty = await audit(s)
    assert empty.ok and empty.violations == []
    await some_business(private_factory)
    async with private_factory() as s:
        report = await audit(s)
    assert report.ok, report.violations
    assert any("balances per asset: ok" in c for c in report.checks)
    assert any("looked at 5 accounts and 4 entries" in c for c in report.checks)
    code, out = await run_cli(private_url, "audit")
    assert code == 0, out
    assert "ledger audit: OK" in out and "sum of its postings: ok" in out


async def test_a_balance_changed_behind_the_ledgers_back_is_caught(private_factory, private_url):
    await some_business(private_factory)
    async with private_factory() as s, s.begin():
        await s.execute(
            text(
                "UPDATE ledger_accounts SET balance = balance + 1 WHERE owner_kind = 'user' AND owner_id = 2"
            )
        )
    async with private_factory() as s:
        report = await audit(s)
    assert not report.ok
    assert any("balance 1591 but postings sum to 1590" in v for v in report.violations), report.violations
    assert any("USDT balances sum to 1" in v for v in report.violations), report.violations
    code, out = await run_cli(private_url, "audit")
    assert code == 1, out
    assert "VIOLATION" in out and "ledger audit: FAILED" in out


async def test_a_posting_changed_behind_the_ledgers_back_is_caught(private_factory, private_url):
    await some_business(private_factory)
    async with private_factory() as s, s.begin():
        await s.execute(
            text(
                "UPDATE ledger_postings SET amount = 11 WHERE amount = 10 AND entry_id = "
                "(SELECT id FROM ledger_entries WHERE key = 'release:1')"
            )
        )
    async with private_factory() as s:
        report = await audit(s)
    assert not report.ok
    assert any("balances per asset: entry" in v and "sums to 1" in v for v in report.violations)
    assert any("sum of its postings" in v for v in report.violations)
    code, _ = await run_cli(private_url, "audit")
    assert code == 1


async def test_the_cli_needs_a_command_and_a_database(private_url):
    code, out = await run_cli(private_url)
    assert code == 2 and "usage" in out
