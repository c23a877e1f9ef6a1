"""Texts of the defects fixed for issue 21, in English and Arabic, without a running bot."""

from __future__ import annotations

from decimal import Decimal

import pytest
from aiogram.utils.i18n import gettext as _

import bot.handlers.offers  # noqa: F401  (registers the offer form's error texts)
from bot.keyboards.offers import BrowseCb
from bot.views.offers import market_page, offer_body
from botkit.errors import error_text
from botkit.i18n import use_locale
from core.errors import DomainError
from core.escrow import OfferPage, UserStats
from core.escrow.browse import OfferRow
from core.escrow.models import Offer
from core.money import MICRO


def test_a_maximum_above_the_offers_worth_is_refused_in_both_languages() -> None:
    error = DomainError("max_exceeds_amount", max_fiat="300000", amount_fiat="262000", fiat="IQD")
    with use_locale("en"):
        en = error_text(error)
    with use_locale("ar"):
        ar = error_text(error)
    assert en == ("The maximum per trade (300,000 IQD) is more than the whole offer is worth (262,000 IQD). "
                  "Type at most 262,000 IQD.")  # fmt: skip
    assert "٣٠٠٬٠٠٠ د.ع" in ar and "٢٦٢٬٠٠٠ د.ع" in ar and "262" not in ar


def _row(side: str, offer_id: int) -> OfferRow:
    offer = Offer(id=offer_id, maker_id=7, side=side, asset="USDT", fiat="IQD", price_type="fixed",
                  price=Decimal(1310), margin_pct=None, amount=100 * MICRO, remaining=100 * MICRO,
                  min_fiat=Decimal(50000), max_fiat=Decimal(131000), payment_methods=["zaincash"],
                  payment_note=None, payment_window=30, status="active")  # fmt: skip
    stats = UserStats(user_id=7, completed_trades=4, avg_release_seconds=600)
    return OfferRow(
        offer=offer, price=Decimal(1310), max_fiat=Decimal(131000), maker_name="Samir", maker=stats
    )


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_the_release_time_shows_only_for_makers_who_release(lang: str) -> None:
    """A sell offer's maker releases to the one buying; a buy offer's maker pays, so their release
    time would mean nothing to the one selling to them."""
    with use_locale(lang):
        release = _("⏱ releases in {time}").split("{time}")[0].strip()
        to_buyers = market_page(OfferPage(items=[_row("sell", 1)], total=1, offset=0, limit=10),
                                BrowseCb(side="sell", asset="USDT", fiat="IQD"))["text"]  # fmt: skip
        to_sellers = market_page(OfferPage(items=[_row("buy", 2)], total=1, offset=0, limit=10),
                                 BrowseCb(side="buy", asset="USDT", fiat="IQD"))["text"]  # fmt: skip
        card = "\n".join(offer_body(_row("buy", 2).offer, Decimal(1310), _row("buy", 2).maker))
    assert release in to_buyers
    assert release not in to_sellers and release not in card
