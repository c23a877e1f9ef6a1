"""/proof's texts: the trader's amounts in the latest proof of reserves, the published root and
how to check, or why there is no proof for them."""

from __future__ import annotations

from typing import Any

from aiogram.utils.i18n import gettext as _

from botkit import fmt
from botkit.i18n import lang
from core.reserves.models import ReserveSnapshot


def no_snapshot() -> str:
    return _(
        "No proof of reserves has been published yet. The first comes within a day; try /proof again then."
    )


def nothing_owed(snapshot: ReserveSnapshot) -> str:
    return _(
        "The proof of reserves #{id} of {date} owes you nothing: your balance was zero then, so you have no "
        "leaf in it. Once you hold coins, the next daily proof will include them."
    ).format(id=snapshot.id, date=fmt.datetime(snapshot.taken_at, lang()))


def your_proof(snapshot: ReserveSnapshot, proof: dict[str, Any]) -> str:
    amounts = [
        fmt.crypto(amount, asset, lang())
        for asset, amount in zip(proof["assets"], proof["amounts"], strict=True)
        if amount
    ]
    return _(
        "🧾 <b>Your proof of reserves #{id}</b> ({date})\n\n"
        "What KOXX owed you then, available, in offers, in escrow and in withdrawals together: {amounts}.\n"
        "Published root: {root}\n\n"
        "To check, with Python and nothing of ours: {command} with the verifier from the button below; "
        "it prints your amounts and OK."
    ).format(
        id=snapshot.id,
        date=fmt.datetime(snapshot.taken_at, lang()),
        amounts=", ".join(amounts),
        root=f"<code>{fmt.isolate(proof['root']['hash'])}</code>",
        command=f"<code>{fmt.isolate(f'python3 verify_reserves.py proof-{snapshot.id}.json ROOT')}</code>",
    )
