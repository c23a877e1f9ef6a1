"""Report periods in Baghdad time: the /stats windows (today, the last 7 or 30 days), calendar
months (revenue, statements) and years (statements). Bounds are aware UTC datetimes; buckets
are the local hours (a day) or local days (longer) the charts have one point for."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from core.errors import DomainError

ZONE = ZoneInfo("Asia/Baghdad")
ZONE_NAME = "Asia/Baghdad"


class Window(enum.StrEnum):
    DAY = "day"  # today so far, by hour
    WEEK = "week"  # the last 7 days, today included
    MONTH = "month"  # the last 30 days, today included


@dataclass(frozen=True)
class Period:
    start: datetime  # inclusive, aware
    end: datetime  # exclusive, aware
    bucket: str  # "hour" | "day": PostgreSQL date_trunc's unit, in Baghdad time

    @property
    def first_day(self) -> date:
        return self.start.astimezone(ZONE).date()

    @property
    def last_day(self) -> date:
        return (self.end - timedelta(microseconds=1)).astimezone(ZONE).date()

    def buckets(self) -> list[datetime]:
        """The local (naive) starts of every bucket, in order."""
        step = timedelta(hours=1) if self.bucket == "hour" else timedelta(days=1)
        at = _local_naive(self.start)
        if self.bucket == "day":
            at = at.replace(hour=0, minute=0, second=0, microsecond=0)
        last = _local_naive(self.end - timedelta(microseconds=1))
        out = []
        while at <= last:
            out.append(at)
            at += step
        return out


def _local_naive(moment: datetime) -> datetime:
    return moment.astimezone(ZONE).replace(tzinfo=None)


def local_midnight(day: date) -> datetime:
    return datetime.combine(day, time(), ZONE).astimezone(UTC)


def today(now: datetime | None = None) -> date:
    return (now or datetime.now(UTC)).astimezone(ZONE).date()


def window(kind: Window | str, now: datetime | None = None) -> Period:
    """The /stats periods, each ending at the end of today (Baghdad)."""
    day = today(now)
    end = local_midnight(day + timedelta(days=1))
    kind = Window(kind)
    if kind == Window.DAY:
        return Period(local_midnight(day), end, "hour")
    days = 7 if kind == Window.WEEK else 30
    return Period(local_midnight(day - timedelta(days=days - 1)), end, "day")


def month(year: int, month_no: int) -> Period:
    first = date(year, month_no, 1)
    after = date(year + (month_no == 12), month_no % 12 + 1, 1)
    return Period(local_midnight(first), local_midnight(after), "day")


def year(year_no: int) -> Period:
    return Period(local_midnight(date(year_no, 1, 1)), local_midnight(date(year_no + 1, 1, 1)), "day")


def days(first: date, last: date) -> Period:
    """From the start of ``first`` to the end of ``last`` (Baghdad days)."""
    return Period(local_midnight(first), local_midnight(last + timedelta(days=1)), "day")


def parse_month(text: str | None, now: datetime | None = None) -> Period:
    """"2026-11" (Latin or Arabic-Indic digits); empty: the month before the current one."""
    if not text:
        first = today(now).replace(day=1) - timedelta(days=1)
        return month(first.year, first.month)
    cleaned = text.strip().translate(str.maketrans("٠١٢٣٤٥٦٧٨٩", "0123456789"))
    try:
        y, m = (int(part) for part in cleaned.split("-"))
        return month(y, m)
    except ValueError:
        raise DomainError("month_invalid", text=text[:20]) from None


class Span(enum.StrEnum):
    """What a trader may export (/export)."""

    THIS_MONTH = "this_month"
    LAST_MONTH = "last_month"
    THIS_YEAR = "this_year"
    LAST_YEAR = "last_year"


def span(kind: Span | str, now: datetime | None = None) -> Period:
    day = today(now)
    kind = Span(kind)
    if kind == Span.THIS_MONTH:
        return month(day.year, day.month)
    if kind == Span.LAST_MONTH:
        before = day.replace(day=1) - timedelta(days=1)
        return month(before.year, before.month)
    return year(day.year if kind == Span.THIS_YEAR else day.year - 1)
