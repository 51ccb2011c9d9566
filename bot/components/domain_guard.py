"""A domain guard for the support intents, as a Rasa graph component.

``out_of_scope`` is "everything else", the hardest class to learn from examples: a question about
the weather can look, to the classifier, like a question about an order. This component runs after
the classifiers and asks one more thing of a message classified as a support intent (a problem or
an order-status question): that it says something about an order, a delivery or a product — an
order number, a product, a ticket code, or a word beginning with one of the stems in
``support_cues.yml`` ("ordin", "consegn", "rott", "rimbors"…). A message with none of them goes to
``nlu_fallback`` instead (the bot asks to rephrase, then hands off), which is what the customer
would get from a person too: "scusi, non ho capito di quale ordine parla".
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path
from typing import Any

import yaml
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import ENTITIES, INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.problems import registry

DEFAULT_CUES = Path(__file__).resolve().parent / "support_cues.yml"
CUE_ENTITIES = ("order_number", "product", "ticket_id")
FALLBACK = "nlu_fallback"
WORD = re.compile(r"[a-z0-9]+")


def fold(text: str) -> str:
    """Lower case without accents ("perché" → "perche")."""
    decomposed = unicodedata.normalize("NFD", text.lower())
    return "".join(c for c in decomposed if unicodedata.category(c) != "Mn")


def load_stems(path: Path | str = DEFAULT_CUES) -> list[str]:
    """The stems of support_cues.yml, folded."""
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    stems = [fold(str(s)) for s in data.get("stems") or [] if str(s).strip()]
    if not stems:
        raise ValueError(f"{path} lists no stems")
    return stems


def support_cue(text: str, stems: list[str]) -> str | None:
    """The first support cue in ``text`` (a stem or a long number), or None."""
    folded = fold(text)
    if re.search(r"\d{6,}", folded):
        return "number"
    for word in WORD.findall(folded):
        for stem in stems:
            if word.startswith(stem):
                return stem
    return None


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class SupportDomainGuard(GraphComponent):
    """Sends support intents without any support cue to nlu_fallback."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        """The cue file and the intents it guards."""
        return {"cues": str(DEFAULT_CUES), "intents": list(registry().support_intents)}

    def __init__(self, config: dict[str, Any]) -> None:
        """Load the stems once."""
        self._stems = load_stems(config["cues"])
        self._intents = set(config["intents"])

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> SupportDomainGuard:
        """Create the component (nothing to train)."""
        return cls({**cls.get_default_config(), **config})

    def process(self, messages: list[Message]) -> list[Message]:
        """Re-label support intents that carry no support cue."""
        for message in messages:
            intent = message.get(INTENT) or {}
            if intent.get("name") not in self._intents:
                continue
            if any(e.get("entity") in CUE_ENTITIES for e in message.get(ENTITIES) or []):
                continue
            if support_cue(message.get(TEXT) or "", self._stems):
                continue
            fallback = {"name": FALLBACK, "confidence": intent.get("confidence", 0.0)}
            message.data[INTENT] = fallback
            message.data.setdefault(INTENT_RANKING_KEY, []).insert(0, fallback)
            message.set("domain_guard", {"classified_as": intent.get("name")}, add_to_output=True)
        return messages
