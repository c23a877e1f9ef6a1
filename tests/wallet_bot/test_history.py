"""The wallet history pages through the statement, newest first: Next goes to older lines,
Previous comes back to the same lines, the last page has no Next."""

from __future__ import annotations

from core.money import MICRO, Asset
from tests.e2e.harness import Market
from tests.market.flows import press, send
from tests.wallet_bot.conftest import fund


def amounts(text: str) -> list[int]:
    return [int(part.split(" USDT")[0]) for part in text.split("Deposit · +")[1:]]


async def test_history_pages_forward_and_back(market: Market) -> None:
    zoe = await market.newcomer("Zoe", lang="en")
    for units in range(1, 20):
        await fund(market.session_factory, zoe.id, Asset.USDT, units * MICRO)
    await send(zoe, "/wallet")
    await zoe.wait_for(market.traders, contains="Your wallet")
    await press(zoe, "📜 History")
    first = await zoe.wait_for(market.traders, contains="(page 1)", edited=True)
    assert amounts(first.text) == list(range(19, 11, -1))
    assert "Previous" not in str(first.buttons) and "Next ➡️" in str(first.buttons)

    await press(zoe, "Next ➡️")
    second = await zoe.wait_for(market.traders, contains="(page 2)", edited=True)
    assert amounts(second.text) == list(range(11, 3, -1))
    await press(zoe, "Next ➡️")
    third = await zoe.wait_for(market.traders, contains="(page 3)", edited=True)
    assert amounts(third.text) == [3, 2, 1]
    assert "Next" not in str(third.buttons) and "⬅️ Previous" in str(third.buttons)

    await press(zoe, "⬅️ Previous")
    back = await zoe.wait_for(market.traders, contains="(page 2)", edited=True)
    assert amounts(back.text) == list(range(11, 3, -1))
    await press(zoe, "⬅️ Previous")
    top = await zoe.wait_for(market.traders, contains="(page 1)", edited=True)
    assert amounts(top.text) == list(range(19, 11, -1))


async def test_empty_history_says_so(market: Market) -> None:
    new = await market.newcomer("New", lang="en")
    await send(new, "/wallet")
    await new.wait_for(market.traders, contains="Your wallet")
    await press(new, "📜 History")
    page = await new.wait_for(market.traders, contains="Wallet history", edited=True)
    assert "Nothing here yet" in page.text and "Next" not in str(page.buttons)
