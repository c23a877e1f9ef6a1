"""Market settings (admins): /market shows the reference rates and the knobs; /rate sets a
reference rate, /set changes a knob. Each change is in force at once and audited."""

from __future__ import annotations

from aiogram import Router
from aiogram.filters import Command, CommandObject
from aiogram.types import Message
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from admin_bot.access import needs
from admin_bot.handlers.errors import guarded
from botkit import fmt
from botkit.numbers import AmountError, amount_error_text, parse_amount
from core.admin import actions
from core.admin.staff import Permission
from core.config import Settings
from core.escrow import market as escrow_market
from core.escrow import market_rate
from core.money import Asset, Fiat

router = guarded(Router(name="admin_market"), Permission.MARKET)


@router.message(Command("market"), flags=needs(Permission.VIEW))
async def show(message: Message, session: AsyncSession, i18n: I18n) -> None:
    lang = i18n.current_locale
    rates = await market_rate.rate_rows(session)
    rules = await escrow_market.rules(session)
    lines = [_("<b>Reference rates</b>")]
    for row in rates:
        asset, fiat = Asset(row.asset), Fiat(row.fiat)
        how = _("📌 pinned") if row.pinned else (_("from the market") if row.source == "market" else _("yours"))
        lines.append(f"{asset.value}/{fiat.value}: {fmt.price(row.rate, fiat, asset, lang)} · {how}")
    if not rates:
        lines.append(_("None set."))
    lines += ["", _("<b>Settings</b>")]
    lines += [f"<code>{name}</code> = {getattr(rules, name)}" for name in escrow_market.RULE_NAMES]
    lines += ["", _("Change: /rate USDT IQD 1320 · /pin USDT IQD · /unpin USDT IQD · /set maker_fee_pct 0.25")]
    await message.answer("\n".join(lines))


@router.message(Command("rate"))
async def set_rate(
    message: Message, command: CommandObject, session: AsyncSession, settings: Settings, staff_id: int, i18n: I18n
) -> None:
    parts = (command.args or "").upper().split()
    assets, fiats = {a.value for a in Asset}, {f.value for f in Fiat}
    if len(parts) != 3 or parts[0] not in assets or parts[1] not in fiats:
        await message.answer(_("Send /rate USDT IQD 1320."))
        return
    asset, fiat = Asset(parts[0]), Fiat(parts[1])
    try:
        rate = parse_amount(parts[2], decimals=fiat.exponent)
    except AmountError as err:
        await message.answer(amount_error_text(err))
        return
    new = await actions.set_rate(session, settings, actor_id=staff_id, asset=asset, fiat=fiat, rate=rate)
    await message.answer(
        _("Reference rate {asset}/{fiat} is now {rate}; in force at once and announced.").format(
            asset=asset.value, fiat=fiat.value, rate=fmt.price(new, fiat, asset, i18n.current_locale)
        )
    )


@router.message(Command("set"))
async def set_rule(
    message: Message, command: CommandObject, session: AsyncSession, settings: Settings, staff_id: int
) -> None:
    parts = (command.args or "").split()
    if len(parts) != 2:
        await message.answer(_("Send /set maker_fee_pct 0.25 (see /market for the names)."))
        return
    rules = await actions.set_rule(session, settings, actor_id=staff_id, name=parts[0], value=parts[1])
    await message.answer(
        _("{name} is now {value}; in force at once.").format(name=parts[0], value=getattr(rules, parts[0]))
    )


@router.message(Command("pin", "unpin"))
async def pin(message: Message, command: CommandObject, session: AsyncSession, settings: Settings, staff_id: int,
              i18n: I18n) -> None:  # fmt: skip
    """/pin USDT IQD keeps the admins' rate in force; /unpin lets the market's median follow again."""
    parts = (command.args or "").upper().split()
    if len(parts) != 2 or parts[0] not in {a.value for a in Asset} or parts[1] not in {f.value for f in Fiat}:
        await message.answer(_("Send /pin USDT IQD or /unpin USDT IQD."))
        return
    pinned = command.command == "pin"
    row = await actions.pin_rate(session, settings, actor_id=staff_id, asset=Asset(parts[0]), fiat=Fiat(parts[1]),
                                 pinned=pinned)  # fmt: skip
    rate = fmt.price(row.rate, Fiat(row.fiat), Asset(row.asset), i18n.current_locale)
    text = (_("Reference rate {pair} is pinned at {rate}.") if pinned
            else _("Reference rate {pair} follows the market again (now {rate}).")).format(
        pair=f"{row.asset}/{row.fiat}", rate=rate)  # fmt: skip
    await message.answer(text)
