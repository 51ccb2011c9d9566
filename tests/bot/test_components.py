"""The Italian spaCy pipeline built from code and the frustration detector."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from bot.components.frustration import score_text

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    "text",
    [
        "È la terza volta che scrivo per lo stesso ordine",
        "siete degli incompetenti, vergognatevi",
        "IL TAVOLO È ARRIVATO ROTTO E NESSUNO RISPONDE",
        "ho già scritto due volte e nessuno mi risponde!!!",
        "vi faccio causa, chiamo il mio avvocato e scrivo una recensione: inaccettabile",
    ],
)
def test_frustrated_messages_score_above_the_threshold(text):
    result = score_text(text)
    assert result.score >= 1.0, result
    assert result.reasons


@pytest.mark.parametrize(
    "text",
    [
        "Buongiorno, il tavolo è arrivato con una gamba rotta",
        "mi dite quando arriva il divano?",
        "Vorrei cortesemente sapere lo stato dell'ordine 1234567. Grazie!",
        "OK",
    ],
)
def test_calm_messages_stay_below_the_threshold(text):
    assert score_text(text).score < 1.0


# Calm words a customer says every day ("non ce l'ho", "vi avevo già scritto"): held-out phrasings
# written without seeing the detector. None of them is frustration.
PHRASINGS = yaml.safe_load((ROOT / "tests" / "bot" / "dialogue_phrasings.yml").read_text(encoding="utf-8"))
CALM = (
    PHRASINGS["calm_negations"]
    + PHRASINGS["no_ticket_code"]
    + [
        "vi avevo già scritto per una pratica aperta",
        "Buongiorno, vi ho già scritto ieri per il mio ordine",
        "scusate, vi scrivo di nuovo per il reso",
    ]
)


@pytest.mark.parametrize("text", CALM)
def test_calm_negations_and_returning_customers_are_not_frustration(text):
    assert score_text(text).score < 1.0, score_text(text)


def test_a_mild_cue_counts_together_with_another():
    assert score_text("vi ho già scritto e siete degli incompetenti").score >= 1.0
    assert score_text("ho già scritto tre volte!!!").score >= 1.0


def test_lemmas_count_as_cues():
    assert score_text("mi avete truffato", lemmas=["mi", "avere", "truffa"]).score >= 1.0


def test_spacy_pipeline_is_built_from_code(tmp_path):
    from bot.components.spacy_it import build

    nlp = build(tmp_path / "it")
    import spacy

    loaded = spacy.load(tmp_path / "it")
    assert loaded.lang == "it" and nlp.pipe_names == loaded.pipe_names
    lemmas = {t.text: t.lemma_ for t in loaded("le sedie sono rotte e nn so xké")}
    assert lemmas["sedie"] == "sedia"
    assert lemmas["rotte"] == "rotto"
    assert lemmas["nn"] == "non" and lemmas["xké"] == "perché"


def _message(text, intent, entities=()):
    from rasa.shared.nlu.training_data.message import Message

    return Message(
        data={
            "text": text,
            "intent": {"name": intent, "confidence": 0.8},
            "intent_ranking": [{"name": intent, "confidence": 0.8}],
            "entities": list(entities),
        }
    )


def test_domain_guard_sends_support_intents_without_any_cue_to_fallback():
    from bot.components.domain_guard import SupportDomainGuard

    guard = SupportDomainGuard(SupportDomainGuard.get_default_config())
    weather, table, number, chat, product = guard.process(
        [
            _message("quanti gradi fa adesso a Bari?", "order_status"),
            _message("il tavolo è arrivato rotto", "item_damaged"),
            _message("è il 2345678", "order_status"),
            _message("ciao", "greet"),
            _message("il mio comò?", "delivery_late", [{"entity": "product", "value": "comò"}]),
        ]
    )
    assert weather.get("intent")["name"] == "nlu_fallback"
    assert weather.get("domain_guard") == {"classified_as": "order_status"}
    assert weather.get("intent_ranking")[0]["name"] == "nlu_fallback"
    assert table.get("intent")["name"] == "item_damaged"
    assert number.get("intent")["name"] == "order_status"
    assert chat.get("intent")["name"] == "greet"  # a greeting needs no support cue
    assert product.get("intent")["name"] == "delivery_late"  # a product entity is a cue


def test_domain_guard_turns_away_any_intent_that_names_another_world_unless_anchored():
    from bot.components.domain_guard import SupportDomainGuard

    guard = SupportDomainGuard(SupportDomainGuard.get_default_config())
    bus, person, hello, courier, order = guard.process(
        [
            _message("l'autobus è in ritardo", "delivery_late"),
            _message("voglio parlare con il mio dentista", "request_human"),
            _message("ciao, mi fai una ricetta con il basilico?", "greet"),
            _message("il corriere è più lento dell'autobus", "delivery_late"),
            _message(
                "il tavolo è arrivato rotto, ho preso il treno per vederlo",
                "item_damaged",
                [{"entity": "product", "value": "tavolo"}],
            ),
        ]
    )
    assert bus.get("intent")["name"] == "nlu_fallback"
    assert bus.get("domain_guard") == {"classified_as": "delivery_late", "foreign": "autobus"}
    assert person.get("intent")["name"] == "nlu_fallback" and hello.get("intent")["name"] == "nlu_fallback"
    assert courier.get("intent")["name"] == "delivery_late"  # anchored: "corriere"
    assert order.get("intent")["name"] == "item_damaged"  # anchored: a product of the shop


def test_no_foreign_word_appears_in_what_the_bot_is_trained_to_handle():
    """Otherwise the guard would turn away messages like the ones the bot learnt from."""
    import re
    from pathlib import Path

    from bot.components.domain_guard import fold, load_foreign
    from tests.bot.test_nlu import examples, plain

    foreign = load_foreign()
    assert len(foreign) >= 1500
    root = Path(__file__).resolve().parents[2]
    clashes = [
        (intent, text, sorted(set(re.findall(r"[a-z0-9]+", fold(plain(text)))) & foreign))
        for path in sorted((root / "bot/data/nlu").glob("*.yml"))
        for intent, text in examples(path)
        if intent != "out_of_scope" and set(re.findall(r"[a-z0-9]+", fold(plain(text)))) & foreign
    ]
    assert clashes == []


def test_every_support_training_example_carries_a_support_cue():
    """Otherwise the guard would turn away messages the bot was trained to handle."""
    import re
    from pathlib import Path

    from bot.components.domain_guard import load_stems, support_cue
    from sportello import shop
    from sportello.problems import registry
    from tests.bot.test_nlu import examples, plain

    root = Path(__file__).resolve().parents[2]
    # the examples are written for the demo shop: its profile adds the stems of its goods' parts
    stems = load_stems() + list(shop.load(root / "shops" / "casa").cues)
    entity = re.compile(r"\]\((?:order_number|product|ticket_id)")
    missing = [
        (intent, text)
        for path in sorted((root / "bot/data/nlu").glob("*.yml"))
        for intent, text in examples(path)
        if intent in registry().support_intents
        and not entity.search(text)
        and not support_cue(plain(text), stems)
    ]
    assert missing == []


@pytest.mark.parametrize("name", ["casa", "electronics", "clothing"])
def test_the_guard_trained_for_a_shop_never_turns_away_what_it_sells(name, tmp_path):
    """A customer of any shop who names what it sells ("il tablet", "le magliette") is not sent to
    "not understood" for naming another world's thing: the guard gets the shop's words at training."""
    from pathlib import Path

    import yaml

    from bot.components.domain_guard import SupportDomainGuard, foreign_word, load_foreign
    from sportello import shop
    from tools import shop_build

    root = Path(__file__).resolve().parents[2]
    folder = root / "shops" / name
    shop_build.build(root, folder, tmp_path)
    config = yaml.safe_load((tmp_path / "config.yml").read_text(encoding="utf-8"))
    settings = next(c for c in config["pipeline"] if c["name"] == shop_build.GUARD)
    guard = SupportDomainGuard({**SupportDomainGuard.get_default_config(), **settings})
    profile = shop.load(folder)
    words = [w for p in profile.products for w in p.words]
    # a one-word name is never another world's word; a longer one ("tuta da ginnastica") is the
    # product entity the lookup table extracts, which ties the message to the shop
    flagged = [
        w for w in words if " " not in w and foreign_word(f"è arrivato {w}", guard._foreign, guard._phrases)
    ]
    assert flagged == []
    from rasa.shared.nlu.training_data.message import Message

    turned_away = []
    for phrase in (w for w in words if " " in w):
        intent = {"name": "item_damaged", "confidence": 0.9}
        message = Message(
            data={
                "text": f"la {phrase} è arrivata rotta",
                "intent": intent,
                "intent_ranking": [intent],
                "entities": [{"entity": "product", "value": phrase}],
            }
        )
        guard.process([message])
        if message.get("intent")["name"] != "item_damaged":
            turned_away.append(phrase)
    assert turned_away == []
    # the words the lexicon had to give up for this shop (a clothing shop sells what sport names)
    given_up = {shop.fold(w.split()[0]) for w in words} & load_foreign()
    assert given_up <= {shop.fold(w) for w in settings["shop_words"]}
    # a part of the shop's goods is a support cue: "la batteria non dura", "la cerniera si è rotta"
    assert all(any(stem.startswith(c) for stem in guard._stems) for c in profile.cues)
    # and a cue that is a whole word is never another world's ("il wifi non va più")
    assert [c for c in profile.cues if foreign_word(c, guard._foreign, guard._phrases)] == []


def _fallback_message(ranking):
    from rasa.shared.nlu.training_data.message import Message

    top = {"name": "nlu_fallback", "confidence": 0.45}
    return Message(data={"text": "x", "intent": top, "intent_ranking": [top, *ranking]})


def test_intent_families_keep_a_message_split_between_siblings():
    from bot.components.intent_families import IntentFamilies

    families = IntentFamilies(
        {
            **IntentFamilies.get_default_config(),
            "families": [["goodbye", "thank", "deny"], ["deny", "inform"]],
        }
    )
    closing = _fallback_message(
        [
            {"name": "goodbye", "confidence": 0.44},
            {"name": "thank", "confidence": 0.25},
            {"name": "greet", "confidence": 0.1},
        ]
    )
    correction = _fallback_message(
        [
            {"name": "deny", "confidence": 0.42},
            {"name": "inform", "confidence": 0.36},
            {"name": "wrong_item", "confidence": 0.07},
        ]
    )
    # spread over unrelated intents: still not understood
    scattered = _fallback_message(
        [
            {"name": "goodbye", "confidence": 0.40},
            {"name": "complain", "confidence": 0.3},
            {"name": "thank", "confidence": 0.1},
        ]
    )
    # the family holds enough, but the best guess itself is too weak
    weak = _fallback_message(
        [
            {"name": "thank", "confidence": 0.25},
            {"name": "goodbye", "confidence": 0.24},
            {"name": "deny", "confidence": 0.2},
        ]
    )
    families.process([closing, correction, scattered, weak])
    assert closing.get("intent")["name"] == "goodbye" and closing.get("intent_family")["share"] == 0.69
    assert correction.get("intent")["name"] == "deny"
    assert all(r["name"] != "nlu_fallback" for r in correction.get("intent_ranking"))
    assert scattered.get("intent")["name"] == "nlu_fallback" and weak.get("intent")["name"] == "nlu_fallback"


def test_intent_families_refuse_a_family_of_one():
    from bot.components.intent_families import IntentFamilies

    with pytest.raises(ValueError):
        IntentFamilies({**IntentFamilies.get_default_config(), "families": [["goodbye"]]})


def test_a_catalogue_s_ordinary_italian_words_are_not_taken_for_model_names(tmp_path):
    """ "Sandali Spiaggia" must not make "vado in spiaggia" a message about sandals."""
    from sportello import shop
    from sportello.catalogue import rows

    folder = tmp_path / "negozio"
    folder.mkdir()
    (folder / "shop.yml").write_text(
        "name: Prova\nsells: scarpe\nproducts:\n  - {name: sandali, gender: m, number: plural}\n"
        "  - {name: borsa, plural: borse, gender: f}\n",
        encoding="utf-8",
    )
    catalogue = folder / "catalogo.csv"
    catalogue.write_text(
        "Handle,Title,Type\na,Sandali Spiaggia,Sandali\nb,Borsa Luna,Borsa\nc,Sandali Zefirix,Sandali\n",
        encoding="utf-8",
    )
    models, problems = rows(catalogue, shop.load(folder))
    assert models == {"zefirix": "sandali"} and problems == []
