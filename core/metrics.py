"""The domain's Prometheus metrics, defined once (docs/observability.md lists them with their
meaning; deploy/prometheus/ alerts on them), and the /metrics page that shows them.

With several processes (web workers beside the worker) each process counts in its own files under
PROMETHEUS_MULTIPROC_DIR (prometheus-client's multiprocess mode, chosen from the environment
when the library is imported), and any process's /metrics sums them: counters and histograms
over every process that ever ran since the directory was emptied, the pool gauges over the live
processes, the gauges the worker sets at their most recent value. Without the variable each
process shows only its own numbers (one process, or one scrape target per process).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Final

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    generate_latest,
    multiprocess,
)
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

MULTIPROC_DIR = "PROMETHEUS_MULTIPROC_DIR"
WORKER: Final = "mostrecent"  # a gauge only the worker sets: the last value written, by whichever process

# The outbox (refreshed by the worker's metrics.refresh job).
OUTBOX_BACKLOG = Gauge("koxx_outbox_backlog", "Notifications waiting in the outbox (not sent, not given up)",
                       multiprocess_mode=WORKER)  # fmt: skip
OUTBOX_OLDEST_AGE = Gauge("koxx_outbox_oldest_age_seconds", "Age of the oldest notification due and not sent",
                          multiprocess_mode=WORKER)  # fmt: skip

# The deposit scanner (set by each scan) and deposits.
SCANNER_LAG_BLOCKS = Gauge("koxx_scanner_lag_blocks", "Blocks between the chain's head and the last scanned block",
                           multiprocess_mode=WORKER)  # fmt: skip
SCANNER_LAG_SECONDS = Gauge("koxx_scanner_lag_seconds", "Now minus the time of the last scanned block (chain time)",
                            multiprocess_mode=WORKER)  # fmt: skip
DEPOSITS_DETECTED = Counter("koxx_deposits_detected_total", "Deposits seen on chain", ["asset"])
DEPOSITS_CREDITED = Counter("koxx_deposits_credited_total", "Deposits credited to users' balances", ["asset"])

# Withdrawals not settled, per state (refreshed by metrics.refresh).
WITHDRAWALS = Gauge("koxx_withdrawals", "Withdrawals not settled, by state", ["state"], multiprocess_mode=WORKER)
WITHDRAWALS_OLDEST_AGE = Gauge("koxx_withdrawals_oldest_age_seconds",
                               "Age (since requested) of the oldest withdrawal in each unsettled state",
                               ["state"], multiprocess_mode=WORKER)  # fmt: skip

# Where the coins are against what is owed (micro units; metrics.balances and metrics.refresh).
HOT_BALANCE = Gauge("koxx_hot_balance", "Hot wallet balance on chain, micro units", ["asset"], multiprocess_mode=WORKER)
COLD_BALANCE = Gauge("koxx_cold_balance", "Cold wallet balance on chain, micro units", ["asset"],
                     multiprocess_mode=WORKER)  # fmt: skip
LIABILITIES = Gauge("koxx_liabilities", "What users own on the ledger, micro units", ["asset"],
                    multiprocess_mode=WORKER)  # fmt: skip

# The ledger audit (the worker's ledger.audit job).
LEDGER_AUDIT_OK = Gauge("koxx_ledger_audit_ok", "1 when the last ledger audit found nothing wrong, else 0",
                        multiprocess_mode=WORKER)  # fmt: skip
LEDGER_AUDIT_LAST_RUN = Gauge("koxx_ledger_audit_last_run_timestamp", "Unix time of the last ledger audit",
                              multiprocess_mode=WORKER)  # fmt: skip

# Every process: its database pool, its jobs, the errors it logged.
DB_POOL_IN_USE = Gauge("koxx_db_pool_in_use", "Database connections checked out, summed over live processes",
                       multiprocess_mode="livesum")  # fmt: skip
DB_POOL_SIZE = Gauge("koxx_db_pool_size", "Database pool size (without overflow), summed over live processes",
                     multiprocess_mode="livesum")  # fmt: skip
JOB_RUNS = Counter("koxx_job_runs_total", "Scheduled job runs", ["job"])
JOB_FAILURES = Counter("koxx_job_failures_total", "Scheduled job runs that raised", ["job"])
ERRORS = Counter("koxx_errors_total", "Log records at ERROR or above")


def multiprocess_dir() -> Path | None:
    value = os.environ.get(MULTIPROC_DIR)
    return Path(value) if value else None


def exposition() -> tuple[bytes, str]:
    """The /metrics page (body, content type): every process's numbers in multiprocess mode."""
    if multiprocess_dir() is None:
        return generate_latest(REGISTRY), CONTENT_TYPE_LATEST
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
    return generate_latest(registry), CONTENT_TYPE_LATEST


def watch_pool(engine: AsyncEngine) -> None:
    """The process's database pool in koxx_db_pool_in_use / koxx_db_pool_size."""
    pool = engine.sync_engine.pool
    DB_POOL_SIZE.set(getattr(pool, "size", lambda: 0)())
    event.listen(pool, "checkout", lambda *_: DB_POOL_IN_USE.inc())
    event.listen(pool, "checkin", lambda *_: DB_POOL_IN_USE.dec())


def forget_dead_processes() -> None:
    """At start: the live gauges of processes that ended without saying so (kill -9) stop
    counting. Their counters stay: a counter never goes down."""
    folder = multiprocess_dir()
    if folder is None or not folder.is_dir():
        return
    pids = {int(f.stem.rpartition("_")[2]) for f in folder.glob("gauge_live*_*.db")}
    for pid in pids - {os.getpid()}:
        if not _alive(pid):
            multiprocess.mark_process_dead(pid)  # type: ignore[no-untyped-call]


def process_ended() -> None:
    """At a clean exit: this process's live gauges stop counting."""
    if multiprocess_dir() is not None:
        multiprocess.mark_process_dead(os.getpid())  # type: ignore[no-untyped-call]


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process
        return True
    return True
