"""The weekly market summary in the payments channel: a chart of the week's completed trades
(drawn by the notifier in a worker thread) under a short text. Totals only, nobody named."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from functools import partial

from aiogram.utils.i18n import gettext as _

from botkit import fmt
from botkit.i18n import lang, use_locale
from botkit.rendering import Recipient, Rendered, Renderers
from botkit.report_texts import chart_texts, period_label
from core import events
from core.reports import charts, periods
from core.reports.figures import Chart, Series


def summary_chart(event: events.MarketSummary) -> Chart:
    period = periods.days(date.fromisoformat(event.first_day), date.fromisoformat(event.last_day))
    values = tuple(Decimal(n) for n in event.daily_trades)
    return Chart("summary", "bar", tuple(period.buckets()), (Series("trades", "count", values),))


def market_summary(event: events.MarketSummary, to: Recipient) -> Rendered:
    with use_locale(to.language):
        language = lang()
        period = periods.days(date.fromisoformat(event.first_day), date.fromisoformat(event.last_day))
        lines = [_("📈 <b>The market this week</b>, {period}").format(period=fmt.escape(period_label(period, language)))]
        for pair, n, volume, median in zip(event.pairs, event.trades, event.volumes, event.medians, strict=True):
            asset, fiat = pair.split("/")
            lines.append(_("{pair}: {trades} · {crypto} · median {price}").format(
                pair=fmt.isolate(pair), trades=fmt.trades(n, language), crypto=fmt.crypto(volume, asset, language),
                price=fmt.price(median, fiat, asset, language)))  # fmt: skip
        if not event.pairs:
            lines.append(_("No completed trades."))
        lines.append(_("Traders: {traders} · disputes: {opened} opened, {resolved} resolved").format(
            traders=fmt.number(event.traders, language), opened=fmt.number(event.disputes_opened, language),
            resolved=fmt.number(event.disputes_resolved, language)))  # fmt: skip
        texts = chart_texts(language, period)
    return Rendered(text="\n".join(lines), photo=partial(charts.render, summary_chart(event), texts))


def register(renderers: Renderers) -> None:
    renderers.register(events.MarketSummary, events.CHANNEL, market_summary)
