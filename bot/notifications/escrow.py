"""How the marketplace's outbox events read, per recipient and in their language: the trade
parties (the trade card with the buttons they can use now), the offers channel (one post per
offer, edited when it changes, removed when it closes or runs out) and the payments channel.

The party who caused an event saw its result in place (the handler edited their message), so
most events go to the counterpart only. What staff receive is drawn in admin_bot/notifications.py.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from aiogram import Bot
from aiogram.utils.i18n import gettext as _

from bot.keyboards import trades as kb
from bot.views import offers as offer_views
from bot.views import trades as views
from bot.views.common import method_name, trade_ref
from bot.views.trade_details import countdown, payer_warning, safety_words
from botkit import fmt
from botkit.i18n import lang, use_locale
from botkit.rendering import Recipient, Rendered, Renderers
from core import events
from core.events import TradeFacts, offer_post_key

E = TypeVar("E", bound=events.Event)

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


def _in_language(func: Callable[[E, Recipient], Rendered | None]) -> Callable[[E, Recipient], Rendered | None]:
    """``func`` run in the recipient's language (also when called outside the notifier)."""

    def render(event: E, to: Recipient) -> Rendered | None:
        with use_locale(to.language):
            return func(event, to)

    return render


def _card(trade: TradeFacts, to: Recipient, headline: str, *, rated: bool = False) -> Rendered:
    view = views.trade_card(trade, to.chat_id, headline=headline, rated=rated)
    return Rendered(text=view["text"], keyboard=view["reply_markup"])


# --- offers channel -------------------------------------------------------------------------------


def offer_post(offer: events.OfferChanged, to: Recipient) -> Rendered | None:
    key = offer_post_key(offer.offer_id)
    if offer.status != "active" or offer.remaining <= 0 or offer.takeable is False:
        return Rendered(post_key=key, delete=True)
    text, keyboard = offer_views.channel_post(offer, bot_username())
    if offer.maker_name:  # under the headline: who is behind the offer (rows older than the name have none)
        headline, _sep, rest = text.partition("\n")
        maker = _("Trader: {name}").format(name=fmt.isolate(fmt.escape(offer.maker_name)))
        text = f"{headline}\n{maker}\n{rest}"
    return Rendered(text=text, keyboard=keyboard, post_key=key)


def _nothing(event: events.Event, to: Recipient) -> Rendered | None:
    return None  # the one who made the change saw it in the chat


# --- trades ------------------------------------------------------------------------------------------


def trade_opened(event: events.TradeOpened, to: Recipient) -> Rendered | None:
    if to.chat_id == event.taker_id:
        return None
    headline = _("🆕 New trade on your offer #{offer}.").format(offer=event.trade.offer_id)
    if event.taker_name:
        who = fmt.isolate(fmt.escape(event.taker_name))
        headline += "\n" + (_("Buyer: {who}") if to.chat_id == event.trade.seller_id else _("Seller: {who}")).format(
            who=who)
    if event.trade.expires_at is not None:
        headline += "\n" + countdown(event.trade.expires_at)
    headline += safety_words(event.trade.fiat, event.trade.payment_method)
    return _card(event.trade, to, headline)


def trade_paid(event: events.TradePaid, to: Recipient) -> Rendered | None:
    trade = event.trade
    if to.chat_id != trade.seller_id:
        return None
    headline = _("💰 The buyer says the payment was sent. Check your account before releasing.")
    if event.receipt_reused_in:
        headline += "\n" + _("⚠️ This receipt photo was already used in another trade. Be careful.")
    if event.payer_flagged:
        headline += "\n" + payer_warning()
    rendered = _card(trade, to, headline)
    if event.receipt_file_id:
        # A photo caption holds 1,024 characters: the receipt goes with a short text and the buttons.
        lg = lang()
        rendered.photo = event.receipt_file_id
        rendered.text = f"{headline}\n\n<b>{trade_ref(trade.trade_id)}</b>: {fmt.crypto(trade.crypto_amount, trade.asset, lg)} · {fmt.fiat(trade.fiat_amount, trade.fiat, lg)}"
    return rendered


def trade_cancelled(event: events.TradeCancelled, to: Recipient) -> Rendered | None:
    by = event.by
    if by == "buyer":
        if to.chat_id == event.trade.buyer_id:
            return None
        headline = _("❌ The buyer cancelled the trade. Your coins are back.")
    elif by == "expired":
        headline = _("⌛ The payment window ended and the trade was cancelled. The coins went back to the seller.")
    else:
        headline = _("⚖️ The moderator decided for the seller. The coins went back to the seller.")
    return _card(event.trade, to, headline)


