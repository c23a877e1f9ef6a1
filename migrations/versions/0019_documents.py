"""KYC documents in PostgreSQL, sealed (AES-256-GCM with DOCUMENTS_KEY), shared by every server
and backed up with the rest; and the updates handled, each once across web workers and crashes

Revision ID: 0019_documents
Revises: 0018_api_auth
Create Date: 2026-12-05
"""
import sqlalchemy as sa
from alembic import op

revision = "0019_documents"
down_revision = "0018_api_auth"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "kyc_documents",
        sa.Column("request_id", sa.BigInteger, sa.ForeignKey("kyc_requests.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("kind", sa.String(10), primary_key=True),
        sa.Column("sealed", sa.Text, nullable=False),
        sa.CheckConstraint("kind IN ('document', 'selfie')", name="ck_kyc_documents_kind"),
    )
    op.create_table(
        "handled_updates",
        sa.Column("bot_id", sa.BigInteger, primary_key=True),
        sa.Column("update_id", sa.BigInteger, primary_key=True),
        sa.Column("handled_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    )
    op.create_index("ix_handled_updates_handled_at", "handled_updates", ["handled_at"])


def downgrade() -> None:
    op.drop_index("ix_handled_updates_handled_at", table_name="handled_updates")
    op.drop_table("handled_updates")
    op.drop_table("kyc_documents")
