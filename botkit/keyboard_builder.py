"""aiogram's inline keyboard builder, without its deep copies."""

from __future__ import annotations

from aiogram.types import InlineKeyboardButton
from aiogram.utils import keyboard


class InlineKeyboardBuilder(keyboard.InlineKeyboardBuilder):
    """aiogram's builder deep-copies every button each time one is added or the markup is built,
    which is a good part of the cost of a reply. Nothing changes a button once it is added, so
    copying the rows is enough."""

    def export(self) -> list[list[InlineKeyboardButton]]:
        return [list(row) for row in self._markup]
