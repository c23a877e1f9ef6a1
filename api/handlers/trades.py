"""Trades: open one at the quote the taker saw, read them, and each party's actions, all through
core.escrow (the bot's same calls). Another user's trade answers 404, exactly as a missing one."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from aiogram.utils.i18n import gettext as _
from aiohttp import web

from api import idempotency, inputs, photos, uploads, views
from api.handlers.offers import amounts
from api.problems import Problem
from api.ratelimit import check_rate
from api.routing import Call, client_ip, route
from botkit import fmt
from botkit.i18n import use_locale
from core import escrow
from core.escrow import Trade, TradeMessage
from core.escrow.trades import require_role, seller_account_options

TRADE = {"type": "object", "properties": {"id": {"type": "integer"}, "status": {"type": "string"},
                                          "role": {"enum": ["buyer", "seller"]}, "expires_at": {"type": "string"}}}  # fmt: skip
MESSAGE = {"type": "object", "properties": {
    "id": {"type": "integer"}, "mine": {"type": "boolean"}, "kind": {"enum": ["text", "photo", "document", "receipt"]},
    "text": {"type": ["string", "null"]}, "has_file": {"type": "boolean"},
    "reused": {"type": "boolean", "description": "the photo was sent before in another trade (an old receipt?)"},
    "created_at": {"type": "string"}}}  # fmt: skip
MESSAGE_MAX = 3500  # with the relay's header, one Telegram message
CAPTION_MAX = 900  # UTF-16 units, as Telegram counts: with the header, one photo caption (1,024); problems says 900
PHOTO_COST = 9  # an upload counts 10 against the rate limit (1 for the route, 9 here), as the KYC photos
PHOTOS = ("photo", "receipt")  # the kinds of message whose file is a photo (a document is not shown)
PHOTO_MAX_AGE = 86400  # a message's photo never changes


async def _mine(call: Call, trade_id: int | None = None) -> Trade:
    trade = await escrow.get_trade(call.session, trade_id if trade_id is not None else call.param("id"))
    require_role(trade, call.user_id, "party")  # not_party answers as trade_not_found (api.problems)
    return trade


async def _view(call: Call, trade: Trade) -> dict[str, Any]:
    paid_to, paid_from = await escrow.trade_accounts(call.session, trade)
    options = await seller_account_options(call.session, trade) if trade.buyer_id == call.user_id else []
    return views.trade(trade, call.user_id, paid_to=paid_to, paid_from=paid_from) | {
        "seller_account_options": [views.account(a) for a in options]}


@route("POST", "/trades/initiate", summary="Open a trade at the quoted price (price_moved if it changed)",
       tag="trades", headers={idempotency.HEADER: "unique per take; a retry with it opens nothing more"},
       body={"type": "object", "required": ["offer_id", "price"], "properties": {
           "offer_id": {"type": "integer"}, "price": {"type": "string", "description": "the quote's price"},
           "fiat_amount": {"type": "string"}, "crypto_amount": {"type": "string"},
           "payment_method": {"type": "string"}}}, answer=TRADE, status=201, cost=10)  # fmt: skip
async def initiate(call: Call) -> Any:
    body = call.body()
    offer_id = inputs.integer(body, "offer_id", required=True, low=1)
    assert offer_id is not None
    offer = await escrow.get_offer(call.session, offer_id)
    price = inputs.price(body, "price", offer.fiat_enum)
    assert isinstance(price, Decimal)
    chosen = amounts(body, offer.fiat_enum)
    done = await idempotency.claim(call)
    if done is not None:
        return done
    trade = await escrow.take(call.session, offer_id=offer.id, taker_id=call.user_id, expected_price=price, **chosen)
    return await idempotency.remember(call, await _view(call, trade))


@route("GET", "/trades", summary="The trader's trades, newest first", tag="trades", query={"open": "1: open only"},
       answer={"type": "object", "properties": {"items": {"type": "array", "items": TRADE}}})
async def list_trades(call: Call) -> dict[str, Any]:
    open_only = call.request.query.get("open") in ("1", "true")
    trades = await escrow.my_trades(call.session, call.user_id, open_only=open_only, limit=50)
    return {"items": [views.trade(t, call.user_id) for t in trades]}


@route("GET", "/trades/{id}", summary="One of the trader's trades, with where to pay", tag="trades", answer=TRADE)
async def get_trade(call: Call) -> dict[str, Any]:
    return await _view(call, await _mine(call))


@route("PUT", "/trades/{id}/confirm", tag="trades", answer=TRADE, cost=5,
       summary="The buyer: I have paid ({\"action\": \"paid\"}); the seller: release "
               "({\"action\": \"release\", \"received\": true})",
       body={"type": "object", "required": ["action"], "properties": {
           "action": {"enum": ["paid", "release"]}, "paid_from": {"type": "integer"},
           "received": {"type": "boolean", "description": "release: the seller saw the whole payment arrive"}}})  # fmt: skip
async def confirm(call: Call) -> dict[str, Any]:
    body = call.body()
    action = inputs.text(body, "action", required=True, max_length=16)
    trade = await _mine(call)
    if action == "paid":
        trade = await escrow.mark_paid(call.session, trade_id=trade.id, actor_id=call.user_id,
                                       paid_from=inputs.integer(body, "paid_from", low=1))  # fmt: skip
    elif action == "release":
        if not inputs.flag(body, "received"):
            raise Problem(422, "confirmation_required", field="received")
        trade = await escrow.release(call.session, trade_id=trade.id, actor_id=call.user_id)
    else:
        raise Problem(422, "field_invalid", field="action", allowed=["paid", "release"])
    return await _view(call, trade)


@route("PUT", "/trades/{id}/account", summary="The buyer picks which of the seller's accounts they pay to",
       tag="trades", body={"type": "object", "required": ["account_id"], "properties": {"account_id": {"type": "integer"}}},
       answer=TRADE)  # fmt: skip
async def choose_account(call: Call) -> dict[str, Any]:
    trade = await _mine(call)
    account_id = inputs.integer(call.body(), "account_id", required=True, low=1)
    assert account_id is not None
    trade = await escrow.choose_seller_account(call.session, trade_id=trade.id, actor_id=call.user_id,
                                               account_id=account_id)  # fmt: skip
    return await _view(call, trade)


@route("PUT", "/trades/{id}/cancel", summary="The buyer withdraws before paying (the coins go back)", tag="trades",
       answer=TRADE, cost=5)
async def cancel(call: Call) -> dict[str, Any]:
    trade = await _mine(call)
    return await _view(call, await escrow.cancel(call.session, trade_id=trade.id, actor_id=call.user_id))


@route("PUT", "/trades/{id}/dispute", summary="Either party asks a moderator to decide", tag="trades", answer=TRADE,
       body={"type": "object", "required": ["reason"], "properties": {"reason": {"type": "string"}}}, cost=5)
async def dispute(call: Call) -> dict[str, Any]:
    trade = await _mine(call)
    reason = inputs.text(call.body(), "reason", required=True, max_length=4096) or ""
    await escrow.open_dispute(call.session, trade_id=trade.id, actor_id=call.user_id, reason=reason)
    return await _view(call, await escrow.get_trade(call.session, trade.id))


@route("GET", "/trades/{id}/messages", summary="The trade's chat, oldest first (the evidence admins see)",
       tag="trades", answer={"type": "object", "properties": {"items": {"type": "array", "items": MESSAGE}}})
async def get_messages(call: Call) -> dict[str, Any]:
    trade = await _mine(call)
    return {"items": [views.message(m, call.user_id) for m in await escrow.messages(call.session, trade.id)]}


@route("POST", "/trades/{id}/messages", tag="trades", answer=MESSAGE, status=201,
       summary="Write to the other side (they read it in the bot or the app): a text (JSON), or a photo with an "
               "optional caption (multipart: photo, text; JPEG, PNG or WebP up to 10 MB)",
       body={"type": "object", "required": ["text"], "properties": {"text": {"type": "string"}}},
       form={"type": "object", "required": ["photo"], "properties": {
           "photo": {"type": "string", "format": "binary"}, "text": {"type": "string"}}})  # fmt: skip
async def post_message(call: Call) -> dict[str, Any]:
    trade = await _mine(call)
    file_id = fingerprint = None
    if call.request.content_type == "multipart/form-data":
        text, file_id, fingerprint = await _photo(call, trade)
    else:
        text = inputs.text(call.body(), "text", required=True, max_length=MESSAGE_MAX)
    result = await escrow.send_message(call.session, trade_id=trade.id, sender_id=call.user_id, text=text,
                                       file_id=file_id, file_unique_id=fingerprint)  # fmt: skip
    if trade.status == escrow.TradeStatus.DISPUTED:  # as the bot's chat: part of the party's statement
        await escrow.add_statement(call.session, trade_id=trade.id, author_id=call.user_id, text=text, file_id=file_id)
    return views.message(result.message, call.user_id)


async def _photo(call: Call, trade: Trade) -> tuple[str | None, str, str]:
    """The upload's caption, the photo's file_id once it is in the sender's chat with the bot (their
    copy), and its fingerprint (api.photos). Nothing is sent when the upload is refused."""
    await call.session.commit()  # no database connection held while the phone uploads and Telegram takes it
    await check_rate(call.ctx, ip=client_ip(call.request), user_id=call.user_id, cost=PHOTO_COST)
    form = await uploads.read_form(call.request, files=("photo",), fields=("text",))
    data = form.files.get("photo")
    if not data:
        raise Problem(422, "field_required", field="photo")
    if photos.image_type(data) is None:
        raise Problem(422, "photo_not_image", field="photo")
    caption = form.fields.get("text")
    caption = caption if caption and caption.strip() else None
    if caption is not None and fmt.utf16_len(caption) > CAPTION_MAX:
        raise Problem(422, "caption_too_long", field="text", max=CAPTION_MAX)
    with use_locale(call.lang):
        copy = _("📎 Trade #{id}: you sent this photo from the app.").format(id=trade.id)
    if caption is not None:
        copy += "\n" + fmt.escape(caption)
    file_id = await photos.store(call.ctx.bot, call.user_id, data, copy)
    return caption, file_id, photos.fingerprint(data)


@route("GET", "/trades/{id}/messages/{message_id}/photo", summary="A photo of the trade's chat: the image itself",
       tag="trades", answer={"type": "string", "format": "binary"}, cost=2)
async def get_photo(call: Call) -> web.Response:
    trade = await _mine(call)
    message = await call.session.get(TradeMessage, call.param("message_id"))
    if message is None or message.trade_id != trade.id or message.file_id is None or message.kind not in PHOTOS:
        raise Problem(404, "not_found")
    await call.session.commit()  # no database connection held while Telegram sends the file
    data = await photos.fetch(call.ctx.bot, message.file_id)
    return web.Response(body=data, content_type=photos.image_type(data) or "application/octet-stream",
                        headers={"Cache-Control": f"private, max-age={PHOTO_MAX_AGE}",
                                 "X-Content-Type-Options": "nosniff"})  # fmt: skip
