"""How offers read: the draft summary, the market list, one offer, the channel post."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _

from bot.keyboards.offers import PAGE_SIZE, BrowseCb, browse_page, my_offers_keyboard, offer_keyboard
from bot.views.common import methods_text, stats_text, status_name
from botkit import fmt
from botkit.i18n import lang
from core.escrow import Offer, OfferPage
from core.escrow.reputation import UserStats
from core.events import OfferChanged


def side_title(side: str, asset: str, fiat: str) -> str:
    if side == "sell":
        return _("Selling {asset} for {fiat}").format(asset=fmt.code(asset, lang()), fiat=fmt.code(fiat, lang()))
    return _("Buying {asset} for {fiat}").format(asset=fmt.code(asset, lang()), fiat=fmt.code(fiat, lang()))


def price_text(price: Decimal | None, fiat: str, asset: str, margin_pct: Decimal | None) -> str:
    lg = lang()
    text = fmt.price(price, fiat, asset, lg) if price is not None else ""
    if margin_pct is not None:
        margin = _("reference rate {margin}").format(margin=fmt.percent(margin_pct, lg, signed=True))
        text = f"{text} ({margin})" if text else margin
    return text


def _requirements(min_trades: int, min_age: int) -> list[str]:
    lg = lang()
    lines = []
    if min_trades:
        lines.append(_("Requires at least {trades}").format(trades=fmt.completed_trades(min_trades, lg)))
    if min_age:
        lines.append(_("Requires an account at least {days} old").format(days=fmt.days(min_age, lg)))
    return lines


def draft_summary(data: dict[str, Any]) -> str:
    """The offer as it will be published (the conversation's data), before publishing."""
    lg = lang()
    asset, fiat = data["asset"], data["fiat"]
    margin = Decimal(data["margin"]) if data.get("margin") is not None else None
    price = Decimal(data["price"]) if data.get("price") is not None else None
    lines = [
        _("<b>Your new offer</b>"),
        side_title(data["side"], asset, fiat),
        _("Price: {price}").format(price=price_text(price, fiat, asset, margin)),
        _("Amount: {amount}").format(amount=fmt.crypto(int(data["amount"]), asset, lg)),
        _("Per trade: {min} – {max}").format(
            min=fmt.fiat(Decimal(data["min_fiat"]), fiat, lg), max=fmt.fiat(Decimal(data["max_fiat"]), fiat, lg)
        ),
        _("Payment methods: {methods}").format(methods=methods_text(data.get("methods", []), data.get("note"))),
        _("Payment window: {window}").format(window=fmt.duration(int(data["window"]), lg)),
    ]
    if data.get("terms"):
        lines.append(_("Terms: {terms}").format(terms=fmt.escape(data["terms"])))
    lines += _requirements(int(data.get("min_trades") or 0), int(data.get("min_age") or 0))
    lines += _visibility(str(data.get("visibility") or "public"))
    if data.get("auto_reply"):
        lines.append(_("Auto-reply: {text}").format(text=fmt.escape(data["auto_reply"])))
    if data["side"] == "sell":
        lines.append("")
        lines.append(_("Publishing moves the amount (and the trading fee on it) from your balance into the offer."))
    return "\n".join(lines)


def _visibility(visibility: str) -> list[str]:
    if visibility == "private":
        return [_("🔗 Private: only people with its link see it; never listed nor in the channel.")]
    if visibility == "trusted":
        return [_("🤝 Only your trusted traders see it; never in the channel.")]
    return []


def offer_body(offer: Offer, price: Decimal | None, stats: UserStats | None) -> list[str]:
    lg = lang()
    lines = [
        _("<b>Offer #{id}</b> · {title}").format(id=offer.id, title=side_title(offer.side, offer.asset, offer.fiat)),
        _("Price: {price}").format(price=price_text(price, offer.fiat, offer.asset, offer.margin_pct)),
        _("Available: {amount}").format(amount=fmt.crypto(offer.remaining, offer.asset, lg)),
        _("Per trade: {min} – {max}").format(
            min=fmt.fiat(offer.min_fiat, offer.fiat, lg), max=fmt.fiat(offer.max_fiat, offer.fiat, lg)
        ),
        _("Payment methods: {methods}").format(methods=methods_text(offer.payment_methods, offer.payment_note)),
        _("Payment window: {window}").format(window=fmt.duration(offer.payment_window, lg)),
    ]
    if offer.terms:
        lines.append(_("Terms: {terms}").format(terms=fmt.escape(offer.terms)))
    lines += _requirements(offer.min_trades, offer.min_account_age_days)
    if stats is not None:
        lines.append(_("Trader: {stats}").format(stats=stats_text(stats, releases=offer.side == "sell")))
    return lines


def offer_card(
    offer: Offer, price: Decimal | None, stats: UserStats | None, *, viewer_id: int, back: BrowseCb | None = None,
    maker_nickname: str | None = None, quick: list[tuple[str, Decimal]] | None = None, link: str | None = None,
) -> dict[str, Any]:
    """``quick``: the taker's quick amounts (bot.views.trades.quick_amounts); ``link``: a private
    offer's link, for its maker."""
    lines = offer_body(offer, price, stats)
    if maker_nickname and stats is not None:  # "Trader: <nickname> · ✅ 12 trades"
        lines[-1] = _("Trader: {stats}").format(stats=fmt.isolate(fmt.escape(maker_nickname)) + " · "
                                                + stats_text(stats))
    own = offer.maker_id == viewer_id
    if own:
        lines += _visibility(offer.visibility)
    if link is not None:
        lines.append(_("Its link: {link}").format(link=link))
    if own or offer.status != "active":
        lines.append(_("Status: {status}").format(status=status_name(offer.status)))
    keyboard = offer_keyboard(offer.id, own=own, status=offer.status, back=back, quick=quick)
    return {"text": "\n".join(lines), "reply_markup": keyboard}


def market_page(page: OfferPage, current: BrowseCb) -> dict[str, Any]:
    lg = lang()
    title = _("Buy {asset} with {fiat}") if current.side == "sell" else _("Sell {asset} for {fiat}")
    lines = [f"<b>{title.format(asset=fmt.code(current.asset, lg), fiat=fmt.code(current.fiat, lg))}</b>"]
    filters = []
    if current.amount:
        filters.append(fmt.fiat(Decimal(current.amount), current.fiat, lg))
    if current.method:
        filters.append(methods_text([current.method], None))
    if filters:
        lines.append(_("Filter: {filters}").format(filters=" · ".join(filters)))
    if not page.items:
        lines.append("")
        lines.append(_("No offers match right now. Try other filters, or publish your own offer with /newoffer."))
    for row in page.items:
        offer = row.offer
        lines.append("")
        lines.append(f"<b>#{offer.id}</b> · {fmt.price(row.price, offer.fiat, offer.asset, lg)}")
        lines.append(_("Limits: {min} – {max}").format(
            min=fmt.fiat(offer.min_fiat, offer.fiat, lg), max=fmt.fiat(row.max_fiat, offer.fiat, lg)))
        lines.append(methods_text(offer.payment_methods, offer.payment_note)
                     + " · " + _("{window} to pay").format(window=fmt.duration(offer.payment_window, lg)))
        lines.append((fmt.isolate(fmt.escape(row.maker_nickname)) + " · " if row.maker_nickname else "")
                     + stats_text(row.maker, releases=offer.side == "sell"))
        if row.far_from_market:
            lines.append(_("⚠️ Far from the market rate: check before you trade."))
    if page.total > PAGE_SIZE:
        pages = (page.total + PAGE_SIZE - 1) // PAGE_SIZE
        lines.append("")
        lines.append(_("Page {page} of {pages}").format(page=fmt.number(current.page + 1, lg),
                                                         pages=fmt.number(pages, lg)))
    # The buttons name the offer (its number, as on its card) and its price.
    labels = [(row.offer.id, f"#{row.offer.id} · {fmt.fiat(row.price, row.offer.fiat, lg)}") for row in page.items]
    keyboard = browse_page(current, labels, page.has_more)
    return {"text": "\n".join(lines), "reply_markup": keyboard}


def my_offers(offers: list[Offer], last: Offer | None = None) -> dict[str, Any]:
    """The maker's open offers; ``last``: their newest offer (closed too), to repeat in one tap."""
    lg = lang()
    if not offers:
        text = _("You have no open offers. Publish one with /newoffer.")
    else:
        text = _("<b>Your offers</b>\nPick one to pause, resume, change its amount or close it.")
    items = []
    for offer in offers:
        label = f"#{offer.id} · {side_title(offer.side, offer.asset, offer.fiat)} · {fmt.crypto(offer.remaining, offer.asset, lg)} · {status_name(offer.status)}"
        items.append((offer.id, label))
    return {"text": text, "reply_markup": my_offers_keyboard(items, repeat=last.id if last else None)}


def channel_post(offer: OfferChanged, bot_username: str) -> tuple[str, InlineKeyboardMarkup]:
    """The offers channel's post of an offer (from its event, in the channel's language)."""
    lg = lang()
    asset, fiat = offer.asset, offer.fiat
    price = offer.current_price or offer.price
    lines = [
        _("<b>Offer #{id}</b> · {title}").format(id=offer.offer_id, title=side_title(offer.side, asset, fiat)),
        _("Price: {price}").format(price=price_text(price, fiat, asset, offer.margin_pct)),
        _("Available: {amount}").format(amount=fmt.crypto(offer.remaining, asset, lg)),
        _("Per trade: {min} – {max}").format(
            min=fmt.fiat(offer.min_fiat, fiat, lg), max=fmt.fiat(offer.max_fiat, fiat, lg)
        ),
        _("Payment methods: {methods}").format(methods=methods_text(list(offer.payment_methods), offer.payment_note)),
        _("Payment window: {window}").format(window=fmt.duration(offer.payment_window, lg)),
    ]
    label = _("🤝 Buy {asset}") if offer.side == "sell" else _("🤝 Sell {asset}")
    url = f"https://t.me/{bot_username}?start=offer_{offer.offer_id}"
    keyboard = InlineKeyboardMarkup(inline_keyboard=[[InlineKeyboardButton(text=label.format(asset=fmt.code(asset, lang())), url=url)]])
    return "\n".join(lines), keyboard


def advertise_requirements_text(rules: list[dict[str, Any]]) -> str:
    """Why a trader may not publish yet: each of the market's rules for advertisers, its value and
    the trader's own figure (❌ where they still lack)."""
    lg = lang()
    labels: dict[str, tuple[str, Callable[[int], str]]] = {
        "account_age_days": (_("Account age: {required} · yours: {actual}"), lambda n: fmt.days(n, lg)),
        "trades": (_("Completed trades: {required} · yours: {actual}"), lambda n: fmt.number(n, lg)),
        "completion_pct": (_("Completion rate over 30 days: {required} · yours: {actual}"),
                           lambda n: fmt.percent(n, lg)),
        "counterparties": (_("Different traders completed with: {required} · yours: {actual}"),
                           lambda n: fmt.number(n, lg)),
        "kyc_level": (_("Verification level: {required} · yours: {actual}"), lambda n: fmt.number(n, lg)),
    }  # fmt: skip
    lines = [_("You cannot publish offers yet. The market asks advertisers for:")]
    for rule in rules:
        label, shown = labels[str(rule["rule"])]
        required, actual = int(rule["required"]), int(rule["actual"])
        mark = "✅" if actual >= required else "❌"
        lines.append(f"{mark} " + label.format(required=shown(required), actual=shown(actual)))
    lines.append(_("Trade with others through their offers until every line is ✅."))
    return "\n".join(lines)
