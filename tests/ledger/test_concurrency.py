"""Many clients hammering a few accounts at once: transfers, holds, releases, three-way
trade releases and replays (also of the same fresh key by several clients at the same time).
Afterwards every balance is what the committed entries say, nothing is negative, the audit
passes and the totals per asset are unchanged. A deadlock would escape as an error."""

from __future__ import annotations

import asyncio
import random
from collections import Counter, defaultdict

from sqlalchemy import text

from core.ledger import AccountRef, InsufficientFunds, Posting, Purpose, audit, balance, post_entry, transfer
from core.money import Asset

TASKS = 32
OPS_PER_TASK = 110
USERS = [1, 2, 3, 4]
FUNDING = 1_000_000
SHARED_KEYS = 40  # keys that several tasks post at the same time, each with one fixed meaning

FEES = AccountRef.platform(Purpose.FEES)


def hold(user: int) -> AccountRef:
    return AccountRef.withdrawal_hold(user, user)


def escrow(trade: int) -> AccountRef:
    return AccountRef.trade_escrow(trade, 1)


def shared_entry(n: int) -> tuple[str, list[Posting]]:
    """The one meaning of shared key n: a small transfer between two users."""
    src, dst = USERS[n % 4], USERS[(n + 1) % 4]
    asset = Asset.USDT if n % 2 else Asset.TRX
    amount = 1_000 + n
    return "transfer", [
        Posting(AccountRef.user(src), asset, -amount),
        Posting(AccountRef.user(dst), asset, amount),
    ]


def random_entry(rng: random.Random) -> tuple[str, list[Posting]]:
    asset = rng.choice(list(Asset))
    amount = rng.randint(1, 150_000)
    a, b = rng.sample(USERS, 2)
    choice = rng.randrange(5)
    if choice == 0:
        kind, src, dst = "transfer", AccountRef.user(a), AccountRef.user(b)
    elif choice == 1:
        kind, src, dst = "withdrawal_hold", AccountRef.user(a), hold(a)
    elif choice == 2:
        kind, src, dst = "withdrawal_failed", hold(a), AccountRef.user(a)
    elif choice == 3:
        kind, src, dst = "trade_lock", AccountRef.user(a), escrow(rng.randrange(3))
    else:  # release from escrow to a buyer, less a fee: three postings in random order
        fee = amount // 100
        postings = [
            Posting(escrow(rng.randrange(3)), asset, -amount),
            Posting(AccountRef.user(b), asset, amount - fee),
            Posting(FEES, asset, fee),
        ]
        rng.shuffle(postings)
        return "trade_release", [p for p in postings if p.amount != 0]
    return kind, [Posting(src, asset, -amount), Posting(dst, asset, amount)]


async def test_many_clients_on_hot_accounts_keep_the_books_right(private_factory):
    async with private_factory() as s, s.begin():
        for user in USERS:
            for asset in Asset:
                await transfer(
                    s,
                    kind="deposit",
                    key=f"fund:{user}:{asset}",
                    src=AccountRef.platform(Purpose.DEPOSITS),
                    dst=AccountRef.user(user),
                    asset=asset,
                    amount=FUNDING,
                )

    moved: dict[tuple[AccountRef, Asset], int] = defaultdict(int)  # from created entries only
    created_keys: Counter[str] = Counter()
    done: list[tuple[str, str, list[Posting]]] = []  # (key, kind, postings) of created entries
    outcomes: Counter[str] = Counter()

    async def post(key: str, kind: str, postings: list[Posting]) -> None:
        try:
            async with private_factory() as s, s.begin():
                result = await post_entry(s, kind=kind, key=key, postings=postings, ref="load")
        except InsufficientFunds:
            outcomes["insufficient"] += 1
            return
        if result.created:
            outcomes["created"] += 1
            created_keys[key] += 1
            done.append((key, kind, postings))
            for p in postings:
                moved[(p.account, p.asset)] += p.amount
        else:
            outcomes["replay"] += 1

    async def client(n: int) -> None:
        rng = random.Random(n)
        for i in range(OPS_PER_TASK):
            roll = rng.random()
            if roll < 0.15 and done:  # replay something that committed (maybe another client's)
                key, kind, postings = rng.choice(done)
                await post(key, kind, postings)
            elif roll < 0.30:  # a shared fresh key several clients race for
                k = rng.randrange(SHARED_KEYS)
                await post(f"shared:{k}", *shared_entry(k))
            else:
                await post(f"c{n}:{i}", *random_entry(rng))

    await asyncio.gather(*(client(n) for n in range(TASKS)))

    assert outcomes["created"] > 1_000 and outcomes["replay"] > 300 and outcomes["insufficient"] > 0, outcomes
    assert all(count == 1 for count in created_keys.values())
    async with private_factory() as s:
        report = await audit(s)
        assert report.ok, report.violations
        for (account, asset), delta in moved.items():
            start = FUNDING if account.owner_kind == "user" else 0
            assert await balance(s, account, asset) == start + delta, (account, asset)
        negatives = (
            await s.execute(
                text("SELECT count(*) FROM ledger_accounts WHERE balance < 0 AND NOT may_go_negative")
            )
        ).scalar_one()
        assert negatives == 0
        totals = dict(
            (
                await s.execute(
                    text(
                        "SELECT asset, sum(balance) FROM ledger_accounts WHERE NOT may_go_negative GROUP BY asset"
                    )
                )
            ).all()
        )
        assert totals == {"USDT": len(USERS) * FUNDING, "TRX": len(USERS) * FUNDING}
        shared = (
            await s.execute(text("SELECT count(*) FROM ledger_entries WHERE key LIKE 'shared:%'"))
        ).scalar_one()
        assert shared == sum(1 for k in created_keys if k.startswith("shared:"))


async def test_clients_racing_to_create_the_same_new_accounts(private_factory):
    """Every round, 24 clients post at once into accounts that do not exist yet (the same few
    for all of them, in different orders): each is created once, nothing deadlocks."""
    async with private_factory() as s, s.begin():
        for user in USERS:
            await transfer(
                s,
                kind="deposit",
                key=f"fund:{user}",
                src=AccountRef.platform(Purpose.DEPOSITS),
                dst=AccountRef.user(user),
                asset=Asset.USDT,
                amount=FUNDING,
            )
    expected: dict[AccountRef, int] = defaultdict(int)

    async def client(n: int, round_no: int) -> None:
        rng = random.Random(round_no * 100 + n)
        targets = [AccountRef.trade_escrow(round_no * 10 + k, 1) for k in rng.sample(range(4), 3)]
        payer = AccountRef.user(USERS[n % 4])
        postings = [Posting(payer, Asset.USDT, -30)] + [Posting(t, Asset.USDT, 10) for t in targets]
        async with private_factory() as s, s.begin():
            await post_entry(s, kind="trade_lock", key=f"race:{round_no}:{n}", postings=postings)
        for t in targets:
            expected[t] += 10

    for round_no in range(15):
        await asyncio.gather(*(client(n, round_no) for n in range(24)))

    async with private_factory() as s:
        for account, amount in expected.items():
            assert await balance(s, account, Asset.USDT) == amount
        accounts = (
            await s.execute(text("SELECT count(*) FROM ledger_accounts WHERE owner_kind = 'trade'"))
        ).scalar_one()
        assert accounts == len(expected) == 15 * 4
        report = await audit(s)
        assert report.ok, report.violations
