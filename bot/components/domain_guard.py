"""A domain guard for every intent that starts something, as a Rasa graph component.

``out_of_scope`` is "everything else", the hardest class to learn from examples: a question about
the weather can look, to the classifier, like a question about an order. This component runs after
the classifiers and asks one more thing of a message classified as a support intent (a problem or
an order-status question): that it says something about an order, a delivery or a product — an
order number, a product, a ticket code, or a word beginning with one of the stems in
``support_cues.yml`` ("ordin", "consegn", "rott", "rimbors"…). A message with none of them goes to
``nlu_fallback`` instead (the bot asks to rephrase, then hands off), which is what the customer
would get from a person too: "scusi, non ho capito di quale ordine parla".

Near misses share those words: "l'autobus è in ritardo", "annulla il timer", "ho il ginocchio
gonfio dopo la corsa". So a message taken for **any** intent (a problem, a person, a complaint, a
greeting…) that names a thing from another world — a word of ``foreign_words.yml`` (3,000 words by
topic: transport, health, food, telecoms, sport…, none of them ever used in the support training
data, which a test checks) — goes to ``nlu_fallback`` too, unless it is anchored to this shop (an
order number, a product, a ticket, or an anchor word of ``support_cues.yml``: "ordine",
"consegna", "corriere"…). The reason is put on the parse result as ``domain_guard``
(``classified_as``, and the ``foreign`` word).
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

from sportello.problems import registry

DEFAULT_CUES = Path(__file__).resolve().parent / "support_cues.yml"
DEFAULT_FOREIGN = Path(__file__).resolve().parent / "foreign_words.yml"
UNGUARDED = frozenset({"out_of_scope", "nlu_fallback", "handoff_resolved", "case_detail"})
CUE_ENTITIES = ("order_number", "product", "ticket_id", "email")
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


def load_anchors(path: Path | str = DEFAULT_CUES) -> list[str]:
    """The anchor word beginnings of support_cues.yml, folded."""
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    return [fold(str(s)) for s in data.get("anchors") or [] if str(s).strip()]


def load_foreign(path: Path | str = DEFAULT_FOREIGN) -> frozenset[str]:
    """Every word of foreign_words.yml (all topics), folded."""
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    groups = data.get("words") or {}
    if not isinstance(groups, dict):
        raise ValueError(f"{path}: expected words: {{topic: [word, …]}}")
    return frozenset(fold(str(w)) for words in groups.values() for w in words or [] if str(w).strip())


def load_phrases(path: Path | str = DEFAULT_FOREIGN) -> list[re.Pattern[str]]:
    """The assistant-command phrases of foreign_words.yml, compiled."""
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    return [re.compile(str(p)) for p in data.get("phrases") or []]


LONG_NUMBER = re.compile(r"\d{6,}")


def anchored(text: str, anchors: list[str], number: re.Pattern[str] = LONG_NUMBER) -> bool:
    """Whether the text ties itself to this shop (an order number or an anchor word)."""
    folded = fold(text)
    return bool(number.search(folded)) or any(
        word.startswith(anchor) for word in WORD.findall(folded) for anchor in anchors
    )


def foreign_word(text: str, foreign: frozenset[str], phrases: list[re.Pattern[str]] = ()) -> str | None:
    """The first word (or assistant command) of another world in the text, or None."""
    for word in WORD.findall(fold(text)):
        if word in foreign:
            return word
    for phrase in phrases:
        found = phrase.search(text)
        if found:
            return found.group(0).strip()
    return None


def support_cue(text: str, stems: list[str], number: re.Pattern[str] = LONG_NUMBER) -> str | None:
    """The first support cue in ``text`` (a stem or a long number), or None."""
    folded = fold(text)
    if number.search(folded):
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
        """The cue files and the intents that need a support cue."""
        return {
            "cues": str(DEFAULT_CUES),
            "foreign": str(DEFAULT_FOREIGN),
            "intents": list(registry().support_intents),
            # from the shop's profile, written into the training config by tools/shop_build.py: the
            # stems of its goods' parts, its anchors, and the words of what it sells (never foreign)
            "shop_cues": [],
            "shop_anchors": [],
            "shop_words": [],
            # a number this long ties a message to an order (the shop's order numbers: 6 or fewer)
            "order_min_digits": 6,
        }

    def __init__(self, config: dict[str, Any]) -> None:
        """Load the word lists once."""
        self._stems = load_stems(config["cues"]) + [fold(s) for s in config.get("shop_cues") or []]
        self._anchors = load_anchors(config["cues"]) + [fold(s) for s in config.get("shop_anchors") or []]
        self._foreign = load_foreign(config["foreign"]) - {fold(w) for w in config.get("shop_words") or []}
        self._phrases = load_phrases(config["foreign"])
        self._intents = set(config["intents"])
        self._number = re.compile(rf"\d{{{int(config.get('order_min_digits') or 6)},}}")

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
        """Re-label what is not about the shop: a support intent without a support cue, and any
        intent that names another world's thing without an anchor to the shop."""
        for message in messages:
            intent = message.get(INTENT) or {}
            name = intent.get("name")
            if name in UNGUARDED or not name:
                continue
            text = message.get(TEXT) or ""
            if any(e.get("entity") in CUE_ENTITIES for e in message.get(ENTITIES) or []) or anchored(
                text, self._anchors, self._number
            ):
                continue
            reason: dict[str, Any] = {"classified_as": name}
            foreign = foreign_word(text, self._foreign, self._phrases)
            if foreign:
                reason["foreign"] = foreign
            elif name not in self._intents or support_cue(text, self._stems, self._number):
                continue
            fallback = {"name": FALLBACK, "confidence": intent.get("confidence", 0.0)}
            message.data[INTENT] = fallback
            message.data.setdefault(INTENT_RANKING_KEY, []).insert(0, fallback)
            message.set("domain_guard", reason, add_to_output=True)
        return messages
