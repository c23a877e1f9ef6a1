"""How core's events read for traders and the channels, one module per feature; ``register``
adds them all to the runtime's registry (botkit.rendering.Renderers)."""

from __future__ import annotations

from bot.notifications import accounts, escrow, wallet
from botkit.rendering import Renderers


def register(renderers: Renderers) -> None:
    escrow.register(renderers)
    wallet.register(renderers)
    accounts.register(renderers)
