"""The process: configuration errors, health, embedded PostgreSQL."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

import aiohttp
import asyncpg
import pytest
from bip_utils import Bip39MnemonicGenerator, Bip39WordsNum
from sqlalchemy import text
from sqlalchemy.engine import make_url

from bootstrap import DEV_HOT_WALLET_KEY, Runtime
from core import migrate
from core.config import ConfigError, Settings, load_settings
from core.db import make_engine
from core.embedded_pg import EmbeddedPostgres
from core.wallet.hd import DEV_MNEMONIC, dev_hot_key, xpub_from_mnemonic
from webhook import check_settings

ROOT = Path(__file__).resolve().parents[2]


def run_webhook(env_overrides: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """webhook.py with ``env_overrides`` and no other setting from the environment."""
    env = {k: v for k, v in os.environ.items() if k.lower() not in Settings.model_fields}
    env.update(env_overrides)
    return subprocess.run(
        [sys.executable, "webhook.py"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )


@pytest.mark.parametrize(
    ("variable", "value"),
    [("DATABASE_URL", "mysql://root@localhost/x"), ("DATABASE_URL", "not a url"), ("ADMIN_IDS", "12,abc")],
)
def test_malformed_setting_stops_startup_with_one_line(variable: str, value: str) -> None:
    result = run_webhook({variable: value})
    assert result.returncode != 0
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert variable in lines[0]
    assert "Traceback" not in result.stderr + result.stdout


def fresh_mnemonic() -> str:
    return str(Bip39MnemonicGenerator().FromWordsNumber(Bip39WordsNum.WORDS_NUM_12))


def production(**changes: str | None) -> dict[str, str]:
    """A BOT_TOKEN (real users) behind a self-hosted Bot API server on this machine, a TRON node
    and fresh wallet secrets: allowed. ``changes`` set (or, with None, remove) variables."""
    seed = fresh_mnemonic()
    env: dict[str, str | None] = {
        "BOT_TOKEN": f"{secrets.randbelow(10**9) + 10**9}:{secrets.token_urlsafe(26)}",
        "ADMIN_BOT_TOKEN": f"{secrets.randbelow(10**9) + 10**9}:{secrets.token_urlsafe(26)}",
        "TELEGRAM_API_URL": "http://127.0.0.1:8081",
        "TRON_API_URL": "https://api.trongrid.io",
        "HOT_WALLET_KEY": secrets.token_hex(32),
        "WALLET_SEED": seed,
        "WALLET_XPUB": xpub_from_mnemonic(seed),
        "TOTP_KEY": secrets.token_urlsafe(32),
        "DOCUMENTS_KEY": secrets.token_urlsafe(32),
        "API_JWT_SECRET": secrets.token_urlsafe(32),
        **changes,
    }
    return {k: v for k, v in env.items() if v is not None}


SECRETS = ("BOT_TOKEN", "ADMIN_BOT_TOKEN", "WALLET_SEED", "HOT_WALLET_KEY", "TRON_API_KEY", "WEBHOOK_SECRET", "TOTP_KEY",
           "DOCUMENTS_KEY", "API_JWT_SECRET")
DEV_XPUB = xpub_from_mnemonic(DEV_MNEMONIC)
REFUSED = [
    # The local TRON node: its /control endpoints mint deposits, its hot wallet is the dev key.
    ("TRON_API_URL", production(TRON_API_URL=None)),
    ("TRON_API_URL", production(TRON_API_URL=None, TELEGRAM_API_URL="https://api.telegram.org")),
    ("HOT_WALLET_KEY", production(HOT_WALLET_KEY=DEV_HOT_WALLET_KEY)),
    ("HOT_WALLET_KEY", production(HOT_WALLET_KEY="0x" + dev_hot_key().hex().upper())),
    ("WALLET_SEED", production(WALLET_SEED=DEV_MNEMONIC, WALLET_XPUB=None)),
    ("WALLET_SEED", production(WALLET_SEED=" " + DEV_MNEMONIC.replace(" ", "  "), WALLET_XPUB=DEV_XPUB)),
    ("WALLET_XPUB", production(WALLET_SEED=None, WALLET_XPUB=DEV_XPUB)),
    ("WALLET_XPUB", production(WALLET_SEED=None, WALLET_XPUB=None)),  # deposits on the dev wallet
    ("WALLET_XPUB", production(WALLET_XPUB=xpub_from_mnemonic(fresh_mnemonic()))),  # not the seed's
    ("WALLET_SEED", production(WALLET_SEED="not a mnemonic", WALLET_XPUB=None)),
    ("ADMIN_BOT_TOKEN", production(ADMIN_BOT_TOKEN=None)),
    ("TOTP_KEY", production(TOTP_KEY=None)),  # the one-time-code secrets would be sealed with a dev key
    ("DOCUMENTS_KEY", production(DOCUMENTS_KEY=None)),  # the KYC photos would be sealed with a dev key
    ("API_JWT_SECRET", production(API_JWT_SECRET=None)),  # the API's tokens would be signed with a dev key
]


@pytest.mark.parametrize(("variable", "env"), REFUSED, ids=[f"{v}-{i}" for i, (v, _) in enumerate(REFUSED)])
def test_real_users_never_meet_the_sandbox(variable: str, env: dict[str, str]) -> None:
    """With a BOT_TOKEN, whatever TELEGRAM_API_URL says, the process refuses the local TRON node
    and every dev key (their secrets are in the source): one line naming the variable."""
    result = run_webhook(env)
    assert result.returncode != 0
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"Configuration error: {variable}:"), lines[0]
    assert "Traceback" not in result.stderr + result.stdout


@pytest.mark.parametrize(
    "env",
    [
        production(),  # real secrets; a local stand-in and a local node (the fault suite's set-up) too:
        production(TRON_API_URL="http://127.0.0.1:8090", TELEGRAM_API_URL="http://127.0.0.1:8081"),
        production(WALLET_SEED=None),  # deposit addresses from the xpub; no sweeping here
        production(WALLET_XPUB=None, HOT_WALLET_KEY=None),  # the seed's xpub; no withdrawals here
        {"TELEGRAM_API_URL": "https://api.telegram.org"},  # no BOT_TOKEN: the sandbox, dev wallet and all
    ],
)
def test_allowed_configurations(env: dict[str, str]) -> None:
    check_settings(load_settings(**{k.lower(): v for k, v in env.items()}))


def test_the_sandbox_is_the_absence_of_a_bot_token() -> None:
    assert load_settings(telegram_api_url="https://api.telegram.org").sandboxed
    assert not load_settings(bot_token="1:a", telegram_api_url="http://127.0.0.1:8081").sandboxed
    with pytest.raises(ConfigError):  # the host of the Bot API server changes nothing
        check_settings(load_settings(**{k.lower(): v for k, v in production(TRON_API_URL=None).items()}))


def test_webhook_url_without_secret_is_refused() -> None:
    result = run_webhook({"WEBHOOK_URL": "https://example.org", "BOT_TOKEN": "1:a", "ADMIN_BOT_TOKEN": "2:b"})
    assert result.returncode != 0
    assert "WEBHOOK_SECRET" in result.stderr


def test_settings_never_show_a_secret() -> None:
    env = production(TRON_API_KEY=secrets.token_hex(16), WEBHOOK_SECRET=secrets.token_urlsafe(32))
    passwords = secrets.token_hex(8), secrets.token_hex(8)
    settings = load_settings(
        **{k.lower(): v for k, v in env.items()},
        database_url=f"postgresql://koxx:{passwords[0]}@db.internal:5432/koxx",
        redis_url=f"redis://:{passwords[1]}@redis.internal:6379/0",
    )
    shown = repr(settings) + str(settings) + settings.model_dump_json()
    for name in SECRETS:
        assert env[name] not in shown, name
    assert passwords[0] not in shown and passwords[1] not in shown
    assert settings.wallet_seed is not None and settings.wallet_seed.get_secret_value() == env["WALLET_SEED"]
    assert settings.database_url is not None
    assert make_url(settings.database_url.get_secret_value()).password == passwords[0]


async def test_production_starts_and_shows_no_secret(databases, tmp_path: Path) -> None:
    """Every secret set, a BOT_TOKEN behind a local Bot API server and a TRON node on this machine
    (the fault suite's set-up): the process starts, and nothing it prints or logs shows a secret."""
    import asyncio
    import signal

    from sandbox.telegram import TelegramSandbox
    from sandbox.tron.server import TronNodeServer
    from tests.e2e.harness import free_port

    env = production(TRON_API_KEY=secrets.token_hex(16), WEBHOOK_SECRET=secrets.token_urlsafe(32))
    password = secrets.token_hex(8)  # the test server trusts local connections: any password does
    database_url = make_url(await databases.create()).set(password=password)
    tg = TelegramSandbox()
    await tg.start()
    tg.add_bot(env["BOT_TOKEN"], username="koxx_p2p_bot")
    tg.add_bot(env["ADMIN_BOT_TOKEN"], username="koxx_admin_bot")
    web_port = free_port()
    async with TronNodeServer() as tron:
        child_env = {k: v for k, v in os.environ.items() if k.lower() not in Settings.model_fields}
        child_env.update(
            env, TELEGRAM_API_URL=tg.url, TRON_API_URL=tron.url, WEB_PORT=str(web_port),
            WEBHOOK_URL=f"http://127.0.0.1:{web_port}", DATA_DIR=str(tmp_path),
            DATABASE_URL=database_url.render_as_string(hide_password=False),
        )  # fmt: skip
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "webhook.py", cwd=ROOT, env=child_env,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
        )  # fmt: skip
        assert proc.stdout is not None
        output: list[str] = []
        try:
            async with asyncio.timeout(60):
                while not any("KOXX P2P is running" in line for line in output):
                    line = (await proc.stdout.readline()).decode()
                    assert line, "".join(output)
                    output.append(line)
            proc.send_signal(signal.SIGTERM)
            async with asyncio.timeout(40):
                output.append((await proc.stdout.read()).decode())
                assert await proc.wait() == 0, "".join(output)
        finally:
            if proc.returncode is None:
                proc.kill()
                await proc.wait()
            await tg.stop()
    shown = "".join(output)
    assert "configuration: Settings(" in shown and "Traceback" not in shown
    for name in SECRETS:
        assert env[name] not in shown, name
    assert password not in shown


