"""What core announces: one frozen dataclass per event, written to the outbox (core.outbox.emit)
in the transaction of the change, delivered by the notifier, and what the coming WebSocket API
publishes. Plain data only (ints in micro units, Decimal for fiat and percentages, datetimes,
tuples): no Telegram, no SQLAlchemy objects.

Each class declares ``audience``, the recipient kinds it may be sent to ("user", "channel",
"admin"); emit refuses any other, and the bots register a renderer for each (a test checks).

On the wire (the outbox row) an event is ``kind`` = ``<ClassName>.v<version>`` and ``payload`` =
its fields as JSON (Decimal and datetime as text, tuples as lists, a nested dataclass flattened
into the payload, None fields left out). ``to_row`` and ``parse`` are the one place that writes
and reads it. ``parse`` is tolerant (unknown keys are ignored, missing optional ones take their
default) and still reads the rows of the release before typed events (``LEGACY``: kinds like
``trade.completed`` or ``deposit_credited`` with their dict payloads), so rows waiting in the
outbox at deploy time are delivered. A change that old rows cannot be read with takes a new
``version`` (and the old kind stays readable, like LEGACY).
"""

from __future__ import annotations

import dataclasses
import types
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, ClassVar, Union, get_args, get_origin, get_type_hints

USER, CHANNEL, ADMIN = "user", "channel", "admin"


def kind_of(cls: type[Event]) -> str:
    """The outbox ``kind`` of an event class: ``<ClassName>.v<version>``."""
    return f"{cls.__name__}.v{cls.version}"


def recipient_kind(recipient: str) -> str:
    """The kind of an outbox recipient address: ``user:<id>``, ``channel:<name>``, ``admins``."""
    if recipient.startswith("user:"):
        return USER
    if recipient.startswith("channel:"):
        return CHANNEL
    if recipient == "admins":
        return ADMIN
    raise ValueError(f"unknown recipient {recipient!r}")


def offer_post_key(offer_id: int) -> str:
    """What names the offer's channel post, and its outbox rows' ``latest_key`` (each carries the
    offer's whole state: only the newest is delivered)."""
    return f"offer:{offer_id}"


@dataclass(frozen=True, kw_only=True)
class Event:
    audience: ClassVar[frozenset[str]]
    version: ClassVar[int] = 1

    @property
    def latest_key(self) -> str | None:
        """Rows with the same key carry the whole state of one thing: only the newest is delivered."""
        return None



# --- what the events carry ---------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class Deal:
    """The public facts of a trade (the payments channel sees these, nothing about the parties)."""

    trade_id: int
    asset: str
    crypto_amount: int
    fiat: str
    fiat_amount: Decimal
    price: Decimal
    payment_method: str | None = None


@dataclass(frozen=True, kw_only=True)
class TradeFacts(Deal):
    """A trade as its parties see it (the trade card is drawn from this)."""

    offer_id: int | None = None
    seller_id: int
    buyer_id: int
    seller_fee: int
    buyer_fee: int
    status: str
    expires_at: datetime | None = None

    @property
    def id(self) -> int:
        return self.trade_id

    @property
    def escrow_amount(self) -> int:
        return self.crypto_amount + self.seller_fee

    @property
    def buyer_receives(self) -> int:
        return self.crypto_amount - self.buyer_fee


@dataclass(frozen=True, kw_only=True)
class TradeEvent(Event):
    trade: TradeFacts


