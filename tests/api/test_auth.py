"""Signing in: Telegram's signature and age checked, tokens, refresh rotation and reuse."""

from __future__ import annotations

import hashlib
import hmac
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import aiohttp
import jwt

from api import tokens
from api.routing import ROUTES
from core.accounts import documents, kyc
from sandbox.telegram.webapp import init_data
from tests.api.conftest import Api
from tests.e2e.harness import TRADERS_TOKEN, Market, running_market


async def test_login_with_valid_init_data_registers_the_user(market: Market) -> None:
    user = market.user("Layla", lang="ar", username="layla_api")
    api = Api(market, user)
    try:
        answer = await api.login()
        assert answer.status == 200
        body = await answer.json()
        assert body["token_type"] == "bearer" and body["expires_in"] == 900
        assert body["user"]["id"] == user.id and body["user"]["username"] == "layla_api"
        cookie = answer.cookies["koxx_refresh"]
        assert cookie["httponly"] and cookie["samesite"] == "Strict" and cookie["path"] == "/api/auth"
        claims = jwt.decode(body["access_token"], options={"verify_signature": False})
        assert claims["exp"] - claims["iat"] == 900 and claims["sub"] == str(user.id)
        status, profile = await api.call("GET", "/users/profile")
        assert status == 200 and profile["user"]["id"] == user.id
    finally:
        await api.close()


async def test_forged_and_expired_init_data_are_refused_in_the_users_language(market: Market) -> None:
    user = market.user("Omar", lang="ar")
    api = Api(market, user)
    try:
        good = init_data(TRADERS_TOKEN, user)
        forged = good.replace(str(user.id), str(user.id + 1), 1)  # someone else's id, the old hash
        other_bot = init_data("1:another-bots-token", user)
        old = init_data(TRADERS_TOKEN, user, auth_date=int(time.time()) - 2 * 86_400)
        for data, code in ((forged, "login_forged"), (other_bot, "login_forged"), (old, "login_expired"),
                           ("not a query string", "login_forged")):
            answer = await api.http.post(f"{api.base}/api/auth/login", json={"init_data": data},
                                         headers={"Accept-Language": "ar"})
            assert answer.status == 401
            assert answer.content_type == "application/problem+json"
            problem = await answer.json(content_type=None)
            assert problem["code"] == code
            assert any("\u0600" <= ch <= "\u06ff" for ch in problem["detail"])  # Arabic
            assert "koxx_refresh" not in answer.cookies
        status, problem = await api.call("GET", "/users/profile")  # no token
        assert status == 401 and problem["code"] == "unauthorized"
    finally:
        await api.close()


async def test_refresh_rotates_and_a_reused_token_revokes_the_family(market: Market) -> None:
    api = Api(market, market.user("Sara"))
    thief = Api(market, api.user)
    try:
        await api.login()
        first = api.http.cookie_jar.filter_cookies(f"{api.base}/api/auth/refresh")["koxx_refresh"].value
        answer = await api.http.post(f"{api.base}/api/auth/refresh")
        assert answer.status == 200
        second = answer.cookies["koxx_refresh"].value
        assert second != first
        assert (await answer.json())["access_token"]
        # the old token again (a copy): refused, and the whole family ends
        reused = await thief.http.post(f"{api.base}/api/auth/refresh", cookies={"koxx_refresh": first})
        assert reused.status == 401
        assert (await reused.json(content_type=None))["code"] == "refresh_reused"
        after = await api.http.post(f"{api.base}/api/auth/refresh")  # the rightful client's newest token
        assert after.status == 401
        assert (await after.json(content_type=None))["code"] == "refresh_invalid"
        # a new login works, and logout ends it
        await api.login()
        assert (await api.http.post(f"{api.base}/api/auth/logout")).status == 200
        token = api.http.cookie_jar.filter_cookies(f"{api.base}/api/auth/refresh").get("koxx_refresh")
        assert token is None or not token.value
    finally:
        await api.close()
        await thief.close()


async def test_a_forged_or_expired_access_token_is_refused(market: Market) -> None:
    api = Api(market, market.user("Ali"))
    try:
        await api.login()
        assert api.token
        claims = jwt.decode(api.token, options={"verify_signature": False})
        api.token = jwt.encode(claims, "not the key", algorithm="HS256")
        assert (await api.call("GET", "/wallet/balance"))[0] == 401
        settings = market.runtime.settings
        api.token = tokens.access_token(settings, api.user.id, now=datetime.now(UTC) - timedelta(minutes=16))
        assert (await api.call("GET", "/wallet/balance"))[0] == 401  # 15 minutes are over
        api.token = tokens.step_up_token(settings, api.user.id)  # the wrong kind of token
        assert (await api.call("GET", "/wallet/balance"))[0] == 401
        api.token = tokens.access_token(settings, api.user.id)
        assert (await api.call("GET", "/wallet/balance"))[0] == 200
    finally:
        await api.close()


