"""Staff-facing texts for refusals; forms (a reason, a message) end when a command is typed.

The admin bot answers a DomainError on the same error path as the traders' bot (botkit.errors,
after the update's transaction rolled back), in staff sentences ("Only admins can do this")
while the traders' bot keeps its own texts for the same codes; codes not listed here fall back
to botkit.errors.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from aiogram import BaseMiddleware, F, Router
from aiogram.fsm.context import FSMContext
from aiogram.types import Message, TelegramObject
from aiogram.utils.i18n import gettext as _

from admin_bot.access import Requires
from botkit import fmt
from botkit.errors import error_text
from botkit.i18n import lang
from core.admin.staff import Permission
from core.errors import DomainError

Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]

TEXTS: dict[str, Callable[[Mapping[str, Any]], str]] = {
    "forbidden": lambda p: _("Only admins can do this."),
    "reason_required": lambda p: _("Please write a reason."),
    "reason_too_long": lambda p: _("The reason is too long (at most {max}).").format(
        max=fmt.characters(int(p.get("max", 0)), lang())
    ),
    "dispute_owned": lambda p: _("{who} is already handling this dispute.").format(
        who=fmt.isolate(str(p.get("owner_id")))
    ),
    "dispute_not_yours": lambda p: _("Take the dispute first."),
    "dispute_resolved": lambda p: _("This dispute was already resolved."),
    "dispute_not_found": lambda p: _("That dispute does not exist."),
    "party_cannot_moderate": lambda p: _("You are a party of this trade; another staff member must handle it."),
    "trade_state": lambda p: _("The trade is no longer in dispute."),
    "invalid_state": lambda p: _("This has already been handled."),
    "user_not_found": lambda p: _("No user found. Send @username or the numeric id."),
    "staff_self": lambda p: _("You cannot do this to yourself."),
    "already_staff": lambda p: _("This user is already staff."),
    "not_moderator": lambda p: _("This user is not a moderator."),
    "already_frozen": lambda p: _("This account is already frozen."),
    "not_frozen": lambda p: _("This account is not frozen."),
    "user_frozen": lambda p: _("The user's account is frozen: unfreeze it first, or reject."),
    "adjust_invalid": lambda p: _("The amount must not be zero."),
    "adjust_own_request": lambda p: _("You asked for this adjustment; another admin must approve it."),
    "adjustment_not_found": lambda p: _("That adjustment does not exist."),
    "appeal_own_request": lambda p: _("You asked for this hold; another admin must approve it."),
    "appeal_not_found": lambda p: _("That appeal does not exist."),
    "appeal_hold_invalid": lambda p: _("A hold can be at most the trade's amount, {most}.").format(
        most=fmt.crypto(int(p["most"]), str(p["asset"]), lang())),
    "setting_unknown": lambda p: _("Unknown setting {name}.").format(name=fmt.escape(str(p.get("name")))),
    "setting_invalid": lambda p: _("{value} is not a valid value for {name}.").format(
        value=fmt.escape(str(p.get("value"))), name=fmt.escape(str(p.get("name")))
    ),
    "month_invalid": lambda p: _("Write the month as YYYY-MM, e.g. /revenue 2026-11."),
    "rate_invalid": lambda p: _("The rate must be a positive number."),
    "fiat_precision": lambda p: _("{fiat} takes at most {decimals}.").format(
        fiat=p.get("fiat"), decimals=fmt.decimals(int(p.get("decimals", 0)), lang())
    ),
    "insufficient_funds": lambda p: _("The user's available balance is not enough for this."),
    "message_empty": lambda p: _("The message is empty."),
    "message_too_long": lambda p: _("The message is too long."),
    # refills from cold storage (core.wallet.cold): nothing was broadcast
    "cold_refill_not_needed": lambda p: _("The hot wallet has what it needs: no refill is due."),
    "cold_refill_under_way": lambda p: _("A refill of this asset is already signed and on its way."),
    "cold_refill_unbuildable": lambda p: _("The node could not build the refill (is the cold wallet funded?): {reason}").format(
        reason=fmt.escape(str(p.get("reason")))),
    "cold_refill_not_waiting": lambda p: _("This refill is no longer waiting for a signature: prepare it again with /cold."),
    "cold_tx_unreadable": lambda p: _("This is not a signed TRON transfer. Send the signed transaction's JSON, "
                                      "as text or as a .json file."),
    "cold_tx_asset": lambda p: _("Refused: this transaction moves {got}, the refill is in {expected}. "
                                 "Nothing was broadcast.").format(got=fmt.escape(str(p.get("got"))),
                                                                  expected=fmt.escape(str(p.get("expected")))),
    "cold_tx_sender": lambda p: _("Refused: this transaction is not sent from the cold wallet {expected}. "
                                  "Nothing was broadcast.").format(expected=fmt.address(str(p.get("expected")))),
    "cold_tx_destination": lambda p: _("Refused: this transaction pays {got}, not the hot wallet {expected}. "
                                       "Nothing was broadcast.").format(got=fmt.address(str(p.get("got"))),
                                                                        expected=fmt.address(str(p.get("expected")))),
    "cold_tx_amount": lambda p: _("Refused: this transaction moves {got}, the refill is {expected}. "
                                  "Nothing was broadcast.").format(
        got=fmt.crypto(int(p.get("got") or 0), str(p.get("asset")), lang()),
        expected=fmt.crypto(int(p.get("expected") or 0), str(p.get("asset")), lang())),
    "cold_tx_not_prepared": lambda p: _("Refused: this is not the refill transaction the bot prepared. Sign the "
                                        "document from /cold as it is. Nothing was broadcast."),
    "cold_tx_expired": lambda p: _("Refused: this refill transaction has expired. Prepare a new one with /cold. "
                                   "Nothing was broadcast."),
    "cold_tx_unsigned": lambda p: _("Refused: the transaction carries no signature. Sign it with the cold "
                                    "wallet's key first. Nothing was broadcast."),
    "cold_tx_signer": lambda p: _("Refused: the signature is not the cold wallet's key. Nothing was broadcast."),
    # proof of reserves (core.reserves)
    "reserves_no_snapshot": lambda p: _("There is no published snapshot #{id}.").format(id=p.get("id")),
    "reserves_no_cold": lambda p: _("Snapshot #{id} counted no cold wallet (COLD_WALLET_ADDRESS was not set).").format(
        id=p.get("id")),
    "reserves_bad_signature": lambda p: _("Refused: this is not the cold wallet {address}'s signature of the "
                                          "snapshot's message. Nothing was stored.").format(
        address=fmt.address(str(p.get("address")))),
    "reserves_no_secret": lambda p: _("RESERVES_SECRET is not set: no proof of reserves can be published."),
    "chain_moving": lambda p: _("The chain kept moving while the balances were read; try again."),
    "cold_tx_rejected": lambda p: _("The TRON node refused the refill: {reason}").format(
        reason=fmt.escape(str(p.get("reason")))),
}


def staff_error_text(error: DomainError) -> str:
    if error.code == "forbidden" and error.params.get("reason") == "own_withdrawal":
        return _("You cannot approve your own withdrawal.")
    render = TEXTS.get(error.code)
    return render(error.params) if render is not None else error_text(error)


class CommandsEndForms(BaseMiddleware):
    """A command typed while the bot waits for a reason (or a message) abandons that form, so
    the next plain text is not taken as the reason for a rejection the staff member forgot."""

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        state: FSMContext | None = data.get("state")
        if isinstance(event, Message) and (event.text or "").startswith("/") and state is not None:
            if await state.get_state() is not None:
                await state.clear()
        return await handler(event, data)


# What a staff member types as a reason or a message: text that is not a command.
TYPED = F.text & ~F.text.startswith("/")


def guarded(router: Router, permission: Permission) -> Router:
    """A staff router: its handlers need ``permission`` (unless a handler says otherwise with
    ``flags=needs(...)``), and a command typed ends the form under way."""
    router.message.outer_middleware(CommandsEndForms())
    router.message.middleware(Requires(permission))
    router.callback_query.middleware(Requires(permission))
    return router
