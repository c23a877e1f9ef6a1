"""Read-only views of messages for tests and the control API."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .formatting import to_html

if TYPE_CHECKING:
    from .state import StoredMessage


@dataclass(frozen=True)
class SimMessage:
    """A message as the user sees it (a snapshot; edits after it was taken are not in it)."""

    message_id: int
    text: str  # the text, or the caption of a photo/document
    html: str  # text with its formatting, as Telegram HTML
    from_bot: bool
    edited: bool
    buttons: list[list[str]]  # inline keyboard labels, row by row
    reply_keyboard: list[list[str]] | None  # the reply keyboard sent with this message, if any
    photo: list[dict[str, Any]] | None
    document: dict[str, Any] | None
    contact: dict[str, Any] | None
    data: dict[str, Any] = field(repr=False)  # the full Bot API Message
    bot_id: int | None = None  # the bot that sent it  # the full Bot API Message

    @classmethod
    def of(cls, stored: StoredMessage) -> SimMessage:
        data = copy.deepcopy(stored.data)
        text = data.get("text") or data.get("caption") or ""
        entities = data.get("entities") or data.get("caption_entities")
        rows = data.get("reply_markup", {}).get("inline_keyboard", [])
        keyboard = None
        if stored.reply_keyboard is not None:
            keyboard = [[b["text"] for b in row] for row in stored.reply_keyboard]
        return cls(
            message_id=data["message_id"],
            text=text,
            html=to_html(text, entities),
            from_bot=stored.sender_bot is not None,
            edited=stored.edited,
            buttons=[[b["text"] for b in row] for row in rows],
            reply_keyboard=keyboard,
            photo=data.get("photo"),
            document=data.get("document"),
            contact=data.get("contact"),
            data=data,
            bot_id=stored.sender_bot,
        )

    @property
    def caption(self) -> str | None:
        caption: str | None = self.data.get("caption")
        return caption

    def button(self, label: str) -> dict[str, Any]:
        """The inline button with that label (exact, else the only one containing it)."""
        found = find_button(self.data.get("reply_markup", {}).get("inline_keyboard", []), label)
        if found is None:
            raise LookupError(f"no button {label!r} in message {self.message_id}: {self.buttons}")
        return found

    def __str__(self) -> str:
        who = "bot" if self.from_bot else "user"
        return f"#{self.message_id} {who}: {self.text}"


def find_button(rows: list[list[dict[str, Any]]], label: str) -> dict[str, Any] | None:
    buttons = [b for row in rows for b in row]
    exact = [b for b in buttons if b.get("text") == label]
    if exact:
        return exact[0]
    partial = [b for b in buttons if label.lower() in b.get("text", "").lower()]
    return partial[0] if len(partial) == 1 else None
