"""`make bench`: run every benchmark and record the results in docs/benchmarks.md.

Each benchmark is a script that prints progress lines on stderr (shown while it runs) and one JSON
object on stdout, and measures its baseline in the same run (this machine is noisy: compare ratios,
not milliseconds). The section between the BENCH markers of docs/benchmarks.md is rewritten and the
plots in docs/bench/ are redrawn; the rest of the page (NLU quality, training time, the profile
notes) is kept.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import machine  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
PAGE = ROOT / "docs" / "benchmarks.md"
PLOTS = ROOT / "docs" / "bench"
START, END = "<!-- BENCH:START -->", "<!-- BENCH:END -->"
BENCHES = [
    ("turns", ROOT / ".venv/hub/bin/python", "bench/turns.py"),
    ("relay", ROOT / ".venv/hub/bin/python", "bench/relay.py"),
    ("nlu", ROOT / ".venv/bot/bin/python", "bench/nlu.py"),
    ("reports", ROOT / ".venv/hub/bin/python", "bench/reports.py"),
]


def run(name: str, python: Path, script: str) -> dict:
    print(f"bench: {name}…", flush=True)
    started = time.monotonic()
    env = {
        **os.environ,
        "TF_CPP_MIN_LOG_LEVEL": "3",
        "PYTHONWARNINGS": "ignore",
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    # stderr (the progress lines) goes straight to the terminal
    done = subprocess.run([str(python), script], cwd=ROOT, stdout=subprocess.PIPE, text=True, env=env)
    if done.returncode != 0:
        raise SystemExit(f"bench {name} failed (exit {done.returncode}):\n{done.stdout[-2000:]}")
    result = json.loads(done.stdout.strip().splitlines()[-1])
    result["seconds"] = round(time.monotonic() - started)
    print(f"bench: {name} done in {result['seconds']} s", flush=True)
    return result


def verdict(ok: bool) -> str:
    return "**met**" if ok else "**missed**"


def plots(turns: dict, relay: dict) -> list[str]:
    """Latency against concurrency (hub vs Rasa direct) and memory against connections."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    PLOTS.mkdir(parents=True, exist_ok=True)
    levels = sorted(turns["levels"], key=int)
    x = [int(level) for level in levels]
    fig, ax = plt.subplots(figsize=(6.4, 4.0), dpi=110)
    for key, label, style in (
        ("direct_p50", "Rasa direct p50", "o--"),
        ("hub_p50", "through the hub p50", "o-"),
        ("direct_p95", "Rasa direct p95", "s--"),
        ("hub_p95", "through the hub p95", "s-"),
    ):
        ax.plot(x, [turns["levels"][level][key] for level in levels], style, label=label)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xticks(x, [str(v) for v in x])
    ax.set_xlabel("concurrent customers")
    ax.set_ylabel("bot turn latency (ms)")
    ax.set_title("Bot turn: hub vs Rasa's REST webhook (same run)")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(PLOTS / "turn-latency.png")
    plt.close(fig)

    points = relay["memory"]["points_kib"]
    fig, ax = plt.subplots(figsize=(6.4, 4.0), dpi=110)
    ax.plot([p[0] for p in points], [p[1] / 1024 for p in points], "o-", label="hub RSS")
    base = points[0][1] / 1024
    ax.plot(
        [0, points[-1][0]],
        [base, base + points[-1][0] * 64 / 1024],
        ":",
        label="goal: 64 KB per socket",
    )
    ax.set_xlabel("idle customer sockets open")
    ax.set_ylabel("hub resident memory (MiB)")
    ax.set_title("Hub memory against connections")
    ax.grid(True, alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(PLOTS / "memory.png")
    plt.close(fig)
    return ["bench/turn-latency.png", "bench/memory.png"]


def table(results: dict, elapsed: float) -> str:
    turns, relay, nlu, box = results["turns"], results["relay"], results["nlu"], results["machine"]
    when = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    base = relay["baseline_ms"]
    rel, one, two, mem, ho = (
        relay["relay_ms"],
        relay["throughput_one"],
        relay["throughput_two"],
        relay["memory"],
        relay["handoff_ms"],
    )
    lines = [
        START,
        f"Recorded by `make bench` on {when}; the benchmarks took {elapsed / 60:.1f} minutes.",
        "",
        f"Machine: {box['cpu']}, {box['cores']} cores, {box['memory_gib']} GiB; Python {box['python_hub']} "
        f"(hub) and {box['python_bot']} (Rasa), Redis {box['redis']}, Linux {box['kernel']}. "
        "Everything (Redis, Rasa, the action server, the hub and the load generator) shares these cores.",
        "",
        "### 1. Bot turn latency: through the hub vs straight to Rasa",
        "",
        "Customer frame sent on the WebSocket → first bot message on the socket, against the same "
        "message POSTed to Rasa's REST webhook (baseline), each message in a fresh conversation, "
        f"intents {', '.join(turns['intents'])}. Goal: the hub adds at most 10 % at p50.",
        "",
        "| concurrent customers | messages | Rasa direct p50 / p95 | through the hub p50 / p95 | ratio p50 | ratio p95 | goal (≤ 1.10 at p50) |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for level in sorted(turns["levels"], key=int):
        t = turns["levels"][level]
        lines.append(
            f"| {level} | {t['messages']} | {t['direct_p50']} / {t['direct_p95']} ms | {t['hub_p50']} / {t['hub_p95']} ms"
            f" | {t['ratio_p50']}× | {t['ratio_p95']}× | {verdict(t['ratio_p50'] <= 1.10)} |"
        )
    first = turns["levels"].get("1")
    if first and "hub_typing_p50" in first:
        lines += [
            "",
            f"Through the hub at 1 customer (p50s): the ack after {first['hub_ack_p50']} ms, the bot's typing "
            f"(the worker is calling Rasa) after {first['hub_typing_p50']} ms, the answer after {first['hub_p50']} ms; "
            f"Rasa alone answers in {first['direct_p50']} ms.",
        ]
    lines += [
        "",
        "![Bot turn latency against concurrency](bench/turn-latency.png)",
        "",
        f"### 2. Relay with {relay['conversations']} live conversations on one hub process",
        "",
        f"Every conversation has its customer socket open and is assigned to one of {relay['agents']} agents whose "
        f"console socket is open; {rel['rate_per_s']:.0f} messages/s, half each way, to random conversations "
        f"({rel['samples']} messages, {rel['lost']} not delivered). Baseline: XADD then a blocked XREAD on the same Redis. "
        f"Hub CPU during the run: {rel['hub_cpu_cores_used']} cores; load generator: {rel['client_cpu_cores_used']} cores.",
        "",
        "| measure | p50 | p99 | baseline p50 / p99 | ratio p50 / p99 | goal (p99 ≤ 25 ms and ≤ 5× baseline) |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for label, key in (("agent → customer", "agent_to_customer"), ("customer → agent", "customer_to_agent")):
        r = rel[key]
        lines.append(
            f"| {label} | {r['p50']} ms | {r['p99']} ms | {base['p50']} / {base['p99']} ms"
            f" | {round(r['p50'] / base['p50'], 1)}× / {round(r['p99'] / base['p99'], 1)}× |"
            f" {verdict(r['p99'] <= 25 and r['p99'] <= 5 * base['p99'])} |"
        )
    lines += [
        f"| both | {rel['p50']} ms | {rel['p99']} ms | {base['p50']} / {base['p99']} ms | {rel['ratio_p50']}× / {rel['ratio_p99']}× |"
        f" {verdict(rel['p99'] <= 25 and rel['p99'] <= 5 * base['p99'])} |",
        "",
        "### 3. Throughput and memory, one and two hub processes",
        "",
        "Throughput: every customer sends its next message as soon as the previous one is acked; "
        "messages delivered to the agents' sockets per second. The load generator shares the cores, "
        "so the hub's CPU time per message (and the rate one core could carry at that cost) is given too.",
        "",
        "| measure | one hub | two hubs (same Redis) | ratio two / one | goal |",
        "| --- | --- | --- | --- | --- |",
        f"| customer → agent messages/s | {one['messages_per_s']} | {two['messages_per_s']} | {two['ratio_to_one']}× |"
        f" ≥ 3,000/s: {verdict(one['messages_per_s'] >= 3000)} |",
        f"| hub CPU per message | {one['hub_cpu_ms_per_message']} ms | {two['hub_cpu_ms_per_message']} ms |"
        f" {round(two['hub_cpu_ms_per_message'] / one['hub_cpu_ms_per_message'], 2) if one['hub_cpu_ms_per_message'] else 0}× | — |",
        f"| hub CPU used (cores) / load generator (cores) | {one['hub_cpu_cores_used']} / {one['client_cpu_cores_used']}"
        f" | {two['hub_cpu_cores_used']} / {two['client_cpu_cores_used']} | — | — |",
        f"| messages/s one core could carry (1 / CPU per message) | {one['per_core_ceiling_per_s']} | {two['per_core_ceiling_per_s']} per core"
        f" | {ratio_str(two['per_core_ceiling_per_s'], one['per_core_ceiling_per_s'])} | — |",
        f"| memory per idle customer socket (RSS delta / sockets) | {mem['per_socket_kib']} KiB ({relay['conversations']} sockets)"
        f" | {mem.get('second_hub_per_socket_kib', '—')} KiB ({relay['conversations'] // 2} sockets moved to the second hub) | — |"
        f" ≤ 64 KB: {verdict(mem['per_socket_kib'] * 1024 <= 64000)} |",
        "",
        "![Hub memory against connections](bench/memory.png)",
        "",
        "### 4. Hand-off latency",
        "",
        "POST /v1/internal/conversations/{id}/handoff (what the action server calls, so Rasa's own time "
        "is excluded: hub side only) → the `assigned` frame on the agent's console socket, one at a time, "
        f"with {relay['conversations']} customer sockets open.",
        "",
        "| measure | p50 | p99 | baseline (Redis XADD → XREAD) p50 | ratio p50 |",
        "| --- | --- | --- | --- | --- |",
        f"| hand-off → agent's `assigned` frame | {ho['p50']} ms | {ho['p99']} ms | {base['p50']} ms | {ho['ratio_p50']}× |",
        "",
        "### 5. NLU parse time",
        "",
        "| measure | result | baseline (same run) | ratio |",
        "| --- | --- | --- | --- |",
        f"| NLU parse of one message (p50 / p95, {nlu['messages']} held-out messages) | {nlu['model_parse_ms_p50']} / {nlu['model_parse_ms_p95']} ms"
        f" | spaCy pipeline alone: {nlu['baseline_spacy_ms_p50']} ms | {nlu['ratio_p50']}× |",
        "",
        "Training time and F1 are not re-measured by `make bench` (training takes about 4 minutes): see "
        "NLU quality and Training time above.",
    ]
    reports = results.get("reports")
    if reports:
        lines += [
            "",
            f"### 6. Reports over {reports['conversations']:,} conversations ({reports['days']} days)",
            "",
            "Facts generated the way the metrics home writes them; the baseline is the raw read of the same "
            "facts (every conversation's hash, pipelined in the same batches): the floor of any report that "
            "reads per-conversation facts.",
            "",
            "| measure | result | baseline (same run) | ratio | goal |",
            "| --- | --- | --- | --- | --- |",
            f"| summary, {reports['days']} days | {reports['summary_ms']} ms | raw read: {reports['raw_read_ms']} ms"
            f" | {reports['summary_vs_raw']}× | ≤ 300 ms: {verdict(reports['summary_ms'] <= 300)} |",
            f"| summary, one agent | {reports['summary_filtered_ms']} ms | | | |",
            f"| CSV, {reports['csv_rows']:,} rows, streamed | {reports['csv_ms']} ms ({reports['csv_rows_per_s']:,} rows/s) | | | |",
            f"| CSV peak Python memory: all rows vs a tenth ({reports['csv_rows_tenth']:,} rows) | {reports['csv_peak_kib_all']} KiB"
            f" | {reports['csv_peak_kib_tenth']} KiB | {reports['csv_memory_ratio']}× | flat (≈ 1×):"
            f" {verdict(reports['csv_memory_ratio'] <= 1.3)} |",
        ]
    profile = turns.get("profile")
    if profile:
        lines += [
            "",
            f"Profile of the hub during 20 concurrent bot turns (`py-spy record`, {profile['samples']} busy samples; "
            "shares of the samples, a sample counts in every group on its stack):",
            "",
            "| where | share |",
            "| --- | --- |",
        ]
        lines += [f"| {k} | {v} % |" for k, v in profile["inclusive_pct"].items()]
        lines += [
            "",
            "Functions where the samples are (self time):",
            "",
            "| function | share |",
            "| --- | --- |",
        ]
        lines += [f"| `{k}` | {v} % |" for k, v in list(profile["self_pct"].items())[:8]]
    lines.append(END)
    return "\n".join(lines)


def ratio_str(a: float, b: float) -> str:
    return f"{round(a / b, 2)}×" if b else "—"


def main() -> int:
    saved = ROOT / "results" / "bench.json"
    if "--from-results" in sys.argv:  # rewrite the page and plots from the last run's figures
        results = json.loads(saved.read_text())
        elapsed = results["seconds"]
        profile = Path(os.environ.get("BENCH_PROFILE", ROOT / "results" / "hub-turn-profile.txt"))
        if profile.exists():
            from bench.turns import summarise_profile

            results["turns"]["profile"] = summarise_profile(profile)
    else:
        started = time.monotonic()
        results = {"machine": machine()}
        for name, python, script in BENCHES:
            results[name] = run(name, python, script)
        elapsed = results["seconds"] = round(time.monotonic() - started)
        saved.parent.mkdir(exist_ok=True)
    saved.write_text(json.dumps(results, indent=1))
    plots(results["turns"], results["relay"])
    page = PAGE.read_text(encoding="utf-8")
    if START in page and END in page:
        page = page[: page.index(START)] + table(results, elapsed) + page[page.index(END) + len(END) :]
    else:
        page = page.rstrip("\n") + "\n\n## Runtime benchmarks\n\n" + table(results, elapsed) + "\n"
    PAGE.write_text(page, encoding="utf-8")
    print(f"bench: recorded in {PAGE.relative_to(ROOT)} and docs/bench/*.png ({elapsed / 60:.1f} minutes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
