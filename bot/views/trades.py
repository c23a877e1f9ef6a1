"""How trades read, for one party: the quote before taking, the trade card, confirmations."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from aiogram.utils.i18n import gettext as _

from bot.keyboards import trades as kb
from bot.views.common import method_name, status_name, trade_ref
from bot.views.trade_details import clock
from botkit import fmt
from botkit.i18n import lang
from core.escrow import Offer, Quote, Trade
from core.events import TradeFacts


def role_of(trade: Trade | TradeFacts, user_id: int) -> str:
    return "seller" if user_id == trade.seller_id else "buyer"


def quote_view(offer: Offer, q: Quote, *, amount: str, unit: str, moved_from: Decimal | None = None) -> dict[str, Any]:
    """The quote with its Confirm button (which carries the quoted price); ``moved_from``: the
    price of the quote the user had confirmed, now out of date."""
    lg = lang()
    n = q.numbers
    you_buy = q.buyer_id != offer.maker_id
    lines: list[str] = []
    if moved_from is not None:
        lines += [_("⚠️ The price changed from {old} to {new}. Nothing was opened; here is the new quote.").format(
            old=fmt.price(moved_from, offer.fiat, offer.asset, lg), new=fmt.price(n.price, offer.fiat, offer.asset, lg)),
            ""]  # fmt: skip
    crypto = fmt.crypto(n.crypto_amount, offer.asset, lg)
    lines += [
        _("<b>Check before you confirm</b>"),
        (_("You buy: {crypto}") if you_buy else _("You sell: {crypto}")).format(crypto=crypto),
        _("Price: {price}").format(price=fmt.price(n.price, offer.fiat, offer.asset, lg)),
        (_("You pay: {fiat}") if you_buy else _("You receive: {fiat}")).format(
            fiat=fmt.fiat(n.fiat_amount, offer.fiat, lg)),
    ]
    if you_buy:
        lines.append(_("Trading fee: {fee} (you receive {receive})").format(
            fee=fmt.crypto(n.buyer_fee, offer.asset, lg), receive=fmt.crypto(n.buyer_receives, offer.asset, lg)))
    else:
        lines.append(_("Trading fee: {fee} (locked with the amount: {escrow})").format(
            fee=fmt.crypto(n.seller_fee, offer.asset, lg), escrow=fmt.crypto(n.escrow_amount, offer.asset, lg)))
    if q.payment_method:
        lines.append(_("Payment method: {method}").format(method=method_name(q.payment_method)))
    lines.append(_("Payment window: {window}").format(window=fmt.duration(q.payment_window, lg)))
    lines.append("")
    if you_buy:
        lines.append(_("When you confirm, the seller's coins are locked in escrow and you have {window} to pay.")
                     .format(window=fmt.duration(q.payment_window, lg)))
    else:
        lines.append(_("When you confirm, your coins are locked in escrow until you release them."))
    return {"text": "\n".join(lines), "reply_markup": kb.quote_keyboard(offer.id, amount, unit, n.price)}


def _deadline(expires_at: datetime | str | None) -> str:
    if expires_at is None:
        return ""
    moment = datetime.fromisoformat(expires_at) if isinstance(expires_at, str) else expires_at
    return clock(moment, lang())  # "18:02 Baghdad" (a window is at most a day; the countdown line says how long)


def trade_text(trade: Trade | TradeFacts, viewer_id: int, *, headline: str | None = None) -> str:
    """The facts of a trade for one of its parties, then what to do now."""
    lg = lang()
    role = role_of(trade, viewer_id)
    lines = []
    if headline:
        lines += [headline, ""]
    lines += [
        f"<b>{trade_ref(trade.id)}</b> · {status_name(trade.status)}",
        _("You are the buyer") if role == "buyer" else _("You are the seller"),
        _("Amount: {crypto}").format(crypto=fmt.crypto(trade.crypto_amount, trade.asset, lg)),
        _("Price: {price}").format(price=fmt.price(trade.price, trade.fiat, trade.asset, lg)),
        _("Total to pay: {fiat}").format(fiat=fmt.fiat(trade.fiat_amount, trade.fiat, lg)),
    ]
    if trade.payment_method:
        lines.append(_("Payment method: {method}").format(method=method_name(trade.payment_method)))
    if role == "buyer":
        lines.append(_("You receive: {crypto} (after the {fee} fee)").format(
            crypto=fmt.crypto(trade.buyer_receives, trade.asset, lg), fee=fmt.crypto(trade.buyer_fee, trade.asset, lg)))
    else:
        lines.append(_("Locked in escrow: {crypto} (with the {fee} fee)").format(
            crypto=fmt.crypto(trade.escrow_amount, trade.asset, lg), fee=fmt.crypto(trade.seller_fee, trade.asset, lg)))
    lines.append("")
    lines.append(next_step(trade, role))
    return "\n".join(lines)


def next_step(trade: Trade | TradeFacts, role: str) -> str:
    lg = lang()
    fiat = fmt.fiat(trade.fiat_amount, trade.fiat, lg)
    if trade.status == "awaiting_payment":
        if role == "buyer":
            return _("Pay {fiat} to the seller before {deadline}, then press \"I have paid\". "
                     "Write here to talk to the seller.").format(fiat=fiat, deadline=_deadline(trade.expires_at))
        return _("The coins are locked in escrow. Wait for the buyer to pay {fiat}; do not release before the "
                 "money is in your account. Write here to talk to the buyer.").format(fiat=fiat)
    if trade.status == "paid":
        if role == "buyer":
            return _("The seller has been told. The coins are released when the seller confirms the payment.")
        return _("The buyer says {fiat} was sent. Check your account; when the money is there, release the coins.")\
            .format(fiat=fiat)
    if trade.status == "disputed":
        return _("A moderator will look at this trade. Write here to add to your statement.")
    if trade.status == "completed":
        return _("The trade is complete.")
    return _("The trade was cancelled; the coins went back to the seller.")


def trade_card(trade: Trade | TradeFacts, viewer_id: int, *, headline: str | None = None, rated: bool = False) -> dict[str, Any]:
    keyboard = kb.trade_actions(trade.id, status=trade.status, role=role_of(trade, viewer_id),
                                asset=trade.asset, rated=rated)
    return {"text": trade_text(trade, viewer_id, headline=headline), "reply_markup": keyboard}


def paid_question(trade: Trade, *, with_receipt: bool) -> dict[str, Any]:
    """"Did you really pay?" in one screen with the optional receipt: a photo sent now is
    shown to the seller (the same question comes back saying so)."""
    lg = lang()
    text = _("<b>Did you really transfer the money?</b>\n"
             "Confirm only if {fiat} has left your account to the seller. "
             "Pressing this without paying can get your account frozen.").format(
        fiat=fmt.fiat(trade.fiat_amount, trade.fiat, lg))
    if with_receipt:
        text += "\n" + _("Your receipt photo will be shown to the seller.")
    else:
        text += "\n" + _("Send a photo of your payment receipt now if you have one (optional): it helps the seller "
                         "and, if needed, the moderator.")
    return {"text": text, "reply_markup": kb.confirm(trade.id, _("✅ Yes, I have paid"), "paid_yes")}


def release_question(trade: Trade) -> dict[str, Any]:
    lg = lang()
    text = _("<b>Release {crypto} to the buyer?</b>\n"
             "Do this only if {fiat} has arrived in your account. Check your balance in the app itself, "
             "not a screenshot. Release cannot be undone.").format(
        crypto=fmt.crypto(trade.crypto_amount, trade.asset, lg), fiat=fmt.fiat(trade.fiat_amount, trade.fiat, lg))
    return {"text": text, "reply_markup": kb.confirm(
        trade.id, _("🔓 Yes, I received {fiat}: release").format(fiat=fmt.fiat(trade.fiat_amount, trade.fiat, lg)),
        "release_yes")}


def cancel_question(trade: Trade) -> dict[str, Any]:
    text = _("<b>Cancel this trade?</b>\nCancel only if you have NOT paid. The seller's coins go back to the seller.")
    return {"text": text, "reply_markup": kb.confirm(trade.id, _("❌ Yes, cancel the trade"), "cancel_yes")}


def trades_list(trades: list[Trade], viewer_id: int) -> dict[str, Any]:
    lg = lang()
    if not trades:
        return {"text": _("You have no trades yet. Find an offer with /offers."), "reply_markup": None}
    items = []
    for trade in trades:
        role = _("buy") if role_of(trade, viewer_id) == "buyer" else _("sell")
        items.append((trade.id, f"#{trade.id} · {role} {fmt.crypto(trade.crypto_amount, trade.asset, lg)} · "
                                f"{status_name(trade.status)}"))
    return {"text": _("<b>Your trades</b> (open ones and the latest)"), "reply_markup": kb.trades_list(items)}


def fiat_amount_hint(offer: Offer, max_fiat: Decimal) -> str:
    lg = lang()
    verb = _("How much do you want to buy?") if offer.side == "sell" else _("How much do you want to sell?")
    return "{verb}\n{hint}".format(verb=verb, hint=_(
        "Type the amount in {fiat} between {min} and {max}, or in {asset} (for example \"100 {asset}\").").format(
        fiat=fmt.code(offer.fiat, lg), min=fmt.fiat(offer.min_fiat, offer.fiat, lg),
        max=fmt.fiat(max_fiat, offer.fiat, lg), asset=fmt.code(offer.asset, lg)))


def quick_amounts(offer: Offer, most: Decimal, carried: Decimal | None = None) -> list[tuple[str, Decimal]]:
    """The amount buttons of an offer: the amount typed in the market's filter (when it fits),
    the offer's minimum and the most the trader may take now."""
    lg = lang()
    buttons: list[tuple[str, Decimal]] = []
    if carried is not None and offer.min_fiat <= carried <= most:
        buttons.append((_("🤝 {fiat}").format(fiat=fmt.fiat(carried, offer.fiat, lg)), carried))
    if offer.min_fiat < most and offer.min_fiat != carried:
        buttons.append((_("Min {fiat}").format(fiat=fmt.fiat(offer.min_fiat, offer.fiat, lg)), offer.min_fiat))
    if most >= offer.min_fiat and most != carried:
        buttons.append((_("Max {fiat}").format(fiat=fmt.fiat(most, offer.fiat, lg)), most))
    return buttons
