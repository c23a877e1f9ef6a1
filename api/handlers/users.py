"""The signed-in trader: profile (statistics, language, nickname, second factor) and KYC documents."""

from __future__ import annotations

from typing import Any

from api import inputs, uploads, views
from api.problems import Problem
from api.routing import Call, route
from botkit.catalogs import LANGUAGES
from core import escrow, users
from core.accounts import kyc, names, second_factor
from core.accounts.documents import documents_key

PROFILE = {"type": "object", "properties": {"user": {"type": "object"}, "stats": {"type": "object"},
                                            "second_factor": {"type": "boolean"},
                                            "second_factor_off_at": {"type": ["string", "null"]}}}  # fmt: skip


async def _profile(call: Call) -> dict[str, Any]:
    me = call.user
    factor = await second_factor.status(call.session, me.id)
    return {"user": views.user(me), "stats": views.stats(await escrow.user_stats(call.session, me.id)),
            "second_factor": factor.enabled, "second_factor_off_at": views.when(factor.off_at)}  # fmt: skip


@route("GET", "/users/profile", summary="The signed-in trader, their statistics and security", tag="users",
       answer=PROFILE, writes=True)
async def get_profile(call: Call) -> dict[str, Any]:
    return await _profile(call)


@route("PUT", "/users/profile", summary="Change the language or the nickname", tag="users", answer=PROFILE,
       body={"type": "object", "properties": {"language": {"enum": ["ar", "en"]}, "nickname": {"type": "string"}}})
async def put_profile(call: Call) -> dict[str, Any]:
    body = call.body()
    language = inputs.one_of(body, "language", LANGUAGES)
    if language is not None:
        await users.set_language(call.session, call.user_id, language)
        call.lang = language
    nickname = inputs.text(body, "nickname", max_length=64)
    if nickname is not None:
        await names.set_nickname(call.session, user_id=call.user_id, nickname=nickname)
    await call.session.refresh(call.user)
    return await _profile(call)


@route("POST", "/users/kyc", summary="Identity documents for level 2 (multipart: document, selfie photos)",
       tag="users", form={"type": "object", "required": ["document", "selfie"], "properties": {
           "document": {"type": "string", "format": "binary"}, "selfie": {"type": "string", "format": "binary"}}},
       answer={"type": "object", "properties": {"request_id": {"type": "integer"},
                                                "status": {"type": "string"}}}, cost=10)  # fmt: skip
async def submit_kyc(call: Call) -> dict[str, Any]:
    photos = (await uploads.read_form(call.request, files=("document", "selfie"))).files
    for field in ("document", "selfie"):
        if field not in photos:
            raise Problem(422, "field_required", field=field)
    request = await kyc.submit_documents(call.session, user_id=call.user_id, document=photos["document"],
                                         selfie=photos["selfie"], key=documents_key(call.ctx.settings))  # fmt: skip
    return {"request_id": request.id, "status": request.status}
