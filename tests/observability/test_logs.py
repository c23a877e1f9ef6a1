"""Logs: every line of an update names the update, the request and the button's trade; phone
numbers are masked whatever logged them; error lines are counted; the suite's guard finds a
fixture's phone number or a document's bytes in a log line."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
import structlog
from aiogram import Bot, Dispatcher, Router
from aiogram.types import CallbackQuery, Chat, Message, Update, User

import logs
from bot.keyboards.trades import TradeCb
from botkit.aiogram_compat import detach_routers
from botkit.middlewares import observe
from core.errors import DomainError
from tests import secrets_guard

log = logging.getLogger("koxx.test_logs")
router = Router(name="observability-test")


@router.callback_query(TradeCb.filter())
async def trade_button(query: CallbackQuery, callback_data: TradeCb) -> None:
    log.info("trade button %s", callback_data.action)
    if callback_data.action == "cancel":
        raise DomainError("invalid_state")


@router.message()
async def any_message(message: Message) -> None:
    log.info("paid to %s", message.text)


def captured(fmt: str) -> tuple[logging.Handler, io.StringIO]:
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.setFormatter(logs.formatter(fmt))
    return handler, out


@pytest.fixture
def json_lines() -> Iterator[io.StringIO]:
    """This module's log lines, as JSON; kept from the suite's guard, which would rightly find
    the phone numbers these tests log on purpose."""
    handler, out = captured("json")
    log.addHandler(handler)
    log.propagate = False
    try:
        yield out
    finally:
        log.removeHandler(handler)
        log.propagate = True


@pytest.fixture
def dispatcher() -> Iterator[Dispatcher]:
    dp = Dispatcher()
    observe(dp, "traders")
    dp.include_router(router)
    try:
        yield dp
    finally:
        detach_routers(dp)  # the module's router is included again by the next test


def press(update_id: int, data: str) -> Update:
    user = User(id=10_000_001, is_bot=False, first_name="Alice")
    message = Message(message_id=1, date=datetime.now(UTC), chat=Chat(id=user.id, type="private"), text="card")
    return Update(update_id=update_id, callback_query=CallbackQuery(id="q1", from_user=user, chat_instance="c",
                                                                      message=message, data=data))  # fmt: skip


def write(update_id: int, text: str) -> Update:
    user = User(id=10_000_001, is_bot=False, first_name="Alice")
    return Update(update_id=update_id, message=Message(message_id=2, date=datetime.now(UTC), from_user=user,
                                                       chat=Chat(id=user.id, type="private"), text=text))  # fmt: skip


def lines(out: io.StringIO) -> list[dict[str, object]]:
    return [json.loads(line) for line in out.getvalue().splitlines()]


def sample(name: str, **labels: str) -> float:
    from prometheus_client import REGISTRY

    return REGISTRY.get_sample_value(name, labels) or 0.0


async def test_lines_of_an_update_carry_its_ids_and_it_is_counted(dispatcher: Dispatcher, json_lines: io.StringIO) -> None:
    bot = Bot("123456:test-token-not-used")
    handler = f"{__name__}.trade_button"
    ok_before = sample("koxx_updates_total", handler=handler, outcome="ok")
    refused_before = sample("koxx_updates_total", handler=handler, outcome="domain_error")
    timed_before = sample("koxx_update_seconds_count")
    with structlog.contextvars.bound_contextvars(request_id="nginx-req-0001"):  # as the web request binds it
        await dispatcher.feed_update(bot, press(501, TradeCb(action="paid", trade_id=77).pack()))
    with pytest.raises(DomainError):
        await dispatcher.feed_update(bot, press(502, TradeCb(action="cancel", trade_id=78).pack()))
    log.info("after the updates")

    first, second, after = lines(json_lines)
    assert first["event"] == "trade button paid" and first["level"] == "info" and first["logger"] == "koxx.test_logs"
    assert (first["update_id"], first["trade_id"], first["request_id"], first["bot"]) == (501, 77, "nginx-req-0001", "traders")
    assert (second["update_id"], second["trade_id"]) == (502, 78)
    assert isinstance(second["request_id"], str) and len(second["request_id"]) == 16  # polling: a new id
    assert "update_id" not in after and "trade_id" not in after  # nothing leaks past its update
    assert sample("koxx_updates_total", handler=handler, outcome="ok") == ok_before + 1
    assert sample("koxx_updates_total", handler=handler, outcome="domain_error") == refused_before + 1
    assert sample("koxx_update_seconds_count") == timed_before + 2
    await bot.session.close()


async def test_phone_numbers_are_masked_on_every_line(dispatcher: Dispatcher, json_lines: io.StringIO) -> None:
    bot = Bot("123456:test-token-not-used")
    text = "+964 770 123 4567, 07701234567 or 009647701234567; user 7000000001, tx ab07701234567cd, 1500000 micro"
    await dispatcher.feed_update(bot, write(503, text))
    try:
        raise ValueError("refused for +9647801234567")
    except ValueError:
        log.exception("failed")
    paid, failed = lines(json_lines)
    assert paid["event"] == "paid to [phone], [phone] or [phone]; user 7000000001, tx ab07701234567cd, 1500000 micro"
    assert "7801234567" not in str(failed["exception"]) and "[phone]" in str(failed["exception"])
    await bot.session.close()


def test_console_lines_are_readable_and_masked() -> None:
    handler, out = captured("console")
    logger = logging.getLogger("koxx.console")
    logger.addHandler(handler)
    logger.propagate = False  # the number is logged on purpose: not for the suite's guard
    try:
        with structlog.contextvars.bound_contextvars(update_id=9, trade_id=5):
            logger.warning("buyer wrote 07701234567")
    finally:
        logger.removeHandler(handler)
        logger.propagate = True
    line = out.getvalue()
    assert not line.startswith("{") and "buyer wrote [phone]" in line
    assert "warning" in line and "update_id=9" in line and "trade_id=5" in line


def test_error_lines_are_counted() -> None:
    counter = logs.CountErrors()
    logger = logging.getLogger("koxx.count")
    logger.addHandler(counter)
    before = sample("koxx_errors_total")
    try:
        logger.warning("not an error")
        logger.error("an error")
        logger.critical("another")
    finally:
        logger.removeHandler(counter)
    assert sample("koxx_errors_total") == before + 2


def test_the_guard_finds_fixture_phones_and_document_bytes() -> None:
    phones = secrets_guard.fixture_phones()
    assert "7701234567" in phones  # tests/escrow/test_payment_accounts.py writes it
    texts = [
        ("line 1", "paid to +964 770 123 4567"),
        ("line 2", "account 07701234567"),
        ("line 3", "user 7100000001 (a bot id) and tx ab07701234567cd"),
        ("line 4", "uploaded b'\\xff\\xd8\\xff identity card'"),
        ("line 5", "photo iVBORw0KGgoAAAANSUhEUg"),
        ("line 6", f"stored {b'secret scan of a passport'.hex()}"),
    ]
    assert secrets_guard.find_phones(texts, phones) == [
        "a test fixture's phone number in line 1", "a test fixture's phone number in line 2"]  # fmt: skip
    documents = {"passport": b"secret scan of a passport"}
    assert [hit.rpartition(" in ")[2] for hit in secrets_guard.find_documents(texts, documents)] == [
        "line 4", "line 5", "line 6"]  # fmt: skip
    assert secrets_guard.find_phones([("ok", "[phone]")], phones) == []
