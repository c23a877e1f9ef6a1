"""Small pieces shared by the views: the current language, payment methods, statistics."""

from __future__ import annotations

from aiogram.utils.i18n import gettext as _

from botkit import fmt
from botkit.i18n import lang
from botkit.methods import METHOD_NAMES
from core.escrow.reputation import UserStats


def method_name(code: str) -> str:
    name = METHOD_NAMES.get(code)
    return str(name) if name is not None else fmt.escape(code)


def methods_text(codes: list[str] | tuple[str, ...], note: str | None) -> str:
    names = [method_name(c) for c in codes]
    if note:
        names.append(fmt.isolate(fmt.escape(note)))
    return "، ".join(names) if lang() == "ar" else ", ".join(names)


def status_name(status: str) -> str:
    names = {
        "awaiting_payment": _("waiting for payment"),
        "paid": _("paid, waiting for release"),
        "completed": _("completed"),
        "cancelled": _("cancelled"),
        "disputed": _("in dispute"),
        "active": _("active"),
        "paused": _("paused"),
        "closed": _("closed"),
    }
    return names.get(status, status)


def stats_text(stats: UserStats, *, releases: bool = True) -> str:
    """One line of reputation: completed trades, completion rate, release time, feedback.

    ``releases``: the trader releases coins in what is shown (a sell offer's maker); a buy offer's
    maker pays instead, and their release time means nothing to the one selling to them."""
    lg = lang()
    parts = ["✅ " + fmt.trades(stats.completed_trades, lg)]
    if stats.completion_rate_30d is not None:
        parts.append(_("{rate} completion").format(rate=fmt.percent(stats.completion_rate_30d, lg)))
    if releases and stats.avg_release_seconds is not None:
        minutes = max(1, round(stats.avg_release_seconds / 60))
        parts.append(_("⏱ releases in {time}").format(time=fmt.duration(minutes, lg)))
    if stats.positive_share is not None:
        parts.append(_("👍 {share}").format(share=fmt.percent(stats.positive_share, lg)))
    return " · ".join(parts)


def trade_ref(trade_id: int) -> str:
    """Ids stay in Latin digits in both languages: they are references people type and quote."""
    return _("Trade #{id}").format(id=trade_id)
