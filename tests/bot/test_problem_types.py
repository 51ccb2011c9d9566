"""Every problem type of the registry (bot/problems.yml) has everything it needs to work.

Adding a problem type: its registry entry, its data, its words. When something is missing, the
failing test below names the problem type and what to add where.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from bot.actions.cases import SOLVERS
from sportello.problems import FRUSTRATED, RegistryError, parse, registry

ROOT = Path(__file__).resolve().parents[2]
DOMAIN = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))
RESPONSES = DOMAIN["responses"]
INTENTS = {i if isinstance(i, str) else next(iter(i)) for i in DOMAIN["intents"]}
PROBLEMS = registry().problems
MIN_TRAINING_EXAMPLES = 20
MIN_HELD_OUT_EXAMPLES = 10


def _examples(path: Path) -> dict[str, int]:
    counts: dict[str, int] = {}
    for block in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("nlu") or []:
        if "intent" in block:
            lines = [x for x in str(block["examples"]).splitlines() if x.strip().startswith("- ")]
            counts[block["intent"]] = counts.get(block["intent"], 0) + len(lines)
    return counts


def _rules() -> list[dict]:
    rules = []
    for path in sorted((ROOT / "bot" / "data" / "rules").glob("*.yml")):
        rules += (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("rules") or []
    return rules


def _first_intents(rule: dict) -> set[str]:
    first = (rule.get("steps") or [{}])[0]
    if "intent" in first:
        return {first["intent"]}
    return {step["intent"] for step in first.get("or") or [] if "intent" in step}


def _starts_a_case(rule: dict) -> bool:
    steps = rule.get("steps") or []
    return len(steps) > 1 and steps[1].get("action") == "action_start_case"


def _in_a_case(rule: dict) -> bool:
    return {"active_loop": "problem_report_form"} in (rule.get("condition") or [])


TRAINING = {}
for _path in sorted((ROOT / "bot" / "data" / "nlu").glob("*.yml")):
    for _intent, _n in _examples(_path).items():
        TRAINING[_intent] = TRAINING.get(_intent, 0) + _n
HELD_OUT = _examples(ROOT / "tests" / "bot" / "nlu_test.yml")
RULES = _rules()


@pytest.mark.parametrize("problem", PROBLEMS, ids=lambda p: p.intent)
def test_a_problem_type_is_an_intent_with_training_and_held_out_examples(problem):
    assert problem.intent in INTENTS, f"add `- {problem.intent}` to the intents of domain.yml"
    assert TRAINING.get(problem.intent, 0) >= MIN_TRAINING_EXAMPLES, (
        f"{problem.intent}: write at least {MIN_TRAINING_EXAMPLES} examples in bot/data/nlu/problems.yml"
    )
    assert HELD_OUT.get(problem.intent, 0) >= MIN_HELD_OUT_EXAMPLES, (
        f"{problem.intent}: ask someone who has not seen the training examples to write at least "
        f"{MIN_HELD_OUT_EXAMPLES} in tests/bot/nlu_test.yml"
    )


@pytest.mark.parametrize("problem", PROBLEMS, ids=lambda p: p.intent)
def test_a_problem_type_starts_a_case_and_can_be_restated_in_one(problem):
    starts = [r for r in RULES if problem.intent in _first_intents(r) and _starts_a_case(r)]
    assert any(not _in_a_case(r) for r in starts), (
        f"{problem.intent}: add `- intent: {problem.intent}` to the `or:` of the rule "
        "'a problem is acknowledged and the case gathered' (bot/data/rules/problems.yml)"
    )
    assert any(_in_a_case(r) for r in starts), (
        f"{problem.intent}: add `- intent: {problem.intent}` to the `or:` of the rule "
        "'a problem restated in the middle of the case keeps gathering it'"
    )


@pytest.mark.parametrize("problem", PROBLEMS, ids=lambda p: p.intent)
def test_a_problem_type_has_its_acknowledgement_and_summary(problem):
    ack = f"utter_ack_{problem.intent}"
    assert ack in RESPONSES, f"write {ack} in domain.yml (acknowledge that specific problem)"
    conditions = [v.get("condition") or [] for v in RESPONSES[ack]]
    assert any(not c for c in conditions), f"{ack} needs a variation without a condition"
    assert any(
        any(c.get("name") == "mood" and c.get("value") == FRUSTRATED for c in cs) for cs in conditions
    ), f"{ack} needs a calmer variation with `condition: [{{type: slot, name: mood, value: frustrated}}]`"
    summary = [
        v
        for v in RESPONSES["utter_case_summary"]
        if any(
            c.get("name") == "problem_type" and c.get("value") == problem.intent
            for c in v.get("condition") or []
        )
    ]
    assert summary, f"utter_case_summary needs a variation with the condition problem_type = {problem.intent}"
    assert all("{description}" in v["text"] for v in summary), "a summary quotes the customer's words"


@pytest.mark.parametrize("problem", PROBLEMS, ids=lambda p: p.intent)
def test_a_problem_type_names_only_what_exists(problem):
    assert problem.label, f"{problem.intent}: a label for agents (console lists and case card)"
    if problem.policy:
        assert problem.policy in RESPONSES, f"{problem.intent}: policy {problem.policy} is not in domain.yml"
    if problem.solver:
        assert problem.solver in SOLVERS, (
            f"{problem.intent}: solver {problem.solver} is not in bot/actions/cases.py"
        )


def test_the_registry_refuses_entries_it_cannot_use():
    good = {
        "moods": {"neutral": {"label": "Neutro"}, "frustrated": {"label": "Frustrato", "priority": "high"}}
    }
    with pytest.raises(RegistryError, match="label"):
        parse({**good, "problems": {"item_broken": {"skill": "damage"}}})
    with pytest.raises(RegistryError, match="solver"):
        parse({**good, "problems": {"item_broken": {"label": "Rotto", "skill": "damage", "solver": "magic"}}})
    with pytest.raises(RegistryError, match="unknown field"):
        parse({**good, "problems": {"item_broken": {"label": "Rotto", "skill": "damage", "lable": "typo"}}})
    with pytest.raises(RegistryError, match="moods"):
        parse({"moods": {}, "problems": {"item_broken": {"label": "Rotto", "skill": "damage"}}})
    parsed = parse({**good, "problems": {"item_broken": {"label": "Rotto", "skill": "damage"}}})
    assert parsed.problem_intents == ("item_broken",)
    assert parsed.skill_for("item_broken") == "damage" and parsed.mood_raises_priority("frustrated")
    assert parsed.support_intents == ("order_status", "item_broken")
