"""Keys only where they sign: the web role never reads HOT_WALLET_KEY or WALLET_SEED; every
secret may come from a private file (X_FILE), sealed with a passphrase or not; and the suite's
guard against secrets in logs really finds one."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

from core.config import ConfigError, Settings, load_settings
from core.crypto import seal_with_passphrase
from core.wallet.config import wallet_config
from core.wallet.sender import Signer
from tests import secrets_guard
from tests.foundation.test_process import fresh_mnemonic, production
from webhook import check_settings

ROOT = Path(__file__).resolve().parents[2]


def run(
    argv: list[str], env_overrides: dict[str, str], stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    """``argv`` with ``env_overrides`` and no other setting (nor X_FILE) from the environment."""
    names = {*Settings.model_fields, *(f"{n}_file" for n in Settings.model_fields)}
    env = {k: v for k, v in os.environ.items() if k.lower() not in names}
    env.update(env_overrides)
    return subprocess.run(
        [sys.executable, *argv],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        input=stdin or "",
    )


def one_line(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode != 0
    assert "Traceback" not in result.stderr + result.stdout, result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    return lines[0]


def private_file(path: Path, text: str, mode: int = 0o600) -> Path:
    path.write_text(text)
    path.chmod(mode)
    return path


def test_the_web_role_refuses_the_hot_key_naming_it_never_showing_it() -> None:
    env = production()
    secrets_guard.register("test_keys hot key", env["HOT_WALLET_KEY"])
    line = one_line(run(["webhook.py", "--role", "web"], env))
    assert line.startswith("Configuration error: HOT_WALLET_KEY:"), line
    assert env["HOT_WALLET_KEY"] not in line


def test_the_web_role_refuses_the_seed_from_a_file(tmp_path: Path) -> None:
    env = production(HOT_WALLET_KEY=None, WALLET_SEED=None)
    seed = fresh_mnemonic()
    env["WALLET_SEED_FILE"] = str(private_file(tmp_path / "seed", seed + "\n"))
    line = one_line(run(["webhook.py", "--role", "web"], env))
    assert line.startswith("Configuration error: WALLET_SEED_FILE:"), line
    assert seed not in line
    with pytest.raises(ConfigError, match=r"^WALLET_SEED:"):
        load_settings(signs=False, wallet_seed=seed)


def test_the_web_role_needs_the_xpub_and_the_hot_address_outside_the_sandbox() -> None:
    env = production(HOT_WALLET_KEY=None, WALLET_SEED=None)
    key = secrets.token_hex(32)
    address = Signer.from_hex(key).address
    settings = load_settings(
        signs=False, hot_wallet_address=address, **{k.lower(): v for k, v in env.items()}
    )
    check_settings(settings, "web")
    assert (
        wallet_config(settings).hot_address == address
    )  # withdrawals to it are refused, /reconcile reports it
    with pytest.raises(ConfigError, match=r"^WALLET_XPUB:"):
        check_settings(settings.model_copy(update={"wallet_xpub": None}), "web")
    with pytest.raises(ConfigError, match=r"^HOT_WALLET_ADDRESS:"):
        check_settings(settings.model_copy(update={"hot_wallet_address": None}), "web")
    mistyped = address[:-1] + ("y" if address.endswith("x") else "x")  # its checksum fails
    with pytest.raises(ConfigError, match=r"^HOT_WALLET_ADDRESS:"):
        check_settings(settings.model_copy(update={"hot_wallet_address": mistyped}), "web")
    # where both are given they must agree
    signing = load_settings(**{k.lower(): v for k, v in production(HOT_WALLET_KEY=key).items()})
    check_settings(signing.model_copy(update={"hot_wallet_address": address}))
    with pytest.raises(ConfigError, match=r"^HOT_WALLET_ADDRESS:"):
        check_settings(signing.model_copy(update={"hot_wallet_address": Signer.from_hex("11" * 32).address}))


def test_a_secret_file_open_to_others_is_refused(tmp_path: Path) -> None:
    token = f"{secrets.randbelow(10**9) + 10**9}:{secrets.token_urlsafe(26)}"
    secrets_guard.register("test_keys bot token", token)
    file = private_file(tmp_path / "bot_token", token + "\n", mode=0o644)
    line = one_line(run(["webhook.py"], {"BOT_TOKEN_FILE": str(file)}))
    assert line.startswith("Configuration error: BOT_TOKEN_FILE:"), line
    assert str(file) in line and "0644" in line and "chmod 600" in line and token not in line


def test_a_secret_and_its_file_both_set_are_refused(tmp_path: Path) -> None:
    file = private_file(tmp_path / "db", "postgresql://koxx@db.internal/koxx")
    line = one_line(
        run(["webhook.py"], {"DATABASE_URL_FILE": str(file), "DATABASE_URL": "postgresql://x@y/z"})
    )
    assert line.startswith("Configuration error: DATABASE_URL_FILE:") and "DATABASE_URL is set too" in line


def test_every_secret_may_come_from_a_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    token = "123456:" + secrets.token_urlsafe(20)
    monkeypatch.setenv("BOT_TOKEN_FILE", str(private_file(tmp_path / "t", token + "\n")))
    monkeypatch.setenv("DATABASE_URL_FILE", str(private_file(tmp_path / "d", "postgresql://k:pw@db/k\r\n")))
    settings = load_settings()
    assert (
        settings.bot_token is not None and settings.bot_token.get_secret_value() == token
    )  # newline dropped
    assert settings.database_url is not None
    assert settings.database_url.get_secret_value() == "postgresql+asyncpg://k:pw@db/k"  # validated as before
    assert token not in repr(settings)


def test_a_sealed_key_file_opens_with_its_passphrase(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    key = secrets.token_hex(32)
    secrets_guard.register("test_keys sealed key", key)
    passphrase = secrets.token_urlsafe(12)
    sealed = private_file(tmp_path / "hot.sealed", seal_with_passphrase(passphrase, key.encode()) + "\n")
    monkeypatch.setenv("HOT_WALLET_KEY_FILE", str(sealed))
    monkeypatch.setenv("KEY_PASSPHRASE_FILE", str(private_file(tmp_path / "pass", passphrase + "\n")))
    settings = load_settings()
    assert settings.hot_wallet_key is not None and settings.hot_wallet_key.get_secret_value() == key
    assert settings.key_passphrase is None  # used once, not kept
    monkeypatch.delenv("KEY_PASSPHRASE_FILE")
    monkeypatch.setenv("KEY_PASSPHRASE", passphrase)
    assert wallet_config(load_settings()).hot_address == Signer.from_hex(key).address


def test_a_wrong_passphrase_stops_startup_with_one_line(tmp_path: Path) -> None:
    key = secrets.token_hex(32)
    sealed = private_file(tmp_path / "hot.sealed", seal_with_passphrase("right one", key.encode()))
    env = {"HOT_WALLET_KEY_FILE": str(sealed), "KEY_PASSPHRASE": "wrong one"}
    line = one_line(run(["webhook.py", "--role", "worker"], env))
    assert line.startswith("Configuration error: HOT_WALLET_KEY_FILE: wrong passphrase"), line
    # no passphrase and no terminal to ask on: told how to give it
    line = one_line(run(["webhook.py", "--role", "worker"], {"HOT_WALLET_KEY_FILE": str(sealed)}, stdin=""))
    assert line.startswith("Configuration error: KEY_PASSPHRASE:"), line


def test_the_seal_command_writes_a_private_sealed_file(tmp_path: Path) -> None:
    key = secrets.token_hex(32)
    secrets_guard.register("test_keys command key", key)
    out = tmp_path / "hot.sealed"
    result = run(
        ["-m", "core.keyfile", "seal", "-", str(out)], {"KEY_PASSPHRASE": "pass phrase"}, stdin=key + "\n"
    )
    assert result.returncode == 0, result.stderr
    assert key not in result.stdout + result.stderr
    assert out.stat().st_mode & 0o777 == 0o600 and out.read_text().startswith("koxx-pass-v1:")
    assert key not in out.read_text()
    # the file it made is what the settings open
    env = {"HOT_WALLET_KEY_FILE": str(out), "KEY_PASSPHRASE": "pass phrase"}
    probe = "from core.config import load_settings; from core.wallet.config import wallet_config; "
    probe += "print(wallet_config(load_settings()).hot_address)"
    shown = run(["-c", probe], env)
    assert shown.stdout.strip() == Signer.from_hex(key).address, shown.stderr
    # never over an existing file
    again = run(["-m", "core.keyfile", "seal", "-", str(out)], {"KEY_PASSPHRASE": "x"}, stdin=key)
    assert again.returncode != 0 and key not in again.stderr


def test_the_guard_finds_a_planted_secret() -> None:
    planted = secrets.token_hex(32)
    texts = [("a log line of koxx", "configuration: Settings(hot_wallet_key=SecretStr('**********'))"),
             ("tests/faults worker.log", f"... signing with {planted} ...")]  # fmt: skip
    hits = secrets_guard.find_secrets(texts, {"the hot key": planted, "the dev mnemonic": "abandon abandon"})
    assert hits == ["the hot key in tests/faults worker.log"]
    assert secrets_guard.find_secrets(texts[:1], {"the hot key": planted}) == []
    # the session's recorder keeps what is logged (at INFO too), for the scan at the end
    import logging

    logging.getLogger("koxx.test").info("a harmless line %s", "with args")
    assert ("koxx.test", "a harmless line with args") in secrets_guard.RECORDER.lines


async def test_the_sandbox_web_role_holds_no_key_not_even_the_dev_one(databases, tmp_path: Path) -> None:
    """`python webhook.py --role web` without a BOT_TOKEN: the dev wallet's address and xpub,
    never its key or seed (those go only to a process that runs the jobs, as with `make run`)."""
    from bootstrap import DEV_HOT_WALLET_KEY, Runtime

    settings = load_settings(
        signs=False, database_url=await databases.create(), redis_url=None, web_port=0, sandbox_port=0,
        tron_node_port=0, data_dir=tmp_path, tron_api_url=None, bot_token=None, admin_bot_token=None,
        wallet_xpub=None, hot_wallet_address=None,
    )  # fmt: skip
    check_settings(settings, "web")
    runtime = Runtime(settings, role="web", seed_demo=False)
    try:
        await runtime.start()
        started = runtime.settings
        assert started.hot_wallet_key is None and started.wallet_seed is None
        assert started.hot_wallet_address == Signer.from_hex(DEV_HOT_WALLET_KEY).address
        assert wallet_config(started).hot_address == started.hot_wallet_address
    finally:
        await runtime.stop()


async def test_a_worker_starts_from_a_sealed_key_file_and_a_wrong_passphrase_stops_it(databases,
                                                                                       tmp_path: Path) -> None:  # fmt: skip
    """What an operator does: seal the hot key with `python -m core.keyfile seal`, start
    `python webhook.py --role worker` with HOT_WALLET_KEY_FILE and KEY_PASSPHRASE_FILE (behind a
    local Bot API server and TRON node, the fault suite's set-up). It starts on the hot wallet of
    that key; with the wrong passphrase it stops at once with one line."""
    import asyncio
    import signal

    import aiohttp

    from sandbox.telegram import TelegramSandbox
    from sandbox.tron.server import TronNodeServer
    from tests.e2e.harness import free_port

    key, passphrase = secrets.token_hex(32), secrets.token_urlsafe(12)
    secrets_guard.register("test_keys worker key", key)
    secrets_guard.register("test_keys worker passphrase", passphrase)
    pass_file = private_file(tmp_path / "passphrase", passphrase + "\n")
    sealed = tmp_path / "hot.sealed"
    made = run(["-m", "core.keyfile", "seal", "-", str(sealed)], {"KEY_PASSPHRASE_FILE": str(pass_file)}, stdin=key)
    assert made.returncode == 0, made.stderr

    env = production(HOT_WALLET_KEY=None)
    env.update(HOT_WALLET_KEY_FILE=str(sealed), KEY_PASSPHRASE_FILE=str(pass_file))
    wrong = private_file(tmp_path / "wrong", "not the passphrase\n")
    refused = one_line(run(["webhook.py", "--role", "worker"], env | {"KEY_PASSPHRASE_FILE": str(wrong)}))
    assert refused.startswith("Configuration error: HOT_WALLET_KEY_FILE: wrong passphrase"), refused
    assert key not in refused and passphrase not in refused

    tg = TelegramSandbox()
    await tg.start()
    tg.add_bot(env["BOT_TOKEN"], username="koxx_p2p_bot")
    tg.add_bot(env["ADMIN_BOT_TOKEN"], username="koxx_admin_bot")
    web_port = free_port()
    names = {*Settings.model_fields, *(f"{n}_file" for n in Settings.model_fields)}
    child_env = {k: v for k, v in os.environ.items() if k.lower() not in names}
    output: list[str] = []
    async with TronNodeServer() as tron:
        child_env.update(env, TELEGRAM_API_URL=tg.url, TRON_API_URL=tron.url, WEB_PORT=str(web_port),
                         DATA_DIR=str(tmp_path), DATABASE_URL=await databases.create())  # fmt: skip
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "webhook.py", "--role", "worker", cwd=ROOT, env=child_env,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
        )  # fmt: skip
        assert proc.stdout is not None
        try:
            async with asyncio.timeout(60):
                while not any(line.startswith("Hot wallet:") for line in output):
                    line = (await proc.stdout.readline()).decode()
                    assert line, "".join(output)
                    output.append(line)
            async with aiohttp.ClientSession() as http:
                async with http.get(f"http://127.0.0.1:{web_port}/healthz") as resp:
                    assert resp.status == 200 and (await resp.json())["healthy"] is True
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
    assert "KOXX P2P is running (role worker)" in shown and "Traceback" not in shown
    assert f"Hot wallet: {Signer.from_hex(key).address}\n" in shown
    assert key not in shown and passphrase not in shown
