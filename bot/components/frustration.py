"""Italian frustration detection as a Rasa graph component.

It reads the tokens (with spaCy lemmas) that ``SpacyTokenizer`` produced and the
raw text, scores surface cues that customer-care teams recognise in Italian —
"è la terza volta", insults and contempt, threats of lawyers or reviews, shouting
in capitals, "!!!" — and, above a threshold, adds a ``mood`` entity with the value
``frustrated``. The ``mood`` slot is filled from that entity, which drives the
calmer response variations, fewer questions and a prioritised hand-off. The score
and its reasons are also put on the parse result as ``frustration`` so that the
hand-off can show the agent *why* the customer was judged frustrated.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Optional

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.constants import TOKENS_NAMES
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message

from sportello.problems import FRUSTRATED

MOOD_ENTITY = "mood"
OUTPUT_PROPERTY = "frustration"

# Phrases (on the lower-cased text) that say "I have been through this before, and nobody helped".
REPETITION = re.compile(
    r"\b(?:(?:second|terz|quart|quint|ennesim)[ao] volta|tre volte|quattro volte|mille volte|"
    r"quante volte|ancora una volta|per l'ennesima|continuo a scrivere|nessuno (?:mi )?rispond|"
    r"mai rispost|settimane che aspetto|mesi che aspetto)\w*"
)
# "I already wrote", "again", "still waiting": every returning or waiting customer says them, calm
# or not — a cue only together with another one, never frustration on its own.
MILD_REPETITION = re.compile(r"\b(?:gi[aà] scritto|gi[aà] chiamato|di nuovo|sto ancora aspettando)\w*")
# Lemmas (and lower-cased surface forms) of contempt, insults and exasperation.
INSULTS = frozenset(
    """vergogna vergognoso vergognosi vergognatevi vergognare schifo schifoso schifosi ridicolo
    ridicoli incompetente incompetenti incapace incapaci truffa truffatore truffatori ladro ladri
    inutile inutili pessimo pessimi assurdo scandaloso scandalosa inaccettabile indecente
    cialtrone cialtroni buffone buffoni imbroglione imbroglioni cazzo merda fanculo stufo stufa
    incazzato incazzata arrabbiato arrabbiata furioso furiosa esasperato esasperata basta
    vergognoso pazzesco allucinante""".split()
)
THREATS = frozenset(
    """avvocato avvocati denuncia denunciare denuncio legale legali recensione recensioni
    altroconsumo tribunale carabinieri polizia consumatori""".split()
)
WORD = re.compile(r"[A-Za-zÀ-ÖØ-öø-ÿ]{3,}")


@dataclass
class FrustrationScore:
    """A score and the reasons behind it, in words an agent can read."""

    score: float = 0.0
    reasons: list[str] = field(default_factory=list)

    def add(self, weight: float, reason: str) -> None:
        """Add one cue."""
        self.score += weight
        self.reasons.append(reason)

    def as_dict(self) -> dict[str, Any]:
        """The form stored on the parse result."""
        return {"score": round(self.score, 2), "reasons": self.reasons}


def score_text(text: str, lemmas: Optional[list[str]] = None) -> FrustrationScore:
    """Score one message; ``lemmas`` come from the tokenizer when available."""
    result = FrustrationScore()
    lowered = text.lower()
    words = {w.lower() for w in WORD.findall(text)} | {lemma.lower() for lemma in lemmas or []}

    repeated = REPETITION.search(lowered)
    mild = MILD_REPETITION.search(lowered)
    if repeated:
        result.add(1.0, f"ripetizione: «{repeated.group(0)}»")
    elif mild:
        result.add(0.5, f"ripetizione: «{mild.group(0)}»")
    insults = sorted(words & INSULTS)
    if insults:
        result.add(min(2.0, 1.0 * len(insults)), "parole forti: " + ", ".join(insults[:3]))
    threats = sorted(words & THREATS)
    if threats:
        result.add(0.75, "minaccia di vie legali o recensioni: " + ", ".join(threats[:2]))
    shouted = [w for w in WORD.findall(text) if w.isupper()]
    if len(shouted) >= 2 and len(shouted) >= 0.5 * len(WORD.findall(text)):
        result.add(1.0, "scrive in maiuscolo")
    if re.search(r"!{2,}|\?{3,}|[!?]{3,}", text):
        result.add(0.5, "punteggiatura insistente")
    return result


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR], is_trainable=False)
class FrustrationDetector(GraphComponent):
    """Adds a ``mood: frustrated`` entity when a message scores above the threshold."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        """The score at or above which a message counts as frustrated."""
        return {"threshold": 1.0}

    def __init__(self, config: dict[str, Any]) -> None:
        """Keep the configuration."""
        self._threshold = float(config.get("threshold", 1.0))

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> FrustrationDetector:
        """Create the component (nothing to train or load)."""
        return cls({**cls.get_default_config(), **config})

    def process(self, messages: list[Message]) -> list[Message]:
        """Score every message and mark the frustrated ones."""
        for message in messages:
            text = message.get(TEXT) or ""
            tokens = message.get(TOKENS_NAMES[TEXT]) or []
            lemmas = [token.lemma for token in tokens if getattr(token, "lemma", None)]
            result = score_text(text, lemmas)
            message.set(OUTPUT_PROPERTY, result.as_dict(), add_to_output=True)
            if result.score >= self._threshold:
                entities = list(message.get(ENTITIES) or [])
                entities.append(
                    {
                        "entity": MOOD_ENTITY,
                        "value": FRUSTRATED,
                        "start": 0,
                        "end": len(text),
                        "confidence_entity": min(1.0, result.score / 2),
                        "extractor": self.__class__.__name__,
                    }
                )
                message.set(ENTITIES, entities, add_to_output=True)
        return messages
