"""The features' scheduled jobs, registered with ``scheduler.job``."""

from __future__ import annotations

import core.accounts.jobs  # noqa: F401  (premium expiry, KYC document retention)
