"""Rasa's training output, as a newcomer reads it: `rasa train … | python -m tools.train_progress`.

Rasa draws a progress bar per step (thousands of carriage-return updates: one line of a CI log was
over 20,000 characters). This keeps what tells the story — which component trains, the log lines
that matter — and turns each progress bar into a few readable lines ("DIETClassifier: epoch 40/80,
about 1 min left"), at most one per quarter of the bar or per 30 s; warnings of dependencies
(TensorFlow's, deprecations) are left out. Standard library only; it never fails the pipe.
"""

from __future__ import annotations

import re
import sys
import time

BAR = re.compile(
    r"^(?P<what>[A-Za-z][A-Za-z ]*?):\s+(?P<pct>\d+)%\|[^|]*\|\s*(?P<done>\d+)/(?P<total>\d+)"
    r"\s*\[(?P<elapsed>[\d:]+)<(?P<eta>[\d:?]+)"
)
# a bar without a known total ("Processed actions: 12it [00:01, 9.1it/s, # examples=12]")
COUNTER = re.compile(r"^(?P<what>[A-Za-z][A-Za-z ]*?):\s+(?P<done>\d+)it\s*\[")
COMPONENT = re.compile(r"Starting to train component '([^']+)'")
NOISE = re.compile(
    r"tensorflow|cuda|TensorRT|rebuild TensorFlow|AVX2|oneDNN|Pyparsing|setParseAction|parseString|resetCache"
    r"|DeprecationWarning|PendingDeprecationWarning|warnings\.warn|is not used in any story or rule"
    r"|listed in the domain file, but is not found|^\s*$",
)
QUARTERS = (25, 50, 75, 100)
EVERY = 30.0


def seconds(clock: str) -> int | None:
    """'01:05' or '1:02:03' → seconds (None for '?')."""
    if "?" in clock:
        return None
    total = 0
    for part in clock.split(":"):
        total = total * 60 + int(part)
    return total


def left(eta: int | None) -> str:
    if eta is None:
        return ""
    if eta < 60:
        return f", about {eta} s left"
    return f", about {round(eta / 60)} min left"


class Progress:
    def __init__(self, out=sys.stdout):
        self.out = out
        self.component = ""
        self.shown: dict[tuple[str, str], tuple[int, float]] = {}

    def line(self, text: str) -> None:
        text = text.rstrip()
        found = COMPONENT.search(text)
        if found:
            self.component = found.group(1)
        bar = BAR.match(text.strip())
        if bar:
            self.bar(bar)
            return
        counter = COUNTER.match(text.strip())
        if counter:
            self.counter(counter)
            return
        if NOISE.search(text):
            return
        self.out.write(text + "\n")
        self.out.flush()

    def bar(self, bar: re.Match) -> None:
        what, pct = bar.group("what").strip(), int(bar.group("pct"))
        done, total = int(bar.group("done")), int(bar.group("total"))
        key = (self.component, what)
        last_pct, last_time = self.shown.get(key, (-1, 0.0))
        now = time.monotonic()
        crossed = any(last_pct < q <= pct for q in QUARTERS)
        if not crossed and now - last_time < EVERY:
            return
        if pct == last_pct:
            return
        self.shown[key] = (pct, now)
        unit = "epoch" if what.lower().startswith("epoch") else what.lower()
        name = f"{self.component}: " if self.component else ""
        eta = left(seconds(bar.group("eta"))) if pct < 100 else ""
        self.out.write(f"  {name}{unit} {done}/{total}{eta}\n")
        self.out.flush()

    def counter(self, found: re.Match) -> None:
        """A bar with no total: its first update, then one line per 30 s at most."""
        what, done = found.group("what").strip(), int(found.group("done"))
        key = (self.component, what)
        _, last_time = self.shown.get(key, (-1, 0.0))
        now = time.monotonic()
        if now - last_time < EVERY:
            return
        self.shown[key] = (done, now)
        name = f"{self.component}: " if self.component else ""
        self.out.write(f"  {name}{what.lower()} {done}…\n")
        self.out.flush()


def main() -> int:
    progress = Progress()
    pending = ""
    stream = sys.stdin.buffer
    while True:
        chunk = stream.read1(65536) if hasattr(stream, "read1") else stream.read(65536)
        if not chunk:
            break
        pending += chunk.decode("utf-8", errors="replace")
        *complete, pending = re.split(r"[\r\n]", pending)
        for piece in complete:
            progress.line(piece)
    if pending:
        progress.line(pending)
    return 0


if __name__ == "__main__":
    sys.exit(main())
