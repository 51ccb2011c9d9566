"""Conversation tests: every flow and its interruptions, with --fail-on-prediction-errors."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

# loads the trained model (TensorFlow): `make test-dates` runs the rest of the suite at other dates
pytestmark = pytest.mark.model

ROOT = Path(__file__).resolve().parents[2]
# `make ship` runs these on a candidate model (tools/ship.py)
MODEL = Path(os.environ.get("SPORTELLO_MODEL") or ROOT / "bot" / "models" / "sportello.tar.gz")


def test_conversations_are_predicted_without_errors(tmp_path):
    assert MODEL.exists(), "run `make train` first"
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    # `rasa test` reads endpoints.yml; conversation tests do not run actions or touch Redis,
    # so an in-memory tracker store is used (no REDIS_* needed).
    endpoints = tmp_path / "endpoints.yml"
    endpoints.write_text("action_endpoint:\n  url: http://127.0.0.1:9/webhook\n")
    out = tmp_path / "core"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "rasa",
            "test",
            "core",
            "--model",
            str(MODEL),
            "--stories",
            str(ROOT / "tests" / "bot" / "conversations.yml"),
            "--endpoints",
            str(endpoints),
            "--fail-on-prediction-errors",
            "--out",
            str(out),
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    failed = out / "failed_test_stories.yml"
    details = failed.read_text() if failed.exists() else ""
    assert result.returncode == 0, f"{result.stdout[-3000:]}\n{result.stderr[-3000:]}\n{details}"
    assert "Failed stories" not in details
