"""The other Bot API methods: updates, files, channels, commands, chats, unknown methods."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import aiohttp
import pytest
from aiogram import Bot
from aiogram.exceptions import TelegramBadRequest, TelegramConflictError
from aiogram.methods import GetUpdates
from aiogram.types import (
    BotCommand,
    BotCommandScopeAllPrivateChats,
    BufferedInputFile,
    KeyboardButton,
    MenuButtonWebApp,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    WebAppInfo,
)

from sandbox.telegram import TelegramSandbox

from .conftest import png


async def test_get_updates_offset_timeout_and_allowed_updates(
    tg: TelegramSandbox, new_token: Callable[[], str], make_bot: Callable[..., Bot]
) -> None:
    token = new_token()
    tg.add_bot(token)
    bot = make_bot(token)
    eve = tg.add_user("Eve")
    await eve.send(token, "one")
    await eve.send(token, "two")
    first = await bot(GetUpdates())
    assert [u.message.text for u in first if u.message] == ["one", "two"]
    assert await bot(GetUpdates()) == first  # nothing confirmed yet: the same updates again
    second = await bot(GetUpdates(offset=first[0].update_id + 1))
    assert [u.update_id for u in second] == [first[1].update_id]
    assert await bot(GetUpdates(offset=first[1].update_id + 1)) == []
    assert tg.updates(token) == []

    # A long poll waits for the next update and returns it as soon as it comes.
    poll = asyncio.create_task(bot(GetUpdates(offset=first[1].update_id + 1, timeout=10)))
    await asyncio.sleep(0.05)
    assert not poll.done()
    await eve.send(token, "three")
    got = await asyncio.wait_for(poll, 5)
    assert [u.message.text for u in got if u.message] == ["three"]

    # A second poller terminates the first one, like Telegram does.
    waiting = asyncio.create_task(bot(GetUpdates(offset=got[0].update_id + 1, timeout=10)))
    while tg.find_bot(token).poller is None:  # noqa: ASYNC110  (until the long poll waits in the server)
        await asyncio.sleep(0.01)
    assert await bot(GetUpdates(offset=got[0].update_id + 1)) == []
    with pytest.raises(TelegramConflictError, match="terminated by other getUpdates request"):
        await asyncio.wait_for(waiting, 5)

    # allowed_updates: callback queries only; messages are not queued any more.
    await bot(GetUpdates(offset=got[0].update_id + 1, allowed_updates=["callback_query"]))
    await eve.send(token, "ignored")
    assert tg.updates(token) == []
    sent = await bot.send_message(
        eve.id, "pick", reply_markup={"inline_keyboard": [[{"text": "A", "callback_data": "a"}]]}
    )
    await eve.press(token, "A", message=sent.message_id)
    [update] = await bot(GetUpdates(offset=got[0].update_id + 1))
    assert update.callback_query is not None and update.callback_query.data == "a"
    assert (
        update.callback_query.message is not None
        and update.callback_query.message.message_id == sent.message_id
    )
    assert [c.data for c in tg.unanswered_callbacks(token)] == ["a"]
    await bot.answer_callback_query(update.callback_query.id)
    assert tg.unanswered_callbacks(token) == []
    with pytest.raises(TelegramBadRequest, match="query is too old and response timeout expired"):
        await bot.answer_callback_query(update.callback_query.id)  # only once


async def test_photo_upload_get_file_and_download(
    tg: TelegramSandbox, new_token: Callable[[], str], make_bot: Callable[..., Bot]
) -> None:
    token = new_token()
    tg.add_bot(token)
    bot = make_bot(token)
    frank = tg.add_user("Frank")
    tg.start_chat(frank, token)
    image = png(7, 3)
    sent = await bot.send_photo(
        frank.id, BufferedInputFile(image, "qr.png"), caption="<b>Deposit</b> address"
    )
    assert sent.photo is not None
    size = sent.photo[-1]
    assert (size.width, size.height, size.file_size) == (7, 3, len(image))
    file = await bot.get_file(size.file_id)
    assert file.file_unique_id == size.file_unique_id and file.file_path
    downloaded = await bot.download_file(file.file_path)
    assert downloaded is not None and downloaded.read() == image

    again = await bot.send_photo(frank.id, size.file_id)  # by file_id: no upload
    assert again.photo is not None and again.photo[-1].file_unique_id == size.file_unique_id
    with pytest.raises(TelegramBadRequest, match="wrong file identifier/HTTP URL specified"):
        await bot.send_photo(frank.id, "AgACunknown")
    with pytest.raises(TelegramBadRequest, match="invalid file_id"):
        await bot.get_file("nope")
    [first, second] = frank.chat(token)
    assert (
        first.html == "<b>Deposit</b> address"
        and second.photo == again.model_dump(exclude_none=True)["photo"]
    )

    doc = await bot.send_document(frank.id, BufferedInputFile(b"%PDF-1.4 statement", "statement.pdf"))
    assert doc.document is not None and doc.document.file_name == "statement.pdf"
    doc_file = await bot.get_file(doc.document.file_id)
    assert tg.url is not None and doc_file.file_path
    async with aiohttp.ClientSession() as http:
        async with http.get(f"{tg.url}/file/bot{token}/{doc_file.file_path}") as resp:
            assert resp.status == 200 and await resp.read() == b"%PDF-1.4 statement"
        async with http.get(f"{tg.url}/file/bot{token}/documents/missing.pdf") as resp:
            assert resp.status == 404


async def test_user_contact_and_document_reach_the_bot(
    tg: TelegramSandbox, new_token: Callable[[], str], make_bot: Callable[..., Bot]
) -> None:
    token = new_token()
    tg.add_bot(token)
    bot = make_bot(token)
    gail = tg.add_user("Gail", last_name="G", username="gail")
    await gail.send_contact(token, phone="+9647701234567")
    await gail.send_document(token, b"receipt-bytes", filename="r.pdf")
    contact_update, doc_update = await bot(GetUpdates())
    assert contact_update.message is not None and contact_update.message.contact is not None
    contact = contact_update.message.contact
    assert (contact.phone_number, contact.user_id, contact.first_name) == ("+9647701234567", gail.id, "Gail")
    assert doc_update.message is not None and doc_update.message.document is not None
    file = await bot.get_file(doc_update.message.document.file_id)
    assert file.file_path
    data = await bot.download_file(file.file_path)
    assert data is not None and data.read() == b"receipt-bytes"


async def test_channel_posts_copy_forward_and_membership(
    tg: TelegramSandbox, new_token: Callable[[], str], make_bot: Callable[..., Bot]
) -> None:
    token, outsider_token = new_token(), new_token()
    tg.add_bot(token)
    tg.add_bot(outsider_token)
    hana = tg.add_user("Hana")
    tg.start_chat(hana, token)
    chan = tg.add_channel("KOXX Offers", username="koxx_offers", bots=[token], members=[hana])
    bot, outsider = make_bot(token), make_bot(outsider_token)
    assert chan.id < 0

    post = await bot.send_message("@koxx_offers", "<b>Sell</b> 100 USDT")
    assert post.chat.id == chan.id and post.sender_chat is not None and post.from_user is None
    waited = await tg.wait_for_post(chan, contains="Sell")
    assert waited.html == "<b>Sell</b> 100 USDT"
    with pytest.raises(TelegramBadRequest, match="chat not found"):
        await outsider.send_message(chan.id, "not an admin here")

    copied = await bot.copy_message(hana.id, from_chat_id=chan.id, message_id=post.message_id)
    forwarded = await bot.forward_message(hana.id, from_chat_id=chan.id, message_id=post.message_id)
    assert forwarded.forward_origin is not None and forwarded.forward_origin.type == "channel"
    in_chat = hana.chat(token)
    assert [m.html for m in in_chat] == ["<b>Sell</b> 100 USDT"] * 2
    assert in_chat[0].message_id == copied.message_id
    with pytest.raises(TelegramBadRequest, match="message to copy not found"):
        await bot.copy_message(hana.id, from_chat_id=chan.id, message_id=999)

    await bot.delete_message(chan.id, post.message_id)
    assert tg.channel_posts(chan) == []

    member = await bot.get_chat_member(chan.id, hana.id)
    assert member.status == "member"
    me = await bot.get_chat_member(chan.id, bot.id)
    assert me.status == "administrator"
    outsider_member = await bot.get_chat_member(chan.id, tg.add_user("Ivan").id)
    assert outsider_member.status == "left"
    chat = await bot.get_chat(chan.id)
    assert (chat.type, chat.title, chat.username) == ("channel", "KOXX Offers", "koxx_offers")
    private = await bot.get_chat(hana.id)
    assert (private.type, private.first_name) == ("private", "Hana")


async def test_commands_per_scope_and_language(
    tg: TelegramSandbox, new_token: Callable[[], str], make_bot: Callable[..., Bot]
) -> None:
    token = new_token()
    tg.add_bot(token)
    bot = make_bot(token)
    en = [
        BotCommand(command="start", description="Start"),
        BotCommand(command="wallet", description="Wallet"),
    ]
    ar = [BotCommand(command="start", description="ابدأ")]
    assert await bot.set_my_commands(en)
    assert await bot.set_my_commands(ar, language_code="ar")
    assert await bot.set_my_commands(en[:1], scope=BotCommandScopeAllPrivateChats())
    assert [c.command for c in await bot.get_my_commands()] == ["start", "wallet"]
    assert [c.description for c in await bot.get_my_commands(language_code="ar")] == ["ابدأ"]
    assert len(await bot.get_my_commands(scope=BotCommandScopeAllPrivateChats())) == 1
    assert tg.commands(token, language_code="ar") == [{"command": "start", "description": "ابدأ"}]
    assert await bot.delete_my_commands(language_code="ar")
    assert await bot.get_my_commands(language_code="ar") == []
    with pytest.raises(TelegramBadRequest, match="BOT_COMMAND_INVALID"):
        await bot.set_my_commands([BotCommand(command="Bad-Command", description="x")])


async def test_reply_keyboard_chat_action_menu_button_and_unknown_methods(
    tg: TelegramSandbox, new_token: Callable[[], str], make_bot: Callable[..., Bot]
) -> None:
    token = new_token()
    tg.add_bot(token)
    bot = make_bot(token)
    ivy = tg.add_user("Ivy")
    tg.start_chat(ivy, token)
    keyboard = ReplyKeyboardMarkup(keyboard=[[KeyboardButton(text="Share phone", request_contact=True)],
                                             [KeyboardButton(text="Cancel")]])  # fmt: skip
    sent = await bot.send_message(ivy.id, "Your phone?", reply_markup=keyboard)
    assert sent.reply_markup is None  # Telegram returns only inline keyboards in a Message
    assert ivy.keyboard(token) == [["Share phone"], ["Cancel"]]
    assert ivy.chat(token)[0].reply_keyboard == [["Share phone"], ["Cancel"]]
    await bot.send_message(ivy.id, "Thanks", reply_markup=ReplyKeyboardRemove())
    assert ivy.keyboard(token) is None

    assert await bot.send_chat_action(ivy.id, "typing")
    assert tg.chat_actions[-1] == (bot.id, ivy.id, "typing")
    menu = MenuButtonWebApp(text="Open", web_app=WebAppInfo(url="https://example.org/app"))
    assert await bot.set_chat_menu_button(chat_id=ivy.id, menu_button=menu)
    assert (await bot.get_chat_menu_button(chat_id=ivy.id)).type == "web_app"
    assert await bot.set_my_description("not modelled, still fine")  # unknown methods answer true

    reply = await bot.send_message(ivy.id, "re", reply_parameters={"message_id": sent.message_id})
    assert reply.reply_to_message is not None and reply.reply_to_message.message_id == sent.message_id
    with pytest.raises(TelegramBadRequest, match="message to be replied not found"):
        await bot.send_message(ivy.id, "re", reply_parameters={"message_id": 999})


async def test_large_photo_gets_a_thumbnail_size_first(
    tg: TelegramSandbox, new_token: Callable[[], str], make_bot: Callable[..., Bot]
) -> None:
    token = new_token()
    tg.add_bot(token)
    bot = make_bot(token)
    omar = tg.add_user("Omar")
    image = png(200, 100)
    await omar.send_photo(token, image, caption="receipt")
    [update] = await bot(GetUpdates())
    assert update.message is not None and update.message.photo is not None
    small, large = update.message.photo
    assert (small.width, small.height, large.width, large.height) == (90, 45, 200, 100)
    assert small.file_id != large.file_id and small.file_unique_id != large.file_unique_id
    downloads = []
    for size in (small, large):
        file = await bot.get_file(size.file_id)
        assert file.file_path
        data = await bot.download_file(file.file_path)
        assert data is not None
        downloads.append(data.read())
    assert downloads[0][:2] == b"\xff\xd8"  # the thumbnail is a JPEG
    assert downloads[1] == image  # the largest size is the bytes the user sent


async def test_media_group_and_chat_administrators(
    tg: TelegramSandbox, new_token: Callable[[], str], make_bot: Callable[..., Bot]
) -> None:
    from aiogram.types import InputMediaDocument, InputMediaPhoto

    token = new_token()
    tg.add_bot(token)
    bot = make_bot(token)
    rana = tg.add_user("Rana")
    tg.start_chat(rana, token)
    first = await bot.send_photo(rana.id, BufferedInputFile(png(), "a.png"))
    assert first.photo is not None
    album = await bot.send_media_group(rana.id, media=[
        InputMediaPhoto(media=BufferedInputFile(png(8, 8), "b.png"), caption="<b>receipt 1</b>"),
        InputMediaPhoto(media=first.photo[-1].file_id, caption="receipt 2"),
    ])  # fmt: skip
    assert len(album) == 2 and album[0].media_group_id == album[1].media_group_id is not None
    assert [m.caption for m in album] == ["receipt 1", "receipt 2"]
    assert album[0].caption_entities and album[0].caption_entities[0].type == "bold"
    assert [m.html for m in rana.chat(token)[1:]] == ["<b>receipt 1</b>", "receipt 2"]
    with pytest.raises(TelegramBadRequest, match="document can't be mixed with other media types"):
        await bot.send_media_group(rana.id, media=[
            InputMediaPhoto(media=first.photo[-1].file_id),
            InputMediaDocument(media=BufferedInputFile(b"pdf", "x.pdf")),
        ])  # fmt: skip

    group = tg.add_group("Admins", bots=[token])
    admins = await bot.get_chat_administrators(group.id)
    assert [(a.status, a.user.id) for a in admins] == [("administrator", bot.id)]
    with pytest.raises(TelegramBadRequest, match="there are no administrators in the private chat"):
        await bot.get_chat_administrators(rana.id)


async def test_file_ids_belong_to_one_bot(
    tg: TelegramSandbox, new_token: Callable[[], str], make_bot: Callable[..., Bot]
) -> None:
    """Telegram: a file_id "is unique for each individual bot and can't be transferred"."""
    traders_token, admin_token = new_token(), new_token()
    tg.add_bot(traders_token)
    tg.add_bot(admin_token)
    traders, admin = make_bot(traders_token), make_bot(admin_token)
    sami = tg.add_user("Sami")
    tg.start_chat(sami, admin_token)
    receipt = await sami.send_photo(traders_token, png(), caption="receipt")
    assert receipt.photo is not None
    file_id = receipt.photo[-1]["file_id"]
    file = await traders.get_file(file_id)
    assert file.file_path

    with pytest.raises(TelegramBadRequest, match="wrong file identifier/HTTP URL specified"):
        await admin.send_photo(sami.id, file_id)
    with pytest.raises(TelegramBadRequest, match="invalid file_id"):
        await admin.get_file(file_id)
    async with aiohttp.ClientSession() as http:
        async with http.get(f"{tg.url}/file/bot{admin_token}/{file.file_path}") as resp:
            assert resp.status == 404
    # What works: the traders' bot downloads the bytes and the admin bot uploads them.
    data = await traders.download_file(file.file_path)
    assert data is not None
    shown = await admin.send_photo(sami.id, BufferedInputFile(data.read(), "receipt.png"))
    assert shown.photo is not None and shown.photo[-1].file_size == len(png())

    tg.bot_scoped_file_ids = False  # the lenient mode lets any bot use any file_id
    assert (await admin.send_photo(sami.id, file_id)).photo is not None
