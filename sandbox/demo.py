"""The offline demo's market: users to play, reference rates and funded offers in both languages.

``make run`` with no tokens calls, from webhook.Runtime:

- ``add_demo_users(tg)`` on every start: the stand-in keeps its users in memory, so the demo's
  users are re-created with the same Telegram ids each time and their chats keep working on a
  database seeded by an earlier run;
- ``seed(...)`` once the process is up, which does nothing unless the database has no users
  (then ``repost_offers`` fills the new, empty offers channel again):
  it registers the demo users, sets the reference rates (about 1,310 IQD and 1.00 USD per USDT),
  funds the makers by real USDT deposits on the local TRON node (credited by the wallet's own
  scanner; straight through the ledger when no local node runs) and publishes their offers.

DEMO_ADMIN_ID goes into ADMIN_IDS in sandbox mode, so the demo admin can use the admin bot.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core import users
from core.accounts.models import PaymentAccount
from core.accounts.names import set_nickname
from core.accounts.payment_accounts import add_account
from core.db import transaction
from core.escrow import Offer, OfferDraft, OfferStatus, Side, current_price, publish_offer, set_reference_rate
from core.escrow.offers import announce_offer
from core.ledger import AccountRef, Purpose, balance, transfer
from core.money import MICRO, Asset, Fiat
from core.users import User

if TYPE_CHECKING:
    from sandbox.telegram import TelegramSandbox
    from sandbox.tron import TronNode

log = logging.getLogger(__name__)

REFERENCE_RATES = {(Asset.USDT, Fiat.IQD): Decimal("1310"), (Asset.USDT, Fiat.USD): Decimal("1.00")}
OUTSIDE_WALLET = "demo-exchange"  # the outside wallet (sandbox.tron label) the makers deposit from
CREDIT_TIMEOUT = 30.0  # seconds to wait for the scanner to credit the makers' deposits


@dataclass(frozen=True)
class DemoUser:
    id: int  # Telegram id, the same on every start
    first_name: str
    username: str
    lang: str
    kyc_level: int = 0
    deposit_usdt: int = 0  # whole USDT deposited at seeding


DEMO_ADMIN_ID = 5_000_000_001
DEMO_USERS = (  # the page opens as the first one
    DemoUser(5_000_000_021, "علي", "ali_buyer", "ar"),
    DemoUser(5_000_000_022, "Emma", "emma_buyer", "en"),
    DemoUser(5_000_000_011, "كريم", "karim_iq", "ar", kyc_level=1, deposit_usdt=2_000),
    DemoUser(5_000_000_012, "نور", "noor_bgd", "ar", kyc_level=1, deposit_usdt=1_500),
    DemoUser(5_000_000_013, "Sam", "sam_trades", "en", kyc_level=1, deposit_usdt=1_000),
    DemoUser(DEMO_ADMIN_ID, "Huda (admin)", "huda_admin", "ar"),
)
ALI, EMMA, KARIM, NOOR, SAM = (d.id for d in DEMO_USERS[:5])


def _draft(side: Side, fiat: Fiat, amount: int, low: str, high: str, methods: tuple[str, ...], *,
           price: str | None = None, margin: str | None = None, window: int = 30,
           terms: str | None = None) -> OfferDraft:  # fmt: skip
    return OfferDraft(
        side=side, asset=Asset.USDT, fiat=fiat, amount=amount * MICRO, min_fiat=Decimal(low),
        max_fiat=Decimal(high), payment_methods=methods, payment_window=window,
        price=Decimal(price) if price else None, margin_pct=Decimal(margin) if margin else None, terms=terms,
    )  # fmt: skip


OFFERS: tuple[tuple[int, OfferDraft], ...] = (
    (
        KARIM,
        _draft(
            Side.SELL,
            Fiat.IQD,
            800,
            "25000",
            "500000",
            ("zaincash", "fastpay"),
            price="1315",
            terms="التحويل من حساب باسمك فقط. أرسل صورة الإيصال بعد الدفع.",
        ),
    ),
    (
        KARIM,
        _draft(Side.BUY, Fiat.IQD, 500, "50000", "650000", ("zaincash", "qicard"), price="1300", window=15),
    ),
    (
        NOOR,
        _draft(
            Side.SELL,
            Fiat.IQD,
            1_000,
            "50000",
            "1000000",
            ("qicard", "superqi", "asiahawala"),
            margin="0.50",
            terms="الرد خلال دقائق، من الساعة ٩ صباحاً حتى ١١ ليلاً.",
        ),
    ),
    (
        SAM,
        _draft(
            Side.SELL,
            Fiat.USD,
            500,
            "20",
            "400",
            ("bank", "cash"),
            price="1.01",
            terms="Bank transfer from an Iraqi bank, or cash in Erbil.",
        ),
    ),
    (SAM, _draft(Side.BUY, Fiat.USD, 300, "20", "300", ("fastpay", "bank"), price="0.99", window=45)),
)


# Where each demo trader is paid and pays from (core.accounts.payment_accounts): the buyer of a
# trade on a sell offer sees the seller's account of the method; buyers pay from theirs in one tap.
ACCOUNTS: dict[int, tuple[tuple[str, str, str, str | None], ...]] = {
    KARIM: (("zaincash", "07701234567", "كريم عبد الله", None), ("fastpay", "07501234567", "كريم عبد الله", None),
            ("qicard", "07711234567", "كريم عبد الله", None)),
    NOOR: (("qicard", "07801234567", "نور حسين", None), ("superqi", "07801234567", "نور حسين", None),
           ("asiahawala", "07811234567", "نور حسين", None)),
    SAM: (("bank", "IQ98NBIQ850123456789012", "Sam Taylor", None), ("cash", "", "Sam Taylor", "Erbil"),
          ("fastpay", "07501112222", "Sam Taylor", None)),
    ALI: (("zaincash", "07709998887", "علي حسن", None),),
    EMMA: (("fastpay", "07505556667", "Emma Brown", None),),
}  # fmt: skip
NICKNAMES = {ALI: "Ali_IQ", EMMA: "EmmaB", KARIM: "KarimFX", NOOR: "NoorBGD", SAM: "SamTrades"}


def add_demo_users(
    tg: TelegramSandbox, bot_usernames: tuple[str, ...] = (), admin_bot: str | None = None
) -> None:
    """Put the demo users on the stand-in (same ids every start), each already in a chat with
    the traders' bots, and the admin with the admin bot, so notifications reach them."""
    for demo in DEMO_USERS:
        user = tg.users.get(demo.id) or tg.add_user(
            demo.first_name, username=demo.username, language_code=demo.lang, user_id=demo.id
        )
        for name in bot_usernames:
            tg.start_chat(user, name)
        if admin_bot is not None and demo.id == DEMO_ADMIN_ID:
            tg.start_chat(user, admin_bot)


