"""The hub's calendar: what day and hour it is in the shop's time zone (business hours, the day a
figure is counted in). Durations and time-outs use `time.time()` directly; only decisions that depend
on the date or the hour go through a `Clock`, so a test can set the calendar (`Clock.starting(...)`:
a clock that starts at a given moment and runs) and pass on any day and at any hour.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime
from zoneinfo import ZoneInfo


class Clock:
    def __init__(self, tz: ZoneInfo, source: Callable[[], float] = time.time):
        self.tz = tz
        self._source = source

    @classmethod
    def starting(cls, tz: ZoneInfo, when: datetime) -> Clock:
        """A clock that says `when` (a datetime with its time zone) now, and runs on from there:
        for tests that need a given day and hour."""
        offset = when.timestamp() - time.time()
        return cls(tz, lambda: time.time() + offset)

    def now(self) -> float:
        """Seconds since the epoch, as the calendar sees them."""
        return self._source()

    def local(self, ts: float | None = None) -> datetime:
        """`ts` (default: now) in the shop's time zone."""
        return datetime.fromtimestamp(self.now() if ts is None else ts, self.tz)

    def day(self, ts: float | None = None) -> str:
        """The shop's calendar day of `ts` (default: now), as YYYY-MM-DD."""
        return self.local(ts).date().isoformat()
