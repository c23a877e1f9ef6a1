"""Staff notices as a staff member expects them (issue 21): in their own language, a case taken on
its card is not sent again, and a notice about a case someone handles offers no Take."""

from __future__ import annotations

from sqlalchemy import update

from botkit.i18n import translate
from core.escrow import disputes
from core.users import User
from tests.admin.conftest import Staffed


async def test_a_staff_member_who_never_chose_a_language_is_told_in_telegrams(staffed: Staffed) -> None:
    m, admin = staffed.market, staffed.admin1  # Telegram in English
    async with staffed.tx() as s:
        await s.execute(update(User).where(User.id == admin.id).values(language=None))  # never chose one
    seller, buyer = await staffed.person("Sami"), await staffed.person("Bashar")
    trade = await staffed.paid_trade(seller, buyer, receipt=None)
    async with staffed.tx() as s:
        dispute = await disputes.open_dispute(s, trade_id=trade.id, actor_id=buyer.id, reason="No release")
    push = await admin.wait_for(m.admin_bot, contains=f"#{dispute.id}")
    assert f"New dispute #{dispute.id}" in push.text and "Take" in push.buttons[0]
    arabic = await staffed.admin2.wait_for(m.admin_bot, contains=f"#{dispute.id}")  # Telegram in Arabic
    assert "New dispute" not in arabic.text


async def test_taking_a_case_on_its_card_does_not_send_the_transcript_again(staffed: Staffed) -> None:
    m, admin, other = staffed.market, staffed.admin1, staffed.admin2
    seller, buyer = await staffed.person("Sami"), await staffed.person("Bashar")
    trade = await staffed.paid_trade(seller, buyer, receipt=None)
    async with staffed.tx() as s:
        dispute = await disputes.open_dispute(s, trade_id=trade.id, actor_id=buyer.id, reason="No release")
    push = await admin.wait_for(m.admin_bot, contains=f"New dispute #{dispute.id}")
    await admin.press(m.admin_bot, "Open", message=push)
    await admin.wait_for(m.admin_bot, contains=f"Chat of trade #{trade.id}")
    card = await admin.wait_for(m.admin_bot, contains="Nobody is handling this dispute yet")
    await admin.press(m.admin_bot, "Take", message=card)
    mine = await admin.wait_for(m.admin_bot, contains="You are handling this dispute")
    assert mine.message_id == card.message_id and ["Release to buyer", "Refund to seller"] in mine.buttons
    assert sum(f"Chat of trade #{trade.id}" in x.text for x in admin.chat(m.admin_bot)) == 1

    # A statement now: the notice offers no Take (the other admin would only be told who has it).
    await buyer.send(m.traders, "Paid at 10:05")
    said = await other.wait_for(m.admin_bot, contains="Paid at 10:05")
    assert all(translate("ar", "Take") not in row for row in said.buttons)
    assert said.buttons  # still a way to look at the case
