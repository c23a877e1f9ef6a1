"""An Arabic user goes through the whole wallet and reads Arabic only: the balance screen, the
deposit instructions, the deposit notices, every refusal of a bad address or amount, the
confirmation, the withdrawal notices and the history. Latin script is allowed only where it is
data or a name that stays Latin: addresses, txids, USDT/TRX/TRC20, commands, the brand."""

from __future__ import annotations

import re

from core.money import MICRO, Asset
from tests.e2e.harness import Market
from tests.market.flows import pace, press, send
from tests.wallet_bot.conftest import available, deposit_address_of, withdrawals
from tests.wallet_bot.test_withdraw import BAD_CHECKSUM, ETHEREUM, PRIVATE_KEY

LATIN_ALLOWED = re.compile(
    r"T[1-9A-HJ-NP-Za-km-z]{33}|[0-9a-f]{64}|0x…|/[a-z]+|KOXX P2P|USDT|TRX|TRC20|ERC20|BEP20|\bT\b"
)


def latin_leftovers(text: str) -> list[str]:
    return re.findall(r"[A-Za-z]+", LATIN_ALLOWED.sub("", text))


async def test_arabic_user_sees_arabic_only_through_deposit_and_withdrawal(market: Market) -> None:
    ali = await market.newcomer("علي", lang="ar")
    f = market.session_factory
    node = market.runtime.tron_node.node
    await market.runtime.wallet.scan(market.session_factory)  # the scanner watches from the head it first saw

    await send(ali, "/wallet")
    await ali.wait_for(market.traders, contains="محفظتك")
    await press(ali, "📥 إيداع")
    await ali.wait_for(market.traders, contains="ما العملة", edited=True)
    await press(ali, "USDT")
    photo = await ali.wait_for(market.traders, match=lambda m: m.photo is not None)
    assert "عنوان الإيداع" in photo.text
    address = await deposit_address_of(f, ali.id)
    node.send_usdt("ali-exchange", address, 120 * MICRO)
    node.mine(1)
    await market.runtime.wallet.scan(f)
    await ali.wait_for(market.traders, contains="بانتظار")
    node.mine(18)
    await market.runtime.wallet.scan(f)
    credited = await ali.wait_for(market.traders, contains="أُضيف")
    assert "١٢٠" in credited.text
    assert await available(f, ali.id, Asset.USDT) == 120 * MICRO

    await send(ali, "/wallet")
    screen = await ali.wait_for(market.traders, contains="محفظتك")
    assert "المتاح: ١٢٠" in screen.text
    await press(ali, "📤 سحب")
    await ali.wait_for(market.traders, contains="ما العملة", edited=True)
    await press(ali, "USDT")
    await ali.wait_for(market.traders, contains="أرسل عنوان ترون", edited=True)
    for bad, expect in ((BAD_CHECKSUM, "رموز التحقق"), (ETHEREUM, "إيثريوم"), (PRIVATE_KEY, "مفتاح خاص")):
        await send(ali, bad)
        await ali.wait_for(market.traders, contains=expect)
    await pace(ali)
    await ali.send_photo(market.traders, b"not an address")
    await ali.wait_for(market.traders, contains="كنص")

    dest = node.outside_address("ali-wallet")
    await send(ali, dest)
    await ali.wait_for(market.traders, contains="كم \u2068USDT\u2069")
    for bad, expect in (("٠", "أكبر من صفر"), ("١٫١٢٣٤٥٦٧", "٦"), ("١٥٠", "كحد أقصى")):
        await send(ali, bad)
        await ali.wait_for(market.traders, contains=expect)
    assert await withdrawals(f, ali.id) == []

    await send(ali, "٥٠")
    confirm = await ali.wait_for(market.traders, contains="راجع عملية السحب")
    assert "يصل: ٥٠" in confirm.text and "رسوم الشبكة: ٢" in confirm.text
    await press(ali, "تأكيد")
    await ali.wait_for(market.traders, contains="تم طلب السحب")
    await market.tg.settle(market.traders)
    await market.runtime.wallet.send(f)
    await ali.wait_for(market.traders, contains="في طريقه")
    node.mine(20)
    await market.runtime.wallet.send(f)
    sent = await ali.wait_for(market.traders, contains="اكتمل السحب")
    [w] = await withdrawals(f, ali.id)
    assert w.txid and w.txid in sent.text
    assert node.usdt_balance(dest) == 50 * MICRO

    await send(ali, "/wallet")
    await ali.wait_for(market.traders, contains="محفظتك")
    await press(ali, "📜 السجل")
    history = await ali.wait_for(market.traders, contains="سجل المحفظة", edited=True)
    assert "إيداع" in history.text and f"سحب #{w.id}" in history.text

    bot_texts = [m.text for m in ali.chat(market.traders) if m.from_bot]
    wallet_texts = bot_texts[bot_texts.index(next(t for t in bot_texts if "محفظتك" in t)) :]
    leftovers = {text: latin_leftovers(text) for text in wallet_texts if latin_leftovers(text)}
    assert leftovers == {}
    assert PRIVATE_KEY not in "\n".join(m.text for m in ali.chat(market.traders))
