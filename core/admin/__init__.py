"""Staff: roles and permissions (staff), the audit trail (audit), the audited actions the admin
bot calls (actions), the screens' facts (cases), the reports (reports) and the review of
identity documents (review).

The admin bot calls ``actions`` for every change; each one checks the role with
``staff.require``, makes the change through core.escrow / core.wallet / core.ledger and appends
a row to the audit trail, all in the caller's transaction.
"""
