"""Telegram's HTML parse mode: text + entities, with the errors Telegram gives.

Follows the parser in tdlib (td/telegram/MessageEntity.cpp, parse_html): only the tags Telegram
allows, only &lt; &gt; &amp; &quot; and numeric character references, offsets in UTF-16 code
units, error positions in UTF-8 bytes of the source.
"""

from __future__ import annotations

import html
import re
from typing import Any

from .errors import ApiError, bad_request

ALLOWED_TAGS = frozenset(
    {
        "a", "b", "strong", "i", "em", "u", "ins", "s", "strike", "del",
        "span", "tg-spoiler", "code", "pre", "blockquote", "tg-emoji",
    }
)  # fmt: skip
_SIMPLE = {
    "b": "bold", "strong": "bold", "i": "italic", "em": "italic", "u": "underline", "ins": "underline",
    "s": "strikethrough", "strike": "strikethrough", "del": "strikethrough",
    "span": "spoiler", "tg-spoiler": "spoiler",
}  # fmt: skip
_NAMED = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_ENTITY = re.compile(r"&(#x[0-9a-fA-F]{1,8}|#[0-9]{1,10}|[a-zA-Z]{1,10});")
_COMMAND = re.compile(r"/[A-Za-z0-9_]{1,64}(@[A-Za-z0-9_]{3,32})?")


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _decode_entity(text: str, i: int) -> tuple[str, int] | None:
    """The character and length of a character reference at text[i] ('&'), or None."""
    m = _ENTITY.match(text, i)
    if not m:
        return None
    body = m.group(1)
    if body.startswith("#"):
        code = int(body[2:], 16) if body[1] in "xX" else int(body[1:])
        if code == 0 or code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
            return None
        return chr(code), m.end() - i
    if body in _NAMED:
        return _NAMED[body], m.end() - i
    return None


def _err(reason: str) -> ApiError:
    return bad_request(f"can't parse entities: {reason}")


class _Open:
    def __init__(self, tag: str, argument: str, offset: int, expandable: bool) -> None:
        self.tag = tag
        self.argument = argument
        self.offset = offset
        self.expandable = expandable
        self.language = ""


def parse_html(source: str) -> tuple[str, list[dict[str, Any]]]:
    """Parse Telegram HTML into plain text and MessageEntity dicts (raises ApiError 400)."""
    out: list[str] = []
    offset16 = 0
    stack: list[_Open] = []
    entities: list[dict[str, Any]] = []
    n = len(source)

    def byte_pos(i: int) -> int:
        return len(source[:i].encode("utf-8"))

    def at(i: int) -> str:
        return source[i] if i < n else "\0"

    i = 0
    while i < n:
        ch = source[i]
        if ch == "&":
            decoded = _decode_entity(source, i)
            if decoded:
                out.append(decoded[0])
                offset16 += utf16_len(decoded[0])
                i += decoded[1]
                continue
        if ch != "<":
            out.append(ch)
            offset16 += utf16_len(ch)
            i += 1
            continue
        begin = i
        i += 1
        if at(i) != "/":
            while i < n and not at(i).isspace() and at(i) != ">":
                i += 1
            if i >= n:
                raise _err(f"Unclosed start tag at byte offset {byte_pos(begin)}")
            tag = source[begin + 1 : i].lower()
            if tag not in ALLOWED_TAGS:
                raise _err(f'Unsupported start tag "{tag}" at byte offset {byte_pos(begin)}')
            argument = ""
            expandable = False
            while at(i) != ">":
                while i < n and at(i).isspace():
                    i += 1
                if at(i) == ">":
                    break
                name_begin = i
                while i < n and not at(i).isspace() and at(i) not in "=>":
                    i += 1
                name = source[name_begin:i].lower()
                if not name:
                    raise _err(f'Empty attribute name in the tag "{tag}" at byte offset {byte_pos(begin)}')
                while i < n and at(i).isspace():
                    i += 1
                if at(i) != "=":
                    if tag == "blockquote" and name == "expandable":
                        expandable = True
                        continue
                    raise _err(
                        f'Expected equal sign in declaration of an attribute of the tag "{tag}" '
                        f"at byte offset {byte_pos(begin)}"
                    )
                i += 1
                while i < n and at(i).isspace():
                    i += 1
                if i >= n:
                    raise _err(f'Unclosed start tag "{tag}" at byte offset {byte_pos(begin)}')
                if at(i) not in "'\"":
                    token_begin = i
                    while i < n and (at(i).isalnum() or at(i) in ".-"):
                        i += 1
                    value = source[token_begin:i].lower()
                    if not at(i).isspace() and at(i) != ">":
                        raise _err(f"Unexpected end of name token at byte offset {byte_pos(token_begin)}")
                else:
                    quote = source[i]
                    i += 1
                    chars: list[str] = []
                    while i < n and source[i] != quote:
                        decoded = _decode_entity(source, i) if source[i] == "&" else None
                        if decoded:
                            chars.append(decoded[0])
                            i += decoded[1]
                        else:
                            chars.append(source[i])
                            i += 1
                    value = "".join(chars)
                    if at(i) == quote:
                        i += 1
                if i >= n:
                    raise _err(f"Unclosed start tag at byte offset {byte_pos(begin)}")
                if tag == "a" and name == "href":
                    argument = value
                elif tag == "code" and name == "class" and value.startswith("language-"):
                    argument = value[len("language-") :]
                elif tag == "span" and name == "class" and value.startswith("tg-"):
                    argument = value[len("tg-") :]
                elif tag == "tg-emoji" and name == "emoji-id":
                    argument = value
            if tag == "span" and argument != "spoiler":
                raise _err(f'Tag "span" must have class "tg-spoiler" at byte offset {byte_pos(begin)}')
            stack.append(_Open(tag, argument, offset16, expandable))
            i += 1
        else:
            if not stack:
                raise _err(f"Unexpected end tag at byte offset {byte_pos(begin)}")
            while i < n and not at(i).isspace() and at(i) != ">":
                i += 1
            end_name = source[begin + 2 : i].lower()
            while i < n and at(i).isspace():
                i += 1
            if at(i) != ">":
                raise _err(f"Unclosed end tag at byte offset {byte_pos(begin)}")
            i += 1
            top = stack.pop()
            if end_name and end_name != top.tag:
                raise _err(
                    f'Unmatched end tag at byte offset {byte_pos(begin)}, expected "</{top.tag}>", '
                    f'found "</{end_name}>"'
                )
            length = offset16 - top.offset
            if top.tag == "code" and stack and stack[-1].tag == "pre":
                stack[-1].language = top.argument  # <pre><code class="language-x"> is one pre entity
                continue
            if length <= 0:
                continue
            entity = _entity(top, length, "".join(out))
            if entity is not None:
                entities.append(entity)
    if stack:
        raise _err(f'Can\'t find end tag corresponding to start tag "{stack[-1].tag}"')
    entities.sort(key=lambda e: (e["offset"], -e["length"]))
    return "".join(out), entities


