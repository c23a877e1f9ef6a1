"""The features' scheduled jobs, registered with ``scheduler.job``."""

from __future__ import annotations
