"""Training output as a newcomer reads it (tools/train_progress.py): a few readable lines per
progress bar, the components named, dependencies' warnings left out."""

from __future__ import annotations

import subprocess
import sys

from tools import devstack


def run(raw: str) -> list[str]:
    done = subprocess.run(
        [sys.executable, "-m", "tools.train_progress"],
        cwd=devstack.ROOT,
        input=raw.encode(),
        capture_output=True,
        timeout=30,
        check=True,
    )
    return done.stdout.decode().splitlines()


def bar(what: str, total: int, eta_per_step: int = 2) -> str:
    """What a tqdm bar writes: one carriage-return update per step, on one line."""
    updates = []
    for done in range(total + 1):
        pct = done * 100 // total
        eta = (total - done) * eta_per_step
        updates.append(
            f"{what}: {pct:3d}%|{'█' * (pct // 10):10}| {done}/{total} [00:{done:02d}<{eta // 60:02d}:{eta % 60:02d}, 1.0it/s, # action={done}]"
        )
    return "\r".join(updates) + "\n"


def test_a_bar_of_thousands_of_updates_becomes_a_few_lines():
    raw = (
        "2026-12-07 INFO rasa.engine.training.hooks - Starting to train component 'TEDPolicy'.\n"
        + bar("Processed trackers", 350)
        + "2026-12-07 INFO rasa.engine.training.hooks - Starting to train component 'DIETClassifier'.\n"
        + bar("Epochs", 80, eta_per_step=3)
        + "\r".join(f"Processed actions: {n}it [00:00, ?it/s, # examples={n}]" for n in range(500))
        + "\n"
        + "/venv/lib/python3.10/site-packages/x.py:3: DeprecationWarning: the old way\n"
        + "2026-12-07 12:00:00.1: I tensorflow/core/util/port.cc:110] oneDNN custom operations are on.\n"
        + "Your Rasa model is trained and saved at 'bot/models/sportello.tar.gz'.\n"
    )
    assert max(len(line) for line in raw.split("\n")) > 20_000  # what CI printed as one line
    lines = run(raw)
    assert len(lines) <= 14, lines
    assert all(len(line) < 200 for line in lines)
    assert "  TEDPolicy: processed trackers 350/350" in lines
    assert "  DIETClassifier: epoch 40/80, about 2 min left" in lines
    assert "  DIETClassifier: epoch 80/80" in lines
    assert "  DIETClassifier: processed actions 0…" in lines  # a bar without a total: once
    assert not any("DeprecationWarning" in line or "tensorflow" in line for line in lines)
    assert lines[-1] == "Your Rasa model is trained and saved at 'bot/models/sportello.tar.gz'."
