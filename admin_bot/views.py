"""Staff screens: a domain fact sheet (core.admin.cases) -> text in the staff member's language.
Everything a user typed goes through fmt.escape; amounts through botkit.fmt."""

from __future__ import annotations

from datetime import UTC, datetime

from aiogram.utils.i18n import gettext as _

from botkit import fmt
from botkit.report_texts import period_label
from core.accounts.models import PaymentAccount
from core.admin.cases import DisputeCase, PartyFacts, UserCard, WithdrawalCase
from core.admin.models import StaffAction
from core.admin.reports import Reconciliation, Stats, Volume
from core.escrow.dispute_deadlines import proposed_outcome
from core.escrow.models import Dispute, Trade, TradeEvent
from core.events import Adjustment
from core.ledger import UserBalances
from core.money import Asset
from core.reports import market
from core.reports.periods import Period
from core.reports.revenue import Revenue
from core.reserves.holdings import message
from core.reserves.snapshot import Overview
from core.users import User
from core.wallet.models import ColdTransfer
from core.wallet.report import AssetReport

TRANSCRIPT_CHUNK = 3500  # characters per message (Telegram allows 4096)
STATEMENT_SHOWN = 600  # per statement on the case screen; the chat transcript has everything


def _clip(text: str, limit: int = STATEMENT_SHOWN) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def method_name(code: str | None) -> str:
    names = {
        "zaincash": _("ZainCash"),
        "fastpay": _("FastPay"),
        "qicard": _("Qi Card"),
        "superqi": _("SuperQi"),
        "asiahawala": _("AsiaHawala"),
        "bank": _("Bank transfer"),
        "cash": _("Cash in person"),
    }
    return names.get(code or "", code or "-")


def event_name(kind: str) -> str:
    names = {
        "opened": _("trade opened"),
        "paid": _("buyer marked paid"),
        "released": _("coins released"),
        "cancelled": _("cancelled, coins back to the seller"),
        "disputed": _("dispute opened"),
        "dispute_claimed": _("dispute taken"),
        "dispute_resolved": _("dispute resolved"),
        "reminded": _("buyer reminded"),
    }
    return names.get(kind, kind)


def withdrawal_status(status: str) -> str:
    names = {
        "awaiting_approval": _("waiting for approval"),
        "approved": _("approved, queued for sending"),
        "signed": _("being sent"),
        "broadcast": _("being sent"),
        "sent": _("sent"),
        "failed": _("failed, amount returned"),
        "rejected": _("rejected"),
    }
    return names.get(status, status)


def trade_status(status: str) -> str:
    names = {
        "awaiting_payment": _("waiting for payment"),
        "paid": _("paid"),
        "completed": _("completed"),
        "cancelled": _("cancelled"),
        "disputed": _("in dispute"),
    }
    return names.get(status, status)


