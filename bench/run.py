"""`make bench`: run every benchmark and record the results in docs/benchmarks.md.

Each benchmark prints one JSON object and measures its baseline in the same run (this machine is
noisy: compare ratios, not milliseconds). The section between the BENCH markers of
docs/benchmarks.md is rewritten; the rest of the page (held-out and cross-validation figures,
training time) is kept.
"""

from __future__ import annotations

import json
import platform
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PAGE = ROOT / "docs" / "benchmarks.md"
START, END = "<!-- BENCH:START -->", "<!-- BENCH:END -->"
BENCHES = [
    ("hub", ROOT / ".venv/hub/bin/python", "bench/hub.py"),
    ("nlu", ROOT / ".venv/bot/bin/python", "bench/nlu.py"),
]


def run(name: str, python: Path, script: str) -> dict:
    print(f"bench: {name}…", flush=True)
    started = time.monotonic()
    done = subprocess.run(
        [str(python), script],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={"TF_CPP_MIN_LOG_LEVEL": "3", "PATH": "/usr/local/bin:/usr/bin:/bin", "PYTHONWARNINGS": "ignore"},
    )
    if done.returncode != 0:
        raise SystemExit(f"bench {name} failed:\n{done.stdout[-2000:]}\n{done.stderr[-4000:]}")
    result = json.loads(done.stdout.strip().splitlines()[-1])
    print(f"bench: {name} done in {time.monotonic() - started:.0f} s: {result}", flush=True)
    return result


def table(results: dict) -> str:
    hub, nlu = results["hub"], results["nlu"]
    when = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    return "\n".join(
        [
            START,
            f"Recorded by `make bench` on {when} ({platform.machine()}, {platform.python_version()} hub side).",
            "",
            "| measure | result | baseline (same run) | ratio |",
            "| --- | --- | --- | --- |",
            f"| customer message → ack over WebSocket (p50 / p95) | {hub['customer_ack_ms_p50']} / {hub['customer_ack_ms_p95']} ms"
            f" | Redis XADD + PUBLISH + wake-up: {hub['baseline_redis_ms_p50']} ms | {hub['customer_ack_ratio_p50']}× |",
            f"| agent reply → customer's socket (p50 / p95) | {hub['agent_to_customer_ms_p50']} / {hub['agent_to_customer_ms_p95']} ms"
            f" | same | {hub['agent_to_customer_ratio_p50']}× |",
            f"| hub memory (RSS) idle → after {hub['conversations']} conversations | {hub['rss_mib_idle']} → {hub['rss_mib_after']} MiB | — | — |",
            f"| NLU parse of one message (p50 / p95, {nlu['messages']} held-out messages) | {nlu['model_parse_ms_p50']} / {nlu['model_parse_ms_p95']} ms"
            f" | spaCy pipeline alone: {nlu['baseline_spacy_ms_p50']} ms | {nlu['ratio_p50']}× |",
            END,
        ]
    )


def main() -> int:
    results = {name: run(name, python, script) for name, python, script in BENCHES}
    page = PAGE.read_text(encoding="utf-8")
    if START in page and END in page:
        page = page[: page.index(START)] + table(results) + page[page.index(END) + len(END) :]
    else:
        page = page.rstrip("\n") + "\n\n## Runtime benchmarks\n\n" + table(results) + "\n"
    PAGE.write_text(page, encoding="utf-8")
    print(f"bench: recorded in {PAGE.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
