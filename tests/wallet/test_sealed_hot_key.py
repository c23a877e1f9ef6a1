"""The worker's hot key from a sealed file: it opens with the passphrase and signs a withdrawal
that reaches the local node from the expected hot address."""

import secrets

from core.config import load_settings
from core.crypto import seal_with_passphrase
from core.db import transaction
from core.money import MICRO, Asset
from core.wallet import withdrawals as wd
from core.wallet.hd import DEV_MNEMONIC
from core.wallet.jobs import WalletJobs
from core.wallet.models import Withdrawal, WithdrawalStatus
from core.wallet.sender import Signer
from tests import secrets_guard
from tests.wallet.conftest import create_user, fund

DEST = "TY72iA3SBtrds3QLYsS7LwYfkzXwAXCRWT"


async def test_a_sealed_hot_key_signs_withdrawals(tron, fresh_factory, tmp_path, monkeypatch):
    key = secrets.token_hex(32)
    secrets_guard.register("test_sealed_hot_key key", key)
    expected = Signer.from_hex(key).address
    sealed = tmp_path / "hot.sealed"
    sealed.write_text(seal_with_passphrase("correct horse", key.encode()) + "\n")
    sealed.chmod(0o600)
    passphrase = tmp_path / "passphrase"
    passphrase.write_text("correct horse\n")
    passphrase.chmod(0o400)
    monkeypatch.setenv("HOT_WALLET_KEY_FILE", str(sealed))
    monkeypatch.setenv("KEY_PASSPHRASE_FILE", str(passphrase))
    jobs = WalletJobs.from_settings(load_settings(tron_api_url=tron.url, wallet_seed=DEV_MNEMONIC))
    assert jobs is not None and jobs.sender is not None
    try:
        assert jobs.config.hot_address == expected
        tron.node.fund(expected, trx_sun=1_000 * MICRO, usdt=100 * MICRO)
        uid = await create_user(fresh_factory, kyc_level=1)
        await fund(fresh_factory, uid, Asset.USDT, 50 * MICRO)
        async with transaction(fresh_factory) as s:
            w = await wd.request_withdrawal(
                s, jobs.config, user_id=uid, address=DEST, asset=Asset.USDT, amount=20 * MICRO
            )
        before = tron.node.head_number
        await jobs.send(fresh_factory)
        tron.node.mine(25)
        await jobs.send(fresh_factory)
        async with fresh_factory() as s:
            sent = await s.get(Withdrawal, w.id)
            assert sent is not None and sent.status == WithdrawalStatus.SENT
        [tx] = [t for t in tron.node.transactions(DEST, since_block=before) if t["txid"] == sent.txid]
        assert (tx["owner"], tx["amount"], tx["result"]) == (expected, 20 * MICRO, "SUCCESS")
    finally:
        await jobs.close()
