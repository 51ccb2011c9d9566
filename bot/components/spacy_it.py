"""Build the Italian spaCy pipeline Sportello's NLU runs on, from code.

Nothing is downloaded: the pipeline is ``spacy.blank("it")`` plus spaCy's lookup
lemmatizer, whose table ships in the ``spacy-lookups-data`` package, and a small
attribute ruler that normalises the informal spellings Italian customers type
("nn" → "non", "xké" → "perché") so that lemma features see one word, not three.
Rasa's ``SpacyNLP`` then loads the result by path (see config.yml).

Usage: ``python -m bot.components.spacy_it bot/models/spacy_it``
"""

from __future__ import annotations

import sys
from pathlib import Path

import spacy
from spacy.language import Language

# Informal spellings → the lemma a careful writer would have produced.
INFORMAL_LEMMAS = {
    "nn": "non",
    "x": "per",
    "xké": "perché",
    "xke": "perché",
    "xche": "perché",
    "perche": "perché",
    "cmq": "comunque",
    "qnd": "quando",
    "qdo": "quando",
    "ke": "che",
    "tt": "tutto",
    "gg": "giorno",
    "pls": "per favore",
    "grz": "grazie",
    "ciao!": "ciao",
    "gia": "già",
    "piu": "più",
    "e'": "essere",
    "rotta": "rotto",
    "rotti": "rotto",
    "rotte": "rotto",
}


def build(path: Path | str) -> Language:
    """Create the pipeline and write it to ``path``; return it."""
    nlp = spacy.blank("it")
    nlp.add_pipe("lemmatizer", config={"mode": "lookup"})
    ruler = nlp.add_pipe("attribute_ruler", after="lemmatizer")
    nlp.initialize()  # loads the lookup table; must precede the patterns (it resets the ruler)
    for surface, lemma in INFORMAL_LEMMAS.items():
        ruler.add([[{"LOWER": surface}]], {"LEMMA": lemma})
    nlp.meta["name"] = "sportello_it"
    nlp.meta["version"] = "1.0.0"
    nlp.meta["description"] = "Blank Italian pipeline with the lookup lemmatizer (built by Sportello)"
    target = Path(path)
    target.mkdir(parents=True, exist_ok=True)
    nlp.to_disk(target)
    return nlp


def main(argv: list[str]) -> int:
    """Command-line entry point."""
    if len(argv) != 1:
        print("usage: python -m bot.components.spacy_it OUTPUT_DIR", file=sys.stderr)
        return 2
    nlp = build(argv[0])
    doc = nlp("Le sedie sono arrivate rotte e nn so xké")
    print(f"spaCy pipeline written to {argv[0]}: " + " ".join(f"{t.text}→{t.lemma_}" for t in doc))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
