"""The customer's register (tu or Lei), as a Rasa graph component beside the frustration detector.

Care in Italian means answering in the register the customer chose: "Le scrivo perché…" is answered
with "Le chiedo scusa", "ciao, mi dici…" with "ti chiedo scusa". This component reads each message
(the text and spaCy's tokens) for the cues an Italian reader hears:

* **Lei** — courtesy pronouns addressed to the reader ("Lei", "La ringrazio", "Le scrivo", "Le ho
  già scritto", "il Suo collega", "attendo Sue notizie"), third-person verbs aimed at the reader
  ("mi può dire", "potrebbe verificare", "mi dica", "mi scusi", "guardi", "senta"), and the
  letter style of a formal note to a company ("Gentile servizio clienti", "Spett.le", "con la
  presente", "resto in attesa di un Vostro riscontro", "Cordiali saluti");
* **tu** — tu, ti, te, tuo…, second-person verbs ("puoi", "hai", "mi dici", "dimmi", "fammi",
  "scusa", "senti"), "ciao".

Plural "voi" ("mi dite", "potete") addresses the shop and says nothing either way. A message whose
cues clearly lean one way (see ``decide``) adds a ``register`` entity (``formal`` / ``informal``);
the ``register`` slot takes it, so the register is set by the first clear message, kept through
messages without cues, and changed only by a message clearly in the other register. The cues found
are put on the parse result as ``register`` (value, scores, cues) for the agent's case card.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Optional

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message

from sportello.responses import FORMAL, INFORMAL

REGISTER_ENTITY = "register"
OUTPUT_PROPERTY = "register"
STRONG = 2.0
WEAK = 1.0
HINT = 0.5

WORD = re.compile(r"[A-Za-zÀ-ÖØ-öø-ÿ']+|[.!?;:]")
TOKEN = re.compile(r"[a-zà-öø-ÿ]+|[.!?;:,]")

# Courtesy pronouns, capitalised in the middle of a sentence (or inside a word: "ringraziarLa",
# "doverLe"): they can only address the reader.
COURTESY_CAPITAL = {"Lei", "La", "Le", "Suo", "Sua", "Suoi", "Sue", "Vostro", "Vostra", "Vostri", "Vostre"}
CAPITAL_CLITIC = re.compile(r"\b[a-zà-ù]{3,}r(?:La|Le|Lo)\b")
# Lower-case "la"/"le" before a first-person verb address the reader ("la ringrazio", "le scrivo").
COURTESY_VERBS = re.compile(
    r"\b(?:la|le)\s+(?:ringrazio|ringrazierei|contatto|disturbo|prego|scrivo|chiedo|sarei|sarebbe|"
    r"volevo|vorrei|segnalo|mando|allego|invio|inoltro|comunico|auguro|ricordo|confermo|rispondo|"
    r"informo|ripeto|spiego|assicuro|garantisco|anticipo|giro|faccio\s+presente|faccio\s+sapere)\b"
)
# "Le ho (già) scritto / mandato / detto": a masculine participle, so "Le" is the reader (with a
# feminine plural participle, "le ho montate", it is a thing).
COURTESY_PAST = re.compile(
    r"\ble\s+(?:ho|avevo|abbiamo)\s+(?:gi[aà]\s+|pi[uù]\s+volte\s+)?\w+[^aeiou\s]o\b|"
    r"\ble\s+(?:ho|avevo|abbiamo)\s+(?:gi[aà]\s+)?(?:detto|scritto|mandato|inviato|chiesto|spiegato|"
    r"telefonato|segnalato|allegato)\b"
)
# An infinitive with "le" for "to you" before what is given or asked ("chiederle se", "mandarle il").
INFINITIVE_LE = re.compile(
    r"\b\w+(?:are|ere|ire|r)le\s+(?:se|che|di|il|lo|la|i|gli|le|un|una|uno|l'\w*|questo|questa|anche|"
    r"tutto|tutti|subito|le?\s+foto|una?\s+foto)\b"
)
# Phrases of the courtesy form (and of the tu form) that no single rule below catches.
FORMAL_PHRASES = re.compile(
    r"\b(?:se\s+vuole|vuole\s+che|se\s+crede|se\s+non\s+le\s+dispiace|non\s+si\s+preoccupi|si\s+figuri|"
    r"si\s+rende\s+conto|si\s+immagini|mi\s+creda|abbia\s+pazienza|grazie\s+a\s+lei|anche\s+a\s+lei|"
    r"gentilissim[oa]\s+lei|lei\s+[eè]\s+stat[oa]|[eè]\s+stat[oa]\s+(?:molto\s+|davvero\s+|proprio\s+)?"
    r"(?:gentile|gentilissim[oa]|cortese|cortesissim[oa]|disponibile|disponibilissim[oa]|precis[oa])|"
    r"sarebbe\s+(?:così\s+)?(?:gentile|cortese)|se\s+potesse|se\s+volesse|potesse\s+\w+|"
    r"la\s+ringrazio|la\s+saluto|buona\s+giornata\s+a\s+lei|(?:buongiorno|buonasera|gentile|salve)\s+"
    r"(?:signor[ae]?|signorina|dottor\w*|dott\.?\w*))\b"
)
INFORMAL_PHRASES = re.compile(
    r"\b(?:se\s+vuoi|se\s+credi|non\s+ti\s+preoccupare|ti\s+rendi\s+conto|grazie\s+a\s+te|anche\s+a\s+te|"
    r"sei\s+stat[oa]|lascia\s+stare|lascia\s+perdere|dai\s+su|ti\s+prego)\b"
)
# Third-person verbs aimed at the reader: "mi può dire", "potrebbe verificare", "mi perdoni".
FORMAL_VERBS = re.compile(
    r"\b(?:mi|ci)\s+(?:pu[oò]|potrebbe|saprebbe|sa(?!\s+che)|dica|dia|faccia|perdoni|scusi)\b|"
    r"(?:^|[.!?,;:]\s*|\b(?:mi|ci|se|lei)\s+)(?:pu[oò]|potrebbe|saprebbe|vorrebbe)\s+"
    r"(?:gentilmente\s+|cortesemente\s+|per\s+favore\s+)?(?!essere\b|esserci\b|trattarsi\b)"
    r"\w+(?:are|ere|ire|rmi|rci|rlo|rla|rle|rli|rne)\b"
)
LETTER_STYLE = re.compile(
    r"^(?:gentil[ei]|gentilissim[ei]|gent\.?\s*m[ei]|egregi\w*)\b|\bgentil[ei]\s+(?:cliente|servizio|staff|team|assistenza|signor\w*|"
    r"dott\w*|responsabile|ufficio|operatore|operatrice)\b|\b(?:egregi\w*|spett\.?\s*le|spettabile|"
    r"con\s+la\s+presente|cordiali\s+saluti|distinti\s+saluti|resto\s+in\s+attesa|in\s+attesa\s+di\s+"
    r"(?:un\s+)?(?:vostro\s+|suo\s+|cortese\s+)?riscontro|porgo|ossequi|sarei\s+grat[oa]|"
    r"la\s+ringrazio\s+anticipatamente)\b"
)
FORMAL_HINTS = re.compile(r"\b(?:buongiorno|buonasera|cortesemente|gentilmente|per\s+cortesia|salve)\b")
# Second person singular that is never anything else.
TU_WORDS = {"tu", "ti", "te", "tuo", "tua", "tuoi", "tue", "teco"}
TU_VERBS = re.compile(
    r"\bsei\s+(?:un|una|uno|stat[oa]|sicur[oa]|gentile|davvero|proprio|in\s+grado|capace|umano|li|lì|qui)\b|"
    r"\b(?:puoi|potresti|sai|sapresti|hai|avresti|saresti|vuoi|vorresti|devi|dovresti|riesci|dici|fai|"
    r"faresti|capisci|dimmi|dammi|fammi|dicci|fammelo|dimmelo|figurati)\b"
)
INFORMAL_HINTS = re.compile(r"\b(?:ciao|ciaoo+|hey|ehi)\b")

# Verbs a customer asks the reader to do: only these count as addressed to the reader when the
# subject is not written ("mi manda…?", "controlli…", "scusa…"); "mi arriva?" is about the parcel.
ADDRESSABLE = frozenset(
    """aiutare annullare ascoltare aspettare attendere cambiare cancellare chiamare comunicare confermare
    consigliare considerare contattare controllare credere dare dire fare fissare girare guardare
    immaginare indicare inoltrare inviare lasciare leggere mandare mettere passare pensare permettere
    portare prendere prenotare preoccupare provare richiamare ricontattare ricordare ridare rimandare
    rimborsare rispiegare rispondere risolvere ritirare scrivere scusare segnalare sentire sistemare
    sapere spedire spiegare sostituire spostare stare tenere togliere venire verificare volere potere""".split()
)
CLITICS = frozenset({"mi", "ci", "me", "ce", "glie"})
CLITIC_OBJECTS = frozenset({"lo", "la", "li", "le", "ne"})
ENCLITIC = re.compile(r"^(?P<base>[a-zà-ù]+?)(?P<clitic>mi|ci|melo|mela|meli|mele|celo|cela|mene|cene)$")
# The forms of irregular verbs: tu (indicative or imperative), Lei (courtesy imperative), 3rd singular.
IRREGULAR = {
    "dire": ({"dici", "di'", "dì"}, {"dica"}, {"dice"}),
    "fare": ({"fai", "fa'"}, {"faccia"}, {"fa"}),
    "dare": ({"dai", "da'"}, {"dia"}, {"dà", "da"}),
    "andare": ({"vai", "va'"}, {"vada"}, {"va"}),
    "stare": ({"stai", "sta'"}, {"stia"}, {"sta"}),
    "venire": ({"vieni"}, {"venga"}, {"viene"}),
    "tenere": ({"tieni"}, {"tenga"}, {"tiene"}),
    "togliere": ({"togli"}, {"tolga"}, {"toglie"}),
    "potere": ({"puoi"}, {"possa"}, {"può", "puo"}),
    "volere": ({"vuoi"}, {"voglia"}, {"vuole"}),
    "sapere": ({"sai", "sappi"}, {"sappia"}, {"sa"}),
    "dovere": ({"devi"}, {"debba"}, {"deve"}),
    "avere": ({"hai", "abbi"}, {"abbia"}, {"ha"}),
    "essere": ({"sei", "sii"}, {"sia"}, {"è"}),
    "scegliere": ({"scegli"}, {"scelga"}, {"sceglie"}),
    "rimanere": ({"rimani"}, {"rimanga"}, {"rimane"}),
    "porre": ({"poni"}, {"ponga"}, {"pone"}),
    "scusare": ({"scusa", "scusami"}, {"scusi"}, set()),
}
# Words that may stand before a clause's verb without making it less of a request.
LEAD_INS = frozenset(
    """allora ok okay va bene e ma però pero dai quindi comunque cmq per favore piacere cortesemente
    gentilmente pure anche intanto adesso ora ah oh beh be senta senti scusi scusa buongiorno buonasera
    salve ciao""".split()
)

_VERB_TABLE: Optional[dict[str, str]] = None


def verb_table() -> dict[str, str]:
    """spaCy's Italian verb lemma table (form → infinitive), from spacy-lookups-data; {} without it."""
    global _VERB_TABLE
    if _VERB_TABLE is None:
        try:
            import gzip
            import json
            import os

            import spacy_lookups_data

            path = os.path.join(
                os.path.dirname(spacy_lookups_data.__file__), "data", "it_lemma_lookup_verb.json.gz"
            )
            with gzip.open(path, "rt", encoding="utf-8") as handle:
                _VERB_TABLE = json.load(handle)
        except (ImportError, OSError, ValueError):  # pragma: no cover - the bot environment has it
            _VERB_TABLE = {}
    return _VERB_TABLE


