"""Content editors ship into the running system (tools/ship.py, `make ship` / `make rollback`).

Following docs/content-guide.md's own recipe — its blocks are read from the guide and applied as
written to a copy of the content — a new intent (the shop's opening hours) is shipped into the
running stack: Rasa loads the new model through its HTTP API, the hubs take the new words through
Redis, nobody restarts. A conversation started before the swap, in the middle of a form, carries
on; a customer asking the opening hours gets the new answer; the console's `me` says which version
is live; `rollback` brings the old behaviour back. Broken edits are refused with their sentences and
the running model is untouched; two ships cannot interleave.

This test trains a model (a few minutes): it is the one slow test of the suite.
"""

from __future__ import annotations

import fcntl
import os
import random
import re
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
import yaml

from tests.e2e.test_dialogues import PASSWORD, Chat
from tests.support.content import copy_content
from tools.ship import model_id

ROOT = Path(__file__).resolve().parents[2]
GUIDE = ROOT / "docs" / "content-guide.md"
MARK = re.compile(
    r"<!--\s*recipe:\s*(?P<name>[\w-]+);\s*file:\s*(?P<file>[^;]+?);\s*where:\s*(?P<where>[^ ]+?)\s*-->"
)
# a customer's question that is in neither the recipe's training nor its held-out examples
ASK_HOURS = "scusate, fino a che ora è aperto il servizio clienti oggi?"


def recipe(name: str) -> list[tuple[str, str, str]]:
    """(file, where, block) of the guide's recipe `name`, in order: each marker, then its code block."""
    text = GUIDE.read_text(encoding="utf-8")
    steps = []
    for mark in MARK.finditer(text):
        if mark.group("name") != name:
            continue
        block = re.search(r"```[a-z]*\n(.*?)```", text[mark.end() :], re.S)
        assert block, f"no code block after {mark.group(0)}"
        steps.append((mark.group("file").strip(), mark.group("where").strip(), block.group(1)))
    return steps


def apply(root: Path, steps: list[tuple[str, str, str]]) -> None:
    """Do what the guide says, as an editor would: new files, lines under a section, appends."""
    for file, where, block in steps:
        path = root / file
        assert not file.startswith("bot/components"), "a recipe step outside the content (code)"
        if where == "new-file":
            assert not path.exists(), f"the guide creates {file}, which exists"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(block, encoding="utf-8")
        elif where == "append":
            with path.open("a", encoding="utf-8") as out:
                out.write(("" if path.read_text(encoding="utf-8").endswith("\n") else "\n") + block)
        elif where.startswith("under:"):
            key = where.split(":", 1)[1] + ":"
            lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
            at = next(i for i, line in enumerate(lines) if line.rstrip() == key)
            lines[at + 1 : at + 1] = [block if block.endswith("\n") else block + "\n"]
            path.write_text("".join(lines), encoding="utf-8")
        else:
            pytest.fail(f"unknown recipe step where={where!r} for {file}")


def texts_of(domain: Path, response: str) -> list[str]:
    data = yaml.safe_load(domain.read_text(encoding="utf-8"))
    return [v["text"] for v in data["responses"].get(response, [])]


def ship(stack, *args: str, root: Path | None = None) -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "SPORTELLO_STACK": str(stack.stack_file),
        "SPORTELLO_RELEASES": str(stack.releases_dir),
        "REDIS_URL": stack.redis_url,
    }
    env.pop("RASA_URLS", None)
    argv = [sys.executable, "-m", "tools.ship", *args]
    if root is not None:
        argv += ["--root", str(root)]
    return subprocess.run(argv, cwd=ROOT, env=env, capture_output=True, text=True, timeout=1500)


@pytest.fixture(scope="module")
def http(stack):
    with httpx.Client(base_url=stack.hub_url, timeout=30) as client:
        yield client


def live(http) -> dict:
    login = http.post("/v1/agent/login", json={"email": "serena@sportello.example", "password": PASSWORD})
    me = http.get("/v1/agent/me", headers={"Authorization": f"Bearer {login.json()['token']}"})
    return me.json()["content"]


def rasa_model(stack) -> str:
    """The id of the model the running Rasa serves."""
    return httpx.get(
        f"{stack.rasa_url}/status", params={"token": stack.env["RASA_TOKEN"]}, timeout=10
    ).json()["model_id"]


