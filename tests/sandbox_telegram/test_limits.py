"""Telegram's limits and errors, as aiogram sees them (exception class + description)."""

from __future__ import annotations

from collections.abc import Callable

import aiohttp
import pytest
from aiogram import Bot
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramRetryAfter,
    TelegramUnauthorizedError,
)
from aiogram.types import BufferedInputFile, InlineKeyboardButton, InlineKeyboardMarkup

from sandbox.telegram import SimUser, TelegramSandbox

from .conftest import png


def one_button(data: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(inline_keyboard=[[InlineKeyboardButton(text="B", callback_data=data)]])


@pytest.fixture
def setup(tg: TelegramSandbox, new_token: Callable[[], str],
          make_bot: Callable[..., Bot]) -> tuple[Bot, SimUser, str]:  # fmt: skip
    token = new_token()
    tg.add_bot(token)
    user = tg.add_user("Dana")
    tg.start_chat(user, token)
    return make_bot(token), user, token


async def test_text_length_counts_after_entity_parsing(setup: tuple[Bot, SimUser, str]) -> None:
    bot, user, _ = setup
    ok = await bot.send_message(user.id, "<b>" + "a" * 4096 + "</b>")
    assert len(ok.text or "") == 4096 and ok.entities and ok.entities[0].type == "bold"
    with pytest.raises(TelegramBadRequest, match="Bad Request: message is too long"):
        await bot.send_message(user.id, "a" * 4097)


async def test_empty_text(setup: tuple[Bot, SimUser, str]) -> None:
    bot, user, _ = setup
    with pytest.raises(TelegramBadRequest, match="Bad Request: message text is empty"):
        await bot.send_message(user.id, "  \n ")
    with pytest.raises(TelegramBadRequest, match="Bad Request: message text is empty"):
        await bot.send_message(user.id, "<b></b>")


async def test_callback_data_over_64_bytes(setup: tuple[Bot, SimUser, str]) -> None:
    bot, user, _ = setup
    await bot.send_message(user.id, "fits", reply_markup=one_button("x" * 64))
    with pytest.raises(TelegramBadRequest, match="Bad Request: BUTTON_DATA_INVALID"):
        await bot.send_message(user.id, "too long", reply_markup=one_button("x" * 65))
    with pytest.raises(TelegramBadRequest, match="Bad Request: BUTTON_DATA_INVALID"):
        await bot.send_message(user.id, "bytes, not characters", reply_markup=one_button("ب" * 33))


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("<b>bold", 'Can\'t find end tag corresponding to start tag "b"'),
        ("line<br>break", 'Unsupported start tag "br" at byte offset 4'),
        ("1 < 2", 'Unsupported start tag "" at byte offset 2'),
        ("<b>x</i>", 'Unmatched end tag at byte offset 4, expected "</b>", found "</i>"'),
        ("x</b>", "Unexpected end tag at byte offset 1"),
        ("<div>x</div>", 'Unsupported start tag "div" at byte offset 0'),
        ('<span class="red">x</span>', 'Tag "span" must have class "tg-spoiler" at byte offset 0'),
        ("<a href=x>y", 'Can\'t find end tag corresponding to start tag "a"'),
    ],
)
async def test_malformed_or_unsupported_html(setup: tuple[Bot, SimUser, str], text: str, reason: str) -> None:
    bot, user, _ = setup
    with pytest.raises(TelegramBadRequest) as info:
        await bot.send_message(user.id, text)
    assert info.value.message == f"Bad Request: can't parse entities: {reason}"


