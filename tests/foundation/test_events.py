"""core.events: every event the bots may be sent has a renderer for each kind of recipient it
goes to, emit refuses any other, and the outbox rows of the release before typed events (the
string kinds and dict payloads waiting in the outbox at deploy time) still parse and read the
same."""

from __future__ import annotations

import ast
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from botkit.rendering import Recipient, Renderers
from core import events, outbox
from core.money import MICRO
from tests.rendering import RENDERERS, render, render_row

ROOT = Path(__file__).resolve().parents[2]
TRADE = events.TradeFacts(
    trade_id=12, offer_id=3, seller_id=100, buyer_id=200, asset="USDT", fiat="IQD", price=Decimal("1310"),
    fiat_amount=Decimal("131000"), crypto_amount=100 * MICRO, seller_fee=200_000, buyer_fee=200_000,
    payment_method="zaincash", status="completed", expires_at=datetime(2026, 12, 4, 18, 0, tzinfo=UTC),
)  # fmt: skip
# The payloads core wrote before typed events, as they sit in the outbox.
SUMMARY = {"trade_id": 12, "offer_id": 3, "seller_id": 100, "buyer_id": 200, "asset": "USDT", "fiat": "IQD",
           "price": "1310", "fiat_amount": "131000", "crypto_amount": 100 * MICRO, "seller_fee": 200_000,
           "buyer_fee": 200_000, "payment_method": "zaincash", "status": "completed",
           "expires_at": "2026-12-04T18:00:00+00:00"}  # fmt: skip
OFFER = {"offer_id": 7, "maker_id": 100, "side": "sell", "asset": "USDT", "fiat": "IQD", "price_type": "fixed",
         "price": "1310", "margin_pct": None, "amount": 300 * MICRO, "remaining": 300 * MICRO, "min_fiat": "10000",
         "max_fiat": "500000", "payment_methods": ["zaincash"], "payment_note": None, "payment_window": 30,
         "status": "active", "current_price": "1310"}  # fmt: skip


def test_every_event_has_a_renderer_for_each_recipient_kind_it_is_sent_to() -> None:
    assert RENDERERS.missing() == []
    assert all(cls.audience <= {events.USER, events.CHANNEL, events.ADMIN} for cls in events.EVENTS)


def test_a_renderer_for_a_recipient_the_event_never_goes_to_or_a_second_one_is_refused() -> None:
    renderers = Renderers()
    with pytest.raises(ValueError, match="never sent"):
        renderers.register(events.KycApproved, events.ADMIN, lambda e, to: None)
    renderers.register(events.KycApproved, events.USER, lambda e, to: None)
    with pytest.raises(ValueError, match="already"):
        renderers.register(events.KycApproved, events.USER, lambda e, to: None)
    assert (events.KycApproved, events.USER) not in renderers.missing()


class _Session:
    def __init__(self) -> None:
        self.added: list[Any] = []
        self.info: dict[str, Any] = {}

    def add(self, row: Any) -> None:
        self.added.append(row)


def test_emit_refuses_a_recipient_kind_the_event_does_not_declare() -> None:
    session = _Session()
    approved = events.KycApproved(request_id=1, level=2)
    with pytest.raises(ValueError, match="not sent to admins"):
        outbox.emit(session, approved, [outbox.user(5), outbox.ADMINS])  # type: ignore[arg-type]
    assert session.added == []  # nothing of it queued
    outbox.emit(session, approved, [outbox.user(5)])  # type: ignore[arg-type]
    [row] = session.added
    assert (row.kind, row.recipient, row.payload) == ("KycApproved.v1", "user:5", {"request_id": 1, "level": 2})


def test_every_event_class_is_in_the_catalogue_once_and_every_old_kind_maps_to_one() -> None:
    assert len(set(events.EVENTS)) == len(events.EVENTS) == len(events.BY_KIND)
    assert {cls for cls, _ in events.LEGACY.values()} <= set(events.EVENTS)  # events added since have no old kind


