"""Proof of reserves: what the platform owes every user (a Merkle-sum tree, one leaf per user)
beside what it holds on chain, published daily (docs/proof-of-reserves.md).

Above core.wallet and core.escrow, beside core.admin: it reads the ledger and the wallet, and
nothing below imports it.

``proof_for(session, user_id, snapshot_id=None)`` is the user's inclusion proof (the JSON document
core/reserves/verify_reserves.py checks), for the bot's /proof and the coming REST API.
"""

from core.reserves.snapshot import proof_for

__all__ = ["proof_for"]
