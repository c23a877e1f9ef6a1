"""A local server that speaks the Telegram Bot API, so the real aiogram bots run offline.

Point aiogram at it with ``AiohttpSession(api=TelegramAPIServer.from_base(tg.url))`` (or
``tg.aiogram_bot(token)``) and drive it as simulated users through the control API in
``sandbox.py``. Layout: formatting (HTML parse mode), params (request bodies), state (the
world), methods (Bot API methods), delivery (webhooks), server (HTTP), sandbox (control API),
views (SimMessage).
"""

from .errors import ApiError
from .sandbox import SandboxTimeout, SimPress, SimUser, TelegramSandbox
from .server import make_app
from .state import CallbackAnswer, Delivery, SimBot, SimChat
from .views import SimMessage

__all__ = [
    "ApiError",
    "CallbackAnswer",
    "Delivery",
    "SandboxTimeout",
    "SimBot",
    "SimChat",
    "SimMessage",
    "SimPress",
    "SimUser",
    "TelegramSandbox",
    "make_app",
]