def test_an_event_survives_its_row_with_decimals_datetimes_and_tuples_typed() -> None:
    paid = events.TradePaid(trade=TRADE, receipt_file_id="file-1", receipt_reused_in=(4, 9))
    kind, payload = events.to_row(paid)
    assert kind == "TradePaid.v1"
    assert payload == SUMMARY | {"receipt_file_id": "file-1", "receipt_reused_in": [4, 9],
                                 "payer_flagged": False}  # flat, JSON-safe
    again = events.parse(kind, payload)
    assert again == paid and isinstance(again, events.TradePaid)
    assert again.trade.price == Decimal("1310") and again.trade.expires_at == TRADE.expires_at


def test_trade_completed_is_one_class_the_channel_row_without_the_parties() -> None:
    parties = events.TradeCompleted(trade=TRADE, by="seller")
    channel = events.TradeCompleted(trade=events.Deal(
        trade_id=12, asset="USDT", crypto_amount=100 * MICRO, fiat="IQD", fiat_amount=Decimal("131000"),
        price=Decimal("1310"), payment_method="zaincash"))  # fmt: skip
    assert events.to_row(channel)[1] == {"trade_id": 12, "asset": "USDT", "crypto_amount": 100 * MICRO, "fiat": "IQD",
                                         "fiat_amount": "131000", "price": "1310", "payment_method": "zaincash"}
    assert isinstance(events.parse(*events.to_row(parties)).trade, events.TradeFacts)  # type: ignore[attr-defined]
    assert not isinstance(events.parse(*events.to_row(channel)).trade, events.TradeFacts)  # type: ignore[attr-defined]


@pytest.mark.parametrize("to", [Recipient("user", 200, "en"), Recipient("user", 100, "ar"),
                                Recipient("channel", -100, "en")])  # fmt: skip
def test_old_trade_completed_rows_of_both_shapes_read_as_the_new_event(to: Recipient) -> None:
    if to.kind == "channel":
        old = {k: SUMMARY[k] for k in ("trade_id", "asset", "crypto_amount", "fiat", "fiat_amount", "price",
                                       "payment_method")}  # fmt: skip
        new = events.TradeCompleted(trade=events.Deal(**{**old, "fiat_amount": Decimal("131000"),
                                                          "price": Decimal("1310")}))  # fmt: skip
    else:
        old = SUMMARY | {"buyer_receives": 99_800_000, "by": "seller"}
        new = events.TradeCompleted(trade=TRADE, by="seller")
    assert events.parse("trade.completed", old) == new
    rendered, expected = render_row("trade.completed", old, to), render(new, to)
    if to.chat_id == 100:  # the seller released: their own release card said it, no second card
        assert rendered is None and expected is None
        return
    assert rendered is not None and expected is not None
    assert (rendered.text, rendered.keyboard) == (expected.text, expected.keyboard)
    if to.chat_id == 200:
        assert "99.8 USDT are in your wallet" in rendered.text


def test_old_offer_kinds_read_as_one_offer_changed_with_what_changed() -> None:
    published = events.parse("offer.published", OFFER)
    assert isinstance(published, events.OfferChanged)
    assert (published.change, published.current_price, published.payment_methods) == (
        "published", Decimal("1310"), ("zaincash",))
    assert published.latest_key == "offer:7"
    taken = events.parse("offer.updated", {k: v for k, v in OFFER.items() if k != "current_price"} | {"takeable": False})
    assert isinstance(taken, events.OfferChanged) and taken.change == "updated" and taken.takeable is False
    closed = events.parse("offer.closed", OFFER | {"status": "closed", "current_price": None})
    assert isinstance(closed, events.OfferChanged) and closed.current_price is None
    post = render(closed, Recipient("channel", -100, "ar"))
    assert post is not None and post.delete and post.post_key == "offer:7"


def test_offer_rows_older_than_the_makers_name_still_read() -> None:
    """maker_name came with nicknames (issue 21): rows written before it have none, and parse."""
    old = events.parse(events.kind_of(events.OfferChanged), OFFER | {"change": "updated"})
    assert isinstance(old, events.OfferChanged) and old.maker_name is None
    new = events.parse(events.kind_of(events.OfferChanged), OFFER | {"change": "updated", "maker_name": "KarimFX"})
    assert isinstance(new, events.OfferChanged) and new.maker_name == "KarimFX"
    assert events.to_row(new)[1]["maker_name"] == "KarimFX"