def verb_person(form: str) -> Optional[tuple[str, str]]:
    """(infinitive, kind) of an addressable verb form: ``tu`` (second person, indicative or
    imperative), ``lei`` (the courtesy imperative), ``i`` (an -are verb's -i form: "mi aiuti" — tu
    in a question, Lei in a request), ``a`` (an -are verb's -a form: tu imperative or third person),
    ``e`` (third person of -ere/-ire). None for anything else."""
    lemma = verb_table().get(form)
    if not lemma or lemma not in ADDRESSABLE and not any(lemma.endswith(x) for x in ("mandare",)):
        return None
    if lemma in IRREGULAR:
        tu, lei, third = IRREGULAR[lemma]
        if form in tu:
            return lemma, "tu"
        if form in lei:
            return lemma, "lei"
        if form in third:
            return lemma, "e"
    stem, ending = lemma[:-3], lemma[-3:]
    if ending == "are":
        soft = stem + "h" if stem.endswith(("c", "g")) else stem
        if form in {soft + "i", stem if stem.endswith("i") else soft + "i", stem + "ii"}:
            return lemma, "i"
        if form == stem + "a":
            return lemma, "a"
    elif ending in ("ere", "ire"):
        if form in {stem + "i", stem + "isci"}:
            return lemma, "tu"
        if form in {stem + "a", stem + "isca"}:
            return lemma, "lei"
        if form in {stem + "e", stem + "isce"}:
            return lemma, "e"
    return None


