"""Render an outbox row as the notifier does (parsed into its event class, the renderer of the
recipient's kind, in the recipient's language), without a database or Telegram."""

from __future__ import annotations

from typing import Any

from bootstrap import build_renderers
from botkit.i18n import use_locale
from botkit.rendering import Recipient, Rendered
from core import events

RENDERERS = build_renderers()


def render(event: events.Event, to: Recipient) -> Rendered | None:
    with use_locale(to.language):
        return RENDERERS.render(event, to)


def render_row(kind: str, payload: dict[str, Any], to: Recipient) -> Rendered | None:
    """A row of ``kind`` (a current kind or one the previous release wrote) with ``payload``."""
    return render(events.parse(kind, payload), to)
