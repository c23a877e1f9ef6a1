"""The process: configuration errors, health, embedded PostgreSQL."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import aiohttp
import asyncpg
import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from core import migrate
from core.config import load_settings
from core.db import make_engine
from core.embedded_pg import EmbeddedPostgres
from webhook import Runtime

ROOT = Path(__file__).resolve().parents[2]


def run_webhook(env_overrides: dict[str, str]) -> subprocess.CompletedProcess[str]:
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_URL", "ADMIN_IDS", "BOT_TOKEN"))
    }
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


def test_real_bot_token_without_tron_api_url_is_refused() -> None:
    """A real deployment must never fall back to the local node and its well-known dev wallet."""
    result = run_webhook({"BOT_TOKEN": "1:a", "ADMIN_BOT_TOKEN": "2:b"})
    assert result.returncode != 0
    assert "TRON_API_URL" in result.stderr
    assert "Traceback" not in result.stderr


def test_webhook_url_without_secret_is_refused() -> None:
    result = run_webhook({"WEBHOOK_URL": "https://example.org", "BOT_TOKEN": "1:a", "ADMIN_BOT_TOKEN": "2:b"})
    assert result.returncode != 0
    assert "WEBHOOK_SECRET" in result.stderr


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
                assert "koxx_notifications_sent_total" in await resp.text()
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