def _clauses(lowered: str) -> list[tuple[list[str], bool]]:
    """The words of each clause and whether the clause is a question."""
    clauses: list[tuple[list[str], bool]] = []
    words: list[str] = []
    for token in TOKEN.findall(lowered):
        if token in {".", "!", "?", ";", ":"}:
            if words:
                clauses.append((words, token == "?"))
            words = []
        elif token == ",":
            words.append(token)
        else:
            words.append(token)
    if words:
        clauses.append((words, False))
    return clauses


def _verb_cues(lowered: str, result: RegisterScore) -> None:
    """Verbs aimed at the reader: after "mi/ci/me lo…", at the start of a clause, or with an
    enclitic pronoun ("dimmi", "sentimi")."""
    for words, question in _clauses(lowered):
        plain = [w for w in words if w != ","]
        for index, word in enumerate(plain):
            found = ENCLITIC.match(word)
            if found and not word.endswith(("rmi", "rci")):
                base = verb_person(found.group("base"))
                if base and (
                    base[1] in ("tu", "a") or found.group("base") in ("di", "fa", "da", "sta", "va")
                ):
                    result.add(INFORMAL, STRONG, word)
                    continue
            person = verb_person(word)
            if person is None:
                continue
            lemma, kind = person
            before = plain[max(0, index - 3) : index]
            after_clitic = bool(before) and (
                before[-1] in CLITICS
                or (len(before) >= 2 and before[-2] in CLITICS and before[-1] in CLITIC_OBJECTS)
            )
            subjunctive = "che" in before or "prima" in before or "spero" in before
            opening = all(w in LEAD_INS or w == "non" for w in plain[:index])
            if subjunctive or not (after_clitic or opening):
                continue
            if kind == "tu":
                result.add(INFORMAL, STRONG, " ".join([*before[-2:], word]) if after_clitic else word)
            elif kind == "lei":
                result.add(FORMAL, STRONG, " ".join([*before[-2:], word]) if after_clitic else word)
            elif kind == "i":
                cue = " ".join([*before[-2:], word]) if after_clitic else word
                result.add(INFORMAL if question else FORMAL, STRONG, cue + ("?" if question else ""))
            elif kind == "a" and not question and opening and not after_clitic:
                result.add(INFORMAL, STRONG, word)  # "controlla per favore", "lascia stare"
            elif (
                kind in ("a", "e")
                and question
                and after_clitic
                and lemma not in ("potere", "sapere")
                and all(
                    w in LEAD_INS or w in CLITICS or w in CLITIC_OBJECTS or w == "non" for w in plain[:index]
                )
            ):
                result.add(FORMAL, WEAK + HINT, " ".join([*before[-2:], word]) + "?")  # "mi manda…?"
            elif kind == "e" and lemma in ("potere", "sapere", "volere") and (after_clitic or opening):
                nxt = plain[index + 1] if index + 1 < len(plain) else ""
                if re.fullmatch(r"\w+(?:are|ere|ire|rmi|rci|rlo|rla|rle|rli|rne)", nxt):
                    result.add(FORMAL, STRONG, f"{word} {nxt}")  # "può mettermi", "mi sa dire"


