"""Deposit addresses: one per user, unique indexes, the watched set follows incrementally."""

import asyncio
import io

from PIL import Image

from core.db import transaction
from core.wallet import addresses
from core.wallet.addressbook import AddressBook, deposit_address, owners, qr_png
from core.wallet.hd import address_at
from core.wallet.models import DepositAddress
from tests.wallet.conftest import DEV_XPUB


async def test_one_address_per_user_derived_at_its_index(session_factory, make_user):
    uid = await make_user()
    async with transaction(session_factory) as s:
        first = await deposit_address(s, uid, DEV_XPUB)
    async with transaction(session_factory) as s:
        again = await deposit_address(s, uid, DEV_XPUB)
        row = await s.get(DepositAddress, uid)
    assert first == again
    assert row.address == address_at(DEV_XPUB, row.index)
    assert row.body == addresses.body(first)


async def test_concurrent_allocations_get_distinct_indexes(session_factory, make_user):
    uids = [await make_user() for _ in range(8)]

    async def allocate(uid):
        async with transaction(session_factory) as s:
            return await deposit_address(s, uid, DEV_XPUB)

    got = await asyncio.gather(*(allocate(u) for u in uids))
    assert len(set(got)) == 8
    async with session_factory() as s:
        rows = [await s.get(DepositAddress, u) for u in uids]
    indexes = sorted(r.index for r in rows)
    assert len(set(indexes)) == 8


async def test_address_book_refreshes_incrementally(session_factory, make_user):
    book = AddressBook()
    async with session_factory() as s:
        await book.refresh(s)
    before = len(book)
    uid = await make_user()
    async with transaction(session_factory) as s:
        address = await deposit_address(s, uid, DEV_XPUB)
    assert addresses.body(address) not in book
    async with session_factory() as s:
        assert await book.refresh(s) == 1
        assert await book.refresh(s) == 0
        who = await owners(s, {addresses.body(address)})
    assert addresses.body(address) in book and len(book) == before + 1
    assert who == {addresses.body(address): (uid, address)}


def test_qr_png_is_a_png_of_the_address():
    png = qr_png("TUEZSdKsoDHQMeZwihtdoBiN46zxhGWYdH")
    assert png.startswith(b"\x89PNG")
    image = Image.open(io.BytesIO(png))
    assert image.size[0] == image.size[1] > 100


async def test_address_book_loads_in_pages(session_factory, make_user):
    uids = [await make_user() for _ in range(5)]
    async with transaction(session_factory) as s:
        for uid in uids:
            await deposit_address(s, uid, DEV_XPUB)
    whole, paged = AddressBook(), AddressBook()
    async with session_factory() as s:
        await whole.refresh(s)
        total = await paged.refresh(s, page=2)
    assert paged.bodies == whole.bodies and total == len(whole) >= 5
    assert paged.last_index == whole.last_index
