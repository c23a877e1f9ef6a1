"""/reserves in the admin bot, on the local TRON node: nothing yet; a snapshot published now
(from the bot, which holds no keys), the hot wallet signed later by the worker's job; the cold
wallet's offline signature refused from the wrong key and stored from the cold key."""

from __future__ import annotations

from tronpy.keys import PrivateKey

from core.money import MICRO
from core.reserves import jobs as reserves_jobs
from core.reserves import snapshot as reserves
from core.reserves.holdings import message
from sandbox.tron.dev_cold import DEV_COLD_KEY
from tests.admin.conftest import Staffed, staffed  # noqa: F401  (the fixture)


def signatures(screen: str) -> dict[str, str]:
    """The screen's address lines: "hot wallet T...: signed" -> {"hot wallet": "signed"}."""
    lines = [
        line
        for line in screen.splitlines()
        if line.startswith(("hot wallet", "cold wallet", "deposit address"))
    ]
    return {" ".join(line.split(" ")[:2]): line.rsplit(": ", 1)[1] for line in lines}


async def test_an_admin_publishes_a_snapshot_and_hands_in_the_cold_signature(staffed: Staffed) -> None:  # noqa: F811
    m, admin = staffed.market, staffed.admin1
    runtime = m.runtime
    await admin.send(m.admin_bot, "/reserves")
    await admin.wait_for(m.admin_bot, contains="No proof of reserves was published yet")

    rana = await staffed.person("Rana")
    await staffed.fund(rana.id, 320 * MICRO)
    await admin.send(m.admin_bot, "/reserves new")
    screen = await admin.wait_for(m.admin_bot, contains="Proof of reserves #")
    assert "320 USDT" in screen.text and "Holdings read at block" in screen.text
    assert signatures(screen.text) == {"hot wallet": "not signed yet", "cold wallet": "not signed yet"}
    async with runtime.session_factory() as s:
        view = await reserves.overview(s)
    assert view is not None and view.snapshot.root is not None
    root = view.snapshot.root
    await m.tg.wait_for_post(m.payments_channel, contains=root.hex())

    # the worker (it holds the hot key) signs within the hour; today's snapshot is not made twice
    assert await reserves_jobs.publish_daily(runtime.session_factory, reserves.secret_of(runtime.settings),
                                             runtime.wallet) is None  # fmt: skip
    text = message(view.snapshot.id, root)
    wrong = PrivateKey(bytes.fromhex("99" * 32)).sign_msg(text.encode()).hex()
    await admin.send(m.admin_bot, f"/reserves cold {view.snapshot.id} {wrong}")
    await admin.wait_for(m.admin_bot, contains="Refused: this is not the cold wallet")
    await admin.send(m.admin_bot, "/reserves cold one two")
    await admin.wait_for(m.admin_bot, contains="Send: /reserves cold ID SIGNATURE")
    offline = PrivateKey(bytes.fromhex(DEV_COLD_KEY)).sign_msg(text.encode()).hex()
    await admin.send(m.admin_bot, f"/reserves cold {view.snapshot.id} {offline}")
    await admin.wait_for(m.admin_bot, contains="signature is checked and stored")

    await admin.send(m.admin_bot, "/reserves")
    shown = await admin.wait_for(m.admin_bot, contains=f"Proof of reserves #{view.snapshot.id}")
    assert signatures(shown.text) == {"hot wallet": "signed", "cold wallet": "signed"}
