"""The second factor from the app, as the bot's /security does it: turning it on (a new secret as
a QR code and as text, a first code from the authenticator app, then the ten recovery codes, this
once) and off (a code, then core's cooling-off, which the user may cancel). The rules are
core.accounts.second_factor's.

The secret and the recovery codes exist in clear only in the answers to their owner, which are
marked ``no-store``; nothing here logs them."""

from __future__ import annotations

import base64
from typing import Any

from aiohttp import web

from api import inputs, views
from api.routing import Call, route
from botkit.second_factor_texts import account_label
from core.accounts import second_factor
from core.wallet import qr_png

NO_STORE = {"Cache-Control": "no-store"}
CODE_BODY = {"type": "object", "required": ["code"], "properties": {
    "code": {"type": "string", "description": "the 6 digits the app shows (or a recovery code, to turn off)"}}}  # fmt: skip
STATE = {"type": "object", "properties": {"second_factor": {"type": "boolean"},
                                          "off_at": {"type": ["string", "null"]}}}  # fmt: skip


def _key(call: Call) -> bytes:
    return second_factor.service_key(call.ctx.settings)


@route("POST", "/users/second-factor", summary="Begin turning the second factor on: a new secret for the "
       "authenticator app, as an otpauth URI, its QR code (PNG data URI) and text", tag="users",
       answer={"type": "object", "properties": {"secret": {"type": "string"}, "uri": {"type": "string"},
                                                "qr": {"type": "string"}}}, cost=10)  # fmt: skip
async def begin(call: Call) -> web.Response:
    enrolment = await second_factor.begin(call.session, _key(call), call.user_id, account_label(call.user))
    qr = "data:image/png;base64," + base64.b64encode(qr_png(enrolment.uri)).decode()
    return web.json_response({"secret": enrolment.secret, "uri": enrolment.uri, "qr": qr}, headers=NO_STORE)


@route("POST", "/users/second-factor/confirm", summary="The app's first code: the second factor is on; "
       "answers the ten recovery codes, the only time they are shown", tag="users", body=CODE_BODY,
       answer={"type": "object", "properties": {"second_factor": {"type": "boolean"},
                                                "recovery_codes": {"type": "array", "items": {"type": "string"}}}},
       cost=10)  # fmt: skip
async def confirm(call: Call) -> web.Response:
    codes = await second_factor.confirm(call.session, _key(call), call.user_id, inputs.code(call.body()))
    return web.json_response({"second_factor": True, "recovery_codes": codes}, headers=NO_STORE)


@route("DELETE", "/users/second-factor", summary="Turn the second factor off with a code: it goes off after "
       "the cooling-off (off_at); codes are still asked until then", tag="users", body=CODE_BODY, answer=STATE,
       cost=10)  # fmt: skip
async def turn_off(call: Call) -> dict[str, Any]:
    proof = second_factor.Proof(inputs.code(call.body()), _key(call))
    off_at = await second_factor.request_off(call.session, call.user_id, proof)
    return {"second_factor": True, "off_at": views.when(off_at)}


@route("POST", "/users/second-factor/keep", summary="Keep the second factor on (a pending switch-off is dropped)",
       tag="users", answer=STATE)
async def keep_on(call: Call) -> dict[str, Any]:
    await second_factor.cancel_off(call.session, call.user_id)
    return {"second_factor": True, "off_at": None}