# --- offers ------------------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class OfferChanged(Event):
    """An offer's whole state after a change (``change``: published, updated, paused, resumed,
    closed). The offers channel shows the newest only (``latest_key``)."""

    audience = frozenset({CHANNEL, USER})
    change: str
    offer_id: int
    maker_id: int
    side: str
    asset: str
    fiat: str
    price_type: str
    price: Decimal | None = None
    margin_pct: Decimal | None = None
    amount: int
    remaining: int
    min_fiat: Decimal
    max_fiat: Decimal
    payment_methods: tuple[str, ...] = ()
    payment_note: str | None = None
    payment_window: int
    status: str
    current_price: Decimal | None = None  # the price now (a floating offer's follows the reference)
    takeable: bool | None = None  # after a take: can the rest still be taken (at least one minimum)?
    maker_name: str | None = None  # the maker's public name (nickname); None in rows older than it

    @property
    def latest_key(self) -> str | None:
        return offer_post_key(self.offer_id)


# --- trades ------------------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class TradeOpened(TradeEvent):
    audience = frozenset({USER})
    maker_id: int
    taker_id: int
    payment_window: int
    taker_name: str | None = None  # the taker's public name (nickname), for the maker's notice


@dataclass(frozen=True, kw_only=True)
class TradePaid(TradeEvent):
    audience = frozenset({USER})
    receipt_file_id: str | None = None
    receipt_reused_in: tuple[int, ...] = ()  # trades where the same receipt photo was sent
    payer_flagged: bool = False  # paid from an account not in the buyer's verified name


@dataclass(frozen=True, kw_only=True)
class TradeCancelled(TradeEvent):
    audience = frozenset({USER})
    by: str  # "buyer" | "expired" | "dispute"


@dataclass(frozen=True, kw_only=True)
class TradeCompleted(Event):
    """To the parties with the whole trade; to the payments channel with its ``Deal`` only."""

    audience = frozenset({USER, CHANNEL})
    trade: Deal
    by: str | None = None  # "seller" | "dispute" (the parties' rows)


@dataclass(frozen=True, kw_only=True)
class TradeReminder(TradeEvent):
    audience = frozenset({USER})
    minutes_left: int


@dataclass(frozen=True, kw_only=True)
class TradeChatMessage(Event):
    """A party wrote in the trade's chat from the app (the bot relays its own chat itself): the
    counterpart reads it in the bot. A photo comes as its Telegram ``file_id`` (of the traders'
    bot), ``text`` then being its caption (may be empty)."""

    audience = frozenset({USER})
    trade_id: int
    sender_role: str  # "buyer" | "seller"
    text: str
    file_id: str | None = None


@dataclass(frozen=True, kw_only=True)
class TradeAutoReply(TradeEvent):
    """The offer's auto-reply, sent into the chat of a trade it opened (to the taker)."""

    audience = frozenset({USER})
    text: str


@dataclass(frozen=True, kw_only=True)
class TradeFileReused(Event):
    """A photo or file sent in a trade's chat was sent before in other trades."""

    audience = frozenset({USER, ADMIN})
    trade_id: int
    message_id: int
    sender_id: int
    kind: str
    file_id: str | None = None
    other_trade_ids: tuple[int, ...] = ()


@dataclass(frozen=True, kw_only=True)
class FeedbackReceived(Event):
    audience = frozenset({USER})
    trade_id: int
    from_id: int
    positive: bool
    comment: str | None = None


# --- disputes ----------------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class DisputeOpened(TradeEvent):
    audience = frozenset({USER, ADMIN, CHANNEL})
    dispute_id: int
    opened_by: int | None = None  # None: the system (the seller did not release in time)
    reason: str
    escalated: bool = False
    buyer_due_at: datetime | None = None  # each party's deadline to state their side
    seller_due_at: datetime | None = None


@dataclass(frozen=True, kw_only=True)
class DisputeClaimed(TradeEvent):
    audience = frozenset({USER, ADMIN})
    dispute_id: int
    owner_id: int


@dataclass(frozen=True, kw_only=True)
class DisputeUnclaimed(Event):
    audience = frozenset({ADMIN})
    dispute_id: int
    trade_id: int
    opened_by: int | None = None
    reason: str | None = None
    owner_id: int | None = None
    resolution: str | None = None
    resolved_by: int | None = None
    resolution_reason: str | None = None


