"""The KOXX P2P process: both bots, the scheduler, the notifier and the HTTP app.

    python webhook.py [--role all|web|worker]      (installed: koxx [--role ...])

With WEBHOOK_URL the bots receive updates by webhook (checked against WEBHOOK_SECRET);
without it they long-poll. With no BOT_TOKEN the local Telegram stand-in is started and
the bots talk to it; with no DATABASE_URL a private PostgreSQL is started under DATA_DIR.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
import sys

import uvloop
from bip_utils import MnemonicChecksumError

import logs
from bootstrap import DEV_HOT_WALLET_KEY, ROLES, Runtime, freeze_startup_objects
from core import metrics
from core.config import ConfigError, Settings, load_settings
from core.wallet.addresses import InvalidAddress, parse_destination
from core.wallet.config import wallet_config
from core.wallet.hd import DEV_MNEMONIC, dev_hot_key, xpub_from_mnemonic
from core.wallet.sender import Signer

log = logging.getLogger("koxx")


async def serve(settings: Settings, role: str) -> int:
    runtime = Runtime(settings, role=role)
    metrics.forget_dead_processes()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    try:
        await runtime.start()
        freeze_startup_objects()
        print(f"KOXX P2P is running (role {role}). Health: {runtime.web_url}/healthz", flush=True)
        hot_address = wallet_config(runtime.settings).hot_address
        if hot_address:  # public; says which key the process opened (a sealed file, a passphrase)
            print(f"Hot wallet: {hot_address}", flush=True)
        if runtime.tron_node is not None:
            print(f"Local TRON node: {runtime.tron_node.url}", flush=True)
        if runtime.sandbox is not None:
            print(f"Local Telegram stand-in: open {runtime.sandbox.url}/ in a browser", flush=True)
        await stop.wait()
        print("Stopping...", flush=True)
    finally:
        await runtime.stop()
        metrics.process_ended()
    return 0


def check_settings(settings: Settings, role: str = "all") -> None:
    """Refuse, naming the variable, a configuration the process cannot serve. A BOT_TOKEN (wherever
    TELEGRAM_API_URL points) means real users: nothing of the sandbox may serve them, neither the
    local TRON node (its /control endpoints mint deposits) nor a dev key (its secret is in the source).
    The web role never holds a key (``load_settings(signs=False)``): it hands out deposit addresses
    from WALLET_XPUB and knows the hot wallet by HOT_WALLET_ADDRESS."""
    if settings.webhook_url and not settings.webhook_secret:
        raise ConfigError(
            "WEBHOOK_SECRET: required when WEBHOOK_URL is set (a random string of 32+ characters)"
        )
    if settings.sandboxed:
        return
    if not settings.admin_bot_token:
        raise ConfigError("ADMIN_BOT_TOKEN: required when BOT_TOKEN is set")
    if not settings.tron_api_url:
        raise ConfigError(
            "TRON_API_URL: required when BOT_TOKEN is set (the local TRON node is for the sandbox)"
        )
    if not settings.totp_key:
        raise ConfigError("TOTP_KEY: required when BOT_TOKEN is set (it seals the users' one-time-code secrets)")
    if not settings.documents_key:
        raise ConfigError("DOCUMENTS_KEY: required when BOT_TOKEN is set (it seals the KYC documents)")
    if not settings.api_jwt_secret:
        raise ConfigError("API_JWT_SECRET: required when BOT_TOKEN is set (signs the API's access tokens; "
                          "32+ random characters, the same in every web worker)")
    hot_key = settings.hot_wallet_key.get_secret_value() if settings.hot_wallet_key else ""
    if hot_key.strip().removeprefix("0x").lower() in (DEV_HOT_WALLET_KEY, dev_hot_key().hex()):
        raise ConfigError("HOT_WALLET_KEY: the sandbox's dev key (published in the source); set your own")
    if settings.cold_wallet_address:
        from sandbox.tron.dev_cold import DEV_COLD_ADDRESS

        if settings.cold_wallet_address == DEV_COLD_ADDRESS:
            raise ConfigError("COLD_WALLET_ADDRESS: the sandbox's dev cold wallet (its key is in the source)")
    seed = " ".join(settings.wallet_seed.get_secret_value().split()) if settings.wallet_seed else ""
    if seed.lower() == DEV_MNEMONIC:
        raise ConfigError("WALLET_SEED: the sandbox's dev mnemonic (published in the source); set your own")
    xpub = settings.wallet_xpub.strip() if settings.wallet_xpub else ""
    if xpub == xpub_from_mnemonic(DEV_MNEMONIC):
        raise ConfigError("WALLET_XPUB: the sandbox's dev xpub (its seed is in the source); set your own")
    if seed:
        try:
            seed_xpub = xpub_from_mnemonic(seed)
        except (ValueError, MnemonicChecksumError):
            raise ConfigError("WALLET_SEED: not a valid BIP-39 mnemonic") from None
        if xpub and xpub != seed_xpub:
            raise ConfigError("WALLET_XPUB: not the xpub of WALLET_SEED (its deposits could not be swept)")
    if not seed and not xpub:
        raise ConfigError(
            "WALLET_XPUB: required when BOT_TOKEN is set (or WALLET_SEED); the dev wallet is for the sandbox"
        )
    if settings.hot_wallet_address:
        try:
            parse_destination(settings.hot_wallet_address)
        except InvalidAddress:
            raise ConfigError("HOT_WALLET_ADDRESS: not a TRON address (34 characters starting with T)") from None
    if hot_key and settings.hot_wallet_address:
        try:
            derived = Signer.from_hex(hot_key).address
        except ValueError:
            raise ConfigError("HOT_WALLET_KEY: not a hex private key") from None
        if derived != settings.hot_wallet_address.strip():
            raise ConfigError("HOT_WALLET_ADDRESS: not the address of HOT_WALLET_KEY")
    if role == "web" and not xpub:
        raise ConfigError("WALLET_XPUB: required in the web role (deposit addresses; the seed stays with the worker)")
    if role == "web" and not settings.hot_wallet_address:
        raise ConfigError("HOT_WALLET_ADDRESS: required in the web role (the hot wallet's address; its key stays "
                          "with the worker)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Run KOXX P2P")
    parser.add_argument(
        "--role", choices=ROLES, default="all", help="web: bots and HTTP; worker: jobs and notifier"
    )
    args = parser.parse_args(argv)
    try:
        settings = load_settings(signs=args.role != "web")
        logs.configure(settings)
        check_settings(settings, args.role)
        log.info("configuration: %r", settings)  # secrets show as ********** (SecretStr)
    except ConfigError as exc:
        print(f"Configuration error: {exc}", file=sys.stderr)
        return 2
    # uvloop: the event loop in C, for the many small socket reads and writes of each update.
    try:
        with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
            return runner.run(serve(settings, args.role))
    except ConfigError as exc:  # found while starting (e.g. the wallet's)
        print(f"Configuration error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
