"""payment windows chosen by admins: any whole minutes from 5 to 1440

Revision ID: 0007
Revises: 0003
Create Date: 2026-11-25
"""
from alembic import op

revision = "0007"
down_revision = "0003"
branch_labels = None
depends_on = None


# The name 0003 gave the constraint (its naming convention prefixed it once more).
NAME = "ck_offers_ck_offers_window"


def upgrade() -> None:
    op.execute(f"ALTER TABLE offers DROP CONSTRAINT {NAME}")
    op.execute(f"ALTER TABLE offers ADD CONSTRAINT {NAME} CHECK (payment_window BETWEEN 5 AND 1440)")


def downgrade() -> None:
    # Offers with a window the old rule does not know are brought to the nearest it does.
    op.execute(
        "UPDATE offers SET payment_window = CASE WHEN payment_window < 23 THEN 15 WHEN payment_window < 38 THEN 30 "
        "WHEN payment_window < 53 THEN 45 ELSE 60 END WHERE payment_window NOT IN (15, 30, 45, 60)"
    )
    op.execute(f"ALTER TABLE offers DROP CONSTRAINT {NAME}")
    op.execute(f"ALTER TABLE offers ADD CONSTRAINT {NAME} CHECK (payment_window IN (15, 30, 45, 60))")