@dataclass(frozen=True, kw_only=True)
class DisputeResolved(TradeEvent):
    audience = frozenset({USER, ADMIN})
    dispute_id: int
    outcome: str  # "release" | "refund"
    reason: str | None = None
    resolved_by: int | None = None


@dataclass(frozen=True, kw_only=True)
class DisputeStatement(Event):
    audience = frozenset({ADMIN})
    dispute_id: int
    trade_id: int
    statement_id: int
    author_id: int
    text: str | None = None
    file_id: str | None = None
    owner_id: int | None = None  # the moderator handling the case then (None: nobody; older rows)


@dataclass(frozen=True, kw_only=True)
class DisputeAnswerReminder(TradeEvent):
    """A party has not stated their side yet and their deadline is near."""

    audience = frozenset({USER})
    dispute_id: int
    due_at: datetime
    opener: bool = False  # the one who opened it (asked for evidence) or the other party (to answer)


@dataclass(frozen=True, kw_only=True)
class DisputeNoAnswer(Event):
    """The deadlines of a dispute passed and a party had not answered: the admins see who and
    what the rules propose (in favour of the party who did answer)."""

    audience = frozenset({ADMIN})
    dispute_id: int
    trade_id: int
    silent: str  # buyer | seller | both
    proposed: str | None = None  # release | refund; None when both were silent


@dataclass(frozen=True, kw_only=True)
class DisputeMonthlyStats(Event):
    """Last month's disputes for the payments channel: counts only, nobody named."""

    audience = frozenset({CHANNEL})
    month: str  # YYYY-MM
    opened: int
    resolved: int
    for_buyer: int  # resolved by releasing the coins to the buyer
    for_seller: int  # resolved by refunding the seller
    median_minutes: int | None = None  # from opening to resolution, of those resolved


@dataclass(frozen=True, kw_only=True)
class AppealOpened(Event):
    """A party appealed a trade after its end (admins: the case; the counterpart: told)."""

    audience = frozenset({USER, ADMIN})
    appeal_id: int
    trade_id: int
    appellant_id: int
    counterpart_id: int
    reason: str
    asset: str
    crypto_amount: int
    has_evidence: bool = False


@dataclass(frozen=True, kw_only=True)
class AppealHoldRequested(Event):
    """An admin asked to hold the counterpart's balance: a second admin must approve."""

    audience = frozenset({ADMIN})
    appeal_id: int
    trade_id: int
    user_id: int  # whose balance
    asset: str
    amount: int
    requested_by: int


@dataclass(frozen=True, kw_only=True)
class AppealHoldChanged(Event):
    """The appeal's hold was placed (two admins) or let go (the appeal closed)."""

    audience = frozenset({USER, ADMIN})
    appeal_id: int
    trade_id: int
    user_id: int
    asset: str
    amount: int
    placed: bool
    by: int


@dataclass(frozen=True, kw_only=True)
class DisputeStaffMessage(Event):
    """Staff write to both parties of a disputed trade."""

    audience = frozenset({USER})
    dispute_id: int
    trade_id: int
    text: str


# --- the market ----------------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class ReferenceRateChanged(Event):
    audience = frozenset({ADMIN})
    asset: str
    fiat: str
    rate: Decimal
    old_rate: Decimal | None = None
    by: int | None = None
    by_name: str | None = None  # the staff member's public name (nickname), for the notice
    market: bool = False  # set by the market (the median of completed trades), not by staff


@dataclass(frozen=True, kw_only=True)
class ReferenceRateStale(Event):
    """The reference rate in force has not moved for ``market_rate_stale_hours``."""

    audience = frozenset({ADMIN})
    asset: str
    fiat: str
    rate: Decimal
    since: datetime


@dataclass(frozen=True, kw_only=True)
class MarketSettingChanged(Event):
    audience = frozenset({ADMIN})
    name: str
    value: str
    by: int | None = None


