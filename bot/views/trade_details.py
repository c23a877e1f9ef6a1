"""What a trade card adds for its parties: the time left (with the local time and its zone), where
the buyer pays (the seller's account, only on the buyer's card), who the other side is
(nickname, and the verified name inside the trade), the payer's account, and the seller's
warning when the buyer paid from an account in another name."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _

from bot.keyboards.payment_accounts import PaidFromCb, PayToCb
from bot.views.common import method_name
from botkit import fmt
from botkit.i18n import lang
from core.accounts.models import PaymentAccount
from core.escrow import Trade
from core.escrow.safety import wallet_warning_due
from core.money import Fiat
from core.users import User

ZONE = ZoneInfo("Asia/Baghdad")
_ARABIC_DIGITS = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")


@dataclass(frozen=True)
class TradeDetails:
    """What the handler read for one viewer's card (views do not read the database)."""

    viewer_id: int
    seller: User | None = None
    buyer: User | None = None
    paid_to: PaymentAccount | None = None  # the seller's account (shown to the buyer only)
    paid_from: PaymentAccount | None = None
    pay_to_options: tuple[PaymentAccount, ...] = ()  # the buyer still chooses among these
    dispute_from: datetime | None = None  # when a dispute becomes possible (PAID)


def clock(moment: datetime, lg: str | None = None) -> str:
    """"18:02 Baghdad" / "١٨:٠٢ بتوقيت بغداد": the local time of a moment with its zone."""
    lg = lg or lang()
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    local = moment.astimezone(ZONE).strftime("%H:%M")
    if lg == "ar":
        local = local.translate(_ARABIC_DIGITS)
    return _("{time} Baghdad").format(time=local)


def countdown(deadline: datetime, *, now: datetime | None = None, lg: str | None = None) -> str:
    """"⏳ 29 minutes left, until 18:02 Baghdad" (minutes rounded up: never says 0 too early)."""
    lg = lg or lang()
    now = now or datetime.now(UTC)
    if deadline.tzinfo is None:
        deadline = deadline.replace(tzinfo=UTC)
    seconds = (deadline - now).total_seconds()
    if seconds <= 0:
        return _("⌛ Time is up ({time}).").format(time=clock(deadline, lg))
    return _("⏳ {left} left, until {time}").format(left=fmt.duration(math.ceil(seconds / 60), lg),
                                                    time=clock(deadline, lg))


def account_short(account: PaymentAccount) -> str:
    """ZainCash ·4567 (a button label; the full number only on the buyer's card)."""
    tail = f" ·{account.number[-4:]}" if account.number else ""
    return f"{method_name(account.method)}{tail}" + (f" · {account.city}" if account.city else "")


def pay_to_block(trade: Trade, account: PaymentAccount) -> list[str]:
    """Where and how much the buyer pays: the number in <code> (a tap copies it)."""
    lg = lang()
    lines = [_("<b>💳 Pay to the seller's {method}</b>").format(method=method_name(account.method))]
    if account.number:
        lines.append(_("Number: <code>{number}</code>").format(number=fmt.escape(account.number)))
    if account.city:
        lines.append(_("City: {city}").format(city=fmt.isolate(fmt.escape(account.city))))
    lines.append(_("Holder: {name}").format(name=fmt.isolate(fmt.escape(account.holder_name))))
    exact = str(trade.fiat_amount.quantize(Fiat(trade.fiat).quantum))  # Latin digits: pasted into a bank app
    lines.append(_("Exact amount: <code>{amount}</code> {fiat} ({shown})").format(
        amount=exact, fiat=trade.fiat, shown=fmt.fiat(trade.fiat_amount, trade.fiat, lg)))
    return lines


def person(user: User | None, *, inside_trade: bool) -> str:
    """A trader's public name, and inside a trade their verified name when they have one."""
    if user is None:
        return "-"
    name = fmt.isolate(fmt.escape(user.public_name))
    if inside_trade and user.verified_name:
        return _("{name} (verified: {verified})").format(name=name,
                                                         verified=fmt.isolate(fmt.escape(user.verified_name)))
    return name


