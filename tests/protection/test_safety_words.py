"""Safety words (issue 22): a trade in IQD through an e-wallet opens with a reminder to both sides
never to mention crypto in the transfer note and that admins never write first; a USD trade or a
bank transfer does not carry it."""

from __future__ import annotations

from bot.views.trade_details import safety_words
from botkit.i18n import use_locale
from core.escrow.safety import wallet_warning_due
from tests.e2e.harness import Market
from tests.i18n.arabic_text import problems
from tests.market.flows import T, open_trade

REMINDER = "write nothing about crypto"


async def test_an_iqd_wallet_trade_reminds_both_sides(market: Market) -> None:
    seller = await market.newcomer("Samir", lang="en")
    buyer = await market.newcomer("Bilal", lang="en")
    _, trade_id = await open_trade(market, seller, buyer)  # ZainCash, IQD
    opened = next(m for m in buyer.chat(T) if "Trade opened" in m.text)
    assert REMINDER in opened.text and "Admins never write to you first" in opened.text
    told = await seller.wait_for(T, contains="New trade on your offer")
    assert REMINDER in told.text and f"Trade #{trade_id}" in told.text


def test_the_reminder_in_arabic_and_only_where_it_matters() -> None:
    with use_locale("ar"):
        shown = safety_words("IQD", "zaincash")
    assert "المحافظ العراقية" in shown and problems(shown) == []
    assert wallet_warning_due("IQD", "fastpay") and wallet_warning_due("IQD", "superqi")
    assert not wallet_warning_due("USD", "zaincash") and not wallet_warning_due("IQD", "bank")
    assert not wallet_warning_due("IQD", None)
