"""The admins' bot: disputes, withdrawal approvals, users, market settings, audit."""
