"""Telegram's HTML parse mode, without a server."""

from __future__ import annotations

import pytest

from sandbox.telegram.errors import ApiError
from sandbox.telegram.formatting import command_entities, parse_html, strip_text, to_html


def test_offsets_are_utf16_and_entities_decode() -> None:
    text, entities = parse_html("💰 <b>1,000 IQD</b> &amp; <i>مرحبا</i> &#128512;")
    assert text == "💰 1,000 IQD & مرحبا 😀"
    assert entities == [
        {"type": "bold", "offset": 3, "length": 9},  # 💰 is two UTF-16 code units
        {"type": "italic", "offset": 15, "length": 5},
    ]


def test_unknown_named_entities_stay_literal_and_tags_ignore_case() -> None:
    text, entities = parse_html("&nbsp; <B>x</B> &copy")
    assert text == "&nbsp; x &copy"
    assert entities == [{"type": "bold", "offset": 7, "length": 1}]


def test_error_offsets_are_utf8_bytes() -> None:
    with pytest.raises(ApiError) as info:
        parse_html("سعر <p>")  # four Arabic letters are 6 bytes, the space 1
    assert (
        info.value.description
        == 'Bad Request: can\'t parse entities: Unsupported start tag "p" at byte offset 7'
    )


def test_empty_entities_are_dropped_and_links_keep_href() -> None:
    text, entities = parse_html('<b></b><a href="https://t.me/koxx?start=ref_1&amp;x=2">open</a>')
    assert text == "open"
    assert entities == [
        {"type": "text_link", "offset": 0, "length": 4, "url": "https://t.me/koxx?start=ref_1&x=2"}
    ]


def test_strip_shifts_entities() -> None:
    text, entities = parse_html("  <b>hi</b>  ")
    assert strip_text(text, entities) == ("hi", [{"type": "bold", "offset": 0, "length": 2}])


@pytest.mark.parametrize(
    "source",
    [
        "<b>bold <i>both</i></b> plain &lt;tag&gt; &amp;",
        '<a href="https://example.org/?a=1&amp;b=2">link</a> <code>x &lt; y</code>',
        '<pre><code class="language-python">print(1)</code></pre>',
        "<blockquote expandable>long</blockquote><tg-spoiler>s</tg-spoiler> 😀 <u>u</u>",
    ],
)
def test_to_html_round_trips(source: str) -> None:
    text, entities = parse_html(source)
    assert parse_html(to_html(text, entities)) == (text, entities)


def test_command_entity() -> None:
    assert command_entities("/start ref_42") == [{"type": "bot_command", "offset": 0, "length": 6}]
    assert command_entities("hello /start") == []


def test_user_mentions() -> None:
    text, entities = parse_html('<a href="tg://user?id=42">Ali</a>')
    assert entities == [{"type": "text_mention", "offset": 0, "length": 3,
                         "user": {"id": 42, "is_bot": False, "first_name": ""}}]  # fmt: skip
    assert to_html(text, entities) == '<a href="tg://user?id=42">Ali</a>'
