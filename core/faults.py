"""Crash points: named places on the money paths where the fault suite (tests/faults/) kills the
process, exactly as ``kill -9`` would, to prove that a restart resumes without losing or
creating money.

    crash_point("withdrawal.broadcast.before_commit")

does nothing unless the environment variable KOXX_CRASH_AT names the point when the process
starts: ``KOXX_CRASH_AT=deposit.credited.before_commit,withdrawal.signed.after_commit@2``
kills the process with SIGKILL at the first hit of the first point and at the second hit of
the second (``name@N``: the Nth hit). The variable is read once; a point not listed costs one
set look-up. Never set KOXX_CRASH_AT in production.

The points (``before_commit``: the step's database transaction is written but not committed;
``after_commit``: committed, the next step not begun; ``after_send``: the node has the
transaction, the database does not know yet):

  deposit.detected.before_commit     a scan recorded new detections (cursor not moved yet)
  deposit.detected.after_commit      the detections and the cursor are committed
  deposit.confirmed.before_credit    a detection is final, its credit not posted yet
  deposit.credited.before_commit     credits posted, the scan's transaction not committed
  deposit.credited.after_commit      credits committed
  sweep.gas.before_send              the sweep row (GAS_SENT) is committed, gas not broadcast
  sweep.gas.after_send               the gas transfer was broadcast
  sweep.usdt.before_send             the sweep's txid is committed (SENT), not broadcast
  sweep.usdt.after_send              the sweep transaction was broadcast
  sweep.done.before_commit           the sweep is final on chain, DONE not committed
  withdrawal.requested.before_commit the hold is posted (bot or core caller), not committed
  withdrawal.signed.before_commit    signed, txid stored, not committed
  withdrawal.signed.after_commit     SIGNED committed, not broadcast
  withdrawal.broadcast.after_send    the node accepted the transaction, BROADCAST not stored
  withdrawal.broadcast.before_commit BROADCAST written, not committed
  withdrawal.confirmed.before_commit final on chain, the hold captured, not committed
  withdrawal.confirmed.after_commit  SENT committed
  cold.out.signed.before_commit      a move to cold storage signed, txid stored, not committed
  cold.out.signed.after_commit       SIGNED committed, not broadcast
  cold.out.broadcast.after_send      the node accepted the move, BROADCAST not stored
  cold.out.broadcast.before_commit   BROADCAST written, not committed
  cold.out.done.before_commit        final on chain, DONE not committed
  cold.in.signed.before_commit       a refill's signed transaction checked and stored, not committed
  cold.in.signed.after_commit        SIGNED committed, not broadcast
  cold.in.broadcast.after_send       the node accepted the refill, BROADCAST not stored
  cold.in.broadcast.before_commit    BROADCAST written, not committed
  cold.in.done.before_commit         the refill is final on chain, DONE not committed
  trade.take.before_commit           a trade opened and its escrow locked, not committed
  trade.paid.before_commit           marked paid, not committed
  trade.release.before_commit        escrow released to the buyer, not committed
  trade.expiry.before_commit         expired trades refunded, not committed
"""

from __future__ import annotations

import os
import signal
from collections import Counter

ENV = "KOXX_CRASH_AT"


def _parse(value: str) -> dict[str, int]:
    """{"name": N} from "name,other@3": crash at the Nth hit (1 when not given)."""
    points: dict[str, int] = {}
    for item in value.split(","):
        name, _, nth = item.strip().partition("@")
        if name:
            points[name] = int(nth) if nth.isdigit() and int(nth) > 0 else 1
    return points


_POINTS = _parse(os.environ.get(ENV, ""))
_hits: Counter[str] = Counter()


def crash_point(name: str) -> None:
    """SIGKILL this process here if KOXX_CRASH_AT names ``name`` (at its Nth hit)."""
    if name not in _POINTS:
        return
    _hits[name] += 1
    if _hits[name] >= _POINTS[name]:
        os.kill(os.getpid(), signal.SIGKILL)