@dataclass(frozen=True, kw_only=True)
class MarketAnnouncement(Event):
    """Told on the payments channel: a new reference rate (``what`` = "rate") or fee."""

    audience = frozenset({CHANNEL})
    what: str  # "rate" | "maker_fee_pct" | "taker_fee_pct"
    value: Decimal
    asset: str | None = None
    fiat: str | None = None


# --- staff actions on accounts -----------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class AccountFrozen(Event):
    audience = frozenset({USER})
    user_id: int
    reason: str


@dataclass(frozen=True, kw_only=True)
class AccountUnfrozen(Event):
    audience = frozenset({USER})
    user_id: int
    reason: str


@dataclass(frozen=True, kw_only=True)
class AccountAdjusted(Event):
    audience = frozenset({USER})
    user_id: int
    asset: str
    amount: int  # signed
    reason: str


@dataclass(frozen=True, kw_only=True)
class Adjustment:
    """A balance adjustment by an admin (a second admin approves the large ones)."""

    adjustment_id: int
    user_id: int
    asset: str
    amount: int  # signed
    reason: str
    requested_by: int
    status: str
    decided_by: int | None = None


@dataclass(frozen=True, kw_only=True)
class AdjustmentRequested(Event):
    audience = frozenset({ADMIN})
    adjustment: Adjustment


@dataclass(frozen=True, kw_only=True)
class AdjustmentDecided(Event):
    audience = frozenset({ADMIN})
    adjustment: Adjustment


# --- the wallet ----------------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class DepositDetected(Event):
    audience = frozenset({USER})
    deposit_id: int
    asset: str
    amount: int
    txid: str
    confirmations_needed: int


@dataclass(frozen=True, kw_only=True)
class DepositCredited(Event):
    audience = frozenset({USER, CHANNEL})
    deposit_id: int
    user_id: int
    asset: str
    amount: int
    txid: str


@dataclass(frozen=True, kw_only=True)
class DepositDust(Event):
    """A deposit below the minimum: not credited."""

    audience = frozenset({USER})
    deposit_id: int
    asset: str
    amount: int
    txid: str
    minimum: int


@dataclass(frozen=True, kw_only=True)
class DepositDropped(Event):
    """A detected deposit left the chain (a reorganisation) before it was final."""

    audience = frozenset({USER})
    deposit_id: int
    asset: str
    amount: int
    txid: str


@dataclass(frozen=True, kw_only=True)
class Withdrawal:
    withdrawal_id: int
    user_id: int
    asset: str
    amount: int
    fee: int = 0
    to_address: str
    status: str
    approvals_needed: int = 0
    txid: str | None = None


@dataclass(frozen=True, kw_only=True)
class WithdrawalEvent(Event):
    withdrawal: Withdrawal


@dataclass(frozen=True, kw_only=True)
class WithdrawalRequested(WithdrawalEvent):
    audience = frozenset({USER})


@dataclass(frozen=True, kw_only=True)
class WithdrawalApprovalNeeded(WithdrawalEvent):
    audience = frozenset({ADMIN})


@dataclass(frozen=True, kw_only=True)
class WithdrawalApproved(WithdrawalEvent):
    audience = frozenset({USER})


@dataclass(frozen=True, kw_only=True)
class WithdrawalBroadcast(WithdrawalEvent):
    audience = frozenset({USER})


@dataclass(frozen=True, kw_only=True)
class WithdrawalSent(WithdrawalEvent):
    audience = frozenset({USER, CHANNEL})


@dataclass(frozen=True, kw_only=True)
class WithdrawalFailed(WithdrawalEvent):
    audience = frozenset({USER})


@dataclass(frozen=True, kw_only=True)
class WithdrawalRejected(WithdrawalEvent):
    audience = frozenset({USER})
    reason: str | None = None