def _entity(top: _Open, length: int, text_so_far: str) -> dict[str, Any] | None:
    base: dict[str, Any] = {"offset": top.offset, "length": length}
    if top.tag in _SIMPLE:
        return {"type": _SIMPLE[top.tag], **base}
    if top.tag == "a":
        url = top.argument or _tail16(text_so_far, length)
        mention = re.fullmatch(r"tg://user\?id=(\d{1,20})", url)
        if mention:
            user = {"id": int(mention.group(1)), "is_bot": False, "first_name": ""}
            return {"type": "text_mention", **base, "user": user}
        return {"type": "text_link", **base, "url": url}
    if top.tag == "code":
        return {"type": "code", **base}
    if top.tag == "pre":
        if top.language:
            return {"type": "pre", **base, "language": top.language}
        return {"type": "pre", **base}
    if top.tag == "blockquote":
        return {"type": "expandable_blockquote" if top.expandable else "blockquote", **base}
    if top.tag == "tg-emoji":
        if not top.argument:
            raise _err("Custom emoji entity must contain a tg://emoji URL")
        return {"type": "custom_emoji", **base, "custom_emoji_id": top.argument}
    return None


def _tail16(text: str, length16: int) -> str:
    encoded = text.encode("utf-16-le")
    return encoded[len(encoded) - 2 * length16 :].decode("utf-16-le")


def strip_text(text: str, entities: list[dict[str, Any]]) -> tuple[str, list[dict[str, Any]]]:
    """Trim surrounding whitespace like Telegram does, shifting and clipping the entities."""
    lead = utf16_len(text) - utf16_len(text.lstrip())
    stripped = text.strip()
    size = utf16_len(stripped)
    fixed = []
    for entity in entities:
        start = max(entity["offset"] - lead, 0)
        end = min(entity["offset"] + entity["length"] - lead, size)
        if end > start:
            fixed.append({**entity, "offset": start, "length": end - start})
    return stripped, fixed


def command_entities(text: str) -> list[dict[str, Any]]:
    """The bot_command entity Telegram adds to a user's message that starts with a command."""
    m = _COMMAND.match(text)
    if not m:
        return []
    return [{"type": "bot_command", "offset": 0, "length": utf16_len(m.group(0))}]


def to_html(text: str, entities: list[dict[str, Any]] | None) -> str:
    """Render text + entities back to Telegram HTML (for transcripts and the web page)."""
    if not entities:
        return html.escape(text, quote=False)
    units = text.encode("utf-16-le")
    opens: dict[int, list[str]] = {}
    closes: dict[int, list[str]] = {}
    for entity in sorted(entities, key=lambda e: (e["offset"], -e["length"])):
        tags = _tags(entity)
        if tags is None:
            continue
        start, end = entity["offset"], entity["offset"] + entity["length"]
        opens.setdefault(start, []).append(tags[0])
        closes.setdefault(end, []).insert(0, tags[1])
    total = len(units) // 2
    marks = sorted({0, total, *opens, *closes})
    pieces: list[str] = []
    for pos, nxt in zip(marks, [*marks[1:], None], strict=True):
        pieces.extend(closes.get(pos, []))
        pieces.extend(opens.get(pos, []))
        if nxt is not None:
            pieces.append(html.escape(units[2 * pos : 2 * nxt].decode("utf-16-le"), quote=False))
    return "".join(pieces)


def _tags(entity: dict[str, Any]) -> tuple[str, str] | None:
    kind = entity["type"]
    simple = {"bold": "b", "italic": "i", "underline": "u", "strikethrough": "s", "spoiler": "tg-spoiler",
              "code": "code", "blockquote": "blockquote"}  # fmt: skip
    if kind in simple:
        return f"<{simple[kind]}>", f"</{simple[kind]}>"
    if kind == "expandable_blockquote":
        return "<blockquote expandable>", "</blockquote>"
    if kind == "pre":
        if entity.get("language"):
            return f'<pre><code class="language-{entity["language"]}">', "</code></pre>"
        return "<pre>", "</pre>"
    if kind == "text_mention":
        return f'<a href="tg://user?id={entity["user"]["id"]}">', "</a>"
    if kind == "text_link":
        return f'<a href="{html.escape(entity["url"])}">', "</a>"
    if kind == "custom_emoji":
        return f'<tg-emoji emoji-id="{entity["custom_emoji_id"]}">', "</tg-emoji>"
    return None
