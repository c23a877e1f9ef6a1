"""Withdrawals through the conversation: bad destinations and bad amounts are refused with a
clear message and move nothing; a confirmed withdrawal (pressed twice) holds once, is signed by
the hot wallet, reaches the recipient on the local TRON node, and the user is told with the
txid. Large ones wait for an admin; a rejection gives the coins back."""

from __future__ import annotations

from sqlalchemy import update

from core.db import transaction
from core.money import MICRO, Asset
from core.users import User
from core.wallet import approve, reject
from core.wallet.models import WithdrawalStatus
from tests.e2e.harness import Market, eventually
from tests.market.flows import pace, press, send
from tests.wallet_bot.conftest import available, deposit_address_of, fund, withdrawals

BAD_CHECKSUM = "TY72iA3SBtrds3QLYsS7LwYfkzXwAXCRWX"  # TY72iA3SBtrds3QLYsS7LwYfkzXwAXCRWT with a typo
ETHEREUM = "0x52908400098527886E0F7030069857D2E4169EE7"
PRIVATE_KEY = "8d596057e510b14cbb9bf24f88803a6d6dbd138dd303a62b175b9e6cc0f3f941"
USDT_CONTRACT = "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t"


async def open_withdraw(market: Market, user, asset: str = "USDT") -> None:  # type: ignore[no-untyped-def]
    await send(user, "/wallet")
    await user.wait_for(market.traders, contains="Your wallet")
    await press(user, "📤 Withdraw")
    await user.wait_for(market.traders, contains="Which coin", edited=True)
    await press(user, asset)
    await user.wait_for(market.traders, contains="Send the TRON address", edited=True)


async def refused(market: Market, user, text: str, expect: str) -> str:  # type: ignore[no-untyped-def]
    await send(user, text)
    reply = await user.wait_for(market.traders, contains=expect)
    return reply.text


async def set_kyc(market: Market, user_id: int, level: int) -> None:
    async with transaction(market.session_factory) as s:
        await s.execute(update(User).where(User.id == user_id).values(kyc_level=level))


async def test_bad_destinations_and_amounts_move_nothing_then_a_withdrawal_reaches_the_chain(
    market: Market,
) -> None:
    bob = await market.newcomer("Bob", lang="en")
    f = market.session_factory
    await fund(f, bob.id, Asset.USDT, 100 * MICRO)
    await open_withdraw(market, bob)

    assert "check digits" in await refused(market, bob, BAD_CHECKSUM, "typo")
    assert "TRON network only" in await refused(market, bob, ETHEREUM, "Ethereum")
    assert "lost" in await refused(market, bob, USDT_CONTRACT, "token contract")
    await pace(bob)
    await bob.send_photo(market.traders, b"\x89PNG not really", caption="my address")
    await bob.wait_for(market.traders, contains="Please send the TRON address as text")
    assert "34 characters" in await refused(market, bob, "hello", "not a TRON address")

    # A pasted private key: a warning, the key never echoed, the message removed from the chat.
    warning = await refused(market, bob, PRIVATE_KEY, "PRIVATE KEY")
    assert "Move your funds" in warning and PRIVATE_KEY not in warning

    async def key_deleted() -> bool:
        return all(PRIVATE_KEY not in m.text for m in bob.chat(market.traders))

    await eventually(key_deleted)
    assert all(PRIVATE_KEY not in m.text for m in bob.chat(market.traders))

    # Our own deposit address (anyone's) is refused: that is what /transfer is for.
    carol = await market.newcomer("Carol", lang="en")
    await send(carol, "/wallet")
    await carol.wait_for(market.traders, contains="Your wallet")
    await press(carol, "📥 Deposit")
    await carol.wait_for(market.traders, contains="Which coin", edited=True)
    await press(carol, "TRX")
    await carol.wait_for(market.traders, match=lambda m: m.photo is not None)
    carol_address = await deposit_address_of(f, carol.id)
    assert "/transfer" in await refused(market, bob, carol_address, "deposit address")

    assert await withdrawals(f, bob.id) == []
    assert await available(f, bob.id, Asset.USDT) == 100 * MICRO

    # A good address, then amounts: refused until one makes sense (Arabic-Indic digits are fine).
    node = market.runtime.tron_node.node
    dest = node.outside_address("bob-ledger")
    await send(bob, dest)
    prompt = await bob.wait_for(market.traders, contains="How much USDT should arrive")
    assert (
        "up to 98 USDT" in prompt.text
        and "daily withdrawal limit: 1,000 USDT left of 1,000 USDT" in prompt.text
    )
    await refused(market, bob, "0", "more than zero")
    await refused(market, bob, "-5", "more than zero")
    await refused(market, bob, "1.1234567", "At most 6 digits")
    await refused(market, bob, "5000000000", "The most you can enter")
    await refused(market, bob, "3", "The smallest withdrawal is 5 USDT")
    await refused(market, bob, "99", "at most 98 USDT")
    assert await withdrawals(f, bob.id) == []

    await send(bob, "٤٠")
    confirm = await bob.wait_for(market.traders, contains="Please check your withdrawal")
    assert "Arrives: 40 USDT" in confirm.text and "Network fee: 2 USDT" in confirm.text
    assert "Taken from your balance: 42 USDT" in confirm.text and dest in confirm.text
    assert "checked by an admin" not in confirm.text

    # Pressed twice before the first answer: one withdrawal, one hold.
    data = confirm.button("✅ Confirm")["callback_data"]
    await pace(bob)
    await bob.send_callback(market.traders, data, message=confirm)
    await bob.send_callback(market.traders, data, message=confirm)
    done = await bob.wait_for(market.traders, contains="requested")
    assert "40 USDT" in done.text

    async def one_hold() -> bool:
        return len(await withdrawals(f, bob.id)) == 1 and await available(f, bob.id, Asset.USDT) == 58 * MICRO

    await eventually(one_hold)
    await market.tg.settle(market.traders)
    [w] = await withdrawals(f, bob.id)
    assert (w.asset, w.amount, w.fee, w.to_address, w.status) == ("USDT", 40 * MICRO, 2 * MICRO, dest,
                                                                    WithdrawalStatus.APPROVED)  # fmt: skip

    # The send job signs with the hot wallet; the user hears when it is on its way and when final.
    await market.runtime.wallet.send(f)
    on_way = await bob.wait_for(market.traders, contains="on its way")
    node.mine(1)
    node.mine(19)
    await market.runtime.wallet.send(f)
    sent = await bob.wait_for(market.traders, contains="completed")
    [w] = await withdrawals(f, bob.id)
    assert w.status == WithdrawalStatus.SENT and w.txid
    assert f"<code>{w.txid}</code>" in sent.html and f"<code>{w.txid}</code>" in on_way.html
    [tx] = [t for t in node.transactions(dest) if t["to"] == dest]
    hot = market.runtime.wallet.config.hot_address
    assert (tx["txid"], tx["owner"], tx["asset"], tx["amount"], tx["result"]) == (w.txid, hot, "USDT", 40 * MICRO,
                                                                                  "SUCCESS")  # fmt: skip
    assert node.usdt_balance(dest) == 40 * MICRO
    assert await available(f, bob.id, Asset.USDT) == 58 * MICRO

    # History: the withdrawal line with its sign.
    await send(bob, "/wallet")
    await bob.wait_for(market.traders, contains="Your wallet")
    await press(bob, "📜 History")
    history = await bob.wait_for(market.traders, contains="Wallet history", edited=True)
    assert f"Withdrawal #{w.id} · −42 USDT" in history.text and "Deposit · +100 USDT" in history.text


