"""Accounts: identity verification (KYC levels) and the limits that depend on them, internal
transfers between users, referrals and premium membership.

Modules: config (knobs), limits (what a level may do), kyc (phone, documents, moderation),
review (the moderators' calls: role check and audit trail), transfers (user to user,
off-chain), referrals (links and rewards), premium (membership, fee discount, promoted
offers), jobs (scheduled expiry, reminders and document retention). See README.md for the
decisions and where the marketplace and the wallet call in.
"""