@dataclass
class RegisterScore:
    """How formal and how informal a message sounds, and why (words an agent can read)."""

    formal: float = 0.0
    informal: float = 0.0
    formal_cues: list[str] = field(default_factory=list)
    informal_cues: list[str] = field(default_factory=list)

    def add(self, register: str, weight: float, cue: str) -> None:
        """Add one cue."""
        if register == FORMAL:
            self.formal += weight
            self.formal_cues.append(f"«{cue}»")
        else:
            self.informal += weight
            self.informal_cues.append(f"«{cue}»")

    @property
    def cues(self) -> list[str]:
        """Every cue found, Lei's first."""
        return self.formal_cues + self.informal_cues

    def as_dict(self, value: Optional[str]) -> dict[str, Any]:
        """The form stored on the parse result."""
        return {"value": value, "formal": self.formal, "informal": self.informal, "cues": self.cues}


def _mid_sentence_capitals(text: str) -> list[str]:
    """Courtesy pronouns written with a capital letter not at the start of a sentence."""
    found = []
    tokens = WORD.findall(text)
    for index, token in enumerate(tokens):
        if token in COURTESY_CAPITAL and index > 0 and tokens[index - 1] not in {".", "!", "?", ":", ";"}:
            found.append(token)
    return found


FEMALE_THIRD = re.compile(
    r"\b(?:moglie|madre|mamma|figlia|sorella|compagna|fidanzata|suocera|nonna|zia|amica|vicina|signora)\b"
)


