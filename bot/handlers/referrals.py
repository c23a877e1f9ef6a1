"""/referrals: the user's referral link, how many people joined through it and what it earned.
(The link itself is handled by /start in bot/handlers/start.py through core.accounts.referrals.)"""

from __future__ import annotations

from aiogram import Bot, Router
from aiogram.filters import Command
from aiogram.types import LinkPreviewOptions, Message
from aiogram.utils.i18n import gettext as _
from sqlalchemy.ext.asyncio import AsyncSession

from botkit import fmt
from botkit.i18n import lang
from core.accounts import referrals
from core.accounts.config import get_accounts_settings
from core.money import Asset
from core.users import User

router = Router(name="referrals")


async def referral_link(bot: Bot, user: User) -> str:
    me = await bot.me()
    return f"https://t.me/{me.username}?start={referrals.start_payload(user)}"


@router.message(Command("referrals", "invite"))
async def referrals_command(message: Message, me: User, session: AsyncSession, bot: Bot) -> None:
    settings = get_accounts_settings()
    summary = await referrals.summary(session, me)
    earned = " · ".join(fmt.crypto(summary.earned[asset], asset, lang()) for asset in Asset)
    await message.answer(
        _(
            "<b>Invite friends to KOXX P2P</b>\n\n"
            "Share your link. For {days} after someone joins through it, you receive {share} "
            "of the trading fees they pay, straight into your wallet.\n\n"
            "Your link: {link}\n"
            "People who joined through you: {count}\n"
            "You earned: {earned}"
        ).format(
            days=fmt.duration(settings.referral_days * 24 * 60, lang()),
            share=fmt.percent(settings.referral_share_pct, lang()),
            link=fmt.isolate(await referral_link(bot, me)),
            count=fmt.number(summary.referred, lang()),
            earned=earned,
        ),
        link_preview_options=LinkPreviewOptions(is_disabled=True),
    )