def test_broken_edits_are_refused_and_the_running_model_is_untouched(stack, tmp_path):
    before, version = rasa_model(stack), live_version(stack)
    # an example another intent already has (orders.yml), pasted under `deny`
    other = next(
        line[8:]
        for line in (ROOT / "bot/data/nlu/orders.yml").read_text(encoding="utf-8").splitlines()
        if line.startswith("      - ") and "[" not in line
    )
    broken = {
        "bad YAML": (
            "domain.yml",
            lambda s: s.replace("responses:\n", "responses:\n  utter_rotto:\n  - text: [\n", 1),
            r"domain\.yml:\d+:",
        ),
        "undefined response": (
            "bot/data/rules/smalltalk.yml",
            lambda s: (
                s
                + "  - rule: saluto rotto\n    steps:\n      - intent: greet\n      - action: utter_non_esiste\n"
            ),
            r"utter_non_esiste",
        ),
        "duplicated example": (
            "bot/data/nlu/smalltalk.yml",
            lambda s: s.replace(
                "      - temo di averlo smarrito\n", f"      - temo di averlo smarrito\n      - {other}\n", 1
            ),
            re.escape(other),
        ),
        "held-out sentence in training": ("bot/data/nlu/smalltalk.yml", None, r"nlu_test|prova|esame"),
        "placeholder with no slot": (
            "domain.yml",
            lambda s: s.replace(
                "responses:\n",
                'responses:\n  utter_orari_rotti:\n  - text: "Apriamo alle {orario_apertura}."\n',
                1,
            ),
            r"orario_apertura",
        ),
    }
    held_out = random.Random(7).choice(
        [
            line[8:]
            for line in (ROOT / "tests/bot/nlu_test.yml").read_text().splitlines()
            if line.startswith("      - ") and "[" not in line
        ]
    )
    failures = []
    for what, (file, edit, sentence) in broken.items():
        root = copy_content(tmp_path / what.replace(" ", "-"))
        path = root / file
        text = path.read_text(encoding="utf-8")
        if edit is None:  # a sentence of the held-out exam pasted into training
            text = text.replace(
                "      - temo di averlo smarrito\n",
                f"      - temo di averlo smarrito\n      - {held_out}\n",
                1,
            )
        else:
            text = edit(text)
        path.write_text(text, encoding="utf-8")
        result = ship(stack, "ship", root=root)
        said = result.stdout + result.stderr
        if result.returncode != 1 or not re.search(sentence, said) or "Rilascio annullato" not in said:
            failures.append(f"{what}: exit {result.returncode}\n{said[-1500:]}")
    assert failures == [], "\n\n".join(failures)
    assert rasa_model(stack) == before and live_version(stack) == version  # nothing changed


def live_version(stack) -> str:
    with httpx.Client(base_url=stack.hub_url, timeout=30) as client:
        return (live(client) or {}).get("version", "")


def test_two_ships_cannot_interleave(stack):
    stack.releases_dir.mkdir(parents=True, exist_ok=True)
    with open(stack.releases_dir / ".lock", "a+") as held:
        fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)  # a ship in progress
        result = ship(stack, "ship")
        fcntl.flock(held, fcntl.LOCK_UN)
    assert result.returncode == 3, result.stdout + result.stderr
    assert "Un altro rilascio è in corso" in result.stdout


def test_the_guide_recipe_ships_a_new_intent_live_and_rollback_brings_the_old_one_back(stack, http, tmp_path):
    steps = recipe("opening_hours")
    assert {(f, w) for f, w, _ in steps} >= {
        ("domain.yml", "under:intents"),
        ("domain.yml", "under:responses"),
    }
    root = copy_content(tmp_path / "content")
    apply(root, steps)
    answers = texts_of(root / "domain.yml", "utter_opening_hours")
    assert len(answers) >= 2, answers
    first = live(http)
    assert first and first["version"], "make run's content is the live release"

    # before: the assistant does not know the opening hours
    before = Chat(http)
    assert not set(before.words(before.say(ASK_HOURS))) & set(answers)
    # a customer in the middle of a form when the swap happens
    waiting = Chat(http)
    asked = waiting.words(waiting.say("Buongiorno, il tavolo che ho ordinato è arrivato con una gamba rotta"))
    assert any("ordine" in t.lower() for t in asked), asked

    shipped = ship(stack, "ship", root=root)
    out = shipped.stdout + shipped.stderr
    assert shipped.returncode == 0, out[-4000:]
    for step in range(1, 6):
        assert f"[{step}/5]" in out, out
    version = re.search(r"la versione (\S+) è in linea", out).group(1)
    assert live(http)["version"] == version
    assert rasa_model(stack) == model_id(stack.releases_dir / version / "model.tar.gz")

    # the conversation started before the swap goes on where it was: the order number is taken (and
    # the proof that it is the customer's asked next)
    went_on = waiting.say("2345678")
    assert any(e.get("type") == "handoff" for e in went_on) or any(
        "2345678" in t or "tavolo" in t.lower() or "CAP" in t for t in waiting.words(went_on)
    ), waiting.words(went_on)
    # a new customer asking the opening hours gets the new answer
    now = Chat(http)
    assert set(now.words(now.say(ASK_HOURS))) & set(answers), now.words(now.say(ASK_HOURS))
    listed = ship(stack, "list")
    assert re.search(rf"{re.escape(version)} .*← in linea", listed.stdout), listed.stdout

    # rollback: the previous release, the same way
    back = ship(stack, "rollback")
    assert back.returncode == 0, back.stdout + back.stderr
    assert live(http)["version"] == first["version"]
    after = Chat(http)
    assert not set(after.words(after.say(ASK_HOURS))) & set(answers)
