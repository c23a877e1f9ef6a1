"""Staff: roles and permissions (staff), the audit trail (audit), the audited actions the admin
bot calls (actions), the screens' facts (cases) and the reports (reports).

The admin bot calls ``actions`` for every change; each one checks the role with
``staff.require``, makes the change through core.escrow / core.wallet / core.ledger and appends
a row to the audit trail, all in the caller's transaction.
"""
