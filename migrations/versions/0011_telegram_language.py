"""users: telegram_language, the language Telegram reports for the user (staff notices follow it
until the staff member chooses a language)

Revision ID: 0011_telegram_language
Revises: 0008
Create Date: 2026-12-05
"""
import sqlalchemy as sa
from alembic import op

revision = "0011_telegram_language"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("users", sa.Column("telegram_language", sa.String(8), nullable=True))


def downgrade() -> None:
    op.drop_column("users", "telegram_language")
