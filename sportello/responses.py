"""Which variation of a domain.yml response fits a conversation: one rule for the bot and the hub.

A response has variations without a condition (the default: "tu", calm) and variations with
conditions on slots (`register: formal`, `mood: frustrated`, `problem_type: item_damaged`, or
several at once). Rasa's own rule pools every variation whose conditions match, so a formal and
frustrated customer could get the frustrated "tu" sentence as easily as the frustrated "Lei" one.
Here the **most specific** match wins: among the variations whose conditions all hold, those with
the most conditions; without any, the unconditioned ones. So `[mood: frustrated, register: formal]`
beats `[mood: frustrated]` and `[register: formal]` for a formal, frustrated customer, and a new
condition never has to be repeated on every other variation.

Pure Python (no Rasa import): Rasa's NLG (`bot/nlg.py`), the hub (`handoff/responses.py`) and the
checks (`bot/content_checks.py`) all use it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

REGISTER_SLOT = "register"
FORMAL = "formal"
INFORMAL = "informal"


def conditions(variation: Mapping[str, Any]) -> list[tuple[str, Any]]:
    """The (slot, value) pairs a variation requires."""
    found = []
    for condition in variation.get("condition") or []:
        if isinstance(condition, Mapping) and condition.get("type", "slot") == "slot":
            found.append((str(condition.get("name")), condition.get("value")))
    return found


def _same(filled: Any, wanted: Any) -> bool:
    if isinstance(filled, str) and isinstance(wanted, str):
        return filled.casefold() == wanted.casefold()
    return filled == wanted


def matches(variation: Mapping[str, Any], slots: Mapping[str, Any]) -> bool:
    """Whether every condition of ``variation`` holds for ``slots``."""
    return all(_same(slots.get(name), value) for name, value in conditions(variation))


def select(variations: Iterable[Mapping[str, Any]], slots: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """The variations to choose from at random: the most specific matches (see the module doc)."""
    usable = [v for v in variations if isinstance(v, Mapping)]
    matching = [v for v in usable if conditions(v) and matches(v, slots)]
    if matching:
        most = max(len(conditions(v)) for v in matching)
        return [v for v in matching if len(conditions(v)) == most]
    return [v for v in usable if not conditions(v)]


def condition_sets(variations: Iterable[Mapping[str, Any]]) -> set[frozenset[tuple[str, Any]]]:
    """The distinct condition sets of a response's variations (the empty set for the default)."""
    return {frozenset(conditions(v)) for v in variations if isinstance(v, Mapping)}