def trade_completed_channel(event: events.TradeCompleted, to: Recipient) -> Rendered | None:
    deal, lg = event.trade, lang()
    text = _("✅ Trade completed: {crypto} for {fiat}").format(
        crypto=fmt.crypto(deal.crypto_amount, deal.asset, lg), fiat=fmt.fiat(deal.fiat_amount, deal.fiat, lg))
    if deal.payment_method:
        text += f" · {method_name(deal.payment_method)}"
    return Rendered(text=text)


def trade_completed(event: events.TradeCompleted, to: Recipient) -> Rendered | None:
    trade, lg = event.trade, lang()
    assert isinstance(trade, TradeFacts)  # the parties' rows carry the whole trade
    if to.chat_id == trade.buyer_id:
        received = fmt.crypto(trade.buyer_receives, trade.asset, lg)
        headline = (_("🎉 The seller released the coins: {crypto} are in your wallet.")
                    if event.by == "seller"
                    else _("⚖️ The moderator decided for the buyer: {crypto} are in your wallet.")).format(
            crypto=received)
    elif event.by == "seller":
        return None  # the seller's own release card already says it and asks for feedback
    else:
        headline = _("⚖️ The moderator decided for the buyer; the coins were released.")
    headline += "\n" + _("How was the other side? Your feedback helps everyone.")
    return _card(trade, to, headline)


def trade_reminder(event: events.TradeReminder, to: Recipient) -> Rendered | None:
    minutes = event.minutes_left
    return _card(event.trade, to, _("⏰ {time} left to pay. If you cannot pay, cancel the trade.").format(
        time=fmt.duration(minutes, lang())) + ("\n" + countdown(event.trade.expires_at)
                                               if event.trade.expires_at is not None else ""))


def chat_message(event: events.TradeChatMessage, to: Recipient) -> Rendered | None:
    """What the other side wrote in the app, as the bot's own chat relay shows it (bot/handlers/chat.py):
    a photo with the header and its caption under it (the API keeps a caption short enough)."""
    if event.sender_role == "buyer":
        header = _("💬 Trade #{id} · the buyer writes:").format(id=event.trade_id)
    else:
        header = _("💬 Trade #{id} · the seller writes:").format(id=event.trade_id)
    text = f"{header}\n{fmt.escape(event.text)}" if event.text else header
    return Rendered(text=text, photo=event.file_id,
                    keyboard=kb.trades_list([(event.trade_id, _("Open trade #{id}").format(id=event.trade_id))]))


def file_reused(event: events.TradeFileReused, to: Recipient) -> Rendered | None:
    ref = trade_ref(event.trade_id)
    text = _("⚠️ {ref}: the photo the other side just sent was already sent in another trade. It may be an old "
             "receipt. Release only after you see the money in your own account.").format(ref=ref)
    return Rendered(text=text, keyboard=kb.trades_list([(event.trade_id, ref)]))


# --- disputes and feedback ---------------------------------------------------------------------------------


def dispute_opened_channel(event: events.DisputeOpened, to: Recipient) -> Rendered | None:
    # the payments channel: no personal data
    return Rendered(text=_("⚖️ A dispute was opened on a trade of {crypto}.").format(
        crypto=fmt.crypto(event.trade.crypto_amount, event.trade.asset, lang())))


def dispute_opened(event: events.DisputeOpened, to: Recipient) -> Rendered | None:
    if event.escalated:
        headline = _("⚖️ The coins were not released in time, so a moderator will now decide this trade.")
    elif to.chat_id == event.opened_by:
        return None
    else:
        headline = _("⚖️ The other side opened a dispute. A moderator will decide; write here to give your "
                     "statement.")
    due = event.buyer_due_at if to.chat_id == event.trade.buyer_id else event.seller_due_at
    if due is not None:
        headline += "\n" + _("Answer by {time}, with your evidence (receipts, screenshots); without an answer "
                             "the moderator decides on what the other side shows.").format(
            time=fmt.datetime(due, lang()))
    return _card(event.trade, to, headline)


def trade_auto_reply(event: events.TradeAutoReply, to: Recipient) -> Rendered | None:
    ref = trade_ref(event.trade.trade_id)
    text = _("💬 {ref} · the other side's automatic message:").format(ref=ref) + "\n" + fmt.escape(event.text)
    return Rendered(text=text, keyboard=kb.trades_list([(event.trade.trade_id, ref)]))


def appeal_opened(event: events.AppealOpened, to: Recipient) -> Rendered | None:
    if to.chat_id != event.counterpart_id:
        return None
    return Rendered(text=_("📣 The other side of {ref} appealed after it ended. A moderator may write to you "
                           "here; please answer them.").format(ref=trade_ref(event.trade_id)))


