"""ledger: accounts, entries, postings and the ledger_post() function

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

MAY_GO_NEGATIVE = "owner_kind = 'platform' AND purpose IN ('deposits', 'withdrawals', 'adjustments')"

PURPOSES = (
    "purpose IN ('available', 'reserve', 'escrow', 'hold', 'fees', 'revenue', 'deposits', 'withdrawals', "
    "'adjustments', 'network_fees')"
)

FUNCTION_ARGS = (
    "text, text, text, jsonb, text, text[], bigint[], text[], text[], bigint[], bigint[]"
)

# One entry in one round trip. Called only through core.ledger.post_entry(), which validates,
# merges and fingerprints the postings first; the checks here are the backstop.
# Errors: KX001 malformed/unbalanced entry. Insufficient funds, replays and key conflicts are
# answered in o_status without writing anything, so the caller's transaction stays usable.
LEDGER_POST = r"""
CREATE FUNCTION ledger_post(
    p_kind text, p_key text, p_ref text, p_memo jsonb, p_fingerprint text,
    p_owner_kinds text[], p_owner_ids bigint[], p_purposes text[], p_assets text[],
    p_user_ids bigint[], p_amounts bigint[],
    OUT o_entry_id bigint, OUT o_status text, OUT o_asset text, OUT o_needed bigint,
    OUT o_available bigint)
LANGUAGE plpgsql AS $$
DECLARE
    n integer := coalesce(cardinality(p_amounts), 0);
    v_kind text;
    v_fp text;
    v_ids bigint[];
    v_amts bigint[];
    v_short boolean;
    v_found integer;
BEGIN
    -- 1. A key posted before: replay (nothing moves) or conflict.
    SELECT e.id, e.kind, e.fingerprint INTO o_entry_id, v_kind, v_fp
      FROM ledger_entries e WHERE e.key = p_key;
    IF FOUND THEN
        o_status := CASE WHEN v_kind = p_kind AND v_fp = p_fingerprint THEN 'replay' ELSE 'conflict' END;
        RETURN;
    END IF;

    -- 2. Well formed: two or more distinct accounts, no zero amount, zero sum per asset.
    IF n < 2
       OR coalesce(cardinality(p_owner_kinds), 0) <> n OR coalesce(cardinality(p_owner_ids), 0) <> n
       OR coalesce(cardinality(p_purposes), 0) <> n OR coalesce(cardinality(p_assets), 0) <> n
       OR coalesce(cardinality(p_user_ids), 0) <> n
       OR 0 = ANY(p_amounts)
       OR (SELECT count(DISTINCT (w.ok, w.oid, w.pur, w.ast))
             FROM unnest(p_owner_kinds, p_owner_ids, p_purposes, p_assets) AS w(ok, oid, pur, ast)) <> n
       OR EXISTS (SELECT 1 FROM unnest(p_assets, p_amounts) AS t(a, m) GROUP BY t.a HAVING sum(t.m) <> 0)
    THEN
        RAISE EXCEPTION USING ERRCODE = 'KX001', MESSAGE = 'unbalanced or malformed ledger entry ' || p_key;
    END IF;

    -- 3. Create the accounts used for the first time (usually none: the NOT EXISTS filter
    --    finds them all). This happens before any account of this entry is locked, and in key
    --    order, so that waiting for another transaction's new account cannot close a cycle.
    INSERT INTO ledger_accounts (owner_kind, owner_id, purpose, asset, user_id)
    SELECT w.ok, w.oid, w.pur, w.ast, w.uid
      FROM unnest(p_owner_kinds, p_owner_ids, p_purposes, p_assets, p_user_ids)
           AS w(ok, oid, pur, ast, uid)
     WHERE NOT EXISTS (SELECT 1 FROM ledger_accounts a
                        WHERE a.owner_kind = w.ok AND a.owner_id = w.oid
                          AND a.purpose = w.pur AND a.asset = w.ast)
     ORDER BY w.ok, w.oid, w.pur, w.ast
    ON CONFLICT DO NOTHING;

    -- 4. Lock the accounts in id order, so that concurrent entries never deadlock, and see
    --    whether one that may not go negative would.
    SELECT array_agg(s.id), array_agg(s.amt), bool_or(s.short), count(*)
      INTO v_ids, v_amts, v_short, v_found
      FROM (SELECT a.id, w.amt, (NOT a.may_go_negative AND a.balance + w.amt < 0) AS short
              FROM unnest(p_owner_kinds, p_owner_ids, p_purposes, p_assets, p_amounts)
                   AS w(ok, oid, pur, ast, amt)
              JOIN ledger_accounts a
                ON a.owner_kind = w.ok AND a.owner_id = w.oid AND a.purpose = w.pur AND a.asset = w.ast
             ORDER BY a.id
               FOR UPDATE OF a) AS s;
    IF v_found <> n THEN
        RAISE EXCEPTION 'ledger_post: accounts of entry % not found', p_key;
    END IF;

    -- 5. Not enough money: answer with the facts, move nothing.
    IF v_short THEN
        -- The first post of this very key may have committed while we waited for the locks.
        SELECT e.id, e.kind, e.fingerprint INTO o_entry_id, v_kind, v_fp
          FROM ledger_entries e WHERE e.key = p_key;
        IF FOUND THEN
            o_status := CASE WHEN v_kind = p_kind AND v_fp = p_fingerprint THEN 'replay' ELSE 'conflict' END;
            RETURN;
        END IF;
        SELECT a.asset, -w.amt, a.balance INTO o_asset, o_needed, o_available
          FROM unnest(v_ids, v_amts) AS w(id, amt) JOIN ledger_accounts a ON a.id = w.id
         WHERE NOT a.may_go_negative AND a.balance + w.amt < 0
         ORDER BY a.id LIMIT 1;
        o_status := 'insufficient';
        RETURN;
    END IF;

    -- 6. Write the entry, its postings and the new balances.
    INSERT INTO ledger_entries (kind, key, ref, memo, fingerprint)
    VALUES (p_kind, p_key, p_ref, p_memo, p_fingerprint)
    ON CONFLICT (key) DO NOTHING
    RETURNING id INTO o_entry_id;
    IF o_entry_id IS NULL THEN  -- a concurrent first post of this key committed meanwhile
        SELECT e.id, e.kind, e.fingerprint INTO o_entry_id, v_kind, v_fp
          FROM ledger_entries e WHERE e.key = p_key;
        o_status := CASE WHEN v_kind = p_kind AND v_fp = p_fingerprint THEN 'replay' ELSE 'conflict' END;
        RETURN;
    END IF;
    UPDATE ledger_accounts a SET balance = a.balance + w.amt
      FROM unnest(v_ids, v_amts) AS w(id, amt)
     WHERE a.id = w.id;
    INSERT INTO ledger_postings (entry_id, account_id, amount)
    SELECT o_entry_id, w.id, w.amt FROM unnest(v_ids, v_amts) AS w(id, amt);
    o_status := 'created';
