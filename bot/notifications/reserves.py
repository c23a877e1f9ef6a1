"""How a proof-of-reserves snapshot reads in the payments channel (core.reserves): the root, the
date, the block, and per asset what is owed to users, what is held on chain and the ratio."""

from __future__ import annotations

from decimal import ROUND_DOWN, Decimal

from aiogram.utils.i18n import gettext as _

from botkit import fmt
from botkit.rendering import Recipient, Rendered, Renderers
from core import events


def ratio(held: int, owed: int) -> Decimal | None:
    """Held over owed in percent, rounded down (never overstated); None when nothing is owed."""
    if owed == 0:
        return None
    return (Decimal(held) * 100 / owed).quantize(Decimal("0.01"), rounding=ROUND_DOWN)


def reserves_published(e: events.ReservesPublished, to: Recipient) -> Rendered:
    lang = to.language
    lines = [
        _("🧾 <b>Proof of reserves #{id}</b>, {date}").format(
            id=e.snapshot_id, date=fmt.datetime(e.taken_at, lang)
        ),
        _("Root of the liabilities tree: {root}").format(root=f"<code>{fmt.isolate(e.root)}</code>"),
        _("{n} accounts owed coins").format(n=fmt.number(e.users, lang)),
    ]
    if e.block is not None:
        lines.append(_("Holdings read on chain at block {block}").format(block=fmt.number(e.block, lang)))
    for i, asset in enumerate(e.assets):
        owed = fmt.crypto(e.owed[i], asset, lang)
        if e.held is None:
            lines.append(_("{asset}: owed to users {owed}").format(asset=fmt.code(asset, lang), owed=owed))
            continue
        share = ratio(e.held[i], e.owed[i])
        lines.append(_("{asset}: owed to users {owed} · held {held} · {ratio}").format(
            asset=fmt.code(asset, lang), owed=owed, held=fmt.crypto(e.held[i], asset, lang),
            ratio=fmt.percent(share, lang) if share is not None else _("nothing owed"),
        ))  # fmt: skip
    lines.append(_("Check that your balance is included: /proof in the bot."))
    return Rendered(text="\n".join(lines))


def register(renderers: Renderers) -> None:
    renderers.register(events.ReservesPublished, events.CHANNEL, reserves_published)