async def test_the_openapi_document_lists_every_route(market: Market) -> None:
    api = Api(market, market.user("Doc"))
    try:
        status, doc = await api.call("GET", "/openapi.json")
        assert status == 200 and doc["openapi"].startswith("3.")
        documented = {(method.upper(), path) for path, ops in doc["paths"].items() for method in ops}
        app = market.runtime.web_runner.app  # type: ignore[union-attr]
        served = set()
        for resource in app.router.resources():
            info = resource.get_info()
            if "app" in info:  # the /api sub-application
                for sub in info["app"].router.resources():
                    for r in sub:
                        if r.method != "HEAD":
                            served.add((r.method, sub.canonical))
        assert served and served == documented
        assert served == {(r.method, f"/api{r.path}") for r in ROUTES}
    finally:
        await api.close()


async def test_login_widget_and_rate_limits_per_user(market_db: str, tmp_path: Path) -> None:
    """A plain browser signs in with the Login Widget's fields; past API_RATE_PER_USER a minute the
    user gets 429 with Retry-After, and nothing else is counted against another user."""
    async with running_market(market_db, tmp_path, api_rate_per_user=5) as small:
        user = small.user("Widget")
        api, other = Api(small, user), Api(small, small.user("Other"))
        try:
            fields = {"id": user.id, "first_name": "Widget", "auth_date": int(time.time())}
            check = "\n".join(f"{k}={v}" for k, v in sorted(fields.items()))
            fields["hash"] = hmac.new(hashlib.sha256(TRADERS_TOKEN.encode()).digest(), check.encode(),
                                      hashlib.sha256).hexdigest()  # fmt: skip
            answer = await api.http.post(f"{api.base}/api/auth/login", json={"telegram_login": fields})
            assert answer.status == 200
            api.token = (await answer.json())["access_token"]
            forged = await api.http.post(f"{api.base}/api/auth/login",
                                         json={"telegram_login": fields | {"first_name": "Someone"}})
            assert forged.status == 401
            statuses = [(await api.call("GET", "/wallet/balance"))[0] for _ in range(7)]
            assert statuses[:5] == [200] * 5 and statuses[5:] == [429, 429]
            assert (await api.call("GET", "/wallet/balance"))[1]["code"] == "rate_limited"
            await other.login()
            assert (await other.call("GET", "/wallet/balance"))[0] == 200
        finally:
            await api.close()
            await other.close()


async def test_kyc_documents_need_both_photos_and_the_phone_first(market: Market) -> None:
    api = Api(market, market.user("Kyc", lang="ar"))
    try:
        await api.login()
        form = aiohttp.FormData()
        form.add_field("document", b"\x89PNG fake", filename="id.png", content_type="image/png")
        headers = {"Authorization": f"Bearer {api.token}"}
        answer = await api.http.post(f"{api.base}/api/users/kyc", data=form, headers=headers)
        assert answer.status == 422 and (await answer.json(content_type=None))["params"]["field"] == "selfie"
        form = aiohttp.FormData()
        for name in ("document", "selfie"):
            form.add_field(name, b"\x89PNG fake", filename=f"{name}.png", content_type="image/png")
        answer = await api.http.post(f"{api.base}/api/users/kyc", data=form, headers=headers)
        problem = await answer.json(content_type=None)
        assert answer.status == 422 and problem["code"] == "kyc_phone_first", problem  # level 1 (the phone) first
        assert any("\u0600" <= ch <= "\u06ff" for ch in problem["detail"])

        async with market.session_factory() as s, s.begin():
            await kyc.verify_phone(s, user_id=api.user.id, contact_user_id=api.user.id, phone="+9647701234567")
        form = aiohttp.FormData()
        for name, data in (("document", b"\xff\xd8\xff\xe0 id card"), ("selfie", b"\xff\xd8\xff\xe0 selfie")):
            form.add_field(name, data, filename=f"{name}.jpg", content_type="image/jpeg")
        answer = await api.http.post(f"{api.base}/api/users/kyc", data=form, headers=headers)
        body = await answer.json(content_type=None)
        assert answer.status == 200 and body["status"] == "pending", body
        async with market.session_factory() as s:  # sealed in PostgreSQL with the documents key
            photos = await documents.load(s, documents.documents_key(market.runtime.settings), body["request_id"])
        assert photos == {"document": b"\xff\xd8\xff\xe0 id card", "selfie": b"\xff\xd8\xff\xe0 selfie"}
    finally:
        await api.close()