def age(since: datetime, lang: str, now: datetime | None = None) -> str:
    minutes = int(((now or datetime.now(UTC)) - since).total_seconds() // 60)
    return fmt.duration(max(minutes, 0), lang)


def who(user: User | None, user_id: int | None = None) -> str:
    if user is None:
        return fmt.isolate(str(user_id)) if user_id is not None else _("the system")
    return fmt.isolate(fmt.escape(f"{user.public_name} ({user.id})"))


def account_line(account: PaymentAccount | None) -> str:
    """A payment account as staff read it: method, number, holder (and city for cash)."""
    if account is None:
        return "-"
    parts = [method_name(account.method), account.number, account.holder_name, account.city or ""]
    return fmt.isolate(fmt.escape(" · ".join(p for p in parts if p)))


def payer_check_lines(trade: Trade, paid_to: PaymentAccount | None, paid_from: PaymentAccount | None,
                      verified_name: str | None) -> list[str]:  # fmt: skip
    """Where the buyer was told to pay and what they paid from; the flag when the payer's
    account is not in the buyer's verified name."""
    lines = [_("Paid to (seller): {account}").format(account=account_line(paid_to)),
             _("Paid from (buyer): {account}").format(account=account_line(paid_from))]
    if trade.payer_flagged:
        lines.append(_("🚩 The buyer paid from an account in another name (verified name: {name}).").format(
            name=fmt.isolate(fmt.escape(verified_name or "-"))))
    return lines


def outcome_name(outcome: str) -> str:
    return _("released to the buyer") if outcome == "release" else _("refunded to the seller")


# --- disputes ------------------------------------------------------------------------------------


def queue_label(dispute: Dispute, trade: Trade, lang: str) -> str:
    return f"#{dispute.id} · {fmt.crypto(trade.crypto_amount, trade.asset, lang)} · {age(dispute.opened_at, lang)}"


def party_block(title: str, party: PartyFacts, lang: str) -> str:
    s = party.stats
    rate = fmt.percent(s.completion_rate_30d, lang) if s.completion_rate_30d is not None else "-"
    lines = [
        f"<b>{title}</b>: {who(party.user)}",
        _("Completed trades: {n} · completion rate (30 days): {rate}").format(
            n=fmt.number(s.completed_trades, lang), rate=rate
        ),
        _("Feedback: 👍 {pos} 👎 {neg} · disputes: {disputes} · account age: {days} · KYC level {kyc}").format(
            pos=fmt.number(s.positive, lang), neg=fmt.number(s.negative, lang),
            disputes=fmt.number(party.disputes, lang), days=fmt.days(s.account_age_days, lang),
            kyc=fmt.number(party.user.kyc_level, lang),
        ),
    ]
    if party.user.is_banned:
        lines.append(_("⚠️ Frozen account"))
    for st in party.statement:
        lines.append(_("Statement: {text}").format(text=fmt.escape(_clip(st.text or _("(photo)")))))
    if not party.statement:
        lines.append(_("Statement: not written yet"))
    return "\n".join(lines)


def dispute_case(case: DisputeCase, lang: str, viewer_id: int) -> str:
    d, t = case.dispute, case.trade
    names = {case.seller.user.id: case.seller.user, case.buyer.user.id: case.buyer.user}
    lines = [
        _("<b>Dispute #{id}</b> · trade #{trade}").format(id=d.id, trade=t.id),
        _("Amount: {crypto} for {fiat}").format(
            crypto=fmt.crypto(t.crypto_amount, t.asset, lang), fiat=fmt.fiat(t.fiat_amount, t.fiat, lang)
        ),
        _("Price: {price} · method: {method}").format(
            price=fmt.price(t.price, t.fiat, t.asset, lang), method=method_name(t.payment_method)
        ),
        _("In escrow: {escrow} · buyer would receive {receive}").format(
            escrow=fmt.crypto(t.escrow_amount, t.asset, lang), receive=fmt.crypto(t.buyer_receives, t.asset, lang)
        ),
        _("Opened by {who}: {reason}").format(
            who=who(names.get(d.opened_by or 0), d.opened_by), reason=fmt.escape(_clip(d.reason))
        ),
    ]
    lines += deadline_lines(d, lang)
    if d.resolution is not None:
        lines.append(_("Resolved: {outcome} by {who}. Reason: {reason}").format(
            outcome=outcome_name(d.resolution), who=fmt.isolate(str(d.resolved_by)),
            reason=fmt.escape(d.resolution_reason or ""),
        ))  # fmt: skip
    elif d.owner_id == viewer_id:
        lines.append(_("You are handling this dispute."))
    elif d.owner_id is not None:
        lines.append(_("Handled by {who}.").format(who=fmt.isolate(str(d.owner_id))))
    else:
        lines.append(_("Nobody is handling this dispute yet."))
    lines += payer_check_lines(t, case.paid_to, case.paid_from, case.buyer.user.verified_name)
    lines += ["", party_block(_("Seller"), case.seller, lang), "", party_block(_("Buyer"), case.buyer, lang)]
    lines += ["", _("<b>Timeline</b>")]
    lines += [timeline_line(e, lang, names) for e in case.events]
    return "\n".join(lines)


def deadline_lines(d: Dispute, lang: str) -> list[str]:
    """Each party's deadline to state their side and, once passed, who did not answer and the
    outcome the rules propose."""
    if d.buyer_due_at is None or d.seller_due_at is None:
        return []  # opened before deadlines existed
    lines = [_("Deadlines: seller {seller} · buyer {buyer}").format(
        seller=fmt.datetime(d.seller_due_at, lang), buyer=fmt.datetime(d.buyer_due_at, lang))]
    if d.silent is not None and d.resolution is None:
        silent = {"buyer": _("The buyer did not answer"), "seller": _("The seller did not answer"),
                  "both": _("Neither party answered")}[d.silent]  # fmt: skip
        lines.append("⚠️ " + silent + ".")
        proposed = proposed_outcome(d)
        if proposed is not None:
            lines.append(_("Proposed outcome: {outcome}.").format(outcome=outcome_name(proposed)))
    return lines


def timeline_line(event: TradeEvent, lang: str, names: dict[int, User] | None = None) -> str:
    """One event of the timeline; its actor by nickname when ``names`` knows them."""
    known = (names or {}).get(event.actor_id or 0)
    actor = who(known) if known else fmt.isolate(str(event.actor_id)) if event.actor_id else _("the system")
    return f"{fmt.datetime(event.created_at, lang)} · {event_name(event.kind)} · {actor}"


def transcript(case: DisputeCase, lang: str) -> list[str]:
    """The relayed chat, oldest first, in messages short enough for Telegram."""
    roles = {case.trade.seller_id: _("Seller"), case.trade.buyer_id: _("Buyer")}
    lines = [_("<b>Chat of trade #{trade}</b>").format(trade=case.trade.id)]
    if not case.chat:
        lines.append(_("(no messages)"))
    photo = 0
    for m in case.chat:
        role = roles.get(m.sender_id, _("Staff"))
        if m.file_id:
            photo += 1
            body = _("[photo {n}]").format(n=photo) + (f" {fmt.escape(m.text)}" if m.text else "")
            if m.reused:
                body += " " + _("⚠️ this file was sent in another trade too")
        else:
            body = fmt.escape(_clip(m.text or "", TRANSCRIPT_CHUNK - 200))
        lines.append(f"{fmt.datetime(m.created_at, lang)} · <b>{role}</b>: {body}")
    chunks: list[str] = []
    current = ""
    for line in lines:
        if current and len(current) + len(line) + 1 > TRANSCRIPT_CHUNK:
            chunks.append(current)
            current = ""
        current = f"{current}\n{line}" if current else line[:TRANSCRIPT_CHUNK]
    chunks.append(current)
    return chunks


def evidence_photos(case: DisputeCase) -> list[tuple[str, str]]:
    """(file_id, caption) of every photo in the case: chat photos, the receipt, statement files."""
    seen: set[str] = set()
    out: list[tuple[str, str]] = []
    n = 0
    for m in case.chat:
        if m.file_id and m.file_id not in seen:
            n += 1
            seen.add(m.file_id)
            out.append((m.file_id, _("Trade #{trade}: photo {n}").format(trade=case.trade.id, n=n)))
    if case.trade.receipt_file_id and case.trade.receipt_file_id not in seen:
        seen.add(case.trade.receipt_file_id)
        out.append((case.trade.receipt_file_id, _("Trade #{trade}: receipt").format(trade=case.trade.id)))
    for party, role in ((case.seller, _("Seller")), (case.buyer, _("Buyer"))):
        for st in party.statement:
            if st.file_id and st.file_id not in seen:
                seen.add(st.file_id)
                out.append((st.file_id, _("{role}'s statement").format(role=role)))
    return out


def confirm_resolution(case: DisputeCase, outcome: str, reason: str, lang: str) -> str:
    t = case.trade
    if outcome == "release":
        head = _("Release {amount} to the buyer {buyer}?").format(
            amount=fmt.crypto(t.buyer_receives, t.asset, lang), buyer=who(case.buyer.user)
        )
    else:
        head = _("Refund {amount} to the seller {seller}?").format(
            amount=fmt.crypto(t.escrow_amount, t.asset, lang), seller=who(case.seller.user)
        )
    return "\n".join(
        [head, _("Reason: {reason}").format(reason=fmt.escape(reason)), _("This cannot be undone.")]
    )


# --- withdrawals ---------------------------------------------------------------------------------


def withdrawal_label(w_id: int, amount: int, asset: str, lang: str) -> str:
    return f"#{w_id} · {fmt.crypto(amount, asset, lang)}"


def balances_lines(balances: dict[Asset, UserBalances], lang: str) -> list[str]:
    lines = []
    for asset, b in balances.items():
        lines.append(
            _("{asset}: available {available} · in offers {offers} · in escrow {escrow} · in withdrawals {wd}").format(
                asset=asset.value,
                available=fmt.crypto(b.available, asset, lang),
                offers=fmt.crypto(b.in_offers, asset, lang),
                escrow=fmt.crypto(b.in_escrow, asset, lang),
                wd=fmt.crypto(b.in_withdrawals, asset, lang),
            )
        )
    return lines or [_("No balances.")]


def withdrawal_case(case: WithdrawalCase, lang: str) -> str:
    w = case.withdrawal
    if case.address_uses_by_user:
        used = _("used by this user before ({times})").format(times=fmt.times(case.address_uses_by_user, lang))
    elif case.address_uses:
        used = _("⚠️ new for this user, used by others before ({times})").format(
            times=fmt.times(case.address_uses, lang)
        )
    else:
        used = _("⚠️ never used before")
    lines = [
        _("<b>Withdrawal #{id}</b> · {status}").format(id=w.id, status=withdrawal_status(w.status)),
        _("User: {who} · KYC level {kyc}").format(who=who(case.user), kyc=fmt.number(case.user.kyc_level, lang)),
        _("Amount: {amount} (network fee {fee})").format(
            amount=fmt.crypto(w.amount, w.asset, lang), fee=fmt.crypto(w.fee, w.asset, lang)
        ),
        _("To: {address}").format(address=fmt.address(w.to_address)),
        _("Address: {used}").format(used=used),
        _("Approvals: {have} of {need}").format(
            have=fmt.number(len(case.approvers), lang), need=fmt.number(w.approvals_needed, lang)
        ),
        _("Requested: {when}").format(when=fmt.datetime(w.created_at, lang)),
    ]
    if case.user.is_banned:
        lines.append(_("⚠️ Frozen account"))
    lines += ["", _("<b>Balances</b>"), *balances_lines(dict(case.balances), lang)]
    lines += ["", _("<b>Earlier withdrawals</b>")]
    if not case.history:
        lines.append(_("None."))
    for h in case.history:
        lines.append(f"#{h.id} · {fmt.crypto(h.amount, h.asset, lang)} · {withdrawal_status(h.status)} · {fmt.datetime(h.created_at, lang)}")
    return "\n".join(lines)


# --- users ---------------------------------------------------------------------------------------


def user_card(card: UserCard, lang: str) -> str:
    u, s = card.user, card.stats
    flags = []
    if u.is_banned:
        flags.append(_("frozen"))
    if u.bot_blocked:
        flags.append(_("blocked the bot"))
    if u.tier == "premium":
        flags.append(_("premium"))
    lines = [
        _("<b>User</b> {who}").format(who=who(u)),
        _("KYC level {kyc} · language {language} · joined {when}").format(
            kyc=fmt.number(u.kyc_level, lang), language=u.language or "-", when=fmt.datetime(u.created_at, lang)
        ),
        _("Flags: {flags}").format(flags=", ".join(flags) if flags else _("none")),
        _("Completed trades: {n} · disputes: {d} (open {o})").format(
            n=fmt.number(s.completed_trades, lang), d=fmt.number(card.disputes, lang),
            o=fmt.number(card.open_disputes, lang),
        ),
        "",
        _("<b>Balances</b>"),
        *balances_lines(dict(card.balances), lang),
        "",
        _("<b>Latest trades</b>"),
    ]
    if not card.trades:
        lines.append(_("None."))
    for t in card.trades:
        role = _("seller") if t.seller_id == u.id else _("buyer")
        lines.append(f"#{t.id} · {role} · {fmt.crypto(t.crypto_amount, t.asset, lang)} · {trade_status(t.status)}")
    return "\n".join(lines)


def audit_lines(rows: list[StaffAction], lang: str) -> str:
    if not rows:
        return _("No staff actions recorded.")
    out = []
    for r in rows:
        line = f"{fmt.datetime(r.created_at, lang)} · {fmt.isolate(str(r.actor_id))} · {r.action} · {r.target}"
        if r.reason:
            line += " · " + fmt.escape(r.reason)
        out.append(line)
    return "\n".join(out)


# --- reports -------------------------------------------------------------------------------------


def _volumes(volumes: list[Volume], lang: str) -> list[str]:
    if not volumes:
        return [_("No completed trades.")]
    return [
        _("{asset}/{fiat}: {trades} · {crypto} · {fiat_total}").format(
            asset=v.asset, fiat=v.fiat, trades=fmt.trades(v.trades, lang),
            crypto=fmt.crypto(v.crypto, v.asset, lang), fiat_total=fmt.fiat(v.fiat_total, v.fiat, lang),
        )
        for v in volumes
    ]


def stats(s: Stats, lang: str) -> str:
    return "\n".join(
        [
            _("<b>The market</b>"),
            _("Users: {n}").format(n=fmt.number(s.users, lang)),
            _("Active offers: {n}").format(n=fmt.number(s.active_offers, lang)),
            _("Open trades: {n}").format(n=fmt.number(s.open_trades, lang)),
            _("Open disputes: {n}").format(n=fmt.number(s.open_disputes, lang)),
            _("Withdrawals waiting for approval: {n}").format(n=fmt.number(s.pending_withdrawals, lang)),
            "",
            _("<b>Volume today</b>"),
            *_volumes(s.today, lang),
            "",
            _("<b>Volume, last 30 days</b>"),
            *_volumes(s.last_30_days, lang),
        ]
    )


def reconciliation(r: Reconciliation, lang: str) -> str:
    lines = [_("<b>Ledger audit</b>: {result}").format(result=_("OK") if r.ledger.ok else _("PROBLEMS FOUND"))]
    lines += [f"✅ {fmt.escape(c)}" for c in r.ledger.checks]
    lines += [f"❌ {fmt.escape(v)}" for v in r.ledger.violations]
    lines += ["", _("<b>Hot wallet</b>")]
    if r.wallet is None:
        lines.append(
            _("Not checked: {why}").format(why=fmt.escape(r.wallet_error or _("no node or hot wallet configured")))
        )
    else:
        lines += [hot_cold_line(a, lang) for a in r.wallet]
    return "\n".join(lines)


def hot_cold_line(a: AssetReport, lang: str) -> str:
    """One asset of the hot/cold report: where the coins are against what users own."""
    mark = "⚠️" if a.alert or a.holdings < a.liabilities else "✅"
    cold = fmt.crypto(a.cold, a.asset, lang) if a.cold is not None else _("not configured")
    return _(
        "{mark} <b>{asset}</b>: hot {hot} · cold {cold} · deposit addresses not swept {unswept}\n"
        "   owed to users {owed} · hot target {target} · withdrawals waiting {pending}"
    ).format(
        mark=mark, asset=a.asset.value, hot=fmt.crypto(a.hot, a.asset, lang), cold=cold,
        unswept=fmt.crypto(a.unswept, a.asset, lang), owed=fmt.crypto(a.liabilities, a.asset, lang),
        target=fmt.crypto(a.target, a.asset, lang), pending=fmt.crypto(a.pending_withdrawals, a.asset, lang),
    )  # fmt: skip


def cold_screen(lines: list[AssetReport], moving: list[ColdTransfer], lang: str) -> str:
    """/cold: the hot/cold report, what moves between the wallets now, and what needs a refill."""
    out = [_("<b>Hot and cold wallets</b>")]
    out += [hot_cold_line(a, lang) for a in lines]
    for a in lines:
        if a.refill > 0:
            out.append(_("🔻 The hot wallet is short of {asset}: a refill of {amount} brings it to its target.").format(
                asset=a.asset.value, amount=fmt.crypto(a.refill, a.asset, lang)))  # fmt: skip
    if moving:
        out += ["", _("<b>Moving now</b>")]
    for t in moving:
        out.append(cold_transfer_line(t, lang))
    return "\n".join(out)


def cold_transfer_line(t: ColdTransfer, lang: str) -> str:
    direction = _("to cold storage") if t.direction == "out" else _("refill from cold storage")
    states = {
        "requested": _("waiting for an admin"), "unsigned": _("waiting for the cold key's signature"),
        "signed": _("signed"), "broadcast": _("on its way"), "done": _("done"), "failed": _("failed"),
        "cancelled": _("cancelled"),
    }  # fmt: skip
    return _("#{id} {amount} {direction}: {state}").format(
        id=t.id, amount=fmt.crypto(t.amount, t.asset, lang), direction=direction, state=states.get(t.status, t.status)
    )


def refill_instructions(t: ColdTransfer, lang: str) -> str:
    """Under the unsigned refill: what to sign and how to hand it back."""
    expires = datetime.fromtimestamp((t.expires_at_ms or 0) / 1000, UTC)
    return _(
        "🧊 <b>Refill #{id}</b>: {amount} from cold storage to the hot wallet.\n"
        "From: {cold}\nTo: {hot}\n"
        "Sign the attached transaction offline with the cold wallet's key before {expires} UTC, then send "
        "the signed transaction back here: paste its JSON or send the .json file."
    ).format(
        id=t.id, amount=fmt.crypto(t.amount, t.asset, lang), cold=fmt.address(t.from_address),
        hot=fmt.address(t.to_address), expires=fmt.isolate(expires.strftime("%Y-%m-%d %H:%M")),
    )  # fmt: skip


def refill_broadcast(t: ColdTransfer, lang: str) -> str:
    return _(
        "✅ Refill #{id} is on its way: {amount} to the hot wallet.\nTransaction: {txid}\n"
        "It is done once final on chain; you will be told."
    ).format(id=t.id, amount=fmt.crypto(t.amount, t.asset, lang), txid=fmt.address(t.txid or ""))



def adjustment_text(a: Adjustment, lang: str) -> str:
    """A balance adjustment waiting for a second admin."""
    return _("🧾 Adjustment #{id} waits for a second admin: {sign}{amount} for user {user}, asked by {by}.\n"
             "Reason: {reason}").format(
        id=a.adjustment_id, sign="+" if a.amount > 0 else "-", amount=fmt.crypto(abs(a.amount), a.asset, lang),
        user=fmt.isolate(str(a.user_id)), by=fmt.isolate(str(a.requested_by)), reason=fmt.escape(a.reason),
    )  # fmt: skip


def reserves_screen(view: Overview | None, lang: str) -> str:
    """/reserves: the latest proof of reserves (root, block, per asset owed, held and ratio), the
    addresses counted and whether each signed the snapshot's message, and the commands."""
    commands = _("/reserves new publishes a snapshot now; /reserves cold ID SIGNATURE hands in the cold "
                 "wallet's signature of the snapshot's message (signed offline).")  # fmt: skip
    if view is None:
        return _("No proof of reserves was published yet.") + "\n\n" + commands
    s = view.snapshot
    out = [
        _("<b>Proof of reserves #{id}</b>, {date}").format(id=s.id, date=fmt.datetime(s.taken_at, lang)),
        _("Root: {root}").format(root=f"<code>{fmt.isolate((s.root or b'').hex())}</code>"),
        _("{n} accounts owed coins").format(n=fmt.number(s.users, lang)),
    ]
    if s.block is not None:
        out.append(_("Holdings read at block {block}").format(block=fmt.number(s.block, lang)))
    for i, asset in enumerate(s.assets):
        held = fmt.crypto(s.held[i], asset, lang) if s.held is not None else _("not read")
        out.append(_("{asset}: owed {owed} · held {held}").format(
            asset=fmt.code(asset, lang), owed=fmt.crypto(s.owed[i], asset, lang), held=held))  # fmt: skip
    for purpose, amounts in sorted(s.platform.items()):
        for asset, amount in sorted(amounts.items()):
            out.append(_("Platform {purpose} (not in the tree): {amount}").format(
                purpose=fmt.isolate(purpose), amount=fmt.crypto(amount, asset, lang)))  # fmt: skip
    roles = {"hot": _("hot wallet"), "cold": _("cold wallet"), "deposit": _("deposit address")}
    for a in view.addresses:
        signed = _("signed") if a.signature else _("not signed yet")
        out.append(_("{role} {address}: {signed}").format(
            role=roles.get(a.role, a.role), address=fmt.address(a.address), signed=signed))  # fmt: skip
    out.append(_("Message to sign: {message}").format(message=f"<code>{fmt.isolate(message(s.id, s.root or b''))}</code>"))
    return "\n".join(out) + "\n\n" + commands
def market_totals(t: market.Totals, period: Period, lang: str) -> str:
    """The caption of the /stats charts: the period's figures in a few lines."""
    lines = [_("<b>The market</b>, {period}").format(period=fmt.escape(period_label(period, lang)))]
    for p in t.pairs:
        lines.append(_("{pair}: {trades} · {crypto} · median {price}").format(
            pair=fmt.isolate(p.pair), trades=fmt.trades(p.trades, lang), crypto=fmt.crypto(p.crypto, p.asset, lang),
            price=fmt.price(p.median_price, p.fiat, p.asset, lang)))  # fmt: skip
    if not t.pairs:
        lines.append(_("No completed trades."))
    lines.append(_("Traders: {active} active, {new} new").format(
        active=fmt.number(t.active_traders, lang), new=fmt.number(t.new_traders, lang)))  # fmt: skip
    hours = fmt.number(t.median_resolve_hours, lang) if t.median_resolve_hours is not None else "–"
    lines.append(_("Disputes: {opened} opened, {resolved} resolved, median {hours} h to resolve").format(
        opened=fmt.number(t.disputes_opened, lang), resolved=fmt.number(t.disputes_resolved, lang), hours=hours))  # fmt: skip
    return "\n".join(lines)


def revenue(r: Revenue, lang: str) -> str:
    """/revenue: the month's fee-account lines per asset, the net, and the network fees burned."""
    names = {
        "trade_fees": _("Trade fees"), "referral_payouts": _("Referral payouts"), "premium": _("Premium income"),
        "withdrawal_fees": _("Withdrawal fees charged"), "other": _("Other entries"),
    }  # fmt: skip
    lines = [_("<b>Revenue</b>, {period}").format(period=fmt.escape(period_label(r.period, lang)))]
    for asset in Asset:
        mine = [line for line in r.lines if line.asset == asset.value]
        if not mine:
            continue
        lines += ["", f"<b>{asset.value}</b>"]
        for line in mine:
            label = names[line.category] + (f" {fmt.isolate(line.pair)}" if line.pair else "")
            lines.append(f"{label}: {fmt.crypto(line.amount, asset, lang)}")
        lines.append(_("<b>Net</b> (the fee accounts' change): {amount}").format(
            amount=fmt.crypto(r.net(asset), asset, lang)))  # fmt: skip
    if not r.lines:
        lines.append(_("Nothing reached the fee accounts in this month."))
    costs = {"withdrawals": _("withdrawals"), "cold_moves": _("moves to and from cold storage"),
             "sweep_gas": _("sweep gas transfers")}  # fmt: skip
    lines += ["", _("<b>Network fees paid</b> (TRX burned by the wallets)")]
    for cost in r.network:
        burned = fmt.crypto(cost.trx, Asset.TRX, lang) if cost.trx is not None else _("amount not recorded")
        lines.append(_("{what}: {n} · {burned}").format(what=costs[cost.what], n=fmt.number(cost.transfers, lang),
                                                        burned=burned))  # fmt: skip
    lines.append(_("TRX net after the network fees: {amount}").format(
        amount=fmt.crypto(r.trx_after_network, Asset.TRX, lang)))  # fmt: skip
    return "\n".join(lines)