def score_register(text: str) -> RegisterScore:
    """Score one message."""
    result = RegisterScore()
    raw = str(text or "")
    lowered = " ".join(raw.lower().split())
    for capital in _mid_sentence_capitals(raw):
        result.add(FORMAL, STRONG, capital)
    for match in CAPITAL_CLITIC.finditer(raw):
        result.add(FORMAL, STRONG, match.group(0))
    for pattern in (COURTESY_VERBS, COURTESY_PAST, FORMAL_PHRASES, FORMAL_VERBS):
        for match in pattern.finditer(lowered):
            result.add(FORMAL, STRONG, match.group(0))
    for match in INFINITIVE_LE.finditer(lowered):
        result.add(FORMAL, WEAK + HINT, match.group(0))
    # "Lei capisce…", "lei mi aveva detto": the reader, unless a woman was just mentioned ("she")
    if not FEMALE_THIRD.search(lowered):
        for match in re.finditer(r"(?:^|[.!?]\s*)lei\s+(?:mi\s+|si\s+|non\s+)?\w+", lowered):
            result.add(FORMAL, WEAK + HINT, match.group(0).strip(" .!?"))
        for match in re.finditer(
            r"(?<=[a-zà-ù,] )lei\s+(?:mi\s+|si\s+)?(?:aveva|ha|era|è|continua|dice|pu[oò]|sa)\b", lowered
        ):
            result.add(FORMAL, WEAK, match.group(0))
    for match in LETTER_STYLE.finditer(lowered):
        result.add(FORMAL, WEAK + HINT, match.group(0))
    for match in FORMAL_HINTS.finditer(lowered):
        result.add(FORMAL, HINT, match.group(0))
    for word in re.findall(r"[a-zà-öø-ÿ]+", lowered):
        if word in TU_WORDS:
            result.add(INFORMAL, STRONG, word)
    for pattern in (TU_VERBS, INFORMAL_PHRASES):
        for match in pattern.finditer(lowered):
            result.add(INFORMAL, STRONG, match.group(0))
    for match in INFORMAL_HINTS.finditer(lowered):
        result.add(INFORMAL, WEAK, match.group(0))
    _verb_cues(lowered, result)
    return result


def decide(score: RegisterScore) -> Optional[str]:
    """``formal`` or ``informal`` when the cues clearly lean one way, else None (no signal)."""
    if score.formal >= WEAK + HINT and score.formal - score.informal >= WEAK:
        return FORMAL
    if score.informal >= WEAK and score.informal - score.formal >= HINT:
        return INFORMAL
    return None


def detect(text: str) -> tuple[Optional[str], RegisterScore]:
    """The register of one message (None without a clear signal) and its score."""
    score = score_register(text)
    return decide(score), score


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR], is_trainable=False)
class RegisterDetector(GraphComponent):
    """Adds a ``register`` entity (formal / informal) to messages with a clear register."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        """Nothing to configure."""
        return {}

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> RegisterDetector:
        """Create the component (nothing to train or load)."""
        return cls()

    def process(self, messages: list[Message]) -> list[Message]:
        """Detect the register of every message."""
        for message in messages:
            text = message.get(TEXT) or ""
            value, score = detect(text)
            message.set(OUTPUT_PROPERTY, score.as_dict(value), add_to_output=True)
            if value is not None:
                entities = list(message.get(ENTITIES) or [])
                entities.append(
                    {
                        "entity": REGISTER_ENTITY,
                        "value": value,
                        "start": 0,
                        "end": len(text),
                        "confidence": 1.0,
                        "extractor": self.__class__.__name__,
                    }
                )
                message.set(ENTITIES, entities, add_to_output=True)
        return messages
