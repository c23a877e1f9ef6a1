"""The journeys through the Telegram stand-in: an admin's /stats gives the counts, then the
charts of the chosen period as an album and the same figures as a CSV document, in the admin's
language; /revenue answers admins (not moderators); a trader's /export gives a CSV and a PDF."""

from __future__ import annotations

import csv
import io

from PIL import Image

from core.admin import actions
from core.money import MICRO
from core.reports.charts import HEIGHT, WIDTH
from core.reports.figures import CSV_HEADER
from tests.admin.conftest import Staffed


def _file(staffed: Staffed, file_id: str) -> bytes:
    data: bytes = staffed.tg.files[file_id].data
    return data


async def _album(staffed: Staffed, admin, button: str) -> list:  # type: ignore[no-untyped-def]
    m = staffed.market
    await admin.send(m.admin_bot, "/stats")
    counts = await admin.wait_for(m.admin_bot, match=lambda msg: len(msg.buttons) > 0 and "📊" in msg.buttons[0][0])
    before = len(admin.chat(m.admin_bot))
    await admin.press(m.admin_bot, button, message=counts)
    await admin.wait_for(m.admin_bot, match=lambda msg: len(msg.buttons) == 1 and "CSV" in msg.buttons[0][0], timeout=60)
    return [msg for msg in admin.chat(m.admin_bot)[before:] if msg.photo]


async def test_stats_charts_and_csv_in_english_and_arabic(staffed: Staffed) -> None:
    m = staffed.market
    seller, buyer = await staffed.person("Sara"), await staffed.person("Bilal")
    trade = await staffed.paid_trade(seller, buyer, receipt=None)
    from core.escrow import trades

    async with staffed.tx() as s:
        await trades.release(s, trade_id=trade.id, actor_id=seller.id)

    photos = await _album(staffed, staffed.admin1, "7 days")
    assert len(photos) == 8
    assert "The market" in photos[0].text and "USDT/IQD" in photos[0].text
    for photo in photos:
        image = Image.open(io.BytesIO(_file(staffed, photo.photo[-1]["file_id"])))
        assert image.size == (WIDTH, HEIGHT)
    await staffed.admin1.press(m.admin_bot, "CSV")
    document = await staffed.admin1.wait_for(m.admin_bot, match=lambda msg: msg.document is not None)
    rows = list(csv.reader(io.StringIO(_file(staffed, document.document["file_id"]).decode())))
    assert tuple(rows[0]) == CSV_HEADER
    volume = sum(float(r[4]) for r in rows[1:] if r[0] == "volume" and r[2] == "USDT/IQD" and r[4])
    assert volume == trade.crypto_amount / MICRO

    photos = await _album(staffed, staffed.admin2, "٧ أيام")  # the Arabic admin
    assert len(photos) == 8 and "السوق" in photos[0].text


async def test_revenue_for_admins_only(staffed: Staffed) -> None:
    m, admin = staffed.market, staffed.admin1
    await admin.send(m.admin_bot, "/revenue")
    await admin.wait_for(m.admin_bot, contains="Network fees paid")
    await admin.send(m.admin_bot, "/revenue 2026-13")
    await admin.wait_for(m.admin_bot, contains="YYYY-MM")
    mod = await staffed.person("Maha")
    async with staffed.tx() as s:
        await actions.add_moderator(s, m.runtime.settings, actor_id=admin.id, user_id=mod.id)
    await mod.send(m.admin_bot, "/revenue")
    await mod.wait_for(m.admin_bot, contains="Only admins can do this")


async def test_export_sends_a_csv_and_a_pdf(staffed: Staffed) -> None:
    m = staffed.market
    for name, lang, button, heading in (("Omar", "en", "This month", "Date (Baghdad)"),
                                        ("Huda", "ar", "هذا الشهر", "التاريخ (بغداد)")):  # fmt: skip
        trader = await staffed.person(name, lang=lang)
        await staffed.fund(trader.id, 25 * MICRO)
        await trader.send(m.traders, "/export")
        await trader.wait_for(m.traders, match=lambda msg: len(msg.buttons) == 2)
        before = len(trader.chat(m.traders))
        await trader.press(m.traders, button)
        await trader.wait_for(m.traders, match=lambda msg: (msg.document or {}).get("file_name", "").endswith(".pdf"),
                              timeout=60)  # fmt: skip
        files = {msg.document["file_name"][-3:]: _file(staffed, msg.document["file_id"])
                 for msg in trader.chat(m.traders)[before:] if msg.document}  # fmt: skip
        assert files["pdf"].startswith(b"%PDF-")
        rows = list(csv.reader(io.StringIO(files["csv"].decode("utf-8-sig"))))
        assert rows[0][0] == heading
        assert [r for r in rows if r[2] == "USDT"][-1][-1] == "25"  # the closing balance
        # /export is in the command menu and the help, like the other commands
        assert "export" in {c["command"] for c in m.tg.commands(m.traders, language_code=lang)}
        await trader.send(m.traders, "/help")
        shown = await trader.wait_for(m.traders, match=lambda msg: "/offers" in msg.text)
        assert ("\u2066/export\u2069" if lang == "ar" else "/export") in shown.text
