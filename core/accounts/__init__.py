"""Accounts: identity verification (KYC levels) and the limits that depend on them, referrals
and premium membership.

Modules: config (knobs), limits (what a level may do), kyc (phone, documents, moderation),
referrals (links and rewards), premium (membership, fee discount, promoted offers), jobs
(scheduled expiry, reminders and document retention). See README.md for the decisions and where
the marketplace and the wallet call in. core.escrow, core.wallet and core.admin call this
package, never the other way: the internal transfers (user to user, off-chain) are
core.wallet.transfers, the moderators' calls on KYC (role check, audit trail) core.admin.review.
"""