END
$$;
"""


def upgrade() -> None:
    op.create_table(
        "ledger_accounts",
        sa.Column("id", sa.BigInteger(), sa.Identity(), nullable=False),
        sa.Column("owner_kind", sa.String(16), nullable=False),
        sa.Column("owner_id", sa.BigInteger(), nullable=False),
        sa.Column("purpose", sa.String(16), nullable=False),
        sa.Column("asset", sa.String(8), nullable=False),
        sa.Column("user_id", sa.BigInteger()),
        sa.Column("may_go_negative", sa.Boolean(), sa.Computed(MAY_GO_NEGATIVE, persisted=True), nullable=False),
        sa.Column("balance", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_ledger_accounts"),
        sa.UniqueConstraint("owner_kind", "owner_id", "purpose", "asset", name="uq_ledger_accounts_key"),
        sa.CheckConstraint("balance >= 0 OR may_go_negative", name="ck_ledger_accounts_non_negative"),
        sa.CheckConstraint(
            "owner_kind IN ('user', 'offer', 'trade', 'withdrawal', 'platform')",
            name="ck_ledger_accounts_owner_kind",
        ),
        sa.CheckConstraint("asset IN ('USDT', 'TRX')", name="ck_ledger_accounts_asset"),
        sa.CheckConstraint(PURPOSES, name="ck_ledger_accounts_purpose"),
        sa.CheckConstraint("owner_kind <> 'platform' OR owner_id = 0", name="ck_ledger_accounts_platform_id"),
    )
    op.create_index("ix_ledger_accounts_user_id", "ledger_accounts", ["user_id"])
    op.create_table(
        "ledger_entries",
        sa.Column("id", sa.BigInteger(), sa.Identity(), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("key", sa.String(200), nullable=False),
        sa.Column("ref", sa.String(64)),
        sa.Column("memo", postgresql.JSONB()),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_ledger_entries"),
        sa.UniqueConstraint("key", name="uq_ledger_entries_key"),
    )
    op.create_index("ix_ledger_entries_ref", "ledger_entries", ["ref"])
    op.create_table(
        "ledger_postings",
        sa.Column("entry_id", sa.BigInteger(), nullable=False),
        sa.Column("account_id", sa.BigInteger(), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("entry_id", "account_id", name="pk_ledger_postings"),
        sa.ForeignKeyConstraint(
            ["entry_id"], ["ledger_entries.id"], name="fk_ledger_postings_entry_id_ledger_entries"
        ),
        sa.ForeignKeyConstraint(
            ["account_id"], ["ledger_accounts.id"], name="fk_ledger_postings_account_id_ledger_accounts"
        ),
        sa.CheckConstraint("amount <> 0", name="ck_ledger_postings_non_zero"),
    )
    op.create_index("ix_ledger_postings_account_entry", "ledger_postings", ["account_id", "entry_id"])
    op.execute(LEDGER_POST)


def downgrade() -> None:
    op.execute(f"DROP FUNCTION ledger_post({FUNCTION_ARGS})")
    op.drop_index("ix_ledger_postings_account_entry", table_name="ledger_postings")
    op.drop_table("ledger_postings")
    op.drop_index("ix_ledger_entries_ref", table_name="ledger_entries")
    op.drop_table("ledger_entries")
    op.drop_index("ix_ledger_accounts_user_id", table_name="ledger_accounts")
    op.drop_table("ledger_accounts")
