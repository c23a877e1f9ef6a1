"""Accounts: identity verification (KYC levels) and the limits that depend on them, internal
transfers between users, referrals and premium membership.

Modules: config (knobs), limits (what a level may do), kyc (phone, documents, moderation),
transfers (user to user, off-chain), referrals (links and rewards), premium (membership,
fee discount, promoted offers), jobs (scheduled expiry, reminders and document retention).
"""
