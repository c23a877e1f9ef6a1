"""The bots' Prometheus metrics: updates handled (by handler and outcome, and how long they took)
and the notifier's sends. core.metrics holds the domain's and serves the /metrics page."""

from __future__ import annotations

from prometheus_client import Counter, Histogram

UPDATES = Counter("koxx_updates_total", "Updates handled, by handler and outcome", ["handler", "outcome"])
UPDATE_SECONDS = Histogram("koxx_update_seconds", "Time to handle one update (admission to answer)",
                           buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0))  # fmt: skip
NOTIFIER_SENDS = Counter("koxx_notifier_sends_total", "Outbox rows settled or tried by the notifier, by outcome",
                         ["outcome"])  # fmt: skip
NOTIFIER_429 = Counter("koxx_notifier_429_total", "Telegram answered 429 (retry after) to the notifier")
NOTIFIER_GIVEUPS = Counter("koxx_notifier_giveups_total", "Outbox rows the notifier gave up on")

# Outcomes of an update (UPDATES' "outcome" label).
OK = "ok"
UNHANDLED = "unhandled"  # no handler took it
DUPLICATE = "duplicate"  # Telegram re-delivered one already handled
THROTTLED = "throttled"  # over the per-user rate
DOMAIN_ERROR = "domain_error"  # refused by a rule; the user was told why
ERROR = "error"  # anything else raised
