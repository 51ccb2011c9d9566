"""The hub's words come from domain.yml: variations without conditions, placeholders filled."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from handoff.responses import Responses, ResponsesError, load_canned_selection

FIXTURES = Path(__file__).parent / "fixtures"
REPO_DOMAIN = Path(__file__).resolve().parents[2] / "domain.yml"


def test_the_most_specific_variation_fits_and_the_shop_s_facts_fill_in():
    from sportello.shop import facts

    responses = Responses(
        {
            "utter_x": [
                {"text": "tu, {refund_days} giorni"},
                {"text": "Lei", "condition": [{"type": "slot", "name": "register", "value": "formal"}]},
                {
                    "text": "Lei e arrabbiato",
                    "condition": [
                        {"type": "slot", "name": "mood", "value": "frustrated"},
                        {"type": "slot", "name": "register", "value": "formal"},
                    ],
                },
            ]
        }
    )
    assert responses.text("utter_x") == f"tu, {facts()['refund_days']} giorni"
    assert responses.text("utter_x", {"register": "formal"}) == "Lei"
    assert responses.text("utter_x", {"register": "formal", "mood": "frustrated"}) == "Lei e arrabbiato"
    assert responses.text("utter_x", {"register": "", "mood": "frustrated"}).startswith("tu")


def test_conditional_variations_without_slots_are_never_picked_and_placeholders_are_filled():
    responses = Responses.load(FIXTURES / "domain.yml")
    responses._rng = random.Random(7)
    texts = {
        responses.text("utter_handoff_assigned", agent_name="Serena", ticket_id="T6QYJ5XKA")
        for _ in range(30)
    }
    assert texts == {"TEST assigned to Serena (T6QYJ5XKA)"}
    # unknown placeholders stay visible rather than crashing
    assert (
        responses.text("utter_handoff_queued", queue_position=2) == "TEST queued at 2, {wait} ({ticket_id})"
    )


def test_missing_domain_or_response_is_a_clear_error(tmp_path):
    with pytest.raises(ResponsesError, match="not found"):
        Responses.load(tmp_path / "nope.yml")
    partial = tmp_path / "domain.yml"
    partial.write_text("responses:\n  utter_hub_bot_unavailable:\n    - text: x\n")
    with pytest.raises(ResponsesError, match="utter_handoff_assigned"):
        Responses.load(partial)
    broken = tmp_path / "broken.yml"
    broken.write_text("responses: [\n")
    with pytest.raises(ResponsesError, match="not valid YAML"):
        Responses.load(broken)


def test_the_repo_domain_has_every_response_the_hub_needs():
    assert REPO_DOMAIN.is_file(), f"{REPO_DOMAIN} is missing"
    responses = Responses.load(REPO_DOMAIN)
    for status in ("assigned", "queued", "offline"):
        text = responses.text(
            f"utter_handoff_{status}",
            agent_name="Serena",
            ticket_id="T6QYJ5XKA",
            queue_position=2,
            eta_minutes=5,
            wait=responses.text("utter_wait_many", eta_minutes=5),
        )
        assert "{" not in text, text
    # Italian agreement: one minute is "un minuto", never "1 minuti"
    assert responses.text("utter_wait_one") == "circa un minuto"
    assert responses.text("utter_wait_many", eta_minutes=3) == "circa 3 minuti"
    assert responses.canned(), "the console expects utter_canned_* responses"


async def test_canned_file_picks_orders_and_titles_domain_responses(make_hub, tmp_path):
    canned = tmp_path / "canned.yml"
    canned.write_text(
        "- id: utter_canned_refund\n  title: Rimborso avviato\n"
        "- id: utter_canned_missing_in_domain\n  title: Ignored\n"
        "- id: utter_canned_closing\n"
    )
    hub = await make_hub(canned_path=canned)
    serena = await hub.online_agent("Serena")
    items = (await serena.get("/canned")).json()["canned"]
    assert items == [
        {
            "id": "utter_canned_refund",
            "title": "Rimborso avviato",
            "text": "TEST refund started",
        },
        {
            "id": "utter_canned_closing",
            "title": "closing",
            "text": "TEST anything else?",
        },
    ]


def test_canned_file_must_not_hold_customer_words(tmp_path):
    bad = tmp_path / "canned.yml"
    bad.write_text("- id: utter_canned_refund\n  title: R\n  text: Rimborso fatto\n")
    with pytest.raises(ResponsesError, match="domain.yml"):
        load_canned_selection(bad)
    bad.write_text("- id: refund\n")
    with pytest.raises(ResponsesError, match="utter_canned_"):
        load_canned_selection(bad)
    assert load_canned_selection(tmp_path / "absent.yml") is None
