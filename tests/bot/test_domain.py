"""The domain: every response the code says exists, with the placeholders the code fills."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from sportello.problems import registry

ROOT = Path(__file__).resolve().parents[2]
DOMAIN = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))
RESPONSES = DOMAIN["responses"]


def texts(name):
    return [v["text"] for v in RESPONSES[name]]


def test_every_response_named_in_the_actions_exists():
    code = "\n".join(p.read_text() for p in (ROOT / "bot" / "actions").rglob("*.py"))
    named = set(re.findall(r'"(utter_[a-z0-9_]+)"', code))
    assert named, "the actions name their responses"
    assert sorted(named - set(RESPONSES)) == []
    for prefix in set(re.findall(r'f"(utter_[a-z_]+_)\{', code)):
        assert any(r.startswith(prefix) for r in RESPONSES), prefix
    for problem in registry().problem_intents:
        assert f"utter_ack_{problem}" in RESPONSES
    for status in ("delivered", "in_transit", "preparing", "cancelled"):
        assert f"utter_order_found_{status}" in RESPONSES and f"utter_order_status_{status}" in RESPONSES


def test_handoff_responses_name_the_agent_the_queue_and_the_ticket():
    assert all("{agent_name}" in t for t in texts("utter_handoff_assigned"))
    assert all("{queue_position}" in t and "{wait}" in t for t in texts("utter_handoff_queued"))
    assert all("{ticket_id}" in t for t in texts("utter_handoff_offline"))
    assert all("ripetere" in t for t in texts("utter_handoff_assigned"))  # nothing to repeat


def test_a_frustrated_customer_gets_its_own_variations():
    for name in [
        "utter_apologise",
        "utter_ask_order_number",
        "utter_handoff_assigned",
        "utter_ack_item_damaged",
        "utter_ack_delivery_late",
        "utter_ack_missing_parts",
        "utter_ack_wrong_item",
    ]:
        conditions = [v.get("condition") for v in RESPONSES[name]]
        assert any(c and c[0]["name"] == "mood" and c[0]["value"] == "frustrated" for c in conditions), name
        assert any(not c for c in conditions), f"{name} needs a default variation too"


def test_repeated_responses_have_several_variations():
    for name in [
        "utter_greet",
        "utter_goodbye",
        "utter_you_are_welcome",
        "utter_iamabot",
        "utter_apologise",
        "utter_ask_order_number",
        "utter_ask_rephrase",
        "utter_out_of_scope",
        "utter_handoff_assigned",
        "utter_handoff_queued",
        "utter_handoff_offline",
    ]:
        assert len(RESPONSES[name]) >= 2, name


def test_closing_the_loop_offers_more_help_and_a_one_to_five_rating():
    assert set(texts("utter_anything_else")) == {
        "Posso fare ancora altro per te?",
        "Posso fare ancora altro per Lei?",
    }
    for rating in RESPONSES["utter_ask_rating"]:  # tu and Lei
        assert [b["title"] for b in rating["buttons"]] == ["1", "2", "3", "4", "5"]


def test_numbers_agree_with_their_nouns():
    """No response puts a number placeholder before a plural noun ("{eta_minutes} minuti" would
    read "1 minuti"): such phrases come from the hub, one variation per number (utter_wait_*)."""
    plural = re.compile(
        r"\{(eta_minutes|queue_position|[a-z_]*count[a-z_]*)\}\s+(minuti|giorni|ore|pezzi|articoli|settimane)"
    )
    offenders = [
        (name, v["text"])
        for name, variations in RESPONSES.items()
        for v in variations
        if name != "utter_wait_many" and plural.search(v.get("text", ""))
    ]
    assert offenders == []
    assert texts("utter_wait_one") == ["circa un minuto"]
    assert all("{eta_minutes} minuti" in t for t in texts("utter_wait_many"))


def test_policy_facts_have_one_source_for_the_bot_and_the_agents():
    """The refund time the bot explains and the one an agent's canned reply promises are the same
    fact of bot/shop.yml, not two numbers that can drift apart ("entro 14 giorni" vs "5-10")."""
    from sportello.shop import facts

    shop = facts()
    for name in ("utter_policy_refund", "utter_canned_refund"):
        assert all("{refund_days}" in text for text in texts(name)), name
    assert all("{return_days}" in text for text in texts("utter_policy_return"))
    numbers = re.compile(r"\b\d+(?:-\d+)?\s+(?:giorni|settimane|mesi|anni)\b")
    written = [(n, v["text"]) for n, vs in RESPONSES.items() for v in vs if numbers.search(v.get("text", ""))]
    assert written == [], "durations belong in bot/shop.yml, quoted as {placeholders}"
    assert isinstance(shop["refund_days"], int) and isinstance(shop["return_days"], int)