def appeal_hold_changed(event: events.AppealHoldChanged, to: Recipient) -> Rendered | None:
    amount, ref = fmt.crypto(event.amount, event.asset, lang()), trade_ref(event.trade_id)
    if event.placed:
        text = _("📣 {amount} of your balance is on hold while moderators decide an appeal on {ref}: it cannot be "
                 "withdrawn or transferred meanwhile.")
    else:
        text = _("📣 The hold of {amount} for the appeal on {ref} was let go.")
    return Rendered(text=text.format(amount=amount, ref=ref))


def dispute_answer_reminder(event: events.DisputeAnswerReminder, to: Recipient) -> Rendered | None:
    ref, time = trade_ref(event.trade.trade_id), fmt.datetime(event.due_at, lang())
    if event.opener:
        text = _("⏰ {ref}: send your evidence for the dispute here (receipts, screenshots) by {time}.")
    else:
        text = _("⏰ {ref}: the dispute is waiting for your side. Write here what happened and send your "
                 "evidence by {time}; without an answer the moderator decides on what the other side shows.")
    return Rendered(text=text.format(ref=ref, time=time), keyboard=kb.trades_list([(event.trade.trade_id, ref)]))


def dispute_monthly_stats(event: events.DisputeMonthlyStats, to: Recipient) -> Rendered | None:
    # the payments channel: counts only
    lg = lang()
    lines = [
        _("📊 Disputes in {month}").format(month=fmt.month(event.month, lg)),
        _("Opened: {opened} · resolved: {resolved}").format(
            opened=fmt.number(event.opened, lg), resolved=fmt.number(event.resolved, lg)),
        _("Decided for the buyer: {buyer} · for the seller: {seller}").format(
            buyer=fmt.number(event.for_buyer, lg), seller=fmt.number(event.for_seller, lg)),
    ]
    if event.median_minutes is not None:
        lines.append(_("Median time to resolve: {time}").format(time=fmt.duration(event.median_minutes, lg)))
    return Rendered(text="\n".join(lines))


def dispute_claimed(event: events.DisputeClaimed, to: Recipient) -> Rendered | None:
    return Rendered(text=_("⚖️ {ref}: a moderator is now looking at your dispute.").format(
        ref=trade_ref(event.trade.trade_id)))


def dispute_resolved(event: events.DisputeResolved, to: Recipient) -> Rendered | None:
    outcome = (_("in favour of the buyer") if event.outcome == "release"
               else _("in favour of the seller"))
    text = _("⚖️ {ref}: the dispute was decided {outcome}.").format(ref=trade_ref(event.trade.trade_id), outcome=outcome)
    if event.reason:
        text += "\n" + _("Reason: {reason}").format(reason=fmt.escape(event.reason))
    return Rendered(text=text)


def feedback_received(event: events.FeedbackReceived, to: Recipient) -> Rendered | None:
    text = (_("👍 You received positive feedback for {ref}.") if event.positive
            else _("👎 You received negative feedback for {ref}.")).format(ref=trade_ref(event.trade_id))
    if event.comment:
        text += "\n«" + fmt.escape(event.comment) + "»"
    return Rendered(text=text)


def register(renderers: Renderers) -> None:
    """The marketplace's renderers for traders and channels (staff ones: admin_bot.notifications)."""
    user, channel = events.USER, events.CHANNEL
    renderers.register(events.OfferChanged, channel, _in_language(offer_post))
    renderers.register(events.OfferChanged, user, _in_language(_nothing))
    renderers.register(events.TradeOpened, user, _in_language(trade_opened))
    renderers.register(events.TradePaid, user, _in_language(trade_paid))
    renderers.register(events.TradeCancelled, user, _in_language(trade_cancelled))
    renderers.register(events.TradeCompleted, user, _in_language(trade_completed))
    renderers.register(events.TradeCompleted, channel, _in_language(trade_completed_channel))
    renderers.register(events.TradeReminder, user, _in_language(trade_reminder))
    renderers.register(events.TradeAutoReply, user, _in_language(trade_auto_reply))
    renderers.register(events.AppealOpened, user, _in_language(appeal_opened))
    renderers.register(events.AppealHoldChanged, user, _in_language(appeal_hold_changed))
    renderers.register(events.TradeFileReused, user, _in_language(file_reused))
    renderers.register(events.TradeChatMessage, user, _in_language(chat_message))
    renderers.register(events.DisputeOpened, user, _in_language(dispute_opened))
    renderers.register(events.DisputeOpened, channel, _in_language(dispute_opened_channel))
    renderers.register(events.DisputeClaimed, user, _in_language(dispute_claimed))
    renderers.register(events.DisputeAnswerReminder, user, _in_language(dispute_answer_reminder))
    renderers.register(events.DisputeMonthlyStats, channel, _in_language(dispute_monthly_stats))
    renderers.register(events.DisputeResolved, user, _in_language(dispute_resolved))
    renderers.register(events.FeedbackReceived, user, _in_language(feedback_received))
