"""GET /api/reserves/proof gives the signed-in trader the proof /proof gives in the bot; the
standalone verifier (also served) accepts it against the published root."""

from __future__ import annotations

from typing import Any

from core.money import MICRO
from core.reserves import snapshot as reserves
from core.reserves.verify_reserves import Failed, verify
from tests.api.conftest import Api, fund
from tests.e2e.harness import Market

SECRET = b"api-reserves-test-secret"


async def test_a_trader_fetches_and_verifies_their_proof(market: Market, clients: Any) -> None:
    holder: Api = await clients("Hana", lang="ar")
    empty: Api = await clients("Nour")
    status, problem = await holder.call("GET", "/reserves/proof")
    assert status == 404 and problem["code"] == "proof_not_found"  # nothing published yet
    assert any("\u0600" <= ch <= "\u06ff" for ch in problem["detail"])

    await fund(market.session_factory, holder.user.id, 150)
    published = await reserves.make_snapshot(market.session_factory, SECRET)
    assert published is not None and published.root is not None

    status, answer = await holder.call("GET", "/reserves/proof")
    assert status == 200, answer
    facts = verify(answer["proof"], published.root)  # the published root, as the channel shows it
    assert facts["user_id"] == holder.user.id
    assert dict(zip(answer["proof"]["assets"], answer["proof"]["amounts"], strict=True))["USDT"] == 150 * MICRO
    tampered = answer["proof"] | {"amounts": [a + 1 if a else a for a in answer["proof"]["amounts"]]}
    try:
        verify(tampered, published.root)
        raise AssertionError("a changed amount must not verify")
    except Failed as failed:
        assert failed.step == "leaf"

    status, same = await holder.call("GET", f"/reserves/proof?snapshot={published.snapshot_id}")
    assert status == 200 and same["proof"] == answer["proof"]
    arabic_id = str(published.snapshot_id).translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"))
    status, same = await holder.call("GET", f"/reserves/proof?snapshot={arabic_id}")
    assert status == 200 and same["proof"] == answer["proof"]
    for bad in ("abc", "-1", "1.5"):
        status, problem = await holder.call("GET", f"/reserves/proof?snapshot={bad}")
        assert status == 422 and problem["code"] == "field_invalid"
    status, problem = await empty.call("GET", "/reserves/proof")  # owed nothing: no leaf
    assert status == 404 and problem["code"] == "proof_not_found"

    assert answer["verifier"] == "/api/reserves/verifier"
    async with holder.http.get(f"{holder.base}{answer['verifier']}") as response:
        assert response.status == 200
        assert b"def verify(" in await response.read()