async def test_healthz_reports_unhealthy_when_database_is_down(databases, tmp_path: Path) -> None:
    url = await databases.create()
    settings = load_settings(
        bot_token="1000:aaa",
        admin_bot_token="1001:bbb",
        telegram_api_url="http://127.0.0.1:9",
        database_url=url,
        redis_url=None,
        web_port=0,
        tron_node_port=0,
        data_dir=tmp_path,
    )
    runtime = Runtime(settings, role="worker")
    try:
        await runtime.start()
        async with aiohttp.ClientSession() as http:
            async with http.get(f"{runtime.web_url}/healthz") as resp:
                assert resp.status == 200
                assert (await resp.json())["database"] == "ok"
            server = make_url(url).set(drivername="postgresql", database="postgres")
            conn = await asyncpg.connect(server.render_as_string(hide_password=False))
            try:
                await conn.execute(f'DROP DATABASE "{make_url(url).database}" WITH (FORCE)')
            finally:
                await conn.close()
            async with http.get(f"{runtime.web_url}/healthz") as resp:
                body = await resp.json()
                assert resp.status == 503
                assert body["healthy"] is False
                assert body["database"].startswith("down")
            async with http.get(f"{runtime.web_url}/metrics") as resp:
                assert resp.status == 200
                assert "koxx_notifier_sends_total" in await resp.text()
    finally:
        await runtime.stop()


