"""`make nlu-profiles`: train the assistant for each shop profile and measure it on that shop's
held-out sets (runs in .venv/bot; about 4 minutes of training per shop here).

For each shops/<id>/ with a shop.yml: tools/shop_build.py makes the training input, Rasa trains a
model into a temporary folder, and the model is measured on
* the held-out support intents: macro-F1 over the intents of the set, a message sent to
  nlu_fallback counting as a miss (gate ≥ 0.90), as tests/bot/test_nlu.py measures the demo;
* the everyday requests that are not about the shop: share landing on out_of_scope or nlu_fallback
  (gate ≥ 0.95).
The demo's sets are tests/bot/nlu_test.yml and tests/bot/out_of_domain.yml; another shop's are
shops/<id>/tests/nlu_test.yml and shops/<id>/tests/out_of_domain.yml, written by someone who had not
seen the training data. Results go to results/nlu_profiles.json and to docs/benchmarks.md (between
the NLU-PROFILES markers).

    .venv/bot/bin/python -m bench.nlu_profiles [casa electronics …]
"""

from __future__ import annotations

import asyncio
import json
import os
import platform
import re
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tools import shop_build  # noqa: E402

MARKUP = re.compile(r"\[([^\]]+)\]\((?:[^)]+)\)|\[([^\]]+)\]\{[^}]+\}")
DOC = ROOT / "docs" / "benchmarks.md"
START, END = "<!-- NLU-PROFILES:START -->", "<!-- NLU-PROFILES:END -->"
F1_GATE, OOD_GATE = 0.90, 0.95


def plain(text: str) -> str:
    return MARKUP.sub(lambda m: m.group(1) or m.group(2), text).strip()


def held_out(path: Path) -> list[tuple[str, str]]:
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    pairs = []
    for block in data.get("nlu") or []:
        for line in str(block.get("examples", "")).splitlines():
            if line.strip().startswith("- "):
                pairs.append((block["intent"], plain(line.strip()[2:])))
    return pairs


def everyday(path: Path) -> list[str]:
    topics = yaml.safe_load(path.read_text(encoding="utf-8"))["topics"]
    return [t for items in topics.values() for t in items]


def sets_of(shop_id: str) -> tuple[Path, Path]:
    if shop_id == "casa":
        return ROOT / "tests/bot/nlu_test.yml", ROOT / "tests/bot/out_of_domain.yml"
    folder = ROOT / "shops" / shop_id / "tests"
    return folder / "nlu_test.yml", folder / "out_of_domain.yml"


