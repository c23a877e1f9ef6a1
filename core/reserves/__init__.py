"""Proof of reserves: what the platform owes every user (a Merkle-sum tree, one leaf per user)
beside what it holds on chain, published daily (docs/proof-of-reserves.md).

Above core.wallet and core.escrow, beside core.admin: it reads the ledger and the wallet, and
nothing below imports it.
"""
