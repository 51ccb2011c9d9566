"""Checks of what content editors write, each failure one plain Italian sentence with file and line.

`make validate` runs them after Rasa's own validation (bot/validate.py). They read the YAML files
directly, so they run in a second and need no trained model.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from bot.responses import FORMAL, REGISTER_SLOT, conditions

ROOT = Path(__file__).resolve().parent.parent
PLACEHOLDER = re.compile(r"\{[A-Za-z_][A-Za-z0-9_]*\}")


@dataclass(frozen=True)
class Problem:
    """One thing to fix: where, and what, in a sentence for the editor."""

    path: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


def relative(path: Path) -> str:
    """The path as the editor sees it in the repository."""
    try:
        return str(Path(path).resolve().relative_to(ROOT))
    except ValueError:
        return str(path)


def response_lines(path: Path) -> dict[tuple[str, int], int]:
    """The line (1-based) of every variation of every response: {(name, index): line}."""
    root = yaml.compose(Path(path).read_text(encoding="utf-8"))
    lines: dict[tuple[str, int], int] = {}
    if root is None or not isinstance(root, yaml.MappingNode):
        return lines
    for key, value in root.value:
        if key.value != "responses" or not isinstance(value, yaml.MappingNode):
            continue
        for name_node, variations in value.value:
            lines[(name_node.value, -1)] = name_node.start_mark.line + 1
            if isinstance(variations, yaml.SequenceNode):
                for index, item in enumerate(variations.value):
                    lines[(name_node.value, index)] = item.start_mark.line + 1
    return lines


def _describe(conds: frozenset[tuple[str, Any]]) -> str:
    if not conds:
        return "la variante senza condizioni"
    return "le varianti con " + ", ".join(f"{name}: {value}" for name, value in sorted(conds, key=str))


def check_register(domain_path: Path) -> list[Problem]:
    """Tu and Lei: no variation mixes them; a variation for `register: formal` speaks Lei and the
    others do not; a response that gives the tu has a formal variation for each of its conditions."""
    from bot.components.register import STRONG, WEAK, score_register

    data = yaml.safe_load(Path(domain_path).read_text(encoding="utf-8")) or {}
    responses: dict[str, list[dict[str, Any]]] = data.get("responses") or {}
    lines = response_lines(domain_path)
    where = relative(domain_path)
    problems: list[Problem] = []
    for name, variations in responses.items():
        if not isinstance(variations, list):
            continue
        informal_sets: set[frozenset[tuple[str, Any]]] = set()
        formal_sets: set[frozenset[tuple[str, Any]]] = set()
        for index, variation in enumerate(variations):
            if not isinstance(variation, dict) or not isinstance(variation.get("text"), str):
                continue
            line = lines.get((name, index), lines.get((name, -1), 1))
            score = score_register(PLACEHOLDER.sub("", variation["text"]))
            conds = frozenset(conditions(variation))
            is_formal = (REGISTER_SLOT, FORMAL) in conds
            rest = frozenset(c for c in conds if c[0] != REGISTER_SLOT)
            tu_cues, lei_cues = score.informal_cues, score.formal_cues
            if score.formal >= STRONG - 0.5 and score.informal >= WEAK:
                problems.append(
                    Problem(
                        where,
                        line,
                        f"La risposta {name} mescola il tu ({', '.join(tu_cues)}) e il Lei "
                        f"({', '.join(lei_cues)}) nella stessa frase: usane uno solo.",
                    )
                )
                continue
            if is_formal:
                formal_sets.add(rest)
                if score.informal >= WEAK:
                    problems.append(
                        Problem(
                            where,
                            line,
                            f"La variante formale (register: formal) di {name} dà del tu "
                            f"({', '.join(tu_cues)}): scrivila con il Lei.",
                        )
                    )
            else:
                if score.formal >= STRONG - 0.5:
                    problems.append(
                        Problem(
                            where,
                            line,
                            f"La variante di {name} senza la condizione register: formal dà del Lei "
                            f"({', '.join(lei_cues)}): aggiungi la condizione, oppure scrivila con il tu.",
                        )
                    )
                if score.informal >= WEAK:
                    informal_sets.add(frozenset(conds))
        for missing in sorted(informal_sets - formal_sets, key=lambda c: sorted(map(str, c))):
            problems.append(
                Problem(
                    where,
                    lines.get((name, -1), 1),
                    f"La risposta {name} dà del tu ma non ha una variante formale per "
                    f"{_describe(missing)}: aggiungine una con anche la condizione register: formal "
                    "(il Lei, per i clienti che scrivono in modo formale).",
                )
            )
    return problems
