"""The registry of problem types and moods (bot/problems.yml), read by the bot, the hub and the console.

Only the standard library and PyYAML (Python 3.10 and later): the bot and the hub both import it, so
a problem type's label, skill and policy, and which mood raises the priority, are written once.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, Optional

import yaml

REGISTRY_FILE = Path(__file__).resolve().parent.parent / "bot" / "problems.yml"
ORDER_STATUS = "order_status"
FRUSTRATED = "frustrated"
NEUTRAL = "neutral"
SOLVERS = ("delivery_change",)
_NAME = re.compile(r"^[a-z][a-z0-9_]{1,39}$")


class RegistryError(ValueError):
    """bot/problems.yml is missing, unreadable or has an entry the code cannot use."""


@dataclass(frozen=True)
class ProblemType:
    """One problem the bot gathers with LATTE (an intent of the same name)."""

    intent: str
    label: str
    skill: str
    policy: Optional[str] = None
    solver: Optional[str] = None
    apologise: bool = True  # False for a request (a return, a change): nothing went wrong
    after_delivery: bool = False  # only possible once the order was delivered (a damaged item)


@dataclass(frozen=True)
class Mood:
    """A customer mood the frustration detector can report."""

    name: str
    label: str
    priority: str = "normal"


@dataclass(frozen=True)
class Registry:
    """Problem types and moods, in the file's order."""

    problems: tuple[ProblemType, ...]
    moods: tuple[Mood, ...]

    @property
    def problem_intents(self) -> tuple[str, ...]:
        """The intents that start a LATTE case."""
        return tuple(p.intent for p in self.problems)

    @property
    def support_intents(self) -> tuple[str, ...]:
        """Intents about an order (the support-domain guard watches these)."""
        return (ORDER_STATUS, *self.problem_intents)

    def problem(self, intent: Optional[str]) -> Optional[ProblemType]:
        """The problem type of ``intent``, or None."""
        return next((p for p in self.problems if p.intent == intent), None)

    def mood(self, name: Optional[str]) -> Optional[Mood]:
        """The mood called ``name``, or None."""
        return next((m for m in self.moods if m.name == name), None)

    def problem_label(self, intent: Optional[str]) -> Optional[str]:
        """The agent-facing label of a problem type (None for an unknown or empty one)."""
        problem = self.problem(intent)
        return problem.label if problem else None

    def mood_label(self, name: Optional[str]) -> Optional[str]:
        """The agent-facing label of a mood (None for an unknown or empty one)."""
        mood = self.mood(name)
        return mood.label if mood else None

    def mood_raises_priority(self, name: Optional[str]) -> bool:
        """Whether a customer in this mood goes first in the queue."""
        mood = self.mood(name)
        return bool(mood and mood.priority == "high")

    def skill_for(self, intent: Optional[str]) -> str:
        """The skill that routes a problem type ('' when there is none: anybody takes it)."""
        problem = self.problem(intent)
        return problem.skill if problem else ""


def _text(entry: dict[str, Any], key: str, where: str, required: bool = True) -> Optional[str]:
    value = entry.get(key)
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value.strip():
        raise RegistryError(f"{where}: '{key}' must be a non-empty text")
    return value.strip()


def parse(data: Any, source: str = "bot/problems.yml") -> Registry:
    """Build the registry from the YAML's data; RegistryError names the entry that is wrong."""
    if not isinstance(data, dict):
        raise RegistryError(f"{source}: expected 'moods:' and 'problems:' mappings")
    problems = []
    for intent, entry in (data.get("problems") or {}).items():
        where = f"{source}: problem type {intent!r}"
        if not isinstance(intent, str) or not _NAME.match(intent):
            raise RegistryError(f"{where}: the name must be an intent name (lower case, digits, _)")
        if not isinstance(entry, dict):
            raise RegistryError(f"{where}: expected label, skill, policy?, solver?")
        unknown = set(entry) - {"label", "skill", "policy", "solver", "apologise", "after_delivery"}
        if unknown:
            raise RegistryError(f"{where}: unknown field(s) {', '.join(sorted(unknown))}")
        skill = _text(entry, "skill", where)
        if not _NAME.match(skill):
            raise RegistryError(f"{where}: the skill must be lower case letters, digits or _")
        solver = _text(entry, "solver", where, required=False)
        if solver is not None and solver not in SOLVERS:
            raise RegistryError(f"{where}: solver must be one of {', '.join(SOLVERS)}")
        policy = _text(entry, "policy", where, required=False)
        if policy is not None and not policy.startswith("utter_"):
            raise RegistryError(f"{where}: policy must name a response (utter_…)")
        apologise = entry.get("apologise", True)
        if not isinstance(apologise, bool):
            raise RegistryError(f"{where}: apologise must be true or false")
        after_delivery = entry.get("after_delivery", False)
        if not isinstance(after_delivery, bool):
            raise RegistryError(f"{where}: after_delivery must be true or false")
        problems.append(
            ProblemType(
                intent=intent,
                label=_text(entry, "label", where),
                skill=skill,
                policy=policy,
                solver=solver,
                apologise=apologise,
                after_delivery=after_delivery,
            )
        )
    moods = []
    for name, entry in (data.get("moods") or {}).items():
        where = f"{source}: mood {name!r}"
        if not isinstance(entry, dict):
            raise RegistryError(f"{where}: expected label and priority?")
        priority = entry.get("priority", "normal")
        if priority not in ("normal", "high"):
            raise RegistryError(f"{where}: priority must be normal or high")
        moods.append(Mood(name=str(name), label=_text(entry, "label", where), priority=priority))
    if not problems:
        raise RegistryError(f"{source}: lists no problem types")
    names = {m.name for m in moods}
    if not {NEUTRAL, FRUSTRATED} <= names:
        raise RegistryError(f"{source}: the moods must include {NEUTRAL} and {FRUSTRATED}")
    return Registry(problems=tuple(problems), moods=tuple(moods))


def load(path: Path | str = REGISTRY_FILE) -> Registry:
    """Read and check the registry file."""
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise RegistryError(f"problem registry not found: {path}") from None
    except yaml.YAMLError as exc:
        raise RegistryError(f"{path} is not valid YAML: {exc}") from None
    return parse(data, str(path))


@cache
def registry() -> Registry:
    """The project's registry (bot/problems.yml), read once per process."""
    return load(REGISTRY_FILE)
