"""The metric names a PromQL expression (or a rules file) reads, and the series names a /metrics
page serves."""

from __future__ import annotations

import re

from prometheus_client.parser import text_string_to_metric_families

METRIC = re.compile(r"\bkoxx_[a-z0-9_]+\b")
SUFFIXES = {"counter": ("_total",), "histogram": ("_bucket", "_sum", "_count"), "gauge": ("",)}


def metric_names(expr: str) -> set[str]:
    return set(METRIC.findall(expr))


def served(page: str) -> set[str]:
    """Every series name ``page`` declares (a counter ``x`` serves ``x_total``; a histogram its
    buckets, sum and count), with or without samples yet."""
    names: set[str] = set()
    for family in text_string_to_metric_families(page):
        names.update(family.name + suffix for suffix in SUFFIXES.get(family.type, ("",)))
    return names
