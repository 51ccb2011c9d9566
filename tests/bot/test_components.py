"""The Italian spaCy pipeline built from code and the frustration detector."""

from __future__ import annotations

import pytest

from bot.components.frustration import score_text


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