async def test_embedded_postgres_starts_serves_a_migration_and_stops(tmp_path: Path) -> None:
    server = EmbeddedPostgres(tmp_path / "data")
    url = await server.start()
    engine = make_engine(url)
    try:
        await migrate.upgrade(engine)
        async with engine.connect() as conn:
            count = (await conn.execute(text("SELECT count(*) FROM users"))).scalar_one()
        assert count == 0
    finally:
        await engine.dispose()
        await server.stop()
    assert not (server.pgdata / "postmaster.pid").exists()


async def test_run_command_serves_and_sigterm_exits_zero(databases, tmp_path: Path) -> None:
    """`python webhook.py` with no tokens starts the stand-in, answers /healthz, stops on SIGTERM."""
    import asyncio
    import signal
    import socket

    def free_port() -> int:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            return int(sock.getsockname()[1])

    url = await databases.create()
    env = {k: v for k, v in os.environ.items() if not k.endswith("_TOKEN")}
    web_port, sandbox_port = free_port(), free_port()
    env.update(
        DATABASE_URL=url, WEB_PORT=str(web_port), SANDBOX_PORT=str(sandbox_port), DATA_DIR=str(tmp_path)
    )
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "webhook.py", cwd=ROOT, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip
    assert proc.stdout is not None
    output: list[str] = []
    try:
        async with asyncio.timeout(60):
            while not any("Local Telegram stand-in" in line for line in output):
                line = (await proc.stdout.readline()).decode()
                assert line, "".join(output)
                output.append(line)
        assert f"127.0.0.1:{sandbox_port}" in "".join(output)
        async with aiohttp.ClientSession() as http:
            async with http.get(f"http://127.0.0.1:{web_port}/healthz") as resp:
                assert resp.status == 200
        proc.send_signal(signal.SIGTERM)
        async with asyncio.timeout(40):
            rest = (await proc.stdout.read()).decode()
            code = await proc.wait()
        assert code == 0, "".join(output) + rest
        assert "Traceback" not in rest
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