async def test_large_withdrawal_waits_for_an_admin_and_a_rejection_returns_the_hold(market: Market) -> None:
    dana = await market.newcomer("Dana", lang="en")
    f = market.session_factory
    await set_kyc(market, dana.id, 1)
    await fund(f, dana.id, Asset.USDT, 3_000 * MICRO)
    await open_withdraw(market, dana)
    await send(dana, market.runtime.tron_node.node.outside_address("dana-wallet"))
    await dana.wait_for(market.traders, contains="How much USDT")
    await send(dana, "1,500")
    confirm = await dana.wait_for(market.traders, contains="Please check your withdrawal")
    assert "checked by an admin" in confirm.text
    await press(dana, "✅ Confirm")
    done = await dana.wait_for(market.traders, contains="requested")
    assert "waiting for an admin's approval" in done.text
    await market.tg.settle(market.traders)

    async def held() -> bool:
        ws = await withdrawals(f, dana.id)
        return len(ws) == 1 and ws[0].status == WithdrawalStatus.AWAITING_APPROVAL

    await eventually(held)
    assert await available(f, dana.id, Asset.USDT) == (3_000 - 1_502) * MICRO
    [w] = await withdrawals(f, dana.id)
    async with transaction(f) as s:
        await reject(s, w.id, market.admin.id, "Please verify the address with support first")
    rejected = await dana.wait_for(market.traders, contains="was not approved")
    assert "1,502 USDT" in rejected.text and "Please verify the address with support first" in rejected.text
    assert await available(f, dana.id, Asset.USDT) == 3_000 * MICRO

    # A second one, approved this time: the user is told before it is sent.
    await open_withdraw(market, dana)
    await send(dana, market.runtime.tron_node.node.outside_address("dana-wallet"))
    await dana.wait_for(market.traders, contains="How much USDT")
    await send(dana, "1200")
    await dana.wait_for(market.traders, contains="Please check your withdrawal")
    await press(dana, "✅ Confirm")
    await dana.wait_for(market.traders, contains="requested")
    await market.tg.settle(market.traders)
    await eventually(lambda: _count(f, dana.id, 2))
    second = (await withdrawals(f, dana.id))[-1]
    async with transaction(f) as s:
        await approve(s, second.id, market.admin.id)
    approved = await dana.wait_for(market.traders, contains="was approved")
    assert "1,200 USDT" in approved.text


async def _count(f, user_id: int, n: int) -> bool:  # type: ignore[no-untyped-def]
    return len(await withdrawals(f, user_id)) == n


async def test_daily_limit_is_explained_with_how_to_raise_it(market: Market) -> None:
    eve = await market.newcomer("Eve", lang="en")
    await fund(market.session_factory, eve.id, Asset.USDT, 5_000 * MICRO)
    await open_withdraw(market, eve)
    await send(eve, market.runtime.tron_node.node.outside_address("eve-wallet"))
    await eve.wait_for(market.traders, contains="How much USDT")
    text = await refused(market, eve, "1,001", "daily withdrawal limit")
    assert "1,000 USDT" in text and "/verify" in text
    assert await withdrawals(market.session_factory, eve.id) == []