async def is_empty(factory: async_sessionmaker[AsyncSession]) -> bool:
    async with factory() as session:
        return await session.scalar(select(User.id).limit(1)) is None


Scan = Callable[[async_sessionmaker[AsyncSession]], Awaitable[Any]]


async def seed(
    factory: async_sessionmaker[AsyncSession],
    *,
    node: TronNode | None = None,
    scan: Scan | None = None,
    xpub: str | None = None,
    confirmations: int = 19,
    wake: Callable[[], None] | None = None,
) -> bool:
    """Seed the demo market into an empty database; returns False (and changes nothing) when the
    database already has users. With ``node``, ``scan`` and ``xpub`` the makers are funded by
    real deposits to their deposit addresses on that node; otherwise through the ledger."""
    if not await is_empty(factory):
        return False
    async with transaction(factory) as s:
        for demo in DEMO_USERS:
            await users.register(s, user_id=demo.id, username=demo.username, first_name=demo.first_name)
            await users.set_language(s, demo.id, demo.lang)
            if demo.kyc_level:
                await s.execute(update(User).where(User.id == demo.id).values(kyc_level=demo.kyc_level))
        for (asset, fiat), rate in REFERENCE_RATES.items():
            await set_reference_rate(s, asset=asset, fiat=fiat, rate=rate, actor_id=None)
    makers = [d for d in DEMO_USERS if d.deposit_usdt]
    if node is not None and scan is not None and xpub is not None:
        await _deposit_on_chain(factory, node, scan, xpub, confirmations, makers)
    else:
        await _deposit_through_ledger(factory, makers)
    async with transaction(factory) as s:
        saved: dict[int, list[PaymentAccount]] = {}
        for user_id, accounts in ACCOUNTS.items():
            await set_nickname(s, user_id=user_id, nickname=NICKNAMES[user_id])
            saved[user_id] = [await add_account(s, user_id=user_id, method=method, number=number, holder_name=holder,
                                                city=city) for method, number, holder, city in accounts]  # fmt: skip
        for maker_id, draft in OFFERS:
            if draft.side == Side.SELL:  # the buyer is shown the maker's account of the method they pay by
                mine = [a for a in saved.get(maker_id, []) if a.method in draft.payment_methods]
                city = next((a.city for a in mine if a.city), None)
                draft = replace(draft, payment_account_ids=tuple(a.id for a in mine), city=city)
            await publish_offer(s, maker_id=maker_id, draft=draft)
    if wake is not None:
        wake()  # the notifier posts the offers to the channel now
    log.info("demo market seeded: %d users, %d offers", len(DEMO_USERS), len(OFFERS))
    return True


