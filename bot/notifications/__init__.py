"""How core's events read for traders and the channels, one module per feature; ``register``
adds them all to the runtime's registry (botkit.rendering.Renderers).

Every notice about a user's money (deposits, withdrawals, trades, transfers, adjustments,
rewards) starts with the user's anti-phishing phrase when they set one (``with_phrase``, applied
here, once, to the user renderers of ``MONEY_EVENTS``): a message about money without it is not
from us."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aiogram.utils.i18n import gettext as _

from bot.notifications import accounts, escrow, reports, reserves, wallet
from botkit import fmt
from botkit.rendering import Recipient, Rendered, Renderer, Renderers
from core import events

MONEY_EVENTS: frozenset[type[events.Event]] = frozenset({
    events.DepositDetected, events.DepositCredited, events.DepositDust, events.DepositDropped,
    events.WithdrawalRequested, events.WithdrawalApproved, events.WithdrawalBroadcast, events.WithdrawalSent,
    events.WithdrawalFailed, events.WithdrawalRejected,
    events.TradeOpened, events.TradePaid, events.TradeCancelled, events.TradeCompleted, events.TradeReminder,
    events.DisputeResolved, events.TransferReceived, events.ReferralReward, events.AccountAdjusted,
})  # fmt: skip


def phrase_line(phrase: str) -> str:
    return _("🔒 Your anti-phishing code: {phrase}").format(phrase=f"<b>{fmt.isolate(fmt.escape(phrase))}</b>")


def with_phrase(render: Callable[[Any, Recipient], Rendered | None]) -> Callable[[Any, Recipient], Rendered | None]:
    """``render``, with the recipient's anti-phishing phrase at the top of the text."""

    def wrapped(event: Any, to: Recipient) -> Rendered | None:
        rendered = render(event, to)
        if rendered is not None and to.phrase and rendered.text and not rendered.delete:
            rendered.text = phrase_line(to.phrase) + "\n\n" + rendered.text
        return rendered

    return wrapped


class _PhraseFirst(Renderers):
    """Registers into ``target``, wrapping the user renderers of money events."""

    def __init__(self, target: Renderers) -> None:
        self.target = target

    def register(self, event: type[Any], recipient_kind: str, func: Renderer[Any]) -> None:
        if recipient_kind == events.USER and event in MONEY_EVENTS:
            func = with_phrase(func)
        self.target.register(event, recipient_kind, func)


def register(renderers: Renderers) -> None:
    target = _PhraseFirst(renderers)
    escrow.register(target)
    wallet.register(target)
    accounts.register(target)
    reserves.register(target)
    reports.register(target)
