"""Payment accounts, nicknames and the payer-name check, on real PostgreSQL: the buyer is told
the seller's account, declares the account they paid from, and a holder who is not the buyer's
verified name flags the trade; public terms carry no numbers; nicknames are unique and change
at most once per 30 days; cash offers are found by city."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import update

from core import escrow
from core.accounts import names, payment_accounts
from core.errors import DomainError
from core.escrow.models import Side
from core.money import Asset, Fiat
from core.users import User
from tests.escrow.conftest import World


async def _account(world: World, user_id: int, method: str, number: str, holder: str, city: str | None = None) -> int:
    async with world.tx() as s:
        account = await payment_accounts.add_account(s, user_id=user_id, method=method, number=number,
                                                     holder_name=holder, city=city)
        return account.id


async def _verify(world: World, user_id: int, name: str) -> None:
    async with world.tx() as s:
        await s.execute(update(User).where(User.id == user_id).values(verified_name=name, kyc_level=2))


def test_numbers_are_checked_per_method() -> None:
    canonical = payment_accounts.canonical_number
    assert canonical("zaincash", "+964 770 123 4567") == "07701234567"
    assert canonical("fastpay", "٠٧٧٠١٢٣٤٥٦٧") == "07701234567"  # Arabic-Indic digits
    assert canonical("bank", "iq98 nbiq 8501 2345 6789 012") == "IQ98NBIQ850123456789012"
    assert canonical("qicard", "4111 1111 1111 1111") == "4111111111111111"
    for method, number in (("zaincash", "12345"), ("bank", "IQ97NBIQ850123456789012"),
                           ("qicard", "4111111111111112"), ("asiahawala", "06601234567")):
        with pytest.raises(DomainError) as refused:
            canonical(method, number)
        assert refused.value.code == "account_number_invalid"


def test_names_compare_without_case_spaces_or_letter_variants() -> None:
    assert names.same_person("أحمد  علي", "احمد علي")
    assert names.same_person("فاطمة حسن", "فاطمه حسن")
    assert names.same_person("ALI hassan", "Ali Hassan")
    assert not names.same_person("Omar Hassan", "Ali Hassan")


async def test_buyer_sees_the_sellers_account_and_a_stranger_payer_is_flagged(world: World) -> None:
    seller, buyer = await world.user(), await world.user()
    zain = await _account(world, seller, "zaincash", "07701234567", "Ali Hassan")
    offer = await world.sell_offer(seller, payment_methods=("zaincash",), payment_account_ids=(zain,))
    async with world.tx() as s:
        trade = await escrow.take(s, offer_id=offer.id, taker_id=buyer, fiat_amount=Decimal(131000))
    assert trade.seller_account_id == zain and trade.payment_method == "zaincash"

    await _verify(world, buyer, "Karim Jasim")
    other = await _account(world, buyer, "zaincash", "07809876543", "Someone Else")
    async with world.tx() as s:
        paid = await escrow.mark_paid(s, trade_id=trade.id, actor_id=buyer, paid_from=other)
        assert paid.payer_name_check == "mismatch" and paid.payer_flagged
        to, from_ = await escrow.trade_accounts(s, paid)
        assert to is not None and to.holder_name == "Ali Hassan" and to.number == "07701234567"
        assert from_ is not None and from_.holder_name == "Someone Else"


async def test_own_name_account_matches_and_a_strangers_account_is_refused(world: World) -> None:
    seller, buyer, stranger = await world.user(), await world.user(), await world.user()
    zain = await _account(world, seller, "zaincash", "07701234568", "Ali Hassan")
    offer = await world.sell_offer(seller, payment_methods=("zaincash",), payment_account_ids=(zain,))
    async with world.tx() as s:
        trade = await escrow.take(s, offer_id=offer.id, taker_id=buyer, fiat_amount=Decimal(131000))
    await _verify(world, buyer, "كريم جاسم")
    mine = await _account(world, buyer, "zaincash", "07809876544", "كريم  جاسم")
    theirs = await _account(world, stranger, "zaincash", "07809876545", "Stranger")
    with pytest.raises(DomainError) as refused:
        async with world.tx() as s:
            await escrow.mark_paid(s, trade_id=trade.id, actor_id=buyer, paid_from=theirs)
    assert refused.value.code == "account_not_found"
    async with world.tx() as s:
        paid = await escrow.mark_paid(s, trade_id=trade.id, actor_id=buyer, paid_from=mine)
    assert paid.payer_name_check == "match" and not paid.payer_flagged


async def test_offer_with_several_accounts_lets_the_buyer_choose(world: World) -> None:
    seller, buyer = await world.user(), await world.user()
    zain = await _account(world, seller, "zaincash", "07701234569", "Ali Hassan")
    fast = await _account(world, seller, "fastpay", "07501234569", "Ali Hassan")
    offer = await world.sell_offer(seller, payment_methods=("zaincash", "fastpay"), payment_account_ids=(zain, fast))
    async with world.tx() as s:
        trade = await escrow.take(s, offer_id=offer.id, taker_id=buyer, fiat_amount=Decimal(131000))
    assert trade.seller_account_id is None
    async with world.tx() as s:
        options = await escrow.trades.seller_account_options(s, trade)
        assert {a.id for a in options} == {zain, fast}
        chosen = await escrow.choose_seller_account(s, trade_id=trade.id, actor_id=buyer, account_id=fast)
    assert chosen.seller_account_id == fast and chosen.payment_method == "fastpay"


async def test_an_offer_accepts_only_its_makers_accounts_of_its_methods(world: World) -> None:
    seller, other = await world.user(), await world.user()
    theirs = await _account(world, other, "zaincash", "07701234570", "Other Person")
    bank = await _account(world, seller, "bank", "IQ98NBIQ850123456789012", "Ali Hassan")
    for ids, methods, code in (((theirs,), ("zaincash",), "account_not_found"),
                               ((bank,), ("zaincash",), "account_method_mismatch")):
        with pytest.raises(DomainError) as refused:
            await world.sell_offer(seller, payment_methods=methods, payment_account_ids=ids)
        assert refused.value.code == code


@pytest.mark.parametrize("terms", ["Pay to 0770 123 4567 only", "حول على ٠٧٧٠١٢٣٤٥٦٧", "IBAN IQ98 NTSB 8461 0900 0000 001"])
async def test_terms_with_a_phone_or_account_number_are_refused(world: World, terms: str) -> None:
    with pytest.raises(DomainError) as refused:
        await world.sell_offer(terms=terms)
    assert refused.value.code == "number_in_public_text"


async def test_terms_without_numbers_are_kept(world: World) -> None:
    offer = await world.sell_offer(terms="Pay from an account in your own name. 30 min window.")
    assert offer.terms is not None


async def test_nicknames_are_unique_and_change_once_per_30_days(world: World) -> None:
    a, b = await world.user(), await world.user()
    now = datetime.now(UTC)
    async with world.tx() as s:
        await names.set_nickname(s, user_id=a, nickname=f"Falcon{a % 100000}", now=now)
    with pytest.raises(DomainError) as taken:
        async with world.tx() as s:
            await names.set_nickname(s, user_id=b, nickname=f"fALCON{a % 100000}", now=now)
    assert taken.value.code == "nickname_taken"
    for bad in ("ab", "x" * 21, "has space", "admin"):
        with pytest.raises(DomainError):
            async with world.tx() as s:
                await names.set_nickname(s, user_id=b, nickname=bad, now=now)
    async with world.tx() as s:  # the first change after choosing is allowed
        await names.set_nickname(s, user_id=a, nickname=f"Hawk{a % 100000}", now=now)
    with pytest.raises(DomainError) as soon:
        async with world.tx() as s:
            await names.set_nickname(s, user_id=a, nickname=f"Eagle{a % 100000}", now=now + timedelta(days=29))
    assert soon.value.code == "nickname_too_soon"
    async with world.tx() as s:
        user = await names.set_nickname(s, user_id=a, nickname=f"Eagle{a % 100000}", now=now + timedelta(days=31))
        assert user.public_name == f"Eagle{a % 100000}"


async def test_cash_offers_are_found_by_city(world: World) -> None:
    viewer = await world.user()
    basra = await world.sell_offer(payment_methods=("cash",), city="Basra", fiat=Fiat.USD, price=Decimal("1.00"),
                                   min_fiat=Decimal("1.00"), max_fiat=Decimal("50.00"))
    erbil = await world.sell_offer(payment_methods=("cash",), city="Erbil", fiat=Fiat.USD, price=Decimal("1.00"),
                                   min_fiat=Decimal("1.00"), max_fiat=Decimal("50.00"))
    async with world.tx() as s:
        page = await escrow.browse(s, viewer_id=viewer, side=Side.SELL, asset=Asset.USDT, fiat=Fiat.USD, city="basra")
    ids = {row.offer.id for row in page.items}
    assert basra.id in ids and erbil.id not in ids
    async with world.tx() as s:  # out of the other browsing tests' market
        for offer in (basra, erbil):
            await escrow.close_offer(s, offer_id=offer.id, actor_id=offer.maker_id)


async def test_a_trader_gets_a_neutral_nickname_at_the_first_offer_or_trade(world: World) -> None:
    seller, buyer = await world.user(), await world.user()
    offer = await world.sell_offer(seller)
    async with world.tx() as s:
        await escrow.take(s, offer_id=offer.id, taker_id=buyer, fiat_amount=Decimal(131000))
    async with world.tx() as s:
        maker, taker = await s.get(User, seller), await s.get(User, buyer)
        assert maker is not None and maker.nickname is not None and maker.nickname.startswith("trader_")
        assert taker is not None and taker.nickname is not None and taker.nickname.startswith("trader_")
        assert maker.first_name not in maker.nickname  # the Telegram name is not made public unasked
        assert (await names.suggest_nickname(s, maker)).startswith(f"u{seller}"[:8])  # /nickname offers it


async def test_kyc_approval_records_the_name_on_the_document(world: World) -> None:
    import secrets

    from core.accounts import kyc
    from core.accounts.models import KycRequest

    uid = await world.user()
    async with world.tx() as s:
        request = KycRequest(user_id=uid, status="pending", storage_key=secrets.token_hex(16))
        s.add(request)
        await s.flush()
        request_id = request.id
    async with world.tx() as s:
        await kyc.approve(s, request_id=request_id, moderator_id=1, verified_name="  Karim   Jasim ")
    async with world.tx() as s:
        user = await s.get(User, uid)
        assert user is not None and user.verified_name == "Karim Jasim" and user.kyc_level == 2
        assert payment_accounts.payer_name_check("KARIM JASIM", user.verified_name) == "match"
        assert payment_accounts.payer_name_check("Karim Jassim", user.verified_name) == "mismatch"
        assert payment_accounts.payer_name_check("Anyone", None) == "unverified"


async def test_a_short_window_is_reminded_before_its_end_not_when_it_opens(world: World) -> None:
    from sqlalchemy import update as sql_update

    from core.escrow.models import Trade

    seller, buyer = await world.user(), await world.user()
    offer = await world.sell_offer(seller)
    async with world.tx() as s:
        trade = await escrow.take(s, offer_id=offer.id, taker_id=buyer, fiat_amount=Decimal(131000))
    now = datetime.now(UTC)
    async with world.tx() as s:  # a 6-minute window (admins may allow 5..1440) that just opened
        await s.execute(sql_update(Trade).where(Trade.id == trade.id)
                        .values(payment_window=6, expires_at=now + timedelta(minutes=6)))  # fmt: skip
    async with world.tx() as s:
        assert trade.id not in await escrow.remind_due(s, now=now + timedelta(minutes=1))  # 5 min left
    async with world.tx() as s:
        assert trade.id in await escrow.remind_due(s, now=now + timedelta(minutes=4, seconds=30))  # 1.5 min left


async def test_an_account_saved_later_joins_the_open_sell_offers_of_its_method(world: World) -> None:
    seller, buyer = await world.user(), await world.user()
    offer = await world.sell_offer(seller, payment_methods=("zaincash",))
    bank = await _account(world, seller, "bank", "IQ98NBIQ850123456789012", "Ali Hassan")
    zain = await _account(world, seller, "zaincash", "07701234571", "Ali Hassan")
    async with world.tx() as s:
        for account_id in (bank, zain):
            account = await payment_accounts.own_account(s, user_id=seller, account_id=account_id)
            await escrow.accept_account(s, maker_id=seller, account=account)
    assert (await world.offer(offer.id)).payment_account_ids == [zain]
    async with world.tx() as s:
        trade = await escrow.take(s, offer_id=offer.id, taker_id=buyer, fiat_amount=Decimal(131000))
    assert trade.seller_account_id == zain
