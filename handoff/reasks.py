"""Re-asks: an agent's message that asks the customer for something the case card already says —
the order number, the e-mail, the name, what the problem is. The product exists so that the
customer never repeats the story; a re-ask is the measure of how often it still happens
(docs/reports.md). Italian question patterns; precision and recall are measured on a labelled set
written without seeing these patterns (tests/handoff/test_hub_reasks.py, fixtures/reasks.yml).

Standard library only; a message is read once, when it is sent.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from typing import Any

ASKED = ("order_number", "email", "name", "problem")

# a sentence that asks: a question mark, or a request ("mi dai…", "può indicarmi…", "per favore")
_REQUEST = re.compile(
    r"\b(?:mi|ci)\s+(?:dai|da|dia|dici|dica|dice|scrivi|scriva|scrive|indichi|indica|confermi|conferma|"
    r"ricordi|ricorda|giri|gira|mandi|manda|mandate|invii|invia|comunichi|comunica|fornisci|fornisca|"
    r"lasci|lascia|racconti|racconta|descrivi|descriva|spieghi|spiega)\b"
    r"|\b(?:puoi|puo|potresti|potrebbe|riesci a|riesce a|vuoi|vuole)\s+(?:\w+\s+)?(?:darmi|dirmi|scrivermi|"
    r"indicarmi|confermarmi|ricordarmi|mandarmi|inviarmi|comunicarmi|fornirmi|raccontarmi|descrivermi|"
    r"spiegarmi|dare|dire|scrivere|indicare|confermare|ricordare|mandare|inviare|comunicare|fornire|"
    r"raccontare|descrivere|spiegare)\b"
    r"|\b(?:dimmi|mi dica|scrivimi|indicami|confermami|ricordami|mandami|inviami|raccontami|descrivimi|"
    r"spiegami)\b|\bper (?:favore|cortesia|piacere)\b|\bqual\s*'?\s*e\b|\bquale\b"
)
_OBJECTS = {
    "order_number": re.compile(
        r"\b(?:numero|n\.?|nr\.?|num\.?|codice|riferimento)\s*(?:d\s*'\s*|dell\s*'\s*|del\s+|di\s+)?"
        r"(?:ordine|acquisto)\b|\bordine\s*\?|\b(?:quale|che)\s+ordine\b|\bnumero\s+d\s*'?\s*ordine\b"
    ),
    "email": re.compile(
        r"\be\s*-?\s*mail\b|\bposta elettronica\b|\bindirizzo\s+(?:e\s*-?\s*mail|di posta|mail)\b"
    ),
    "name": re.compile(
        r"\b(?:tuo|suo|vostro)\s+nome\b|\bnome e cognome\b|\bnominativo\b|\bcome ti chiami\b|\bcome si chiama\b"
        r"|\b(?:a|con|sotto)\s+(?:che|quale)\s+nome\b|\bil nome\s*\?"
    ),
    "problem": re.compile(
        r"\bcos\s*'?\s*(?:e|a)\s+successo\b|\bcosa\s+(?:e|e')\s+successo\b|\b(?:qual|quale)\s*'?\s*(?:e|sarebbe)\s+il\s+problema\b"
        r"|\bche\s+(?:problema|tipo di problema|difetto|danno)\b|\bcosa\s+non\s+(?:funziona|va)\b|\bdi\s+cosa\s+si\s+tratta\b"
        r"|\bin\s+cosa\s+consiste\b|\b(?:racconti|racconta|raccontami|raccontarmi|descrivi|descriva|descrivimi|"
        r"descrivermi|spieghi|spiega|spiegami|spiegarmi)\b(?!.*\bfoto\b)|\bcosa\s+(?:ti|le|vi)\s+serve\b"
        r"|\bcome\s+(?:posso|possiamo)\s+aiutar"
    ),
}
_GIVEN = {
    # the agent writes the thing itself: confirming, not asking ("mi confermi che l'ordine è il 2345678?")
    "order_number": re.compile(r"\d{4,}"),
    "email": re.compile(r"[\w.+-]+@[\w-]+\.[\w.]+"),
}
_SENTENCE = re.compile(r"[^.!?;:\n]*[.!?;:\n]?")


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFD", text.lower().replace("’", "'"))
    return "".join(c for c in decomposed if unicodedata.category(c) != "Mn")


def asks_for(text: Any) -> set[str]:
    """What an agent's message asks the customer for, among ASKED."""
    if not isinstance(text, str):
        return set()
    found: set[str] = set()
    for sentence in _SENTENCE.findall(_fold(text)):
        if not sentence.strip():
            continue
        if not (sentence.rstrip().endswith("?") or _REQUEST.search(sentence)):
            continue
        for thing, pattern in _OBJECTS.items():
            if pattern.search(sentence) and not (thing in _GIVEN and _GIVEN[thing].search(sentence)):
                found.add(thing)
    return found


def on_card(card: Mapping[str, Any]) -> set[str]:
    """What a case card already says, among ASKED."""
    known = set()
    if card.get("order_number") and card.get("order_number") != "-":
        known.add("order_number")
    if card.get("email"):
        known.add("email")
    if card.get("customer_name"):
        known.add("name")
    if card.get("problem_type") or card.get("description") or card.get("customer_words"):
        known.add("problem")
    return known


def reasked(text: Any, card: Mapping[str, Any]) -> set[str]:
    """What the message asks for that the card already had."""
    return asks_for(text) & on_card(card)
