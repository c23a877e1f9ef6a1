"""Buttons on channel posts, deep links, and groups where users write to several bots."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from aiogram import Bot
from aiogram.exceptions import TelegramForbiddenError
from aiogram.methods import GetUpdates
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from sandbox.telegram import TelegramSandbox


async def test_callback_button_on_a_channel_post(
    tg: TelegramSandbox, new_token: Callable[[], str], make_bot: Callable[..., Bot]
) -> None:
    token = new_token()
    tg.add_bot(token, username="feed_bot")
    chan = tg.add_channel("Offers")
    bot = make_bot(token)
    lina = tg.add_user("Lina")
    markup = InlineKeyboardMarkup(
        inline_keyboard=[[InlineKeyboardButton(text="Take", callback_data="take:7")]]
    )
    post = await bot.send_message(chan.id, "Offer #7", reply_markup=markup)

    with pytest.raises(LookupError, match="no inline button 'Take'"):
        await lina.press(token, "Take")  # not in her private chat
    press = await lina.press(token, "Take", chat=chan)
    [update] = await bot(GetUpdates())
    query = update.callback_query
    assert query is not None and query.data == "take:7" and query.from_user.id == lina.id
    assert query.message is not None and (query.message.chat.id, query.message.message_id) == (
        chan.id,
        post.message_id,
    )
    await bot.answer_callback_query(query.id, "Open the bot to continue")
    assert (await press.answer()).text == "Open the bot to continue"


async def test_deep_link_button_opens_the_bot_with_start_payload(
    tg: TelegramSandbox, new_token: Callable[[], str], make_bot: Callable[..., Bot]
) -> None:
    token = new_token()
    tg.add_bot(token, username="koxx_deep_bot")
    chan = tg.add_channel("Offers")
    bot = make_bot(token)
    link = InlineKeyboardButton(text="Buy", url="https://t.me/koxx_deep_bot?start=offer_12")
    await bot.send_message(chan.id, "Offer #12", reply_markup=InlineKeyboardMarkup(inline_keyboard=[[link]]))
    mona = tg.add_user("Mona")
    press = await mona.press(token, "Buy", chat=chan)
    assert press.url == "https://t.me/koxx_deep_bot?start=offer_12" and press.query_id is None
    assert press.opened is not None and press.opened.text == "/start offer_12"
    [update] = await bot(GetUpdates())
    assert update.message is not None and update.message.text == "/start offer_12"
    # The user has now started the bot, so it may write to her.
    assert (await bot.send_message(mona.id, "Offer 12: how much?")).chat.id == mona.id


async def test_group_messages_reach_every_bot_of_the_group(
    tg: TelegramSandbox, new_token: Callable[[], str], make_bot: Callable[..., Bot]
) -> None:
    admin_token, trader_token, outside_token = new_token(), new_token(), new_token()
    for token in (admin_token, trader_token, outside_token):
        tg.add_bot(token)
    group = tg.add_group("Admins", bots=[admin_token, trader_token])
    admin_bot, outside_bot = make_bot(admin_token), make_bot(outside_token)
    nour = tg.add_user("Nour")
    sent = await nour.post(group, "/disputes")
    for token in (admin_token, trader_token):
        [update] = tg.updates(token)
        assert update["message"]["chat"]["id"] == group.id and update["message"]["text"] == "/disputes"
    assert tg.updates(outside_token) == []

    reply = await admin_bot.send_message(group.id, "2 open disputes", reply_to_message_id=sent.message_id)
    assert reply.reply_to_message is not None and reply.reply_to_message.from_user is not None
    assert reply.reply_to_message.from_user.id == nour.id
    assert (await tg.wait_for_post(group, contains="open disputes")).message_id == reply.message_id
    assert [m.text for m in tg.channel_posts(group)] == ["/disputes", "2 open disputes"]
    member = await admin_bot.get_chat_member(group.id, nour.id)
    assert member.status == "member"
    with pytest.raises(TelegramForbiddenError, match="bot is not a member of the supergroup chat"):
        await outside_bot.send_message(group.id, "hi")


async def test_forged_callback_data_reaches_the_bot(
    tg: TelegramSandbox, new_token: Callable[[], str], make_bot: Callable[..., Bot]
) -> None:
    token = new_token()
    tg.add_bot(token)
    bot = make_bot(token)
    pia = tg.add_user("Pia")
    tg.start_chat(pia, token)
    with pytest.raises(LookupError):
        await pia.send_callback(token, "td:release:1")  # no bot message to hang it on yet
    markup = InlineKeyboardMarkup(inline_keyboard=[[InlineKeyboardButton(text="View", callback_data="td:view:1")]])
    card = await bot.send_message(pia.id, "Trade #1", reply_markup=markup)
    press = await pia.send_callback(token, "td:release:1")
    [update] = await bot(GetUpdates())
    query = update.callback_query
    assert query is not None and query.data == "td:release:1" and query.message is not None
    assert query.message.message_id == card.message_id
    await bot.answer_callback_query(query.id, "This trade is not yours.")
    assert (await press.answer()).text == "This trade is not yours."
