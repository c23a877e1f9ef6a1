"""The ledger's invariants, checked against the database. Each check is one statement, so
each sees one consistent snapshot even while entries are being posted."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from core.ledger.models import MAY_GO_NEGATIVE_SQL
from core.ledger.types import AuditReport

LIMIT = 20  # violations listed per check; the count is always reported

# (what is checked, query returning one text line per violation)
CHECKS: list[tuple[str, str]] = [
    (
        "every entry has two or more postings",
        "SELECT 'entry ' || e.id || ' (' || e.key || ') has ' || count(p.account_id) || ' posting(s)' "
        "FROM ledger_entries e LEFT JOIN ledger_postings p ON p.entry_id = e.id "
        "GROUP BY e.id HAVING count(p.account_id) < 2 ORDER BY e.id",
    ),
    (
        "every entry balances per asset",
        "SELECT 'entry ' || p.entry_id || ' ' || a.asset || ' sums to ' || sum(p.amount) "
        "FROM ledger_postings p JOIN ledger_accounts a ON a.id = p.account_id "
        "GROUP BY p.entry_id, a.asset HAVING sum(p.amount) <> 0 ORDER BY p.entry_id",
    ),
    (
        "every account's balance equals the sum of its postings",
        "SELECT 'account ' || a.id || ' (' || a.owner_kind || ':' || a.owner_id || ':' || a.purpose || ' '"
        " || a.asset || ') balance ' || a.balance || ' but postings sum to ' || coalesce(s.total, 0) "
        "FROM ledger_accounts a LEFT JOIN (SELECT account_id, sum(amount) AS total FROM ledger_postings "
        "GROUP BY account_id) s ON s.account_id = a.id "
        "WHERE a.balance <> coalesce(s.total, 0) ORDER BY a.id",
    ),
    (
        "no forbidden negative balance",
        "SELECT 'account ' || a.id || ' (' || a.owner_kind || ':' || a.owner_id || ':' || a.purpose || ' '"
        " || a.asset || ') is negative: ' || a.balance "
        f"FROM ledger_accounts a WHERE a.balance < 0 AND NOT ({MAY_GO_NEGATIVE_SQL}) ORDER BY a.id",
    ),
    (
        "only the outside world's accounts may go negative",
        "SELECT 'account ' || a.id || ' has may_go_negative=' || a.may_go_negative "
        f"FROM ledger_accounts a WHERE a.may_go_negative IS DISTINCT FROM ({MAY_GO_NEGATIVE_SQL}) "
        "ORDER BY a.id",
    ),
    (
        "per asset the balances of all accounts sum to zero",
        "SELECT a.asset || ' balances sum to ' || sum(a.balance) FROM ledger_accounts a "
        "GROUP BY a.asset HAVING sum(a.balance) <> 0 ORDER BY a.asset",
    ),
]


async def audit(session: AsyncSession) -> AuditReport:
    """Run every check; ``ok`` is False if any found a violation. Reads only."""
    checks: list[str] = []
    violations: list[str] = []
    for title, query in CHECKS:
        found = list((await session.execute(text(query))).scalars())
        checks.append(f"{title}: {'ok' if not found else f'{len(found)} violation(s)'}")
        violations.extend(f"{title}: {line}" for line in found[:LIMIT])
        if len(found) > LIMIT:
            violations.append(f"{title}: ... and {len(found) - LIMIT} more")
    counts = (
        await session.execute(
            text("SELECT (SELECT count(*) FROM ledger_accounts), (SELECT count(*) FROM ledger_entries)")
        )
    ).one()
    checks.append(f"looked at {counts[0]} accounts and {counts[1]} entries")
    return AuditReport(ok=not violations, checks=checks, violations=violations)
