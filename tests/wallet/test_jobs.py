"""The wallet's jobs built from Settings, as the scheduler will call them, and the guard that
keeps the dev wallet (its mnemonic is in the source) out of production."""

import pytest

from core.config import ConfigError, load_settings
from core.db import transaction
from core.money import MICRO, Asset
from core.wallet import WalletJobs, deposit_address, wallet_config
from core.wallet.hd import DEV_MNEMONIC, address_at, dev_hot_key, xpub_from_mnemonic
from core.wallet.sender import Signer
from tests.wallet.conftest import available, create_user

HOT = "2b" * 32
XPUB = xpub_from_mnemonic(" ".join(["abandon"] * 11 + ["about"]))
LOCAL = "http://127.0.0.1:8090/"


@pytest.mark.parametrize(
    "settings",
    [
        {"tron_api_url": "https://api.trongrid.io"},  # a real network
        {"tron_api_url": LOCAL, "bot_token": "123:real"},  # a real bot: production on a local node
    ],
)
def test_outside_the_sandbox_an_xpub_is_required(settings):
    with pytest.raises(ConfigError):
        wallet_config(load_settings(**settings))
    with pytest.raises(ConfigError):
        WalletJobs.from_settings(load_settings(**settings))


def test_outside_the_sandbox_no_dev_keys_are_used():
    jobs = WalletJobs.from_settings(load_settings(tron_api_url=LOCAL, bot_token="123:real", wallet_xpub=XPUB))
    assert jobs.config.xpub == XPUB
    assert jobs.config.hot_address is None and jobs.sender is None and jobs.sweeper is None


def test_the_sandbox_runs_on_the_dev_wallet():
    config = wallet_config(load_settings(tron_api_url=LOCAL))
    assert config.xpub == xpub_from_mnemonic(DEV_MNEMONIC)
    dev_hot = dev_hot_key().public_key.to_base58check_address()
    assert config.hot_address == dev_hot != address_at(config.xpub, 0)
    jobs = WalletJobs.from_settings(load_settings(tron_api_url=LOCAL))
    assert jobs.sender is not None and jobs.sweeper is not None


def test_without_a_node_there_are_no_jobs():
    assert WalletJobs.from_settings(load_settings(tron_api_url=None)) is None
    assert "2b2b" not in repr(Signer.from_hex(HOT))


async def test_jobs_scan_and_send_from_settings(tron, fresh_factory):
    f = fresh_factory
    settings = load_settings(tron_api_url=tron.url, hot_wallet_key=HOT, wallet_seed=DEV_MNEMONIC)
    jobs = WalletJobs.from_settings(settings)
    assert jobs.config.hot_address == Signer.from_hex(HOT).address and jobs.sweeper is not None
    tron.node.fund(jobs.config.hot_address, trx_sun=100 * MICRO)
    assert await jobs.scan(f) == 0  # starts at the head: nothing to announce
    uid = await create_user(f)
    async with transaction(f) as s:
        address = await deposit_address(s, uid, jobs.config.xpub)
    assert address == address_at(jobs.config.xpub, 0)
    tron.node.send_trx("ivan", address, 9 * MICRO)
    tron.node.mine(20)
    assert await jobs.scan(f) == 2  # detected and credited in one go (its block was final)
    assert await available(f, uid, Asset.TRX) == 9 * MICRO
    assert await jobs.scan(f) == 0
    sent = await jobs.send(f)
    assert sent is not None and not sent  # nothing to send: the notifier is not woken
    reports = await jobs.report(f)
    assert {r.asset for r in reports} == {Asset.USDT, Asset.TRX}
    await jobs.close()


def test_the_hot_wallet_signer_from_settings():
    assert Signer.hot_wallet(load_settings(hot_wallet_key=HOT)).address == Signer.from_hex(HOT).address
    with pytest.raises(RuntimeError):
        Signer.hot_wallet(load_settings(hot_wallet_key=None))