@dataclass(frozen=True, kw_only=True)
class HotWalletAlert(Event):
    audience = frozenset({CHANNEL})
    asset: str
    hot: int
    liabilities: int
    pending_withdrawals: int
    max_share_pct: int  # the hot wallet's target share (HOT_SHARE_PCT)
    reason: str  # "too_much" | "too_little"
    cold: int | None = None  # in cold storage (None: no cold wallet configured)
    unswept: int | None = None  # at deposit addresses, not swept yet
    target: int | None = None  # what the hot wallet should hold


@dataclass(frozen=True, kw_only=True)
class ColdRefillNeeded(Event):
    """The hot wallet holds less than the next hours of withdrawals need: the cold key's holder
    must sign a refill (core.wallet.cold)."""

    audience = frozenset({ADMIN})
    refill_id: int
    asset: str
    amount: int  # what the refill brings (up to the hot wallet's target)
    hot: int
    needed: int  # withdrawals waiting + the forecast (+ half the TRX fee float)


@dataclass(frozen=True, kw_only=True)
class ColdTransferDone(Event):
    """A move to or from cold storage is final on chain (or definitely failed)."""

    audience = frozenset({ADMIN})
    transfer_id: int
    direction: str  # "out" | "in"
    asset: str
    amount: int
    txid: str | None = None
    failed: bool = False
    error: str | None = None


@dataclass(frozen=True, kw_only=True)
class SweepFailed(Event):
    audience = frozenset({ADMIN})
    sweep_id: int
    user_id: int
    asset: str
    error: str | None = None


# --- proof of reserves ---------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class ReservesPublished(Event):
    """A proof-of-reserves snapshot (core.reserves): the liabilities tree's root and, per asset,
    what is owed to users and what is held on chain at ``block`` (None: no chain was read)."""

    audience = frozenset({CHANNEL})
    snapshot_id: int
    root: str  # hex
    taken_at: datetime
    users: int
    block: int | None = None
    assets: tuple[str, ...]
    owed: tuple[int, ...]
    held: tuple[int, ...] | None = None


@dataclass(frozen=True, kw_only=True)
class ReservesShort(Event):
    """A published snapshot holds less of an asset on chain than it owes users."""

    audience = frozenset({ADMIN})
    snapshot_id: int
    asset: str
    owed: int
    held: int


@dataclass(frozen=True, kw_only=True)
class ReservesRefused(Event):
    """No snapshot was published: the ledger audit failed (or a balance belongs to nobody)."""

    audience = frozenset({ADMIN})
    violations: tuple[str, ...]


# --- accounts ------------------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class KycSubmitted(Event):
    audience = frozenset({ADMIN})
    request_id: int
    user_id: int
    name: str


@dataclass(frozen=True, kw_only=True)
class KycApproved(Event):
    audience = frozenset({USER})
    request_id: int
    level: int


@dataclass(frozen=True, kw_only=True)
class KycRejected(Event):
    audience = frozenset({USER})
    request_id: int | None = None
    reason: str


@dataclass(frozen=True, kw_only=True)
class TransferReceived(Event):
    audience = frozenset({USER})
    asset: str
    amount: int
    from_id: int | None = None
    from_name: str
    to_id: int | None = None
    to_name: str | None = None
    note: str | None = None


@dataclass(frozen=True, kw_only=True)
class ReferralJoined(Event):
    audience = frozenset({USER})
    user_id: int
    name: str


@dataclass(frozen=True, kw_only=True)
class ReferralReward(Event):
    audience = frozenset({USER})
    trade_id: int
    asset: str
    amount: int
    referred_name: str


@dataclass(frozen=True, kw_only=True)
class PremiumExpiring(Event):
    audience = frozenset({USER})
    until: datetime


@dataclass(frozen=True, kw_only=True)
class PremiumExpired(Event):
    audience = frozenset({USER})