async def repost_offers(factory: async_sessionmaker[AsyncSession], limit: int = 50) -> int:
    """The stand-in's channels live in memory: on a start with an existing database, post the
    active offers (newest first, at most ``limit``) to the new offers channel again, through the
    notifier as any offer change is. Returns how many."""
    async with transaction(factory) as s:
        rows = await s.execute(
            select(Offer)
            .where(Offer.status == OfferStatus.ACTIVE.value, Offer.remaining > 0)
            .order_by(Offer.id.desc())
            .limit(limit)
        )
        offers = list(rows.scalars())
        for offer in reversed(offers):
            await announce_offer(s, offer, "updated", current_price=await current_price(s, offer))
    return len(offers)


async def _deposit_through_ledger(factory: async_sessionmaker[AsyncSession], makers: list[DemoUser]) -> None:
    async with transaction(factory) as s:
        for demo in makers:
            await transfer(s, kind="deposit", key=f"demo:seed:{demo.id}", src=AccountRef.platform(Purpose.DEPOSITS),
                           dst=AccountRef.user(demo.id), asset=Asset.USDT, amount=demo.deposit_usdt * MICRO,
                           ref="demo seed")  # fmt: skip


async def _deposit_on_chain(
    factory: async_sessionmaker[AsyncSession],
    node: TronNode,
    scan: Scan,
    xpub: str,
    confirmations: int,
    makers: list[DemoUser],
) -> None:
    """USDT from an outside wallet to each maker's deposit address, blocks mined past the
    confirmations, and the scanner run until every deposit is credited."""
    from core.wallet import deposit_address

    async with transaction(factory) as s:
        targets = {demo.id: await deposit_address(s, demo.id, xpub=xpub) for demo in makers}
    await scan(factory)  # a new scanner starts at the head: it must be there before the deposits
    for demo in makers:
        node.send_usdt(OUTSIDE_WALLET, targets[demo.id], demo.deposit_usdt * MICRO)
    node.mine(confirmations + 1)  # the deposits' block, then enough on top to credit them
    deadline = time.monotonic() + CREDIT_TIMEOUT
    while True:
        await scan(factory)
        async with factory() as s:
            pending = [
                d
                for d in makers
                if await balance(s, AccountRef.user(d.id), Asset.USDT) < d.deposit_usdt * MICRO
            ]
        if not pending:
            return
        if time.monotonic() > deadline:
            raise RuntimeError(
                f"demo deposits not credited within {CREDIT_TIMEOUT:.0f}s: {[d.id for d in pending]}"
            )
        await asyncio.sleep(0.3)
