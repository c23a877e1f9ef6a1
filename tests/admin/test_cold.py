"""Refills from cold storage through the admin bot: the cold job asks, an admin prepares the
unsigned transaction (a JSON document and a QR code), the cold key signs it offline, the signed
JSON pasted back is broadcast only when it is exactly that refill; the hot wallet is topped up."""

from __future__ import annotations

import json

from sqlalchemy import select
from tronpy.keys import PrivateKey
from tronpy.tron import Transaction

from core.ledger import audit
from core.money import MICRO
from core.wallet.models import ColdStatus, ColdTransfer
from core.wallet.sender import Signer
from sandbox.tron.chain import raw_address
from sandbox.tron.dev_cold import DEV_COLD_ADDRESS, DEV_COLD_KEY
from tests.admin.conftest import Staffed


def sign_offline(document: bytes, key_hex: str, **changes: object) -> str:
    """What the cold key's holder does on an offline machine: load the document, sign it."""
    doc = json.loads(document)
    value = doc["raw_data"]["contract"][0]["parameter"]["value"]
    value.update(changes)
    tx = Transaction(raw_data=doc["raw_data"], txid=doc["txID"], permission=None)
    tx.sign(PrivateKey(bytes.fromhex(key_hex)))
    return json.dumps(tx.to_json())


async def test_a_refill_signed_offline_is_pasted_back_and_tops_the_hot_wallet_up(staffed: Staffed) -> None:
    m, a1, a2 = staffed.market, staffed.admin1, staffed.admin2
    runtime = m.runtime
    assert runtime.settings.cold_wallet_address == DEV_COLD_ADDRESS and runtime.wallet and runtime.tron_node
    chain = runtime.tron_node.node.chain
    hot = Signer.hot_wallet(runtime.settings).address
    chain.fund(DEV_COLD_ADDRESS, trx_sun=100 * MICRO, usdt=20_000 * MICRO)
    chain.state.nums[chain.usdt.balance_key(raw_address(hot))] = 100 * MICRO  # the hot wallet paid out most
    user = await staffed.person("Rana")
    w = await staffed.withdrawal(user, 1_500 * MICRO)  # waits for an admin: 1,502 USDT needed soon

    asked = await runtime.wallet.cold(runtime.session_factory)
    assert asked is not None and len(asked.requested) == 1
    # target: 1,502 waiting + 5% of the 1,510 users own (75.5) = 1,577.5; the hot wallet holds 100
    push = await a1.wait_for(m.admin_bot, contains="short of USDT")
    assert "1,477.5 USDT" in push.text
    await a2.wait_for(m.admin_bot, contains="ينقصها")  # Basim reads Arabic

    await a1.press(m.admin_bot, "Prepare the USDT refill", message=push)
    shown = await a1.wait_for(m.admin_bot, contains="Refill #")
    assert DEV_COLD_ADDRESS in shown.text and hot in shown.text and "1,477.5 USDT" in shown.text
    file_msg = await a1.wait_for(m.admin_bot, match=lambda msg: msg.document is not None)
    document = m.tg.files[file_msg.document["file_id"]].data
    assert json.loads(document)["signature"] == []  # unsigned
    await a1.wait_for(m.admin_bot, match=lambda msg: bool(msg.photo))  # the QR code

    # a different amount, a different destination, a wrong key: refused, nothing broadcast
    other = PrivateKey(bytes.fromhex("99" * 32)).public_key.to_base58check_address()
    await a1.send(m.admin_bot, sign_offline(document, DEV_COLD_KEY, amount=1))  # an extra field: another transaction
    await a1.wait_for(m.admin_bot, contains="not the refill transaction the bot prepared")
    usdt = json.loads(document)["raw_data"]["contract"][0]["parameter"]["value"]
    more = usdt["data"][:-64] + f"{2_000 * MICRO:064x}"
    await a1.send(m.admin_bot, sign_offline(document, DEV_COLD_KEY, data=more))
    refused = await a1.wait_for(m.admin_bot, contains="Refused")
    assert "2,000 USDT" in refused.text and "1,477.5 USDT" in refused.text
    elsewhere = usdt["data"][:8] + "0" * 24 + raw_address(other)[1:].hex() + usdt["data"][-64:]
    await a1.send(m.admin_bot, sign_offline(document, DEV_COLD_KEY, data=elsewhere))
    refused = await a1.wait_for(m.admin_bot, contains="not the hot wallet")
    assert other in refused.text
    await a1.send(m.admin_bot, sign_offline(document, "99" * 32))
    await a1.wait_for(m.admin_bot, contains="not the cold wallet's key")
    assert chain.token_balance(hot) == 100 * MICRO and chain.token_balance(DEV_COLD_ADDRESS) == 20_000 * MICRO

    # the right one, as a .json file
    await a1.send_document(m.admin_bot, sign_offline(document, DEV_COLD_KEY).encode(), filename="signed.json",
                           mime_type="application/json")  # fmt: skip
    sent = await a1.wait_for(m.admin_bot, contains="on its way")
    async with m.session_factory() as s:
        [row] = list(await s.scalars(select(ColdTransfer).where(ColdTransfer.direction == "in")))
    assert (row.direction, row.status, row.amount, row.admin_id) == ("in", ColdStatus.BROADCAST, 1_477_500_000, a1.id)
    assert row.txid and row.txid in sent.text
    runtime.tron_node.node.mine(25)
    done = await runtime.wallet.cold(runtime.session_factory)
    assert done is not None and row.id in done.done
    assert chain.token_balance(hot) == 1_577_500_000
    assert chain.token_balance(DEV_COLD_ADDRESS) == 20_000 * MICRO - 1_477_500_000
    await a1.wait_for(m.admin_bot, contains=f"Refill #{row.id} arrived")
    async with m.session_factory() as s:
        assert (await audit(s)).violations == []
    assert w.status == "awaiting_approval"

    await a1.send(m.admin_bot, "/cold")
    screen = await a1.wait_for(m.admin_bot, contains="Hot and cold wallets")
    assert "hot 1,577.5 USDT" in screen.text and "cold 18,522.5 USDT" in screen.text