@dataclass(frozen=True, kw_only=True)
class MarketSummary(Event):
    """The week's market (Monday to Sunday, Baghdad) for the payments channel: totals only, no
    trader named. The pairs' figures are parallel tuples, one item per pair."""

    audience = frozenset({CHANNEL})
    first_day: str  # ISO date of the Monday
    last_day: str  # ISO date of the Sunday
    pairs: tuple[str, ...] = ()  # "USDT/IQD"
    trades: tuple[int, ...] = ()  # completed trades per pair
    volumes: tuple[int, ...] = ()  # micro units per pair
    medians: tuple[Decimal, ...] = ()  # median price per pair
    daily_trades: tuple[int, ...] = ()  # completed trades per day, Monday first
    traders: int = 0  # parties to a trade opened in the week
    disputes_opened: int = 0
    disputes_resolved: int = 0


# --- the catalogue and the wire --------------------------------------------------------------------------

EVENTS: tuple[type[Event], ...] = (
    OfferChanged, TradeOpened, TradePaid, TradeCancelled, TradeCompleted, TradeReminder, TradeChatMessage, TradeFileReused,
    FeedbackReceived, DisputeOpened, DisputeClaimed, DisputeUnclaimed, DisputeResolved, DisputeStatement,
    DisputeStaffMessage, ReferenceRateChanged, MarketSettingChanged, MarketAnnouncement, AccountFrozen,
    AccountUnfrozen, AccountAdjusted, AdjustmentRequested, AdjustmentDecided, DepositDetected, DepositCredited,
    DepositDust, DepositDropped, WithdrawalRequested, WithdrawalApprovalNeeded, WithdrawalApproved,
    WithdrawalBroadcast, WithdrawalSent, WithdrawalFailed, WithdrawalRejected, HotWalletAlert, SweepFailed,
    ColdRefillNeeded, ColdTransferDone, KycSubmitted, KycApproved, KycRejected, TransferReceived, ReferralJoined,
    ReferralReward, PremiumExpiring, PremiumExpired, ReservesPublished, ReservesShort, ReservesRefused,
    MarketSummary,
    DisputeAnswerReminder, DisputeNoAnswer, DisputeMonthlyStats,
    TradeAutoReply, ReferenceRateStale, AppealOpened, AppealHoldRequested, AppealHoldChanged,
)  # fmt: skip
BY_KIND: dict[str, type[Event]] = {kind_of(cls): cls for cls in EVENTS}

# The kinds written before typed events, with the fields their payloads lack.
LEGACY: dict[str, tuple[type[Event], dict[str, Any]]] = {
    **{f"offer.{change}": (OfferChanged, {"change": change})
       for change in ("published", "updated", "paused", "resumed", "closed")},
    "trade.opened": (TradeOpened, {}), "trade.paid": (TradePaid, {}), "trade.cancelled": (TradeCancelled, {}),
    "trade.completed": (TradeCompleted, {}), "trade.reminder": (TradeReminder, {}),
    "trade.file_reused": (TradeFileReused, {}), "feedback.received": (FeedbackReceived, {}),
    "dispute.opened": (DisputeOpened, {}), "dispute.claimed": (DisputeClaimed, {}),
    "dispute.unclaimed": (DisputeUnclaimed, {}), "dispute.resolved": (DisputeResolved, {}),
    "dispute.statement": (DisputeStatement, {}), "dispute.staff_message": (DisputeStaffMessage, {}),
    "market.rate_changed": (ReferenceRateChanged, {}), "market.setting_changed": (MarketSettingChanged, {}),
    "market.announcement": (MarketAnnouncement, {}), "account.frozen": (AccountFrozen, {}),
    "account.unfrozen": (AccountUnfrozen, {}), "account.adjusted": (AccountAdjusted, {}),
    "adjustment.requested": (AdjustmentRequested, {}), "adjustment.decided": (AdjustmentDecided, {}),
    "deposit_detected": (DepositDetected, {}), "deposit_credited": (DepositCredited, {}),
    "deposit_dust": (DepositDust, {}), "deposit_dropped": (DepositDropped, {}),
    "withdrawal_requested": (WithdrawalRequested, {}), "withdrawal_approval_needed": (WithdrawalApprovalNeeded, {}),
    "withdrawal_approved": (WithdrawalApproved, {}), "withdrawal_broadcast": (WithdrawalBroadcast, {}),
    "withdrawal_sent": (WithdrawalSent, {}), "withdrawal_failed": (WithdrawalFailed, {}),
    "withdrawal_rejected": (WithdrawalRejected, {}), "hot_wallet_alert": (HotWalletAlert, {}),
    "sweep_failed": (SweepFailed, {}), "kyc.submitted": (KycSubmitted, {}), "kyc.approved": (KycApproved, {}),
    "kyc.rejected": (KycRejected, {}), "transfer.received": (TransferReceived, {}),
    "referral.joined": (ReferralJoined, {}), "referral.reward": (ReferralReward, {}),
    "premium.expiring": (PremiumExpiring, {}), "premium.expired": (PremiumExpired, {}),
}  # fmt: skip