async def test_every_allowed_tag_parses(setup: tuple[Bot, SimUser, str]) -> None:
    bot, user, _ = setup
    text = (
        "<b>b</b><strong>s</strong><i>i</i><em>e</em><u>u</u><ins>n</ins><s>s</s><strike>k</strike><del>d</del>"
        '<span class="tg-spoiler">p</span><tg-spoiler>q</tg-spoiler><a href="https://t.me/x">a</a><code>c</code>'
        '<pre>p</pre><pre><code class="language-python">py</code></pre><blockquote>q</blockquote>'
        '<blockquote expandable>x</blockquote><tg-emoji emoji-id="5368324170671202286">👍</tg-emoji> &lt;&amp;&gt;'
    )
    message = await bot.send_message(user.id, text)
    kinds = [(e.type, e.offset, e.length) for e in message.entities or []]
    assert kinds[:4] == [("bold", 0, 1), ("bold", 1, 1), ("italic", 2, 1), ("italic", 3, 1)]
    by_type = {e.type: e for e in message.entities or []}
    assert by_type["text_link"].url == "https://t.me/x"
    assert by_type["custom_emoji"].custom_emoji_id == "5368324170671202286"
    assert {
        "spoiler",
        "code",
        "pre",
        "blockquote",
        "expandable_blockquote",
        "strikethrough",
        "underline",
    } <= set(by_type)
    assert [e.language for e in message.entities or [] if e.type == "pre"] == [None, "python"]
    assert message.text is not None and message.text.endswith("👍 <&>")
    # 👍 is two UTF-16 code units: the entity length says so
    assert by_type["custom_emoji"].length == 2


async def test_unknown_chat_not_started_and_blocked(
    tg: TelegramSandbox, setup: tuple[Bot, SimUser, str]
) -> None:
    bot, user, token = setup
    with pytest.raises(TelegramBadRequest, match="Bad Request: chat not found"):
        await bot.send_message(424242, "hello")
    stranger = tg.add_user("Stranger")
    with pytest.raises(
        TelegramForbiddenError, match="Forbidden: bot can't initiate conversation with a user"
    ):
        await bot.send_message(stranger.id, "hello")
    tg.block(user, token)
    with pytest.raises(TelegramForbiddenError, match="Forbidden: bot was blocked by the user"):
        await bot.send_message(user.id, "hello")
    await user.send(token, "/start")  # restarting the bot unblocks it
    assert (await bot.send_message(user.id, "welcome back")).text == "welcome back"
    kinds = [next(k for k in u if k != "update_id") for u in tg.updates(token)]
    assert kinds == ["my_chat_member", "my_chat_member", "message"]  # kicked, member again, /start
    tg.deactivate(user)
    with pytest.raises(TelegramForbiddenError, match="Forbidden: user is deactivated"):
        await bot.send_message(user.id, "anyone there?")


async def test_edit_errors(setup: tuple[Bot, SimUser, str]) -> None:
    bot, user, _ = setup
    sent = await bot.send_message(user.id, "<b>price</b>", reply_markup=one_button("a"))
    with pytest.raises(
        TelegramBadRequest, match="Bad Request: message is not modified: specified new message"
    ):
        await bot.edit_message_text("<b>price</b>", chat_id=user.id, message_id=sent.message_id,
                                    reply_markup=one_button("a"))  # fmt: skip
    with pytest.raises(TelegramBadRequest, match="Bad Request: message is not modified"):
        await bot.edit_message_reply_markup(
            chat_id=user.id, message_id=sent.message_id, reply_markup=one_button("a")
        )
    # Same text but different formatting or keyboard is a modification.
    await bot.edit_message_text(
        "price", chat_id=user.id, message_id=sent.message_id, reply_markup=one_button("a")
    )
    await bot.edit_message_text("price", chat_id=user.id, message_id=sent.message_id)
    with pytest.raises(TelegramBadRequest, match="Bad Request: message to edit not found"):
        await bot.edit_message_text("x", chat_id=user.id, message_id=9999)
    own = await user.send(bot.token, "mine")
    with pytest.raises(TelegramBadRequest, match="Bad Request: message can't be edited"):
        await bot.edit_message_text("x", chat_id=user.id, message_id=own.message_id)
    assert await bot.delete_message(user.id, sent.message_id)
    with pytest.raises(TelegramBadRequest, match="Bad Request: message to edit not found"):
        await bot.edit_message_text("y", chat_id=user.id, message_id=sent.message_id)
    with pytest.raises(TelegramBadRequest, match="Bad Request: message to delete not found"):
        await bot.delete_message(user.id, sent.message_id)
    assert [m.text for m in user.chat(bot.token)] == ["mine"]