@pytest.mark.parametrize(
    ("kind", "payload", "expected"),
    [
        ("deposit_credited", {"deposit_id": 1, "asset": "TRX", "amount": 1_500_000, "txid": "ab", "user_id": 42},
         events.DepositCredited(deposit_id=1, user_id=42, asset="TRX", amount=1_500_000, txid="ab")),
        ("premium.expiring", {"until": "2026-12-25T09:00:00+00:00"},
         events.PremiumExpiring(until=datetime(2026, 12, 25, 9, tzinfo=UTC))),
        ("market.announcement", {"what": "maker_fee_pct", "value": "0.3"},
         events.MarketAnnouncement(what="maker_fee_pct", value=Decimal("0.3"))),
        ("adjustment.requested", {"adjustment_id": 3, "user_id": 5, "asset": "USDT", "amount": -2, "reason": "r",
                                  "requested_by": 1, "status": "pending", "decided_by": None},
         events.AdjustmentRequested(adjustment=events.Adjustment(adjustment_id=3, user_id=5, asset="USDT", amount=-2,
                                                                 reason="r", requested_by=1, status="pending"))),
        ("dispute.opened", SUMMARY | {"dispute_id": 4, "opened_by": None, "reason": "release_timeout",
                                      "escalated": True},
         events.DisputeOpened(trade=TRADE, dispute_id=4, reason="release_timeout", escalated=True)),
        ("withdrawal_rejected", {"withdrawal_id": 7, "user_id": 42, "asset": "USDT", "amount": 40, "fee": 2,
                                 "to_address": "T1", "status": "rejected", "approvals_needed": 1, "txid": None,
                                 "reason": "no"},
         events.WithdrawalRejected(withdrawal=events.Withdrawal(withdrawal_id=7, user_id=42, asset="USDT", amount=40,
                                                                fee=2, to_address="T1", status="rejected",
                                                                approvals_needed=1), reason="no")),
        ("premium.expired", {}, events.PremiumExpired()),
    ],
)  # fmt: skip
def test_old_rows_parse_into_their_event(kind: str, payload: dict[str, Any], expected: events.Event) -> None:
    assert events.parse(kind, payload) == expected
    assert events.parse(*events.to_row(expected)) == expected


def test_an_unknown_kind_or_a_row_missing_a_required_field_is_refused_and_extra_keys_are_ignored() -> None:
    with pytest.raises(events.UnknownEvent):
        events.parse("trade.teleported", {})
    with pytest.raises(events.UnknownEvent):
        events.parse("kyc.approved", {"request_id": 1})
    assert events.parse("kyc.approved", {"request_id": 1, "level": 2, "later": "x"}) == events.KycApproved(
        request_id=1, level=2)


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    names = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
    return names | {node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}


def test_the_events_are_plain_data_free_of_telegram_and_the_database() -> None:
    assert {name.split(".")[0] for name in _imports(ROOT / "core" / "events.py")} <= {
        "__future__", "dataclasses", "datetime", "decimal", "types", "typing"}


@pytest.mark.parametrize(
    ("package", "forbidden"),
    [("bot", {"admin_bot"}), ("admin_bot", {"bot"}), ("botkit", {"bot", "admin_bot", "api"}), ("core", {"aiogram", "botkit", "api"}),
     ("api", {"bot", "admin_bot"})],
)
def test_the_layers_import_only_downwards(package: str, forbidden: set[str]) -> None:
    """The two bots never import each other; what both need is in botkit, which imports neither;
    core knows nothing of Telegram."""
    offenders = [str(p.relative_to(ROOT)) for p in (ROOT / package).rglob("*.py")
                 if any(name.split(".")[0] in forbidden for name in _imports(p))]  # fmt: skip
    assert offenders == []