class UnknownEvent(ValueError):
    """An outbox row no event class reads (a kind from a newer release, or a broken payload)."""


def to_row(event: Event) -> tuple[str, dict[str, Any]]:
    """The outbox row's ``kind`` and JSON ``payload`` of ``event``."""
    return kind_of(type(event)), _encode_fields(event)


def parse(kind: str, payload: dict[str, Any]) -> Event:
    """The event of an outbox row, current or LEGACY."""
    if kind in BY_KIND:
        cls, data = BY_KIND[kind], payload
    elif kind in LEGACY:
        cls, defaults = LEGACY[kind]
        data = defaults | payload
    else:
        raise UnknownEvent(kind)
    try:
        event: Event = _decode_fields(cls, data)
    except (KeyError, TypeError, ValueError, ArithmeticError) as exc:
        raise UnknownEvent(f"{kind}: {exc!r}") from exc
    return event


_HINTS: dict[type, dict[str, Any]] = {}


def _hints(cls: type) -> dict[str, Any]:
    if cls not in _HINTS:
        _HINTS[cls] = get_type_hints(cls)
    return _HINTS[cls]


def _encode_fields(obj: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for f in dataclasses.fields(obj):
        value = getattr(obj, f.name)
        if dataclasses.is_dataclass(value):
            out.update(_encode_fields(value))  # flattened: the payload reads like one record
        elif value is not None:
            out[f.name] = _encode(value)
    return out


def _encode(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, tuple):
        return [_encode(v) for v in value]
    return value


def _decode_fields(cls: type[Any], data: dict[str, Any]) -> Any:
    hints = _hints(cls)
    values: dict[str, Any] = {}
    for f in dataclasses.fields(cls):
        tp = hints[f.name]
        if isinstance(tp, type) and dataclasses.is_dataclass(tp):
            # A Deal that names its parties is the whole trade.
            values[f.name] = _decode_fields(TradeFacts if tp is Deal and "seller_id" in data else tp, data)
        elif data.get(f.name) is not None:
            values[f.name] = _decode(tp, data[f.name])
        elif f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
            raise KeyError(f.name)
    return cls(**values)


def _decode(tp: Any, value: Any) -> Any:
    if get_origin(tp) in (Union, types.UnionType):
        tp = next(arg for arg in get_args(tp) if arg is not type(None))
    if get_origin(tp) is tuple:
        item = get_args(tp)[0]
        return tuple(_decode(item, v) for v in value)
    if tp is Decimal:
        return Decimal(str(value))
    if tp is datetime:
        return datetime.fromisoformat(value)
    if tp is bool and isinstance(value, bool):
        return value
    if tp in (int, str):
        return tp(value)
    raise TypeError(f"cannot read {tp!r}")
