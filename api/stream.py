"""Live events: the outbox's rows, as the WebSocket clients of every web worker read them.

The worker's ``Publisher`` reads the outbox after its cursor (the same rows the notifier delivers
to Telegram, so a change that rolled back is never published and one that committed is, after a
crash too) and appends an API event per row to a stream: a Redis stream (XADD, capped) with the
cursor set in the same MULTI, or, in one process without Redis, a list in memory. Each web
worker's ``Hub`` reads the stream and hands every event to the sockets allowed to see it; a client
that reconnects gives its last event id and gets what it missed (``since``).

Outbox ids are taken when a row is inserted but become visible when its transaction commits, so a
gap in the ids may still fill: the publisher waits up to ``GAP_WAIT`` for it (a rolled-back
transaction leaves a gap for ever) before going past it.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from redis.asyncio import Redis
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from api import views
from core import events
from core.outbox import OFFERS_CHANNEL, OutboxMessage

log = logging.getLogger(__name__)
PUBLIC = "public"
MAX_LEN = 10_000  # events kept for reconnecting clients
GAP_WAIT = timedelta(seconds=3)
BATCH = 500
READ_BLOCK = 2  # seconds a read waits for events: under redis-py's socket timeout (5 s by default)
_STATUS = {events.TradeOpened: "awaiting_payment", events.TradePaid: "paid", events.TradeCancelled: "cancelled",
           events.TradeCompleted: "completed", events.DisputeOpened: "disputed"}  # fmt: skip


@dataclass(frozen=True)
class LiveEvent:
    id: str  # the stream's id: what a reconnecting client gives back
    event: str
    data: dict[str, Any]
    to: str  # PUBLIC or a user id

    def visible_to(self, user_id: int) -> bool:
        return self.to == PUBLIC or self.to == str(user_id)

    def wire(self) -> str:
        return json.dumps({"id": self.id, "event": self.event, "data": self.data})


class EventStream(Protocol):
    async def cursor(self) -> int | None: ...

    async def append(self, items: list[tuple[str, dict[str, Any], str]], cursor: int) -> None: ...

    async def read(self, after: str, timeout: float) -> list[LiveEvent]: ...

    async def since(self, last_id: str) -> list[LiveEvent]: ...

    async def last_id(self) -> str: ...


def _live(ident: str, fields: dict[str, Any]) -> LiveEvent:
    return LiveEvent(ident, str(fields["event"]), dict(fields["data"]), str(fields["to"]))


class RedisStream:
    def __init__(self, redis: Redis, prefix: str) -> None:
        self.redis = redis
        self.key, self.cursor_key = f"{prefix}:api:events", f"{prefix}:api:cursor"

    async def cursor(self) -> int | None:
        value = await self.redis.get(self.cursor_key)
        return int(value) if value is not None else None

    async def append(self, items: list[tuple[str, dict[str, Any], str]], cursor: int) -> None:
        async with self.redis.pipeline(transaction=True) as pipe:
            for event, data, to in items:
                body = json.dumps({"event": event, "data": data, "to": to}, default=str)
                pipe.xadd(self.key, {"e": body}, maxlen=MAX_LEN, approximate=True)
            pipe.set(self.cursor_key, cursor)
            await pipe.execute()

    def _decode(self, rows: list[Any]) -> list[LiveEvent]:
        out = []
        for ident, fields in rows:
            ident = ident.decode() if isinstance(ident, bytes) else str(ident)
            raw = fields.get(b"e") or fields.get("e")
            out.append(_live(ident, json.loads(raw)))
        return out

    async def read(self, after: str, timeout: float) -> list[LiveEvent]:
        answer: Any = await self.redis.xread({self.key: after}, count=BATCH, block=int(timeout * 1000))
        return self._decode(answer[0][1]) if answer else []

    async def since(self, last_id: str) -> list[LiveEvent]:
        try:
            rows: Any = await self.redis.xrange(self.key, min=f"({last_id}", count=MAX_LEN)
        except Exception:  # not a stream id: nothing to replay
            return []
        return self._decode(rows)

    async def last_id(self) -> str:
        rows: Any = await self.redis.xrevrange(self.key, count=1)
        return self._decode(rows)[0].id if rows else "0-0"


class MemoryStream:
    """One process (the sandbox without Redis): the same, in a list."""

    def __init__(self) -> None:
        self.items: list[LiveEvent] = []
        self.seq = 0
        self._cursor: int | None = None
        self.changed = asyncio.Condition()

    async def cursor(self) -> int | None:
        return self._cursor

    async def append(self, items: list[tuple[str, dict[str, Any], str]], cursor: int) -> None:
        async with self.changed:
            for event, data, to in items:
                self.seq += 1
                self.items.append(LiveEvent(f"{self.seq}-0", event, json.loads(json.dumps(data, default=str)), to))
            del self.items[:-MAX_LEN]
            self._cursor = cursor
            self.changed.notify_all()

    def _after(self, ident: str) -> list[LiveEvent]:
        try:
            n = int(ident.partition("-")[0])
        except ValueError:
            return []
        return [e for e in self.items if int(e.id.partition("-")[0]) > n]

    async def read(self, after: str, timeout: float) -> list[LiveEvent]:
        async with self.changed:
            if not self._after(after):
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self.changed.wait(), timeout)
            return self._after(after)

    async def since(self, last_id: str) -> list[LiveEvent]:
        return self._after(last_id)

    async def last_id(self) -> str:
        return self.items[-1].id if self.items else f"{self.seq}-0"


# --- from outbox rows to API events ----------------------------------------------------------------------


def _offer(event: events.OfferChanged) -> dict[str, Any]:
    return {"id": event.offer_id, "change": event.change, "side": event.side, "asset": event.asset,
            "fiat": event.fiat, "price": views.money(event.current_price or event.price),
            "remaining": views.coins(event.remaining), "min_fiat": views.money(event.min_fiat),
            "max_fiat": views.money(event.max_fiat), "payment_methods": list(event.payment_methods),
            "payment_window": event.payment_window, "status": event.status, "takeable": event.takeable,
            "maker": event.maker_name}  # fmt: skip


def translate(row: OutboxMessage) -> list[tuple[str, dict[str, Any], str]]:
    """The API events of one outbox row: (event, data, audience)."""
    try:
        event = events.parse(row.kind, row.payload)
    except events.UnknownEvent:
        return []
    if row.recipient == OFFERS_CHANNEL and isinstance(event, events.OfferChanged):
        name = "offer.created" if event.change == "published" else "offer.updated"
        return [(name, _offer(event) | {"outbox_id": row.id}, PUBLIC)]
    if not row.recipient.startswith("user:"):
        return []
    user_id = row.recipient.removeprefix("user:")
    out: list[tuple[str, dict[str, Any], str]] = []
    status = _STATUS.get(type(event))
    trade = getattr(event, "trade", None)
    if isinstance(event, events.DisputeResolved) and isinstance(trade, events.TradeFacts):
        status = trade.status
    if status is not None and trade is not None:
        out.append(("trade.status_changed", {"trade_id": trade.trade_id, "status": status,
                                             "kind": type(event).__name__, "outbox_id": row.id}, user_id))  # fmt: skip
    if isinstance(event, events.DepositDetected):
        out.append(("wallet.deposit_detected", {"deposit_id": event.deposit_id, "asset": event.asset,
                                                "amount": views.coins(event.amount), "txid": event.txid,
                                                "outbox_id": row.id}, user_id))  # fmt: skip
    if not isinstance(event, events.OfferChanged):
        # What happened and to which thing; the app reads the rest from the API (a payload may
        # name the other party, whom the API never identifies).
        about = {k: v for k, v in row.payload.items() if k in ("trade_id", "offer_id", "withdrawal_id", "deposit_id")}
        if trade is not None:
            about["trade_id"] = trade.trade_id
        out.append(("notification.new", {"kind": type(event).__name__, **about, "outbox_id": row.id}, user_id))
    return out


class Publisher:
    """In the worker: outbox rows after the cursor → the stream, a batch at a time."""

    def __init__(self, session_factory: async_sessionmaker[AsyncSession], stream: EventStream,
                 interval: float = 0.1) -> None:  # fmt: skip
        self.session_factory, self.stream, self.interval = session_factory, stream, interval
        self._stop = asyncio.Event()

    async def publish_due(self) -> int:
        """One pass; returns how many rows it went past."""
        cursor = await self.stream.cursor()
        async with self.session_factory() as session:
            if cursor is None:  # a new stream starts from now: history is not replayed
                cursor = int(await session.scalar(select(func.coalesce(func.max(OutboxMessage.id), 0))) or 0)
                await self.stream.append([], cursor)
                return 0
            rows = list((await session.execute(
                select(OutboxMessage).where(OutboxMessage.id > cursor).order_by(OutboxMessage.id).limit(BATCH)
            )).scalars())  # fmt: skip
            now = datetime.now(UTC)
        items: list[tuple[str, dict[str, Any], str]] = []
        last = cursor
        for row in rows:
            if row.id != last + 1 and now - row.created_at < GAP_WAIT:
                break  # an earlier id may still commit
            items.extend(translate(row))
            last = row.id
        if last != cursor:
            await self.stream.append(items, last)
        return last - cursor

    async def run(self) -> None:
        while not self._stop.is_set():
            try:
                moved = await self.publish_due()
            except Exception:
                log.exception("publishing the API's events failed; retrying")
                moved = 0
            if not moved:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._stop.wait(), self.interval)

    def stop(self) -> None:
        self._stop.set()


# --- in each web worker: the stream to the sockets --------------------------------------------------------


class Hub:
    """Reads the stream once per web worker and hands each event to the subscribers who may see it."""

    def __init__(self, stream: EventStream) -> None:
        self.stream = stream
        self.subscribers: dict[int, tuple[int, Callable[[LiveEvent], None]]] = {}
        self._task: asyncio.Task[None] | None = None
        self._next = 0

    def subscribe(self, user_id: int, deliver: Callable[[LiveEvent], None]) -> int:
        self._next += 1
        self.subscribers[self._next] = (user_id, deliver)
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._run(), name="api-hub")
        return self._next

    def unsubscribe(self, token: int) -> None:
        self.subscribers.pop(token, None)

    async def _run(self) -> None:
        last = await self.stream.last_id()
        while True:
            try:
                batch = await self.stream.read(last, timeout=READ_BLOCK)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.warning("reading the API's event stream failed; retrying", exc_info=True)
                await asyncio.sleep(1)
                continue
            for item in batch:
                last = item.id
                for user_id, deliver in list(self.subscribers.values()):
                    if item.visible_to(user_id):
                        deliver(item)

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
