"""A copy of the repository's content (what editors change and `make validate --root` reads), for
tests that break or extend it without touching the repository."""

from __future__ import annotations

import shutil
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
CONTENT = (
    "domain.yml",
    "config.yml",
    "bot/data",
    "bot/problems.yml",
    "shops/casa",
    "tests/bot/nlu_test.yml",
)


def copy_content(to: Path) -> Path:
    """The content files copied under `to` (created), which is returned."""
    for name in CONTENT:
        source, target = REPO / name, Path(to) / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if source.is_dir():
            shutil.copytree(source, target)
        else:
            shutil.copy2(source, target)
    return Path(to)