async def test_caption_limit(setup: tuple[Bot, SimUser, str]) -> None:
    bot, user, _ = setup
    photo = BufferedInputFile(png(), "p.png")
    with pytest.raises(TelegramBadRequest, match="Bad Request: message caption is too long"):
        await bot.send_photo(user.id, photo, caption="c" * 1025)
    sent = await bot.send_photo(user.id, photo, caption="<i>" + "c" * 1024 + "</i>")
    assert sent.caption == "c" * 1024
    with pytest.raises(TelegramBadRequest, match="Bad Request: message caption is too long"):
        await bot.edit_message_caption(chat_id=user.id, message_id=sent.message_id, caption="c" * 1025)


async def test_bad_tokens(
    tg: TelegramSandbox, new_token: Callable[[], str], make_bot: Callable[..., Bot]
) -> None:
    token = new_token()
    tg.add_bot(token)
    bot_id = token.split(":")[0]
    with pytest.raises(TelegramUnauthorizedError, match="Unauthorized"):
        await make_bot(f"{bot_id}:wrong-secret").get_me()
    assert tg.url is not None
    async with aiohttp.ClientSession() as http:
        async with http.get(f"{tg.url}/botnot-a-token/getMe") as resp:
            assert resp.status == 404
            assert await resp.json() == {"ok": False, "error_code": 404, "description": "Not Found"}
    tg.revoke(token)
    with pytest.raises(TelegramUnauthorizedError):
        await make_bot(token).get_me()


async def test_strict_mode_refuses_unregistered_tokens(new_token: Callable[[], str]) -> None:
    async with TelegramSandbox(auto_register=False) as strict:
        bot = strict.aiogram_bot(strict.add_bot(new_token()).token)
        try:
            assert (await bot.get_me()).is_bot
            other = Bot(new_token(), session=bot.session)
            with pytest.raises(TelegramUnauthorizedError):
                await other.get_me()
        finally:
            await bot.session.close()


async def test_simulated_429_per_bot_and_per_chat(
    tg: TelegramSandbox, setup: tuple[Bot, SimUser, str]
) -> None:
    bot, user, token = setup
    other = tg.add_user("Other")
    tg.start_chat(other, token)
    tg.rate_limit(token, n=2, retry_after=3)
    for _ in range(2):
        with pytest.raises(TelegramRetryAfter) as info:
            await bot.send_message(user.id, "hi")
        assert info.value.retry_after == 3
        assert "Too Many Requests: retry after 3" in info.value.message
    await bot.send_message(user.id, "third goes through")

    tg.rate_limit(token, n=1, retry_after=5, chat=user)
    await bot.send_message(other.id, "another chat is not limited")
    with pytest.raises(TelegramRetryAfter) as info:
        await bot.send_message(user.id, "limited chat")
    assert info.value.retry_after == 5
    await bot.send_message(user.id, "and again fine")
    assert [m.text for m in user.chat(token)] == ["third goes through", "and again fine"]
    calls = tg.calls(token, "sendMessage")
    assert [c.status for c in calls] == [429, 429, 200, 200, 429, 200]
    assert (
        calls[4].description == "Too Many Requests: retry after 5"
        and calls[4].params["text"] == "limited chat"
    )


async def test_optional_real_rates(tg: TelegramSandbox, setup: tuple[Bot, SimUser, str]) -> None:
    bot, user, _ = setup
    await bot.send_message(user.id, "1")
    await bot.send_message(user.id, "2")  # off by default: no limit
    now = [1000.0]
    tg.clock = lambda: now[0]
    tg.enforce_rates()
    await bot.send_message(user.id, "3")
    now[0] += 0.5
    with pytest.raises(TelegramRetryAfter) as info:
        await bot.send_message(user.id, "4")  # a second message to one private chat within a second
    assert info.value.retry_after == 1
    now[0] += 0.6
    await bot.send_message(user.id, "4 after a second")
    group = tg.add_group("Busy", bots=[bot.token])
    for i in range(20):
        now[0] += 0.1
        await bot.send_message(group.id, f"group {i}")
    with pytest.raises(TelegramRetryAfter) as info:
        await bot.send_message(group.id, "21st within a minute")
    assert info.value.retry_after == 59  # the first of the 20 leaves the window in 58.1 s, rounded up
    tg.enforce_rates(False)
    await bot.send_message(group.id, "limits off")
