"""How the wallet reads: balances, the deposit instructions, the withdrawal confirmation and the
history lines, in the language being rendered (``lang()``)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from aiogram.utils.i18n import gettext as _

from bot.views.accounts import history_line
from botkit import fmt
from botkit.errors import register_error_texts
from botkit.i18n import lang
from core.escrow.holds import Held
from core.ledger import StatementLine, UserBalances
from core.money import Asset
from core.wallet import Quote, WalletConfig

BLOCK_SECONDS = 3  # TRON makes a block every 3 seconds


def amount(micro: int, asset: Asset | str) -> str:
    return fmt.crypto(micro, asset, lang())


def signed(micro: int, asset: Asset | str) -> str:
    """+12.5 USDT / −3 TRX (the sign first, also in Arabic)."""
    sign = "+" if micro >= 0 else "−"
    return f"{sign}{amount(abs(micro), asset)}"


def balances(per_asset: Mapping[Asset, UserBalances], held: Mapping[Asset, Held] | None = None) -> str:
    lines = [_("<b>💼 Your wallet</b>")]
    for asset in Asset:
        b = per_asset[asset]
        lines += [
            "",
            f"<b>{asset.value}</b>",
            _("Available: {amount}").format(amount=amount(b.available, asset)),
        ]
        on_hold = held.get(asset) if held else None
        if on_hold and on_hold.amount and on_hold.until:
            lines.append(
                _("⏳ Of it on hold until {time}: {amount} (bought in a trade: you can sell it, not withdraw "
                  "or send it yet)").format(time=fmt.datetime(on_hold.until, lang()),
                                            amount=amount(on_hold.amount, asset))
            )  # fmt: skip
        lines += [
            _("In offers: {amount}").format(amount=amount(b.in_offers, asset)),
            _("In escrow: {amount}").format(amount=amount(b.in_escrow, asset)),
            _("In withdrawals: {amount}").format(amount=amount(b.in_withdrawals, asset)),
        ]
    lines += ["", _("Deposit to trade, withdraw to your own TRON wallet, or look at the history.")]
    return "\n".join(lines)


def _about(seconds: int) -> str:
    return fmt.duration(max(1, round(seconds / 60)), lang())


def deposit(address: str, asset: Asset, config: WalletConfig) -> str:
    """The caption under the QR code (a photo caption holds 1,024 characters)."""
    lg = lang()
    if asset == Asset.USDT:
        title = _("<b>Deposit USDT (TRC20)</b>")
        warning = _(
            "⚠️ Send only USDT on the TRON network (TRC20). USDT on other networks (ERC20, BEP20) "
            "and other tokens sent here are lost."
        )
        contract = _("USDT contract: {contract}").format(contract=fmt.address(config.usdt_contract))
    else:
        title = _("<b>Deposit TRX</b>")
        warning = _("⚠️ Send only TRX on the TRON network. Other coins sent here are lost.")
        contract = ""
    lines = [
        title,
        "",
        _("Your deposit address:"),
        fmt.address(address),
        "",
        warning,
    ]
    if contract:
        lines.append(contract)
    lines += [
        _("Minimum deposit: {amount}. Smaller deposits are not credited.").format(
            amount=amount(config.min_deposit[asset], asset)
        ),
        _("Credited after {confirmations} (about {time}). We will tell you when it arrives.").format(
            confirmations=fmt.confirmations(config.confirmations, lg), time=_about(config.confirmations * BLOCK_SECONDS)
        ),
    ]
    return "\n".join(lines)


def withdraw_address_prompt(asset: Asset, available: int, config: WalletConfig) -> str:
    return "\n".join(
        [
            _("<b>Withdraw {asset}</b>").format(asset=fmt.code(asset.value, lang())),
            "",
            _("Available: {amount}").format(amount=amount(available, asset)),
            _("Network fee: {fee}. Minimum withdrawal: {minimum}.").format(
                fee=amount(config.withdrawal_fee[asset], asset),
                minimum=amount(config.min_withdrawal[asset], asset),
            ),
            "",
            _(
                "Send the TRON address to withdraw to: 34 characters starting with T. Copy it from your "
                "wallet's «Receive» screen rather than typing it."
            ),
        ]
    )


def withdraw_amount_prompt(q: Quote, available: int) -> str:
    """Asked after the address was accepted (``q`` is the quote for the smallest amount)."""
    asset = q.asset
    most = max(min(available - q.fee, q.daily_left), 0)
    return "\n".join(
        [
            _("To: {address}").format(address=fmt.address(q.to_address)),
            "",
            _("How much {asset} should arrive? You can withdraw up to {most} (the network fee of {fee} "
              "comes on top).").format(asset=fmt.code(asset.value, lang()), most=amount(most, asset), fee=amount(q.fee, asset)),
            _("Your daily withdrawal limit: {left} left of {limit}. See /limits.").format(
                left=amount(q.daily_left, asset), limit=amount(q.daily_limit, asset)),
        ]
    )  # fmt: skip


def quote(q: Quote) -> str:
    lines = [
        _("<b>Please check your withdrawal</b>"),
        "",
        _("To: {address}").format(address=fmt.address(q.to_address)),
        _("Network: TRON (TRC20)") if q.asset == Asset.USDT else _("Network: TRON"),
        _("Arrives: {amount}").format(amount=amount(q.amount, q.asset)),
        _("Network fee: {fee}").format(fee=amount(q.fee, q.asset)),
        _("Taken from your balance: {total}").format(total=amount(q.total, q.asset)),
        _("Left of your daily limit after this: {left}").format(
            left=amount(q.daily_left - q.amount, q.asset)
        ),
        "",
    ]
    if q.approvals_needed:
        lines.append(
            _("👮 A withdrawal of this size is checked by an admin before it is sent. "
              "The amount stays reserved meanwhile.")
        )  # fmt: skip
    else:
        lines.append(_("It is sent within a few minutes of your confirmation."))
    lines.append(_("⚠️ Check the address: a withdrawal on the blockchain cannot be undone."))
    return "\n".join(lines)


def requested(withdrawal_id: int, asset: str, amount_micro: int, address: str, approvals: int) -> str:
    head = _("✅ Withdrawal #{id} requested: {amount} to {address}.").format(
        id=withdrawal_id, amount=amount(amount_micro, asset), address=fmt.address(address)
    )
    if approvals:
        tail = _("⏳ It is waiting for an admin's approval. We will tell you when it is sent.")
    else:
        tail = _("It will be sent in a few minutes. We will tell you when it is on the blockchain.")
    return f"{head}\n\n{tail}"


# --- saved addresses (whitelist) ---------------------------------------------------------------


def whitelist(only: bool, off_at: datetime | None, entries: list[tuple[str, datetime]], now: datetime,
              cooling: timedelta, recipients: Sequence[tuple[str, datetime]] = ()) -> str:  # fmt: skip
    """The saved addresses and recipients (display name) with when each becomes usable, and
    whether withdrawals and internal transfers may go elsewhere."""
    lg = lang()
    wait = fmt.duration(int(cooling.total_seconds() // 60), lg)
    lines = [_("<b>🔐 Saved addresses</b>"), ""]
    if only:
        lines.append(_("Withdrawals go only to the saved addresses below, and internal transfers only to the saved "
                       "recipients."))  # fmt: skip
    elif off_at is not None and off_at > now:
        lines.append(_("Withdrawals go only to the saved addresses and internal transfers only to the saved recipients "
                       "until {time}; after that to any address.").format(time=fmt.datetime(off_at, lg)))  # fmt: skip
    else:
        lines.append(_("Withdrawals may go to any address. Switch on «saved addresses only» so that somebody who "
                       "gets into your Telegram can neither withdraw to an address of their own nor transfer to an "
                       "account of their own."))  # fmt: skip
    lines.append("")
    if not entries and not recipients:
        lines.append(_("No saved addresses yet."))

    def state(usable_after: datetime) -> str:
        return (_("ready") if usable_after <= now
                else _("usable from {time}").format(time=fmt.datetime(usable_after, lg)))  # fmt: skip

    for address, usable_after in entries:
        lines.append(f"{fmt.address(address)} · {state(usable_after)}")
    for name, usable_after in recipients:
        lines.append(f"👤 {fmt.isolate(fmt.escape(name))} · {state(usable_after)}")
    lines += ["", _("A new address can be used {wait} after you save it, and switching this protection off also "
                    "takes {wait}: time to react if someone else is using your account.").format(wait=wait),
              _("To save a user you send internal transfers to, press «Add an address» and send their @username "
                "or Telegram ID.")]  # fmt: skip
    return "\n".join(lines)


def whitelist_added(address: str, usable_after: datetime) -> str:
    return _("Saved {address}. You can withdraw to it from {time}.").format(
        address=fmt.address(address), time=fmt.datetime(usable_after, lang())
    )


def recipient_added(name: str, usable_after: datetime) -> str:
    return _("Saved {name}. You can send internal transfers to them from {time}.").format(
        name=fmt.isolate(fmt.escape(name)), time=fmt.datetime(usable_after, lang())
    )


# --- history --------------------------------------------------------------------------------------


def _ref_id(ref: str | None, prefix: str) -> str | None:
    if ref and ref.startswith(prefix + ":"):
        return ref.split(":", 1)[1]
    return None


def _kind(line: StatementLine) -> str:
    """What the entry was, in words."""
    described = history_line(line)
    if described is not None:
        return described
    trade = _ref_id(line.ref, "trade")
    withdrawal = _ref_id(line.ref, "withdrawal")
    offer = _ref_id(line.ref, "offer")
    labels = {
        "deposit": lambda: _("Deposit"),
        "withdrawal_hold": lambda: _("Withdrawal #{id}").format(id=withdrawal or "?"),
        "withdrawal_failed": lambda: _("Withdrawal #{id} failed: returned").format(id=withdrawal or "?"),
        "withdrawal_rejected": lambda: _("Withdrawal #{id} rejected: returned").format(id=withdrawal or "?"),
        "trade_lock": lambda: _("Trade #{id}: into escrow").format(id=trade or "?"),
        "trade_release": lambda: _("Trade #{id}: received (after the trading fee)").format(id=trade or "?"),
        "trade_refund": lambda: _("Trade #{id}: back from escrow").format(id=trade or "?"),
        "offer_fund": lambda: _("Offer #{id}: reserved for the offer").format(id=offer or "?"),
        "offer_unfund": lambda: _("Offer #{id}: released from the offer").format(id=offer or "?"),
        "adjustment": lambda: _("Correction by support"),
    }
    label = labels.get(line.kind)
    return label() if label else fmt.escape(line.kind)


def history_line_text(line: StatementLine) -> str:
    """One line: the date, then what happened and the signed amount, e.g.
    "25 Nov 2026, 11:30" / "Deposit · +100 USDT" (transfers and the like also name the amount
    in their own sentence; the signed amount always comes last)."""
    when = fmt.datetime(line.created_at, lang())
    return f"{when}\n{_kind(line)} · <b>{signed(line.amount, line.asset)}</b>"


def history(lines: list[StatementLine], page: int) -> str:
    head = _("<b>📜 Wallet history</b> (page {page})").format(page=fmt.number(page + 1, lang()))
    if not lines:
        body = _("Nothing here yet. Deposits, withdrawals, trades and transfers will be listed here.")
        return f"{head}\n\n{body}"
    return head + "\n\n" + "\n\n".join(history_line_text(line) for line in lines)


def _funds_on_hold(p: Mapping[str, Any]) -> str:
    asset = str(p.get("asset", "USDT"))
    return _(
        "{held} of your balance is on hold until {time}: coins bought in a trade by a new or unverified "
        "account can be sold in an offer right away, but withdrawn or sent only after the hold. "
        "You can take out up to {spendable} now (the network fee included)."
    ).format(
        held=amount(int(p["held"]), asset),
        time=fmt.datetime(datetime.fromisoformat(str(p["until"])), lang()),
        spendable=amount(int(p["spendable"]), asset),
    )


def _funds_on_appeal_hold(p: Mapping[str, Any]) -> str:
    asset = str(p.get("asset", "USDT"))
    return _("{held} of your balance is on hold while moderators decide an appeal on one of your trades. You can "
             "take out up to {spendable} now (the network fee included).").format(
        held=amount(int(p["held"]), asset), spendable=amount(int(p["spendable"]), asset))


register_error_texts({"funds_on_hold": _funds_on_hold, "funds_on_appeal_hold": _funds_on_appeal_hold})