def details_lines(trade: Trade, d: TradeDetails, *, now: datetime | None = None) -> list[str]:
    """The lines a trade card gains for ``d.viewer_id``."""
    lg = lang()
    buyer_view = d.viewer_id == trade.buyer_id
    other = d.seller if buyer_view else d.buyer
    lines = [(_("Seller: {who}") if buyer_view else _("Buyer: {who}")).format(who=person(other, inside_trade=True))]
    if trade.status == "awaiting_payment":
        lines.append(countdown(trade.expires_at, now=now, lg=lg))
        if buyer_view and d.paid_to is not None:
            lines += ["", *pay_to_block(trade, d.paid_to)]
        elif buyer_view and d.pay_to_options:
            lines += ["", _("Choose how you will pay; the seller's account for it is shown next.")]
    if trade.status == "paid" and d.dispute_from is not None:
        now = now or datetime.now(UTC)
        if d.dispute_from > now:
            lines.append(_("If something goes wrong, a dispute can be opened from {time}.").format(
                time=clock(d.dispute_from, lg)))
        else:
            lines.append(_("If something goes wrong, you can open a dispute now."))
    if d.paid_from is not None and trade.status != "awaiting_payment":
        lines.append(_("Paid from: {account} ({holder})").format(
            account=account_short(d.paid_from), holder=fmt.isolate(fmt.escape(d.paid_from.holder_name))))
    if not buyer_view and trade.payer_flagged and trade.status == "paid":
        lines.append(payer_warning())
    return lines


def payer_warning() -> str:
    return _("⚠️ <b>The buyer paid from an account in another person's name.</b> Paying with someone "
             "else's money is a common scam: the real owner can claim it back. Release only if you are sure, "
             "or open a dispute.")


def with_details(view: dict[str, Any], trade: Trade, d: TradeDetails) -> dict[str, Any]:
    """The card ``view`` (bot.views.trades.trade_card) with the details and, for a buyer who still
    chooses where to pay, one button per seller's account."""
    text = view["text"]
    extra = details_lines(trade, d)
    head, sep, tail = text.rpartition("\n\n")
    text = f"{head}\n" + "\n".join(extra) + f"{sep}{tail}" if sep else text + "\n" + "\n".join(extra)
    markup = view.get("reply_markup")
    if d.viewer_id == trade.buyer_id and d.pay_to_options and trade.status == "awaiting_payment":
        rows = [[InlineKeyboardButton(text=_("💳 Pay by {account}").format(account=account_short(a)),
                                      callback_data=PayToCb(trade_id=trade.id, account_id=a.id).pack())]
                for a in d.pay_to_options]  # fmt: skip
        markup = InlineKeyboardMarkup(inline_keyboard=[*rows, *(markup.inline_keyboard if markup else [])])
    return {**view, "text": text, "reply_markup": markup}


def with_payer_accounts(view: dict[str, Any], trade: Trade, accounts: list[PaymentAccount]) -> dict[str, Any]:
    """The "did you really pay?" question with one button per buyer's saved account: one tap
    says both "yes" and which account the money left."""
    if not accounts:
        return view
    rows = [[InlineKeyboardButton(text=_("✅ Yes, paid from {account}").format(account=account_short(a)),
                                  callback_data=PaidFromCb(trade_id=trade.id, account_id=a.id).pack())]
            for a in accounts]  # fmt: skip
    markup = view.get("reply_markup")
    text = view["text"] + "\n" + _("Press the account you paid from.")
    return {**view, "text": text,
            "reply_markup": InlineKeyboardMarkup(inline_keyboard=[*rows, *(markup.inline_keyboard if markup else [])])}


def with_release_warning(view: dict[str, Any], trade: Trade, paid_from: PaymentAccount | None) -> dict[str, Any]:
    """The release confirmation, warned first when the payer's account is in another name."""
    if not trade.payer_flagged:
        return view
    holder = fmt.isolate(fmt.escape(paid_from.holder_name)) if paid_from else "-"
    warning = payer_warning() + "\n" + _("Account holder: {holder}").format(holder=holder)
    return {**view, "text": warning + "\n\n" + view["text"]}


def dispute_from(trade: Trade, after: timedelta) -> datetime | None:
    return trade.paid_at + after if trade.paid_at is not None else None


def safety_words(fiat: str, payment_method: str | None) -> str:
    """The reminder an IQD e-wallet trade opens with (core.escrow.safety); "" when not due."""
    if not wallet_warning_due(fiat, payment_method):
        return ""
    return "\n\n" + _("🛡 In the transfer note write nothing about crypto, USDT or this trade: Iraqi wallets "
                       "freeze such accounts. Admins never write to you first; they reach you only through "
                       "this bot.")
