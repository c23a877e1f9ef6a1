"""Signing in: Telegram's signed data in, a 15-minute access token and a refresh cookie out.

The first login registers the user as /start does (core.users.register). The refresh token is an
HttpOnly cookie (SameSite=Strict, Secure behind TLS) limited to /api/auth, rotated on every
refresh; a reused one revokes its family (core.accounts.sessions). verify-otp turns a right code
of the user's authenticator into a 5-minute step-up token.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from api import inputs, problems, tokens, views
from api.problems import Problem
from api.routing import Call, route
from api.telegram_auth import SignatureRefused, TelegramUser, from_init_data, from_login_widget
from core import users
from core.accounts import second_factor, sessions

COOKIE = "koxx_refresh"
COOKIE_PATH = "/api/auth"
TOKEN_ANSWER = {"type": "object", "required": ["access_token", "token_type", "expires_in", "user"], "properties": {
    "access_token": {"type": "string"}, "token_type": {"const": "bearer"}, "expires_in": {"type": "integer"},
    "user": {"type": "object"}}}  # fmt: skip
LOGIN_BODY = {"type": "object", "description": "exactly one of init_data (a Mini App) or telegram_login "
              "(the Login Widget's fields)", "properties": {"init_data": {"type": "string"},
                                                            "telegram_login": {"type": "object"}}}  # fmt: skip


def _secure(request: web.Request) -> bool:
    return request.secure or request.headers.get("X-Forwarded-Proto", "").lower() == "https"


def _signed_in(call: Call, user: users.User, refresh: sessions.Issued) -> web.Response:
    answer = web.json_response({"access_token": tokens.access_token(call.ctx.settings, user.id),
                                "token_type": "bearer", "expires_in": int(tokens.ACCESS_FOR.total_seconds()),
                                "user": views.user(user)})  # fmt: skip
    answer.set_cookie(COOKIE, refresh.token, path=COOKIE_PATH, httponly=True, samesite="Strict",
                      secure=_secure(call.request), expires=refresh.expires_at.strftime("%a, %d %b %Y %H:%M:%S GMT"))
    return answer


def _who(call: Call) -> TelegramUser:
    body = call.body()
    max_age, token = call.ctx.settings.api_init_data_max_age, call.ctx.bot_token
    try:
        if isinstance(body.get("init_data"), str):
            return from_init_data(token, body["init_data"], max_age=max_age)
        if isinstance(body.get("telegram_login"), dict):
            return from_login_widget(token, body["telegram_login"], max_age=max_age)
    except SignatureRefused as refused:
        raise Problem(401, refused.code) from None
    raise Problem(422, "field_required", field="init_data")


@route("POST", "/auth/login", summary="Sign in (and register on the first time) with Telegram's signed data",
       tag="auth", auth=False, body=LOGIN_BODY, answer=TOKEN_ANSWER)
async def login(call: Call) -> web.Response:
    who = _who(call)
    user = await users.register(call.session, user_id=who.id, username=who.username, first_name=who.first_name,
                                telegram_language=(who.language_code or "")[:8] or None)  # fmt: skip
    return _signed_in(call, user, await sessions.start(call.session, user.id))


@route("POST", "/auth/register", summary="The same call as login, for clients that name it so", tag="auth",
       auth=False, body=LOGIN_BODY, answer=TOKEN_ANSWER)
async def register(call: Call) -> web.Response:
    answer: web.Response = await login(call)
    return answer


@route("POST", "/auth/refresh", summary="A new access token for the refresh cookie (which rotates)", tag="auth",
       auth=False, answer=TOKEN_ANSWER)
async def refresh(call: Call) -> web.Response:
    try:
        issued = await sessions.rotate(call.session, call.request.cookies.get(COOKIE))
    except sessions.RefreshRefused as refused:  # answered after the commit: a reused family stays revoked
        answer = problems.from_problem(Problem(401, refused.code), call.lang)
        answer.del_cookie(COOKIE, path=COOKIE_PATH)
        return answer
    user = await users.get(call.session, issued.user_id)
    assert user is not None
    return _signed_in(call, user, issued)


@route("POST", "/auth/logout", summary="End the refresh cookie's session", tag="auth", auth=False,
       answer={"type": "object"})
async def logout(call: Call) -> web.Response:
    await sessions.revoke(call.session, call.request.cookies.get(COOKIE))
    answer = web.json_response({"signed_out": True})
    answer.del_cookie(COOKIE, path=COOKIE_PATH)
    return answer


@route("POST", "/auth/verify-otp", summary="A code of the user's authenticator for a 5-minute step-up token",
       tag="auth", body={"type": "object", "required": ["code"], "properties": {"code": {"type": "string"}}},
       answer={"type": "object", "properties": {"step_up_token": {"type": "string"}, "expires_in": {"type": "integer"}}},
       cost=10)  # fmt: skip
async def verify_otp(call: Call) -> dict[str, Any]:
    key = second_factor.service_key(call.ctx.settings)
    checked = await second_factor.verify(call.session, call.user_id, second_factor.Proof(inputs.code(call.body()), key))
    token = tokens.step_up_token(call.ctx.settings, call.user_id, now=checked)
    return {"step_up_token": token, "expires_in": int(second_factor.STEP_UP_FOR.total_seconds())}
