"""How the marketplace's outbox events read, per recipient and in their language: the trade
parties (the trade card with the buttons they can use now), the offers channel (one post per
offer, edited when it changes, removed when it closes or runs out) and the payments channel.

The party who caused an event saw its result in place (the handler edited their message), so
most events go to the counterpart only. Staff recipients (``admins``) get the staff renderer
of admin_bot/notifications.py when it has one (the notifier picks it first), else a plain line
from here.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from typing import Any

from aiogram import Bot
from aiogram.utils.i18n import gettext as _

from bot import fmt
from bot.i18n import use_locale
from bot.keyboards import trades as kb
from bot.notifier import Recipient, Rendered, Renderer, renders
from bot.views import offers as offer_views
from bot.views import trades as views
from bot.views.common import lang, method_name, trade_ref
from core.escrow.models import Trade, offer_post_key

_BOT_USERNAME: list[str] = []


async def remember_bot(bot: Bot) -> None:
    """The offers channel's buttons link to the bot by username; learn it once per process."""
    if not _BOT_USERNAME:
        me = await bot.me()
        if me.username:
            _BOT_USERNAME.append(me.username)


def bot_username() -> str:
    if not _BOT_USERNAME:
        raise RuntimeError("the traders' bot username is not known yet")
    return _BOT_USERNAME[0]


def event(kind: str) -> Callable[[Renderer], Renderer]:
    """Register a renderer for ``kind`` that runs in the recipient's language (staff without a
    staff renderer get a plain line)."""

    def register(func: Renderer) -> Renderer:
        def render(payload: dict[str, Any], to: Recipient) -> Rendered | None:
            with use_locale(to.language):
                if to.kind == "admin":
                    return _staff_default(kind, payload)
                return func(payload, to)

        renders(kind)(render)
        return func

    return register


def _staff_default(kind: str, payload: dict[str, Any]) -> Rendered:
    trade_id = payload.get("trade_id")
    text = f"<b>{kind}</b>" + (f" · {trade_ref(int(trade_id))}" if trade_id else "")
    if kind == "trade.file_reused":
        text += "\n" + _("The same photo was sent before in trades: {ids}").format(
            ids=", ".join(f"#{i}" for i in payload.get("other_trade_ids", [])))
    return Rendered(text=text)


def _trade(payload: dict[str, Any]) -> Trade:
    """A detached Trade from an outbox payload, so the views show it like a live one."""
    fiat = payload["fiat"]
    expires = payload.get("expires_at")
    return Trade(
        id=payload["trade_id"], offer_id=payload.get("offer_id"), seller_id=payload["seller_id"],
        buyer_id=payload["buyer_id"], asset=payload["asset"], fiat=fiat, price=Decimal(payload["price"]),
        fiat_amount=Decimal(payload["fiat_amount"]), crypto_amount=int(payload["crypto_amount"]),
        seller_fee=int(payload["seller_fee"]), buyer_fee=int(payload["buyer_fee"]),
        payment_method=payload.get("payment_method"), status=payload["status"],
        expires_at=datetime.fromisoformat(expires) if expires else None,
    )  # fmt: skip


def _card(payload: dict[str, Any], to: Recipient, headline: str, *, rated: bool = False) -> Rendered:
    view = views.trade_card(_trade(payload), to.chat_id, headline=headline, rated=rated)
    return Rendered(text=view["text"], keyboard=view["reply_markup"])


# --- offers channel -------------------------------------------------------------------------------


def _offer_post(payload: dict[str, Any], to: Recipient) -> Rendered | None:
    if to.kind != "channel":
        return None  # the maker saw the change in the chat
    key = offer_post_key(int(payload["offer_id"]))
    if payload.get("status") != "active" or int(payload.get("remaining") or 0) <= 0 or payload.get("takeable") is False:
        return Rendered(post_key=key, delete=True)
    text, keyboard = offer_views.channel_post(payload, bot_username())
    return Rendered(text=text, keyboard=keyboard, post_key=key)


for _kind in ("offer.published", "offer.updated", "offer.resumed", "offer.paused", "offer.closed"):
    event(_kind)(_offer_post)


# --- trades ------------------------------------------------------------------------------------------


@event("trade.opened")
def trade_opened(payload: dict[str, Any], to: Recipient) -> Rendered | None:
    if to.chat_id == payload.get("taker_id"):
        return None
    return _card(payload, to, _("🆕 New trade on your offer #{offer}.").format(offer=payload["offer_id"]))


@event("trade.paid")
def trade_paid(payload: dict[str, Any], to: Recipient) -> Rendered | None:
    if to.chat_id != payload["seller_id"]:
        return None
    headline = _("💰 The buyer says the payment was sent. Check your account before releasing.")
    if payload.get("receipt_reused_in"):
        headline += "\n" + _("⚠️ This receipt photo was already used in another trade. Be careful.")
    rendered = _card(payload, to, headline)
    if payload.get("receipt_file_id"):
        # A photo caption holds 1,024 characters: the receipt goes with a short text and the buttons.
        lg = lang()
        rendered.photo = payload["receipt_file_id"]
        rendered.text = "{headline}\n\n<b>{ref}</b>: {crypto} · {fiat}".format(
            headline=headline, ref=trade_ref(int(payload["trade_id"])),
            crypto=fmt.crypto(int(payload["crypto_amount"]), payload["asset"], lg),
            fiat=fmt.fiat(Decimal(payload["fiat_amount"]), payload["fiat"], lg))
    return rendered


