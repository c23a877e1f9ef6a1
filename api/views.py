"""The JSON the API answers with. Crypto amounts are decimal strings of whole coins ("12.5"),
fiat amounts and prices decimal strings in the currency's exponent; times ISO 8601 in UTC."""

from __future__ import annotations

import json
from datetime import datetime
from decimal import Decimal
from typing import Any
from weakref import WeakKeyDictionary

from core.accounts.models import PaymentAccount
from core.escrow import Offer, OfferDraft, OfferPreview, OfferRow, Quote, Trade, TradeMessage, UserStats
from core.ledger.types import StatementLine, UserBalances
from core.money import from_micro
from core.users import User


def coins(micro: int | None) -> str | None:
    """Micro units as whole coins, without trailing zeros: 12_500_000 -> "12.5"."""
    if micro is None:
        return None
    text = format(from_micro(micro), "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def money(value: Decimal | None) -> str | None:
    return None if value is None else format(value, "f")


def when(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def user(me: User) -> dict[str, Any]:
    return {"id": me.id, "username": me.username, "first_name": me.first_name, "nickname": me.nickname,
            "public_name": me.public_name, "language": me.language, "telegram_language": me.telegram_language, "kyc_level": me.kyc_level, "tier": me.tier,
            "market": me.market_pair}  # fmt: skip


def stats(s: UserStats) -> dict[str, Any]:
    return {"completed_trades": s.completed_trades, "completion_rate_30d": money(s.completion_rate_30d),
            "avg_release_seconds": s.avg_release_seconds, "positive": s.positive, "negative": s.negative,
            "positive_share": money(s.positive_share), "account_age_days": s.account_age_days}  # fmt: skip


def offer(o: Offer, *, price: Decimal | None = None, max_fiat: Decimal | None = None) -> dict[str, Any]:
    return {
        "id": o.id, "side": o.side, "asset": o.asset, "fiat": o.fiat,
        "price_type": o.price_type, "price": money(price if price is not None else o.price),
        "margin_pct": money(o.margin_pct), "amount": coins(o.amount), "remaining": coins(o.remaining),
        "min_fiat": money(o.min_fiat), "max_fiat": money(max_fiat if max_fiat is not None else o.max_fiat),
        "payment_methods": list(o.payment_methods), "payment_note": o.payment_note, "city": o.city,
        "payment_window": o.payment_window, "terms": o.terms, "min_trades": o.min_trades,
        "min_account_age_days": o.min_account_age_days, "visibility": o.visibility, "status": o.status,
        "promoted": o.is_promoted, "created_at": when(o.created_at),
    }  # fmt: skip


def offer_preview(d: OfferDraft, p: OfferPreview) -> dict[str, Any]:
    """A draft as its offer would be listed, and what publishing it takes from the maker."""
    return {
        "offer": {"side": d.side.value, "asset": d.asset.value, "fiat": d.fiat.value,
                  "price_type": "fixed" if d.price is not None else "floating", "price": money(p.price),
                  "margin_pct": money(d.margin_pct), "amount": coins(d.amount), "remaining": coins(d.amount),
                  "min_fiat": money(d.min_fiat), "max_fiat": money(d.max_fiat),
                  "payment_methods": list(d.payment_methods), "payment_note": d.payment_note, "city": d.city,
                  "payment_window": d.payment_window, "terms": d.terms, "min_trades": d.min_trades,
                  "min_account_age_days": d.min_account_age_days, "visibility": d.visibility},
        "maker_fee_pct": money(p.maker_fee_pct), "reserve": coins(p.reserve), "available": coins(p.available),
        "accounts": len(d.payment_account_ids),
    }  # fmt: skip


def offer_row(row: OfferRow) -> dict[str, Any]:
    return offer(row.offer, price=row.price, max_fiat=row.max_fiat) | {
        "maker": {"name": row.maker_nickname or row.maker_name} | stats(row.maker)}


_row_json: WeakKeyDictionary[OfferRow, str] = WeakKeyDictionary()


def offer_row_json(row: OfferRow) -> str:
    """``offer_row`` as JSON text, made once per row: a cached market (core.escrow.market_cache)
    hands every viewer the same row objects, so a page is mostly joined, not encoded."""
    text = _row_json.get(row)
    if text is None:
        text = _row_json[row] = json.dumps(offer_row(row), ensure_ascii=False)
    return text


def quote(q: Quote, me_id: int) -> dict[str, Any]:
    n = q.numbers
    return {"offer_id": q.offer_id, "asset": q.asset, "role": "buyer" if q.buyer_id == me_id else "seller",
            "price": money(n.price), "fiat_amount": money(n.fiat_amount), "crypto_amount": coins(n.crypto_amount),
            "seller_fee": coins(n.seller_fee), "buyer_fee": coins(n.buyer_fee),
            "escrow_amount": coins(n.escrow_amount), "buyer_receives": coins(n.crypto_amount - n.buyer_fee),
            "payment_method": q.payment_method, "payment_window": q.payment_window}  # fmt: skip


def account(a: PaymentAccount | None) -> dict[str, Any] | None:
    if a is None:
        return None
    return {"id": a.id, "method": a.method, "number": a.number, "holder_name": a.holder_name, "city": a.city}


def trade(t: Trade, me_id: int, *, paid_to: PaymentAccount | None = None,
          paid_from: PaymentAccount | None = None) -> dict[str, Any]:  # fmt: skip
    role = "buyer" if t.buyer_id == me_id else "seller"
    return {
        "id": t.id, "offer_id": t.offer_id, "role": role, "status": t.status, "asset": t.asset, "fiat": t.fiat,
        "price": money(t.price), "fiat_amount": money(t.fiat_amount), "crypto_amount": coins(t.crypto_amount),
        "seller_fee": coins(t.seller_fee), "buyer_fee": coins(t.buyer_fee),
        "buyer_receives": coins(t.crypto_amount - t.buyer_fee), "payment_method": t.payment_method,
        "payment_window": t.payment_window,
        "created_at": when(t.created_at), "expires_at": when(t.expires_at), "paid_at": when(t.paid_at),
        "completed_at": when(t.completed_at), "cancelled_at": when(t.cancelled_at),
        "disputed_at": when(t.disputed_at), "close_reason": t.close_reason,
        "seller_account": account(paid_to), "buyer_account": account(paid_from),
    }  # fmt: skip


def message(m: TradeMessage, me_id: int) -> dict[str, Any]:
    return {"id": m.id, "mine": m.sender_id == me_id, "kind": m.kind, "text": m.text,
            "has_file": m.file_id is not None, "reused": m.reused, "created_at": when(m.created_at)}  # fmt: skip


def balances(rows: dict[Any, UserBalances], held: dict[Any, Any]) -> dict[str, Any]:
    return {str(asset): {"available": coins(b.available), "in_offers": coins(b.in_offers),
                         "in_escrow": coins(b.in_escrow), "in_withdrawals": coins(b.in_withdrawals),
                         "on_hold": coins(held[asset].amount), "on_hold_until": when(held[asset].until),
                         "total": coins(b.total)}
            for asset, b in rows.items()}  # fmt: skip


def statement_line(line: StatementLine) -> dict[str, Any]:
    return {"id": line.entry_id, "kind": line.kind, "asset": str(line.asset), "amount": coins(line.amount),
            "created_at": when(line.created_at)}  # fmt: skip
