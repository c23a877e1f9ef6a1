"""staff: moderators and the append-only audit trail of staff actions

Revision ID: 0006
Revises: 0003
Create Date: 2026-11-25
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0006"
down_revision = "0003"
branch_labels = None
depends_on = None

# The audit trail is append-only: the database itself refuses UPDATE, DELETE and TRUNCATE.
REFUSE_FUNCTION = """
CREATE FUNCTION staff_actions_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'staff_actions is append-only (% refused)', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$;
"""


def upgrade() -> None:
    op.create_table(
        "staff_members",
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("added_by", sa.BigInteger()),
        sa.Column("added_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.PrimaryKeyConstraint("user_id", name="pk_staff_members"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name="fk_staff_members_user_id_users"),
        sa.CheckConstraint("role IN ('admin', 'moderator')", name="ck_staff_members_role"),
    )
    op.create_table(
        "staff_actions",
        sa.Column("id", sa.BigInteger(), sa.Identity(), nullable=False),
        sa.Column("actor_id", sa.BigInteger(), nullable=False),
        sa.Column("action", sa.String(48), nullable=False),
        sa.Column("target", sa.String(64), nullable=False),
        sa.Column("user_id", sa.BigInteger()),
        sa.Column("trade_id", sa.BigInteger()),
        sa.Column("reason", sa.Text()),
        sa.Column("data", postgresql.JSONB(), server_default="{}", nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_staff_actions"),
    )
    op.create_index("ix_staff_actions_actor_id", "staff_actions", ["actor_id"])
    op.create_index("ix_staff_actions_user_id", "staff_actions", ["user_id"])
    op.create_index("ix_staff_actions_trade_id", "staff_actions", ["trade_id"])
    op.execute(REFUSE_FUNCTION)
    op.execute(
        "CREATE TRIGGER staff_actions_no_change BEFORE UPDATE OR DELETE ON staff_actions "
        "FOR EACH ROW EXECUTE FUNCTION staff_actions_append_only()"
    )
    op.execute(
        "CREATE TRIGGER staff_actions_no_truncate BEFORE TRUNCATE ON staff_actions "
        "FOR EACH STATEMENT EXECUTE FUNCTION staff_actions_append_only()"
    )


def downgrade() -> None:
    op.drop_table("staff_actions")
    op.execute("DROP FUNCTION staff_actions_append_only()")
    op.drop_table("staff_members")