def train(shop_id: str, work: Path) -> tuple[Path, float]:
    built = work / "input"
    shop_build.build(ROOT, ROOT / "shops" / shop_id, built)
    started = time.monotonic()
    env = {**os.environ, "SPORTELLO_SHOP": str(ROOT / "shops" / shop_id), "PYTHONWARNINGS": "ignore"}
    done = subprocess.run(
        [
            str(ROOT / ".venv/bot/bin/rasa"),
            "train",
            "nlu",
            "--config",
            str(built / "config.yml"),
            "--nlu",
            str(built / "data" / "nlu"),
            "--out",
            str(work),
            "--fixed-model-name",
            shop_id,
            "--num-threads",
            "2",
            "--domain",
            str(ROOT / "domain.yml"),
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    model = work / f"{shop_id}.tar.gz"
    if done.returncode != 0 or not model.exists():
        raise RuntimeError(f"training for {shop_id} failed:\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}")
    return model, time.monotonic() - started


def measure(shop_id: str, model: Path) -> dict:
    from rasa.core.agent import Agent
    from sklearn.metrics import classification_report, f1_score

    agent = Agent.load(str(model))

    async def parse(texts: list[str]) -> list[str]:
        return [(await agent.parse_message(t))["intent"]["name"] for t in texts]

    test_file, ood_file = sets_of(shop_id)
    pairs = held_out(test_file)
    truth = [i for i, _ in pairs]
    predicted = asyncio.run(parse([t for _, t in pairs]))
    labels = sorted(set(truth))
    macro = f1_score(truth, predicted, labels=labels, average="macro", zero_division=0)
    report = classification_report(truth, predicted, labels=labels, output_dict=True, zero_division=0)
    texts = everyday(ood_file)
    landed = asyncio.run(parse(texts))
    wrong = [(t, i) for t, i in zip(texts, landed, strict=True) if i not in ("out_of_scope", "nlu_fallback")]
    return {
        "shop": shop_id,
        "held_out": {
            "file": str(test_file.relative_to(ROOT)),
            "messages": len(pairs),
            "macro_f1": round(macro, 3),
        },
        "per_intent": {k: round(v["f1-score"], 2) for k, v in report.items() if k in labels},
        "errors": [(t, i, p) for (i, t), p in zip(pairs, predicted, strict=True) if i != p],
        "out_of_domain": {
            "file": str(ood_file.relative_to(ROOT)),
            "messages": len(texts),
            "rejected": round(1 - len(wrong) / len(texts), 3),
            "wrong": wrong,
        },
    }


def record(results: list[dict]) -> None:
    rows = [
        "| shop | held-out support macro-F1 (gate ≥ 0.90) | everyday requests rejected (gate ≥ 0.95) | training |",
        "| --- | --- | --- | --- |",
    ]
    for r in results:
        f1, ood = r["held_out"], r["out_of_domain"]
        rows.append(
            f"| {r['shop']} | **{f1['macro_f1']:.3f}** ({f1['messages']} messages{'' if f1['macro_f1'] >= F1_GATE else ', below the gate'}) "
            f"| **{ood['rejected']:.3f}** ({ood['messages']} messages{'' if ood['rejected'] >= OOD_GATE else ', below the gate'}) "
            f"| {r['train_seconds']:.0f} s |"
        )
    block = "\n".join(
        [
            START,
            f"Measured by `make nlu-profiles` on {date.today().isoformat()} ({platform.node() or 'this machine'}, "
            f"{os.cpu_count()} cores): each shop's model trained from its profile (NLU only), measured on that "
            "shop's own held-out sets (results/nlu_profiles.json lists every miss).",
            "",
            *rows,
            END,
        ]
    )
    text = DOC.read_text(encoding="utf-8")
    if START in text:
        text = text[: text.index(START)] + block + text[text.index(END) + len(END) :]
    else:
        anchor = "## Training time"
        text = text.replace(anchor, "### Per shop profile\n\n" + block + "\n\n" + anchor, 1)
    DOC.write_text(text, encoding="utf-8")


def main(argv: list[str]) -> int:
    shops = argv or sorted(p.parent.name for p in (ROOT / "shops").glob("*/shop.yml"))
    results = []
    with tempfile.TemporaryDirectory(prefix="sportello-profiles-") as tmp:
        for index, shop_id in enumerate(shops, 1):
            print(f"[{index}/{len(shops)}] {shop_id}: training (a few minutes)…", flush=True)
            model, seconds = train(shop_id, Path(tmp) / shop_id)
            print(f"[{index}/{len(shops)}] {shop_id}: trained in {seconds:.0f} s, measuring…", flush=True)
            result = measure(shop_id, model)
            result["train_seconds"] = seconds
            results.append(result)
            print(
                f"[{index}/{len(shops)}] {shop_id}: macro-F1 {result['held_out']['macro_f1']:.3f}, "
                f"everyday rejected {result['out_of_domain']['rejected']:.3f}",
                flush=True,
            )
    out = ROOT / "results" / "nlu_profiles.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(results, indent=1, ensure_ascii=False), encoding="utf-8")
    record(results)
    failed = [
        r["shop"]
        for r in results
        if r["held_out"]["macro_f1"] < F1_GATE or r["out_of_domain"]["rejected"] < OOD_GATE
    ]
    print(
        f"Results in {out} and docs/benchmarks.md."
        + (f" Below a gate: {', '.join(failed)}." if failed else "")
    )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
