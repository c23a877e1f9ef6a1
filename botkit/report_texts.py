"""The words of the rendered reports (core.reports.texts) in the current language: chart titles
and labels for /stats and the weekly summary, the statement's headers for /export."""

from __future__ import annotations

from datetime import date, datetime

from aiogram.utils.i18n import gettext as _
from babel.dates import format_date

from botkit import fmt
from botkit.i18n import pick_language
from botkit.methods import METHOD_NAMES
from core.reports.periods import Period
from core.reports.texts import ChartTexts, StatementTexts, arabic_digits, latin


def _language(lang: str | None) -> str:
    return lang if lang in fmt.BABEL_LOCALES else pick_language(lang)


def _arabic(lang: str | None) -> bool:
    return _language(lang) == "ar"


def day_label(day: date, lang: str | None) -> str:
    """"5 December 2026" / "٥ كانون الأول ٢٠٢٦"."""
    text = format_date(day, "d MMMM y", locale=fmt.BABEL_LOCALES[_language(lang)])
    return arabic_digits(text) if _arabic(lang) else text


def period_label(period: Period, lang: str | None) -> str:
    first, last = period.first_day, period.last_day
    if first == last:
        return day_label(first, lang)
    return f"{day_label(first, lang)} – {day_label(last, lang)}"


def chart_texts(lang: str | None, period: Period) -> ChartTexts:
    titles = {
        "volume": _("Volume per pair (coins)"),
        "trades": _("Completed trades"),
        "prices": _("Median price against the reference rate"),
        "fees": _("Fees earned"),
        "traders": _("New and active traders"),
        "disputes": _("Disputes opened and resolved"),
        "flows": _("Deposits and withdrawals"),
        "holdings": _("Hot wallet, cold storage and what users own"),
        "summary": _("Completed trades per day"),
    }
    names = {
        "median": _("median price"), "reference": _("reference rate"), "new": _("new traders"),
        "active": _("active traders"), "opened": _("opened"), "resolved": _("resolved"),
        "median_resolve": _("median time to resolve"), "deposits": _("deposits"), "withdrawals": _("withdrawals"),
        "hot": _("hot wallet"), "cold": _("cold storage"), "liabilities": _("owed to users"),
        "count": _("number"), "hours": _("hours"), "trades": _("completed trades"),
    }  # fmt: skip
    arabic = _arabic(lang)
    return ChartTexts(
        titles, names, period=period_label(period, lang), no_data=_("Nothing in this period"), rtl=arabic,
        digits=arabic_digits if arabic else latin,
    )  # fmt: skip


def statement_texts(lang: str | None, name: str, period: Period, now: datetime) -> StatementTexts:
    """The statement's words in the current language (``lang`` picks its digits and direction)."""
    headers = {
        "date": _("Date (Baghdad)"), "kind": _("Type"), "asset": _("Asset"), "amount": _("Amount"),
        "price": _("Price"), "fiat_total": _("Fiat total"), "fee": _("Fee"), "counterparty": _("Counterparty"),
        "method": _("Method"), "txid": _("Transaction id"), "change": _("Change"), "balance": _("Balance"),
    }  # fmt: skip
    kinds = {
        "trade": _("trade"), "deposit": _("deposit"), "withdrawal": _("withdrawal"), "transfer": _("transfer"),
        "referral": _("referral reward"), "premium": _("premium"), "adjustment": _("adjustment"),
        "other": _("other"), "buy": _("buy"), "sell": _("sell"), "in": _("received"), "out": _("sent"),
        **{code: str(method) for code, method in METHOD_NAMES.items()},
    }  # fmt: skip
    arabic = _arabic(lang)
    return StatementTexts(
        title=_("Account statement"), headers=headers, kinds=kinds, opening=_("Opening balance"),
        closing=_("Closing balance"), period=period_label(period, lang), trader=_("Trader: {name}").format(name=name),
        empty=_("Nothing happened in this period."),
        generated=_("Made on {moment} (Baghdad time). Amounts in coins; fiat in its currency.").format(
            moment=fmt.datetime(now, lang)),
        rtl=arabic, digits=arabic_digits if arabic else latin,
    )  # fmt: skip