@event("trade.cancelled")
def trade_cancelled(payload: dict[str, Any], to: Recipient) -> Rendered | None:
    by = payload.get("by")
    if by == "buyer":
        if to.chat_id == payload["buyer_id"]:
            return None
        headline = _("❌ The buyer cancelled the trade. Your coins are back.")
    elif by == "expired":
        headline = _("⌛ The payment window ended and the trade was cancelled. The coins went back to the seller.")
    else:
        headline = _("⚖️ The moderator decided for the seller. The coins went back to the seller.")
    return _card(payload, to, headline)


@event("trade.completed")
def trade_completed(payload: dict[str, Any], to: Recipient) -> Rendered | None:
    lg = lang()
    if to.kind == "channel":
        text = _("✅ Trade completed: {crypto} for {fiat}").format(
            crypto=fmt.crypto(int(payload["crypto_amount"]), payload["asset"], lg),
            fiat=fmt.fiat(Decimal(payload["fiat_amount"]), payload["fiat"], lg))
        if payload.get("payment_method"):
            text += f" · {method_name(payload['payment_method'])}"
        return Rendered(text=text)
    if to.chat_id == payload["buyer_id"]:
        received = fmt.crypto(int(payload.get("buyer_receives") or 0), payload["asset"], lg)
        headline = (_("🎉 The seller released the coins: {crypto} are in your wallet.")
                    if payload.get("by") == "seller"
                    else _("⚖️ The moderator decided for the buyer: {crypto} are in your wallet.")).format(
            crypto=received)
    else:
        headline = (_("✅ You released the coins; the trade is complete.") if payload.get("by") == "seller"
                    else _("⚖️ The moderator decided for the buyer; the coins were released."))
    headline += "\n" + _("How was the other side? Your feedback helps everyone.")
    return _card(payload, to, headline)


@event("trade.reminder")
def trade_reminder(payload: dict[str, Any], to: Recipient) -> Rendered | None:
    minutes = int(payload.get("minutes_left") or 0)
    return _card(payload, to, _("⏰ {time} left to pay. If you cannot pay, cancel the trade.").format(
        time=fmt.duration(minutes, lang())))


@event("trade.file_reused")
def file_reused(payload: dict[str, Any], to: Recipient) -> Rendered | None:
    text = _("⚠️ {ref}: the photo the other side just sent was already sent in another trade. It may be an old "
             "receipt. Release only after you see the money in your own account.").format(
        ref=trade_ref(int(payload["trade_id"])))
    return Rendered(text=text, keyboard=kb.trades_list([(int(payload["trade_id"]), trade_ref(int(payload["trade_id"])))]))


# --- disputes and feedback ---------------------------------------------------------------------------------


@event("dispute.opened")
def dispute_opened(payload: dict[str, Any], to: Recipient) -> Rendered | None:
    if to.kind == "channel":  # the payments channel, should core announce disputes there: no personal data
        return Rendered(text=_("⚖️ A dispute was opened on a trade of {crypto}.").format(
            crypto=fmt.crypto(int(payload["crypto_amount"]), payload["asset"], lang())))
    if payload.get("escalated"):
        headline = _("⚖️ The coins were not released in time, so a moderator will now decide this trade.")
    elif to.chat_id == payload.get("opened_by"):
        return None
    else:
        headline = _("⚖️ The other side opened a dispute. A moderator will decide; write here to give your "
                     "statement.")
    return _card(payload, to, headline)


@event("dispute.claimed")
def dispute_claimed(payload: dict[str, Any], to: Recipient) -> Rendered | None:
    return Rendered(text=_("⚖️ {ref}: a moderator is now looking at your dispute.").format(
        ref=trade_ref(int(payload["trade_id"]))))


@event("dispute.resolved")
def dispute_resolved(payload: dict[str, Any], to: Recipient) -> Rendered | None:
    outcome = (_("in favour of the buyer") if payload.get("outcome") == "release"
               else _("in favour of the seller"))
    text = _("⚖️ {ref}: the dispute was decided {outcome}.").format(
        ref=trade_ref(int(payload["trade_id"])), outcome=outcome)
    if payload.get("reason"):  # core's dispute.resolved payload: outcome, reason
        text += "\n" + _("Reason: {reason}").format(reason=fmt.escape(str(payload["reason"])))
    return Rendered(text=text)


@event("feedback.received")
def feedback_received(payload: dict[str, Any], to: Recipient) -> Rendered | None:
    text = (_("👍 You received positive feedback for {ref}.") if payload.get("positive")
            else _("👎 You received negative feedback for {ref}.")).format(ref=trade_ref(int(payload["trade_id"])))
    if payload.get("comment"):
        text += "\n«" + fmt.escape(str(payload["comment"])) + "»"
    return Rendered(text=text)
