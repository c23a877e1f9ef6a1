"""GET /api/wallet/statement: the /export statement for the app's history screen, as CSV or PDF in
the user's language, its closing balance the ledger's."""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from typing import Any

from core.ledger import user_balances
from core.money import MICRO, Asset
from tests.api.conftest import Api, fund
from tests.e2e.harness import Market


async def _get(api: Api, query: str) -> tuple[int, str, bytes]:
    async with api.http.get(f"{api.base}/api/wallet/statement?{query}",
                            headers={"Authorization": f"Bearer {api.token}"}) as response:  # fmt: skip
        return response.status, response.content_type, await response.read()


async def test_a_trader_downloads_their_statement_in_their_language(market: Market, clients: Any) -> None:
    trader: Api = await clients("Zaid", lang="ar")
    await fund(market.session_factory, trader.user.id, 150)
    async with market.session_factory() as s:
        owned = await user_balances(s, trader.user.id)

    status, kind, body = await _get(trader, "period=this_month&format=csv")
    assert status == 200 and kind == "text/csv"
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert rows[0][0] == "التاريخ (بغداد)"  # the trader's language, Arabic
    closings = {r[2]: Decimal(r[-1]) for r in rows if r[1] == "الرصيد الختامي"}
    assert closings["USDT"] == Decimal(owned[Asset.USDT].total) / MICRO == 150

    status, kind, body = await _get(trader, "period=this_month&format=pdf")
    assert status == 200 and kind == "application/pdf" and body.startswith(b"%PDF-")
    status, _, body = await _get(trader, "period=last_year&format=csv")  # nothing then: still a file
    assert status == 200 and body.startswith(b"\xef\xbb\xbf")

    for bad in ("period=forever&format=csv", "period=this_month&format=xls", "format=csv"):
        status, _, body = await _get(trader, bad)
        assert status == 422, (bad, body)
