"""How core's events read in Telegram, per recipient kind: a ``Renderers`` registry filled where
the runtime is assembled (each bot's notifications module has a ``register(renderers)``), and
what a renderer returns.

    renderers.register(events.TradePaid, events.USER, trade_paid)

    def trade_paid(event: events.TradePaid, to: Recipient) -> Rendered | None: ...

A renderer runs in the recipient's language and returns what to send, or None for nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from aiogram.types import InlineKeyboardMarkup

from core import events
from core.events import Event


@dataclass(frozen=True)
class Recipient:
    kind: str  # events.USER | events.CHANNEL | events.ADMIN
    chat_id: int
    language: str
    phrase: str | None = None  # a user's anti-phishing phrase (core.accounts.second_factor), users only


@dataclass
class Rendered:
    text: str = ""
    keyboard: InlineKeyboardMarkup | None = None
    # bytes to upload, a Telegram file_id, or a function making the bytes (e.g. a chart: the
    # notifier calls it in a worker thread, off the event loop)
    photo: bytes | str | Callable[[], bytes] | None = None
    post_key: str | None = None  # channels: edit the earlier post with this key instead of a new one
    delete: bool = False  # channels: remove the earlier post with post_key
    extra: dict[str, Any] = field(default_factory=dict)


E = TypeVar("E", bound=Event)
Renderer = Callable[[E, Recipient], Rendered | None]


class Renderers:
    """One renderer per event class and recipient kind (one of the class's ``audience``)."""

    def __init__(self) -> None:
        self._by: dict[tuple[type[Event], str], Callable[[Any, Recipient], Rendered | None]] = {}

    def register(self, event: type[E], recipient_kind: str, func: Renderer[E]) -> None:
        if recipient_kind not in event.audience:
            raise ValueError(f"{event.__name__} is never sent to a {recipient_kind}")
        if (event, recipient_kind) in self._by:
            raise ValueError(f"{event.__name__} to a {recipient_kind} has a renderer already")
        self._by[event, recipient_kind] = func

    def get(self, event: type[Event], recipient_kind: str) -> Callable[[Any, Recipient], Rendered | None] | None:
        return self._by.get((event, recipient_kind))

    def render(self, event: Event, to: Recipient) -> Rendered | None:
        """``event`` as ``to`` reads it (the caller chose the language); KeyError if unregistered."""
        return self._by[type(event), to.kind](event, to)

    def missing(self) -> list[tuple[type[Event], str]]:
        """The event classes and recipient kinds they are sent to that nothing renders."""
        return [(cls, kind) for cls in events.EVENTS for kind in sorted(cls.audience) if (cls, kind) not in self._by]
