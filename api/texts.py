"""The Mini App's texts, translated by the bots' catalogs (Babel, locales/): the app asks for
/api/texts?lang=ar once and shows ``T.key``. Numbers are formatted by the app with the browser's
Intl in the same digits the bots use (ar-IQ: Arabic-Indic)."""

from __future__ import annotations

from aiogram.utils.i18n import lazy_gettext as __
from babel.support import LazyProxy

from botkit.i18n import use_locale

TEXTS: dict[str, LazyProxy] = {
    "market": __("Market"),
    "trades": __("Trades"),
    "wallet": __("Wallet"),
    "profile": __("Profile"),
    "buy": __("Buy"),
    "sell": __("Sell"),
    "amount": __("Amount"),
    "method": __("Payment method"),
    "any_method": __("Any method"),
    "price": __("Price"),
    "limits": __("Limits"),
    "available": __("Available"),
    "no_offers": __("No offers match. Try another amount or method."),
    "more": __("More"),
    "take": __("Take"),
    "you_pay": __("You pay"),
    "you_receive": __("You receive"),
    "fee": __("Fee"),
    "get_quote": __("See the price"),
    "confirm_trade": __("Open the trade"),
    "price_moved": __("The price changed. Please check the new numbers."),
    "trade": __("Trade"),
    "status_awaiting_payment": __("Waiting for payment"),
    "status_paid": __("Paid, waiting for release"),
    "status_completed": __("Completed"),
    "status_cancelled": __("Cancelled"),
    "status_disputed": __("In dispute"),
    "time_left": __("Time left to pay"),
    "pay_to": __("Pay to"),
    "holder": __("Account holder"),
    "choose_account": __("Choose the account you will pay to"),
    "i_paid": __("I have paid"),
    "release": __("Release the coins"),
    "release_confirm": __("I received the whole payment in my account"),
    "cancel": __("Cancel the trade"),
    "dispute": __("Open a dispute"),
    "dispute_reason": __("Describe the problem"),
    "chat": __("Chat"),
    "write": __("Write a message"),
    "send": __("Send"),
    "you_buyer": __("You are the buyer"),
    "you_seller": __("You are the seller"),
    "no_trades": __("No trades yet."),
    "balances": __("Balances"),
    "in_offers": __("In offers"),
    "in_escrow": __("In escrow"),
    "deposit": __("Deposit"),
    "deposit_hint": __("Send only USDT (TRC20) or TRX to this address."),
    "copy": __("Copy"),
    "copied": __("Copied"),
    "history": __("History"),
    "no_history": __("Nothing yet."),
    "withdraw": __("Withdraw"),
    "address": __("Address"),
    "asset": __("Asset"),
    "otp_code": __("Code of your authenticator app"),
    "withdraw_sent": __("Withdrawal requested."),
    "completed_trades": __("Completed trades"),
    "completion_rate": __("Completion rate"),
    "positive_feedback": __("Positive feedback"),
    "language": __("Language"),
    "second_factor": __("Second factor"),
    "on": __("On"),
    "off": __("Off"),
    "nickname": __("Nickname"),
    "save": __("Save"),
    "loading": __("Loading…"),
    "error": __("Something went wrong. Please try again."),
    "live": __("Live"),
}


def catalog(lang: str) -> dict[str, str]:
    with use_locale(lang):
        return {key: str(text) for key, text in TEXTS.items()}
