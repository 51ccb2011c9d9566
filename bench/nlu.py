"""NLU benchmark (runs in .venv/bot): parse latency of the trained model, against a baseline.

The baseline, measured in the same run on the same messages, is the spaCy pipeline alone
(tokenising and lemmatising), the floor any Rasa pipeline built on it pays. The ratio says
how much the rest of the pipeline (featurizers, DIET, extractors, frustration) costs on top.
Prints one JSON object.
"""

from __future__ import annotations

import asyncio
import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def messages() -> list[str]:
    from tests.bot.test_nlu import examples, plain  # the held-out set: realistic lengths

    return [plain(text) for _, text in examples(ROOT / "tests" / "bot" / "nlu_test.yml")]


def timed(fn, items) -> list[float]:
    out = []
    for item in items:
        start = time.perf_counter()
        fn(item)
        out.append((time.perf_counter() - start) * 1000)
    return out


def main() -> None:
    import spacy
    from rasa.core.agent import Agent

    texts = messages()
    nlp = spacy.load(ROOT / "bot" / "models" / "spacy_it")
    agent = Agent.load(str(ROOT / "bot" / "models" / "sportello.tar.gz"))
    loop = asyncio.new_event_loop()
    parse = lambda t: loop.run_until_complete(agent.parse_message(t))  # noqa: E731
    for t in texts[:20]:  # warm-up
        parse(t)
        nlp(t)
    base = timed(nlp, texts)
    model = timed(parse, texts)
    result = {
        "messages": len(texts),
        "baseline_spacy_ms_p50": round(statistics.median(base), 3),
        "model_parse_ms_p50": round(statistics.median(model), 3),
        "model_parse_ms_p95": round(sorted(model)[int(len(model) * 0.95)], 3),
        "ratio_p50": round(statistics.median(model) / statistics.median(base), 1),
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
