"""`python -m core.ledger audit`: check the ledger of the database named by DATABASE_URL.

Prints what it checked and every violation; exits 1 on any violation, 2 on a usage error.
"""

from __future__ import annotations

import asyncio
import sys

from core.config import ConfigError, get_settings
from core.db import make_engine, make_session_factory
from core.ledger.audit import audit


async def _audit(url: str) -> int:
    engine = make_engine(url, pool_size=1, max_overflow=0)
    try:
        async with make_session_factory(engine)() as session, session.begin():
            report = await audit(session)
    finally:
        await engine.dispose()
    for line in report.checks:
        print(f"checked: {line}")
    for line in report.violations:
        print(f"VIOLATION: {line}")
    print(
        "ledger audit: OK" if report.ok else f"ledger audit: FAILED ({len(report.violations)} violation(s))"
    )
    return 0 if report.ok else 1


def main(argv: list[str]) -> int:
    if argv != ["audit"]:
        print("usage: python -m core.ledger audit   (reads DATABASE_URL)", file=sys.stderr)
        return 2
    try:
        url = get_settings().database_url
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        return 2
    if not url:
        print("DATABASE_URL is not set", file=sys.stderr)
        return 2
    return asyncio.run(_audit(url.get_secret_value()))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
