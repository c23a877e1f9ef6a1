"""Webhook delivery: POST each update to the bot's URL, in order, retrying failures.

Like Telegram, an update leaves the queue only after a 2xx answer; until then the same update
is retried with a growing delay and nothing behind it is sent (order is kept per bot). A 2xx
answer may carry a method call (aiogram's ``handle_in_background=False``), which is executed.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import ssl
from typing import Any

import aiohttp

from .errors import ApiError
from .params import Params, Upload
from .state import Delivery, SimBot, Webhook, World, now, wait_event

log = logging.getLogger(__name__)


class Deliverer:
    def __init__(self, world: World, *, retry_initial: float = 0.05, retry_max: float = 2.0,
                 timeout: float = 10.0, ssl_context: ssl.SSLContext | None = None) -> None:  # fmt: skip
        self.world = world
        self.ssl_context = ssl_context
        self.retry_initial = retry_initial
        self.retry_max = retry_max
        self.timeout = timeout
        self._tasks: dict[int, asyncio.Task[None]] = {}
        self._retry_now: dict[int, asyncio.Event] = {}
        self._session: aiohttp.ClientSession | None = None
        self._closed = False

    def webhook_changed(self, bot: SimBot) -> None:
        """Start delivering for a bot that got a webhook; a waiting retry goes now."""
        self._closed = False
        self._retry_now.setdefault(bot.id, asyncio.Event()).set()
        task = self._tasks.get(bot.id)
        if bot.webhook is not None and (task is None or task.done()):
            self._tasks[bot.id] = asyncio.get_running_loop().create_task(self._run(bot))

    async def close(self) -> None:
        self._closed = True
        for task in self._tasks.values():
            task.cancel()
        for task in self._tasks.values():
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks.clear()
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def _run(self, bot: SimBot) -> None:
        delay = self.retry_initial
        while bot.webhook is not None and not self._closed:
            if not bot.updates:
                await wait_event(bot.wakeup, 1.0)
                continue
            update = bot.updates[0]
            webhook = bot.webhook
            status, error = await self.post(bot, webhook, update)
            if status is not None and 200 <= status < 300:
                if bot.updates and bot.updates[0] is update:
                    bot.updates.pop(0)
                bot.delivered[update["update_id"]] = update
                delay = self.retry_initial
            else:
                webhook.last_error_date = now()
                webhook.last_error_message = error
                retry = self._retry_now.setdefault(bot.id, asyncio.Event())
                retry.clear()
                await wait_event(retry, delay)
                delay = min(delay * 2, self.retry_max)
            self.world.notify()

    async def post(self, bot: SimBot, webhook: Webhook, update: dict[str, Any], *,
                   redelivery: bool = False) -> tuple[int | None, str | None]:  # fmt: skip
        """POST one update; returns (HTTP status or None, Telegram-style error text or None)."""
        if self._session is None:
            connector = aiohttp.TCPConnector(ssl=self.ssl_context) if self.ssl_context is not None else None
            self._session = aiohttp.ClientSession(
                timeout=aiohttp.ClientTimeout(total=self.timeout), connector=connector
            )
        headers = {"Content-Type": "application/json"}
        if webhook.secret_token:
            headers["X-Telegram-Bot-Api-Secret-Token"] = webhook.secret_token
        status: int | None = None
        error: str | None = None
        try:
            async with self._session.post(webhook.url, data=json.dumps(update), headers=headers) as resp:
                status = resp.status
                if 200 <= status < 300:
                    await self._run_reply(bot, resp)
                else:
                    error = f"Wrong response from the webhook: {status} {resp.reason}"
        except TimeoutError:
            error = "Read timeout expired"
        except aiohttp.ClientConnectorError:
            error = "Connection refused"
        except aiohttp.ClientError as exc:
            error = f"Failed to deliver the update: {exc.__class__.__name__}"
        bot.deliveries.append(Delivery(update["update_id"], status, error, redelivery))
        return status, error

    async def _run_reply(self, bot: SimBot, resp: aiohttp.ClientResponse) -> None:
        """Execute a method call the webhook answered with, as Telegram does."""
        from .methods import dispatch

        values: dict[str, Any] = {}
        uploads: dict[str, Upload] = {}
        if resp.content_type == "application/json":
            with contextlib.suppress(ValueError):
                body = await resp.json()
                if isinstance(body, dict):
                    values = body
        elif resp.content_type == "multipart/form-data":
            reader = aiohttp.MultipartReader.from_response(resp)
            async for part in reader:
                if not isinstance(part, aiohttp.BodyPartReader) or part.name is None:
                    continue
                if part.filename:
                    uploads[part.name] = Upload(await part.read(), part.filename)
                else:
                    values[part.name] = await part.text()
        name = values.pop("method", None)
        if not isinstance(name, str):
            return
        try:
            await dispatch(self.world, bot, name, Params(values, uploads))
        except ApiError as exc:
            log.info("webhook reply %s failed: %s", name, exc.description)
