"""payment accounts (where traders pay and are paid), nicknames and verified names, offers'
accepted accounts and cash city, trades' seller/buyer accounts and the payer-name check

Revision ID: 0014_payment_accounts
Revises: 0007
Create Date: 2026-12-05
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0014_payment_accounts"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "payment_accounts",
        sa.Column("id", sa.BigInteger(), sa.Identity(), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("method", sa.String(16), nullable=False),
        sa.Column("number", sa.String(40), nullable=False),
        sa.Column("holder_name", sa.String(64), nullable=False),
        sa.Column("city", sa.String(40)),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("removed_at", sa.DateTime(timezone=True)),
        sa.PrimaryKeyConstraint("id", name="pk_payment_accounts"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name="fk_payment_accounts_user_id_users"),
    )
    op.create_index("ix_payment_accounts_user_id", "payment_accounts", ["user_id"])
    op.add_column("users", sa.Column("nickname", sa.String(20)))
    op.add_column("users", sa.Column("nickname_changed_at", sa.DateTime(timezone=True)))
    op.add_column("users", sa.Column("verified_name", sa.String(128)))
    op.create_index("uq_users_nickname_lower", "users", [sa.text("lower(nickname)")], unique=True)
    op.add_column("offers", sa.Column("payment_account_ids", postgresql.ARRAY(sa.BigInteger()),
                                      server_default="{}", nullable=False))
    op.add_column("offers", sa.Column("city", sa.String(40)))
    op.add_column("trades", sa.Column("seller_account_id", sa.BigInteger()))
    op.add_column("trades", sa.Column("buyer_account_id", sa.BigInteger()))
    op.add_column("trades", sa.Column("payer_name_check", sa.String(10)))
    op.create_foreign_key("fk_trades_seller_account_id_payment_accounts", "trades", "payment_accounts",
                          ["seller_account_id"], ["id"])
    op.create_foreign_key("fk_trades_buyer_account_id_payment_accounts", "trades", "payment_accounts",
                          ["buyer_account_id"], ["id"])


def downgrade() -> None:
    op.drop_constraint("fk_trades_buyer_account_id_payment_accounts", "trades", type_="foreignkey")
    op.drop_constraint("fk_trades_seller_account_id_payment_accounts", "trades", type_="foreignkey")
    op.drop_column("trades", "payer_name_check")
    op.drop_column("trades", "buyer_account_id")
    op.drop_column("trades", "seller_account_id")
    op.drop_column("offers", "city")
    op.drop_column("offers", "payment_account_ids")
    op.drop_index("uq_users_nickname_lower", table_name="users")
    op.drop_column("users", "verified_name")
    op.drop_column("users", "nickname_changed_at")
    op.drop_column("users", "nickname")
    op.drop_index("ix_payment_accounts_user_id", table_name="payment_accounts")
    op.drop_table("payment_accounts")
