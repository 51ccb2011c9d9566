"""Sibling intents, as a Rasa graph component: a message the classifier splits between two intents
that mean the same thing is not "not understood".

"no è tutto, grazie ciao" is a goodbye, a thank-you and a no at once; "nono hai sbagliato numero, è
2345678" is a no and a piece of information. The classifier spreads its confidence over those
siblings (goodbye 0.44, thank 0.25), none of them reaches the ``FallbackClassifier``'s threshold, and
the customer gets "non ho capito" for the clearest message of the conversation. Out-of-domain text
does not look like that: its confidence is spread over unrelated intents.

This component runs right after the ``FallbackClassifier``. When a message went to ``nlu_fallback``
but the best intent and its siblings (one ``families`` entry of config.yml) hold at least
``family_threshold`` of the confidence together, the best intent is restored, and the reason is put
on the parse result as ``intent_family``. Families are small and listed in config.yml; everything
else stays as the fallback left it.
"""

from __future__ import annotations

from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY
from rasa.shared.nlu.training_data.message import Message

FALLBACK = "nlu_fallback"


def family_share(ranking: list[dict[str, Any]], families: list[set[str]]) -> tuple[str, float] | None:
    """The best intent of ``ranking`` (fallback left out) and the confidence its best family holds."""
    ranked = [r for r in ranking if r.get("name") != FALLBACK]
    if not ranked:
        return None
    best = max(ranked, key=lambda r: r.get("confidence") or 0.0)
    confidence = {r.get("name"): float(r.get("confidence") or 0.0) for r in ranked}
    shares = [
        sum(confidence.get(name, 0.0) for name in family) for family in families if best.get("name") in family
    ]
    return (str(best.get("name")), max(shares)) if shares else None


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class IntentFamilies(GraphComponent):
    """Restores the best intent of a fallback message whose confidence sits within one family."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        """No families unless config.yml lists them; a family must hold 60 % of the confidence."""
        return {"families": [], "family_threshold": 0.6, "min_confidence": 0.3}

    def __init__(self, config: dict[str, Any]) -> None:
        """Check and keep the families."""
        self._families = [set(family) for family in config.get("families") or []]
        if any(len(family) < 2 for family in self._families):
            raise ValueError("IntentFamilies: every family lists at least two intents")
        self._threshold = float(config["family_threshold"])
        self._min_confidence = float(config["min_confidence"])

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> IntentFamilies:
        """Create the component (nothing to train)."""
        return cls({**cls.get_default_config(), **config})

    def process(self, messages: list[Message]) -> list[Message]:
        """Undo the fallback where siblings hold the confidence together."""
        for message in messages:
            if (message.get(INTENT) or {}).get("name") != FALLBACK:
                continue
            ranking = message.get(INTENT_RANKING_KEY) or []
            found = family_share(ranking, self._families)
            if found is None:
                continue
            name, share = found
            best = next(r for r in ranking if r.get("name") == name)
            if share < self._threshold or float(best.get("confidence") or 0.0) < self._min_confidence:
                continue
            message.data[INTENT] = {"name": name, "confidence": best.get("confidence")}
            message.data[INTENT_RANKING_KEY] = [r for r in ranking if r.get("name") != FALLBACK]
            message.set("intent_family", {"intent": name, "share": round(share, 2)}, add_to_output=True)
        return messages
