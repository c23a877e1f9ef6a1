"""The wallet: balances, the deposit address (and its QR code), history, withdrawals.

A withdrawal takes an Idempotency-Key; with the second factor on it also needs the step-up token
of /api/auth/verify-otp in ``X-Step-Up`` (core.wallet.withdrawals checks the factor: the token
only says a right code was typed moments ago, and each token works once)."""

from __future__ import annotations

import enum
from datetime import UTC, datetime
from typing import Any

from aiohttp import web

from api import idempotency, inputs, tokens, views
from api.problems import Problem
from api.ratelimit import first_use
from api.routing import Call, route
from botkit.i18n import use_locale
from botkit.report_texts import statement_texts
from core.accounts import second_factor
from core.escrow import holds
from core.ledger import statement, user_balances
from core.money import Asset
from core.reports import periods, statement_files
from core.reports.statement import build_statement
from core.wallet import deposit_address, qr_png, request_withdrawal
from core.wallet.models import Withdrawal

STEP_UP_HEADER = "X-Step-Up"


class StatementFormat(enum.StrEnum):
    CSV = "csv"
    PDF = "pdf"


PAGE = 20


@route("GET", "/wallet/balance", summary="Balances per asset: available, in offers, in escrow, held", tag="wallet",
       answer={"type": "object", "additionalProperties": {"type": "object"}})
async def balance(call: Call) -> dict[str, Any]:
    return views.balances(await user_balances(call.session, call.user_id),
                          await holds.held_by_asset(call.session, call.user_id))


@route("GET", "/wallet/deposit-address", writes=True, summary="The trader's TRC20 deposit address (USDT and TRX)", tag="wallet",
       answer={"type": "object", "properties": {"address": {"type": "string"}, "qr": {"type": "string"}}})
async def get_deposit_address(call: Call) -> dict[str, Any]:
    address = await deposit_address(call.session, call.user_id, call.ctx.wallet.xpub)
    return {"address": address, "network": "TRC20", "qr": "/api/wallet/deposit-address/qr"}


@route("GET", "/wallet/deposit-address/qr", writes=True, summary="The deposit address as a QR code (image/png)", tag="wallet",
       answer={"type": "string", "format": "binary"})
async def deposit_qr(call: Call) -> web.Response:
    address = await deposit_address(call.session, call.user_id, call.ctx.wallet.xpub)
    return web.Response(body=qr_png(address), content_type="image/png", headers={"Cache-Control": "private, max-age=3600"})


@route("GET", "/wallet/transactions", summary="What changed the available balance, newest first", tag="wallet",
       query={"asset": "USDT or TRX", "cursor": "next_cursor of the previous page"},
       answer={"type": "object", "properties": {"items": {"type": "array"}, "next_cursor": {"type": ["string", "null"]}}})
async def transactions(call: Call) -> dict[str, Any]:
    query = call.request.query
    asset = inputs.choice(dict(query), "asset", Asset, required=False)
    cursor = query.get("cursor")
    if cursor is not None and not (cursor.isdigit() and len(cursor) < 19):
        raise Problem(422, "field_invalid", field="cursor")
    lines = await statement(call.session, call.user_id, asset=asset, limit=PAGE + 1,
                            before_entry_id=int(cursor) if cursor else None)  # fmt: skip
    more = len(lines) > PAGE
    lines = lines[:PAGE]
    return {"items": [views.statement_line(line) for line in lines],
            "next_cursor": str(lines[-1].entry_id) if more and lines else None}  # fmt: skip


@route("GET", "/wallet/statement", writes=True, summary="A statement of a period as a CSV or PDF file, in the user's language",
       tag="wallet", query={"period": "this_month | last_month | this_year | last_year", "format": "csv | pdf"},
       answer={"type": "string", "format": "binary"}, cost=10)  # fmt: skip
async def statement_file(call: Call) -> web.Response:
    """The same statement /export sends in the bot (core.reports.statement), made in a worker thread."""
    query = dict(call.request.query)
    span = inputs.choice(query, "period", periods.Span)
    kind = inputs.choice(query, "format", StatementFormat)
    assert span is not None and kind is not None
    period = periods.span(span)
    found = await build_statement(call.session, call.user_id, period)
    with use_locale(call.lang):
        texts = statement_texts(call.lang, found.name, period, datetime.now(UTC))
    csv_file, pdf_file = await statement_files.render_files(found, texts)
    name = f"koxx-statement-{period.first_day.isoformat()}-{period.last_day.isoformat()}.{kind.value}"
    return web.Response(body=csv_file if kind == StatementFormat.CSV else pdf_file,
                        content_type="text/csv" if kind == StatementFormat.CSV else "application/pdf",
                        headers={"Content-Disposition": f'attachment; filename="{name}"'})  # fmt: skip


def _withdrawal(w: Withdrawal) -> dict[str, Any]:
    return {"id": w.id, "asset": w.asset, "amount": views.coins(w.amount), "fee": views.coins(w.fee),
            "to_address": w.to_address, "status": w.status, "approvals_needed": w.approvals_needed,
            "created_at": views.when(w.created_at)}  # fmt: skip


async def _proof(call: Call) -> second_factor.Proof | None:
    """The step-up token as core's proof (when the factor is on); each token works once."""
    if not await second_factor.is_on(call.session, call.user_id):
        return None
    try:
        claims = tokens.read(call.ctx.settings, call.request.headers.get(STEP_UP_HEADER), "step_up")
    except tokens.TokenInvalid:
        raise Problem(403, "step_up_required") from None
    if claims.user_id != call.user_id or not await first_use(call.ctx, f"stepup:{claims.token_id}"):
        raise Problem(403, "step_up_required")
    return second_factor.Proof(None, second_factor.service_key(call.ctx.settings), verified_at=claims.issued_at)


@route("POST", "/wallet/withdraw", summary="Send coins to a TRON address (Idempotency-Key; X-Step-Up with 2FA on)",
       tag="wallet", headers={idempotency.HEADER: "unique per withdrawal; a retry with it changes nothing"},
       body={"type": "object", "required": ["asset", "address", "amount"], "properties": {
           "asset": {"enum": ["USDT", "TRX"]}, "address": {"type": "string"},
           "amount": {"type": "string", "description": "what arrives, in coins, e.g. \"25.5\""}}},
       answer={"type": "object"}, status=200, cost=10)  # fmt: skip
async def withdraw(call: Call) -> Any:
    body = call.body()
    asset = inputs.choice(body, "asset", Asset)
    address = inputs.text(body, "address", required=True, max_length=64)
    amount = inputs.crypto(body, "amount")
    assert asset is not None and amount is not None
    done = await idempotency.claim(call)
    if done is not None:
        return done
    w = await request_withdrawal(call.session, call.ctx.wallet, user_id=call.user_id, address=address, asset=asset,
                                 amount=amount, client_key=f"api:{call.idempotency_key}",
                                 proof=await _proof(call))  # fmt: skip
    await call.session.flush()
    return await idempotency.remember(call, _withdrawal(w))
