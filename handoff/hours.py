"""Business hours: "mon-fri 09:00-18:00; sat 09:00-13:00" (local time of HUB_TIMEZONE)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, time

DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
_RANGE = re.compile(r"^(\d{1,2}):(\d{2})-(\d{1,2}):(\d{2})$")


def _clock(h: str, m: str, text: str) -> time | None:
    hour, minute = int(h), int(m)
    if hour == 24 and minute == 0:
        return None  # end of day
    if hour > 23 or minute > 59:
        raise ValueError(f"{text!r} is not a valid time range")
    return time(hour, minute)


@dataclass(frozen=True)
class BusinessHours:
    """Opening windows per weekday (0 = Monday); `None` means always open."""

    windows: tuple[tuple[tuple[time, time | None], ...], ...] | None

    @classmethod
    def always(cls) -> BusinessHours:
        return cls(None)

    @classmethod
    def parse(cls, spec: str) -> BusinessHours:
        per_day: list[list[tuple[time, time | None]]] = [[] for _ in DAYS]
        parts = [p.strip() for p in spec.split(";") if p.strip()]
        if not parts:
            raise ValueError("empty specification")
        for part in parts:
            tokens = part.replace(",", " ").split()
            if len(tokens) < 2:
                raise ValueError(f"{part!r}: expected '<days> HH:MM-HH:MM', e.g. 'mon-fri 09:00-18:00'")
            day_spec, ranges = tokens[0].lower(), tokens[1:]
            days: list[int] = []
            for piece in day_spec.split("+"):
                if "-" in piece:
                    start, _, end = piece.partition("-")
                    if start not in DAYS or end not in DAYS:
                        raise ValueError(f"{piece!r} is not a day range like mon-fri")
                    a, b = DAYS.index(start), DAYS.index(end)
                    if a > b:
                        raise ValueError(f"{piece!r}: the first day must come before the last")
                    days.extend(range(a, b + 1))
                elif piece in DAYS:
                    days.append(DAYS.index(piece))
                else:
                    raise ValueError(f"{piece!r} is not a day (use {', '.join(DAYS)})")
            for text in ranges:
                match = _RANGE.match(text)
                if not match:
                    raise ValueError(f"{text!r} is not a time range like 09:00-18:00")
                opens = _clock(match.group(1), match.group(2), text)
                closes = _clock(match.group(3), match.group(4), text)
                if opens is None or (closes is not None and closes <= opens):
                    raise ValueError(f"{text!r}: closing time must be after opening time")
                for day in days:
                    per_day[day].append((opens, closes))
        return cls(tuple(tuple(w) for w in per_day))

    def is_open(self, moment: datetime) -> bool:
        """Whether `moment` (an aware datetime in the hub's time zone) is inside business hours."""
        if self.windows is None:
            return True
        now = moment.time()
        for opens, closes in self.windows[moment.weekday()]:
            if opens <= now and (closes is None or now < closes):
                return True
        return False
