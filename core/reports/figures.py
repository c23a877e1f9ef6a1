"""The reports' numbers as plain data: one ``Chart`` per picture, each a list of ``Series``
with one value per bucket. The chart renderer and the CSV writer both read these, so a picture
and its CSV can never disagree. Values are Decimal in display units (coins, not micro units;
fiat; counts; hours), None where there is nothing to say (no trade, no reading that day)."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from core.money import MICRO

Value = Decimal | None


@dataclass(frozen=True)
class Series:
    name: str  # a word the texts translate ("opened", "median") or a pair/asset shown as it is
    panel: str  # what its values count: an asset, a fiat, a pair (prices), "count" or "hours"
    values: tuple[Value, ...]  # one per bucket


@dataclass(frozen=True)
class Chart:
    key: str  # volume, trades, prices, fees, traders, disputes, flows, holdings
    style: str  # "bar" | "line"
    buckets: tuple[datetime, ...]  # local (Baghdad) starts of the hours or days
    series: tuple[Series, ...]

    def panels(self) -> list[str]:
        return list(dict.fromkeys(s.panel for s in self.series))

    def value(self, series: str, panel: str, bucket: datetime) -> Value:
        for s in self.series:
            if s.name == series and s.panel == panel:
                return s.values[self.buckets.index(bucket)]
        raise KeyError((series, panel))


def coins(micro: int) -> Decimal:
    """Micro units as coins, exactly."""
    return Decimal(micro) / MICRO


CSV_HEADER = ("chart", "panel", "series", "bucket", "value")


def charts_csv(charts: list[Chart]) -> bytes:
    """Every figure of every chart, one row each (a bucket is its local start, ISO format)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_HEADER)
    for chart in charts:
        for s in chart.series:
            for bucket, value in zip(chart.buckets, s.values, strict=True):
                writer.writerow((chart.key, s.panel, s.name, bucket.isoformat(), "" if value is None else str(value)))
    return out.getvalue().encode()
